"""Typed records that pass between pipeline stages.

A :class:`Response` is one answer to one question. A :class:`Corpus` is an
ordered collection of responses with its provenance; it converts to and from a
pandas DataFrame without losing a field, so notebooks can use pandas freely.
The ``response_id`` is stable from the input file to every output.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from .errors import InputError

__all__ = ["Response", "Corpus", "CORE_COLUMNS"]

#: DataFrame columns that hold a Response's own fields; every other column is metadata.
CORE_COLUMNS = ("response_id", "respondent_id", "question_id", "language", "text")


class Response(BaseModel):
    """One free-text answer.

    ``response_id`` identifies the answer (unique in a corpus);
    ``respondent_id`` the person (several answers in wide surveys);
    ``question_id`` the question; ``language`` an ISO 639-1 code or None.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    response_id: str
    respondent_id: str | None = None
    question_id: str | None = None
    language: str | None = None
    text: str
    metadata: dict[str, Any] = Field(default_factory=dict)


class Corpus(Sequence[Response]):
    """An ordered, id-unique collection of :class:`Response` records.

    ``deidentified`` is True only when this library's de-identification
    produced the texts; later stages (Label Studio push) check it.

    >>> c = Corpus([Response(response_id="r1", text="I felt lonely.")])
    >>> Corpus.from_frame(c.to_frame()) == c
    True
    """

    def __init__(self, responses: Iterable[Response] = (), *, deidentified: bool = False) -> None:
        self._items: list[Response] = list(responses)
        self.deidentified = deidentified
        seen: set[str] = set()
        for r in self._items:
            if r.response_id in seen:
                raise InputError("E020", f"Duplicate response_id '{r.response_id}' in corpus.")
            seen.add(r.response_id)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return Corpus(self._items[i], deidentified=self.deidentified)
        return self._items[i]

    def __iter__(self) -> Iterator[Response]:
        return iter(self._items)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Corpus)
            and self._items == other._items
            and self.deidentified == other.deidentified
        )

    def __repr__(self) -> str:
        return f"Corpus(n={len(self)}, deidentified={self.deidentified})"

    @property
    def texts(self) -> list[str]:
        return [r.text for r in self._items]

    @property
    def ids(self) -> list[str]:
        return [r.response_id for r in self._items]

    def with_texts(self, texts: Sequence[str], *, deidentified: bool | None = None) -> Corpus:
        """Return a copy with new texts in the same order (e.g. after de-identification)."""
        if len(texts) != len(self._items):
            raise ValueError("texts must have one entry per response")
        items = [r.model_copy(update={"text": t}) for r, t in zip(self._items, texts, strict=True)]
        return Corpus(items, deidentified=self.deidentified if deidentified is None else deidentified)

    def with_languages(self, languages: Sequence[str | None]) -> Corpus:
        items = [r.model_copy(update={"language": lang}) for r, lang in zip(self._items, languages, strict=True)]
        return Corpus(items, deidentified=self.deidentified)

    def to_frame(self) -> pd.DataFrame:
        """One row per response: the core columns, then one column per metadata key."""
        rows = []
        for r in self._items:
            row = {c: getattr(r, c) for c in CORE_COLUMNS}
            for k, v in r.metadata.items():
                if k in CORE_COLUMNS:
                    raise InputError("E021", f"Metadata key '{k}' clashes with a core column name.")
                row[k] = v
            rows.append(row)
        # object dtype keeps ints as ints when other rows lack that metadata key
        df = pd.DataFrame(rows, columns=list(CORE_COLUMNS), dtype=object) if not rows else pd.DataFrame(rows, dtype=object)
        for c in CORE_COLUMNS:
            if c not in df.columns:
                df[c] = None
        df = df[list(CORE_COLUMNS) + [c for c in df.columns if c not in CORE_COLUMNS]]
        df.attrs["deidentified"] = self.deidentified
        return df

    @classmethod
    def from_frame(cls, df: pd.DataFrame, *, deidentified: bool | None = None) -> Corpus:
        """Inverse of :meth:`to_frame`; missing optional core columns become None.

        Metadata cells that are missing (NaN/None) in a row are dropped from
        that response's metadata, so a round trip keeps sparse metadata sparse.
        """
        for c in ("response_id", "text"):
            if c not in df.columns:
                raise InputError("E022", f"DataFrame has no '{c}' column.")
        meta_cols = [c for c in df.columns if c not in CORE_COLUMNS]
        items = []
        for rec in df.to_dict(orient="records"):
            meta = {k: rec[k] for k in meta_cols if not _is_missing(rec[k])}
            items.append(
                Response(
                    response_id=str(rec["response_id"]),
                    respondent_id=None if _is_missing(rec.get("respondent_id")) else str(rec["respondent_id"]),
                    question_id=None if _is_missing(rec.get("question_id")) else str(rec["question_id"]),
                    language=None if _is_missing(rec.get("language")) else str(rec["language"]),
                    text="" if _is_missing(rec["text"]) else str(rec["text"]),
                    metadata=meta,
                )
            )
        flag = df.attrs.get("deidentified", False) if deidentified is None else deidentified
        return cls(items, deidentified=bool(flag))


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False
