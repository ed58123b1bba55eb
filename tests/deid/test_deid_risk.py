"""The residual-risk score and the cue table (no NLP stack, no server)."""

from __future__ import annotations

import pytest

from twoknow_text.deid.lexical import CUE_KINDS, CUES, cue_matches
from twoknow_text.deid.report import DeidReport, find_residual_risks
from twoknow_text.deid.risk import REASON_WEIGHTS, RiskScorer, combine

SCORER = RiskScorer()

#: kind -> (language, de-identified text that holds that evidence, the same text without it)
EVIDENCE = {
    "onion_like": ("en", "The site was abcdefghij234567.onion back then.", "The site was [URL_AB12CD] back then."),
    "at_sign": ("en", "Write to @quietowl if you want.", "Write to [USERNAME_AB12CD] if you want."),
    "placeholder_touching": ("pl", "Mieszkam w [LOCATION_AB12CD]ńsku od lat.", "Mieszkam w [LOCATION_AB12CD] od lat."),
    "long_digits": ("en", "My number was 0401234567 back then.", "My number was [PHONE_NUMBER_AB12CD] back then."),
    "url_like": ("en", "I posted on example.org/u/owl every night.", "I posted on [URL_AB12CD] every night."),
    "cue_handle": ("fi", "Nimimerkkini oli varjokettu silloin.", "Nimimerkkini oli [USERNAME_AB12CD] silloin."),
    "cue_name": ("ru", "Моя жена Ольга ничего не знает.", "Моя жена [PERSON_AB12CD] ничего не знает."),
    "cue_place": ("de", "Ich wohne in Gelsenkirchen und arbeite viel.", "Ich wohne in [LOCATION_AB12CD] und arbeite viel."),
    "handle_like": ("en", "The account dark_owl_77 was mine.", "The account [USERNAME_AB12CD] was mine."),
    "sign_off": ("en", "Thanks for asking. - Jussi", "Thanks for asking. - [PERSON_AB12CD]"),
    "capitalised_token": ("en", "I told Anna about the stress.", "I told [PERSON_AB12CD] about the stress."),
    "rare_capitalised": ("en", "I told Kowalczyk about the stress.", "I told [PERSON_AB12CD] about the stress."),
    "placeholder_adjacent": ("en", "I told [PERSON_AB12CD] Virtanen about it.", "I told [PERSON_AB12CD] about it."),
    "foreign_word": ("en", "I talked to mikko about the stress.", "I talked to [PERSON_AB12CD] about the stress."),
    "digit_groups": ("en", "It was 2018 2010 24 or so.", "It was years ago or so."),
    "cue_weak": ("en", "My wife left me last year.", "She left me last year."),
    "rare_token": ("en", "I felt zorbulous and tired.", "I felt lonely and tired."),
}


def test_every_reason_kind_has_a_case() -> None:
    assert set(EVIDENCE) == set(REASON_WEIGHTS)


@pytest.mark.parametrize("kind", sorted(EVIDENCE))
def test_each_reason_is_found_and_counts(kind: str) -> None:
    lang, text, without = EVIDENCE[kind]
    a = SCORER.assess(text, lang)
    assert kind in a.kinds(), a.reasons
    # the reason raises the score: a scorer that found it but ignored it would fail here
    assert a.score >= REASON_WEIGHTS[kind] - 1e-9 or kind == "rare_capitalised"
    assert a.score > SCORER.assess(without, lang).score
    assert a.score == combine(a.reasons)
    # offsets point into the de-identified text; reasons never hold it
    for r in a.reasons:
        assert 0 <= r.start < r.end <= len(text)
        assert set(r.model_dump()) == {"kind", "start", "end", "weight"}


def test_combination_is_a_noisy_or_over_kinds() -> None:
    a = SCORER.assess("My wife Sanna said I should call me maybe. I talked to mikko.", "en")
    best: dict[str, float] = {}
    for r in a.reasons:
        best[r.kind] = max(best.get(r.kind, 0.0), r.weight)
    expect = 1.0
    for w in best.values():
        expect *= 1 - w
    assert a.score == round(1 - expect, 4)
    # many instances of one weak kind stay one piece of evidence
    typos = SCORER.assess("I felt zorbulous, blarfy, snorkwise and glimbish.", "en")
    assert typos.kinds() == ["rare_token"] and typos.score == REASON_WEIGHTS["rare_token"]


@pytest.mark.parametrize("lang,text", [
    ("en", "I was lonely and bored most evenings, mostly on Telegram and Tor."),
    ("en", "The VPN and Tor Browser made me feel invisible every week in 2019."),
    ("en", "I read about Tor on reddit.com and installed it on Monday nights."),
    ("en", "It cost 300,000 euros over 12 years, about 45% of my income."),
    ("fi", "Olin yksinäinen ja stressaantunut, käytin Telegramia iltaisin."),
    ("de", "Ich war einsam und hatte Angst, erwischt zu werden."),
    ("ru", "Мне было одиноко и скучно по вечерам."),
    ("en", "My wife and I separated. I live in fear of being caught. Call me a coward."),
])
def test_clean_answers_stay_below_the_threshold(lang: str, text: str) -> None:
    assert SCORER.assess(text, lang).score < 0.5


@pytest.mark.parametrize("token,expect", [
    ("fox88", True), ("dark_owl", True), ("j.smith", True), ("u/lonelyhiker", True), ("xXshadowXx", True),
    ("e.g.", False), ("1st", False), ("10pm", False), ("mp3", False), ("Tor", False), ("2019", False),
])
def test_handle_shapes(token: str, expect: bool) -> None:
    assert RiskScorer._handle_shape(token) is expect


