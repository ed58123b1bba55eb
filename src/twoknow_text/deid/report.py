"""What a de-identification run found, and what a person should still check.

The report holds types, counts, response ids and offsets *in the
de-identified text* only: never a raw value, so it can be shared with the
research team like the de-identified file itself.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .._io import write_json
from .allowlist import AllowList
from .risk import DEFAULT_REVIEW_THRESHOLD, REASON_WEIGHTS, RiskScorer
from .spans import DetectedSpan

__all__ = ["ResidualFlag", "AnswerFlags", "DeidReport", "find_residual_risks", "RESIDUAL_KINDS"]


class ResidualFlag(BaseModel):
    """Something left in a de-identified answer that may still identify: ``kind`` at [start, end)."""

    model_config = ConfigDict(frozen=True)
    kind: str
    start: int
    end: int
    weight: float = 0.0


class AnswerFlags(BaseModel):
    """Per-answer summary: entity types replaced (with counts), residual-risk score and its reasons."""

    response_id: str
    language: str | None = None
    entity_types: dict[str, int] = Field(default_factory=dict)
    risk_score: float = 0.0
    residual: list[ResidualFlag] = Field(default_factory=list)


class DeidReport(BaseModel):
    """Counts per entity type, per-answer flags and the residual-risk review list."""

    n_answers: int = 0
    n_answers_with_identifiers: int = 0
    n_spans: int = 0
    counts_by_type: dict[str, int] = Field(default_factory=dict)
    answers_by_type: dict[str, int] = Field(default_factory=dict)
    languages: dict[str, int] = Field(default_factory=dict)
    residual_counts: dict[str, int] = Field(default_factory=dict, description="answers per reason kind")
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD
    review: list[str] = Field(
        default_factory=list, description="response_ids whose risk score is at or above review_threshold"
    )
    reviewed: list[str] = Field(default_factory=list, description="response_ids a reviewer has cleared since")
    answers: list[AnswerFlags] = Field(default_factory=list, description="answers with identifiers or flags")
    mode: str = "pseudonym"
    pseudonym_style: str = "hash"
    key_source: str = "ephemeral"
    pseudonym_collisions: int = 0

    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        spans: Sequence[Sequence[DetectedSpan]],
        deidentified: Sequence[str],
        languages: Sequence[str | None],
        *,
        allow_list: AllowList | None = None,
        review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
        **fields,
    ) -> DeidReport:
        scorer = RiskScorer(allow_list)
        counts: Counter[str] = Counter()
        answers_by: Counter[str] = Counter()
        residual_counts: Counter[str] = Counter()
        flags: list[AnswerFlags] = []
        review: list[str] = []
        n_with = 0
        # repeated answers ("Nothing.") are scored once; the flags are immutable
        residual_of: dict[tuple[str, str | None], tuple[float, list[ResidualFlag]]] = {}
        for rid, sp, text, lang in zip(ids, spans, deidentified, languages, strict=True):
            types = Counter(s.entity_type for s in sp)
            counts.update(types)
            answers_by.update(types.keys())
            n_with += bool(types)
            hit = residual_of.get((text, lang))
            if hit is None:
                a = scorer.assess(text, lang)
                flags_ = [ResidualFlag(kind=r.kind, start=r.start, end=r.end, weight=r.weight) for r in a.reasons]
                hit = residual_of[(text, lang)] = (a.score, flags_)
            score, residual = hit
            residual_counts.update({r.kind for r in residual})
            if residual and score >= review_threshold:
                review.append(rid)
            if types or residual:
                flags.append(AnswerFlags(response_id=rid, language=lang, entity_types=dict(types), risk_score=score,
                                         residual=residual))
        return cls(
            n_answers=len(ids),
            n_answers_with_identifiers=n_with,
            n_spans=sum(counts.values()),
            counts_by_type=dict(sorted(counts.items())),
            answers_by_type=dict(sorted(answers_by.items())),
            languages=dict(Counter(lang or "und" for lang in languages).most_common()),
            residual_counts=dict(sorted(residual_counts.items())),
            review_threshold=review_threshold,
            review=review,
            answers=flags,
            **fields,
        )

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the report as JSON, atomically."""
        return write_json(self.model_dump(mode="json"), path)

    def needs_review(self) -> list[str]:
        """Flagged answers no reviewer has cleared yet."""
        done = set(self.reviewed)
        return [rid for rid in self.review if rid not in done]

    def summary(self) -> list[tuple[str, int, int]]:
        """Rows ``(entity_type, spans, answers)`` for a printed table."""
        return [(t, n, self.answers_by_type.get(t, 0)) for t, n in self.counts_by_type.items()]


# --- residual risk -----------------------------------------------------------

#: Every kind of residual-risk reason (see :mod:`twoknow_text.deid.risk`).
RESIDUAL_KINDS = tuple(REASON_WEIGHTS)


def find_residual_risks(text: str, allow_list: AllowList | None = None, *, language: str | None = None) -> list[ResidualFlag]:
    """The reasons :class:`~twoknow_text.deid.risk.RiskScorer` finds in a de-identified answer.

    Placeholders are never flagged; offsets are those of ``text``. For the
    score itself use :meth:`RiskScorer.assess`.
    """
    a = RiskScorer(allow_list).assess(text, language)
    return [ResidualFlag(kind=r.kind, start=r.start, end=r.end, weight=r.weight) for r in a.reasons]
