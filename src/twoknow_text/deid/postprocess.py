"""Post-processing of raw spans: trim, filter, extend, merge, type.

:func:`postprocess` turns what the recognizers, the NER and the lexical pass
(:mod:`.lexical`) found in one answer into a sorted, non-overlapping list:

* NER spans are trimmed of articles and edge punctuation; one-word NER
  spans that are ordinary English words or acronyms ("Groups", "IP") are
  dropped; platform/tool names, time phrases and the user's keep-list stay;
* name, place and username spans cover whole words, Unicode-aware;
* name spans grow over adjacent capitalised name tokens ("Anna" +
  "Virtanen"), and a name found once is replaced wherever else it occurs in
  the answer;
* overlaps are merged (validated structured identifiers win over NER
  guesses), and a one-word PERSON that the lexicon knows only as a city
  becomes LOCATION.
"""

from __future__ import annotations

import re

from .allowlist import AllowList
from .config import NER_ENTITIES
from .lexical import CUE_WORDS, is_function_word
from .lexicon import english_zipf, get_lexicon
from .spans import DetectedSpan

__all__ = ["postprocess", "capitalised_names", "workplace_names", "NOUN_CAPS_LANGUAGES"]

#: The recognizer name of spaCy NER results.
NER_RECOGNIZER = "spacy_ner"
_NAME_TYPES = frozenset(NER_ENTITIES)
# Name particles that may sit inside a name span ("Jan van der Berg", "Ana de la Cruz").
_PARTICLES = frozenset("van von der den de del della da di la le du bin ibn al el af av".split())
_TITLES = frozenset("mr mrs ms miss mx dr prof sir dame rev fr".split())
_WORD = re.compile(r"[^\W\d_][\w'’\-]*", re.UNICODE)
_SENT_END = re.compile(r"[.!?:;\"“”\n]\s*$")


def _is_cap_word(w: str) -> bool:
    return len(w) > 1 and w[0].isupper() and not w.isupper() or (len(w) == 1 and w.isupper() and w != "I")


def postprocess(
    text: str, spans: list[DetectedSpan], allow: AllowList, *, extend_names: bool = True, lang: str = "en"
) -> list[DetectedSpan]:
    """Clean, filter, extend and merge raw spans into a sorted, non-overlapping list."""
    cleaned: list[DetectedSpan] = []
    for s in spans:
        if s.entity_type in _NAME_TYPES:
            if not s.recognizer.startswith(_LEXICAL_RECOGNIZERS):  # those are already word-exact
                s = _trim(text, s)
            if s is None or allow.is_allowed(text[s.start : s.end]):
                continue
            if s.recognizer == NER_RECOGNIZER and _ner_false_alarm(text, s, lang):
                continue
        elif text[s.start : s.end].casefold() in allow.terms:
            continue
        elif s.entity_type == "URL" and allow.is_platform_domain(text[s.start : s.end]):
            continue
        if s.entity_type in _WORD_TYPES:
            s = _whole_words(text, s)
        cleaned.append(s)
    if extend_names:
        cleaned = [_extend_name(text, s, allow) if s.entity_type in _NAME_TYPES else s for s in cleaned]
        cleaned.extend(_repeat_names(text, cleaned))
    cleaned = [_extend_phone(text, s) if s.entity_type == "PHONE_NUMBER" else s for s in cleaned]
    protected = allow.protected_ranges(text)
    if protected:
        cleaned = [s for s in cleaned if s.entity_type not in _WORD_TYPES
                   or not any(a <= s.start and s.end <= b for a, b in protected)]
    return [_retype(text, s, lang) for s in _merge(text, cleaned)]


#: Recognizers of :mod:`.lexical`: their spans are exact words already, lowercase allowed.
_LEXICAL_RECOGNIZERS = ("twoknow.cue_", "twoknow.lexicon", "twoknow.sign_off")
#: Types whose spans always cover whole words ("w Gdańsku", not "w [PERSON]ńsku").
_WORD_TYPES = frozenset({*NER_ENTITIES, "USERNAME"})


