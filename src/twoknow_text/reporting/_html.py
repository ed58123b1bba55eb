"""One self-contained HTML report: tables and plotly figures, no network.

plotly.js is inlined once (about 4.6 MB) so the file opens offline and never
reaches for a CDN. Every piece of text from the data (labels, ids, subgroup
values) is HTML-escaped; plotly receives escaped labels too, because it
renders a subset of HTML tags inside labels.
"""

from __future__ import annotations

import datetime as _dt
import html
import math

import pandas as pd

from ._tables import FrequencyReport

__all__ = ["render_html"]

_PALETTE = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F")

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
table{border-collapse:collapse;margin:.6rem 0 1.2rem;font-size:.88rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left}th{background:#f4f4f4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.note{background:#fff7e0;border-left:4px solid #e0a800;padding:.5rem .8rem;margin:.8rem 0}
.meta{color:#555;font-size:.9rem}
"""


def _e(x: object) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _pct(x: float) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def _n(x: object) -> str:
    """A count, or nothing for a suppressed cell."""
    return "" if x is None or pd.isna(x) else str(x)


def _freq_table(df: pd.DataFrame, extra: list[str] = ()) -> str:
    head = [*extra, "Level", "Id", "Label", "Answers", "Respondents", "of", "Share", "95% CI"]
    out = ["<table><thead><tr>", *[f"<th>{_e(h)}</th>" for h in head], "</tr></thead><tbody>"]
    for r in df.itertuples(index=False):
        cells = [f"<td>{_e(getattr(r, c))}</td>" for c in extra]
        cells += [
            f"<td>{_e(r.level)}</td>",
            f"<td><code>{_e(r.id)}</code></td>",
            f"<td>{_e(r.label)}</td>",
            f"<td class=num>{_n(r.n_answers)}</td>",
            f"<td class=num>{_n(r.n_respondents)}</td>",
            f"<td class=num>{_n(r.respondents_total)}</td>",
            f"<td class=num>{_pct(r.share)}</td>",
            f"<td class=num>{_pct(r.ci_low)}&ndash;{_pct(r.ci_high)}</td>",
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _codebook_table(rep: FrequencyReport) -> str:
    """The codes counted, with their definitions, so the report reads on its own."""
    cb = rep.codebook
    listed = set(rep.frequencies.loc[rep.frequencies["level"] == "code", "id"])
    cat_label = {c.id: c.label for c in cb.categories}
    out = [
        f"<h2>Codebook</h2><p class=meta>{_e(cb.name)} version {_e(cb.version)}.</p>",
        "<table><thead><tr><th>Category</th><th>Id</th><th>Label</th><th>Status</th><th>Definition</th></tr></thead><tbody>",
    ]
    for c in cb.codes:
        if c.id in listed:
            out.append(
                f"<tr><td>{_e(cat_label[c.category])}</td><td><code>{_e(c.id)}</code></td><td>{_e(c.label)}</td>"
                f"<td>{_e(c.status)}</td><td>{_e(c.definition)}</td></tr>"
            )
    out.append("</tbody></table>")
    return "".join(out)


def _figures(rep: FrequencyReport) -> list[tuple[str, object]]:
    import plotly.graph_objects as go

    cats = [c.id for c in rep.codebook.categories]
    color = {c: _PALETTE[i % len(_PALETTE)] for i, c in enumerate(cats)}
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
    """The report as one HTML string (plotly.js inlined once, all text escaped)."""
    import plotly.io as pio

    cb = rep.codebook
    title = title or f"Coding report: {cb.name} {cb.version}"
    created = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        "<meta name=viewport content='width=device-width,initial-scale=1'>",
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f"<p class=meta>Source of codes: <strong>{_e(rep.source.label)}</strong>. "
        f"{rep.n_answers} coded answers from {rep.n_respondents} respondents "
        f"({rep.n_answers_in_corpus} answers in the corpus). Shares are of respondents, with "
        f"{int(rep.confidence * 100)}% Wilson score intervals. Created {created}.</p>",
    ]
    for n in rep.notes:
        parts.append(f"<div class=note>{_e(n)}</div>")
    from plotly.offline import get_plotlyjs

    # plotly.js goes in once, before any figure, so figures may appear in any order
    parts.insert(
        3,
        "<script type='text/javascript'>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script>",
    )
    fig_html = {
        name: pio.to_html(
            fig, full_html=False, include_plotlyjs=False, config={"displaylogo": False, "responsive": True},
            div_id=f"fig-{name}",
        )
        for name, fig in _figures(rep)
    }
    parts += ["<h2>Factor categories</h2>", fig_html.get("categories", "")]
    parts.append(_freq_table(rep.frequencies[rep.frequencies["level"] == "category"]))
    parts += ["<h2>Codes</h2>", fig_html.get("codes", "")]
    parts.append(_freq_table(rep.frequencies[rep.frequencies["level"] == "code"]))
    for b in rep.by:
        parts.append(f"<h2>By {_e(b)}</h2>")
        parts.append(fig_html.get(f"by_{b}", ""))
        sub = rep.by_subgroup[rep.by_subgroup["subgroup"] == b]
        parts.append(_freq_table(sub, extra=["subgroup_value", "suppressed"] if "suppressed" in sub.columns
                                 else ["subgroup_value"]))
    if "cooccurrence" in fig_html:
        parts += ["<h2>Co-occurrence</h2>", fig_html["cooccurrence"]]
    parts.append(_codebook_table(rep))
    parts.append(
        "<p class=meta>Made with twoknow_text. The tables hold counts only; no answer text is included.</p></body></html>"
    )
    return "\n".join(parts)
