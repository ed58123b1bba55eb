"""Input options shared by every command that reads a survey export.

Each command declares the options it needs with the ``Annotated`` aliases
below and passes them on to :func:`read_input`, so ``--text-col``/``--id-col``
mean the same everywhere::

    @app.command()
    def deid(
        input: InputArg,
        text_col: TextColOpt = None,
        id_col: IdColOpt = None,
        fmt: FormatOpt = None,
        sheet: SheetOpt = None,
        question_col: QuestionColOpt = None,
        respondent_col: RespondentColOpt = None,
        language_col: LanguageColOpt = None,
        config: ConfigOpt = None,
    ):
        corpus, report = read_input(input, text_col, id_col, fmt, sheet=sheet, ...)
        print_read_summary(report, console)

Nothing here prints answer text: the summary holds counts only.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError

if TYPE_CHECKING:  # the reader pulls in pandas; keep `twoknow --help` fast
    from rich.console import Console

    from ..reading import ReadReport
    from ..records import Corpus

__all__ = [
    "InputFormat",
    "InputArg",
    "TextColOpt",
    "IdColOpt",
    "FormatOpt",
    "SheetOpt",
    "QuestionColOpt",
    "RespondentColOpt",
    "LanguageColOpt",
    "ConfigOpt",
    "EncodingOpt",
    "DelimiterOpt",
    "MaxCharsOpt",
    "read_input",
    "print_read_summary",
    "print_encoding_notice",
]

_PANEL = "Input"


class InputFormat(str, enum.Enum):
    """Layout of the input table."""

    auto = "auto"
    long = "long"
    wide = "wide"


InputArg = Annotated[
    Path,
    typer.Argument(help="Survey export: .csv/.tsv, .xlsx, .jsonl, .sav or .parquet.", show_default=False),
]
TextColOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--text-col",
        "-t",
        help="Column holding answer text; repeat it for one column per question (wide form).",
        rich_help_panel=_PANEL,
        show_default=False,
    ),
]
IdColOpt = Annotated[
    str | None,
    typer.Option(
        "--id-col",
        help="Id column: the answer id (long form) or the respondent id (wide form). Rows are numbered without it.",
        rich_help_panel=_PANEL,
        show_default=False,
    ),
]
FormatOpt = Annotated[
    InputFormat | None,
    typer.Option(
        "--format",
        help="long: one row per answer; wide: one column per question; auto: wide when several --text-col.",
        rich_help_panel=_PANEL,
        show_default=False,
        case_sensitive=False,
    ),
]
SheetOpt = Annotated[
    str | None,
    typer.Option("--sheet", help="XLSX sheet name (needed when several sheets hold data).", rich_help_panel=_PANEL),
]
QuestionColOpt = Annotated[
    str | None,
    typer.Option(
        "--question-col", help="Long form: column naming the question of each answer.", rich_help_panel=_PANEL
    ),
]
RespondentColOpt = Annotated[
    str | None,
    typer.Option("--respondent-col", help="Long form: column naming the respondent.", rich_help_panel=_PANEL),
]
LanguageColOpt = Annotated[
    str | None,
    typer.Option("--language-col", help="Column with each answer's language code.", rich_help_panel=_PANEL),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="YAML file with reading options (top level or a 'reading:' section); flags override it.",
        rich_help_panel=_PANEL,
    ),
]
EncodingOpt = Annotated[
    str | None,
    typer.Option(
        "--encoding", help="Text encoding of a CSV/JSONL file (detected when omitted).", rich_help_panel=_PANEL
    ),
]
DelimiterOpt = Annotated[
    str | None,
    typer.Option("--delimiter", help="CSV delimiter: a character or tab/comma/semicolon/pipe (sniffed when omitted).",
                 rich_help_panel=_PANEL),
]
MaxCharsOpt = Annotated[
    int | None,
    typer.Option("--max-chars", help="Skip answers longer than this many characters [default: 100000].",
                 rich_help_panel=_PANEL, min=1),
]


def read_input(
    path: str | Path,
    text_cols: list[str] | tuple[str, ...] | None = None,
    id_col: str | None = None,
    fmt: InputFormat | str | None = None,
    *,
    sheet: str | None = None,
    question_col: str | None = None,
    respondent_col: str | None = None,
    language_col: str | None = None,
    config: str | Path | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    max_chars: int | None = None,
    require_answers: bool = True,
    **extra: Any,
) -> tuple[Corpus, ReadReport]:
    """Read a survey export for a CLI command: options from flags, then a YAML config.

    A flag left out (None or an empty ``--text-col`` list) does not override
    the config. With ``require_answers`` a file in which every answer was
    skipped is a coded error (E019) rather than an empty run.
    """
    from ..reading import load_read_options, read_survey

    if isinstance(fmt, InputFormat):
        fmt = fmt.value
    overrides: dict[str, Any] = {
        "text_cols": list(text_cols) if text_cols else None,
        "id_col": id_col,
        "format": fmt,
        "sheet": sheet,
        "question_col": question_col,
        "respondent_col": respondent_col,
        "language_col": language_col,
        "encoding": encoding,
        "delimiter": delimiter,
        "max_chars": max_chars,
        **extra,
    }
    options = load_read_options(config, **overrides)
    corpus, report = read_survey(path, options)
    if require_answers and report.kept == 0:
        reasons = ", ".join(f"{k} {v}" for k, v in report.counts_by_reason.items() if v) or "none"
        raise InputError(
            "E019", f"{report.source}: no answer left to work on ({report.answers_in} in; skipped: {reasons})."
        )
    return corpus, report


def print_read_summary(report: ReadReport, console: Console | None = None) -> None:
    """Print what was read: counts, detected settings and skip reasons. Never answer text."""
    if console is None:
        from rich.console import Console

        console = Console(stderr=True, highlight=False)
    detected = [f"{report.file_type}", f"{report.format} form"]
    if report.encoding:
        how = ""
        if report.encoding_source in {"detected", "utf-8-damaged"} and report.encoding_confidence is not None:
            how = f" (detected, confidence {report.encoding_confidence:.2f})"
        detected.append(f"encoding {report.encoding}{how}")
    if report.delimiter:
        detected.append("delimiter " + {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(
            report.delimiter, repr(report.delimiter)))
    if report.sheet:
        detected.append(f"sheet '{report.sheet}'")
    console.print(
        f"Read {report.source} ({', '.join(detected)}): {report.rows_in:,} rows, "
        f"{report.answers_in:,} answers, kept {report.kept:,}, skipped {len(report.skipped):,}.",
        markup=False,
    )
    reasons = [(k, v) for k, v in report.counts_by_reason.items() if v]
    if reasons:
        console.print("  skipped: " + ", ".join(f"{k} {v:,}" for k, v in reasons), markup=False)
    for w in report.warnings:
        console.print(f"  note: {w}", markup=False)


def print_encoding_notice(report: ReadReport, console: Console | None = None) -> None:
    """One line when the text encoding was guessed or the file had invalid bytes.

    Printed even with ``--quiet``: a wrong guess changes every accented
    letter, so the user must see which encoding was used.
    """
    if report.encoding_source not in {"detected", "utf-8-damaged"}:
        return
    if console is None:
        from rich.console import Console

        console = Console(stderr=True, highlight=False)
    notes = [w for w in report.warnings if "UTF-8" in w or "decoded as" in w]
    console.print(f"note: {report.source}: " + "; ".join(notes), markup=False)
