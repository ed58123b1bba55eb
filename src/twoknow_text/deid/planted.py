"""Fake identifiers and a planted evaluation set for de-identification.

Every generator returns a value in the *real* format with a *valid*
checksum (Base58Check, Bech32/Bech32m, EIP-55, Monero Keccak, onion v3
SHA3-256, HETU mod-31, personnummer Luhn, phone numbers valid under
``phonenumbers``' metadata), drawn from a seeded :class:`random.Random`, so
a recognizer that validates checksums must find them and a benchmark
measures recall on realistic values. The values are random: they belong to
nobody (a random 32-byte string is not even a usable public key).

:func:`plant_identifiers` inserts a survey-style carrier phrase ("You can
reach me at {email}.") into a clinical, non-graphic answer and returns the
gold spans; :func:`make_planted_set` builds the benchmark set: every kind,
answers holding several identifiers, and *clean* answers that name
platforms and tools (Tor, Telegram, VPN, Session, ...) and ordinary time
phrases ("every week", "at night") which must stay untouched.

Example
-------
>>> import random
>>> text, spans = plant_identifiers("I felt alone.", "email", random.Random(1))
>>> spans[0].entity_type, text[spans[0].start:spans[0].end] == spans[0].value
('EMAIL_ADDRESS', True)
"""

from __future__ import annotations

import base64
import datetime as _dt
import ipaddress
import random
import re
import string
from dataclasses import dataclass, field
from typing import Callable

from twoknow_text.deid import validators as v
from twoknow_text.errors import DeidError

__all__ = [
    "GoldSpan",
    "PlantedRecord",
    "PLANTED_KINDS",
    "STRUCTURED_KINDS",
    "NER_KINDS",
    "KIND_ENTITY",
    "CLEAN_KIND",
    "MULTI_KIND",
    "BASE_ANSWERS",
    "CLEAN_ANSWERS",
    "PLATFORM_TERMS",
    "TIME_PHRASES",
    "FIRST_NAMES",
    "LAST_NAMES",
    "PLACES",
    "ORGANIZATIONS",
    "GENERATORS",
    "fake_value",
    "plant_identifiers",
    "make_planted_set",
]


@dataclass(frozen=True)
class GoldSpan:
    """One planted identifier: its entity type and character offsets in the text."""

    entity_type: str
    start: int
    end: int
    value: str


@dataclass(frozen=True)
class PlantedRecord:
    """A planted answer: the text, its gold spans and the kind that was planted."""

    text: str
    spans: list[GoldSpan] = field(default_factory=list)
    kind: str = "clean"


# --------------------------------------------------------------------------
# Value generators (valid formats and checksums)
# --------------------------------------------------------------------------

_WORDS = (
    "quiet river night owl grey harbor lonely fox silent pine north wind hollow "
    "lantern birch stone cloud raven frost meadow ember shadow tide willow drift"
).split()


def _handle_word(rng: random.Random) -> str:
    a, b = rng.sample(_WORDS, 2)
    style = rng.randrange(4)
    if style == 0:
        return f"{a}{b}{rng.randrange(10, 99)}"
    if style == 1:
        return f"{a}_{b}"
    if style == 2:
        return f"{a.capitalize()}{b.capitalize()}{rng.randrange(1, 9)}"
    return f"{a}.{b}{rng.randrange(100, 999)}"


def fake_email(rng: random.Random) -> str:
    domains = ["proton.me", "protonmail.com", "gmail.com", "tutanota.com", "outlook.com", "mail.fi",
               "posteo.de", "yandex.ru", "gmx.net", "hotmail.se", "cock.li", "disroot.org"]
    local = _handle_word(rng).lower()
    return f"{local}@{rng.choice(domains)}"


def _valid_phone(rng: random.Random, region: str, make: Callable[[random.Random], str]) -> str:
    import phonenumbers

    for _ in range(200):
        s = make(rng)
        try:
            num = phonenumbers.parse(s, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num):
            return s
    raise AssertionError(f"no valid phone number for {region}")  # pragma: no cover


