"""Hostile and malformed survey files: a coded error or every answer accounted for.

Real files in each case (bytes written to disk, read by ``read_survey``):
unbalanced quotes, carriage returns, legacy code pages, damaged UTF-8,
broken JSONL lines, XLSX/Parquet/.sav garbage. Property-based tests throw
random bytes and random well-formed tables (random quoting, CR/LF/CRLF line
endings, encodings) at every text reader: the only exceptions allowed are
``TwoknowError`` subclasses, and ``answers_in == kept + skipped`` with one
record per written row.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twoknow_text.errors import InputError, TwoknowError
from twoknow_text.reading import read_survey

SECRET = "Lonely evenings after work"  # must never reach a message


def _read(path: Path, **kw):
    return read_survey(path, id_col="id", text_cols="answer", **kw)


def _check_accounts(report) -> None:
    assert report.answers_in == report.kept + len(report.skipped)
    assert sum(report.counts_by_reason.values()) == len(report.skipped)


# ------------------------------------------------------------ unbalanced quotes


def test_unclosed_quote_on_row_10_of_100_is_e009_not_merged_answers(tmp_path: Path) -> None:
    rows = [f"R{i},{SECRET} {i}" for i in range(1, 101)]
    rows[9] = f'R10,"{SECRET} with an unclosed quote'
    path = tmp_path / "unclosed.csv"
    path.write_text("id,answer\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        _read(path)
    assert exc.value.code == "E009"
    assert "line 11" in exc.value.message  # the record's first line (header = line 1)
    assert SECRET not in str(exc.value)


def test_quote_closed_by_a_later_row_is_e009(tmp_path: Path) -> None:
    # The stray quote on row 3 pairs with the opening quote of row 6: every row between would merge.
    path = tmp_path / "later.csv"
    path.write_text('id,answer\n1,ok\n2,"stray\n3,a\n4,b\n5,"quoted, fine"\n', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        _read(path)
    assert exc.value.code == "E009" and "line 3" in exc.value.message


def test_quote_inside_an_unquoted_cell_is_text(tmp_path: Path) -> None:
    path = tmp_path / "inch.csv"
    path.write_text('id,answer\n1,a 5" screen felt safer\n2,ok\n', encoding="utf-8")
    corpus, report = _read(path)
    assert corpus.texts == ['a 5" screen felt safer', "ok"]
    _check_accounts(report)


# ------------------------------------------------------------ carriage returns


def test_cr_only_line_endings_read_as_lines(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(b'id,answer\r1,Loneliness\r2,"Stress\rand worry"\r3,Curiosity\r')
    corpus, report = _read(path)
    assert corpus.ids == ["1", "2", "3"]
    assert corpus.texts == ["Loneliness", "Stress\nand worry", "Curiosity"]  # CR is the line break here
    assert report.delimiter == ","
    assert [s.row for s in report.skipped] == []


def test_stray_cr_inside_a_field_is_kept_quoted_or_not(tmp_path: Path) -> None:
    path = tmp_path / "stray.csv"
    path.write_bytes(b'id,answer\r\n1,"quoted\rcell"\r\n2,unquoted\rcell\r\n3,plain\r\n')
    corpus, report = _read(path)
    assert corpus.ids == ["1", "2", "3"]  # no phantom row from the unquoted CR
    assert corpus.texts == ["quoted\rcell", "unquoted\rcell", "plain"]
    assert report.rows_in == 3


def test_stray_cr_in_the_header_line_does_not_crash_the_sniffer(tmp_path: Path) -> None:
    path = tmp_path / "hdr.csv"
    path.write_bytes(b"id;answer\r\n1;stress\r\n2;wor\rry\r\n")
    corpus, report = _read(path)
    assert report.delimiter == ";" and corpus.texts == ["stress", "wor\rry"]


def test_cr_in_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "cr.jsonl"
    path.write_bytes(b'{"id": "1", "answer": "fear"}\r{"id": "2", "answer": "stress"}\r')
    corpus, report = _read(path)
    assert corpus.texts == ["fear", "stress"]
    _check_accounts(report)


# ------------------------------------------------------------ encodings


def test_latin1_finnish_is_never_big5(tmp_path: Path) -> None:
    for text in ("käyttää", "Tunsin itseni yksinäiseksi ja käytän aikaa yksin"):
        path = tmp_path / "fi.csv"
        path.write_bytes(f"id,answer\nR1,{text}\n".encode("latin-1"))
        corpus, report = _read(path)
        assert corpus.texts == [text]
        assert report.encoding in {"cp1252", "latin_1", "iso8859_15"}
        assert report.encoding_source == "detected"
        assert report.encoding_confidence is not None and report.encoding_confidence >= 0.9
        assert any("confidence" in w for w in report.warnings)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Ich fühlte mich einsam – niemand war da", "cp1252"),
        ("Czułem się samotny; ciekawość i żal", "cp1250"),
        ("Мне было одиноко и скучно по вечерам", "cp1251"),
        ("Jag kände mig ensam på kvällen", "cp1252"),
        ("Cítil jsem se osamělý a vystresovaný", "cp1250"),
        ("Yalnız hissettim ve korku güvenli değil", "cp1254"),
    ],
)
def test_legacy_code_pages_are_detected_with_confidence(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "legacy.csv"
    path.write_bytes(f"id,answer\n1,{text}\n".encode(encoding))
    corpus, report = _read(path)
    assert corpus.texts == [text]
    assert report.encoding_confidence >= 0.9


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Мне было одиноко и скучно по вечерам", "koi8_r"),  # reads as all-caps cp1251 too
        ("Ένιωθα μοναξιά και άγχος", "cp1253"),  # reads as clean Cyrillic in iso8859_5 too
        ("très", "cp1252"),  # "trčs" in cp1250
        ("Magányosnak éreztem magam őszintén", "cp1250"),
        ("我感到孤獨和好奇", "big5"),
    ],
)
def test_legacy_code_pages_are_right_or_refused_never_wrong(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "legacy.csv"
    path.write_bytes(f"id,answer\n1,{text}\n".encode(encoding))
    try:
        corpus, _ = _read(path)
    except InputError as exc:
        assert exc.code == "E023" and "--encoding" in exc.message
        corpus, _ = _read(path, encoding=encoding)
    assert corpus.texts == [text]


def test_an_undecidable_code_page_is_refused_naming_the_encoding_option(tmp_path: Path) -> None:
    # Greek in cp1253 reads as clean Cyrillic in iso8859_5 too: refuse rather than guess.
    path = tmp_path / "el.csv"
    path.write_bytes("id,answer\n1,Ένιωθα μοναξιά και άγχος\n".encode("cp1253"))
    with pytest.raises(InputError) as exc:
        _read(path)
    assert exc.value.code == "E023" and "--encoding" in exc.value.message
    corpus, report = _read(path, encoding="cp1253")
    assert corpus.texts == ["Ένιωθα μοναξιά και άγχος"]
    assert report.encoding_source == "given" and report.encoding_confidence == 1.0


def test_utf8_with_a_few_bad_bytes_is_never_read_as_a_code_page(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    data = "id,answer\n1,yksinäinen\n".encode() + b"2,bad \xff byte\n"
    path.write_bytes(data)
    with pytest.raises(InputError) as exc:
        _read(path)
    assert exc.value.code == "E024"
    offset = data.index(b"\xff")
    assert "line 3" in exc.value.message and f"byte offset {offset}" in exc.value.message
    assert "--encoding" in exc.value.message


def test_damaged_utf8_keeps_utf8_and_says_where(tmp_path: Path) -> None:
    good = [f"Tämä on vastaus numero {i} yksinäisyys" for i in range(6)]
    data = ("id,answer\n" + "".join(f"{i},{t}\n" for i, t in enumerate(good))).encode("utf-8")
    data += b"9,broken \xff\xfe here\n"
    path = tmp_path / "damaged.csv"
    path.write_bytes(data)
    corpus, report = _read(path)
    assert corpus.texts == good
    assert report.encoding == "utf-8" and report.encoding_source == "utf-8-damaged"
    assert [(s.response_id, s.reason) for s in report.skipped] == [("9", "unreadable_cell")]
    offset = data.index(b"\xff")
    assert any(f"byte offset {offset}" in w and "line 8" in w for w in report.warnings)


def test_binary_csv_is_e005(tmp_path: Path) -> None:
    path = tmp_path / "bin.csv"
    path.write_bytes(bytes(range(256)) * 16)
    with pytest.raises(InputError) as exc:
        _read(path)
    assert exc.value.code == "E005"


def test_control_bytes_only_is_binary_not_a_header(tmp_path: Path) -> None:
    path = tmp_path / "ctrl.csv"
    path.write_bytes(bytes(range(1, 9)) * 500)
    with pytest.raises(InputError) as exc:
        _read(path)
    assert exc.value.code == "E005"


# ------------------------------------------------------------ JSONL, XLSX


def test_jsonl_broken_lines_are_recorded_skips(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"id": "1", "answer": "fear"}\nnot json\n[1, 2]\n{"id": "4", "answer": "' + "9" * 5000 + '"}\n'
        '{"id": "5", "n": ' + "9" * 5000 + "}\n"  # an integer too long for Python's int parser
        '{"id": "6", "answer": "line\u2028separator inside"}\n',
        encoding="utf-8",
    )
    corpus, report = _read(path)
    assert corpus.ids == ["1", "4", "6"]
    assert corpus.texts[2] == "line\u2028separator inside"  # U+2028 does not split a record
    assert [(s.row, s.reason) for s in report.skipped] == [
        (2, "unreadable_row"), (3, "unreadable_row"), (5, "unreadable_row")]
    _check_accounts(report)


def test_unknown_sheet_lists_sheets_not_columns(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.title = "Wave 1"
    wb.active.append(["id", "answer"])
    wb.active.append(["1", "fear"])
    wb.create_sheet("Codes")
    path = tmp_path / "w.xlsx"
    wb.save(path)
    with pytest.raises(InputError) as exc:
        _read(path, sheet="Zzzzz")
    assert exc.value.code == "E014"
    assert "sheets are 'Wave 1', 'Codes'" in exc.value.message and "columns" not in exc.value.message


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet", ".sav"])
def test_garbage_in_binary_formats_is_coded(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"x{suffix}"
    path.write_bytes(b"PK\x03\x04" + SECRET.encode() * 50)
    with pytest.raises(InputError) as exc:
        _read(path)
    assert exc.value.code == "E008" and SECRET not in str(exc.value)


# ------------------------------------------------------------ properties


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".tsv", ".jsonl", ".xlsx", ".parquet", ".sav"]))
def test_property_random_bytes_never_crash(tmp_path_factory, data: bytes, suffix: str) -> None:
    path = tmp_path_factory.mktemp("rb") / f"random{suffix}"
    path.write_bytes(b"id,answer\n" + data if data[:1] != b"\x00" else data)
    try:
        corpus, report = _read(path)
    except TwoknowError:
        return
    _check_accounts(report)
    assert len(corpus) == report.kept


_LATIN = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 äöåüéèàçñßÄÖÅÜÉ"
_cell = st.text(
    alphabet=st.sampled_from(list(_LATIN + ',;"\'\t\r\n') + ["–", "€", "’", "\u2028"]), max_size=25
)


def _expected(text: str, cr_only: bool) -> str:
    if cr_only:  # every CR is a line break in a CR-only file
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cells=st.lists(_cell, min_size=1, max_size=15),
    terminator=st.sampled_from(["\n", "\r\n", "\r"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    given_encoding=st.booleans(),
)
def test_property_written_tables_read_back_row_for_row(
    tmp_path_factory, cells, terminator, quoting, delimiter, encoding, given_encoding
) -> None:
    if encoding == "cp1252":
        cells = [c.replace("\u2028", " ") for c in cells]
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=terminator)
    w.writerow(["id", "answer"])
    for i, c in enumerate(cells):
        w.writerow([f"R{i}", c])
    path = tmp_path_factory.mktemp("rt") / "t.csv"
    path.write_bytes(buf.getvalue().encode(encoding))
    kw = {"encoding": encoding} if given_encoding else {}
    try:
        corpus, report = _read(path, delimiter=delimiter, **kw)
    except InputError as exc:
        # Only an undeclared legacy code page may be refused: not sure which
        # code page (E023), or bytes that are partly valid UTF-8 (E024).
        assert encoding == "cp1252" and not given_encoding and exc.code in {"E023", "E024"}, exc
        return
    _check_accounts(report)
    if encoding == "cp1252" and not given_encoding and report.encoding == "utf-8":
        # cp1252 bytes that happen to be valid UTF-8 ("Ä–" is C4 96, UTF-8 "Ė"):
        # no reader can tell; the rows must still come back one for one.
        assert report.rows_in == len(cells)
        return
    cr_only = terminator == "\r"  # the header line's ending sets the convention
    assert report.rows_in == len(cells)  # one record per written row, none merged or split
    by_id = dict(zip(corpus.ids, corpus.texts, strict=True))
    for i, c in enumerate(cells):
        want = _expected(c, cr_only)
        if want:
            assert by_id.get(f"R{i}") == want
        else:
            assert f"R{i}" not in by_id


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    objs=st.lists(st.fixed_dictionaries({"answer": _cell}), min_size=1, max_size=10),
    junk=st.lists(st.binary(max_size=30), max_size=3),
    terminator=st.sampled_from(["\n", "\r\n"]),
)
def test_property_jsonl_lines_each_accounted(tmp_path_factory, objs, junk, terminator) -> None:
    lines = [json.dumps({"id": f"R{i}", **o}, ensure_ascii=bool(i % 2)).encode("utf-8") for i, o in enumerate(objs)]
    lines += [j.replace(b"\n", b" ").replace(b"\r", b" ") for j in junk]
    path = tmp_path_factory.mktemp("jl") / "t.jsonl"
    path.write_bytes(terminator.encode().join(lines) + terminator.encode())
    try:
        _, report = _read(path)
    except TwoknowError:
        return
    _check_accounts(report)
    assert report.rows_in <= len(lines)  # blank junk lines are not records
    assert report.rows_in >= len(objs)


def test_xlsx_cells_right_of_the_header_are_kept_not_dropped(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "answer"])
    ws.append(["1", "fear", "a note typed beside the table"])
    ws.append(["2", "stress"])
    path = tmp_path / "wide.xlsx"
    wb.save(path)
    corpus, report = _read(path)
    assert report.columns == ["id", "answer", "column_3"]
    assert corpus[0].metadata == {"column_3": "a note typed beside the table"}
    assert report.rows_in == 2
    _check_accounts(report)


def _valid_files(tmp: Path) -> dict[str, bytes]:
    """A small valid file of each binary format, to damage."""
    import pandas as pd

    df = pd.DataFrame({"id": ["1", "2", "3"], "answer": ["Loneliness", "Fear of getting caught", "Curiosity"]})
    out = {}
    df.to_excel(tmp / "v.xlsx", index=False)
    df.to_parquet(tmp / "v.parquet", index=False)
    out[".xlsx"] = (tmp / "v.xlsx").read_bytes()
    out[".parquet"] = (tmp / "v.parquet").read_bytes()
    try:
        import pyreadstat

        pyreadstat.write_sav(df, str(tmp / "v.sav"))
        out[".sav"] = (tmp / "v.sav").read_bytes()
    except ImportError:  # pragma: no cover
        pass
    return out


_VALID: dict[str, bytes] = {}


def _valid(suffix: str, tmp: Path) -> bytes:
    if not _VALID:
        _VALID.update(_valid_files(tmp))
    return _VALID[suffix]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(suffix=st.sampled_from([".xlsx", ".parquet", ".sav"]),
       flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=6),
       cut=st.one_of(st.none(), st.floats(0.05, 1)))
def test_property_damaged_binary_files_never_crash(tmp_path_factory, suffix, flips, cut) -> None:
    data = bytearray(_valid(suffix, tmp_path_factory.mktemp("valid")))
    for where, value in flips:
        data[int(where * len(data))] = value
    if cut is not None:
        data = data[: max(1, int(cut * len(data)))]
    path = tmp_path_factory.mktemp("dmg") / f"damaged{suffix}"
    path.write_bytes(bytes(data))
    try:
        _, report = _read(path)
    except TwoknowError:
        return
    _check_accounts(report)
