"""Appendix-ready Markdown and a flat CSV of a codebook."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .._io import atomic_open, write_table
from ._model import Codebook

__all__ = ["codebook_markdown", "codebook_table", "export_markdown", "export_csv"]

_LIST_FIELDS = ("inclusion", "exclusion", "examples", "near_misses", "seed_words")


def _md(text: str) -> str:
    """Escape the characters that would change Markdown structure inside a line."""
    out = str(text).replace("\\", "\\\\")
    for ch in ("|", "*", "_", "`", "<", ">", "[", "]"):
        out = out.replace(ch, "\\" + ch)
    return " ".join(out.split())


def codebook_markdown(cb: Codebook, *, include_retired: bool = False, include_history: bool = True) -> str:
    """The codebook as Markdown: an overview table, then one section per code.

    Written for a report appendix: codes grouped under their factor category,
    each with definition, inclusion and exclusion rules, examples,
    near-misses, source and (optionally) the revision history.
    """
    codes = [c for c in cb.codes if include_retired or c.status != "retired"]
    lines = [f"# Codebook: {_md(cb.name)} (version {_md(cb.version)})", ""]
    if cb.description:
        lines += [_md(cb.description), ""]
    lines += ["| Category | Code id | Label | Status |", "|---|---|---|---|"]
    for cat in cb.categories:
        for c in codes:
            if c.category == cat.id:
                lines.append(f"| {_md(cat.label)} | `{c.id}` | {_md(c.label)} | {c.status} |")
    lines.append("")
    for cat in cb.categories:
        lines += [f"## {_md(cat.label)}", ""]
        if cat.description:
            lines += [_md(cat.description), ""]
        for c in codes:
            if c.category != cat.id:
                continue
            parent = f" (sub-code of `{c.parent}`)" if c.parent else ""
            lines += [f"### {_md(c.label)} — `{c.id}`{parent}", ""]
            lines += [f"**Definition.** {_md(c.definition)}", ""]
            for field, title in (
                ("inclusion", "Include when"),
                ("exclusion", "Exclude when"),
                ("examples", "Examples (de-identified)"),
                ("near_misses", "Near-misses"),
            ):
                items = getattr(c, field)
                if items:
                    lines.append(f"**{title}:**")
                    lines.append("")
                    lines += [f"- {_md(x)}" for x in items]
                    lines.append("")
            if c.seed_words:
                lines += [f"**Seed words:** {_md(', '.join(c.seed_words))}", ""]
            lines += [f"**Status:** {c.status}", ""]
            if c.source:
                lines += [f"**Source:** {_md(c.source)}", ""]
            if include_history and c.history:
                lines += ["| Date | Change | Reason | Agreement |", "|---|---|---|---|"]
                for h in c.history:
                    agr = "" if h.agreement is None else f"{h.agreement:.3f}"
                    lines.append(f"| {h.date.isoformat()} | {_md(h.change)} | {_md(h.reason)} | {agr} |")
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def codebook_table(cb: Codebook) -> pd.DataFrame:
    """One row per code; list fields joined with newlines (one rule per line)."""
    cat_label = {c.id: c.label for c in cb.categories}
    rows = []
    for c in cb.codes:
        row = {
            "code": c.id,
            "label": c.label,
            "category": c.category,
            "category_label": cat_label[c.category],
            "parent": c.parent or "",
            "status": c.status,
            "definition": c.definition,
        }
        for f in _LIST_FIELDS:
            row[f] = "\n".join(getattr(c, f))
        row["source"] = c.source
        last = c.history[-1] if c.history else None
        row["last_change"] = "" if last is None else f"{last.date.isoformat()}: {last.change}"
        row["last_agreement"] = "" if last is None or last.agreement is None else round(last.agreement, 4)
        rows.append(row)
    return pd.DataFrame(rows)


def export_markdown(cb: Codebook, path: str | os.PathLike[str], **kwargs) -> Path:
    """Write :func:`codebook_markdown` atomically."""
    with atomic_open(path) as fh:
        fh.write(codebook_markdown(cb, **kwargs))
    return Path(path)


def export_csv(cb: Codebook, path: str | os.PathLike[str]) -> Path:
    """Write :func:`codebook_table` as CSV atomically."""
    return write_table(codebook_table(cb), path, for_people=True)
