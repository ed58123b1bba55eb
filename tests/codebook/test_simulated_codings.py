"""The bundled simulated coder annotations: reproducible, valid, realistic disagreement."""

from __future__ import annotations

import importlib.util
from importlib import resources

import pandas as pd
import pytest

from twoknow_text.codebook import check_codings, load_codebook
from twoknow_text.reporting import frequency_report

SAMPLE = resources.files("twoknow_text") / "data" / "sample"


@pytest.fixture(scope="module")
def bundled() -> pd.DataFrame:
    return pd.read_csv(str(SAMPLE / "simulated_codings.csv"), dtype=str, keep_default_na=False)


def _script(repo_root):
    spec = importlib.util.spec_from_file_location("simulate_codings_script", repo_root / "scripts" / "simulate_codings.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bundled_file_is_what_the_seeded_script_makes(bundled, repo_root, tmp_path):
    mod = _script(repo_root)
    out = tmp_path / "sim.csv"
    assert mod.main(["--out", str(out)]) == 0
    assert out.read_bytes() == (SAMPLE / "simulated_codings.csv").read_bytes()


def test_codings_are_valid_and_disagree_like_people(bundled):
    cb = load_codebook()
    truth = pd.read_csv(str(SAMPLE / "survey_sample_truth.csv"), dtype=str, keep_default_na=False)
    checked = check_codings(bundled, cb, known_ids=set(truth["response_id"]))
    assert sorted(set(checked["coder"])) == ["coder_a", "coder_b", "coder_c"]
    per_coder = checked.groupby("coder")["response_id"].nunique()
    assert (per_coder == per_coder.iloc[0]).all() and per_coder.iloc[0] > 1500  # every coder saw every answer
    # agreement with the truth falls from coder_a to coder_c, but stays high
    t = truth.set_index("response_id")["code_ids"].str.split(";")
    acc = {}
    for coder, g in checked[checked["code"] != ""].groupby("coder"):
        hits = sum(code in t[rid] for rid, code in zip(g["response_id"], g["code"], strict=True))
        acc[coder] = hits / len(g)
    assert 0.97 > acc["coder_a"] > acc["coder_b"] > acc["coder_c"] > 0.8
    # confusions follow the codebook's near-misses: curiosity is mistaken for sensation seeking and back
    wide = checked.pivot_table(index="response_id", columns="coder", values="code", aggfunc=lambda s: ";".join(sorted(s)))
    assert (wide.nunique(axis=1) > 1).mean() > 0.1


def test_majority_report_on_bundled_sample(bundled):
    from twoknow_text.synth import load_sample

    corpus = load_sample()
    rep = frequency_report(bundled, corpus, load_codebook(), coder="majority", by=["question_id"])
    cats = rep.frequencies[rep.frequencies["level"] == "category"].set_index("id")
    assert rep.n_respondents == 500
    assert (cats["share"] > 0.3).all() and (cats["ci_low"] < cats["share"]).all()
