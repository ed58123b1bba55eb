"""`twoknow ls serve` with a real Label Studio: no secret in any process's arguments,
SIGTERM and SIGHUP stop the server like Ctrl-C, a restart keeps the existing admin.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from twoknow_text.annotation import connect, start_server
from twoknow_text.annotation._server import _port_busy, free_port
from twoknow_text.cli import main


def _serve(data: Path, template: Path, port: int, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "twoknow_text", "ls", "serve", "--port", str(port), "--data-dir", str(data),
         "--template-dir", str(template), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**{k: v for k, v in os.environ.items() if k not in ("LABEL_STUDIO_API_KEY", "TWOKNOW_LS_PASSWORD")},
             **env},
    )


def _wait_running(proc: subprocess.Popen[str]) -> list[str]:
    """stdout lines up to "Press Ctrl-C" (the server is up then)."""
    lines = []
    while True:
        line = proc.stdout.readline()
        if not line:
            pytest.fail(f"`ls serve` ended before the server was up: {proc.wait(30)} {proc.stderr.read()}")
        lines.append(line)
        if line.startswith("Press Ctrl-C"):
            return lines


def _pids_of_data_dir(data: Path) -> list[int]:
    """Every process whose environment names ``data`` as Label Studio's data dir."""
    needle = f"LABEL_STUDIO_BASE_DATA_DIR={data.resolve()}".encode() + b"\0"
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if needle in (d / "environ").read_bytes():
                    pids.append(int(d.name))
            except OSError:
                continue
    return pids


def _all_cmdlines() -> dict[int, bytes]:
    out = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                out[int(d.name)] = (d / "cmdline").read_bytes()
            except OSError:
                continue
    return out


def _password_applied(data: Path, password: str) -> bool:
    """Check ``password`` against the admin's Django hash (pbkdf2_sha256$iterations$salt$hash) in the database."""
    con = sqlite3.connect(f"{(data / 'label_studio.sqlite3').resolve().as_uri()}?mode=ro", uri=True)
    try:
        (stored,) = con.execute("SELECT password FROM htx_user WHERE is_superuser = 1 ORDER BY id LIMIT 1").fetchone()
    finally:
        con.close()
    algo, iterations, salt, digest = stored.split("$")
    assert algo == "pbkdf2_sha256"
    mine = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations))
    return hmac.compare_digest(base64.b64encode(mine).decode(), digest)


