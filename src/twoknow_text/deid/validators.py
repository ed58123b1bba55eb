"""Checksum and format validators for structured identifiers.

Pure functions on strings: no Presidio, no spaCy, no network. Each returns
``True`` only for a value whose format *and* checksum (where the format has
one) are right, so a pattern recognizer can use it as its ``validate_result``
hook and drop near-misses (a mistyped wallet, a 39-hex string, a date that
happens to look like a HETU).

National identity numbers, IBAN and Luhn are checked by ``python-stdnum``
(the wrappers here keep one name per check for the recognizers and tests);
the checks below are the project's own only where stdnum has none: onion
v3, Bitcoin/Ethereum/Monero addresses, Session IDs, PGP fingerprints, the
Swedish samordningsnummer, the Hungarian tax and TAJ numbers, the
Luxembourg matricule, the UK National Insurance number and the Maltese ID
card (see :mod:`twoknow_text.deid.national_ids` for the table of national
numbers).

Hashes come from :mod:`hashlib` (SHA-256, SHA3-256). Keccak-256, which
Ethereum (EIP-55) and Monero use and which is *not* SHA3-256 (the padding
byte differs), is not in :mod:`hashlib`; a small reference implementation
lives here rather than pulling a crypto package for 40 lines of code.

Example
-------
>>> is_luhn_valid("4111 1111 1111 1111")
True
>>> is_hetu("131052-308T")
True
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import ipaddress
import re

__all__ = [
    "B58_ALPHABET",
    "ONION_B32_ALPHABET",
    "HETU_CHECK_CHARS",
    "keccak_256",
    "b58decode",
    "b58encode",
    "b58check_decode",
    "b58check_encode",
    "is_btc_base58",
    "bech32_polymod",
    "bech32_decode",
    "bech32_encode",
    "segwit_decode",
    "segwit_encode",
    "is_btc_bech32",
    "is_btc_address",
    "eip55_checksum",
    "is_eth_address",
    "monero_b58decode",
    "monero_b58encode",
    "is_monero_address",
    "is_crypto_wallet",
    "onion_v3_checksum",
    "is_onion_v3",
    "is_onion_v2",
    "is_onion_host",
    "is_session_id",
    "normalise_hex",
    "is_pgp_fingerprint",
    "is_pgp_key_block",
    "hetu_check_char",
    "is_hetu",
    "is_swedish_personnummer",
    "is_norwegian_fnr",
    "is_ddmmyy_date",
    "is_iban",
    "is_hu_tax_id",
    "is_hu_taj",
    "is_lu_matricule",
    "is_uk_nino",
    "is_mt_id_card",
    "is_luhn_valid",
    "luhn_check_digit",
    "is_ip_address",
]

# --------------------------------------------------------------------------
# Keccak-256 (original Keccak padding 0x01, as used by Ethereum and Monero)
# --------------------------------------------------------------------------

_KECCAK_RC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]
_KECCAK_ROT = [
    [0, 36, 3, 41, 18],
    [1, 44, 10, 45, 2],
    [62, 6, 43, 15, 61],
    [28, 55, 25, 21, 56],
    [27, 20, 39, 8, 14],
]
_MASK64 = (1 << 64) - 1


def _rol(x: int, n: int) -> int:
    return ((x << n) | (x >> (64 - n))) & _MASK64 if n else x


def _keccak_f(state: list[list[int]]) -> None:
    for rc in _KECCAK_RC:
        c = [state[x][0] ^ state[x][1] ^ state[x][2] ^ state[x][3] ^ state[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        for x in range(5):
            for y in range(5):
                state[x][y] ^= d[x]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = _rol(state[x][y], _KECCAK_ROT[x][y])
        for x in range(5):
            for y in range(5):
                state[x][y] = b[x][y] ^ ((~b[(x + 1) % 5][y]) & b[(x + 2) % 5][y])
        state[0][0] ^= rc


def keccak_256(data: bytes) -> bytes:
    """Keccak-256 digest (Ethereum/Monero flavour, not SHA3-256).

    >>> keccak_256(b"").hex()[:16]
    'c5d2460186f7233c'
    """
    rate = 136
    padded = bytearray(data)
    padded.append(0x01)
    while len(padded) % rate:
        padded.append(0)
    padded[-1] |= 0x80
    state = [[0] * 5 for _ in range(5)]
    for off in range(0, len(padded), rate):
        block = padded[off : off + rate]
        for i in range(rate // 8):
            lane = int.from_bytes(block[8 * i : 8 * i + 8], "little")
            state[i % 5][i // 5] ^= lane
        _keccak_f(state)
    out = b"".join(state[i % 5][i // 5].to_bytes(8, "little") for i in range(4))
    return out


# --------------------------------------------------------------------------
# Base58 / Base58Check (Bitcoin)
# --------------------------------------------------------------------------

B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(B58_ALPHABET)}


def b58encode(data: bytes) -> str:
    """Base58-encode ``data`` (leading zero bytes become ``"1"``)."""
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(B58_ALPHABET[r])
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def b58decode(text: str) -> bytes | None:
    """Decode Base58; ``None`` for a character outside the alphabet."""
    n = 0
    for ch in text:
        idx = _B58_INDEX.get(ch)
        if idx is None:
            return None
        n = n * 58 + idx
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + body


def _dsha256(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def b58check_encode(payload: bytes) -> str:
    """Base58Check: payload + first 4 bytes of double SHA-256."""
    return b58encode(payload + _dsha256(payload)[:4])


def b58check_decode(text: str) -> bytes | None:
    """Return the payload if the Base58Check checksum holds, else ``None``."""
    raw = b58decode(text)
    if raw is None or len(raw) < 5:
        return None
    payload, check = raw[:-4], raw[-4:]
    if _dsha256(payload)[:4] != check:
        return None
    return payload


def is_btc_base58(address: str) -> bool:
    """Bitcoin mainnet P2PKH (version 0x00, ``1...``) or P2SH (0x05, ``3...``)."""
    if not 25 <= len(address) <= 35:
        return False
    payload = b58check_decode(address)
    return payload is not None and len(payload) == 21 and payload[0] in (0x00, 0x05)


# --------------------------------------------------------------------------
# Bech32 / Bech32m (BIP-173, BIP-350), after the BIP reference code
# --------------------------------------------------------------------------

_B32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_CONST = 1
_BECH32M_CONST = 0x2BC830A3


def bech32_polymod(values: list[int]) -> int:
    """The BCH checksum polynomial of BIP-173."""
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((top >> i) & 1) else 0
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]


def bech32_encode(hrp: str, data: list[int], spec: str = "bech32") -> str:
    """Encode 5-bit ``data`` under ``hrp``; ``spec`` is ``"bech32"`` or ``"bech32m"``."""
    const = _BECH32M_CONST if spec == "bech32m" else _BECH32_CONST
    values = _hrp_expand(hrp) + data
    polymod = bech32_polymod(values + [0] * 6) ^ const
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_B32_CHARSET[d] for d in data + checksum)


def bech32_decode(text: str) -> tuple[str, list[int], str] | None:
    """Return ``(hrp, data, spec)`` or ``None`` when the string is not valid Bech32(m)."""
    if any(ord(x) < 33 or ord(x) > 126 for x in text):
        return None
    if text.lower() != text and text.upper() != text:
        return None  # mixed case is forbidden by BIP-173
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1 or pos + 7 > len(text) or len(text) > 90:
        return None
    if not all(x in _B32_CHARSET for x in text[pos + 1 :]):
        return None
    hrp = text[:pos]
    data = [_B32_CHARSET.find(x) for x in text[pos + 1 :]]
    const = bech32_polymod(_hrp_expand(hrp) + data)
    if const == _BECH32_CONST:
        spec = "bech32"
    elif const == _BECH32M_CONST:
        spec = "bech32m"
    else:
        return None
    return hrp, data[:-6], spec


def _convertbits(data: list[int] | bytes, frombits: int, tobits: int, pad: bool) -> list[int] | None:
    acc = 0
    bits = 0
    ret: list[int] = []
    maxv = (1 << tobits) - 1
    max_acc = (1 << (frombits + tobits - 1)) - 1
    for value in data:
        if value < 0 or (value >> frombits):
            return None
        acc = ((acc << frombits) | value) & max_acc
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            ret.append((acc >> bits) & maxv)
    if pad:
        if bits:
            ret.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits or ((acc << (tobits - bits)) & maxv):
        return None
    return ret


def segwit_decode(hrp: str, address: str) -> tuple[int, bytes] | None:
    """Decode a segwit address: ``(witness_version, program)`` or ``None``.

    Version 0 must use Bech32, versions 1-16 Bech32m (BIP-350).
    """
    dec = bech32_decode(address)
    if dec is None or dec[0] != hrp or not dec[1]:
        return None
    _, data, spec = dec
    version = data[0]
    prog = _convertbits(data[1:], 5, 8, False)
    if prog is None or not 2 <= len(prog) <= 40 or version > 16:
        return None
    if version == 0 and len(prog) not in (20, 32):
        return None
    if (version == 0) != (spec == "bech32"):
        return None
    return version, bytes(prog)


def segwit_encode(hrp: str, version: int, program: bytes) -> str:
    """Encode a segwit address (Bech32 for v0, Bech32m for v1+)."""
    spec = "bech32" if version == 0 else "bech32m"
    bits = _convertbits(program, 8, 5, True)
    assert bits is not None
    return bech32_encode(hrp, [version] + bits, spec)


def is_btc_bech32(address: str) -> bool:
    """A valid segwit address on Bitcoin mainnet (``bc1``) or testnet (``tb1``)."""
    hrp = address[:2].lower()
    if hrp not in ("bc", "tb"):
        return False
    return segwit_decode(hrp, address) is not None


def is_btc_address(address: str) -> bool:
    """Any valid Bitcoin address (Base58Check P2PKH/P2SH or segwit)."""
    if address[:3].lower() in ("bc1", "tb1"):
        return is_btc_bech32(address)
    return is_btc_base58(address)


# --------------------------------------------------------------------------
# Ethereum
# --------------------------------------------------------------------------

_ETH_RE = re.compile(r"0x[0-9a-fA-F]{40}")


def eip55_checksum(address: str) -> str:
    """The EIP-55 mixed-case form of a ``0x`` + 40 hex address."""
    body = address[2:].lower()
    digest = keccak_256(body.encode("ascii")).hex()
    return "0x" + "".join(
        c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(body)
    )


def is_eth_address(address: str) -> bool:
    """``0x`` + 40 hex; a mixed-case address must carry a correct EIP-55 checksum.

    All-lower or all-upper addresses have no checksum to test, so they pass on
    format alone (most wallets still print them that way). An all-zero body is
    rejected: it is a placeholder, not someone's wallet.
    """
    if not _ETH_RE.fullmatch(address):
        return False
    body = address[2:]
    if set(body) == {"0"}:
        return False
    if body.lower() == body or body.upper() == body:
        return True
    return eip55_checksum(address) == address


# --------------------------------------------------------------------------
# Monero (block-wise Base58 + Keccak-256 checksum)
# --------------------------------------------------------------------------

_XMR_FULL_BLOCK = 8
_XMR_FULL_ENCODED = 11
_XMR_ENCODED_SIZES = [0, 2, 3, 5, 6, 7, 9, 10, 11]
# network bytes: standard 18 ("4..."), integrated 19 ("4..."), subaddress 42 ("8...")
_XMR_NETBYTES = {18: 69, 19: 77, 42: 69}


def monero_b58encode(data: bytes) -> str:
    """Monero Base58: 8-byte blocks, each to exactly 11 characters (short last block)."""
    out = []
    for off in range(0, len(data), _XMR_FULL_BLOCK):
        block = data[off : off + _XMR_FULL_BLOCK]
        n = int.from_bytes(block, "big")
        size = _XMR_ENCODED_SIZES[len(block)]
        chars = []
        for _ in range(size):
            n, r = divmod(n, 58)
            chars.append(B58_ALPHABET[r])
        out.append("".join(reversed(chars)))
    return "".join(out)


def monero_b58decode(text: str) -> bytes | None:
    """Inverse of :func:`monero_b58encode`; ``None`` on a malformed string."""
    out = bytearray()
    for off in range(0, len(text), _XMR_FULL_ENCODED):
        chunk = text[off : off + _XMR_FULL_ENCODED]
        try:
            size = _XMR_ENCODED_SIZES.index(len(chunk))
        except ValueError:
            return None
        n = 0
        for ch in chunk:
            idx = _B58_INDEX.get(ch)
            if idx is None:
                return None
            n = n * 58 + idx
        if n >> (8 * size):
            return None
        out += n.to_bytes(size, "big")
    return bytes(out)


def is_monero_address(address: str) -> bool:
    """Monero standard (95 chars, ``4``), subaddress (95, ``8``) or integrated (106, ``4``).

    Checks the network byte, the length that byte implies and the Keccak-256
    checksum over the decoded bytes.
    """
    if len(address) not in (95, 106) or address[0] not in "48":
        return False
    raw = monero_b58decode(address)
    if raw is None or not raw:
        return False
    netbyte = raw[0]
    if _XMR_NETBYTES.get(netbyte) != len(raw):
        return False
    return keccak_256(raw[:-4])[:4] == raw[-4:]


def is_crypto_wallet(value: str) -> bool:
    """A valid Bitcoin, Ethereum or Monero address."""
    if value.startswith(("0x", "0X")):
        return is_eth_address("0x" + value[2:])
    if len(value) in (95, 106) and value[0] in "48":
        return is_monero_address(value)
    return is_btc_address(value)


# --------------------------------------------------------------------------
# Tor onion services
# --------------------------------------------------------------------------

ONION_B32_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_ONION_V3_RE = re.compile(r"[a-z2-7]{56}")
_ONION_V2_RE = re.compile(r"[a-z2-7]{16}")


def _b32decode(text: str) -> bytes:
    import base64

    return base64.b32decode(text.upper())


def onion_v3_checksum(pubkey: bytes, version: int = 3) -> bytes:
    """First two bytes of SHA3-256(".onion checksum" || pubkey || version)."""
    return hashlib.sha3_256(b".onion checksum" + pubkey + bytes([version])).digest()[:2]


def is_onion_v3(label: str) -> bool:
    """A v3 onion service label (56 base32 chars, without ``.onion``), checksum verified."""
    label = label.lower()
    if not _ONION_V3_RE.fullmatch(label):
        return False
    raw = _b32decode(label)
    pubkey, checksum, version = raw[:32], raw[32:34], raw[34]
    return version == 3 and onion_v3_checksum(pubkey, version) == checksum


def is_onion_v2(label: str) -> bool:
    """A v2 onion label: 16 base32 chars (v2 carries no checksum; format only)."""
    return bool(_ONION_V2_RE.fullmatch(label.lower()))


def is_onion_host(host: str) -> bool:
    """A host ending in ``.onion`` whose service label is a valid v3 or v2 label.

    Subdomains (``www.<label>.onion``) are allowed; the label before
    ``.onion`` is the one checked.
    """
    host = host.lower().rstrip(".")
    if not host.endswith(".onion"):
        return False
    label = host[: -len(".onion")].rsplit(".", 1)[-1]
    return is_onion_v3(label) or is_onion_v2(label)


# --------------------------------------------------------------------------
# Session messenger, PGP
# --------------------------------------------------------------------------

_SESSION_RE = re.compile(r"05[0-9a-fA-F]{64}")


def is_session_id(value: str) -> bool:
    """A Session account ID: 66 hex characters starting ``05`` (an X25519 key)."""
    return bool(_SESSION_RE.fullmatch(value)) and len(set(value[2:].lower())) > 2


def normalise_hex(value: str) -> str:
    """Drop spaces, colons and a ``0x`` prefix; upper-case the rest."""
    value = value.strip()
    if value[:2] in ("0x", "0X"):
        value = value[2:]
    return re.sub(r"[\s:]", "", value).upper()


def is_pgp_fingerprint(value: str) -> bool:
    """A v4 OpenPGP fingerprint: exactly 40 hex digits, grouped by 4 or not.

    A fingerprint has no checksum; the test rejects 39/41 digits and
    degenerate strings (one repeated digit, or no letter or digit mix at all).
    """
    hexpart = normalise_hex(value)
    if len(hexpart) != 40 or not re.fullmatch(r"[0-9A-F]{40}", hexpart):
        return False
    if len(set(hexpart)) < 4:
        return False
    return True


_PGP_BLOCK_RE = re.compile(
    r"-----BEGIN PGP (PUBLIC|PRIVATE) KEY BLOCK-----.*?(-----END PGP \1 KEY BLOCK-----|\Z)",
    re.DOTALL,
)


def is_pgp_key_block(value: str) -> bool:
    """An ASCII-armoured OpenPGP key block (``BEGIN`` line; ``END`` line may be cut off)."""
    return bool(_PGP_BLOCK_RE.fullmatch(value.strip()))


# --------------------------------------------------------------------------
# National identity numbers
# --------------------------------------------------------------------------

HETU_CHECK_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
_HETU_CENTURY = {"+": 1800}
_HETU_CENTURY.update({c: 1900 for c in "-YXWVU"})
_HETU_CENTURY.update({c: 2000 for c in "ABCDEF"})
_HETU_RE = re.compile(r"(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])", re.IGNORECASE)


def hetu_check_char(ddmmyy: str, individual: str) -> str:
    """The HETU check character for ``DDMMYY`` and the 3-digit individual number."""
    return HETU_CHECK_CHARS[int(ddmmyy + individual) % 31]


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        _dt.date(year, month, day)
    except ValueError:
        return False
    return True


def is_hetu(value: str) -> bool:
    """Finnish personal identity code (henkilötunnus), e.g. ``131052-308T``.

    ``python-stdnum``'s ``fi.hetu`` checks the date, the century sign
    (``+``, ``-``/``U``-``Y``, ``A``-``F``), the individual number and the
    mod-31 check character; temporary codes (individual number 900-999)
    are accepted, as they identify a person just the same.
    """
    value = value.strip()
    if not _HETU_RE.fullmatch(value):
        return False
    return _stdnum_ok("fi.hetu", value.upper(), allow_temporary=True)


def _stdnum_ok(module: str, value: str, **kwargs) -> bool:
    """``stdnum.<module>.validate(value)`` succeeded."""
    import importlib

    from stdnum.exceptions import ValidationError

    try:
        importlib.import_module(f"stdnum.{module}").validate(value, **kwargs)
    except (ValidationError, ValueError, IndexError):  # a malformed value never raises further
        return False
    return True


def is_ddmmyy_date(ddmmyy: str) -> bool:
    """``DDMMYY`` is a real date in the 1900s or the 2000s (Danish CPR has nothing more to check)."""
    if not re.fullmatch(r"\d{6}", ddmmyy):
        return False
    dd, mm, yy = int(ddmmyy[0:2]), int(ddmmyy[2:4]), int(ddmmyy[4:6])
    return _valid_date(1900 + yy, mm, dd) or _valid_date(2000 + yy, mm, dd)


def is_luhn_valid(value: str) -> bool:
    """Luhn (mod 10) check over the digits of ``value`` (separators ignored; ``stdnum.luhn``)."""
    from stdnum import luhn

    digits = "".join(c for c in value if c.isdigit())
    return len(digits) >= 2 and luhn.is_valid(digits)


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` Luhn-valid (``stdnum.luhn``)."""
    from stdnum import luhn

    return luhn.calc_check_digit("".join(c for c in partial if c.isdigit()))