def test_placeholders_are_never_evidence() -> None:
    text = "Mail [EMAIL_ADDRESS_4QZ2LM], call [PHONE_NUMBER_K7Q2MX] or ask [PERSON_ABCDEF]."
    assert SCORER.assess(text, "en").reasons == []


def test_cue_table_covers_every_language_and_kind() -> None:
    langs = {"en", "fi", "sv", "de", "fr", "es", "nl", "it", "pt", "da", "nb", "pl", "et", "lv", "lt", "ru"}
    assert set(CUES) >= langs
    for lang, kinds in CUES.items():
        assert set(kinds) == set(CUE_KINDS), lang
        assert all(p == p.lower() and p.strip() == p for ps in kinds.values() for p in ps), lang


def test_cue_matches_use_unicode_word_boundaries() -> None:
    assert cue_matches("Asuntoni on pieni.", "fi") == []  # "asun" inside "asuntoni"
    assert [k for k, _, _ in cue_matches("Asun Tampereella.", "fi")] == ["place"]
    assert cue_matches("Меня зовут Саша.", "ru") == [("name", 0, 10)]
    assert cue_matches("Меня зовутка.", "ru") == []
    # ’ and ' both match, whitespace runs too, case-insensitive
    assert [k for k, _, _ in cue_matches("J’habite   à Lyon", "fr")] == ["place"]
    assert [k for k, _, _ in cue_matches("CALL ME Tommo", "de")] == ["handle"]  # English is always searched
    assert cue_matches("recall mercy", "en") == []


def test_report_review_list_follows_the_threshold() -> None:
    ids = ["r1", "r2", "r3"]
    texts = ["I felt lonely.", "My wife Sanna does not know.", "I felt zorbulous."]
    rep = DeidReport.build(ids, [[], [], []], texts, ["en"] * 3)
    assert rep.review == ["r2"] and rep.review_threshold == 0.5
    flags = {a.response_id: a for a in rep.answers}
    kinds2 = {f.kind for f in flags["r2"].residual}
    assert flags["r2"].risk_score >= 0.5 and "cue_name" in kinds2 and kinds2 & {"capitalised_token", "rare_capitalised"}
    assert "r3" in flags and flags["r3"].risk_score < 0.5  # listed with its reason, not sent to review
    strict = DeidReport.build(ids, [[], [], []], texts, ["en"] * 3, review_threshold=0.1)
    assert strict.review == ["r2", "r3"]
    assert rep.needs_review() == ["r2"]
    kinds = {f.kind for f in find_residual_risks(texts[1], language="en")}
    assert "cue_name" in kinds


def test_gate_without_a_manifest_scores_the_answers_itself() -> None:
    from twoknow_text.annotation import apply_gate
    from twoknow_text.records import Corpus, Response

    corpus = Corpus([Response(response_id="c1", text="I felt lonely.", language="en"),
                     Response(response_id="c2", text="Call me Tommo on the forum.", language="en")], deidentified=True)
    kept, gate = apply_gate(corpus)
    assert kept.ids == ["c1"] and gate.held_ids == ["c2"] and gate.scored_here and kept.deidentified
    # a manifest's lists win: reviewed answers pass
    man = {"review": {"threshold": 0.5, "flagged": ["c2"], "reviewed": {"c2": {"decision": "safe"}}}}
    kept, gate = apply_gate(corpus, man)
    assert kept.ids == ["c1", "c2"] and gate.n_reviewed == 1 and gate.n_held == 0
    with pytest.warns(UserWarning, match="allow-unreviewed"):
        kept, gate = apply_gate(corpus, allow_unreviewed=True)
    assert kept.ids == ["c1", "c2"] and gate.n_sent_unreviewed == 1


@pytest.mark.slow
def test_cli_deid_reports_the_review_count_ids_reasons_and_scores(tmp_path, capsys) -> None:
    import csv
    import json

    from twoknow_text.cli import main
    from twoknow_text.deid import verify_deidentified

    raw = tmp_path / "raw.csv"
    with open(raw, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "answer"])
        w.writerows([("a1", "I felt lonely and bored."), ("a2", "My nickname was quietfox88 there."),
                     ("a3", "Fear of getting caught.")])
    cfg = tmp_path / "deid.yaml"
    cfg.write_text("deid:\n  ner: false\n  recognizers: [twoknow.email_address.v1]\n  review_threshold: 0.5\n")
    out, rep = tmp_path / "out.csv", tmp_path / "rep.json"
    assert main(["deid", str(raw), "--text-col", "answer", "--id-col", "id", "--out", str(out), "--report", str(rep),
                 "--config", str(cfg)]) == 0
    err = capsys.readouterr().err
    assert "privacy review: 1 answers (33.3%) have a residual-risk score of at least 0.5" in err
    report = json.loads(rep.read_text())
    assert report["review"] == ["a2"] and report["review_threshold"] == 0.5
    [flag] = [a for a in report["answers"] if a["response_id"] == "a2"]
    assert flag["risk_score"] >= 0.5 and {"cue_handle", "handle_like"} <= {r["kind"] for r in flag["residual"]}
    assert "quietfox88" not in rep.read_text()
    assert verify_deidentified(out)["review"] == {"threshold": 0.5, "flagged": ["a2"], "reviewed": {}}
