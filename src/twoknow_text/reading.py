"""Survey readers: CSV, XLSX, JSONL, SPSS ``.sav`` and Parquet into a :class:`Corpus`.

The user names the id column and the text column(s); everything else is
detected (file type by extension, CSV delimiter and text encoding, BOM).
Two layouts are supported:

* **long**: one row per answer. ``response_id`` is the id column's value
  (or ``respondent:question`` when only those two columns are named, or
  ``row-N``); ``question_id`` comes from ``question_col`` or is the text
  column's name.
* **wide**: one row per respondent, one text column per question, melted to
  long. ``response_id = f"{row_id}:{column}"``, ``respondent_id = row_id``,
  ``question_id = column``.

Every answer that goes in either comes out in the corpus or is recorded in
the :class:`ReadReport` with a reason, so ``answers_in == kept +
len(skipped)`` always holds (the report refuses to exist otherwise).

Nothing here logs or raises with answer text: messages name a file, a
column, a row number or a response id.

>>> from twoknow_text.reading import read_survey
>>> corpus, report = read_survey(  # doctest: +SKIP
...     "survey.csv", format="wide", id_col="respondent_id",
...     text_cols=["q1_led_to_it", "q2_made_easier"])
>>> report.kept, report.counts_by_reason  # doctest: +SKIP
(1790, {'empty_text': 10, 'duplicate_id': 0, ...})
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as _dt
import difflib
import io
import itertools
import json
import logging
import math
import os
import re
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, computed_field, field_validator, model_validator

from .config import StrictModel, load_config
from .errors import InputError
from .records import CORE_COLUMNS, Corpus, Response

__all__ = [
    "ReadOptions",
    "SkippedRow",
    "ReadReport",
    "SKIP_REASONS",
    "read_survey",
    "load_read_options",
]

log = logging.getLogger(__name__)

#: Why an answer can be left out, in the order the checks run.
SKIP_REASONS: tuple[str, ...] = (
    "unreadable_row",
    "missing_id",
    "duplicate_id",
    "unreadable_cell",
    "empty_text",
    "too_long",
)
SkipReason = Literal["unreadable_row", "missing_id", "duplicate_id", "unreadable_cell", "empty_text", "too_long"]

FileType = Literal["auto", "csv", "xlsx", "jsonl", "sav", "parquet"]

_EXTENSIONS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".sav": "sav",
    ".zsav": "sav",
    ".parquet": "parquet",
    ".pq": "parquet",
}

# Control characters other than tab/newline, C1 controls (typical of text
# decoded with the wrong code page), the replacement character, lone
# surrogates and private-use code points: none belongs in a typed answer.
_JUNK_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ud800-\udfff\ue000-\uf8ff]")
_JUNK_RATIO = 0.05

_CSV_DELIMITERS = ",;\t|"



# ---------------------------------------------------------------------------
# Options and report
# ---------------------------------------------------------------------------


class ReadOptions(StrictModel):
    """How to read a survey export. Give them as keywords or in a YAML file.

    ``id_col`` names the answer id (long form) or the respondent id (wide
    form); without it rows are numbered. ``metadata_cols=None`` keeps every
    other column as metadata, ``[]`` keeps none. ``sheet`` picks an XLSX
    sheet by name (or 0-based index). ``encoding``/``delimiter`` override
    detection. Answers longer than ``max_chars`` characters are skipped.
    """

    id_col: str | None = None
    text_cols: list[str] = Field(default_factory=list)
    format: Literal["auto", "long", "wide"] = "auto"
    question_col: str | None = None
    respondent_col: str | None = None
    language_col: str | None = None
    metadata_cols: list[str] | None = None
    sheet: str | int | None = None
    encoding: str | None = None
    delimiter: str | None = None
    max_chars: PositiveInt = 100_000
    file_type: FileType = "auto"

    @field_validator("text_cols", "metadata_cols", mode="before")
    @classmethod
    def _one_name_is_a_list(cls, v: Any) -> Any:
        # YAML users write `text_cols: answer` as often as a list.
        return [v] if isinstance(v, str) else v

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, v: str | None) -> str | None:
        if v is not None:
            v = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}.get(v.lower(), v)
            if len(v) != 1:
                raise ValueError("must be a single character (or 'tab', 'comma', 'semicolon', 'pipe')")
        return v

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                codecs.lookup(v)
            except LookupError:
                raise ValueError(f"unknown text encoding '{v}'") from None
        return v


class SkippedRow(BaseModel):
    """One answer that was not kept, and why.

    ``row`` is 1-based and points where a person finds the record: the line
    a CSV record starts on (the header is line 1, so usually the spreadsheet
    row), the XLSX row, the JSONL line, the ``.sav``/Parquet case number.
    ``response_id`` is None when the id itself is missing.
    """

    model_config = ConfigDict(frozen=True)

    row: int
    response_id: str | None = None
    question_id: str | None = None
    reason: SkipReason


class ReadReport(BaseModel):
    """What a read did: counts, detected settings and every skipped answer.

    ``rows_in`` counts data records in the file (respondents in wide form);
    ``answers_in`` counts answers (``rows_in * len(text_cols)`` in wide form).
    ``answers_in == kept + len(skipped)`` is checked on construction.
    ``value_labels`` keeps the ``.sav`` value-label sets (column → code →
    label) that were applied to metadata columns. ``id_col`` ...
    ``language_col`` are the columns actually used and ``metadata_keys``
    maps each metadata column to its key in ``Response.metadata`` (a column
    named like a core field, e.g. ``language``, becomes ``source_language``),
    so a stage can write its output back in the input's shape.
    ``encoding_source`` says how ``encoding`` was found (``given``, ``bom``,
    ``utf-8``, ``utf-8-damaged``, ``detected`` or ``file`` for ``.sav``) and
    ``encoding_confidence`` how sure the detection is (1.0 unless guessed).
    Holds no answer text.
    """

    model_config = ConfigDict(validate_assignment=False)

    source: str
    file_type: str
    format: Literal["long", "wide"]
    encoding: str | None = None
    encoding_source: Literal["given", "bom", "utf-8", "utf-8-damaged", "detected", "file"] | None = None
    encoding_confidence: float | None = None
    delimiter: str | None = None
    sheet: str | None = None
    columns: list[str] = Field(default_factory=list)
    text_cols: list[str] = Field(default_factory=list)
    id_col: str | None = None
    question_col: str | None = None
    respondent_col: str | None = None
    language_col: str | None = None
    metadata_keys: dict[str, str] = Field(default_factory=dict)
    rows_in: int
    answers_in: int
    kept: int
    skipped: list[SkippedRow] = Field(default_factory=list)
    value_labels: dict[str, dict[str, str]] = Field(default_factory=dict)
    column_labels: dict[str, str] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts_by_reason(self) -> dict[str, int]:
        """Skips per reason, every reason listed (zeros included) in a fixed order."""
        counts = dict.fromkeys(SKIP_REASONS, 0)
        for s in self.skipped:
            counts[s.reason] += 1
        return counts

    @model_validator(mode="after")
    def _invariant(self) -> ReadReport:
        if self.answers_in != self.kept + len(self.skipped):
            raise ValueError(
                f"answers_in ({self.answers_in}) != kept ({self.kept}) + skipped ({len(self.skipped)})"
            )
        return self

    def manifest_record(self) -> dict[str, Any]:
        """What a manifest records about this read: settings and counts, no answer text."""
        return {
            "source": self.source,
            "file_type": self.file_type,
            "format": self.format,
            "encoding": self.encoding,
            "encoding_source": self.encoding_source,
            "encoding_confidence": self.encoding_confidence,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "rows_in": self.rows_in,
            "answers_in": self.answers_in,
            "kept": self.kept,
            "skipped": self.counts_by_reason,
        }

    def skipped_frame(self):  # -> pandas.DataFrame
        """The skipped answers as a table (row, response_id, question_id, reason)."""
        import pandas as pd

        return pd.DataFrame(
            [s.model_dump() for s in self.skipped], columns=["row", "response_id", "question_id", "reason"]
        )

    def summary(self) -> str:
        """One line of counts, safe to log or print."""
        parts = ", ".join(f"{k} {v}" for k, v in self.counts_by_reason.items() if v)
        skipped = f"skipped {len(self.skipped)}" + (f" ({parts})" if parts else "")
        return (
            f"{self.source}: {self.format} form, {self.rows_in} rows, {self.answers_in} answers in, "
            f"kept {self.kept}, {skipped}"
        )


# ---------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------


def load_read_options(
    options: ReadOptions | dict[str, Any] | str | os.PathLike[str] | None = None, **overrides: Any
) -> ReadOptions:
    """Build :class:`ReadOptions` from an object, a dict or a YAML file, plus overrides.

    A YAML file may hold the options at its top level or under a
    ``reading:`` section (so one pipeline config can serve every stage).
    Overrides that are None are ignored; a bad key or value is a coded
    :class:`~twoknow_text.errors.ConfigError`.
    """
    if isinstance(options, ReadOptions):
        base: dict[str, Any] = options.model_dump(exclude_unset=True)
        return load_config(ReadOptions, base, **overrides)
    return load_config(ReadOptions, options, section="reading", **overrides)


def read_survey(
    path: str | os.PathLike[str],
    options: ReadOptions | dict[str, Any] | str | os.PathLike[str] | None = None,
    **option_kwargs: Any,
) -> tuple[Corpus, ReadReport]:
    """Read a survey export into a :class:`Corpus` and a :class:`ReadReport`.

    ``options`` is a :class:`ReadOptions`, a dict or a YAML path; keyword
    arguments (``id_col=``, ``text_cols=``, ``format=``...) override it.
    Bad input raises a coded :class:`~twoknow_text.errors.InputError`
    (missing/empty/binary file, unknown column, several XLSX sheets...);
    bad answers are skipped and recorded in the report.

    >>> corpus, report = read_survey("answers.jsonl", text_cols="answer", id_col="id")  # doctest: +SKIP
    """
    opts = load_read_options(options, **option_kwargs)
    p = Path(path)
    if not p.exists():
        raise InputError("E001", f"File not found: {p}")
    if not p.is_file():
        raise InputError("E002", f"Not a file: {p}")
    ftype = opts.file_type if opts.file_type != "auto" else _file_type(p)
    if p.stat().st_size == 0:
        raise InputError("E003", f"File {p.name} is empty (0 bytes).")

    table = _read_table(p, opts, ftype)
    fmt, plan = _plan(table, opts, p.name)
    corpus, report = _assemble(table, opts, fmt, plan, p.name, ftype)
    log.info("read %s", report.summary())
    return corpus, report


# ---------------------------------------------------------------------------
# Raw table: what every format reader produces
# ---------------------------------------------------------------------------

_UNREADABLE = object()  # a cell value that could not be turned into text


@dataclass
class _Table:
    columns: list[str]
    rows: list[tuple[int, list[Any] | None]]  # (file row number, cells or None if the record is unreadable)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    damaged_text: bool = False  # decoded with replacement characters: any U+FFFD marks a bad cell
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    column_labels: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    encoding_source: str | None = None
    encoding_confidence: float | None = None

    def set_encoding(self, decoded: _Decoded) -> None:
        """Record how the text was decoded, with a warning when it was a guess or damaged."""
        self.encoding = decoded.encoding
        self.encoding_source = decoded.source
        self.encoding_confidence = decoded.confidence
        self.damaged_text = decoded.damaged
        if decoded.damaged:
            self.warnings.append(
                f"{decoded.note}; the answers containing them were skipped (unreadable_cell)"
            )
        if decoded.source == "detected":
            self.warnings.append(
                f"text decoded as {decoded.encoding} (detected, confidence {decoded.confidence:.2f}); "
                "pass --encoding if that is wrong"
            )


def _file_type(p: Path) -> str:
    suffix = p.suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if suffix == ".xls":
        raise InputError("E007", f"{p.name}: old-style .xls is not supported; save it as .xlsx or .csv.")
    known = ", ".join(sorted(_EXTENSIONS))
    raise InputError(
        "E007", f"{p.name}: unknown file type '{suffix or 'no extension'}' (known: {known}); set file_type."
    )


# ----------------------------------------------------------------- decoding


def _looks_binary(data: bytes) -> bool:
    head = data[:65536]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return False
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return ctrl / max(len(head), 1) > 0.05


def _line_of(data: bytes, offset: int) -> int:
    newline = b"\n" if b"\n" in data else b"\r"
    return data.count(newline, 0, offset) + 1


@dataclass
class _Decoded:
    """Decoded text and how its encoding was found.

    ``source`` is ``given`` (the encoding option), ``bom``, ``utf-8`` (the
    bytes are valid UTF-8), ``utf-8-damaged`` (UTF-8 with a few invalid
    bytes, marked by replacement characters) or ``detected`` (a legacy code
    page chosen by :func:`_detect_codepage`). ``confidence`` is 1.0 unless
    the encoding was guessed.
    """

    text: str
    encoding: str
    source: str
    confidence: float
    damaged: bool = False
    note: str | None = None


#: Lowest confidence at which a guessed code page is used; below it the read
#: is refused (E023) and the user names the encoding.
MIN_ENCODING_CONFIDENCE = 0.9

# Code pages tried for a file that is not UTF-8, in order of preference on a
# tie: Excel on Windows writes the first ones. charset-normalizer adds its own
# best guesses (which may be CJK or others) to these.
_CANDIDATE_CODEPAGES = (
    "cp1252", "cp1251", "cp1250", "iso8859_15", "latin_1", "cp1257", "cp1253", "cp1254",
    "iso8859_2", "koi8_r", "koi8_u", "iso8859_5", "mac_roman", "cp850", "cp437",
)
#: The code pages a survey export is most likely in; another code page must
#: read clearly better than all of these to be chosen.
_USUAL_CODEPAGES = frozenset(_CANDIDATE_CODEPAGES[:5])
# Punctuation and symbols typed in answers or written by spreadsheets.
_PLAUSIBLE_SYMBOLS = frozenset("–—‘’‚“”„…«»‹›€£$°\u00a0\u202f")
# The accented letters of each group of languages written with a Latin code
# page. A reading whose letters all belong to one group is coherent; cp1250
# read as cp1252 (or the reverse) mixes groups.
_LETTER_GROUPS = (
    frozenset("àáâäåæçèéêëìíîïñòóôöøùúûüÿßœ"),  # Western European (cp1252)
    frozenset("áéíóúýðþæö"),  # Icelandic
    frozenset("ąćęłńóśźż"),  # Polish
    frozenset("áčďéěíňóřšťúůýžäĺľôŕ"),  # Czech, Slovak
    frozenset("áéíóöőúüű"),  # Hungarian
    frozenset("ćčđšž"),  # Croatian, Slovene
    frozenset("āčēģīķļņšūžąęėįųõäöü"),  # Baltic
    frozenset("çğıöşüâî"),  # Turkish
    frozenset("ăâîșțşţ"),  # Romanian
)
_COMMON_LETTERS = frozenset().union(*_LETTER_GROUPS)
_WORD_RE = re.compile(r"\w+")


def _common_latin(ch: str) -> bool:
    """Latin-1 letters, Latin Extended-A (Central European, Baltic, Turkish) and Romanian ș ț."""
    o = ord(ch)
    return 0xC0 <= o <= 0x17F or 0x218 <= o <= 0x21B


def _script(ch: str) -> str:
    """A letter's script, from its Unicode name ('LATIN', 'CYRILLIC', 'CJK'...)."""
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else "?"


