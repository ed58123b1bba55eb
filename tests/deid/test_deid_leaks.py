"""What a `twoknow deid` run writes besides the de-identified text: no deny-list term, a column record."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from twoknow_text.cli import main
from twoknow_text.deid import DeidConfig
from twoknow_text.deid.columns import classify_values, column_sha256
from twoknow_text.deid.pipeline import manifest_config
from twoknow_text.deid.pseudonyms import new_key_file

pytestmark = pytest.mark.slow

TERM = "Kettuvaara"  # a made-up nickname the team wants gone wherever it appears
SECOND = "Sammalpolku"


@pytest.fixture(scope="module")
def raw_and_config(tmp_path_factory):
    d = tmp_path_factory.mktemp("in")
    src = d / "answers.csv"
    pd.DataFrame({
        "rid": ["R1", "R2", "R3", "R4"],
        "answer": [f"I felt lonely and {TERM} knew it.", "Curiosity at first, then a habit.",
                   f"Fear of getting caught by {TERM.lower()} or at {SECOND}.", "Stress at work."],
        "age_group": ["18-24", "25-34", "18-24", "35-44"],
        "comment": ["my psychologist said it would help to write it down", "", "no", ""],
        "contact": ["someone@example.org", "", "", ""],
    }).to_csv(src, index=False)
    cfg = d / "deid.yaml"
    cfg.write_text(f"deid:\n  deny_list: [{TERM}, {SECOND}]\n", encoding="utf-8")
    return src, cfg


@pytest.mark.parametrize("with_key", [True, False])
def test_deny_list_terms_appear_in_no_output_file(raw_and_config, tmp_path, with_key):
    src, cfg = raw_and_config
    out_dir = tmp_path / "out"
    key = [] if not with_key else ["--key-file", str(new_key_file(tmp_path / "k" / "deid.key"))]
    assert main(["deid", str(src), "--text-col", "answer", "--id-col", "rid", "--out", str(out_dir / "deid.csv"),
                 "--config", str(cfg), "--report", str(out_dir / "report.json"), "--quiet", *key]) == 0
    files = sorted(p for p in out_dir.rglob("*") if p.is_file())
    assert {p.name for p in files} >= {"deid.csv", "deid.csv.manifest.json", "report.json"}
    for p in files:
        raw = p.read_bytes().lower()
        for term in (TERM, SECOND):
            assert term.lower().encode() not in raw, f"a deny-list term is in {p.name}"
    manifest = json.loads((out_dir / "deid.csv.manifest.json").read_text(encoding="utf-8"))
    deny = manifest["config"]["deny_list"]
    assert deny["n_terms"] == 2
    if with_key:
        assert len(deny["hmac_sha256"]) == 64
    else:
        assert deny["hmac_sha256"] is None  # an ephemeral key: a digest nobody could check
    assert manifest["counts_by_type"].get("DENY_LIST", 0) >= 3


def test_manifest_digest_is_keyed_and_order_free(tmp_path):
    k1, k2 = b"\x01" * 32, b"\x02" * 32
    a = manifest_config(DeidConfig(deny_list=[TERM, SECOND]), k1)["deny_list"]
    b = manifest_config(DeidConfig(deny_list=[SECOND.upper(), TERM]), k1)["deny_list"]
    c = manifest_config(DeidConfig(deny_list=[TERM, SECOND]), k2)["deny_list"]
    assert a == b and a["hmac_sha256"] != c["hmac_sha256"]
    assert manifest_config(DeidConfig(allow_list=["Telegram"]))["allow_list"] == ["Telegram"]  # kept: never redacted


def test_manifest_records_which_columns_were_deidentified(raw_and_config, tmp_path, capsys):
    src, _ = raw_and_config
    out = tmp_path / "deid.csv"
    assert main(["deid", str(src), "--text-col", "answer", "--id-col", "rid", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "'comment' (free text)" in err and "'contact' (identifier-like)" in err  # said, without the values
    assert "someone@example.org" not in err
    cols = json.loads(out.with_name("deid.csv.manifest.json").read_text(encoding="utf-8"))["columns"]
    assert cols["format"] == "long"
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert cols["deidentified"] == {"answer": column_sha256(frame["answer"].tolist())}
    assert cols["passed_through"] == {
        "rid": {"role": "id", "kind": "structured"},
        "age_group": {"role": "metadata", "kind": "structured"},
        "comment": {"role": "metadata", "kind": "free_text"},
        "contact": {"role": "metadata", "kind": "identifier_like"},
    }


def test_wide_files_record_every_question_column(tmp_path):
    from twoknow_text.deid import deidentify_file

    src = tmp_path / "wide.csv"
    pd.DataFrame({"pid": ["p1", "p2"], "lang": ["en", "fi"], "q1": ["I was lonely.", "Curiosity."],
                  "q2": ["Fear of getting caught.", ""]}).to_csv(src, index=False)
    res = deidentify_file(src, tmp_path / "out.csv", text_cols=["q1", "q2"], id_col="pid", format="wide",
                          language_col="lang")
    assert set(res.columns["deidentified"]) == {"q1", "q2"}
    assert res.columns["passed_through"] == {"pid": {"role": "id", "kind": "structured"},
                                             "lang": {"role": "language", "kind": "structured"}}
    assert res.unsafe_columns() == {}


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["18-24", "25-34", None, float("nan")], "structured"),
        (["2024-03-01T10:00:00", "2024-03-02T11:30:00"], "structured"),
        (["United Kingdom", "Finland", "Estonia"], "structured"),
        ([f"R_{i:08x}" for i in range(200)], "structured"),  # platform ids: many, but not words
        ([f"Respondentname{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(120)], "free_text"),  # names
        (["a few words typed by the respondent here"], "free_text"),
        (["x" * 41], "free_text"),
        (["see www.example.org"], "identifier_like"),
        (["+358 40 123 4567"], "identifier_like"),
        (["@somehandle"], "identifier_like"),
    ],
)
def test_column_kinds(values, kind):
    assert classify_values(values) == kind