_PNR_RE = re.compile(r"(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{4})")


def is_swedish_personnummer(value: str) -> bool:
    """Swedish personnummer or samordningsnummer (``YYMMDD-NNNN`` / ``YYYYMMDDNNNN``).

    ``python-stdnum``'s ``se.personnummer`` checks the date and the Luhn
    digit; it does not know the samordningsnummer (day + 60), which is
    checked here the same way.
    """
    value = value.strip()
    m = _PNR_RE.fullmatch(value)
    if not m:
        return False
    cc, yy, mm, dd, _sep, tail = m.groups()
    if cc and cc not in ("18", "19", "20"):
        return False
    if int(dd) <= 60:
        return _stdnum_ok("se.personnummer", value)
    day = int(dd) - 60
    year = int(cc + yy) if cc else 2000 + int(yy)
    if not _valid_date(year, int(mm), day) and not _valid_date(year - 100, int(mm), day):
        return False
    return is_luhn_valid(yy + mm + dd + tail)


def is_norwegian_fnr(value: str) -> bool:
    """Norwegian fødselsnummer / D-nummer / H-nummer (``DDMMYYIIIKK``), via ``stdnum.no.fodselsnummer``:
    a real date and both mod-11 check digits."""
    digits = re.sub(r"\s", "", value)
    if not re.fullmatch(r"\d{11}", digits):
        return False
    return _stdnum_ok("no.fodselsnummer", digits)


