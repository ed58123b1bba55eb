"""The multilingual evaluation set: deterministic, exact offsets, disjoint splits, valid identifiers, correct scoring."""

from __future__ import annotations

import importlib

import phonenumbers
import pytest
from stdnum import iban

from twoknow_text.deid._evalset_lang import LANGS
from twoknow_text.deid.evalset import (
    EVAL_LANGUAGES,
    FAILURE_CLASSES,
    SPAN_CLASSES,
    EvalRecord,
    EvalSpan,
    PlatformTerm,
    is_found,
    make_multilingual_set,
    pool_values,
    score,
    template_ids,
)
from twoknow_text.deid.spans import DetectedSpan
from twoknow_text.errors import DeidError

REQUIRED = {"en", "fi", "sv", "de", "fr", "es", "nl", "it", "pt", "da", "nb", "pl", "et", "lv", "lt", "ru"}


@pytest.fixture(scope="module")
def sets():
    return {sp: make_multilingual_set(40, seed=11, split=sp) for sp in ("dev", "holdout")}


def test_deterministic_and_seed_dependent():
    a = make_multilingual_set(12, seed=3, split="holdout")
    assert a == make_multilingual_set(12, seed=3, split="holdout")
    assert a != make_multilingual_set(12, seed=4, split="holdout")
    assert a != make_multilingual_set(12, seed=3, split="dev")


def test_offsets_exact_and_spans_clean(sets):
    for recs in sets.values():
        for r in recs:
            ends = -1
            for s in sorted(r.spans, key=lambda s: s.start):
                assert r.text[s.start : s.end] == s.value
                assert s.value == s.value.strip() and s.value
                assert s.start >= ends  # no overlapping gold spans
                ends = s.end
                assert s.cls in SPAN_CLASSES
            for p in r.platform_terms:
                assert r.text[p.start : p.end] == p.term


def test_languages_and_sizes(sets):
    assert REQUIRED <= set(EVAL_LANGUAGES) and len(EVAL_LANGUAGES) >= 16
    for recs in sets.values():
        assert len(recs) == 40 * len(EVAL_LANGUAGES)
        assert {r.language for r in recs} == set(EVAL_LANGUAGES)
        clean = sum(not r.spans for r in recs) / len(recs)
        assert 0.30 <= clean <= 0.42


def test_every_class_in_both_splits(sets):
    for recs in sets.values():
        assert {r.failure_class for r in recs} == set(FAILURE_CLASSES)
        assert {s.cls for r in recs for s in r.spans} == set(SPAN_CLASSES)
        for lang in EVAL_LANGUAGES:
            mine = [r for r in recs if r.language == lang]
            assert any(not r.spans for r in mine) and any(r.platform_terms for r in mine)
            assert {s.cls for r in mine for s in r.spans} >= {"structured", "name", "place"}
        # clean and trap answers hold no identifier; the identifier classes always hold one
        for r in recs:
            if r.failure_class in ("clean", "platform", "9"):
                assert not r.spans
            elif r.failure_class not in ("8",):
                assert r.spans, r.failure_class


def test_dev_and_holdout_disjoint(sets):
    for lang in EVAL_LANGUAGES:
        assert not pool_values(lang, "dev") & pool_values(lang, "holdout"), lang
        assert not template_ids(lang, "dev") & template_ids(lang, "holdout")
        d = LANGS[lang]
        for group in ("handle", "name", "place", "address", "ident", "base", "traps"):
            assert len(d[group]) >= 2
            assert not set(d[group][0::2]) & set(d[group][1::2]), (lang, group)
    dev_all = set().union(*(pool_values(lg, "dev") for lg in EVAL_LANGUAGES))
    hold_all = set().union(*(pool_values(lg, "holdout") for lg in EVAL_LANGUAGES))
    assert not dev_all & hold_all
    for sp, recs in sets.items():
        other = {o.lower() for o in (hold_all if sp == "dev" else dev_all)}
        for r in recs:
            assert r.template_id in template_ids(r.language, sp) and r.split == sp
            for s in r.spans:
                if s.cls in ("name", "place"):
                    assert s.value.lower() not in other
                    assert not {w.lower() for w in s.value.split()} & other, (sp, s.value)


