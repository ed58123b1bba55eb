"""Structured identifiers across languages: national ID numbers (python-stdnum), Threema IDs,
phone numbers of every region, the long-number catch-all, and which type wins a conflict."""

from __future__ import annotations

import random

import pytest

from twoknow_text.deid import national_ids as ni
from twoknow_text.deid.registry import (
    DEFAULT_RECOGNIZERS,
    LONG_NUMBER,
    entity_type_of,
    get_recognizers,
    recognizer_names,
    registered_names,
)


def spans(names: list[str], text: str, language: str = "en") -> list[tuple[str, str]]:
    out = []
    for rec in get_recognizers(names, language=language):
        out.extend((r.entity_type, text[r.start : r.end]) for r in rec.analyze(text, []))
    return sorted(out)


def ids(text: str, language: str = "en") -> list[str]:
    return [v for _, v in spans(["twoknow.national_id.v1"], text, language)]


# ----------------------------------------------------------------- national IDs

# (country, sentence, exact value): every value validates with python-stdnum
NATIONAL_IDS = [
    ("FI", "Henkilötunnukseni on 131052-308T, en halua sitä näkyviin.", "131052-308T"),
    ("SE", "Mitt personnummer är 811218-9876.", "811218-9876"),
    ("SE", "Samordningsnummer 701063-2391 stod på brevet.", "701063-2391"),
    ("NO", "Fødselsnummeret mitt er 01010750160.", "01010750160"),
    ("DK", "Mit CPR-nummer: 211062-5629.", "211062-5629"),
    ("IS", "Kennitalan mín er 120174-3399.", "120174-3399"),
    ("EE", "Minu isikukood on 36805280109 ja see on salajane.", "36805280109"),
    ("LV", "Mans personas kods ir 161175-19997.", "161175-19997"),
    ("LT", "Mano asmens kodas 33309240064.", "33309240064"),
    ("PL", "Mój PESEL to 44051401359, bałem się.", "44051401359"),
    ("CZ", "Rodné číslo 710319/2745 bylo v dopise.", "710319/2745"),
    ("RO", "CNP-ul meu este 1630615123457.", "1630615123457"),
    ("SI", "Moja EMŠO je 0101006500006.", "0101006500006"),
    ("BG", "Моето ЕГН е 8032056031.", "8032056031"),
    ("HR", "Moj OIB je 33392005961.", "33392005961"),
    ("GR", "Ο ΑΜΚΑ μου: 01013099997.", "01013099997"),
    ("DE", "Meine Steuer-ID ist 36 574 261 809.", "36 574 261 809"),
    ("AT", "Meine SVNR war 1237 010180.", "1237 010180"),
    ("CH", "Die AHV-Nummer 756.9217.0769.85 stand dort.", "756.9217.0769.85"),
    ("BE", "Mijn rijksregisternummer is 85.07.30-033.28.", "85.07.30-033.28"),
    ("NL", "Mijn BSN is 111222333.", "111222333"),
    ("FR", "Mon numéro de sécurité sociale : 2 95 10 99 126 111 93.", "2 95 10 99 126 111 93"),
    ("IE", "My PPS number is 6433435F.", "6433435F"),
    ("GB", "My national insurance number is AB 12 34 56 C.", "AB 12 34 56 C"),
    ("GB", "NHS number 943-476-5870 was on the letter.", "943-476-5870"),
    ("ES", "Mi DNI es 54362315-K.", "54362315-K"),
    ("ES", "Mi NIE era X-2482300W.", "X-2482300W"),
    ("ES", "DNI 54362315k escrito en minúscula", "54362315k"),
    ("IT", "Il mio codice fiscale è RCCMNL83S18D969H.", "RCCMNL83S18D969H"),
    ("PT", "Cartão de Cidadão 00000000 0 ZZ4.", "00000000 0 ZZ4"),
    ("PT", "O meu número de contribuinte é 123456789.", "123456789"),
    ("HU", "Az adóazonosító jelem 8123456700.", "8123456700"),
    ("LU", "Mon matricule est 1983120105747.", "1983120105747"),
]


@pytest.mark.parametrize("country,text,value", NATIONAL_IDS, ids=[f"{c}-{v}" for c, _, v in NATIONAL_IDS])
def test_national_id_of_every_country_is_found_with_its_exact_span(country, text, value):
    assert ids(text) == [value]