def is_iban(value: str) -> bool:
    """IBAN with the country's length and layout and the mod-97 check (``stdnum.iban``)."""
    return _stdnum_ok("iban", value)


# National numbers python-stdnum does not have (checked here).


def is_hu_tax_id(value: str) -> bool:
    """Hungarian adóazonosító jel: 10 digits starting ``8``; sum(digit * position) mod 11 is the last digit."""
    d = re.sub(r"\D", "", value)
    if not re.fullmatch(r"8\d{9}", d):
        return False
    check = sum(int(c) * (i + 1) for i, c in enumerate(d[:9])) % 11
    return check == int(d[9])


def is_hu_taj(value: str) -> bool:
    """Hungarian TAJ number: 9 digits, weights 3 and 7 alternating over the first 8, mod 10 is the 9th."""
    d = re.sub(r"[\s-]", "", value)
    if not re.fullmatch(r"\d{9}", d) or len(set(d)) < 3:
        return False
    check = sum(int(c) * (3 if i % 2 == 0 else 7) for i, c in enumerate(d[:8])) % 10
    return check == int(d[8])


def is_lu_matricule(value: str) -> bool:
    """Luxembourg national identification number (13 digits ``YYYYMMDDXXXCC``).

    A real birth date, then a Luhn digit and a Verhoeff digit, both over the
    first 11 digits (``stdnum.luhn`` and ``stdnum.verhoeff``).
    """
    from stdnum import luhn, verhoeff

    d = re.sub(r"\s", "", value)
    if not re.fullmatch(r"\d{13}", d):
        return False
    if not _valid_date(int(d[:4]), int(d[4:6]), int(d[6:8])):
        return False
    return luhn.calc_check_digit(d[:11]) == d[11] and verhoeff.calc_check_digit(d[:11]) == d[12]