def _assert_stopped(proc: subprocess.Popen[str], data: Path, port: int, status: int) -> None:
    assert proc.wait(timeout=60) == status
    assert "Label Studio stopped." in proc.stderr.read()
    deadline = time.monotonic() + 10
    while (_port_busy(port) or _pids_of_data_dir(data)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _port_busy(port), "the port is still taken after `ls serve` stopped"
    assert not _pids_of_data_dir(data), "a Label Studio process of this data dir outlived `ls serve`"


@pytest.mark.labelstudio
def test_serve_keeps_secrets_out_of_process_arguments_and_stops_on_sigterm(ls_template: Path, tmp_path: Path) -> None:
    token = "cmdlinetoken" + os.urandom(6).hex()
    password = "pw-" + os.urandom(9).hex()
    pw_file = tmp_path / "password.txt"
    pw_file.write_text(password + "\n")
    pw_file.chmod(0o600)
    data, port = tmp_path / "serve", free_port()
    proc = _serve(data, ls_template, port, {"LABEL_STUDIO_API_KEY": token}, "--password-file", str(pw_file))
    try:
        lines = _wait_running(proc)
        assert token not in "".join(lines) and password not in "".join(lines)  # the user gave both: not echoed
        ls_pids = _pids_of_data_dir(data)
        assert ls_pids, "no Label Studio process found for the data dir"
        cmdlines = _all_cmdlines()
        assert proc.pid in cmdlines and all(p in cmdlines for p in ls_pids)
        leaks = [pid for pid, cmd in cmdlines.items() if token.encode() in cmd or password.encode() in cmd]
        assert not leaks, f"a secret is in the arguments of process(es) {leaks}"
        # ...and Label Studio did receive both, through its environment
        connect(f"http://127.0.0.1:{port}", token)
        assert _password_applied(data, password)
        proc.send_signal(signal.SIGTERM)
        _assert_stopped(proc, data, port, 143)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.labelstudio
def test_serve_restart_keeps_the_admin_prints_no_new_password_and_stops_on_sighup(
    ls_template: Path, tmp_path: Path
) -> None:
    data = tmp_path / "restart"
    token = "restarttoken" + os.urandom(6).hex()
    with start_server(data_dir=data, token=token, password="first-password-123", template_dir=ls_template) as srv:
        assert srv.admin_created
    port = free_port()
    proc = _serve(data, ls_template, port, {"LABEL_STUDIO_API_KEY": token, "TWOKNOW_LS_PASSWORD": "second-pw-456"})
    try:
        out = "".join(_wait_running(proc))
        assert "password:" not in out and "second-pw-456" not in out and "first-password-123" not in out
        assert "existing admin" in out and "admin@example.com" in out
        connect(f"http://127.0.0.1:{port}", token)
        assert _password_applied(data, "first-password-123") and not _password_applied(data, "second-pw-456")
        proc.send_signal(signal.SIGHUP)
        _assert_stopped(proc, data, port, 129)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # the library says the same: the existing admin is kept, no password is handed back
    with start_server(data_dir=data, token=token, template_dir=ls_template) as srv:
        assert not srv.admin_created and srv.password is None and srv.username == "admin@example.com"


@pytest.mark.labelstudio
def test_serve_killed_outright_takes_its_server_with_it(ls_template: Path, tmp_path: Path) -> None:
    # SIGKILL cannot be caught: the kernel's parent-death signal stops Label Studio instead
    data, port = tmp_path / "killed", free_port()
    proc = _serve(data, ls_template, port, {"LABEL_STUDIO_API_KEY": "killtoken123456"})
    try:
        _wait_running(proc)
        assert _pids_of_data_dir(data)
        proc.kill()
        assert proc.wait(timeout=30) == -signal.SIGKILL
        deadline = time.monotonic() + 15
        while (_port_busy(port) or _pids_of_data_dir(data)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _pids_of_data_dir(data), "Label Studio outlived a killed `ls serve`"
        assert not _port_busy(port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in _pids_of_data_dir(data):  # do not leave a server behind if the test failed
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def ls_template(ls_server, request: pytest.FixtureRequest) -> Path:
    return Path(request.config.cache.mkdir("twoknow-labelstudio")) / "template"  # built by ls_server


# --------------------------------------------------------------------------- no server needed


@pytest.mark.parametrize("option", ["--token", "--password"])
def test_a_secret_given_as_an_argument_is_refused(option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ls", "serve", "--data-dir", str(tmp_path / "d"), option, "visible123456"]) == 2
    err = capsys.readouterr().err
    assert "error[E560]" in err and "visible123456" not in err
    assert not (tmp_path / "d").exists()  # refused before anything started


def test_a_token_file_readable_by_others_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "token.txt"
    f.write_text("filetoken123\n")
    f.chmod(0o644)
    assert main(["ls", "serve", "--data-dir", str(tmp_path / "d"), "--token-file", str(f)]) == 2
    err = capsys.readouterr().err
    assert "error[E562]" in err and "filetoken123" not in err
    assert main(["ls", "serve", "--data-dir", str(tmp_path / "d"), "--token-file", str(tmp_path / "none")]) == 2
    assert "error[E561]" in capsys.readouterr().err


def test_secret_sources_in_order(tmp_path: Path) -> None:
    from twoknow_text.annotation._secrets import PASSWORD_ENV, TOKEN_ENV, resolve_secret

    f = tmp_path / "t"
    f.write_text("# comment\n\nfromfile123\n")
    f.chmod(0o600)
    env = {"LABEL_STUDIO_API_KEY": "fromenv123", "TWOKNOW_LS_TOKEN": "legacy123"}
    assert resolve_secret(f, TOKEN_ENV, "token", env) == "fromfile123"
    assert resolve_secret(None, TOKEN_ENV, "token", env) == "fromenv123"
    assert resolve_secret(None, TOKEN_ENV, "token", {"TWOKNOW_LS_TOKEN": "legacy123"}) == "legacy123"
    assert resolve_secret(None, PASSWORD_ENV, "password", {}) is None


def test_admin_credentials_go_through_the_environment_only() -> None:
    from twoknow_text.annotation._server import admin_env

    env = admin_env("a@example.com", "-pw", "tok123456")
    assert env == {"LABEL_STUDIO_USERNAME": "a@example.com", "LABEL_STUDIO_PASSWORD": "-pw",
                   "LABEL_STUDIO_USER_TOKEN": "tok123456"}
    assert admin_env("a@example.com", None, "tok123456") == {}  # an existing admin: nothing is set


@pytest.mark.parametrize("command", [["ls", "pull", "--project", "p"], ["adjudicate", "pull", "p"]])
def test_a_client_token_on_the_command_line_is_warned_about(command, tmp_path, capsys, monkeypatch) -> None:
    argv = [*command, "--out", str(tmp_path / "x.csv"), "--url", "http://127.0.0.1:9"]
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    assert main([*argv, "--token", "visible123456"]) == 2  # nothing listens on port 9
    err = capsys.readouterr().err
    assert "warning: --token shows the API token" in err and "visible123456" not in err
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "fromenv123456")
    assert main(argv) == 2
    assert "warning: --token" not in capsys.readouterr().err