def _plausibility(text: str) -> tuple[float, int]:
    """Share of non-ASCII characters that look typed, and how many there are.

    A non-ASCII letter is plausible inside a word written in one script
    (``käyttää`` yes; ``kдyttдд`` or a CJK sign between Latin letters no),
    without a capital right after a small letter (the mark of a Cyrillic text
    read with the other Cyrillic code page) and, for Latin letters, within
    Latin-1 and Latin Extended-A (``ƒ`` is what a wrong code page produces);
    a Latin letter no survey language uses much counts half. Outside words,
    only common punctuation and symbols are plausible (``¿``/``¡`` before a
    capital); control characters, superscripts and other oddities are not.
    """
    good = bad = 0.0
    for m in _WORD_RE.finditer(text):
        word = m.group()
        non_ascii = [ch for ch in word if ord(ch) > 127]
        if not non_ascii:
            continue
        scripts = {_script(ch) for ch in word if ch.isalpha()}
        # a capital right after a small letter: one Cyrillic code page read as
        # another swaps the cases (Latin words like "iPhone" are left alone)
        camel = scripts != {"LATIN"} and any(a.islower() and b.isupper() for a, b in itertools.pairwise(word))
        odd = any(not ch.isalpha() or (_script(ch) == "LATIN" and not _common_latin(ch)) for ch in non_ascii)
        # Latin words are mostly plain letters ("käyttää" 3 of 7); Cyrillic read
        # as cp1252 gives words of accented letters only ("Ìíå áûëî").
        n_letters = sum(ch.isalpha() for ch in word)
        accented = scripts == {"LATIN"} and n_letters >= 4 and len(non_ascii) > 0.6 * n_letters
        if len(scripts) > 1 or camel or odd or accented:
            bad += len(non_ascii)
            continue
        for ch in non_ascii:
            if _script(ch) != "LATIN" or ch.lower() in _COMMON_LETTERS:
                good += 1
            else:
                good += 0.5
                bad += 0.5
    for ch in _WORD_RE.sub("", text):
        if ord(ch) <= 127 or ch in "¿¡":
            continue
        if ch in _PLAUSIBLE_SYMBOLS:
            good += 1
        else:
            bad += 1
    for m in re.finditer("[¿¡](.?)", text, flags=re.DOTALL):
        # "¿Qué?" yes; "¿al" (Polish "żal" read as cp1252) no
        if m.group(1).islower():
            bad += 1
        else:
            good += 1
    total = good + bad
    plausible = good / total if total else 1.0
    return plausible * _coherence(text), int(total)


