"""Coded errors of the client and server helpers that need no running server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from twoknow_text.annotation import connect, find_ls_venv, start_server
from twoknow_text.annotation._server import free_port, server_env
from twoknow_text.errors import LabelStudioError


def test_unreachable_server_fails_fast_with_a_code() -> None:
    import label_studio_sdk  # noqa: F401  (time the connection, not the first import)

    port = free_port()  # nothing listens there
    t0 = time.monotonic()
    with pytest.raises(LabelStudioError) as err:
        connect(f"http://127.0.0.1:{port}", "sometoken123")
    assert err.value.code == "E510"
    assert time.monotonic() - t0 < 6  # one quick retry, not the long backoff
    assert "sometoken123" not in err.value.message


def test_missing_url_and_token_are_coded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    with pytest.raises(LabelStudioError) as err:
        connect()
    assert err.value.code == "E508"
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://127.0.0.1:9")
    with pytest.raises(LabelStudioError) as err:
        connect()
    assert err.value.code == "E509"


def test_missing_venv_names_the_install_command(tmp_path: Path) -> None:
    with pytest.raises(LabelStudioError) as err:
        find_ls_venv(tmp_path / "no-such-venv")
    assert err.value.code == "E501" and "make install-ls" in err.value.message


def test_bad_admin_token_is_refused_before_starting(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "label-studio").write_text("#!/bin/sh\nexit 1\n")
    with pytest.raises(LabelStudioError) as err:
        start_server(data_dir=tmp_path / "d", token="no spaces!", venv=venv)
    assert err.value.code == "E505"


def test_server_env_is_scrubbed_and_offline(tmp_path: Path) -> None:
    env = server_env(tmp_path, {"PORT": "80", "HOST": "0.0.0.0", "LABEL_STUDIO_USERNAME": "x", "PASSWORD": "p",
                                "PATH": "/bin", "SENTRY_DSN": "https://example.invalid/1"})
    for k in ("PORT", "HOST", "LABEL_STUDIO_USERNAME", "PASSWORD"):
        assert k not in env
    assert env["SENTRY_DSN"] == "" and env["LABEL_STUDIO_COLLECT_ANALYTICS"] == "false"
    assert env["LABEL_STUDIO_LATEST_VERSION_CHECK"] == "false"
    assert env["LABEL_STUDIO_BASE_DATA_DIR"] == str(tmp_path.resolve()) and env["PATH"] == "/bin"


class _Flaky:
    """A loopback HTTP server that answers 503 a few times, then like Label Studio's whoami."""

    def __init__(self, failures: int, status_after: int = 200) -> None:
        import http.server
        import threading

        self.calls = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.calls += 1
                status = 503 if outer.calls <= failures else status_after
                body = b'{"id": 1, "email": "admin@example.com"}' if status == 200 else b'{"detail": "x"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_5xx_answers_are_retried_with_backoff_then_succeed() -> None:
    srv = _Flaky(failures=1)
    try:
        t0 = time.monotonic()
        client = connect(srv.url, "sometoken123")
        assert srv.calls == 2 and time.monotonic() - t0 >= 0.4  # waited before retrying
        srv.calls = -1  # two more failures: beyond connect's single retry, within the default budget
        assert client.users.whoami().email == "admin@example.com"
        assert srv.calls == 2
    finally:
        srv.close()


def test_persistent_5xx_and_bad_token_become_coded_errors() -> None:
    srv = _Flaky(failures=100)
    try:
        with pytest.raises(LabelStudioError) as err:
            connect(srv.url, "sometoken123")
        assert err.value.code == "E514" and srv.calls == 2
    finally:
        srv.close()
    srv = _Flaky(failures=0, status_after=401)
    try:
        with pytest.raises(LabelStudioError) as err:
            connect(srv.url, "sometoken123")
        assert err.value.code == "E511"
    finally:
        srv.close()


class _LostAnswerLS:
    """A stand-in client whose first import commits the tasks but loses the answer (HTTP 502)."""

    def __init__(self) -> None:
        from types import SimpleNamespace

        self.held: list[dict] = []
        self.import_calls = 0
        self.projects = SimpleNamespace(import_tasks=self._import)
        self.tasks = SimpleNamespace(list=self._list)

    def _import(self, pid, request, return_task_ids=False, request_options=None):  # noqa: ANN001, ANN202
        from types import SimpleNamespace

        from label_studio_sdk.core.api_error import ApiError

        assert request_options == {"max_retries": 0}  # the SDK must not blindly re-POST an import
        self.import_calls += 1
        self.held += list(request)
        if self.import_calls == 1:
            raise ApiError(status_code=502, body="bad gateway")
        return SimpleNamespace(task_count=len(request))

    def _list(self, project, include, page_size):  # noqa: ANN001, ANN202
        from types import SimpleNamespace

        return [SimpleNamespace(id=i, data=t["data"]) for i, t in enumerate(self.held)]


def test_a_failed_chunk_is_checked_before_it_is_sent_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from twoknow_text.annotation import _push

    monkeypatch.setattr("time.sleep", lambda s: None)
    fake = _LostAnswerLS()
    tasks = [{"data": {"response_id": f"r{i}", "text": "x"}} for i in range(3)]
    assert _push._import_chunk(fake, 1, tasks) == 3
    # the server held the chunk after the lost answer: nothing was sent twice
    assert fake.import_calls == 1 and [t["data"]["response_id"] for t in fake.held] == ["r0", "r1", "r2"]


def test_free_port_is_below_the_ephemeral_range_and_free() -> None:
    import socket

    from twoknow_text.annotation._server import _ephemeral_low

    low = _ephemeral_low()
    ports = {free_port() for _ in range(5)}
    for port in ports:
        assert 1024 < port < 65536
        if low > 20_100:
            assert port < low  # outgoing connections never draw it
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", port))  # it really is free


def test_start_failure_reads_only_this_starts_error_line(tmp_path: Path) -> None:
    from twoknow_text.annotation._server import _start_failure

    log = tmp_path / "server.log"
    log.write_text("old start\nError: That port is already in use.\n")
    start = log.stat().st_size
    with log.open("a") as fh:
        fh.write("=> Database and media directory: /x\nTraceback (most recent call last):\n  File x\n"
                 "django.db.utils.OperationalError: database is locked\n")
    assert _start_failure(log, start) == "django.db.utils.OperationalError: database is locked"
    assert _start_failure(log, 0) == "django.db.utils.OperationalError: database is locked"
    log.write_text("=> Database\nError: That port is already in use.\n")
    assert _start_failure(log, 0) == "That port is already in use."
    log.write_text("usage: label-studio start [-h]\nlabel-studio start: error: unrecognized arguments: s3cretpass tok12345\n")
    assert _start_failure(log, 0, hide=("s3cretpass", "tok12345")) == (
        "label-studio start: error: unrecognized arguments: *** ***")
    log.write_text("nothing wrong here\n")
    assert _start_failure(log, 0) == ""
    assert _start_failure(tmp_path / "missing.log", 0) == ""
