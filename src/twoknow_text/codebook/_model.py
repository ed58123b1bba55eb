"""The codebook as typed records: categories, codes and their history.

A :class:`Codebook` holds a configurable set of factor categories (by default
the four of the 2KNOW report: motivations, facilitators, situational factors,
barriers) and the codes under them. Validation happens when the codebook is
built, so a broken file fails when it is loaded, not halfway through a run:
ids are unique, every code's category and parent exist, parents sit in the
same category and the parent links have no cycle. Such problems raise a coded
:class:`~twoknow_text.errors.CodebookError`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..config import StrictModel
from ..errors import CodebookError

__all__ = [
    "Status",
    "HistoryEntry",
    "Category",
    "Code",
    "Codebook",
    "DEFAULT_CATEGORIES",
    "STATUSES",
]

Status = Literal["candidate", "active", "retired"]
STATUSES: tuple[str, ...] = ("candidate", "active", "retired")

_ID_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class HistoryEntry(StrictModel):
    """One dated change to a code: what changed, why, and the agreement then.

    ``agreement`` is the code's Krippendorff alpha (or another coefficient)
    at the time of the change, when one was measured.
    """

    date: _dt.date
    change: str
    reason: str = ""
    agreement: float | None = None


class Category(StrictModel):
    """A factor category. ``description`` is also used to suggest a category
    for a new candidate code by embedding similarity, so it should describe
    the kind of statements that belong to it, in plain words."""

    id: str = Field(pattern=_ID_PATTERN)
    label: str
    description: str = ""


class Code(StrictModel):
    """One code: a stable id plus everything a coder needs to apply it."""

    id: str = Field(pattern=_ID_PATTERN)
    label: str
    definition: str
    category: str
    inclusion: list[str] = Field(default_factory=list)
    exclusion: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    near_misses: list[str] = Field(default_factory=list)
    parent: str | None = None
    seed_words: list[str] = Field(default_factory=list)
    status: Status = "active"
    source: str = ""
    history: list[HistoryEntry] = Field(default_factory=list)


#: The four factor categories of the 2KNOW report, used when a codebook names none.
DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category(
        id="motivations",
        label="Motivations",
        description=(
            "Reasons and drives the respondent gives for searching for or viewing illegal material: "
            "a sexual interest, curiosity, a wish for excitement or novelty, coping with emotions, "
            "a high sex drive, or a gradual escalation from legal adult pornography."
        ),
    ),
    Category(
        id="facilitators",
        label="Facilitators",
        description=(
            "Things that made the behaviour easier or possible: anonymity and privacy tools, "
            "how easy the material was to find or access online, habitual or compulsive pornography use, "
            "alcohol or drug use that lowered inhibitions, and adverse experiences in the respondent's own childhood."
        ),
    ),
    Category(
        id="situational_factors",
        label="Situational factors",
        description=(
            "Circumstances and states around the time of the behaviour: loneliness, boredom, isolation, "
            "stress, low or negative mood, depression, and life events such as a breakup, job loss, "
            "illness or bereavement."
        ),
    ),
    Category(
        id="barriers",
        label="Barriers",
        description=(
            "Things that stop, reduce or could stop the behaviour: fear of getting caught or of the "
            "consequences, guilt and shame, empathy for the children harmed, warning messages and "
            "blocking of content, and seeking or wanting professional help."
        ),
    ),
)


class Codebook(StrictModel):
    """A versioned set of codes under configurable factor categories.

    >>> cb = Codebook(name="demo", version="1", codes=[
    ...     Code(id="sit_lonely", label="Lonely", definition="Feeling alone.", category="situational_factors")])
    >>> cb.get("sit_lonely").category
    'situational_factors'
    >>> [c.id for c in cb.codes_in("situational_factors")]
    ['sit_lonely']
    """

    name: str
    version: str = "1"
    description: str = ""
    categories: list[Category] = Field(default_factory=lambda: [c.model_copy() for c in DEFAULT_CATEGORIES])
    codes: list[Code] = Field(default_factory=list)

    @field_validator("name", "version", mode="before")
    @classmethod
    def _number_as_text(cls, v: object) -> object:
        # YAML reads `version: 1.0` as a float; a version is a label, not a number
        return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v

    @model_validator(mode="after")
    def _check_structure(self) -> Codebook:
        cat_ids: set[str] = set()
        for cat in self.categories:
            if cat.id in cat_ids:
                raise CodebookError("E707", f"Codebook '{self.name}': category id '{cat.id}' appears twice.")
            cat_ids.add(cat.id)
        by_id: dict[str, Code] = {}
        for code in self.codes:
            if code.id in by_id:
                raise CodebookError("E703", f"Codebook '{self.name}': code id '{code.id}' appears twice.")
            if code.id in cat_ids:
                raise CodebookError("E703", f"Codebook '{self.name}': code id '{code.id}' is also a category id.")
            if code.category not in cat_ids:
                raise CodebookError(
                    "E704",
                    f"Codebook '{self.name}': code '{code.id}' has category '{code.category}', "
                    f"which is not one of: {', '.join(sorted(cat_ids))}.",
                )
            by_id[code.id] = code
        for code in self.codes:
            if code.parent is None:
                continue
            if code.parent not in by_id:
                raise CodebookError("E705", f"Codebook '{self.name}': code '{code.id}' has unknown parent '{code.parent}'.")
            if by_id[code.parent].category != code.category:
                raise CodebookError(
                    "E709",
                    f"Codebook '{self.name}': code '{code.id}' ({code.category}) has parent "
                    f"'{code.parent}' in another category ({by_id[code.parent].category}).",
                )
        for code in self.codes:
            seen = [code.id]
            node = code
            while node.parent is not None:
                if node.parent in seen:
                    chain = " -> ".join([*seen, node.parent])
                    raise CodebookError("E706", f"Codebook '{self.name}': parent links form a cycle: {chain}.")
                seen.append(node.parent)
                node = by_id[node.parent]
        return self

    # -- look-ups ---------------------------------------------------------
    @property
    def ids(self) -> list[str]:
        """Code ids in codebook order."""
        return [c.id for c in self.codes]

    @property
    def category_ids(self) -> list[str]:
        return [c.id for c in self.categories]

    def get(self, code_id: str) -> Code:
        """The code with this id; an unknown id is a coded error (E708)."""
        for c in self.codes:
            if c.id == code_id:
                return c
        raise CodebookError("E708", f"Codebook '{self.name}' has no code '{code_id}'.")

    def category(self, category_id: str) -> Category:
        for c in self.categories:
            if c.id == category_id:
                return c
        raise CodebookError("E704", f"Codebook '{self.name}' has no category '{category_id}'.")

    def codes_in(self, category_id: str, *, status: str | None = None) -> list[Code]:
        """Codes of one category in codebook order, optionally only one status."""
        self.category(category_id)
        return [c for c in self.codes if c.category == category_id and (status is None or c.status == status)]

    def active(self) -> list[Code]:
        return [c for c in self.codes if c.status == "active"]

    def children(self, code_id: str) -> list[Code]:
        return [c for c in self.codes if c.parent == code_id]

    def category_of(self) -> dict[str, str]:
        """Mapping code id -> category id."""
        return {c.id: c.category for c in self.codes}

    def __contains__(self, code_id: object) -> bool:
        return any(c.id == code_id for c in self.codes)