def _coherence(text: str) -> float:
    """Share of accented Latin letters that belong to the best-fitting language group."""
    letters = [ch.lower() for ch in text if ord(ch) > 127 and ch.isalpha() and _script(ch) == "LATIN"]
    if not letters:
        return 1.0
    return max(sum(ch in group for ch in letters) for group in _LETTER_GROUPS) / len(letters)


_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_GOOD_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")


def _evidence(data: bytes, limit: int = 100_000) -> bytes:
    """The lines holding non-ASCII bytes (what tells code pages apart), at most ``limit`` bytes.

    Spread evenly over the file when there are more, so a long export is
    judged in a fraction of a second.
    """
    if len(data) <= limit:
        return data
    lines = [ln for ln in data.split(b"\n") if _HIGH_BYTE.search(ln)]
    total = sum(len(ln) + 1 for ln in lines)
    if total > limit:
        step = total / limit
        lines = lines[:: max(1, int(step))]
    return b"\n".join(lines)[: limit * 2]


def _detect_codepage(data: bytes) -> tuple[str, str, float] | None:
    """The most plausible legacy code page for ``data``: (encoding, text, confidence).

    Each candidate (the usual survey code pages plus charset-normalizer's best
    guesses) decodes the bytes; candidates that give the same text are one
    reading. A reading's score is :func:`_plausibility` (typed-looking
    characters, times the share of accented letters that fit one language
    group); the best wins, a tie going to the earlier code page in
    ``_CANDIDATE_CODEPAGES``, whose first five are the usual ones (cp1252,
    cp1251, cp1250, iso8859_15, latin_1). The confidence is the winner's
    score, times 0.9 when another usual code page reads as well (only the
    preference decided), halved when an unusual winner is not clearly (0.1)
    better than every usual code page or ties with another reading, and
    times 0.95 with fewer than three non-ASCII characters to judge by.
    """
    from charset_normalizer import from_bytes

    sample = _evidence(data)
    candidates = list(_CANDIDATE_CODEPAGES)
    try:
        for m in list(from_bytes(sample))[:3]:
            if m.encoding not in candidates:
                candidates.append(m.encoding)
    except Exception as exc:  # noqa: BLE001 - a detector failure only means fewer candidates
        log.debug("charset-normalizer failed (%s); scoring the usual code pages only", type(exc).__name__)
    readings: dict[str, tuple[str, float, int]] = {}  # text -> (first encoding, score, n)
    for enc in candidates:
        try:
            text = sample.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if text in readings:
            continue
        score, n = _plausibility(text)
        readings[text] = (enc, score, n)
    if not readings:
        return None
    order = {enc: i for i, enc in enumerate(candidates)}
    ranked = sorted(readings.items(), key=lambda kv: (-round(kv[1][1], 3), order[kv[1][0]]))
    text = None
    while ranked:  # the whole file must decode too, not only the sample
        _, (enc, score, n) = ranked[0]
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            ranked = ranked[1:]
    if text is None:
        return None
    others = [(e, sc) for _, (e, sc, _) in ranked[1:]]
    runner_enc, runner = others[0] if others else (None, 0.0)
    confidence = score
    if enc in _USUAL_CODEPAGES:
        if runner_enc in _USUAL_CODEPAGES and runner >= score - 0.02:
            confidence = score * 0.9  # two usual code pages read alike: the preference decided
    else:
        best_usual = max((sc for e, sc in others if e in _USUAL_CODEPAGES), default=0.0)
        if score - best_usual < 0.1 or runner >= score - 0.02:
            confidence = score / 2
    if n < 3:
        confidence *= 0.95  # one or two accented letters are thin evidence
    return enc, text, round(confidence, 3)


