"""The engine on the real spaCy pipeline and the project's recognizers."""

from __future__ import annotations

import pytest

from twoknow_text import Corpus, Response
from twoknow_text.deid import DeidConfig, Deidentifier, DetectedSpan, deidentify
from twoknow_text.deid.allowlist import AllowList
from twoknow_text.deid.engine import detect_languages, postprocess
from twoknow_text.deid.planted import CLEAN_KIND, KIND_ENTITY, NER_KINDS, PLATFORM_TERMS, make_planted_set
from twoknow_text.deid.pseudonyms import PLACEHOLDER_RE
from twoknow_text.errors import DeidError

KEY = b"k" * 32

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine():
    eng = Deidentifier(DeidConfig(), key=KEY)
    eng.analyze(["warm up"])
    return eng


@pytest.fixture(scope="module")
def planted():
    return make_planted_set(140, seed=11)


@pytest.fixture(scope="module")
def planted_spans(engine, planted):
    return engine.analyze([r.text for r in planted])


def _covered(spans: list[DetectedSpan], start: int, end: int, text: str) -> bool:
    cov = {i for s in spans for i in range(s.start, s.end)}
    pos = [i for i in range(start, end) if text[i].isalnum()]
    return sum(i in cov for i in pos) / len(pos) >= 0.9


def test_every_structured_identifier_is_found(planted, planted_spans):
    missed = []
    for rec, spans in zip(planted, planted_spans, strict=True):
        for g in rec.spans:
            if g.entity_type not in {KIND_ENTITY[k] for k in NER_KINDS} and not _covered(spans, g.start, g.end, rec.text):
                missed.append((rec.kind, g.entity_type))
    assert not missed


def test_names_and_places_are_found(planted, planted_spans):
    total = hit = 0
    for rec, spans in zip(planted, planted_spans, strict=True):
        for g in rec.spans:
            if g.entity_type in ("PERSON", "LOCATION"):
                total += 1
                hit += _covered(spans, g.start, g.end, rec.text)
    assert total >= 10 and hit / total >= 0.9


def test_clean_answers_and_platform_names_are_kept(planted, planted_spans):
    clean = [(r, s) for r, s in zip(planted, planted_spans, strict=True) if r.kind == CLEAN_KIND]
    assert len(clean) >= 20
    assert sum(not s for _, s in clean) / len(clean) >= 0.95
    for rec, spans in zip(planted, planted_spans, strict=True):
        for term in PLATFORM_TERMS:
            i = rec.text.find(term + " ")
            if i >= 0 and not any(g.start <= i < g.end for g in rec.spans):
                assert not any(s.start <= i < s.end for s in spans), (rec.kind, term)


def test_spans_are_sorted_and_disjoint(planted_spans):
    for spans in planted_spans:
        for a, b in zip(spans, spans[1:]):
            assert a.end <= b.start


def test_platform_names_and_time_phrases_survive_deidentification(engine):
    texts = [
        "I used Telegram and Tor every week, and Discord at night for two years.",
        "Signal, Session and a VPN made me feel invisible on weekends.",
        "My therapist Anna Virtanen in Tampere told me to call the help line.",
    ]
    corpus = Corpus([Response(response_id=str(i), text=t) for i, t in enumerate(texts)])
    out, report = engine.deidentify(corpus)
    assert out.deidentified
    assert out[0].text == texts[0] and out[1].text == texts[1]
    assert "Anna" not in out[2].text and "Virtanen" not in out[2].text and "Tampere" not in out[2].text
    assert PLACEHOLDER_RE.search(out[2].text)
    assert report.n_answers == 3 and report.counts_by_type.get("PERSON", 0) >= 1


