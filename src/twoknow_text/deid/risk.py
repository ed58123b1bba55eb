"""Residual-risk score of a de-identified answer: how likely is an identifier still in it?

Detection misses things (a lowercase name, a handle after "call me", a
surname next to a replaced first name). The score looks at what is *left*
in a de-identified answer for evidence of such a miss. Answers at or above
the review threshold (``DeidConfig.review_threshold``) go to a trusted
reviewer before any coder sees them (``twoknow ls review push``).

Evidence (a :class:`RiskReason` each: its kind, its offsets in the
de-identified text and its weight; never the text itself):

==========================  ======  ==================================================
kind                        weight  what
==========================  ======  ==================================================
``onion_like``              0.80    ``.onion`` or a 16-56 char base32 run
``at_sign``                 0.70    an ``@`` in a word (``@name``, ``name@host``)
``placeholder_touching``    0.70    letters glued to a placeholder (``[LOCATION_X]ńsku``)
``long_digits``             0.60    7+ digits in one run (``-./`` separators, or spaces
                                    after a leading ``+`` or ``0``), not an amount of
                                    up to 7 digits with thousands separators
``url_like``                0.60    ``www.``, ``http``, ``name.tld`` that is not a bare
                                    platform domain
``cue_handle``              0.60    "call me", "nimimerkki", "мой ник"... followed by a
                                    word that is not a placeholder and looks like a name
                                    or handle (capitalised, rare or handle-like)
``cue_name``                0.60    "my wife", "mi hermana", "меня зовут"... likewise
``cue_place``               0.50    "I live in", "asun", "mieszkam w"... likewise
``handle_like``             0.55    letters and digits mixed (``fox88``), an underscore,
                                    a dot inside a word (``j.smith``), ``u/name``,
                                    decorations (``xXnameXx``)
``sign_off``                0.55    the answer ends "- Name"
``capitalised_token``       0.50    a capitalised word inside a sentence that is no
                                    allow-listed term, platform, weekday, month,
                                    language name, name of an identifier kind
                                    ("HETU", "personnummer") or one of the 300 most
                                    frequent words of English or the answer's
                                    language (not used for German, which
                                    capitalises nouns); a common word right after
                                    a placeholder starts a sentence
``rare_capitalised``        0.60    the same, and rare in the answer's language
                                    (German: 0.20)
``placeholder_adjacent``    0.45    a capitalised or rare word right before or after a
                                    placeholder (a surname left beside a first name)
``foreign_word``            0.45    in an English answer, a word rare in English but
                                    common in another survey language ("mikko",
                                    "tampere": Nordic, Baltic, Slavic names in English)
``digit_groups``            0.25    7+ digits in space-separated groups not starting
                                    with ``+`` or ``0`` ("2018 2010 24": often plain
                                    numbers; a phone number written so is caught
                                    by detection first)
``cue_weak``                0.15    a cue followed by an ordinary lowercase word
                                    ("my wife left")
``rare_token``              0.20    a lowercase word of 4+ letters that is rare in the
                                    answer's language and in English (a lowercase name
                                    or place, or a typo)
==========================  ======  ==================================================

"Rare" means not among the language's common words in the packaged lexicon
(wordfreq, Zipf 2.8 and above; see :mod:`.lexicon` and
``scripts/build_lexicons.py``; loaded only for the languages present;
Estonian has no frequency list, so rarity is not used for it).

Combination: within a kind only the strongest instance counts (ten typos are
not ten pieces of evidence); across kinds the evidence combines as a
noisy-OR, ``score = 1 - prod(1 - w_kind)``. So any single strong reason
(>= 0.5) reaches the default threshold of 0.5; two weak ones do not
(rare_token + cue_weak = 0.32); a weak one joins a medium one
(placeholder_adjacent + rare_token = 0.56).

>>> s = RiskScorer()
>>> a = s.assess("My nickname was quietfox88 on that forum.", "en")
>>> a.score >= 0.5, sorted({r.kind for r in a.reasons})
(True, ['cue_handle', 'handle_like'])
>>> s.assess("I felt lonely and bored most evenings.", "en").score
0.0
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from .allowlist import AllowList
from .lexical import cue_matches
from .lexicon import LEXICON_LANGUAGES, get_lexicon
from .pseudonyms import PLACEHOLDER_RE

__all__ = [
    "REASON_WEIGHTS",
    "DEFAULT_REVIEW_THRESHOLD",
    "RiskReason",
    "RiskAssessment",
    "RiskScorer",
    "combine",
    "common_words",
    "very_common_words",
    "common_in_any_language",
]

#: Weight of each kind of evidence (see the module docstring).
REASON_WEIGHTS: dict[str, float] = {
    "onion_like": 0.80,
    "at_sign": 0.70,
    "placeholder_touching": 0.70,
    "long_digits": 0.60,
    "url_like": 0.60,
    "cue_handle": 0.60,
    "cue_name": 0.60,
    "cue_place": 0.50,
    "handle_like": 0.55,
    "sign_off": 0.55,
    "capitalised_token": 0.50,
    "rare_capitalised": 0.60,
    "placeholder_adjacent": 0.45,
    "foreign_word": 0.45,
    "digit_groups": 0.25,
    "cue_weak": 0.15,
    "rare_token": 0.20,
}
_GERMAN_RARE_CAP = 0.20

#: Answers whose score is at least this go to privacy review (``DeidConfig.review_threshold``).
DEFAULT_REVIEW_THRESHOLD = 0.5


class RiskReason(BaseModel):
    """One piece of evidence: ``kind`` at [start, end) of the de-identified text, with its weight."""

    model_config = ConfigDict(frozen=True)
    kind: str
    start: int
    end: int
    weight: float


class RiskAssessment(BaseModel):
    """The score in [0, 1] and the reasons behind it (sorted by position)."""

    model_config = ConfigDict(frozen=True)
    score: float = 0.0
    reasons: list[RiskReason] = Field(default_factory=list)

    def kinds(self) -> list[str]:
        """Distinct reason kinds, strongest first."""
        best: dict[str, float] = {}
        for r in self.reasons:
            best[r.kind] = max(best.get(r.kind, 0.0), r.weight)
        return sorted(best, key=lambda k: (-best[k], k))


def combine(reasons: Iterable[RiskReason]) -> float:
    """Noisy-OR over kinds of the strongest weight per kind, rounded to 4 places."""
    best: dict[str, float] = {}
    for r in reasons:
        best[r.kind] = max(best.get(r.kind, 0.0), r.weight)
    keep = 1.0
    for w in best.values():
        keep *= 1.0 - w
    return round(1.0 - keep, 4)


def common_in_any_language(word: str) -> bool:
    """True when ``word`` (lowercase) is common in at least one survey language."""
    lex = get_lexicon()
    return any(word in lex.common_words(lang) for lang in LEXICON_LANGUAGES)


def common_words(language: str) -> AbstractSet[str] | None:
    """The common-word set of a language (None when there is none): the packaged lexicon's own
    word table, not a copy of it."""
    words = get_lexicon().common_words(language) if language in LEXICON_LANGUAGES else {}
    return words.keys() if words else None


@lru_cache(maxsize=32)
def very_common_words(language: str) -> frozenset[str]:
    """The language's most frequent words (empty when there is no frequency list)."""
    if language == "et" or language not in LEXICON_LANGUAGES:
        return frozenset()
    return frozenset(w for w, rank in get_lexicon().common_words(language).items() if rank < _VERY_COMMON_N)


