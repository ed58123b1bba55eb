"""Replacement, keys, allow-list and residual-risk report: no NLP stack needed here."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from twoknow_text.deid.allowlist import AllowList
from twoknow_text.deid.pseudonyms import (
    PLACEHOLDER_RE,
    Pseudonymizer,
    ephemeral_key,
    load_key,
    new_key_file,
    normalise_value,
)
from twoknow_text.deid.report import DeidReport, find_residual_risks
from twoknow_text.deid.spans import DetectedSpan
from twoknow_text.errors import DeidError

KEY_A = b"A" * 32
KEY_B = b"B" * 32


def _span(text: str, value: str, etype: str = "PERSON", nth: int = 0) -> DetectedSpan:
    start = -1
    for _ in range(nth + 1):
        start = text.index(value, start + 1)
    return DetectedSpan(etype, start, start + len(value))


def test_same_value_same_placeholder_across_answers_and_instances():
    t1, t2 = "Anna helped me.", "I told anna about it."
    p = Pseudonymizer(KEY_A)
    a = p.replace(t1, [_span(t1, "Anna")])
    b = p.replace(t2, [_span(t2, "anna")])
    code = a.split()[0]
    assert PLACEHOLDER_RE.fullmatch(code)
    assert code in b  # case-folded value -> same pseudonym
    # another instance with the same key (another run) gives the same code
    assert Pseudonymizer(KEY_A).replace(t1, [_span(t1, "Anna")]) == a
    # another key gives another code
    assert Pseudonymizer(KEY_B).replace(t1, [_span(t1, "Anna")]) != a


def test_types_and_values_are_kept_apart():
    p = Pseudonymizer(KEY_A)
    assert p.placeholder("PERSON", "Anna") != p.placeholder("PERSON", "Maria")
    assert p.placeholder("PERSON", "Paris").split("_")[1] != p.placeholder("LOCATION", "Paris").split("_")[1]
    assert p.placeholder("PERSON", "Paris").startswith("[PERSON_")


def test_structured_values_normalise_layout():
    p = Pseudonymizer(KEY_A)
    assert p.placeholder("PHONE_NUMBER", "+358 40 123 4567") == p.placeholder("PHONE_NUMBER", "+358401234567")
    assert normalise_value("PERSON", "Dr. Anna Virtanen's") == "anna virtanen"


def test_sequential_style_and_plain_mode():
    p = Pseudonymizer(KEY_A, style="sequential")
    assert p.placeholder("PERSON", "Anna") == "[PERSON_1]"
    assert p.placeholder("PERSON", "Maria") == "[PERSON_2]"
    assert p.placeholder("PERSON", "anna") == "[PERSON_1]"
    assert p.placeholder("EMAIL_ADDRESS", "a@b.fi") == "[EMAIL_ADDRESS_1]"
    plain = Pseudonymizer(KEY_A, mode="plain")
    assert plain.replace("Anna met Maria", [DetectedSpan("PERSON", 0, 4), DetectedSpan("PERSON", 9, 14)]) == (
        "[PERSON] met [PERSON]"
    )


def test_overlapping_spans_leave_no_tail():
    text = "call +358 40 123 4567 now"
    spans = [DetectedSpan("PHONE_NUMBER", 5, 16), DetectedSpan("ID_NUMBER", 10, 21)]
    out = Pseudonymizer(KEY_A).replace(text, spans)
    assert "4567" not in out and "358" not in out
    assert out.startswith("call [") and out.endswith("] now")


def test_hash_collisions_get_longer_codes():
    p = Pseudonymizer(KEY_A, hash_length=4)
    codes = {p.placeholder("PERSON", f"name{i}") for i in range(3000)}
    assert len(codes) == 3000  # 20-bit codes must collide among 3000 values; collisions were lengthened
    assert p.collisions > 0


def test_short_key_and_repr_never_show_key():
    with pytest.raises(DeidError) as e:
        Pseudonymizer(b"short")
    assert e.value.code == "E225"
    assert KEY_A.hex() not in repr(Pseudonymizer(KEY_A)) and "AAAA" not in repr(Pseudonymizer(KEY_A))
    assert len(ephemeral_key()) == 32 and ephemeral_key() != ephemeral_key()


def test_key_file_roundtrip_permissions_and_errors(tmp_path):
    path = new_key_file(tmp_path / "k" / "deid.key")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    key = load_key(path)
    assert len(key) == 32 and key.hex() in path.read_text()
    with pytest.raises(DeidError) as e:
        new_key_file(path)
    assert e.value.code == "E221"
    with pytest.raises(DeidError) as e:
        load_key(tmp_path / "missing.key")
    assert e.value.code == "E223"
    bad = tmp_path / "bad.key"
    bad.write_text("not hex at all\n")
    os.chmod(bad, 0o600)
    with pytest.raises(DeidError) as e:
        load_key(bad)
    assert e.value.code == "E224" and "not hex" not in e.value.message
    short = tmp_path / "short.key"
    short.write_text("abcd\n")
    os.chmod(short, 0o600)
    with pytest.raises(DeidError) as e:
        load_key(short)
    assert e.value.code == "E225"
    os.chmod(path, 0o644)
    with pytest.warns(UserWarning, match="chmod 600"):
        load_key(path)


def test_replacement_does_not_import_the_nlp_stack():
    code = (
        "import sys\n"
        "from twoknow_text.deid import Pseudonymizer, DetectedSpan, DeidReport\n"
        "Pseudonymizer(b'k'*32).replace('Anna', [DetectedSpan('PERSON', 0, 4)])\n"
        "bad = [m for m in ('spacy', 'presidio_analyzer', 'presidio_anonymizer', 'torch') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.parametrize(
    "term", ["Telegram", "the Tor browser", "Discord servers", "Telegram's", "Telegram and Discord", "every week",
             "at night", "for two years", "three times a week", "Stop It Now", "Tleegram", "Discrod"]
)
def test_allow_list_keeps_platforms_and_time_phrases(term):
    assert AllowList().is_allowed(term)


@pytest.mark.parametrize("term", ["Anna", "Lucy", "Anna and Discord", "Helsinki", "Anna Virtanen"])
def test_allow_list_does_not_keep_names(term):
    assert not AllowList().is_allowed(term)


def test_allow_list_extension_and_platform_domains():
    assert AllowList(["Kirkkonummi Clinic"]).is_allowed("Kirkkonummi Clinic")
    al = AllowList()
    assert al.is_platform_domain("reddit.com") and al.is_platform_domain("https://www.torproject.org/")
    assert not al.is_platform_domain("t.me/quiet_fox") and not al.is_platform_domain("example.org")


def test_residual_risks_flag_what_is_left_and_ignore_placeholders():
    text = "I was [PERSON_K7Q2MX] on the forum, also river_fox88 and @quiet, id 123 456 789, with Jussi."
    kinds = {f.kind for f in find_residual_risks(text)}
    assert {"handle_like", "at_sign", "digit_groups", "rare_capitalised"} <= kinds
    clean = "I used Telegram and [PERSON_K7Q2MX] every week in 2019, on Monday nights."
    assert find_residual_risks(clean) == []
    onion = find_residual_risks("the site was abcdefghij234567.onion and more")
    assert "onion_like" in {f.kind for f in onion}


def test_report_holds_no_raw_values(tmp_path):
    texts = ["Anna Virtanen called +358401234567"]
    spans = [[DetectedSpan("PERSON", 0, 13), DetectedSpan("PHONE_NUMBER", 21, 34)]]
    new = [Pseudonymizer(KEY_A).replace(texts[0], spans[0])]
    rep = DeidReport.build(["r1"], spans, new, ["en"], key_source="file")
    path = rep.write(tmp_path / "rep.json")
    raw = path.read_text()
    assert "Anna" not in raw and "358" not in raw and KEY_A.hex() not in raw
    data = json.loads(raw)
    assert data["counts_by_type"] == {"PERSON": 1, "PHONE_NUMBER": 1}
    assert data["answers"][0]["response_id"] == "r1"
    assert rep.summary() == [("PERSON", 1, 1), ("PHONE_NUMBER", 1, 1)]


def test_public_names_are_pinned():
    import twoknow_text.deid as deid

    assert sorted(deid.__all__) == sorted([
        "AllowList", "AnswerFlags", "DeidConfig", "DeidReport", "Deidentifier", "DetectedSpan", "Pseudonymizer",
        "ResidualFlag", "deidentify", "deidentify_file", "ephemeral_key", "find_residual_risks", "get_recognizers",
        "load_deid_config", "load_key", "new_key_file", "registered_names", "verify_deidentified",
    ])
    for name in deid.__all__:
        assert getattr(deid, name) is not None


def test_without_codes_keeps_the_type_only():
    from twoknow_text.deid.pseudonyms import Pseudonymizer, without_codes

    assert without_codes("Mail [EMAIL_ADDRESS_4QZ2LM] or ask [PERSON_K7Q2MX].") == "Mail [EMAIL_ADDRESS] or ask [PERSON]."
    assert without_codes("[PERSON_12] and [CRYPTO_WALLET_AB12CD]") == "[PERSON] and [CRYPTO_WALLET]"
    assert without_codes("[PERSON] stays, so does [lower_case] and plain text") == "[PERSON] stays, so does [lower_case] and plain text"
    # whatever key made them, two pseudonyms of the same type look the same afterwards
    a = Pseudonymizer(key=b"a" * 32).placeholder("ONION_ADDRESS", "x.onion")
    b = Pseudonymizer(key=b"b" * 32).placeholder("ONION_ADDRESS", "x.onion")
    assert a != b and without_codes(a) == without_codes(b) == "[ONION_ADDRESS]"
