"""The auto-coder on real components: the packaged MiniLM embedder and the bundled sample's simulated codings."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from twoknow_text.autocode import (
    UNSURE,
    AutoCoder,
    code_lists,
    codebook_descriptions,
    evaluate,
)
from twoknow_text.errors import AutocodeError

SAMPLE = resources.files("twoknow_text") / "data" / "sample"


@pytest.fixture(scope="module")
def coded():
    """400 answers of the bundled sample with the three simulated coders' codes (deterministic subset)."""
    from twoknow_text.synth import load_sample

    codings = pd.read_csv(str(SAMPLE / "simulated_codings.csv"), dtype=str, keep_default_na=False)
    texts = {r.response_id: r.text for r in load_sample()}
    units = sorted(set(codings["response_id"]) & set(texts))[:400]
    codings = codings[codings["response_id"].isin(units)]
    return codings, {u: texts[u] for u in units}


@pytest.fixture(scope="module")
def fitted(embedder, coded):
    codings, texts = coded
    labels = code_lists(codings, "coder_a")
    ids = sorted(labels)[:320]
    model = AutoCoder(embedder=embedder, random_state=0, abstain=0.5)
    model.fit([texts[i] for i in ids], [labels[i] for i in ids], codebook_descriptions())
    held = sorted(labels)[320:]
    return model, held, texts, labels


@pytest.mark.slow
def test_fit_predict_proba_and_abstain(fitted):
    model, held, texts, labels = fitted
    proba = model.predict_proba([texts[i] for i in held])
    assert list(proba.columns) == model.codes_ and len(proba) == len(held)
    assert ((proba.to_numpy() >= 0) & (proba.to_numpy() <= 1)).all()
    # codes described in the codebook but never coded are still columns (zero-shot fallback)
    assert set(codebook_descriptions()) <= set(model.codes_)
    pred = model.predict([texts[i] for i in held])
    assert len(pred) == len(held) and all(isinstance(p, list) for p in pred)
    unsure = sum(p == [UNSURE] for p in pred)
    assert 0 < unsure < 0.7 * len(held)
    # where it does not abstain, it mostly agrees with the coder it learnt from
    hits = [set(p) == set(labels[i]) for p, i in zip(pred, held) if p != [UNSURE]]
    assert np.mean(hits) > 0.7
    # calibration: the mean probability is close to the coded prevalence
    Y = np.array([[c in labels[i] for c in model.codes_] for i in held])
    assert abs(proba.to_numpy().mean() - Y.mean()) < 0.03
    # abstain=0 never says unsure
    model0 = AutoCoder(**{**model.get_params(), "abstain": 0.0})
    model0.__dict__.update({k: v for k, v in model.__dict__.items() if k.endswith("_") or k == "_vectors"})
    assert UNSURE not in {c for p in model0.predict([texts[i] for i in held]) for c in p}


@pytest.mark.slow
def test_save_load_round_trip_without_pickle(fitted, embedder, tmp_path):
    model, held, texts, _ = fitted
    out = model.save(tmp_path / "model")
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "model.json", "weights.npz"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model_version"].startswith("autocode-") and manifest["stage"] == "autocode"
    with np.load(out / "weights.npz", allow_pickle=False) as z:  # plain arrays only
        assert z["coef"].dtype == np.float64
    again = AutoCoder.load(out, embedder=embedder)
    sample = [texts[i] for i in held[:30]]
    pd.testing.assert_frame_equal(again.predict_proba(sample), model.predict_proba(sample))
    assert again.predict(sample) == model.predict(sample)
    with pytest.raises(AutocodeError) as err:
        model.save(out)
    assert err.value.code == "E810"


@pytest.mark.slow
def test_classifier_beats_codebook_only_against_another_coder(embedder, coded):
    """Trained on coder_a, judged against coder_b out of fold: the coders' codes must add to the codebook."""
    codings, texts = coded
    desc = codebook_descriptions()
    combined = AutoCoder(embedder=embedder)
    res = evaluate(codings, texts, folds=4, train_coder="coder_a", code_descriptions=desc, n_boot=0, model=combined)
    zero = AutoCoder(embedder=embedder, method="zero-shot")
    zero._vectors = combined._vectors
    res0 = evaluate(codings, texts, folds=4, train_coder="coder_a", code_descriptions=desc, n_boot=0, model=zero)

    def kappa(r, coder):
        return next(x for x in r["model_vs_coders"] if x["coders"] == ["model", coder])["cohen_kappa"]["value"]

    k, k0 = kappa(res, "coder_b"), kappa(res0, "coder_b")
    humans = next(x for x in res["coders_vs_coders"] if x["coders"] == ["coder_a", "coder_b"])["cohen_kappa"]["value"]
    assert k > 0.6 and k > k0 + 0.05, (k, k0)
    assert k < humans + 0.05
    cov = res["coverage"]
    half = next(r for r in cov if r["abstain"] == 0.5)
    assert cov[0]["coverage"] == 1.0 and 0.3 < half["coverage"] < 1.0
    # keeping only confident answers raises agreement
    assert half["kappa_coder_b"] > cov[0]["kappa_coder_b"]


def test_parameters_and_inputs_are_checked():
    with pytest.raises(AutocodeError) as err:
        AutoCoder(method="setfit").fit(["a"], [["x"]])
    assert err.value.code == "E801" and "'method' parameter of AutoCoder" in err.value.message
    with pytest.raises(AutocodeError) as err:
        AutoCoder().fit("one text", [["x"]])
    assert err.value.code == "E802"
    with pytest.raises(AutocodeError) as err:
        AutoCoder().fit(["a", "b"], [["x"]])
    assert err.value.code == "E803"
    with pytest.raises(AutocodeError) as err:
        AutoCoder().fit(["a"], [[UNSURE]])
    assert err.value.code == "E803"


def test_code_lists_majority_and_single_coder():
    df = pd.DataFrame({"response_id": ["u1", "u1", "u1", "u2", "u2"], "coder": ["a", "b", "b", "a", "b"],
                       "code": ["x", "x", "y", "", "z"]})
    assert code_lists(df, "a") == {"u1": ["x"], "u2": []}
    assert code_lists(df) == {"u1": ["x", "y"], "u2": ["z"]}
    with pytest.raises(AutocodeError) as err:
        code_lists(df, "c")
    assert err.value.code == "E817"
