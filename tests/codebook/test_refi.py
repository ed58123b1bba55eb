"""REFI-QDA exports validate against the standard's XSDs; .qdc round-trips."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
import zipfile

import pandas as pd
import pytest
import xmlschema

from twoknow_text.codebook import (
    Code,
    Codebook,
    HistoryEntry,
    code_guid,
    export_qdc,
    export_qdpx,
    import_qdc,
    load_codebook,
    merge_codes,
)
from twoknow_text.errors import CodebookError
from twoknow_text.reading import read_survey
from twoknow_text.records import Corpus

QDC = "{urn:QDA-XML:codebook:1.0}"
QDE = "{urn:QDA-XML:project:1.0}"
TEXT_COLS = ["q1_led_to_it", "q2_made_easier", "q3_situations", "q4_stops_you"]


@pytest.fixture(scope="module")
def schemas(test_data):
    d = test_data / "refi-qda"
    return xmlschema.XMLSchema(str(d / "Codebook.xsd")), xmlschema.XMLSchema(str(d / "Project.xsd"))


@pytest.fixture(scope="module")
def mini(test_data):
    corpus, _ = read_survey(
        test_data / "codebook" / "mini_survey.csv", format="wide", id_col="respondent_id", text_cols=TEXT_COLS,
        language_col="language",
    )
    # stands in for de-identified text here; the CLI test runs the real de-identification
    corpus = Corpus(list(corpus), deidentified=True)
    codings = pd.read_csv(test_data / "codebook" / "mini_codings.csv", dtype=str, keep_default_na=False)
    return corpus, codings


def _richer_codebook() -> Codebook:
    cb = load_codebook()
    cb.get("bar_help_seeking").history.append(
        HistoryEntry(date="2026-02-01", change="definition revised", reason='low alpha; "quotes" & <tags>', agreement=0.5812)
    )
    cb.codes.append(
        Code(id="bar_help_anonymous", label="Anonymous help", definition="Wants help that is anonymous.\nSecond line.",
             category="barriers", parent="bar_help_seeking", status="candidate", seed_words=["anonymous", "helpline"],
             examples=["I would call if it were anonymous."])
    )
    return merge_codes(cb, ["sit_other"], "sit_life_events", reason="rare")


def test_qdc_validates_against_codebook_xsd(tmp_path, schemas):
    out = export_qdc(load_codebook(), tmp_path / "cb.qdc")
    schemas[0].validate(str(out))  # raises on any violation
    root = ET.parse(out).getroot()
    cats = root.findall(f"{QDC}Codes/{QDC}Code")
    assert [c.get("name") for c in cats] == ["Motivations", "Facilitators", "Situational factors", "Barriers"]
    assert all(c.get("isCodable") == "false" for c in cats)
    curiosity = root.find(f".//{QDC}Code[@guid='{code_guid('mot_curiosity')}']")
    desc = curiosity.find(f"{QDC}Description").text
    # definitions, rules and examples ride in Description
    for needle in ("Definition:", "Include when:", "Exclude when:", "Examples:", "Near-misses:", "Code id: mot_curiosity"):
        assert needle in desc


def test_qdc_round_trip_is_equal(tmp_path):
    cb = _richer_codebook()
    back = import_qdc(export_qdc(cb, tmp_path / "cb.qdc"))
    assert back == cb
    assert back.get("bar_help_anonymous").parent == "bar_help_seeking"
    assert back.get("sit_other").status == "retired"
    assert back.get("bar_help_seeking").history[-1].agreement == pytest.approx(0.5812)


def test_guids_are_stable_uuid5(tmp_path):
    a = ET.parse(export_qdc(load_codebook(), tmp_path / "a.qdc")).getroot()
    b = ET.parse(export_qdc(load_codebook(), tmp_path / "b.qdc")).getroot()
    ga = [e.get("guid") for e in a.iter(f"{QDC}Code")]
    assert ga == [e.get("guid") for e in b.iter(f"{QDC}Code")]
    assert len(set(ga)) == len(ga) == 4 + 23
    assert uuid.UUID(code_guid("mot_curiosity")).version == 5


def test_import_qdc_from_another_tool(tmp_path):
    """A codebook made elsewhere: plain descriptions, a loose codable code, nesting."""
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="OtherQDA 3">
  <Codes>
    <Code guid="{uuid.uuid4()}" name="Risk factors" isCodable="false">
      <Description>Things that raise risk.</Description>
      <Code guid="{uuid.uuid4()}" name="Night-time use" isCodable="true">
        <Description>Answers about using it late at night.</Description>
        <Code guid="{uuid.uuid4()}" name="Insomnia" isCodable="true"/>
      </Code>
    </Code>
    <Code guid="{uuid.uuid4()}" name="Misc" isCodable="true"/>
  </Codes>
</CodeBook>"""
    p = tmp_path / "other.qdc"
    p.write_text(xml, encoding="utf-8")
    cb = import_qdc(p)
    assert cb.category_ids == ["risk_factors", "uncategorised"]
    assert cb.category("risk_factors").description == "Things that raise risk."
    night = cb.get("night_time_use")
    assert night.definition == "Answers about using it late at night." and night.status == "candidate"
    assert cb.get("insomnia").parent == "night_time_use"
    assert cb.get("misc").category == "uncategorised"


