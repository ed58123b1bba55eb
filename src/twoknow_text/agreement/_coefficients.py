"""Agreement coefficients computed from per-unit sufficient statistics.

Every coefficient here is a function of sums over units of a few per-unit
numbers. Units are grouped into *states* (identical rows of the reliability
matrix: same category counts and, for two coders, the same ordered pair), so
a coefficient is a function of a state histogram ``h`` (how many units, or
how much bootstrap weight, each state has). The point estimate uses the
plain counts; a bootstrap resample uses resampled weights (``_bootstrap``):
the same code computes both, so a CI can never drift from its estimate.

Formulas
--------
* Krippendorff's alpha: ``1 - (n - 1) * sum(o * delta) / sum(n_c n_k delta)``
  from the coincidence matrix ``o`` (Krippendorff 2011, "Computing
  Krippendorff's Alpha-Reliability"); ordinal ``delta`` depends on the
  marginals and is recomputed in every resample.
* Fleiss' kappa, Gwet's AC1/AC2, Brennan–Prediger and percent agreement in
  Gwet's (2014) form for any number of raters and missing ratings:
  ``pa`` is the mean over units of the share of agreeing coder pairs,
  ``pi_k`` the mean over units of each category's share.
* Cohen's kappa for two coders, with disagreement weights
  ``1 - I`` / ``|i - j|`` / ``(i - j)^2`` over category positions, as
  ``sklearn.metrics.cohen_kappa_score``.

A coefficient whose chance term leaves nothing to correct (one category
only, no variation) is ``NaN`` with a reason, never a division by zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..errors import AgreementError
from ._matrix import MultiLabelData, ReliabilityData, _check_level

__all__ = [
    "Estimate",
    "COEFFICIENTS",
    "krippendorff_alpha",
    "cohen_kappa",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac2",
    "brennan_prediger",
    "percent_agreement",
    "masi_alpha",
    "masi_distance",
    "per_code_alpha",
    "agreement_weights",
]

COEFFICIENTS: tuple[str, ...] = (
    "krippendorff_alpha",
    "fleiss_kappa",
    "gwet_ac1",
    "brennan_prediger",
    "percent_agreement",
    "cohen_kappa",
)

NO_VARIATION = "no variation: every pairable value is the same, so expected disagreement is 0 (undefined)"
ONE_CATEGORY = "chance agreement is 1: only one category is in use (undefined)"


@dataclass(frozen=True)
class Estimate:
    """A coefficient value with its bootstrap interval.

    ``value`` is ``NaN`` when the coefficient is undefined; ``reason`` then
    says why. ``float(est)`` gives the value.
    """

    name: str
    value: float
    low: float = math.nan
    high: float = math.nan
    reason: str | None = None
    n_units: int = 0
    n_boot: int = 0

    def __float__(self) -> float:
        return float(self.value)

    @property
    def defined(self) -> bool:
        return not math.isnan(self.value)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("value", "low", "high"):
            d[k] = None if math.isnan(d[k]) else float(d[k])
        return d


# ---------------------------------------------------------------------------
# Distances and weights
# ---------------------------------------------------------------------------
def _delta(level: str, values: np.ndarray) -> np.ndarray:
    """Krippendorff's squared difference function for fixed-metric levels."""
    v = np.asarray(values, dtype=float)
    if level == "nominal":
        return 1.0 - np.eye(len(v))
    if level == "interval":
        return (v[:, None] - v[None, :]) ** 2
    if level == "ratio":
        s = v[:, None] + v[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            d = ((v[:, None] - v[None, :]) / s) ** 2
        return np.where(s == 0, 0.0, d)
    raise AgreementError("E608", f"No fixed distance for level {level!r}.")


def _ordinal_delta(n: np.ndarray) -> np.ndarray:
    """Ordinal delta per resample: (sum_{g=c..k} n_g - (n_c + n_k)/2)^2, shape (B, C, C)."""
    cs = np.cumsum(n, axis=1)
    a = cs[:, None, :] - cs[:, :, None] + (n[:, :, None] - n[:, None, :]) / 2.0
    return a * a


def agreement_weights(kind: str | np.ndarray | None, values: Sequence[float] | int) -> np.ndarray:
    """Gwet's agreement weights (1 on the diagonal) for AC2 and weighted kappas.

    ``kind``: ``"identity"`` (None), ``"linear"``, ``"quadratic"``, ``"ordinal"``,
    ``"ratio"`` or a q × q array. ``values`` are the category values (or q).
    """
    if isinstance(values, (int, np.integer)):
        v = np.arange(int(values), dtype=float)
    else:
        v = np.asarray(values, dtype=float)
    q = len(v)
    if kind is None or (isinstance(kind, str) and kind in ("identity", "unweighted", "nominal")):
        return np.eye(q)
    if not isinstance(kind, str):
        w = np.asarray(kind, dtype=float)
        if w.shape != (q, q):
            raise AgreementError("E608", f"A weight matrix must be {q} × {q}; got {w.shape}.")
        return w
    span = v.max() - v.min() if q else 0.0
    if q < 2 or span == 0:
        return np.eye(q)
    diff = v[:, None] - v[None, :]
    if kind == "linear":
        return 1 - np.abs(diff) / span
    if kind in ("quadratic", "interval"):
        return 1 - diff**2 / span**2
    if kind == "ordinal":
        r = np.arange(q)
        nk = np.abs(r[:, None] - r[None, :]) + 1
        m = nk * (nk - 1) / 2.0
        return 1 - m / m.max()
    if kind == "ratio":
        s = v[:, None] + v[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            num = np.where(s == 0, 0.0, (diff / s) ** 2)
        den = (span / (v.max() + v.min())) ** 2
        return 1 - num / den
    raise AgreementError(
        "E608",
        "The 'weights' parameter must be identity, linear, quadratic, ordinal, ratio or a matrix. "
        f"Got {kind!r} instead.",
    )


# ---------------------------------------------------------------------------
# States
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class StateTable:
    """Distinct unit states: category counts (S, C) and, for two coders, the ordered pair (S, 2)."""

    counts: np.ndarray
    pair: np.ndarray | None
    values: np.ndarray  # (C,) numeric category values (positions when not numeric)
    q: int  # categories in the scheme

    @property
    def m(self) -> np.ndarray:
        return self.counts.sum(1)


def states_from_codes(codes: np.ndarray, n_categories: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Group units (columns of a coders × units index matrix) into states.

    Returns ``(unit_state, counts, pair)``.
    """
    uniq, inv = np.unique(codes.T, axis=0, return_inverse=True)
    inv = np.asarray(inv).reshape(-1)
    s_idx, r_idx = np.nonzero(uniq >= 0)
    counts = np.zeros((uniq.shape[0], max(n_categories, 1)))
    np.add.at(counts, (s_idx, uniq[s_idx, r_idx]), 1.0)
    pair = uniq[:, :2].copy() if codes.shape[0] == 2 else None
    return inv, counts, pair


def state_table(data: ReliabilityData) -> tuple[StateTable, np.ndarray]:
    """States of a :class:`ReliabilityData` and the state of every unit."""
    c = len(data.categories)
    inv, counts, pair = states_from_codes(data.codes, c)
    values = np.asarray(data.categories, dtype=float) if data.numeric else np.arange(c, dtype=float)
    return StateTable(counts=counts, pair=pair, values=values, q=data.q), inv


# ---------------------------------------------------------------------------
# Coefficients from a state histogram
# ---------------------------------------------------------------------------
def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray(a, dtype=float) / np.asarray(b, dtype=float)
    return np.where(np.isfinite(out), out, np.nan)


def _kappa_form(pa: np.ndarray, pe: np.ndarray) -> np.ndarray:
    # pe == 1 (one category in use): nothing is left to correct for chance.
    pe = np.where(np.isclose(pe, 1.0, rtol=0, atol=1e-12), np.nan, pe)
    return _div(pa - pe, 1.0 - pe)


def alpha_parts(h: np.ndarray, st: StateTable, level: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n_pairable_values, sum o*delta, sum n_c n_k delta) per row of ``h``."""
    counts, m = st.counts, st.m
    n = h @ counts
    big_n = n.sum(1)
    if level == "ordinal":
        c = counts.shape[1]
        o = (counts[:, :, None] * counts[:, None, :] - counts[:, :, None] * np.eye(c)) / (m - 1)[:, None, None]
        big_o = (h @ o.reshape(len(counts), c * c)).reshape(-1, c, c)
        delta = _ordinal_delta(n)
        do = (big_o * delta).sum((1, 2))
        de = (n[:, :, None] * n[:, None, :] * delta).sum((1, 2))
    elif level == "interval":
        # Moments instead of a C x C matrix: numeric data may have many distinct values.
        v = st.values
        d_s = 2.0 * (m * (counts @ v**2) - (counts @ v) ** 2) / (m - 1)
        do = h @ d_s
        s1, s2 = n @ v, n @ v**2
        de = 2.0 * (big_n * s2 - s1**2)
    else:
        delta = _delta(level, st.values)
        d_s = ((counts @ delta) * counts).sum(1) / (m - 1)
        do = h @ d_s
        de = ((n @ delta) * n).sum(1)
    return big_n, do, de


def _alpha(h: np.ndarray, st: StateTable, level: str) -> np.ndarray:
    big_n, do, de = alpha_parts(h, st, level)
    de = np.where(de <= 1e-12 * np.maximum(big_n, 1) ** 2, np.nan, de)
    return 1.0 - _div((big_n - 1.0) * do, de)


def _pa_pi(
    h: np.ndarray, st: StateTable, w: np.ndarray | None = None, lone: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    counts, m = st.counts, st.m
    wn = counts if w is None else counts @ w.T
    p_s = (counts * (wn - 1.0)).sum(1) / (m * (m - 1.0))
    units = h.sum(1)
    pa = _div(h @ p_s, units)
    pi_sum = h @ (counts / m[:, None])
    if lone is not None and len(lone):
        # Gwet (2014): classification probabilities over every unit rated at
        # least once, including units a single coder rated.
        pi_sum = pi_sum + np.bincount(lone, minlength=counts.shape[1])[None, :]
        units = units + len(lone)
    pi = _div(pi_sum, units[:, None])
    return pa, pi


def _cohen(h: np.ndarray, st: StateTable, weights: str | None) -> np.ndarray:
    if st.pair is None:
        return np.full(h.shape[0], np.nan)
    c = st.counts.shape[1]
    cells = st.pair[:, 0] * c + st.pair[:, 1]
    conf = np.zeros((c * c, h.shape[0]))
    np.add.at(conf, cells, h.T)
    conf = conf.T.reshape(-1, c, c)
    idx = np.arange(c)
    if weights is None:
        d = 1.0 - np.eye(c)
    elif weights == "linear":
        d = np.abs(idx[:, None] - idx[None, :]).astype(float)
    elif weights == "quadratic":
        d = (idx[:, None] - idx[None, :]).astype(float) ** 2
    else:
        raise AgreementError(
            "E608", f"The 'weights' parameter of cohen_kappa must be None, 'linear' or 'quadratic'. Got {weights!r} instead."
        )
    total = conf.sum((1, 2))
    expected = conf.sum(2)[:, :, None] * conf.sum(1)[:, None, :] / np.where(total == 0, np.nan, total)[:, None, None]
    obs = (conf * d).sum((1, 2))
    exp = (expected * d).sum((1, 2))
    exp = np.where(np.abs(exp) <= 1e-12, np.nan, exp)
    return 1.0 - _div(obs, exp)


def evaluate(
    h: np.ndarray,
    st: StateTable,
    level: str = "nominal",
    *,
    which: Sequence[str] = COEFFICIENTS,
    ac2_weights: np.ndarray | None = None,
    cohen_weights: str | None = None,
    lone: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Every requested coefficient for each row of the state histogram ``h`` (B, S)."""
    h = np.atleast_2d(np.asarray(h, dtype=float))
    out: dict[str, np.ndarray] = {}
    if "krippendorff_alpha" in which:
        out["krippendorff_alpha"] = _alpha(h, st, level)
    need_pa = {"fleiss_kappa", "gwet_ac1", "brennan_prediger", "percent_agreement"} & set(which)
    if need_pa:
        pa, pi = _pa_pi(h, st, lone=lone)
        q = st.q
        if "percent_agreement" in which:
            out["percent_agreement"] = pa
        if "fleiss_kappa" in which:
            out["fleiss_kappa"] = _kappa_form(pa, (pi * pi).sum(1))
        if "gwet_ac1" in which:
            pe = (pi * (1 - pi)).sum(1) / (q - 1) if q > 1 else np.full(len(pa), np.nan)
            out["gwet_ac1"] = _kappa_form(pa, pe)
        if "brennan_prediger" in which:
            out["brennan_prediger"] = _kappa_form(pa, np.full(len(pa), 1.0 / q if q > 1 else np.nan))
    if "gwet_ac2" in which:
        w = ac2_weights if ac2_weights is not None else np.eye(st.counts.shape[1])
        pa_w, pi = _pa_pi(h, st, w, lone=lone)
        q = st.q
        tw = w.sum() + (q - w.shape[0])  # unobserved scheme categories carry identity weight
        pe = tw * (pi * (1 - pi)).sum(1) / (q * (q - 1)) if q > 1 else np.full(len(pa_w), np.nan)
        out["gwet_ac2"] = _kappa_form(pa_w, pe)
    if "cohen_kappa" in which:
        out["cohen_kappa"] = _cohen(h, st, cohen_weights)
    return out


def reasons(h: np.ndarray, st: StateTable, level: str, values: dict[str, np.ndarray]) -> dict[str, str | None]:
    """Why each undefined point estimate is undefined."""
    out: dict[str, str | None] = {}
    used = (np.atleast_2d(h) @ st.counts)[0] > 0
    for name, v in values.items():
        if not math.isnan(float(v[0])):
            out[name] = None
        elif h.sum() == 0:
            out[name] = "no pairable units"
        elif name == "cohen_kappa" and st.pair is None:
            out[name] = "Cohen's kappa needs exactly two coders"
        elif used.sum() <= 1:
            out[name] = NO_VARIATION if name == "krippendorff_alpha" else ONE_CATEGORY
        elif name in ("gwet_ac1", "brennan_prediger", "gwet_ac2") and st.q < 2:
            out[name] = "fewer than two categories in the scheme"
        else:
            out[name] = "chance agreement leaves nothing to correct (undefined)"
    return out


# ---------------------------------------------------------------------------
# Public one-shot functions (point estimates; CIs come from ``agreement``)
# ---------------------------------------------------------------------------
def _as_data(data: Any) -> ReliabilityData:
    if isinstance(data, ReliabilityData):
        return data
    if isinstance(data, MultiLabelData):
        raise AgreementError("E608", "Multi-label data: use per_code_alpha, masi_alpha or per_code_table.")
    return ReliabilityData.from_matrix(data)


def _point(data: Any, name: str, level: str = "nominal", *, lone_units: bool = False, **kw: Any) -> Estimate:
    d = _as_data(data)
    st, inv = state_table(d)
    h = np.bincount(inv, minlength=len(st.counts)).astype(float)[None, :]
    lone = np.asarray(d.lone_codes, dtype=np.int64) if lone_units else None
    vals = evaluate(h, st, level, which=(name,), lone=lone, **kw)
    why = reasons(h, st, level, vals)
    return Estimate(name=name, value=float(vals[name][0]), reason=why[name], n_units=d.n_units)


def krippendorff_alpha(data: Any, level: str = "nominal") -> Estimate:
    """Krippendorff's alpha for any number of coders with missing values.

    ``data``: :class:`ReliabilityData` or a coders × units matrix (NaN/None =
    missing), the layout of the ``krippendorff`` package.

    >>> float(krippendorff_alpha([[1, 2, 3, 3], [1, 2, 3, 4]]))  # doctest: +ELLIPSIS
    0.69...
    """
    _check_level(level)
    return _point(data, "krippendorff_alpha", level)


def fleiss_kappa(data: Any, *, lone_units: bool = False) -> Estimate:
    """Fleiss' kappa (Gwet's form for unequal numbers of raters per unit).

    ``lone_units=True`` follows Gwet's handbook (and R's irrCAC): category
    shares also count units that a single coder rated. By default unpairable
    units are excluded from every coefficient.
    """
    return _point(data, "fleiss_kappa", lone_units=lone_units)


def gwet_ac1(data: Any, *, lone_units: bool = False) -> Estimate:
    """Gwet's AC1 (unweighted); ``q`` is the number of categories in the scheme.

    ``lone_units=True``: category shares also count single-rated units, as in
    Gwet (2014) and irrCAC (see :func:`fleiss_kappa`).
    """
    return _point(data, "gwet_ac1", lone_units=lone_units)


def gwet_ac2(data: Any, weights: str | np.ndarray = "quadratic", *, lone_units: bool = False) -> Estimate:
    """Gwet's AC2 with agreement weights (see :func:`agreement_weights`)."""
    d = _as_data(data)
    vals = np.asarray(d.categories, dtype=float) if d.numeric else len(d.categories)
    return _point(d, "gwet_ac2", ac2_weights=agreement_weights(weights, vals), lone_units=lone_units)


def brennan_prediger(data: Any) -> Estimate:
    """Brennan and Prediger's (1981) coefficient: chance agreement 1/q."""
    return _point(data, "brennan_prediger")


def percent_agreement(data: Any) -> Estimate:
    """Share of agreeing coder pairs, averaged over pairable units."""
    return _point(data, "percent_agreement")


def cohen_kappa(data: Any, weights: str | None = None) -> Estimate:
    """Cohen's kappa for exactly two coders: unweighted, ``"linear"`` or ``"quadratic"``.

    Units coded by only one of the two are unpairable and excluded. Weights
    use category positions, as ``sklearn.metrics.cohen_kappa_score``.
    """
    d = _as_data(data)
    if d.n_coders != 2:
        raise AgreementError("E612", f"Cohen's kappa needs exactly two coders; got {d.n_coders}.")
    return _point(d, "cohen_kappa", cohen_weights=weights)


def per_code_alpha(data: MultiLabelData) -> dict[str, Estimate]:
    """Nominal alpha of each code as present/absent, over units judged by two or more coders."""
    return {code: krippendorff_alpha(data.code_data(code), "nominal") for code in data.codes}


# ---------------------------------------------------------------------------
# MASI on code sets
# ---------------------------------------------------------------------------
def masi_distance(a: set | frozenset, b: set | frozenset) -> float:
    """MASI distance (Passonneau 2006): ``1 - Jaccard * M`` with M = 1, 2/3, 1/3, 0.

    Two empty sets are identical (distance 0).
    """
    a, b = set(a), set(b)
    if a == b:
        return 0.0
    inter, union = len(a & b), len(a | b)
    m = 2 / 3 if (a <= b or b <= a) else (1 / 3 if inter else 0.0)
    return 1.0 - (inter / union) * m


def set_words(present: np.ndarray) -> np.ndarray:
    """Pack code presence (K, ...) into uint64 words (..., n_words)."""
    k = present.shape[0]
    packed = np.packbits(present, axis=0, bitorder="little")  # (ceil(K/8), ...)
    nbytes = -(-k // 64) * 8
    pad = nbytes - packed.shape[0]
    if pad:
        packed = np.concatenate([packed, np.zeros((pad, *packed.shape[1:]), np.uint8)], axis=0)
    moved = np.moveaxis(packed, 0, -1)
    return np.ascontiguousarray(moved).view(np.uint64)


def _masi_words(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MASI distance between packed sets a, b (..., n_words), vectorised."""
    inter = np.bitwise_count(a & b).sum(-1).astype(float)
    na = np.bitwise_count(a).sum(-1).astype(float)
    nb = np.bitwise_count(b).sum(-1).astype(float)
    union = na + nb - inter
    equal = (a == b).all(-1)
    subset = (inter == np.minimum(na, nb)) & ~equal
    m = np.where(equal, 1.0, np.where(subset, 2 / 3, np.where(inter > 0, 1 / 3, 0.0)))
    with np.errstate(divide="ignore", invalid="ignore"):
        j = np.where(union == 0, 1.0, inter / union)
    return 1.0 - j * m


@dataclass(frozen=True, eq=False)
class MasiParts:
    """Per-unit statistics for alpha with MASI distance."""

    d_unit: np.ndarray  # (U,) sum over ordered coder pairs of distance / (m_u - 1)
    m_unit: np.ndarray  # (U,) coders who saw the unit
    set_id: np.ndarray  # (n_values,) distinct-set id of each (coder, unit) value
    set_unit: np.ndarray  # (n_values,) unit of each value
    dist: np.ndarray | None  # (D, D) distances between distinct sets (None when too many)
    n_sets: int
    de_point: float  # sum over ordered pairs of values of the distance
    de_sampled: int = 0  # > 0: de_point estimated from this many sampled value pairs


def masi_parts(data: MultiLabelData, max_sets: int = 3000, n_pairs: int = 1_000_000, seed: int = 0) -> MasiParts:
    """Statistics for MASI alpha: per-unit observed disagreement and distinct code sets.

    The expected disagreement sums the distance over every pair of values.
    With up to ``max_sets`` distinct code sets it is exact (a D × D distance
    table). Beyond that it is estimated from ``n_pairs`` value pairs drawn
    with a fixed seed (relative standard error about 2e-4 at the default;
    the per-unit observed disagreement stays exact).
    """
    words = set_words(data.present)  # (R, U, W)
    seen = data.seen
    r_n, u_n = seen.shape
    d_unit = np.zeros(u_n)
    for i in range(r_n):
        for j in range(i + 1, r_n):
            both = seen[i] & seen[j]
            if both.any():
                d_unit[both] += 2.0 * _masi_words(words[i, both], words[j, both])
    m_unit = seen.sum(0).astype(float)
    d_unit /= np.maximum(m_unit - 1.0, 1.0)
    r_idx, u_idx = np.nonzero(seen)
    vals = words[r_idx, u_idx]
    if vals.shape[1] == 1:  # one word: a 1-D unique is much faster than unique(axis=0)
        uniq1, inv, cnt = np.unique(vals[:, 0], return_inverse=True, return_counts=True)
        uniq = uniq1[:, None]
    else:
        uniq, inv, cnt = np.unique(vals, axis=0, return_inverse=True, return_counts=True)
    inv = np.asarray(inv).reshape(-1)
    n_sets = len(uniq)
    cnt = cnt.astype(float)
    n = cnt.sum()
    if n_sets <= max_sets:
        dist = _masi_words(uniq[:, None, :], uniq[None, :, :])
        return MasiParts(d_unit, m_unit, inv, u_idx, dist, n_sets, float(cnt @ dist @ cnt))
    rng = np.random.default_rng(seed)
    a = rng.integers(0, int(n), n_pairs)
    b = rng.integers(0, int(n) - 1, n_pairs)
    b = b + (b >= a)  # a pair of two different values
    mean_d = float(_masi_words(vals[a], vals[b]).mean())
    return MasiParts(d_unit, m_unit, inv, u_idx, None, n_sets, mean_d * n * (n - 1.0), n_pairs)


def masi_alpha(data: MultiLabelData) -> Estimate:
    """Krippendorff's alpha on code sets with the MASI distance (Passonneau 2006).

    A coder who saw a unit and gave no code contributes the empty set.
    """
    p = masi_parts(data)
    n = p.m_unit.sum()
    do = p.d_unit.sum()
    if p.de_point <= 1e-12:
        return Estimate("masi_alpha", math.nan, reason=NO_VARIATION, n_units=data.n_units)
    return Estimate("masi_alpha", float(1.0 - (n - 1.0) * do / p.de_point), n_units=data.n_units)

