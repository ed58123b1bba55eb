"""The privacy-review gate: flagged answers go to a trusted reviewer before any coder.

``twoknow deid`` scores every de-identified answer for residual risk
(:mod:`twoknow_text.deid.risk`) and lists, in the file's manifest, the
answers at or above ``review_threshold`` (``review.flagged``). Then:

* :func:`review_push` sends those answers (de-identified text only) to a
  separate Label Studio project with its own labelling config
  (``templates/privacy_review.xml``): the reviewer marks every identifier
  still in the text with its type and chooses "safe" or "redacted".
* :func:`review_pull` reads the reviewer's marks back: each marked text
  becomes a keyed pseudonym placeholder (same key and :class:`Pseudonymizer`
  as ``twoknow deid``) wherever it occurs in that answer, the file is
  rewritten, and the answer is recorded as reviewed in the manifest
  (``review.reviewed``), whose ``output_sha256`` is updated, and in the
  de-identification report beside the file.
* :func:`apply_gate` is what ``ls push`` calls: coders get answers below the
  threshold or reviewed; the others are held back unless
  ``allow_unreviewed`` (loud, and written into the coding project's
  description).

Nothing here reads the raw survey file; messages and records hold counts,
ids, types and offsets, never answer text.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import LabelStudioError
from ..records import Corpus

if TYPE_CHECKING:  # pragma: no cover
    from label_studio_sdk import LabelStudio

__all__ = [
    "GateResult",
    "ReviewPushReport",
    "ReviewPullReport",
    "apply_gate",
    "review_config",
    "review_push",
    "review_pull",
    "REVIEW_LABELS",
    "UNREVIEWED_FLAG",
]

UNREVIEWED_FLAG = "--allow-unreviewed"
#: Span labels the reviewer can give (entity types of the placeholders they become).
REVIEW_LABELS = ("PERSON", "USERNAME", "LOCATION", "STREET_ADDRESS", "ORGANIZATION", "PHONE_NUMBER",
                 "EMAIL_ADDRESS", "URL", "ID_NUMBER", "OTHER_IDENTIFIER")
SPAN_CONTROL = "pii"
DECISION_CONTROL = "decision"
_MODEL_VERSION = "twoknow-risk"
_DESCRIPTION = (
    "Privacy review managed by twoknow_text (`twoknow ls review push`): de-identified answers whose "
    "residual-risk score reached the review threshold. Trusted reviewers only: mark every identifier "
    "left in the text with its type, then choose safe or redacted."
)
_UNREVIEWED_NOTE = (
    "WARNING: {n} answer(s) flagged for privacy review were imported UNREVIEWED with {flag} on {date}."
)

# reason kind -> the label a pre-annotation suggests
_HINT_LABEL = {
    "cue_name": "PERSON", "capitalised_token": "PERSON", "rare_capitalised": "PERSON", "sign_off": "PERSON",
    "placeholder_adjacent": "PERSON", "foreign_word": "PERSON", "cue_place": "LOCATION", "cue_handle": "USERNAME",
    "handle_like": "USERNAME", "at_sign": "USERNAME", "long_digits": "ID_NUMBER", "url_like": "URL",
    "onion_like": "URL", "placeholder_touching": "OTHER_IDENTIFIER",
}


def review_config() -> str:
    """The privacy-review labelling config (``annotation/privacy_review.xml`` in the repository)."""
    return (resources.files("twoknow_text.annotation") / "templates" / "privacy_review.xml").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the gate


@dataclass
class GateResult:
    """What the gate did to one push. Counts and ids only."""

    n_flagged: int = 0
    n_reviewed: int = 0
    held_ids: list[str] = field(default_factory=list)
    n_sent_unreviewed: int = 0
    threshold: float | None = None
    scored_here: bool = False

    @property
    def n_held(self) -> int:
        return len(self.held_ids)


def _manifest_of(source: Mapping[str, Any] | str | os.PathLike[str] | None) -> dict[str, Any] | None:
    if source is None:
        return None
    if isinstance(source, Mapping):
        return dict(source)
    from ..deid import verify_deidentified

    return verify_deidentified(source)


def apply_gate(
    corpus: Corpus,
    manifest: Mapping[str, Any] | str | os.PathLike[str] | None = None,
    *,
    allow_unreviewed: bool = False,
) -> tuple[Corpus, GateResult]:
    """The answers coders may see: below the review threshold, or reviewed.

    ``manifest`` is the de-identification manifest (or the de-identified
    file whose manifest to read). Its ``review`` section names the flagged
    and the reviewed answers. Without one (a corpus de-identified in memory
    or elsewhere) every answer is scored here with the default threshold and
    nothing counts as reviewed. ``allow_unreviewed`` keeps every answer and
    warns (the caller records it). Raises ``E552`` when every answer would
    be held back.
    """
    from ..deid.risk import DEFAULT_REVIEW_THRESHOLD, RiskScorer

    man = _manifest_of(manifest)
    review = (man or {}).get("review") if man else None
    res = GateResult()
    if isinstance(review, Mapping) and "flagged" in review:
        flagged = {str(x) for x in review.get("flagged") or []}
        reviewed = {str(x) for x in (review.get("reviewed") or {})}
        res.threshold = review.get("threshold")
    else:
        threshold = float(((man or {}).get("config") or {}).get("review_threshold", DEFAULT_REVIEW_THRESHOLD))
        from ..deid.allowlist import AllowList

        scorer = RiskScorer(AllowList(((man or {}).get("config") or {}).get("allow_list") or []))
        flagged = {r.response_id for r in corpus if scorer.assess(r.text, r.language).score >= threshold}
        reviewed = set()
        res.threshold = threshold
        res.scored_here = True
    ids = set(corpus.ids)
    res.n_flagged = len(flagged & ids)
    res.n_reviewed = len(flagged & reviewed & ids)
    held = [rid for rid in corpus.ids if rid in flagged and rid not in reviewed]
    if allow_unreviewed:
        res.n_sent_unreviewed = len(held)
        if held:
            warnings.warn(
                f"{UNREVIEWED_FLAG}: {len(held)} answer(s) flagged for privacy review go to coders UNREVIEWED. "
                "This is recorded in the coding project's description.",
                UserWarning,
                stacklevel=2,
            )
        return corpus, res
    res.held_ids = held
    if held and len(held) == len(corpus):
        raise LabelStudioError(
            "E552",
            f"All {len(held)} answers are flagged for privacy review and not yet reviewed: nothing to send to "
            f"coders. Run `twoknow ls review push` and `twoknow ls review pull` first (or {UNREVIEWED_FLAG}).",
        )
    held_set = set(held)
    return Corpus([r for r in corpus if r.response_id not in held_set], deidentified=corpus.deidentified), res


def unreviewed_note(n: int) -> str:
    """The WARNING line written into a coding project's description by an override."""
    return _UNREVIEWED_NOTE.format(n=n, flag=UNREVIEWED_FLAG, date=_dt.date.today().isoformat())