def test_import_rejects_bad_files(tmp_path):
    p = tmp_path / "x.qdc"
    p.write_text("<CodeBook", encoding="utf-8")
    with pytest.raises(CodebookError) as ei:
        import_qdc(p)
    assert ei.value.code == "E731"
    p.write_text('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', encoding="utf-8")
    with pytest.raises(CodebookError) as ei:
        import_qdc(p)
    assert ei.value.code == "E731" and "Codebook.xsd" in ei.value.message


def test_qdpx_validates_and_holds_sources_and_codings(tmp_path, schemas, mini):
    corpus, codings = mini
    cb = load_codebook()
    out = export_qdpx(cb, corpus, codings, tmp_path / "p.qdpx")
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        qde = zf.read("project.qde")
        texts = {n: zf.read(n).decode("utf-8") for n in names if n.startswith("sources/")}
    schemas[1].validate(qde.decode("utf-8"))
    root = ET.fromstring(qde)
    assert [u.get("name") for u in root.findall(f"{QDE}Users/{QDE}User")] == ["coder_a", "coder_b"]
    sources = root.findall(f"{QDE}Sources/{QDE}TextSource")
    assert len(sources) == len(corpus) == len(texts) == 30
    by_name = {s.get("name"): s for s in sources}
    r = corpus[[x.response_id for x in corpus].index("R07:q3_situations")]
    src = by_name["R07:q3_situations"]
    assert texts[src.get("plainTextPath").replace("internal://", "sources/")] == r.text
    sels = src.findall(f"{QDE}PlainTextSelection")
    coded = {
        (s.get("name"), c.find(f"{QDE}CodeRef").get("targetGUID"))
        for s in sels
        for c in s.findall(f"{QDE}Coding")
    }
    assert coded == {
        ("R07:q3_situations (coder_a)", code_guid("sit_loneliness_boredom")),
        ("R07:q3_situations (coder_a)", code_guid("sit_life_events")),
        ("R07:q3_situations (coder_b)", code_guid("sit_loneliness_boredom")),
    }
    assert all(s.get("startPosition") == "0" and s.get("endPosition") == str(len(r.text)) for s in sels)
    # every coding row (non-empty code) is in the project exactly once
    n_codings = len(root.findall(f".//{QDE}Coding"))
    assert n_codings == int((codings["code"] != "").sum())
    # respondents are cases; variables carry question and language
    cases = root.findall(f"{QDE}Cases/{QDE}Case")
    assert len(cases) == 8
    assert {v.get("name") for v in root.findall(f"{QDE}Variables/{QDE}Variable")} >= {"question_id", "language", "wave"}


def test_qdpx_refuses_raw_corpus_and_unknown_ids(tmp_path, mini):
    corpus, codings = mini
    cb = load_codebook()
    with pytest.raises(CodebookError) as ei:
        export_qdpx(cb, Corpus(list(corpus), deidentified=False), codings, tmp_path / "p.qdpx")
    assert ei.value.code == "E733"
    bad = pd.concat([codings, pd.DataFrame([{"response_id": "R99:q1", "coder": "coder_a", "code": "mot_curiosity"}])])
    with pytest.raises(CodebookError) as ei:
        export_qdpx(cb, corpus, bad, tmp_path / "p.qdpx")
    assert ei.value.code == "E752" and "R99:q1" in ei.value.message
    bad = pd.concat([codings, pd.DataFrame([{"response_id": "R01:q1_led_to_it", "coder": "coder_a", "code": "nope"}])])
    with pytest.raises(CodebookError) as ei:
        export_qdpx(cb, corpus, bad, tmp_path / "p.qdpx")
    assert ei.value.code == "E751"
    assert not (tmp_path / "p.qdpx").exists()


def test_bundled_schemas_match_test_copies(test_data):
    from importlib import resources

    for name in ("Codebook.xsd", "Project.xsd"):
        bundled = (resources.files("twoknow_text") / "data" / "refi-qda" / name).read_bytes()
        assert bundled == (test_data / "refi-qda" / name).read_bytes()


@pytest.mark.parametrize("engine", ["lxml", "xmlschema"])
def test_validate_refi_catches_schema_violations(engine, tmp_path):
    from twoknow_text.codebook import validate_refi
    from twoknow_text.codebook._refi import qdc_bytes

    good = qdc_bytes(load_codebook())
    validate_refi(good, "qdc", engine=engine)
    bad = good.replace(b'isCodable="true"', b'isCodable="maybe"', 1)
    with pytest.raises(CodebookError) as ei:
        validate_refi(bad, "qdc", engine=engine)
    assert ei.value.code == "E730"
    with pytest.raises(CodebookError):
        validate_refi(good, "qde", engine=engine)  # a codebook is not a project
