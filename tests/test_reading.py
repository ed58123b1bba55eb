"""Survey readers: formats, layouts, detection, skips and every kind of bad input.

Fixture files are written in ``tmp_path`` by the tests themselves (XLSX with
openpyxl, .sav with pyreadstat, CSV bytes in several encodings), so each test
shows exactly what it reads. All answer texts are synthetic and clinical.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from twoknow_text.cli import _common as c  # module level: typer resolves the Annotated aliases by name
from twoknow_text.errors import ConfigError, InputError
from twoknow_text.reading import SKIP_REASONS, ReadOptions, ReadReport, SkippedRow, read_survey

# Texts that must never show up in an error message, a log line or a report.
SECRET_A = "I felt lonely most evenings"
SECRET_B = "Fear of being caught stopped me"
SECRET_C = "Talking to a counsellor helped"


def write_csv(path: Path, rows: list[list[object]], *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


@pytest.fixture
def wide_csv(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "wide.csv",
        [
            ["respondent_id", "language", "wave", "q1", "q2"],
            ["r1", "en", "1", SECRET_A, SECRET_B],
            ["r2", "en", "2", "", SECRET_C],
            ["r3", "fi", "1", "Yksinäisyys", "   "],
        ],
    )


# --------------------------------------------------------------- layouts


def test_wide_form_melts_to_one_response_per_answer(wide_csv: Path) -> None:
    corpus, report = read_survey(
        wide_csv, format="wide", id_col="respondent_id", text_cols=["q1", "q2"], language_col="language"
    )
    assert corpus.ids == ["r1:q1", "r1:q2", "r2:q2", "r3:q1"]
    first = corpus[0]
    assert (first.respondent_id, first.question_id, first.language, first.text) == ("r1", "q1", "en", SECRET_A)
    assert first.metadata == {"wave": "1"}
    assert corpus[3].text == "Yksinäisyys" and corpus[3].language == "fi"
    assert (report.format, report.rows_in, report.answers_in, report.kept) == ("wide", 3, 6, 4)
    assert [(s.row, s.response_id, s.question_id, s.reason) for s in report.skipped] == [
        (3, "r2:q1", "q1", "empty_text"),
        (4, "r3:q2", "q2", "empty_text"),
    ]
    assert report.counts_by_reason["empty_text"] == 2
    assert list(report.counts_by_reason) == list(SKIP_REASONS)


def test_auto_format_is_wide_for_several_text_columns(wide_csv: Path) -> None:
    _, report = read_survey(wide_csv, id_col="respondent_id", text_cols=["q1", "q2"])
    assert report.format == "wide"


def test_long_form_uses_id_column_and_question_column(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "long.csv",
        [
            ["answer_id", "person", "question", "answer", "age_group"],
            ["a1", "p1", "q1_led_to_it", SECRET_A, "25-34"],
            ["a2", "p1", "q4_stops_you", SECRET_B, "25-34"],
        ],
    )
    corpus, report = read_survey(
        path, id_col="answer_id", text_cols="answer", question_col="question", respondent_col="person"
    )
    assert report.format == "long"
    assert [(r.response_id, r.respondent_id, r.question_id) for r in corpus] == [
        ("a1", "p1", "q1_led_to_it"),
        ("a2", "p1", "q4_stops_you"),
    ]
    assert corpus[0].metadata == {"age_group": "25-34"}


def test_long_form_without_id_composes_respondent_and_question(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "long.csv", [["person", "question", "answer"], ["p1", "q1", "x"], ["p1", "q1", "y"]])
    corpus, report = read_survey(path, text_cols="answer", question_col="question", respondent_col="person")
    assert corpus.ids == ["p1:q1"]
    assert report.skipped == [SkippedRow(row=3, response_id="p1:q1", question_id="q1", reason="duplicate_id")]


def test_rows_are_numbered_when_no_id_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "noid.csv", [["answer"], ["one"], ["two"]])
    corpus, _ = read_survey(path, text_cols="answer")
    assert corpus.ids == ["row-2", "row-3"]
    assert corpus[0].question_id == "answer"


def test_metadata_columns_can_be_chosen(wide_csv: Path) -> None:
    corpus, _ = read_survey(wide_csv, id_col="respondent_id", text_cols=["q1", "q2"], metadata_cols=[])
    assert corpus[0].metadata == {}
    corpus, _ = read_survey(wide_csv, id_col="respondent_id", text_cols=["q1", "q2"], metadata_cols="wave")
    assert corpus[0].metadata == {"wave": "1"} and corpus[0].language is None


def test_unmapped_column_with_a_core_name_is_kept_under_a_prefix(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [["id", "answer", "text"], ["1", "x", "other"]])
    corpus, report = read_survey(path, id_col="id", text_cols="answer")
    assert corpus[0].metadata == {"source_text": "other"} and corpus[0].text == "x"
    assert corpus.to_frame().loc[0, "source_text"] == "other"
    assert any("source_" in w for w in report.warnings)


def test_report_names_the_columns_used_and_the_metadata_keys(wide_csv: Path) -> None:
    corpus, report = read_survey(wide_csv, id_col="respondent_id", text_cols=["q1", "q2"])
    assert corpus[0].language is None and corpus[0].metadata == {"source_language": "en", "wave": "1"}
    assert report.metadata_keys == {"language": "source_language", "wave": "wave"}
    assert (report.id_col, report.language_col, report.question_col) == ("respondent_id", None, None)
    corpus, report = read_survey(wide_csv, id_col="respondent_id", text_cols=["q1", "q2"], language_col="language")
    assert [r.language for r in corpus] == ["en", "en", "en", "fi"]
    assert report.language_col == "language" and report.metadata_keys == {"wave": "wave"}


def test_corpus_round_trips_through_a_frame(wide_csv: Path) -> None:
    from twoknow_text.records import Corpus

    corpus, _ = read_survey(wide_csv, id_col="respondent_id", text_cols=["q1", "q2"], language_col="language")
    assert Corpus.from_frame(corpus.to_frame()) == corpus


# ------------------------------------------------------- CSV detection


@pytest.mark.parametrize(
    ("delimiter", "suffix"), [(";", ".csv"), ("\t", ".tsv"), ("\t", ".csv"), ("|", ".csv"), (",", ".txt")]
)
def test_delimiter_is_detected(tmp_path: Path, delimiter: str, suffix: str) -> None:
    rows = [["id", "answer", "wave"]] + [[str(i), f"Stress, work; and boredom {i}", "1"] for i in range(6)]
    path = write_csv(tmp_path / f"d{suffix}", rows, delimiter=delimiter)
    corpus, report = read_survey(path, id_col="id", text_cols="answer")
    assert report.delimiter == delimiter
    assert corpus[0].text == "Stress, work; and boredom 0"
    assert report.kept == 6


def test_sniffer_fallback_on_a_single_row(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("id;answer\n1;curiosity\n", encoding="utf-8")
    corpus, report = read_survey(path, id_col="id", text_cols="answer")
    assert report.delimiter == ";" and corpus.texts == ["curiosity"]


def test_explicit_delimiter_wins(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id|answer\n1|a,b\n", encoding="utf-8")
    corpus, _ = read_survey(path, id_col="id", text_cols="answer", delimiter="pipe")
    assert corpus.texts == ["a,b"]


def test_utf8_bom_is_removed_from_the_first_column_name(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bom.csv", [["id", "answer"], ["1", "Ängslig och stressad"]], encoding="utf-8-sig")
    corpus, report = read_survey(path, id_col="id", text_cols="answer")
    assert report.columns[0] == "id"
    assert report.encoding == "utf-8-sig"
    assert corpus.texts == ["Ängslig och stressad"]


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "u16.csv", [["id", "answer"], ["1", "Einsamkeit am Abend"]], encoding="utf-16")
    corpus, report = read_survey(path, id_col="id", text_cols="answer")
    assert report.encoding == "utf-16" and corpus.texts == ["Einsamkeit am Abend"]


def test_cp1252_file_is_decoded_by_detection(tmp_path: Path) -> None:
    texts = ["Café, naïve curiosity", "Müde und gestresst nach der Arbeit", "Jag kände mig ensam på kvällen"]
    path = write_csv(tmp_path / "cp.csv", [["id", "answer"]] + [[str(i), t] for i, t in enumerate(texts)],
                     encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    corpus, report = read_survey(path, id_col="id", text_cols="answer")
    assert corpus.texts == texts
    assert report.encoding == "cp1252"
    assert any("cp1252" in w for w in report.warnings)


def test_cp1251_russian_is_decoded_by_detection(tmp_path: Path) -> None:
    text = "Мне было одиноко и скучно по вечерам"
    path = write_csv(tmp_path / "ru.csv", [["id", "answer"], ["1", text]], encoding="cp1251")
    corpus, report = read_survey(path, id_col="id", text_cols="answer")
    assert corpus.texts == [text] and report.encoding == "cp1251"


def test_wrong_explicit_encoding_is_a_coded_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"id,answer\n1,ok\n2,caf\xe9 " + SECRET_A.encode() + b"\n")
    with pytest.raises(InputError) as exc:
        read_survey(path, id_col="id", text_cols="answer", encoding="utf-8")
    assert exc.value.code == "E006" and "line 3" in exc.value.message
    assert SECRET_A not in str(exc.value)


def test_mostly_utf8_file_with_a_damaged_cell_skips_only_that_answer(tmp_path: Path) -> None:
    good = [f"Jag kände mig ensam, svår tid nummer {i}" for i in range(5)]
    body = "id,answer\n" + "".join(f'{i},"{t}"\n' for i, t in enumerate(good))
    data = body.encode("utf-8") + b"9,broken \xff\xfe bytes\n"
    path = tmp_path / "damaged.csv"
    path.write_bytes(data)
    corpus, report = read_survey(path, id_col="id", text_cols="answer")
    assert corpus.texts == good  # accents intact: the file was not mis-decoded as a code page
    assert report.encoding == "utf-8"
    assert report.skipped == [SkippedRow(row=7, response_id="9", question_id="answer", reason="unreadable_cell")]


def test_quoted_multiline_answers(tmp_path: Path) -> None:
    path = tmp_path / "ml.csv"
    path.write_text('id,answer\n1,"First line.\nSecond line, with a comma."\n2,\n', encoding="utf-8")
    corpus, report = read_survey(path, id_col="id", text_cols="answer")
    assert corpus.texts == ["First line.\nSecond line, with a comma."]
    assert report.rows_in == 2
    assert report.skipped[0].row == 4  # the line the record starts on


def test_rows_with_extra_cells_are_recorded_and_short_rows_padded(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("id,answer,wave\n1,ok,1\n2,too,many,cells\n3,short\n4,trailing,2,,\n", encoding="utf-8")
    corpus, report = read_survey(path, id_col="id", text_cols="answer")
    assert corpus.ids == ["1", "3", "4"]
    assert corpus[1].metadata == {}  # the missing wave cell is missing, not ""
    assert report.skipped == [SkippedRow(row=3, response_id=None, question_id="answer", reason="unreadable_row")]
    assert report.answers_in == report.kept + len(report.skipped) == 4


def test_blank_lines_are_not_rows(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("id,answer\n\n1,ok\n\n\n2,\n", encoding="utf-8")
    _, report = read_survey(path, id_col="id", text_cols="answer")
    assert report.rows_in == 2 and report.kept == 1
    assert report.skipped[0].row == 6


# ------------------------------------------------------------ bad input


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        read_survey(tmp_path / "nope.csv", text_cols="answer")
    assert exc.value.code == "E001"


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        read_survey(tmp_path, text_cols="answer", file_type="csv")
    assert exc.value.code == "E002"


@pytest.mark.parametrize("content", [b"", b"   \n\n  \n"])
@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_empty_file(tmp_path: Path, content: bytes, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(content)
    with pytest.raises(InputError) as exc:
        read_survey(path, id_col="id", text_cols="answer")
    assert exc.value.code == "E003"


def test_header_only(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("id,answer\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_survey(path, id_col="id", text_cols="answer")
    assert exc.value.code == "E004"


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".tsv"])
def test_binary_garbage_file(tmp_path: Path, suffix: str) -> None:
    import random

    path = tmp_path / f"garbage{suffix}"
    rng = random.Random(7)
    path.write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    with pytest.raises(InputError) as exc:
        read_survey(path, id_col="id", text_cols="answer")
    assert exc.value.code == "E005"


def test_binary_garbage_xlsx_and_sav_and_parquet(tmp_path: Path) -> None:
    for suffix in (".xlsx", ".sav", ".parquet"):
        path = tmp_path / f"garbage{suffix}"
        path.write_bytes(os.urandom(2048))
        with pytest.raises(InputError) as exc:
            read_survey(path, id_col="id", text_cols="answer")
        assert exc.value.code == "E008", suffix


def test_unknown_extension_and_old_xls(tmp_path: Path) -> None:
    for name in ("survey.docx", "survey.xls", "survey"):
        path = tmp_path / name
        path.write_bytes(b"id,answer\n1,x\n")
        with pytest.raises(InputError) as exc:
            read_survey(path, text_cols="answer")
        assert exc.value.code == "E007"
    corpus, _ = read_survey(tmp_path / "survey", text_cols="answer", id_col="id", file_type="csv")
    assert corpus.texts == ["x"]


def test_unknown_column_suggests_the_closest_names(wide_csv: Path) -> None:
    with pytest.raises(InputError) as exc:
        read_survey(wide_csv, id_col="respondent", text_cols=["q1", "q2"])
    assert exc.value.code == "E011"
    assert "'respondent'" in exc.value.message and "did you mean 'respondent_id'" in exc.value.message
    with pytest.raises(InputError) as exc:
        read_survey(wide_csv, id_col="respondent_id", text_cols=["Q1"])
    assert "did you mean 'q1'" in exc.value.message
    with pytest.raises(InputError) as exc:
        read_survey(wide_csv, id_col="respondent_id", text_cols=["zzzzzz"])
    assert "columns are 'respondent_id', 'language'" in exc.value.message


def test_no_text_column_named_lists_the_columns(wide_csv: Path) -> None:
    with pytest.raises(InputError) as exc:
        read_survey(wide_csv, id_col="respondent_id")
    assert exc.value.code == "E012" and "'q1'" in exc.value.message


@pytest.mark.parametrize(
    "kwargs",
    [
        {"format": "long", "text_cols": ["q1", "q2"]},
        {"format": "wide", "text_cols": ["q1", "q2"], "question_col": "language"},
        {"text_cols": ["q1", "q2"], "id_col": "q1"},
        {"text_cols": ["q1", "q1"]},
    ],
)
def test_inconsistent_options(wide_csv: Path, kwargs: dict) -> None:
    with pytest.raises(InputError) as exc:
        read_survey(wide_csv, **kwargs)
    assert exc.value.code == "E016"


def test_duplicate_header_names(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dup.csv", [["id", "answer", "answer"], ["1", "a", "b"]])
    with pytest.raises(InputError) as exc:
        read_survey(path, id_col="id", text_cols="answer")
    assert exc.value.code == "E015"


def test_bad_option_values_are_config_errors(wide_csv: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        read_survey(wide_csv, text_cols="q1", fromat="wide")
    assert exc.value.code == "E104" and "did you mean 'format'" in exc.value.message
    with pytest.raises(ConfigError):
        read_survey(wide_csv, text_cols="q1", encoding="no-such-codec")
    with pytest.raises(ConfigError):
        read_survey(wide_csv, text_cols="q1", max_chars=0)
    with pytest.raises(ConfigError):
        read_survey(wide_csv, text_cols="q1", delimiter=";;")


# ------------------------------------------------------------ recorded skips


def test_duplicate_ids_keep_the_first(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "dups.csv",
        [["id", "answer"], ["a", SECRET_A], ["b", SECRET_B], ["a", SECRET_C], ["a", "again"]],
    )
    corpus, report = read_survey(path, id_col="id", text_cols="answer")
    assert corpus.texts == [SECRET_A, SECRET_B]
    assert [(s.row, s.response_id, s.reason) for s in report.skipped] == [
        (4, "a", "duplicate_id"),
        (5, "a", "duplicate_id"),
    ]


def test_duplicate_respondent_in_wide_form_skips_every_answer_of_the_later_row(wide_csv: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "w.csv", [["rid", "q1", "q2"], ["r1", "a", "b"], ["r1", "c", "d"]])
    corpus, report = read_survey(path, id_col="rid", text_cols=["q1", "q2"])
    assert corpus.texts == ["a", "b"]
    assert [s.response_id for s in report.skipped] == ["r1:q1", "r1:q2"]
    assert report.counts_by_reason["duplicate_id"] == 2


def test_missing_ids_are_recorded(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [["rid", "q1", "q2"], ["", "a", "b"], ["  ", "c", ""], ["r3", "e", "f"]])
    corpus, report = read_survey(path, id_col="rid", text_cols=["q1", "q2"])
    assert corpus.ids == ["r3:q1", "r3:q2"]
    assert report.counts_by_reason["missing_id"] == 4
    assert {s.row for s in report.skipped} == {2, 3}


def test_an_answer_of_one_megabyte_is_a_recorded_skip(tmp_path: Path) -> None:
    huge = ("I kept searching because I was bored. " * 30_000)[:1_000_000]
    path = write_csv(tmp_path / "big.csv", [["id", "answer"], ["1", SECRET_A], ["2", huge], ["3", SECRET_B]])
    corpus, report = read_survey(path, id_col="id", text_cols="answer")
    assert corpus.texts == [SECRET_A, SECRET_B]
    assert report.skipped == [SkippedRow(row=3, response_id="2", question_id="answer", reason="too_long")]


def test_max_chars_is_configurable(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "mc.csv", [["id", "answer"], ["1", "x" * 10], ["2", "x" * 11]])
    corpus, report = read_survey(path, id_col="id", text_cols="answer", max_chars=10)
    assert corpus.ids == ["1"] and report.counts_by_reason["too_long"] == 1


def test_control_character_junk_is_an_unreadable_cell(tmp_path: Path) -> None:
    junk = "".join(chr(c) for c in range(1, 9)) * 5 + "abc"
    path = write_csv(
        tmp_path / "junk.csv",
        [["id", "answer"], ["1", junk], ["2", "Stress\tat work\r\nmostly"], ["3", "null\x00byte"], ["4", "ok"]],
    )
    corpus, report = read_survey(path, id_col="id", text_cols="answer")
    assert corpus.ids == ["2", "4"]  # tabs and line breaks are ordinary text
    assert [(s.response_id, s.reason) for s in report.skipped] == [("1", "unreadable_cell"), ("3", "unreadable_cell")]


def test_whitespace_is_stripped_and_unicode_normalised(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "nfc.csv", [["id", "answer"], ["  7 ", "  Cafe\u0301 \n"]])
    corpus, _ = read_survey(path, id_col="id", text_cols="answer")
    assert corpus.ids == ["7"] and corpus.texts == ["Caf\u00e9"]


# ------------------------------------------------------------------ XLSX


def make_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_xlsx_with_several_sheets_asks_which(tmp_path: Path) -> None:
    path = make_workbook(
        tmp_path / "two.xlsx",
        {"Wave 1": [["id", "answer"], [1, SECRET_A]], "Wave 2": [["id", "answer"], [2, SECRET_B]], "Notes": []},
    )
    with pytest.raises(InputError) as exc:
        read_survey(path, id_col="id", text_cols="answer")
    assert exc.value.code == "E013"
    assert "'Wave 1'" in exc.value.message and "'Wave 2'" in exc.value.message and "--sheet" in exc.value.message
    corpus, report = read_survey(path, id_col="id", text_cols="answer", sheet="Wave 2")
    assert corpus.texts == [SECRET_B] and corpus.ids == ["2"] and report.sheet == "Wave 2"
    corpus, _ = read_survey(path, id_col="id", text_cols="answer", sheet=0)
    assert corpus.texts == [SECRET_A]
    corpus, _ = read_survey(path, id_col="id", text_cols="answer", sheet="0")  # as the CLI passes it
    assert corpus.texts == [SECRET_A]


def test_xlsx_unknown_sheet_suggests(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "s.xlsx", {"Wave 1": [["id", "answer"], [1, "a"]]})
    with pytest.raises(InputError) as exc:
        read_survey(path, id_col="id", text_cols="answer", sheet="wave 1")
    assert exc.value.code == "E014" and "'Wave 1'" in exc.value.message
    with pytest.raises(InputError) as exc:
        read_survey(path, id_col="id", text_cols="answer", sheet=5)
    assert exc.value.code == "E014"


def test_xlsx_single_data_sheet_and_cell_types(tmp_path: Path) -> None:
    import datetime as dt

    path = make_workbook(
        tmp_path / "one.xlsx",
        {
            "Answers": [
                [None],
                ["id", "answer", "survey_date", "wave", None],
                [1, SECRET_A, dt.datetime(2024, 3, 1), 1.0],
                [2.0, 42, dt.datetime(2024, 3, 2), 2],
                [3, None, None, None],
            ],
            "Empty": [],
        },
    )
    corpus, report = read_survey(path, id_col="id", text_cols="answer")
    assert report.columns == ["id", "answer", "survey_date", "wave"]
    assert corpus.ids == ["1", "2"] and corpus.texts == [SECRET_A, "42"]
    assert corpus[0].metadata == {"survey_date": "2024-03-01T00:00:00", "wave": 1}
    assert report.skipped == [SkippedRow(row=5, response_id="3", question_id="answer", reason="empty_text")]


# ------------------------------------------------------------------- SAV


def test_sav_value_labels_apply_to_metadata_and_are_reported(tmp_path: Path) -> None:
    pyreadstat = pytest.importorskip("pyreadstat")
    df = pd.DataFrame(
        {
            "resp": [1.0, 2.0, 3.0, 4.0],
            "q1": [SECRET_A, "", SECRET_B, SECRET_C],
            "age_group": [1.0, 2.0, float("nan"), 3.0],
            "lang": [1.0, 1.0, 2.0, 1.0],
            "wave": [1.0, 2.0, 1.0, 2.0],
        }
    )
    path = tmp_path / "survey.sav"
    pyreadstat.write_sav(
        df,
        str(path),
        variable_value_labels={"age_group": {1.0: "18-24", 2.0: "25-34", 3.0: "35+"}, "lang": {1.0: "en", 2.0: "fi"}},
        column_labels={"q1": "What led you to search for it?", "age_group": "Age group"},
    )
    corpus, report = read_survey(path, id_col="resp", text_cols="q1", language_col="lang")
    assert corpus.ids == ["1", "3", "4"]
    assert [r.metadata for r in corpus] == [
        {"age_group": "18-24", "wave": 1},
        {"wave": 1},
        {"age_group": "35+", "wave": 2},
    ]
    assert [r.language for r in corpus] == ["en", "fi", "en"]
    assert report.value_labels == {
        "age_group": {"1": "18-24", "2": "25-34", "3": "35+"},
        "lang": {"1": "en", "2": "fi"},
    }
    assert report.column_labels["q1"] == "What led you to search for it?"
    assert report.counts_by_reason["empty_text"] == 1


# ----------------------------------------------------------------- JSONL


def test_jsonl_bad_lines_are_recorded_skips(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "answer": SECRET_A, "wave": 1}),
        "{not json",
        "",
        json.dumps({"id": "b", "answer": {"nested": "object"}}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "c", "answer": SECRET_B}),
    ]
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus, report = read_survey(path, id_col="id", text_cols="answer")
    assert corpus.ids == ["a", "c"]
    assert corpus[0].metadata == {"wave": 1}
    assert [(s.row, s.reason) for s in report.skipped] == [
        (2, "unreadable_row"),
        (4, "unreadable_cell"),
        (5, "unreadable_row"),
    ]
    assert report.answers_in == 5 == report.kept + len(report.skipped)


def test_jsonl_with_no_object_line(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text("[1]\n{oops\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_survey(path, id_col="id", text_cols="answer")
    assert exc.value.code == "E017"


def test_jsonl_wide_form(tmp_path: Path) -> None:
    path = tmp_path / "w.jsonl"
    path.write_text(
        json.dumps({"rid": 1, "q1": "a", "q2": "b"}) + "\nbroken\n" + json.dumps({"rid": 2, "q1": "c"}) + "\n",
        encoding="utf-8",
    )
    corpus, report = read_survey(path, id_col="rid", text_cols=["q1", "q2"])
    assert corpus.ids == ["1:q1", "1:q2", "2:q1"]
    assert report.counts_by_reason == {**dict.fromkeys(SKIP_REASONS, 0), "unreadable_row": 2, "empty_text": 1}


# --------------------------------------------------------------- Parquet


def test_parquet_round_trip_of_a_corpus_frame(tmp_path: Path, wide_csv: Path) -> None:
    corpus, _ = read_survey(wide_csv, id_col="respondent_id", text_cols=["q1", "q2"], language_col="language")
    path = tmp_path / "deid.parquet"
    corpus.to_frame().to_parquet(path)
    again, report = read_survey(
        path, id_col="response_id", text_cols="text", question_col="question_id",
        respondent_col="respondent_id", language_col="language",
    )
    assert again == corpus and report.file_type == "parquet"


# ------------------------------------------------------------------ config


def test_options_from_yaml_top_level_or_reading_section(tmp_path: Path, wide_csv: Path) -> None:
    top = tmp_path / "read.yaml"
    top.write_text("id_col: respondent_id\ntext_cols: [q1, q2]\nformat: wide\n", encoding="utf-8")
    nested = tmp_path / "pipeline.yaml"
    nested.write_text("reading:\n  id_col: respondent_id\n  text_cols: q2\nthemes:\n  seed: 1\n", encoding="utf-8")
    c1, r1 = read_survey(wide_csv, top)
    assert r1.format == "wide" and len(c1) == 4
    c2, r2 = read_survey(wide_csv, nested)
    assert r2.format == "long" and c2.texts == [SECRET_B, SECRET_C]
    c3, _ = read_survey(wide_csv, top, text_cols=["q1"], format="long")  # keywords override the file
    assert c3.texts == [SECRET_A, "Yksinäisyys"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("id_col: x\ntext_col: q1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        read_survey(wide_csv, bad)
    assert "did you mean 'text_cols'" in exc.value.message


def test_read_options_object_is_accepted() -> None:
    opts = ReadOptions(text_cols="answer", delimiter="tab")
    assert opts.text_cols == ["answer"] and opts.delimiter == "\t" and opts.max_chars == 100_000


# --------------------------------------------------- invariant and privacy


def test_report_refuses_a_broken_invariant() -> None:
    with pytest.raises(ValidationError):
        ReadReport(source="x.csv", file_type="csv", format="long", rows_in=2, answers_in=2, kept=2,
                   skipped=[SkippedRow(row=2, reason="empty_text")])


def test_no_answer_text_in_report_logs_or_errors(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write_csv(
        tmp_path / "p.csv",
        [["id", "answer"], ["1", SECRET_A], ["1", SECRET_B], ["2", SECRET_C * 10], ["3", "\x01\x02\x03" * 9]],
    )
    with caplog.at_level(logging.DEBUG):
        corpus, report = read_survey(path, id_col="id", text_cols="answer", max_chars=100)
    dumped = report.model_dump_json() + report.summary() + report.skipped_frame().to_csv()
    for secret in (SECRET_A, SECRET_B, SECRET_C):
        assert secret not in dumped and secret not in caplog.text
    assert corpus.texts == [SECRET_A] and report.kept + len(report.skipped) == report.answers_in == 4
    with pytest.raises(InputError) as exc:
        read_survey(path, id_col="id", text_cols=[SECRET_A[:5] + "x"])
    assert SECRET_B not in str(exc.value)


# ------------------------------------------------------ property tests

_cell = st.one_of(
    st.just(""),
    st.just("   "),
    st.text(alphabet="abc xyzäö,;\"'\n", min_size=1, max_size=12),
    st.text(alphabet="abcdef ", min_size=21, max_size=40),  # over max_chars=20 once stripped (mostly)
    st.text(alphabet="\x01\x02\x03ab", min_size=1, max_size=10),  # control-character junk
)
_ident = st.one_of(st.just(""), st.sampled_from(["1", "2", "3", "a", "b"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_ident, _cell), min_size=1, max_size=12), delimiter=st.sampled_from([",", ";", "\t"]))
def test_property_long_form_matches_a_reference_model(tmp_path_factory, rows, delimiter) -> None:
    path = write_csv(tmp_path_factory.mktemp("p") / "prop.csv", [["id", "answer"], *map(list, rows)],
                     delimiter=delimiter)
    corpus, report = read_survey(path, id_col="id", text_cols="answer", delimiter=delimiter, max_chars=20)
    # Reference: missing id → missing_id; later occurrence of an id → duplicate_id;
    # blank → empty_text; over 20 chars → too_long; mostly control characters
    # → unreadable_cell; otherwise kept (stripped).
    seen: set[str] = set()
    expected_kept, expected_reasons = [], []
    for ident, text in rows:
        stripped = text.strip()
        n_ctrl = sum(ch in "\x01\x02\x03" for ch in stripped)
        if not ident.strip():
            expected_reasons.append("missing_id")
            continue
        if ident in seen:
            expected_reasons.append("duplicate_id")
            continue
        seen.add(ident)
        if not stripped:
            expected_reasons.append("empty_text")
        elif len(stripped) > 20:
            expected_reasons.append("too_long")
        elif n_ctrl and n_ctrl / len(stripped) > 0.05:
            expected_reasons.append("unreadable_cell")
        else:
            expected_kept.append((ident, stripped))
    assert report.answers_in == len(rows) == report.kept + len(report.skipped)
    assert list(zip(corpus.ids, corpus.texts, strict=True)) == expected_kept
    assert [s.reason for s in report.skipped] == expected_reasons


@settings(max_examples=40, deadline=None)
@given(
    frame=st.lists(
        st.fixed_dictionaries(
            {"rid": _ident, "q1": _cell, "q2": _cell, "wave": st.sampled_from(["1", "2", ""])}
        ),
        min_size=1,
        max_size=10,
    ),
    broken=st.lists(st.integers(min_value=0, max_value=9), max_size=3),
)
def test_property_wide_jsonl_invariant(tmp_path_factory, frame, broken) -> None:
    lines = [json.dumps(r) for r in frame]
    for i in broken:  # unparseable lines mixed in
        lines.insert(min(i, len(lines)), "{broken")
    path = tmp_path_factory.mktemp("w") / "prop.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus, report = read_survey(path, id_col="rid", text_cols=["q1", "q2"], format="wide")
    assert report.rows_in == len(lines)
    assert report.answers_in == 2 * len(lines) == report.kept + len(report.skipped)
    assert report.counts_by_reason["unreadable_row"] == 2 * len(broken)
    assert len(set(corpus.ids)) == len(corpus)


# ------------------------------------------------------------ CLI helper


def test_read_input_flags_override_config_and_empty_flags_do_not(tmp_path: Path, wide_csv: Path) -> None:
    from twoknow_text.cli._common import InputFormat, read_input

    cfg = tmp_path / "read.yaml"
    cfg.write_text("id_col: respondent_id\ntext_cols: [q1, q2]\nformat: wide\n", encoding="utf-8")
    corpus, report = read_input(wide_csv, [], None, None, config=cfg)
    assert report.format == "wide" and len(corpus) == 4
    corpus, report = read_input(wide_csv, ["q2"], "respondent_id", InputFormat.long, config=cfg)
    assert report.format == "long" and corpus.texts == [SECRET_B, SECRET_C]


def test_read_input_refuses_a_file_with_nothing_left(tmp_path: Path) -> None:
    from twoknow_text.cli._common import read_input

    path = write_csv(tmp_path / "blank.csv", [["id", "answer"], ["1", ""], ["2", " "]])
    with pytest.raises(InputError) as exc:
        read_input(path, ["answer"], "id")
    assert exc.value.code == "E019" and "empty_text 2" in exc.value.message
    _, report = read_input(path, ["answer"], "id", require_answers=False)
    assert report.kept == 0


def test_print_read_summary_prints_counts_not_text(tmp_path: Path) -> None:
    from rich.console import Console

    from twoknow_text.cli._common import print_read_summary

    path = write_csv(tmp_path / "s.csv", [["id", "answer"], ["1", SECRET_A], ["1", SECRET_B], ["2", ""]], delimiter=";")
    _, report = read_survey(path, id_col="id", text_cols="answer")
    console = Console(file=io.StringIO(), width=200)
    print_read_summary(report, console)
    out = console.file.getvalue()
    assert "kept 1" in out and "duplicate_id 1" in out and "empty_text 1" in out and "semicolon" in out
    assert SECRET_A not in out and SECRET_B not in out


def test_shared_typer_options_parse_as_documented(wide_csv: Path) -> None:
    import typer
    from typer.testing import CliRunner

    app = typer.Typer()
    seen: dict = {}

    @app.command()
    def run(
        input: c.InputArg,
        text_col: c.TextColOpt = None,
        id_col: c.IdColOpt = None,
        fmt: c.FormatOpt = None,
        sheet: c.SheetOpt = None,
        question_col: c.QuestionColOpt = None,
        respondent_col: c.RespondentColOpt = None,
        language_col: c.LanguageColOpt = None,
        config: c.ConfigOpt = None,
        encoding: c.EncodingOpt = None,
        delimiter: c.DelimiterOpt = None,
        max_chars: c.MaxCharsOpt = None,
    ) -> None:
        corpus, report = c.read_input(
            input, text_col, id_col, fmt, sheet=sheet, question_col=question_col, respondent_col=respondent_col,
            language_col=language_col, config=config, encoding=encoding, delimiter=delimiter, max_chars=max_chars,
        )
        seen["ids"] = corpus.ids
        seen["lang"] = corpus[0].language

    @app.command()
    def other() -> None:  # a second command keeps "run" a sub-command, as in the real app
        pass

    result = CliRunner().invoke(
        app,
        ["run", str(wide_csv), "--text-col", "q1", "-t", "q2", "--id-col", "respondent_id", "--format", "WIDE",
         "--language-col", "language", "--max-chars", "50"],
    )
    assert result.exit_code == 0, result.output
    assert seen["ids"] == ["r1:q1", "r1:q2", "r2:q2", "r3:q1"] and seen["lang"] == "en"
    bad = CliRunner().invoke(app, ["run", str(wide_csv), "--format", "diagonal"])
    assert bad.exit_code == 2


def test_single_column_file_counts_whitespace_answers(tmp_path: Path) -> None:
    path = tmp_path / "one_col.csv"
    path.write_text("answer\nLoneliness\n   \n\nStress\n", encoding="utf-8")
    corpus, report = read_survey(path, text_cols="answer")
    assert corpus.texts == ["Loneliness", "Stress"]
    assert report.skipped == [SkippedRow(row=3, response_id="row-3", question_id="answer", reason="empty_text")]
