"""The speed paths of the engine change nothing in the output.

* identical (text, language) pairs are analysed once and the spans fanned out;
* the NER gate (``ner_prefilter``) skips spaCy NER only where no capitalised
  word could be a name;
* answers that skip NER, and languages without NER, are tokenized lazily;
* the default config ships as package data.
"""

from __future__ import annotations

import pytest

from twoknow_text import Corpus, Response
from twoknow_text.deid import DeidConfig, DeidReport, Deidentifier, Pseudonymizer
from twoknow_text.deid.engine import _LazyArtifacts, _make_artifacts, may_hold_name
from twoknow_text.deid.pipeline import default_config_path, load_deid_config
from twoknow_text.deid.planted import make_planted_set
from twoknow_text.deid.pseudonyms import PLACEHOLDER_RE

KEY = b"k" * 32

# Repeated short answers, repeated answers with identifiers, the same text in two
# languages, and a few singletons (synthetic, non-graphic).
REPEATED = [
    ("Nothing.", "en"), ("I don't know", "en"), ("Nothing.", "en"), ("Maria Korhonen helped me.", "en"),
    ("Mail me at fox@example.org", "en"), ("Nothing.", "en"), ("Maria Korhonen helped me.", "en"),
    ("Terapeuttini Anna Virtanen auttoi minua.", "fi"), ("I don't know", "en"),
    ("Mail me at fox@example.org", "en"), ("Terapeuttini Anna Virtanen auttoi minua.", "fi"),
    ("Nothing.", "fi"), ("Later I told Maria Korhonen and Mikko about it.", "en"),
    ("Call +358 40 123 4567 if you can.", "en"), ("Call +358 40 123 4567 if you can.", "en"),
    ("Tor and a VPN made it feel safe.", "en"), ("Tor and a VPN made it feel safe.", "en"),
]


def _corpus(pairs) -> Corpus:
    return Corpus([Response(response_id=str(i), text=t, language=lg) for i, (t, lg) in enumerate(pairs)])


@pytest.fixture(scope="module")
def engine():
    eng = Deidentifier(DeidConfig(), key=KEY)
    eng.analyze(["warm up"], ["en"])
    return eng


@pytest.mark.slow
@pytest.mark.parametrize("style", ["hash", "sequential"])
def test_deduplicated_run_equals_answer_by_answer(engine, style):
    cfg = DeidConfig(pseudonym_style=style)
    eng = Deidentifier(cfg, key=KEY)
    corpus = _corpus(REPEATED)
    seen: list[int] = []
    out, report = eng.deidentify(corpus, progress=seen.append)
    assert eng.last_languages_ == [lg for _, lg in REPEATED]
    # reference: every answer analysed on its own, in its own call, nothing shared
    ref_spans = [eng.analyze([t], [lg])[0] for t, lg in REPEATED]
    pseudo = Pseudonymizer(KEY, mode=cfg.mode, style=style, hash_length=cfg.hash_length)
    ref_texts = [pseudo.replace(t, s) for (t, _), s in zip(REPEATED, ref_spans, strict=True)]
    assert out.texts == ref_texts
    ref_report = DeidReport.build(corpus.ids, ref_spans, ref_texts, [lg for _, lg in REPEATED],
                                  allow_list=eng.allow_list_, mode=cfg.mode, pseudonym_style=style,
                                  key_source="file", pseudonym_collisions=pseudo.collisions)
    assert report.model_dump() == ref_report.model_dump()
    assert sum(seen) == len(corpus)
    # the copies really are identical and really were replaced
    assert out[3].text == out[6].text and PLACEHOLDER_RE.search(out[3].text)
    assert out[7].text == out[10].text and "Virtanen" not in out[7].text
    assert out[0].text == out[2].text == out[5].text == "Nothing."


@pytest.mark.slow
def test_analyze_deduplicates_within_a_call(engine):
    texts = ["Anna told me to stop.", "Anna told me to stop.", "Nothing."]
    spans = engine.analyze(texts, ["en", "en", "en"])
    assert spans[0] == spans[1] and spans[0] and spans[0] is not spans[1]
    assert spans[2] == []