def test_every_eu_eea_country_has_a_layout():
    eu_eea = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IS", "IE", "IT", "LV",
              "LI", "LT", "LU", "MT", "NL", "NO", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
    covered = {c for f in ni.ID_FORMATS for c in f.country.split("/")}
    assert eu_eea | {"CH", "GB"} <= covered


@pytest.mark.parametrize(
    "text",
    [
        "Ik woonde daar 111222333 dagen lang.",  # a BSN-valid number without any context word
        "Mein Kontostand war 36574261809.",  # a valid German IdNr, no context
        "The order 33392005961 came late.",  # a valid OIB, no context
        "Il mio DNI è 54362315-Z.",  # wrong check letter
        "Minu isikukood on 36805280108.",  # wrong check digit
        "Mój PESEL to 44051401358.",  # wrong check digit
        "NIE X-2482300A era falso.",  # wrong check letter
        "codice RCCMNL83S18D969X non valido",  # wrong check character
        "I paid 12345678 once and 7103192745 twice.",
        "idea 111222333 identical",  # "id" inside other words is not a context word
    ],
)
def test_national_id_near_misses_and_weak_numbers_without_context(text):
    assert ids(text) == []


def test_weak_checksums_need_context_strong_ones_do_not():
    # the Dutch 11-proof passes about 9 % of random nine-digit numbers: never reported alone
    rng = random.Random(3)
    bsn_like = [n for n in ("".join(rng.choice("0123456789") for _ in range(9)) for _ in range(3000))
                if ni.stdnum_check("nl.bsn")(n)]
    assert 150 < len(bsn_like) < 450
    assert all(ids(f"It was {n} in the end.") == [] for n in bsn_like[:50])
    assert all(ids(f"Mijn BSN: {n}") == [n] for n in bsn_like[:50])
    # context after the number counts too; the context word must be a whole word
    assert ids(f"{bsn_like[0]} (BSN) was mine") == [bsn_like[0]]
    scores = {
        text[r.start : r.end]: r.score
        for text in ("Mijn BSN is 111222333 en isikukood 36805280109.",)
        for r in get_recognizers(["twoknow.national_id.v1"])[0].analyze(text, [])
    }
    assert scores == {"111222333": 0.95, "36805280109": 1.0}


def test_national_id_spans_stop_at_unicode_letters_not_before_them():
    # a number glued to a letter (any script) is part of a longer token: not an ID
    assert ids("kood36805280109ä") == []
    assert ids("Код:36805280109ж") == []
    # Unicode context words count ("ЕГН", "EMŠO") and are matched as whole words only
    assert ids("ЕГН: 8032056031") == ["8032056031"]
    assert ids("ЕГНО 8032056031") == []


# ----------------------------------------------------------------- Threema


@pytest.mark.parametrize(
    "text,value",
    [
        ("Meine Threema-ID ist ECHOECHO, schreib mir.", "ECHOECHO"),
        ("add me: A3K9XW2P if you want", "A3K9XW2P"),
        ("*GWAY123 was the gateway", "*GWAY123"),
        ("Threema: abcd1234", "abcd1234"),
        ("kirjoita Threemassa 7XK2M9QA", "7XK2M9QA"),
        ("Мой Треема K2D8PQ4X", "K2D8PQ4X"),
        ("mój threema to HJ7K2P9Q.", "HJ7K2P9Q"),
    ],
)
def test_threema_ids(text, value):
    assert spans(["twoknow.threema_id.v1"], text, "de") == [("MESSAGING_HANDLE", value)]


@pytest.mark.parametrize(
    "text",
    [
        "my threema is ABSOLUTE",  # an ordinary word in capitals
        "I shouted HELLOOOO and WHATEVER at night",  # ALL-CAPS words without the word Threema
        "the COVID19 thing and USB3",  # too short
        "I used threema for anything really",  # lower-case word after Threema
        "A3K9XW2P.onion was down",  # part of a host name
        "My PPS number is 6433435F.",  # one letter only: an Irish PPS number, not Threema
    ],
)
def test_threema_near_misses(text):
    assert spans(["twoknow.threema_id.v1"], text, "en") == []


# ----------------------------------------------------------------- phones of every region