def _d(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def fake_phone(rng: random.Random) -> str:
    """A phone number valid for its region, in one of several common layouts."""
    layouts: list[tuple[str, Callable[[random.Random], str]]] = [
        ("FI", lambda r: f"+358 40 {_d(r, 3)} {_d(r, 4)}"),
        ("FI", lambda r: f"040-{_d(r, 7)}"),
        ("FI", lambda r: f"050 {_d(r, 3)} {_d(r, 4)}"),
        ("FI", lambda r: f"+35845{_d(r, 7)}"),
        ("SE", lambda r: f"+46 70 {_d(r, 3)} {_d(r, 2)} {_d(r, 2)}"),
        ("SE", lambda r: f"070-{_d(r, 3)} {_d(r, 2)} {_d(r, 2)}"),
        ("GB", lambda r: f"+44 7700 {_d(r, 6)}"),
        ("GB", lambda r: f"07{r.choice('45789')}{_d(r, 2)} {_d(r, 6)}"),
        ("US", lambda r: f"({r.choice('2345678')}{_d(r, 2)}) {r.choice('2345678')}{_d(r, 2)}-{_d(r, 4)}"),
        ("US", lambda r: f"+1 {r.choice('2345678')}{_d(r, 2)} {r.choice('2345678')}{_d(r, 2)} {_d(r, 4)}"),
        ("DE", lambda r: f"+49 151 {_d(r, 8)}"),
        ("NO", lambda r: f"+47 {r.choice('49')}{_d(r, 2)} {_d(r, 2)} {_d(r, 3)}"),
    ]
    region, make = rng.choice(layouts)
    return _valid_phone(rng, region, make)


def fake_url(rng: random.Random) -> str:
    a, b = rng.sample(_WORDS, 2)
    tld = rng.choice(["com", "net", "org", "fi", "se", "io", "info"])
    path = rng.choice(["/forum", "/board/thread/" + _d(rng, 4), "/index.php?topic=" + _d(rng, 3), "/u/" + a, "/chat"])
    style = rng.randrange(4)
    if style == 0:
        return f"https://{a}-{b}.{tld}{path}"
    if style == 1:
        return f"http://www.{a}{b}.{tld}{path}"
    if style == 2:
        return f"www.{a}{b}.{tld}"
    return f"{a}{b}.{tld}{path}"


def fake_onion_v3_label(rng: random.Random) -> str:
    pubkey = rng.randbytes(32)
    raw = pubkey + v.onion_v3_checksum(pubkey) + b"\x03"
    return base64.b32encode(raw).decode("ascii").lower()


def fake_onion_v3(rng: random.Random) -> str:
    """A v3 onion address (valid checksum), alone, with scheme, subdomain or path."""
    host = fake_onion_v3_label(rng) + ".onion"
    return _onion_variants(rng, host)


def fake_onion_v2(rng: random.Random) -> str:
    host = base64.b32encode(rng.randbytes(10)).decode("ascii").lower() + ".onion"
    return _onion_variants(rng, host)


def _onion_variants(rng: random.Random, host: str) -> str:
    style = rng.randrange(5)
    if style == 0:
        return host
    if style == 1:
        return f"http://{host}"
    if style == 2:
        return f"http://{host}/index.php"
    if style == 3:
        return f"{host}/forum/{rng.choice(_WORDS)}"
    return f"https://www.{host}/"


def fake_ipv4(rng: random.Random) -> str:
    while True:
        ip = ipaddress.IPv4Address(rng.getrandbits(32))
        if not (ip.is_multicast or ip.is_reserved or ip.is_unspecified or str(ip).endswith(".0")):
            return str(ip)


def fake_ipv6(rng: random.Random) -> str:
    ip = ipaddress.IPv6Address((0x2001 << 112) | rng.getrandbits(112))
    return ip.compressed if rng.random() < 0.5 else ip.exploded


def fake_btc_base58(rng: random.Random) -> str:
    return v.b58check_encode(bytes([rng.choice([0x00, 0x05])]) + rng.randbytes(20))


def fake_btc_bech32(rng: random.Random) -> str:
    choice = rng.randrange(3)
    if choice == 0:
        return v.segwit_encode("bc", 0, rng.randbytes(20))
    if choice == 1:
        return v.segwit_encode("bc", 0, rng.randbytes(32))
    return v.segwit_encode("bc", 1, rng.randbytes(32))  # taproot, Bech32m


def fake_eth(rng: random.Random) -> str:
    addr = "0x" + rng.randbytes(20).hex()
    return v.eip55_checksum(addr) if rng.random() < 0.7 else addr


def fake_xmr(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        body = bytes([18]) + rng.randbytes(64)
    elif kind == 1:
        body = bytes([42]) + rng.randbytes(64)
    else:
        body = bytes([19]) + rng.randbytes(72)
    return v.monero_b58encode(body + v.keccak_256(body)[:4])


def fake_session_id(rng: random.Random) -> str:
    return "05" + rng.randbytes(32).hex()


def fake_pgp_fingerprint(rng: random.Random) -> str:
    hexpart = rng.randbytes(20).hex().upper()
    groups = [hexpart[i : i + 4] for i in range(0, 40, 4)]
    style = rng.randrange(3)
    if style == 0:
        return " ".join(groups)
    if style == 1:
        return " ".join(groups[:5]) + "  " + " ".join(groups[5:])  # gpg's own layout
    return hexpart if rng.random() < 0.5 else hexpart.lower()


def fake_pgp_key_block(rng: random.Random) -> str:
    body = base64.b64encode(rng.randbytes(rng.randrange(120, 300))).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    crc = base64.b64encode(rng.randbytes(3)).decode("ascii")
    return (
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n" + "\n".join(lines) + f"\n={crc}\n"
        "-----END PGP PUBLIC KEY BLOCK-----"
    )


def fake_handle(rng: random.Random) -> str:
    name = _handle_word(rng).replace(".", "_")
    style = rng.randrange(5)
    if style == 0:
        return f"@{name}"
    if style == 1:
        return f"t.me/{name}"
    if style == 2:
        return "discord.gg/" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(8))
    if style == 3:
        return f"{name}#{_d(rng, 4)}"
    return f"https://t.me/{name}"


def fake_username(rng: random.Random) -> str:
    return _handle_word(rng)


def _random_date(rng: random.Random, start_year: int, end_year: int) -> _dt.date:
    start = _dt.date(start_year, 1, 1).toordinal()
    end = _dt.date(end_year, 12, 31).toordinal()
    return _dt.date.fromordinal(rng.randint(start, end))


def fake_hetu(rng: random.Random) -> str:
    d = _random_date(rng, 1950, 2006)
    sign = rng.choice("-YXWVU") if d.year < 2000 else rng.choice("ABCDEF")
    ddmmyy = d.strftime("%d%m") + f"{d.year % 100:02d}"
    nnn = f"{rng.randint(2, 899):03d}"
    return f"{ddmmyy}{sign}{nnn}{v.hetu_check_char(ddmmyy, nnn)}"


def fake_personnummer(rng: random.Random) -> str:
    d = _random_date(rng, 1950, 2006)
    yymmdd = f"{d.year % 100:02d}{d.month:02d}{d.day:02d}"
    nnn = _d(rng, 3)
    check = v.luhn_check_digit(yymmdd + nnn)
    if rng.random() < 0.3:
        return f"{d.year}{d.month:02d}{d.day:02d}-{nnn}{check}"
    return f"{yymmdd}-{nnn}{check}"


_EN_STREETS = ["Baker", "Elm", "Oak", "Mill", "Church", "Station", "Victoria", "Maple", "High", "Park"]
_EN_TYPES = ["Street", "Road", "Avenue", "Lane", "Drive", "Close", "Court", "Way"]
_NORDIC_STREETS = [
    "Mannerheimintie", "Hämeenkatu", "Aleksanterinkatu", "Kauppakatu", "Satakunnankatu", "Koivukuja",
    "Rantatie", "Puistokatu", "Drottninggatan", "Storgatan", "Kungsgatan", "Sveavägen", "Linnégatan",
    "Nørrebrogade", "Vesterbrogade", "Thorvald Meyers gate", "Hauptstraße", "Bahnhofstraße",
]


def fake_street_address(rng: random.Random) -> str:
    if rng.random() < 0.4:
        return f"{rng.randint(1, 480)} {rng.choice(_EN_STREETS)} {rng.choice(_EN_TYPES)}"
    street = rng.choice(_NORDIC_STREETS)
    number = str(rng.randint(1, 120))
    if street.endswith(("katu", "tie", "kuja")) and rng.random() < 0.6:
        return f"{street} {number} {rng.choice('ABCD')} {rng.randint(1, 40)}"
    return f"{street} {number}"


#: Names from many countries, Finnish/Nordic ones well represented.
FIRST_NAMES = [
    "Mikko", "Aino", "Juha", "Sanna", "Tuomas", "Liisa", "Antti", "Johanna", "Ville", "Kaisa",
    "Erik", "Ingrid", "Lars", "Astrid", "Magnus", "Sofia", "Anders", "Maja", "Henrik", "Freja",
    "James", "Sarah", "Michael", "Emily", "David", "Laura", "Thomas", "Anna", "Daniel", "Maria",
    "Carlos", "Lucia", "Javier", "Elena", "Pierre", "Claire", "Stefan", "Katrin", "Dmitri", "Olga",
    "Piotr", "Agnieszka", "Ahmed", "Fatima", "Kenji", "Priya", "Jan", "Eva",
]
LAST_NAMES = [
    "Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Heikkinen", "Laine", "Koskinen", "Järvinen",
    "Lindqvist", "Johansson", "Andersson", "Nilsson", "Hansen", "Larsen", "Berg", "Eriksen",
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Clarke", "Miller", "Davies",
    "García", "Fernández", "Martin", "Dubois", "Schneider", "Weber", "Ivanov", "Petrova",
    "Kowalski", "Nowak", "Khan", "Tanaka", "Patel", "de Vries", "Novak", "Horvat",
]
#: Towns and cities: Finnish and Nordic ones first, then an international mix.
PLACES = [
    "Helsinki", "Tampere", "Turku", "Oulu", "Espoo", "Vantaa", "Jyväskylä", "Kuopio", "Lahti", "Pori",
    "Stockholm", "Gothenburg", "Malmö", "Uppsala", "Oslo", "Bergen", "Trondheim", "Copenhagen", "Aarhus",
    "Odense", "Reykjavik", "Tallinn", "London", "Manchester", "Leeds", "Dublin", "Berlin", "Munich",
    "Hamburg", "Madrid", "Barcelona", "Paris", "Lyon", "Warsaw", "Prague", "Vienna", "Toronto",
    "Chicago", "Boston", "Melbourne",
]
ORGANIZATIONS = [
    "Nokia", "the University of Helsinki", "Tampere University", "Aalto University", "Volvo", "IKEA",
    "Kesko", "the Finnish Tax Administration", "Siemens", "Deloitte", "Accenture", "Kone",
]


def fake_person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def fake_place(rng: random.Random) -> str:
    return rng.choice(PLACES)


def fake_organization(rng: random.Random) -> str:
    return rng.choice(ORGANIZATIONS)


#: kind -> value generator.
GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "email": fake_email,
    "phone": fake_phone,
    "url": fake_url,
    "onion_v3": fake_onion_v3,
    "onion_v2": fake_onion_v2,
    "ipv4": fake_ipv4,
    "ipv6": fake_ipv6,
    "btc_base58": fake_btc_base58,
    "btc_bech32": fake_btc_bech32,
    "eth": fake_eth,
    "xmr": fake_xmr,
    "session_id": fake_session_id,
    "pgp_fingerprint": fake_pgp_fingerprint,
    "pgp_key_block": fake_pgp_key_block,
    "handle": fake_handle,
    "username": fake_username,
    "hetu": fake_hetu,
    "personnummer": fake_personnummer,
    "street_address": fake_street_address,
    "person": fake_person,
    "place": fake_place,
    "organization": fake_organization,
}

