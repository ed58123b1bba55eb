"""Multilingual evaluation set for de-identification, aimed at failure classes.

:func:`make_multilingual_set` writes survey-style answers ("what led to it",
"what made it easier", "what stops you") in 18 languages (en, fi, sv, de, fr,
es, nl, it, pt, da, nb, pl, et, lv, lt, ru, uk, cs) with exact gold spans.
Every record targets one *failure class* of issue 11:

==========  ===================================================================
class       what the record holds
==========  ===================================================================
``1``       a bare handle after a context phrase ("my nickname was X", "nimimerkkini
            oli X", "moja ksywa to X", "мой ник был X"): plain, decorated
            (``xX_name_Xx``), ``name.surname``, ``name_1987``, ``@name``, ``u/name``,
            Cyrillic
``2``       a single given name: at sentence start, after a kinship word ("my
            wife X", "vaimoni X", "moja żona X"), as a sign-off ("- X", "t. X", "/X"),
            or in the case its position asks for ("z Łukaszem", "Jukalle", "с Дмитрием")
``3``       a name, handle or place in an answer written all in lowercase
``4``       a full name and a town in one sentence (whole German sentences;
            Nordic, Baltic and Slavic names inside English text)
``5``       a town in the form the grammar asks for (Tampereella, Rīgā, Vilniuje,
            w Krakowie, в Москве, Tartus; nominative where the language has no cases)
``6``       a postal address in the country's own layout with unit, postcode and
            town (the gold span covers all of it)
``7``       a structured identifier: national ID of the country (valid check
            digits, python-stdnum), IBAN, phone number (valid, phonenumbers; local
            and international layouts), e-mail, URL, ``.onion``, crypto wallet,
            8-character Threema ID
``8``       non-ASCII letters in names (Łukasz, Šarūnas, Jõgeva), handles with
            dots, and *clean* answers where a context word sits inside another word
            ("unknown as far", "никогда", "sogenannte"): nothing may be removed
``9``       clean answers with over-redaction traps: "IP address", "VPN", "ISP",
            "Tor Browser", sentence-initial common nouns, platform names
``10``      type traps: towns that look like given names (Florence, Salo, Пушкин),
            personal codes that look like phone numbers (PESEL, fødselsnummer, CPR)
``clean``   no identifier, no platform name
``platform`` no identifier; platform/tool names that must be kept
==========  ===================================================================

About 35 % of the records hold no identifier. Phrasing varies the way
respondents write: fragments and run-on sentences, no punctuation, lowercase,
typos, English words mixed in.

Dev and holdout are disjoint: every pool (given names, surnames, towns,
streets, handle words) and every template list of :mod:`._evalset_lang` is
split by position (even index: dev, odd: holdout). Tune on ``dev``; report
``holdout``. Output is deterministic for a seed; every gold span is checked
(``text[start:end] == value``) when it is built.

:func:`score` measures what de-identification must achieve: a gold span counts
as found when at least 90 % of its letters and digits are covered by
predicted spans of any type (:func:`is_found`, shared with
``benchmarks/deid_eval.py``).

Example
-------
>>> recs = make_multilingual_set(n_per_language=4, seed=1, split="dev")
>>> len({r.language for r in recs}) >= 16
True
>>> all(r.text[s.start:s.end] == s.value for r in recs for s in r.spans)
True
"""

from __future__ import annotations

import datetime as _dt
import random
import re
import string
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from twoknow_text.deid import planted as _pl
from twoknow_text.deid._evalset_lang import ENGLISH_MIX, ENGLISH_TAILS, LANGS, PLATFORMS
from twoknow_text.errors import DeidError

__all__ = [
    "CLASSES",
    "EVAL_LANGUAGES",
    "FAILURE_CLASSES",
    "SPAN_CLASSES",
    "EvalRecord",
    "EvalSpan",
    "PlatformTerm",
    "alnum_positions",
    "is_found",
    "make_multilingual_set",
    "pool_values",
    "score",
    "template_ids",
]

#: Languages of the set (ISO 639-1).
EVAL_LANGUAGES: tuple[str, ...] = tuple(LANGS)
#: Span classes: how the identifier is found, not its exact entity type.
SPAN_CLASSES: tuple[str, ...] = ("structured", "name", "handle", "place", "address")
CLASSES = SPAN_CLASSES
#: Record tags: issue 11's failure classes plus answers without identifiers.
FAILURE_CLASSES: tuple[str, ...] = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "clean", "platform")
SPLITS = ("dev", "holdout")

# Records per 40 answers of one language, by failure class (clean ones: clean,
# platform, 9 and the in-word traps of 8 -> about 35 %).
_WEIGHTS: dict[str, float] = {
    "clean": 6, "platform": 4, "9": 3, "8trap": 1.5,
    "1": 4.5, "2": 4, "3": 2.5, "4": 2.5, "5": 3, "6": 2.5, "7": 4.5, "8": 1.5, "10": 1.5,
}

_KIND_ENTITY = {
    "national_id": "NATIONAL_ID", "iban": "IBAN_CODE", "phone": "PHONE_NUMBER", "email": "EMAIL_ADDRESS",
    "url": "URL", "onion": "ONION_ADDRESS", "wallet": "CRYPTO_WALLET", "threema": "MESSAGING_HANDLE",
}
_KIND_WEIGHTS = {"national_id": 5, "iban": 3, "phone": 5, "email": 3, "url": 2, "onion": 2, "wallet": 2, "threema": 2}

#: Predicted types accepted as the right type for a gold type (see ``type_agreement``).
_TYPE_OK: dict[str, set[str]] = {
    "USERNAME": {"USERNAME", "MESSAGING_HANDLE"},
    "MESSAGING_HANDLE": {"USERNAME", "MESSAGING_HANDLE", "SESSION_ID"},
    "NATIONAL_ID": {"NATIONAL_ID", "ID_NUMBER"},
    "STREET_ADDRESS": {"STREET_ADDRESS", "ADDRESS"},
}