def _whole_words(text: str, s: DetectedSpan) -> DetectedSpan:
    """Grow a span that starts or ends inside a word to that word's edges (Unicode letters)."""
    start, end = s.start, s.end
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_") and text[start].isalnum():
        start -= 1
    while end < len(text) and (text[end].isalnum() or text[end] == "_") and text[end - 1].isalnum():
        end += 1
    if (start, end) == (s.start, s.end):
        return s
    return DetectedSpan(s.entity_type, start, end, s.score, s.recognizer)


def _ner_false_alarm(text: str, s: DetectedSpan, lang: str = "en") -> bool:
    """A one-word NER span that is an ordinary word or an acronym, not a name.

    The small English model tags "Groups", "IP" or a sentence-initial
    "Loneliness" as names or organisations (the French one "Solitude"); a
    word the name/place lexicon knows is kept unless it is far more common as
    a word ("Will", "Hope" as words are kept only when NER saw more than one
    word).
    """
    value = text[s.start : s.end]
    words = _WORD.findall(value)
    if len(words) != 1:
        return False
    w = words[0]
    lex = get_lexicon()
    if w.isupper() and len(w) <= 4:
        return s.entity_type != "LOCATION" or lex.lookup(w, lang) is None
    z = english_zipf(w.casefold())
    entry = lex.lookup(w, lang)
    if entry is None:
        return z >= 4.0 or (lang != "en" and lex.is_word(w, lang))
    if entry.population >= 15000:
        return z >= 5.5  # "Helsinki" is common in Finnish because it is a city
    # a word of another survey language in a short answer read as English ("Mitt", "Una")
    return max(z, lex.max_zipf(entry.lemma)) >= 5.5


def _retype(text: str, s: DetectedSpan, lang: str) -> DetectedSpan:
    """A one-word PERSON that the lexicon knows only as a place of 15,000+ people becomes LOCATION."""
    if s.entity_type != "PERSON" or " " in text[s.start : s.end].strip():
        return s
    entry = get_lexicon().lookup(text[s.start : s.end], lang)
    if entry is not None and entry.population >= 15000 and not entry.given:
        return DetectedSpan("LOCATION", s.start, s.end, s.score, s.recognizer)
    return s


def _trim(text: str, s: DetectedSpan) -> DetectedSpan | None:
    """Drop a leading article and edge punctuation/whitespace from a NER span."""
    start, end = s.start, s.end
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    m = re.match(r"(?:the|a|an|my|our|his|her|their|your)\s+", text[start:end], re.IGNORECASE)
    if m:
        start += m.end()
    if end - start < 2:
        return None
    # a name has at least one capitalised word (or a letter of a script without case)
    if not any(w[0].isupper() or not w[0].islower() for w in _WORD.findall(text[start:end])):
        return None
    return DetectedSpan(s.entity_type, start, end, s.score, s.recognizer)


_COUNTRY_CODE = re.compile(r"\+\d{1,3}[ \-]?$")


def _extend_phone(text: str, s: DetectedSpan) -> DetectedSpan:
    """Take in a country code the recognizer left out: "+41 (0)96 471 07 95"."""
    m = _COUNTRY_CODE.search(text, 0, s.start)
    if m and m.end() == s.start:
        return DetectedSpan(s.entity_type, m.start(), s.end, s.score, s.recognizer)
    return s