#: kind -> entity type the engine must report for it.
KIND_ENTITY: dict[str, str] = {
    "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER",
    "url": "URL",
    "onion_v3": "ONION_ADDRESS",
    "onion_v2": "ONION_ADDRESS",
    "ipv4": "IP_ADDRESS",
    "ipv6": "IP_ADDRESS",
    "btc_base58": "CRYPTO_WALLET",
    "btc_bech32": "CRYPTO_WALLET",
    "eth": "CRYPTO_WALLET",
    "xmr": "CRYPTO_WALLET",
    "session_id": "SESSION_ID",
    "pgp_fingerprint": "PGP_FINGERPRINT",
    "pgp_key_block": "PGP_KEY_BLOCK",
    "handle": "MESSAGING_HANDLE",
    "username": "USERNAME",
    "hetu": "NATIONAL_ID",
    "personnummer": "NATIONAL_ID",
    "street_address": "STREET_ADDRESS",
    "person": "PERSON",
    "place": "LOCATION",
    "organization": "ORGANIZATION",
}

#: Kinds the pattern recognizers must find (recall target 0.99).
STRUCTURED_KINDS: tuple[str, ...] = tuple(k for k in KIND_ENTITY if k not in ("person", "place", "organization"))
#: Kinds only NER finds (recall target 0.95 for person and place).
NER_KINDS: tuple[str, ...] = ("person", "place", "organization")
MULTI_KIND = "multi"
CLEAN_KIND = "clean"
#: Every kind :func:`make_planted_set` produces.
PLANTED_KINDS: tuple[str, ...] = STRUCTURED_KINDS + NER_KINDS + (MULTI_KIND, CLEAN_KIND)