_ID_MODULES = ["es.dni", "es.nie", "fi.hetu", "ee.ik", "lv.pvn", "lt.asmens", "pl.pesel", "se.personnummer",
               "no.fodselsnummer", "dk.cpr", "nl.bsn", "it.codicefiscale", "pt.cc", "fr.nir", "be.nn", "de.idnr",
               "cz.rc", "ru.inn", "ua.rntrc", "gb.nhs"]


def _valid_phone(value: str, region: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(value, region))
    except phonenumbers.NumberParseException:
        return False


def test_structured_values_are_valid(sets):
    mods = [importlib.import_module("stdnum." + m) for m in _ID_MODULES]
    regions = {LANGS[lg]["country"] for lg in LANGS} | {"GB", "IE"}
    seen = set()
    for recs in sets.values():
        for r in recs:
            for s in r.spans:
                seen.add(s.entity_type)
                if s.entity_type == "NATIONAL_ID":
                    assert any(m.is_valid(s.value) for m in mods), s.value
                elif s.entity_type == "IBAN_CODE":
                    assert iban.is_valid(s.value), s.value
                elif s.entity_type == "PHONE_NUMBER":
                    assert any(_valid_phone(s.value, reg) for reg in regions), s.value
    assert {"NATIONAL_ID", "IBAN_CODE", "PHONE_NUMBER", "EMAIL_ADDRESS", "URL", "ONION_ADDRESS", "CRYPTO_WALLET",
            "MESSAGING_HANDLE", "USERNAME", "PERSON", "LOCATION", "STREET_ADDRESS"} <= seen


def test_class_content(sets):
    recs = sets["holdout"]
    handles = [s.value for r in recs if r.failure_class in ("1", "8") for s in r.spans if s.cls == "handle"]
    assert any("." in h for h in handles) and any(h.startswith("@") for h in handles)
    assert any(not h.isascii() for h in handles if h[0] not in "@u")  # Cyrillic handles
    lower = [s.value for r in recs if r.failure_class == "3" for s in r.spans]
    assert lower and all(v == v.lower() for v in lower)
    nonascii = [s.value for r in recs if r.failure_class == "8" for s in r.spans if s.cls in ("name", "place")]
    assert nonascii and all(not v.isascii() for v in nonascii)
    addresses = [s.value for r in recs for s in r.spans if s.cls == "address"]
    assert all(any(c.isdigit() for c in a) and "," in a for a in addresses)
    traps = [r for r in recs if r.failure_class == "8" and not r.spans]
    assert traps  # context words inside other words, nothing to find


def test_bad_arguments():
    with pytest.raises(DeidError) as e:
        make_multilingual_set(4, split="test")
    assert e.value.code == "E290"
    with pytest.raises(DeidError):
        make_multilingual_set(4, languages=["xx"])
    with pytest.raises(DeidError):
        make_multilingual_set(-1)
    with pytest.raises(DeidError) as e:
        score(make_multilingual_set(1, languages=["en"]), [])
    assert e.value.code == "E292"


# ---------------------------------------------------------------- scoring on hand-built cases

def _rec(text, spans, lang="en", fc="1", platforms=()):
    out = []
    for value, ent, cls in spans:
        a = text.index(value)
        out.append(EvalSpan(a, a + len(value), ent, cls, value))
    pts = tuple(PlatformTerm(text.index(t), text.index(t) + len(t), t) for t in platforms)
    return EvalRecord(text=text, language=lang, spans=tuple(out), failure_class=fc, platform_terms=pts)


def test_is_found_needs_ninety_percent():
    text = "id abcdefghij end"
    assert is_found(text, 3, 13, set(range(3, 13)))
    assert is_found(text, 3, 13, set(range(3, 12)))  # 9 of 10
    assert not is_found(text, 3, 13, set(range(3, 11)))  # 8 of 10
    assert not is_found(text, 3, 13, set())
    assert is_found("in the Hague", 3, 12, set(range(7, 12)))  # a leading article does not count


