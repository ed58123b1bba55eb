"""CLI: ``twoknow codebook init|validate|from-themes|revise|export|import`` and ``twoknow report``.

Thin wrappers: parse options, call :mod:`twoknow_text.codebook` /
:mod:`twoknow_text.reporting`, print a short summary. Heavy imports
(pandas, plotly, the embedding model) happen inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from ._app import app
from ._common import (
    ConfigOpt,
    FormatOpt,
    IdColOpt,
    InputFormat,
    LanguageColOpt,
    QuestionColOpt,
    RespondentColOpt,
    SheetOpt,
    TextColOpt,
)

codebook_app = typer.Typer(
    name="codebook",
    help="Codebook: start from the 2KNOW default, add candidates from themes, revise by agreement, export.",
    no_args_is_help=True,
)
app.add_typer(codebook_app, name="codebook")

console = Console(highlight=False, soft_wrap=True)

_FORMATS = ("md", "csv", "qdc", "qdpx")


def _load_any(path: Path):
    """A codebook from YAML or from a REFI-QDA .qdc file."""
    from ..codebook import import_qdc, load_codebook

    return import_qdc(path) if path.suffix.lower() == ".qdc" else load_codebook(path)


def _read_kwargs(config, text_col, id_col, fmt, sheet, question_col, respondent_col, language_col) -> dict:
    """Reading options from flags over an optional YAML config (as ``read_input`` does)."""
    from ..reading import load_read_options

    fmt = fmt.value if isinstance(fmt, InputFormat) else fmt
    overrides = {
        "text_cols": list(text_col) if text_col else None,
        "id_col": id_col,
        "format": fmt,
        "sheet": sheet,
        "question_col": question_col,
        "respondent_col": respondent_col,
        "language_col": language_col,
    }
    return {"options": load_read_options(config, **overrides)}


def _refuse_overwrite(out: Path, force: bool) -> None:
    from ..errors import CodebookError

    if out.exists() and not force:
        raise CodebookError("E760", f"{out} exists; pass --force to replace it.")


@codebook_app.command("init")
def init_cmd(
    out: Path = typer.Option(Path("codebook.yaml"), "--out", "-o", help="Where to write the copy."),
    force: bool = typer.Option(False, "--force", help="Replace an existing file."),
) -> None:
    """Copy the default 2KNOW codebook (four factor categories) to edit as your own."""
    from .._io import atomic_path
    from ..codebook import default_codebook_path, load_codebook

    _refuse_overwrite(out, force)
    src = default_codebook_path()
    with atomic_path(out) as tmp:
        tmp.write_bytes(src.read_bytes())
    cb = load_codebook(out)
    console.print(f"Wrote {out}: {len(cb.codes)} codes in {len(cb.categories)} categories.", markup=False)


@codebook_app.command("validate")
def validate_cmd(codebook: Path = typer.Argument(..., help="Codebook YAML or .qdc file.")) -> None:
    """Check a codebook (ids, categories, parents, no cycles) and print a summary."""
    cb = _load_any(codebook)
    for cat in cb.categories:
        codes = cb.codes_in(cat.id)
        by_status = {s: sum(c.status == s for c in codes) for s in ("active", "candidate", "retired")}
        console.print(
            f"{cat.id:22} {len(codes):3} codes  "
            + "  ".join(f"{k}={v}" for k, v in by_status.items() if v),
            markup=False,
        )
    console.print(f"OK: {cb.name} version {cb.version}, {len(cb.codes)} codes.", markup=False)


@codebook_app.command("from-themes")
def from_themes_cmd(
    themes_dir: Path = typer.Argument(..., help="A themes run directory (with themes.csv) or the themes.csv file."),
    codebook: Optional[Path] = typer.Option(None, "--codebook", "-c", help="Codebook to extend (default: the bundled one)."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the extended codebook (YAML)."),
    min_size: int = typer.Option(1, "--min-size", help="Skip themes with fewer answers."),
    include_outliers: bool = typer.Option(False, "--include-outliers", help="Also make a code of theme -1."),
    model: Optional[str] = typer.Option(None, "--model", help="Local embedding model directory (default: packaged)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing output."),
) -> None:
    """Add one candidate code per theme, with a suggested factor category."""
    from .._io import check_output_paths, output_set, write_table
    from ..codebook import codes_from_themes, load_codebook, save_codebook
    from ..embedding import Embedder

    _refuse_overwrite(out, force)
    sugg = out.with_suffix(".suggestions.csv")
    check_output_paths(files=[out, sugg, out.with_suffix(".manifest.json")])
    cb = load_codebook(codebook)
    new, table = codes_from_themes(
        themes_dir, cb, Embedder(model=model), min_size=min_size, include_outliers=include_outliers
    )
    themes_csv = themes_dir / "themes.csv" if themes_dir.is_dir() else themes_dir
    with output_set() as oset:  # codebook, suggestions and manifest land together
        save_codebook(new, oset.path(out))
        write_table(table, oset.path(sugg), for_people=True)
        _set_manifest(oset, out, themes_csv, codebook, min_size, include_outliers, model, sugg,
                      len(new.codes) - len(cb.codes))
    console.print(f"Added {len(new.codes) - len(cb.codes)} candidate code(s) -> {out}; suggestions in {sugg}.",
                  markup=False)
    for r in table.head(20).itertuples(index=False):
        console.print(f"  theme {r.theme_id:>4}  {r.suggested_category:20} {r.score:.2f}  {r.code}", markup=False)


def _set_manifest(oset, out: Path, themes_csv: Path, codebook: Optional[Path], min_size: int,  # noqa: ANN001
                  include_outliers: bool, model: Optional[str], sugg: Path, added: int) -> None:
    oset.write_manifest(
        out.with_suffix(".manifest.json"),
        command="codebook from-themes",
        inputs=[themes_csv] + ([codebook] if codebook else []),
        config={"min_size": min_size, "include_outliers": include_outliers, "model": model or "packaged"},
        outputs=[out, sugg],
        extra={"stage": "codebook", "candidates_added": added},
    )


@codebook_app.command("revise")
def revise_cmd(
    codebook: Path = typer.Argument(..., help="Codebook YAML."),
    agreement: Path = typer.Option(..., "--agreement", "-a", help="Per-code agreement table (code, alpha, ...)."),
    out: Path = typer.Option(..., "--out", "-o", help="Revised codebook (YAML)."),
    threshold: float = typer.Option(0.667, "--threshold", "-t", help="Minimum Krippendorff alpha."),
    final: Optional[Path] = typer.Option(None, "--final", help="Also write the final codebook (active codes that meet it)."),
    alpha_col: Optional[str] = typer.Option(None, "--alpha-col", help="Alpha column (default: alpha or krippendorff_alpha)."),
    lower_bound: bool = typer.Option(False, "--lower-bound", help="Judge by the CI lower bound (<alpha-col>_low)."),
    force: bool = typer.Option(False, "--force", help="Replace existing outputs."),
) -> None:
    """Record each code's alpha; flag codes below the threshold for revision."""
    from .._io import check_output_paths, output_set, write_table
    from ..codebook import final_codebook, load_codebook, revise_codebook, save_codebook

    _refuse_overwrite(out, force)
    if final is not None:
        _refuse_overwrite(final, force)
    table_path = out.with_suffix(".revision.csv")
    check_output_paths(files=[out, table_path, final, out.with_suffix(".manifest.json")])
    cb = load_codebook(codebook)
    crit = "lower" if lower_bound else "point"
    revised, table = revise_codebook(cb, agreement, threshold, alpha_col=alpha_col, criterion=crit)
    outputs = [out, table_path]
    with output_set() as oset:  # every file lands together, manifest last
        save_codebook(revised, oset.path(out))
        write_table(table, oset.path(table_path), for_people=True)
        if final is not None:
            save_codebook(final_codebook(cb, agreement, threshold, alpha_col=alpha_col, criterion=crit),
                          oset.path(final))
            outputs.append(final)
        oset.write_manifest(
            out.with_suffix(".manifest.json"),
            command="codebook revise",
            inputs=[codebook, agreement],
            config={"threshold": threshold, "alpha_col": alpha_col, "criterion": crit},
            outputs=outputs,
            extra={"stage": "codebook", "actions": table["action"].value_counts().to_dict()},
        )
    counts = table["action"].value_counts().to_dict()
    console.print(f"Wrote {out} and {table_path}: " + ", ".join(f"{k}={v}" for k, v in counts.items()), markup=False)
    for r in table[table["action"] == "revise"].itertuples(index=False):
        console.print(f"  revise {r.code:32} alpha {r.alpha:.3f} < {threshold:.3f}", markup=False)
    if final is not None:
        console.print(f"Final codebook: {final}", markup=False)


