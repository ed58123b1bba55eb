"""What a de-identification run found, and what a person should still check.

The report holds types, counts, response ids and offsets *in the
de-identified text* only: never a raw value, so it can be shared with the
research team like the de-identified file itself.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from .._io import write_json
from .allowlist import AllowList
from .pseudonyms import PLACEHOLDER_RE
from .spans import DetectedSpan

__all__ = ["ResidualFlag", "AnswerFlags", "DeidReport", "find_residual_risks", "RESIDUAL_KINDS"]


class ResidualFlag(BaseModel):
    """Something left in a de-identified answer that may still identify: ``kind`` at [start, end)."""

    model_config = ConfigDict(frozen=True)
    kind: str
    start: int
    end: int


class AnswerFlags(BaseModel):
    """Per-answer summary: entity types replaced (with counts) and residual-risk flags."""

    response_id: str
    language: str | None = None
    entity_types: dict[str, int] = Field(default_factory=dict)
    residual: list[ResidualFlag] = Field(default_factory=list)


class DeidReport(BaseModel):
    """Counts per entity type, per-answer flags and the residual-risk review list."""

    n_answers: int = 0
    n_answers_with_identifiers: int = 0
    n_spans: int = 0
    counts_by_type: dict[str, int] = Field(default_factory=dict)
    answers_by_type: dict[str, int] = Field(default_factory=dict)
    languages: dict[str, int] = Field(default_factory=dict)
    residual_counts: dict[str, int] = Field(default_factory=dict)
    review: list[str] = Field(default_factory=list, description="response_ids a person should read")
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
        **fields,
    ) -> DeidReport:
        allow = allow_list or AllowList()
        counts: Counter[str] = Counter()
        answers_by: Counter[str] = Counter()
        residual_counts: Counter[str] = Counter()
        flags: list[AnswerFlags] = []
        review: list[str] = []
        n_with = 0
        # repeated answers ("Nothing.") are checked once; the flags are immutable
        residual_of: dict[tuple[str, str | None], list[ResidualFlag]] = {}
        for rid, sp, text, lang in zip(ids, spans, deidentified, languages, strict=True):
            types = Counter(s.entity_type for s in sp)
            counts.update(types)
            answers_by.update(types.keys())
            n_with += bool(types)
            residual = residual_of.get((text, lang))
            if residual is None:
                residual = residual_of[(text, lang)] = find_residual_risks(text, allow, language=lang)
            residual_counts.update(r.kind for r in residual)
            if residual:
                review.append(rid)
            if types or residual:
                flags.append(AnswerFlags(response_id=rid, language=lang, entity_types=dict(types), residual=residual))
        return cls(
            n_answers=len(ids),
            n_answers_with_identifiers=n_with,
            n_spans=sum(counts.values()),
            counts_by_type=dict(sorted(counts.items())),
            answers_by_type=dict(sorted(answers_by.items())),
            languages=dict(Counter(lang or "und" for lang in languages).most_common()),
            residual_counts=dict(sorted(residual_counts.items())),
            review=review,
            answers=flags,
            **fields,
        )

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the report as JSON, atomically."""
        return write_json(self.model_dump(mode="json"), path)

    def summary(self) -> list[tuple[str, int, int]]:
        """Rows ``(entity_type, spans, answers)`` for a printed table."""
        return [(t, n, self.answers_by_type.get(t, 0)) for t, n in self.counts_by_type.items()]


# --- residual risk -----------------------------------------------------------

_DIGITS = re.compile(r"(?<![\w])\d(?:[ .\-/]?\d){5,}(?!\w)")
_HANDLE = re.compile(r"\b[A-Za-z]\w*_\w*\d+\b|\b\w+\d+_\w+\b")
_AT = re.compile(r"@")
_ONION = re.compile(r"\.onion\b|\bonion\s*(?:link|address|site)s?\b|\b(?=[a-z2-7]*[2-7])[a-z2-7]{16,56}\b", re.I)
_URL = re.compile(r"\bhttps?://|\bwww\.|\b[\w-]+\.(?:com|net|org|io|me|ru|to|onion|gg|cc|xyz)\b", re.I)
_CAP_MID = re.compile(r"(?<=[\w,;)\]] )([A-ZÀ-ÖØ-ÞА-ЯЁ][\w'’\-]*)")
#: Capitalised words that are ordinary mid-sentence in English.
_COMMON_CAPS = frozenset(
    """i i'm i've i'd i'll monday tuesday wednesday thursday friday saturday sunday january february
    march april may june july august september october november december english finnish swedish
    german french spanish european american british christian muslim jewish god bible christmas easter
    internet web ok okay tv pc dm dms csam mr mrs ms dr
    the a an to for there then this that these those it its in on at and but so or if as because when what
    why how who where which with without from by of after before during since until while also just not no
    yes my me our we he she they you your his her their them us all some most many much more one two three
    nothing something everything someone anyone nobody everyone never always sometimes often maybe perhaps
    add message text call mail email contact find verify check reach follow post see look read search
    daily weekly every each being having getting stress depression loneliness boredom curiosity guilt shame
    fear blocking anxiety hypersexuality therapy help""".split()
)
RESIDUAL_KINDS = ("long_digits", "handle_like", "at_sign", "onion_like", "url_like", "capitalised_token")


def find_residual_risks(text: str, allow_list: AllowList | None = None, *, language: str | None = None) -> list[ResidualFlag]:
    """Heuristic flags on a de-identified answer (placeholders are ignored).

    Capitalised-token flags are skipped for German, where nouns are capitalised.
    """
    allow = allow_list or AllowList()
    # Mask placeholders with same-length neutral letters so offsets stay those of `text`.
    masked = PLACEHOLDER_RE.sub(lambda m: "x" * len(m.group(0)), text)
    out: list[ResidualFlag] = []
    for kind, rx in (("long_digits", _DIGITS), ("handle_like", _HANDLE), ("at_sign", _AT),
                     ("onion_like", _ONION), ("url_like", _URL)):
        out.extend(ResidualFlag(kind=kind, start=m.start(), end=m.end()) for m in rx.finditer(masked))
    if language not in {"de", "lb"}:
        for m in _CAP_MID.finditer(masked):
            word = m.group(1)
            low = word.casefold().rstrip("'’s")
            if (
                word.casefold() in _COMMON_CAPS
                or low in _COMMON_CAPS
                or (word.isupper() and len(word) <= 5)
                or allow.is_allowed(word)
                or allow.is_platform_inflection(word)
            ):
                continue
            out.append(ResidualFlag(kind="capitalised_token", start=m.start(1), end=m.end(1)))
    out.sort(key=lambda r: (r.start, r.kind))
    return out
