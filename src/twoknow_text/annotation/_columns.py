"""Only de-identified text and structured metadata go to Label Studio.

``twoknow deid`` de-identifies the text column(s) and copies every other
column unchanged; its manifest says which is which (``columns``, see
:mod:`twoknow_text.deid.columns`). Before a push:

- every column read as answer text must be one that was de-identified
  (``E563``): naming a passed-through column with ``--text-col`` would send
  it raw;
- every other column whose values reach the task (the id, question,
  respondent and language columns, each ``--meta`` column) must have been
  passed through as ``structured`` (``E564``): a free-text or
  identifier-like column was never de-identified;
- a manifest without a ``columns`` record (written before it existed) is
  ``E565``: de-identify the raw file again.

A :class:`~twoknow_text.records.Corpus` pushed from memory has no manifest:
its ``--meta`` keys and respondent ids are classified from their values
with the same rule. Errors name columns, never values.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import LabelStudioError

__all__ = ["check_push_columns", "check_corpus_columns", "deid_columns_record"]

_ROLE_ATTRS = (("id_col", "id"), ("question_col", "question"), ("respondent_col", "respondent"),
               ("language_col", "language"))
_KIND_SAYS = {
    "free_text": "free text that was not de-identified",
    "identifier_like": "values that look like identifiers (e-mail, web address, phone) and was not de-identified",
}


def deid_columns_record(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``columns`` record of ``path``'s de-identification manifest (``E565`` when it has none)."""
    from ..deid.columns import read_columns_record

    rec = read_columns_record(path)
    if rec is None:
        raise LabelStudioError(
            "E565",
            f"The de-identification manifest of {Path(path).name} does not say which columns were de-identified "
            "(written by an older twoknow_text); run `twoknow deid` on the raw file again.",
        )
    return rec


def _meta_column(name: str, read_report: Any) -> str:
    """The file column behind a metadata key (a column named like a core field is read as ``source_<name>``)."""
    keys = getattr(read_report, "metadata_keys", None) or {}
    if name in keys:
        return name
    by_key = {k: c for c, k in keys.items()}
    return by_key.get(name, name)


def check_push_columns(
    path: str | os.PathLike[str], read_report: Any, meta_cols: Sequence[str] | None = None
) -> None:
    """Refuse a push of ``path`` (read as ``read_report`` says) that would send a column never de-identified."""
    rec = deid_columns_record(path)
    name = Path(path).name
    deidentified, passed = rec["deidentified"], rec["passed_through"]
    for col in read_report.text_cols:
        if col not in deidentified:
            shown = ", ".join(f"'{c}'" for c in deidentified) or "none"
            raise LabelStudioError(
                "E563",
                f"Refusing to push column '{col}' of {name} as answer text: `twoknow deid` did not de-identify it "
                f"(de-identified: {shown}). Name the de-identified column(s) with --text-col.",
            )
    used = [(getattr(read_report, attr, None), f"the {what} column") for attr, what in _ROLE_ATTRS]
    used += [(_meta_column(m, read_report), "a --meta column") for m in (meta_cols or ())]
    for col, how in used:
        if not col or col in deidentified:
            continue
        entry = passed.get(col)
        if entry is None:
            raise LabelStudioError(
                "E564", f"Refusing to push column '{col}' of {name} as {how}: the de-identification manifest "
                "does not list it.")
        kind = entry.get("kind")
        if kind != "structured":
            raise LabelStudioError(
                "E564",
                f"Refusing to push column '{col}' of {name} as {how}: it holds "
                f"{_KIND_SAYS.get(kind, 'values that were not de-identified')}. Leave it out, or make it a "
                "text column of `twoknow deid`.",
            )


def check_corpus_columns(corpus: Any, meta_cols: Sequence[str] | None = None) -> None:
    """Refuse ``meta_cols`` (and respondent ids) of an in-memory corpus whose values are not structured."""
    from ..deid.columns import classify_values

    for key in meta_cols or ():
        kind = classify_values((r.metadata.get(key) for r in corpus))
        if kind != "structured":
            raise LabelStudioError(
                "E564",
                f"Refusing to push metadata '{key}': it holds {_KIND_SAYS.get(kind, 'values that were not checked')}.",
            )
    kind = classify_values((r.respondent_id for r in corpus), role="respondent")
    if kind != "structured":
        raise LabelStudioError("E564", f"Refusing to push respondent ids: they hold {_KIND_SAYS[kind]}.")
