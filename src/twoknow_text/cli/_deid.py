"""``twoknow deid``: de-identify a survey export (a thin layer over :mod:`twoknow_text.deid`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ._app import app
from ._common import (
    DelimiterOpt,
    EncodingOpt,
    FormatOpt,
    IdColOpt,
    LanguageColOpt,
    MaxCharsOpt,
    QuestionColOpt,
    RespondentColOpt,
    SheetOpt,
    TextColOpt,
)

_PANEL = "De-identification"


@app.command("deid")
def deid(
    input: Annotated[
        Path | None,
        typer.Argument(help="Survey export: .csv/.tsv, .xlsx, .jsonl, .sav or .parquet.", show_default=False),
    ] = None,
    text_col: TextColOpt = None,
    id_col: IdColOpt = None,
    fmt: FormatOpt = None,
    sheet: SheetOpt = None,
    question_col: QuestionColOpt = None,
    respondent_col: RespondentColOpt = None,
    language_col: LanguageColOpt = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    max_chars: MaxCharsOpt = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="De-identified output (.csv or .parquet).", rich_help_panel=_PANEL),
    ] = None,
    key_file: Annotated[
        Path | None,
        typer.Option("--key-file", help="Secret pseudonym key (keep it private). Without it: a one-run key.",
                     rich_help_panel=_PANEL),
    ] = None,
    new_key_file: Annotated[
        Path | None,
        typer.Option("--new-key-file", help="Create a new key file (mode 0600) and use it; alone, just create it.",
                     rich_help_panel=_PANEL),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write the de-identification report (JSON: counts, flags, review list).",
                     rich_help_panel=_PANEL),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option("--language", help="Language for answers too short to detect (default: the corpus's most "
                     "common language).", rich_help_panel=_PANEL),
    ] = None,
    plain: Annotated[
        bool, typer.Option("--plain", help="Plain placeholders [PERSON] instead of pseudonyms [PERSON_K7Q2MX].",
                           rich_help_panel=_PANEL)
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="YAML with a 'deid:' section (see configs/deid.yaml) and optionally a "
                     "'reading:' section; a file with neither is a deid config.", rich_help_panel=_PANEL),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")] = False,
) -> None:
    """De-identify INPUT into OUT: same id and text columns, identifiers replaced.

    Example: twoknow deid answers.csv --text-col answer --id-col id --out answers_deid.csv --key-file deid.key

    Create the key once with: twoknow deid --new-key-file deid.key
    """
    from rich.console import Console

    from ..errors import DeidError

    console = Console(stderr=True, highlight=False)
    if new_key_file is not None:
        from ..deid.pseudonyms import new_key_file as _new_key

        if key_file is not None:
            raise DeidError("E250", "Give either --key-file or --new-key-file, not both.")
        key_file = _new_key(new_key_file)
        console.print(f"Created key file {key_file} (mode 0600). Keep it private and keep it: "
                      "the same key gives the same pseudonyms in later runs.", markup=False)
        if input is None:
            return
    if input is None:
        raise DeidError("E251", "Missing INPUT: the survey file to de-identify.")
    if out is None:
        raise DeidError("E252", "Missing --out: where to write the de-identified file (.csv or .parquet).")

    from ..config import load_yaml
    from ..deid.pipeline import deidentify_file, load_deid_config
    from ._common import InputFormat, print_encoding_notice, print_read_summary

    reading_cfg: Any = None
    deid_cfg: Any = None
    if config is not None:
        raw = load_yaml(config)
        if isinstance(raw, dict) and ("reading" in raw or "deid" in raw):
            reading_cfg = raw.get("reading")
            deid_cfg = raw.get("deid")
        else:
            deid_cfg = config
    cfg = load_deid_config(deid_cfg, mode="plain" if plain else None)

    read_kwargs = {
        k: v
        for k, v in {
            "text_cols": list(text_col) if text_col else None,
            "id_col": id_col,
            "format": fmt.value if isinstance(fmt, InputFormat) else fmt,
            "sheet": sheet,
            "question_col": question_col,
            "respondent_col": respondent_col,
            "language_col": language_col,
            "encoding": encoding,
            "delimiter": delimiter,
            "max_chars": max_chars,
        }.items()
        if v is not None
    }
    if key_file is None and cfg.mode == "pseudonym":
        console.print(
            "[yellow]warning:[/] no --key-file: a random key is used for this run only. Pseudonyms are "
            "consistent within this output but will differ in any other run. Create a key with "
            "`twoknow deid --new-key-file deid.key`.",
        )

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("de-identifying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, disable=quiet, transient=True,
    )
    with progress:
        task = progress.add_task("deid", total=None)
        result = deidentify_file(
            input,
            out,
            read_options=reading_cfg,
            key_file=key_file,
            report=report,
            language=language,
            config=cfg,
            progress=lambda n: progress.advance(task, n),
            on_total=lambda n: progress.update(task, total=n),
            **read_kwargs,
        )
    _warn_unsafe_columns(result, console)
    if quiet:
        print_encoding_notice(result.read_report, console)
        return
    print_read_summary(result.read_report, console)
    _print_summary(result, console)


def _warn_unsafe_columns(result: Any, console: Any) -> None:
    """Say which copied columns hold free text or identifiers: they were not de-identified."""
    unsafe = result.unsafe_columns()
    if unsafe:
        kinds = {"free_text": "free text", "identifier_like": "identifier-like"}
        listed = ", ".join(f"'{c}' ({kinds.get(k, k)})" for c, k in unsafe.items())
        console.print(
            f"warning: column(s) {listed} were copied unchanged, NOT de-identified; `ls push --meta` and "
            "`report --by` refuse them. De-identify them as text columns (--text-col) or leave them out "
            "(reading: metadata_cols).",
            markup=False,
        )


def _print_summary(result: Any, console: Any) -> None:
    from rich.table import Table

    rep = result.report
    table = Table(title=f"Identifiers replaced in {rep.n_answers:,} answers", title_justify="left")
    table.add_column("entity type")
    table.add_column("replaced", justify="right")
    table.add_column("answers", justify="right")
    for etype, n, answers in rep.summary():
        table.add_row(etype, f"{n:,}", f"{answers:,}")
    table.add_row("total", f"{rep.n_spans:,}", f"{rep.n_answers_with_identifiers:,}", style="bold")
    console.print(table)
    langs = ", ".join(f"{k} {v:,}" for k, v in list(rep.languages.items())[:6])
    console.print(f"languages: {langs}", markup=False)
    share = len(rep.review) / rep.n_answers if rep.n_answers else 0.0
    console.print(
        f"privacy review: {len(rep.review):,} answers ({share:.1%}) have a residual-risk score of at least "
        f"{rep.review_threshold:g}"
        + (f" (ids, scores and reasons in {result.report_path.name})" if result.report_path
           else " (use --report to list them)")
        + ("; `twoknow ls push` holds them back until reviewed (`twoknow ls review push`)" if rep.review else ""),
        markup=False,
    )
    console.print(f"wrote {result.output} and {result.manifest.name}; key: {result.key_source}", markup=False)
