"""From a themes run to candidate codes, and edits recorded in the history.

A themes run (``twoknow themes``) writes ``themes.csv`` with ``theme_id,
label, top_words, size, representative_1..3``. Each theme becomes a
*candidate* code: its top words are its seed words, its representative
(de-identified) answers its examples, and a factor category is suggested by
embedding similarity to the categories. A category's prototype is the mean
embedding of its description and of its codes' definitions and examples, so
a researcher's own wording of the categories steers the suggestion.

Merging, splitting, renaming and status changes return a new codebook and
append a dated :class:`HistoryEntry` to every code they touch.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._io import restore_formulas
from ..errors import CodebookError
from ._model import Code, Codebook, HistoryEntry

__all__ = [
    "CategorySuggestion",
    "read_themes",
    "suggest_categories",
    "codes_from_themes",
    "rename_code",
    "merge_codes",
    "split_code",
    "set_status",
]

_THEME_COLUMNS = ("theme_id", "label", "top_words", "size")


@dataclass(frozen=True)
class CategorySuggestion:
    """The suggested category for one text, with the runner-up and the nearest code."""

    category: str
    score: float
    runner_up: str | None
    runner_up_score: float | None
    nearest_code: str | None
    nearest_code_score: float | None


def read_themes(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read ``themes.csv`` from a themes run directory (or the file itself)."""
    p = Path(path)
    if p.is_dir():
        p = p / "themes.csv"
    if not p.is_file():
        raise CodebookError("E710", f"No themes.csv at {p} (run `twoknow themes` first).")
    df = restore_formulas(pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8"))
    missing = [c for c in _THEME_COLUMNS if c not in df.columns]
    if missing:
        raise CodebookError("E711", f"{p.name} lacks column(s) {', '.join(missing)}; has {', '.join(df.columns)}.")
    return df


def _split_words(value: str) -> list[str]:
    words = [w.strip() for w in re.split(r"[;,|]", value or "") if w.strip()]
    seen: list[str] = []
    for w in words:
        if w.lower() not in (s.lower() for s in seen):
            seen.append(w)
    return seen


def _normalise(m: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(m, axis=-1, keepdims=True)
    return m / np.where(n == 0, 1, n)


def _prototypes(cb: Codebook, embedder: Any) -> tuple[list[str], np.ndarray, list[str], np.ndarray, list[str]]:
    """Vectors of the category descriptions and of each (non-retired) code.

    A code's vector is the mean of its label+definition and its examples.
    Returns ``(cat_ids, cat_vecs, code_ids, code_vecs, code_categories)``.
    """
    texts: list[str] = [f"{cat.label}. {cat.description}".strip() for cat in cb.categories]
    owners: list[str | None] = [None] * len(texts)
    for code in cb.codes:
        if code.status == "retired":
            continue
        for t in [f"{code.label}. {code.definition}", *code.examples]:
            texts.append(t)
            owners.append(code.id)
    vecs = np.asarray(embedder.encode(texts), dtype=np.float32)
    cat_ids = [c.id for c in cb.categories]
    cat_vecs = _normalise(vecs[: len(cat_ids)])
    code_ids = list(dict.fromkeys(o for o in owners if o is not None))
    code_vecs = (
        _normalise(np.stack([vecs[[i for i, o in enumerate(owners) if o == c]].mean(0) for c in code_ids]))
        if code_ids
        else np.zeros((0, vecs.shape[1]), dtype=np.float32)
    )
    cat_of = cb.category_of()
    return cat_ids, cat_vecs, code_ids, code_vecs, [cat_of[c] for c in code_ids]


def suggest_categories(
    texts: Sequence[Sequence[str]] | Sequence[str], cb: Codebook, embedder: Any = None
) -> list[CategorySuggestion]:
    """Suggest a factor category for each item by cosine similarity.

    Each item is a string or a list of strings (e.g. a theme's top words and
    representative answers); a list is embedded string by string and averaged.
    ``embedder`` defaults to the packaged model (``twoknow_text.embedding.Embedder``).
    """
    if embedder is None:
        from ..embedding import Embedder

        embedder = Embedder()
    items = [[t] if isinstance(t, str) else [x for x in t if x and x.strip()] for t in texts]
    if any(not it for it in items):
        raise CodebookError("E712", "Every item needs at least one non-empty text to suggest a category.")
    cat_ids, cat_vecs, code_ids, code_vecs, code_cats = _prototypes(cb, embedder)
    member = np.array([[cc == c for cc in code_cats] for c in cat_ids], dtype=bool).reshape(len(cat_ids), len(code_ids))
    flat = [x for it in items for x in it]
    flat_vecs = np.asarray(embedder.encode(flat), dtype=np.float32)
    out: list[CategorySuggestion] = []
    pos = 0
    for it in items:
        v = _normalise(flat_vecs[pos : pos + len(it)].mean(0))
        pos += len(it)
        # a category scores its best match among its description and its codes:
        # on a hand-made check set this beat a mean prototype per category (20/20 vs 14/20)
        cs = cat_vecs @ v
        nearest, nscore = None, None
        if len(code_ids):
            ks = code_vecs @ v
            k = int(np.argmax(ks))
            nearest, nscore = code_ids[k], float(ks[k])
            cs = np.maximum(cs, np.where(member, ks[None, :], -np.inf).max(axis=1))
        order = np.argsort(-cs)
        out.append(
            CategorySuggestion(
                category=cat_ids[order[0]],
                score=float(cs[order[0]]),
                runner_up=cat_ids[order[1]] if len(order) > 1 else None,
                runner_up_score=float(cs[order[1]]) if len(order) > 1 else None,
                nearest_code=nearest,
                nearest_code_score=nscore,
            )
        )
    return out


def _today(date: _dt.date | None) -> _dt.date:
    return date or _dt.datetime.now(_dt.timezone.utc).date()


def codes_from_themes(
    themes: str | os.PathLike[str] | pd.DataFrame,
    cb: Codebook,
    embedder: Any = None,
    *,
    min_size: int = 1,
    include_outliers: bool = False,
    prefix: str = "cand",
    date: _dt.date | None = None,
) -> tuple[Codebook, pd.DataFrame]:
    """Add one *candidate* code per theme to a copy of ``cb``.

    Returns ``(codebook, table)`` where ``table`` has one row per theme:
    ``theme_id, code, label, size, action, suggested_category, score,
    runner_up, runner_up_score, nearest_code, nearest_code_score``.
    BERTopic's outlier theme ``-1`` is skipped unless ``include_outliers``.
    A theme whose ``code_id`` column (zero-shot themes) names a code already
    in the codebook adds nothing (action ``matches <code>``). Re-running on the
    same themes does not duplicate codes (action ``exists``).
    """
    df = read_themes(themes) if not isinstance(themes, pd.DataFrame) else themes.copy()
    source_name = Path(themes).name if not isinstance(themes, pd.DataFrame) else "themes table"
    df = df[[int(float(s or 0)) >= min_size for s in df["size"]]]
    if not include_outliers:
        df = df[df["theme_id"].astype(str).str.strip() != "-1"]
    reps = [c for c in df.columns if c.startswith("representative_")]
    rows = df.to_dict(orient="records")
    if not rows:
        return cb.model_copy(deep=True), pd.DataFrame(
            columns=["theme_id", "code", "label", "size", "action", "suggested_category", "score", "runner_up",
                     "runner_up_score", "nearest_code", "nearest_code_score"]
        )
    items = []
    for r in rows:
        words = _split_words(r["top_words"])
        items.append([", ".join(words) or str(r["label"]), *[str(r[c]) for c in reps if str(r[c]).strip()]])
    suggestions = suggest_categories(items, cb, embedder)
    new = cb.model_copy(deep=True)
    existing = set(new.ids) | set(new.category_ids)
    table = []
    for r, s in zip(rows, suggestions, strict=True):
        tid = str(r["theme_id"]).strip()
        words = _split_words(r["top_words"])
        # top words are often overlapping n-grams ("feel anxious; anxious"): slug from distinct tokens
        tokens = list(dict.fromkeys(t for w in words for t in re.split(r"[^a-z0-9]+", w.lower()) if t))
        slug = "_".join(tokens[:3])
        safe_tid = tid.replace("-", "m")
        cid = f"{prefix}_t{safe_tid}" + (f"_{slug}" if slug else "")
        cid = re.sub(r"_+", "_", cid)[:64].rstrip("_")
        if not re.match(r"^[a-z]", cid):
            cid = "c" + cid
        label = f"Theme {tid}: " + (", ".join(words[:4]) if words else str(r["label"]))
        matched = str(r.get("code_id") or "").strip()
        if matched and matched in new:
            action, cid = f"matches {matched}", matched
        elif cid in existing:
            action = "exists"
        else:
            action = "candidate added"
        if action == "candidate added":
            reason = f"suggested category {s.category} (cosine {s.score:.2f}"
            if s.runner_up:
                reason += f"; next {s.runner_up} {s.runner_up_score:.2f}"
            reason += ")"
            if s.nearest_code:
                reason += f"; nearest code {s.nearest_code} ({s.nearest_code_score:.2f})"
            new.codes.append(
                Code(
                    id=cid,
                    label=label,
                    definition=(
                        f"Candidate from theme {tid} ({r['size']} answers). Write a definition before use; "
                        f"top words: {', '.join(words[:10])}."
                    ),
                    category=s.category,
                    examples=[str(r[c]) for c in reps if str(r[c]).strip()],
                    seed_words=words[:10],
                    status="candidate",
                    source=f"themes run '{source_name}', theme {tid}",
                    history=[HistoryEntry(date=_today(date), change=f"created from theme {tid}", reason=reason)],
                )
            )
            existing.add(cid)
        table.append(
            {
                "theme_id": tid,
                "code": cid,
                "label": label,
                "size": int(float(r["size"] or 0)),
                "action": action,
                "suggested_category": s.category,
                "score": round(s.score, 4),
                "runner_up": s.runner_up,
                "runner_up_score": None if s.runner_up_score is None else round(s.runner_up_score, 4),
                "nearest_code": s.nearest_code,
                "nearest_code_score": None if s.nearest_code_score is None else round(s.nearest_code_score, 4),
            }
        )
    # re-validate the whole book once (ids, categories, parents)
    return Codebook.model_validate(new.model_dump()), pd.DataFrame(table)


# ---------------------------------------------------------------- edits
def _edit(cb: Codebook) -> tuple[Codebook, dict[str, Code]]:
    new = cb.model_copy(deep=True)
    return new, {c.id: c for c in new.codes}


def rename_code(
    cb: Codebook,
    code_id: str,
    *,
    label: str | None = None,
    new_id: str | None = None,
    reason: str = "",
    date: _dt.date | None = None,
) -> Codebook:
    """Change a code's label and/or id; children follow an id change.

    Ids are meant to be stable, so change one only before coding starts
    (existing codings keep the old id).
    """
    cb.get(code_id)
    if label is None and new_id is None:
        raise CodebookError("E713", f"rename of '{code_id}' needs a new label or a new id.")
    new, by_id = _edit(cb)
    code = by_id[code_id]
    parts = []
    if label is not None and label != code.label:
        parts.append(f"label '{code.label}' -> '{label}'")
        code.label = label
    if new_id is not None and new_id != code_id:
        if new_id in by_id or new_id in cb.category_ids:
            raise CodebookError("E713", f"Cannot rename '{code_id}' to '{new_id}': that id is taken.")
        parts.append(f"id '{code_id}' -> '{new_id}'")
        for c in new.codes:
            if c.parent == code_id:
                c.parent = new_id
        code.id = new_id
    code.history.append(HistoryEntry(date=_today(date), change="renamed: " + "; ".join(parts or ["no change"]), reason=reason))
    return Codebook.model_validate(new.model_dump())


def merge_codes(
    cb: Codebook,
    sources: Sequence[str],
    into: str,
    *,
    reason: str = "",
    date: _dt.date | None = None,
) -> Codebook:
    """Merge ``sources`` into ``into``: the target gains their seed words and
    examples, their children move to it, and the sources are retired."""
    for c in [*sources, into]:
        cb.get(c)
    if into in sources:
        raise CodebookError("E714", f"Cannot merge '{into}' into itself.")
    new, by_id = _edit(cb)
    target = by_id[into]
    for sid in sources:
        src = by_id[sid]
        if src.category != target.category:
            raise CodebookError(
                "E714", f"Cannot merge '{sid}' ({src.category}) into '{into}' ({target.category}): categories differ."
            )
        for w in src.seed_words:
            if w not in target.seed_words:
                target.seed_words.append(w)
        for e in src.examples:
            if e not in target.examples:
                target.examples.append(e)
        for c in new.codes:
            if c.parent == sid:
                c.parent = into
        if target.parent == sid:
            target.parent = src.parent
        src.status = "retired"
        src.history.append(HistoryEntry(date=_today(date), change=f"merged into {into}", reason=reason))
    target.history.append(HistoryEntry(date=_today(date), change=f"merged from {', '.join(sources)}", reason=reason))
    return Codebook.model_validate(new.model_dump())


def split_code(
    cb: Codebook,
    code_id: str,
    parts: Sequence[Code | dict[str, Any]],
    *,
    reason: str = "",
    retire: bool = True,
    date: _dt.date | None = None,
) -> Codebook:
    """Split a code into new codes (same category unless given); the original
    is retired (or kept as their parent when ``retire=False``)."""
    cb.get(code_id)
    if len(parts) < 2:
        raise CodebookError("E715", f"Splitting '{code_id}' needs at least two new codes.")
    new, by_id = _edit(cb)
    old = by_id[code_id]
    made = []
    for p in parts:
        d = p.model_dump() if isinstance(p, Code) else dict(p)
        d.setdefault("category", old.category)
        d.setdefault("definition", old.definition)
        d.setdefault("status", old.status if old.status != "retired" else "candidate")
        if not retire:
            d.setdefault("parent", code_id)
        else:
            d.setdefault("parent", old.parent)
        d.setdefault("history", [])
        d["history"] = [*d["history"], HistoryEntry(date=_today(date), change=f"split from {code_id}", reason=reason)]
        made.append(Code.model_validate(d))
    if retire:
        old.status = "retired"
        for c in new.codes:
            if c.parent == code_id:
                c.parent = made[0].id
    old.history.append(
        HistoryEntry(date=_today(date), change=f"split into {', '.join(m.id for m in made)}", reason=reason)
    )
    idx = new.codes.index(old)
    new.codes[idx + 1 : idx + 1] = made
    return Codebook.model_validate(new.model_dump())


def set_status(
    cb: Codebook, code_id: str, status: str, *, reason: str = "", agreement: float | None = None, date: _dt.date | None = None
) -> Codebook:
    """Change a code's status (candidate, active, retired), with a history entry."""
    cb.get(code_id)
    new, by_id = _edit(cb)
    code = by_id[code_id]
    old = code.status
    try:
        code.status = status  # type: ignore[assignment]
    except Exception:
        raise CodebookError("E716", f"Unknown status '{status}' (use candidate, active or retired).") from None
    code.history.append(HistoryEntry(date=_today(date), change=f"status {old} -> {status}", reason=reason, agreement=agreement))
    return Codebook.model_validate(new.model_dump())