# --- token shapes -------------------------------------------------------------

# a word: letters/digits, joined by ' ’ - . _ @ / inside (handles and addresses stay whole)
_TOKEN = re.compile(r"[^\W_]+(?:[_'’\-.@/]+[^\W_]+)*_*|[@_]+[^\W_][\w.]*")
_ONION = re.compile(r"\.onion\b|(?<![\w.])(?=[a-z2-7]*[2-7])(?=[a-z2-7]*[a-z])[a-z2-7]{16,56}(?![\w])", re.I)
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|me|ru|to|onion|gg|cc|xyz|fi|se|"
                  r"de|fr|es|nl|it|pt|dk|no|pl|ee|lv|lt|eu|info|co|uk)\b(?:/\S*)?", re.I)
_DIGIT_RUN = re.compile(r"(?<![\w,.])\+?\d(?:[ .\-/]?\d){6,}(?![\w])")
_AMOUNT = re.compile(r"^\d{1,3}(?:([ ,.])\d{3})(?:\1\d{3})*$")
_UNIT_NUMBER = re.compile(r"^\d+(?:st|nd|rd|th|am|pm|s|h|hrs?|min|mins|km|kg|mb|gb|tb|k|x|d|p|v|yo|y|e|%)$", re.I)
_DECORATED = re.compile(r"^(?:xX|Xx)\w{2,}(?:Xx|xX)$")  # xXnameXx
_USER_PATH = re.compile(r"^(?:u|user)/\w", re.I)
_SIGN_OFF = re.compile(r"(?:^|\n|[.!?]\s+|\s)[-–—~]{1,2}\s*([^\W\d_][\w'’\-]*)\s*[.!]?\s*$")
_SENTENCE_END = re.compile(r"[.!?…:;\n\"“”«»]")
_ABBREV_DOTS = re.compile(r"^(?:[^\W\d_]\.){1,3}[^\W\d_]?$")  # e.g. i.e. u.s.