def test_score_hand_built():
    r1 = _rec("my nickname was foxy.fox and I use Telegram", [("foxy.fox", "USERNAME", "handle")],
              platforms=["Telegram"])
    r2 = _rec("asuin Tampereella, henkilötunnus 010190-123A", [("Tampereella", "LOCATION", "place"),
                                                             ("010190-123A", "NATIONAL_ID", "structured")], lang="fi")
    r3 = _rec("I used Tor and a VPN", [], fc="9", platforms=["Tor"])
    r4 = _rec("nothing to say", [], fc="clean")
    t1, t2 = r1.text, r2.text
    preds = [
        [(t1.index("foxy"), t1.index("foxy") + 4, "USERNAME"), (t1.index("Telegram"), len(t1), "PERSON")],
        [(t2.index("010190"), len(t2), "PHONE_NUMBER")],
        [],
        [DetectedSpan("PERSON", 0, 7)],
    ]
    s = score([r1, r2, r3, r4], preds)
    assert s["n_gold"] == 3 and s["n_records"] == 4
    assert {k: v["gold"] for k, v in s["recall_by_class"].items()} == {"structured": 1, "handle": 1, "place": 1}
    assert s["recall_by_class"]["handle"]["recall"] == 0.0  # "foxy" covers 4 of 7 letters
    assert s["recall_by_class"]["place"]["recall"] == 0.0
    assert s["recall_by_class"]["structured"]["recall"] == 1.0
    assert s["recall_by_class"]["structured"]["type_agreement"] == 0.0  # a personal code as PHONE_NUMBER
    assert s["recall_names_handles_places_addresses"] == 0.0
    assert s["recall_structured"] == 1.0
    assert s["precision"] == pytest.approx(2 / 4)  # foxy and the code overlap gold; Telegram and "nothing" do not
    assert s["platform_kept"] == pytest.approx(1 / 2)  # Telegram touched, Tor kept
    assert s["clean_unchanged"] == pytest.approx(1 / 2)  # r3 untouched, r4 changed
    assert s["all_removed"] == 0.0
    assert s["en"]["recall_names_handles_places_addresses"] == 0.0
    assert s["non_en"]["recall_structured"] == 1.0
    assert s["by_language"]["fi"]["all_removed"] == 0.0

    full = [[(t1.index("foxy.fox"), t1.index("foxy.fox") + 8, "MESSAGING_HANDLE")],
            [("LOCATION", 6, 17), ("NATIONAL_ID", t2.index("010190"), len(t2))], [], []]
    s = score([r1, r2, r3, r4], full)  # (type, start, end) tuples are accepted too
    assert s["recall_all"] == 1.0 and s["all_removed"] == 1.0 and s["precision"] == 1.0
    assert s["recall_by_class"]["handle"]["type_agreement"] == 1.0  # USERNAME ~ MESSAGING_HANDLE
    assert s["platform_kept"] == 1.0 and s["clean_unchanged"] == 1.0 and s["overreach"] == 0.0
    over = [[(t1.index("was"), t1.index("foxy.fox") + 8, "USERNAME")], [], [], []]
    assert score([r1, r2, r3, r4], over)["overreach"] == 1.0  # "was" swallowed with the handle


@pytest.mark.slow
def test_real_engine_end_to_end_on_holdout():
    from twoknow_text.deid import DeidConfig, Deidentifier

    recs = make_multilingual_set(20, seed=0, split="holdout")
    # the shipped config: every evaluation language is among its languages
    assert set(EVAL_LANGUAGES) <= set(DeidConfig().languages)
    eng = Deidentifier(DeidConfig())
    preds = eng.analyze([r.text for r in recs], [r.language for r in recs])
    s = score(recs, preds)
    assert s["n_records"] == len(recs) and s["n_gold"] == sum(len(r.spans) for r in recs)
    assert set(s["by_language"]) == set(EVAL_LANGUAGES)
    # Floors a little under what the engine reaches on this held-out sample (structured 1.00,
    # names 0.90, handles 0.94, places 0.84, addresses 1.00, clean 0.99, platforms 1.00): a
    # regression in any class fails here. The engine before issue 11 reached structured 0.82,
    # names/handles/places/addresses 0.42 and clean 0.89.
    assert s["recall_structured"] >= 0.97
    by_class = {k: v["recall"] for k, v in s["recall_by_class"].items()}
    assert by_class["name"] >= 0.85 and by_class["handle"] >= 0.88, by_class
    assert by_class["place"] >= 0.78 and by_class["address"] >= 0.9, by_class
    assert s["recall_names_handles_places_addresses"] >= 0.85
    kinds = {"EMAIL_ADDRESS", "URL", "ONION_ADDRESS", "IBAN_CODE", "PHONE_NUMBER", "CRYPTO_WALLET"} & set(
        s["recall_by_entity"])
    assert len(kinds) >= 4
    for kind in kinds:
        assert s["recall_by_entity"][kind]["recall"] >= 0.95, kind
    assert s["clean_unchanged"] >= 0.95 and s["platform_kept"] >= 0.98
