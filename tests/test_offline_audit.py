"""Offline always: no connection leaves loopback while `twoknow deid` and `twoknow themes` run.

Two independent witnesses, each around the real CLI (subprocess
``python -m twoknow_text``) on ~60 answers of the bundled sample, with the
offline environment variables (HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE,
ORT_DISABLE_TELEMETRY...) REMOVED from the child's environment, to prove the
package sets them itself:

- a Python-level guard: a ``sitecustomize.py`` put on PYTHONPATH patches
  ``socket.socket.connect/connect_ex/sendto``, ``socket.getaddrinfo`` and
  ``socket.create_connection``; every non-loopback attempt is written to a
  file and refused (so no packet, not even a DNS query, leaves). A positive
  control shows the guard does catch an attempt.
- ``strace -f -e trace=connect,sendto,sendmsg`` around the same run (when installed and ptrace
  allowed): sees compiled code too (onnxruntime telemetry bypasses Python
  sockets).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow

N_RESPONDENTS = 16  # x 4 questions ≈ 60 answers
QUESTIONS = ("q1_led_to_it", "q2_made_easier", "q3_situations", "q4_stops_you")
READ = ["--format", "wide", "--id-col", "respondent_id", "--language-col", "language",
        *[a for q in QUESTIONS for a in ("--text-col", q)]]
#: variables the package must set by itself (twoknow_text._offline); removed from the child env
OFFLINE_VARS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY",
                "DO_NOT_TRACK", "ORT_DISABLE_TELEMETRY", "LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY")

GUARD = textwrap.dedent(
    '''
    """Test-only network guard: record and refuse every non-loopback connection attempt."""
    import ipaddress
    import json
    import os
    import socket
    import traceback

    _LOG = os.environ["TWOKNOW_NET_AUDIT_LOG"]
    _LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


    def _loopback(host):
        if host is None or host == "":
            return True  # AF_UNIX, or getaddrinfo(None, port) for a local bind
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        host = str(host).split("%")[0]
        if host.lower() in _LOOPBACK_NAMES:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False


    def _record(kind, host, port):
        where = [f"{f.filename}:{f.lineno}" for f in traceback.extract_stack()[-8:-2]]
        with open(_LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"call": kind, "host": str(host), "port": port, "pid": os.getpid(),
                                 "stack": where}) + "\\n")


    def _check(kind, sock_family, address):
        if sock_family == getattr(socket, "AF_UNIX", None) or sock_family == getattr(socket, "AF_NETLINK", None):
            return
        host, port = (address[0], address[1]) if isinstance(address, tuple) else (address, None)
        if not _loopback(host):
            _record(kind, host, port)
            raise OSError(101, f"twoknow network audit: {kind} to a non-loopback address refused")


    _connect, _connect_ex, _sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto
    _getaddrinfo, _create_connection = socket.getaddrinfo, socket.create_connection


    def connect(self, address):
        _check("connect", self.family, address)
        return _connect(self, address)


    def connect_ex(self, address):
        _check("connect_ex", self.family, address)
        return _connect_ex(self, address)


    def sendto(self, data, *args):
        address = args[-1]
        _check("sendto", self.family, address)
        return _sendto(self, data, *args)


    def getaddrinfo(host, *args, **kwargs):
        if not _loopback(host):
            _record("getaddrinfo", host, args[0] if args else None)
            raise socket.gaierror(socket.EAI_NONAME, "twoknow network audit: name lookup refused")
        return _getaddrinfo(host, *args, **kwargs)


    def create_connection(address, *args, **kwargs):
        _check("create_connection", None, address)
        return _create_connection(address, *args, **kwargs)


    socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
    socket.getaddrinfo, socket.create_connection = getaddrinfo, create_connection
    '''
)


@pytest.fixture(scope="module")
def audit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A subset of the sample (no offline variables in sight) and the guard."""
    from twoknow_text.synth import sample_path

    d = tmp_path_factory.mktemp("offline")
    (d / "guard").mkdir()
    (d / "guard" / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    raw = pd.read_csv(sample_path(), dtype=str, keep_default_na=False).head(N_RESPONDENTS)
    raw.to_csv(d / "answers.csv", index=False)
    # ~60 answers: small clusters, so the run gets to the end (this file is about the network, not theme quality)
    (d / "themes.yaml").write_text("min_cluster_size: 5\n", encoding="utf-8")
    return d


def _child_env(audit_dir: Path, log: Path, guard: bool = True) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_VARS and not k.startswith("PYTEST")}
    if guard:
        env["PYTHONPATH"] = os.pathsep.join([str(audit_dir / "guard"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["TWOKNOW_NET_AUDIT_LOG"] = str(log)
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "twoknow_text", *args]


def _attempts(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_guard_catches_an_attempt(audit_dir: Path, tmp_path: Path) -> None:
    """Positive control: without it an empty log would prove nothing."""
    log = tmp_path / "net.jsonl"
    code = ("import socket\n"
            "for target in [('192.0.2.1', 443), ('example.org', 80)]:\n"
            "    try: socket.create_connection(target, timeout=1)\n"
            "    except OSError: pass\n"
            "try: socket.getaddrinfo('example.net', 443)\n"
            "except OSError: pass\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "try: s.sendto(b'x', ('192.0.2.2', 53))\n"
            "except OSError: pass\n"
            "l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(1)\n"
            "socket.create_connection(l.getsockname(), timeout=1).close()\n"
            "print('ok')\n")
    proc = subprocess.run([sys.executable, "-c", code], env=_child_env(audit_dir, log), capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr
    seen = {(a["call"], a["host"]) for a in _attempts(log)}
    assert ("create_connection", "192.0.2.1") in seen or ("connect", "192.0.2.1") in seen
    assert ("create_connection", "example.org") in seen
    assert ("getaddrinfo", "example.net") in seen
    assert ("sendto", "192.0.2.2") in seen
    assert not any(a["host"].startswith("127.") for a in _attempts(log))  # loopback passes


def test_package_sets_the_offline_variables_itself(audit_dir: Path, tmp_path: Path) -> None:
    code = ("import os, twoknow_text\n"
            f"print({{k: os.environ.get(k) for k in {OFFLINE_VARS[:6]!r}}})\n")
    proc = subprocess.run([sys.executable, "-c", code], env=_child_env(audit_dir, tmp_path / "n.jsonl"),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = eval(proc.stdout.strip())  # noqa: S307  (our own child's repr of a dict of str)
    assert got["HF_HUB_OFFLINE"] == "1" and got["TRANSFORMERS_OFFLINE"] == "1"
    assert got["ORT_DISABLE_TELEMETRY"] == "1" and got["HF_HUB_DISABLE_TELEMETRY"] == "1"


def _strace_ok() -> bool:
    return shutil.which("strace") is not None


@pytest.fixture(scope="module")
def guarded_runs(audit_dir: Path) -> dict[str, tuple[subprocess.CompletedProcess, list[dict], str | None]]:
    """`twoknow deid` then `twoknow themes` (raw input: it de-identifies again), each run once under both
    witnesses: the Python guard inside, strace outside (the guard refuses Python's attempts before any
    syscall, so strace is left to see what compiled code tries)."""
    runs = {}
    for command, args in (
        ("deid", ["--out", str(audit_dir / "deid.csv"), "--quiet"]),
        ("themes", ["--out", str(audit_dir / "themes"), "--seed", "3", "--config", str(audit_dir / "themes.yaml")]),
    ):
        log, trace = audit_dir / f"{command}_net.jsonl", audit_dir / f"{command}_strace.txt"
        argv = _cli(command, str(audit_dir / "answers.csv"), *READ, *args)
        if _strace_ok():
            argv = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace), *argv]
        proc = subprocess.run(argv, env=_child_env(audit_dir, log), capture_output=True, text=True, timeout=900,
                              cwd=audit_dir)
        strace_text = None
        if _strace_ok() and not (proc.returncode != 0 and "ptrace" in proc.stderr.lower()):
            strace_text = trace.read_text(errors="replace") if trace.exists() else ""
        runs[command] = (proc, _attempts(log), strace_text)
    return runs


@pytest.mark.parametrize("command", ["deid", "themes"])
def test_no_connection_leaves_loopback_python_guard(guarded_runs, command: str) -> None:
    proc, attempts, _ = guarded_runs[command]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert attempts == [], f"twoknow {command} tried the network: {attempts[:5]}"


def test_outputs_were_really_written_under_the_guard(guarded_runs, audit_dir: Path) -> None:
    assert (audit_dir / "deid.csv").is_file() and (audit_dir / "deid.csv.manifest.json").is_file()
    assert (audit_dir / "themes" / "assignments.csv").is_file()
    assert (audit_dir / "themes" / "manifest.json").is_file()


def _non_loopback(trace: str) -> list[str]:
    bad = []
    for line in trace.splitlines():
        if "connect(" not in line and "sendto(" not in line and "sendmsg(" not in line:
            continue
        if "AF_INET" not in line:
            continue  # AF_UNIX / AF_NETLINK, or a sendto on a connected socket (no address)
        if re.search(r'inet_addr\("127\.|"::1"|in6addr_loopback', line):
            continue
        bad.append(line.strip())
    return bad


def test_strace_parser_flags_an_outside_connect() -> None:
    line = '123 connect(5, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("192.0.2.1")}, 16) = -1'
    ok = '123 connect(5, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}, 16) = 0'
    assert _non_loopback(line + "\n" + ok) == [line]


@pytest.mark.skipif(not _strace_ok(), reason="strace is not installed")
def test_strace_sees_a_connect(tmp_path: Path) -> None:
    """Positive control for the witness: a loopback connect to a closed port shows in the trace."""
    trace = tmp_path / "t.txt"
    code = "import socket\ntry: socket.create_connection(('127.0.0.1', 9), timeout=1)\nexcept OSError: pass\n"
    proc = subprocess.run(["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(trace), sys.executable, "-c", code],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0 and "ptrace" in proc.stderr.lower():
        pytest.skip("ptrace is not permitted here")
    text = trace.read_text()
    assert 'inet_addr("127.0.0.1")' in text and "htons(9)" in text
    assert _non_loopback(text) == []
    assert _non_loopback(text.replace("127.0.0.1", "192.0.2.1"))


@pytest.mark.skipif(not _strace_ok(), reason="strace is not installed (the Python guard still ran)")
@pytest.mark.parametrize("command", ["deid", "themes"])
def test_no_connection_leaves_loopback_strace(guarded_runs, command: str) -> None:
    """Compiled code (onnxruntime telemetry, C extensions) bypasses Python sockets: strace sees it."""
    proc, _, trace = guarded_runs[command]
    if trace is None:
        pytest.skip("ptrace is not permitted here (the Python guard still ran)")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _non_loopback(trace) == []
