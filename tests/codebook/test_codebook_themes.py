"""Candidate codes from a themes run (real packaged embedder) and recorded edits."""

from __future__ import annotations

import datetime as dt

import pytest

from twoknow_text.codebook import (
    Code,
    codes_from_themes,
    load_codebook,
    merge_codes,
    read_themes,
    rename_code,
    set_status,
    split_code,
    suggest_categories,
)
from twoknow_text.errors import CodebookError

DAY = dt.date(2026, 3, 1)


@pytest.mark.slow
def test_candidates_get_the_right_category_by_embedding(test_data, embedder):
    cb = load_codebook()
    new, table = codes_from_themes(test_data / "codebook" / "mini_themes.csv", cb, embedder, min_size=5, date=DAY)
    # theme -1 (outliers) and theme 5 (3 answers < min_size) are skipped
    assert list(table["theme_id"]) == ["0", "1", "2", "3", "4", "6"]
    assert list(table["suggested_category"]) == [
        "situational_factors", "barriers", "facilitators", "barriers", "motivations", "barriers"
    ]
    assert list(table["nearest_code"]) == [
        "sit_loneliness_boredom", "bar_fear_of_getting_caught", "fac_anonymity_tools", "bar_help_seeking",
        "mot_curiosity", "bar_help_seeking",
    ]
    # theme 6 was matched to an existing code by zero-shot themes: no candidate for it
    assert list(table["action"]) == ["candidate added"] * 5 + ["matches bar_help_seeking"]
    assert (table["score"] > table["runner_up_score"]).all()
    added = [c for c in new.codes if c.status == "candidate"]
    assert len(added) == 5 and len(new.codes) == len(cb.codes) + 5
    c0 = new.get("cand_t0_alone_lonely_nights")
    assert c0.category == "situational_factors"
    assert c0.seed_words[:3] == ["alone", "lonely", "nights"]
    assert c0.examples[0].startswith("I spent every night alone")
    assert c0.history[0].date == DAY and "suggested category situational_factors" in c0.history[0].reason
    # idempotent: running again adds nothing
    again, t2 = codes_from_themes(test_data / "codebook" / "mini_themes.csv", new, embedder, min_size=5, date=DAY)
    assert again.ids == new.ids and list(t2["action"])[:5] == ["exists"] * 5


@pytest.mark.slow
def test_suggest_categories_for_plain_texts(embedder):
    cb = load_codebook()
    got = suggest_categories(
        ["A pop-up warning told me the search was illegal and I stopped.", ["drunk", "alcohol", "late at night"]],
        cb,
        embedder,
    )
    assert [g.category for g in got] == ["barriers", "facilitators"]
    with pytest.raises(CodebookError) as ei:
        suggest_categories([[" "]], cb, embedder)
    assert ei.value.code == "E712"


def test_read_themes_errors(tmp_path):
    with pytest.raises(CodebookError) as ei:
        read_themes(tmp_path)
    assert ei.value.code == "E710"
    (tmp_path / "themes.csv").write_text("theme_id,name\n0,x\n", encoding="utf-8")
    with pytest.raises(CodebookError) as ei:
        read_themes(tmp_path)
    assert ei.value.code == "E711" and "top_words" in ei.value.message


def test_merge_records_history_and_retires_sources():
    cb = load_codebook()
    cb.codes.append(Code(id="sit_night", label="Night", definition="At night.", category="situational_factors",
                         seed_words=["night"], parent="sit_other"))
    new = merge_codes(cb, ["sit_other"], "sit_life_events", reason="too rare", date=DAY)
    assert new.get("sit_other").status == "retired"
    assert new.get("sit_other").history[-1].change == "merged into sit_life_events"
    target = new.get("sit_life_events")
    assert target.history[-1].change == "merged from sit_other" and target.history[-1].reason == "too rare"
    assert "It mostly happened when I could not sleep and was awake at night." in target.examples
    assert new.get("sit_night").parent == "sit_life_events"
    assert cb.get("sit_other").status == "active"  # the input is not changed
    with pytest.raises(CodebookError) as ei:
        merge_codes(cb, ["mot_other"], "sit_life_events")
    assert ei.value.code == "E714"


def test_split_and_rename_and_status():
    cb = load_codebook()
    new = split_code(
        cb,
        "sit_stress_negative_mood",
        [{"id": "sit_stress", "label": "Stress"}, {"id": "sit_low_mood", "label": "Low mood"}],
        reason="two distinct ideas",
        date=DAY,
    )
    assert new.get("sit_stress_negative_mood").status == "retired"
    assert new.get("sit_stress_negative_mood").history[-1].change == "split into sit_stress, sit_low_mood"
    assert new.get("sit_low_mood").category == "situational_factors"
    assert new.get("sit_low_mood").history[-1].change == "split from sit_stress_negative_mood"
    i = new.ids.index("sit_stress_negative_mood")
    assert new.ids[i + 1 : i + 3] == ["sit_stress", "sit_low_mood"]
    kept = split_code(cb, "bar_help_seeking", [{"id": "bar_help_a", "label": "A"}, {"id": "bar_help_b", "label": "B"}],
                      retire=False)
    assert kept.get("bar_help_a").parent == "bar_help_seeking" and kept.get("bar_help_seeking").status == "active"
    with pytest.raises(CodebookError) as ei:
        split_code(cb, "bar_help_seeking", [{"id": "x_only", "label": "X"}])
    assert ei.value.code == "E715"

    renamed = rename_code(new, "sit_low_mood", label="Low or negative mood", new_id="sit_mood", reason="clearer", date=DAY)
    assert "sit_low_mood" not in renamed and renamed.get("sit_mood").label == "Low or negative mood"
    assert "id 'sit_low_mood' -> 'sit_mood'" in renamed.get("sit_mood").history[-1].change
    with pytest.raises(CodebookError) as ei:
        rename_code(new, "sit_mood" if "sit_mood" in new else "sit_stress", new_id="sit_life_events")
    assert ei.value.code == "E713"

    promoted = set_status(renamed, "sit_mood", "candidate", reason="new definition", date=DAY)
    assert promoted.get("sit_mood").status == "candidate"
    assert promoted.get("sit_mood").history[-1].change == "status active -> candidate"
    with pytest.raises(CodebookError) as ei:
        set_status(renamed, "sit_mood", "draft")
    assert ei.value.code == "E716"
