"""Disagreement lists, the append-only audit log, and the Label Studio adjudication round trip.

Texts are synthetic, clinical and non-graphic.
"""

from __future__ import annotations

import json
import uuid

import pandas as pd
import pytest

from twoknow_text.agreement import (
    COMPARE_FIELD,
    AuditLog,
    adjudicate_pull,
    adjudicate_push,
    disagreements,
    gold_table,
    reliability_data,
)
from twoknow_text.errors import AgreementError
from twoknow_text.records import Corpus, Response

TEXTS = {
    "r1": "I was lonely and bored most evenings.",
    "r2": "Fear of getting caught stops me.",
    "r3": "Curiosity at first, then it became a habit.",
    "r4": "I want to talk to a therapist.",
}
CODINGS = pd.DataFrame(
    [
        ("r1", "ana", "sit_loneliness_boredom"), ("r1", "ben", "sit_loneliness_boredom"),
        ("r1", "ben", "mot_curiosity"),
        ("r2", "ana", "bar_fear_of_getting_caught"), ("r2", "ben", "bar_fear_of_getting_caught"),
        ("r3", "ana", "mot_curiosity"), ("r3", "ben", ""),
        ("r4", "ana", "bar_help_seeking"), ("r4", "ben", "bar_help_seeking"),
    ],
    columns=["response_id", "coder", "code"],
)


def _corpus(deidentified: bool = True) -> Corpus:
    return Corpus(
        [Response(response_id=k, respondent_id=k, question_id="q1_led_to_it", language="en", text=v)
         for k, v in TEXTS.items()],
        deidentified=deidentified,
    )


def test_disagreements_lists_each_coders_codes() -> None:
    d = reliability_data(CODINGS, "response_id", "coder", "code", multi_label=True)
    dis = disagreements(d).set_index("unit")
    assert list(dis.index) == ["r1", "r3"]
    assert dis.loc["r1", "disputed"] == "mot_curiosity"
    assert dis.loc["r1", "agreed"] == "sit_loneliness_boredom"
    assert dis.loc["r1", "ben"] == "mot_curiosity;sit_loneliness_boredom"
    assert dis.loc["r3", "ben"] == ""  # saw it, gave no code


def test_disagreements_single_valued() -> None:
    df = pd.DataFrame({"unit": ["a", "a", "b", "b"], "coder": ["x", "y"] * 2, "value": ["1", "2", "3", "3"]})
    dis = disagreements(reliability_data(df))
    assert dis["unit"].tolist() == ["a"] and dis.loc[0, "x"] == "1" and dis.loc[0, "y"] == "2"


def test_audit_log_is_append_only(tmp_path) -> None:  # noqa: ANN001
    log = AuditLog(tmp_path / "audit.jsonl")
    assert log.append([{"decision_id": "d1", "who": "lead", "unit": "r1", "before": {}, "after": ["x"]}]) == 1
    first = log.path.read_bytes()
    # A repeated decision is not logged twice; a new one is appended after the old bytes.
    assert log.append([{"decision_id": "d1", "who": "lead", "unit": "r1", "before": {}, "after": ["x"]},
                       {"decision_id": "d2", "who": "lead", "unit": "r3", "before": {}, "after": []}]) == 1
    second = log.path.read_bytes()
    assert second.startswith(first) and len(second) > len(first)
    assert [r["decision_id"] for r in log.read()] == ["d1", "d2"]
    log.path.write_text(second.decode() + "not json\n", encoding="utf-8")
    with pytest.raises(AgreementError) as exc:
        log.read()
    assert exc.value.code == "E622"


def test_push_refuses_text_that_was_not_deidentified() -> None:
    d = reliability_data(CODINGS, "response_id", "coder", "code", multi_label=True)
    with pytest.raises(Exception) as exc:
        adjudicate_push(disagreements(d), _corpus(deidentified=False), client=object())
    assert getattr(exc.value, "code", None) == "E531"


@pytest.mark.labelstudio
def test_adjudication_round_trip(ls_client, tmp_path) -> None:  # noqa: ANN001
    from twoknow_text.annotation import ensure_users

    d = reliability_data(CODINGS, "response_id", "coder", "code", multi_label=True)
    dis = disagreements(d)
    title = f"adjudication-{uuid.uuid4().hex[:8]}"
    res = adjudicate_push(dis, _corpus(), title=title, client=ls_client)
    assert res.tasks_created == 2 and res.tasks_skipped == 0
    again = adjudicate_push(dis, _corpus(), title=title, client=ls_client)
    assert again.tasks_created == 0 and again.tasks_skipped == 2 and again.project_id == res.project_id

    tasks = {t.data["response_id"]: t for t in ls_client.tasks.list(project=res.project_id, fields="all")}
    assert set(tasks) == {"r1", "r3"}
    assert "ben: mot_curiosity, sit_loneliness_boredom" in tasks["r1"].data[COMPARE_FIELD]
    preds = ls_client.predictions.list(project=res.project_id)
    assert {p.model_version for p in preds} == {"coder:ana", "coder:ben"}

    lead = ensure_users(ls_client, ["lead@example.org"])["lead@example.org"]
    ls_client.annotations.create(tasks["r1"].id, completed_by=lead, result=[
        {"from_name": "situational_factors", "to_name": "text", "type": "choices",
         "value": {"choices": ["sit_loneliness_boredom"]}}])
    ls_client.annotations.create(tasks["r3"].id, completed_by=lead, result=[])

    log_path = tmp_path / "audit.jsonl"
    gold = adjudicate_pull(title, log_path, client=ls_client)
    assert sorted(zip(gold.unit, gold.code)) == [("r1", "sit_loneliness_boredom"), ("r3", "")]
    assert set(gold.adjudicator) == {"lead@example.org"}
    records = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()]
    by_unit = {r["unit"]: r for r in records}
    assert by_unit["r1"]["who"] == "lead@example.org"
    assert by_unit["r1"]["before"] == {"ana": ["sit_loneliness_boredom"], "ben": ["mot_curiosity", "sit_loneliness_boredom"]}
    assert by_unit["r1"]["after"] == ["sit_loneliness_boredom"] and by_unit["r3"]["after"] == []
    assert all(r["at"] for r in records)
    # Pulling again logs nothing new and keeps the file as it was.
    before = log_path.read_bytes()
    adjudicate_pull(res.project_id, log_path, client=ls_client)
    assert log_path.read_bytes() == before
    # No answer text reached the log.
    assert not any(t in log_path.read_text(encoding="utf-8") for t in TEXTS.values())
    # The pulled gold scores the coders as it is (coder quality).
    quality = gold_table(CODINGS[CODINGS.response_id.isin(["r1", "r3"])], gold, unit_col="response_id",
                         value_col="code", multi_label=True).set_index("coder")
    assert quality.loc["ana", "recall"] == 1.0 and quality.loc["ana", "precision"] == 0.5
    assert quality.loc["ben", "precision"] == 0.5