# --------------------------------------------------------------------------- review push


@dataclass
class ReviewPushReport:
    """What a review push did. Counts only."""

    project_id: int
    project_title: str
    project_created: bool
    n_flagged: int
    n_already_reviewed: int
    n_already_present: int
    n_imported: int

    def summary(self) -> str:
        return (f"review project '{self.project_title}' (id {self.project_id}, "
                f"{'created' if self.project_created else 'existing'}): {self.n_flagged:,} flagged answers, "
                f"{self.n_already_reviewed:,} already reviewed, {self.n_already_present:,} already there, "
                f"{self.n_imported:,} imported")


def _review_section(manifest: Mapping[str, Any], name: str) -> dict[str, Any]:
    review = manifest.get("review")
    if not isinstance(review, Mapping) or "flagged" not in review:
        raise LabelStudioError(
            "E551", f"{name} has no privacy-review list in its manifest (made by an older twoknow deid): "
            "de-identify the raw file again.",
        )
    return dict(review)


def _read_deid(path: str | os.PathLike[str], read_options: Any, read_kwargs: dict[str, Any]) -> tuple[Corpus, Any]:
    from ..reading import read_survey

    corpus, report = read_survey(path, read_options, **read_kwargs)
    return Corpus(list(corpus), deidentified=True), report


def _why(score: float, kinds: Sequence[str]) -> str:
    return f"risk {score:.2f}: " + (", ".join(k.replace("_", " ") for k in kinds) or "no reason recorded")


