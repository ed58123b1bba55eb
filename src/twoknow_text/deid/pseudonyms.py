"""Typed placeholders and keyed, consistent pseudonyms.

Replacement never imports the NLP stack: it takes text plus
:class:`~twoknow_text.deid.spans.DetectedSpan` lists and a policy.

Pseudonym numbering (the documented choice): by default the code after the
type is a short base32 of ``HMAC-SHA256(key, type + "\\0" + normalised value)``
(``[PERSON_K7Q2MX]``). The same value gets the same placeholder in every run
and every file de-identified with the same key, which matters more for
analysis than small numbers; without the key the code cannot be linked back to
the value. ``pseudonym_style="sequential"`` gives ``[PERSON_3]`` instead,
numbered per type in first-seen order: stable for the same input and key only.
Codes of 6 base32 characters (30 bits) rarely collide; when two different
values of one type do collide in a run, the later one gets a longer code, and
the collision is counted.

The key lives in a file the user keeps (``twoknow deid --new-key-file K``,
mode 0600). It never reaches an output, a log or a manifest: the manifest only
says ``key_source: "file" | "ephemeral"``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import stat
import unicodedata
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from ..errors import DeidError
from .registry import ENTITY_TYPES
from .spans import DetectedSpan

__all__ = [
    "KEY_BYTES",
    "new_key_file",
    "load_key",
    "ephemeral_key",
    "normalise_value",
    "Pseudonymizer",
    "PLACEHOLDER_RE",
    "without_codes",
    "KNOWN_MULTIPART_TYPES",
]

KEY_BYTES = 32
_MIN_KEY_BYTES = 16
_KEY_HEADER = "# twoknow_text de-identification key: keep this file private; never share or commit it.\n"

#: Matches every placeholder this module writes, typed or plain.
PLACEHOLDER_RE = re.compile(r"\[[A-Z][A-Z0-9_]*?(?:_[A-Z0-9]+)?\]")

# A placeholder whose last part is a pseudonym code: "[EMAIL_ADDRESS_4QZ2LM]", "[PERSON_12]".
_CODED_RE = re.compile(r"\[([A-Z][A-Z0-9]*(?:_[A-Z][A-Z0-9]*)*?)_[A-Z0-9]+\]")

#: Entity types whose names hold an underscore: a plain ``[EMAIL_ADDRESS]`` is
#: the type itself, not type ``EMAIL`` with code ``ADDRESS``. The project's own
#: types (``registry.ENTITY_TYPES``), the engine's extra ones and Presidio's
#: built-ins (a test checks these against every type the real engine offers).
KNOWN_MULTIPART_TYPES: frozenset[str] = frozenset({t for t in ENTITY_TYPES if "_" in t}) | frozenset({
    "DENY_LIST", "ID_NUMBER", "DATE_TIME", "CREDIT_CARD", "IBAN_CODE", "MEDICAL_LICENSE", "MAC_ADDRESS",
    "US_SSN", "US_ITIN", "US_PASSPORT", "US_BANK_NUMBER", "US_DRIVER_LICENSE", "US_MBI", "UK_NHS", "UK_NINO",
    "ES_NIF", "ES_NIE", "IT_FISCAL_CODE", "IT_DRIVER_LICENSE", "IT_VAT_CODE", "IT_PASSPORT", "IT_IDENTITY_CARD",
    "PL_PESEL", "SG_NRIC_FIN", "SG_UEN", "AU_ABN", "AU_ACN", "AU_TFN", "AU_MEDICARE", "IN_PAN", "IN_AADHAAR",
    "IN_VEHICLE_REGISTRATION", "IN_VOTER", "IN_PASSPORT", "IN_GSTIN", "FI_PERSONAL_IDENTITY_CODE", "KR_RRN",
    "TH_TNIN",
})


def without_codes(text: str) -> str:
    """``text`` with each pseudonym reduced to its type: ``[PERSON_K7Q2MX]`` → ``[PERSON]``.

    What the theme stage embeds and clusters: a theme should not depend on
    which key made the pseudonyms, nor group answers by a shared code. Plain
    placeholders (``[PERSON]``, ``[EMAIL_ADDRESS]``) stay as they are.

    >>> without_codes("Mail [EMAIL_ADDRESS_4QZ2LM] or ask [PERSON_K7Q2MX].")
    'Mail [EMAIL_ADDRESS] or ask [PERSON].'
    >>> without_codes("Plain [EMAIL_ADDRESS] and [PHONE_NUMBER_12].")
    'Plain [EMAIL_ADDRESS] and [PHONE_NUMBER].'
    """
    return _CODED_RE.sub(_type_only, text) if "[" in text else text


def _type_only(m: re.Match[str]) -> str:
    whole = m.group(0)[1:-1]
    return m.group(0) if whole in KNOWN_MULTIPART_TYPES else f"[{m.group(1)}]"


# Types whose value is an identifier string: compare only letters and digits,
# so "+358 40 123 4567" and "+358401234567" get the same pseudonym.
_STRUCTURED_NORMALISE = re.compile(r"[^0-9a-z]+")
_NAME_TYPES = {"PERSON", "LOCATION", "ORGANIZATION", "STREET_ADDRESS", "DENY_LIST"}
_TITLES = re.compile(r"^(?:dr|mr|mrs|ms|miss|mx|prof|sir|dame|fr|rev)\.?\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:'s|’s)$")


def new_key_file(path: str | os.PathLike[str]) -> Path:
    """Create a new random key file readable only by its owner (mode 0600).

    Refuses to overwrite an existing file: losing a key makes earlier
    pseudonyms impossible to reproduce.
    """
    p = Path(path)
    if p.exists():
        raise DeidError("E221", f"Key file {p} already exists; refusing to overwrite it.")
    p.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise DeidError("E222", f"Cannot create key file {p}: {exc.strerror}.") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(_KEY_HEADER)
        fh.write(key.hex() + "\n")
    os.chmod(p, 0o600)  # umask cannot widen it, but be explicit
    return p


_MAX_KEY_FILE_BYTES = 64 * 1024  # a key file is a few hundred bytes


def load_key(path: str | os.PathLike[str]) -> bytes:
    """Read a key file written by :func:`new_key_file` (hex; ``#`` lines ignored)."""
    p = Path(path)
    if not p.exists():
        raise DeidError("E223", f"Key file not found: {p}. Create one with `twoknow deid --new-key-file {p}`.")
    if p.is_dir():
        raise DeidError("E224", f"Key file {p} is a folder, not a twoknow key file.")
    if not p.is_file():
        # /dev/zero, a pipe or a socket: never read it (it may not end).
        raise DeidError("E224", f"Key file {p} is not a regular file (a device or a pipe), not a twoknow key file.")
    try:
        mode = p.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            warnings.warn(
                f"Key file {p.name} is readable by other users; run `chmod 600 {p}`.", UserWarning, stacklevel=2
            )
        with open(p, "rb") as fh:
            raw = fh.read(_MAX_KEY_FILE_BYTES + 1)
        if len(raw) > _MAX_KEY_FILE_BYTES:
            raise DeidError("E224", f"Key file {p} is too large to be a twoknow key file.")
        lines = [ln.strip() for ln in raw.decode("ascii").splitlines()]
    except (OSError, UnicodeDecodeError):
        raise DeidError("E224", f"Key file {p} is not readable as a twoknow key file.") from None
    body = "".join(ln for ln in lines if ln and not ln.startswith("#"))
    try:
        key = bytes.fromhex(body)
    except ValueError:
        raise DeidError("E224", f"Key file {p} is not readable as a twoknow key file (expected hex).") from None
    if len(key) < _MIN_KEY_BYTES:
        raise DeidError("E225", f"Key in {p} is too short ({len(key)} bytes; at least {_MIN_KEY_BYTES} needed).")
    return key


def ephemeral_key() -> bytes:
    """A fresh random key for one run: pseudonyms are consistent within it only."""
    return secrets.token_bytes(KEY_BYTES)


def normalise_value(entity_type: str, value: str) -> str:
    """The form of a value that decides its pseudonym.

    Names: case-folded, whitespace collapsed, titles and possessives dropped.
    Identifiers (phones, wallets, emails, ...): only letters and digits.
    """
    v = unicodedata.normalize("NFKC", value).casefold().strip()
    if entity_type in _NAME_TYPES:
        v = _TITLES.sub("", " ".join(v.split()))
        v = _POSSESSIVE.sub("", v).strip(" .,;:!?\"'()[]")
        return v
    return _STRUCTURED_NORMALISE.sub("", v)


class Pseudonymizer:
    """Replace spans with typed placeholders; one instance per dataset run.

    >>> p = Pseudonymizer(b"k" * 32)
    >>> a = p.replace("Anna met Anna.", [DetectedSpan("PERSON", 0, 4), DetectedSpan("PERSON", 9, 13)])
    >>> a.split()[0] == a.split()[2].rstrip(".")
    True
    >>> Pseudonymizer(b"k" * 32, mode="plain").replace("Anna", [DetectedSpan("PERSON", 0, 4)])
    '[PERSON]'
    """

    def __init__(
        self,
        key: bytes,
        *,
        mode: Literal["pseudonym", "plain"] = "pseudonym",
        style: Literal["hash", "sequential"] = "hash",
        hash_length: int = 6,
    ) -> None:
        if mode == "pseudonym" and (not isinstance(key, bytes | bytearray) or len(key) < _MIN_KEY_BYTES):
            raise DeidError("E225", f"A pseudonym key must be at least {_MIN_KEY_BYTES} bytes.")
        self._key = bytes(key)
        self.mode = mode
        self.style = style
        self.hash_length = hash_length
        self._codes: dict[tuple[str, bytes], str] = {}
        self._taken: dict[tuple[str, str], bytes] = {}
        self._counters: dict[str, int] = {}
        self.collisions = 0

    def __repr__(self) -> str:  # never show the key
        return f"Pseudonymizer(mode={self.mode!r}, style={self.style!r})"

    def _digest(self, entity_type: str, value: str) -> bytes:
        msg = f"{entity_type}\x00{normalise_value(entity_type, value)}".encode()
        return hmac.new(self._key, msg, hashlib.sha256).digest()

    def placeholder(self, entity_type: str, value: str) -> str:
        """The placeholder for one value of one type, e.g. ``[PERSON_K7Q2MX]``."""
        if self.mode == "plain":
            return f"[{entity_type}]"
        digest = self._digest(entity_type, value)
        cached = self._codes.get((entity_type, digest))
        if cached is not None:
            return cached
        if self.style == "sequential":
            n = self._counters.get(entity_type, 0) + 1
            self._counters[entity_type] = n
            code = str(n)
        else:
            b32 = base64.b32encode(digest).decode("ascii").rstrip("=")
            length = self.hash_length
            code = b32[:length]
            while (entity_type, code) in self._taken and self._taken[(entity_type, code)] != digest:
                length += 2
                code = b32[:length]
                self.collisions += 1
            self._taken[(entity_type, code)] = digest
        out = f"[{entity_type}_{code}]"
        self._codes[(entity_type, digest)] = out
        return out

    def replace(self, text: str, spans: Sequence[DetectedSpan]) -> str:
        """Return ``text`` with each (non-overlapping) span replaced by its placeholder."""
        parts: list[str] = []
        pos = 0
        for s in _union(spans):
            parts.append(text[pos : s.start])
            parts.append(self.placeholder(s.entity_type, text[s.start : s.end]))
            pos = s.end
        parts.append(text[pos:])
        return "".join(parts)


def _union(spans: Sequence[DetectedSpan]) -> list[DetectedSpan]:
    """Overlapping spans become one span (typed as the longest), so no tail leaks."""
    out: list[DetectedSpan] = []
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        if s.end <= s.start:
            continue
        if out and s.start < out[-1].end:
            last = out[-1]
            if s.end > last.end:
                keep = last if len(last) >= len(s) else s
                out[-1] = DetectedSpan(keep.entity_type, last.start, s.end, keep.score, keep.recognizer)
            continue
        out.append(s)
    return out