def fake_value(kind: str, rng: random.Random) -> str:
    """A fresh fake value of ``kind`` (see :data:`GENERATORS`)."""
    try:
        return GENERATORS[kind](rng)
    except KeyError:
        raise DeidError("E210", f"unknown planted kind {kind!r}; known: {', '.join(GENERATORS)}") from None


# --------------------------------------------------------------------------
# Carrier phrases and base answers (clinical, non-graphic)
# --------------------------------------------------------------------------

#: Survey-style sentences a planted value is placed in. ``{v}`` is the value;
#: ``{person}``, ``{place}``, ``{org}`` are extra NER values planted with it.
_CARRIERS: dict[str, list[str]] = {
    "email": ["You can reach me at {v}.", "My old email was {v} and I have closed it since.",
              "I used a throwaway address, {v}, for the forum account.",
              "If you have questions, email {v}.", "The account was registered to {v}."],
    "phone": ["If the researchers want to talk, my number is {v}.", "I once called a help line from {v}.",
              "Text me on {v} if you need more answers.", "They had my phone number, {v}, which scared me."],
    "url": ["The first site I found was {v}.", "I read the advice at {v} every week.",
            "Someone posted a link to {v} and I followed it.", "It all started on {v}, a forum for lonely people."],
    "onion_v3": ["The forum was at {v} and I went there at night.", "I found {v} through a list on a wiki.",
                 "There was a board at {v} that I kept returning to.", "The link {v} was shared in a group."],
    "onion_v2": ["Years ago the address was {v}.", "An older site, {v}, was offline most of the time."],
    "ipv4": ["My VPN exit was {v} most of the time.", "The server at {v} hosted the chat.",
             "My home IP at the time was {v}."],
    "ipv6": ["The logs showed the address {v}.", "I connected to {v} through a proxy."],
    "btc_base58": ["I paid once to {v} and regretted it.", "The wallet was {v}."],
    "btc_bech32": ["I paid once to {v} and regretted it.", "They asked for bitcoin at {v}."],
    "eth": ["The Ethereum address they gave was {v}.", "I sent a small amount to {v}."],
    "xmr": ["They only took Monero, to {v}.", "The Monero address was {v}."],
    "session_id": ["My Session ID is {v} if anyone wants to talk.", "We moved to Session, my ID was {v}."],
    "pgp_fingerprint": ["My PGP fingerprint is {v}.", "Verify me with the key fingerprint {v}."],
    "pgp_key_block": ["This is the key I used:\n{v}\nI no longer use it.", "My public key:\n{v}"],
    "handle": ["People knew me as {v} in the group.", "You could find me at {v} back then.",
               "Message {v} if you want to know more."],
    "username": ["My username was {v} on that forum.", "I post as {v} on the boards.",
                 "Add me on Wickr: {v}", "My nick is {v}, but I rarely use it now.",
                 "I went by the name {v} for years."],
    "hetu": ["My personal identity code is {v}, which I should not have written.", "HETU {v}.",
             "For the record my henkilötunnus is {v}."],
    "personnummer": ["My personnummer is {v}.", "My Swedish personal number is {v}."],
    "street_address": ["I lived at {v} when it started.", "The therapy centre is on {v}.",
                       "We moved to {v} in the spring."],
    "person": ["My therapist {v} in {place} helped me a lot.", "I told my friend {v} about it.",
               "{v} from the support line called me back.", "My partner, {v}, does not know."],
    "place": ["I grew up in {v} and felt isolated there.", "After moving to {v} I was very lonely.",
              "There was no help available in {v}.", "I live in a small town near {v}."],
    "organization": ["I was working at {v} when the stress got worse.", "A counsellor at {v} referred me."],
}

