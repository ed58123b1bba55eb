"""The bundled synthetic sample and its generator."""

from __future__ import annotations

import collections
import re
from pathlib import Path

import pytest
import yaml

from twoknow_text.reading import read_survey
from twoknow_text.synth import (
    CODE_CATEGORY,
    QUESTIONS,
    SAMPLE_SEED,
    compose_answers,
    generate_survey,
    load_sample,
    load_truth,
    sample_path,
    truth_path,
    write_sample,
)

# The options the Makefile's `make demo` passes to `twoknow themes`.
MAKE_DEMO_OPTIONS = dict(
    format="wide",
    id_col="respondent_id",
    text_cols=["q1_led_to_it", "q2_made_easier", "q3_situations", "q4_stops_you"],
)

_CATEGORY_OF_QUESTION = {
    "q1_led_to_it": "motivations",
    "q2_made_easier": "facilitators",
    "q3_situations": "situational_factors",
    "q4_stops_you": "barriers",
}


@pytest.fixture(scope="module")
def sample():
    return load_sample()


@pytest.fixture(scope="module")
def truth():
    return load_truth()


def test_sample_files_ship_with_the_package() -> None:
    assert sample_path().is_file() and truth_path().is_file()
    assert sample_path().parent.name == "sample"
    source = (sample_path().parent / "SOURCE.md").read_text(encoding="utf-8")
    assert "synthetic" in source.lower() and "scripts/make_sample.py" in source and str(SAMPLE_SEED) in source


def test_sample_reads_with_the_make_demo_options(sample) -> None:
    corpus, report = read_survey(sample_path(), **MAKE_DEMO_OPTIONS)
    assert report.rows_in == 1150 and report.answers_in == 4600
    assert 4400 <= report.kept <= 4600
    # Only blank answers are skipped: the demo input is otherwise clean.
    assert {k for k, v in report.counts_by_reason.items() if v} == {"empty_text"}
    assert corpus.ids == sample.ids and corpus.texts == sample.texts
    first = corpus[0]
    assert first.response_id == "R0001:q1_led_to_it" and first.respondent_id == "R0001"
    # Without --language-col the survey's "language" column is metadata, under a non-clashing key.
    assert set(first.metadata) == {"source_language", "wave", "survey_date", "age_group"}
    corpus, _ = read_survey(sample_path(), language_col="language", **MAKE_DEMO_OPTIONS)
    assert corpus == sample and sample[0].language == "en"


def test_sample_shape(sample) -> None:
    assert len({r.respondent_id for r in sample}) >= 1140
    assert {r.question_id for r in sample} == set(QUESTIONS)
    langs = collections.Counter(r.language for r in sample)
    assert set(langs) == {"en", "fi", "sv", "de", "es", "ru"}
    assert 0.85 <= langs["en"] / len(sample) <= 0.95
    assert {r.metadata["wave"] for r in sample} == {"1", "2"}
    lengths = [len(t) for t in sample.texts]
    assert sum(n <= 15 for n in lengths) > 200  # very short answers ("Curiosity.")
    assert sum(t.count(". ") >= 2 for t in sample.texts) > 300  # multi-sentence answers


def test_truth_covers_every_answer_with_codebook_codes(sample, truth, repo_root: Path) -> None:
    assert list(truth.columns[:2]) == ["response_id", "code_ids"]
    assert set(truth.response_id) == set(sample.ids) and len(truth) == len(sample)
    codebook = yaml.safe_load((repo_root / "configs" / "codebooks" / "2know.yaml").read_text(encoding="utf-8"))
    ids_in_codebook = {c["id"] for c in codebook["codes"]} if isinstance(codebook, dict) else set()
    assert set(CODE_CATEGORY) <= ids_in_codebook or not ids_in_codebook
    used = collections.Counter(c for codes in truth.code_ids for c in codes)
    assert set(used) == set(CODE_CATEGORY)  # every code is represented
    assert all(1 <= len(codes) <= 2 for codes in truth.code_ids)