def review_push(
    path: str | os.PathLike[str],
    project: str,
    *,
    client: LabelStudio | None = None,
    url: str | None = None,
    token: str | None = None,
    read_options: Any = None,
    chunk_size: int = 500,
    **read_kwargs: Any,
) -> ReviewPushReport:
    """Send the flagged, unreviewed answers of a ``twoknow deid`` output to the review project ``project``.

    Only the de-identified file is read. Each task carries the answer's
    ``response_id``, its text, the risk score and the reason kinds, and a
    pre-annotation marking each reason's span with a suggested type.
    Pushing again imports only what the project lacks.
    """
    from ..deid import verify_deidentified
    from ..deid.allowlist import AllowList
    from ..deid.risk import RiskScorer
    from ._client import api_errors, connect
    from ._push import _chunks, _existing_tasks, _import_chunk, find_project

    manifest = verify_deidentified(path)
    review = _review_section(manifest, Path(path).name)
    flagged = {str(x) for x in review.get("flagged") or []}
    reviewed = {str(x) for x in review.get("reviewed") or {}}
    corpus, _ = _read_deid(path, read_options, read_kwargs)
    todo_all = [r for r in corpus if r.response_id in flagged and r.response_id not in reviewed]
    scorer = RiskScorer(AllowList((manifest.get("config") or {}).get("allow_list") or []))

    ls = client if client is not None else connect(url, token)
    proj = find_project(ls, project)
    created = False
    xml = review_config()
    with api_errors("creating the review project"):
        if proj is None:
            proj = ls.projects.create(title=project, description=_DESCRIPTION, label_config=xml,
                                      maximum_annotations=1, show_skip_button=False)
            created = True
        else:
            full = ls.projects.get(proj.id)
            if f'name="{SPAN_CONTROL}"' not in (full.label_config or "") or \
                    f'name="{DECISION_CONTROL}"' not in (full.label_config or ""):
                raise LabelStudioError(
                    "E553", f"Project '{project}' is not a privacy-review project (no '{SPAN_CONTROL}' and "
                    f"'{DECISION_CONTROL}' controls); give the review project its own title.",
                )
    pid = int(proj.id)
    present = {rid for rid, _ in _existing_tasks(ls, pid)}
    todo = [r for r in todo_all if r.response_id not in present]
    n_imported = 0
    for chunk in _chunks(todo, chunk_size):
        tasks = []
        for r in chunk:
            a = scorer.assess(r.text, r.language)
            result = [
                {"from_name": SPAN_CONTROL, "to_name": "text", "type": "labels",
                 "value": {"start": x.start, "end": x.end, "text": r.text[x.start:x.end],
                           "labels": [_HINT_LABEL.get(x.kind, "OTHER_IDENTIFIER")]}}
                for x in a.reasons if x.weight >= 0.3
            ]
            task: dict[str, Any] = {"data": {"response_id": r.response_id, "text": r.text, "language": r.language,
                                             "risk_score": a.score, "why": _why(a.score, a.kinds())}}
            if result:
                task["predictions"] = [{"model_version": _MODEL_VERSION, "score": a.score, "result": result}]
            tasks.append(task)
        n_imported += _import_chunk(ls, pid, tasks)
    return ReviewPushReport(
        project_id=pid, project_title=project, project_created=created, n_flagged=len(flagged),
        n_already_reviewed=len(flagged & reviewed), n_already_present=len(todo_all) - len(todo),
        n_imported=n_imported,
    )


# --------------------------------------------------------------------------- review pull


@dataclass
class ReviewPullReport:
    """What a review pull did. Counts and types only."""

    n_tasks: int = 0
    n_reviewed: int = 0
    n_safe: int = 0
    n_redacted: int = 0
    n_spans: int = 0
    n_replacements: int = 0
    types: dict[str, int] = field(default_factory=dict)
    n_still_flagged: int = 0
    n_stale: int = 0
    reviewed_ids: list[str] = field(default_factory=list)

    def summary(self) -> str:
        types = ", ".join(f"{k} {v}" for k, v in sorted(self.types.items())) or "none"
        stale = (f"; {self.n_stale:,} reviews skipped: the answer's text changed since the review push "
                 "(review them again in a new review project)") if self.n_stale else ""
        return (f"{self.n_reviewed:,} answers reviewed ({self.n_safe:,} safe, {self.n_redacted:,} redacted); "
                f"{self.n_spans:,} marked spans, {self.n_replacements:,} replacements (types: {types}); "
                f"{self.n_still_flagged:,} flagged answers still unreviewed{stale}")