#: Clinical, non-graphic answers that identifiers are planted into.
BASE_ANSWERS = [
    "I was very lonely after the divorce and spent most evenings online.",
    "Curiosity at first, then it became a habit I could not control.",
    "Stress at work made everything worse and I looked for ways to escape.",
    "I was afraid of being caught, and that fear made me stop for a while.",
    "The anonymity made it feel like there were no consequences.",
    "I wanted help but did not know where to ask without being judged.",
    "I feel deep guilt about it and I have started therapy.",
    "Drinking made it easier to ignore the warning messages.",
    "Boredom and isolation during the lockdown played a big part.",
    "A warning message on a search engine made me stop and think.",
    "I thought about the harm to the children and felt ashamed.",
    "It escalated slowly from legal adult content over several years.",
    "Nobody around me knew, and that secrecy kept it going.",
    "I finally called a help line and it was the first real step.",
    "I used to feel numb and this was a way to feel something.",
    "Talking to a counsellor helped me understand my triggers.",
]

#: Tools and platforms the facilitator analysis needs to see intact.
PLATFORM_TERMS = [
    "Tor", "Telegram", "Discord", "VPN", "Session", "Signal", "Snapchat", "Instagram", "Reddit",
    "WhatsApp", "Wickr", "Kik", "Element", "Matrix", "I2P", "Tails", "ProtonMail", "Google",
]
#: Ordinary time phrases that must not be replaced as dates.
TIME_PHRASES = [
    "every week", "at night", "for two years", "every day", "on weekends", "in the evenings",
    "for a few months", "twice a week", "after work", "during the lockdown", "most nights",
    "for about a year",
]

