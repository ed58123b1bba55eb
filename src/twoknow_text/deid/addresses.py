"""Street-address building blocks, as tables: street-type words per language, house numbers,
units, postcodes and towns.

An address is found in two steps by ``twoknow.street_address`` (in
:mod:`twoknow_text.deid.recognizers`):

1. a **core**: a street name with its street-type word and a house number,
   in the order of the language ("Calle Mayor 12", "12 rue de la Paix",
   "ul. Długa 5/12", "Brīvības iela 55-12", "Gedimino pr. 9-3",
   "ул. Ленина, д. 5", "Kerkstraat 12-3", "Mannerheimintie 12 B 5"), or a
   capitalised name and number followed by a postcode and town
   ("Vodičkova 681/12, 110 00 Praha 1");
2. the **tail** that follows it, piece by piece (:func:`extend_tail`):
   units ("3º B", "Apt 4", "int. 3", "кв. 12", "m. 12"), postcode and town
   ("28013 Madrid", "00-238 Warszawa", "1017 GC Amsterdam",
   "LT-01103 Vilnius", "LV-1010", ", 101000") and a town after a comma
   ("Rīga", "Москва"), so that the whole address is one span.

Letters are Unicode-aware throughout: :data:`UPPER` and :data:`LOWER` are
built from every cased letter of the Latin, Greek and Cyrillic blocks, so
"Długa", "Brīvības", "Šeimyniškių", "Ленина" are names like "Baker".

Pure module: no Presidio.

>>> extend_tail("Calle Mayor 12, 3º B, 28013 Madrid, where", 14)
34
"""

from __future__ import annotations

import re

__all__ = [
    "HOUSE_NUMBER",
    "LETTER_UNIT_WORDS",
    "LOWER",
    "NAME_WORD",
    "POSTCODE_STRICT",
    "PREFIX_TYPES",
    "SUFFIX_TYPES",
    "TIME_WORDS",
    "STRONG_UNIT",
    "STRONG_UNIT_WORDS",
    "UNIT_WORDS",
    "UPPER",
    "extend_head",
    "extend_tail",
    "town_pattern",
]


def _letters(upper: bool) -> str:
    ranges = [(0x41, 0x5B), (0x61, 0x7B), (0xC0, 0x250), (0x370, 0x400), (0x400, 0x530), (0x1E00, 0x1F00)]
    chars = [chr(c) for a, b in ranges for c in range(a, b) if (chr(c).isupper() if upper else chr(c).islower())]
    return "".join(re.escape(c) if c in "\\]^-" else c for c in chars)


#: every upper-case / lower-case letter of the Latin, Greek and Cyrillic blocks, for character classes
UPPER = "[" + _letters(True) + "]"
LOWER = "[" + _letters(False) + "]"
#: a capitalised word ("Długa", "Ленина", "D'Annunzio", "Saint-Denis")
NAME_WORD = UPPER + r"(?:[^\W\d_]|['’\-](?=[^\W\d_]))+"

#: Street-type words written *before* the name, per language (regex pieces, case-sensitive
#: as written). Lower-case forms only where the word is rarely anything else ("calle",
#: "rue", "via", "ul."): "il corso Java 8", "le cours Python 3", "a long paseo" are not streets.
PREFIX_TYPES: dict[str, tuple[str, ...]] = {
    "es": ("Calle", "calle", r"C/", r"c/", "Avenida", "avenida", r"Avda\.", r"avda\.", r"Av\.", r"av\.", "Paseo",
           r"Pº", r"Pza\.", "Plaza", "Camino", "Carrer", "Ronda", "Travesía", "Glorieta",
           r"Ctra\.", "Carretera", "Rambla", "Vía"),
    "pt": ("Rua", "rua", r"R\.", "Avenida", "Travessa", r"Tv\.", "Praça", "Largo", "Estrada", "Alameda", "Calçada",
           "Beco"),
    "fr": ("Rue", "rue", "Avenue", "avenue", "Boulevard", "boulevard", r"Bd", r"bd", r"Bld", "Chemin", "chemin",
           "Allée", "allée", "Impasse", "impasse", "Quai", "quai", "Place", "Cours", "Route",
           "Faubourg", r"Fbg", "Chaussée", "chaussée", "Passage"),
    "it": ("Via", "via", "Viale", "viale", r"V\.le", "Vicolo", "Corso", r"C\.so", "Piazza", "piazza",
           r"P\.zza", "Piazzale", "Largo", "Strada", "Lungomare", "Contrada", "Borgo"),
    "pl": (r"ul\.", "ulica", "ulicy", r"al\.", "aleja", "alei", r"os\.", "osiedle", r"pl\.", "plac", "placu"),
    "ru": (r"ул\.", "улица", "ул", r"пр-т", "проспект", r"пр\.", r"пер\.", "переулок", r"б-р", "бульвар", r"ш\.",
           "шоссе", r"наб\.", "набережная", r"пл\.", "площадь", r"мкр\.", "микрорайон", r"вул\.", "вулиця", r"просп\.", r"пров\.", "провулок", r"бульв\.",
           r"пл\.", "площа", r"наб\."),
    "cs": (r"nám\.", "náměstí", "námestie", r"tř\.", "třída", "ulice", "ulica"),
    "en": ("Avenue",),
}

