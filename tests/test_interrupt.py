"""Ctrl-C and SIGTERM stop a real `twoknow` process promptly, with no output and status 130/143.

Each test starts ``python -m twoknow_text`` on a synthetic survey big enough
to run well past the signal (about 12,000 answers), sends the signal a few
seconds in and checks the exit status, the time to stop, the output folder
and, for `themes`, that the de-identification worker and the
multiprocessing resource tracker are gone too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists() or os.name != "posix",
                                reason="needs POSIX signals and /proc")

QUESTIONS = ["q1_led_to_it", "q2_made_easier", "q3_situations", "q4_stops_you"]
STOP_WITHIN_S = 5.0


@pytest.fixture(scope="module")
def big_survey(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from twoknow_text.synth import generate_survey

    survey, _ = generate_survey(3000, seed=11)
    path = tmp_path_factory.mktemp("big") / "survey.csv"
    survey.to_csv(path, index=False)
    return path


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (from /proc, no extra dependency)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        out += kids
        todo += kids
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start(args: list[str], *, ignore_sigint: bool = False) -> subprocess.Popen:
    def preexec() -> None:  # a shell script's background job starts with SIGINT ignored
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    return subprocess.Popen([sys.executable, "-m", "twoknow_text", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, preexec_fn=preexec if ignore_sigint else None)  # noqa: PLW1509 (it only sets a signal disposition)


def _stop(proc: subprocess.Popen, sig: int) -> tuple[int, float, str]:
    assert proc.poll() is None, "the run ended before the signal: make the input bigger"
    proc.send_signal(sig)
    t = time.perf_counter()
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    return proc.returncode, time.perf_counter() - t, err.decode("utf-8", "replace")


def _wait_for_worker(proc: subprocess.Popen, timeout: float = 90) -> list[int]:
    """The themes run's children (the de-identification worker and the resource tracker)."""
    t = time.perf_counter()
    while time.perf_counter() - t < timeout:
        kids = _children(proc.pid)
        if any("spawn_main" in Path(f"/proc/{k}/cmdline").read_bytes().decode(errors="replace")
               for k in kids if _alive(k)):
            return kids
        assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
        time.sleep(0.2)
    raise AssertionError("no de-identification worker appeared")


def _gone(pids: list[int], within: float = STOP_WITHIN_S) -> list[int]:
    t = time.perf_counter()
    while time.perf_counter() - t < within:
        left = [p for p in pids if _alive(p)]
        if not left:
            return []
        time.sleep(0.1)
    return left


@pytest.mark.parametrize("stop", ["KeyboardInterrupt()", "Terminated(signal.SIGTERM)", "typer.Exit(3)"])
def test_every_command_reports_the_stop_in_its_exit_status(stop):
    """A command stopped by Ctrl-C exits 130, by SIGTERM 143 (typer's exit code used to be dropped: 0)."""
    code = f"""
import signal, sys, typer
from twoknow_text._interrupt import Terminated
from twoknow_text.cli import app, main

@app.command("stopme", hidden=True)
def stopme() -> None:
    raise {stop}

sys.exit(main(["stopme"]))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    expected = {"KeyboardInterrupt()": 130, "Terminated(signal.SIGTERM)": 143, "typer.Exit(3)": 3}[stop]
    assert proc.returncode == expected, proc.stderr
    assert ("interrupted" in proc.stderr) == (expected != 3) and "Traceback" not in proc.stderr


def test_a_real_sigterm_raises_in_the_main_thread():
    code = """
import os, signal, sys, time
from twoknow_text._interrupt import Terminated, exit_status, handlers_installed
with handlers_installed():
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    except Terminated as exc:
        sys.exit(exit_status(exc))
sys.exit(0)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 143, proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "status", "ignored"), [
    (signal.SIGINT, 130, True),  # as `twoknow deid ... &` in a script: SIGINT starts out ignored
    (signal.SIGTERM, 143, False),
])
def test_deid_stops_on_signal_without_output(big_survey, tmp_path, sig, status, ignored):
    out = tmp_path / "out"
    args = ["deid", str(big_survey), *[a for q in QUESTIONS for a in ("-t", q)], "--id-col", "respondent_id",
            "--plain", "-q", "--out", str(out / "deid.csv"), "--report", str(out / "deid_report.json")]
    proc = _start(args, ignore_sigint=ignored)
    time.sleep(6)
    rc, took, err = _stop(proc, sig)
    assert rc == status, err[-2000:]
    assert took < STOP_WITHIN_S
    assert "interrupted" in err and "Traceback" not in err
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_themes_stops_on_signal_with_its_worker(big_survey, tmp_path, sig, status):
    out = tmp_path / "themes"
    proc = _start(["themes", str(big_survey), "-t", "q1_led_to_it", "-t", "q3_situations",
                   "--id-col", "respondent_id", "--out", str(out)])
    kids = _wait_for_worker(proc)
    time.sleep(1.5)
    rc, took, err = _stop(proc, sig)
    assert rc == status, err[-2000:]
    assert took < STOP_WITHIN_S
    assert "Traceback" not in err
    assert _gone(kids) == [], "a worker process outlived the run"
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.slow
def test_themes_worker_dies_when_the_parent_is_killed(big_survey, tmp_path):
    proc = _start(["themes", str(big_survey), "-t", "q1_led_to_it", "-t", "q3_situations",
                   "--id-col", "respondent_id", "--out", str(tmp_path / "themes")])
    kids = _wait_for_worker(proc)
    time.sleep(1.0)
    proc.kill()  # SIGKILL: the parent cannot clean up; the worker holds raw answers in memory
    proc.wait(timeout=10)
    proc.stderr.close()
    assert _gone(kids) == [], "the de-identification worker or the resource tracker outlived a killed parent"
