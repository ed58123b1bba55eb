"""CLI: ``twoknow autocode train|predict|evaluate`` (assisted coding; model codes are suggestions).

Thin: read the coding table and the de-identified corpus (its deid manifest
is checked, raw text is refused as in ``twoknow report``), call
``twoknow_text.autocode``, write outputs with a manifest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from ._app import app
from ._common import (
    ConfigOpt,
    FormatOpt,
    IdColOpt,
    LanguageColOpt,
    QuestionColOpt,
    RespondentColOpt,
    SheetOpt,
    TextColOpt,
)

autocode_app = typer.Typer(
    name="autocode",
    help="Assisted coding: learn the codebook from coded answers, suggest codes for the rest, abstain when unsure.",
    no_args_is_help=True,
)
app.add_typer(autocode_app, name="autocode")

console = Console(highlight=False, soft_wrap=True)

CodebookOpt = typer.Option(None, "--codebook", "-c", help="Codebook YAML for the code descriptions (default: the bundled 2KNOW one).")
NoCodebookOpt = typer.Option(False, "--no-codebook", help="Learn from the coded answers only (no zero-shot codebook signal).")


def _corpus(corpus: Path, config, text_col, id_col, fmt, sheet, question_col, respondent_col, language_col):
    from ..reporting._write import _read_deidentified
    from ._codebook import _read_kwargs

    kw = _read_kwargs(config, text_col, id_col, fmt, sheet, question_col, respondent_col, language_col)
    corp, read_report = _read_deidentified(corpus, kw["options"])
    return corp, read_report


def _codings(path: Path):
    import pandas as pd

    from ..codebook import read_codings
    from ..errors import AutocodeError

    try:
        return read_codings(path)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise AutocodeError("E815", f"Cannot read the coding table {path.name}: {type(exc).__name__}.") from None


def _descriptions(codebook: Optional[Path], no_codebook: bool) -> dict[str, str] | None:
    from ..autocode import codebook_descriptions

    return None if no_codebook else codebook_descriptions(codebook)


@autocode_app.command("train")
def train_cmd(
    codings: Path = typer.Argument(..., metavar="CODINGS", help="Tidy coding table (response_id, coder, code)."),
    texts: Path = typer.Option(..., "--texts", help="De-identified corpus file (twoknow deid output)."),
    out: Path = typer.Option(..., "--out", "-o", help="New model folder (model.json, weights.npz, manifest.json)."),
    coder: Optional[str] = typer.Option(None, "--coder", help="Learn this coder's codes (default: the only coder, or the majority)."),
    codebook: Optional[Path] = CodebookOpt,
    no_codebook: bool = NoCodebookOpt,
    abstain: float = typer.Option(0.5, "--abstain", help="predict says 'unsure' below this confidence (0: never)."),
    seed: int = typer.Option(0, "--seed", help="random_state of the model."),
    text_col: TextColOpt = None,
    id_col: IdColOpt = None,
    fmt: FormatOpt = None,
    sheet: SheetOpt = None,
    question_col: QuestionColOpt = None,
    respondent_col: RespondentColOpt = None,
    language_col: LanguageColOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Train an auto-coder on the coded answers and save it (no pickle)."""
    from .._io import check_output_paths
    from ..autocode import AutoCoder, code_lists, model_version
    from ..errors import AutocodeError

    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise AutocodeError("E810", f"Model folder {out.name} exists and is not empty; choose a new folder.")
    check_output_paths(folders=[out])
    corp, _ = _corpus(texts, config, text_col, id_col, fmt, sheet, question_col, respondent_col, language_col)
    by_id = {r.response_id: r.text for r in corp}
    labels = {k: v for k, v in code_lists(_codings(codings), coder).items() if k in by_id}
    if not labels:
        raise AutocodeError("E820", f"No coded answer of {codings.name} has a text in {texts.name} (check the ids).")
    ids = sorted(labels)
    model = AutoCoder(random_state=seed, abstain=abstain)
    model.fit([by_id[i] for i in ids], [labels[i] for i in ids], _descriptions(codebook, no_codebook))
    model.save(out)
    console.print(f"Trained on {len(ids)} coded answers, {len(model.codes_)} codes (threshold {model.threshold_:.2f}); "
                  f"model {model_version(out)} → {out}", markup=False)