def test_each_question_is_dominated_by_its_category(truth) -> None:
    for qid, category in _CATEGORY_OF_QUESTION.items():
        first_codes = [codes[0] for q, codes in zip(truth.question_id, truth.code_ids, strict=True) if q == qid]
        share = sum(CODE_CATEGORY[c] == category for c in first_codes) / len(first_codes)
        assert share >= 0.8, (qid, share)


def test_planted_identifiers_and_platform_mentions(sample, truth) -> None:
    from twoknow_text.deid.planted import GENERATORS, KIND_ENTITY

    planted = truth[truth.identifier_kinds.map(len) > 0]
    assert 0.06 <= len(planted) / len(truth) <= 0.10
    kinds = collections.Counter(k for ks in planted.identifier_kinds for k in ks)
    assert set(kinds) == set(GENERATORS)
    texts = dict(zip(sample.ids, sample.texts, strict=True))
    for rid, ks, spans in zip(planted.response_id, planted.identifier_kinds, planted.identifier_spans, strict=True):
        text = texts[rid]
        assert {KIND_ENTITY[k] for k in ks} <= {e for e, _, _ in spans}
        for entity, start, end in spans:
            value = text[int(start) : int(end)]
            assert value and value == value.strip(), rid
            if entity == "EMAIL_ADDRESS":
                assert "@" in value
            if entity == "ONION_ADDRESS":
                assert ".onion" in value
    clean_platform = truth[(truth.identifier_kinds.map(len) == 0) & truth.names_platform]
    assert len(clean_platform) >= 200
    assert all(re.search(r"\b(Tor|VPN|Telegram|Discord|Session|Signal)\b", texts[r], re.I)
               for r in clean_platform.response_id[:50])


def test_sample_text_stays_clinical(sample) -> None:
    banned = re.compile(r"\b(nude|naked|rape|molest\w*|genital\w*|intercourse|explicit)\b", re.I)
    assert not [rid for rid, t in zip(sample.ids, sample.texts, strict=True) if banned.search(t)]


def test_generator_is_seeded_and_planting_is_a_separate_step() -> None:
    a_survey, a_truth = generate_survey(60, seed=3)
    b_survey, b_truth = generate_survey(60, seed=3)
    assert a_survey.equals(b_survey) and a_truth.equals(b_truth)
    c_survey, _ = generate_survey(60, seed=4)
    assert not a_survey.equals(c_survey)
    unplanted, _ = generate_survey(60, seed=3, plant=False)
    planted_ids = set(a_truth.response_id[a_truth.identifier_kinds != ""])
    assert planted_ids
    qcols = list(QUESTIONS)
    for (_, row_a), (_, row_u) in zip(a_survey.iterrows(), unplanted.iterrows(), strict=True):
        for q in qcols:
            rid = f"{row_a.respondent_id}:{q}"
            if rid in planted_ids:
                assert row_a[q] != row_u[q]
            else:
                assert row_a[q] == row_u[q]


def test_bundled_answers_are_reproducible_from_the_seed(sample, truth) -> None:
    # Step 1 alone must rebuild every answer that holds no planted identifier.
    _, answers = compose_answers(seed=SAMPLE_SEED)
    composed = {a.response_id: a for a in answers if a is not None}
    texts = dict(zip(sample.ids, sample.texts, strict=True))
    unplanted = truth[truth.identifier_kinds.map(len) == 0]
    for rid, codes in zip(unplanted.response_id, unplanted.code_ids, strict=True):
        assert composed[rid].text == texts[rid], rid
        assert composed[rid].code_ids == codes


def test_write_sample_round_trip(tmp_path: Path) -> None:
    survey_file, truth_file = write_sample(tmp_path, n_respondents=40, seed=11)
    corpus, report = read_survey(survey_file, language_col="language", **MAKE_DEMO_OPTIONS)
    assert report.rows_in == 40
    import pandas as pd

    t = pd.read_csv(truth_file, dtype=str, keep_default_na=False)
    assert set(t.response_id) == set(corpus.ids)
    assert not list(tmp_path.glob("*.part"))  # atomic writes left no temporary file
