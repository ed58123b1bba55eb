"""Final tables: Wilson intervals, respondent-level shares, subgroups, co-occurrence, HTML."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from twoknow_text.codebook import load_codebook
from twoknow_text.errors import CodebookError
from twoknow_text.reading import read_survey
from twoknow_text.reporting import frequency_report, render_html, wilson_interval, write_report

TEXT_COLS = ["q1_led_to_it", "q2_made_easier", "q3_situations", "q4_stops_you"]


@pytest.fixture(scope="module")
def mini(test_data):
    corpus, _ = read_survey(
        test_data / "codebook" / "mini_survey.csv", format="wide", id_col="respondent_id", text_cols=TEXT_COLS,
        language_col="language",
    )
    codings = pd.read_csv(test_data / "codebook" / "mini_codings.csv", dtype=str, keep_default_na=False)
    return corpus, codings


def _row(df, id_, **where):
    sel = df[(df["id"] == id_)]
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, (id_, where)
    return sel.iloc[0]


# -- Wilson ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score, no correction)
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_matches_newcombe_1998(k, n, lo, hi):
    got = wilson_interval(k, n)
    assert float(got[0]) == pytest.approx(lo, abs=5e-5)
    assert float(got[1]) == pytest.approx(hi, abs=5e-5)


def test_wilson_matches_scipy_and_edges():
    rng = np.random.default_rng(0)
    n = rng.integers(1, 400, 60)
    k = (rng.random(60) * (n + 1)).astype(int).clip(0, n)
    lo, hi = wilson_interval(k, n, 0.9)
    for ki, ni, a, b in zip(k, n, lo, hi, strict=True):
        ci = binomtest(int(ki), int(ni)).proportion_ci(confidence_level=0.9, method="wilson")
        assert a == pytest.approx(ci.low, abs=1e-9) and b == pytest.approx(ci.high, abs=1e-9)
    lo, hi = wilson_interval([0, 5, 3], [0, 5, 10])
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    assert hi[1] == 1.0 and lo[1] < 1.0
    assert 0 < lo[2] < 0.3 < hi[2] < 1
    with pytest.raises(ValueError):
        wilson_interval(1, 2, confidence=1.5)


# -- respondent-level tables --------------------------------------------------
def test_single_coder_shares_are_respondent_level(mini):
    corpus, codings = mini
    rep = frequency_report(codings, corpus, load_codebook(), coder="coder_b")
    assert rep.source.kind == "single coder" and "coder_b" in rep.source.label
    assert any("not adjudicated" in n for n in rep.notes)
    f = rep.frequencies
    assert rep.n_respondents == 8 and rep.n_answers == 30
    stress = _row(f, "sit_stress_negative_mood")
    # coder_b put stress on two of R02's answers and on one of R05's: 3 answers, 2 respondents
    assert (stress.n_answers, stress.n_respondents, stress.respondents_total) == (3, 2, 8)
    assert stress.share == pytest.approx(2 / 8)
    lo, hi = wilson_interval(2, 8)
    assert (stress.ci_low, stress.ci_high) == (pytest.approx(float(lo)), pytest.approx(float(hi)))
    sit = _row(f, "situational_factors", level="category")
    assert (sit.n_respondents, sit.n_answers) == (7, 8)  # R06 has none; R02 has two answers
    bar = _row(f, "barriers", level="category")
    assert bar.n_respondents == 8 and bar.share == 1.0 and bar.ci_high == 1.0
    # every non-retired code is listed, zeros included
    assert len(f[f["level"] == "code"]) == 23
    assert _row(f, "mot_other").n_respondents == 0


def test_subgroups_restrict_numerator_and_denominator(mini):
    corpus, codings = mini
    # the arithmetic on tiny subgroups: small-cell suppression off (see test_small_subgroups_are_suppressed)
    rep = frequency_report(codings, corpus, load_codebook(), coder="coder_a", by=["question", "language", "wave"],
                           min_cell=0)
    s = rep.by_subgroup
    assert set(s["subgroup"]) == {"question_id", "language", "wave"}
    q1 = _row(s, "mot_curiosity", subgroup="question_id", subgroup_value="q1_led_to_it")
    assert (q1.n_respondents, q1.respondents_total) == (3, 8)
    q3 = _row(s, "sit_loneliness_boredom", subgroup="question_id", subgroup_value="q3_situations")
    assert (q3.n_respondents, q3.respondents_total) == (3, 7)  # R06 left q3 empty
    fi = _row(s, "bar_help_seeking", subgroup="language", subgroup_value="fi")
    en = _row(s, "bar_help_seeking", subgroup="language", subgroup_value="en")
    assert (fi.n_respondents, fi.respondents_total, en.n_respondents, en.respondents_total) == (2, 2, 0, 6)
    w = s[(s["subgroup"] == "wave") & (s["level"] == "category")]
    assert set(w["subgroup_value"]) == {"2023", "2024"}
    assert w.groupby("subgroup_value")["respondents_total"].first().sum() == 8
    with pytest.raises(CodebookError) as ei:
        frequency_report(codings, corpus, load_codebook(), coder="coder_a", by=["age"])
    assert ei.value.code == "E754" and "wave" in ei.value.message


def test_cooccurrence_counts_respondents(mini):
    corpus, codings = mini
    rep = frequency_report(codings, corpus, load_codebook(), coder="coder_a")
    co = rep.cooccurrence
    assert co.loc["mot_curiosity", "sit_loneliness_boredom"] == 3  # R01, R04, R07
    assert co.loc["mot_curiosity", "mot_curiosity"] == 3
    assert (co.to_numpy() == co.to_numpy().T).all()
    assert co.loc["sit_life_events", "bar_guilt_shame"] == 1  # R08 only


def test_source_selection(mini):
    corpus, codings = mini
    cb = load_codebook()
    with pytest.raises(CodebookError) as ei:
        frequency_report(codings, corpus, cb)
    assert ei.value.code == "E753" and "coder_a" in ei.value.message
    maj = frequency_report(codings, corpus, cb, coder="majority")
    assert maj.source.kind == "majority"
    # with two coders a majority means both: R05's curiosity (coder_b only) drops out
    assert _row(maj.frequencies, "mot_curiosity").n_respondents == 3
    assert _row(maj.frequencies, "mot_emotional_regulation").n_respondents == 0
    adj = codings[codings["coder"] == "coder_a"].assign(coder="adjudicated")
    rep = frequency_report(pd.concat([codings, adj]), corpus, cb)
    assert rep.source.kind == "adjudicated" and rep.notes == []
    with pytest.raises(CodebookError) as ei:
        frequency_report(codings, corpus, cb, coder="nobody")
    assert ei.value.code == "E753"


def test_uncoded_answers_are_left_out_with_a_note(mini):
    corpus, codings = mini
    part = codings[~codings["response_id"].str.startswith("R08")]
    rep = frequency_report(part, corpus, load_codebook(), coder="coder_a")
    assert rep.n_respondents == 7 and rep.n_answers == 26
    assert any("not coded" in n for n in rep.notes)


# -- outputs -----------------------------------------------------------------
def test_html_is_self_contained_and_escaped(mini, tmp_path):
    corpus, codings = mini
    cb = load_codebook()
    evil = '<script>alert("x")</script>'
    cb.get("mot_curiosity").label = f"Curiosity {evil}"
    rep = frequency_report(codings, corpus, cb, coder="coder_a", by=["language"])
    paths = write_report(rep, tmp_path / "out")
    html = paths["html"].read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert evil not in html and "&lt;script&gt;alert" in html
    assert not re.search(r"<script[^>]+src=", html), "no external scripts"
    assert not re.search(r"<link[^>]+href=", html), "no external stylesheets"
    assert "Plotly.newPlot" in html and len(html) > 1_000_000  # plotly.js inlined
    # plotly.js is defined before the first figure calls it
    assert html.index("window.PlotlyConfig") < html.index("Plotly.newPlot")
    assert html.index("</head>") < html.index("window.PlotlyConfig")
    assert html.count("Plotly.newPlot") == 4  # codes, categories, by language, co-occurrence
    assert re.search(r"single coder &#(x27|39);coder_a&#(x27|39); \(not adjudicated\)", html)
    # no answer text in the report
    for r in corpus:
        assert r.text not in html
    freq = pd.read_csv(paths["frequencies"])
    assert set(freq["source"]) == {"single coder 'coder_a' (not adjudicated)"}
    assert {"share", "ci_low", "ci_high", "n_respondents"} <= set(freq.columns)
    co = pd.read_csv(paths["cooccurrence"], index_col=0)
    assert co.shape == (23, 23)
    assert set(pd.read_csv(paths["by_subgroup"])["subgroup_value"]) == {"en", "fi"}


def test_render_without_subgroups(mini):
    corpus, codings = mini
    rep = frequency_report(codings, corpus, load_codebook(), coder="coder_b")
    html = render_html(rep, title="T & <b>")
    assert "<title>T &amp; &lt;b&gt;</title>" in html


def test_label_studio_pull_shape_drops_predictions_and_cancelled(mini):
    """The pull adds source/status columns: model pre-annotations and cancelled work are not codings."""
    corpus, codings = mini
    pulled = codings.assign(source="annotation", status="coded", comment="", score=float("nan"))
    extra = pd.DataFrame(
        [
            {"response_id": "R06:q4_stops_you", "coder": "model:themes-v1", "code": "mot_curiosity",
             "category": "motivations", "source": "prediction", "status": "coded"},
            {"response_id": "R06:q4_stops_you", "coder": "coder_a", "code": "mot_curiosity",
             "category": "motivations", "source": "annotation", "status": "cancelled"},
            {"response_id": "R06:q4_stops_you", "coder": "", "code": "", "category": "",
             "source": "annotation", "status": "unfinished"},
        ]
    )
    rep = frequency_report(pd.concat([pulled, extra]), corpus, load_codebook(), coder="coder_a")
    assert _row(rep.frequencies, "mot_curiosity").n_respondents == 3  # R06 not added
    maj = frequency_report(pd.concat([pulled, extra]), corpus, load_codebook(), coder="majority")
    assert maj.source.coders == ("coder_a", "coder_b")


def test_unknown_codes_error_or_drop(mini):
    corpus, codings = mini
    cb = load_codebook()
    small = cb.model_copy(update={"codes": [c for c in cb.codes if c.id != "mot_curiosity"]})
    with pytest.raises(CodebookError) as ei:
        frequency_report(codings, corpus, small, coder="coder_a")
    assert ei.value.code == "E751" and "mot_curiosity" in ei.value.message
    rep = frequency_report(codings, corpus, small, coder="coder_a", unknown_codes="drop")
    assert "mot_curiosity" not in set(rep.frequencies["id"])
    assert rep.n_answers == 30  # the answers stay in the denominator
    assert any("left out" in n for n in rep.notes)


def test_adjudicated_codings_combine_agreement_and_gold(mini):
    from twoknow_text.reporting import adjudicated_codings

    corpus, codings = mini
    with pytest.raises(CodebookError) as ei:
        adjudicated_codings(codings)
    assert ei.value.code == "E756" and "R02:q1_led_to_it" in ei.value.message
    # the shape adjudicate_pull returns: unit, code (empty = none), adjudicator
    gold = pd.DataFrame(
        {"unit": ["R02:q1_led_to_it", "R05:q1_led_to_it", "R07:q3_situations", "R07:q3_situations"],
         "code": ["mot_emotional_regulation", "", "sit_loneliness_boredom", "sit_life_events"],
         "adjudicator": ["lead@example.org"] * 4}
    )
    table = adjudicated_codings(codings, gold)
    adj = table[table["coder"] == "adjudicated"]
    assert adj["response_id"].nunique() == 30
    assert set(adj.loc[adj["response_id"] == "R07:q3_situations", "code"]) == {"sit_loneliness_boredom", "sit_life_events"}
    assert list(adj.loc[adj["response_id"] == "R05:q1_led_to_it", "code"]) == [""]
    rep = frequency_report(table, corpus, load_codebook())
    assert rep.source.kind == "adjudicated" and rep.notes == []
    assert _row(rep.frequencies, "mot_emotional_regulation").n_respondents == 1
    assert _row(rep.frequencies, "sit_life_events").n_respondents == 3  # R03, R07, R08
    # unresolved answers: majority of two coders keeps only shared codes; drop leaves them out
    maj = adjudicated_codings(codings, unresolved="majority")
    assert set(maj.loc[(maj["coder"] == "adjudicated") & (maj["response_id"] == "R05:q1_led_to_it"), "code"]) == {""}
    dropped = adjudicated_codings(codings, unresolved="drop")
    assert dropped.loc[dropped["coder"] == "adjudicated", "response_id"].nunique() == 27