@pytest.mark.parametrize("text", [
    "Mikko told me to stop.", "Anna said I should get help.", "Helsinki was cold and I was alone.",
    "Will told me about the helpline.", "May helped me find a therapist.", "Mark was the only one who knew.",
    "i talked to my friend Jukka about it.", "The US police could find me.", "I moved to Tampere.",
    "That's when I met Anna's brother.", "I used Telegram and met Elina there.", "Don helped me.",
    "I used the forum at Accenture.", "我的朋友", "The FBI scared me.",
])
def test_gate_sends_every_possible_name_to_ner(text):
    assert may_hold_name(text)


@pytest.mark.parametrize("text", [
    "i was curious.", "Nothing.", "I don't know", "The risk felt small on Tor.",
    "That's it. I didn't know what I was doing.", "When I used Telegram and a VPN it felt safe.",
    "Honestly, I was lonely. It is hard to write this.", "I'm not sure. I've never told anyone.",
])
def test_gate_skips_texts_with_only_function_words_and_platforms(text):
    assert not may_hold_name(text)


SENTENCE_INITIAL = [
    ("Anna said I should get help.", "Anna"), ("Anna told me to stop.", "Anna"),
    ("Sarah told me to call the helpline.", "Sarah"), ("John said I should get help.", "John"),
    ("London was where it started.", "London"), ("Helsinki was where it started.", "Helsinki"),
    ("Mikko Virtanen told me to stop.", "Mikko Virtanen"), ("Anna Korhonen said I should get help.", "Anna Korhonen"),
    ("Mikko told me to stop.", None), ("Mikko said I should get help.", None),  # the small NER misses these anyway
]


@pytest.mark.slow
def test_gate_keeps_sentence_initial_names(engine):
    texts = [t for t, _ in SENTENCE_INITIAL]
    spans = engine.analyze(texts, ["en"] * len(texts))
    for (text, name), sp in zip(SENTENCE_INITIAL, spans, strict=True):
        if name is not None:
            assert any(text[s.start : s.end] == name for s in sp), (text, sp)
    # and exactly what the ungated engine finds, including what it misses
    off = Deidentifier(DeidConfig(ner_prefilter=False), key=KEY)
    assert spans == off.analyze(texts, ["en"] * len(texts))


@pytest.mark.slow
def test_gate_changes_no_span_on_planted_answers_and_skips_ner_where_it_can():
    planted = make_planted_set(200, seed=5)
    texts = [r.text for r in planted] + [t for t, lg in REPEATED if lg == "en"] + [
        "i was curious and lonely.", "The Tor browser made it easy.", "When I felt stressed I searched more."]
    on = Deidentifier(DeidConfig(ner_prefilter=True), key=KEY)
    off = Deidentifier(DeidConfig(ner_prefilter=False), key=KEY)
    spans_on = on.analyze(texts, ["en"] * len(texts))
    spans_off = off.analyze(texts, ["en"] * len(texts))
    assert spans_on == spans_off
    assert off.ner_texts_ == len(set(texts))
    assert on.ner_texts_ < off.ner_texts_


@pytest.mark.slow
def test_lazy_artifacts_tokenize_like_the_eager_path(engine):
    engine._build()
    nlp = engine.nlp_engine_.get_nlp("en")
    text = "My number was 040 123 4567, call after 6 pm."
    lazy = _LazyArtifacts(text, nlp.tokenizer, "en", engine.nlp_engine_)
    assert lazy._real is None and lazy.entities == []  # nothing tokenized yet
    eager = _make_artifacts(nlp.make_doc(text), [], "en", engine.nlp_engine_)
    assert [t.text for t in lazy.tokens] == [t.text for t in eager.tokens]
    assert lazy.tokens_indices == eager.tokens_indices and lazy.lemmas == eager.lemmas
    assert lazy.keywords == eager.keywords


def test_default_config_ships_as_package_data(repo_root):
    # the package copy works in a wheel install; configs/deid.yaml is a copy for browsing
    assert default_config_path().is_file()
    assert "site-packages" in str(default_config_path()) or "src" in default_config_path().parts
    assert (repo_root / "configs" / "deid.yaml").read_bytes() == default_config_path().read_bytes()
    assert load_deid_config(default_config_path()) == DeidConfig()