#: Street-type words written *after* the name as a separate word, per language.
SUFFIX_TYPES: dict[str, tuple[str, ...]] = {
    "lv": ("iela", "ielā", "bulvāris", "gatve", "prospekts", "laukums", "šoseja", "aleja", "krastmala"),
    "lt": ("g\\.", "gatvė", "gatvėje", "pr\\.", "prospektas", "al\\.", "alėja", "aikštė", "pl\\.", "skg\\."),
    "et": ("tänav", "tänava", "tn\\.?", "mnt\\.?", "maantee", "pst\\.?", "puiestee", "põik", "väljak"),
    "cs": ("třída", "ulice", "nábřeží", "náměstí", "nám\\.", "ulica", "námestie", "cesta", "nábrežie"),
    "pl": ("Street",),
    "ru": ("улица", "ул\\.", "проспект", "пр-т", "переулок", "пер\\.", "бульвар", "шоссе", "набережная", "площадь"),
    "nordic": ("gate", "gata", "vei", "vej", "gade", "väg", "veg", "allé", "plass", "torg"),
    "nl": ("straat", "laan", "weg", "plein", "gracht", "kade", "singel"),
}

#: a house number: "12", "12a", "55-12", "5/12", "681/12", "12 bis", "12-3", "д. 5"
HOUSE_NUMBER = (
    r"(?:(?:д\.|дом|буд\.|будинок|n[º°o]\.?|nr\.?|No\.?)\s*)?\d{1,4}[a-zA-Zа-яіє]?"
    r"(?:\s?[/\-]\s?(?:\d{1,4}[a-zA-Zа-яіє]?|[A-Za-z](?![\w])))?(?:-\d{1,4}(?![\d/]))?"
    r"(?:\s(?:bis|ter)(?!\w))?"
)

#: Words that introduce a flat, floor, staircase or building (case-insensitive);
#: one-letter abbreviations need their dot.
UNIT_WORDS: tuple[str, ...] = (
    "apt", "apartment", "flat", "unit", "suite", "ste", "room", "floor",
    "app", "appt", "appartement", "bât", "bâtiment", "étage", "esc", "escalier", "porte",
    "piso", "puerta", "pta", "planta", "portal", "bloque", "escalera", "apto", "andar", "dto", "fracção",
    "int", "interno", "scala", "sc", "piano",
    "lok", "lokal", "mieszkanie", "mieszk", "kl", "klatka",
    "кв", "квартира", "корп", "корпус", "стр", "строение", "подъезд", "эт", "этаж",
    "korter", "dz", "dzīvoklis", "but", "butas", "byt", "lgh", "lägenhet", "bostad", "leil", "leilighet",
    "as", "asunto", "rappu", "sal", "etage", "whg", "wohnung", "bus", "bte", "boîte",
    r"m(?=\.)", r"k(?=\.)", r"p(?=\.)", r"d(?=\.)", r"č(?=\.)",
)
#: Unit words that mark a flat beyond doubt: a capitalised name and number followed by one is an address.
STRONG_UNIT_WORDS: tuple[str, ...] = (
    "apt", "apartment", "flat", "suite", "appt", "appartement", "piso", "puerta", "apto", "int", "interno",
    "mieszkanie", r"m(?=\.)", "lok", "кв", "квартира", "korter", "dz", "dzīvoklis", "butas", "byt", "lgh",
    "lägenhet", "leil", "leilighet", "whg", "wohnung", "asunto", r"as(?=\.)", "bostad",
)
#: a numbered flat introduced by a strong unit word ("Whg. 11", "korter 4", "кв. 12", "m. 5")
STRONG_UNIT = (
    r"(?i:(?:" + "|".join(STRONG_UNIT_WORDS) + r"))\.?[^\S\n]*(?:n[º°o]\.?[^\S\n]*|#[^\S\n]*)?\d{1,4}[a-zA-Z]?(?![\w/])"
)