@pytest.mark.parametrize(
    "language,text,value",
    [
        ("lv", "Zvani man 29123456 vakarā.", "29123456"),
        ("lv", "Zvani +371 29 123 456.", "+371 29 123 456"),
        ("lt", "Mano telefonas 8 612 34567.", "8 612 34567"),
        ("et", "Minu number on 5123 4567.", "5123 4567"),
        ("pl", "Dzwoń 601 234 567 wieczorem.", "601 234 567"),
        ("ru", "Мой номер 8 (916) 123-45-67.", "8 (916) 123-45-67"),
        ("es", "Llámame al 612 34 56 78.", "612 34 56 78"),
        ("pt", "Liga (11) 98765-4321 à noite.", "(11) 98765-4321"),
        ("fr", "Appelle 06 12 34 56 78.", "06 12 34 56 78"),
        ("de", "Ruf an: 0043 664 1234567.", "0043 664 1234567"),
        ("nl", "Bel 06-12345678.", "06-12345678"),
        ("it", "Chiamami 347 123 4567.", "347 123 4567"),
        ("da", "Ring 20 12 34 56.", "20 12 34 56"),
        ("nb", "Ring 412 34 567.", "412 34 567"),
        ("cs", "Volej 601 123 456.", "601 123 456"),
        ("en", "Call +40 721 234 567 or +30 691 234 5678.", "+40 721 234 567"),
    ],
)
def test_phone_numbers_of_the_answer_language_regions(language, text, value):
    found = spans(["twoknow.phone_number.v1"], text, language)
    assert ("PHONE_NUMBER", value) in found


def test_personal_codes_are_not_phone_numbers_at_recognizer_level():
    text = "isikukood 38001085718, PESEL 44051401359, CNP 1630615123457, tel +372 5123 4567"
    assert spans(["twoknow.phone_number.v1"], text, "et") == [("PHONE_NUMBER", "+372 5123 4567")]


# ----------------------------------------------------------------- long numbers in the registry


def test_long_number_is_registered_like_every_recognizer():
    assert LONG_NUMBER in registered_names() and LONG_NUMBER in DEFAULT_RECOGNIZERS
    assert entity_type_of(LONG_NUMBER) == "ID_NUMBER"
    assert LONG_NUMBER not in recognizer_names(long_numbers=False)
    assert recognizer_names(["twoknow.url.v1", LONG_NUMBER], long_numbers=False) == ["twoknow.url.v1"]
    assert recognizer_names(["twoknow.url.v1"]) == ["twoknow.url.v1", LONG_NUMBER]
    text = "My account was 1234 5678 9012, in 2019 2020 2021 2022."
    assert spans([LONG_NUMBER], text) == [("ID_NUMBER", "1234 5678 9012")]


# ----------------------------------------------------------------- through the engine (class 10: wrong types)


@pytest.fixture(scope="module")
def engine():
    from twoknow_text.deid import Deidentifier

    return Deidentifier()


def test_validated_personal_codes_win_over_phone_numbers_in_the_engine(engine):
    texts = [
        "Minu isikukood on 38001085718 ja ma kartsin.",
        "My personal code 33309240064 was on the form.",
        "Mi DNI es 54362315-K.",
        "Mijn BSN is 111222333.",
        "Meine Steuer-ID ist 36 574 261 809.",
        "Call me at +372 5123 4567.",
    ]
    got = [
        [(s.entity_type, t[s.start : s.end]) for s in found if s.entity_type in {"NATIONAL_ID", "PHONE_NUMBER", "ID_NUMBER"}]
        for t, found in zip(texts, engine.analyze(texts))
    ]
    assert got == [
        [("NATIONAL_ID", "38001085718")],
        [("NATIONAL_ID", "33309240064")],
        [("NATIONAL_ID", "54362315-K")],
        [("NATIONAL_ID", "111222333")],
        [("NATIONAL_ID", "36 574 261 809")],
        [("PHONE_NUMBER", "+372 5123 4567")],
    ]


def test_long_numbers_flag_switches_the_registered_recognizer():
    from twoknow_text.deid import DeidConfig, Deidentifier

    text = "My account was 1234 5678 9012 at the bank."
    on = Deidentifier(DeidConfig(ner=False)).analyze([text], ["en"])[0]
    off = Deidentifier(DeidConfig(ner=False, long_numbers=False)).analyze([text], ["en"])[0]
    assert [(s.entity_type, text[s.start : s.end]) for s in on] == [("ID_NUMBER", "1234 5678 9012")]
    assert off == []


# ----------------------------------------------------------------- addresses (class 6): street, unit, postcode, town