@autocode_app.command("predict")
def predict_cmd(
    model_dir: Path = typer.Argument(..., metavar="MODEL_DIR", help="A folder written by 'twoknow autocode train'."),
    corpus: Path = typer.Argument(..., metavar="CORPUS", help="De-identified corpus file (twoknow deid output)."),
    out: Path = typer.Option(..., "--out", "-o", help="Predictions table (CSV or Parquet); a manifest is written beside it."),
    abstain: Optional[float] = typer.Option(None, "--abstain", help="Override the model's abstain level (0: never unsure)."),
    text_col: TextColOpt = None,
    id_col: IdColOpt = None,
    fmt: FormatOpt = None,
    sheet: SheetOpt = None,
    question_col: QuestionColOpt = None,
    respondent_col: RespondentColOpt = None,
    language_col: LanguageColOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Suggest codes for every answer: codes (';'-separated, or 'unsure'), confidence, one probability per code."""
    from .._io import check_output_paths, output_set
    from ..autocode import AutoCoder, predictions_table

    manifest = out.with_name(out.name + ".manifest.json")
    check_output_paths(files=[out, manifest])
    model = AutoCoder.load(model_dir)
    corp, read_report = _corpus(corpus, config, text_col, id_col, fmt, sheet, question_col, respondent_col, language_col)
    table = predictions_table(model, list(corp), abstain=abstain)
    from .._io import write_table

    with output_set() as oset:
        write_table(table, oset.path(out), for_people=True)
        oset.write_manifest(
            manifest, command="autocode predict", inputs=[corpus, model_dir / "model.json", model_dir / "weights.npz"],
            outputs=[out],
            config={"abstain": model.abstain if abstain is None else abstain, "threshold": model.threshold_},
            extra={"stage": "autocode", "model_version": getattr(model, "model_version_", None),
                   "read": read_report.manifest_record(),
                   "note": "Model codes are suggestions for coders to accept or correct, not final codes."},
        )
    n_unsure = int((table["codes"] == "unsure").sum())
    console.print(f"{len(table)} answers: {n_unsure} left to people ('unsure'); suggestions → {out}", markup=False)


@autocode_app.command("evaluate")
def evaluate_cmd(
    codings: Path = typer.Argument(..., metavar="CODINGS", help="Tidy coding table (response_id, coder, code)."),
    texts: Path = typer.Option(..., "--texts", help="De-identified corpus file (twoknow deid output)."),
    folds: int = typer.Option(5, "--folds", help="Cross-validation folds."),
    coder: Optional[str] = typer.Option(None, "--coder", help="Train on this coder's codes (default: the first coder)."),
    codebook: Optional[Path] = CodebookOpt,
    no_codebook: bool = NoCodebookOpt,
    n_boot: int = typer.Option(1000, "--bootstrap", help="Bootstrap resamples of the CIs (0 = none)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the folds, the model and the bootstrap."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON object."),
    text_col: TextColOpt = None,
    id_col: IdColOpt = None,
    fmt: FormatOpt = None,
    sheet: SheetOpt = None,
    question_col: QuestionColOpt = None,
    respondent_col: RespondentColOpt = None,
    language_col: LanguageColOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Cross-validated kappa and alpha of the model against each coder, beside the coders' own agreement."""
    from ..autocode import evaluate

    corp, _ = _corpus(texts, config, text_col, id_col, fmt, sheet, question_col, respondent_col, language_col)
    res = evaluate(_codings(codings), {r.response_id: r.text for r in corp}, folds=folds, train_coder=coder,
                   code_descriptions=_descriptions(codebook, no_codebook), n_boot=n_boot, seed=seed)
    if as_json:
        typer.echo(json.dumps(res, allow_nan=False, default=str))
        return
    console.print(f"{res['n_answers']} answers, {res['folds']}-fold, trained on {res['train_coder']}'s codes. "
                  f"{res['note']}", markup=False)

    def fmt_e(e: dict | None) -> str:
        if not e or e.get("value") is None:
            return "—"
        lo, hi = e.get("low"), e.get("high")
        return f"{e['value']:.3f}" + (f" [{lo:.3f}, {hi:.3f}]" if lo is not None and hi is not None else "")

    for row in res["model_vs_coders"] + res["coders_vs_coders"]:
        console.print(f"  {' vs '.join(row['coders']):28} kappa {fmt_e(row.get('cohen_kappa'))}  "
                      f"alpha {fmt_e(row.get('krippendorff_alpha'))}  ({row['units']} answers)", markup=False)
    console.print("Coverage vs kappa (abstain level: share kept, kappa with each coder on them):", markup=False)
    for r in res["coverage"]:
        ks = ", ".join(f"{k[6:]} {v:.3f}" for k, v in r.items() if k.startswith("kappa_") and v is not None)
        console.print(f"  abstain {r['abstain']:.2f}: {100 * r['coverage']:5.1f}% kept; {ks}", markup=False)