#: Words that may introduce a staircase or building *letter* ("esc. B", "scala C", "корп. 2").
LETTER_UNIT_WORDS: tuple[str, ...] = (
    "esc", "escalera", "scala", "sc", "bloque", "portal", "rappu", "bât", "bâtiment", "klatka", "корп", "корпус",
    "apt", "flat", "unit", "suite", "porte", "puerta", "pta", "lit",
)

#: a time or quantity word right after a number: "Via Roma 5 times" is not an address
TIME_WORDS = re.compile(
    r"\s*(?:times?|years?|months?|weeks?|days?|hours?|minutes?|volte|anni|veces|años|vezes|anos|fois|ans|"
    r"razy|lat|mal|jahre|раз|лет|часов|kertaa|vuotta|gånger|år|gange|ganger)(?!\w)",
    re.IGNORECASE,
)


def town_pattern(max_words: int = 3) -> str:
    """A town name: capitalised words, joined by spaces or hyphens, with particles and a district number;
    a Slavic "г." / "м." before it, an Italian province "(VI)" after it."""
    part = NAME_WORD
    joiner = r"(?:[ \-](?:(?:am|an|der|de|la|le|les|sur|del|di|da|do|im|upon|on) )?)"
    return (
        r"(?:(?:г|гор|м|с|пос|смт)\.[^\S\n]?)?"
        + part + r"(?:" + joiner + part + r"){0," + str(max_words - 1) + r"}(?: \d{1,2}(?!\d))?"
        r"(?: (?:Cedex|CEDEX)(?: \d{1,2})?)?"
        # a district letter at the end: "København N", "Aarhus C"
        r"(?: [A-ZÆØÅ](?=[^\S\n]*(?:[,.;:!?)]|$)))?"
        r"(?: \([A-Z]{2}\))?"
    )