def _latest_decisions(tasks: Sequence[dict[str, Any]]) -> dict[str, tuple[str | None, list[tuple[str, str]], Any, str]]:
    """response_id -> (decision, [(label, marked text)], reviewer id, task text) from each task's latest annotation."""
    out: dict[str, tuple[str | None, list[tuple[str, str]], Any, str]] = {}
    for task in tasks:
        data = task.get("data") or {}
        rid = data.get("response_id")
        text = data.get("text") or ""
        anns = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
        if rid is None or not anns:
            continue
        ann = max(anns, key=lambda a: (str(a.get("updated_at") or a.get("created_at") or ""), a.get("id") or 0))
        decision = None
        spans: list[tuple[str, str]] = []
        for item in ann.get("result") or []:
            value = item.get("value") or {}
            if item.get("from_name") == DECISION_CONTROL:
                choices = value.get("choices") or []
                decision = str(choices[0]) if choices else None
            elif item.get("from_name") == SPAN_CONTROL and item.get("type") == "labels":
                labels = value.get("labels") or []
                try:
                    marked = text[int(value["start"]):int(value["end"])]
                except (KeyError, TypeError, ValueError):
                    marked = str(value.get("text") or "")
                if marked.strip() and labels:
                    spans.append((str(labels[0]), marked.strip()))
        cb = ann.get("completed_by")
        out[str(rid)] = (decision, spans, cb.get("id") if isinstance(cb, dict) else cb, text)
    return out


def _replace_marked(text: str, spans: Sequence[tuple[str, str]], placeholder: Callable[[str, str], str]) -> tuple[str, int]:
    """Every occurrence of each marked value (longest first) becomes its placeholder."""
    from ..deid.pseudonyms import PLACEHOLDER_RE

    n = 0
    for label, value in sorted(spans, key=lambda s: -len(s[1])):
        ph = placeholder(label, value)
        esc = re.escape(value)
        bounded = re.compile((r"(?<!\w)" if value[:1].isalnum() else "") + esc + (r"(?!\w)" if value[-1:].isalnum() else ""))
        rx = bounded if bounded.search(text) else re.compile(esc)
        # never rewrite inside an existing placeholder
        holes = [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]
        parts, pos = [], 0
        for m in rx.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in holes):
                continue
            parts += [text[pos:m.start()], ph]
            pos = m.end()
            n += 1
        parts.append(text[pos:])
        text = "".join(parts)
    return text, n


