"""`twoknow agreement`: one JSON object, readable table, coded errors, outputs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from twoknow_text.agreement import simulate_codings
from twoknow_text.cli import main

NUMERIC = ("krippendorff_alpha", "fleiss_kappa", "gwet_ac1", "brennan_prediger", "percent_agreement")


@pytest.fixture()
def single_csv(tmp_path):  # noqa: ANN001, ANN201
    rows = []
    values = {"c1": [1, 2, 3, 3, 2, 1, 4, 1, 2], "c2": [1, 2, 3, 3, 2, 2, 4, 1, 2]}
    for coder, vals in values.items():
        rows += [{"response_id": f"r{i}", "coder": coder, "value": v} for i, v in enumerate(vals)]
    rows.append({"response_id": "r99", "coder": "c1", "value": 3})  # unpairable
    p = tmp_path / "codings.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    return p


def test_json_is_one_object_with_the_agreed_fields(single_csv, capsys) -> None:  # noqa: ANN001
    rc = main([
        "agreement", str(single_csv), "--unit-col", "response_id", "--coder-col", "coder", "--value-col", "value",
        "--level", "ordinal", "--json", "--bootstrap", "200", "--seed", "3",
    ])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)  # exactly one JSON document
    for name in (*NUMERIC, "cohen_kappa"):
        assert isinstance(out[name], float)
        lo, hi = out["ci"][name]
        assert lo <= out[name] <= hi
    assert out["n_unpairable"] == 1 and out["level"] == "ordinal"
    assert "per_code" not in out


def test_multi_label_json_has_per_code_and_no_cohen_for_three_coders(tmp_path, capsys) -> None:  # noqa: ANN001
    p = tmp_path / "ml.csv"
    df = simulate_codings(120, 3, 5, seed=1)
    df.to_csv(p, index=False)
    rc = main(["agreement", str(p), "--unit-col", "unit", "--coder-col", "coder", "--value-col", "code",
               "--multi-label", "--json", "--bootstrap", "100"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert "cohen_kappa" not in out
    assert all(isinstance(out[n], float) for n in NUMERIC)
    assert [r["code"] for r in out["per_code"]] == sorted(set(df["code"]) - {""})
    assert {"code", "prevalence", "krippendorff_alpha", "krippendorff_alpha_low", "flag"} <= set(out["per_code"][0])


def test_table_output_and_files(tmp_path, capsys) -> None:  # noqa: ANN001
    p = tmp_path / "ml.csv"
    simulate_codings(80, 2, 3, seed=4, with_times=True).to_csv(p, index=False)
    out_dir = tmp_path / "out"
    rc = main(["agreement", str(p), "--unit-col", "unit", "--coder-col", "coder", "--value-col", "code",
               "--multi-label", "--bootstrap", "50", "--out", str(out_dir), "--time-col", "coded_at"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "krippendorff_alpha" in text and "Per code" in text
    for name in ("agreement.json", "per_code.csv", "pairwise.csv", "disagreements.csv", "drift.csv",
                 "per_code_alpha.html", "coder_heatmap.html", "manifest.json"):
        assert (out_dir / name).is_file(), name
    assert "cdn.plot.ly" not in (out_dir / "coder_heatmap.html").read_text(encoding="utf-8")[:2000]


def test_one_coder_is_a_coded_error(tmp_path, capsys) -> None:  # noqa: ANN001
    p = tmp_path / "one.csv"
    pd.DataFrame({"response_id": ["a", "b"], "coder": ["x", "x"], "code": ["1", "2"]}).to_csv(p, index=False)
    rc = main(["agreement", str(p), "--json"])
    assert rc == 2
    assert "error[E603]" in capsys.readouterr().err


def test_codebook_option(tmp_path, capsys) -> None:  # noqa: ANN001
    p = tmp_path / "c.csv"
    pd.DataFrame({"response_id": ["a", "a", "b", "b"], "coder": ["x", "y"] * 2,
                  "code": ["bar_guilt_shame", "invented", "bar_guilt_shame", "bar_guilt_shame"]}).to_csv(p, index=False)
    cb = tmp_path / "codes.txt"
    cb.write_text("bar_guilt_shame\nbar_help_seeking\n", encoding="utf-8")
    assert main(["agreement", str(p), "--codebook", str(cb), "--json"]) == 2
    assert "error[E606]" in capsys.readouterr().err
    assert main(["agreement", str(p), "--codebook", str(cb), "--on-unknown", "record", "--json",
                 "--bootstrap", "0"]) == 0
    assert json.loads(capsys.readouterr().out)["unknown_codes"] == {"invented": 1}
