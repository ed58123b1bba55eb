"""Records: Response and Corpus, and their lossless round trip through pandas."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from twoknow_text.errors import InputError
from twoknow_text.records import CORE_COLUMNS, Corpus, Response


def make_corpus() -> Corpus:
    return Corpus(
        [
            Response(response_id="r1:q1", respondent_id="r1", question_id="q1", language="en",
                     text="I felt lonely.", metadata={"wave": 1, "age_group": "25-34"}),
            Response(response_id="r1:q2", respondent_id="r1", question_id="q2", language="en",
                     text="Using a VPN made it feel anonymous.", metadata={"wave": 1}),
            Response(response_id="r2:q1", text="Uteliaisuus."),
        ]
    )


def test_response_is_frozen_and_strict() -> None:
    r = Response(response_id="a", text="x")
    with pytest.raises(ValidationError):
        r.text = "y"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Response(response_id="a", text="x", colour="red")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Response(response_id="a")  # type: ignore[call-arg]
    assert r.metadata == {} and r.language is None


def test_corpus_is_a_sequence_with_ids_and_texts() -> None:
    c = make_corpus()
    assert len(c) == 3 and c[0].response_id == "r1:q1" and c[-1].text == "Uteliaisuus."
    assert c.ids == ["r1:q1", "r1:q2", "r2:q1"]
    assert c.texts[1].startswith("Using a VPN")
    assert [r.response_id for r in c] == c.ids
    sliced = c[1:]
    assert isinstance(sliced, Corpus) and sliced.ids == ["r1:q2", "r2:q1"]
    assert "n=3" in repr(c) and "deidentified=False" in repr(c)


def test_duplicate_response_ids_are_refused() -> None:
    with pytest.raises(InputError) as exc:
        Corpus([Response(response_id="a", text="x"), Response(response_id="a", text="y")])
    assert exc.value.code == "E020" and "'a'" in exc.value.message
    assert "x" not in exc.value.message.replace("response_id", "")


def test_frame_round_trip_keeps_every_field_and_order() -> None:
    c = make_corpus()
    df = c.to_frame()
    assert list(df.columns[: len(CORE_COLUMNS)]) == list(CORE_COLUMNS)
    assert {"wave", "age_group"} <= set(df.columns)
    back = Corpus.from_frame(df)
    assert back == c
    assert back[2].metadata == {}  # sparse metadata stays sparse
    assert back[0].metadata["wave"] == 1 and isinstance(back[0].metadata["wave"], int)


def test_deidentified_flag_survives_copies_and_frames() -> None:
    c = make_corpus()
    d = c.with_texts(["[PERSON_1] text", "b", "c"], deidentified=True)
    assert d.deidentified and not c.deidentified
    assert d.ids == c.ids and d[0].metadata == c[0].metadata
    assert Corpus.from_frame(d.to_frame()).deidentified
    assert Corpus.from_frame(d.to_frame(), deidentified=False).deidentified is False
    assert d[0:2].deidentified
    assert c != d


def test_with_texts_and_with_languages_check_lengths() -> None:
    c = make_corpus()
    with pytest.raises(ValueError):
        c.with_texts(["only one"])
    langs = c.with_languages(["en", "en", "fi"])
    assert [r.language for r in langs] == ["en", "en", "fi"] and langs.texts == c.texts
    with pytest.raises(ValueError):
        c.with_languages(["en"])


def test_metadata_key_clashing_with_a_core_column() -> None:
    c = Corpus([Response(response_id="a", text="x", metadata={"text": "other"})])
    with pytest.raises(InputError) as exc:
        c.to_frame()
    assert exc.value.code == "E021"


def test_from_frame_needs_id_and_text_and_fills_missing_core_columns() -> None:
    with pytest.raises(InputError) as exc:
        Corpus.from_frame(pd.DataFrame({"response_id": ["a"]}))
    assert exc.value.code == "E022"
    c = Corpus.from_frame(pd.DataFrame({"response_id": [1, 2], "text": ["x", None], "wave": [1, None]}))
    assert c.ids == ["1", "2"] and c.texts == ["x", ""]
    assert c[0].respondent_id is None and c[1].metadata == {}


def test_empty_corpus_frame_has_the_core_columns() -> None:
    df = Corpus().to_frame()
    assert list(df.columns) == list(CORE_COLUMNS) and len(df) == 0
    assert len(Corpus.from_frame(df)) == 0


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
_opt = st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8))
_meta = st.dictionaries(
    st.sampled_from(["wave", "age_group", "survey_date", "score"]),
    st.one_of(st.integers(-5, 5), st.text(min_size=1, max_size=5), st.booleans()),
    max_size=3,
)


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(st.tuples(_opt, _opt, _opt, _text, _meta), max_size=8),
    deidentified=st.booleans(),
)
def test_property_frame_round_trip_is_lossless(rows, deidentified) -> None:
    c = Corpus(
        [
            Response(response_id=f"id{i}", respondent_id=a, question_id=b, language=lang, text=t, metadata=m)
            for i, (a, b, lang, t, m) in enumerate(rows)
        ],
        deidentified=deidentified,
    )
    assert Corpus.from_frame(c.to_frame()) == c
