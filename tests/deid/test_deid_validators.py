"""Checksum and format validators: published test vectors, round trips, near-misses."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twoknow_text.deid import planted
from twoknow_text.deid import validators as v


def _mutate(value: str, alphabet: str, rng: random.Random, lo: int = 0, hi: int | None = None) -> str:
    """Change one character (inside ``value[lo:hi]``) to another character of ``alphabet``."""
    hi = len(value) if hi is None else hi
    i = rng.randrange(lo, hi)
    choices = [c for c in alphabet if c != value[i]]
    return value[:i] + rng.choice(choices) + value[i + 1 :]


# ----------------------------------------------------------------- Keccak


def test_keccak_256_known_vectors():
    assert v.keccak_256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert v.keccak_256(b"abc").hex() == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    # Keccak is not SHA3-256: the padding differs
    import hashlib

    assert v.keccak_256(b"abc") != hashlib.sha3_256(b"abc").digest()


def test_keccak_multi_block():
    # 200 bytes crosses the 136-byte rate: exercise absorbing more than one block
    assert len(v.keccak_256(b"a" * 200)) == 32
    assert v.keccak_256(b"a" * 200) != v.keccak_256(b"a" * 199)


# ----------------------------------------------------------------- Bitcoin


@pytest.mark.parametrize(
    "address",
    [
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",  # genesis P2PKH
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
        "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",  # P2SH
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",  # v0 P2WPKH
        "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",  # BIP-173 vector, upper case
        "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",  # v0 P2WSH
        "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297",  # v1 taproot, bech32m
        "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",
    ],
)
def test_btc_valid(address):
    assert v.is_btc_address(address)
    assert v.is_crypto_wallet(address)


@pytest.mark.parametrize(
    "address",
    [
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",  # last char changed: checksum fails
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN",  # one short
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN0",  # '0' is not Base58
        "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn",  # testnet version byte 0x6f, valid checksum
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr",  # bad bech32 checksum
        "bc1qAr0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",  # mixed case
        # v1 program encoded with Bech32 instead of Bech32m (BIP-350 invalid vector)
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
        "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du",  # v2 with bech32 checksum
    ],
)
def test_btc_invalid(address):
    assert not v.is_btc_address(address)


def test_btc_single_character_errors_are_caught():
    rng = random.Random(3)
    for _ in range(200):
        good = planted.fake_btc_base58(rng)
        assert v.is_btc_base58(good)
        assert not v.is_btc_base58(_mutate(good, v.B58_ALPHABET, rng, lo=1))
        seg = planted.fake_btc_bech32(rng)
        assert v.is_btc_bech32(seg)
        # BCH code: every single substitution is detected
        assert not v.is_btc_bech32(_mutate(seg, "qpzry9x8gf2tvdw0s3jn54khce6mua7l", rng, lo=4))


# ----------------------------------------------------------------- Ethereum


@pytest.mark.parametrize(
    "address",
    [
        # EIP-55 specification vectors
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        "0x52908400098527886e0f7030069857d2e4169ee7",  # all lower: no checksum to test
        "0x8617E340B3D01FA5F11F306F4090FD50E238070D",  # all upper
    ],
)
def test_eth_valid(address):
    assert v.is_eth_address(address)
    assert v.eip55_checksum(address.lower()) == v.eip55_checksum(address)


@pytest.mark.parametrize(
    "address",
    [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",  # one letter's case flipped
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",  # 39 hex
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed0",  # 41 hex
        "0x" + "0" * 40,  # placeholder
        "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",  # no 0x
    ],
)
def test_eth_invalid(address):
    assert not v.is_eth_address(address)


# ----------------------------------------------------------------- Monero


MONERO_GENERAL_FUND = (
    "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
)


def test_monero_known_address():
    assert len(MONERO_GENERAL_FUND) == 95
    assert v.is_monero_address(MONERO_GENERAL_FUND)
    assert v.is_crypto_wallet(MONERO_GENERAL_FUND)


def test_monero_rejects_near_misses():
    rng = random.Random(5)
    assert not v.is_monero_address(MONERO_GENERAL_FUND[:-1] + ("B" if MONERO_GENERAL_FUND[-1] != "B" else "C"))
    assert not v.is_monero_address(MONERO_GENERAL_FUND[:94])
    assert not v.is_monero_address("5" + MONERO_GENERAL_FUND[1:])
    for _ in range(50):
        good = planted.fake_xmr(rng)
        assert v.is_monero_address(good)
        assert len(good) in (95, 106)
        assert not v.is_monero_address(_mutate(good, v.B58_ALPHABET, rng, lo=2))


def test_monero_base58_round_trip():
    rng = random.Random(1)
    for n in (1, 7, 8, 9, 69, 77):
        data = rng.randbytes(n)
        assert v.monero_b58decode(v.monero_b58encode(data)) == data


# ----------------------------------------------------------------- onion


def test_onion_v3_known_and_mutated():
    ddg = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad"
    assert v.is_onion_v3(ddg)
    assert v.is_onion_v3(ddg.upper())
    assert not v.is_onion_v3(ddg[:-1] + "e")  # version byte / checksum broken
    assert not v.is_onion_v3(ddg[:55])
    assert not v.is_onion_v3(ddg.replace("d", "1", 1))  # '1' is not base32
    assert v.is_onion_host(ddg + ".onion")
    assert v.is_onion_host("www." + ddg + ".onion")
    assert not v.is_onion_host(ddg + ".com")


def test_onion_v3_mutations_fail_checksum():
    rng = random.Random(11)
    failures = 0
    for _ in range(200):
        label = planted.fake_onion_v3_label(rng)
        assert v.is_onion_v3(label)
        failures += not v.is_onion_v3(_mutate(label, v.ONION_B32_ALPHABET, rng, hi=51))
    # a 2-byte checksum lets about 1 in 65,536 mutations through
    assert failures >= 199


def test_onion_v2_format():
    assert v.is_onion_v2("3g2upl4pq6kufc4m")
    assert not v.is_onion_v2("3g2upl4pq6kufc4")
    assert not v.is_onion_v2("3g2upl4pq6kufc4m1")


# ----------------------------------------------------------------- Session, PGP


def test_session_id():
    sid = "05" + "3fa4" * 16
    assert v.is_session_id(sid)
    assert not v.is_session_id("06" + sid[2:])  # wrong prefix
    assert not v.is_session_id(sid[:-1])  # 65 chars
    assert not v.is_session_id("05" + "0" * 64)  # degenerate


@pytest.mark.parametrize(
    "fpr",
    [
        "0D69 E11F 12BD BA07 7B37  26AB 4E1F 799A A4FF 2279",
        "0D69E11F12BDBA077B3726AB4E1F799AA4FF2279",
        "0d69e11f12bdba077b3726ab4e1f799aa4ff2279",
        "0D69:E11F:12BD:BA07:7B37:26AB:4E1F:799A:A4FF:2279",
    ],
)
def test_pgp_fingerprint_valid(fpr):
    assert v.is_pgp_fingerprint(fpr)


@pytest.mark.parametrize(
    "fpr",
    [
        "0D69E11F12BDBA077B3726AB4E1F799AA4FF227",  # 39 hex
        "0D69E11F12BDBA077B3726AB4E1F799AA4FF22790",  # 41 hex
        "0D69E11F12BDBA077B3726AB4E1F799AA4FF227G",  # not hex
        "A" * 40,
    ],
)
def test_pgp_fingerprint_invalid(fpr):
    assert not v.is_pgp_fingerprint(fpr)


def test_pgp_key_block():
    block = planted.fake_pgp_key_block(random.Random(2))
    assert v.is_pgp_key_block(block)
    assert v.is_pgp_key_block(block.rsplit("-----END", 1)[0])  # cut off: still a block
    assert not v.is_pgp_key_block("BEGIN PGP PUBLIC KEY BLOCK")


# ----------------------------------------------------------------- national ids


@pytest.mark.parametrize("hetu", ["131052-308T", "010594Y9021", "020502E902X", "311299-999E"])
def test_hetu_valid(hetu):
    assert v.is_hetu(hetu)


@pytest.mark.parametrize(
    "hetu",
    [
        "131052-308U",  # wrong check character
        "311152-308T",  # 31 November does not exist... and the check fails too
        "290201-1234",  # 29 Feb 1901: no such day
        "131052G308T",  # 'G' is not a century sign
        "131052-000T",  # individual number 000 is not issued
        "131052-308",  # too short
    ],
)
def test_hetu_invalid(hetu):
    assert not v.is_hetu(hetu)


def test_hetu_generated_round_trip():
    rng = random.Random(8)
    for _ in range(300):
        h = planted.fake_hetu(rng)
        assert v.is_hetu(h), h
        bad_check = h[:-1] + next(c for c in v.HETU_CHECK_CHARS if c != h[-1])
        assert not v.is_hetu(bad_check)


@pytest.mark.parametrize("pnr", ["811218-9876", "19811218-9876", "198112189876", "670919-9530", "701063-2391"])
def test_swedish_personnummer_valid(pnr):
    assert v.is_swedish_personnummer(pnr)


@pytest.mark.parametrize("pnr", ["811218-9875", "811318-9876", "811232-9870", "8112189"])
def test_swedish_personnummer_invalid(pnr):
    assert not v.is_swedish_personnummer(pnr)


@pytest.mark.parametrize("fnr", ["01010750160", "15076500565", "150765 00565"])
def test_norwegian_fnr_valid(fnr):
    assert v.is_norwegian_fnr(fnr)


@pytest.mark.parametrize("fnr", ["01010750161", "15076500566", "0101075016", "32010750160"])
def test_norwegian_fnr_invalid(fnr):
    assert not v.is_norwegian_fnr(fnr)


def test_norwegian_fnr_rarely_passes_by_chance():
    rng = random.Random(0)
    hits = sum(v.is_norwegian_fnr("".join(rng.choice("0123456789") for _ in range(11))) for _ in range(20000))
    assert hits / 20000 < 0.005  # date + two mod-11 digits: about 1 in 800


# ----------------------------------------------------------------- IBAN, Luhn


@pytest.mark.parametrize("iban", ["FI21 1234 5600 0007 85", "GB82 WEST 1234 5698 7654 32", "DE89370400440532013000"])
def test_iban_valid(iban):
    assert v.is_iban(iban)


@pytest.mark.parametrize("iban", ["FI21 1234 5600 0007 86", "GB82 WEST 1234 5698 7654 3", "XX00"])
def test_iban_invalid(iban):
    assert not v.is_iban(iban)


def test_luhn():
    assert v.is_luhn_valid("4111 1111 1111 1111")
    assert v.is_luhn_valid("79927398713")
    assert not v.is_luhn_valid("79927398710")
    assert not v.is_luhn_valid("7")
    assert v.luhn_check_digit("7992739871") == "3"


# ----------------------------------------------------------------- IP


@pytest.mark.parametrize("ip", ["192.168.1.20", "8.8.8.8", "2001:db8::1", "fe80::1ff:fe23:4567:890a", "::ffff:10.0.0.1"])
def test_ip_valid(ip):
    assert v.is_ip_address(ip)


@pytest.mark.parametrize("ip", ["2.0.1", "1.2.3.4.5", "256.1.1.1", "12:30", "12:30:45", "::", "1::"])
def test_ip_invalid(ip):
    assert not v.is_ip_address(ip)


# ----------------------------------------------------------------- generators always validate


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_every_generator_is_valid(seed):
    rng = random.Random(seed)
    assert v.is_btc_base58(planted.fake_btc_base58(rng))
    assert v.is_btc_bech32(planted.fake_btc_bech32(rng))
    assert v.is_eth_address(planted.fake_eth(rng))
    assert v.is_monero_address(planted.fake_xmr(rng))
    assert v.is_onion_v3(planted.fake_onion_v3_label(rng))
    assert v.is_session_id(planted.fake_session_id(rng))
    assert v.is_pgp_fingerprint(planted.fake_pgp_fingerprint(rng))
    assert v.is_hetu(planted.fake_hetu(rng))
    assert v.is_swedish_personnummer(planted.fake_personnummer(rng))
    assert v.is_ip_address(planted.fake_ipv4(rng))
    assert v.is_ip_address(planted.fake_ipv6(rng))
