"""National identity numbers of the EU/EEA countries, Switzerland and the UK, as a table.

Each :class:`IdFormat` row names a country, the national layout(s) as a
regex (with and without the usual separators), the checksum that validates
it (``python-stdnum``'s ``validate`` where stdnum has the number; a small
local check in :mod:`twoknow_text.deid.validators` where it has none) and how
strong that check is:

* ``strong``: the layout or the check is specific enough that random digit
  runs rarely pass (a date *and* a check digit, a check letter, a fixed
  prefix, separators in the national layout). Reported without context.
* ``weak``: a bare 9-11 digit run whose only test is one check digit
  (Dutch BSN "11-proof" passes about 9 % of random nine-digit numbers,
  Croatian OIB 10 %). Reported only when a context word ("BSN", "PESEL",
  "Steuer-ID", "personal code", ...) stands within :data:`CONTEXT_BEFORE`
  characters before or :data:`CONTEXT_AFTER` after the number.

Pure module: no Presidio. :mod:`twoknow_text.deid.recognizers` builds the
``twoknow.national_id`` recognizer from :data:`ID_FORMATS`, and the phone
recognizer asks :func:`is_strong_national_id` so that a personal code is
never read as a phone number.

Example
-------
>>> [f.key for f in ID_FORMATS if f.strong and f.accepts("38001085718")]
['ee_isikukood', 'lt_asmens_kodas']
>>> is_strong_national_id("12345678Z")
True
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from stdnum.exceptions import ValidationError

from twoknow_text.deid import validators as v

__all__ = [
    "CONTEXT_AFTER",
    "CONTEXT_BEFORE",
    "CONTEXT_WORDS",
    "COUNTRY_CONTEXT",
    "EDGE_AFTER",
    "EDGE_BEFORE",
    "GENERIC_CONTEXT",
    "ID_FORMATS",
    "IdFormat",
    "has_id_context",
    "is_strong_national_id",
    "stdnum_check",
]

#: characters before / after a weak number searched for a context word
CONTEXT_BEFORE = 48
CONTEXT_AFTER = 24

# Unicode-aware edges: a number glued to a letter, digit, '+', '-', '/' or a
# decimal point is part of something else (a phone with '+', a date, a price).
EDGE_BEFORE = r"(?<![\w+\-/.,])"
EDGE_AFTER = r"(?![\w\-/]|[.,]\d)"


def stdnum_check(module: str, **kwargs) -> Callable[[str], bool]:
    """``value -> bool`` calling ``stdnum.<module>.validate(value, **kwargs)``; imported on first use."""

    @functools.lru_cache(maxsize=1)
    def load():
        return importlib.import_module(f"stdnum.{module}")

    def check(value: str) -> bool:
        mod = load()
        try:
            mod.validate(value, **kwargs)
        except (ValidationError, ValueError, IndexError):  # a malformed value never raises further
            return False
        return True

    check.__name__ = f"stdnum.{module}"
    return check


@dataclass(frozen=True)
class IdFormat:
    """One national number layout: ``regex`` finds candidates, ``check`` validates them."""

    key: str
    country: str
    name: str
    regex: str
    check: Callable[[str], bool]
    strong: bool
    #: regex flags (case-insensitive where letters are part of the number)
    flags: int = 0
    library: str = "python-stdnum"

    @property
    def pattern(self) -> str:
        """The layout as a search pattern, with the Unicode-aware edges."""
        return EDGE_BEFORE + "(?:" + self.regex + ")" + EDGE_AFTER

    def accepts(self, value: str) -> bool:
        """``value`` (the whole string) has this layout and passes the check."""
        return bool(re.fullmatch(self.regex, value, self.flags)) and self.check(value)


def _upper(check: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda value: check(value.upper())


def _lv_personal(value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    return digits[:1] in "0123" and stdnum_check("lv.pvn")(digits)


def _it_person(value: str) -> bool:
    return len(re.sub(r"\W", "", value)) == 16 and stdnum_check("it.codicefiscale")(value.upper())


_I = re.IGNORECASE
_D = r"[\s.\-]?"  # an optional group separator

#: Every national identity number layout the recognizer knows, strong ones first.
ID_FORMATS: tuple[IdFormat, ...] = (
    # ---- Nordic ----
    IdFormat("fi_hetu", "FI", "henkilötunnus (HETU)", r"\d{6}[-+A-FU-Y]\d{3}[0-9A-FHJ-NPR-Y]", v.is_hetu, True, _I),
    IdFormat("se_personnummer", "SE", "personnummer / samordningsnummer",
             r"(?:18|19|20)\d{6}[-+]?\d{4}|\d{6}[-+]\d{4}", v.is_swedish_personnummer, True),
    IdFormat("se_personnummer_bare", "SE", "personnummer without separator", r"\d{10}",
             v.is_swedish_personnummer, False),
    IdFormat("no_fodselsnummer", "NO", "fødselsnummer / D-nummer", r"\d{6}\s?\d{5}", v.is_norwegian_fnr, True),
    IdFormat("dk_cpr", "DK", "CPR-nummer (no checksum since 2007)", r"\d{6}-?\d{4}", stdnum_check("dk.cpr"), False),
    IdFormat("is_kennitala", "IS", "kennitala", r"\d{6}-\d{4}", stdnum_check("is_.kennitala"), True),
    IdFormat("is_kennitala_bare", "IS", "kennitala without separator", r"\d{10}", stdnum_check("is_.kennitala"), False),
    # ---- Baltic ----
    IdFormat("ee_isikukood", "EE", "isikukood", r"[1-6]\d{10}", stdnum_check("ee.ik"), True),
    IdFormat("lt_asmens_kodas", "LT", "asmens kodas", r"[1-6]\d{10}", stdnum_check("lt.asmens"), True),
    IdFormat("lv_personas_kods", "LV", "personas kods", r"(?:[0-3]\d[01]\d{3}|32\d{4})-\d{5}", _lv_personal, True),
    IdFormat("lv_personas_kods_bare", "LV", "personas kods without hyphen", r"[0-3]\d{10}", _lv_personal, False),
    # ---- Central and Eastern Europe ----
    IdFormat("pl_pesel", "PL", "PESEL", r"\d{11}", stdnum_check("pl.pesel"), True),
    IdFormat("cz_sk_rodne_cislo", "CZ/SK", "rodné číslo", r"\d{6}\s?/\s?\d{3,4}", stdnum_check("cz.rc"), True),
    IdFormat("cz_sk_rodne_cislo_bare", "CZ/SK", "rodné číslo without slash", r"\d{9,10}", stdnum_check("cz.rc"), False),
    IdFormat("ro_cnp", "RO", "CNP", r"[1-9]\d{12}", stdnum_check("ro.cnp"), True),
    IdFormat("si_emso", "SI", "EMŠO", r"[0-3]\d[01]\d{10}", stdnum_check("si.emso"), True),
    IdFormat("bg_egn", "BG", "ЕГН (EGN)", r"\d{10}", stdnum_check("bg.egn"), False),
    IdFormat("hr_oib", "HR", "OIB", r"\d{11}", stdnum_check("hr.oib"), False),
    IdFormat("hu_adoazonosito", "HU", "adóazonosító jel (tax id)", r"8\d{9}", v.is_hu_tax_id, False, library="own"),
    IdFormat("hu_taj", "HU", "TAJ (social security)", r"\d{3}[\s-]?\d{3}[\s-]?\d{3}", v.is_hu_taj, False,
             library="own"),
    IdFormat("gr_amka", "GR", "AMKA", r"\d{11}", stdnum_check("gr.amka"), False),
    # ---- Western Europe ----
    IdFormat("de_idnr", "DE", "Steuerliche Identifikationsnummer",
             r"\d{2}\s?\d{3}\s?\d{3}\s?\d{3}", stdnum_check("de.idnr"), False),
    IdFormat("at_vnr", "AT", "Versicherungsnummer (SVNR)", r"\d{4}\s?\d{6}", stdnum_check("at.vnr"), False),
    IdFormat("ch_ahv", "CH", "AHV-Nummer / AVS", r"756" + _D + r"\d{4}" + _D + r"\d{4}" + _D + r"\d{2}",
             stdnum_check("ch.ssn"), True),
    IdFormat("li_peid", "LI", "PEID (no checksum)", r"\d{7,12}", stdnum_check("li.peid"), False),
    IdFormat("be_nn", "BE", "rijksregisternummer / numéro national",
             r"\d{2}\.\d{2}\.\d{2}[-\s]\d{3}\.\d{2}|\d{2}\s\d{2}\s\d{2}\s\d{3}\s\d{2}|\d{6}[-\s]\d{3}[-\s.]\d{2}", stdnum_check("be.nn"), True),
    IdFormat("be_nn_bare", "BE", "rijksregisternummer without separators", r"\d{11}", stdnum_check("be.nn"), False),
    IdFormat("nl_bsn", "NL", "BSN (burgerservicenummer)", r"\d{4}\.\d{2}\.\d{3}|\d{3}[.\s]\d{3}[.\s]\d{3}|\d{9}",
             stdnum_check("nl.bsn"), False),
    IdFormat("lu_matricule", "LU", "matricule (numéro d'identification)", r"(?:19|20)\d{2}\s?\d{4}\s?\d{5}",
             v.is_lu_matricule, True, library="own (stdnum Luhn + Verhoeff)"),
    IdFormat("fr_nir", "FR", "NIR (numéro de sécurité sociale)",
             r"[12]\s?\d{2}\s?\d{2}\s?(?:\d{2}|2[AB])\s?\d{3}\s?\d{3}\s?\d{2}", _upper(stdnum_check("fr.nir")), True, _I),
    IdFormat("ie_pps", "IE", "PPS number", r"\d{7}[A-W][ABWTXZ]?", _upper(stdnum_check("ie.pps")), True, _I),
    IdFormat("gb_nino", "GB", "National Insurance number (no checksum; strict letters)",
             r"[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]", v.is_uk_nino, True, library="own"),
    IdFormat("gb_nhs", "GB", "NHS number", r"\d{3}[\s-]?\d{3}[\s-]?\d{4}", stdnum_check("gb.nhs"), False),
    # ---- Southern Europe ----
    IdFormat("es_dni", "ES", "DNI", r"\d{8}[\s-]?[A-Z]", _upper(stdnum_check("es.dni")), True, _I),
    IdFormat("es_nie", "ES", "NIE", r"[XYZ][\s-]?\d{7}[\s-]?[A-Z]", _upper(stdnum_check("es.nie")), True, _I),
    IdFormat("it_codice_fiscale", "IT", "codice fiscale",
             r"[A-Z]{6}[0-9LMNP-V]{2}[A-EHLMPR-T][0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z]", _it_person, True, _I),
    IdFormat("pt_cc", "PT", "Cartão de Cidadão", r"\d{8}\s?\d\s?[A-Z]{2}\d", _upper(stdnum_check("pt.cc")), True, _I),
    IdFormat("pt_nif", "PT", "NIF (contribuinte)", r"[1-3]\d{2}\s?\d{3}\s?\d{3}", stdnum_check("pt.nif"), False),
    IdFormat("mt_id", "MT", "ID card (no checksum)", r"\d{3,7}[MGAPLHBZ]", v.is_mt_id_card, False, library="own"),
    IdFormat("cy_id", "CY", "ID card (no checksum)", r"\d{6,8}", lambda value: True, False, library="none"),
)

#: Words that introduce any identity number (English and a few international
#: forms), matched case-insensitively as whole words.
GENERIC_CONTEXT: tuple[str, ...] = (
    "id", "ids", "id number", "id no", "id-nr", "id-nummer", "identity", "identification", "personal code",
    "personal number", "personal id", "national id", "identity number", "identity code", "social security",
    "ssn", "tax id", "tax number", "tax code", "passport", "citizen number", "id card",
    "паспорт", "номер паспорта", "личный номер", "инн", "снилс",
)

#: Words that introduce a country's number, in its languages (a weak number
#: needs one of its own country's words or a generic one).
COUNTRY_CONTEXT: dict[str, tuple[str, ...]] = {
    "FI": ("hetu", "henkilötunnus", "henkilötunnukseni", "henkilötunnusta", "sotu", "sosiaaliturvatunnus"),
    "SE": ("personnummer", "personnumret", "personnummer", "samordningsnummer"),
    "NO": ("fødselsnummer", "fødselsnummeret", "personnummer", "d-nummer"),
    "DK": ("cpr", "cpr-nummer", "cpr-nr", "personnummer"),
    "IS": ("kennitala", "kennitalan", "kennitölu", "kennitalan mín"),
    "EE": ("isikukood", "isikukoodi", "isikukoodiga"),
    "LV": ("personas kods", "personas kodu", "personas koda", "p.k."),
    "LT": ("asmens kodas", "asmens kodą", "asmens kodo", "a.k."),
    "PL": ("pesel", "peselu", "numer pesel", "numerem pesel"),
    "CZ/SK": ("rodné číslo", "rodného čísla", "rodné čislo", "r.č.", "rč"),
    "RO": ("cnp", "cod numeric personal"),
    "SI": ("emšo", "emso"),
    "BG": ("егн", "egn"),
    "HR": ("oib",),
    "HU": ("adóazonosító", "adóazonosító jel", "adóazonosító jelem", "adószám", "adószámom", "taj", "taj-szám",
           "taj-számom", "személyi szám"),
    "GR": ("amka", "αμκα"),
    "DE": ("steuer-id", "steuerid", "steuer-identifikationsnummer", "steueridentifikationsnummer",
           "identifikationsnummer", "idnr", "steuernummer", "personalausweis", "personalausweisnummer",
           "ausweisnummer"),
    "AT": ("svnr", "sozialversicherungsnummer", "versicherungsnummer", "e-card"),
    "CH": ("ahv", "ahv-nummer", "avs", "sozialversicherungsnummer"),
    "LI": ("peid", "ahv"),
    "BE": ("rijksregisternummer", "rijksregister", "numéro national", "registre national", "insz", "niss"),
    "NL": ("bsn", "burgerservicenummer", "sofinummer", "sofi-nummer"),
    "LU": ("matricule", "numéro d'identification", "sozialversicherungsnummer"),
    "FR": ("nir", "numéro de sécurité sociale", "sécu", "sécurité sociale", "carte vitale"),
    "IE": ("pps", "ppsn", "pps number"),
    "GB": ("national insurance", "ni number", "nino", "nhs", "nhs number"),
    "ES": ("dni", "nif", "número de identificación", "documento de identidad"),
    "IT": ("codice fiscale",),
    "PT": ("nif", "contribuinte", "número de contribuinte", "cartão de cidadão", "número fiscal"),
    "MT": ("karta tal-identità", "id card"),
    "CY": ("ταυτότητα", "αριθμός ταυτότητας", "id card"),
}

#: every context word, for documentation and the residual-risk report
CONTEXT_WORDS: tuple[str, ...] = tuple(
    dict.fromkeys(GENERIC_CONTEXT + tuple(w for ws in COUNTRY_CONTEXT.values() for w in ws))
)


@functools.lru_cache(maxsize=64)
def _context_re(country: str) -> re.Pattern[str]:
    words = GENERIC_CONTEXT + COUNTRY_CONTEXT.get(country, ())
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))
    return re.compile(r"(?<!\w)(?:" + alternatives + r")(?!\w)", re.IGNORECASE)


def has_id_context(text: str, start: int, end: int, country: str = "") -> bool:
    """A context word for ``country`` (or a generic one; whole word, any case) shortly before or after
    ``text[start:end]``."""
    rx = _context_re(country)
    return bool(rx.search(text, max(0, start - CONTEXT_BEFORE), start) or rx.search(text, end, end + CONTEXT_AFTER))


_STRONG = tuple(f for f in ID_FORMATS if f.strong)


def is_strong_national_id(value: str) -> bool:
    """``value`` is, as a whole, a strong-format national number that passes its check."""
    value = value.strip()
    return any(f.accepts(value) for f in _STRONG)
