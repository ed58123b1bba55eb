"""The Label Studio round trip against a real server (session fixture ``ls_server``).

Texts are synthetic, clinical and non-graphic.
"""

from __future__ import annotations

import csv
import json
import random
import uuid
from pathlib import Path

import pandas as pd
import pytest

from twoknow_text.annotation import (
    PULL_COLUMNS,
    connect,
    ensure_users,
    labelling_config,
    pull,
    pull_to_csv,
    push,
)
from twoknow_text.annotation._push import find_project
from twoknow_text.cli import main
from twoknow_text.codebook import load_codebook
from twoknow_text.errors import LabelStudioError
from twoknow_text.records import Corpus, Response

pytestmark = pytest.mark.labelstudio

ANSWERS = {
    "q1_led_to_it": [
        "I was lonely and bored most evenings.",
        "Curiosity at first, then it became a habit.",
        "Stress at work and a breakup at the same time.",
        "I kept looking for more extreme adult content.",
        "I do not really know why.",
        "It helped me avoid feeling low.",
    ],
    "q4_stops_you": [
        "Fear of getting caught.",
        "Guilt and shame afterwards.",
        "A warning message made me stop and think.",
        "I want to talk to a therapist.",
        "Thinking about the children harmed.",
        "Nothing stops me at the moment.",
    ],
}
QUESTIONS = {"q1_led_to_it": "What led you to search for this material?", "q4_stops_you": "What stops you?"}


def _corpus(n_per_question: int = 6, prefix: str = "p") -> Corpus:
    items = []
    for qid, texts in ANSWERS.items():
        for i in range(n_per_question):
            items.append(Response(response_id=f"{prefix}{i}:{qid}", respondent_id=f"{prefix}{i}", question_id=qid,
                                  language="en", text=texts[i % len(texts)], metadata={"wave": 1, "region": "north"}))
    return Corpus(items, deidentified=True)