#: Answers that name platforms and time phrases and hold no identifier.
CLEAN_ANSWERS = [
    "I used Tor and a VPN {t}, mostly because I felt nobody could see me.",
    "Telegram groups made it easier {t}, and the links were shared there.",
    "I found the groups on Discord and later on Reddit, {t}.",
    "I switched to Session and Signal because they felt safer, {t}.",
    "Snapchat and Instagram were where it started, {t}.",
    "We talked on Wickr and Kik {t} until the apps changed.",
    "I used Element and Matrix rooms {t} after the other groups closed.",
    "I tried I2P and Tails {t}, mostly out of curiosity about anonymity.",
    "I had a ProtonMail account and searched on Google {t}.",
    "WhatsApp was only for family, but I was online {t} anyway.",
    "The VPN and Tor Browser made me feel invisible {t}.",
    "Nothing really stopped me {t}, until a warning message on Google did.",
    "Loneliness {t} was the main thing, not the tools like Telegram.",
    "I deleted Discord and Telegram and now go to therapy {t}.",
    "Stress and drinking {t} made it easier to ignore the risks of using Tor.",
    "I read about Tor on reddit.com and installed it {t}.",
]

_WRAPPERS = [("(", ")"), ('"', '"'), ("“", "”"), ("'", "'"), ("<", ">"), ("[", "]"), ("", ","), ("", ";")]