#: Capitalised words that are ordinary inside an English sentence (and similar
#: in other languages). Casefolded.
_ORDINARY_CAPS = frozenset(
    """i i'm i've i'd i'll im ive monday tuesday wednesday thursday friday saturday sunday january february
    march april may june july august september october november december english finnish swedish german
    french spanish dutch italian portuguese danish norwegian polish estonian latvian lithuanian russian
    european american british christian muslim jewish god bible christmas easter internet web ok okay tv pc
    dm dms mr mrs ms dr covid google windows mac iphone android apple microsoft youtube facebook twitter
    netflix wikipedia amazon linux ubuntu chrome firefox safari edge brave duckduckgo bing yahoo
    english-speaking uk us usa eu""".split()
) | frozenset(
    # names of identifier kinds: the word before a replaced number, not a value
    """hetu henkilötunnus henkilötunnukseni personnummer personnumret fødselsnummer cpr cpr-nummer pesel dni nie
    nif bsn burgerservicenummer isikukood asmens kodas personas kods codice fiscale snils инн снилс ssn
    nino iban bic pin""".split()
)

#: How many of a language's most frequent words never count as a name when capitalised
#: ("The", "Nobody", "My" after a placeholder that ended a sentence without a full stop).
_VERY_COMMON_N = 300

#: Words that may stand between a cue and the value ("my nickname *was* X", "call me: X").
_CONNECTORS = frozenset(
    """is was as i'm im am are were to be been called named the a an just simply also still now then
    ist war als heißt heisst bin oli on olen är var er est était c'est es era é foi er var jest był była
    był byla jestem ir bija yra buvo это был была был""".split()
)


