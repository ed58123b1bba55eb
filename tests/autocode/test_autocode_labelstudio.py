"""`push(..., autocode_dir=...)`: the model's suggestions reach a real Label Studio as scored predictions."""

from __future__ import annotations

import uuid

import pytest

from twoknow_text.annotation import push
from twoknow_text.autocode import AutoCoder, codebook_descriptions
from twoknow_text.records import Corpus, Response

pytestmark = [pytest.mark.labelstudio, pytest.mark.slow]

TRAIN = [
    ("I was lonely and bored most evenings.", ["sit_loneliness_boredom"]),
    ("Evenings alone with nothing to do.", ["sit_loneliness_boredom"]),
    ("Boredom and isolation at weekends.", ["sit_loneliness_boredom"]),
    ("Curiosity at first, then it became a habit.", ["mot_curiosity"]),
    ("I was curious what was out there.", ["mot_curiosity"]),
    ("Just curiosity, nothing more.", ["mot_curiosity"]),
    ("Fear of getting caught by the police.", ["bar_fear_of_getting_caught"]),
    ("The risk of being arrested stops me.", ["bar_fear_of_getting_caught"]),
    ("Fear that my family would find out.", ["bar_fear_of_getting_caught"]),
    ("I do not really know why.", []),
]
NEW = ["Lonely nights with nobody to talk to.", "I wanted to see what it was, out of curiosity.",
       "Being caught is what I fear most.", "Hard to say."]


def test_push_sends_autocode_suggestions_with_scores(ls_client, embedder, tmp_path) -> None:
    model = AutoCoder(embedder=embedder, random_state=0)
    model.fit([t for t, _ in TRAIN], [c for _, c in TRAIN], codebook_descriptions())
    model.save(tmp_path / "model")
    corpus = Corpus([Response(response_id=f"a{i}:q1_led_to_it", respondent_id=f"a{i}", question_id="q1_led_to_it",
                              language="en", text=t) for i, t in enumerate(NEW)], deidentified=True)
    title = f"autocode {uuid.uuid4().hex[:8]}"
    rep = push(corpus, title, client=ls_client, autocode_dir=tmp_path / "model")
    assert rep.n_predictions == len(NEW)
    preds = list(ls_client.predictions.list(project=rep.project_id))
    assert len(preds) == len(NEW)
    assert all(p.model_version.startswith("twoknow-autocode:autocode-") for p in preds)
    assert all(0 <= p.score <= 1 for p in preds)
    task_rid = {t.id: t.data["response_id"] for t in ls_client.tasks.list(project=rep.project_id, include="id,data")}
    got = {task_rid[p.task]: [c for r in p.result for c in r["value"]["choices"]] for p in preds}
    assert got["a0:q1_led_to_it"] == ["sit_loneliness_boredom"]
    assert got["a2:q1_led_to_it"] == ["bar_fear_of_getting_caught"]
