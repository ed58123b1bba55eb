"""Push de-identified answers to a Label Studio project, idempotently.

A task carries the answer's ``response_id`` in its data; a push lists the
ids the project already holds and imports only the missing ones, in chunks.
Label Studio has no server-side upsert, so this is what keeps a second push
(or a push re-run after an interruption) from creating duplicates.

Only text that this library de-identified goes to Label Studio: a file must
carry a matching de-identification manifest (``twoknow deid`` writes it), a
:class:`~twoknow_text.records.Corpus` must have ``deidentified=True``. The
override for data de-identified elsewhere is explicit, warns loudly and is
recorded in the project's description.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import math
import os
import re
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._io import unquote_formula
from ..errors import LabelStudioError, TwoknowError
from ..records import Corpus
from ._client import api_errors, connect
from ._columns import check_corpus_columns, check_push_columns
from ._config import TEXT_CONTROL, coder_guide_html, labelling_config

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from label_studio_sdk import LabelStudio

    from ..codebook import Codebook

__all__ = [
    "push",
    "PushReport",
    "check_deidentified",
    "load_theme_code_map",
    "theme_predictions",
    "find_project",
    "existing_response_ids",
    "load_question_texts",
    "OVERRIDE_FLAG",
    "DEFAULT_CHUNK_SIZE",
]

OVERRIDE_FLAG = "--i-deidentified-this-elsewhere"
DEFAULT_CHUNK_SIZE = 500
_MODEL_PREFIX = "twoknow-themes"
_DESCRIPTION_HEAD = "Coding project managed by twoknow_text (`twoknow ls push`)."
_OVERRIDE_NOTE = (
    "WARNING: tasks were imported with {flag} on {date}: twoknow_text did NOT verify that "
    "these answers are de-identified."
)
_RESERVED_DATA_KEYS = ("response_id", "respondent_id", "question_id", "question", "language", TEXT_CONTROL)


@dataclass
class PushReport:
    """What a push did. Counts only: never answer text."""

    project_id: int
    project_title: str
    project_created: bool
    config_updated: bool
    n_input: int
    n_already_present: int
    n_imported: int
    n_predictions: int = 0
    n_predictions_added_to_existing: int = 0
    n_chunks: int = 0
    n_duplicates_in_project: int = 0
    unmapped_themes: list[str] = field(default_factory=list)
    deid_override: bool = False
    #: privacy-review gate (annotation/_review.py): flagged answers held back / sent unreviewed by override
    n_held_for_review: int = 0
    n_sent_unreviewed: int = 0

    def summary(self) -> str:
        parts = [
            f"project '{self.project_title}' (id {self.project_id}, {'created' if self.project_created else 'existing'})",
            f"{self.n_input:,} answers in",
            f"{self.n_already_present:,} already there",
            f"{self.n_imported:,} imported in {self.n_chunks} chunk(s)",
        ]
        if self.n_predictions or self.n_predictions_added_to_existing:
            parts.append(
                f"{self.n_predictions + self.n_predictions_added_to_existing:,} pre-annotations"
            )
        if self.config_updated:
            parts.append("labelling config updated")
        if self.n_held_for_review:
            parts.append(f"{self.n_held_for_review:,} held back for privacy review")
        if self.n_sent_unreviewed:
            parts.append(f"{self.n_sent_unreviewed:,} flagged answers sent UNREVIEWED")
        return "; ".join(parts)


# --------------------------------------------------------------------------- de-identification gate


def check_deidentified(path: str | os.PathLike[str], *, allow_external_deid: bool = False) -> bool:
    """Refuse ``path`` unless this library de-identified it (``E530``).

    Returns True when the de-identification manifest matches, False when the
    check failed but was overridden with ``allow_external_deid`` (the caller
    must then warn loudly, as :func:`push` and the CLI do).
    """
    from ..deid import verify_deidentified

    try:
        verify_deidentified(path)
        return True
    except TwoknowError as exc:
        if not allow_external_deid:
            raise LabelStudioError(
                "E530",
                f"Refusing to push {Path(path).name}: not verified as de-identified by twoknow_text "
                f"[{exc.code}: {exc.message}] If you de-identified it with another tool, say so with "
                f"{OVERRIDE_FLAG}.",
            ) from None
    return False


def load_question_texts(path: str | os.PathLike[str]) -> dict[str, str]:
    """question_id → wording from a YAML mapping or a CSV with ``question_id`` and ``text`` columns."""
    p = Path(path)
    if not p.is_file():
        raise LabelStudioError("E538", f"Questions file not found: {p}")
    if p.suffix.lower() in (".yaml", ".yml"):
        from ..config import load_yaml

        data = load_yaml(p)
        if not isinstance(data, dict):
            raise LabelStudioError("E538", f"{p.name}: expected a mapping question_id → question text.")
        return {str(k): str(v) for k, v in data.items()}
    with open(p, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = set(reader.fieldnames or [])
        tcol = next((c for c in ("text", "question", "question_text", "wording") if c in cols), None)
        if "question_id" not in cols or tcol is None:
            raise LabelStudioError("E538", f"{p.name}: needs 'question_id' and 'text' columns.")
        return {row["question_id"]: row[tcol] for row in reader}


def _warn_override(what: str) -> None:
    warnings.warn(
        f"{OVERRIDE_FLAG}: pushing {what} to Label Studio WITHOUT twoknow_text's de-identification check. "
        "You are responsible for it containing no identifying information. This is recorded in the "
        "project description.",
        UserWarning,
        stacklevel=3,
    )


# --------------------------------------------------------------------------- themes → predictions


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(s).lower()).strip()


def load_theme_code_map(
    themes_dir: str | os.PathLike[str] | None,
    codebook: Codebook,
    theme_code_map: Mapping[str, str | Sequence[str]] | str | os.PathLike[str] | None = None,
) -> dict[str, list[str]]:
    """Map theme ids (as strings) to code ids.

    Sources, first match wins:

    1. ``theme_code_map``: a mapping or a YAML/CSV file (``theme,code`` rows;
       several rows per theme allowed). Keys may be a theme id or a theme
       label; values a code id (or list of ids).
    2. ``<themes_dir>/theme_code_map.yaml`` or ``.csv`` in the same shape.
    3. A theme whose label (or label without BERTopic's ``"3_"`` prefix)
       equals a code id or code label, ignoring case and punctuation.

    Themes that map to nothing get no pre-annotation; the outlier theme
    ``-1`` never does. Code ids not in the codebook raise ``E533``.
    """
    themes = _read_themes(themes_dir) if themes_dir is not None else {}
    raw: Mapping[str, Any] | None = None
    if theme_code_map is not None:
        raw = theme_code_map if isinstance(theme_code_map, Mapping) else _read_map_file(Path(theme_code_map))
    elif themes_dir is not None:
        for name in ("theme_code_map.yaml", "theme_code_map.yml", "theme_code_map.csv"):
            p = Path(themes_dir) / name
            if p.is_file():
                raw = _read_map_file(p)
                break

    known = {c.id for c in codebook.codes}
    by_norm: dict[str, str] = {}
    for c in codebook.codes:
        if c.status == "retired":
            continue
        by_norm.setdefault(_norm(c.id), c.id)
        by_norm.setdefault(_norm(c.label), c.id)

    out: dict[str, list[str]] = {}
    if raw is not None:
        label_to_id = {_norm(lbl): tid for tid, lbl in themes.items()}
        for key, val in raw.items():
            vals = [val] if isinstance(val, str) else list(val or [])
            bad = [v for v in vals if v not in known]
            if bad:
                raise LabelStudioError(
                    "E533", f"Theme-code map names code(s) not in the codebook: {', '.join(map(str, bad[:5]))}."
                )
            tid = str(key) if str(key) in themes or not themes else label_to_id.get(_norm(key), str(key))
            out.setdefault(tid, [])
            out[tid] += [v for v in vals if v not in out[tid]]
    else:
        for tid, label in themes.items():
            cand = _norm(label)
            stripped = _norm(re.sub(r"^-?\d+_", "", str(label)))
            code = by_norm.get(cand) or by_norm.get(stripped)
            if code:
                out[tid] = [code]
    out.pop("-1", None)
    return out


def _read_map_file(p: Path) -> dict[str, list[str]]:
    if not p.is_file():
        raise LabelStudioError("E532", f"Theme-code map not found: {p}")
    if p.suffix.lower() in (".yaml", ".yml"):
        from ..config import load_yaml

        data = load_yaml(p)
        if not isinstance(data, dict):
            raise LabelStudioError("E532", f"{p.name}: expected a mapping of theme → code id(s).")
        return {str(k): ([v] if isinstance(v, str) else [str(x) for x in (v or [])]) for k, v in data.items()}
    out: dict[str, list[str]] = defaultdict(list)
    with open(p, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = set(reader.fieldnames or [])
        tcol = next((c for c in ("theme", "theme_id", "theme_label") if c in cols), None)
        ccol = next((c for c in ("code", "code_id") if c in cols), None)
        if tcol is None or ccol is None:
            raise LabelStudioError("E532", f"{p.name}: needs a 'theme' (or theme_id) and a 'code' (or code_id) column.")
        for row in reader:
            if row[ccol].strip():
                out[row[tcol].strip()].append(row[ccol].strip())
    return dict(out)


def _read_themes(themes_dir: str | os.PathLike[str]) -> dict[str, str]:
    """theme_id → label, from themes.csv (or the labels in assignments.csv)."""
    d = Path(themes_dir)
    labels: dict[str, str] = {}
    tpath = d / "themes.csv"
    if tpath.is_file():
        with open(tpath, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                labels[str(row.get("theme_id", "")).strip()] = unquote_formula(str(row.get("label", "") or ""))
    apath = d / "assignments.csv"
    if apath.is_file():
        with open(apath, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                tid = str(row.get("theme_id", "")).strip()
                if tid not in labels:
                    labels[tid] = str(row.get("theme_label", "") or "")
    return labels


def _check_theme_set(d: Path) -> None:
    """Refuse a themes folder whose files do not match its manifest (a mixed or edited set: E044).

    A folder without ``manifest.json`` (assembled by hand) is read as it is.
    """
    manifest = d / "manifest.json"
    if manifest.is_file():
        from .._io import verify_output_set

        verify_output_set(manifest, [n for n in ("assignments.csv", "themes.csv") if (d / n).is_file()])


def theme_predictions(
    themes_dir: str | os.PathLike[str],
    codebook: Codebook,
    theme_code_map: Mapping[str, str | Sequence[str]] | str | os.PathLike[str] | None = None,
) -> tuple[dict[str, dict[str, Any]], str, list[str]]:
    """Pre-annotations from ``<themes_dir>/assignments.csv``.

    Returns ``({response_id: prediction}, model_version, unmapped theme ids)``.
    A prediction has one ``choices`` result per category with the mapped
    codes and the highest assignment probability as its score. The model
    version is ``twoknow-themes:<first 12 hex of the assignments' sha256>``,
    so the same theme run is never imported twice and a new run is told apart.
    """
    apath = Path(themes_dir) / "assignments.csv"
    if not apath.is_file():
        raise LabelStudioError("E534", f"No assignments.csv in {themes_dir} (the output folder of `twoknow themes`).")
    _check_theme_set(Path(themes_dir))
    mapping = load_theme_code_map(themes_dir, codebook, theme_code_map)
    digest = hashlib.sha256(apath.read_bytes()).hexdigest()[:12]
    model_version = f"{_MODEL_PREFIX}:{digest}"
    cat_of = {c.id: c.category for c in codebook.codes}
    per_resp: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    score: dict[str, float] = {}
    unmapped: set[str] = set()
    with open(apath, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"response_id", "theme_id"} - set(reader.fieldnames or [])
        if missing:
            raise LabelStudioError("E534", f"assignments.csv lacks column(s): {', '.join(sorted(missing))}.")
        for row in reader:
            rid = str(row["response_id"])
            tid = str(row["theme_id"]).strip()
            codes = mapping.get(tid)
            if not codes:
                if tid != "-1":
                    unmapped.add(tid)
                continue
            for code in codes:
                lst = per_resp[rid][cat_of[code]]
                if code not in lst:
                    lst.append(code)
            try:
                p = float(row.get("probability") or "nan")
            except ValueError:
                p = math.nan
            if not math.isnan(p):
                score[rid] = max(score.get(rid, p), p)
    preds = {}
    for rid, cats in per_resp.items():
        preds[rid] = {
            "model_version": model_version,
            "score": score.get(rid),
            "result": [
                {"from_name": cat, "to_name": TEXT_CONTROL, "type": "choices", "value": {"choices": codes}}
                for cat, codes in cats.items()
            ],
        }
    return preds, model_version, sorted(unmapped, key=lambda s: (len(s), s))


# --------------------------------------------------------------------------- project helpers


def find_project(client: LabelStudio, title: str) -> Any | None:
    """The project whose title is exactly ``title`` (None if none; ``E521`` if several)."""
    with api_errors("listing projects"):
        found = [p for p in client.projects.list(title=title, page_size=100) if p.title == title]
    if len(found) > 1:
        raise LabelStudioError(
            "E521", f"{len(found)} Label Studio projects are titled '{title}'; rename all but one or pass its id."
        )
    return found[0] if found else None


def existing_response_ids(client: LabelStudio, project_id: int, page_size: int = 1000) -> list[str]:
    """``response_id`` of every task in the project, in task order (duplicates kept)."""
    return [rid for rid, _ in _existing_tasks(client, project_id, page_size)]


def _existing_tasks(client: LabelStudio, project_id: int, page_size: int = 1000) -> list[tuple[str, int]]:
    """(response_id, task id) of every task in the project, in task order."""
    out: list[tuple[str, int]] = []
    with api_errors("listing the project's tasks"):
        # `include` keeps the server from computing the data manager's summary columns
        for task in client.tasks.list(project=project_id, include="id,data", page_size=page_size):
            rid = (task.data or {}).get("response_id")
            if rid is not None:
                out.append((str(rid), int(task.id)))
    return out


def _description(old: str | None, codebook: Codebook | None, override: bool, extra_warning: str | None = None) -> str:
    """Our head line (codebook name; kept from ``old`` when ``codebook`` is None) plus every WARNING line."""
    old_lines = (old or "").splitlines()
    lines = [ln for ln in old_lines if ln.startswith("WARNING:")]
    if override:
        lines.append(_OVERRIDE_NOTE.format(flag=OVERRIDE_FLAG, date=_dt.date.today().isoformat()))
    if extra_warning:
        lines.append(extra_warning)
    if codebook is not None:
        head = f"{_DESCRIPTION_HEAD} Codebook: {codebook.name} v{codebook.version}."
    else:
        head = next((ln for ln in old_lines if ln.startswith(_DESCRIPTION_HEAD)), _DESCRIPTION_HEAD)
    return "\n".join([head, *lines])


def _json_value(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return None if math.isnan(v) else v
    try:
        import pandas as pd

        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return str(v)


def _task(resp: Any, question_texts: Mapping[str, str], meta_cols: Sequence[str] | None) -> dict[str, Any]:
    qid = resp.question_id or ""
    data: dict[str, Any] = {
        "response_id": resp.response_id,
        "respondent_id": resp.respondent_id,
        "question_id": qid,
        "question": question_texts.get(qid) or qid or "(question not given)",
        "language": resp.language,
        TEXT_CONTROL: resp.text,
    }
    for k in meta_cols or ():
        if k in resp.metadata:
            data[f"meta_{k}" if k in _RESERVED_DATA_KEYS else k] = _json_value(resp.metadata[k])
    return {"data": data}


def _as_corpus(
    corpus_or_path: Corpus | pd.DataFrame | str | os.PathLike[str],
    allow_external_deid: bool,
    read_options: Any,
    read_kwargs: dict[str, Any],
    meta_cols: Sequence[str] | None = None,
) -> tuple[Corpus, bool]:
    """(corpus, override_used)."""
    if isinstance(corpus_or_path, (str, os.PathLike)):
        verified = check_deidentified(corpus_or_path, allow_external_deid=allow_external_deid)
        if not verified:
            _warn_override(Path(corpus_or_path).name)
        from ..reading import read_survey

        corpus, read_report = read_survey(corpus_or_path, read_options, **read_kwargs)
        if verified:
            check_push_columns(corpus_or_path, read_report, meta_cols)
        return Corpus(list(corpus), deidentified=True), not verified
    if not isinstance(corpus_or_path, Corpus):
        import pandas as pd

        if isinstance(corpus_or_path, pd.DataFrame):
            corpus_or_path = Corpus.from_frame(corpus_or_path)
        else:
            raise LabelStudioError(
                "E535", f"push() takes a Corpus, a DataFrame or a file path, not {type(corpus_or_path).__name__}."
            )
    if corpus_or_path.deidentified:
        return corpus_or_path, False
    if not allow_external_deid:
        raise LabelStudioError(
            "E531",
            "Refusing to push a corpus that twoknow_text did not de-identify (deidentified=False). "
            f"Run twoknow_text.deid.deidentify() first, or pass allow_external_deid=True ({OVERRIDE_FLAG}).",
        )
    _warn_override("a corpus")
    return corpus_or_path, True


def _chunks(seq: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


# --------------------------------------------------------------------------- push


def push(
    corpus_or_path: Corpus | pd.DataFrame | str | os.PathLike[str],
    project: str,
    codebook: Codebook | str | os.PathLike[str] | None = None,
    *,
    coders_per_task: int | None = None,
    themes_dir: str | os.PathLike[str] | None = None,
    theme_code_map: Mapping[str, str | Sequence[str]] | str | os.PathLike[str] | None = None,
    autocode_dir: str | os.PathLike[str] | None = None,
    allow_external_deid: bool = False,
    question_texts: Mapping[str, str] | None = None,
    meta_cols: Sequence[str] | None = None,
    client: LabelStudio | None = None,
    url: str | None = None,
    token: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    update_config: bool = True,
    read_options: Any = None,
    on_chunk: Callable[[int, int], None] | None = None,
    allow_unreviewed: bool = False,
    review_manifest: Mapping[str, Any] | str | os.PathLike[str] | None = None,
    **read_kwargs: Any,
) -> PushReport:
    """Create or update the project titled ``project`` and import the missing answers.

    Parameters
    ----------
    corpus_or_path:
        A de-identified :class:`Corpus` (``deidentified=True``), a DataFrame
        in ``Corpus.to_frame()`` shape, or the path of a ``twoknow deid``
        output (read with ``read_options`` / ``read_kwargs`` such as
        ``text_cols=``, ``id_col=``, ``format=``). A path must pass
        :func:`check_deidentified`; anything else ``E530``/``E531``. Its
        text columns must be ones ``twoknow deid`` de-identified (``E563``)
        and the other columns that reach the tasks structured metadata
        (``E564``), per its manifest (see :mod:`._columns`).
    codebook:
        A :class:`~twoknow_text.codebook.Codebook` or YAML path; the labelling
        config is generated from it. None: a new project gets the bundled
        2KNOW codebook, an existing project keeps its config.
    coders_per_task:
        How many coders annotate each task (Label Studio's
        ``maximum_annotations`` with 100 % overlap). None: 1 for a new
        project, unchanged for an existing one.
    themes_dir, theme_code_map:
        Pre-annotations from a ``twoknow themes`` output folder, themes mapped
        to codes by :func:`load_theme_code_map`.
    autocode_dir:
        A model folder of ``twoknow autocode train``: its code suggestions go
        with each new task as a prediction with the model's confidence as
        score and ``twoknow-autocode:<version>`` as model version (sort by
        score in Label Studio: least sure first). Not with ``themes_dir``.
    allow_external_deid:
        Skip the de-identification check (CLI: ``--i-deidentified-this-elsewhere``).
        Warns and writes a warning into the project description.
    question_texts:
        question_id → question wording, shown above each answer.
    meta_cols:
        Metadata keys copied into the task data (none by default: metadata
        such as dates or regions can identify people). Only columns passed
        through as structured metadata are accepted: a free-text or
        identifier-like column is ``E564``.
    client, url, token:
        A connected client, or where to connect (env ``LABEL_STUDIO_URL`` /
        ``LABEL_STUDIO_API_KEY`` by default).
    chunk_size:
        Tasks per import request. Each chunk is committed on its own, so an
        interrupted push, run again, imports only what is still missing.
    on_chunk:
        Called as ``on_chunk(done, total)`` after each chunk (progress bars).
    allow_unreviewed, review_manifest:
        The privacy-review gate (:func:`~twoknow_text.annotation.apply_gate`):
        answers flagged by ``twoknow deid`` and not yet reviewed are held back.
        Their list comes from the file's manifest (a path input), or from
        ``review_manifest`` (the de-identified file or its manifest dict) for
        a corpus; without either, the answers are scored here. The override
        ``allow_unreviewed`` (CLI: ``--allow-unreviewed``) sends them too,
        warns and writes a warning into the project description.

    Returns
    -------
    PushReport
        Counts only, safe to print.

    >>> from twoknow_text.annotation import push  # doctest: +SKIP
    >>> push("answers_deid.csv", "2KNOW wave 1", text_cols=["answer"], id_col="id", coders_per_task=2)  # doctest: +SKIP
    """
    if coders_per_task is not None and coders_per_task < 1:
        raise LabelStudioError("E536", f"coders_per_task must be at least 1 (got {coders_per_task}).")
    if chunk_size < 1:
        raise LabelStudioError("E536", f"chunk_size must be at least 1 (got {chunk_size}).")
    from ..codebook import Codebook, load_codebook

    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    corpus, override = _as_corpus(corpus_or_path, allow_external_deid, read_options, read_kwargs, meta_cols)
    check_corpus_columns(corpus, meta_cols)
    from ._review import apply_gate, unreviewed_note

    if review_manifest is None and isinstance(corpus_or_path, (str, os.PathLike)) and not override:
        review_manifest = corpus_or_path
    corpus, gate = apply_gate(corpus, review_manifest, allow_unreviewed=allow_unreviewed)
    gate_warning = unreviewed_note(gate.n_sent_unreviewed) if gate.n_sent_unreviewed else None
    qtexts = dict(question_texts or {})
    preds: dict[str, dict[str, Any]] = {}
    model_version = None
    unmapped: list[str] = []
    if themes_dir is not None:
        preds, model_version, unmapped = theme_predictions(themes_dir, cb, theme_code_map)
    if autocode_dir is not None:
        from ..autocode._predictions import autocode_predictions

        if themes_dir is not None:
            from ..errors import AutocodeError

            raise AutocodeError("E822", "Give either theme pre-annotations or autocode ones, not both.")
        preds, model_version = autocode_predictions(autocode_dir, list(corpus), cb)

    xml = labelling_config(cb)
    ls = client if client is not None else connect(url, token)

    proj = find_project(ls, project)
    created = config_updated = False
    with api_errors("creating or updating the project"):
        if proj is None:
            proj = ls.projects.create(
                title=project,
                description=_description(None, cb, override, gate_warning),
                label_config=xml,
                maximum_annotations=coders_per_task or 1,
                overlap_cohort_percentage=100,
                show_skip_button=True,
                expert_instruction=coder_guide_html(),
                show_instruction=True,
            )
            created = True
        else:
            full = ls.projects.get(proj.id)
            changes: dict[str, Any] = {}
            desc = _description(full.description, cb if codebook is not None else None, override, gate_warning)
            if desc != (full.description or ""):
                changes["description"] = desc
            if coders_per_task is not None and full.maximum_annotations != coders_per_task:
                changes["maximum_annotations"] = coders_per_task
                changes["overlap_cohort_percentage"] = 100
            # without an explicit codebook an existing project keeps its config: a push that
            # only adds answers must not swap a custom codebook for the default one
            if update_config and codebook is not None and (full.label_config or "").strip() != xml.strip():
                changes["label_config"] = xml
                config_updated = True
            if changes:
                _update_project(ls, proj.id, changes)
    pid = int(proj.id)

    existing = _existing_tasks(ls, pid)
    present_set = {rid for rid, _ in existing}
    n_dupes = len(existing) - len(present_set)
    todo = [r for r in corpus if r.response_id not in present_set]

    n_imported = n_preds = n_chunks = 0
    for chunk in _chunks(todo, chunk_size):
        tasks = []
        for r in chunk:
            t = _task(r, qtexts, meta_cols)
            if r.response_id in preds:
                t["predictions"] = [preds[r.response_id]]
            tasks.append(t)
        n_imported += _import_chunk(ls, pid, tasks)
        n_preds += sum(1 for t in tasks if "predictions" in t)
        n_chunks += 1
        if on_chunk is not None:
            on_chunk(n_imported, len(todo))

    n_pred_existing = 0
    if preds and present_set:
        n_pred_existing = _add_missing_predictions(ls, pid, preds, model_version, corpus.ids, existing)

    return PushReport(
        project_id=pid,
        project_title=project,
        project_created=created,
        config_updated=config_updated,
        n_input=len(corpus),
        n_already_present=len(corpus) - len(todo),
        n_imported=n_imported,
        n_predictions=n_preds,
        n_predictions_added_to_existing=n_pred_existing,
        n_chunks=n_chunks,
        n_duplicates_in_project=n_dupes,
        unmapped_themes=unmapped,
        deid_override=override,
        n_held_for_review=gate.n_held,
        n_sent_unreviewed=gate.n_sent_unreviewed,
    )


def _update_project(ls: LabelStudio, pid: int, changes: dict[str, Any]) -> None:
    from label_studio_sdk.core.api_error import ApiError

    try:
        ls.projects.update(pid, **changes)
    except ApiError as exc:
        if exc.status_code == 400 and "label_config" in changes:
            # Label Studio refuses a config that drops a code existing annotations use.
            raise LabelStudioError(
                "E537",
                "Label Studio refused the new labelling config: existing annotations use a code or category "
                "the codebook no longer offers. Keep the code (status: retired is not enough), or push with "
                "update_config=False (--keep-config).",
            ) from None
        raise


def _import_chunk(ls: LabelStudio, pid: int, tasks: list[dict[str, Any]]) -> int:
    """Import one chunk; retry only what the server does not hold yet.

    The SDK would retry a failed POST blindly, which duplicates tasks when
    the server committed the import but the answer was lost. So the POST
    runs without SDK retries, and after a failure the chunk's ids are
    checked against the project before trying again.
    """
    import time

    pending = tasks
    for attempt in range(4):
        try:
            with api_errors("importing tasks"):
                resp = ls.projects.import_tasks(
                    pid, request=pending, return_task_ids=False, request_options={"max_retries": 0}
                )
            return len(tasks) if resp.task_count is None else len(tasks) - len(pending) + int(resp.task_count)
        except LabelStudioError as exc:
            transient = exc.code in ("E510", "E512", "E514")
            if not transient or attempt == 3:
                raise
            time.sleep(min(8.0, 2.0**attempt))
            held = set(existing_response_ids(ls, pid))
            pending = [t for t in pending if t["data"]["response_id"] not in held]
            if not pending:
                return len(tasks)
    return len(tasks)  # pragma: no cover


def _add_missing_predictions(
    ls: LabelStudio,
    pid: int,
    preds: dict[str, dict[str, Any]],
    model_version: str | None,
    wanted_ids: Sequence[str],
    existing: list[tuple[str, int]],
) -> int:
    """Add this theme run's predictions to tasks imported by an earlier push."""
    wanted = {rid for rid in wanted_ids if rid in preds}
    task_of: dict[str, int] = {}
    for rid, tid in existing:
        if rid in wanted:
            task_of.setdefault(rid, tid)
    if not task_of:
        return 0
    with api_errors("listing predictions"):
        have = {p.task for p in ls.predictions.list(project=pid) if p.model_version == model_version}
    items = [{"task": tid, **preds[rid]} for rid, tid in task_of.items() if tid not in have]
    for chunk in _chunks(items, DEFAULT_CHUNK_SIZE):
        with api_errors("importing predictions"):
            ls.projects.import_predictions(pid, request=list(chunk))
    return len(items)