def test_pseudonyms_consistent_across_answers_and_engines(engine):
    texts = ["Maria Korhonen helped me a lot.", "Later I told Maria Korhonen everything.", "Mail me: fox@example.org",
             "My address was fox@example.org then."]
    corpus = Corpus([Response(response_id=str(i), text=t) for i, t in enumerate(texts)])
    out, _ = engine.deidentify(corpus)
    p0 = PLACEHOLDER_RE.findall(out[0].text)
    p1 = PLACEHOLDER_RE.findall(out[1].text)
    assert p0 and p0 == p1
    assert PLACEHOLDER_RE.findall(out[2].text) == PLACEHOLDER_RE.findall(out[3].text)
    again, _ = Deidentifier(DeidConfig(), key=KEY).deidentify(corpus)
    assert again.texts == out.texts
    other, _ = Deidentifier(DeidConfig(), key=b"z" * 32).deidentify(corpus)
    assert other.texts != out.texts


def test_plain_mode_and_one_run_key():
    corpus = Corpus([Response(response_id="a", text="Write to fox@example.org or to Maria Korhonen.")])
    out, rep = deidentify(corpus, config={"mode": "plain"})
    assert out[0].text == "Write to [EMAIL_ADDRESS] or to [PERSON]."
    assert rep.key_source == "ephemeral"


def test_languages_detected_and_patterns_run_on_every_language(engine):
    texts = [
        "Olin yksinäinen ja käytin Toria joka ilta, sähköpostini oli kettu@example.fi silloin.",
        "Jag var ensam och använde Telegram varje kväll, mitt nummer var +46 70 123 45 67.",
        "short",
    ]
    langs = detect_languages(texts, languages=["en", "fi", "sv"], default="en")
    assert langs == ["fi", "sv", "en"]
    spans = engine.analyze(texts)
    assert engine.last_languages_[:2] == ["fi", "sv"]
    assert [s.entity_type for s in spans[0]] == ["EMAIL_ADDRESS"]
    assert "PHONE_NUMBER" in [s.entity_type for s in spans[1]]


def test_capitalised_names_in_languages_without_ner(engine):
    texts = ["Terapeuttini Aino Virtanen auttoi minua, ja käytin Toria sekä Telegramia joka ilta.",
             "Meine Therapeutin Aino Virtanen hat mir geholfen, ich war sehr einsam am Abend."]
    spans = engine.analyze(texts, ["fi", "de"])
    assert [(s.entity_type, texts[0][s.start : s.end]) for s in spans[0]] == [("PERSON", "Aino Virtanen")]
    # German capitalises every noun: the capitalised-word rule is off there, the cue and lexicon find the name
    assert [(s.entity_type, texts[1][s.start : s.end]) for s in spans[1]] == [("PERSON", "Aino Virtanen")]
    ru = "Я рассказал об этом другу Ивану Петрову, и мне стало легче."
    assert [ru[s.start : s.end] for s in engine.analyze([ru], ["ru"])[0]] == ["Ивану Петрову"]


def test_short_answers_need_near_certain_detection():
    texts = ["Jag var nyfiken.", "Curiosity.", "Stressi ja masennus.", "I was lonely and used Tor every night, for years."]
    assert detect_languages(texts, languages=["en", "fi", "sv", "et"], min_chars=40) == ["sv", "en", "en", "en"]


def test_given_language_is_used_and_unknown_languages_fall_back(engine):
    corpus = Corpus([
        Response(response_id="1", language="FI", text="Olin yksinäinen ja käytin Toria joka ilta ja päivä."),
        Response(response_id="2", language="xx-unknown", text="I was lonely and used Tor every night."),
    ])
    assert engine.corpus_languages(corpus) == ["fi", "en"]
    with pytest.raises(DeidError) as e:
        engine.corpus_languages(corpus, language="tlh")
    assert e.value.code == "E236"


def test_workplace_names_the_ner_misses(engine):
    texts = ["A counsellor at Accenture referred me.", "I was working at Kone when the stress got worse.",
             "I joined Telegram groups and left Discord after a year, working at night."]
    spans = engine.analyze(texts, ["en"] * 3)
    assert [texts[0][s.start : s.end] for s in spans[0]] == ["Accenture"]
    assert [texts[1][s.start : s.end] for s in spans[1]] == ["Kone"]
    assert spans[2] == []


