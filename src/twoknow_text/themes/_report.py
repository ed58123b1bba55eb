"""One self-contained HTML report of a theme run (plotly inlined, no CDN, no network).

Sections: summary, theme sizes, 2-D map of the answers, themes per class
(question, language, ...), themes over time (if given), hierarchy, and a
theme table with top words and three representative de-identified answers.
The page is the template ``templates/themes_report.html.j2`` (autoescaped, the
shared stylesheet and palette, see :mod:`twoknow_text._pages`). Every piece of
text is HTML-escaped; plotly's JavaScript is embedded once.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._io import atomic_open
from .._pages import PALETTE, figure_html, render_page

__all__ = ["build_report", "write_report", "build_class_index", "language_warning_texts"]

_MAX_MAP_POINTS = 5000
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

    esc = html.escape  # for labels inside plotly figures only (plotly renders HTML in them); the template escapes the rest
    themes: pd.DataFrame = model.themes_
    sections: list[dict[str, Any]] = []

    def section(heading: str, fig: Any, note: str | None = None) -> None:
        fig.update_layout(colorway=list(PALETTE))
        sections.append({"title": heading, "figure": figure_html(fig), "note": note})

    n = len(model.labels_)
    info = {"answers": n, "themes": model.n_themes_, "outliers": f"{model.outlier_share_:.1%}", "seed": model.seed_,
            "clustering": getattr(model, "cluster_method_", "hdbscan")}
    info.update(summary or {})

    # Theme sizes
    sized = themes[themes.theme_id >= 0].sort_values("size")
    fig = go.Figure(go.Bar(x=sized["size"], y=[esc(f"{t}: {lab}") for t, lab in zip(sized.theme_id, sized.label)],
                           orientation="h", marker_color=PALETTE[0]))
    fig.update_layout(height=max(300, 22 * len(sized) + 80), margin=dict(l=10, r=10, t=30, b=30), title="Answers per theme")
    section("Theme sizes", fig)

    # 2-D map
    xy = _map_coords(model, model.seed_)
    rng = np.random.default_rng(model.seed_)
    idx = np.arange(n) if n <= _MAX_MAP_POINTS else np.sort(rng.choice(n, _MAX_MAP_POINTS, replace=False))
    lab_names = {int(k): esc(f"{k}: {model.theme_label(int(k))}") for k in np.unique(model.labels_)}
    df = pd.DataFrame({"x": xy[idx, 0], "y": xy[idx, 1], "theme": [lab_names[int(k)] for k in model.labels_[idx]],
                       "answer": [esc(model._docs[i][:160]) for i in idx]})
    fig = px.scatter(df, x="x", y="y", color="theme", hover_data={"answer": True, "x": False, "y": False},
                     render_mode="webgl", color_discrete_sequence=list(PALETTE))
    fig.update_traces(marker=dict(size=4, opacity=0.7))
    fig.update_layout(height=600, margin=dict(l=10, r=10, t=30, b=10), title="Answers (PCA of embeddings)", legend_title_text="")
    section("Map of answers", fig, note=f"{len(idx)} of {n} answers shown.")

    # Per class
    if model.classes_ is not None:
        pc = model.themes_per_class()
        pc["theme"] = [esc(f"{t}: {lab}") for t, lab in zip(pc.theme_id, pc.label)]
        pc["class"] = [esc(str(c)) for c in pc["class"]]
        fig = px.bar(pc, x="share", y="class", color="theme", orientation="h", hover_data=["count"],
                     color_discrete_sequence=list(PALETTE))
        fig.update_layout(height=max(300, 60 * pc["class"].nunique() + 120), barmode="stack", title="Share of answers per theme, by class",
                          margin=dict(l=10, r=10, t=30, b=30))
        section("Themes per class", fig)
    if model.timestamps_ is not None:
        ot = model.themes_over_time()
        ot["theme"] = [esc(f"{t}: {lab}") for t, lab in zip(ot.theme_id, ot.label)]
        fig = px.line(ot, x="time", y="share", color="theme", markers=True, color_discrete_sequence=list(PALETTE))
        fig.update_layout(height=450, title="Share of answers per theme over time", margin=dict(l=10, r=10, t=30, b=30))
        section("Themes over time", fig)

    # Hierarchy
    if model.n_themes_ >= 2:
        import plotly.figure_factory as ff
        from scipy.cluster.hierarchy import linkage

        names = [esc(f"{k}: {model.theme_label(k)}"[:60]) for k in model.theme_ids_]
        fig = ff.create_dendrogram(model.theme_embeddings_.astype(float), orientation="left", labels=names,
                                   linkagefun=lambda x: linkage(x, method="average", metric="cosine"))
        fig.update_layout(height=max(300, 22 * len(names) + 80), margin=dict(l=10, r=10, t=30, b=30), title="Theme hierarchy (centroid cosine, average linkage)")
        section("Hierarchy", fig)

    # Table
    rows = _table_rows(themes)
    return render_page("themes_report.html.j2", title=title, info=[(str(k), str(v)) for k, v in info.items()],
                       sections=sections, themes=rows, warnings=language_warning_texts(model), show_class=False,
                       show_languages=getattr(model, "languages_", None) is not None)


def _table_rows(themes: pd.DataFrame, cls: str | None = None) -> list[dict[str, Any]]:
    return [{"cls": cls, "theme_id": r.theme_id, "label": r.label, "top_words": r.top_words, "size": r.size,
             "languages": getattr(r, "languages", ""),
             "representatives": [str(x) for x in (getattr(r, f"representative_{i}") for i in (1, 2, 3)) if x]}
            for r in themes.itertuples(index=False)]


def language_warning_texts(model, prefix: str = "") -> list[str]:
    """One sentence per theme that is mostly one non-English language (see ``ThemeModel.language_warnings``)."""
    return [f"{prefix}theme {w['theme_id']} is {w['share']:.0%} '{w['language']}' answers: with an English-only "
            "embedding model this is likely a language group, not a theme (use a multilingual --model or --per-language)."
            for w in model.language_warnings()]


def build_class_index(models: dict[str, Any], *, title: str = "Themes per class", summary: dict[str, Any] | None = None,
                      reports: dict[str, str] | None = None) -> str:
    """One page over per-class models: a row per class (answers, themes, outliers, method) and every theme."""
    info: dict[str, Any] = {"classes": len(models), "answers": sum(len(m.labels_) for m in models.values())}
    info.update(summary or {})
    for c, m in models.items():
        info[f"class {c}"] = (f"{len(m.labels_)} answers, {m.n_themes_} themes, {m.outlier_share_:.1%} outliers, "
                              f"{getattr(m, 'cluster_method_', 'hdbscan')}"
                              + (f", report {reports[c]}" if reports and c in reports else ""))
    rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    offset = 0
    for c, m in models.items():
        for r in _table_rows(m.themes_, cls=c):  # ids unique over the set, as in themes.csv
            r["theme_id"] = r["theme_id"] + offset if r["theme_id"] >= 0 else -1
            rows.append(r)
        offset += m.n_themes_
        warnings += language_warning_texts(m, prefix=f"class {c}: ")
    return render_page("themes_report.html.j2", title=title, plotly=False, info=[(str(k), str(v)) for k, v in info.items()],
                       sections=[], themes=rows, warnings=warnings, show_class=True,
                       show_languages=any(getattr(m, "languages_", None) is not None for m in models.values()))


def write_report(model, path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Build the report and write it atomically to ``path``."""
    text = build_report(model, **kwargs)
    with atomic_open(path) as fh:
        fh.write(text)
    return Path(path)
