"""Fast tests of the Label Studio pieces that need no server: config, tidy table, theme map, deid gate."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from label_studio_sdk.label_interface import LabelInterface

from twoknow_text.annotation import labelling_config, load_theme_code_map, push, theme_predictions, tidy_from_export
from twoknow_text.annotation._config import coder_guide_html, layout_path
from twoknow_text.codebook import Code, Codebook, load_codebook
from twoknow_text.errors import LabelStudioError
from twoknow_text.records import Corpus, Response

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def codebook() -> Codebook:
    return load_codebook()


def test_config_has_one_multichoice_group_per_category_with_hints(codebook: Codebook) -> None:
    xml = labelling_config(codebook)
    root = ET.fromstring(xml)
    groups = {el.get("name"): el for el in root.iter("Choices")}
    for cat in codebook.categories:
        group = groups[cat.id]
        assert group.get("choice") == "multiple" and group.get("toName") == "text"
        choices = group.findall("Choice")
        expected = [c for c in codebook.codes_in(cat.id) if c.status != "retired"]
        assert [c.get("alias") for c in choices] == [c.id for c in expected]
        for el, code in zip(choices, expected, strict=True):
            assert el.get("hint") == " ".join(code.definition.split())
            assert el.get("value").startswith(code.label)
    # the fixed controls: question above the answer, PII flag, new code, comment
    texts = [el.get("name") for el in root.iter("Text")]
    assert texts.index("question") < texts.index("text")
    assert root.find(".//Text[@name='question']").get("value") == "$question"
    assert root.find(".//Text[@name='text']").get("value") == "$text"
    pii = groups["residual_pii"]
    assert [c.get("alias") for c in pii.findall("Choice")] == ["yes"]
    assert {el.get("name") for el in root.iter("TextArea")} == {"new_code", "comment"}


def test_config_parses_with_label_studio_own_interface_parser(codebook: Codebook) -> None:
    li = LabelInterface(labelling_config(codebook, {"q1_led_to_it": "What led you to it?"}))
    controls = {c.name: c.tag for c in li.controls}
    assert controls == {**{cat.id: "Choices" for cat in codebook.categories}, "residual_pii": "Choices",
                        "new_code": "TextArea", "comment": "TextArea"}
    assert {o.name: o.value for o in li.objects} == {"question": "$question", "text": "$text"}
    # the stored value of a code is its id (alias), which is what exports and predictions carry
    assert li.get_control("barriers").labels == [c.id for c in codebook.codes_in("barriers")]
    pred = {"result": [{"from_name": "barriers", "to_name": "text", "type": "choices",
                        "value": {"choices": ["bar_help_seeking"]}}]}
    assert li.validate_prediction(pred)


def test_retired_codes_left_out_candidates_marked_and_dollar_neutralised() -> None:
    cb = Codebook(
        name="t",
        codes=[
            Code(id="sit_a", label="A", definition="Costs $5 a month.", category="situational_factors"),
            Code(id="sit_b", label="B", definition="Old.", category="situational_factors", status="retired"),
            Code(id="sit_c", label="C", definition="New idea.", category="situational_factors", status="candidate"),
        ],
    )
    root = ET.fromstring(labelling_config(cb))
    choices = root.findall(".//Choices[@name='situational_factors']/Choice")
    assert [c.get("alias") for c in choices] == ["sit_a", "sit_c"]
    assert "$" not in choices[0].get("hint")
    assert choices[1].get("value") == "C (candidate)"
    # categories without codes get no empty group
    assert root.find(".//Choices[@name='motivations']") is None
    root2 = ET.fromstring(labelling_config(cb, include_candidates=False))
    assert [c.get("alias") for c in root2.findall(".//Choices[@name='situational_factors']/Choice")] == ["sit_a"]


def test_question_list_panel_only_when_questions_given(codebook: Codebook) -> None:
    plain = labelling_config(codebook)
    with_q = labelling_config(codebook, {"q1": "What led you to it?", "q2": "Costs in $?"})
    assert "What led you to it?" not in plain
    assert "q1: What led you to it?" in with_q
    assert "$?" not in with_q  # a static "$" would be read as a task variable


def test_category_named_like_a_fixed_control_is_a_coded_error() -> None:
    from twoknow_text.codebook import Category

    cb = Codebook(name="t", categories=[Category(id="comment", label="Comment")],
                  codes=[Code(id="c_x", label="X", definition="x", category="comment")])
    with pytest.raises(LabelStudioError) as err:
        labelling_config(cb)
    assert err.value.code == "E540"


def test_empty_codebook_is_a_coded_error() -> None:
    with pytest.raises(LabelStudioError) as err:
        labelling_config(Codebook(name="empty"))
    assert err.value.code == "E542"


def test_layout_template_copies_agree() -> None:
    assert (REPO / "annotation" / "labelling_layout.xml").read_bytes() == layout_path().read_bytes()
    review = (REPO / "annotation" / "privacy_review.xml").read_bytes()
    assert review == (layout_path().parent / "privacy_review.xml").read_bytes()
    guide = (REPO / "annotation" / "coder_guide.md").read_bytes()
    assert guide == (layout_path().parent / "coder_guide.md").read_bytes()
    html = coder_guide_html()
    assert html.startswith("<h1>Coder guide") and "identifying information" in html and "Wellbeing" in html


# --------------------------------------------------------------------------- tidy table


def _ann(aid, user, choices=None, *, cancelled=False, updated="2026-01-01T10:00:00Z", comment=None, pii=False,
         new_code=None, lead=1.5):
    result = []
    for cat, codes in (choices or {}).items():
        result.append({"from_name": cat, "to_name": "text", "type": "choices", "value": {"choices": codes}})
    if comment:
        result.append({"from_name": "comment", "to_name": "text", "type": "textarea", "value": {"text": [comment]}})
    if new_code:
        result.append({"from_name": "new_code", "to_name": "text", "type": "textarea", "value": {"text": [new_code]}})
    if pii:
        result.append({"from_name": "residual_pii", "to_name": "text", "type": "choices", "value": {"choices": ["yes"]}})
    return {"id": aid, "completed_by": user, "result": result, "was_cancelled": cancelled, "lead_time": lead,
            "created_at": updated, "updated_at": updated}


EXPORT = [
    {"id": 1, "data": {"response_id": "r1", "question_id": "q1"}, "annotations": [
        _ann(10, 1, {"motivations": ["mot_curiosity"], "situational_factors": ["sit_loneliness_boredom"]},
             comment="borderline", pii=True),
        _ann(11, 2, {"motivations": ["mot_curiosity"]}, updated="2026-01-01T09:00:00Z"),
        _ann(12, 2, {"barriers": ["bar_guilt_shame"]}, updated="2026-01-02T09:00:00Z", new_code="Peer support"),
        _ann(13, 3, None, cancelled=True),
    ]},
    {"id": 2, "data": {"response_id": "r2", "question_id": "q2"}, "annotations": [_ann(14, 3, {})]},
    {"id": 3, "data": {"response_id": "r3", "question_id": "q2"}, "annotations": [_ann(15, 1, None, cancelled=True)]},
    {"id": 4, "data": {"response_id": "r4", "question_id": "q1"}, "annotations": []},
]
USERS = {1: "ana@example.org", 2: "ben@example.org", 3: "cy@example.org"}


def test_tidy_table_rows_and_values() -> None:
    df, rep = tidy_from_export(EXPORT, USERS)
    got = sorted(zip(df.response_id, df.coder, df.code, df.category, df.status))
    assert got == [
        ("r1", "ana@example.org", "mot_curiosity", "motivations", "coded"),
        ("r1", "ana@example.org", "sit_loneliness_boredom", "situational_factors", "coded"),
        ("r1", "ben@example.org", "bar_guilt_shame", "barriers", "coded"),  # latest of two kept
        ("r2", "cy@example.org", "", "", "no_code"),  # saw it, ticked nothing
    ]
    ana = df[df.coder == "ana@example.org"].iloc[0]
    assert ana.comment == "borderline" and bool(ana.residual_pii) and ana.lead_time == 1.5
    ben = df[df.coder == "ben@example.org"].iloc[0]
    assert ben.new_code == "Peer support" and not ben.residual_pii and ben.annotation_id == 12
    assert set(df.source) == {"annotation"}
    assert rep.n_cancelled == 2 and rep.n_superseded == 1 and rep.n_kept == 3
    assert rep.unfinished == ["r3", "r4"] and df.attrs["unfinished"] == ["r3", "r4"]
    assert rep.coders == sorted(USERS.values())


def test_tidy_table_optional_unfinished_cancelled_and_predictions() -> None:
    preds = [{"task": 4, "model_version": "twoknow-themes:abc", "score": 0.8,
              "result": [{"from_name": "barriers", "to_name": "text", "type": "choices",
                          "value": {"choices": ["bar_help_seeking"]}}]},
             {"task": 999, "model_version": "x", "result": []}]  # a task not in the export is ignored
    df, _ = tidy_from_export(EXPORT, USERS, predictions=preds, include_unfinished=True, include_cancelled=True)
    unfinished = df[df.status == "unfinished"]
    assert sorted(unfinished.response_id) == ["r3", "r4"] and set(unfinished.coder) == {""}
    assert sorted(df[df.status == "cancelled"].annotation_id.tolist()) == [13, 15]
    pred = df[df.source == "prediction"]
    assert pred[["response_id", "coder", "code", "score"]].values.tolist() == [
        ["r4", "model:twoknow-themes:abc", "bar_help_seeking", 0.8]
    ]


def test_unknown_user_id_gets_a_stable_name() -> None:
    df, _ = tidy_from_export(EXPORT[:2], {})
    assert set(df.coder) == {"user:1", "user:2", "user:3"}


# --------------------------------------------------------------------------- themes → predictions


def _themes_dir(tmp_path: Path, with_map: bool) -> Path:
    d = tmp_path / "themes"
    d.mkdir()
    (d / "themes.csv").write_text(
        "theme_id,label,top_words,size\n-1,-1_outliers,x,1\n0,0_lonely_bored_evenings,lonely,2\n"
        "1,Fear of getting caught,caught,1\n2,2_misc,misc,1\n", encoding="utf-8")
    (d / "assignments.csv").write_text(
        "response_id,theme_id,theme_label,probability\nr1,0,0_lonely_bored_evenings,0.9\n"
        "r2,0,0_lonely_bored_evenings,0.4\nr2,1,Fear of getting caught,0.7\nr3,-1,-1_outliers,0.0\n"
        "r4,2,2_misc,0.5\n", encoding="utf-8")
    if with_map:
        (d / "theme_code_map.yaml").write_text(
            "'0': [sit_loneliness_boredom]\n'Fear of getting caught': bar_fear_of_getting_caught\n", encoding="utf-8")
    return d


def test_theme_labels_matching_a_code_label_map_without_a_map_file(tmp_path: Path, codebook: Codebook) -> None:
    d = _themes_dir(tmp_path, with_map=False)
    mapping = load_theme_code_map(d, codebook)
    assert mapping == {"1": ["bar_fear_of_getting_caught"]}  # label equals the code's label


def test_theme_predictions_from_map_file(tmp_path: Path, codebook: Codebook) -> None:
    d = _themes_dir(tmp_path, with_map=True)
    preds, version, unmapped = theme_predictions(d, codebook)
    assert version.startswith("twoknow-themes:") and len(version) == len("twoknow-themes:") + 12
    assert set(preds) == {"r1", "r2"}  # outlier and unmapped themes give none
    assert unmapped == ["2"]
    r2 = {item["from_name"]: item["value"]["choices"] for item in preds["r2"]["result"]}
    assert r2 == {"situational_factors": ["sit_loneliness_boredom"], "barriers": ["bar_fear_of_getting_caught"]}
    assert preds["r2"]["score"] == 0.7


def test_theme_map_naming_an_unknown_code_is_a_coded_error(tmp_path: Path, codebook: Codebook) -> None:
    d = _themes_dir(tmp_path, with_map=False)
    with pytest.raises(LabelStudioError) as err:
        load_theme_code_map(d, codebook, {"0": "not_a_code"})
    assert err.value.code == "E533"


# --------------------------------------------------------------------------- de-identification gate


def test_push_refuses_a_corpus_that_was_not_deidentified() -> None:
    corpus = Corpus([Response(response_id="r1", text="I felt lonely.")])
    with pytest.raises(LabelStudioError) as err:
        push(corpus, "never-created", url="http://127.0.0.1:9", token="x" * 10)
    assert err.value.code == "E531"


def test_push_refuses_a_file_without_deid_manifest(tmp_path: Path) -> None:
    f = tmp_path / "answers.csv"
    f.write_text("id,answer\n1,I felt lonely.\n", encoding="utf-8")
    with pytest.raises(LabelStudioError) as err:
        push(f, "never-created", url="http://127.0.0.1:9", token="x" * 10, text_cols=["answer"], id_col="id")
    assert err.value.code == "E530"
    assert "I felt lonely" not in err.value.message and "E241" in err.value.message


def test_privacy_review_config_is_valid_and_labels_every_review_type() -> None:
    import xml.etree.ElementTree as ET

    from twoknow_text.annotation import review_config
    from twoknow_text.annotation._review import DECISION_CONTROL, REVIEW_LABELS, SPAN_CONTROL

    root = ET.fromstring(review_config())
    labels = root.find(f".//Labels[@name='{SPAN_CONTROL}']")
    assert labels is not None and labels.get("toName") == "text"
    assert tuple(lb.get("value") for lb in labels.findall("Label")) == REVIEW_LABELS
    choices = root.find(f".//Choices[@name='{DECISION_CONTROL}']")
    assert [c.get("value") for c in choices.findall("Choice")] == ["safe", "redacted"]