def _extend_name(text: str, s: DetectedSpan, allow: AllowList) -> DetectedSpan:
    """Grow a name span over adjacent capitalised name tokens ("Anna" + "Virtanen")."""
    start, end = s.start, s.end
    # right: "Anna| Virtanen", "Jan| van der Berg"
    while True:
        m = re.match(r"[ \t]+((?:(?:%s)[ \t]+)*)([^\W\d_][\w'’\-]*)" % "|".join(_PARTICLES), text[end:])
        if not m or not _is_cap_word(m.group(2)) or allow.is_allowed(m.group(2)):
            break
        if m.group(2).casefold().rstrip("'’s") in _STOP_CAPS or m.group(2).casefold() in CUE_WORDS:
            break
        end += m.end()
    # left: "Dr Anna" keeps the title outside; "Maria |Virtanen" when NER only got the surname
    while True:
        m = re.search(r"([^\W\d_][\w'’\-]*)[ \t]+$", text[:start])
        if not m or not _is_cap_word(m.group(1)) or allow.is_allowed(m.group(1)):
            break
        w = m.group(1)
        if w.casefold().rstrip(".") in _TITLES or w.casefold() in _STOP_CAPS or w.casefold() in CUE_WORDS:
            break
        before = text[: m.start(1)]
        if not before.strip() or _SENT_END.search(before):  # sentence-initial word: could be anything,
            entry = get_lexicon().lookup(w, "en")           # unless it is a given name ("Väinö Räsänen")
            if entry is not None and entry.given and get_lexicon().max_zipf(entry.lemma) < 5.0:
                start = m.start(1)
            break
        start = m.start(1)
    if (start, end) == (s.start, s.end):
        return s
    return DetectedSpan(s.entity_type, start, end, s.score, s.recognizer)


#: Capitalised words that do not continue a name.
_STOP_CAPS = frozenset(
    """i i'm i've i'd and or but the a an in on at to of for with from by as is was are were be been it he she
    they we you my his her their our your this that these those then there when what where who why how
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december street road avenue""".split()
)


def _repeat_names(text: str, spans: list[DetectedSpan]) -> list[DetectedSpan]:
    """Every other occurrence, in the same answer, of a name already found there."""
    out: list[DetectedSpan] = []
    for s in spans:
        if s.entity_type not in _NAME_TYPES:
            continue
        value = text[s.start : s.end]
        parts = {value}
        if s.entity_type == "PERSON":
            parts.update(p for p in value.split() if _is_cap_word(p) and len(p) > 2)
        for part in parts:
            # plain substring search: a regex per name would be compiled anew for every answer
            i = text.find(part)
            while i >= 0:
                j = i + len(part)
                before = text[i - 1] if i > 0 else " "
                after = text[j] if j < len(text) else " "
                if not (before.isalnum() or before in "_@") and not (after.isalnum() or after == "_"):
                    if not (s.start <= i and j <= s.end):  # elsewhere in the answer, not inside the name itself
                        out.append(DetectedSpan(s.entity_type, i, j, s.score * 0.9, s.recognizer + "+repeat"))
                i = text.find(part, j)
    return out


def _priority(s: DetectedSpan) -> tuple:
    """Structured identifiers with a validated/high score beat NER guesses."""
    structured = s.entity_type not in _NAME_TYPES
    return (structured and s.score >= 0.8, structured, len(s), s.score)


def _merge(text: str, spans: list[DetectedSpan]) -> list[DetectedSpan]:
    accepted: list[DetectedSpan] = []
    for s in sorted(spans, key=_priority, reverse=True):
        clash = [a for a in accepted if a.overlaps(s)]
        if not clash:
            accepted.append(s)
            continue
        if s.entity_type in {"PERSON", "LOCATION"}:
            # keep the part of a name that the winning span did not cover
            for piece in _remainders(text, s, clash):
                accepted.append(piece)
    # a name piece may still overlap another accepted name piece: union them
    accepted.sort(key=lambda s: (s.start, -s.end))
    out: list[DetectedSpan] = []
    for s in accepted:
        if out and s.start < out[-1].end:
            if s.end > out[-1].end:
                last = out[-1]
                out[-1] = DetectedSpan(last.entity_type, last.start, s.end, last.score, last.recognizer)
            continue
        out.append(s)
    return out


def _remainders(text: str, s: DetectedSpan, clash: list[DetectedSpan]) -> list[DetectedSpan]:
    pieces = [(s.start, s.end)]
    for c in clash:
        nxt = []
        for a, b in pieces:
            if c.end <= a or c.start >= b:
                nxt.append((a, b))
                continue
            if a < c.start:
                nxt.append((a, c.start))
            if c.end < b:
                nxt.append((c.end, b))
        pieces = nxt
    out = []
    for a, b in pieces:
        words = _WORD.findall(text[a:b])
        # only a full name left over ("Anna Virtanen" beside a phone number) is kept
        if len(words) >= 2 and all(_is_cap_word(w) for w in words):
            out.append(DetectedSpan(s.entity_type, a + len(text[a:b]) - len(text[a:b].lstrip()),
                                    b - len(text[a:b]) + len(text[a:b].rstrip()), s.score, s.recognizer))
    return out


