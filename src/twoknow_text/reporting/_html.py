"""One self-contained HTML report: tables and plotly figures, no network.

The page is the template ``templates/coding_report.html.j2`` (autoescaped,
the shared stylesheet and palette, see :mod:`twoknow_text._pages`).
plotly.js is inlined once (about 4.6 MB) so the file opens offline and never
reaches for a CDN. Every piece of text from the data (labels, ids, subgroup
values) is HTML-escaped by the template; plotly receives escaped labels too,
because it renders a subset of HTML tags inside labels.
"""

from __future__ import annotations

import datetime as _dt
import html
import math

import pandas as pd

from .._pages import PALETTE, figure_html, render_page
from ._tables import FrequencyReport

__all__ = ["render_html"]

def _e(x: object) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _pct(x: float) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def _n(x: object) -> str:
    """A count, or nothing for a suppressed cell."""
    return "" if x is None or pd.isna(x) else str(x)


def _freq_rows(df: pd.DataFrame, extra: list[str] = ()) -> list[dict[str, object]]:
    """Rows of a frequency table as plain values (the template escapes them); suppressed counts are empty."""
    return [
        {"extra": [getattr(r, c) for c in extra], "level": r.level, "id": r.id, "label": r.label,
         "n_answers": _n(r.n_answers), "n_respondents": _n(r.n_respondents),
         "respondents_total": _n(r.respondents_total),
         "share": _pct(r.share), "ci_low": _pct(r.ci_low), "ci_high": _pct(r.ci_high)}
        for r in df.itertuples(index=False)
    ]


def _subgroup_extra(rep: FrequencyReport) -> list[str]:
    return ["subgroup_value", "suppressed"] if "suppressed" in rep.by_subgroup.columns else ["subgroup_value"]


def _codebook_rows(rep: FrequencyReport) -> list[dict[str, object]]:
    """The codes counted, with their definitions, so the report reads on its own."""
    cb = rep.codebook
    listed = set(rep.frequencies.loc[rep.frequencies["level"] == "code", "id"])
    cat_label = {c.id: c.label for c in cb.categories}
    return [{"category": cat_label[c.category], "id": c.id, "label": c.label, "status": c.status,
             "definition": c.definition} for c in cb.codes if c.id in listed]


def _figures(rep: FrequencyReport) -> list[tuple[str, object]]:
    import plotly.graph_objects as go

    cats = [c.id for c in rep.codebook.categories]
    color = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(cats)}
    cat_label = {c.id: c.label for c in rep.codebook.categories}
    figs: list[tuple[str, object]] = []

    codes = rep.frequencies[rep.frequencies["level"] == "code"].iloc[::-1]
    fig = go.Figure()
    for cat in cats:
        sub = codes[codes["category"] == cat]
        if sub.empty:
            continue
        fig.add_trace(
            go.Bar(
                x=sub["share"] * 100,
                y=[_e(f"{lbl} ({cid})") for lbl, cid in zip(sub["label"], sub["id"], strict=True)],
                orientation="h",
                name=_e(cat_label[cat]),
                marker_color=color[cat],
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": (sub["ci_high"] - sub["share"]) * 100,
                    "arrayminus": (sub["share"] - sub["ci_low"]) * 100,
                },
                hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
            )
        )
    fig.update_layout(
        title="Share of respondents per code (95% Wilson CI)",
        xaxis_title="% of respondents",
        height=max(360, 24 * len(codes) + 120),
        margin={"l": 320},
        barmode="overlay",
    )
    figs.append(("codes", fig))

    cat_rows = rep.frequencies[rep.frequencies["level"] == "category"]
    fig = go.Figure(
        go.Bar(
            x=[_e(x) for x in cat_rows["label"]],
            y=cat_rows["share"] * 100,
            marker_color=[color[c] for c in cat_rows["id"]],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": (cat_rows["ci_high"] - cat_rows["share"]) * 100,
                "arrayminus": (cat_rows["share"] - cat_rows["ci_low"]) * 100,
            },
        )
    )
    fig.update_layout(title="Share of respondents per factor category (95% Wilson CI)", yaxis_title="% of respondents",
                      height=380)
    figs.append(("categories", fig))

    for b in rep.by:
        sub = rep.by_subgroup[(rep.by_subgroup["subgroup"] == b) & (rep.by_subgroup["level"] == "category")]
        if sub.empty:
            continue
        fig = go.Figure()
        for val, g in sub.groupby("subgroup_value", sort=True):
            if "suppressed" in g.columns and g["suppressed"].iloc[0]:
                continue  # a small subgroup: nothing about it is drawn
            fig.add_trace(
                go.Bar(
                    x=[_e(x) for x in g["label"]],
                    y=g["share"] * 100,
                    name=_e(f"{val} (n={int(g['respondents_total'].iloc[0])})"),
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": (g["ci_high"] - g["share"]) * 100,
                        "arrayminus": (g["share"] - g["ci_low"]) * 100,
                    },
                )
            )
        fig.update_layout(title=_e(f"Share of respondents per category by {b}"), barmode="group",
                          yaxis_title="% of respondents", height=400)
        figs.append((f"by_{b}", fig))

    co = rep.cooccurrence
    if len(co):
        labels = [_e(c) for c in co.index]
        fig = go.Figure(go.Heatmap(z=co.to_numpy(), x=labels, y=labels, colorscale="Blues",
                                   hovertemplate="%{y} & %{x}: %{z} respondents<extra></extra>"))
        fig.update_layout(title="Code co-occurrence (respondents with both codes)", height=max(500, 22 * len(co) + 200),
                          yaxis={"autorange": "reversed"})
        figs.append(("cooccurrence", fig))
    return figs


def render_html(rep: FrequencyReport, *, title: str | None = None) -> str:
    """The report as one HTML string (plotly.js inlined once, all text escaped by the template)."""
    cb = rep.codebook
    freq = rep.frequencies
    return render_page(
        "coding_report.html.j2",
        title=title or f"Coding report: {cb.name} {cb.version}",
        source=rep.source.label,
        n_answers=rep.n_answers,
        n_respondents=rep.n_respondents,
        n_answers_in_corpus=rep.n_answers_in_corpus,
        confidence_pct=int(rep.confidence * 100),
        ci_header=f"{int(rep.confidence * 100)}% CI",
        created=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        notes=list(rep.notes),
        figures={name: figure_html(fig, div_id=f"fig-{name}") for name, fig in _figures(rep)},
        categories=_freq_rows(freq[freq["level"] == "category"]),
        codes=_freq_rows(freq[freq["level"] == "code"]),
        subgroups=[{"name": b, "extra": _subgroup_extra(rep),
                    "rows": _freq_rows(rep.by_subgroup[rep.by_subgroup["subgroup"] == b], extra=_subgroup_extra(rep))}
                   for b in rep.by],
        codebook_name=cb.name,
        codebook_version=cb.version,
        codebook_rows=_codebook_rows(rep),
    )
