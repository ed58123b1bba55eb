"""`twoknow ls serve|push|pull`: the Label Studio round trip (thin layer over twoknow_text.annotation)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
from ._signals import Stopped as _Stopped

if TYPE_CHECKING:  # pragma: no cover
    from ..annotation import ServerHandle

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


def warn_token_argument(ctx: typer.Context, param: typer.CallbackParam, value: str | None) -> str | None:
    """A client token given as an argument works, but every local user can read it while the command runs."""
    source = ctx.get_parameter_source(param.name) if param.name else None
    if value and getattr(source, "name", "COMMANDLINE") == "COMMANDLINE":
        _console.print("warning: --token shows the API token to every user of this machine (`ps`) and in shell "
                       "history; set env LABEL_STUDIO_API_KEY instead.", markup=False)
    return value


TokenOpt = Annotated[
    str | None,
    typer.Option("--token", help="API token (default: env LABEL_STUDIO_API_KEY). Prefer the env variable: "
                 "a flag is visible in the process list and ends up in shell history.", rich_help_panel=_SERVER,
                 show_default=False, callback=warn_token_argument),
]
ProjectOpt = Annotated[str, typer.Option("--project", "-p", help="Project title (created when missing).")]


def _refuse_token_value(value: str | None) -> str | None:
    if value:
        from ..annotation._secrets import refuse_secret_argument

        raise refuse_secret_argument("--token", "admin token", "LABEL_STUDIO_API_KEY", "--token-file")
    return value


def _refuse_password_value(value: str | None) -> str | None:
    if value:
        from ..annotation._secrets import refuse_secret_argument

        raise refuse_secret_argument("--password", "admin password", "TWOKNOW_LS_PASSWORD", "--password-file")
    return value


@ls_app.command("serve")
def serve(
    port: Annotated[int | None, typer.Option("--port", help="Port on 127.0.0.1 (default: a free one).")] = None,
    data_dir: Annotated[Path, typer.Option("--data-dir", help="Where Label Studio keeps its database and media.")] = Path(
        "ls-data"
    ),
    token_file: Annotated[
        Path | None,
        typer.Option("--token-file", help="File (chmod 600) holding the admin API token to set, 6-40 letters/digits "
                     "(default: env LABEL_STUDIO_API_KEY, else random, printed once)."),
    ] = None,
    username: Annotated[str, typer.Option("--username", help="Admin login (an email).")] = "admin@example.com",
    password_file: Annotated[
        Path | None,
        typer.Option("--password-file", help="File (chmod 600) holding the admin password for the browser "
                     "(default: env TWOKNOW_LS_PASSWORD, else random, printed once)."),
    ] = None,
    venv: Annotated[
        Path | None,
        typer.Option("--venv", help="Label Studio's own venv (default: env TWOKNOW_LS_VENV or ./.venv-ls)."),
    ] = None,
    template_dir: Annotated[
        Path | None,
        typer.Option("--template-dir", help="Migrated template data dir to copy from (built there if missing)."),
    ] = None,
    token_value: Annotated[
        str | None, typer.Option("--token", hidden=True, callback=_refuse_token_value, expose_value=True)
    ] = None,
    password_value: Annotated[
        str | None, typer.Option("--password", hidden=True, callback=_refuse_password_value, expose_value=True)
    ] = None,
) -> None:
    """Start a local Label Studio (loopback only, telemetry off) and keep it running until Ctrl-C or SIGTERM.

    The admin token and password never go on a command line (any user can
    read those with `ps`): give them in env LABEL_STUDIO_API_KEY /
    TWOKNOW_LS_PASSWORD or in files with --token-file / --password-file.
    """
    from ..annotation import start_server
    from ..annotation._secrets import PASSWORD_ENV, TOKEN_ENV, resolve_secret
    from ._signals import exit_status, ignore_stop_signals, stop_signals_raise

    token = resolve_secret(token_file, TOKEN_ENV, "token")
    password = resolve_secret(password_file, PASSWORD_ENV, "password")
    _console.print(f"Starting Label Studio in {data_dir} (the first start migrates its database: up to a minute)...",
                   markup=False)
    with stop_signals_raise():
        try:
            handle = start_server(port=port, data_dir=data_dir, token=token, venv=venv, template_dir=template_dir,
                                  username=username, password=password, die_with_parent=True)
        except (KeyboardInterrupt, _Stopped) as stop:  # start_server stopped its half-started server
            _console.print("Label Studio stopped.", markup=False)
            raise SystemExit(exit_status(stop)) from None
        status = 0
        try:
            _print_serving(handle, token_given=token is not None, password_given=password is not None, venv=venv)
            try:
                while handle.is_running():
                    assert handle._proc is not None
                    handle._proc.wait()
            except (KeyboardInterrupt, _Stopped) as stop:
                status = exit_status(stop)
            if status == 0 and handle._proc is not None and handle._proc.returncode not in (None, 0, -15):
                _console.print(f"Label Studio exited with status {handle._proc.returncode}; see {handle.log_path}.",
                               markup=False)
        except (KeyboardInterrupt, _Stopped) as stop:
            status = exit_status(stop)
        finally:
            with ignore_stop_signals():
                handle.stop()
                _console.print("Label Studio stopped.", markup=False)
    if status:
        raise SystemExit(status)


def _print_serving(handle: ServerHandle, *, token_given: bool, password_given: bool, venv: Path | None) -> None:
    """Where the server runs and how to log in; a password only when it was just set and made up here."""
    from ..annotation import find_ls_venv

    out = Console(highlight=False, soft_wrap=True)
    out.print(f"Label Studio is running at {handle.url}  (pid {handle.pid}, log {handle.log_path})", markup=False)
    if handle.admin_created:
        out.print(f"  login: {handle.username}" + ("" if password_given else f"  password: {handle.password}"),
                  markup=False)
    else:
        out.print(f"  login: {handle.username} (the existing admin of {handle.data_dir} is kept, with the password "
                  "set at its first start)", markup=False)
        _console.print(
            "  note: no new password was set: Label Studio keeps an existing admin's password"
            + (" (the one given now was NOT applied)" if password_given else "")
            + f". To reset it: LABEL_STUDIO_BASE_DATA_DIR={handle.data_dir.resolve()} "
            f"{find_ls_venv(venv) / 'bin' / 'label-studio'} reset_password --username {handle.username} "
            "(it asks for the new one).",
            markup=False,
        )
    out.print(f"  export LABEL_STUDIO_URL={handle.url}", markup=False)
    if token_given:
        out.print("  export LABEL_STUDIO_API_KEY=<the token you gave>", markup=False)
    else:
        out.print(f"  export LABEL_STUDIO_API_KEY={handle.token}", markup=False)
    out.print("Press Ctrl-C to stop it.", markup=False)


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
    autocode: Annotated[
        Path | None,
        typer.Option("--autocode", help="`twoknow autocode train` model folder: code suggestions with their "
                     "confidence as pre-annotations (sort by score: least sure first)."),
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
    if verified:
        from ..annotation._columns import check_push_columns

        check_push_columns(input, report, meta)  # only de-identified text, only structured metadata
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
            theme_code_map=theme_map, autocode_dir=autocode, allow_external_deid=external_deid, question_texts=qtexts,
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
