"""The vectorised bootstrap: seeded, equal to a plain loop, consistent across code paths."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pytest

from twoknow_text.agreement import (
    ReliabilityData,
    agreement,
    bootstrap_weights,
    drift_table,
    gold_table,
    pairwise_table,
    percentile_ci,
    per_code_table,
    plot_code_alpha,
    plot_coder_heatmap,
    reliability_data,
    simulate_codings,
)
from twoknow_text.errors import AgreementError


def _matrix(seed: int = 0, n_units: int = 60, n_coders: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 5, n_units)
    mat = np.where(rng.random((n_coders, n_units)) < 0.75, truth, rng.integers(1, 5, (n_coders, n_units))).astype(float)
    mat[rng.random((n_coders, n_units)) < 0.15] = np.nan
    return mat


def test_same_seed_same_interval_other_seed_other_interval() -> None:
    mat = _matrix()
    a = agreement(mat, n_boot=300, seed=11)
    b = agreement(mat, n_boot=300, seed=11)
    c = agreement(mat, n_boot=300, seed=12)
    assert a["krippendorff_alpha"].low == b["krippendorff_alpha"].low
    assert a["krippendorff_alpha"].high == b["krippendorff_alpha"].high
    assert a["krippendorff_alpha"].low != c["krippendorff_alpha"].low


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_vectorised_bootstrap_equals_plain_loop_with_the_package(level: str) -> None:
    """Same resamples, recomputed one by one with `krippendorff`: the same percentile interval."""
    mat = _matrix(seed=3)
    d = ReliabilityData.from_matrix(mat)
    rep = agreement(d, level=level, n_boot=200, seed=5)
    vals = np.asarray(d.categories, dtype=float)
    full = np.where(d.codes >= 0, vals[np.clip(d.codes, 0, None)], np.nan)
    loop = []
    for wt in bootstrap_weights(d.n_units, 200, 5, "multinomial"):
        for b in range(wt.shape[1]):
            idx = np.repeat(np.arange(d.n_units), wt[:, b].astype(int))
            sample = full[:, idx]
            try:
                loop.append(krippendorff.alpha(reliability_data=sample, level_of_measurement=level))
            except ValueError:  # one value only in this resample
                loop.append(np.nan)
    lo, hi = percentile_ci(np.array(loop))
    assert rep["krippendorff_alpha"].low == pytest.approx(lo, abs=1e-5)
    assert rep["krippendorff_alpha"].high == pytest.approx(hi, abs=1e-5)


def test_interval_covers_the_estimate_and_narrows_with_more_units() -> None:
    small = agreement(_matrix(seed=1, n_units=40), n_boot=300, seed=0)
    large = agreement(_matrix(seed=1, n_units=800), n_boot=300, seed=0)
    for rep in (small, large):
        for e in rep.coefficients.values():
            assert e.low <= e.value <= e.high
    w = lambda r: r["krippendorff_alpha"].high - r["krippendorff_alpha"].low  # noqa: E731
    assert w(large) < w(small)


def test_per_code_intervals_equal_single_code_intervals() -> None:
    """The multi-label path (sparse states) and the single-valued path resample the same units."""
    df = simulate_codings(120, 3, 4, seed=8)
    d = reliability_data(df, "unit", "coder", "code", multi_label=True)
    table = per_code_table(d, n_boot=200, seed=4)
    for row in table.to_dict(orient="records"):
        single = agreement(d.code_data(row["code"]), n_boot=200, seed=4)
        for name in ("krippendorff_alpha", "fleiss_kappa", "gwet_ac1", "percent_agreement"):
            e = single[name]
            for got, want in ((row[name], e.value), (row[f"{name}_low"], e.low), (row[f"{name}_high"], e.high)):
                assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want, abs=1e-5)


def test_two_coders_get_cohen_kappa_per_code() -> None:
    df = simulate_codings(100, 2, 3, seed=2)
    table = per_code_table(reliability_data(df, "unit", "coder", "code", multi_label=True), n_boot=100, seed=0)
    assert {"cohen_kappa", "cohen_kappa_low", "cohen_kappa_high"} <= set(table.columns)
    three = per_code_table(reliability_data(simulate_codings(100, 3, 3, seed=2), "unit", "coder", "code",
                                            multi_label=True), n_boot=0)
    assert "cohen_kappa" not in three.columns


def test_poisson_and_fixed_de_options() -> None:
    mat = _matrix(seed=4, n_units=300)
    m = agreement(mat, n_boot=400, seed=0)
    p = agreement(mat, n_boot=400, seed=0, method="poisson")
    f = agreement(mat, n_boot=400, seed=0, alpha_de="fixed")
    for rep in (p, f):
        assert rep["krippendorff_alpha"].low == pytest.approx(m["krippendorff_alpha"].low, abs=0.05)
        assert rep["krippendorff_alpha"].high == pytest.approx(m["krippendorff_alpha"].high, abs=0.05)
    with pytest.raises(AgreementError) as exc:
        agreement(mat, n_boot=-1)
    assert exc.value.code == "E611"
    with pytest.raises(AgreementError) as exc:
        agreement(mat, method="jackknife")
    assert exc.value.code == "E611"


def test_flags_follow_krippendorff_guidance() -> None:
    df = simulate_codings(400, 3, 6, seed=9)
    table = per_code_table(reliability_data(df, "unit", "coder", "code", multi_label=True), n_boot=100, threshold=0.8)
    for r in table.to_dict(orient="records"):
        a = r["krippendorff_alpha"]
        if math.isnan(a):
            assert r["flag"] == "undefined"
        else:
            assert r["flag"] == ("reliable" if a >= 0.8 else "tentative" if a >= 0.667 else "unreliable")
            assert r["below_threshold"] == (a < 0.8)
            assert 0.0 <= r["p_below"] <= 1.0


def test_pairwise_gold_and_drift_tables() -> None:
    df = simulate_codings(150, 3, 4, seed=6, with_times=True)
    d = reliability_data(df, "unit", "coder", "code", multi_label=True, time_col="coded_at")
    pairs = pairwise_table(d)
    assert len(pairs) == 3 and {"masi_alpha", "mean_code_alpha"} <= set(pairs.columns)
    drift = drift_table(d, n_bins=3)
    assert len(drift) == 3 and drift["units"].sum() == d.n_units
    # Gold = coder_1's codes: coder_1 agrees perfectly with it.
    gold = df[df.coder == "coder_1"][["unit", "code"]]
    g = gold_table(df, gold, value_col="code", multi_label=True)
    row = g.set_index("coder").loc["coder_1"]
    assert row["precision"] == 1.0 and row["recall"] == 1.0 and row["percent_agreement"] == 1.0
    assert g.set_index("coder").loc["coder_2", "f1"] < 1.0
    fig = plot_coder_heatmap(pairs, coefficient="masi_alpha")
    assert fig.data[0].z.shape == (3, 3)
    fig2 = plot_code_alpha(per_code_table(d, n_boot=50))
    assert len(fig2.data[0].y) == d.n_codes


def test_single_valued_gold_and_calendar_drift() -> None:
    import pandas as pd

    rows = []
    for i in range(40):
        truth = "yes" if i % 3 else "no"
        rows.append((f"u{i}", "ana", truth, f"2026-0{1 + i // 20}-1{i % 9}"))
        rows.append((f"u{i}", "ben", truth if i % 5 else "no", f"2026-0{1 + i // 20}-1{i % 9}"))
    df = pd.DataFrame(rows, columns=["unit", "coder", "value", "when"])
    gold = pd.DataFrame({"unit": [f"u{i}" for i in range(40)], "value": ["yes" if i % 3 else "no" for i in range(40)]})
    g = gold_table(df, gold).set_index("coder")
    assert g.loc["ana", "percent_agreement"] == 1.0 and g.loc["ana", "cohen_kappa"] == 1.0
    assert g.loc["ben", "cohen_kappa"] < 1.0
    d = reliability_data(df, time_col="when")
    drift = drift_table(d, freq="M")
    assert drift["period"].tolist() == ["2026-01", "2026-02"] and drift["units"].tolist() == [20, 20]
    with pytest.raises(AgreementError) as exc:
        drift_table(d, freq="fortnightly")
    assert exc.value.code == "E608"
    with pytest.raises(AgreementError) as exc:
        drift_table(reliability_data(df))
    assert exc.value.code == "E614"
