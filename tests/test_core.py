"""The shared core: errors, atomic IO, config loading, manifests, offline env."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from twoknow_text import ConfigError, InputError, TwoknowError
from twoknow_text._io import atomic_open, read_table_file, write_json, write_table
from twoknow_text.config import StrictModel, load_config
from twoknow_text.manifest import build_manifest, write_manifest


class _Cfg(StrictModel):
    seed: int = 0
    min_cluster_size: int = 10


def test_error_carries_code_and_one_line_message():
    err = InputError("E001", "File not found: x.csv")
    assert err.code == "E001" and str(err) == "[E001] File not found: x.csv"
    assert isinstance(err, TwoknowError) and err.exit_code == 2


def test_atomic_open_leaves_no_partial_file_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError):
        with atomic_open(target) as fh:
            fh.write("half")
            raise RuntimeError("boom")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone too


def test_atomic_open_keeps_previous_version_on_failure(tmp_path):
    target = tmp_path / "out.json"
    write_json({"v": 1}, target)
    with pytest.raises(RuntimeError):
        with atomic_open(target) as fh:
            fh.write("{broken")
            raise RuntimeError("boom")
    assert json.loads(target.read_text()) == {"v": 1}


@pytest.mark.parametrize("name", ["t.csv", "t.parquet"])
def test_write_table_round_trips(tmp_path, name):
    df = pd.DataFrame({"response_id": ["a", "b"], "text": ["x", "y"]})
    write_table(df, tmp_path / name)
    assert read_table_file(tmp_path / name).equals(df)


def test_write_table_rejects_unknown_extension(tmp_path):
    with pytest.raises(InputError) as ei:
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.xlsx")
    assert ei.value.code == "E010"
    assert not (tmp_path / "t.xlsx").exists()


def test_config_unknown_key_is_named_with_suggestion(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("seed: 3\nmin_clustr_size: 5\n")
    with pytest.raises(ConfigError) as ei:
        load_config(_Cfg, p)
    assert ei.value.code == "E104"
    assert "min_clustr_size" in ei.value.message and "min_cluster_size" in ei.value.message


def test_config_overrides_and_missing_file(tmp_path):
    assert load_config(_Cfg, {"seed": 1}, seed=7).seed == 7
    with pytest.raises(ConfigError) as ei:
        load_config(_Cfg, tmp_path / "nope.yaml")
    assert ei.value.code == "E101"


def test_config_bad_yaml(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("seed: [1,\n")
    with pytest.raises(ConfigError) as ei:
        load_config(_Cfg, p)
    assert ei.value.code == "E102"


def test_manifest_hashes_inputs_and_records_versions(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"id,text\n1,hello\n")
    m = build_manifest(command="test", inputs=[src], config={"seed": 1}, seeds={"seed": 1})
    import hashlib

    assert m["inputs"][0]["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert "pandas" in m["versions"] and m["seeds"] == {"seed": 1}
    out = write_manifest(tmp_path / "manifest.json", command="test", inputs=[src])
    assert json.loads(out.read_text())["command"] == "test"


def test_import_sets_offline_environment():
    code = "import os, twoknow_text; print(os.environ['HF_HUB_OFFLINE'], os.environ['ORT_DISABLE_TELEMETRY'])"
    env = {k: v for k, v in os.environ.items() if k not in {"HF_HUB_OFFLINE", "ORT_DISABLE_TELEMETRY"}}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "1"]


def test_package_namespace_is_lazy_and_complete():
    code = (
        "import sys, twoknow_text as tk\n"
        "assert 'torch' not in sys.modules and 'presidio_analyzer' not in sys.modules\n"
        "missing = [n for n in tk.__all__ if getattr(tk, n, None) is None]\n"
        "assert not missing, missing\n"
        "print(len(tk.__all__))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert int(out.stdout) >= 40


def test_unknown_package_attribute_is_an_attribute_error():
    import twoknow_text

    with pytest.raises(AttributeError):
        twoknow_text.no_such_name  # noqa: B018