@dataclass(frozen=True)
class EvalSpan:
    """One gold identifier: ``text[start:end] == value``."""

    start: int
    end: int
    entity_type: str
    cls: str
    value: str


@dataclass(frozen=True)
class PlatformTerm:
    """A platform or tool name in the answer that de-identification must keep."""

    start: int
    end: int
    term: str


@dataclass(frozen=True)
class EvalRecord:
    """One evaluation answer with its gold spans and what it tests."""

    text: str
    language: str
    spans: tuple[EvalSpan, ...] = ()
    failure_class: str = "clean"
    platform_terms: tuple[PlatformTerm, ...] = ()
    template_id: str = ""
    split: str = "dev"

    @property
    def has_identifier(self) -> bool:
        return bool(self.spans)


# --------------------------------------------------------------------------
# Splits
# --------------------------------------------------------------------------


def _half(items: Sequence[Any], split: str) -> list[Any]:
    if split not in SPLITS:
        raise DeidError("E290", f"unknown split {split!r}; use 'dev' or 'holdout'")
    return list(items[0 if split == "dev" else 1 :: 2])


_POOLS = ("first", "first_obl", "last", "towns", "tcity", "hw", "streets")
_GROUPS = ("base", "platform", "traps", "inword", "handle", "name", "nameobl", "namecity", "place", "address", "ident",
           "typetrap")


def pool_values(language: str, split: str) -> set[str]:
    """Every name, surname, town form, street and handle word of one language and split."""
    d = LANGS[language]
    out: set[str] = set()
    for key in _POOLS:
        for item in _half(d.get(key, ()), split):
            out.update(item if isinstance(item, tuple) else (item,))
    return out


def template_ids(language: str, split: str) -> set[str]:
    """Ids (``lang/group/index``) of the templates a split uses."""
    d = LANGS[language]
    first = 0 if split == "dev" else 1
    return {f"{language}/{g}/{i}" for g in _GROUPS for i in range(first, len(d.get(g, ())), 2)}


# --------------------------------------------------------------------------
# Structured identifiers (valid check digits)
# --------------------------------------------------------------------------


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _date(rng: random.Random, y0: int = 1955, y1: int = 2004) -> _dt.date:
    a, b = _dt.date(y0, 1, 1).toordinal(), _dt.date(y1, 12, 28).toordinal()
    return _dt.date.fromordinal(rng.randint(a, b))


def _until_valid(make: Callable[[], str], valid: Callable[[str], bool], what: str) -> str:
    for _ in range(20000):
        s = make()
        if valid(s):
            return s
    raise AssertionError(f"no valid {what}")  # pragma: no cover


def _nid_fi(rng):
    return _pl.fake_hetu(rng)


def _nid_se(rng):
    from stdnum.se import personnummer

    return _until_valid(lambda: _pl.fake_personnummer(rng), personnummer.is_valid, "personnummer")


def _nid_es(rng):
    from stdnum.es import dni, nie

    if rng.random() < 0.65:
        body = _digits(rng, 8)
        v = body + dni.calc_check_digit(body)
        assert dni.is_valid(v)
        return v if rng.random() < 0.7 else f"{body}-{v[-1]}"
    body = rng.choice("XYZ") + _digits(rng, 7)
    v = body + nie.calc_check_digit(body)
    assert nie.is_valid(v)
    return v


def _nid_ee(rng):
    from stdnum.ee import ik

    def make():
        d = _date(rng)
        first = ("3" if d.year < 2000 else "5") if rng.random() < 0.5 else ("4" if d.year < 2000 else "6")
        body = first + d.strftime("%y%m%d") + _digits(rng, 3)
        return body + ik.calc_check_digit(body)

    return _until_valid(make, ik.is_valid, "isikukood")


def _nid_lt(rng):
    from stdnum.lt import asmens

    def make():
        d = _date(rng)
        first = rng.choice("34") if d.year < 2000 else rng.choice("56")
        body = first + d.strftime("%y%m%d") + _digits(rng, 3)
        return body + asmens.calc_check_digit(body)

    return _until_valid(make, asmens.is_valid, "asmens kodas")


def _nid_lv(rng):
    from stdnum.lv import pvn

    def make():
        d = _date(rng)
        century = "1" if d.year < 2000 else "2"
        return d.strftime("%d%m%y") + "-" + century + _digits(rng, 4)

    return _until_valid(make, pvn.is_valid, "personas kods")


def _nid_pl(rng):
    from stdnum.pl import pesel

    def make():
        d = _date(rng)
        month = d.month + (20 if d.year >= 2000 else 0)
        body = f"{d.year % 100:02d}{month:02d}{d.day:02d}" + _digits(rng, 4)
        return body + pesel.calc_check_digit(body)

    return _until_valid(make, pesel.is_valid, "PESEL")


def _nid_no(rng):
    from stdnum.no import fodselsnummer

    def make():
        d = _date(rng, 1955, 1999)
        return d.strftime("%d%m%y") + rng.choice("01234") + _digits(rng, 4)

    v = _until_valid(make, fodselsnummer.is_valid, "fødselsnummer")
    return v if rng.random() < 0.6 else f"{v[:6]} {v[6:]}"


def _nid_dk(rng):
    from stdnum.dk import cpr

    v = _until_valid(lambda: _date(rng).strftime("%d%m%y") + _digits(rng, 4), cpr.is_valid, "CPR")
    return f"{v[:6]}-{v[6:]}" if rng.random() < 0.7 else v


def _nid_nl(rng):
    from stdnum.nl import bsn

    v = _until_valid(lambda: rng.choice("123456789") + _digits(rng, 8), bsn.is_valid, "BSN")
    return v if rng.random() < 0.7 else bsn.format(v)


