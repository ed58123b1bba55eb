"""Which columns of a de-identified file were de-identified, and what the others hold.

``twoknow deid`` de-identifies the text column(s) only; every other column
(the id, question, respondent and language columns and the metadata) is
copied unchanged. The manifest beside the output records that split under
``columns`` so that the stages that send data on (``ls push``) or publish it
(``report --by``) can refuse a column that was never de-identified::

    "columns": {
      "format": "long",
      "deidentified": {"answer": "<sha256 of the column as written>"},
      "passed_through": {
        "id":        {"role": "id",       "kind": "structured"},
        "age_group": {"role": "metadata", "kind": "structured"},
        "comment":   {"role": "metadata", "kind": "free_text"}
      }
    }

``kind`` of a passed-through column, decided on all its values
(:func:`classify_values`):

- ``identifier_like``: some value holds an ``@`` (e-mail, handle), a web
  address or an international phone number (``+`` and 7 or more digits);
- ``free_text``: some value is longer than 40 characters or has more than 4
  words, or (metadata only) the column holds more than 50 different worded
  values (letters only, or several words) making up more than half of its
  values: an open answer, or a list of names or places;
- ``structured``: everything else: codes, numbers, dates, ids, short
  categories such as a language, a country or an age group.

Only ``structured`` columns may be shown to coders or used as subgroups. It
is a screen, not a proof: show coders only metadata you know to be safe.
A column's hash is the SHA-256 of its values as a JSON list of strings
(missing values as ``null``), in file order; no value is stored.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable
from typing import Any, Literal

__all__ = [
    "ColumnKind",
    "classify_values",
    "column_sha256",
    "column_record",
    "read_columns_record",
    "find_column",
    "MAX_CHARS",
    "MAX_WORDS",
    "MAX_WORDED",
]

ColumnKind = Literal["structured", "free_text", "identifier_like"]

MAX_CHARS = 40
MAX_WORDS = 4
MAX_WORDED = 50

_IDENTIFIER = re.compile(
    r"@"  # e-mail address or handle
    r"|\bhttps?://|\bwww\.|\b[\w-]+\.(?:com|net|org|io|me|ru|onion|gg|xyz)\b"  # web address
    r"|(?<![\w+])\+\d[\d ()./-]{6,}\d",  # international phone number
    re.IGNORECASE,
)
_WORDED = re.compile(r"^[^\W\d_](?:[^\W\d_]|['’.-])*$|\s")


def _present(values: Iterable[Any]) -> list[str]:
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        s = str(v).strip()
        if s and s.lower() not in ("nan", "<na>", "none", "nat"):
            out.append(s)
    return out


def classify_values(values: Iterable[Any], *, role: str = "metadata") -> ColumnKind:
    """The kind of a column from its values (see the module docstring for the rule).

    ``role`` other than ``"metadata"`` (an id, question, respondent or
    language column) skips the many-different-values test: ids are meant to
    differ.

    >>> classify_values(["18-24", "25-34", "18-24"])
    'structured'
    >>> classify_values(["my psychologist said it would help to write it down"])
    'free_text'
    >>> classify_values(["someone@example.org"])
    'identifier_like'
    """
    vals = _present(values)
    if any(_IDENTIFIER.search(v) for v in vals):
        return "identifier_like"
    if any(len(v) > MAX_CHARS or len(v.split()) > MAX_WORDS for v in vals):
        return "free_text"
    if role == "metadata":
        worded = {v for v in vals if _WORDED.search(v)}
        if len(worded) > MAX_WORDED and len(worded) * 2 > len(vals):
            return "free_text"
    return "structured"


def column_sha256(values: Iterable[Any]) -> str:
    """SHA-256 of a column's values as a JSON list of strings (missing: null), in order."""
    items = []
    for v in values:
        missing = v is None or (isinstance(v, float) and math.isnan(v))
        items.append(None if missing else str(v))
    return hashlib.sha256(json.dumps(items, ensure_ascii=False).encode("utf-8")).hexdigest()


def column_record(frame: Any, text_cols: Iterable[str], roles: dict[str, str | None], fmt: str) -> dict[str, Any]:
    """The manifest's ``columns`` entry for a de-identified table.

    ``frame`` is the table as written, ``text_cols`` the columns that were
    de-identified, ``roles`` maps ``id``/``question``/``respondent``/
    ``language`` to the column that played that part (or None).
    """
    text = [c for c in text_cols if c in frame.columns]
    role_of = {col: role for role, col in roles.items() if col}
    passed = {}
    for c in frame.columns:
        if c in text:
            continue
        role = role_of.get(c, "metadata")
        passed[str(c)] = {"role": role, "kind": classify_values(frame[c].tolist(), role=role)}
    return {
        "format": fmt,
        "deidentified": {str(c): column_sha256(frame[c].tolist()) for c in text},
        "passed_through": passed,
    }


def read_columns_record(path: Any) -> dict[str, Any] | None:
    """The ``columns`` record of the de-identification manifest beside ``path``; None when absent or unreadable."""
    from pathlib import Path

    p = Path(path)
    try:
        manifest = json.loads(p.with_name(p.name + ".manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    rec = manifest.get("columns") if isinstance(manifest, dict) else None
    if isinstance(rec, dict) and isinstance(rec.get("deidentified"), dict) and isinstance(rec.get("passed_through"), dict):
        return rec
    return None


def find_column(rec: dict[str, Any], name: str) -> tuple[str, dict[str, Any] | None]:
    """The file column a stage's name refers to, and its ``passed_through`` entry (None if not passed through).

    ``question_id``/``question``, ``language`` and ``respondent_id`` name the
    column that played that role; ``source_<name>`` is how a metadata column
    named like a core field is read.
    """
    passed = rec["passed_through"]
    if name in passed or name in rec["deidentified"]:
        return name, passed.get(name)
    role = {"question_id": "question", "question": "question", "language": "language",
            "respondent_id": "respondent", "response_id": "id"}.get(name)
    for col, entry in passed.items():
        if role is not None and entry.get("role") == role:
            return col, entry
    if name.startswith("source_") and name[len("source_"):] in passed:
        return name[len("source_"):], passed[name[len("source_"):]]
    return name, None
