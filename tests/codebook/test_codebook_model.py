"""The codebook model, its validation and YAML I/O, on the real default codebook."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from twoknow_text.codebook import (
    Code,
    Codebook,
    HistoryEntry,
    default_codebook_path,
    load_codebook,
    save_codebook,
)
from twoknow_text.errors import CodebookError

AGREED_CODES = {
    "motivations": [
        "mot_sexual_interest", "mot_emotional_regulation", "mot_high_sex_drive", "mot_sensation_seeking",
        "mot_curiosity", "mot_escalation_adult_content", "mot_other",
    ],
    "facilitators": [
        "fac_anonymity_tools", "fac_easy_access", "fac_habitual_pornography_use", "fac_substance_use",
        "fac_adverse_childhood", "fac_other",
    ],
    "situational_factors": ["sit_loneliness_boredom", "sit_stress_negative_mood", "sit_life_events", "sit_other"],
    "barriers": [
        "bar_fear_of_getting_caught", "bar_guilt_shame", "bar_empathy_for_victims",
        "bar_warning_messages_blocking", "bar_help_seeking", "bar_other",
    ],
}


def _code(cid: str, category: str = "motivations", parent: str | None = None) -> Code:
    return Code(id=cid, label=cid, definition="d", category=category, parent=parent)


def test_default_codebook_has_the_agreed_ids_in_order():
    cb = load_codebook()
    assert cb.category_ids == list(AGREED_CODES)
    for cat, ids in AGREED_CODES.items():
        assert [c.id for c in cb.codes_in(cat)] == ids


def test_default_codebook_every_code_is_complete():
    cb = load_codebook()
    for code in cb.codes:
        assert code.status == "active"
        assert code.definition and code.label and code.source
        assert code.inclusion and code.exclusion and code.examples and code.near_misses, code.id
        assert code.history and code.history[0].change == "created"
        if not code.id.endswith("_other"):
            assert len(code.seed_words) >= 4, code.id
    for cat in cb.categories:
        assert len(cat.description) > 80


def test_repository_copy_is_identical_to_package_copy(repo_root):
    # the package copy is the source of truth; configs/ is a copy for browsing
    assert (repo_root / "configs" / "codebooks" / "2know.yaml").read_bytes() == default_codebook_path().read_bytes()


def test_yaml_round_trip_keeps_everything(tmp_path):
    cb = load_codebook()
    code = cb.get("bar_help_seeking")
    code.history.append(HistoryEntry(date=dt.date(2026, 1, 2), change="definition revised", reason="low alpha", agreement=0.61))
    cb.codes.append(_code("bar_help_anonymous", "barriers", parent="bar_help_seeking").model_copy(update={"status": "candidate"}))
    out = save_codebook(cb, tmp_path / "cb.yaml")
    back = load_codebook(out)
    assert back == cb
    assert back.get("bar_help_seeking").history[-1].agreement == pytest.approx(0.61)
    assert [c.id for c in back.children("bar_help_seeking")] == ["bar_help_anonymous"]


def test_categories_are_configurable():
    cb = Codebook(
        name="x",
        categories=[{"id": "risk", "label": "Risk"}, {"id": "protective", "label": "Protective"}],
        codes=[_code("r1", "risk"), _code("p1", "protective")],
    )
    assert cb.category_ids == ["risk", "protective"]
    assert [c.id for c in cb.codes_in("protective")] == ["p1"]


def test_default_categories_when_none_given():
    cb = Codebook(name="x")
    assert cb.category_ids == list(AGREED_CODES)


@pytest.mark.parametrize(
    ("codes", "code", "needle"),
    [
        ([_code("a"), _code("a")], "E703", "'a' appears twice"),
        ([_code("a", category="nope")], "E704", "category 'nope'"),
        ([_code("a", parent="ghost")], "E705", "unknown parent 'ghost'"),
        ([_code("a", parent="b"), _code("b", parent="a")], "E706", "cycle"),
        ([_code("a", parent="a")], "E706", "cycle"),
        ([_code("a"), _code("b", category="barriers", parent="a")], "E709", "another category"),
    ],
)
def test_structure_errors_are_coded(codes, code, needle):
    with pytest.raises(CodebookError) as ei:
        Codebook(name="bad", codes=codes)
    assert ei.value.code == code
    assert needle in ei.value.message


def test_unknown_code_lookup_is_coded():
    with pytest.raises(CodebookError) as ei:
        load_codebook().get("nope")
    assert ei.value.code == "E708"


def test_file_errors_are_coded(tmp_path):
    with pytest.raises(CodebookError) as ei:
        load_codebook(tmp_path / "missing.yaml")
    assert ei.value.code == "E700"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(CodebookError) as ei:
        load_codebook(bad)
    assert ei.value.code == "E701"
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(CodebookError) as ei:
        load_codebook(bad)
    assert ei.value.code == "E701"


def test_unknown_key_names_the_key_and_suggests(tmp_path):
    data = yaml.safe_load(default_codebook_path().read_text(encoding="utf-8"))
    data["codes"][3]["defintion"] = data["codes"][3].pop("definition")
    p = tmp_path / "typo.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CodebookError) as ei:
        load_codebook(p)
    assert ei.value.code == "E702"
    assert "codes.3.defintion" in ei.value.message and "did you mean 'definition'" in ei.value.message


def test_bad_status_and_id_are_rejected(tmp_path):
    data = yaml.safe_load(default_codebook_path().read_text(encoding="utf-8"))
    data["codes"][0]["status"] = "draft"
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CodebookError, match="codes.0.status"):
        load_codebook(p)
    with pytest.raises(Exception):
        _code("Has Space")


def test_assignment_is_validated():
    cb = load_codebook()
    with pytest.raises(CodebookError) as ei:
        cb.get("mot_curiosity").category = "unknown"
        cb.codes = list(cb.codes)  # re-validate the whole book
    assert ei.value.code == "E704"


def test_unquoted_numeric_version_is_read_as_text(tmp_path):
    p = tmp_path / "v.yaml"
    p.write_text("name: mini\nversion: 2.0\ncodes:\n- {id: sit_a, label: A, definition: d, category: situational_factors}\n",
                 encoding="utf-8")
    cb = load_codebook(p)
    assert cb.version == "2.0" and cb.category_ids[0] == "motivations"