def _decode(data: bytes, name: str, encoding: str | None) -> _Decoded:
    """Bytes → text, with the encoding used, how it was found and how sure it is.

    Order: the ``encoding`` option; a byte-order mark; valid UTF-8; UTF-8
    with a few invalid bytes (kept as UTF-8, the damaged answers are skipped
    later); a legacy code page (:func:`_detect_codepage`), refused (E023)
    when its confidence is below :data:`MIN_ENCODING_CONFIDENCE`. A file that
    is partly valid UTF-8 and partly not, with too little valid UTF-8 to
    call it damaged UTF-8, is refused (E024) with the first bad byte's line
    and offset.
    """
    if encoding is not None:
        try:
            return _Decoded(data.decode(encoding), encoding, "given", 1.0)
        except UnicodeDecodeError as exc:
            raise InputError(
                "E006",
                f"{name}: bytes on line {_line_of(data, exc.start)} (byte offset {exc.start}) are not valid "
                f"{encoding}; check the encoding option.",
            ) from None
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return _Decoded(data.decode(enc), enc, "bom", 1.0)
            except UnicodeDecodeError as exc:
                raise InputError(
                    "E006", f"{name}: starts with a {enc} byte-order mark but line {_line_of(data, exc.start)} "
                    "is not valid in that encoding.",
                ) from None
    binary = InputError(
        "E005", f"{name} looks like a binary file, not text; export the survey as CSV, XLSX, JSONL or .sav."
    )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    else:
        # Valid UTF-8 is text even with a few control characters (those cells
        # are skipped later); only a file that is mostly NUL bytes is not.
        head = data[:65536]
        ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
        if head.count(b"\x00") > 0.1 * len(head) or ctrl > 0.5 * len(head):
            raise binary
        return _Decoded(text, "utf-8", "utf-8", 1.0)
    if _looks_binary(data):
        raise binary
    replaced = data.decode("utf-8", errors="replace")
    bad = replaced.count("\ufffd") - data.decode("utf-8", errors="ignore").count("\ufffd")
    good_multibyte = len(_GOOD_NON_ASCII.findall(replaced))
    where = f"line {_line_of(data, first_bad)} (byte offset {first_bad})"
    # Text in a legacy code page almost never forms valid UTF-8 multi-byte
    # sequences, so a good share of them means "UTF-8, damaged here and there":
    # keep UTF-8 and let the damaged answers be skipped, rather than
    # mis-decoding every accented letter in the file with a guessed code page.
    if good_multibyte >= 3 and bad <= good_multibyte:
        confidence = round(good_multibyte / (good_multibyte + bad), 3)
        return _Decoded(replaced, "utf-8", "utf-8-damaged", confidence, damaged=True,
                        note=f"{bad} invalid UTF-8 byte sequence(s), the first on {where}")
    if good_multibyte and 4 * good_multibyte >= bad:
        raise InputError(
            "E024",
            f"{name}: partly valid UTF-8, partly not (first invalid byte on {where}); "
            "pass --encoding (the encoding option) to say which it is.",
        )
    found = _detect_codepage(data)
    if found is None:
        raise InputError(
            "E006", f"{name}: the text encoding could not be detected; pass --encoding (e.g. cp1252)."
        )
    enc, text, confidence = found
    if confidence < MIN_ENCODING_CONFIDENCE:
        raise InputError(
            "E023",
            f"{name}: not UTF-8, and the code page cannot be told with confidence (best guess {enc}, "
            f"confidence {confidence:.2f} < {MIN_ENCODING_CONFIDENCE}); pass --encoding (the encoding option) "
            "with the file's encoding, e.g. cp1252 for Western European or cp1251 for Cyrillic Excel exports.",
        )
    return _Decoded(text, enc, "detected", confidence)