def test_long_numbers_and_country_codes(engine):
    text = "My account was 1234 5678 9012 and my number +41 (0)96 471 07 95, in 2019 2020 2021."
    spans = engine.analyze([text], ["en"])[0]
    covered = "".join(text[s.start : s.end] for s in spans)
    assert "1234 5678 9012" in covered and "+41" in covered
    assert "2019" not in covered


def test_bad_config_values_are_coded_errors():
    with pytest.raises(DeidError) as e:
        Deidentifier(DeidConfig(entities=["PERSON", "NOT_A_TYPE"])).analyze(["x"])
    assert e.value.code == "E232"
    with pytest.raises(DeidError) as e:
        Deidentifier(DeidConfig(use_presidio_recognizers=["EmailRecognizer"])).analyze(["x"])
    assert e.value.code == "E234"
    with pytest.raises(DeidError) as e:
        Deidentifier(DeidConfig(spacy_models={"en": "en_core_web_not_installed"})).analyze(["x"])
    assert e.value.code == "E230"


def test_deny_list_and_allow_list_extensions():
    eng = Deidentifier(DeidConfig(deny_list=["Kettula"], allow_list=["Maria Korhonen"]), key=KEY)
    spans = eng.analyze(["I lived in Kettula and Maria Korhonen helped me."], ["en"])[0]
    text = "I lived in Kettula and Maria Korhonen helped me."
    found = [text[s.start : s.end] for s in spans]
    assert "Kettula" in found and "Maria Korhonen" not in found


# --- post-processing (fast, no model) ---------------------------------------


def test_postprocess_drops_platforms_extends_names_and_prefers_structured():
    text = "I met Anna Virtanen on Telegram; mail anna.virtanen@example.org. Anna was kind."
    raw = [
        DetectedSpan("PERSON", 6, 10, 0.85, "spacy_ner"),  # "Anna" only
        DetectedSpan("ORGANIZATION", 23, 31, 0.85, "spacy_ner"),  # "Telegram"
        DetectedSpan("PERSON", 38, 51, 0.85, "spacy_ner"),  # "anna.virtane" inside the e-mail
        DetectedSpan("EMAIL_ADDRESS", 38, 63, 1.0, "twoknow.email_address.v1"),
    ]
    out = postprocess(text, raw, AllowList())
    got = [(s.entity_type, text[s.start : s.end]) for s in out]
    assert ("PERSON", "Anna Virtanen") in got
    assert ("EMAIL_ADDRESS", "anna.virtanen@example.org") in got
    assert ("PERSON", "Anna") in got  # the repeat later in the answer
    assert all(t != "ORGANIZATION" for t, _ in got)
    assert len(got) == 3


def test_postprocess_trims_determiners_and_drops_lowercase_ner():
    text = "My nick is fox. The University of Oulu helped."
    raw = [DetectedSpan("PERSON", 0, 7, 0.85, "spacy_ner"), DetectedSpan("ORGANIZATION", 16, 38, 0.85, "spacy_ner")]
    got = [(s.entity_type, text[s.start : s.end]) for s in postprocess(text, raw, AllowList())]
    assert got == [("ORGANIZATION", "University of Oulu")]


def test_plain_placeholders_of_every_offered_type_survive_without_codes(engine):
    # A plain placeholder is the type itself: "[EMAIL_ADDRESS]" must not be read
    # as type EMAIL with code ADDRESS. Checked against every type the real
    # engine offers (its own recognizers, Presidio's built-ins, NER) and every
    # type the project's recognizers emit.
    from twoknow_text.deid.pseudonyms import Pseudonymizer, without_codes
    from twoknow_text.deid.registry import ENTITY_TYPES

    offered = set(engine._engine_for("en", _all=True)[1]) | set(engine.entities_) | set(ENTITY_TYPES)
    assert {"EMAIL_ADDRESS", "PERSON", "CRYPTO_WALLET"} <= offered
    plain = Pseudonymizer(mode="plain", key=KEY)
    coded = Pseudonymizer(key=KEY)
    for etype in sorted(offered):
        p = plain.placeholder(etype, "x")
        assert without_codes(p) == p, etype
        assert without_codes(coded.placeholder(etype, "x")) == p, etype