ADDRESSES = [
    ("es", "Vivía en Calle Mayor 12, 3º B, 28013 Madrid con mi madre.", "Calle Mayor 12, 3º B, 28013 Madrid"),
    ("es", "Mi piso: C/ Mayor 12, 28013 Madrid.", "C/ Mayor 12, 28013 Madrid"),
    ("es", "La dirección era Avda. de la Constitución 5, 41001 Sevilla.", "Avda. de la Constitución 5, 41001 Sevilla"),
    ("pl", "Mieszkałem przy ul. Długa 5/12, 00-238 Warszawa przez rok.", "ul. Długa 5/12, 00-238 Warszawa"),
    ("pl", "Adres: al. Jerozolimskie 44, 00-024 Warszawa", "al. Jerozolimskie 44, 00-024 Warszawa"),
    ("pl", "potem os. Tysiąclecia 12/4, 40-871 Katowice", "os. Tysiąclecia 12/4, 40-871 Katowice"),
    ("fr", "J'habitais au 12 rue de la Paix, Apt 4, 75002 Paris.", "12 rue de la Paix, Apt 4, 75002 Paris"),
    ("fr", "puis au 12 bis bd Voltaire, 75011 Paris", "12 bis bd Voltaire, 75011 Paris"),
    ("fr", "au av. des Champs-Élysées 10 pendant un an", "av. des Champs-Élysées 10"),
    ("it", "Abitavo in Via Roma 10, int. 3, 00184 Roma.", "Via Roma 10, int. 3, 00184 Roma"),
    ("it", "lo studio era in Corso Buenos Aires 20, 20124 Milano", "Corso Buenos Aires 20, 20124 Milano"),
    ("pt", "Morava na Rua Augusta 100, 3º Esq., 1200-195 Lisboa.", "Rua Augusta 100, 3º Esq., 1200-195 Lisboa"),
    ("nl", "Ik woonde op Kerkstraat 12-3, 1017 GC Amsterdam.", "Kerkstraat 12-3, 1017 GC Amsterdam"),
    ("lv", "Es dzīvoju Brīvības iela 55-12, Rīga, LV-1010.", "Brīvības iela 55-12, Rīga, LV-1010"),
    ("lt", "Aš gyvenau Gedimino pr. 9-3, LT-01103 Vilnius.", "Gedimino pr. 9-3, LT-01103 Vilnius"),
    ("et", "Ma elasin Narva mnt 7-15, 10117 Tallinn.", "Narva mnt 7-15, 10117 Tallinn"),
    ("ru", "Я жил: ул. Ленина, д. 5, кв. 12, Москва, 101000.", "ул. Ленина, д. 5, кв. 12, Москва, 101000"),
    ("ru", "потом проспект Мира 10, кв. 5 до весны", "проспект Мира 10, кв. 5"),
    ("cs", "Bydlel jsem na Vodičkova 681/12, 110 00 Praha 1.", "Vodičkova 681/12, 110 00 Praha 1"),
    ("sk", "Býval som na Obchodná 5, 811 06 Bratislava.", "Obchodná 5, 811 06 Bratislava"),
    ("da", "Jeg boede på Nørrebrogade 12, 2. th., 2200 København N.", "Nørrebrogade 12, 2. th., 2200 København N"),
    ("nb", "Jeg bodde i Storgata 5, 0155 Oslo.", "Storgata 5, 0155 Oslo"),
    ("sv", "Jag bodde på Drottninggatan 5, lgh 1102, 111 51 Stockholm.", "Drottninggatan 5, lgh 1102, 111 51 Stockholm"),
    ("fi", "Asuin Mannerheimintie 12 B 5, 00100 Helsinki.", "Mannerheimintie 12 B 5, 00100 Helsinki"),
    ("de", "Ich wohnte am Marienplatz 1, 80331 München.", "Marienplatz 1, 80331 München"),
]


@pytest.mark.parametrize("language,text,value", ADDRESSES, ids=[a[0] + "-" + a[2][:20] for a in ADDRESSES])
def test_whole_address_is_one_span(language, text, value):
    assert spans(["twoknow.street_address.v1"], text, language) == [("STREET_ADDRESS", value)]