# ---------------------------------------------------------------------- CSV


@contextlib.contextmanager
def _big_fields() -> Iterator[None]:
    # The csv module refuses fields over 128 KiB; a 1 MB answer must become a
    # recorded too_long skip, not a crash.
    old = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _split_header(line: str, delim: str) -> list[str]:
    return next(csv.reader([line], delimiter=delim), [])


def _guess_delimiter(text: str, suffix: str) -> str:
    """csv.Sniffer first, then the candidate that splits rows consistently, then ','."""
    if suffix in {".tsv", ".tab"}:
        return "\t"
    sample = text[:65536]
    first_line = sample.split("\n", 1)[0].rstrip("\r")
    candidates: list[str] = []
    with contextlib.suppress(csv.Error):
        sniffed = csv.Sniffer().sniff(sample, delimiters=_CSV_DELIMITERS).delimiter
        candidates.append(sniffed)
    # The header holds column names, rarely punctuation: rank by count there.
    by_header = sorted(_CSV_DELIMITERS, key=lambda d: -len(_split_header(first_line, d)))
    candidates += [d for d in by_header if d not in candidates]
    with _big_fields():
        for d in candidates:
            width = len(_split_header(first_line, d))
            if width < 2:
                continue
            rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=d) if r][:50]
            if len(rows) > 2:
                rows = rows[:-1]  # the sample may end inside a record
            if rows and sum(len(r) == width for r in rows) >= 0.8 * len(rows):
                return d
    best = by_header[0]
    return best if len(_split_header(first_line, best)) > 1 else ","


def _line_breaks(text: str) -> tuple[str, str | None, str]:
    """Settle line endings before parsing: (text, placeholder, what it stands for).

    The header line's ending (LF or CRLF; a lone CR in old Mac exports) ends
    records; the other kind, alone inside a record, is part of the cell it
    sits in, quoted or not: it is swapped for a placeholder character the csv
    module does not see as a line end and put back in each cell after
    parsing. In a CR-only file every CR becomes ``\n`` (so a line break inside
    a quoted cell reads as ``\n`` whatever the file's convention) and a stray
    LF stays ``\n``.
    """
    if "\r" not in text:
        return text, None, ""
    lone_cr = len(re.findall("\r(?!\n)", text))
    lone_lf = len(re.findall("(?<!\r)\n", text))
    # The header line's ending is the file's convention (cells may hold many
    # line breaks of the other kind; column names hardly ever do).
    first = re.search("\r\n|\r|\n", text)
    cr_only = first is not None and first.group() == "\r"
    stray, stands_for = ("(?<!\r)\n", "\n") if cr_only else ("\r(?!\n)", "\r")
    placeholder = None
    if (lone_lf if cr_only else lone_cr):
        placeholder = next((chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text), None)
        # (a file holding every private-use character keeps its stray breaks as line breaks)
        if placeholder is not None:
            text = re.sub(stray, placeholder, text)
    if cr_only:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, placeholder, stands_for


def _read_csv(p: Path, opts: ReadOptions) -> _Table:
    data = p.read_bytes()
    decoded = _decode(data, p.name, opts.encoding)
    if not decoded.text.strip():
        raise InputError("E003", f"File {p.name} is empty (no header, no data).")
    text, stray, stands_for = _line_breaks(decoded.text)
    delim = opts.delimiter or _guess_delimiter(text, p.suffix.lower())
    rows: list[tuple[int, list[Any] | None]] = []
    header: list[str] | None = None
    # A record's number is the line it starts on, as an editor shows it
    # (the same as the spreadsheet row unless a cell spans lines).
    start = 1
    with _big_fields():
        # strict: a quote that never closes, or text after a closing quote, is
        # an error (E009), not 90 answers silently merged into one cell.
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
        try:
            for cells in reader:
                line, start = start, reader.line_num + 1
                if not cells:
                    continue  # empty lines are not records
                if stray:
                    cells = [c.replace(stray, stands_for) for c in cells]
                if header is None:
                    header = cells
                    continue
                rows.append((line, cells))
        except csv.Error as exc:
            if "end of data" in str(exc):
                where = f"a quoted cell opened in the record starting on line {start} never closes"
            else:
                where = f"a quote is followed by more text in the record starting on line {start}"
            raise InputError(
                "E009", f"{p.name}: CSV structure broken: {where} (unbalanced quotes); no row was read. "
                "Fix the file or export it again.",
            ) from None
    if header is None:
        raise InputError("E003", f"File {p.name} is empty (no header, no data).")
    columns = _clean_header(header, p.name)
    width = len(columns)
    fixed: list[tuple[int, list[Any] | None]] = []
    bad_width = 0
    for rownum, cells in rows:
        if width > 1 and len(cells) == 1 and not cells[0].strip():
            continue  # a whitespace-only line between records is not a record either
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))  # trailing empty cells are often dropped by exporters
        elif len(cells) > width:
            if any(c.strip() for c in cells[width:]):
                bad_width += 1
                fixed.append((rownum, None))
                continue
            cells = cells[:width]
        fixed.append((rownum, cells))
    table = _Table(columns, fixed, delimiter=delim)
    table.set_encoding(decoded)
    if bad_width:
        table.warnings.append(f"{bad_width} row(s) had more cells than the header and were skipped")
    return table


def _clean_header(header: Sequence[Any], name: str) -> list[str]:
    cols = []
    for i, h in enumerate(header):
        h = "" if h is None else str(h)
        h = h.replace("\ufeff", "").strip()
        cols.append(h or f"column_{i + 1}")
    seen: set[str] = set()
    for c in cols:
        if c in seen:
            raise InputError("E015", f"{name}: column '{c}' appears more than once in the header.")
        seen.add(c)
    return cols


# --------------------------------------------------------------------- XLSX


