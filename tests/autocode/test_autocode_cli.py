"""`twoknow autocode train|predict|evaluate` on a really de-identified file; raw text is refused."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from twoknow_text.cli import main

TEXT_COLS = ["q1_led_to_it", "q2_made_easier", "q3_situations", "q4_stops_you"]
READ_FLAGS = ["--id-col", "respondent_id", "--language-col", "language"] + [x for c in TEXT_COLS for x in ("--text-col", c)]


@pytest.fixture(scope="module")
def deid_mini(tmp_path_factory, test_data):
    from twoknow_text.deid import deidentify_file

    out = tmp_path_factory.mktemp("deid") / "mini_deid.csv"
    deidentify_file(test_data / "codebook" / "mini_survey.csv", out, text_cols=TEXT_COLS, id_col="respondent_id",
                    format="wide", language_col="language")
    return out


@pytest.mark.slow
def test_train_predict_evaluate(tmp_path, test_data, deid_mini, capsys):
    codings = test_data / "codebook" / "mini_codings.csv"
    model_dir = tmp_path / "model"
    code = main(["autocode", "train", str(codings), "--texts", str(deid_mini), "--out", str(model_dir),
                 "--coder", "coder_a", *READ_FLAGS])
    assert code == 0, capsys.readouterr().err
    assert "Trained on" in capsys.readouterr().out
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"] == "autocode train" and manifest["model_version"].startswith("autocode-")

    preds = tmp_path / "predictions.csv"
    code = main(["autocode", "predict", str(model_dir), str(deid_mini), "--out", str(preds), *READ_FLAGS])
    assert code == 0, capsys.readouterr().err
    assert "left to people" in capsys.readouterr().out
    table = pd.read_csv(preds, dtype=str, keep_default_na=False)
    assert list(table.columns[:3]) == ["response_id", "codes", "confidence"]
    assert "p_mot_curiosity" in table.columns and len(table) > 20
    text = preds.read_text(encoding="utf-8")
    assert "I was very lonely" not in text, "answer text must not be written to the predictions"
    pm = json.loads((tmp_path / "predictions.csv.manifest.json").read_text(encoding="utf-8"))
    assert pm["model_version"] == manifest["model_version"] and "suggestions" in pm["note"]

    code = main(["autocode", "evaluate", str(codings), "--texts", str(deid_mini), "--folds", "2", "--bootstrap", "50",
                 "--json", *READ_FLAGS])
    assert code == 0, capsys.readouterr().err
    res = json.loads(capsys.readouterr().out)
    assert [r["coders"] for r in res["model_vs_coders"]] == [["model", "coder_a"], ["model", "coder_b"]]
    assert res["coders_vs_coders"][0]["cohen_kappa"]["value"] > 0.5
    assert res["coverage"][0]["coverage"] == 1.0

    # the raw survey (no deid manifest) is refused, and nothing is written
    code = main(["autocode", "train", str(codings), "--texts", str(test_data / "codebook" / "mini_survey.csv"),
                 "--out", str(tmp_path / "raw_model"), *READ_FLAGS])
    assert code == 2 and "error[E241]" in capsys.readouterr().err
    assert not (tmp_path / "raw_model").exists()
    # a folder that is not a model
    code = main(["autocode", "predict", str(tmp_path), str(deid_mini), "--out", str(tmp_path / "p2.csv"), *READ_FLAGS])
    assert code == 2 and "error[E811]" in capsys.readouterr().err
