"""The privacy-review gate against a real Label Studio server.

A de-identification that misses a name (NER switched off on purpose) flags
the answer; the coding push holds it back; a reviewer marks the name in the
review project; the pull turns it into the same keyed pseudonym
``twoknow deid`` would have written, and the answer then reaches coders.
Texts are synthetic, clinical and non-graphic.
"""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path

import pandas as pd
import pytest

from twoknow_text.annotation import push, review_pull, review_push
from twoknow_text.cli import main
from twoknow_text.deid import Pseudonymizer, deidentify_file, load_key, new_key_file, verify_deidentified
from twoknow_text.deid.pipeline import manifest_path_for
from twoknow_text.errors import LabelStudioError

pytestmark = pytest.mark.labelstudio

ROWS = [
    ("a1", "I was lonely and bored most evenings."),
    ("a2", "Fear of getting caught."),
    ("a3", "My wife Sanna does not know about this, Sanna never asked."),
    ("a4", "Stress at work and a breakup at the same time."),
]
WEAK = {"ner": False, "capitalised_name_heuristic": False}  # misses the name on purpose
READ = {"text_cols": ["answer"], "id_col": "id"}


def _title(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def _deid(tmp_path: Path, rows=ROWS) -> tuple[Path, Path]:
    raw = tmp_path / "raw.csv"
    with open(raw, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "answer"])
        w.writerows(rows)
    key = new_key_file(tmp_path / "deid.key")
    out = tmp_path / "out.csv"
    res = deidentify_file(raw, out, key_file=key, report=tmp_path / "deid_report.json", config=WEAK, **READ)
    assert res.report.review == ["a3"]  # the missed name is flagged
    return out, key


def _rids(ls, pid: int) -> list[str]:
    return sorted(t.data["response_id"] for t in ls.tasks.list(project=pid, include="id,data", page_size=1000))


def test_review_round_trip_redacts_the_marked_span_and_releases_the_answer(ls_client, tmp_path: Path) -> None:
    out, key = _deid(tmp_path)
    coding = _title("coding")
    first = push(out, coding, client=ls_client, **READ)
    assert (first.n_imported, first.n_held_for_review) == (3, 1)
    assert _rids(ls_client, first.project_id) == ["a1", "a2", "a4"]

    review = _title("privacy-review")
    rp = review_push(out, review, client=ls_client, **READ)
    assert (rp.n_flagged, rp.n_imported, rp.project_created) == (1, 1, True)
    again = review_push(out, review, client=ls_client, **READ)
    assert (again.n_imported, again.n_already_present) == (0, 1)
    [task] = list(ls_client.tasks.list(project=rp.project_id, fields="all"))
    text = task.data["text"]
    assert task.data["response_id"] == "a3" and "Sanna" in text and task.data["risk_score"] >= 0.5
    start = text.index("Sanna")
    ls_client.annotations.create(task.id, result=[
        {"from_name": "pii", "to_name": "text", "type": "labels",
         "value": {"start": start, "end": start + 5, "text": "Sanna", "labels": ["PERSON"]}},
        {"from_name": "decision", "to_name": "text", "type": "choices", "value": {"choices": ["redacted"]}},
    ])

    pulled = review_pull(out, review, key_file=key, client=ls_client, **READ)
    assert (pulled.n_reviewed, pulled.n_redacted, pulled.n_spans, pulled.n_replacements) == (1, 1, 1, 2)
    assert pulled.types == {"PERSON": 1} and pulled.n_still_flagged == 0
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    new = table.set_index("id").loc["a3", "answer"]
    ph = Pseudonymizer(load_key(key)).placeholder("PERSON", "Sanna")
    assert "Sanna" not in new and new.count(ph) == 2
    assert table.set_index("id").loc["a1", "answer"] == ROWS[0][1]  # nothing else changed
    manifest = verify_deidentified(out)  # the manifest's hash follows the rewritten file
    assert manifest["review"]["reviewed"]["a3"]["decision"] == "redacted"
    assert manifest["review"]["reviewed"]["a3"]["types"] == {"PERSON": 1}
    assert "Sanna" not in manifest_path_for(out).read_text(encoding="utf-8")
    report = json.loads((tmp_path / "deid_report.json").read_text(encoding="utf-8"))
    assert report["reviewed"] == ["a3"] and "Sanna" not in json.dumps(report)

    # a second pull changes nothing; the reviewed answer now reaches coders, redacted
    assert review_pull(out, review, key_file=key, client=ls_client, **READ).n_reviewed == 0
    second = push(out, coding, client=ls_client, **READ)
    assert (second.n_imported, second.n_held_for_review) == (1, 0)
    export = json.dumps(ls_client.projects.exports.as_json(first.project_id))
    assert ph in export and "Sanna" not in export


