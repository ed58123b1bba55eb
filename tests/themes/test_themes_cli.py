"""`twoknow themes` end to end on a small CSV (real reader, de-identification, embedder)."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from themes_synth import make_answers
from twoknow_text.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    texts, _ = make_answers(120, seed=3)
    d = tmp_path_factory.mktemp("survey")
    path = d / "answers.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "answer", "wave"])
        for i, t in enumerate(texts):
            w.writerow([f"A{i:03d}", t, 1 + i % 2])
    return path


def test_themes_command_writes_all_outputs(survey, tmp_path, capsys):
    out = tmp_path / "out"
    cfg = tmp_path / "themes.yaml"
    cfg.write_text("use_keybert: false\ntime_column: wave\nsave_model: true\n", encoding="utf-8")
    rc = main(["themes", str(survey), "--text-col", "answer", "--id-col", "id", "--out", str(out), "--seed", "3", "--config", str(cfg)])
    assert rc == 0, capsys.readouterr().err
    a = pd.read_csv(out / "assignments.csv", dtype={"response_id": str})
    assert list(a.columns) == ["response_id", "theme_id", "theme_label", "probability"]
    assert len(a) == 120 and a.response_id.iloc[0] == "A000"
    t = pd.read_csv(out / "themes.csv")
    assert {"theme_id", "label", "top_words", "size", "representative_1", "representative_2", "representative_3"} <= set(t.columns)
    assert t["size"].sum() == 120
    m = json.loads((out / "manifest.json").read_text())
    assert m["command"] == "themes" and m["seeds"]["random_state"] == 3
    assert m["inputs"][0]["path"] == "answers.csv" and len(m["inputs"][0]["sha256"]) == 64
    assert m["deidentified_by"] == "twoknow_text.deid"
    assert "bertopic" in m["versions"] and "embed" in m["timings_s"]
    assert (out / "report.html").stat().st_size > 100_000
    assert (out / "model" / "theme_model.json").is_file()
    # no temporary files left behind
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]


def test_already_deidentified_skips_deid(survey, tmp_path):
    out = tmp_path / "out"
    cfg = tmp_path / "themes.yaml"
    cfg.write_text("use_keybert: false\n", encoding="utf-8")
    rc = main(["themes", str(survey), "--text-col", "answer", "--id-col", "id", "--out", str(out), "--config", str(cfg), "--already-deidentified"])
    assert rc == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["deidentified_by"].startswith("user")


def test_unknown_config_key(survey, tmp_path, capsys):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("min_cluster_sise: 5\n", encoding="utf-8")
    rc = main(["themes", str(survey), "--text-col", "answer", "--id-col", "id", "--out", str(tmp_path / "o"), "--config", str(cfg)])
    err = capsys.readouterr().err
    assert rc == 2 and "E104" in err and "min_cluster_sise" in err
    assert not (tmp_path / "o").exists()


def test_missing_model_path(survey, tmp_path, capsys):
    rc = main(["themes", str(survey), "--text-col", "answer", "--id-col", "id", "--out", str(tmp_path / "o"), "--model", str(tmp_path / "nope")])
    err = capsys.readouterr().err
    assert rc == 2 and "error[E300]" in err


def test_too_few_answers(tmp_path, capsys):
    p = tmp_path / "few.csv"
    p.write_text("id,answer\n" + "".join(f"{i},I felt lonely number {i}\n" for i in range(5)), encoding="utf-8")
    rc = main(["themes", str(p), "--text-col", "answer", "--id-col", "id", "--out", str(tmp_path / "o"), "--already-deidentified"])
    err = capsys.readouterr().err
    assert rc == 2 and "error[E400]" in err
    assert "lonely" not in err  # no answer text in errors