def _nid_it(rng):
    from stdnum.it import codicefiscale as cf

    def make():
        d = _date(rng)
        letters = "".join(rng.choice("BCDFGHLMNPRSTVZ") for _ in range(3)) + "".join(
            rng.choice("BCDFGHLMNPRSTVZAEIOU") for _ in range(3))
        day = d.day + (40 if rng.random() < 0.5 else 0)
        body = f"{letters}{d.year % 100:02d}{'ABCDEHLMPRST'[d.month - 1]}{day:02d}" + rng.choice(
            ["H501", "F205", "L219", "G273", "A944", "D612", "F839"])
        return body + cf.calc_check_digit(body)

    return _until_valid(make, cf.is_valid, "codice fiscale")


def _nid_pt(rng):
    from stdnum.pt import cc

    def make():
        num = _digits(rng, 8)
        body = num + rng.choice(string.digits) + rng.choice(string.ascii_uppercase) + rng.choice(string.ascii_uppercase)
        return body + cc.calc_check_digit(body)

    v = _until_valid(make, cc.is_valid, "cartão de cidadão")
    return cc.format(v) if rng.random() < 0.6 else v


def _nid_fr(rng):
    from stdnum.fr import nir

    def make():
        d = _date(rng)
        dept = f"{rng.choice([x for x in range(1, 96) if x != 20]):02d}"
        body = rng.choice("12") + d.strftime("%y%m") + dept + _digits(rng, 3) + _digits(rng, 3)
        return body + nir.calc_check_digits(body)

    v = _until_valid(make, nir.is_valid, "NIR")
    return nir.format(v) if rng.random() < 0.6 else v


def _nid_be(rng):
    from stdnum.be import nn

    def make():
        d = _date(rng, 1955, 1999)
        return d.strftime("%y%m%d") + _digits(rng, 3) + _digits(rng, 2)

    v = _until_valid(make, nn.is_valid, "Belgian NN")
    return nn.format(v) if rng.random() < 0.5 else v


def _nid_de(rng):
    from stdnum.de import idnr

    def make():
        digits = list("0123456789")
        rng.shuffle(digits)
        if digits[0] == "0":
            digits[0], digits[1] = digits[1], digits[0]
        body = digits[:9]
        body.insert(rng.randrange(1, 10), body[rng.randrange(1, 9)])  # one digit twice
        return "".join(body) + rng.choice(string.digits)

    v = _until_valid(make, idnr.is_valid, "Steuer-ID")
    return idnr.format(v) if rng.random() < 0.5 else v


def _nid_cz(rng):
    from stdnum.cz import rc

    def make():
        d = _date(rng, 1955, 2003)
        month = d.month + (50 if rng.random() < 0.5 else 0)
        return f"{d.year % 100:02d}{month:02d}{d.day:02d}/" + _digits(rng, 4)

    return _until_valid(make, rc.is_valid, "rodné číslo")


def _nid_ru(rng):
    from stdnum.ru import inn

    def make():
        body = rng.choice(["77", "78", "50", "16", "66", "54"]) + _digits(rng, 8)
        return body + inn.calc_personal_check_digits(body)

    return _until_valid(make, inn.is_valid, "ИНН")


def _nid_ua(rng):
    from stdnum.ua import rntrc

    def make():
        body = rng.choice("123") + _digits(rng, 8)
        return body + rntrc.calc_check_digit(body)

    return _until_valid(make, rntrc.is_valid, "РНОКПП")


def _nid_gb(rng):
    from stdnum.gb import nhs

    v = _until_valid(lambda: rng.choice("456789") + _digits(rng, 9), nhs.is_valid, "NHS number")
    return nhs.format(v) if rng.random() < 0.6 else v


_NATIONAL_ID: dict[str, Callable[[random.Random], str]] = {
    "GB": _nid_gb, "FI": _nid_fi, "SE": _nid_se, "DE": _nid_de, "FR": _nid_fr, "ES": _nid_es, "NL": _nid_nl,
    "IT": _nid_it, "PT": _nid_pt, "DK": _nid_dk, "NO": _nid_no, "PL": _nid_pl, "EE": _nid_ee, "LV": _nid_lv,
    "LT": _nid_lt, "RU": _nid_ru, "UA": _nid_ua, "CZ": _nid_cz, "BE": _nid_be,
}
#: Personal codes that are runs of 10-11 digits, easily taken for phone numbers (class 10).
_PHONE_LIKE_IDS = ("PL", "NO", "DK", "EE", "LT", "LV")

# BBAN layouts: (letters, digits) counts; national check digits are met by retrying.
_BBAN = {"GB": (4, 14), "FI": (0, 14), "SE": (0, 20), "DE": (0, 18), "FR": (0, 23), "ES": (0, 20), "NL": (4, 10),
         "IT": (1, 22), "PT": (0, 21), "DK": (0, 14), "NO": (0, 11), "PL": (0, 24), "EE": (0, 16), "LV": (4, 13),
         "LT": (0, 16), "UA": (0, 25), "CZ": (0, 20), "BE": (0, 12)}


def _iban(rng: random.Random, country: str) -> str:
    from stdnum import iban

    cc = country if country in _BBAN else rng.choice(["DE", "LV", "LT", "EE", "PL"])
    letters, digits = _BBAN[cc]

    def make():
        bban = "".join(rng.choice(string.ascii_uppercase) for _ in range(letters)) + _digits(rng, digits)
        if cc == "UA":
            bban = _digits(rng, 6) + "0" * 5 + _digits(rng, 14)
        raw = cc + "00" + bban
        return cc + iban.calc_check_digits(raw) + bban

    v = _until_valid(make, iban.is_valid, f"IBAN {cc}")
    return iban.format(v) if rng.random() < 0.6 else v



