"""Statistical disclosure control for subgroup tables: which columns may split, which cells are hidden.

Subgroup columns (``report --by``)
    A subgroup column must be structured metadata: question, language or a
    metadata column that ``twoknow deid`` passed through as ``structured``
    (see :mod:`twoknow_text.deid.columns`). A free-text or identifier-like
    column was never de-identified, and a subgroup per respondent or per
    answer describes one person: both are ``E770``.

Small cells
    A subgroup with fewer than ``min_cell`` respondents (default 5) is
    suppressed: its counts, shares and intervals are left empty and its
    ``suppressed`` column says ``<5`` (primary suppression). When a
    subgroup column has exactly one such subgroup, its counts could be
    recovered by subtracting the others from the overall table, so the
    next-smallest subgroup is suppressed too (``complementary``), as
    statistical offices do (secondary suppression).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..errors import CodebookError

__all__ = ["check_by_values", "check_by_manifest", "suppress_small_subgroups", "DEFAULT_MIN_CELL", "SUPPRESSED_COLS"]

DEFAULT_MIN_CELL = 5
SUPPRESSED_COLS = ("n_answers", "n_respondents", "respondents_total", "share", "ci_low", "ci_high")
_PER_PERSON = ("respondent_id", "response_id", "respondent", "response")
_ROLE_OF = {"question_id": "question", "language": "language"}
_KIND_SAYS = {
    "free_text": "free text that was not de-identified",
    "identifier_like": "values that look like identifiers (e-mail, web address, phone)",
}


def _refuse(col: str, why: str) -> CodebookError:
    return CodebookError("E770", f"Refusing to report by '{col}': {why}. Use a structured column "
                                 "(question, language, or a short category such as an age group).")


def check_by_values(frame: pd.DataFrame, by: Sequence[str]) -> None:
    """Refuse subgroup columns of ``frame`` (the corpus as a table) that are per-person or not structured."""
    from ..deid.columns import classify_values

    for b in by:
        if b in _PER_PERSON:
            raise _refuse(b, "one subgroup per respondent or answer describes a single person")
        if b not in frame.columns:
            continue  # the caller says which columns exist (E754)
        kind = classify_values(frame[b].tolist(), role=_ROLE_OF.get(b, "metadata"))
        if kind != "structured":
            raise _refuse(b, f"it holds {_KIND_SAYS[kind]}")


def check_by_manifest(path: Any, by: Sequence[str]) -> None:
    """Refuse subgroup columns that the de-identification manifest beside ``path`` does not list as structured."""
    from ..deid.columns import find_column, read_columns_record

    rec = read_columns_record(path)
    if rec is None:
        return  # an older manifest: the values are checked (check_by_values)
    for b in by:
        if b in _PER_PERSON:
            raise _refuse(b, "one subgroup per respondent or answer describes a single person")
        col, entry = find_column(rec, b)
        if col in rec["deidentified"]:
            raise _refuse(b, "it is an answer text column (free text)")
        if entry is not None and entry.get("kind") != "structured":
            raise _refuse(b, f"it holds {_KIND_SAYS.get(entry.get('kind'), 'values that were not de-identified')}")


def suppress_small_subgroups(by_sub: pd.DataFrame, min_cell: int = DEFAULT_MIN_CELL) -> tuple[pd.DataFrame, list[str]]:
    """Hide subgroups of fewer than ``min_cell`` respondents (primary) and one more where needed (complementary).

    Returns the table with a ``suppressed`` column (``""``, ``"<k"`` or
    ``"complementary"``) and the counts of hidden rows emptied, plus notes
    for the report. ``min_cell <= 1`` hides nothing.
    """
    out = by_sub.copy()
    out["suppressed"] = ""
    if out.empty or min_cell <= 1:
        return out, []
    marks: dict[tuple[str, str], str] = {}
    notes: list[str] = []
    for b, g in out.groupby("subgroup", sort=False):
        sizes = g.groupby("subgroup_value", sort=False)["respondents_total"].first()
        primary = [v for v, n in sizes.items() if n < min_cell]
        shown = sizes[sizes >= min_cell].sort_values(kind="stable")
        complementary = [shown.index[0]] if len(primary) == 1 and len(shown) else []
        marks.update({(b, v): f"<{min_cell}" for v in primary})
        marks.update({(b, v): "complementary" for v in complementary})
        if primary:
            notes.append(
                f"By {b}: {len(primary)} subgroup(s) with fewer than {min_cell} respondents are suppressed (<{min_cell})"
                + ("; 1 more is suppressed so that the hidden one cannot be recovered from the totals"
                   if complementary else "")
                + "."
            )
    if marks:
        keys = list(zip(out["subgroup"], out["subgroup_value"], strict=True))
        out["suppressed"] = [marks.get(k, "") for k in keys]
        hide = out["suppressed"] != ""
        for c in ("n_answers", "n_respondents", "respondents_total"):
            out[c] = out[c].astype("Int64").mask(hide)
        for c in ("share", "ci_low", "ci_high"):
            out[c] = out[c].astype(float).mask(hide)
    return out, notes
