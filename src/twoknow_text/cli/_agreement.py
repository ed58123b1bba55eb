"""CLI: ``twoknow agreement`` and ``twoknow adjudicate push|pull``.

Thin: parse options, call ``twoknow_text.agreement``, print a short summary
(or exactly one JSON object with ``--json``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ._app import app
from ._labelstudio import warn_token_argument

adjudicate_app = typer.Typer(
    help="Adjudicate coder disagreements in Label Studio (push the disputes, pull the gold).",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(adjudicate_app, name="adjudicate")


def _read(input_path: Path):  # noqa: ANN202
    import pandas as pd

    from .._io import read_table_file
    from ..errors import AgreementError

    try:
        return read_table_file(input_path)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise AgreementError("E602", f"Cannot read the coding table {input_path.name}: {type(exc).__name__}.") from None


def _data(input_path: Path, unit_col: str, coder_col: str, value_col: str, multi_label: bool, level: str,
          codebook: Optional[Path], on_unknown: str, time_col: Optional[str]):  # noqa: ANN202
    from ..agreement import reliability_data

    return reliability_data(
        _read(input_path), unit_col, coder_col, value_col, multi_label=multi_label, level=level,
        codebook=codebook, on_unknown=on_unknown, time_col=time_col,
    )


def _fmt(x: float | None) -> str:
    return "—" if x is None or x != x else f"{x:.3f}"


@app.command("agreement")
def agreement_cmd(
    input_path: Path = typer.Argument(..., metavar="INPUT.csv", help="Tidy coding table (CSV or Parquet)."),
    unit_col: str = typer.Option("response_id", "--unit-col", help="Column with the unit (answer) id."),
    coder_col: str = typer.Option("coder", "--coder-col", help="Column with the coder id."),
    value_col: str = typer.Option("code", "--value-col", help="Column with the value or code."),
    level: str = typer.Option("nominal", "--level", help="nominal | ordinal | interval | ratio."),
    multi_label: bool = typer.Option(False, "--multi-label", help="One row per (unit, coder, code); empty = no code."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON object."),
    codebook: Optional[Path] = typer.Option(None, "--codebook", help="Codebook YAML or a text file of allowed codes."),
    on_unknown: str = typer.Option("error", "--on-unknown", help="Codes outside the codebook: error | record | drop."),
    threshold: float = typer.Option(0.667, "--threshold", help="Flag codes whose alpha is below this."),
    n_boot: int = typer.Option(1000, "--bootstrap", help="Bootstrap resamples of units (0 = no CI)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap."),
    method: str = typer.Option("auto", "--method", help="Bootstrap weights: auto | multinomial | poisson."),
    time_col: Optional[str] = typer.Option(None, "--time-col", help="Timestamp column: adds a drift table to --out."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for tables, plots and a manifest."),
) -> None:
    """Inter-coder agreement with bootstrap confidence intervals."""
    from rich.console import Console
    from rich.table import Table

    from ..agreement import agreement
    from ..errors import AgreementError

    if out is not None and out.exists() and not out.is_dir():
        raise AgreementError("E615", f"--out {out.name} exists and is not a folder.")
    if out is not None:
        from .._io import check_output_paths

        check_output_paths(folders=[out])  # before the bootstrap, not after it
    data = _data(input_path, unit_col, coder_col, value_col, multi_label, level, codebook, on_unknown, time_col)
    rep = agreement(data, level=level, n_boot=n_boot, seed=seed, method=method, threshold=threshold)
    if out is not None:
        _write_outputs(out, input_path, data, rep, codebook, time_col)
    if as_json:
        typer.echo(json.dumps(rep.to_dict(), allow_nan=False, default=str))
        return
    console = Console(highlight=False)
    console.print(
        f"{rep.n_units} pairable units, {len(rep.coders)} coders, {rep.n_unpairable} unpairable unit(s) excluded; "
        f"level {rep.level}; {rep.n_boot} bootstrap resamples (seed {rep.seed})."
    )
    t = Table(title="Agreement")
    for col in ("coefficient", "value", f"{int(rep.confidence * 100)}% CI", "note"):
        t.add_column(col)
    for name, e in rep.coefficients.items():
        t.add_row(name, _fmt(e.value), f"[{_fmt(e.low)}, {_fmt(e.high)}]", e.reason or "")
    console.print(t)
    if rep.per_code is not None:
        pc = Table(title=f"Per code (flag: Krippendorff 0.667 / 0.800; threshold {threshold})")
        for col in ("code", "prevalence", "alpha", "CI", "AC1", "flag"):
            pc.add_column(col)
        for r in rep.per_code.to_dict(orient="records"):
            pc.add_row(
                str(r["code"]), _fmt(r["prevalence"]), _fmt(r["krippendorff_alpha"]),
                f"[{_fmt(r.get('krippendorff_alpha_low'))}, {_fmt(r.get('krippendorff_alpha_high'))}]",
                _fmt(r["gwet_ac1"]), str(r["flag"]),
            )
        console.print(pc)
    for note in rep.notes:
        console.print(f"note: {note}")
    if rep.unknown_codes:
        console.print(f"codes outside the codebook ({on_unknown}): {dict(rep.unknown_codes)}")


def _write_outputs(out: Path, input_path: Path, data, rep, codebook, time_col) -> None:  # noqa: ANN001
    from .._io import output_set, write_json, write_table
    from ..agreement import disagreements, drift_table, pairwise_table, plot_code_alpha, plot_coder_heatmap

    pairs = pairwise_table(data, level=rep.level)
    tables = {"pairwise.csv": pairs, "disagreements.csv": disagreements(data)}
    figs = {"coder_heatmap.html": plot_coder_heatmap(pairs)}
    if rep.per_code is not None:
        tables["per_code.csv"] = rep.per_code
        figs["per_code_alpha.html"] = plot_code_alpha(rep.per_code)
    if time_col:
        tables["drift.csv"] = drift_table(data, level=rep.level)
    with output_set() as oset:  # every file lands together, manifest last, or none does
        outputs = [out / "agreement.json"]
        write_json(rep.to_dict(), oset.path(out / "agreement.json"))
        for name, table in tables.items():
            write_table(table, oset.path(out / name), for_people=True)
            outputs.append(out / name)
        for name, fig in figs.items():
            fig.write_html(oset.path(out / name), include_plotlyjs=True, full_html=True)  # JS embedded: no CDN
            outputs.append(out / name)
        _write_set_manifest(oset, out, input_path, rep, codebook, outputs)


def _write_set_manifest(oset, out: Path, input_path: Path, rep, codebook, outputs: list[Path]) -> None:  # noqa: ANN001
    oset.write_manifest(
        out / "manifest.json",
        command="agreement",
        inputs=[input_path] + ([codebook] if codebook else []),
        config={"level": rep.level, "multi_label": rep.multi_label, "threshold": rep.threshold},
        seeds={"bootstrap": rep.seed},
        outputs=outputs,
        extra={"n_boot": rep.n_boot, "method": rep.method},
    )


@adjudicate_app.command("push")
def adjudicate_push_cmd(
    input_path: Path = typer.Argument(..., metavar="INPUT.csv", help="Tidy coding table."),
    texts: Path = typer.Option(..., "--texts", help="De-identified answers (a `twoknow deid` output)."),
    unit_col: str = typer.Option("response_id", "--unit-col"),
    coder_col: str = typer.Option("coder", "--coder-col"),
    value_col: str = typer.Option("code", "--value-col"),
    multi_label: bool = typer.Option(True, "--multi-label/--single-label"),
    text_col: list[str] = typer.Option(["text"], "--text-col", help="Text column(s) of the de-identified file."),
    id_col: str = typer.Option("response_id", "--id-col", help="Id column of the de-identified file."),
    project: str = typer.Option("twoknow adjudication", "--project", help="Title of the adjudication project."),
    codebook: Optional[Path] = typer.Option(None, "--codebook", help="Codebook YAML (default: bundled 2KNOW)."),
    url: Optional[str] = typer.Option(None, "--url", envvar="LABEL_STUDIO_URL"),
    token: Optional[str] = typer.Option(None, "--token", envvar="LABEL_STUDIO_API_KEY", callback=warn_token_argument),
) -> None:
    """Send the units the coders disagree on to a Label Studio adjudication project."""
    from ..agreement import adjudicate_push, disagreements

    data = _data(input_path, unit_col, coder_col, value_col, multi_label, "nominal", None, "record", None)
    disputes = disagreements(data)
    res = adjudicate_push(
        disputes, texts, title=project, codebook=codebook, url=url, token=token,
        text_cols=list(text_col), id_col=id_col, format="long",
    )
    typer.echo(
        f"project {res.project_id} '{res.title}': {res.tasks_created} disputed unit(s) added, "
        f"{res.tasks_skipped} already there."
    )


@adjudicate_app.command("pull")
def adjudicate_pull_cmd(
    project: str = typer.Argument(..., help="Adjudication project title or id."),
    out: Path = typer.Option(..., "--out", help="Gold table to write (CSV or Parquet): unit, code, adjudicator."),
    audit_log: Path = typer.Option(Path("adjudication_audit.jsonl"), "--audit-log", help="Append-only JSONL log."),
    url: Optional[str] = typer.Option(None, "--url", envvar="LABEL_STUDIO_URL"),
    token: Optional[str] = typer.Option(None, "--token", envvar="LABEL_STUDIO_API_KEY", callback=warn_token_argument),
) -> None:
    """Pull the adjudicated gold and append every decision to the audit log."""
    from .._io import write_table
    from ..agreement import adjudicate_pull

    ident: str | int = int(project) if project.isdigit() else project
    gold = adjudicate_pull(ident, audit_log, url=url, token=token)
    write_table(gold, out)
    typer.echo(f"{gold['unit'].nunique()} adjudicated unit(s) → {out}; decisions logged in {audit_log}.")