@pytest.mark.parametrize(
    "text",
    [
        "I contacted them via Telegram 5 times.",
        "via Roma 5 volte, poi basta",
        "Windows 10, 80331 Munich was the file name",
        "I used Windows 10 and iOS 16.4.1 and Android 12.",
        "My PGP fingerprint is 31A2 1725 8736 CF6E E4F9 CF06 372C 6175 FE95 DE4E.",
        "Kungsgatan 24 as I said before",  # "as" is a Finnish unit word, but not before a pronoun
    ],
)
def test_address_near_misses(text):
    found = spans(["twoknow.street_address.v1"], text)
    # only the street itself may be reported, never a longer span built from the words after it
    assert found in ([], [("STREET_ADDRESS", "Kungsgatan 24")])
    assert text.startswith("Kungsgatan") or found == []


def test_address_through_the_engine_is_one_span(engine):
    texts = [
        "Mieszkałem przy ul. Długa 5/12, 00-238 Warszawa przez rok.",
        "Я жил: ул. Ленина, д. 5, кв. 12, Москва, 101000.",
        "I lived at 12 rue de la Paix, Apt 4, 75002 Paris for a year.",
    ]
    found = [[(s.entity_type, t[s.start : s.end]) for s in spans_] for t, spans_ in zip(texts, engine.analyze(texts))]
    assert found == [
        [("STREET_ADDRESS", "ul. Długa 5/12, 00-238 Warszawa")],
        [("STREET_ADDRESS", "ул. Ленина, д. 5, кв. 12, Москва, 101000")],
        [("STREET_ADDRESS", "12 rue de la Paix, Apt 4, 75002 Paris")],
    ]


# ----------------------------------------------------------------- class 8: Unicode-aware edges


def test_unicode_word_edges_in_structured_recognizers():
    # a street name with non-ASCII letters is matched whole, not cut at the first one
    assert spans(["twoknow.street_address.v1"], "przy ul. Świętokrzyska 12, 00-116 Warszawa") == [
        ("STREET_ADDRESS", "ul. Świętokrzyska 12, 00-116 Warszawa")
    ]
    # Threema IDs and national numbers glued to a non-ASCII letter are not taken
    assert spans(["twoknow.threema_id.v1"], "ÅA3K9XW2P") == []
    assert spans(["twoknow.threema_id.v1"], "A3K9XW2Pä") == []
    assert ids("ž36805280109") == []


@pytest.mark.parametrize(
    "name,text,expected",
    [
        ("twoknow.messaging_handle.v1", "write to @jürgen.k on telegram", [("MESSAGING_HANDLE", "@jürgen.k")]),
        ("twoknow.messaging_handle.v1", "my tg @anna.virtanen. Then", [("MESSAGING_HANDLE", "@anna.virtanen")]),
        ("twoknow.messaging_handle.v1", "@иван_петров в телеграме", [("MESSAGING_HANDLE", "@иван_петров")]),
        ("twoknow.email_address.v1", "mail jürgen.müller@gmx.de now", [("EMAIL_ADDRESS", "jürgen.müller@gmx.de")]),
        ("twoknow.email_address.v1", "mail anna.k@müller.de now", [("EMAIL_ADDRESS", "anna.k@müller.de")]),
        ("twoknow.email_address.v1", "contact: first.last@mail.example.com.",
         [("EMAIL_ADDRESS", "first.last@mail.example.com")]),
        # a context word inside another word introduces nothing ("техник" holds "ник")
        ("twoknow.username.v1", "Мой техник Сергей помог.", []),
        ("twoknow.username.v1", "Мой ник был shadow_fox.", [("USERNAME", "shadow_fox")]),
    ],
)
def test_handles_and_emails_are_unicode_aware_and_not_cut(name, text, expected):
    assert spans([name], text, "ru") == expected


def test_address_pieces_are_unioned_and_towns_do_not_run_across_lines():
    # a unit match and the street after it are one address, nothing between them left out
    text = "Apt. 117, Skoanveien 226, 8200 Fauske"
    assert spans(["twoknow.street_address.v1"], text) == [("STREET_ADDRESS", "Apt. 117, Skoanveien 226, 8200 Fauske")]
    # the town stops at the end of the line; a bare 4-digit number without a comma is not a postcode
    text = "Kiannonkatu 98 Apt. 105, Oulu\nMobile 040 123 4567"
    assert spans(["twoknow.street_address.v1"], text) == [("STREET_ADDRESS", "Kiannonkatu 98 Apt. 105, Oulu")]
    assert spans(["twoknow.street_address.v1"], "Suite 541 6343 Skogstien") == [("STREET_ADDRESS", "Suite 541")]