def _read_xlsx(p: Path, opts: ReadOptions) -> _Table:
    import zipfile

    import openpyxl

    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError("E008", f"{p.name} is not a readable XLSX workbook ({type(exc).__name__}).") from None
    try:
        names = list(wb.sheetnames)
        if opts.sheet is None:
            # A workbook with one sheet of answers and empty extras is common; only ask when it matters.
            nonempty = [n for n in names if _sheet_has_data(wb[n])]
            if len(nonempty) > 1:
                listed = ", ".join(f"'{n}'" for n in nonempty)
                raise InputError(
                    "E013", f"{p.name} has {len(nonempty)} sheets with data ({listed}); say which one with --sheet."
                )
            sheet_name = nonempty[0] if nonempty else names[0]
        elif opts.sheet in names:
            sheet_name = str(opts.sheet)
        elif isinstance(opts.sheet, int) or str(opts.sheet).isdigit():
            # From the command line a sheet index arrives as a string.
            number = int(opts.sheet)
            if not 0 <= number < len(names):
                raise InputError("E014", f"{p.name} has no sheet number {number} (0-based; {len(names)} sheets).")
            sheet_name = names[number]
        else:
            raise InputError("E014", f"{p.name} has no sheet '{opts.sheet}'{_suggest(str(opts.sheet), names, 'sheets')}")
        ws = wb[sheet_name]
        # Some exporters write a wrong <dimension>; read-only mode would trust it and cut columns.
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()
        it = ws.iter_rows(values_only=True)
        header: list[Any] | None = None
        rows: list[tuple[int, list[Any] | None]] = []
        for rownum, values in enumerate(it, start=1):
            vals = list(values)
            if header is None:
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in vals):
                    continue
                header = vals
                continue
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in vals):
                continue
            rows.append((rownum, vals))
    finally:
        wb.close()
    if header is None:
        raise InputError("E003", f"Sheet '{sheet_name}' of {p.name} is empty.")
    # Cells right of the last header cell are data too (a column whose name
    # was never typed): widen the header rather than drop them unseen.
    last = max((i for _, r in rows for i, v in enumerate(r or []) if not _blank(v)), default=-1)
    if last + 1 > len(header):
        header = header + [None] * (last + 1 - len(header))
    # Trailing header cells that are empty in every row are formatting, not columns.
    while header and header[-1] is None and all(
        len(r) < len(header) or r[len(header) - 1] is None for _, r in rows if r
    ):
        header = header[:-1]
    columns = _clean_header(header, p.name)
    width = len(columns)
    fixed: list[tuple[int, list[Any] | None]] = []
    for rownum, vals in rows:
        assert vals is not None
        vals = (vals + [None] * width)[:width]
        fixed.append((rownum, vals))
    return _Table(columns, fixed, sheet=sheet_name)


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _sheet_has_data(ws: Any) -> bool:
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()
    for values in ws.iter_rows(values_only=True):
        if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in values):
            return True
    return False


# -------------------------------------------------------------------- JSONL


def _read_jsonl(p: Path, opts: ReadOptions) -> _Table:
    data = p.read_bytes()
    decoded = _decode(data, p.name, opts.encoding)
    if not decoded.text.strip():
        raise InputError("E003", f"File {p.name} is empty.")
    text = decoded.text
    if "\r" in text and "\n" not in text:
        text = text.replace("\r", "\n")  # CR-only line endings (a CR inside a JSON string is invalid anyway)
    columns: list[str] = []
    known: set[str] = set()
    parsed: list[tuple[int, dict[str, Any] | None]] = []
    # Lines end at \n only: JSON strings may hold U+2028 and other characters
    # that str.splitlines() would break a record on; a stray CR is JSON
    # whitespace (or, inside a string, makes that line unreadable).
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):  # JSONDecodeError, and too-long integers
            obj = None
        if not isinstance(obj, dict):
            parsed.append((lineno, None))  # a broken line is a recorded skip, not a crash
            continue
        for k in obj:
            if k not in known:
                known.add(k)
                columns.append(k)
        parsed.append((lineno, obj))
    if not columns:
        raise InputError("E017", f"{p.name}: no line is a JSON object; expected one object per line (JSONL).")
    rows: list[tuple[int, list[Any] | None]] = [
        (n, None if obj is None else [obj.get(c) for c in columns]) for n, obj in parsed
    ]
    bad = sum(1 for _, obj in parsed if obj is None)
    table = _Table([str(c) for c in columns], rows)
    table.set_encoding(decoded)
    if bad:
        table.warnings.append(f"{bad} line(s) were not JSON objects and were skipped")
    return table


# ---------------------------------------------------------------------- SAV


def _read_sav(p: Path, opts: ReadOptions) -> _Table:
    import pyreadstat

    kwargs: dict[str, Any] = {"apply_value_formats": False}
    if opts.encoding:
        kwargs["encoding"] = opts.encoding
    try:
        df, meta = pyreadstat.read_sav(str(p), **kwargs)
    except Exception as exc:  # pyreadstat raises its own ReadstatError/PyreadstatError for broken files
        raise InputError("E008", f"{p.name} is not a readable SPSS .sav file ({type(exc).__name__}).") from None
    columns = _clean_header(list(df.columns), p.name)
    rows = [(i, list(rec)) for i, rec in enumerate(df.itertuples(index=False, name=None), start=1)]
    labels = {str(k): dict(v) for k, v in (meta.variable_value_labels or {}).items()}
    col_labels = {str(k): str(v) for k, v in (meta.column_names_to_labels or {}).items() if v}
    enc = opts.encoding or getattr(meta, "file_encoding", None)
    return _Table(columns, rows, encoding=enc, value_labels=labels, column_labels=col_labels,
                  encoding_source=("given" if opts.encoding else "file") if enc else None,
                  encoding_confidence=1.0 if enc else None)


# ------------------------------------------------------------------ Parquet


def _read_parquet(p: Path, opts: ReadOptions) -> _Table:
    import pandas as pd

    try:
        df = pd.read_parquet(p)
    except Exception as exc:  # pyarrow raises ArrowInvalid and friends
        raise InputError("E008", f"{p.name} is not a readable Parquet file ({type(exc).__name__}).") from None
    columns = _clean_header(list(df.columns), p.name)
    rows = [(i, list(rec)) for i, rec in enumerate(df.itertuples(index=False, name=None), start=1)]
    return _Table(columns, rows)


def _read_table(p: Path, opts: ReadOptions, ftype: str) -> _Table:
    """Run the format's reader; a damaged binary file failing anywhere inside is E008."""
    if ftype in {"csv", "jsonl"}:
        return _READERS[ftype](p, opts)
    try:
        return _READERS[ftype](p, opts)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - pyarrow/pyreadstat/openpyxl fail lazily, with their own errors
        kind = {"xlsx": "XLSX workbook", "sav": "SPSS .sav file", "parquet": "Parquet file"}[ftype]
        raise InputError("E008", f"{p.name} is not a readable {kind} ({type(exc).__name__}).") from None


