"""From agreement to revision: flag codes whose reliability is too low.

Input is the agreement stage's per-code table (one row per code with at
least ``code`` and ``alpha`` or ``krippendorff_alpha``: Krippendorff's alpha
of that code's present/absent judgements across coders). Krippendorff's own guidance is to
rely on variables with alpha >= .800 and to draw only tentative conclusions
from .667 <= alpha < .800; the default threshold here is .667.
"""

from __future__ import annotations

import datetime as _dt
import math
import os

import pandas as pd

from .._io import read_table_file
from ..errors import CodebookError
from ._model import Codebook, HistoryEntry

__all__ = ["DEFAULT_THRESHOLD", "read_agreement", "revision_table", "revise_codebook", "final_codebook"]

DEFAULT_THRESHOLD = 0.667


_ALPHA_COLUMNS = ("alpha", "krippendorff_alpha")


def read_agreement(
    path_or_df: str | os.PathLike[str] | pd.DataFrame, *, alpha_col: str | None = None, criterion: str = "point"
) -> pd.DataFrame:
    """Read a per-code agreement table into ``code, alpha`` (plus its other columns).

    The alpha column is ``alpha_col`` or the first of ``alpha`` /
    ``krippendorff_alpha`` (the agreement stage's name). ``criterion="lower"``
    judges codes by the lower bound of the alpha's confidence interval
    (``<alpha_col>_low``) instead of the point estimate, the stricter reading.
    """
    df = path_or_df.copy() if isinstance(path_or_df, pd.DataFrame) else read_table_file(path_or_df)
    if criterion not in ("point", "lower"):
        raise CodebookError("E721", f"The 'criterion' parameter must be 'point' or 'lower'. Got {criterion!r} instead.")
    col = alpha_col or next((c for c in _ALPHA_COLUMNS if c in df.columns), "alpha")
    if criterion == "lower":
        col = f"{col}_low"
    missing = [c for c in ("code", col) if c not in df.columns]
    if missing:
        raise CodebookError(
            "E720", f"Agreement table lacks column(s) {', '.join(missing)}; has {', '.join(map(str, df.columns))}."
        )
    df = df.copy()
    df["code"] = df["code"].astype(str).str.strip()
    df["alpha"] = pd.to_numeric(df[col], errors="coerce")
    if df["code"].duplicated().any():
        dup = df.loc[df["code"].duplicated(), "code"].iloc[0]
        raise CodebookError("E720", f"Agreement table has code '{dup}' more than once.")
    return df


def _check_threshold(threshold: float) -> None:
    if not (isinstance(threshold, (int, float)) and -1.0 <= float(threshold) <= 1.0) or math.isnan(float(threshold)):
        raise CodebookError("E721", f"The 'threshold' parameter must be a number in [-1, 1]. Got {threshold!r} instead.")


def revision_table(
    cb: Codebook,
    agreement: pd.DataFrame | str | os.PathLike[str],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    alpha_col: str | None = None,
    criterion: str = "point",
) -> pd.DataFrame:
    """One row per codebook code: ``code, category, status, alpha, meets, action``.

    ``action`` is ``keep`` (alpha >= threshold), ``revise`` (below it: revise
    the definition, rules and examples, then code again), ``no data`` (the
    table has no finite alpha for it, e.g. a code never or always used) or
    ``retired``. Codes in the table but not in the codebook are listed with
    action ``not in codebook``.
    """
    _check_threshold(threshold)
    ag = read_agreement(agreement, alpha_col=alpha_col, criterion=criterion)
    alpha = dict(zip(ag["code"], ag["alpha"], strict=True))
    rows = []
    for c in cb.codes:
        a = alpha.get(c.id)
        finite = a is not None and not math.isnan(a)
        if c.status == "retired":
            action = "retired"
        elif not finite:
            action = "no data"
        else:
            action = "keep" if a >= threshold else "revise"
        rows.append(
            {
                "code": c.id,
                "category": c.category,
                "status": c.status,
                "alpha": a if finite else None,
                "meets": bool(finite and a >= threshold),
                "action": action,
            }
        )
    cat_ids = set(cb.category_ids)
    for code in ag["code"]:
        if code not in cb and code not in cat_ids:
            rows.append({"code": code, "category": None, "status": None, "alpha": alpha[code], "meets": False,
                         "action": "not in codebook"})
    return pd.DataFrame(rows)


def revise_codebook(
    cb: Codebook,
    agreement: pd.DataFrame | str | os.PathLike[str],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    date: _dt.date | None = None,
    reason: str = "",
    alpha_col: str | None = None,
    criterion: str = "point",
) -> tuple[Codebook, pd.DataFrame]:
    """Record each code's alpha in its history and flag the ones below threshold.

    A flagged active code goes back to ``candidate`` (its definition needs
    revising and another coding round) with a history entry saying so; a
    code that meets the threshold gets an ``agreement measured`` entry. A
    candidate that meets it stays a candidate: promoting it is a person's
    decision (:func:`~twoknow_text.codebook.set_status`).
    Returns ``(revised codebook, revision table)``.
    """
    table = revision_table(cb, agreement, threshold, alpha_col=alpha_col, criterion=criterion)
    day = date or _dt.datetime.now(_dt.timezone.utc).date()
    new = cb.model_copy(deep=True)
    by_row = table.set_index("code").to_dict(orient="index")
    note = reason or f"threshold {threshold:.3f}" + (" on the CI lower bound" if criterion == "lower" else "")
    for code in new.codes:
        row = by_row.get(code.id)
        if row is None or row["action"] in ("retired", "no data"):
            continue
        a = float(row["alpha"])
        if row["action"] == "revise":
            change = f"flagged for definition revision (alpha {a:.3f} < {threshold:.3f})"
            if code.status == "active":
                code.status = "candidate"
                change += "; status active -> candidate"
            code.history.append(HistoryEntry(date=day, change=change, reason=note, agreement=a))
        else:
            code.history.append(
                HistoryEntry(date=day, change=f"agreement measured (alpha {a:.3f} >= {threshold:.3f})", reason=note, agreement=a)
            )
    return Codebook.model_validate(new.model_dump()), table


def final_codebook(
    cb: Codebook,
    agreement: pd.DataFrame | str | os.PathLike[str],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    alpha_col: str | None = None,
    criterion: str = "point",
) -> Codebook:
    """The codebook to report with: only active codes whose alpha meets the threshold."""
    table = revision_table(cb, agreement, threshold, alpha_col=alpha_col, criterion=criterion)
    keep = set(table.loc[table["meets"] & (table["status"] == "active"), "code"])
    codes = [c.model_copy(deep=True) for c in cb.codes if c.id in keep]
    # a kept code whose parent was dropped moves up a level
    for c in codes:
        while c.parent is not None and c.parent not in keep:
            c.parent = cb.get(c.parent).parent
    return Codebook(
        name=cb.name,
        version=f"{cb.version}-final",
        description=cb.description,
        categories=[c.model_copy() for c in cb.categories],
        codes=codes,
    )