@pytest.mark.parametrize(
    "text",
    ["Ho seguito il corso Java 8 online.", "le cours Python 3 était dur", "Green tee 5 was cold", "un paseo Largo 3",
     "In 2018 I moved to Berlin, 2019 Munich.", "Route 66 was long", "Smith et al. 2019 said so"],
)
def test_ordinary_words_before_a_number_are_not_streets(text):
    assert spans(["twoknow.street_address.v1"], text) == []


def test_brazilian_cep_is_part_of_the_address():
    text = "Morei na Rua das Flores, 123, Apto 45, 01234-567 São Paulo."
    assert spans(["twoknow.street_address.v1"], text, "pt") == [
        ("STREET_ADDRESS", "Rua das Flores, 123, Apto 45, 01234-567 São Paulo")
    ]


@pytest.mark.parametrize(
    "text,value",
    [
        ("Адрес: 101000, Москва, ул. Ленина, д. 5, кв. 12.", "101000, Москва, ул. Ленина, д. 5, кв. 12"),
        ("Mieszkałem: 00-238 Warszawa, ul. Długa 5/12.", "00-238 Warszawa, ul. Długa 5/12"),
        ("Then, ul. Długa 5 was it", "ul. Długa 5"),  # a capitalised word and a comma alone are not a town
        ("In 2019, Calle Mayor 5 was home", "Calle Mayor 5"),  # a year before the street is not its number
        ("12, rue de la Paix, 75002 Paris", "12, rue de la Paix, 75002 Paris"),
    ],
)
def test_postcode_and_town_written_before_the_street(text, value):
    assert spans(["twoknow.street_address.v1"], text) == [("STREET_ADDRESS", value)]


def test_bare_domains_with_non_ascii_letters_are_found_whole():
    assert spans(["twoknow.url.v1"], "katso päivä-sivu.fi/keskustelu nyt") == [("URL", "päivä-sivu.fi/keskustelu")]
    assert spans(["twoknow.url.v1"], "see müller-shop.de/x") == [("URL", "müller-shop.de/x")]


@pytest.mark.parametrize(
    "language,text,value",
    [
        ("de", "Wir wohnten Am Mühlbach 45, Whg. 11, 60268 Würzburg damals.", "Am Mühlbach 45, Whg. 11, 60268 Würzburg"),
        ("es", "vivía en Calle Mayor, 136, 5º izda., 19561 Zaragoza", "Calle Mayor, 136, 5º izda., 19561 Zaragoza"),
        ("it", "stavo in Via Mazzini, 58/B, 94481 Forlì (FO) allora", "Via Mazzini, 58/B, 94481 Forlì (FO)"),
        ("pt", "morei na Travessa do Carmo 72 r/c dto, 6180-908 Évora", "Travessa do Carmo 72 r/c dto, 6180-908 Évora"),
        ("nb", "bodde i Thorvald Meyers gate 137, H0204, 7536 Ålesund", "Thorvald Meyers gate 137, H0204, 7536 Ålesund"),
        ("et", "elasin Rüütli 160 korter 4, Tartu 50923 ammu", "Rüütli 160 korter 4, Tartu 50923"),
        ("lv", "dzīvoju Brīvības iela 99k-3-18, Rīga, LV-7448", "Brīvības iela 99k-3-18, Rīga, LV-7448"),
        ("lt", "gyvenau Gedimino pr. 60, 15 butas, Panevėžys, LT-32317", "Gedimino pr. 60, 15 butas, Panevėžys, LT-32317"),
        ("ru", "жил: 765488, г. Новосибирск, пр. Мира, 107-19", "765488, г. Новосибирск, пр. Мира, 107-19"),
        ("uk", "жив: вул. Садова, буд. 97, кв. 14, м. Тернопіль, 37812", "вул. Садова, буд. 97, кв. 14, м. Тернопіль, 37812"),
        ("cs", "bydlel jsem Komenského 1709/119, Plzeň 775 04", "Komenského 1709/119, Plzeň 775 04"),
    ],
)
def test_addresses_in_other_layouts(language, text, value):
    assert spans(["twoknow.street_address.v1"], text, language) == [("STREET_ADDRESS", value)]


def test_uk_postcode_after_the_town():
    text = "I lived at 107 Mill Close, Stoke-on-Trent, ST4 7QB until last year."
    assert spans(["twoknow.street_address.v1"], text) == [("STREET_ADDRESS", "107 Mill Close, Stoke-on-Trent, ST4 7QB")]