_NINO_RE = re.compile(r"([A-CEGHJ-PR-TW-Z])([A-CEGHJ-NPR-TW-Z])(\d{6})([A-D])")


def is_uk_nino(value: str) -> bool:
    """UK National Insurance number (no checksum): the prefix letters HMRC issues, six digits, suffix A-D.

    Not D, F, I, Q, U, V in the prefix, no O second, and not the
    administrative prefixes BG, GB, KN, NK, NT, TN, ZZ.
    """
    m = _NINO_RE.fullmatch(re.sub(r"\s", "", value))
    if not m:
        return False
    prefix = m.group(1) + m.group(2)
    return prefix not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def is_mt_id_card(value: str) -> bool:
    """Maltese identity card number: up to 7 digits and a letter M, G, A, P, L, H, B or Z (no checksum)."""
    return bool(re.fullmatch(r"\d{3,7}[MGAPLHBZ]", value.strip())) and int(value.strip()[:-1]) > 0


# --------------------------------------------------------------------------
# IP addresses
# --------------------------------------------------------------------------


def is_ip_address(value: str) -> bool:
    """A syntactically valid IPv4 (dotted quad) or IPv6 address.

    IPv4 needs exactly four parts (so ``2.0.1`` is not one); IPv6 must hold
    at least three groups of digits (so a time such as ``12:30`` or a bare
    ``::`` is not one).
    """
    value = value.strip()
    if ":" in value:
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            return False
        groups = [g for g in value.split(":") if g]
        return len(groups) + (1 if "." in value else 0) >= 3
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True