def _phone(rng: random.Random, country: str) -> str:
    import phonenumbers as pn

    region = country if rng.random() < 0.85 else rng.choice(["FI", "SE", "DE", "PL", "ES", "LV", "LT", "EE", "GB", "FR"])
    kind = pn.PhoneNumberType.MOBILE if rng.random() < 0.75 else pn.PhoneNumberType.FIXED_LINE
    ex = pn.example_number_for_type(region, kind)
    nat = str(ex.national_number)
    keep = 3 if len(nat) > 8 else 2
    for _ in range(500):
        cand = pn.PhoneNumber(country_code=ex.country_code, national_number=int(nat[:keep] + _digits(rng, len(nat) - keep)))
        if pn.is_valid_number(cand):
            break
    else:  # pragma: no cover
        cand = ex
    style = rng.randrange(5)
    if style == 0:
        s = pn.format_number(cand, pn.PhoneNumberFormat.INTERNATIONAL)
    elif style == 1:
        s = pn.format_number(cand, pn.PhoneNumberFormat.E164)
    elif style == 2:
        s = re.sub(r"[^\d+]", "", pn.format_number(cand, pn.PhoneNumberFormat.NATIONAL))
    else:
        s = pn.format_number(cand, pn.PhoneNumberFormat.NATIONAL)
    assert pn.is_valid_number(pn.parse(s, region)), s
    return s


_MAIL_DOMAINS = ["proton.me", "gmail.com", "tutanota.com", "outlook.com", "gmx.de", "wp.pl", "o2.pl", "mail.ru",
                 "yandex.ru", "ukr.net", "seznam.cz", "inbox.lv", "post.ee", "libero.it", "sapo.pt", "hotmail.es",
                 "laposte.net", "web.de", "live.dk", "online.no", "suomi24.fi", "telia.com", "ziggo.nl", "cock.li"]