_TOWN = town_pattern()
_SEP = r"(?:,\s*|\s+|,?\s*[–—-]\s*)"
_UNIT_RE = re.compile(
    _SEP + r"(?:(?i:(?:" + "|".join(UNIT_WORDS) + r"))\.?\s*(?:n[º°o]\.?\s*|#\s*|nr\.?\s*)?"
    r"\d{1,4}[a-zA-Zа-я]?(?:\s?[/\-]\s?\d{1,4})?"
    r"|(?i:(?:" + "|".join(LETTER_UNIT_WORDS) + r"))\.?\s*[A-ZА-Я])(?![\w/])",
)
# "3º B", "3.º Esq.", "2º Dto.", "1er étage", "4e étage", "2ª planta", "1º izq"; Danish "2. th.", "st. tv."
_ORDINAL_UNIT_RE = re.compile(
    _SEP + r"(?:\d{1,2}\.?\s?(?:th|tv|mf)\.?(?!\w)|st\.\s?(?:th|tv|mf)\.?(?!\w)|"
    # Portuguese ground floor "r/c dto", Norwegian flat number "H0204", Baltic/Slavic "15 butas", "4 korter"
    r"r/c(?:\s(?:dto|esq|dt|e|d)\.?)?(?!\w)|H0\d{3}(?!\w)|"
    r"\d{1,4}\s(?:butas|bute|korter|dzīvoklis|квартира|kvartira|byt)(?!\w)|"
    r"\d{1,2}\s?(?:\.?[º°ª]|er|ère|e|ème)(?!\w)"
    r"(?:\s*(?:-\s*)?(?i:(?:piso|planta|andar|étage|izq(?:uierda)?\.?|izda\.?|dcha\.?|der(?:echa|\.)?|esq(?:uerdo|uerda|\.)?|"
    r"dto\.?|dir(?:eito|eita|\.)?|fte\.?|frente|centro|\d{1,2}[º°ª]))|\s*[A-Z](?!\w)\.?){0,2})",
)
#: a postcode strict enough to mark an address by itself (no bare 19xx/20xx year)
POSTCODE_STRICT = (
    r"(?:[A-Z]{1,2}-\s?\d{4,5}|\d{2}-\d{3}|\d{4,5}-\d{3}|\d{3}\s\d{2}|\d{4}\s?[A-Z]{2}(?!\w)|\d{5}(?!\d)|(?!19|20)\d{4}(?!\d))"
)
# a UK postcode: "NW1 6XE", "GD22 4RZ"
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"
# a postcode that needs no comma before it: five digits, or a national layout with a separator or letters
_NO_COMMA_POSTCODE = re.compile(
    _UK_POSTCODE + r"|[A-Z]{1,2}-\s?\d{4,5}|\d{2}-\d{3}|\d{4,5}-\d{3}|\d{3}\s\d{2}|\d{4}\s?[A-Z]{2}|\d{5}"
)
# postcodes: 28013, 00-238, 1200-195, 01234-567 (BR), 114 55, 1017 GC, LV-1010, LT-01103, D-80331, 101000
_POSTCODE = (
    r"(?:" + _UK_POSTCODE + r"|(?:[A-Z]{1,2}-\s?)?(?:\d{2}-\d{3}|\d{4,5}-\d{3}|\d{3}\s\d{2}|\d{4}\s?[A-Z]{2}(?!\w)|\d{4,6}))"
)
_POSTAL_RE = re.compile(_SEP + r"(?P<code>" + _POSTCODE + r")(?!\w)(?:[^\S\n]+(?P<town>" + _TOWN + r"))?")
_TOWN_RE = re.compile(r",[^\S\n]*(?P<town>" + _TOWN + r")(?=[^\S\n]*(?:[,.;:!?)]|$|\n|[^\S\n]+" + _POSTCODE + r"(?!\w)))")


def extend_tail(text: str, end: int, max_pieces: int = 6) -> int:
    """Grow an address ending at ``end`` over the units, postcode and town that follow it.

    Returns the new end. A postcode without a town is taken only when it
    carries a country prefix (``LV-1010``) or has five or six digits after a
    comma (``, 101000``); a town alone only after a comma and before
    punctuation, the end of the text or a postcode.
    """
    after_town = False
    for _ in range(max_pieces):
        m = _UNIT_RE.match(text, end) or _ORDINAL_UNIT_RE.match(text, end)
        if m:
            end, after_town = m.end(), False
            continue
        m = _POSTAL_RE.match(text, end)
        if m and TIME_WORDS.match(text, m.end("code")):
            break  # "..., 2019 Years": a count, not a postcode
        if m and text[end : end + 1] != "," and not _NO_COMMA_POSTCODE.fullmatch(m.group("code")):
            m = None  # "Apt. 117 5720 Skoanveien": without a comma only an unmistakable postcode
        if m and m.group("town") and re.match(r"[^\S\n]+\d", text[m.end() :]):
            m = None  # "62314 Mellemvej 32": the "town" is the next street
        if m and (
            m.group("town")
            or after_town  # "Tartu 24469": the postcode after its town
            or "-" in m.group("code")[:3]
            or (text[end : end + 1] == "," and re.fullmatch(r"\d{5,6}", m.group("code")))
        ):
            end, after_town = m.end(), False
            continue
        m = _TOWN_RE.match(text, end)
        if m:
            end, after_town = m.end(), True
            continue
        break
    return end


# "00-238 Warszawa, " / "101000, Москва, " written before the street (Polish and Russian order)
_HEAD_RE = re.compile(
    r"(?<![\w-])(?:" + POSTCODE_STRICT + r"|\d{6}),?[^\S\n]+(?:" + _TOWN + r"),[^\S\n]*$"
)


def extend_head(text: str, start: int) -> int:
    """Grow an address starting at ``start`` over a postcode and town written before it.

    Only with the postcode: a capitalised word and a comma alone ("Then, ul. ...")
    are too often something else.
    """
    m = _HEAD_RE.search(text, max(0, start - 60), start)
    return m.start() if m else start
