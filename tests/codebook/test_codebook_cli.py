"""`twoknow codebook ...` and `twoknow report`, run in-process through the real entry point."""

from __future__ import annotations

import json
import zipfile

import pandas as pd
import pytest
import yaml

from twoknow_text.cli import main
from twoknow_text.codebook import default_codebook_path, import_qdc, load_codebook

TEXT_COLS = ["q1_led_to_it", "q2_made_easier", "q3_situations", "q4_stops_you"]
READ_FLAGS = ["--id-col", "respondent_id", "--language-col", "language"] + [x for c in TEXT_COLS for x in ("--text-col", c)]


def test_init_validate_and_overwrite_guard(tmp_path, capsys):
    out = tmp_path / "cb.yaml"
    assert main(["codebook", "init", "--out", str(out)]) == 0
    assert out.read_bytes() == default_codebook_path().read_bytes()
    assert main(["codebook", "init", "--out", str(out)]) == 2
    assert "error[E760]" in capsys.readouterr().err
    assert main(["codebook", "init", "--out", str(out), "--force"]) == 0
    assert main(["codebook", "validate", str(out)]) == 0
    assert "OK: 2know version 1.0, 23 codes." in capsys.readouterr().out
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    data["codes"][1]["category"] = "nowhere"
    out.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["codebook", "validate", str(out)]) == 2
    err = capsys.readouterr().err
    assert "error[E704]" in err and "mot_emotional_regulation" in err


def test_export_formats_and_import(tmp_path, capsys):
    cb_path = default_codebook_path()
    for fmt in ("md", "csv", "qdc"):
        out = tmp_path / f"cb.{fmt}"
        assert main(["codebook", "export", str(cb_path), "--format", fmt, "--out", str(out)]) == 0
        assert out.stat().st_size > 1000
    md = (tmp_path / "cb.md").read_text(encoding="utf-8")
    assert md.startswith("# Codebook: 2know (version 1.0)")
    assert "## Situational factors" in md and "`sit_loneliness_boredom`" in md and "**Exclude when:**" in md
    table = pd.read_csv(tmp_path / "cb.csv")
    assert len(table) == 23 and list(table.columns[:4]) == ["code", "label", "category", "category_label"]
    back = tmp_path / "back.yaml"
    assert main(["codebook", "import", str(tmp_path / "cb.qdc"), "--out", str(back)]) == 0
    assert load_codebook(back) == load_codebook()
    assert import_qdc(tmp_path / "cb.qdc") == load_codebook()
    assert main(["codebook", "export", str(cb_path), "--format", "docx", "--out", str(tmp_path / "x")]) == 2
    assert "error[E740]" in capsys.readouterr().err
    assert main(["codebook", "export", str(cb_path), "--format", "qdpx", "--out", str(tmp_path / "x.qdpx")]) == 2
    assert "error[E741]" in capsys.readouterr().err


def test_revise_writes_codebook_table_final_and_manifest(tmp_path, capsys):
    cb = load_codebook()
    ag = pd.DataFrame({"code": cb.ids, "alpha": [0.5 if c.endswith("_other") else 0.82 for c in cb.ids]})
    ag_path = tmp_path / "agreement.csv"
    ag.to_csv(ag_path, index=False)
    out, final = tmp_path / "revised.yaml", tmp_path / "final.yaml"
    code = main(["codebook", "revise", str(default_codebook_path()), "--agreement", str(ag_path), "--out", str(out),
                 "--final", str(final), "--threshold", "0.7"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "revise=4" in printed and "keep=19" in printed
    revised = load_codebook(out)
    assert revised.get("mot_other").status == "candidate"
    assert revised.get("mot_other").history[-1].agreement == pytest.approx(0.5)
    assert len(load_codebook(final).codes) == 19
    table = pd.read_csv(tmp_path / "revised.revision.csv")
    assert set(table["action"]) == {"keep", "revise"}
    manifest = json.loads((tmp_path / "revised.manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["threshold"] == 0.7 and len(manifest["inputs"]) == 2


@pytest.mark.slow
def test_from_themes_cli(tmp_path, test_data, capsys):
    out = tmp_path / "with_candidates.yaml"
    code = main(["codebook", "from-themes", str(test_data / "codebook" / "mini_themes.csv"), "--out", str(out),
                 "--min-size", "5"])
    assert code == 0, capsys.readouterr().err
    cb = load_codebook(out)
    assert len([c for c in cb.codes if c.status == "candidate"]) == 5
    sugg = pd.read_csv(tmp_path / "with_candidates.suggestions.csv")
    assert sugg.loc[sugg["theme_id"] == 2, "suggested_category"].item() == "facilitators"


@pytest.fixture(scope="module")
def deid_mini(tmp_path_factory, test_data):
    """The mini survey through the real de-identification (spaCy + Presidio)."""
    from twoknow_text.deid import deidentify_file

    d = tmp_path_factory.mktemp("deid")
    out = d / "mini_deid.csv"
    deidentify_file(test_data / "codebook" / "mini_survey.csv", out, text_cols=TEXT_COLS, id_col="respondent_id",
                    format="wide", language_col="language")
    return out


@pytest.mark.slow
def test_report_and_qdpx_from_deidentified_file(tmp_path, test_data, deid_mini, capsys):
    codings = test_data / "codebook" / "mini_codings.csv"
    out_dir = tmp_path / "report"
    code = main(["report", "--codings", str(codings), "--corpus", str(deid_mini), "--out", str(out_dir),
                 "--coder", "coder_a", "--by", "question_id", "--by", "language", *READ_FLAGS])
    assert code == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "single coder 'coder_a'" in printed and "Barriers" in printed
    freq = pd.read_csv(out_dir / "frequencies.csv")
    cur = freq[freq["id"] == "mot_curiosity"].iloc[0]
    assert (cur["n_respondents"], cur["respondents_total"]) == (3, 8)
    assert (out_dir / "report.html").stat().st_size > 1_000_000
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["stage"] == "report" and manifest["source"].startswith("single coder")
    assert manifest["read"]["encoding"] == "utf-8" and manifest["read"]["encoding_confidence"] == 1.0

    qdpx = tmp_path / "project.qdpx"
    code = main(["codebook", "export", str(default_codebook_path()), "--format", "qdpx", "--out", str(qdpx),
                 "--corpus", str(deid_mini), "--codings", str(codings), "--input-format", "wide", *READ_FLAGS])
    assert code == 0, capsys.readouterr().err
    with zipfile.ZipFile(qdpx) as zf:
        texts = [zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("sources/")]
    assert len(texts) == 30
    assert not any("kalle.virtanen@example.com" in t for t in texts), "raw identifier reached the .qdpx"
    assert any("I was very lonely" in t for t in texts)
    export_manifest = json.loads((tmp_path / "project.qdpx.manifest.json").read_text(encoding="utf-8"))
    assert export_manifest["read"]["rows_in"] > 0 and export_manifest["read"]["encoding_source"] == "utf-8"

    # the raw survey (no deid manifest) is refused
    code = main(["codebook", "export", str(default_codebook_path()), "--format", "qdpx", "--out", str(tmp_path / "raw.qdpx"),
                 "--corpus", str(test_data / "codebook" / "mini_survey.csv"), "--codings", str(codings), *READ_FLAGS])
    assert code == 2 and "error[E241]" in capsys.readouterr().err
    assert not (tmp_path / "raw.qdpx").exists()
