"""One self-contained HTML report of a theme run (plotly inlined, no CDN, no network).

Sections: summary, theme sizes, 2-D map of the answers, themes per class
(question, language, ...), themes over time (if given), hierarchy, and a
theme table with top words and three representative de-identified answers.
Every piece of text is HTML-escaped; plotly's JavaScript is embedded once.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._io import atomic_open

__all__ = ["build_report", "write_report"]

_MAX_MAP_POINTS = 5000
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #ddd;padding:.35rem .5rem;vertical-align:top;text-align:left}
th{background:#f4f4f4}td.num{text-align:right}.muted{color:#666;font-size:.85rem}ul.reps{margin:0;padding-left:1.1rem}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5rem .8rem}
"""


def _fig_html(fig, first: list[bool]) -> str:
    """The figure as a <div>; plotly.js is inlined with the first figure only."""
    include: Any = "inline" if first[0] else False
    first[0] = False
    return fig.to_html(full_html=False, include_plotlyjs=include, config={"displaylogo": False, "responsive": True})


def _map_coords(model, seed: int) -> np.ndarray:
    """2-D coordinates: PCA of the embeddings (fast, deterministic; UMAP would cost another fit)."""
    from sklearn.decomposition import PCA

    e = model.embeddings_
    if e.shape[0] < 3:
        return np.zeros((e.shape[0], 2))
    return PCA(n_components=2, random_state=seed).fit_transform(e)


def build_report(model, *, title: str = "Themes", response_ids: list[str] | None = None, summary: dict[str, Any] | None = None) -> str:
    """Return the report as one HTML string."""
    import plotly.express as px
    import plotly.graph_objects as go

    first = [True]
    esc = html.escape
    themes: pd.DataFrame = model.themes_
    parts: list[str] = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
    ]
    n = len(model.labels_)
    info = {"answers": n, "themes": model.n_themes_, "outliers": f"{model.outlier_share_:.1%}", "seed": model.seed_}
    info.update(summary or {})
    parts.append("<table style='width:auto'>" + "".join(
        f"<tr><th>{esc(str(k))}</th><td>{esc(str(v))}</td></tr>" for k, v in info.items()) + "</table>")
    parts.append("<p class='note'>All answer text in this report was de-identified before theme extraction. "
                 "Themes are machine-found groupings to help coders, not findings.</p>")

    # Theme sizes
    sized = themes[themes.theme_id >= 0].sort_values("size")
    fig = go.Figure(go.Bar(x=sized["size"], y=[f"{t}: {lab}" for t, lab in zip(sized.theme_id, sized.label)], orientation="h"))
    fig.update_layout(height=max(300, 22 * len(sized) + 80), margin=dict(l=10, r=10, t=30, b=30), title="Answers per theme")
    parts += ["<h2>Theme sizes</h2>", _fig_html(fig, first)]

    # 2-D map
    xy = _map_coords(model, model.seed_)
    rng = np.random.default_rng(model.seed_)
    idx = np.arange(n) if n <= _MAX_MAP_POINTS else np.sort(rng.choice(n, _MAX_MAP_POINTS, replace=False))
    lab_names = {int(k): f"{k}: {model.theme_label(int(k))}" for k in np.unique(model.labels_)}
    df = pd.DataFrame({"x": xy[idx, 0], "y": xy[idx, 1], "theme": [lab_names[int(k)] for k in model.labels_[idx]],
                       "answer": [esc(model._docs[i][:160]) for i in idx]})
    fig = px.scatter(df, x="x", y="y", color="theme", hover_data={"answer": True, "x": False, "y": False}, render_mode="webgl")
    fig.update_traces(marker=dict(size=4, opacity=0.7))
    fig.update_layout(height=600, margin=dict(l=10, r=10, t=30, b=10), title="Answers (PCA of embeddings)", legend_title_text="")
    parts += ["<h2>Map of answers</h2>", f"<p class='muted'>{len(idx)} of {n} answers shown.</p>", _fig_html(fig, first)]

    # Per class
    if model.classes_ is not None:
        pc = model.themes_per_class()
        pc["theme"] = [f"{t}: {lab}" for t, lab in zip(pc.theme_id, pc.label)]
        fig = px.bar(pc, x="share", y="class", color="theme", orientation="h", hover_data=["count"])
        fig.update_layout(height=max(300, 60 * pc["class"].nunique() + 120), barmode="stack", title="Share of answers per theme, by class",
                          margin=dict(l=10, r=10, t=30, b=30))
        parts += ["<h2>Themes per class</h2>", _fig_html(fig, first)]
    if model.timestamps_ is not None:
        ot = model.themes_over_time()
        ot["theme"] = [f"{t}: {lab}" for t, lab in zip(ot.theme_id, ot.label)]
        fig = px.line(ot, x="time", y="share", color="theme", markers=True)
        fig.update_layout(height=450, title="Share of answers per theme over time", margin=dict(l=10, r=10, t=30, b=30))
        parts += ["<h2>Themes over time</h2>", _fig_html(fig, first)]

    # Hierarchy
    if model.n_themes_ >= 2:
        import plotly.figure_factory as ff
        from scipy.cluster.hierarchy import linkage

        names = [f"{k}: {model.theme_label(k)}"[:60] for k in model.theme_ids_]
        fig = ff.create_dendrogram(model.theme_embeddings_.astype(float), orientation="left", labels=names,
                                   linkagefun=lambda x: linkage(x, method="average", metric="cosine"))
        fig.update_layout(height=max(300, 22 * len(names) + 80), margin=dict(l=10, r=10, t=30, b=30), title="Theme hierarchy (centroid cosine, average linkage)")
        parts += ["<h2>Hierarchy</h2>", _fig_html(fig, first)]

    # Table
    rows = []
    for r in themes.itertuples(index=False):
        reps = [getattr(r, f"representative_{i}") for i in (1, 2, 3)]
        reps_html = "<ul class='reps'>" + "".join(f"<li>{esc(str(x))}</li>" for x in reps if x) + "</ul>"
        rows.append(f"<tr><td class='num'>{r.theme_id}</td><td>{esc(str(r.label))}</td><td>{esc(str(r.top_words))}</td>"
                    f"<td class='num'>{r.size}</td><td>{reps_html}</td></tr>")
    parts += ["<h2>Themes</h2>", "<table><tr><th>id</th><th>label</th><th>top words</th><th>size</th><th>representative answers</th></tr>",
              *rows, "</table>"]
    parts.append("<p class='muted'>Made by twoknow_text. No external resources are loaded by this page.</p></body></html>")
    return "\n".join(parts)


def write_report(model, path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Build the report and write it atomically to ``path``."""
    text = build_report(model, **kwargs)
    with atomic_open(path) as fh:
        fh.write(text)
    return Path(path)