_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+")


def _fill(template: str, kind: str, rng: random.Random) -> tuple[str, list[tuple[str, int, int, str]]]:
    """Fill a carrier template; return the sentence and (entity, start, end, value) spans in it."""
    values = {"v": (KIND_ENTITY[kind], fake_value(kind, rng))}
    if "{place}" in template:
        values["place"] = ("LOCATION", fake_place(rng))
    if "{person}" in template:
        values["person"] = ("PERSON", fake_person(rng))
    if "{org}" in template:
        values["org"] = ("ORGANIZATION", fake_organization(rng))
    # People write identifiers in brackets, in quotes, before a comma or an
    # exclamation mark: vary the surroundings so a recognizer cannot rely on
    # one layout (the gold span never includes the wrapper).
    wrap = ("", "")
    if kind in STRUCTURED_KINDS and kind != "pgp_key_block" and rng.random() < 0.3:
        wrap = rng.choice(_WRAPPERS)
    out = []
    spans = []
    pos = 0
    for m in re.finditer(r"\{(\w+)\}", template):
        out.append(template[pos : m.start()])
        ent, val = values[m.group(1)]
        left, right = wrap if m.group(1) == "v" else ("", "")
        out.append(left)
        start = sum(len(x) for x in out)
        out.append(val)
        out.append(right)
        spans.append((ent, start, start + len(val), val))
        pos = m.end()
    out.append(template[pos:])
    sentence = "".join(out)
    if kind in STRUCTURED_KINDS and rng.random() < 0.15:
        # survey answers are often typed all in lower case; the value keeps its own case
        pieces, last = [], 0
        for _, s_, e_, _ in spans:
            pieces.append(sentence[last:s_].lower())
            pieces.append(sentence[s_:e_])
            last = e_
        pieces.append(sentence[last:].lower())
        sentence = "".join(pieces)
    if sentence.endswith(".") and rng.random() < 0.15:
        sentence = sentence[:-1] + rng.choice(["!", "?", " :)", "...", ""])
    return sentence, spans


def _boundaries(text: str) -> list[int]:
    """Sentence starts where a carrier phrase may go (0, after ``. ``, end)."""
    if not text:
        return [0]
    return [0] + [m.end() for m in _SENT_SPLIT.finditer(text) if m.end() < len(text)] + [len(text)]


