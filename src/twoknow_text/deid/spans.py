"""The span record shared by detection and replacement (no NLP imports here)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["DetectedSpan"]


@dataclass(frozen=True, slots=True)
class DetectedSpan:
    """One identifier found in an answer: ``text[start:end]`` is the value.

    ``recognizer`` names what found it (``"twoknow.onion_address.v1"``,
    ``"spacy_ner"``, ...). A span never stores the value itself, so lists of
    spans can be logged or reported without leaking text.
    """

    entity_type: str
    start: int
    end: int
    score: float = 1.0
    recognizer: str = ""

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: DetectedSpan) -> bool:
        return self.start < other.end and other.start < self.end

    def to_dict(self) -> dict:
        return asdict(self)
