"""Agreement reports and tables: overall, per code, per coder pair, against gold, over time.

Krippendorff's guidance (Content Analysis, 2004/2019, ch. 12): rely on
variables with alpha >= 0.800; consider variables with 0.667 <= alpha <
0.800 only for tentative conclusions; below 0.667, discard. Each row gets a
``flag`` (``reliable`` / ``tentative`` / ``unreliable`` / ``undefined``),
``below_threshold`` against the chosen threshold, and ``p_below`` — the share
of bootstrap resamples whose alpha falls below the threshold (Krippendorff's
q, the probability of failing to reach the minimum).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import AgreementError
from ._bootstrap import _check, percentile_ci, resampled_sums, resolve_method
from ._coefficients import (
    COEFFICIENTS,
    NO_VARIATION,
    Estimate,
    StateTable,
    agreement_weights,
    alpha_parts,
    evaluate,
    masi_parts,
    reasons,
    state_table,
)
from ._matrix import MultiLabelData, ReliabilityData, _check_level, reliability_data

__all__ = [
    "AgreementReport",
    "agreement",
    "per_code_table",
    "pairwise_table",
    "gold_table",
    "drift_table",
    "krippendorff_flag",
]

RELIABLE, TENTATIVE = 0.800, 0.667


def krippendorff_flag(alpha: float) -> str:
    """``reliable`` (>= .800), ``tentative`` (>= .667), ``unreliable`` or ``undefined``."""
    if alpha is None or math.isnan(alpha):
        return "undefined"
    return "reliable" if alpha >= RELIABLE else ("tentative" if alpha >= TENTATIVE else "unreliable")


@dataclass(frozen=True, eq=False)
class AgreementReport:
    """Coefficients with bootstrap CIs, and the per-code table for multi-label data."""

    coefficients: dict[str, Estimate]
    level: str
    multi_label: bool
    n_units: int
    coders: tuple[str, ...]
    unpairable_units: tuple[str, ...]
    n_boot: int
    seed: int | None
    confidence: float
    method: str
    threshold: float
    per_code: pd.DataFrame | None = None
    unknown_codes: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def n_unpairable(self) -> int:
        return len(self.unpairable_units)

    def __getitem__(self, name: str) -> Estimate:
        return self.coefficients[name]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: one number per coefficient (null when undefined), ``ci``, ``reasons``, ``per_code``."""

        def num(x: float) -> float | None:
            return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)

        out: dict[str, Any] = {name: num(e.value) for name, e in self.coefficients.items()}
        out["ci"] = {name: [num(e.low), num(e.high)] for name, e in self.coefficients.items()}
        out["reasons"] = {name: e.reason for name, e in self.coefficients.items() if e.reason}
        out.update(
            level=self.level,
            multi_label=self.multi_label,
            n_units=self.n_units,
            n_coders=len(self.coders),
            coders=list(self.coders),
            n_unpairable=self.n_unpairable,
            bootstrap={"n_boot": self.n_boot, "seed": self.seed, "confidence": self.confidence, "method": self.method},
            threshold=self.threshold,
            flag=krippendorff_flag(self.coefficients["krippendorff_alpha"].value),
        )
        if self.unknown_codes:
            out["unknown_codes"] = dict(self.unknown_codes)
        if self.notes:
            out["notes"] = list(self.notes)
        if self.per_code is not None:
            recs = self.per_code.to_dict(orient="records")
            out["per_code"] = [{k: (num(v) if isinstance(v, float) else v) for k, v in r.items()} for r in recs]
        return out


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _one_hot(index: np.ndarray, n_cols: int, n_rows: int, rows: np.ndarray | None = None) -> sp.csr_matrix:
    rows = np.arange(n_rows) if rows is None else rows
    return sp.csr_matrix((np.ones(len(index), np.float32), (rows, index)), shape=(n_rows, n_cols))


