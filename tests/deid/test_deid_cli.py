"""`twoknow deid` end to end: canaries, keys, shapes, manifest and coded errors."""

from __future__ import annotations

import csv
import json
import os
import stat

import pandas as pd
import pytest

from twoknow_text.cli import main
from twoknow_text.deid import verify_deidentified
from twoknow_text.deid.planted import NER_KINDS, STRUCTURED_KINDS, make_planted_set
from twoknow_text.deid.pseudonyms import PLACEHOLDER_RE, load_key, new_key_file
from twoknow_text.errors import DeidError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def planted_csv(tmp_path_factory):
    """A long-form export: every identifier kind planted, plus clean platform answers."""
    recs = make_planted_set(90, seed=5)
    path = tmp_path_factory.mktemp("in") / "answers.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["rid", "answer", "wave"])
        for i, r in enumerate(recs):
            w.writerow([f"R{i:03d}", r.text, i % 3])
    return path, recs


@pytest.fixture(scope="module")
def key_path(tmp_path_factory):
    return new_key_file(tmp_path_factory.mktemp("key") / "deid.key")


@pytest.fixture(scope="module")
def run_with_key(planted_csv, key_path, tmp_path_factory):
    src, _ = planted_csv
    out = tmp_path_factory.mktemp("out") / "deid.csv"
    rep = out.with_name("report.json")
    rc = main([
        "deid", str(src), "--text-col", "answer", "--id-col", "rid", "--out", str(out),
        "--key-file", str(key_path), "--report", str(rep), "--quiet",
    ])
    assert rc == 0
    return out, rep


def _all_output_text(*paths) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in paths if p.exists())


def test_canary_no_planted_identifier_survives(planted_csv, run_with_key):
    _, recs = planted_csv
    out, rep = run_with_key
    text = _all_output_text(out, rep, out.with_name(out.name + ".manifest.json"))
    leaked = [(r.kind, g.entity_type) for r in recs if r.kind in STRUCTURED_KINDS or r.kind == "multi"
              for g in r.spans if g.entity_type not in {"PERSON", "LOCATION", "ORGANIZATION"} and g.value in text]
    assert not leaked
    names = [g.value for r in recs for g in r.spans if g.entity_type in ("PERSON", "LOCATION")]
    assert len(names) >= 5
    assert sum(n not in text for n in names) / len(names) >= 0.9
    assert any(r.kind in NER_KINDS for r in recs)


def test_output_shape_and_manifest(planted_csv, run_with_key):
    src, recs = planted_csv
    out, rep = run_with_key
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(df.columns) == ["rid", "answer", "wave"]
    assert list(df["rid"]) == [f"R{i:03d}" for i in range(len(recs))]
    clean_in = [r.text for r in recs if r.kind == "clean"]
    assert sum(t in set(df["answer"]) for t in clean_in) / len(clean_in) >= 0.95
    manifest = verify_deidentified(out)
    assert manifest["stage"] == "deid" and manifest["deidentified_by"] == "twoknow_text"
    assert manifest["key_source"] == "file"
    assert manifest["n_answers"] == len(recs)
    report = json.loads(rep.read_text())
    assert report["n_answers"] == len(recs) and report["key_source"] == "file"
    assert set(report["counts_by_type"]) >= {"EMAIL_ADDRESS", "ONION_ADDRESS", "CRYPTO_WALLET"}


def test_key_never_written(key_path, run_with_key):
    out, rep = run_with_key
    key = load_key(key_path)
    for p in (out, rep, out.with_name(out.name + ".manifest.json")):
        raw = p.read_bytes()
        assert key not in raw
        assert key.hex().encode() not in raw.lower()
        assert key.hex()[:16].encode() not in raw.lower()


def test_same_key_same_output_other_key_differs(planted_csv, key_path, run_with_key, tmp_path):
    src, _ = planted_csv
    out1, _ = run_with_key
    out2 = tmp_path / "again.csv"
    assert main(["deid", str(src), "--text-col", "answer", "--id-col", "rid", "--out", str(out2),
                 "--key-file", str(key_path), "--quiet"]) == 0
    assert out1.read_bytes() == out2.read_bytes()
    out3 = tmp_path / "other.csv"
    assert main(["deid", str(src), "--text-col", "answer", "--id-col", "rid", "--out", str(out3),
                 "--new-key-file", str(tmp_path / "other.key"), "--quiet"]) == 0
    a = pd.read_csv(out1, dtype=str, keep_default_na=False)["answer"]
    b = pd.read_csv(out3, dtype=str, keep_default_na=False)["answer"]
    pa = [PLACEHOLDER_RE.sub(lambda m: m.group(0).rsplit("_", 1)[0] + "]", t) for t in a]
    pb = [PLACEHOLDER_RE.sub(lambda m: m.group(0).rsplit("_", 1)[0] + "]", t) for t in b]
    assert pa == pb  # same spans replaced ...
    assert list(a) != list(b)  # ... with other codes