_READERS = {"csv": _read_csv, "xlsx": _read_xlsx, "jsonl": _read_jsonl, "sav": _read_sav, "parquet": _read_parquet}


# ---------------------------------------------------------------------------
# From a raw table to a corpus
# ---------------------------------------------------------------------------


def _show_col(c: str) -> str:
    """A column name for an error message, unless it looks like an answer.

    A file exported without its header row has the first answer's texts as
    "column names"; those must not reach an error message.
    """
    if len(c) > 40 or len(c.split()) > 4:
        return f"<a {len(c)}-character header that looks like text: is the header row missing?>"
    return f"'{c}'"


def _suggest(name: str, columns: Sequence[str], what: str = "columns") -> str:
    lowered = {c.lower(): c for c in columns}
    close = []
    if name.lower() in lowered:
        close.append(lowered[name.lower()])
    close += [c for c in difflib.get_close_matches(name, list(columns), n=3, cutoff=0.5) if c not in close]
    if close:
        return "; did you mean " + " or ".join(_show_col(c) for c in close[:3]) + "?"
    shown = ", ".join(_show_col(c) for c in list(columns)[:20])
    more = f" and {len(columns) - 20} more" if len(columns) > 20 else ""
    return f"; {what} are {shown}{more}."


def _require(col: str, columns: Sequence[str], source: str, what: str) -> None:
    if col not in columns:
        raise InputError("E011", f"{source}: no {what} column '{col}'{_suggest(col, columns)}")


@dataclass
class _Plan:
    fmt: Literal["long", "wide"]
    id_col: str | None
    question_col: str | None
    respondent_col: str | None
    language_col: str | None
    text_idx: list[int]
    id_idx: int | None
    question_idx: int | None
    respondent_idx: int | None
    language_idx: int | None
    meta_idx: list[int]


def _plan(table: _Table, opts: ReadOptions, source: str) -> tuple[Literal["long", "wide"], _Plan]:
    cols = table.columns
    if not table.rows:
        raise InputError("E004", f"{source} has a header but no data rows.")
    if not opts.text_cols:
        shown = ", ".join(_show_col(c) for c in cols[:20])
        raise InputError("E012", f"{source}: name the text column(s) with --text-col (columns: {shown}).")
    for c in opts.text_cols:
        _require(c, cols, source, "text")
    if len(set(opts.text_cols)) != len(opts.text_cols):
        raise InputError("E016", f"{source}: a text column is named twice.")
    for attr, what in (("id_col", "id"), ("question_col", "question"), ("respondent_col", "respondent"),
                       ("language_col", "language")):
        v = getattr(opts, attr)
        if v is not None:
            _require(v, cols, source, what)
            if v in opts.text_cols:
                raise InputError("E016", f"{source}: column '{v}' cannot be both the {what} column and a text column.")
    for c in opts.metadata_cols or []:
        _require(c, cols, source, "metadata")

    fmt = opts.format
    if fmt == "auto":
        fmt = "long" if (len(opts.text_cols) == 1 or opts.question_col) else "wide"
    if fmt == "long" and len(opts.text_cols) != 1:
        raise InputError(
            "E016", f"{source}: long form takes one text column (got {len(opts.text_cols)}); use format 'wide' "
            "for one column per question.",
        )
    if fmt == "wide" and opts.question_col:
        raise InputError(
            "E016", f"{source}: question_col is for long form; in wide form each text column is a question."
        )
    if fmt == "wide" and opts.respondent_col and opts.id_col and opts.respondent_col != opts.id_col:
        raise InputError("E016", f"{source}: in wide form the id column is the respondent id; give only id_col.")

    idx = {c: i for i, c in enumerate(cols)}
    id_col = opts.id_col or (opts.respondent_col if fmt == "wide" else None)
    language_col, question_col, respondent_col = opts.language_col, opts.question_col, opts.respondent_col
    used = set(opts.text_cols) | {c for c in (id_col, question_col, respondent_col, language_col) if c}
    meta = [c for c in cols if c not in used] if opts.metadata_cols is None else list(opts.metadata_cols)
    clash = [c for c in meta if c in CORE_COLUMNS or c == "metadata"]
    if clash:
        # A column literally called "text" or "language" that the user did not map: keep it under another name.
        table.warnings.append(f"metadata column(s) {', '.join(clash)} renamed with a 'source_' prefix")
    plan = _Plan(
        fmt=fmt,
        id_col=id_col,
        question_col=question_col,
        respondent_col=respondent_col if fmt == "long" else None,
        language_col=language_col,
        text_idx=[idx[c] for c in opts.text_cols],
        id_idx=idx[id_col] if id_col else None,
        question_idx=idx[question_col] if question_col else None,
        respondent_idx=idx[respondent_col] if respondent_col and fmt == "long" else None,
        language_idx=idx[language_col] if language_col else None,
        meta_idx=[idx[c] for c in meta],
    )
    return fmt, plan