def _estimates(
    point: dict[str, np.ndarray],
    boot: dict[str, np.ndarray] | None,
    why: dict[str, str | None],
    n_units: int,
    n_boot: int,
    confidence: float,
) -> dict[str, Estimate]:
    out = {}
    for name, v in point.items():
        lo, hi = percentile_ci(boot[name], confidence) if boot is not None and n_boot else (math.nan, math.nan)
        val = float(v[0])
        if math.isnan(val):
            lo, hi = math.nan, math.nan
        out[name] = Estimate(name, val, lo, hi, why.get(name), n_units, n_boot)
    return out


def _which(n_coders: int, level: str) -> tuple[str, ...]:
    names = [c for c in COEFFICIENTS if c != "cohen_kappa" or n_coders == 2]
    if level != "nominal":
        names.append("gwet_ac2")
    return tuple(names)


def _fixed_de_alpha(h_boot: np.ndarray, h_point: np.ndarray, st: StateTable, level: str) -> np.ndarray:
    """Hayes & Krippendorff (2007): expected disagreement held at its observed value."""
    n0, _, de0 = alpha_parts(h_point, st, level)
    nb, dob, _ = alpha_parts(h_boot, st, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        d_e = de0 / (n0 * (n0 - 1.0))
        return np.where(d_e > 0, 1.0 - (dob / nb) / d_e, np.nan)


# ---------------------------------------------------------------------------
# single-valued data
# ---------------------------------------------------------------------------
def _single(
    d: ReliabilityData, level: str, n_boot: int, seed: int | None, confidence: float, method: str,
    alpha_de: str, cohen_weights: str | None,
) -> dict[str, Estimate]:
    st, inv = state_table(d)
    s = len(st.counts)
    h_point = np.bincount(inv, minlength=s).astype(float)[None, :]
    which = _which(d.n_coders, level)
    w2 = None
    if "gwet_ac2" in which:
        vals = np.asarray(d.categories, dtype=float) if d.numeric else len(d.categories)
        w2 = agreement_weights({"ordinal": "ordinal", "interval": "quadratic", "ratio": "ratio"}[level], vals)
    kw = dict(which=which, ac2_weights=w2, cohen_weights=cohen_weights)
    point = evaluate(h_point, st, level, **kw)
    why = reasons(h_point, st, level, point)
    boot = None
    if n_boot:
        (h_boot,) = resampled_sums([_one_hot(inv, s, d.n_units)], d.n_units, n_boot, seed, method)
        boot = evaluate(h_boot, st, level, **kw)
        if alpha_de == "fixed":
            boot["krippendorff_alpha"] = _fixed_de_alpha(h_boot, h_point, st, level)
    return _estimates(point, boot, why, d.n_units, n_boot, confidence)


# ---------------------------------------------------------------------------
# multi-label data
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _MLStates:
    seen_masks: np.ndarray  # (n_ss,) uint64
    seen_state: np.ndarray  # (U,)
    nz_code: np.ndarray  # (n_nz,) code of each non-empty state
    nz_seen: np.ndarray  # (n_nz,) seen state of each non-empty state
    nz_pm: np.ndarray  # (n_nz,) presence mask
    nz_unit: np.ndarray  # (nnz,) unit of each non-empty (code, unit) entry
    nz_state: np.ndarray  # (nnz,) state of each entry


def _ml_states(d: MultiLabelData) -> _MLStates:
    r = d.n_coders
    shifts = (np.uint64(1) << np.arange(r, dtype=np.uint64))
    seen_mask = (d.seen.astype(np.uint64) * shifts[:, None]).sum(0, dtype=np.uint64)
    seen_masks, seen_state = np.unique(seen_mask, return_inverse=True)
    pm = np.zeros((d.n_codes, d.n_units), dtype=np.uint64)
    for i in range(r):
        pm |= d.present[:, i, :].astype(np.uint64) << np.uint64(i)
    k_idx, u_idx = np.nonzero(pm)
    n_ss = len(seen_masks)
    ss = np.asarray(seen_state).reshape(-1)
    if d.n_codes * n_ss * (2**r) < 2**62:
        # One integer key per (code, seen state, presence mask): a 1-D unique is fast.
        key = (k_idx.astype(np.int64) * n_ss + ss[u_idx]) * (2**r) + pm[k_idx, u_idx].astype(np.int64)
        ukey, inv = np.unique(key, return_inverse=True)
        uniq = np.stack([ukey // (n_ss * 2**r), (ukey // 2**r) % n_ss, ukey % 2**r]).astype(np.uint64)
        inv = np.asarray(inv).reshape(-1)
    elif len(k_idx):
        keys = np.stack([k_idx.astype(np.uint64), ss[u_idx].astype(np.uint64), pm[k_idx, u_idx]])
        uniq, inv = np.unique(keys, axis=1, return_inverse=True)
        inv = np.asarray(inv).reshape(-1)
    else:
        uniq, inv = np.zeros((3, 0), np.uint64), np.zeros(0, np.int64)
    return _MLStates(
        seen_masks=seen_masks, seen_state=np.asarray(seen_state).reshape(-1),
        nz_code=uniq[0].astype(np.int64), nz_seen=uniq[1].astype(np.int64), nz_pm=uniq[2],
        nz_unit=u_idx, nz_state=inv,
    )


def _popcount(x: np.ndarray) -> np.ndarray:
    return np.bitwise_count(x.astype(np.uint64)).astype(float)


def _code_states(ms: _MLStates, code: int, n_coders: int) -> tuple[StateTable, slice, np.ndarray]:
    """State table of one code: every seen state with no mark, then the code's marked states."""
    # States are sorted by code, so each code's marked states are one slice.
    lo, hi = np.searchsorted(ms.nz_code, [code, code + 1])
    sel = slice(int(lo), int(hi))
    m_seen = _popcount(ms.seen_masks)
    m_nz = m_seen[ms.nz_seen[sel]]
    pos = _popcount(ms.nz_pm[sel])
    counts = np.concatenate([np.stack([m_seen, np.zeros_like(m_seen)], 1), np.stack([m_nz - pos, pos], 1)])
    pair = None
    if n_coders == 2:
        pm = np.concatenate([np.zeros(len(m_seen), np.uint64), ms.nz_pm[sel]]).astype(np.uint64)
        pair = np.stack([(pm & np.uint64(1)) > 0, (pm & np.uint64(2)) > 0], 1).astype(np.int64)
    return StateTable(counts=counts, pair=pair, values=np.array([0.0, 1.0]), q=2), sel, ms.nz_seen[sel]


def _code_hist(h_seen: np.ndarray, h_nz: np.ndarray, sel: slice, sel_seen: np.ndarray) -> np.ndarray:
    """Full state histogram of one code: unmarked states = seen states minus the code's marked states."""
    part = h_nz[:, sel]
    to_seen = np.zeros((len(sel_seen), h_seen.shape[1]))
    to_seen[np.arange(len(sel_seen)), sel_seen] = 1.0
    return np.concatenate([h_seen - part @ to_seen, part], axis=1)


def _multi(
    d: MultiLabelData, n_boot: int, seed: int | None, confidence: float, method: str, alpha_de: str,
    threshold: float, with_masi: bool = True,
) -> tuple[dict[str, Estimate], pd.DataFrame, list[str]]:
    notes: list[str] = []
    u = d.n_units
    ms = _ml_states(d)
    n_ss, n_nz = len(ms.seen_masks), len(ms.nz_code)
    x_seen = _one_hot(ms.seen_state, n_ss, u)
    x_nz = sp.csr_matrix((np.ones(len(ms.nz_unit), np.float32), (ms.nz_unit, ms.nz_state)), shape=(u, n_nz))
    h_seen_pt = np.asarray(x_seen.sum(0), dtype=float)
    h_nz_pt = np.asarray(x_nz.sum(0), dtype=float)
    stats: list[Any] = [x_seen, x_nz]
    mp = None
    if with_masi:
        mp = masi_parts(d)
        stats.append(np.stack([mp.d_unit, mp.m_unit], 1))
        if mp.dist is not None:
            stats.append(sp.csr_matrix((np.ones(len(mp.set_id), np.float32), (mp.set_unit, mp.set_id)), shape=(u, mp.n_sets)))
        else:
            notes.append(
                f"MASI alpha: {mp.n_sets} distinct code sets, so its expected disagreement was estimated "
                f"from {mp.de_sampled:,} sampled value pairs and held fixed in the bootstrap "
                "(Hayes & Krippendorff 2007)."
            )
    boot_sums = resampled_sums(stats, u, n_boot, seed, method) if n_boot else None

    which = _which(d.n_coders, "nominal")
    rows = []
    pooled_st: list[StateTable] = []
    pooled_pt: list[np.ndarray] = []
    pooled_bt: list[np.ndarray] = []
    for k, code in enumerate(d.codes):
        st, sel, sel_seen = _code_states(ms, k, d.n_coders)
        h_pt = _code_hist(h_seen_pt, h_nz_pt, sel, sel_seen)
        point = evaluate(h_pt, st, "nominal", which=which)
        why = reasons(h_pt, st, "nominal", point)
        boot = None
        if boot_sums is not None:
            h_bt = _code_hist(boot_sums[0], boot_sums[1], sel, sel_seen)
            boot = evaluate(h_bt, st, "nominal", which=which)
            if alpha_de == "fixed":
                boot["krippendorff_alpha"] = _fixed_de_alpha(h_bt, h_pt, st, "nominal")
            pooled_bt.append(h_bt)
        pooled_st.append(st)
        pooled_pt.append(h_pt)
        est = _estimates(point, boot, why, u, n_boot, confidence)
        n1 = float(h_pt[0] @ st.counts[:, 1])
        total = float(h_pt[0] @ st.m)
        marked = float(h_pt[0, len(h_seen_pt[0]) :].sum())
        row: dict[str, Any] = {
            "code": code,
            "units": u,
            "units_marked": int(marked),
            "prevalence": n1 / total if total else math.nan,
        }
        for name in which:
            e = est[name]
            row[name] = e.value
            row[f"{name}_low"] = e.low
            row[f"{name}_high"] = e.high
        alpha = est["krippendorff_alpha"].value
        row["flag"] = krippendorff_flag(alpha)
        row["below_threshold"] = bool(alpha < threshold) if not math.isnan(alpha) else None
        if boot is not None:
            a = boot["krippendorff_alpha"]
            fin = a[np.isfinite(a)]
            row["p_below"] = float((fin < threshold).mean()) if fin.size else math.nan
        row["reason"] = why["krippendorff_alpha"] or ("never used" if marked == 0 else None)
        rows.append(row)
    per_code = pd.DataFrame(rows)

    # Pooled over every (unit, code) decision: the overall numbers for multi-label data.
    st_all = StateTable(
        counts=np.concatenate([s.counts for s in pooled_st]),
        pair=None if d.n_coders != 2 else np.concatenate([s.pair for s in pooled_st]),
        values=np.array([0.0, 1.0]),
        q=2,
    )
    h_all = np.concatenate(pooled_pt, axis=1)
    point = evaluate(h_all, st_all, "nominal", which=which)
    why = reasons(h_all, st_all, "nominal", point)
    boot = None
    if boot_sums is not None:
        hb_all = np.concatenate(pooled_bt, axis=1)
        boot = evaluate(hb_all, st_all, "nominal", which=which)
        if alpha_de == "fixed":
            boot["krippendorff_alpha"] = _fixed_de_alpha(hb_all, h_all, st_all, "nominal")
    overall = _estimates(point, boot, why, u, n_boot, confidence)

    if mp is not None:
        n = mp.m_unit.sum()
        val = 1.0 - (n - 1.0) * mp.d_unit.sum() / mp.de_point if mp.de_point > 1e-12 else math.nan
        lo = hi = math.nan
        if boot_sums is not None and not math.isnan(val):
            dm = boot_sums[2]
            do_b, n_b = dm[:, 0], dm[:, 1]
            with np.errstate(divide="ignore", invalid="ignore"):
                if mp.dist is not None:
                    nv = boot_sums[3]
                    de_b = ((nv @ mp.dist) * nv).sum(1)
                    a_b = 1.0 - (n_b - 1.0) * do_b / de_b
                else:
                    a_b = 1.0 - (do_b / n_b) / (mp.de_point / (n * (n - 1.0)))
                if alpha_de == "fixed" and mp.dist is not None:
                    a_b = 1.0 - (do_b / n_b) / (mp.de_point / (n * (n - 1.0)))
            lo, hi = percentile_ci(a_b, confidence)
        overall["masi_alpha"] = Estimate(
            "masi_alpha", float(val), lo, hi, None if not math.isnan(val) else NO_VARIATION, u, n_boot
        )
    return overall, per_code, notes


# ---------------------------------------------------------------------------
# public entry points
# ---------------------------------------------------------------------------
def agreement(
    data: ReliabilityData | MultiLabelData | pd.DataFrame | Any,
    *,
    level: str = "nominal",
    n_boot: int = 1000,
    seed: int | None = 0,
    confidence: float = 0.95,
    method: str = "auto",
    alpha_de: str = "resample",
    threshold: float = TENTATIVE,
    cohen_weights: str | None = None,
    with_masi: bool = True,
    **table_kwargs: Any,
) -> AgreementReport:
    """Every coefficient with a seeded bootstrap CI (and the per-code table for multi-label data).

    Parameters
    ----------
    data:
        :class:`ReliabilityData`, :class:`MultiLabelData`, a coders × units
        matrix, or a tidy DataFrame / CSV path (then ``table_kwargs`` go to
        :func:`reliability_data`: ``unit_col``, ``coder_col``, ``value_col``,
        ``multi_label``, ``codebook``...).
    n_boot:
        Bootstrap resamples of units (0 = no CI).
    method:
        ``"multinomial"`` (classical units bootstrap), ``"poisson"`` (Poisson
        bootstrap) or ``"auto"`` (multinomial up to 50,000 units).
    alpha_de:
        ``"resample"`` recomputes alpha's expected disagreement in every
        resample; ``"fixed"`` holds it at the observed value (Hayes &
        Krippendorff 2007).

    For multi-label data the top-level coefficients pool every (unit, code)
    present/absent decision; ``masi_alpha`` compares whole code sets; the
    per-code table has one row per code.

    >>> rep = agreement([[1, 2, 2, 1], [1, 2, 2, 2]], n_boot=200, seed=1)
    >>> round(rep["percent_agreement"].value, 2)
    0.75
    """
    _check_level(level)
    _check(n_boot, method, confidence)
    if alpha_de not in ("resample", "fixed"):
        raise AgreementError("E611", f"The 'alpha_de' parameter must be 'resample' or 'fixed'. Got {alpha_de!r} instead.")
    if isinstance(data, (pd.DataFrame, str)) or hasattr(data, "__fspath__"):
        data = reliability_data(data, level=level, **table_kwargs)
    elif not isinstance(data, (ReliabilityData, MultiLabelData)):
        data = ReliabilityData.from_matrix(data)
    per_code = None
    notes: list[str] = []
    method = resolve_method(method, data.n_units)
    if isinstance(data, MultiLabelData):
        coefs, per_code, notes = _multi(data, n_boot, seed, confidence, method, alpha_de, threshold, with_masi)
        level = "nominal"
    else:
        if data.n_coders < 2:
            raise AgreementError("E603", "Agreement needs at least two coders.")
        coefs = _single(data, level, n_boot, seed, confidence, method, alpha_de, cohen_weights)
    return AgreementReport(
        coefficients=coefs, level=level, multi_label=data.multi_label, n_units=data.n_units,
        coders=tuple(data.coders), unpairable_units=tuple(data.unpairable_units), n_boot=n_boot, seed=seed,
        confidence=confidence, method=method, threshold=threshold, per_code=per_code,
        unknown_codes=dict(data.unknown_codes), notes=tuple(notes),
    )


def per_code_table(data: MultiLabelData, **kwargs: Any) -> pd.DataFrame:
    """One row per code: units, prevalence, every coefficient with CI, flag (see :func:`agreement`)."""
    if not isinstance(data, MultiLabelData):
        raise AgreementError("E608", "per_code_table needs multi-label data (reliability_data(..., multi_label=True)).")
    rep = agreement(data, **kwargs)
    assert rep.per_code is not None
    return rep.per_code


def _summary_row(rep: AgreementReport) -> dict[str, Any]:
    row: dict[str, Any] = {"units": rep.n_units, "unpairable": rep.n_unpairable}
    for name, e in rep.coefficients.items():
        row[name] = e.value
        if rep.n_boot:
            row[f"{name}_low"], row[f"{name}_high"] = e.low, e.high
    if rep.per_code is not None:
        row["mean_code_alpha"] = float(np.nanmean(rep.per_code["krippendorff_alpha"])) if rep.per_code[
            "krippendorff_alpha"
        ].notna().any() else math.nan
    row["flag"] = krippendorff_flag(rep.coefficients["krippendorff_alpha"].value)
    return row


def pairwise_table(
    data: ReliabilityData | MultiLabelData, *, level: str = "nominal", n_boot: int = 0, seed: int | None = 0, **kw: Any
) -> pd.DataFrame:
    """Agreement of every coder pair on the units both judged (alpha, Cohen's kappa, AC1, ...).

    For multi-label data the pair's numbers pool its (unit, code) decisions;
    ``masi_alpha`` compares code sets and ``mean_code_alpha`` averages the
    per-code alphas. Pairs with no shared unit get a row with ``units = 0``.
    """
    rows = []
    for a, b in itertools.combinations(data.coders, 2):
        sub = data.subset(coders=[a, b])
        if sub.n_units == 0:
            rows.append({"coder_a": a, "coder_b": b, "units": 0, "flag": "undefined"})
            continue
        rep = agreement(sub, level=level if not data.multi_label else "nominal", n_boot=n_boot, seed=seed, **kw)
        rows.append({"coder_a": a, "coder_b": b, **_summary_row(rep)})
    return pd.DataFrame(rows)


def gold_table(
    table: pd.DataFrame,
    gold: pd.DataFrame,
    *,
    unit_col: str = "unit",
    coder_col: str = "coder",
    value_col: str = "value",
    gold_value_col: str | None = None,
    multi_label: bool = False,
    level: str = "nominal",
    n_boot: int = 0,
    seed: int | None = 0,
    per_code: bool = False,
) -> pd.DataFrame:
    """Each coder against adjudicated gold (coder quality).

    ``gold`` has ``unit_col`` (or ``unit``) and a value column
    (``gold_value_col``, default ``value_col`` or ``code``) — the table
    :func:`adjudicate_pull` returns fits as it is; for multi-label data one
    row per (unit, code), empty = no code. For multi-label data the row also has micro precision, recall and
    F1 of the coder's codes against gold; ``per_code=True`` gives one row per
    (coder, code).
    """
    # The gold from adjudicate_pull has columns unit, code: accept it as it comes.
    gunit = unit_col if unit_col in gold.columns else "unit"
    gcol = gold_value_col or (value_col if value_col in gold.columns else "code")
    for col in (gunit, gcol):
        if col not in gold.columns:
            raise AgreementError("E613", f"Gold table has no column '{col}'.")
    g = pd.DataFrame({unit_col: gold[gunit].astype(str), coder_col: "__gold__", value_col: gold[gcol]})
    gold_units = set(g[unit_col])
    rows = []
    for coder in sorted(table[coder_col].astype(str).unique()):
        mine = table[(table[coder_col].astype(str) == coder) & table[unit_col].astype(str).isin(gold_units)]
        if mine.empty:
            rows.append({"coder": coder, "units": 0, "flag": "undefined"})
            continue
        both = pd.concat([mine[[unit_col, coder_col, value_col]].astype({unit_col: str}), g], ignore_index=True)
        try:
            d = reliability_data(both, unit_col, coder_col, value_col, multi_label=multi_label, level=level)
        except AgreementError as exc:
            if exc.code != "E607":
                raise
            rows.append({"coder": coder, "units": 0, "flag": "undefined"})
            continue
        rep = agreement(d, level=level, n_boot=n_boot, seed=seed, with_masi=multi_label)
        if per_code and rep.per_code is not None:
            for r in rep.per_code.to_dict(orient="records"):
                rows.append({"coder": coder, **r})
            continue
        row = {"coder": coder, **_summary_row(rep)}
        if isinstance(d, MultiLabelData):
            ci, gi = d.coders.index(coder), d.coders.index("__gold__")
            pc, pg = d.present[:, ci, :], d.present[:, gi, :]
            tp, fp, fn = float((pc & pg).sum()), float((pc & ~pg).sum()), float((~pc & pg).sum())
            row["precision"] = tp / (tp + fp) if tp + fp else math.nan
            row["recall"] = tp / (tp + fn) if tp + fn else math.nan
            p, r = row["precision"], row["recall"]
            row["f1"] = 2 * p * r / (p + r) if (p + r) and not (math.isnan(p) or math.isnan(r)) else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def drift_table(
    data: ReliabilityData | MultiLabelData,
    *,
    freq: str | None = None,
    n_bins: int = 4,
    level: str = "nominal",
    n_boot: int = 0,
    seed: int | None = 0,
    **kw: Any,
) -> pd.DataFrame:
    """Agreement over time: units grouped by when they were first judged.

    ``freq`` (a pandas period such as ``"W"`` or ``"M"``) makes calendar
    periods; otherwise ``n_bins`` groups of about equal size. Needs
    ``time_col`` when the data were built.
    """
    if data.unit_times is None:
        raise AgreementError("E614", "No timestamps: build the data with time_col=... to see drift.")
    t = pd.Series(pd.to_datetime(data.unit_times))
    if freq:
        try:
            period = t.dt.tz_localize(None).dt.to_period(freq) if t.dt.tz is not None else t.dt.to_period(freq)
        except (ValueError, TypeError):
            raise AgreementError(
                "E608", f"The 'freq' parameter must be a period such as 'D', 'W' or 'M'. Got {freq!r} instead."
            ) from None
        labels = period.astype(str).to_numpy()
        groups = list(dict.fromkeys(sorted(labels)))
    else:
        k = max(1, min(n_bins, data.n_units))
        labels = pd.qcut(t.rank(method="first"), k, labels=False).to_numpy()
        groups = sorted(set(labels))
    rows = []
    for gid in groups:
        mask = labels == gid
        sub = data.subset(units=mask)
        row: dict[str, Any] = {
            "period": str(gid),
            "start": t[mask].min(),
            "end": t[mask].max(),
        }
        if sub.n_units == 0:
            rows.append({**row, "units": 0, "flag": "undefined"})
            continue
        rep = agreement(sub, level=level if not data.multi_label else "nominal", n_boot=n_boot, seed=seed, **kw)
        rows.append({**row, **_summary_row(rep)})
    return pd.DataFrame(rows)