@codebook_app.command("export")
def export_cmd(
    codebook: Path = typer.Argument(..., help="Codebook YAML (or .qdc)."),
    fmt: str = typer.Option(..., "--format", "-f", help="md | csv | qdc | qdpx"),
    out: Path = typer.Option(..., "--out", "-o", help="Output file."),
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="qdpx: the de-identified corpus file (twoknow deid output)."),
    codings: Optional[Path] = typer.Option(None, "--codings", help="qdpx: tidy coding table (response_id, coder, code)."),
    text_col: TextColOpt = None,
    id_col: IdColOpt = None,
    input_format: Optional[InputFormat] = typer.Option(
        None, "--input-format", help="qdpx: layout of the corpus file (long | wide | auto).", rich_help_panel="Input"
    ),
    sheet: SheetOpt = None,
    question_col: QuestionColOpt = None,
    respondent_col: RespondentColOpt = None,
    language_col: LanguageColOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Export a codebook: appendix Markdown, CSV, REFI-QDA .qdc, or a .qdpx project with codings.

    For qdpx the corpus file is read with the same input options as the raw
    export was (``--text-col``, ``--id-col``...), and must be the output of
    ``twoknow deid`` (its manifest is checked).
    """
    from ..codebook import export_csv, export_markdown, export_qdc, export_qdpx, read_codings
    from ..errors import CodebookError

    fmt = fmt.lower().lstrip(".")
    if fmt not in _FORMATS:
        raise CodebookError("E740", f"Unknown export format '{fmt}' (use one of: {', '.join(_FORMATS)}).")
    from .._io import check_output_paths, output_set

    check_output_paths(files=[out, out.with_name(out.name + ".manifest.json")])
    cb = _load_any(codebook)
    if fmt == "qdpx" and (corpus is None or codings is None):
        raise CodebookError("E741", "--format qdpx needs --corpus (de-identified file) and --codings (tidy CSV).")
    extra: dict = {"format": fmt}
    with output_set() as oset:  # the export and its manifest land together
        if fmt == "md":
            export_markdown(cb, oset.path(out))
        elif fmt == "csv":
            export_csv(cb, oset.path(out))
        elif fmt == "qdc":
            export_qdc(cb, oset.path(out))
        else:
            from ..reporting._write import _read_deidentified

            corp, read_report = _read_deidentified(corpus, **_read_kwargs(
                config, text_col, id_col, input_format, sheet, question_col, respondent_col, language_col))
            export_qdpx(cb, corp, read_codings(codings), oset.path(out))
            extra["read"] = read_report.manifest_record()
        _export_manifest(oset, out, "codebook export", [codebook, corpus, codings], extra)
    console.print(f"Wrote {out} ({out.stat().st_size:,} bytes).", markup=False)


def _export_manifest(oset, out: Path, command: str, inputs: list[Optional[Path]], extra: dict) -> None:  # noqa: ANN001
    """A run manifest beside an export, named like every file manifest: ``<OUT>.manifest.json``."""
    oset.write_manifest(
        out.with_name(out.name + ".manifest.json"),
        command=command,
        inputs=[p for p in inputs if p is not None and Path(p).is_file()],
        outputs=[out],
        extra={"stage": "codebook-export", **extra},
    )


@codebook_app.command("import")
def import_cmd(
    qdc: Path = typer.Argument(..., help="A REFI-QDA codebook (.qdc) edited in NVivo, ATLAS.ti, MAXQDA or QualCoder."),
    out: Path = typer.Option(..., "--out", "-o", help="Codebook YAML to write."),
    force: bool = typer.Option(False, "--force", help="Replace an existing file."),
) -> None:
    """Read a REFI-QDA .qdc back into a codebook YAML."""
    from ..codebook import import_qdc, save_codebook

    _refuse_overwrite(out, force)
    cb = import_qdc(qdc)
    save_codebook(cb, out)
    console.print(f"Wrote {out}: {len(cb.codes)} codes in {len(cb.categories)} categories.", markup=False)


@app.command("report")
def report_cmd(
    codings: Path = typer.Option(..., "--codings", help="Tidy coding table (response_id, coder, code[, category])."),
    corpus: Path = typer.Option(..., "--corpus", help="De-identified corpus file (twoknow deid output)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output directory."),
    codebook: Optional[Path] = typer.Option(None, "--codebook", "-c", help="Codebook YAML (default: the bundled one)."),
    by: list[str] = typer.Option([], "--by", help="Subgroup column (question_id, language, a metadata column); repeatable."),
    coder: Optional[str] = typer.Option(
        None, "--coder", help="Codes to count: 'adjudicated' (default when present), a coder's name, or 'majority'."
    ),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level of the Wilson intervals."),
    min_cell: int = typer.Option(
        5, "--min-cell", min=0,
        help="Suppress subgroups of fewer respondents (and one more where the hidden one could be recovered); 0: off.",
    ),
    drop_unknown_codes: bool = typer.Option(
        False, "--drop-unknown-codes", help="Ignore codes the codebook lacks (e.g. a final codebook) instead of failing."
    ),
    text_col: TextColOpt = None,
    id_col: IdColOpt = None,
    fmt: FormatOpt = None,
    sheet: SheetOpt = None,
    question_col: QuestionColOpt = None,
    respondent_col: RespondentColOpt = None,
    language_col: LanguageColOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Frequency tables (respondent shares with Wilson CIs), subgroups, co-occurrence and an HTML report.

    ``--corpus`` is the ``twoknow deid`` output, read with the same input
    options as the raw export (``--text-col``, ``--id-col``, ``--language-col``...).
    """
    from ..reporting import report_files

    kw = _read_kwargs(config, text_col, id_col, fmt, sheet, question_col, respondent_col, language_col)
    rep, paths = report_files(
        codings, corpus, out, codebook=codebook, coder=coder, by=by, confidence=confidence, read_options=kw["options"],
        unknown_codes="drop" if drop_unknown_codes else "error", min_cell=min_cell,
    )
    console.print(f"Source: {rep.source.label}. {rep.n_answers} answers, {rep.n_respondents} respondents.", markup=False)
    cats = rep.frequencies[rep.frequencies["level"] == "category"]
    for r in cats.itertuples(index=False):
        console.print(
            f"  {r.label:22} {r.n_respondents:5} / {r.respondents_total}  {100 * r.share:5.1f}% "
            f"[{100 * r.ci_low:.1f}, {100 * r.ci_high:.1f}]",
            markup=False,
        )
    for n in rep.notes:
        console.print(f"note: {n}", markup=False)
    console.print("Wrote " + ", ".join(str(p) for p in paths.values()), markup=False)