def _plant_at(text: str, kind: str, rng: random.Random) -> tuple[str, list[GoldSpan], int, int]:
    """Plant one carrier; also return where it went and how many characters were added."""
    if kind not in _CARRIERS:
        raise DeidError("E210", f"unknown planted kind {kind!r}; known: {', '.join(_CARRIERS)}")
    sentence, local = _fill(rng.choice(_CARRIERS[kind]), kind, rng)
    at = rng.choice(_boundaries(text))
    if not text:
        new_text, offset = sentence, 0
    elif at == len(text):
        sep = "" if text[-1].isspace() else " "
        new_text, offset = text + sep + sentence, len(text) + len(sep)
    else:
        new_text, offset = text[:at] + sentence + " " + text[at:], at
    spans = [GoldSpan(ent, offset + s, offset + e, val) for ent, s, e, val in local]
    return new_text, spans, at, len(new_text) - len(text)


def plant_identifiers(text: str, kind: str, rng: random.Random) -> tuple[str, list[GoldSpan]]:
    """Insert one carrier phrase holding a fake ``kind`` value into ``text``.

    The phrase goes at a sentence boundary chosen by ``rng`` (start, middle
    or end); the original text is otherwise unchanged. Returns the new text
    and the gold spans (the value, plus any extra name or place the carrier
    holds), with offsets into the new text.

    >>> import random
    >>> t, s = plant_identifiers("I felt alone. I wanted help.", "hetu", random.Random(0))
    >>> [x.entity_type for x in s]
    ['NATIONAL_ID']
    """
    new_text, spans, _, _ = _plant_at(text, kind, rng)
    return new_text, spans


def _clean_answer(rng: random.Random) -> str:
    return rng.choice(CLEAN_ANSWERS).format(t=rng.choice(TIME_PHRASES))


def make_planted_set(n: int, seed: int = 0) -> list[PlantedRecord]:
    """A reproducible evaluation set of ``n`` survey-style answers.

    Kinds cycle through :data:`PLANTED_KINDS`, with clean answers making up
    about a fifth of the set: every structured kind appears about ``n/30``
    times, ``multi`` answers hold two to four identifiers of different
    kinds, and ``clean`` answers name platforms and time phrases only. The
    same ``(n, seed)`` always gives the same records.

    >>> recs = make_planted_set(60, seed=1)
    >>> sorted({r.kind for r in recs}) == sorted(PLANTED_KINDS)
    True
    """
    if n < 0:
        raise DeidError("E211", f"the 'n' parameter of make_planted_set must be >= 0. Got {n} instead.")
    rng = random.Random(seed)
    cycle = list(PLANTED_KINDS) + [CLEAN_KIND] * 5
    records: list[PlantedRecord] = []
    for i in range(n):
        kind = cycle[i % len(cycle)]
        base = rng.choice(BASE_ANSWERS)
        if rng.random() < 0.4:
            base = base + " " + rng.choice(BASE_ANSWERS)
        if kind == CLEAN_KIND:
            text = _clean_answer(rng)
            if rng.random() < 0.5:
                text = base + " " + text
            records.append(PlantedRecord(text=text, spans=[], kind=CLEAN_KIND))
            continue
        if kind == MULTI_KIND:
            kinds = rng.sample(STRUCTURED_KINDS + NER_KINDS, rng.randint(2, 4))
        else:
            kinds = [kind]
        text = base
        if rng.random() < 0.3:
            text = text + " " + _clean_answer(rng)  # platforms next to identifiers
        spans: list[GoldSpan] = []
        for k in kinds:
            text, new = _plant_keep(text, spans, k, rng)
            spans = new
        records.append(PlantedRecord(text=text, spans=sorted(spans, key=lambda s: s.start), kind=kind))
    return records


def _plant_keep(text: str, spans: list[GoldSpan], kind: str, rng: random.Random) -> tuple[str, list[GoldSpan]]:
    """Plant ``kind`` into ``text`` and shift the already planted ``spans`` behind it."""
    new_text, new_spans, at, added = _plant_at(text, kind, rng)
    moved = [
        GoldSpan(s.entity_type, s.start + added, s.end + added, s.value) if s.start >= at and at < len(text) else s
        for s in spans
    ]
    return new_text, moved + new_spans