def review_pull(
    path: str | os.PathLike[str],
    project: str | int,
    *,
    key_file: str | os.PathLike[str] | None = None,
    client: LabelStudio | None = None,
    url: str | None = None,
    token: str | None = None,
    read_options: Any = None,
    **read_kwargs: Any,
) -> ReviewPullReport:
    """Apply the reviewers' marks of ``project`` to the de-identified file ``path``, in place.

    ``key_file`` is the key ``twoknow deid`` used (needed for pseudonyms;
    a run with an ephemeral key cannot be continued: ``E554``). Rewrites
    ``path`` (same columns, only marked values changed), then its manifest
    (``output_sha256``, ``review.reviewed``), then the report beside it.
    """
    from .._io import output_set, write_json, write_table
    from ..deid import verify_deidentified
    from ..deid.pipeline import manifest_path_for
    from ..deid.pseudonyms import Pseudonymizer, load_key
    from ._client import api_errors, connect
    from ._pull import _project_id

    p = Path(path)
    manifest = verify_deidentified(p)
    review = _review_section(manifest, p.name)
    cfg = manifest.get("config") or {}
    mode = cfg.get("mode", "pseudonym")
    if mode == "pseudonym":
        if cfg.get("pseudonym_style", "hash") != "hash":
            raise LabelStudioError("E555", "Review pull supports hash pseudonyms and plain placeholders only; "
                                   "this file was de-identified with pseudonym_style: sequential.")
        if key_file is None:
            hint = " (it was de-identified with a one-run key, so de-identify again with --key-file)" \
                if manifest.get("key_source") == "ephemeral" else ""
            raise LabelStudioError("E554", f"Review pull needs --key-file, the key {p.name} was de-identified with{hint}.")
        pseudo = Pseudonymizer(load_key(key_file), mode="pseudonym", hash_length=int(cfg.get("hash_length", 6)))
    else:
        pseudo = Pseudonymizer(b"", mode="plain")
    ls = client if client is not None else connect(url, token)
    pid = _project_id(ls, project)
    with api_errors("exporting the review project"):
        tasks = ls.projects.exports.as_json(pid)
    decisions = _latest_decisions(tasks)
    rep = ReviewPullReport(n_tasks=len(tasks))

    corpus, read_report = _read_deid(p, read_options, read_kwargs)
    texts = {r.response_id: r.text for r in corpus}
    reviewed: dict[str, Any] = dict(review.get("reviewed") or {})
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    new_text_of: dict[str, str] = {}  # old answer text -> new answer text
    types: Counter[str] = Counter()
    for rid, (decision, spans, reviewer, task_text) in decisions.items():
        if rid not in texts or rid in reviewed:
            continue
        old = texts[rid]
        if task_text != old:  # the file was de-identified again since the review push
            rep.n_stale += 1
            continue
        new, n = _replace_marked(new_text_of.get(old, old), spans, pseudo.placeholder) if spans else (old, 0)
        if new != old:
            new_text_of[old] = new
        types.update(label for label, _ in spans)
        rep.n_spans += len(spans)
        rep.n_replacements += n
        rep.n_reviewed += 1
        rep.reviewed_ids.append(rid)
        if decision == "safe" and not spans:
            rep.n_safe += 1
        else:
            rep.n_redacted += 1
        reviewed[rid] = {"decision": decision or ("redacted" if spans else "safe"), "n_spans": len(spans),
                         "types": dict(Counter(label for label, _ in spans)), "reviewer": reviewer,
                         "reviewed_utc": now, "project_id": pid}
    rep.types = dict(types)
    flagged = [str(x) for x in review.get("flagged") or []]
    rep.n_still_flagged = sum(1 for rid in flagged if rid not in reviewed)
    if not rep.n_reviewed:
        return rep

    review["reviewed"] = reviewed
    review.setdefault("pulls", []).append({"pulled_utc": now, "project_id": pid, "n_reviewed": rep.n_reviewed,
                                           "n_spans": rep.n_spans, "types": rep.types})
    manifest["review"] = review
    # table, report and manifest land together (manifest last, its hashes refreshed) or not at all
    with output_set() as oset:
        if new_text_of:
            df = _rewrite_table(p, list(read_report.text_cols), new_text_of)
            write_table(df, oset.path(p))
            _refresh_column_hashes(manifest, df)
        _update_report(p, manifest, reviewed, lambda data, target: write_json(data, oset.path(target)))
        oset.update_manifest(manifest_path_for(p), manifest)
    return rep


def _refresh_column_hashes(manifest: dict[str, Any], df: Any) -> None:
    """The manifest's record of de-identified columns, hashed again after reviewed values were replaced."""
    from ..deid.columns import column_sha256

    record = (manifest.get("columns") or {}).get("deidentified")
    if isinstance(record, dict):
        for col in record:
            if col in df.columns:
                record[col] = column_sha256(df[col].tolist())


def _rewrite_table(p: Path, text_cols: list[str], new_text_of: Mapping[str, str]) -> Any:
    """The table with answer cells whose (NFC, stripped) text was reviewed replaced; every other cell as read."""
    import pandas as pd

    if p.suffix.lower() in (".parquet", ".pq"):
        df = pd.read_parquet(p)
    else:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
    for col in text_cols:
        if col not in df.columns:
            continue

        def swap(v: Any) -> Any:
            if not isinstance(v, str):
                return v
            key = unicodedata.normalize("NFC", v).strip()
            return new_text_of.get(key, v)

        df[col] = df[col].map(swap)
    return df


def _update_report(p: Path, manifest: Mapping[str, Any], reviewed: Mapping[str, Any], write_json: Callable) -> None:
    """Record the reviewed ids in the de-identification report, when it sits beside the file."""
    for name in manifest.get("outputs") or []:
        cand = p.with_name(str(name))
        if cand == p or cand.suffix.lower() != ".json" or not cand.is_file():
            continue
        try:
            data = json.loads(cand.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and "review" in data and "n_answers" in data:
            data["reviewed"] = sorted(reviewed)
            write_json(data, cand)
