"""Plotly figures for the report: per-code alpha with CIs, coder × coder agreement heatmap."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .._pages import PALETTE
from ..errors import AgreementError
from ._tables import RELIABLE, TENTATIVE

__all__ = ["plot_code_alpha", "plot_coder_heatmap"]


def plot_code_alpha(per_code: pd.DataFrame, *, coefficient: str = "krippendorff_alpha", title: str | None = None) -> Any:
    """Horizontal dot plot of each code's coefficient with its bootstrap CI.

    Dashed lines mark Krippendorff's 0.667 and 0.800; undefined codes are
    listed at the bottom without a dot.
    """
    import plotly.graph_objects as go

    for col in ("code", coefficient):
        if col not in per_code.columns:
            raise AgreementError("E630", f"The per-code table has no column '{col}'.")
    df = per_code.sort_values(coefficient, na_position="first")
    lo = df.get(f"{coefficient}_low", pd.Series(np.nan, index=df.index))
    hi = df.get(f"{coefficient}_high", pd.Series(np.nan, index=df.index))
    fig = go.Figure(
        go.Scatter(
            x=df[coefficient],
            y=df["code"],
            mode="markers",
            marker={"size": 8, "color": PALETTE[0]},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (hi - df[coefficient]).to_numpy(),
                "arrayminus": (df[coefficient] - lo).to_numpy(),
            },
            name=coefficient,
            hovertemplate="%{y}: %{x:.3f}<extra></extra>",
        )
    )
    for x, label in ((TENTATIVE, "0.667"), (RELIABLE, "0.800")):
        fig.add_vline(x=x, line_dash="dash", line_color="grey", annotation_text=label)
    fig.update_layout(
        title=title or f"{coefficient.replace('_', ' ')} per code (95% bootstrap CI)",
        xaxis_title=coefficient.replace("_", " "),
        yaxis_title="code",
        height=max(300, 22 * len(df) + 120),
        template="plotly_white",
    )
    return fig


def plot_coder_heatmap(pairs: pd.DataFrame, *, coefficient: str = "krippendorff_alpha", title: str | None = None) -> Any:
    """Coder × coder heatmap of a pairwise coefficient (from :func:`pairwise_table`)."""
    import plotly.graph_objects as go

    for col in ("coder_a", "coder_b", coefficient):
        if col not in pairs.columns:
            raise AgreementError("E630", f"The pairwise table has no column '{col}'.")
    coders = sorted(set(pairs["coder_a"]) | set(pairs["coder_b"]))
    idx = {c: i for i, c in enumerate(coders)}
    z = np.full((len(coders), len(coders)), np.nan)
    for r in pairs.itertuples(index=False):
        v = getattr(r, coefficient)
        v = np.nan if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
        z[idx[r.coder_a], idx[r.coder_b]] = z[idx[r.coder_b], idx[r.coder_a]] = v
    np.fill_diagonal(z, 1.0)
    text = [["" if np.isnan(v) else f"{v:.2f}" for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(z=z, x=coders, y=coders, zmin=0, zmax=1, colorscale="Viridis", text=text, texttemplate="%{text}")
    )
    fig.update_layout(
        title=title or f"{coefficient.replace('_', ' ')} between coders",
        template="plotly_white",
        height=max(300, 60 * len(coders) + 120),
    )
    return fig
