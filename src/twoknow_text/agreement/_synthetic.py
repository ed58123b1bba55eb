"""Synthetic coding tables for tests, benchmarks and examples (no text, only ids and codes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["simulate_codings"]


def simulate_codings(
    n_units: int = 1000,
    n_coders: int = 3,
    n_codes: int = 10,
    *,
    seed: int = 0,
    p_seen: float = 0.85,
    prevalence: tuple[float, float] = (0.005, 0.2),
    sensitivity: tuple[float, float] = (0.6, 0.97),
    false_positive: float = 0.01,
    code_ids: list[str] | None = None,
    with_times: bool = False,
) -> pd.DataFrame:
    """A tidy multi-label coding table: one row per (unit, coder, code); empty code = none given.

    Each code has a true prevalence drawn log-uniformly from ``prevalence``;
    each coder × code has a sensitivity drawn from ``sensitivity`` and marks
    absent codes with probability ``false_positive * prevalence``. A coder
    judges a unit with probability ``p_seen`` (at least two coders per unit).
    """
    rng = np.random.default_rng(seed)
    codes = code_ids or [f"code_{k:02d}" for k in range(n_codes)]
    n_codes = len(codes)
    prev = np.exp(rng.uniform(np.log(prevalence[0]), np.log(prevalence[1]), n_codes))
    truth = rng.random((n_units, n_codes)) < prev
    sens = rng.uniform(*sensitivity, size=(n_coders, n_codes))
    seen = rng.random((n_coders, n_units)) < p_seen
    # Every unit gets at least two coders so the table is realistic for a double-coded study.
    few = seen.sum(0) < 2
    if few.any():
        pick = np.argsort(rng.random((n_coders, int(few.sum()))), axis=0)[:2]
        seen[:, few] = False
        cols = np.flatnonzero(few)
        seen[pick[0], cols] = True
        seen[pick[1], cols] = True
    frames = []
    unit_ids = np.array([f"u{u:06d}" for u in range(n_units)], dtype=object)
    for r in range(n_coders):
        p_mark = np.where(truth, sens[r], false_positive * prev)
        marks = (rng.random((n_units, n_codes)) < p_mark) & seen[r][:, None]
        u_idx, k_idx = np.nonzero(marks)
        coded = pd.DataFrame({"unit": unit_ids[u_idx], "coder": f"coder_{r + 1}", "code": np.asarray(codes, dtype=object)[k_idx]})
        none = seen[r] & ~marks.any(1)
        empty = pd.DataFrame({"unit": unit_ids[none], "coder": f"coder_{r + 1}", "code": ""})
        frames += [coded, empty]
    df = pd.concat(frames, ignore_index=True)
    if with_times:
        base = np.datetime64("2026-01-05T09:00:00")
        offs = rng.integers(0, 60 * 24 * 3600, size=len(df)).astype("timedelta64[s]")
        df["coded_at"] = (base + offs).astype("datetime64[s]").astype(str)
    return df.sort_values(["unit", "coder", "code"], ignore_index=True)
