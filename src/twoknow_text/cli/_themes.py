"""`twoknow themes`: read → de-identify → embed → themes → assignments, themes, report, manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app
from ._common import (
    DelimiterOpt,
    EncodingOpt,
    FormatOpt,
    IdColOpt,
    InputArg,
    LanguageColOpt,
    MaxCharsOpt,
    QuestionColOpt,
    RespondentColOpt,
    SheetOpt,
    TextColOpt,
)

__all__ = ["themes"]


@app.command()
def themes(
    input: InputArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for assignments.csv, themes.csv, report.html, manifest.json.")],
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
    config: Annotated[Path | None, typer.Option("--config", help="Themes config YAML (see configs/themes.yaml); unknown keys are an error.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same input and seed give identical themes.")] = 42,
    already_deidentified: Annotated[bool, typer.Option("--already-deidentified", help="Skip de-identification: you state the input was de-identified (recorded in the manifest).")] = False,
    deid_config: Annotated[Path | None, typer.Option("--deid-config", help="De-identification config YAML.")] = None,
    key_file: Annotated[Path | None, typer.Option("--key-file", help="Pseudonym key file (a one-run key is used without it).")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Local sentence-transformers folder (default: the packaged all-MiniLM-L6-v2).")] = None,
    save_model: Annotated[bool, typer.Option("--save-model", help="Also save the fitted model (no pickle) to OUT/model.")] = False,
    per_question: Annotated[bool, typer.Option("--per-question", help="Themes per question: one model per question_id (from 10 answers each), one output set.")] = False,
    per_language: Annotated[bool, typer.Option("--per-language", help="Themes per language: one model per answer language.")] = False,
) -> None:
    """Find themes in free-text answers and write a self-contained HTML report."""
    from ..themes._layout import use_numba_cache

    use_numba_cache()
    import time

    from rich.console import Console

    from ..themes import load_themes_config, run_themes
    from ._common import print_read_summary, read_input

    console = Console(stderr=True, highlight=False)
    from ..errors import ThemeError

    if per_question and per_language:
        raise ThemeError("E412", "Give --per-question or --per-language, not both.")
    overrides = {"embedding_model": model, "save_model": True if save_model else None}
    if per_question:
        overrides.update(per_class=True, class_column="question_id")
    elif per_language:
        overrides.update(per_class=True, class_column="language")
    cfg = load_themes_config(config, **overrides)
    from .._io import check_output_paths

    # a bad --out fails now (E040-E042), not after the models have run
    check_output_paths(files=[out / n for n in ("assignments.csv", "themes.csv", "report.html", "manifest.json")],
                       folders=[out] + ([out / "model"] if cfg.save_model else []))
    if cfg.embedding_model is not None:
        from ..embedding import Embedder

        Embedder(cfg.embedding_model)  # fails now (E300) on a missing path, before reading and de-identifying
    t0 = time.perf_counter()
    corpus, report = read_input(input, text_col, id_col, fmt, sheet=sheet, question_col=question_col,
                                respondent_col=respondent_col, language_col=language_col, encoding=encoding,
                                delimiter=delimiter, max_chars=max_chars)
    print_read_summary(report, console)
    with console.status("starting") as status:
        def progress(step: str) -> None:
            status.update(f"{step} ({time.perf_counter() - t0:.0f} s)")
            console.print(f"  {step} …", markup=False)

        res = run_themes(corpus, out, cfg, seed=seed, already_deidentified=already_deidentified,
                         deid_config=deid_config, key_file=key_file, progress=progress, input_path=input,
                         read_report=report)
    from ..themes._report import language_warning_texts

    models = getattr(res, "models", None) or {"": res.model}
    n_themes = sum(m.n_themes_ for m in models.values())
    n_out = sum(int((m.labels_ < 0).sum()) for m in models.values())
    console.print(
        f"{len(res.corpus):,} answers → {n_themes} themes, {n_out / max(1, len(res.corpus)):.1%} outliers "
        f"({res.timings.get('total', 0):.0f} s).", markup=False)
    for c, m in models.items():
        head = f"  {cfg.class_column} {c}: {len(m.labels_)} answers, {m.n_themes_} themes, " if c else "  "
        console.print(f"{head}clustering: {m.cluster_method_}", markup=False)
        for w in language_warning_texts(m, prefix=f"{cfg.class_column} {c}: " if c else ""):
            console.print(f"  warning: {w}", markup=False)
    for c, n in (getattr(res, "skipped_classes", None) or {}).items():
        console.print(f"  warning: {cfg.class_column} {c}: only {n} answers, fewer than min_answers "
                      f"({cfg.min_answers}); its answers are outliers.", markup=False)
    for name in ("assignments", "themes", "report", "manifest"):
        console.print(f"  {name}: {res.files[name]}", markup=False)