#: Languages that capitalise every noun: the capitalised-word heuristic would flag them all.
NOUN_CAPS_LANGUAGES = frozenset({"de", "lb"})
# Capitalised words in any cased script (Russian, like Finnish, capitalises only names and
# sentence starts): a letter, then two or more letters, whole words only ("Gdańsku", not "Gda").
_CAP_CANDIDATE = re.compile(r"(?<=[\w,;] )([^\W\d_]{3,})(?![\w])(?=([ -][^\W\d_]{3,}(?![\w]))?)")


def _is_capitalised(word: str) -> bool:
    return word[0].isupper() and word[1:].islower()


def _ordinary_capitalised(word: str, lang: str) -> bool:
    """A capitalised word that is a function word or an ordinary word of ``lang`` (a sentence
    start after a missing full stop: "... tietää Alkoholi teki"), unless the lexicon knows it
    as a name or place that is not itself a common word."""
    if word.casefold() in _STOP_CAPS or is_function_word(word, lang):
        return True
    lex = get_lexicon()
    entry = lex.lookup(word, lang)
    # a known name or place that is not a very common word of this language ("Antti", "Anders" in
    # Swedish: names are frequent in text because they are names; "Mitt", "Olin" are 5.6 and more)
    if entry is not None and (entry.is_name or entry.is_place) and lex.zipf(entry.lemma, lang) < 5.5:
        return False
    return lex.is_word(word, lang)


def capitalised_names(text: str, allow: AllowList, lang: str = "xx") -> list[DetectedSpan]:
    """Capitalised words mid-sentence as PERSON (for languages without NER)."""
    out: list[DetectedSpan] = []
    for m in _CAP_CANDIDATE.finditer(text):
        if not _is_capitalised(m.group(1)) or (out and m.start(1) < out[-1].end):
            continue
        w = m.group(1)
        if m.group(2) and _is_capitalised(m.group(2)[1:]):
            w += m.group(2)
        if any(allow.is_allowed(p) or allow.is_platform_inflection(p) or _ordinary_capitalised(p, lang)
               for p in w.split()):
            continue
        prev = _WORD.findall(text[max(0, m.start(1) - 30) : m.start(1)])
        if prev and allow.is_allowed(f"{prev[-1]} {w}"):  # "Tor Browser"
            continue
        out.append(DetectedSpan("PERSON", m.start(1), m.start(1) + len(w), 0.5, "twoknow.capitalised_name.v1"))
    return out


_WORKPLACE = re.compile(
    r"\b(?:work(?:ed|ing|s)? (?:at|for)|employed (?:at|by)|job at|counsell?or at|therapist at|doctor at|"
    r"nurse at|studying at|studied at|student at|school(?:ed)? at|volunteer(?:ed|ing)? at|joined|left|"
    r"referred (?:me )?(?:to|by))\s+(?:the\s+)?([A-Z][\w&'’\-]*(?:\s+(?:of\s+|&\s+)?[A-Z][\w&'’\-]*){0,4})"
)


def workplace_names(text: str, allow: AllowList) -> list[DetectedSpan]:
    """English: a capitalised name after "working at", "counsellor at", "joined"... as ORGANIZATION.

    The small NER misses single-word employers ("at Accenture", "at Kone");
    these phrases almost always introduce an employer, school or clinic.
    """
    out = []
    for m in _WORKPLACE.finditer(text):
        name = m.group(1)
        if allow.is_allowed(name) or name.casefold() in _STOP_CAPS:
            continue
        out.append(DetectedSpan("ORGANIZATION", m.start(1), m.end(1), 0.6, "twoknow.workplace_name.v1"))
    return out
