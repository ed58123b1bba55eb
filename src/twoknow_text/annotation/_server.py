"""Start and stop a local Label Studio server, offline and on loopback only.

Label Studio pins Django and much more, so it lives in its own virtual
environment (``make install-ls`` creates ``.venv-ls``). This module runs
``<venv>/bin/label-studio start`` as a child process in its own process
group, bound to 127.0.0.1, with a known admin token and every outbound call
(version check, analytics, Sentry) switched off, and stops it with SIGTERM to
that process group. The admin's login, password and token reach Label Studio
through its environment (``LABEL_STUDIO_USERNAME``, ``LABEL_STUDIO_PASSWORD``,
``LABEL_STUDIO_USER_TOKEN``), never its arguments: any local user can read a
process's arguments (``ps``, ``/proc/<pid>/cmdline``), only its owner can
read its environment.

A cold start spends 25-50 s on database migrations. :func:`prepare_template`
runs them once into a template folder; :func:`start_server` copies that
folder (with its ``.env``, which holds Django's secret key) into a fresh data
dir and starts in a few seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LabelStudioError

__all__ = [
    "ServerHandle",
    "start_server",
    "prepare_template",
    "find_ls_venv",
    "free_port",
    "server_env",
    "admin_env",
    "existing_admin_email",
    "DEFAULT_USERNAME",
]

DEFAULT_USERNAME = "admin@example.com"
_SQLITE_NAME = "label_studio.sqlite3"
_TEMPLATE_STAMP = ".twoknow-template.json"

# Settings read these under NAME, LABEL_STUDIO_NAME and HEARTEX_NAME; a stray
# PORT or USERNAME in the caller's shell would silently change the server.
_SCRUBBED = ("HOST", "PORT", "USERNAME", "PASSWORD", "USER_TOKEN", "DATABASE_NAME", "BASE_DATA_DIR")

# Measured on this machine (strace): with these, no connection leaves loopback.
_OFFLINE_SWITCHES = {
    "DJANGO_DB": "sqlite",
    "LABEL_STUDIO_LATEST_VERSION_CHECK": "false",
    "LABEL_STUDIO_COLLECT_ANALYTICS": "false",
    "SENTRY_DSN": "",
    "FRONTEND_SENTRY_DSN": "",
    "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
    "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
    "DO_NOT_TRACK": "1",
}


def find_ls_venv(venv: str | os.PathLike[str] | None = None) -> Path:
    """Locate the Label Studio virtual environment.

    Order: the ``venv`` argument, env ``TWOKNOW_LS_VENV``, then ``.venv-ls``
    beside the running Python's venv, then ``.venv-ls`` at the repository
    root. Raises ``E501`` naming ``make install-ls`` when none holds a
    ``bin/label-studio``.
    """
    candidates: list[Path] = []
    if venv is not None:
        candidates = [Path(venv)]
    elif os.environ.get("TWOKNOW_LS_VENV"):
        candidates = [Path(os.environ["TWOKNOW_LS_VENV"])]
    else:
        candidates = [
            Path(sys.prefix).parent / ".venv-ls",
            Path(__file__).resolve().parents[3] / ".venv-ls",
        ]
    for c in candidates:
        if (c / "bin" / "label-studio").is_file():
            return c.resolve()
    raise LabelStudioError(
        "E501",
        f"Label Studio server venv not found (looked in {', '.join(str(c) for c in candidates)}); "
        "run `make install-ls` or set TWOKNOW_LS_VENV.",
    )


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now, outside the ephemeral range.

    A port the kernel hands out for ``bind(0)`` comes from the ephemeral range,
    which outgoing connections draw from too; on a busy machine one of them
    can take it before Label Studio binds. Ports below that range are tried
    first (random order), ``bind(0)`` is the fallback.
    """
    low = _ephemeral_low()
    rng = secrets.SystemRandom()
    if low > 20_100:
        for _ in range(50):
            port = rng.randrange(20_000, low)
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                try:
                    s.bind(("127.0.0.1", port))  # fails while anything is bound or listening there
                except OSError:
                    continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default; other systems use 49152 and above


