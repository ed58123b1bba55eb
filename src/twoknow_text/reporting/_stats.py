"""Binomial confidence intervals."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

__all__ = ["wilson_interval"]


def wilson_interval(successes, totals, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for binomial proportions, vectorised.

    Same numbers as ``statsmodels.stats.proportion.proportion_confint(...,
    method="wilson")`` and ``scipy.stats.binomtest(k, n).proportion_ci(
    method="wilson")`` (tested against both scipy and Newcombe 1998, Table I).
    Where ``totals`` is 0 the bounds are NaN. Unlike the Wald interval it
    stays inside [0, 1] and behaves at shares near 0 or 1, which is common
    for rare codes.

    >>> lo, hi = wilson_interval(81, 263)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.2553, 0.3662)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"The 'confidence' parameter must be in (0, 1). Got {confidence!r} instead.")
    k = np.asarray(successes, dtype=float)
    n = np.asarray(totals, dtype=float)
    z = float(norm.ppf(1 - (1 - confidence) / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
        lo = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        hi = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    # exact bounds at the edges (rounding otherwise leaves 1e-17 instead of 0)
    lo = np.where((n > 0) & (k == 0), 0.0, lo)
    hi = np.where((n > 0) & (k == n), 1.0, hi)
    return lo, hi