class RiskScorer:
    """Scores de-identified answers; holds the allow-list and per-language word sets.

    Create one per run (word sets are loaded on first use of a language and
    shared through a module cache); :meth:`assess` is cheap and pure.
    """

    def __init__(self, allow_list: AllowList | None = None) -> None:
        self.allow_list = allow_list or AllowList()
        self._allowed_cache: dict[str, bool] = {}

    # -- helpers
    def _allowed(self, word: str) -> bool:
        hit = self._allowed_cache.get(word)
        if hit is None:
            allow = self.allow_list
            hit = allow.is_allowed(word) or allow.is_platform_inflection(word)
            if len(self._allowed_cache) < 200_000:
                self._allowed_cache[word] = hit
        return hit

    @staticmethod
    def _words_for(language: str | None) -> tuple[AbstractSet[str] | None, AbstractSet[str]]:
        en = common_words("en") or frozenset()  # the lexicon keeps it; no copy is made
        if language is None or language == "en":
            return en, en
        return common_words(language), en

    @staticmethod
    def _is_common(word: str, lang_words: AbstractSet[str] | None, en: AbstractSet[str]) -> bool | None:
        """True/False, or None when the language has no list (rarity unknown)."""
        w = word.casefold()
        w = re.sub(r"(?:'s|’s|')$", "", w)
        parts = [p for p in re.split(r"[-'’]", w) if p]
        if not parts:
            return True

        def known(p: str) -> bool:
            return p in en or (lang_words is not None and p in lang_words) or len(p) <= 2

        if all(known(p) for p in parts):
            return True
        return None if lang_words is None else False

    @staticmethod
    def _handle_shape(tok: str) -> bool:
        """A token shaped like a user name: fox88, dark_owl, j.smith, u/name, xXnameXx."""
        if _USER_PATH.match(tok):
            return True
        if "/" in tok:
            return False
        if "_" in tok.strip("_") or tok.startswith("_") or tok.endswith("_"):
            return True
        has_digit = any(c.isdigit() for c in tok)
        has_alpha = any(c.isalpha() for c in tok)
        if has_digit and has_alpha:
            if _UNIT_NUMBER.match(tok):
                return False
            letters = sum(c.isalpha() for c in tok)
            digits = sum(c.isdigit() for c in tok)
            return letters >= 3 or digits >= 2
        if "." in tok and has_alpha and not _ABBREV_DOTS.match(tok):
            left, _, right = tok.partition(".")
            return bool(left) and bool(right) and not right[:1].isupper() and not tok.replace(".", "").isdigit()
        return bool(_DECORATED.match(tok))

    # -- the score
    def assess(self, text: str, language: str | None = None) -> RiskAssessment:
        """Score one de-identified answer (placeholders are never evidence themselves)."""
        if not text:
            return RiskAssessment()
        holes = [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(text)]
        masked = PLACEHOLDER_RE.sub(lambda m: "\ue000" * len(m.group(0)), text) if holes else text
        lang_words, en = self._words_for(language)
        german = language in ("de", "lb")
        english = language in (None, "en")
        very_common = very_common_words("en") | (very_common_words(language) if language else frozenset())
        reasons: list[RiskReason] = []

        def add(kind: str, start: int, end: int, weight: float | None = None) -> None:
            reasons.append(RiskReason(kind=kind, start=start, end=end,
                                      weight=REASON_WEIGHTS[kind] if weight is None else weight))

        for m in _ONION.finditer(masked):
            add("onion_like", m.start(), m.end())
        for m in _URL.finditer(masked):
            if not self.allow_list.is_platform_domain(m.group(0)) and "\ue000" not in m.group(0):
                add("url_like", m.start(), m.end())
        for m in _DIGIT_RUN.finditer(masked):
            run = m.group(0)
            if _AMOUNT.match(run) and sum(c.isdigit() for c in run) <= 7:
                continue
            if " " in run and not run.startswith(("+", "0")):
                add("digit_groups", m.start(), m.end())
            else:
                add("long_digits", m.start(), m.end())

        tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(masked)]
        hole_starts = {s for s, _ in holes}
        hole_ends = {e for _, e in holes}
        # token index -> classification computed once
        info: list[tuple[bool, bool | None, bool]] = []  # (capitalised, common?, allowed)
        prev_end = 0
        for i, (s, e, tok) in enumerate(tokens):
            core = tok.strip("_'’.-")
            sentence_start = i == 0 or bool(_SENTENCE_END.search(masked[prev_end:s])) or (
                tokens[i - 1][2] in ("-", "–") if i else False)
            prev_end = e
            cap = core[:1].isupper() and not core.isupper() or (core.isupper() and len(core) > 5)
            common = self._is_common(core, lang_words, en) if any(c.isalpha() for c in core) else True
            if cap and not sentence_start and masked[:s].rstrip().endswith("\ue000") and common is True:
                sentence_start = True  # "[X] Nobody knew": the placeholder ended a sentence
            allowed = False
            if "@" in tok:
                add("at_sign", s, e)
            elif self._handle_shape(tok) and not _URL.fullmatch(tok):  # addresses are url_like's
                if not self._allowed(tok):
                    add("handle_like", s, e)
            if (cap or common is False) and any(c.isalpha() for c in core):
                allowed = self._allowed(core) or core.casefold() in _ORDINARY_CAPS or (
                    # "Tor Browser", "Telegram Desktop": a platform name with a tool word
                    (i > 0 and self._allowed(f"{tokens[i - 1][2]} {core}"))
                    or (i + 1 < len(tokens) and self._allowed(f"{core} {tokens[i + 1][2]}")
                        and self.allow_list.contains_platform(core)))
            info.append((cap, common, allowed))
            # touching a placeholder: letters glued to it
            if s in hole_ends or e in hole_starts:
                if not allowed:
                    add("placeholder_touching", s, e)
            if allowed or not core or not any(c.isalpha() for c in core):
                continue
            if cap and not sentence_start and core.casefold() not in _ORDINARY_CAPS and \
                    core.casefold() not in very_common:
                if german:
                    if common is False:
                        add("rare_capitalised", s, e, _GERMAN_RARE_CAP)
                elif common is False:
                    add("rare_capitalised", s, e)
                else:
                    add("capitalised_token", s, e)
            elif common is False and len(core) >= 4 and core.isalpha() and (not cap or sentence_start):
                add("rare_token", s, e)
                if english and common_in_any_language(core.casefold()):
                    add("foreign_word", s, e)
            # a suspicious word beside a placeholder (whitespace between)
            if ((cap and not sentence_start and not german) or common is False) and holes:
                before = masked[:s].rstrip(" ")
                after = masked[e:]
                if before.endswith("\ue000") or after.lstrip(" ").startswith("\ue000"):
                    add("placeholder_adjacent", s, e)

        # cues: judge the first content word after each cue
        for kind, cs, ce in cue_matches(masked, language):
            j = next((k for k, (s, _, _) in enumerate(tokens) if s >= ce), None)
            skipped = 0
            while j is not None and j < len(tokens) and skipped < 2 and tokens[j][2].casefold() in _CONNECTORS:
                j += 1
                skipped += 1
            if j is None or j >= len(tokens):
                continue
            s, e, tok = tokens[j]
            gap = masked[ce:s]
            if "\ue000" in gap or _SENTENCE_END.search(gap.replace(":", "")):
                continue  # a placeholder came first, or the sentence ended
            cap, common, allowed = info[j]
            if allowed:
                continue
            strong = self._handle_shape(tok) or "@" in tok or common is False or cap or tok.isupper() or \
                (kind == "handle" and (any(c.isdigit() for c in tok) or common is None))
            if tok.isdigit() and kind != "handle":
                strong = False
            if strong:
                add(f"cue_{kind}", s, e)
            else:
                add("cue_weak", s, e)

        m = _SIGN_OFF.search(masked)
        if m and m.group(1)[:1].isupper():
            w = m.group(1)
            if not self._allowed(w) and w.casefold() not in _ORDINARY_CAPS and w.casefold() not in _CONNECTORS:
                add("sign_off", m.start(1), m.end(1))

        reasons.sort(key=lambda r: (r.start, r.kind))
        return RiskAssessment(score=combine(reasons), reasons=reasons)
