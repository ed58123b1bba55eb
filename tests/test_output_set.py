"""Output sets land whole, stale temporaries are cleaned, bad output paths fail before the work."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from twoknow_text._interrupt import deferred, handlers_installed
from twoknow_text._io import (
    PART_PREFIX,
    check_output_paths,
    clean_stale_parts,
    output_set,
    verify_output_set,
    write_table,
)
from twoknow_text.cli import main
from twoknow_text.errors import InputError
from twoknow_text.synth import sample_path

FRAME = pd.DataFrame({"response_id": ["1", "2"], "theme_id": [0, 1]})


def _write_set(out: Path, marker: str) -> None:
    with output_set() as oset:
        write_table(FRAME.assign(run=marker), oset.path(out / "assignments.csv"))
        oset.path(out / "report.html").write_text(f"<p>{marker}</p>", encoding="utf-8")
        oset.write_manifest(out / "manifest.json", command="test",
                            outputs=[out / "assignments.csv", out / "report.html"])


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_set_lands_whole_with_hashes_and_no_temporaries(tmp_path):
    _write_set(tmp_path, "one")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assignments.csv", "manifest.json", "report.html"]
    manifest = verify_output_set(tmp_path / "manifest.json")
    assert set(manifest["outputs_sha256"]) == {"assignments.csv", "report.html"}
    assert manifest["outputs"] == ["assignments.csv", "report.html"]


@pytest.mark.parametrize("stop", [RuntimeError("disk gone"), KeyboardInterrupt()])
def test_a_failed_or_interrupted_run_leaves_the_previous_set_untouched(tmp_path, stop):
    _write_set(tmp_path, "one")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(type(stop)), output_set() as oset:
        write_table(FRAME.assign(run="two"), oset.path(tmp_path / "assignments.csv"))
        raise stop  # killed between files: the new assignments must not land
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    verify_output_set(tmp_path / "manifest.json")


def test_a_mixed_set_is_refused(tmp_path):
    _write_set(tmp_path, "one")
    keep = (tmp_path / "assignments.csv").read_bytes()
    _write_set(tmp_path, "two")
    (tmp_path / "assignments.csv").write_bytes(keep)  # the old table beside the new manifest
    with pytest.raises(InputError) as e:
        verify_output_set(tmp_path / "manifest.json")
    assert e.value.code == "E044" and "assignments.csv" in e.value.message
    (tmp_path / "manifest.json").unlink()
    with pytest.raises(InputError) as e:
        verify_output_set(tmp_path / "manifest.json")
    assert e.value.code == "E043"


def test_a_signal_during_the_commit_waits_for_the_set(tmp_path):
    done = []
    with handlers_installed(), pytest.raises(KeyboardInterrupt), deferred():
        signal.raise_signal(signal.SIGINT)
        done.append("renames finished")
    assert done == ["renames finished"]


def test_stale_temporaries_of_dead_runs_are_removed_and_nothing_else(tmp_path):
    dead = _dead_pid()
    stale_file = tmp_path / f"{PART_PREFIX}{dead}-0123abcd.assignments.csv"
    stale_dir = tmp_path / f"{PART_PREFIX}{dead}-89abcdef.model"
    live = tmp_path / f"{PART_PREFIX}{os.getpid()}-0123abcd.themes.csv"  # a concurrent run in this process
    users = [tmp_path / ".assignments.csv.part", tmp_path / "notes.part", tmp_path / f"{PART_PREFIX}x.csv"]
    stale_file.write_text("half")
    stale_dir.mkdir()
    (stale_dir / "arrays.safetensors").write_text("half")
    for p in [live, *users]:
        p.write_text("keep")
    _write_set(tmp_path, "one")  # the next run writing to this folder cleans up
    assert not stale_file.exists() and not stale_dir.exists()
    assert live.exists() and all(p.exists() for p in users)
    assert clean_stale_parts(tmp_path) == []


def test_a_single_file_write_cleans_stale_temporaries_too(tmp_path):
    stale = tmp_path / f"{PART_PREFIX}{_dead_pid()}-0123abcd.gold.csv"
    stale.write_text("half")
    write_table(FRAME, tmp_path / "gold.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gold.csv"]


def test_a_folder_output_replaces_the_previous_folder(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "old.json").write_text("{}")
    with output_set() as oset:
        staged = oset.path(tmp_path / "model", folder=True)
        (staged / "new.json").write_text("{}")
    assert [p.name for p in (tmp_path / "model").iterdir()] == ["new.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_a_full_disk_while_writing_is_e042_and_writes_nothing(tmp_path):
    with pytest.raises(InputError) as e, output_set() as oset:
        write_table(FRAME, oset.path(tmp_path / "a.csv"))
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "b.csv"))
    assert e.value.code == "E042"
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ paths checked before the work


def test_check_output_paths(tmp_path, monkeypatch):
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("x")
    cases = {
        "E040": [{"files": [tmp_path / "adir"]}, {"folders": [tmp_path / "afile"]},
                 {"files": [tmp_path / "afile" / "out.csv"]}],
        "E041": [{"files": [Path("/proc/twoknow-test/out.csv")]}],
    }
    for code, calls in cases.items():
        for kwargs in calls:
            with pytest.raises(InputError) as e:
                check_output_paths(**kwargs)
            assert e.value.code == code, kwargs
    check_output_paths(files=[tmp_path / "new" / "deeper" / "out.csv", None], folders=[tmp_path / "adir"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir", "afile"]  # the probe left nothing

    import shutil

    monkeypatch.setattr(shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10 << 30, 10 << 30, 4096))
    with pytest.raises(InputError) as e:
        check_output_paths(files=[tmp_path / "out.csv"])
    assert e.value.code == "E042"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a mode-555 folder; the /proc case covers read-only")
def test_read_only_folder_is_e041(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(InputError) as e:
            check_output_paths(files=[ro / "out.csv"])
        assert e.value.code == "E041"
    finally:
        ro.chmod(0o755)


DEID = ["deid", str(sample_path()), "-t", "q1_led_to_it", "--id-col", "respondent_id", "-q", "--plain"]


@pytest.mark.parametrize("case", ["out-is-folder", "report-is-folder", "manifest-is-folder", "proc", "file-in-path"])
def test_deid_output_paths_fail_before_the_work(tmp_path, capsys, case):
    (tmp_path / "d").mkdir()
    (tmp_path / "f").write_text("x")
    argv = {
        "out-is-folder": ["--out", str(tmp_path / "d.csv")],
        "report-is-folder": ["--out", str(tmp_path / "o.csv"), "--report", str(tmp_path / "d")],
        "manifest-is-folder": ["--out", str(tmp_path / "m.csv")],
        "proc": ["--out", "/proc/twoknow-test/o.csv"],
        "file-in-path": ["--out", str(tmp_path / "f" / "o.csv")],
    }[case]
    (tmp_path / "d.csv").mkdir()
    (tmp_path / "m.csv.manifest.json").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    t = time.perf_counter()
    rc = main(DEID + argv)
    err = capsys.readouterr().err
    assert rc == 2 and err.strip().splitlines()[-1].startswith(("error[E040]", "error[E041]")), err
    assert time.perf_counter() - t < 5  # before reading and de-identifying
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_themes_out_that_is_a_file_fails_before_the_work(tmp_path, capsys):
    out = tmp_path / "themes_out"
    out.write_text("x")
    t = time.perf_counter()
    rc = main(["themes", str(sample_path()), "-t", "q1_led_to_it", "--id-col", "respondent_id", "--out", str(out)])
    assert rc == 2 and capsys.readouterr().err.startswith("error[E040]")
    assert time.perf_counter() - t < 5


def test_report_out_that_is_a_file_fails_before_reading(tmp_path, capsys):
    out = tmp_path / "report_out"
    out.write_text("x")
    rc = main(["report", "--codings", str(tmp_path / "missing.csv"), "--corpus", str(tmp_path / "missing2.csv"),
               "--out", str(out)])
    assert rc == 2 and capsys.readouterr().err.startswith("error[E040]")


def test_ls_push_refuses_a_themes_folder_that_does_not_match_its_manifest(tmp_path):
    from twoknow_text.annotation._push import theme_predictions
    from twoknow_text.codebook import load_codebook

    out = tmp_path / "themes"
    with output_set() as oset:
        write_table(pd.DataFrame({"response_id": ["1"], "theme_id": [0], "theme_label": ["a"],
                                  "probability": [0.9]}), oset.path(out / "assignments.csv"))
        write_table(pd.DataFrame({"theme_id": [0], "label": ["a"]}), oset.path(out / "themes.csv"))
        oset.write_manifest(out / "manifest.json", command="themes",
                            outputs=[out / "assignments.csv", out / "themes.csv"])
    cb = load_codebook(None)
    theme_predictions(out, cb)  # a whole set is read
    pd.DataFrame({"theme_id": [0, 1], "label": ["a", "b"]}).to_csv(out / "themes.csv", index=False)
    with pytest.raises(InputError) as e:
        theme_predictions(out, cb)
    assert e.value.code == "E044"
    json.loads((out / "manifest.json").read_text())  # the manifest itself is intact
