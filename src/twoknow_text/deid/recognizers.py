"""The project's own Presidio recognizers for identifiers Presidio lacks or misses.

Each recognizer is a Presidio :class:`~presidio_analyzer.PatternRecognizer`
(regex + context words + a ``validate_result`` hook, the shape Presidio's
credit-card recognizer uses for Luhn) registered in
:mod:`twoknow_text.deid.registry` under a versioned name. Checksums and
formats are checked by the pure functions of
:mod:`twoknow_text.deid.validators`, so a mistyped wallet, a 39-hex string,
a version number or a year is not reported.

Two things differ from a plain ``PatternRecognizer``:

* a pattern may hold a named group ``v``: only that group is reported (for
  "my username was X" the span is ``X``, not the whole phrase);
* :meth:`TwoknowPatternRecognizer.accept` sees the value *and* its
  surroundings, and may trim the span (trailing punctuation of a URL).

Scores: a value whose checksum was verified scores 1.0; a value checked on
format only scores between 0.6 and 0.95 (see each class); nothing is
returned below 0.5, so Presidio's default threshold keeps every result.

All recognizers are language-independent: ``supported_language`` is set to
whatever language the engine asks for.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional

from presidio_analyzer import (
    AnalysisExplanation,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerResult,
)

from twoknow_text.deid import addresses as _addr
from twoknow_text.deid import national_ids as _ni
from twoknow_text.deid import validators as v
from twoknow_text.deid.registry import register

__all__ = [
    "TwoknowPatternRecognizer",
    "OnionAddressRecognizer",
    "TwoknowUrlRecognizer",
    "TwoknowEmailRecognizer",
    "TwoknowPhoneRecognizer",
    "IpAddressRecognizer",
    "CryptoWalletRecognizer",
    "SessionIdRecognizer",
    "PgpFingerprintRecognizer",
    "PgpKeyBlockRecognizer",
    "MessagingHandleRecognizer",
    "ThreemaIdRecognizer",
    "UsernameRecognizer",
    "NationalIdRecognizer",
    "StreetAddressRecognizer",
    "LongNumberRecognizer",
    "PLATFORM_DOMAINS",
    "LANGUAGE_PHONE_REGIONS",
    "known_tlds",
]


# --------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def known_tlds() -> frozenset[str]:
    """Top-level domains from the public suffix list bundled with tldextract.

    Read from the package's snapshot with ``suffix_list_urls=()`` and no
    cache directory, so nothing is fetched and nothing is written.
    """
    import tldextract

    extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    tlds = {s.rsplit(".", 1)[-1].lower() for s in extractor.tlds}
    tlds = {t for t in tlds if t.isascii() and t.isalpha()}
    tlds.add("onion")
    tlds.add("i2p")
    return frozenset(tlds)


# File extensions that are also TLDs: "notes.zip" or "run.sh" is a file, not a site.
_FILE_EXTENSIONS = frozenset(
    "zip mov py sh md exe pdf doc docx txt jpg jpeg png gif mp3 mp4 avi mkv rar iso dll "
    "app apk csv xls xlsx ppt pptx log bat cfg ini json xml html htm php js ts gz tar".split()
)

#: Bare domains of platforms and services. Written alone ("I found it on
#: reddit.com") they name a platform, which the facilitator analysis needs;
#: with a path ("reddit.com/r/xyz") they are a URL and are replaced.
PLATFORM_DOMAINS = frozenset(
    """
    reddit.com telegram.org telegram.me discord.com discord.gg signal.org getsession.org
    snapchat.com instagram.com whatsapp.com wickr.com kik.com element.io matrix.org
    torproject.org geti2p.net tails.net tails.boum.org protonmail.com proton.me
    google.com youtube.com facebook.com twitter.com x.com tiktok.com tumblr.com
    wikipedia.org bing.com duckduckgo.com yahoo.com gmail.com outlook.com hotmail.com
    skype.com threema.ch wire.com mega.nz dropbox.com github.com pornhub.com onlyfans.com
    omegle.com chatroulette.com twitch.tv pinterest.com quora.com vk.com ok.ru
    stopitnow.org stopitnow.org.uk lucyfaithfull.org.uk troubled-desire.com
    """.split()
)

# TLDs a bare "name.tld" (no scheme, no www, no path) is believed with.
_BARE_TLDS = frozenset(
    """
    com net org info biz edu gov io co app dev xyz online site top club shop store blog tech
    fi se no dk ee is de uk eu nl be fr ch at es pt it pl cz sk hu ru ua lt lv us ca au nz in br
    mx ar jp cn kr tw hk sg za ie gr tr ro bg hr si rs ba me tv cc ly gg ai nu to ws su li lu
    """.split()
)
# Two-letter TLDs that are also English words: "alone.it", "home.no" are typos first.
_WORDLIKE_TLDS = frozenset("it is in at be me no so to us am do go my an as by on or we he hi id".split())

# Stripped from the end of a URL-like match: sentence punctuation is not part of it.
_TRAILING = ".,;:!?'\"”’)]}>"


def _trim_trailing(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in _TRAILING:
        ch = text[end - 1]
        # keep a closing bracket that closes one opened inside the match
        if ch == ")" and text[start:end].count("(") >= text[start:end].count(")"):
            break
        end -= 1
    return end


def _strip_unbalanced(text: str, hit: "_Hit") -> "_Hit":
    """Drop an opening bracket that ``phonenumbers`` took in but that is never closed: ``(+358 40...``."""
    start, end = hit.start, hit.end
    while start < end and text[start] in "([{<" and not any(c in ")]}>" for c in text[start + 1 : end]):
        start += 1
    while start < end and text[end - 1] in ")]}>" and not any(c in "([{<" for c in text[start : end - 1]):
        end -= 1
    if (start, end) == (hit.start, hit.end):
        return hit
    return _Hit(start, end, hit.score, hit.pattern, hit.validated)


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    score: float
    pattern: str
    validated: Optional[bool]


class TwoknowPatternRecognizer(PatternRecognizer):
    """Base class: regex patterns with an optional value group ``v`` and a validation hook.

    Subclasses set :attr:`ENTITY`, :attr:`NAME`, :attr:`PATTERNS` (tuples of
    ``(name, regex, score, flags)``) and :attr:`CONTEXT`, and override
    :meth:`validate_result` (value only) or :meth:`accept` (value and
    surrounding text) where a format has more to check than a regex can.
    """

    ENTITY: str = ""
    NAME: str = ""
    VERSION: str = "1"
    PATTERNS: tuple[tuple[str, str, float, int], ...] = ()
    CONTEXT: tuple[str, ...] = ()
    #: pattern name -> lower-case substrings one of which every match contains;
    #: a cheap ``in`` test skips a costly regex scan on texts without them
    STEMS: dict[str, tuple[str, ...]] = {}

    def __init__(self, supported_language: str = "en") -> None:
        patterns = [Pattern(name=n, regex=rx, score=s) for n, rx, s, _ in self.PATTERNS]
        super().__init__(
            supported_entity=self.ENTITY,
            name=self.NAME,
            supported_language=supported_language,
            patterns=patterns,
            context=list(self.CONTEXT),
            version=self.VERSION,
        )
        # stdlib ``re`` with per-pattern flags: several formats (Base58, EIP-55,
        # street names) are case-sensitive, which Presidio's one global flag
        # set cannot express.
        self._compiled = [
            (n, re.compile(rx, flags), s) for n, rx, s, flags in self.PATTERNS
        ]

    # -- hooks ------------------------------------------------------------
    def validate_result(self, pattern_text: str) -> Optional[bool]:  # noqa: D401
        """Checksum/format check on the value: True, False (drop) or None (unchecked)."""
        return None

    def accept(self, text: str, match: re.Match[str], start: int, end: int) -> Optional[tuple[int, int, float]]:
        """Return the final ``(start, end, score)`` of a match, or ``None`` to drop it.

        The default reports the value group (or the whole match) after
        :meth:`validate_result`: 1.0 when validated, dropped when the check
        fails, the pattern's own score when there is nothing to check.
        """
        ok = self.validate_result(text[start:end])
        if ok is False:
            return None
        return start, end, (EntityRecognizer.MAX_SCORE if ok else -1.0)

    def prefilter(self, text: str) -> bool:
        """Cheap test run before the regexes; ``False`` skips the text."""
        return True

    # -- Presidio entry point ----------------------------------------------
    def _hits(self, text: str) -> Iterator[_Hit]:
        low = text.lower() if self.STEMS else ""
        for pname, rx, base in self._compiled:
            stems = self.STEMS.get(pname)
            if stems and not any(stem in low for stem in stems):
                continue  # none of the words this pattern starts from: skip the regex scan
            for m in rx.finditer(text):
                if "v" in rx.groupindex and m.group("v") is not None:
                    start, end = m.span("v")
                else:
                    start, end = m.span()
                if start == end:
                    continue
                out = self.accept(text, m, start, end)
                if out is None:
                    continue
                s, e, score = out
                if e <= s:
                    continue
                # a negative score from accept() means "nothing was checked": keep the pattern's score
                yield _Hit(s, e, base if score < 0 else score, pname, True if score >= 0 else None)

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None, regex_flags=None) -> list[RecognizerResult]:
        """Run every pattern; return validated, de-duplicated results."""
        if entities and self.ENTITY not in entities:
            return []
        if not text or not self.prefilter(text):
            return []
        results = []
        for hit in self._hits(text):
            explanation = AnalysisExplanation(
                recognizer=self.name,
                original_score=hit.score,
                pattern_name=hit.pattern,
                validation_result=hit.validated,
                textual_explanation=f"Detected by `{self.name}` using pattern `{hit.pattern}`",
            )
            results.append(
                RecognizerResult(
                    entity_type=self.ENTITY,
                    start=hit.start,
                    end=hit.end,
                    score=hit.score,
                    analysis_explanation=explanation,
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    },
                )
            )
        return self._select(text, results)

    @staticmethod
    def _select(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
        """Settle overlaps between this recognizer's own hits (default: :func:`_resolve_overlaps`)."""
        return _resolve_overlaps(results)


def _resolve_overlaps(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Within one recognizer: keep the longest, then highest-scoring, of overlapping hits."""
    results.sort(key=lambda r: (-(r.end - r.start), -r.score, r.start))
    kept: list[RecognizerResult] = []
    for r in results:
        if any(r.start < k.end and k.start < r.end for k in kept):
            continue
        kept.append(r)
    kept.sort(key=lambda r: r.start)
    return kept


_I = re.IGNORECASE
_CS = 0  # case-sensitive
_DIGIT = re.compile(r"\d")


def _factory(cls: type[TwoknowPatternRecognizer]) -> type[TwoknowPatternRecognizer]:
    """Register ``cls`` under its versioned name (one place for registration)."""
    register(cls.NAME, cls.ENTITY)(lambda language, _c=cls: _c(supported_language=language))
    return cls


# --------------------------------------------------------------------------
# .onion addresses
# --------------------------------------------------------------------------

_URL_TAIL = r"(?::\d{2,5})?(?:[/?#][^\s<>\"'`]*)?"


@_factory
class OnionAddressRecognizer(TwoknowPatternRecognizer):
    """Tor onion services: v3 (56 chars, SHA3-256 checksum verified) and v2 (16 chars).

    Found alone, with a scheme, with subdomains, with a path
    (``http://www.<v3>.onion/forum/index.php``) and through a Tor2web
    gateway (``<v3>.onion.ly``); the whole URL is the span.
    A bare v3 label without ``.onion`` is reported too when its checksum
    holds (random text passes that test with probability 1/65536 at best).
    A ``.onion`` host whose label fails the checksum or has another length is
    still reported, at 0.6: it points to a service all the same.
    """

    ENTITY = "ONION_ADDRESS"
    NAME = "twoknow.onion_address.v1"
    PATTERNS = (
        (
            "onion_url",
            r"(?<![\w.-])(?:(?:https?|ftp|irc|xmpp)://)?(?:[a-z0-9-]{1,63}\.)*"
            r"(?P<label>[a-z2-7]{10,60})\.onion(?:\.(?:ly|to|ws|pet|city|cab|link|direct|sh|moe|re|dog|casa|lu|ink|top))?"
            r"(?![a-z0-9-])" + _URL_TAIL,
            0.6,
            _I,
        ),
        ("onion_v3_bare", r"(?<![a-z0-9])(?P<label>[a-z2-7]{56})(?![a-z0-9])", 0.0, _I),
    )
    CONTEXT = ("onion", "tor", "hidden service", "dark web", "darknet", "site", "forum", "address", "link")

    def accept(self, text, match, start, end):
        label = match.group("label")
        if ".onion" not in match.group(0).lower():
            # bare label: only with a verified checksum
            return (start, end, 1.0) if v.is_onion_v3(label) else None
        end = _trim_trailing(text, start, end)
        if v.is_onion_v3(label):
            return start, end, 1.0
        if len(label) == 16 and v.is_onion_v2(label):
            return start, end, 0.9
        return start, end, 0.6


# --------------------------------------------------------------------------
# URLs
# --------------------------------------------------------------------------

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# a domain label in any alphabet (internationalised domain names)
_ULABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_MESSAGING_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog|discord\.gg|discord(?:app)?\.com/invite|matrix\.to)/"
)


@_factory
class TwoknowUrlRecognizer(TwoknowPatternRecognizer):
    """Web addresses: ``http(s)://``, ``www.`` and bare ``domain.tld/path``.

    The TLD must be in the bundled public suffix list. Not reported: ``.onion``
    hosts (``ONION_ADDRESS``), ``t.me``/``discord.gg`` links
    (``MESSAGING_HANDLE``), e-mail domains, file names such as
    ``notes.zip``, and a bare platform domain without a path
    (``reddit.com``; see :data:`PLATFORM_DOMAINS`). Platform names without a
    TLD ("Telegram", "reddit") are never URLs.
    """

    ENTITY = "URL"
    NAME = "twoknow.url.v1"
    PATTERNS = (
        ("url_scheme", r"(?<![\w.])(?:https?|ftp)://[^\s<>\"'`]+", 0.95, _I),
        ("url_www", r"(?<![\w.@-])www\.[^\s<>\"'`]+", 0.9, _I),
        (
            "url_bare",
            r"(?<![\w.@/-])(?P<host>(?:" + _ULABEL + r"\.)+(?P<tld>[a-z]{2,24}))(?![\w-])"
            r"(?P<rest>(?::\d{2,5})?(?:/[^\s<>\"'`]*)?)",
            0.85,
            _I,
        ),
    )
    CONTEXT = ("url", "link", "website", "site", "address", "page", "http", "www")

    def prefilter(self, text):
        return "." in text

    def accept(self, text, match, start, end):
        end = _trim_trailing(text, start, end)
        value = text[start:end]
        low = value.lower()
        host = re.sub(r"^(?:https?|ftp)://", "", low).split("/", 1)[0].split(":", 1)[0].split("?", 1)[0]
        host = host.split("@")[-1]  # user@host in a URL
        if host.endswith(".onion") or ".onion" in host.split("#")[0]:
            return None  # ONION_ADDRESS owns it
        if _MESSAGING_LINK.match(low):
            return None  # MESSAGING_HANDLE owns it
        if "tld" in match.re.groupindex:  # bare domain: needs a real TLD
            tld_raw = match.group("tld")
            tld = tld_raw.lower()
            rest = match.group("rest") or ""
            labels = host.split(".")
            if tld not in known_tlds():
                return None
            if tld_raw[0].isupper() and not tld_raw.isupper():
                return None  # "I was alone.It was hard": a missing space, not a domain
            if len(labels) == 2 and len(labels[0]) < 2:
                return None  # "e.g", "a.m"
            if labels[0].isdigit():
                return None  # "2.0", "version 3.5.1"-like tokens
            if rest in ("", "/"):
                if tld in _FILE_EXTENSIONS:
                    return None  # "notes.zip", "script.py"
                if host in PLATFORM_DOMAINS or host.removeprefix("www.") in PLATFORM_DOMAINS:
                    return None  # a platform named by its domain
                if value.isupper():
                    return None  # "ASP.NET": a product name written in capitals
                if len(labels) == 2 and (tld not in _BARE_TLDS or tld in _WORDLIKE_TLDS):
                    # "alone.now", "home.it": typos far more often than sites
                    if not any(c.isdigit() or c == "-" for c in labels[0]):
                        return None
            return start, end, 0.85
        if low.startswith("www.") and "." not in low[4:]:
            return None
        return start, end, -1.0


# --------------------------------------------------------------------------
# E-mail
# --------------------------------------------------------------------------


@_factory
class TwoknowEmailRecognizer(TwoknowPatternRecognizer):
    """E-mail addresses, validated locally (no tldextract network use).

    The domain must have a TLD from the bundled public suffix list (or
    ``.onion``), labels of legal shape and no empty parts. Also catches the
    common obfuscations ``name [at] domain [dot] com`` and ``name at domain dot com``.
    """

    ENTITY = "EMAIL_ADDRESS"
    NAME = "twoknow.email_address.v1"
    PATTERNS = (
        (
            "email",
            # Unicode local part and domain labels ("jürgen.müller@gmx.de", "anna@müller.de")
            r"(?<![\w.+%-])[^\W_](?:[\w.%+-]{0,62}[\w+-])?@(?:" + _ULABEL + r"\.)+[a-z]{2,24}(?![\w-])",
            0.95,
            _I,
        ),
        (
            "email_obfuscated",
            r"(?<![\w.+-])[a-z0-9][a-z0-9._+-]{0,62}\s*[\[\(\{<]\s*at\s*[\]\)\}>]\s*"
            r"[a-z0-9-]{2,63}(?:\s*(?:[\[\(\{<]\s*dot\s*[\]\)\}>]|\.)\s*[a-z0-9-]{2,24})+(?![\w-])",
            0.9,
            _I,
        ),
        (
            "email_spelled",
            r"(?<![\w.+-])[a-z0-9][a-z0-9._+-]{1,62}\s+at\s+[a-z0-9-]{2,63}\s+dot\s+"
            r"(?:com|net|org|me|fi|se|no|dk|de|uk|ch|io|info|eu|ru|es|fr|nl|pl|ee|us|ca)\b",
            0.8,
            _I,
        ),
    )
    CONTEXT = ("email", "e-mail", "mail", "contact", "reach", "address", "proton", "gmail")

    def prefilter(self, text):
        return "@" in text or "at" in text.lower()

    def accept(self, text, match, start, end):
        value = text[start:end]
        if "@" not in value:
            return start, end, -1.0
        local, _, domain = value.rpartition("@")
        if ".." in local or ".." in domain:
            return None
        tld = domain.rsplit(".", 1)[-1].lower()
        if tld not in known_tlds():
            return None
        return start, end, 1.0


# --------------------------------------------------------------------------
# Phone numbers
# --------------------------------------------------------------------------

#: Regions tried for every answer, after the answer language's own: the survey's
#: countries and the most common others. Every other region is reached through
#: the answer language (:data:`LANGUAGE_PHONE_REGIONS`) or a ``+``/``00`` country code.
_PHONE_REGIONS = (
    "FI", "SE", "NO", "DK", "EE", "LV", "LT", "DE", "GB", "IE", "NL", "BE", "FR", "CH", "AT", "ES", "PT", "IT",
    "PL", "CZ", "US", "BR", "AU", "NZ", "IN", "RU",
)
#: The regions an answer in a language most likely dials from, tried first.
LANGUAGE_PHONE_REGIONS: dict[str, tuple[str, ...]] = {
    "en": ("GB", "US", "IE", "AU", "CA", "NZ"), "fi": ("FI",), "sv": ("SE", "FI"), "nb": ("NO",), "no": ("NO",),
    "nn": ("NO",), "da": ("DK",), "is": ("IS",), "et": ("EE",), "lv": ("LV",), "lt": ("LT",), "pl": ("PL",),
    "ru": ("RU", "UA", "BY", "KZ"), "uk": ("UA",), "be": ("BY",), "es": ("ES", "MX", "AR"), "pt": ("PT", "BR"),
    "fr": ("FR", "BE", "CH", "CA", "LU"), "de": ("DE", "AT", "CH", "LI", "LU"), "nl": ("NL", "BE"),
    "it": ("IT", "CH"), "cs": ("CZ",), "sk": ("SK",), "hu": ("HU",), "sl": ("SI",), "hr": ("HR",),
    "ro": ("RO",), "bg": ("BG",), "el": ("GR", "CY"), "mt": ("MT",),
}
_DATE_LIKE = re.compile(
    r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$|^(?:19|20)\d{2}\s*[-–/]\s*(?:19|20)?\d{2}$|^\d{1,2}[./]\d{1,2}$"
)
_YEAR_RANGE = re.compile(r"^(?:19|20)\d{2}\s*[-–]\s*(?:19|20)?\d{2}\b")
_YEAR_SLASH = re.compile(r"^(?:19|20)\d{2}\s?/|/\s?(?:19|20)\d{2}$")
_FNR_SHAPE = re.compile(r"^\d{6}\s?\d{5}$")
_ID_SHAPE = re.compile(r"^(?:19|20)?\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]$", re.I)
_DOTTED_QUAD = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_HEX = frozenset("0123456789abcdefABCDEF")
_HEX_CHAIN = frozenset("0123456789abcdefABCDEF :")
_DIGIT_RUN = re.compile(r"\d[\d\s().\-/]{5,}\d")


class TwoknowPhoneRecognizer(TwoknowPatternRecognizer):
    """International and national phone numbers, checked with ``phonenumbers``.

    A candidate must be a *valid* number (``phonenumbers`` offline metadata,
    leniency ``VALID``) for one of the answer language's regions
    (:data:`LANGUAGE_PHONE_REGIONS`: ``lv`` -> LV, ``ru`` -> RU/UA/BY/KZ,
    ``pt`` -> PT/BR, ...), then one of :data:`_PHONE_REGIONS`, or carry a
    ``+``/``00`` country code (any region); North American ``(555) 123-4567`` / ``555-123-4567`` layouts count
    too (fictional 555 numbers are still someone's way of writing a phone).
    Dates, year ranges, prices, counts and short numbers are rejected, and so
    is a run that is a validated national identity number
    (:func:`twoknow_text.deid.national_ids.is_strong_national_id`): an
    Estonian isikukood or a PESEL is ``NATIONAL_ID``, not a phone.
    """

    ENTITY = "PHONE_NUMBER"
    NAME = "twoknow.phone_number.v1"
    PATTERNS = (
        (
            "nanp",
            r"(?<![\w+(-])(?:(?:\+?1|001)[-.\s])?(?:\(\d{3}\)\s?|\d{3}[-.\s])\d{3}[-.]\d{4}"
            r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\w-])",
            0.7,
            _CS,
        ),
    )
    CONTEXT = ("phone", "number", "call", "text", "sms", "mobile", "cell", "whatsapp", "signal", "puhelin", "telefon")

    WINDOW = 64
    MAX_WINDOWS = 40

    def __init__(self, supported_language: str = "en", regions: Iterable[str] = _PHONE_REGIONS) -> None:
        self.regions = tuple(regions)
        super().__init__(supported_language=supported_language)

    def prefilter(self, text):
        return bool(_DIGIT_RUN.search(text))

    def _windows(self, text: str) -> Iterator[tuple[int, int, int, int]]:
        """Short stretches around digit runs: ``phonenumbers`` only ever sees these.

        Yields ``(window_start, window_end, run_start, run_end)``. Scanning a
        whole answer once per region is slow, and on a long run of digits (a
        pasted table) very slow; a window of at most :attr:`WINDOW` characters
        bounds the work per candidate, and at most :attr:`MAX_WINDOWS` windows
        are checked per text (the regex fallback still covers the rest).
        Runs that are plainly something else (an IP address, a grouped
        fingerprint, an identity-code shape) are skipped before any parsing.
        """
        count = 0
        for m in _DIGIT_RUN.finditer(text):
            s, e = m.span()
            if sum(c.isdigit() for c in text[s:e]) < 8:
                continue
            if not self._plausible(text, s, e, quick=True):
                continue
            s0 = max(0, s - 2)
            e0 = min(len(text), e + 2)
            for ws in range(s0, max(s0 + 1, e0 - self.WINDOW // 2), self.WINDOW // 2):
                we = min(e0, ws + self.WINDOW)
                yield ws, we, max(s, ws), min(e, we)
                count += 1
                if count >= self.MAX_WINDOWS:
                    return

    def _region_order(self) -> tuple[str, ...]:
        """The answer language's regions (:data:`LANGUAGE_PHONE_REGIONS`) first, then :attr:`regions`."""
        first = LANGUAGE_PHONE_REGIONS.get(self.supported_language, ())
        return tuple(dict.fromkeys(list(first) + list(self.regions)))

    def _hits(self, text):
        import phonenumbers
        from phonenumbers import Leniency

        regions = self._region_order()
        candidates: list[_Hit] = []
        for ws, we, rs, re_ in self._windows(text):
            window = text[ws:we]
            run_digits = sum(c.isdigit() for c in text[rs:re_])
            # an international number parses the same under any region: one pass is enough
            international = text[max(0, rs - 2) : rs].endswith(("+", "+(")) or text.startswith("00", rs)
            for region in regions[:1] if international else regions:
                found = 0
                for m in phonenumbers.PhoneNumberMatcher(window, region, leniency=Leniency.VALID):
                    candidates.append(_Hit(ws + m.start, ws + m.end, 0.9, f"phonenumbers_{region}", True))
                    found += sum(c.isdigit() for c in m.raw_string)
                if found >= run_digits:
                    break  # every digit of the run is accounted for: other regions add nothing
            if international:
                # "+44 7700 900123" (a reserved drama range) is not VALID but is
                # still written as someone's number: a '+' and a plausible length
                # are enough at a lower score.
                for m in phonenumbers.PhoneNumberMatcher(window, regions[0], leniency=Leniency.POSSIBLE):
                    candidates.append(_Hit(ws + m.start, ws + m.end, 0.75, "phonenumbers_possible", False))
        candidates.extend(super()._hits(text))
        # one region may see "757-2013" where another sees "(329) 757-2013": keep the longest
        candidates.sort(key=lambda h: (-(h.end - h.start), -h.score, h.start))
        seen: list[tuple[int, int]] = []
        for hit in candidates:
            hit = _strip_unbalanced(text, hit)
            if any(hit.start < e and s < hit.end for s, e in seen):
                continue
            if not self._plausible(text, hit.start, hit.end):
                continue
            seen.append((hit.start, hit.end))
            yield hit

    @staticmethod
    def _plausible(text: str, start: int, end: int, quick: bool = False) -> bool:
        """Reject dates, year ranges, amounts, IPs, ID shapes and hex chains.

        ``quick`` is the pre-parse check on a whole digit run, which may hold
        several numbers: only the tests that hold for the run as a whole.
        """
        raw = text[start:end].strip()
        digits = sum(c.isdigit() for c in raw)
        # 7-digit local numbers without an area code are too often counts or codes
        if digits < 8 or (digits > 15 and not quick):
            return False
        if _DATE_LIKE.match(raw):
            return False
        if _YEAR_RANGE.match(raw) or _DOTTED_QUAD.match(raw) or _YEAR_SLASH.match(raw):
            return False
        if _ID_SHAPE.match(raw) or (_FNR_SHAPE.match(raw) and text[start - 1 : start] != "+" and v.is_norwegian_fnr(raw)):
            return False  # YYMMDD-NNNN / HETU shape / a valid fødselsnummer: NATIONAL_ID's
        if text[max(0, start - 2) : start].strip() not in ("+", "(+") and _ni.is_strong_national_id(raw):
            return False  # a validated personal code (isikukood, PESEL, CNP, ...) is NATIONAL_ID, not a phone
        if re.search(r"\bcpr\b\W{0,12}$", text[max(0, start - 16) : start], re.I):
            return False  # a Danish CPR number after its keyword
        # "24/7", "2019-2020/21": a slash glued to either end is not phone layout
        if text[end : end + 1] == "/" or text[start - 1 : start] == "/":
            return False
        # part of a longer hex chain (a grouped PGP fingerprint, a key): not a phone
        lo, hi = start, end
        while lo > 0 and text[lo - 1] in _HEX_CHAIN:
            lo -= 1
        while hi < len(text) and text[hi] in _HEX_CHAIN:
            hi += 1
        chain = text[lo:hi]
        if sum(c in _HEX for c in chain) >= 20 and any(c.isalpha() for c in chain):
            return False
        before = text[max(0, start - 2) : start]
        after = text[end : end + 2]
        # a price or an amount: "$1 250 000", "1 250 000 €"
        if any(c in "$€£¥" for c in before + after):
            return False
        if re.match(r"\s*(?:%|eur|euro|usd|dollar|kr|years?|times|km|kg)\b", text[end : end + 10], re.I):
            return False
        return True


register(TwoknowPhoneRecognizer.NAME, TwoknowPhoneRecognizer.ENTITY)(lambda language: TwoknowPhoneRecognizer(supported_language=language))


# --------------------------------------------------------------------------
# IP addresses
# --------------------------------------------------------------------------


@_factory
class IpAddressRecognizer(TwoknowPatternRecognizer):
    """IPv4 and IPv6 addresses, validated with :mod:`ipaddress`.

    ``2.0.1`` (three parts), ``1.2.3.4.5`` (a version string) and times such
    as ``12:30`` are not addresses.
    """

    ENTITY = "IP_ADDRESS"
    NAME = "twoknow.ip_address.v1"
    PATTERNS = (
        ("ipv4", r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)(?![\w])", 0.6, _CS),
        ("ipv6", r"(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])", 0.6, _I),
    )
    CONTEXT = ("ip", "address", "server", "vpn", "proxy", "host")

    def accept(self, text, match, start, end):
        value = text[start:end]
        if not v.is_ip_address(value):
            return None
        if re.search(r"\b(?:version|ver\.?|v)\s*$", text[max(0, start - 10) : start], re.I):
            return None
        return start, end, 0.95


# --------------------------------------------------------------------------
# Crypto wallets
# --------------------------------------------------------------------------

_B58 = "1-9A-HJ-NP-Za-km-z"


@_factory
class CryptoWalletRecognizer(TwoknowPatternRecognizer):
    """Bitcoin (Base58Check P2PKH/P2SH, Bech32/Bech32m segwit), Ethereum and Monero addresses.

    Every match is validated: the Base58Check double-SHA-256 checksum and
    version byte, the BIP-173/350 checksum and witness version, the EIP-55
    checksum of a mixed-case Ethereum address, the Monero network byte and
    Keccak-256 checksum.
    """

    ENTITY = "CRYPTO_WALLET"
    NAME = "twoknow.crypto_wallet.v1"
    PATTERNS = (
        ("btc_base58", rf"(?<![A-Za-z0-9])[13][{_B58}]{{25,34}}(?![A-Za-z0-9])", 0.5, _CS),
        ("btc_bech32", r"(?<![A-Za-z0-9])(?:bc1|tb1|BC1|TB1)[02-9ac-hj-np-zAC-HJ-NP-Z]{6,87}(?![A-Za-z0-9])", 0.5, _CS),
        ("eth", r"(?<![A-Za-z0-9])0x[0-9a-fA-F]{40}(?![A-Za-z0-9])", 0.5, _CS),
        ("xmr", rf"(?<![A-Za-z0-9])[48][{_B58}]{{94}}(?:[{_B58}]{{11}})?(?![A-Za-z0-9])", 0.5, _CS),
    )
    CONTEXT = ("wallet", "bitcoin", "btc", "ethereum", "eth", "monero", "xmr", "crypto", "address", "paid", "send")

    def validate_result(self, pattern_text):
        return v.is_crypto_wallet(pattern_text)


# --------------------------------------------------------------------------
# Session IDs, PGP
# --------------------------------------------------------------------------


@_factory
class SessionIdRecognizer(TwoknowPatternRecognizer):
    """Session messenger account IDs: 66 hex characters starting ``05``."""

    ENTITY = "SESSION_ID"
    NAME = "twoknow.session_id.v1"
    PATTERNS = (("session_id", r"(?<![0-9a-zA-Z])05[0-9a-fA-F]{64}(?![0-9a-zA-Z])", 0.5, _CS),)
    CONTEXT = ("session", "id", "account", "contact", "message")

    def validate_result(self, pattern_text):
        return v.is_session_id(pattern_text)


_PGP_CONTEXT = re.compile(r"\b(?:pgp|gpg|openpgp|key\s?id|keyid|key|fingerprint|avain|nyckel|schlüssel)\b", re.I)


@_factory
class PgpFingerprintRecognizer(TwoknowPatternRecognizer):
    """OpenPGP v4 fingerprints: 40 hex digits, in groups of four (any spacing or colons) or not.

    39 or 41 digits, and 40 hex digits glued into a longer hex run (a Session
    ID, a SHA-256) are not fingerprints. Ethereum addresses (``0x`` + 40 hex)
    are left to ``CRYPTO_WALLET``.
    """

    ENTITY = "PGP_FINGERPRINT"
    NAME = "twoknow.pgp_fingerprint.v1"
    PATTERNS = (
        (
            "pgp_grouped",
            r"(?<![0-9A-Za-z])[0-9A-F]{4}(?:(?:\s{1,2}|:)[0-9A-F]{4}){9}(?![0-9A-Za-z])",
            0.5,
            _I,
        ),
        ("pgp_plain", r"(?<![0-9A-Za-z])[0-9A-F]{40}(?![0-9A-Za-z])", 0.5, _I),
        # long/short key IDs ("0x4E1F799AA4FF2279"): only next to a PGP word
        (
            "pgp_key_id",
            r"(?<![0-9A-Za-z])(?:0x)?(?:[0-9A-F]{4}\s?){3}[0-9A-F]{4}(?![0-9A-Za-z])"
            r"|(?<![0-9A-Za-z])0x[0-9A-F]{8}(?![0-9A-Za-z])",
            0.5,
            _I,
        ),
    )
    CONTEXT = ("pgp", "gpg", "fingerprint", "key", "openpgp")

    def validate_result(self, pattern_text):
        return v.is_pgp_fingerprint(pattern_text)

    def accept(self, text, match, start, end):
        value = text[start:end]
        if len(v.normalise_hex(value)) == 40:
            return (start, end, 1.0) if v.is_pgp_fingerprint(value) else None
        # a key ID: 16 or 8 hex digits with a PGP word just before it
        hexpart = v.normalise_hex(value)
        if len(set(hexpart)) < 4 or not (any(c.isdigit() for c in hexpart) and any(c.isalpha() for c in hexpart)):
            return None
        if not _PGP_CONTEXT.search(text[max(0, start - 40) : start]):
            return None
        return start, end, 0.85


@_factory
class PgpKeyBlockRecognizer(TwoknowPatternRecognizer):
    """ASCII-armoured PGP blocks (public/private key, message, signature).

    The span runs from the ``BEGIN`` line to the matching ``END`` line, or to
    the end of the answer when the block was cut off.
    """

    ENTITY = "PGP_KEY_BLOCK"
    NAME = "twoknow.pgp_key_block.v1"
    PATTERNS = (
        (
            "pgp_block",
            r"-{3,5}\s?BEGIN PGP (?P<kind>PUBLIC KEY BLOCK|PRIVATE KEY BLOCK|MESSAGE|SIGNATURE|SIGNED MESSAGE)\s?-{3,5}"
            r".*?(?:-{3,5}\s?END PGP (?P=kind)\s?-{3,5}|-{3,5}\s?END PGP [A-Z ]+-{3,5}|\Z)",
            1.0,
            re.DOTALL,
        ),
    )
    CONTEXT = ("pgp", "gpg", "key")

    def prefilter(self, text):
        return "BEGIN PGP" in text


# --------------------------------------------------------------------------
# Messaging handles and usernames
# --------------------------------------------------------------------------


@_factory
class MessagingHandleRecognizer(TwoknowPatternRecognizer):
    """Telegram/Discord/Matrix-style handles.

    ``@name`` (not an e-mail), ``@name:server.org`` (Matrix), ``t.me/name``,
    ``telegram.me/name``, ``discord.gg/code``, ``discord.com/invite/code`` and
    the old Discord tag ``name#1234``. The ``@`` and the link host are part of
    the span.
    """

    ENTITY = "MESSAGING_HANDLE"
    NAME = "twoknow.messaging_handle.v1"
    PATTERNS = (
        (
            "at_handle",
            # letters of any alphabet ("@jürgen.k", "@иван_петров"); a trailing dot is the sentence's
            r"(?<![\w@.+%-])@\w(?:[\w.]{0,30}\w)?(?::" + _LABEL + r"(?:\." + _LABEL + r")+)?(?![\w@-])",
            0.85,
            _I,
        ),
        (
            "telegram_link",
            r"(?<![\w.])(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/(?:joinchat/|\+|s/)?[a-z0-9_+-]{3,64}",
            0.95,
            _I,
        ),
        (
            "discord_invite",
            r"(?<![\w.])(?:https?://)?(?:www\.)?(?:discord\.gg|discord(?:app)?\.com/invite)/[a-z0-9-]{2,32}",
            0.95,
            _I,
        ),
        ("matrix_to", r"(?<![\w.])(?:https?://)?matrix\.to/#/[@!#][^\s<>\"']+", 0.95, _I),
        ("discord_tag", r"(?<![\w#@.])[A-Za-z0-9_.]{2,32}#\d{4}(?![\w])", 0.8, _CS),
    )
    CONTEXT = ("telegram", "discord", "handle", "add", "username", "matrix", "element", "dm", "message")

    def accept(self, text, match, start, end):
        value = text[start:end]
        if value.startswith("@"):
            name = value[1:].split(":", 1)[0]
            if not any(c.isalpha() for c in name) or len(name) < 2:
                return None
            if ":" not in value and name.lower() in _NOT_HANDLES:
                return None  # "@everyone", "@home": a mention or shorthand, not a person
            return start, end, -1.0
        end = _trim_trailing(text, start, end)
        return start, end, -1.0


_THREEMA_CONTEXT = re.compile(r"(?<!\w)(?:threem\w*|треем\w*)", re.I)


@_factory
class ThreemaIdRecognizer(TwoknowPatternRecognizer):
    """Threema IDs: 8 characters from ``0-9 A-Z`` (gateway IDs start with ``*``).

    Eight capitals are also an ALL-CAPS word, so a bare candidate is
    reported only when it starts with ``*`` or mixes at least two letters
    and two digits (a random Threema ID almost always does); any other
    candidate (``ECHOECHO``, ``abcd1234`` in lower case) needs the word
    "Threema" (in any inflection: "Threema-ID", "Threemassa", "Threemą",
    "Треема") within 40 characters before it, and an all-letter one must not
    be a word of the answer's language or English (the packaged common-word lexicon).
    """

    ENTITY = "MESSAGING_HANDLE"
    NAME = "twoknow.threema_id.v1"
    PATTERNS = (
        ("threema_id", r"(?<![\w*@#.\-/])(?:\*[0-9A-Z]{7}|[0-9A-Z]{8})(?![\w*@\-/]|\.\w)", 0.7, _CS),
        (
            "threema_id_after_word",
            r"(?i:(?<!\w)(?:threem\w*|треем\w*)(?:[\s-]?(?:id|tunnus|ид))?\W{0,3}(?:\w+\W{1,3}){0,3}?)"
            r"(?P<v>[0-9a-z]{8})(?![\w*@\-/]|\.\w)",
            0.85,
            _CS,
        ),
    )
    CONTEXT = ("threema",)
    STEMS = {"threema_id_after_word": ("threem", "треем")}

    def accept(self, text, match, start, end):
        value = text[start:end]
        letters = sum(c.isalpha() for c in value)
        digits = sum(c.isdigit() for c in value)
        context = bool(_THREEMA_CONTEXT.search(text, max(0, start - 40), start))
        if value.startswith("*") or (letters >= 2 and digits >= 2 and value.isupper()):
            return start, end, 0.85 if context or value.startswith("*") else 0.7
        if not context:
            return None
        if digits == 0:
            if not value.isupper() or _is_word(value.lower(), self.supported_language):
                return None  # "my threema is ABSOLUTE"-like noise, or a lower-case word
        elif letters == 0 and len(set(value)) < 3:
            return None
        return start, end, 0.85


@functools.lru_cache(maxsize=4096)
def _is_word(word: str, language: str) -> bool:
    """``word`` is one of the common words of ``language`` or English (the packaged common-word
    lexicon, :meth:`twoknow_text.deid.lexicon.Lexicon.common_words`; exact forms only: a compound
    ending in a word, "ECHOECHO", is no word)."""
    from twoknow_text.deid.lexicon import get_lexicon

    lex = get_lexicon()
    w = word.casefold()
    return w in lex.common_words(language) or w in lex.common_words("en")


# "@everyone" and friends: Discord/Slack mentions and shorthand, not a person.
_NOT_HANDLES = frozenset(
    "everyone here channel all admin admins mod mods moderator moderators home work night school me you them".split()
)

# Words that follow "my username was" without being a username.
_NOT_A_NAME = frozenset(
    """
    a an the my your his her their our its this that these those it is was be been being
    and or but so if then than as at by for from in into of on to with without about
    not no yes none nothing something anything everything someone anyone nobody
    same different random simple short long new old real fake secret private public hidden
    anonymous anon deleted removed banned changed gone suspended taken used generic unique
    obvious silly stupid dumb weird normal just only also very really still never always
    something else stolen hacked lost locked there here where when what which who whom why how
    similar based made pretty kind sort like always usually sometimes well too either neither
    mine yours ours theirs i me we you he she they them us him
    different each every any some all both many much more most other another such own
    telegram discord session signal snapchat instagram reddit whatsapp wickr kik element
    matrix tor vpn google protonmail tails
    oli on ei var är inte war ist nicht era es fue no был
    poistettu salainen sama eri anonyymi raderat hemligt samma anonymt gelöscht geheim anonym
    borrado secreto anónimo удален удалён
    """.split()
)

_USERNAME_VALUE = r"[\"'“‘«(\[<]?(?P<v>\w[\w.\-]{1,31}\w)(?![\w@]|[.\-]\w)[\"'”’»]?"
_APPS = (
    r"(?:Wickr(?:\s?Me)?|Kik|Session|Telegram|Signal|Snapchat|Snap|Discord|Element|Matrix|Threema|Skype|"
    r"Instagram|Insta|Reddit|WhatsApp|Wire|Jabber|XMPP|Twitter|TikTok|Tumblr|Steam|Xbox|PSN|Line|WeChat|Viber|ICQ)"
)


@_factory
class UsernameRecognizer(TwoknowPatternRecognizer):
    """Usernames introduced by context: "my username was X", "I post as X", "add me on Wickr: X".

    Only the name is the span. A following common word ("my username was
    deleted") is not a name. Works for English carrier phrases only: in
    other languages the residual-risk report is the safety net.
    """

    ENTITY = "USERNAME"
    NAME = "twoknow.username.v1"
    PATTERNS = (
        (
            "username_is",
            r"(?i:\b(?:user\s?-?name|user\s?id|nick\s?name|nick|handle|screen\s?name|alias|login(?:\s?name)?|"
            r"account\s?name|gamertag|display\s?name|online\s?name|forum\s?name|pseudonym)s?"
            r"(?:\s+(?:on|at|in|there|for)\s+(?:the\s+)?[A-Za-z0-9.]+)?"
            r"\s*(?:was|is|:|=|-|–|used to be|became)\s*(?:was\s+|is\s+)?(?:called\s+)?)" + _USERNAME_VALUE,
            0.85,
            _CS,
        ),
        (
            # the same carrier in the survey's other languages (fi, sv, de, es, ru)
            "username_other_languages",
            r"(?i:(?:\b(?:käyttäjä(?:nim[ie]|tunnu[sk])|nimimerk(?:ki|i)|nikki|nick)(?:ni)?\s*(?:oli|on|:)|"
            r"\b(?:mitt\s+)?(?:användarnamn|smeknamn|alias)\s*(?:var|är|:)|"
            r"\b(?:mein\s+)?(?:Benutzername|Nutzername|Nickname|Spitzname)\s*(?:war|ist|lautet(?:e)?|:)|"
            r"\b(?:mi\s+)?(?:nombre\s+de\s+usuario|usuario|apodo)\s*(?:era|es|fue|:)|"
            r"(?<![\w])(?:мой\s+)?(?:ник(?:нейм)?|логин|юзернейм)(?![\w])\s*(?:был|было|—|-|:)?)\s*)" + _USERNAME_VALUE,
            0.85,
            _CS,
        ),
        (
            "known_as",
            r"(?i:\bI\s+(?:called|named)\s+myself\s+|\bI\s+(?:am|was|were|got)\s+known\s+as\s+(?P<weak>)|"
            r"\bI\s+(?:post(?:ed)?|go|went|write|wrote|comment(?:ed)?|chat(?:ted)?|log(?:ged)?\s+in|sign(?:ed)?\s+in|"
            r"register(?:ed)?)(?:\s+(?:there|online|everywhere|on\s+(?:the\s+)?[A-Za-z0-9.]+))?\s+(?:as|by|under)\s+"
            r"(?:the\s+)?(?:(?:user\s?)?name|nick(?:name)?|handle|alias|pseudonym)\s+)" + _USERNAME_VALUE,
            0.85,
            _CS,
        ),
        (
            # weaker: "I post as X" / "I went by X" also introduce ordinary words
            # ("I post as often as I can"), so X must look like a username
            "post_as",
            r"(?i:\bI\s+(?P<weak>)(?:post(?:ed)?|write|wrote|comment(?:ed)?|chat(?:ted)?|log(?:ged)?\s+in|sign(?:ed)?\s+in|"
            r"register(?:ed)?|go|went)(?:\s+(?:there|online|everywhere|on\s+(?:the\s+)?[A-Za-z0-9.]+))?\s+(?:as|by|under)\s+)"
            + _USERNAME_VALUE,
            0.8,
            _CS,
        ),
        (
            "add_me_on",
            r"(?i:\b(?:add|find|contact|message|msg|dm|reach|text|ping)\s+me\s+(?:on|at|via|in)\s+" + _APPS + r"(?:\s+(?:ID|id))?"
            r"\s*(?::|-|–|as|at|=)?\s*)" + _USERNAME_VALUE,
            0.85,
            _CS,
        ),
        (
            "my_app_id",
            r"(?i:\b(?:my|his|her|their)\s+" + _APPS + r"\s*(?:ID|name|user\s?name|handle|account|nick)?\s*(?:is|was|:|=|-)\s*)"
            + _USERNAME_VALUE,
            0.85,
            _CS,
        ),
    )
    CONTEXT = ("username", "user", "nick", "handle", "post", "account", "alias")
    STEMS = {
        "username_is": ("user", "nick", "handle", "name", "alias", "login", "account", "gamertag", "pseudonym"),
        "username_other_languages": ("käyttäjä", "nimimerk", "nikki", "nick", "namn", "alias", "name", "usuario",
                                     "apodo", "ник", "логин", "юзер"),
        "known_as": ("myself", "known", " as ", " by ", " under "),
        "post_as": (" as ", " by ", " under "),
        "add_me_on": (" me ",),
        "my_app_id": ("my ", "his ", "her ", "their "),
    }

    def validate_result(self, pattern_text):
        value = pattern_text.strip("\"'“”‘’«»")
        if value.lower() in _NOT_A_NAME or len(value) < 3:
            return False
        return None

    def accept(self, text, match, start, end):
        value = text[start:end]
        if self.validate_result(value) is False:
            return None
        if match.groupdict().get("weak") is not None and not _looks_like_username(value):
            return None
        return start, end, -1.0


def _looks_like_username(value: str) -> bool:
    """Digits, ``_``/``.``/``-`` inside, CamelCase or a capital: not an ordinary lower-case word."""
    return (
        any(c.isdigit() for c in value)
        or any(c in "_.-" for c in value)
        or value[0].isupper()
        or any(c.isupper() for c in value[1:])
    )


# --------------------------------------------------------------------------
# National identity numbers
# --------------------------------------------------------------------------


@_factory
class NationalIdRecognizer(TwoknowPatternRecognizer):
    """National identity numbers of every EU/EEA country, Switzerland and the UK.

    One pattern per layout of :data:`twoknow_text.deid.national_ids.ID_FORMATS`
    (Finnish HETU, Swedish personnummer, Norwegian fødselsnummer, Danish CPR,
    Icelandic kennitala, Estonian isikukood, Latvian personas kods,
    Lithuanian asmens kodas, Polish PESEL, Czech/Slovak rodné číslo,
    Romanian CNP, Slovenian EMŠO, Bulgarian EGN, Croatian OIB, Hungarian tax
    and TAJ numbers, Greek AMKA, German IdNr, Austrian SVNR, Swiss AHV,
    Liechtenstein PEID, Belgian national number, Dutch BSN, Luxembourg
    matricule, French NIR, Irish PPS, UK NINO and NHS number, Spanish DNI and
    NIE, Italian codice fiscale, Portuguese CC and NIF, Maltese and Cypriot
    ID cards), each validated with ``python-stdnum`` (or the local check
    where stdnum has none).

    A strong layout (a date and a check digit, a check letter, separators in
    the national layout) scores 1.0 alone. A weak one (a bare digit run with
    one check digit, or no checksum at all) is reported, at 0.95, only with a
    context word near it ("BSN", "PESEL", "Steuer-ID", "my personal code");
    both score above any phone number, so a validated personal code is never
    left to ``PHONE_NUMBER``.
    """

    ENTITY = "NATIONAL_ID"
    NAME = "twoknow.national_id.v1"
    PATTERNS = tuple(
        (f.key, f.pattern, 1.0 if f.strong else 0.95, f.flags)
        for f in _ni.ID_FORMATS
    )
    CONTEXT = ("hetu", "henkilötunnus", "personnummer", "fødselsnummer", "cpr", "isikukood", "pesel", "bsn",
               "dni", "nie", "id", "identity", "social security", "ssn")
    _FORMATS = {f.key: f for f in _ni.ID_FORMATS}
    #: fewest digits of any layout (a UK NINO has six)
    MIN_DIGITS = 6

    def prefilter(self, text):
        return len(_DIGIT.findall(text)) >= self.MIN_DIGITS

    def validate_result(self, pattern_text):
        return any(f.check(pattern_text) for f in _ni.ID_FORMATS if f.accepts(pattern_text))

    def accept(self, text, match, start, end):
        fmt = self._FORMATS[match.lastgroup] if match.lastgroup in self._FORMATS else None
        if fmt is None:
            return None
        value = text[start:end]
        if not fmt.check(value):
            return None
        if fmt.strong:
            return start, end, 1.0
        return (start, end, 0.95) if _ni.has_id_context(text, start, end, fmt.country) else None

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language=supported_language)
        # name the whole pattern, so that accept() knows which layout matched
        self._compiled = [
            (n, re.compile("(?P<" + n + ">" + rx + ")", flags), s) for n, rx, s, flags in self.PATTERNS
        ]


# --------------------------------------------------------------------------
# Street addresses
# --------------------------------------------------------------------------

_EN_STREET_TYPES = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Place|Pl|Way|Terrace|Close|"
    r"Crescent|Square|Sq|Parkway|Pkwy|Highway|Hwy|Row|Grove|Gardens|Mews|Walk|Hill)"
)
# Street names written as one compound word ending in the street type.
_COMPOUND_SUFFIX = (
    r"(?:tie|katu|kuja|polku|tori|väylä|raitti|rinne|kaari|puisto|ranta|"  # Finnish
    r"gatan|gata|vägen|väg|stigen|gränd|torget|backen|allén|"  # Swedish
    r"veien|vegen|gaten|gate|vej|gade|vegur|braut|stræti|"  # Norwegian, Danish, Icelandic
    r"straße|strasse|str\.|weg|platz|gasse|allee|"  # German
    r"laan|straat|plein|gracht|kade|singel|dreef)"  # Dutch, Flemish
)
# Nordic qualifiers written before a street name: "Östra Hamngatan", "Pohjoinen Rautatiekatu".
_STREET_QUALIFIER = (
    r"(?:Östra|Västra|Norra|Södra|Stora|Lilla|Nya|Gamla|Store|Lille|Nedre|Øvre|Vester|Øster|Nørre|Søndre|"
    r"Pohjoinen|Eteläinen|Itäinen|Läntinen|Vanha|Uusi|Sankt|Alte|Neue|Große|Kleine)"
)
# Street types written before the name ("Via Roma 131", "ul. Długa 5", "ул. Ленина, д. 5"), every language
_PREFIX_TYPES = (
    r"(?:" + "|".join(sorted({w for ws in _addr.PREFIX_TYPES.values() for w in ws}, key=len, reverse=True)) + r")"
)
# Street types written after the name as a word of their own ("Brīvības iela", "Narva mnt", "Gedimino pr.")
_SUFFIX_TYPES = (
    r"(?:" + "|".join(sorted({w for k, ws in _addr.SUFFIX_TYPES.items() if k not in ("nordic", "nl", "pl")
                              for w in ws}, key=len, reverse=True)) + r")"
)
_PARTICLES = r"(?:(?:de|du|des|la|le|les|del|della|dei|degli|da|do|dos|das|di|van|von|der|d'|l')\s*)"
_CAP = _addr.UPPER
_LOW = _addr.LOWER
_NAME = _addr.NAME_WORD
_UNIT = r"(?:,?\s+(?:Apt|Apartment|Flat|Unit|Suite|Ste|as\.|lgh\.?)\.?\s*#?\d{1,5}[A-Z]?(?![\w-])){0,2}"
# house number, staircase letter (not the pronoun in "Kungsgatan 24 I was ..."), flat number, "12-3", "5/12"
_HOUSE = (
    r"\d{1,4}(?:\s?[/\-]\s?\d{1,4}(?!\d))?(?:\s?(?!I\s+[a-z])[A-Z](?![\w']))?(?:\s?\d{1,3}(?![\d\w]))?"
    r"(?:\s?[a-z](?![\w']))?"
)
# ", 00100 Helsinki", ", 114 55 Stockholm", ", London NW1 6XE": the rest of a postal address
_POSTAL_TAIL = (
    r"(?:,?\s+(?:\d{5}|\d{3}\s\d{2}|\d{4})\s+" + _NAME
    + r"|,\s+[A-Z][a-z]+,?\s+[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})?"
)


@_factory
class StreetAddressRecognizer(TwoknowPatternRecognizer):
    """Street addresses with a house number, with their unit, postcode and town as one span.

    The street (the *core*) in the order of its language: English
    ``12 Baker Street`` / ``221B Baker St., Apt 4``; compound Nordic,
    German and Dutch names ``Mannerheimintie 12 B 5``, ``Drottninggatan 5``,
    ``Östra Hamngatan 3``, ``Hauptstraße 3``, ``Kerkstraat 12-3``;
    two-word ``Thorvald Meyers gate 22``; a street-type word before the name
    (Spanish, Portuguese, French, Italian, Polish, Russian, Czech/Slovak:
    ``Calle Mayor 12``, ``C/ Mayor 12``, ``Avda. de la Constitución 5``,
    ``12 rue de la Paix``, ``Via Roma 10``, ``ul. Długa 5/12``,
    ``ул. Ленина, д. 5``) or after it as a word of its own (Latvian,
    Lithuanian, Estonian: ``Brīvības iela 55-12``, ``Gedimino pr. 9-3``,
    ``Narva mnt 7-15``); a capitalised name and number followed by a postcode
    and town (``Vodičkova 681/12, 110 00 Praha 1``); ``P.O. Box 123`` and a
    bare ``Apt. 117`` / ``Suite 464`` unit.

    Then the *tail* (:func:`twoknow_text.deid.addresses.extend_tail`): units
    (``3º B``, ``int. 3``, ``кв. 12``), postcode and town (``28013 Madrid``,
    ``00-238 Warszawa``, ``1017 GC Amsterdam``, ``LT-01103 Vilnius``) and a
    town after a comma (``, Rīga``), all in the same span.

    Case-sensitive on the street name (a capitalised name, any alphabet), so
    "3 times a week on the road" or "via Telegram 5 times" is not an address.
    """

    ENTITY = "STREET_ADDRESS"
    NAME = "twoknow.street_address.v1"
    PATTERNS = (
        (
            "en_street",
            r"(?<![\w/.-])\d{1,5}[A-Za-z]?(?:-\d{1,5})?,?\s+(?:" + _NAME + r"\s+){1,3}" + _EN_STREET_TYPES
            + r"(?!\w)\.?" + _UNIT + _POSTAL_TAIL,
            0.75,
            _CS,
        ),
        (
            "compound_street",
            r"(?<![\w-])(?:" + _STREET_QUALIFIER + r"\s+)?" + _CAP + _LOW + r"{3,}" + _COMPOUND_SUFFIX
            + r"\s+" + _HOUSE + _UNIT + _POSTAL_TAIL,
            0.75,
            _CS,
        ),
        (
            "nordic_two_word",
            r"(?<![\w-])(?:" + _CAP + _LOW + r"+\s+)?" + _CAP + _LOW + r"+s\s+(?:gate|gata|vei|vej|gade|väg)\s+"
            + _HOUSE + _UNIT,
            0.75,
            _CS,
        ),
        (
            "prefix_type_street",
            r"(?<![\w-])(?:\d{1,4}(?:\s?(?:bis|ter))?,?\s+)?" + _PREFIX_TYPES + r"(?:(?<=[./])\s*|\s+)"
            + _PARTICLES + r"*" + _NAME + r"(?:\s+" + _PARTICLES + r"*" + _NAME + r"){0,2}"
            + r"(?:,?\s+" + _addr.HOUSE_NUMBER + r"(?![\w-]))?" + _UNIT,
            0.7,
            _CS,
        ),
        (
            "suffix_type_street",
            r"(?<![\w-])" + _NAME + r"(?:[^\S\n]+" + _NAME + r")?[^\S\n]+" + _SUFFIX_TYPES + r"(?:(?<=\.)|(?!\w))"
            + r",?[^\S\n]*" + _addr.HOUSE_NUMBER + r"(?![\w-])",
            0.7,
            _CS,
        ),
        (
            "name_number_postcode",
            # a name and number, maybe a flat, then postcode and town in either order; the comma is
            # required: "Suite 541 6343 Skogstien" is not a street and postcode
            r"(?<![\w-])" + _NAME + r"(?:[^\S\n]+" + _NAME + r")?[^\S\n]+" + _addr.HOUSE_NUMBER
            + r"(?:,?[^\S\n]+" + _addr.STRONG_UNIT + r")?,[^\S\n]*"
            + r"(?:" + _addr.POSTCODE_STRICT + r"[^\S\n]+" + _addr.town_pattern()
            + r"|" + _addr.town_pattern() + r"[^\S\n]+" + _addr.POSTCODE_STRICT + r")",
            0.7,
            _CS,
        ),
        (
            "name_number_unit",
            # a street without a type word, followed by a flat: "Rüütli 160 korter 4", "Am Mühlbach 45, Whg. 11"
            r"(?<![\w-])" + _NAME + r"(?:[^\S\n]+" + _NAME + r")?(?:[^\S\n]+(?:tee|gate|vei|vej|gade|väg|gata))?"
            + r"[^\S\n]+" + _addr.HOUSE_NUMBER + r",?[^\S\n]+" + _addr.STRONG_UNIT,
            0.7,
            _CS,
        ),
        ("po_box", r"(?i:\b(?:P\.?\s?O\.?\s?Box|PL|Postilokero|Box)\s+\d{1,6})\b", 0.6, _CS),
        ("unit", r"(?<![\w-])(?:Apt|Apartment|Suite|Flat)\.?\s+#?\d{1,5}[A-Z]?(?![\w-])", 0.6, _CS),
    )
    CONTEXT = ("address", "live", "lived", "street", "osoite", "adress", "home")

    def prefilter(self, text):
        return any(c.isdigit() for c in text)  # every address has a number

    @staticmethod
    def _select(text, results):
        """Overlapping or adjacent pieces of one address ("Apt. 117, Skoanveien 226") become one span."""
        results = sorted(results, key=lambda r: (r.start, -r.end))
        out: list[RecognizerResult] = []
        for r in results:
            if out and (r.start < out[-1].end or re.fullmatch(r",?[^\S\n]*", text[out[-1].end : r.start])):
                last = out[-1]
                last.end = max(last.end, r.end)
                last.score = max(last.score, r.score)
                continue
            out.append(r)
        return out

    def accept(self, text, match, start, end):
        end = _trim_trailing(text, start, end)
        value = text[start:end]
        # "for 12 Years Road"-like capitalised noise: the street name must not be a time word
        if re.match(r"\d+\s+(?:Years?|Months?|Weeks?|Days?|Times?|Hours?)\b", value):
            return None
        if _addr.TIME_WORDS.match(text, end):
            return None  # "Via Roma 5 times", "Narva mnt 3 korda"-like counts
        year = re.match(r"(?:19|20)\d\d,\s*", value)
        if year and any(c.isdigit() for c in value[year.end() :]):
            start += year.end()  # "In 2019, Calle Mayor 5": a year, not the house number
            value = text[start:end]
        pattern = match.re.pattern
        if pattern.startswith("(?i:\\b(?:P") and value.split()[0].upper() in ("PL", "BOX"):
            # "PL 123" only next to a postcode-like context is too rare to trust alone
            if not re.search(r"\b\d{5}\b", text[end : end + 20]):
                return None
        if _PREFIX_TYPES in pattern or _SUFFIX_TYPES in pattern:
            # a street with a type word needs its number, before or after the name
            if not any(c.isdigit() for c in value):
                return None
            if any(w.lower().strip(",.") in _NOT_A_NAME for w in value.split()[1:]):
                return None  # "Via Telegram 5 times"
        if value.split()[0].casefold() in _NOT_STREET_NAMES:
            return None  # "Windows 10, 80331 ..."-like product names
        return _addr.extend_head(text, start), _addr.extend_tail(text, end), -1.0


# Capitalised words that start a "name + number + postcode" or "name + type + number" match without
# being a street (product names, months, days).
_NOT_STREET_NAMES = frozenset(
    """windows android ios iphone ipad galaxy version chapter page section level season episode
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday""".split()
)


# --------------------------------------------------------------------------
# Long digit runs
# --------------------------------------------------------------------------

_YEARISH = re.compile(r"^(?:19|20)\d\d$")


@_factory
class LongNumberRecognizer(TwoknowPatternRecognizer):
    """Any run of 9+ digits (spaces, dashes or dots allowed) as ``ID_NUMBER``.

    In survey answers such a run is an account, card, phone or case number
    far more often than anything else; the typed recognizers win where they
    also match (their spans are validated and score higher), this one catches
    what they do not know (a foreign phone layout, a bank account). Lists of
    years ("2019 2020 2021") are spared. On by default; the config flag
    ``long_numbers: false`` leaves it out (see :func:`registry.recognizer_names`).
    """

    ENTITY = "ID_NUMBER"
    NAME = "twoknow.long_number.v1"
    PATTERNS = (("long_number", r"(?<![\w.+])\+?\d(?:[ \-.]?\d){8,}(?![\w])", 0.5, _CS),)
    CONTEXT = ("number", "account", "id", "card", "case")

    def prefilter(self, text):
        return len(_DIGIT.findall(text)) >= 9

    def validate_result(self, pattern_text):
        groups = [g for g in re.split(r"[ \-.]", pattern_text) if g]
        digits = sum(len(g) for g in groups)
        if digits < 9 or digits > 34:
            return False
        if len(groups) > 1 and all(_YEARISH.match(g) for g in groups):
            return False
        return None  # keep the pattern's score