def test_wide_input_is_written_back_wide_and_plain_parquet(tmp_path, capsys):
    src = tmp_path / "wide.csv"
    pd.DataFrame({
        "respondent_id": ["p1", "p2", "p3"],
        "age_group": ["18-24", "25-34", "35-44"],
        "q1": ["I was lonely. Mail fox@example.org", "Curiosity at first.", ""],
        "q2": ["Telegram every week.", "My therapist Maria Korhonen helped.", "Tor at night."],
    }).to_csv(src, index=False)
    out = tmp_path / "wide_deid.parquet"
    rc = main(["deid", str(src), "--text-col", "q1", "--text-col", "q2", "--id-col", "respondent_id",
               "--out", str(out), "--plain"])
    assert rc == 0
    err = capsys.readouterr().err
    assert "random key" not in err  # plain mode needs no key
    assert "fox@example.org" not in err and "Korhonen" not in err
    df = pd.read_parquet(out)
    assert list(df.columns) == ["respondent_id", "age_group", "q1", "q2"]
    assert list(df["respondent_id"]) == ["p1", "p2", "p3"]
    assert df.loc[0, "q1"] == "I was lonely. Mail [EMAIL_ADDRESS]"
    assert df.loc[1, "q2"] == "My therapist [PERSON] helped."
    assert df.loc[0, "q2"] == "Telegram every week." and df.loc[2, "q1"] == ""
    verify_deidentified(out)


def test_without_key_warns(planted_csv, tmp_path, capsys):
    src, _ = planted_csv
    rc = main(["deid", str(src), "--text-col", "answer", "--id-col", "rid", "--out", str(tmp_path / "o.csv")])
    assert rc == 0
    err = capsys.readouterr().err
    assert "random key" in err and "this run only" in err
    assert json.loads((tmp_path / "o.csv.manifest.json").read_text())["key_source"] == "ephemeral"


def test_new_key_file_alone(tmp_path):
    assert main(["deid", "--new-key-file", str(tmp_path / "k.key")]) == 0
    assert stat.S_IMODE(os.stat(tmp_path / "k.key").st_mode) == 0o600
    assert len(load_key(tmp_path / "k.key")) == 32


def test_verify_detects_changes_and_missing_manifest(run_with_key, tmp_path):
    out, _ = run_with_key
    copy = tmp_path / "copy.csv"
    copy.write_bytes(out.read_bytes())
    with pytest.raises(DeidError) as e:
        verify_deidentified(copy)
    assert e.value.code == "E241"
    (tmp_path / "copy.csv.manifest.json").write_bytes(out.with_name(out.name + ".manifest.json").read_bytes())
    verify_deidentified(copy)
    with open(copy, "a", encoding="utf-8") as fh:
        fh.write("R999,raw text added later,0\n")
    with pytest.raises(DeidError) as e:
        verify_deidentified(copy)
    assert e.value.code == "E244"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--text-col", "answer", "--id-col", "rid"], "E252"),  # no --out
        (["--text-col", "answer", "--id-col", "rid", "--out", "OUT.txt"], "E226"),
        (["--text-col", "answer", "--id-col", "rid", "--out", "OUT.csv", "--key-file", "missing.key"], "E223"),
        (["--text-col", "answer", "--id-col", "rid", "--out", "OUT.csv", "--config", "CFG"], "E104"),
        (["--text-col", "nope", "--id-col", "rid", "--out", "OUT.csv"], "E0"),
    ],
)
def test_user_mistakes_are_one_line_coded_errors(planted_csv, tmp_path, capsys, args, code):
    src, recs = planted_csv
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("deid:\n  mode: pseudonym\n  languages_typo: [en]\n")
    args = [a.replace("OUT", str(tmp_path / "o")).replace("CFG", str(cfg)).replace("missing.key", str(tmp_path / "m.key"))
            for a in args]
    rc = main(["deid", str(src), *args])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    lines = [ln for ln in err.splitlines() if ln.startswith("error[")]
    assert len(lines) == 1 and lines[0].startswith(f"error[{code}"), err
    assert "Traceback" not in err
    assert not any(g.value in err for r in recs for g in r.spans)
    assert not list(tmp_path.glob("o*"))  # no partial output
