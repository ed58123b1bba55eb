"""File-level de-identification: read a survey export, de-identify, write it back.

The output has the same id column and the same text column name(s) as the
input (wide input is written back wide), every metadata column, and no other
copy of the raw text. Beside it, ``<OUT>.manifest.json`` records the run
(``stage: "deid"``, the output's sha256, which columns were de-identified and
what the others hold (``columns``, see :mod:`.columns`), the config with its
deny-list terms as keyed hashes, counts and whether the key came from a file
or was ephemeral — never the key or a fingerprint of it).
:func:`verify_deidentified` checks that manifest before anything is sent on
(the Label Studio push calls it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._io import check_output_paths, output_set, write_table
from ..config import load_config
from ..errors import DeidError
from ..manifest import file_sha256
from ..records import Corpus
from .config import DeidConfig
from .pseudonyms import load_key
from .report import DeidReport

__all__ = [
    "DeidResult",
    "deidentify",
    "deidentify_file",
    "load_deid_config",
    "manifest_path_for",
    "verify_deidentified",
    "default_config_path",
    "manifest_config",
]

STAGE = "deid"
DEIDENTIFIED_BY = "twoknow_text"


def default_config_path() -> Path:
    """The bundled default config (the defaults of :class:`DeidConfig`, with comments).

    The package copy (``twoknow_text/data/deid.yaml``) works in a wheel
    install; ``configs/deid.yaml`` in the repository is a byte-identical copy
    for people browsing it, kept in step by a test. Copy it to start your own.
    """
    from importlib import resources

    return Path(str(resources.files("twoknow_text") / "data" / "deid.yaml"))


def load_deid_config(config: DeidConfig | dict[str, Any] | str | os.PathLike[str] | None = None, **overrides: Any) -> DeidConfig:
    """A :class:`DeidConfig` from an object, a dict or a YAML file (top level or a ``deid:`` section)."""
    if isinstance(config, DeidConfig):
        return load_config(DeidConfig, config.model_dump(exclude_unset=True), **overrides)
    return load_config(DeidConfig, config, section="deid", **overrides)


def deidentify(
    corpus: Corpus,
    config: DeidConfig | dict[str, Any] | str | os.PathLike[str] | None = None,
    key_file: str | os.PathLike[str] | None = None,
    *,
    language: str | None = None,
) -> tuple[Corpus, DeidReport]:
    """De-identify a corpus in memory. Without ``key_file`` a one-run random key is used.

    >>> from twoknow_text import Corpus, Response
    >>> out, rep = deidentify(Corpus([Response(response_id="1", text="Mail anna@example.org")]))  # doctest: +SKIP
    >>> out[0].text                                                          # doctest: +SKIP
    'Mail [EMAIL_ADDRESS_4QZ2LM]'
    """
    from .engine import Deidentifier

    cfg = load_deid_config(config)
    key = load_key(key_file) if key_file is not None else None
    return Deidentifier(cfg, key=key).deidentify(corpus, language=language)


@dataclass
class DeidResult:
    """What :func:`deidentify_file` wrote and found."""

    output: Path
    manifest: Path
    report_path: Path | None
    report: DeidReport
    read_report: Any  # twoknow_text.reading.ReadReport
    key_source: str
    #: the manifest's ``columns`` record: which columns were de-identified, what the others hold
    columns: dict[str, Any] = field(default_factory=dict)

    def unsafe_columns(self) -> dict[str, str]:
        """Passed-through columns that are not structured (column → kind): copied unchanged, never de-identified."""
        passed = self.columns.get("passed_through", {})
        return {c: e["kind"] for c, e in passed.items() if e.get("kind") != "structured"}


def manifest_path_for(out: str | os.PathLike[str]) -> Path:
    """``<OUT>.manifest.json`` beside the de-identified file."""
    p = Path(out)
    return p.with_name(p.name + ".manifest.json")


def deidentify_file(
    input: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    read_options: Any = None,
    key_file: str | os.PathLike[str] | None = None,
    report: str | os.PathLike[str] | None = None,
    language: str | None = None,
    config: DeidConfig | dict[str, Any] | str | os.PathLike[str] | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    **read_kwargs: Any,
) -> DeidResult:
    """Read ``input`` (any format :func:`twoknow_text.reading.read_survey` reads),
    de-identify it and write ``out`` (.csv or .parquet) plus its manifest.

    ``read_options`` / ``read_kwargs`` (``text_cols=``, ``id_col=``,
    ``format=``, ``sheet=``...) go to ``read_survey``. ``report`` writes the
    :class:`DeidReport` as JSON. Without ``key_file`` a fresh key is used for
    this run only (pseudonyms then match only within this output).
    """
    from ..reading import load_read_options, read_survey
    from .engine import Deidentifier

    out = Path(out)
    if out.suffix.lower() not in {".csv", ".parquet", ".pq"}:
        raise DeidError("E226", f"Output '{out.name}' must end in .csv or .parquet.")
    if Path(input).resolve() == out.resolve():
        raise DeidError("E227", "The output must not overwrite the input file.")
    if report is not None and Path(report).resolve() in {out.resolve(), Path(input).resolve()}:
        raise DeidError("E228", "The report must be written to its own file.")
    if report is not None and Path(report).resolve() == manifest_path_for(out).resolve():
        raise DeidError("E228", "The report must be written to its own file.")
    # the outputs must be writable before the slow part (E040-E042)
    check_output_paths(files=[out, manifest_path_for(out), report])
    cfg = load_deid_config(config)
    key = load_key(key_file) if key_file is not None else None  # fail before the slow part
    opts = load_read_options(read_options, **read_kwargs)
    corpus, read_report = read_survey(input, opts)
    if len(corpus) == 0:
        raise DeidError("E229", f"No answers to de-identify in {Path(input).name} ({read_report.summary()}).")
    if on_total is not None:
        on_total(len(corpus))
    key_source = "file" if key is not None else "ephemeral"
    deid, rep = Deidentifier(cfg, key=key).deidentify(corpus, language=language, progress=progress, key_source=key_source)

    frame = _output_frame(corpus, deid, read_report, opts)
    columns = _columns_record(frame, read_report, opts)
    manifest = manifest_path_for(out)
    report_path = Path(report) if report is not None else None
    # One output set: table, report and manifest land together (manifest last) or not at all.
    with output_set() as oset:
        write_table(frame, oset.path(out))
        if report_path is not None:
            rep.write(oset.path(report_path))
        oset.write_manifest(
            manifest,
            command="twoknow deid",
            inputs=[input],
            config=manifest_config(cfg, key),
            outputs=[out] + ([report_path] if report_path else []),
            extra={
                "stage": STAGE,
                "deidentified_by": DEIDENTIFIED_BY,
                "output": out.name,
                "output_sha256": file_sha256(oset.staged(out)),
                "columns": columns,
                "key_source": key_source,
                "n_answers": rep.n_answers,
                "n_spans": rep.n_spans,
                "counts_by_type": rep.counts_by_type,
                "languages": rep.languages,
                "review_count": len(rep.review),
                # the privacy-review gate (`twoknow ls push` holds back flagged, unreviewed answers)
                "review": {"threshold": rep.review_threshold, "flagged": list(rep.review), "reviewed": {}},
                "read": read_report.manifest_record(),
            },
        )
    return DeidResult(out, manifest, report_path, rep, read_report, key_source, columns)


def manifest_config(cfg: DeidConfig, key: bytes | None = None) -> dict[str, Any]:
    """The config as a manifest records it: every setting, but no deny-list term in clear.

    Deny-list terms are names, handles or places that must never appear in
    an output, so the manifest holds their number and, when a key file was
    used, one keyed digest of the whole list: HMAC-SHA256, under a sub-key
    derived from the pseudonym key, of the sorted, NFKC-normalised,
    case-folded terms joined by newlines. With the same key file anyone can
    check that a run used the same list; without it a guessed term cannot be
    tested against the digest (a plain or salted hash of a name could be). An
    ephemeral key gives no digest (``null``). Allow-list terms stay in clear:
    they are kept in the de-identified text anyway.

    >>> manifest_config(DeidConfig(deny_list=["Example Person"]))["deny_list"]
    {'n_terms': 1, 'hmac_sha256': None}
    """
    import hashlib
    import hmac
    import unicodedata

    data = cfg.model_dump(mode="json")
    terms = sorted({unicodedata.normalize("NFKC", t).casefold().strip() for t in cfg.deny_list} - {""})
    digest = None
    if key is not None and terms:
        sub = hmac.new(key, b"twoknow_text deny-list manifest v1", hashlib.sha256).digest()
        digest = hmac.new(sub, "\n".join(terms).encode("utf-8"), hashlib.sha256).hexdigest()
    data["deny_list"] = {"n_terms": len(terms), "hmac_sha256": digest}
    return data


def _columns_record(frame: pd.DataFrame, read_report: Any, opts: Any) -> dict[str, Any]:
    """Which columns of ``frame`` were de-identified and what the others hold (see :mod:`.columns`)."""
    from .columns import column_record

    text_cols = list(opts.text_cols) or list(read_report.text_cols)
    if read_report.format == "wide":
        roles = {"id": opts.id_col or "respondent_id", "language": opts.language_col}
    else:
        text_cols = text_cols[:1] or ["text"]
        roles = {"id": opts.id_col or "response_id", "question": opts.question_col,
                 "respondent": opts.respondent_col, "language": opts.language_col}
    return column_record(frame, text_cols, roles, read_report.format)


def _output_frame(original: Corpus, deid: Corpus, read_report: Any, opts: Any) -> pd.DataFrame:
    """The de-identified table in the input's shape and column order."""
    id_col = opts.id_col
    text_cols = list(opts.text_cols) or list(read_report.text_cols)
    question_col = opts.question_col
    respondent_col = opts.respondent_col
    language_col = opts.language_col
    columns = list(read_report.columns)
    special = {id_col, question_col, respondent_col, language_col, *text_cols} - {None}

    def meta_name(c: str) -> str:
        return f"source_{c}" if c in ("response_id", "respondent_id", "question_id", "language", "text", "metadata") else c

    rows: list[dict[str, Any]] = []
    if read_report.format == "wide":
        by_resp: dict[str, dict[str, Any]] = {}
        for orig, new in zip(original, deid, strict=True):
            rid = orig.respondent_id or orig.response_id.rsplit(":", 1)[0]
            row = by_resp.get(rid)
            if row is None:
                row = {id_col or "respondent_id": rid}
                if language_col:
                    row[language_col] = orig.language
                for c in columns:
                    if c not in special and meta_name(c) in orig.metadata:
                        row[c] = orig.metadata[meta_name(c)]
                by_resp[rid] = row
            row[orig.question_id] = new.text
        order = ([id_col] if id_col else ["respondent_id"]) + [c for c in columns if c != id_col]
        rows = list(by_resp.values())
    else:
        text_col = text_cols[0] if text_cols else "text"
        for orig, new in zip(original, deid, strict=True):
            row = {id_col or "response_id": orig.response_id, text_col: new.text}
            if question_col:
                row[question_col] = orig.question_id
            if respondent_col:
                row[respondent_col] = orig.respondent_id
            if language_col:
                row[language_col] = orig.language
            for c in columns:
                if c not in special and meta_name(c) in orig.metadata:
                    row[c] = orig.metadata[meta_name(c)]
            rows.append(row)
        order = ([] if id_col else ["response_id"]) + columns
    frame = pd.DataFrame(rows)
    keep = [c for c in order if c in frame.columns]
    keep += [c for c in frame.columns if c not in keep]
    frame = frame[keep]
    # text columns stay text (an empty cell is a skipped or absent answer)
    for c in text_cols:
        if c in frame.columns:
            frame[c] = frame[c].astype("object").where(frame[c].notna(), "")
    return frame


def verify_deidentified(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Raise :class:`DeidError` unless ``path`` is a file this library de-identified, unchanged since.

    Checks ``<path>.manifest.json``: it must exist, say ``stage: "deid"``,
    ``deidentified_by: "twoknow_text"``, and its ``output_sha256`` must match
    the file's bytes. Returns the manifest.
    """
    p = Path(path)
    if not p.is_file():
        raise DeidError("E240", f"File not found: {p}")
    mpath = manifest_path_for(p)
    if not mpath.is_file():
        raise DeidError(
            "E241", f"{p.name} has no de-identification manifest ({mpath.name}); run `twoknow deid` on the raw file first."
        )
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise DeidError("E242", f"De-identification manifest {mpath.name} is not readable JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("stage") != STAGE or manifest.get("deidentified_by") != DEIDENTIFIED_BY:
        raise DeidError("E243", f"{mpath.name} is not a twoknow_text de-identification manifest.")
    if manifest.get("output_sha256") != file_sha256(p):
        raise DeidError(
            "E244", f"{p.name} changed after de-identification (sha256 differs from its manifest); de-identify it again."
        )
    return manifest
