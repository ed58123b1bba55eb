"""`twoknow ls serve|push|pull`: the Label Studio round trip (thin layer over twoknow_text.annotation)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ._app import app
from ._common import (
    ConfigOpt,
    DelimiterOpt,
    EncodingOpt,
    FormatOpt,
    IdColOpt,
    InputArg,
    LanguageColOpt,
    QuestionColOpt,
    RespondentColOpt,
    SheetOpt,
    TextColOpt,
)

ls_app = typer.Typer(
    name="ls",
    help="Human coding in Label Studio: run a local server, push de-identified answers, pull the coding.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(ls_app, name="ls")

_console = Console(stderr=True, highlight=False, soft_wrap=True)
_SERVER = "Label Studio server"

UrlOpt = Annotated[
    str | None,
    typer.Option("--url", help="Label Studio URL (default: env LABEL_STUDIO_URL).", rich_help_panel=_SERVER,
                 show_default=False),
]
TokenOpt = Annotated[
    str | None,
    typer.Option("--token", help="API token (default: env LABEL_STUDIO_API_KEY). Prefer the env variable: "
                 "a flag ends up in shell history.", rich_help_panel=_SERVER, show_default=False),
]
ProjectOpt = Annotated[str, typer.Option("--project", "-p", help="Project title (created when missing).")]


@ls_app.command("serve")
def serve(
    port: Annotated[int | None, typer.Option("--port", help="Port on 127.0.0.1 (default: a free one).")] = None,
    data_dir: Annotated[Path, typer.Option("--data-dir", help="Where Label Studio keeps its database and media.")] = Path(
        "ls-data"
    ),
    token: Annotated[
        str | None,
        typer.Option("--token", envvar="TWOKNOW_LS_TOKEN", show_envvar=True,
                     help="Admin API token to set (6-40 letters/digits) (default: random, printed once)."),
    ] = None,
    username: Annotated[str, typer.Option("--username", help="Admin login (an email).")] = "admin@example.com",
    password: Annotated[
        str | None,
        typer.Option("--password", envvar="TWOKNOW_LS_PASSWORD", show_envvar=True,
                     help="Admin password for the browser (default: random, printed once)."),
    ] = None,
    venv: Annotated[
        Path | None,
        typer.Option("--venv", help="Label Studio's own venv (default: env TWOKNOW_LS_VENV or ./.venv-ls)."),
    ] = None,
    template_dir: Annotated[
        Path | None,
        typer.Option("--template-dir", help="Migrated template data dir to copy from (built there if missing)."),
    ] = None,
) -> None:
    """Start a local Label Studio (loopback only, telemetry off) and keep it running until Ctrl-C."""
    from ..annotation import start_server

    _console.print(f"Starting Label Studio in {data_dir} (the first start migrates its database: up to a minute)...",
                   markup=False)
    handle = start_server(port=port, data_dir=data_dir, token=token, venv=venv, template_dir=template_dir,
                          username=username, password=password)
    try:
        out = Console(highlight=False, soft_wrap=True)
        out.print(f"Label Studio is running at {handle.url}  (pid {handle.pid}, log {handle.log_path})", markup=False)
        out.print(f"  login: {handle.username}" + ("" if password else f"  password: {handle.password}"), markup=False)
        out.print(f"  export LABEL_STUDIO_URL={handle.url}", markup=False)
        if token is None:
            out.print(f"  export LABEL_STUDIO_API_KEY={handle.token}", markup=False)
        else:
            out.print("  export LABEL_STUDIO_API_KEY=<the token you passed>", markup=False)
        out.print("Press Ctrl-C to stop it.", markup=False)
        try:
            while handle.is_running():
                assert handle._proc is not None
                handle._proc.wait()
        except KeyboardInterrupt:
            pass
        if handle._proc is not None and handle._proc.returncode not in (None, 0, -15):
            _console.print(f"Label Studio exited with status {handle._proc.returncode}; see {handle.log_path}.",
                           markup=False)
    finally:
        handle.stop()
        _console.print("Label Studio stopped.", markup=False)


@ls_app.command("push")
def push_cmd(
    input: InputArg,
    project: ProjectOpt,
    codebook: Annotated[
        Path | None, typer.Option("--codebook", help="Codebook YAML (default: the bundled 2KNOW codebook).")
    ] = None,
    text_col: TextColOpt = None,
    id_col: IdColOpt = None,
    fmt: FormatOpt = None,
    sheet: SheetOpt = None,
    question_col: QuestionColOpt = None,
    respondent_col: RespondentColOpt = None,
    language_col: LanguageColOpt = None,
    config: ConfigOpt = None,
    encoding: EncodingOpt = None,
    delimiter: DelimiterOpt = None,
    coders_per_task: Annotated[
        int | None,
        typer.Option("--coders-per-task", "-k", min=1,
                     help="Coders who annotate each answer (default: 1 for a new project, unchanged otherwise)."),
    ] = None,
    themes: Annotated[
        Path | None, typer.Option("--themes", help="`twoknow themes` output folder: pre-annotations from it.")
    ] = None,
    theme_map: Annotated[
        Path | None,
        typer.Option("--theme-map", help="YAML/CSV mapping theme id or label → code id (default: "
                     "THEMES/theme_code_map.yaml or .csv, else themes labelled like a code)."),
    ] = None,
    questions: Annotated[
        Path | None,
        typer.Option("--questions", help="Question wording: YAML {question_id: text} or CSV (question_id,text)."),
    ] = None,
    meta: Annotated[
        list[str] | None,
        typer.Option("--meta", help="Metadata column to show coders (repeatable; none by default)."),
    ] = None,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, help="Tasks per import request.")] = 500,
    keep_config: Annotated[
        bool, typer.Option("--keep-config", help="Do not replace an existing project's labelling config.")
    ] = False,
    external_deid: Annotated[
        bool,
        typer.Option(
            "--i-deidentified-this-elsewhere",
            help="Push a file that twoknow_text did NOT de-identify. You take responsibility; it is recorded "
            "in the project description.",
        ),
    ] = False,
    allow_unreviewed: Annotated[
        bool,
        typer.Option(
            "--allow-unreviewed",
            help="Also send answers flagged for privacy review that no reviewer has cleared. Loud; recorded in "
            "the project description.",
        ),
    ] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
) -> None:
    """Import de-identified answers as tasks (only the ones the project lacks).

    Answers flagged for privacy review by `twoknow deid` are held back until reviewed
    (`twoknow ls review push` / `pull`) unless --allow-unreviewed.
    """
    import warnings

    from ..annotation import check_deidentified, connect, push
    from ..annotation._push import load_question_texts
    from ..records import Corpus
    from ._common import print_read_summary, read_input

    verified = check_deidentified(input, allow_external_deid=external_deid)
    if not verified:
        _console.print(
            "WARNING: --i-deidentified-this-elsewhere: twoknow_text did not check that this file is "
            "de-identified. Nothing identifying may go to Label Studio; this is recorded in the project.",
            style="bold red",
            markup=False,
        )
    client = connect(url, token)  # fail fast on a bad URL or token, before reading the file
    corpus, report = read_input(
        input, text_col, id_col, fmt, sheet=sheet, question_col=question_col, respondent_col=respondent_col,
        language_col=language_col, config=config, encoding=encoding, delimiter=delimiter,
    )
    print_read_summary(report, _console)
    corpus = Corpus(list(corpus), deidentified=verified)
    qtexts = load_question_texts(questions) if questions is not None else None

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(), console=_console,
                  transient=True) as bar, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the banner above already said it
        task = bar.add_task("import", total=None)

        def on_chunk(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        rep = push(
            corpus, project, codebook, coders_per_task=coders_per_task, themes_dir=themes,
            theme_code_map=theme_map, allow_external_deid=external_deid, question_texts=qtexts,
            meta_cols=meta, client=client, chunk_size=chunk_size, update_config=not keep_config,
            on_chunk=on_chunk, allow_unreviewed=allow_unreviewed, review_manifest=input if verified else None,
        )
    Console(highlight=False, soft_wrap=True).print(f"Pushed: {rep.summary()}.", markup=False)
    if rep.n_held_for_review:
        _console.print(
            f"  {rep.n_held_for_review:,} answer(s) flagged for privacy review were held back: review them with "
            "`twoknow ls review push` and `twoknow ls review pull`, then push again.", markup=False)
    if rep.n_sent_unreviewed:
        _console.print(
            f"WARNING: --allow-unreviewed: {rep.n_sent_unreviewed:,} answer(s) flagged for privacy review went to "
            "coders UNREVIEWED. This is recorded in the project description.", style="bold red", markup=False)
    if rep.unmapped_themes:
        _console.print(
            f"  {len(rep.unmapped_themes)} theme(s) map to no code and got no pre-annotation "
            f"(e.g. {', '.join(rep.unmapped_themes[:5])}); see --theme-map.", markup=False)
    if rep.n_duplicates_in_project:
        _console.print(f"  note: the project already held {rep.n_duplicates_in_project} duplicate task(s) "
                       "from an earlier import (same response_id).", markup=False)


@ls_app.command("pull")
def pull_cmd(
    project: ProjectOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="Tidy table to write (.csv or .parquet).")],
    include_predictions: Annotated[
        bool, typer.Option("--include-predictions", help="Add pre-annotations as rows with source=prediction.")
    ] = False,
    include_unfinished: Annotated[
        bool, typer.Option("--include-unfinished", help="List uncoded answers as rows with status=unfinished.")
    ] = False,
    include_cancelled: Annotated[
        bool, typer.Option("--include-cancelled", help="Keep skipped/cancelled annotations (status=cancelled).")
    ] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
) -> None:
    """Write one row per (response_id, coder, code) with category, flags, comments and timings."""
    from ..annotation import pull_to_csv

    df, path = pull_to_csv(
        project, out, url=url, token=token, include_predictions=include_predictions,
        include_unfinished=include_unfinished, include_cancelled=include_cancelled,
    )
    rep = df.attrs["pull_report"]
    Console(highlight=False, soft_wrap=True).print(f"Wrote {path} ({len(df):,} rows): {rep.summary()}.", markup=False)


# --------------------------------------------------------------------------- privacy review

review_app = typer.Typer(
    name="review",
    help="Privacy review: send answers flagged by `twoknow deid` to a trusted reviewer, apply the redactions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
ls_app.add_typer(review_app, name="review")
ReviewProjectOpt = Annotated[
    str, typer.Option("--project", "-p", help="Title of the privacy-review project (not the coding project).")
]


@review_app.command("push")
def review_push_cmd(
    input: InputArg,
    project: ReviewProjectOpt,
    text_col: TextColOpt = None,
    id_col: IdColOpt = None,
    fmt: FormatOpt = None,
    sheet: SheetOpt = None,
    question_col: QuestionColOpt = None,
    respondent_col: RespondentColOpt = None,
    language_col: LanguageColOpt = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
) -> None:
    """Send the flagged, unreviewed answers of a `twoknow deid` output to the review project."""
    from ..annotation import review_push

    kwargs = _read_kwargs(text_col, id_col, fmt, sheet, question_col, respondent_col, language_col)
    rep = review_push(input, project, url=url, token=token, **kwargs)
    Console(highlight=False, soft_wrap=True).print(f"Pushed for review: {rep.summary()}.", markup=False)


@review_app.command("pull")
def review_pull_cmd(
    input: InputArg,
    project: ReviewProjectOpt,
    key_file: Annotated[
        Path | None,
        typer.Option("--key-file", help="The key INPUT was de-identified with (pseudonyms for the marked spans)."),
    ] = None,
    text_col: TextColOpt = None,
    id_col: IdColOpt = None,
    fmt: FormatOpt = None,
    sheet: SheetOpt = None,
    question_col: QuestionColOpt = None,
    respondent_col: RespondentColOpt = None,
    language_col: LanguageColOpt = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
) -> None:
    """Apply the reviewer's marks to INPUT in place (placeholders) and record the answers as reviewed."""
    from ..annotation import review_pull

    kwargs = _read_kwargs(text_col, id_col, fmt, sheet, question_col, respondent_col, language_col)
    rep = review_pull(input, project, key_file=key_file, url=url, token=token, **kwargs)
    Console(highlight=False, soft_wrap=True).print(f"Review applied to {input.name}: {rep.summary()}.", markup=False)


def _read_kwargs(text_col, id_col, fmt, sheet, question_col, respondent_col, language_col) -> dict:  # noqa: ANN001
    from ._common import InputFormat

    return {
        k: v
        for k, v in {
            "text_cols": list(text_col) if text_col else None,
            "id_col": id_col,
            "format": fmt.value if isinstance(fmt, InputFormat) else fmt,
            "sheet": sheet,
            "question_col": question_col,
            "respondent_col": respondent_col,
            "language_col": language_col,
        }.items()
        if v is not None
    }