def _title(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def _task_rids(ls, pid: int) -> list[str]:
    return [t.data["response_id"] for t in ls.tasks.list(project=pid, include="id,data", page_size=1000)]


def test_push_creates_project_then_second_push_adds_nothing(ls_client) -> None:
    title = _title("push")
    corpus = _corpus()
    rep = push(corpus, title, client=ls_client, coders_per_task=3, question_texts=QUESTIONS, meta_cols=["wave"])
    assert (rep.project_created, rep.n_input, rep.n_imported, rep.n_already_present) == (True, 12, 12, 0)
    proj = ls_client.projects.get(rep.project_id)
    assert proj.maximum_annotations == 3 and proj.title == title
    assert proj.label_config.strip() == labelling_config(load_codebook()).strip()
    tasks = {t.data["response_id"]: t.data for t in ls_client.tasks.list(project=rep.project_id, include="id,data")}
    assert sorted(tasks) == sorted(corpus.ids)
    one = tasks["p0:q4_stops_you"]
    assert one["question"] == QUESTIONS["q4_stops_you"] and one["question_id"] == "q4_stops_you"
    assert one["text"] == "Fear of getting caught." and one["wave"] == 1
    assert "region" not in one  # metadata goes only when chosen

    again = push(corpus, title, client=ls_client, coders_per_task=3, question_texts=QUESTIONS, meta_cols=["wave"])
    assert (again.project_created, again.n_imported, again.n_already_present, again.config_updated) == (False, 0, 12, False)
    assert again.project_id == rep.project_id
    assert sorted(_task_rids(ls_client, rep.project_id)) == sorted(corpus.ids)

    bigger = Corpus(list(corpus) + list(_corpus(2, prefix="new")), deidentified=True)
    more = push(bigger, title, client=ls_client, coders_per_task=2)
    assert (more.n_imported, more.n_already_present) == (4, 12)
    rids = _task_rids(ls_client, rep.project_id)
    assert len(rids) == len(set(rids)) == 16
    assert ls_client.projects.get(rep.project_id).maximum_annotations == 2
    assert not more.config_updated  # no codebook given: the project keeps its config

    from twoknow_text.codebook import Code

    cb = load_codebook()
    cb2 = cb.model_copy(update={"codes": [*cb.codes, Code(id="sit_peer_pressure", label="Peer pressure",
                                                            definition="Friends pushed.", category="situational_factors",
                                                            status="candidate")]})
    revised = push(bigger, title, cb2, client=ls_client)  # no coders_per_task: the project keeps 2
    assert revised.config_updated and revised.n_imported == 0
    proj = ls_client.projects.get(rep.project_id)
    assert 'alias="sit_peer_pressure"' in proj.label_config and proj.maximum_annotations == 2
    assert "Codebook: 2know" in proj.description


def test_interrupted_push_resumes_without_duplicates(ls_client) -> None:
    title = _title("resume")
    corpus = _corpus()

    def crash_after_first_chunk(done: int, total: int) -> None:
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C between two chunks

    with pytest.raises(KeyboardInterrupt):
        push(corpus, title, client=ls_client, chunk_size=5, on_chunk=crash_after_first_chunk)
    pid = int(find_project(ls_client, title).id)
    assert len(_task_rids(ls_client, pid)) == 5

    rep = push(corpus, title, client=ls_client, chunk_size=5)
    assert (rep.n_already_present, rep.n_imported, rep.n_chunks) == (5, 7, 2)
    rids = _task_rids(ls_client, pid)
    assert sorted(rids) == sorted(corpus.ids)


def _themes(tmp_path: Path) -> Path:
    d = tmp_path / "themes"
    d.mkdir()
    rows = [("p0:q1_led_to_it", 0, "0_lonely_bored_evenings", 0.9), ("p1:q1_led_to_it", 1, "1_curious_habit", 0.6),
            ("p2:q1_led_to_it", -1, "-1_outliers", 0.0)]
    with open(d / "assignments.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["response_id", "theme_id", "theme_label", "probability"])
        w.writerows(rows)
    (d / "theme_code_map.yaml").write_text("'0': sit_loneliness_boredom\n'1': [mot_curiosity]\n", encoding="utf-8")
    return d


def test_three_coders_annotate_and_pull_gives_the_tidy_table(ls_client, tmp_path: Path) -> None:
    title = _title("coders")
    rep = push(_corpus(3), title, client=ls_client, coders_per_task=3, themes_dir=_themes(tmp_path))
    assert rep.n_predictions == 2
    pid = rep.project_id
    coders = ensure_users(ls_client, ["ana@example.org", "ben@example.org", "cy@example.org"])
    assert ensure_users(ls_client, ["ana@example.org"]) == {"ana@example.org": coders["ana@example.org"]}
    task = {t.data["response_id"]: t.id for t in ls_client.tasks.list(project=pid, include="id,data")}

    def choices(cat: str, *codes: str) -> dict:
        return {"from_name": cat, "to_name": "text", "type": "choices", "value": {"choices": list(codes)}}

    def text(name: str, value: str) -> dict:
        return {"from_name": name, "to_name": "text", "type": "textarea", "value": {"text": [value]}}

    a, b, c = coders["ana@example.org"], coders["ben@example.org"], coders["cy@example.org"]
    r1, r2 = task["p0:q1_led_to_it"], task["p0:q4_stops_you"]
    ls_client.annotations.create(r1, completed_by=a, lead_time=12.5, result=[
        choices("situational_factors", "sit_loneliness_boredom"), choices("motivations", "mot_curiosity"),
        text("comment", "borderline: boredom or loneliness?"), choices("residual_pii", "yes")])
    ls_client.annotations.create(r1, completed_by=b, lead_time=3.0, result=[choices("motivations", "mot_curiosity")])
    ls_client.annotations.create(r1, completed_by=b, lead_time=4.0, result=[
        choices("situational_factors", "sit_loneliness_boredom"), text("new_code", "Evening routine")])
    ls_client.annotations.create(r1, completed_by=c, was_cancelled=True, result=[])
    ls_client.annotations.create(r2, completed_by=c, lead_time=2.0, result=[])  # saw it, no code applies
    ls_client.annotations.create(r2, completed_by=a, result=[choices("barriers", "bar_fear_of_getting_caught")])

    df = pull(title, client=ls_client)
    assert list(df.columns) == list(PULL_COLUMNS)
    got = sorted(zip(df.response_id, df.coder, df.code, df.category, df.status))
    assert got == [
        ("p0:q1_led_to_it", "ana@example.org", "mot_curiosity", "motivations", "coded"),
        ("p0:q1_led_to_it", "ana@example.org", "sit_loneliness_boredom", "situational_factors", "coded"),
        ("p0:q1_led_to_it", "ben@example.org", "sit_loneliness_boredom", "situational_factors", "coded"),
        ("p0:q4_stops_you", "ana@example.org", "bar_fear_of_getting_caught", "barriers", "coded"),
        ("p0:q4_stops_you", "cy@example.org", "", "", "no_code"),
    ]
    ana = df[(df.coder == "ana@example.org") & (df.response_id == "p0:q1_led_to_it")]
    assert set(ana.comment) == {"borderline: boredom or loneliness?"} and ana.residual_pii.all()
    assert set(ana.lead_time) == {12.5} and set(ana.question_id) == {"q1_led_to_it"}
    ben = df[df.coder == "ben@example.org"].iloc[0]
    assert ben.new_code == "Evening routine" and ben.lead_time == 4.0 and not ben.residual_pii
    assert pd.to_datetime(ben.updated_at) >= pd.to_datetime(ben.created_at)
    report = df.attrs["pull_report"]
    assert (report.n_cancelled, report.n_superseded, report.n_kept) == (1, 1, 4)
    assert sorted(report.unfinished) == sorted(set(_corpus(3).ids) - {"p0:q1_led_to_it", "p0:q4_stops_you"})
    assert set(df.source) == {"annotation"}  # predictions kept apart by default

    with_preds = pull(pid, client=ls_client, include_predictions=True)
    preds = with_preds[with_preds.source == "prediction"]
    assert sorted(zip(preds.response_id, preds.code)) == [
        ("p0:q1_led_to_it", "sit_loneliness_boredom"), ("p1:q1_led_to_it", "mot_curiosity")]
    assert preds.coder.str.startswith("model:twoknow-themes:").all()
    assert with_preds[with_preds.source == "annotation"].reset_index(drop=True).equals(df.reset_index(drop=True))

    out = tmp_path / "coding.csv"
    written, path = pull_to_csv(title, out, client=ls_client)
    back = pd.read_csv(path, keep_default_na=False)
    assert len(back) == len(written) == 5 and list(back.columns) == list(PULL_COLUMNS)
    manifest = json.loads((tmp_path / "coding.csv.manifest.json").read_text())
    assert manifest["stage"] == "ls-pull" and manifest["n_kept"] == 4 and manifest["outputs"] == ["coding.csv"]

    # the same theme run pushed again adds no second copy of its predictions
    again = push(_corpus(3), title, client=ls_client, coders_per_task=3, themes_dir=tmp_path / "themes")
    assert (again.n_imported, again.n_predictions_added_to_existing) == (0, 0)
    assert len(ls_client.predictions.list(project=pid)) == 2


def test_predictions_added_to_tasks_pushed_before_themes(ls_client, tmp_path: Path) -> None:
    title = _title("late-themes")
    rep = push(_corpus(3), title, client=ls_client)
    later = push(_corpus(3), title, client=ls_client, themes_dir=_themes(tmp_path))
    assert (later.n_imported, later.n_predictions_added_to_existing) == (0, 2)
    preds = ls_client.predictions.list(project=rep.project_id)
    assert len(preds) == 2 and {p.model_version.split(":")[0] for p in preds} == {"twoknow-themes"}
    task_rid = {t.id: t.data["response_id"] for t in ls_client.tasks.list(project=rep.project_id, include="id,data")}
    assert sorted(task_rid[p.task] for p in preds) == ["p0:q1_led_to_it", "p1:q1_led_to_it"]


def test_file_not_deidentified_is_refused_and_nothing_is_created(ls_client, tmp_path: Path) -> None:
    f = tmp_path / "raw.csv"
    f.write_text("id,answer\n1,I felt lonely.\n", encoding="utf-8")
    title = _title("refused")
    with pytest.raises(LabelStudioError) as err:
        push(f, title, client=ls_client, text_cols=["answer"], id_col="id")
    assert err.value.code == "E530"
    assert find_project(ls_client, title) is None


def test_override_warns_and_is_recorded_in_the_project(ls_client, tmp_path: Path) -> None:
    f = tmp_path / "elsewhere.csv"
    f.write_text("id,answer\n1,I felt lonely.\n2,Stress at work.\n", encoding="utf-8")
    title = _title("override")
    with pytest.warns(UserWarning, match="i-deidentified-this-elsewhere"):
        rep = push(f, title, client=ls_client, allow_external_deid=True, text_cols=["answer"], id_col="id")
    assert rep.deid_override and rep.n_imported == 2
    desc = ls_client.projects.get(rep.project_id).description
    assert "WARNING" in desc and "did NOT verify" in desc


def test_bad_token_and_unknown_project_are_coded(ls_server, ls_client) -> None:
    with pytest.raises(LabelStudioError) as err:
        connect(ls_server.url, "wrongtoken12345")
    assert err.value.code == "E511" and "wrongtoken12345" not in err.value.message
    with pytest.raises(LabelStudioError) as err:
        pull(_title("no-such-project"), client=ls_client)
    assert err.value.code == "E520"


@pytest.mark.slow
def test_canary_no_planted_identifier_reaches_label_studio(ls_server, ls_client, tmp_path: Path) -> None:
    from twoknow_text.deid import deidentify_file
    from twoknow_text.deid.planted import plant_identifiers

    rng = random.Random(20261123)
    kinds = ["email", "phone", "url", "onion_v3", "ipv4", "btc_base58", "eth", "xmr", "session_id",
             "pgp_fingerprint", "handle"]
    rows, planted = [], []
    bases = [t for texts in ANSWERS.values() for t in texts]
    for i, kind in enumerate(kinds):
        text, spans = plant_identifiers(bases[i % len(bases)], kind, rng)
        rows.append({"id": f"c{i}", "answer": text})
        planted += [s.value for s in spans]
    raw = tmp_path / "planted.csv"
    with open(raw, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, ["id", "answer"])
        w.writeheader()
        w.writerows(rows)
    out = tmp_path / "planted_deid.csv"
    deidentify_file(raw, out, text_cols=["answer"], id_col="id")

    title = _title("canary")
    rep = push(out, title, client=ls_client, text_cols=["answer"], id_col="id")
    assert rep.n_imported == len(kinds)
    export = json.dumps(ls_client.projects.exports.as_json(rep.project_id))
    assert export.count("[") >= len(kinds) and "EMAIL_ADDRESS_" in export  # the answers did arrive
    leaked = [v for v in planted if v in export]
    assert not leaked, f"{len(leaked)} planted value(s) reached the Label Studio export"
    db = (ls_server.data_dir / "label_studio.sqlite3").read_bytes()
    assert not [v for v in planted if v.encode() in db]


def test_cli_push_and_pull(ls_server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "answers.csv"
    f.write_text("id,answer\n1,I felt lonely.\n2,Fear of getting caught.\n", encoding="utf-8")
    title = _title("cli")
    base = ["--project", title, "--url", ls_server.url, "--token", ls_server.token]
    assert main(["ls", "push", str(f), "--text-col", "answer", "--id-col", "id", *base]) == 2
    assert "error[E530]" in capsys.readouterr().err
    assert main(["ls", "push", str(f), "--text-col", "answer", "--id-col", "id", "-k", "2",
                 "--i-deidentified-this-elsewhere", *base]) == 0
    captured = capsys.readouterr()
    assert "2 imported" in captured.out and "WARNING" in captured.err
    assert "I felt lonely" not in captured.out + captured.err
    out = tmp_path / "pulled.csv"
    assert main(["ls", "pull", "--out", str(out), "--include-unfinished", *base]) == 0
    table = pd.read_csv(out, keep_default_na=False, dtype=str)
    assert sorted(table.response_id) == ["1", "2"] and set(table.status) == {"unfinished"}
    assert main(["ls", "pull", "--out", str(tmp_path / "x.csv"), "--project", title, "--url", ls_server.url,
                 "--token", "badtoken12345"]) == 2
    assert "error[E511]" in capsys.readouterr().err


def test_cli_serve_prints_url_and_stops_on_ctrl_c(ls_server, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    from twoknow_text.annotation._server import free_port

    template = Path(request.config.cache.mkdir("twoknow-labelstudio")) / "template"  # built by ls_server
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "twoknow_text", "ls", "serve", "--port", str(port), "--data-dir",
         str(tmp_path / "serve"), "--template-dir", str(template)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "LABEL_STUDIO_API_KEY": "servetoken123"},
    )
    try:
        first = proc.stdout.readline()
        assert f"running at http://127.0.0.1:{port}" in first, first
        pid = int(first.split("(pid ")[1].split(",")[0])
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{port}/health", timeout=5) as resp:
            assert resp.status == 200
        connect(f"http://127.0.0.1:{port}", "servetoken123")  # the token we asked for works
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 130
        assert "Label Studio stopped." in proc.stderr.read()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the Label Studio process outlived `twoknow ls serve`")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_restarting_a_data_dir_keeps_its_token(ls_server, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    from twoknow_text.annotation import start_server

    template = Path(request.config.cache.mkdir("twoknow-labelstudio")) / "template"  # built by ls_server
    data = tmp_path / "restart"
    with start_server(data_dir=data, token="firsttoken123", template_dir=template) as srv:
        title = _title("restart")
        push(_corpus(1), title, url=srv.url, token=srv.token)
    with start_server(data_dir=data, token="firsttoken123", template_dir=template) as srv:
        ls = connect(srv.url, srv.token)
        assert len(_task_rids(ls, int(find_project(ls, title).id))) == 2  # the data survived the restart
    with pytest.raises(LabelStudioError) as err:
        start_server(data_dir=data, token="secondtoken123", template_dir=template)
    assert err.value.code == "E506"


@pytest.fixture
def held_port():
    """A port held by a socket that is bound but not listening: probes see it free, a bind fails."""
    import socket

    from twoknow_text.annotation._server import free_port

    for _ in range(20):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", free_port()))
        except OSError:
            s.close()
            continue
        with s:
            yield s.getsockname()[1]
        return
    pytest.skip("could not hold a port")


@pytest.fixture
def ls_template(ls_server, request: pytest.FixtureRequest) -> Path:
    return Path(request.config.cache.mkdir("twoknow-labelstudio")) / "template"  # built by ls_server


def test_a_picked_port_taken_before_the_bind_is_replaced(
    ls_template: Path, held_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A race a busy machine can hit: the port picked for the server is taken
    # (here by a bound socket, as an outgoing connection would) before Label
    # Studio binds it; Label Studio then exits with "That port is already in use".
    from twoknow_text.annotation import _server

    real_free_port = _server.free_port
    picks = iter([held_port])
    monkeypatch.setattr(_server, "free_port", lambda: next(picks, None) or real_free_port())
    with _server.start_server(data_dir=tmp_path / "race", token="racetoken123", template_dir=ls_template) as srv:
        assert srv.port != held_port
        connect(srv.url, srv.token)
    log = (tmp_path / "race" / "server.log").read_text()
    assert "That port is already in use." in log  # the first start really failed on the port


def test_a_given_port_taken_before_the_bind_is_a_coded_error(ls_template: Path, held_port: int, tmp_path: Path) -> None:
    from twoknow_text.annotation import start_server

    with pytest.raises(LabelStudioError) as err:
        start_server(port=held_port, data_dir=tmp_path / "given", token="giventoken123", template_dir=ls_template)
    assert err.value.code == "E503" and f"Port {held_port}" in str(err.value)


def test_a_password_that_starts_with_a_dash_starts_the_server(ls_template: Path, tmp_path: Path) -> None:
    # secrets.token_urlsafe gives such a password one time in 64: before the
    # "--password=value" form, Label Studio read it as an option and exited
    # with a usage error (status 2), which failed a CI run.
    from twoknow_text.annotation import start_server

    with start_server(data_dir=tmp_path / "dash", token="dashtoken123", password="-starts-with-a-dash",
                      template_dir=ls_template) as srv:
        assert srv.is_running() and srv.password == "-starts-with-a-dash"
        connect(srv.url, srv.token)
