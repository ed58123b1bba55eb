"""Reliability data: from a tidy coding table to a coders × units matrix.

Two shapes of coding are supported:

* :class:`ReliabilityData` — one value per (unit, coder): a category, a rank
  or a number. Stored the way Krippendorff lays it out: a coders × units
  matrix of category indices (``-1`` = no judgement).
* :class:`MultiLabelData` — a set of codes per (unit, coder). Stored as a
  ``seen`` mask (coders × units: the coder judged the unit, perhaps giving no
  code) and a ``present`` array (codes × coders × units).

Units judged by fewer than two coders cannot be paired: they are excluded
from every coefficient and their ids kept in ``unpairable_units`` (counted,
never silently lost).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import AgreementError, InputError

__all__ = [
    "LEVELS",
    "Level",
    "ReliabilityData",
    "MultiLabelData",
    "reliability_data",
    "load_codebook_codes",
]

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
_MAX_ML_CODERS = 63  # coder sets are held as bits of one uint64


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise AgreementError(
            "E608", f"The 'level' parameter must be one of {', '.join(LEVELS)}. Got {level!r} instead."
        )
    return level


# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ReliabilityData:
    """Single-valued judgements as a coders × units matrix.

    Attributes
    ----------
    codes:
        ``int64`` array (n_coders, n_units): index into ``categories``, ``-1``
        where the coder gave no judgement. Only pairable units (two or more
        judgements) are held.
    categories:
        Category labels, sorted (numerically when ``numeric``). Interval and
        ratio distances use these values.
    units, coders:
        Unit and coder ids (strings), in the order of the matrix.
    numeric:
        True when every category is a number.
    unpairable_units:
        Units judged by fewer than two coders: excluded and counted.
    unknown_codes:
        Values outside the codebook and how often they occurred (only when
        ``on_unknown`` was ``"record"`` or ``"drop"``).
    unit_times:
        Optional ``datetime64[ns]`` per unit (first judgement) for drift tables.
    """

    codes: np.ndarray
    categories: tuple[Any, ...]
    units: tuple[str, ...]
    coders: tuple[str, ...]
    numeric: bool = False
    unpairable_units: tuple[str, ...] = ()
    unknown_codes: Mapping[str, int] = field(default_factory=dict)
    unit_times: np.ndarray | None = None
    n_categories: int | None = None  # size of the scheme (codebook) when larger than observed
    lone_codes: tuple[int, ...] = ()  # category index of the single value of each unpairable unit


    multi_label = False

    @property
    def n_units(self) -> int:
        return int(self.codes.shape[1])

    @property
    def n_coders(self) -> int:
        return int(self.codes.shape[0])

    @property
    def n_unpairable(self) -> int:
        return len(self.unpairable_units)

    @property
    def q(self) -> int:
        """Number of categories in the scheme (for Gwet's AC1 and Brennan–Prediger)."""
        return int(self.n_categories or len(self.categories))

    @property
    def values(self) -> np.ndarray:
        """The matrix of category values (float, NaN = missing) when numeric."""
        if not self.numeric:
            raise AgreementError("E609", "The values are not numeric; use .codes (category indices).")
        cats = np.asarray(self.categories, dtype=float)
        out = np.full(self.codes.shape, np.nan)
        mask = self.codes >= 0
        out[mask] = cats[self.codes[mask]]
        return out

    @classmethod
    def from_matrix(
        cls,
        matrix: Any,
        *,
        units: Sequence[Any] | None = None,
        coders: Sequence[Any] | None = None,
        categories: Sequence[Any] | None = None,
    ) -> ReliabilityData:
        """Build from a coders × units matrix (Krippendorff's layout); NaN/None = missing.

        >>> d = ReliabilityData.from_matrix([[1, 2, 3], [1, 2, None]])
        >>> d.n_units, d.n_unpairable
        (2, 1)
        """
        arr = np.asarray(matrix, dtype=object)
        if arr.ndim != 2:
            raise AgreementError("E602", f"A reliability matrix must be 2-D (coders × units); got {arr.ndim}-D.")
        n_coders, n_units = arr.shape
        units = [str(u) for u in (units if units is not None else range(n_units))]
        coders = [str(c) for c in (coders if coders is not None else range(n_coders))]
        rows = []
        for r in range(n_coders):
            for u in range(n_units):
                v = arr[r, u]
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    continue
                rows.append((units[u], coders[r], v))
        df = pd.DataFrame(rows, columns=["unit", "coder", "value"])
        data = reliability_data(df, categories=categories, _all_units=units, _all_coders=coders)
        assert isinstance(data, ReliabilityData)
        return data

    def subset(self, *, coders: Sequence[str] | None = None, units: np.ndarray | None = None) -> ReliabilityData:
        """The same data restricted to some coders and/or units (boolean mask or indices).

        Units that become unpairable are moved to ``unpairable_units``.
        """
        codes = self.codes
        coder_ids = self.coders
        if coders is not None:
            idx = [self.coders.index(c) for c in coders]
            codes = codes[idx]
            coder_ids = tuple(self.coders[i] for i in idx)
        unit_idx = np.arange(self.n_units) if units is None else np.arange(self.n_units)[units]
        codes = codes[:, unit_idx]
        pairable = (codes >= 0).sum(0) >= 2
        unit_ids = [self.units[i] for i in unit_idx]
        dropped = tuple(u for u, p in zip(unit_ids, pairable) if not p)
        times = None if self.unit_times is None else self.unit_times[unit_idx][pairable]
        lone = codes[:, ~pairable].max(0) if (~pairable).any() else np.zeros(0, np.int64)
        return replace(
            self,
            lone_codes=self.lone_codes + tuple(int(x) for x in lone if x >= 0),
            codes=codes[:, pairable],
            coders=coder_ids,
            units=tuple(u for u, p in zip(unit_ids, pairable) if p),
            unpairable_units=self.unpairable_units + dropped,
            unit_times=times,
        )


@dataclass(frozen=True, eq=False)
class MultiLabelData:
    """A set of codes per (unit, coder).

    Attributes
    ----------
    seen:
        bool (n_coders, n_units): the coder judged the unit (maybe with no code).
    present:
        bool (n_codes, n_coders, n_units): the coder gave that code.
    codes:
        Code ids, in the order of ``present`` (codebook order when given).
    """

    seen: np.ndarray
    present: np.ndarray
    codes: tuple[str, ...]
    units: tuple[str, ...]
    coders: tuple[str, ...]
    unpairable_units: tuple[str, ...] = ()
    unknown_codes: Mapping[str, int] = field(default_factory=dict)
    unit_times: np.ndarray | None = None

    multi_label = True
    numeric = False

    @property
    def n_units(self) -> int:
        return int(self.seen.shape[1])

    @property
    def n_coders(self) -> int:
        return int(self.seen.shape[0])

    @property
    def n_codes(self) -> int:
        return len(self.codes)

    @property
    def n_unpairable(self) -> int:
        return len(self.unpairable_units)

    def code_data(self, code: str) -> ReliabilityData:
        """One code as present/absent single-valued data (categories ``(0, 1)``)."""
        k = self.codes.index(code)
        mat = np.where(self.seen, self.present[k].astype(np.int64), -1)
        return ReliabilityData(
            codes=mat, categories=(0, 1), units=self.units, coders=self.coders, numeric=True,
            unpairable_units=self.unpairable_units, unit_times=self.unit_times,
        )

    def subset(self, *, coders: Sequence[str] | None = None, units: np.ndarray | None = None) -> MultiLabelData:
        """The same data restricted to some coders and/or units; new unpairable units are counted."""
        seen, present, coder_ids = self.seen, self.present, self.coders
        if coders is not None:
            idx = [self.coders.index(c) for c in coders]
            seen, present = seen[idx], present[:, idx]
            coder_ids = tuple(self.coders[i] for i in idx)
        unit_idx = np.arange(self.n_units) if units is None else np.arange(self.n_units)[units]
        seen, present = seen[:, unit_idx], present[:, :, unit_idx]
        pairable = seen.sum(0) >= 2
        unit_ids = [self.units[i] for i in unit_idx]
        dropped = tuple(u for u, p in zip(unit_ids, pairable) if not p)
        times = None if self.unit_times is None else self.unit_times[unit_idx][pairable]
        return replace(
            self,
            seen=seen[:, pairable],
            present=present[:, :, pairable],
            coders=coder_ids,
            units=tuple(u for u, p in zip(unit_ids, pairable) if p),
            unpairable_units=self.unpairable_units + dropped,
            unit_times=times,
        )

    def code_sets(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """``{unit: {coder: (codes...)}}`` for the coders who saw the unit."""
        out: dict[str, dict[str, tuple[str, ...]]] = {}
        for u, unit in enumerate(self.units):
            row = {}
            for r, coder in enumerate(self.coders):
                if self.seen[r, u]:
                    row[coder] = tuple(self.codes[k] for k in np.flatnonzero(self.present[:, r, u]))
            out[unit] = row
        return out


# ---------------------------------------------------------------------------
# Codebooks
# ---------------------------------------------------------------------------
def load_codebook_codes(codebook: Any) -> list[str]:
    """Allowed code ids from a Codebook, a YAML codebook path, a text file (one per line) or a list."""
    if codebook is None:
        return []
    if hasattr(codebook, "ids"):
        return [str(c) for c in codebook.ids]
    if isinstance(codebook, (str, os.PathLike)):
        p = Path(codebook)
        if not p.is_file():
            raise AgreementError("E606", f"Codebook file not found: {p}")
        if p.suffix.lower() in {".yaml", ".yml"}:
            from ..codebook import load_codebook

            return list(load_codebook(p).ids)
        lines = [ln.strip() for ln in p.read_text(encoding="utf-8").splitlines()]
        return [ln for ln in lines if ln and not ln.startswith("#")]
    return [str(c) for c in codebook]


# ---------------------------------------------------------------------------
# Tidy table → reliability data
# ---------------------------------------------------------------------------
def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, str) and v.strip() == ""


def _clean(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Stripped strings and a missing mask, vectorised (no per-cell Python calls)."""
    missing = series.isna().to_numpy()
    out = series.astype("string").fillna("").str.strip()
    missing = missing | (out == "").to_numpy()
    return out, missing


def _safe_col(name: Any) -> str:
    """A column name for an error message, unless it looks like answer text (a header-less file)."""
    text = str(name)
    return repr(text) if len(text) <= 40 and text.count(" ") < 4 else "<long column name>"


def _check_not_free_text(values: pd.Series, value_col: str) -> None:
    """Refuse a value column that holds answer text rather than codes (E616), without echoing it.

    Free text: a value over 60 characters with spaces, or (at least four
    values) nearly every value distinct and some containing spaces. Codes
    repeat across units and coders; answers do not.
    """
    vals = values.astype(str)
    if not len(vals):
        return
    spaced = vals.str.contains(" ", regex=False)
    long_text = (vals.str.len() > 60) & spaced
    mostly_unique = len(vals) >= 4 and vals.nunique() >= 0.9 * len(vals) and spaced.any()
    if long_text.any() or mostly_unique:
        first = int(np.flatnonzero((long_text | spaced).to_numpy())[0])
        raise AgreementError(
            "E616",
            f"Column '{value_col}' looks like free text, not codes (e.g. row {values.index[first]}): "
            "point the value column at the codes.",
        )


def _as_number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    if isinstance(v, str):
        try:
            x = float(v.strip())
        except ValueError:
            return None
        return x if math.isfinite(x) else None
    return None


def _classify_values(values: pd.Series, value_col: str) -> tuple[bool, list[Any]]:
    """Decide whether a value column is numeric or text; mixed is a coded error (E604)."""
    raw = list(values)
    nums = [_as_number(v) for v in raw]
    is_num = np.array([n is not None for n in nums])
    if is_num.all():
        return True, nums
    # Python objects of several kinds (e.g. ints and strs in one column) or
    # a CSV column where some cells parse as numbers and others do not.
    if is_num.any():
        first_num = int(np.flatnonzero(is_num)[0])
        first_txt = int(np.flatnonzero(~is_num)[0])
        raise AgreementError(
            "E604",
            f"Column '{value_col}' mixes numbers (first at row {values.index[first_num]}) and "
            f"non-numeric values (first at row {values.index[first_txt]}); use one type of code.",
        )
    types = {type(v).__name__ for v in raw}
    if len(types) > 1:
        raise AgreementError("E604", f"Column '{value_col}' mixes value types ({', '.join(sorted(types))}).")
    return False, [str(v).strip() for v in raw]


def _norm_num(x: float) -> Any:
    return int(x) if float(x).is_integer() else float(x)


def reliability_data(
    table: pd.DataFrame | str | os.PathLike[str],
    unit_col: str = "unit",
    coder_col: str = "coder",
    value_col: str = "value",
    *,
    multi_label: bool = False,
    level: str = "nominal",
    codebook: Any = None,
    on_unknown: Literal["error", "record", "drop"] = "error",
    categories: Sequence[Any] | None = None,
    time_col: str | None = None,
    _all_units: Sequence[str] | None = None,
    _all_coders: Sequence[str] | None = None,
) -> ReliabilityData | MultiLabelData:
    """Build reliability data from a tidy coding table.

    Parameters
    ----------
    table:
        A DataFrame (or CSV path) with one row per (unit, coder) judgement, or
        with ``multi_label=True`` one row per (unit, coder, code); an empty
        value there means the coder saw the unit and gave no code. This is the
        shape ``twoknow_text.annotation.pull`` returns (``response_id, coder,
        code``).
    level:
        ``interval`` and ``ratio`` need numeric values (E609).
    codebook:
        Allowed codes (Codebook, YAML path, text file or list). Codes outside it
        raise E606 (``on_unknown="error"``), are kept and counted
        (``"record"``) or removed and counted (``"drop"``).
    categories:
        The full ordered category scheme (e.g. a Likert scale); sets the order
        for ordinal data and ``q`` for Gwet's AC1 / Brennan–Prediger.
    time_col:
        Optional timestamp column; the first judgement time per unit is kept
        for drift tables.

    Raises
    ------
    AgreementError
        E601 missing column, E602 empty table, E603 fewer than two coders,
        E604 mixed value types, E605 conflicting duplicate judgements, E606
        codes outside the codebook, E607 no unit judged by two coders, E608 bad
        option, E609 non-numeric values for interval/ratio.
    InputError
        E025 one column named for two roles (unit, coder, value, time).
    """
    _check_level(level)
    if on_unknown not in ("error", "record", "drop"):
        raise AgreementError(
            "E608", f"The 'on_unknown' parameter must be 'error', 'record' or 'drop'. Got {on_unknown!r} instead."
        )
    if isinstance(table, (str, os.PathLike)):
        from .._io import read_table_file

        table = read_table_file(table)
    needed = [unit_col, coder_col, value_col] + ([time_col] if time_col else [])
    roles = ["unit", "coder", "value", "time"]
    for i, c in enumerate(needed):
        if c in needed[:i]:
            first = roles[needed.index(c)]
            raise InputError(
                "E025", f"Column {_safe_col(c)} is named as both the {first} and the {roles[i]} column; "
                "each role needs its own column.",
            )
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise AgreementError(
            "E601",
            f"Column(s) {', '.join(_safe_col(m) for m in missing)} not in the table "
            f"(columns: {', '.join(_safe_col(c) for c in table.columns[:20])}).",
        )
    df = table[needed].copy()
    if df.empty:
        raise AgreementError("E602", "The coding table has no rows.")
    units_s, unit_missing = _clean(df[unit_col])
    coders_s, coder_missing = _clean(df[coder_col])
    bad_ids = unit_missing | coder_missing
    if bad_ids.any():
        raise AgreementError("E602", f"Row {df.index[bad_ids][0]} has an empty '{unit_col}' or '{coder_col}'.")
    df[unit_col] = units_s.astype(object)
    df[coder_col] = coders_s.astype(object)
    if multi_label:
        empty = _clean(df[value_col])[1]
    else:
        empty = df[value_col].map(_is_missing).to_numpy()

    coders = list(_all_coders) if _all_coders is not None else sorted(df[coder_col].unique())
    if len(set(df[coder_col])) < 2:
        only = ", ".join(repr(c) for c in sorted(set(df[coder_col])))
        raise AgreementError("E603", f"Agreement needs at least two coders; the table has one ({only}).")

    allowed = load_codebook_codes(codebook)
    unknown: Counter[str] = Counter()

    times = None
    if time_col:
        ts = pd.to_datetime(df[time_col], errors="coerce", utc=True)
        if ts.isna().all():
            raise AgreementError("E614", f"Column '{time_col}' holds no parsable timestamps.")
        times = ts

    if multi_label:
        return _multi_label(df, unit_col, coder_col, value_col, empty, coders, allowed, on_unknown, times)

    vals = df.loc[~empty, value_col]
    _check_not_free_text(vals, value_col)
    numeric, parsed = _classify_values(vals, value_col) if len(vals) else (False, [])
    if level in ("interval", "ratio") and not numeric and len(vals):
        raise AgreementError("E609", f"Level '{level}' needs numeric values in '{value_col}'.")
    keep = df.loc[~empty, [unit_col, coder_col]].copy()
    keep["v"] = [_norm_num(x) for x in parsed] if numeric else parsed
    if level == "ratio" and numeric and (keep["v"] < 0).any():
        raise AgreementError("E609", f"Level 'ratio' needs non-negative values in '{value_col}'.")

    if allowed:
        allowed_set = set(allowed) | ({_norm_num(x) for x in map(_as_number, allowed) if x is not None})
        bad = ~keep["v"].map(lambda v: v in allowed_set or str(v) in allowed_set)
        if bad.any():
            unknown.update(map(str, keep.loc[bad, "v"]))
            if on_unknown == "error":
                shown = ", ".join(repr(c) for c, _ in unknown.most_common(5))
                raise AgreementError(
                    "E606",
                    f"{int(bad.sum())} value(s) are not in the codebook ({shown}); "
                    f"first at row {keep.index[bad.to_numpy()][0]}.",
                )
            if on_unknown == "drop":
                keep = keep.loc[~bad]

    dup = keep.duplicated([unit_col, coder_col], keep=False)
    if dup.any():
        conflicts = keep.loc[dup].groupby([unit_col, coder_col])["v"].nunique()
        if (conflicts > 1).any():
            u, c = conflicts[conflicts > 1].index[0]
            raise AgreementError(
                "E605", f"Coder '{c}' gave more than one value to unit '{u}'; use --multi-label for code sets."
            )
        keep = keep.drop_duplicates([unit_col, coder_col])

    if categories is not None:
        cats = [(_norm_num(_as_number(c)) if numeric and _as_number(c) is not None else c) for c in categories]
        extra = sorted(set(keep["v"]) - set(cats), key=str)
        if extra:
            raise AgreementError("E606", f"Value(s) {extra[:5]} are not among the given categories.")
    else:
        cats = sorted(set(keep["v"]), key=(float if numeric else str))
        if allowed and not numeric and on_unknown != "record":
            cats = [c for c in allowed if c in set(cats)]  # codebook order, observed only
    cat_index = {c: i for i, c in enumerate(cats)}

    all_units = list(_all_units) if _all_units is not None else list(pd.unique(df[unit_col]))
    unit_index = {u: i for i, u in enumerate(all_units)}
    coder_index = {c: i for i, c in enumerate(coders)}
    mat = np.full((len(coders), len(all_units)), -1, dtype=np.int64)
    if len(keep):
        mat[keep[coder_col].map(coder_index).to_numpy(), keep[unit_col].map(unit_index).to_numpy()] = (
            keep["v"].map(cat_index).to_numpy()
        )
    pairable = (mat >= 0).sum(0) >= 2
    if not pairable.any():
        raise AgreementError("E607", "No unit was judged by two or more coders: nothing to compare.")
    unit_times = _unit_times(times, df[unit_col], all_units, pairable)
    n_scheme = len(allowed) if (allowed and not numeric and on_unknown != "record" and categories is None) else None
    return ReliabilityData(
        codes=mat[:, pairable],
        categories=tuple(cats),
        units=tuple(u for u, p in zip(all_units, pairable) if p),
        coders=tuple(coders),
        numeric=numeric,
        unpairable_units=tuple(u for u, p in zip(all_units, pairable) if not p),
        unknown_codes=dict(unknown),
        unit_times=unit_times,
        n_categories=n_scheme if n_scheme and n_scheme > len(cats) else None,
        lone_codes=tuple(int(x) for x in mat[:, ~pairable].max(0) if x >= 0),
    )


def _unit_times(times: pd.Series | None, unit_series: pd.Series, all_units: list[str], pairable: np.ndarray):
    if times is None:
        return None
    first = times.groupby(unit_series.to_numpy()).min()
    arr = first.reindex(all_units).to_numpy(dtype="datetime64[ns]")
    return arr[pairable]


def _multi_label(
    df: pd.DataFrame,
    unit_col: str,
    coder_col: str,
    value_col: str,
    empty: np.ndarray,
    coders: list[str],
    allowed: list[str],
    on_unknown: str,
    times: pd.Series | None,
) -> MultiLabelData:
    if len(coders) > _MAX_ML_CODERS:
        raise AgreementError("E610", f"Multi-label agreement supports at most {_MAX_ML_CODERS} coders; got {len(coders)}.")
    codes_col = _clean(df[value_col])[0].astype(object)
    _check_not_free_text(codes_col[~empty], value_col)
    unknown: Counter[str] = Counter()
    drop = np.zeros(len(df), dtype=bool)
    if allowed:
        allowed_set = set(allowed)
        bad = (~empty) & ~codes_col.isin(allowed_set).to_numpy()
        if bad.any():
            unknown.update(codes_col[bad])
            if on_unknown == "error":
                shown = ", ".join(repr(c) for c, _ in unknown.most_common(5))
                raise AgreementError(
                    "E606",
                    f"{int(bad.sum())} code(s) are not in the codebook ({shown}); first at row {df.index[bad][0]}.",
                )
            if on_unknown == "drop":
                drop = bad  # the coder still saw the unit: the row counts as "seen, no such code"
    unit_codes, all_units = pd.factorize(df[unit_col], sort=False)
    coder_index = {c: i for i, c in enumerate(coders)}
    coder_codes = df[coder_col].map(coder_index).to_numpy()
    n_units, n_coders = len(all_units), len(coders)
    seen = np.zeros((n_coders, n_units), dtype=bool)
    seen[coder_codes, unit_codes] = True

    has_code = (~empty) & ~drop
    observed = set(codes_col[has_code])
    if allowed:
        # Codebook order, unused codes included (their row says "never used");
        # recorded unknown codes go last.
        code_list = list(dict.fromkeys(allowed)) + sorted(observed - set(allowed))
    else:
        code_list = sorted(observed)
    code_index = {c: i for i, c in enumerate(code_list)}
    present = np.zeros((len(code_list), n_coders, n_units), dtype=bool)
    if has_code.any():
        present[codes_col[has_code].map(code_index).to_numpy(), coder_codes[has_code], unit_codes[has_code]] = True

    pairable = seen.sum(0) >= 2
    if not pairable.any():
        raise AgreementError("E607", "No unit was judged by two or more coders: nothing to compare.")
    units = [str(u) for u in all_units]
    return MultiLabelData(
        seen=seen[:, pairable],
        present=present[:, :, pairable],
        codes=tuple(code_list),
        units=tuple(u for u, p in zip(units, pairable) if p),
        coders=tuple(coders),
        unpairable_units=tuple(u for u, p in zip(units, pairable) if not p),
        unknown_codes=dict(unknown),
        unit_times=_unit_times(times, df[unit_col], units, pairable),
    )