def _to_text(v: Any) -> Any:
    """A cell → str ("" for missing), or _UNREADABLE when it cannot be text."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 2**53 else repr(v)
    if isinstance(v, (bytes, bytearray)):
        try:
            return bytes(v).decode("utf-8")
        except UnicodeDecodeError:
            return _UNREADABLE
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
        return v.isoformat()
    try:
        import pandas as pd

        if v is pd.NA or v is pd.NaT:
            return ""
        if isinstance(v, pd.Timestamp):
            return v.isoformat()
    except ImportError:  # pragma: no cover
        pass
    if hasattr(v, "item"):  # numpy scalars
        return _to_text(v.item())
    return _UNREADABLE  # lists, dicts and other structures are not an answer


def _is_junk(text: str, damaged: bool) -> bool:
    if "\x00" in text or (damaged and "\ufffd" in text):
        return True
    n_bad = len(_JUNK_RE.findall(text))
    return n_bad > 0 and n_bad / len(text) > _JUNK_RATIO


def _meta_value(v: Any, labels: dict[Any, str] | None) -> Any:
    """Metadata keep their type (numbers stay numbers); .sav codes become their labels."""
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if labels:
        key = v
        if isinstance(v, float) and v.is_integer():
            key = v if v in labels else int(v)
        if key in labels:
            return labels[key]
        if isinstance(v, float) and v.is_integer() and float(v) in labels:
            return labels[float(v)]
    if isinstance(v, str):
        v = v.strip()
        return v or None
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray)):
        t = _to_text(v)
        return None if t is _UNREADABLE else t
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)  # SPSS stores every number as a double; a wave is 1, not 1.0
    if isinstance(v, (int, float, bool)):
        return v
    t = _to_text(v)
    return None if t is _UNREADABLE or t == "" else t


def _assemble(
    table: _Table, opts: ReadOptions, fmt: Literal["long", "wide"], plan: _Plan, source: str, ftype: str
) -> tuple[Corpus, ReadReport]:
    cols = table.columns
    text_cols = list(opts.text_cols)
    skipped: list[SkippedRow] = []
    kept: list[Response] = []
    seen_ids: set[str] = set()
    max_chars = opts.max_chars
    labels_used: dict[str, dict[str, str]] = {}

    meta_names = []
    for i in plan.meta_idx:
        c = cols[i]
        meta_names.append(f"source_{c}" if (c in CORE_COLUMNS or c == "metadata") else c)
    meta_labels = [table.value_labels.get(cols[i]) for i in plan.meta_idx]
    lang_labels = table.value_labels.get(cols[plan.language_idx]) if plan.language_idx is not None else None
    q_labels = table.value_labels.get(cols[plan.question_idx]) if plan.question_idx is not None else None
    for i, lab in zip(plan.meta_idx, meta_labels, strict=True):
        if lab:
            labels_used[cols[i]] = {_label_key(k): str(v) for k, v in lab.items()}
    for idx_, lab in ((plan.language_idx, lang_labels), (plan.question_idx, q_labels)):
        if idx_ is not None and lab:
            labels_used[cols[idx_]] = {_label_key(k): str(v) for k, v in lab.items()}

    def norm_id(v: Any) -> str | None:
        t = _to_text(v)
        if t is _UNREADABLE:
            return None
        t = unicodedata.normalize("NFC", t).strip()
        return t or None

    def label_or_text(v: Any, labels: dict[Any, str] | None) -> str | None:
        mv = _meta_value(v, labels)
        if mv is None:
            return None
        s = str(mv).strip()
        return s or None

    n_answers = 0
    for rownum, cells in table.rows:
        if fmt == "wide":
            qids: list[str | None] = list(text_cols)
        else:
            qids = [None if plan.question_idx is not None else text_cols[0]]
        n_answers += len(qids)
        if cells is None:
            for q in qids:
                skipped.append(SkippedRow(row=rownum, response_id=None, question_id=q, reason="unreadable_row"))
            continue

        # Ids for this row.
        if fmt == "wide":
            row_id = norm_id(cells[plan.id_idx]) if plan.id_idx is not None else f"row-{rownum}"
            if row_id is None:
                for q in qids:
                    skipped.append(SkippedRow(row=rownum, response_id=None, question_id=q, reason="missing_id"))
                continue
            targets = [(f"{row_id}:{q}", row_id, q, plan.text_idx[j]) for j, q in enumerate(qids)]
        else:
            question = (
                label_or_text(cells[plan.question_idx], q_labels) if plan.question_idx is not None else text_cols[0]
            )
            respondent = norm_id(cells[plan.respondent_idx]) if plan.respondent_idx is not None else None
            if plan.id_idx is not None:
                rid = norm_id(cells[plan.id_idx])
            elif plan.respondent_idx is not None and plan.question_idx is not None:
                rid = f"{respondent}:{question}" if respondent and question else None
            else:
                rid = f"row-{rownum}"
            if rid is None:
                skipped.append(SkippedRow(row=rownum, response_id=None, question_id=question, reason="missing_id"))
                continue
            targets = [(rid, respondent, question, plan.text_idx[0])]

        language = None
        if plan.language_idx is not None:
            language = label_or_text(cells[plan.language_idx], lang_labels)
        metadata: dict[str, Any] = {}
        for name, i, lab in zip(meta_names, plan.meta_idx, meta_labels, strict=True):
            mv = _meta_value(cells[i], lab)
            if mv is not None:
                metadata[name] = mv

        for rid, respondent, question, ti in targets:
            if rid in seen_ids:
                skipped.append(SkippedRow(row=rownum, response_id=rid, question_id=question, reason="duplicate_id"))
                continue
            seen_ids.add(rid)
            raw = _to_text(cells[ti])
            if raw is _UNREADABLE:
                skipped.append(SkippedRow(row=rownum, response_id=rid, question_id=question, reason="unreadable_cell"))
                continue
            if len(raw) > 4 * max_chars:  # don't normalise a megabyte just to measure it
                skipped.append(SkippedRow(row=rownum, response_id=rid, question_id=question, reason="too_long"))
                continue
            text = unicodedata.normalize("NFC", raw).strip()
            if not text:
                skipped.append(SkippedRow(row=rownum, response_id=rid, question_id=question, reason="empty_text"))
                continue
            if len(text) > max_chars:
                skipped.append(SkippedRow(row=rownum, response_id=rid, question_id=question, reason="too_long"))
                continue
            if _is_junk(text, table.damaged_text):
                skipped.append(SkippedRow(row=rownum, response_id=rid, question_id=question, reason="unreadable_cell"))
                continue
            kept.append(
                Response(
                    response_id=rid,
                    respondent_id=respondent,
                    question_id=question,
                    language=language,
                    text=text,
                    metadata=dict(metadata),
                )
            )

    report = ReadReport(
        source=source,
        file_type=ftype,
        format=fmt,
        encoding=table.encoding,
        encoding_source=table.encoding_source,
        encoding_confidence=table.encoding_confidence,
        delimiter=table.delimiter,
        sheet=table.sheet,
        columns=cols,
        text_cols=text_cols,
        id_col=plan.id_col,
        question_col=plan.question_col,
        respondent_col=plan.respondent_col,
        language_col=plan.language_col,
        metadata_keys={cols[i]: name for i, name in zip(plan.meta_idx, meta_names, strict=True)},
        rows_in=len(table.rows),
        answers_in=n_answers,
        kept=len(kept),
        skipped=skipped,
        value_labels=labels_used,
        column_labels=table.column_labels,
        warnings=table.warnings,
    )
    return Corpus(kept), report


def _label_key(k: Any) -> str:
    if isinstance(k, float) and k.is_integer():
        return str(int(k))
    return str(k)
