"""Seeded bootstrap over units, vectorised.

A resample of units is a vector of weights ``w`` (how often each unit was
drawn). Every coefficient here is a function of sums over units of per-unit
statistics (state indicators, per-unit disagreement), so a resample needs
only ``W @ X``: the (n_boot × n_units) weight matrix times a sparse
(n_units × n_stats) matrix, done in chunks of resamples. Nothing is
recomputed per resample except the few closing formulas, which run on all
resamples at once.

Two weight schemes:

* ``"multinomial"`` (default): the classical units bootstrap (Efron; the
  units resampling Hayes & Krippendorff 2007 describe for alpha). Each
  resample draws ``n_units`` units with replacement.
* ``"poisson"``: independent Poisson(1) weights, the Poisson bootstrap
  (Hanley & MacGibbon 2006), a close approximation for many units and faster.
* ``"auto"`` (default): multinomial up to 50,000 units, Poisson above.

Alpha's expected disagreement is recomputed in every resample (a units
bootstrap). Hayes & Krippendorff (2007) hold it fixed at the observed value;
``alpha_de="fixed"`` in :func:`~twoknow_text.agreement.agreement` does that.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from ..errors import AgreementError

__all__ = ["bootstrap_weights", "resampled_sums", "percentile_ci", "resolve_method", "BOOT_METHODS"]

BOOT_METHODS = ("auto", "multinomial", "poisson")
AUTO_POISSON_UNITS = 50_000  # above this, "auto" draws Poisson weights (same CIs, far cheaper to draw)


def resolve_method(method: str, n_units: int) -> str:
    """The weight scheme ``method`` means for ``n_units`` units."""
    if method == "auto":
        return "poisson" if n_units > AUTO_POISSON_UNITS else "multinomial"
    return method
_CELLS_PER_CHUNK = 20_000_000  # bounds a weight chunk to ~80 MB of float32


def _check(n_boot: int, method: str, confidence: float | None = None) -> None:
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise AgreementError("E611", f"The 'n_boot' parameter must be a non-negative integer. Got {n_boot!r} instead.")
    if method not in BOOT_METHODS:
        raise AgreementError(
            "E611", f"The 'method' parameter must be one of {', '.join(BOOT_METHODS)}. Got {method!r} instead."
        )
    if confidence is not None and not (0 < confidence < 1):
        raise AgreementError("E611", f"The 'confidence' parameter must be in (0, 1). Got {confidence!r} instead.")


def bootstrap_weights(
    n_units: int, n_boot: int, seed: int | None = 0, method: str = "multinomial"
) -> Iterator[np.ndarray]:
    """Yield float32 weight chunks of shape (n_units, chunk): units × resamples.

    The chunking depends only on ``n_units`` and ``n_boot``, so a seed gives
    the same resamples every time.
    """
    _check(n_boot, method)
    method = resolve_method(method, n_units)
    rng = np.random.default_rng(seed)
    chunk = int(max(1, min(n_boot, 250, _CELLS_PER_CHUNK // max(n_units, 1))))
    if method == "poisson":
        # Poisson(1) by table look-up on 16-bit uniforms: 1e8 draws in well under a second.
        k = np.arange(24)
        pmf = np.exp(-1.0) / np.array([math.factorial(int(i)) for i in k], dtype=float)
        edges = np.round(np.cumsum(pmf) * 65536).astype(np.int64)
        lut = np.searchsorted(edges, np.arange(65536), side="right").astype(np.float32)
    block = 16
    offsets = np.arange(block, dtype=np.int64)[:, None]
    for start in range(0, n_boot, chunk):
        c = min(chunk, n_boot - start)
        if method == "poisson":
            yield lut[rng.integers(0, 65536, size=(n_units, c), dtype=np.uint16)]
            continue
        wt = np.empty((n_units, c), dtype=np.float32)
        for b0 in range(0, c, block):
            # Count draws for a few resamples at once, interleaved so the
            # counts land directly in the units × resamples layout.
            k = min(block, c - b0)
            idx = rng.integers(0, n_units, size=(k, n_units), dtype=np.int64)
            idx *= k
            idx += offsets[:k]
            wt[:, b0 : b0 + k] = np.bincount(idx.ravel(), minlength=n_units * k).reshape(n_units, k)
        yield wt


def resampled_sums(
    stats: Sequence[sp.spmatrix | np.ndarray],
    n_units: int,
    n_boot: int,
    seed: int | None = 0,
    method: str = "auto",
) -> list[np.ndarray]:
    """``W @ X`` for every per-unit statistic matrix X (n_units × k), all with the same resamples.

    Dense statistics go through BLAS, sparse ones (per-code marked states)
    through a sparse product; both see the same weight chunk. Returns one
    (n_boot × k) float64 array per input.
    """
    dense_idx, sparse_idx = [], []
    for i, s in enumerate(stats):
        if s.shape[0] != n_units:
            raise AgreementError("E611", "Internal: statistics do not have one row per unit.")
        nnz = s.nnz if sp.issparse(s) else np.count_nonzero(s)
        (sparse_idx if sp.issparse(s) and nnz < 0.05 * s.shape[0] * s.shape[1] else dense_idx).append(i)
    dense = (
        np.ascontiguousarray(
            np.hstack([stats[i].toarray() if sp.issparse(stats[i]) else np.asarray(stats[i]) for i in dense_idx]),
            dtype=np.float32,
        )
        if dense_idx
        else None
    )
    xt = sp.vstack([sp.csr_matrix(stats[i].T, dtype=np.float32) for i in sparse_idx], format="csr") if sparse_idx else None
    out_d = np.empty((dense.shape[1], n_boot), dtype=np.float64) if dense is not None else None
    out_s = np.empty((xt.shape[0], n_boot), dtype=np.float64) if xt is not None else None
    row = 0
    for wt in bootstrap_weights(n_units, n_boot, seed, method):
        c = wt.shape[1]
        if dense is not None:
            out_d[:, row : row + c] = (wt.T @ dense).T
        if xt is not None:
            out_s[:, row : row + c] = xt @ wt
        row += c
    res: list[np.ndarray] = [None] * len(stats)  # type: ignore[list-item]
    off = 0
    for i in dense_idx:
        k = stats[i].shape[1]
        res[i] = out_d[off : off + k].T
        off += k
    off = 0
    for i in sparse_idx:
        k = stats[i].shape[1]
        res[i] = out_s[off : off + k].T
        off += k
    return res


def percentile_ci(samples: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap samples, ignoring undefined (NaN) resamples."""
    x = np.asarray(samples, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan
    a = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(x, [a, 1.0 - a])
    return float(lo), float(hi)