def server_env(data_dir: str | os.PathLike[str], base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a Label Studio child process: scrubbed and offline."""
    env = dict(os.environ if base is None else base)
    for name in _SCRUBBED:
        for prefix in ("", "LABEL_STUDIO_", "HEARTEX_"):
            env.pop(prefix + name, None)
    env.update(_OFFLINE_SWITCHES)
    env["LABEL_STUDIO_BASE_DATA_DIR"] = str(Path(data_dir).resolve())
    return env


def _ls_version(venv: Path) -> str:
    # Read the installed version from the venv's metadata without importing
    # Django: a glob over dist-info is enough and costs nothing.
    for p in sorted((venv / "lib").glob("python*/site-packages/label_studio-*.dist-info")):
        return p.name[len("label_studio-") : -len(".dist-info")]
    return "unknown"


def _is_migrated(d: Path, version: str) -> bool:
    stamp = d / _TEMPLATE_STAMP
    if not (stamp.is_file() and (d / _SQLITE_NAME).is_file() and (d / ".env").is_file()):
        return False
    try:
        return json.loads(stamp.read_text(encoding="utf-8")).get("label_studio") == version
    except (OSError, ValueError):
        return False


def prepare_template(
    template_dir: str | os.PathLike[str], venv: str | os.PathLike[str] | None = None, *, timeout: float = 600
) -> Path:
    """Create (once) a migrated, user-less Label Studio data dir at ``template_dir``.

    Migrations run through ``label-studio version``, which migrates the
    database and exits without creating a user, so each copy gets its own
    admin and token on first start. Built in a temporary sibling folder and
    renamed into place, so concurrent callers never see half a template. A
    stamp records the Label Studio version; a template from another version
    is rebuilt.
    """
    venv_path = find_ls_venv(venv)
    target = Path(template_dir)
    version = _ls_version(venv_path)
    if _is_migrated(target, version):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        proc = subprocess.run(
            [str(venv_path / "bin" / "label-studio"), "version"],
            env=server_env(work),
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0 or not (work / _SQLITE_NAME).is_file():
            (work / "migrate.log").write_bytes(proc.stdout)
            raise LabelStudioError(
                "E502", f"Label Studio migrations failed (exit {proc.returncode}); see {work / 'migrate.log'}."
            )
        (work / _TEMPLATE_STAMP).write_text(json.dumps({"label_studio": version}), encoding="utf-8")
        if target.exists():
            # another process finished first, or a stale template: replace it
            if _is_migrated(target, version):
                shutil.rmtree(work, ignore_errors=True)
                return target
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.rename(work, target)
        except OSError:
            if not _is_migrated(target, version):
                raise
            shutil.rmtree(work, ignore_errors=True)
    except subprocess.TimeoutExpired:
        shutil.rmtree(work, ignore_errors=True)
        raise LabelStudioError("E502", f"Label Studio migrations did not finish within {timeout:.0f} s.") from None
    except BaseException:
        if work.exists() and not (work / "migrate.log").exists():
            shutil.rmtree(work, ignore_errors=True)
        raise
    return target


@dataclass
class ServerHandle:
    """A running Label Studio server started by :func:`start_server`.

    ``stop()`` is idempotent; the handle is also a context manager.
    """

    url: str
    token: str
    pid: int
    port: int
    data_dir: Path
    username: str
    password: str | None = field(repr=False)
    log_path: Path | None = None
    #: False when the data dir already had its admin: that admin, its password
    #: and its token are kept (``password`` is then None; nothing new was set).
    admin_created: bool = True
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _log_start: int = field(default=0, repr=False)  # where this start's lines begin in the log

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the server's process group; SIGKILL it if it lingers."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.pid, signal.SIGKILL)
                proc.wait(timeout=timeout)
        else:
            # the main process is gone; make sure no child of its group survived
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGTERM)
        self._proc = None

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _health(url: str, timeout: float = 2.0) -> bool:
    # An opener without proxy handlers: a loopback health check must never go
    # through a proxy configured in the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url + "/health", timeout=timeout) as resp:
            body = json.loads(resp.read().decode("utf-8") or "{}")
            return resp.status == 200 and body.get("status") == "UP"
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _check_token(token: str) -> None:
    # Label Studio's authtoken key column holds 40 characters; tokens of 5 or
    # fewer are silently ignored by `label-studio start`.
    if not (5 < len(token) <= 40) or not token.isascii() or not token.isalnum():
        raise LabelStudioError("E505", "The admin token must be 6-40 ASCII letters or digits.")


def start_server(
    port: int | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    token: str | None = None,
    venv: str | os.PathLike[str] | None = None,
    template_dir: str | os.PathLike[str] | None = None,
    *,
    username: str = DEFAULT_USERNAME,
    password: str | None = None,
    timeout: float = 180.0,
    die_with_parent: bool = False,
) -> ServerHandle:
    """Start Label Studio on ``127.0.0.1:port`` and wait until ``/health`` is UP.

    Parameters
    ----------
    port:
        TCP port; a free one is picked when None. Label Studio moves silently
        to the next port when the one asked for is busy, so health is checked
        on exactly this port and a busy port is an error (``E503``).
    data_dir:
        Where the database, media and server log live; a new temporary folder
        when None (the caller owns it).
    token:
        The admin API token (6-40 letters/digits); random when None.
    venv:
        The Label Studio venv (see :func:`find_ls_venv`).
    template_dir:
        A migrated template (see :func:`prepare_template`; created there if
        missing). It is copied into an empty ``data_dir`` so the start skips
        migrations.
    die_with_parent:
        On Linux, have the kernel send Label Studio SIGTERM when the thread
        that started it ends, even by SIGKILL (``prctl(PR_SET_PDEATHSIG)``):
        ``twoknow ls serve`` uses it so that no server outlives the command.
        Off by default: a library caller may start the server from a thread
        that ends before the server should.
    username, password:
        The admin login for the browser; the password is random when None
        and available as ``handle.password``. On a data dir that already has
        an admin, that admin is kept with its password and token (a new
        password would not be applied): ``handle.admin_created`` is False,
        ``handle.password`` None and ``handle.username`` the existing login.

    Example
    -------
    >>> with start_server(data_dir="ls-data", token="mytoken123") as srv:  # doctest: +SKIP
    ...     print(srv.url)
    """
    venv_path = find_ls_venv(venv)
    token = token or secrets.token_hex(20)
    _check_token(token)
    data = Path(data_dir) if data_dir is not None else Path(tempfile.mkdtemp(prefix="twoknow-ls-"))
    data.mkdir(parents=True, exist_ok=True)
    fresh = not (data / _SQLITE_NAME).exists()
    if template_dir is not None and fresh:
        tpl = prepare_template(template_dir, venv_path)
        shutil.copytree(tpl, data, dirs_exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            (data / _TEMPLATE_STAMP).unlink()
        os.chmod(data / ".env", 0o600)
    existing_admin = existing_admin_email(data)
    if existing_admin is not None:
        # Label Studio does not apply a new password (or token) to an admin
        # that exists: keep it, pass no credentials, and never report a
        # password that would not work.
        username, password = existing_admin, None
    else:
        password = password or secrets.token_urlsafe(16)

    auto_port = port is None
    if port is not None and _port_busy(port):
        raise LabelStudioError("E503", f"Port {port} on 127.0.0.1 is already in use; choose another --port.")
    log_path = data / "server.log"
    for attempt in range(3):
        handle = _launch(
            venv_path, data, port if port is not None else free_port(), token, username, password, log_path,
            die_with_parent=die_with_parent,
        )
        try:
            _wait_until_up(handle, timeout)
        except _PortTaken:
            handle.stop()
            if auto_port and attempt < 2:
                continue  # another process took the port we picked: pick again
            raise LabelStudioError(
                "E503", f"Port {handle.port} on 127.0.0.1 is already in use; choose another --port."
            ) from None
        except BaseException:
            handle.stop()
            raise
        break
    try:
        if existing_admin is not None or not fresh:
            # On an existing data dir `start` keeps the old admin and its old
            # token: say so rather than hand back a token that will not work.
            _verify_token(handle.url, token)
    except BaseException:
        handle.stop()
        raise
    return handle


class _PortTaken(Exception):
    """Label Studio exited because its port was taken between pick and bind."""


def existing_admin_email(data_dir: str | os.PathLike[str]) -> str | None:
    """The e-mail of the first superuser in ``data_dir``'s database, or None when there is none yet.

    Read straight from the SQLite file (read-only), before the server starts:
    a migrated template has the tables but no user.
    """
    import sqlite3

    db = Path(data_dir) / _SQLITE_NAME
    if not db.is_file():
        return None
    try:
        con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            row = con.execute("SELECT email FROM htx_user WHERE is_superuser = 1 ORDER BY id LIMIT 1").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None  # no user table yet (an unmigrated database): Label Studio creates the admin
    return str(row[0]) if row else None


def admin_env(username: str, password: str | None, token: str) -> dict[str, str]:
    """The variables that make ``label-studio start`` create its admin (read by its ``_create_user``).

    Empty when ``password`` is None (an existing admin is kept): without
    ``LABEL_STUDIO_USERNAME`` and ``LABEL_STUDIO_PASSWORD`` Label Studio
    creates no user at start.
    """
    if password is None:
        return {}
    return {"LABEL_STUDIO_USERNAME": username, "LABEL_STUDIO_PASSWORD": password, "LABEL_STUDIO_USER_TOKEN": token}


def _parent_death_signal(parent: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` that asks Linux to SIGTERM the child when its parent thread ends (None elsewhere)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    pr_set_pdeathsig = 1

    def set_it() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the call above: do what it asked for
            os.kill(os.getpid(), signal.SIGTERM)

    return set_it


def _launch(
    venv_path: Path, data: Path, port: int, token: str, username: str, password: str | None, log_path: Path,
    *, die_with_parent: bool = False,
) -> ServerHandle:
    # No secret in the arguments: the admin's login, password and token go
    # through the environment (see admin_env).
    cmd = [
        str(venv_path / "bin" / "label-studio"),
        "start",
        "--no-browser",
        "--internal-host",
        "127.0.0.1",
        "--port",
        str(port),
        "--enable-legacy-api-token",
    ]
    env = server_env(data)
    env.update(admin_env(username, password, token))
    log_start = log_path.stat().st_size if log_path.exists() else 0
    log_fh = open(log_path, "ab")  # noqa: SIM115  (closed below, the child keeps its copy)
    try:
        proc = subprocess.Popen(
            cmd,
            env=env,
            cwd=data,
            stdin=subprocess.DEVNULL,
            stdout=log_fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGTERM reaches every child
            preexec_fn=_parent_death_signal(os.getpid()) if die_with_parent else None,  # noqa: PLW1509
        )
    finally:
        log_fh.close()
    return ServerHandle(
        url=f"http://127.0.0.1:{port}",
        token=token,
        pid=proc.pid,
        port=port,
        data_dir=data,
        username=username,
        password=password,
        log_path=log_path,
        admin_created=password is not None,
        _proc=proc,
        _log_start=log_start,
    )


def _wait_until_up(handle: ServerHandle, timeout: float) -> None:
    proc, log_path = handle._proc, handle.log_path
    assert proc is not None and log_path is not None
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            reason = _start_failure(log_path, handle._log_start, hide=(handle.password, handle.token))
            if reason == "That port is already in use.":
                raise _PortTaken
            raise LabelStudioError(
                "E503",
                f"Label Studio exited during start (status {proc.returncode})"
                + (f": {reason}" if reason else "")
                + f"; see {log_path}.",
            )
        if _health(handle.url):
            return
        if time.monotonic() > deadline:
            raise LabelStudioError(
                "E504",
                f"Label Studio did not answer on {handle.url}/health within {timeout:.0f} s; see {log_path}.",
            )
        time.sleep(0.5)


def _start_failure(log_path: Path, start: int, hide: tuple[str, ...] = ()) -> str:
    """The last error line this start wrote to the log, with each of ``hide`` (password, token) masked."""
    line = _last_error_line(log_path, start)
    for secret in hide:
        if secret:
            line = line.replace(secret, "***")
    return line


def _last_error_line(log_path: Path, start: int) -> str:
    """The last error line this start wrote to the server log, at most 200 characters.

    Label Studio's own start-up errors (``Error: ...`` from Django, or an
    exception's last line); the log never holds survey text, which reaches
    Label Studio only de-identified and only after a start succeeded.
    """
    try:
        with open(log_path, "rb") as fh:
            fh.seek(start)
            lines = fh.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    for line in reversed(lines):
        line = line.strip()
        if line.startswith("Error: "):
            return line[len("Error: ") :][:200]
        if ": error: " in line:  # argparse's usage error, e.g. "label-studio start: error: ..."
            return line[:200]
        head = line.split(":", 1)[0]
        if line and ("Error" in head or "Exception" in head):
            return line[:200]
    return ""


def _port_busy(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _verify_token(url: str, token: str) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(url + "/api/current-user/whoami", headers={"Authorization": f"Token {token}"})
    try:
        with opener.open(req, timeout=10):
            return
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            raise LabelStudioError(
                "E506",
                "This data dir already has an admin with a different token; give that token "
                "(env LABEL_STUDIO_API_KEY or --token-file) or start with a new --data-dir.",
            ) from None
        raise LabelStudioError("E507", f"Label Studio answered HTTP {exc.code} to the token check.") from None
    except (urllib.error.URLError, OSError):
        raise LabelStudioError("E507", f"Label Studio at {url} stopped answering during start.") from None