_CYR = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
                ["a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t",
                 "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "i", "yi", "ye", "g"], strict=True))


def _ascii(s: str) -> str:
    """Letters of ``s`` as an e-mail local part would hold them (Cyrillic transliterated)."""
    s = "".join(_CYR.get(c, c) for c in s.lower())
    return "".join(c for c in unicodedata.normalize("NFKD", s) if c.isascii() and (c.isalnum() or c in "._-")) or "anon"


def _email(rng: random.Random, d: dict, split: str) -> str:
    first = rng.choice(_half(d["first"], split))
    last = rng.choice(_half(d["last"], split))
    style = rng.randrange(4)
    if style == 0:
        local = f"{_ascii(first)}.{_ascii(last)}".lower()
    elif style == 1:
        local = f"{_ascii(first).lower()}{rng.randint(70, 99)}"
    elif style == 2:
        local = _ascii(rng.choice(_half(d["hw"], split))).lower() + _digits(rng, 3)
    else:
        local = f"{_ascii(first)[0]}{_ascii(last)}".lower().replace(" ", "") + "_" + _digits(rng, 2)
    local = local.replace(" ", "").replace("'", "") or "anon" + _digits(rng, 3)
    return f"{local}@{rng.choice(_MAIL_DOMAINS)}"


def _wallet(rng: random.Random) -> str:
    return rng.choice([_pl.fake_btc_base58, _pl.fake_btc_bech32, _pl.fake_eth, _pl.fake_xmr])(rng)


def _threema(rng: random.Random) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        v = "".join(rng.choice(alphabet) for _ in range(8))
        if sum(c.isdigit() for c in v) >= 2 and sum(c.isalpha() for c in v) >= 2:
            return v


def _structured(kind: str, rng: random.Random, lang: str, split: str) -> str:
    d = LANGS[lang]
    country = d["country"]
    if kind == "national_id":
        if rng.random() < 0.15:
            country = rng.choice(sorted(_NATIONAL_ID))
        return _NATIONAL_ID[country](rng)
    if kind == "iban":
        return _iban(rng, country)
    if kind == "phone":
        return _phone(rng, country)
    if kind == "email":
        return _email(rng, d, split)
    if kind == "url":
        return _pl.fake_url(rng)
    if kind == "onion":
        return _pl.fake_onion_v3(rng)
    if kind == "wallet":
        return _wallet(rng)
    if kind == "threema":
        return _threema(rng)
    raise DeidError("E291", f"unknown identifier kind {kind!r}")


# --------------------------------------------------------------------------
# Addresses (whole address is one gold span)
# --------------------------------------------------------------------------


def _uk_postcode(rng: random.Random) -> str:
    up = string.ascii_uppercase
    return f"{rng.choice(up)}{rng.choice(up)}{rng.randint(1, 28)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"


def _address(rng: random.Random, lang: str, split: str) -> str:
    d = LANGS[lang]
    street = rng.choice(_half(d["streets"], split))
    town = rng.choice(_half(d["towns"], split))[0]
    n = rng.randint(1, 160)
    apt = rng.randint(1, 48)
    r = rng.randrange(2)
    if lang == "en":
        return (f"Flat {apt}, {n} {street}, {town} {_uk_postcode(rng)}" if r else f"{n} {street}, {town}, {_uk_postcode(rng)}")
    if lang == "fi":
        return f"{street} {n} {rng.choice('ABC')} {apt}, {_digits(rng, 5)} {town}" if r else f"{street} {n} as {apt}, {_digits(rng, 5)} {town.upper()}"
    if lang == "sv":
        return f"{street} {n}, lgh {rng.randint(1001, 1904)}, {_digits(rng, 3)} {_digits(rng, 2)} {town}"
    if lang == "de":
        return f"{street} {n}{rng.choice(['', 'a', 'b'])}, {_digits(rng, 5)} {town}" if r else f"{street} {n}, Whg. {apt}, {_digits(rng, 5)} {town}"
    if lang == "fr":
        return f"{n} {street}, appt {apt}, {_digits(rng, 5)} {town}" if r else f"{n} bis {street}, bât. {rng.choice('ABC')}, {_digits(rng, 5)} {town}"
    if lang == "es":
        floor = rng.randint(1, 9)
        return f"{street} {n}, {floor}º {rng.choice('ABCD')}, {_digits(rng, 5)} {town}" if r else f"{street}, {n}, {floor}º izda., {_digits(rng, 5)} {town}"
    if lang == "nl":
        return f"{street} {n}-{rng.randint(1, 3)}, {_digits(rng, 4)} {rng.choice('ABCDEGHJKLMNPRST')}{rng.choice('ABCDEGHJKLMNPRST')} {town}"
    if lang == "it":
        return f"{street} {n}, int. {apt}, {_digits(rng, 5)} {town}" if r else f"{street}, {n}/{rng.choice('ABC')}, {_digits(rng, 5)} {town} ({town[:2].upper()})"
    if lang == "pt":
        return f"{street}, {n}, {rng.randint(1, 8)}º Esq., {_digits(rng, 4)}-{_digits(rng, 3)} {town}" if r else f"{street} {n} r/c dto, {_digits(rng, 4)}-{_digits(rng, 3)} {town}"
    if lang == "da":
        return f"{street} {n}, {rng.randint(1, 5)}. tv, {_digits(rng, 4)} {town}" if r else f"{street} {n}, st. th., {_digits(rng, 4)} {town}"
    if lang == "nb":
        return f"{street} {n} {rng.choice('ABC')}, {_digits(rng, 4)} {town}" if r else f"{street} {n}, H0{rng.randint(1, 4)}0{rng.randint(1, 9)}, {_digits(rng, 4)} {town}"
    if lang == "pl":
        return f"ul. {street} {n}/{apt}, {_digits(rng, 2)}-{_digits(rng, 3)} {town}" if r else f"ul. {street} {n} m. {apt}, {_digits(rng, 2)}-{_digits(rng, 3)} {town}"
    if lang == "et":
        return f"{street} {n}-{apt}, {_digits(rng, 5)} {town}" if r else f"{street} {n} korter {apt}, {town} {_digits(rng, 5)}"
    if lang == "lv":
        return f"{street} {n} - {apt}, {town}, LV-{_digits(rng, 4)}" if r else f"{street} {n}k-{rng.randint(1, 3)}-{apt}, {town}, LV-{_digits(rng, 4)}"
    if lang == "lt":
        return f"{street} {n}-{apt}, LT-{_digits(rng, 5)} {town}" if r else f"{street} {n}, {apt} butas, {town}, LT-{_digits(rng, 5)}"
    if lang == "ru":
        return f"{street}, д. {n}, кв. {apt}, г. {town}, {_digits(rng, 6)}" if r else f"{_digits(rng, 6)}, г. {town}, {street}, {n}-{apt}"
    if lang == "uk":
        return f"{street}, буд. {n}, кв. {apt}, м. {town}, {_digits(rng, 5)}" if r else f"{_digits(rng, 5)}, м. {town}, {street}, {n}/{apt}"
    if lang == "cs":
        return f"{street} {n}/{rng.randint(1, 40)}, {_digits(rng, 3)} {_digits(rng, 2)} {town}" if r else f"{street} {rng.randint(100, 2999)}/{n}, {town} {_digits(rng, 3)} {_digits(rng, 2)}"
    raise DeidError("E291", f"no address layout for {lang!r}")  # pragma: no cover


# --------------------------------------------------------------------------
# Handles
# --------------------------------------------------------------------------


def _handle(rng: random.Random, lang: str, split: str, style: str | None = None) -> tuple[str, str]:
    """A handle and its entity type (``@name`` is a MESSAGING_HANDLE, the rest USERNAME)."""
    d = LANGS[lang]
    hw = _half(d["hw"], split)
    first = rng.choice(_half(d["first"], split))
    last = rng.choice(_half(d["last"], split)).replace(" ", "").replace("'", "")
    styles = ["plain", "digits", "decorated", "dotted_name", "name_year", "at", "u", "camel", "dotted_words"]
    style = style or rng.choice(styles)
    w = rng.choice(hw)
    if style == "plain":
        return w, "USERNAME"
    if style == "digits":
        return f"{w}{rng.randint(7, 99)}", "USERNAME"
    if style == "decorated":
        return rng.choice([f"xX_{w}_Xx", f"_{w}_", f"xx{w}xx", f"{w}__{rng.randint(1, 9)}"]), "USERNAME"
    if style == "dotted_name":
        return f"{first}.{last}".lower(), "USERNAME"
    if style == "name_year":
        return f"{first.lower()}_{rng.randint(1975, 2004)}", "USERNAME"
    if style == "at":
        return f"@{w}{rng.choice(['', str(rng.randint(1, 99))])}", "MESSAGING_HANDLE"
    if style == "u":
        return f"u/{w}_{rng.randint(10, 99)}", "USERNAME"
    if style == "camel":
        return w[:1].upper() + w[1:] + rng.choice(["", "X", str(rng.randint(1, 9)), "_" + last[:3]]), "USERNAME"
    if style == "dotted_words":
        return f"{w}.{rng.choice([x for x in hw if x != w])}.{rng.randint(1, 99)}", "USERNAME"
    raise DeidError("E291", f"unknown handle style {style!r}")  # pragma: no cover


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------

_SLOT = re.compile(r"\{(\w+)\}|<<([^>]+)>>")
_FOREIGN = ("fi", "sv", "da", "nb", "et", "lv", "lt", "pl", "cs")


@dataclass
class _Ctx:
    rng: random.Random
    lang: str
    split: str
    lower: bool = False
    no_punct: bool = False
    lower_literals: bool = False
    typo: bool = False
    nonascii: bool = False  # class 8: a name or town with letters outside ASCII
    handle_style: str | None = None
    kind: str = "national_id"  # {id}/{label}: which structured identifier
    fixed_id: str | None = None
    values: dict[str, tuple[str, str | None, str | None]] = field(default_factory=dict)  # slot -> (value, entity, cls)
    depth: int = 0
    used: set[str] = field(default_factory=set)  # clean sentences already in this answer


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.spans: list[EvalSpan] = []
        self.platforms: list[PlatformTerm] = []
        self.pos = 0

    def add(self, s: str) -> tuple[int, int]:
        a = self.pos
        self.parts.append(s)
        self.pos += len(s)
        return a, self.pos

    def text(self) -> str:
        return "".join(self.parts)


def _lower(s: str) -> str:
    low = s.lower()
    return low if len(low) == len(s) else s


def _literal(s: str, ctx: _Ctx) -> str:
    if ctx.no_punct:
        s = re.sub(r"[.,!?;:]+(?=\s|$)", "", s)
    if ctx.lower or ctx.lower_literals:
        s = _lower(s)
    if ctx.typo:
        words = [m for m in re.finditer(r"[^\W\d_]{6,}", s)]
        if words:
            m = ctx.rng.choice(words)
            i = ctx.rng.randrange(m.start() + 1, m.end() - 2)
            s = s[:i] + s[i + 1] + s[i] + s[i + 2 :]
            ctx.typo = False  # one typo per answer
    return s


def _all_nonascii(forms: tuple[str, ...]) -> bool:
    return all(not f.isascii() for f in forms)


def _slot_value(name: str, ctx: _Ctx) -> tuple[str, str | None, str | None]:
    """(value, entity type or None, class or None) for a template slot."""
    if name in ctx.values:
        return ctx.values[name]
    rng, d, split = ctx.rng, LANGS[ctx.lang], ctx.split
    if name in ("first", "full", "xfirst", "xfull"):
        src = d
        if name.startswith("x"):
            src = LANGS[rng.choice(_FOREIGN)]
        first = rng.choice(_half(src["first"], split))
        if ctx.nonascii:
            cands = [f for f in _half(src["first"], split) if not f.isascii()] or [
                f for f in _half(LANGS[rng.choice(("pl", "lt", "lv", "cs"))]["first"], split) if not f.isascii()]
            first = rng.choice(cands)
        val = first if name.endswith("first") else f"{first} {rng.choice(_half(src['last'], split))}"
        out = (val, "PERSON", "name")
    elif name == "first_obl":
        i = rng.randrange(0 if split == "dev" else 1, len(d["first_obl"]), 2)
        out = (d["first_obl"][i], "PERSON", "name")
    elif name in ("place", "place_loc", "place_from"):
        town = rng.choice(_half(d["towns"], split))
        if ctx.nonascii:
            town = rng.choice([t for t in _half(d["towns"], split) if _all_nonascii(t)] or [town])
        val = town[{"place": 0, "place_loc": 1, "place_from": 2}[name]]
        out = (val, "LOCATION", "place")
    elif name in ("tcity", "tcity_loc"):
        town = rng.choice(_half(d["tcity"], split))
        out = (town[0 if name == "tcity" else 1], "LOCATION", "place")
    elif name == "handle":
        val, ent = _handle(rng, ctx.lang, split, ctx.handle_style)
        out = (val, ent, "handle")
    elif name == "address":
        out = (_address(rng, ctx.lang, split), "STREET_ADDRESS", "address")
    elif name == "id":
        val = ctx.fixed_id or _structured(ctx.kind, rng, ctx.lang, split)
        out = (val, _KIND_ENTITY[ctx.kind], "structured")
    elif name == "label":
        out = (d["labels"][ctx.kind], None, None)
    elif name == "platform":
        out = (rng.choice(PLATFORMS), "PLATFORM", None)
    else:
        raise DeidError("E291", f"unknown template slot {{{name}}}")
    if name in ("first", "full", "xfirst", "xfull", "place", "place_loc", "place_from", "tcity", "tcity_loc", "handle"):
        ctx.values[name] = out  # the same slot twice in one template is the same value
    return out


def _render(template: str, ctx: _Ctx, b: _Builder) -> None:
    pos = 0
    for m in _SLOT.finditer(template):
        if m.start() > pos:
            b.add(_literal(template[pos : m.start()], ctx))
        pos = m.end()
        if m.group(2):  # <<Term>>: a fixed platform name
            term = m.group(2)
            a, e = b.add(term)
            b.platforms.append(PlatformTerm(a, e, term))
            continue
        name = m.group(1)
        if name == "base":
            if ctx.depth > 1:
                continue
            ctx.depth += 1
            bases = _half(LANGS[ctx.lang]["base"], ctx.split)
            chosen = ctx.rng.choice([x for x in bases if x not in ctx.used] or bases)
            ctx.used.add(chosen)
            _render(chosen, ctx, b)
            ctx.depth -= 1
            continue
        val, ent, cls = _slot_value(name, ctx)
        if ctx.lower and ent not in ("PLATFORM", None):
            val = _lower(val)
        a, e = b.add(val)
        if ent == "PLATFORM":
            b.platforms.append(PlatformTerm(a, e, val))
        elif ent is not None:
            b.spans.append(EvalSpan(a, e, ent, cls, val))
    if pos < len(template):
        b.add(_literal(template[pos:], ctx))


# --------------------------------------------------------------------------
# The set
# --------------------------------------------------------------------------


def _quota(n: int, rng: random.Random) -> list[str]:
    """Failure classes for ``n`` records of one language, proportional to ``_WEIGHTS``.

    Whole shares first; the remaining records go to classes drawn (weighted by
    their fractional share, without replacement) with the language's ``rng``,
    so small sets still cover every class across languages.
    """
    total = sum(_WEIGHTS.values())
    exact = {k: n * w / total for k, w in _WEIGHTS.items()}
    counts = {k: int(v) for k, v in exact.items()}
    frac = {k: exact[k] - counts[k] for k in exact}
    for _ in range(n - sum(counts.values())):
        keys = [k for k in frac if frac[k] > 0]
        k = rng.choices(keys, weights=[frac[k] for k in keys])[0]
        counts[k] += 1
        frac[k] = 0.0
    return [k for k in _WEIGHTS for _ in range(counts[k])]


def _pick(rng: random.Random, lang: str, group: str, split: str) -> tuple[str, str]:
    items = LANGS[lang][group]
    first = 0 if split == "dev" else 1
    i = rng.randrange(first, len(items), 2)
    return items[i], f"{lang}/{group}/{i}"


def _one(rng: random.Random, lang: str, split: str, fc: str) -> EvalRecord:
    ctx = _Ctx(rng=rng, lang=lang, split=split)
    tag = fc
    group = {"clean": "base", "platform": "platform", "9": "traps", "8trap": "inword", "1": "handle", "2": "name",
             "4": "namecity", "5": "place", "6": "address", "7": "ident", "10": "typetrap"}.get(fc)
    if fc == "3":
        group = rng.choice(["name", "name", "handle", "place", "namecity"])
        ctx.lower = True
    elif fc == "8":
        if rng.random() < 0.5:
            group = "handle"
            ctx.handle_style = rng.choice(["dotted_name", "dotted_words"])
        else:
            group = rng.choice(["name", "place"])
            if not any(_all_nonascii(t) for t in _half(LANGS[lang]["towns"], split)):
                group = "name"  # no town with such letters here; a name from a Baltic/Slavic pool instead
            ctx.nonascii = True
    elif fc == "8trap":
        tag = "8"
    elif fc == "2" and "nameobl" in LANGS[lang] and rng.random() < 0.4:
        group = "nameobl"  # a given name in the case its position asks for
    elif fc == "7":
        ctx.kind = rng.choices(list(_KIND_WEIGHTS), weights=list(_KIND_WEIGHTS.values()))[0]
    elif fc == "10" and rng.random() < 0.5:
        group = "ident"
        ctx.kind = "national_id"
        ctx.fixed_id = _NATIONAL_ID[rng.choice(_PHONE_LIKE_IDS)](rng)
    template, tid = _pick(rng, lang, group, split)
    ctx.used.add(template)

    # Register: fragments, run-ons, no punctuation, lowercase, typos, English mixed in.
    if not ctx.lower:
        ctx.lower_literals = rng.random() < 0.25
    ctx.no_punct = rng.random() < 0.2
    ctx.typo = rng.random() < 0.2
    r = rng.random()
    if "{base}" in template:  # already two sentences (sign-offs end the answer)
        pass
    elif group != "base" and r < 0.2:
        template = "{base}" + LANGS[lang]["and_"] + template
    elif group != "base" and r < 0.35:
        template = template + " " + "{base}"
    elif group == "base" and r < 0.4:
        template = template + LANGS[lang]["and_"] + "{base}" if r < 0.2 else template + " {base}"
    if lang != "en" and rng.random() < 0.12:
        template = rng.choice(ENGLISH_MIX) + template if rng.random() < 0.5 else template + rng.choice(ENGLISH_TAILS)

    b = _Builder()
    _render(template, ctx, b)
    text = b.text()
    for s in b.spans:
        if text[s.start : s.end] != s.value:  # pragma: no cover - construction guarantee
            raise AssertionError(f"gold offsets wrong in {tid}")
    for p in b.platforms:
        assert text[p.start : p.end] == p.term
    return EvalRecord(text=text, language=lang, spans=tuple(b.spans), failure_class=tag,
                      platform_terms=tuple(b.platforms), template_id=tid, split=split)


def make_multilingual_set(n_per_language: int = 40, seed: int = 0, split: str = "dev",
                          languages: Sequence[str] | None = None) -> list[EvalRecord]:
    """``n_per_language`` answers in each of :data:`EVAL_LANGUAGES` (or ``languages``).

    Deterministic for ``(n_per_language, seed, split)``. ``split="dev"`` and
    ``split="holdout"`` draw on disjoint name/town/street/handle pools and
    disjoint templates (see the module docstring).
    """
    _half((), split)  # validates split
    if n_per_language < 0:
        raise DeidError("E290", f"The 'n_per_language' parameter of make_multilingual_set must be >= 0. "
                                f"Got {n_per_language} instead.")
    langs = list(languages or EVAL_LANGUAGES)
    unknown = [lg for lg in langs if lg not in LANGS]
    if unknown:
        raise DeidError("E290", f"no evaluation templates for language(s) {unknown}; known: {', '.join(LANGS)}")
    out: list[EvalRecord] = []
    for lang in langs:
        rng = random.Random(f"{seed}/{split}/{lang}")
        classes = _quota(n_per_language, rng)
        rng.shuffle(classes)
        out.extend(_one(rng, lang, split, fc) for fc in classes)
    return out


# --------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------

_ARTICLE = re.compile(r"(?:the|a|an)\s+", re.IGNORECASE)


def alnum_positions(text: str, start: int, end: int) -> list[int]:
    """Letters and digits of ``text[start:end]``, without a leading English article."""
    m = _ARTICLE.match(text, start, end)
    if m:
        start = m.end()
    return [i for i in range(start, end) if text[i].isalnum()]


def is_found(text: str, start: int, end: int, covered: set[int] | frozenset[int], need: float = 0.9) -> bool:
    """True when at least ``need`` of the span's letters and digits are in ``covered``."""
    pos = alnum_positions(text, start, end)
    return bool(pos) and sum(p in covered for p in pos) / len(pos) >= need


def _triples(preds: Sequence[Any]) -> list[tuple[int, int, str]]:
    out = []
    for p in preds:
        if hasattr(p, "start"):
            out.append((p.start, p.end, p.entity_type))
        elif isinstance(p[0], str):  # (type, start, end) as in benchmarks/deid_eval.py
            out.append((p[1], p[2], p[0]))
        else:
            out.append((p[0], p[1], p[2]))
    return out


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def score(records: Sequence[EvalRecord], predicted: Sequence[Sequence[Any]]) -> dict:
    """Recall, precision and safety measures of ``predicted`` spans against ``records``.

    ``predicted[i]`` lists the spans found in ``records[i].text``, as
    ``(start, end, entity_type)`` tuples or objects with those attributes
    (:class:`~twoknow_text.deid.spans.DetectedSpan`).

    * recall per span class, per failure class, per language, pooled for
      "names, handles, places and addresses" and for "structured", for
      English, for all languages and for all but English;
    * ``precision``: predicted spans that overlap a gold span / all predicted;
    * ``platform_kept``: platform term occurrences no predicted span touches;
    * ``clean_unchanged``: answers without identifiers that get no span;
    * ``all_removed``: identifier-bearing answers with every identifier found;
    * ``type_agreement``: found gold spans that an overlapping prediction
      also labels with the right type (class 10 measures this);
    * ``overreach``: predictions overlapping a gold span that also cover 2+
      letters or digits outside every gold span (words next to an identifier).
    """
    if len(records) != len(predicted):
        raise DeidError("E292", f"score(): {len(records)} records but {len(predicted)} prediction lists")
    c: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def bump(key: str, hit: bool) -> None:
        c[key][0] += 1
        c[key][1] += bool(hit)

    for rec, preds in zip(records, predicted, strict=True):
        preds3 = _triples(preds)
        text, lang = rec.text, rec.language
        covered = {i for a, b, _ in preds3 for i in range(a, b)}
        gold_cov = {i for s in rec.spans for i in range(s.start, s.end)}
        hits = []
        for s in rec.spans:
            hit = is_found(text, s.start, s.end, covered)
            hits.append(hit)
            pooled = "structured" if s.cls == "structured" else "nhpa"
            for scope in ("all", lang, "non_en" if lang != "en" else "en_only"):
                bump(f"recall|{scope}|{s.cls}", hit)
                if pooled != s.cls:
                    bump(f"recall|{scope}|{pooled}", hit)
                bump(f"recall|{scope}|any", hit)
            bump(f"fclass|{rec.failure_class}", hit)
            bump(f"entity|{s.entity_type}", hit)
            if hit:
                ok = _TYPE_OK.get(s.entity_type, {s.entity_type})
                typed = any(a < s.end and s.start < b and t in ok for a, b, t in preds3)
                bump(f"type|{s.cls}", typed)
                bump(f"typefc|{rec.failure_class}", typed)
        for a, b, _t in preds3:
            over_gold = any(a < s.end and s.start < b for s in rec.spans)
            for scope in ("all", lang):
                bump(f"precision|{scope}", over_gold)
            if over_gold:
                outside = sum(1 for i in range(a, b) if i not in gold_cov and text[i].isalnum())
                bump("overreach", outside >= 2)
        for p in rec.platform_terms:
            kept = not any(a < p.end and p.start < b for a, b, _ in preds3)
            for scope in ("all", lang):
                bump(f"platform|{scope}", kept)
        if rec.spans:
            for scope in ("all", lang):
                bump(f"all_removed|{scope}", all(hits))
        else:
            for scope in ("all", lang):
                bump(f"clean|{scope}", not preds3)
            bump(f"clean_fclass|{rec.failure_class}", not preds3)

    def r(key: str) -> float | None:
        return _ratio(c[key][1], c[key][0]) if key in c else None

    def n(key: str) -> int:
        return c[key][0] if key in c else 0

    langs = sorted({rec.language for rec in records}, key=lambda x: (x != "en", x))
    summary = {
        "recall_names_handles_places_addresses": r("recall|all|nhpa"),
        "recall_structured": r("recall|all|structured"),
        "recall_all": r("recall|all|any"),
        "precision": r("precision|all"),
        "platform_kept": r("platform|all"),
        "clean_unchanged": r("clean|all"),
        "all_removed": r("all_removed|all"),
        "overreach": r("overreach"),
        "en": {"recall_names_handles_places_addresses": r("recall|en|nhpa"), "recall_structured": r("recall|en|structured")},
        "non_en": {"recall_names_handles_places_addresses": r("recall|non_en|nhpa"),
                   "recall_structured": r("recall|non_en|structured")},
    }
    return {
        **summary,
        "n_records": len(records),
        "n_gold": n("recall|all|any"),
        "recall_by_class": {k: {"recall": r(f"recall|all|{k}"), "gold": n(f"recall|all|{k}"),
                                "type_agreement": r(f"type|{k}")} for k in SPAN_CLASSES if n(f"recall|all|{k}")},
        "recall_by_failure_class": {k: {"recall": r(f"fclass|{k}"), "gold": n(f"fclass|{k}"),
                                        "type_agreement": r(f"typefc|{k}"),
                                        "clean_unchanged": r(f"clean_fclass|{k}"), "clean": n(f"clean_fclass|{k}")}
                                    for k in FAILURE_CLASSES if n(f"fclass|{k}") or n(f"clean_fclass|{k}")},
        "recall_by_entity": {k.split("|", 1)[1]: {"recall": r(k), "gold": n(k)} for k in sorted(c) if k.startswith("entity|")},
        "by_language": {lg: {
            "recall_names_handles_places_addresses": r(f"recall|{lg}|nhpa"),
            "recall_structured": r(f"recall|{lg}|structured"),
            **{f"recall_{k}": r(f"recall|{lg}|{k}") for k in SPAN_CLASSES},
            "precision": r(f"precision|{lg}"), "platform_kept": r(f"platform|{lg}"),
            "clean_unchanged": r(f"clean|{lg}"), "all_removed": r(f"all_removed|{lg}"),
        } for lg in langs},
    }
