"""Agreement coefficients against published values, reference packages and properties."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from twoknow_text.agreement import (
    ReliabilityData,
    agreement,
    brennan_prediger,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    krippendorff_alpha,
    masi_alpha,
    masi_distance,
    per_code_alpha,
    percent_agreement,
    reliability_data,
    simulate_codings,
)
from twoknow_text.errors import AgreementError

N = np.nan

# Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability".
# Annenberg School for Communication, University of Pennsylvania, section C
# (four observers A-D, twelve units, values 1-5, missing values). Published
# alphas: nominal .743, ordinal .815, interval .849, ratio .797.
# The same data is `cac.raw4raters` in R's irrCAC (Gwet 2014).
KRIPP_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],  # A
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],  # B
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],  # C
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],  # D
]
KRIPP_2011_PUBLISHED = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}

# Fleiss, J. L. (1971). "Measuring nominal scale agreement among many raters".
# Psychological Bulletin 76(5), 378-382, Table 1: 30 patients, 6 psychiatrists,
# 5 diagnoses (1 depression, 2 personality disorder, 3 schizophrenia,
# 4 neurosis, 5 other). Published kappa = .430. Raw form as in statsmodels'
# test suite (statsmodels/stats/tests/test_inter_rater.py, `diagnoses`, which
# checks 0.4302445 against R irr::kappam.fleiss).
FLEISS_1971 = np.array(
    [
        [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
    ]
)


# ---------------------------------------------------------------------------
# published values
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_2011_worked_example(level: str) -> None:
    est = krippendorff_alpha(KRIPP_2011, level)
    assert round(est.value, 3) == KRIPP_2011_PUBLISHED[level]
    ref = krippendorff.alpha(reliability_data=KRIPP_2011, level_of_measurement=level)
    assert est.value == pytest.approx(ref, abs=1e-12)


def test_krippendorff_2011_unit_with_one_value_is_excluded_and_counted() -> None:
    d = ReliabilityData.from_matrix(KRIPP_2011, units=[f"u{i + 1}" for i in range(12)])
    assert d.n_units == 11
    assert d.unpairable_units == ("u12",)
    rep = agreement(d, n_boot=0)
    assert rep.n_unpairable == 1


def test_fleiss_1971_table_1() -> None:
    d = ReliabilityData.from_matrix(FLEISS_1971.T)  # coders x units
    assert np.bincount(FLEISS_1971.ravel())[1:].tolist() == [26, 26, 30, 55, 43]  # Table 1 column sums
    assert round(fleiss_kappa(d).value, 3) == 0.430
    assert fleiss_kappa(d).value == pytest.approx(0.4302445, abs=1e-7)


def test_gwet_2014_irrcac_cac_raw4raters() -> None:
    # Gwet, K. L. (2014), Handbook of Inter-Rater Reliability, 4th ed.; values
    # printed in R irrCAC's documentation for `cac.raw4raters` (the
    # Krippendorff 2011 data): percent agreement 0.8182, AC1 0.77544, AC2
    # (quadratic) 0.914, Fleiss' kappa 0.76117. Gwet's category shares count
    # every rated unit, including the unit rated once (lone_units=True).
    d = ReliabilityData.from_matrix(KRIPP_2011)
    assert percent_agreement(d).value == pytest.approx(0.8181818, abs=1e-6)
    assert round(gwet_ac1(d, lone_units=True).value, 5) == 0.77544
    assert round(gwet_ac2(d, "quadratic", lone_units=True).value, 3) == 0.914
    assert round(fleiss_kappa(d, lone_units=True).value, 5) == 0.76117
    # Default: the unpairable unit is excluded everywhere (documented), which moves AC1 slightly.
    assert gwet_ac1(d).value == pytest.approx(0.77515, abs=1e-5)


def test_gwet_ac1_hand_computed_two_raters() -> None:
    # Two raters, two categories; 10 units: 6 both "a", 2 both "b", 2 split.
    # pa = 8/10; pi_a = (6 + 1)/10 = 0.7, pi_b = 0.3;
    # AC1 pe = 2 * 0.7 * 0.3 / (2 - 1) = 0.42 -> AC1 = (0.8 - 0.42)/(1 - 0.42)
    # Fleiss pe = 0.49 + 0.09 = 0.58 -> kappa = 0.22/0.42; BP pe = 0.5 -> 0.6.
    r1 = ["a"] * 6 + ["b"] * 2 + ["a", "b"]
    r2 = ["a"] * 6 + ["b"] * 2 + ["b", "a"]
    d = ReliabilityData.from_matrix([r1, r2])
    assert gwet_ac1(d).value == pytest.approx((0.8 - 0.42) / 0.58)
    assert fleiss_kappa(d).value == pytest.approx(0.22 / 0.42)
    assert brennan_prediger(d).value == pytest.approx(0.6)


# ---------------------------------------------------------------------------
# reference packages
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cohen_kappa_matches_sklearn(weights: str | None, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 6, 80)
    b = np.where(rng.random(80) < 0.6, a, rng.integers(1, 6, 80))
    ours = cohen_kappa([a, b], weights=weights).value
    assert ours == pytest.approx(cohen_kappa_score(a, b, weights=weights), abs=1e-12)


matrices = st.integers(2, 5).flatmap(
    lambda r: st.lists(
        st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=r, max_size=r), min_size=3, max_size=25
    )
)


@settings(max_examples=30, deadline=None)
@given(matrices, st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_alpha_matches_krippendorff_package(units: list[list[int | None]], level: str) -> None:
    mat = np.array([[np.nan if v is None else v for v in row] for row in units], dtype=float).T
    pairable = (~np.isnan(mat)).sum(0) >= 2
    values = mat[~np.isnan(mat) & pairable[None, :]]
    if pairable.sum() == 0:
        with pytest.raises(AgreementError) as exc:
            krippendorff_alpha(mat, level)
        # empty table, a single coder, or no unit with two values
        assert exc.value.code in {"E602", "E603", "E607"}
        return
    est = krippendorff_alpha(mat, level)
    if len(set(values.tolist())) < 2:
        assert math.isnan(est.value) and "no variation" in est.reason
        return
    ref = krippendorff.alpha(reliability_data=mat, level_of_measurement=level)
    assert est.value == pytest.approx(ref, abs=1e-9)


def test_per_code_alpha_matches_package_on_present_absent() -> None:
    df = simulate_codings(150, 3, 5, seed=3)
    d = reliability_data(df, "unit", "coder", "code", multi_label=True)
    for code, est in per_code_alpha(d).items():
        cd = d.code_data(code)
        mat = np.where(cd.codes >= 0, cd.codes, np.nan).astype(float)
        if np.nanmax(mat) == 0:
            assert math.isnan(est.value)
            continue
        assert est.value == pytest.approx(krippendorff.alpha(reliability_data=mat, level_of_measurement="nominal"))


def test_masi_alpha_matches_brute_force() -> None:
    df = simulate_codings(60, 3, 4, seed=5)
    d = reliability_data(df, "unit", "coder", "code", multi_label=True)
    sets = d.code_sets()
    values = [(u, frozenset(s)) for u, row in sets.items() for s in row.values()]
    n = len(values)
    do = sum(
        masi_distance(a, b) / (len(row) - 1)
        for row in sets.values()
        for i, a in enumerate(row.values())
        for j, b in enumerate(row.values())
        if i != j
    )
    de = sum(masi_distance(a[1], b[1]) for i, a in enumerate(values) for j, b in enumerate(values) if i != j)
    expected = 1 - (n - 1) * do / de
    assert masi_alpha(d).value == pytest.approx(expected, abs=1e-12)


def test_masi_distance_cases() -> None:
    assert masi_distance({"a"}, {"a"}) == 0
    assert masi_distance(set(), set()) == 0
    assert masi_distance({"a"}, {"a", "b"}) == pytest.approx(1 - 0.5 * 2 / 3)
    assert masi_distance({"a", "c"}, {"a", "b"}) == pytest.approx(1 - (1 / 3) * (1 / 3))
    assert masi_distance({"a"}, {"b"}) == 1


# ---------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------
ALL = (krippendorff_alpha, fleiss_kappa, gwet_ac1, brennan_prediger, percent_agreement)

codings = st.lists(st.lists(st.integers(0, 3), min_size=3, max_size=3), min_size=4, max_size=30)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=4, max_size=30), st.integers(2, 4))
def test_perfect_agreement_is_one(values: list[int], n_coders: int) -> None:
    mat = [values] * n_coders
    for fn in ALL:
        est = fn(mat)
        if len(set(values)) < 2 and fn is not percent_agreement:  # one category, no wider scheme: undefined
            assert math.isnan(est.value) and est.reason
        else:
            assert est.value == pytest.approx(1.0)
    if n_coders == 2 and len(set(values)) > 1:
        assert cohen_kappa(mat).value == pytest.approx(1.0)


@settings(max_examples=15, deadline=None)
@given(codings, st.permutations([0, 1, 2, 3]), st.randoms(use_true_random=False))
def test_invariant_to_relabelling_and_order(units: list[list[int]], perm: list[int], rnd) -> None:  # noqa: ANN001
    mat = np.array(units).T  # coders x units
    base = {fn.__name__: fn(mat).value for fn in ALL}
    relabelled = np.vectorize(lambda v: f"code_{perm[v]}")(mat)
    coder_order = mat[[2, 0, 1]]
    unit_idx = list(range(mat.shape[1]))
    rnd.shuffle(unit_idx)
    unit_order = mat[:, unit_idx]
    for variant in (relabelled, coder_order, unit_order):
        for fn in ALL:
            v = fn(variant).value
            if math.isnan(base[fn.__name__]):
                assert math.isnan(v)
            else:
                assert v == pytest.approx(base[fn.__name__], abs=1e-12)


def test_cohen_invariant_to_unit_order_and_relabelling_unweighted() -> None:
    rng = np.random.default_rng(7)
    a, b = rng.integers(0, 3, 40), rng.integers(0, 3, 40)
    base = cohen_kappa([a, b]).value
    perm = rng.permutation(40)
    assert cohen_kappa([a[perm], b[perm]]).value == pytest.approx(base)
    names = np.array(["x", "y", "z"])
    assert cohen_kappa([names[a], names[b]]).value == pytest.approx(base)


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------
def _tidy(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit", "coder", "value"])


def test_one_coder_only_is_a_coded_error() -> None:
    with pytest.raises(AgreementError) as exc:
        reliability_data(_tidy([("u1", "a", "x"), ("u2", "a", "y")]))
    assert exc.value.code == "E603"


def test_units_coded_once_are_excluded_and_counted() -> None:
    d = reliability_data(_tidy([("u1", "a", "x"), ("u1", "b", "x"), ("u2", "a", "y"), ("u3", "b", "y"), ("u3", "a", "x")]))
    assert d.units == ("u1", "u3") and d.unpairable_units == ("u2",)


def test_no_variation_is_undefined_with_a_reason() -> None:
    d = reliability_data(_tidy([(f"u{i}", c, "same") for i in range(5) for c in "ab"]))
    rep = agreement(d, n_boot=50)
    a = rep["krippendorff_alpha"]
    assert math.isnan(a.value) and "no variation" in a.reason
    assert math.isnan(a.low) and math.isnan(a.high)
    assert math.isnan(rep["fleiss_kappa"].value) and rep["fleiss_kappa"].reason
    assert rep["percent_agreement"].value == 1.0
    assert rep.to_dict()["krippendorff_alpha"] is None


def test_codes_outside_the_codebook() -> None:
    df = _tidy([("u1", "a", "fac_easy_access"), ("u1", "b", "made_up"), ("u2", "a", "fac_easy_access"), ("u2", "b", "fac_easy_access")])
    with pytest.raises(AgreementError) as exc:
        reliability_data(df, codebook=["fac_easy_access", "bar_guilt_shame"])
    assert exc.value.code == "E606"
    rec = reliability_data(df, codebook=["fac_easy_access", "bar_guilt_shame"], on_unknown="record")
    assert rec.unknown_codes == {"made_up": 1} and "made_up" in rec.categories
    dropped = reliability_data(df, codebook=["fac_easy_access", "bar_guilt_shame"], on_unknown="drop")
    assert dropped.unpairable_units == ("u1",) and dropped.q == 2


def test_codebook_yaml_is_read(repo_root) -> None:  # noqa: ANN001
    df = _tidy([("u1", "a", "mot_curiosity"), ("u1", "b", "nonsense"), ("u2", "a", "x"), ("u2", "b", "x")])
    df_ml = df.rename(columns={"value": "code"})
    with pytest.raises(AgreementError) as exc:
        reliability_data(df_ml, "unit", "coder", "code", multi_label=True,
                         codebook=repo_root / "configs" / "codebooks" / "2know.yaml")
    assert exc.value.code == "E606"


def test_mixed_types_in_the_value_column() -> None:
    with pytest.raises(AgreementError) as exc:
        reliability_data(_tidy([("u1", "a", 1), ("u1", "b", "yes"), ("u2", "a", 2), ("u2", "b", 2)]))
    assert exc.value.code == "E604"
    with pytest.raises(AgreementError) as exc:  # as read from a CSV: all strings
        reliability_data(_tidy([("u1", "a", "1"), ("u1", "b", "yes"), ("u2", "a", "2"), ("u2", "b", "2")]))
    assert exc.value.code == "E604"


def test_interval_needs_numbers_and_duplicates_must_agree() -> None:
    with pytest.raises(AgreementError) as exc:
        reliability_data(_tidy([("u1", "a", "x"), ("u1", "b", "y")]), level="interval")
    assert exc.value.code == "E609"
    with pytest.raises(AgreementError) as exc:
        reliability_data(_tidy([("u1", "a", "x"), ("u1", "a", "y"), ("u1", "b", "x")]))
    assert exc.value.code == "E605"
    with pytest.raises(AgreementError) as exc:
        reliability_data(_tidy([("u1", "a", "x")]), unit_col="nope")
    assert exc.value.code == "E601"
    with pytest.raises(AgreementError) as exc:
        reliability_data(_tidy([("u1", "a", "x"), ("u2", "b", "x")]))
    assert exc.value.code == "E607"


def test_cohen_needs_two_coders() -> None:
    with pytest.raises(AgreementError) as exc:
        cohen_kappa([[1, 2], [1, 2], [2, 2]])
    assert exc.value.code == "E612"


def test_multi_label_empty_code_means_seen_without_code() -> None:
    df = pd.DataFrame(
        {"unit": ["u1", "u1", "u2", "u2"], "coder": ["a", "b", "a", "b"], "code": ["bar_help_seeking", "", "", ""]}
    )
    d = reliability_data(df, "unit", "coder", "code", multi_label=True)
    assert d.n_units == 2 and d.seen.all()
    assert d.code_sets() == {"u1": {"a": ("bar_help_seeking",), "b": ()}, "u2": {"a": (), "b": ()}}
