"""Hostile inputs outside the survey readers: configs, key files, coding tables, options, CSV outputs.

Each class of issue 12 has a test here (the readers' own are in
``test_reading_hostile.py``): deeply nested or self-containing YAML in every
config and codebook loader, key files that are folders or devices, a
group-readable key file warning on one line, agreement tables given the
same column twice / a corrupt Parquet / a folder, a confidence level outside
(0, 1), formula-like cells in tables meant for spreadsheets, and the
encoding of a read recorded in the manifest and shown even with ``-q``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from twoknow_text.cli import main
from twoknow_text.errors import ConfigError, DeidError, InputError, TwoknowError

DEEP = "[" * 3000 + "]" * 3000


# ------------------------------------------------------------ YAML


def _loaders():
    from twoknow_text.codebook import load_codebook
    from twoknow_text.config import load_yaml
    from twoknow_text.deid import load_deid_config
    from twoknow_text.reading import load_read_options
    from twoknow_text.themes import load_themes_config

    return [load_yaml, load_read_options, load_deid_config, load_themes_config, load_codebook]


@pytest.mark.parametrize("loader", _loaders(), ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "body",
    [f"text_cols: {DEEP}\n", f"{DEEP}\n", "a: " + "{b: " * 2000 + "1" + "}" * 2000 + "\n", "x: &a [*a]\n",
     "text_cols: " + "[" * 70 + "]" * 70 + "\n"],
    ids=["deep-list-value", "deep-top-level", "deep-mappings", "self-containing-anchor", "just-over-the-limit"],
)
def test_every_yaml_loader_refuses_absurd_nesting_with_e105(tmp_path: Path, loader, body: str) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        loader(path)
    assert exc.value.code == "E105"


def test_ordinary_nesting_still_loads(tmp_path: Path) -> None:
    from twoknow_text.config import load_yaml

    path = tmp_path / "ok.yaml"
    path.write_text("a:\n  b:\n    c: [1, [2, [3]]]\nshared: &s [1, 2]\nagain: *s\n", encoding="utf-8")
    assert load_yaml(path)["again"] == [1, 2]


# ------------------------------------------------------------ key files


def test_key_file_that_is_a_folder_or_a_device_is_not_reported_missing(tmp_path: Path) -> None:
    from twoknow_text.deid import load_key

    with pytest.raises(DeidError) as folder:
        load_key(tmp_path)
    assert folder.value.code == "E224" and "folder" in folder.value.message
    if Path("/dev/zero").exists():
        with pytest.raises(DeidError) as device:
            load_key("/dev/zero")  # would never finish if read
        assert device.value.code == "E224" and "not a regular file" in device.value.message
    with pytest.raises(DeidError) as missing:
        load_key(tmp_path / "absent.key")
    assert missing.value.code == "E223"


def test_huge_key_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    from twoknow_text.deid import load_key

    big = tmp_path / "big.key"
    big.write_bytes(b"ab" * 100_000)
    big.chmod(0o600)
    with pytest.raises(DeidError) as exc:
        load_key(big)
    assert exc.value.code == "E224" and "too large" in exc.value.message


def test_group_readable_key_file_warns_on_one_line(tmp_path: Path, capsys) -> None:
    from twoknow_text.deid import new_key_file

    key = tmp_path / "deid.key"
    new_key_file(key)
    os.chmod(key, 0o644)
    # The warning comes before the input is read; a missing input then stops the run.
    rc = main(["deid", str(tmp_path / "absent.csv"), "--text-col", "answer", "--out", str(tmp_path / "o.csv"),
               "--key-file", str(key)])
    err = capsys.readouterr().err
    assert rc == 2
    warnings = [ln for ln in err.splitlines() if "readable by other users" in ln]
    assert len(warnings) == 1 and warnings[0].startswith("warning: Key file deid.key is readable")
    assert "UserWarning" not in err and "warnings.warn" not in err and ".py:" not in err


def test_the_library_still_raises_a_python_warning(tmp_path: Path) -> None:
    from twoknow_text.deid import load_key, new_key_file

    key = tmp_path / "deid.key"
    new_key_file(key)
    os.chmod(key, 0o640)
    with pytest.warns(UserWarning, match="chmod 600"):
        load_key(key)


# ------------------------------------------------------------ agreement and report inputs


def test_reliability_data_with_one_column_for_two_roles_is_e025() -> None:
    from twoknow_text.agreement import reliability_data

    table = pd.DataFrame({"response_id": ["1", "1", "2", "2"], "coder": ["a", "b", "a", "b"],
                          "code": ["x", "x", "y", "x"]})
    for kw in ({"coder_col": "response_id"}, {"value_col": "coder"}, {"value_col": "response_id"}):
        args = {"unit_col": "response_id", "coder_col": "coder", "value_col": "code", **kw}
        with pytest.raises(InputError) as exc:
            reliability_data(table, **args)
        assert exc.value.code == "E025"


def test_read_table_file_codes_folder_and_corrupt_parquet(tmp_path: Path) -> None:
    from twoknow_text._io import read_table_file

    with pytest.raises(InputError) as folder:
        read_table_file(tmp_path)
    assert folder.value.code == "E002"
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really parquet")
    with pytest.raises(InputError) as corrupt:
        read_table_file(bad)
    assert corrupt.value.code == "E008"


@pytest.mark.parametrize("confidence", [1.5, 0.0, 1.0, -0.2, 95])
def test_frequency_report_refuses_a_confidence_outside_0_1(confidence: float) -> None:
    from twoknow_text.reporting._tables import check_confidence

    with pytest.raises(ConfigError) as exc:
        check_confidence(confidence)
    assert exc.value.code == "E106"
    check_confidence(0.95)  # fine


# ------------------------------------------------------------ spreadsheet safety


def test_spreadsheet_safe_prefixes_formula_starts_and_round_trips(tmp_path: Path) -> None:
    from twoknow_text._io import read_table_file, write_table

    cells = ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tlead tab", "\rlead cr", "plain", "'=quoted", "a=b"]
    df = pd.DataFrame({"label": cells, "alpha": [-0.5] * len(cells)})
    path = write_table(df, tmp_path / "t.csv", for_people=True)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert raw["label"].tolist() == ["'" + c if c[0] in "=+-@\t\r" or c.startswith("'=") else c for c in cells]
    assert raw["alpha"].tolist() == ["-0.5"] * len(cells)  # numbers stay numbers
    assert read_table_file(path)["label"].tolist() == cells
    exact = write_table(df, tmp_path / "data.csv")  # a data table keeps exact text
    assert pd.read_csv(exact, dtype=str, keep_default_na=False)["label"].tolist() == cells


def test_agreement_tables_for_people_are_neutralised(tmp_path: Path, capsys) -> None:
    table = tmp_path / "codings.csv"
    rows = ["response_id,coder,code"]
    for i in range(12):
        rows += [f"R{i},ana,=cmd{i % 2}", f"R{i},ben,{'=cmd0' if i % 3 else '@other'}"]
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "agr"
    assert main(["agreement", str(table), "--bootstrap", "0", "--out", str(out)]) == 0
    dis = pd.read_csv(out / "disagreements.csv", dtype=str, keep_default_na=False)
    values = set(dis.to_numpy().ravel())
    assert not any(v.startswith(("=", "@")) for v in values)
    assert any(v.startswith(("'=", "'@")) for v in values)


def test_codebook_csv_export_is_neutralised(tmp_path: Path) -> None:
    from twoknow_text.codebook import export_csv, load_codebook

    cb = load_codebook()
    code = cb.codes[0].model_copy(update={"label": "=1+1 formula-like label", "definition": "-starts with minus"})
    cb = cb.model_copy(update={"codes": [code, *cb.codes[1:]]})
    path = export_csv(cb, tmp_path / "cb.csv")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert raw.loc[0, "label"] == "'=1+1 formula-like label"
    assert raw.loc[0, "definition"] == "'-starts with minus"


# ------------------------------------------------------------ the read in manifests and on the console


@pytest.mark.slow
def test_deid_manifest_records_the_encoding_and_quiet_still_shows_a_guess(tmp_path: Path, capsys) -> None:
    src = tmp_path / "fi.csv"
    lines = ["id,answer"] + [f"R{i},Tunsin itseni yksinäiseksi ja käytän aikaa yksin {i}" for i in range(8)]
    src.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    out = tmp_path / "out.csv"
    rc = main(["deid", str(src), "--text-col", "answer", "--id-col", "id", "--out", str(out), "-q"])
    err = capsys.readouterr().err
    assert rc == 0
    assert "decoded as cp1252 (detected, confidence 1.00)" in " ".join(err.split())
    from twoknow_text.deid.pipeline import manifest_path_for

    read = json.loads(manifest_path_for(out).read_text(encoding="utf-8"))["read"]
    assert read["encoding"] == "cp1252" and read["encoding_source"] == "detected"
    assert read["encoding_confidence"] == 1.0
    assert read["rows_in"] == 8 and read["kept"] == 8
    assert "yksinäiseksi" in pd.read_csv(out)["answer"].iloc[0]


def test_assorted_hostile_files_give_coded_errors_or_accounted_reads(tmp_path: Path) -> None:
    """None of these escapes as a non-coded exception; a read that succeeds accounts for every answer."""
    from twoknow_text.reading import read_survey

    cases = {
        "a.csv": b'id,answer\n1,"never closed\n2,x\n',
        "b.csv": b"\xff\xfe\x00\x00garbage",
        "c.tsv": b"id\tanswer\r1\tok\r2\t\"multi\rline\"\r",
        "d.jsonl": b'{"id": 1, "answer": [1, {"x": ' + b"[" * 5000 + b"]" * 5000 + b"}]}\n",
        "e.xlsx": b"not a zip",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        try:
            _, report = read_survey(path, id_col="id", text_cols="answer")
        except TwoknowError:
            continue
        assert report.answers_in == report.kept + len(report.skipped)