def test_override_pushes_unreviewed_answers_loudly_and_is_recorded(ls_client, tmp_path: Path) -> None:
    out, _ = _deid(tmp_path)
    title = _title("override")
    with pytest.warns(UserWarning, match="allow-unreviewed"):
        rep = push(out, title, client=ls_client, allow_unreviewed=True, **READ)
    assert (rep.n_imported, rep.n_sent_unreviewed, rep.n_held_for_review) == (4, 1, 0)
    desc = ls_client.projects.get(rep.project_id).description
    assert "WARNING: 1 answer(s) flagged for privacy review were imported UNREVIEWED" in desc
    # the warning stays on a later push without the override
    push(out, title, client=ls_client, **READ)
    assert "UNREVIEWED" in ls_client.projects.get(rep.project_id).description


def test_everything_held_back_is_a_coded_error_and_nothing_is_created(ls_client, tmp_path: Path) -> None:
    out, _ = _deid(tmp_path, rows=[("a3", ROWS[2][1])])
    title = _title("all-held")
    with pytest.raises(LabelStudioError) as err:
        push(out, title, client=ls_client, **READ)
    assert err.value.code == "E552" and "Sanna" not in err.value.message
    from twoknow_text.annotation._push import find_project

    assert find_project(ls_client, title) is None


def test_review_pull_needs_the_key_and_refuses_a_coding_project(ls_client, tmp_path: Path) -> None:
    out, _ = _deid(tmp_path)
    coding = _title("not-review")
    push(out, coding, client=ls_client, **READ)
    with pytest.raises(LabelStudioError) as err:
        review_push(out, coding, client=ls_client, **READ)
    assert err.value.code == "E553"
    with pytest.raises(LabelStudioError) as err:
        review_pull(out, coding, client=ls_client, **READ)
    assert err.value.code == "E554"


def test_cli_gate_and_review_commands(ls_server, ls_client, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, key = _deid(tmp_path)
    server = ["--url", ls_server.url, "--token", ls_server.token]
    cols = ["--text-col", "answer", "--id-col", "id"]
    coding, review = _title("cli-coding"), _title("cli-review")
    assert main(["ls", "push", str(out), *cols, "--project", coding, *server]) == 0
    cap = capsys.readouterr()
    assert "3 imported" in cap.out and "1 answer(s) flagged for privacy review were held back" in cap.err
    assert main(["ls", "review", "push", str(out), *cols, "--project", review, *server]) == 0
    assert "1 imported" in capsys.readouterr().out
    pid = next(p.id for p in ls_client.projects.list(title=review) if p.title == review)
    [task] = list(ls_client.tasks.list(project=pid, include="id,data"))
    ls_client.annotations.create(task.id, result=[
        {"from_name": "decision", "to_name": "text", "type": "choices", "value": {"choices": ["safe"]}}])
    assert main(["ls", "review", "pull", str(out), *cols, "--project", review, "--key-file", str(key), *server]) == 0
    cap = capsys.readouterr()
    assert "1 answers reviewed (1 safe, 0 redacted)" in cap.out and "Sanna" not in cap.out + cap.err
    assert main(["ls", "push", str(out), *cols, "--project", coding, *server]) == 0
    assert "1 imported" in capsys.readouterr().out
    # a safe decision changes no text: the manifest records the review only
    assert verify_deidentified(out)["review"]["reviewed"]["a3"]["decision"] == "safe"
