"""The privacy-review gate: how many answers it sends to review, how many missed identifiers it catches.

Measured on what the gate sees, de-identified answers:

* **clean answers** (false positives): the bundled survey sample's answers
  without a planted identifier and the planted set's ``clean`` answers, both
  de-identified with the default config; a file of 300,000 rows of plain
  words and numbers (common words of the survey languages with counts,
  years, percentages and amounts), scored as is (timed: the score alone).
* **missed identifiers** (recall of the gate): the planted set and the
  bundled sample de-identified with a deliberately weakened config (no NER,
  only the e-mail, URL and phone recognizers), and :data:`MISSED`, answers in
  16 languages with a name, handle or place that detection is known to miss
  (lowercase, after a cue word, inflected, sign-offs), scored with nothing
  removed. A residual identifier is a planted value still present in the
  de-identified text; it is *caught* when its answer's score reaches the
  threshold.
* **share sent to review** with the default config, on the planted set and
  the sample.

Run: ``nice .venv/bin/python benchmarks/review_gate.py [--n-planted 1500] [--threshold 0.5]``.
Writes ``benchmarks/results/review_gate.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from twoknow_text.deid.risk import RiskScorer  # noqa: E402

#: (language, answer, identifier values in it). Synthetic, clinical, non-graphic.
MISSED: list[tuple[str, str, list[str]]] = [
    ("en", "On the forum they knew me as shadowfox and nobody asked more.", ["shadowfox"]),
    ("en", "My nickname was quietriver, I used it everywhere.", ["quietriver"]),
    ("en", "Just call me Tommo, that is what friends do.", ["Tommo"]),
    ("en", "My wife Sanna does not know about any of this.", ["Sanna"]),
    ("en", "I live in tampere and the nights are long.", ["tampere"]),
    ("en", "I talked to mikko about the stress once.", ["mikko"]),
    ("en", "Thanks for doing this research. - Jussi", ["Jussi"]),
    ("en", "On Discord I'm dark_owl_77 if that matters.", ["dark_owl_77"]),
    ("en", "I posted as u/lonelyhiker for years.", ["u/lonelyhiker"]),
    ("en", "My therapist Dr Kowalczyk helped me stop.", ["Kowalczyk"]),
    ("fi", "Nimimerkkini oli varjokettu ja käytin sitä kaikkialla.", ["varjokettu"]),
    ("fi", "Asun Jyväskylässä ja olen yksinäinen.", ["Jyväskylässä"]),
    ("fi", "Vaimoni Leena ei tiedä tästä mitään.", ["Leena"]),
    ("fi", "Kutsukaa minua Kallu, niin kaikki tekevät.", ["Kallu"]),
    ("sv", "Mitt användarnamn var tystraven och jag bytte aldrig.", ["tystraven"]),
    ("sv", "Jag bor i Västerås och jobbar natt.", ["Västerås"]),
    ("sv", "Min fru Karin vet ingenting om det här.", ["Karin"]),
    ("de", "Mein Spitzname war Nebelwolf und ich war oft online.", ["Nebelwolf"]),
    ("de", "Ich wohne in Gelsenkirchen und arbeite viel.", ["Gelsenkirchen"]),
    ("de", "Meine Frau Birgit weiß nichts davon.", ["Birgit"]),
    ("fr", "Mon pseudo était loupgris et je le gardais partout.", ["loupgris"]),
    ("fr", "J'habite à Villeurbanne depuis cinq ans.", ["Villeurbanne"]),
    ("fr", "Ma femme Sandrine ne sait rien de tout cela.", ["Sandrine"]),
    ("es", "Mi apodo era lobonocturno en aquel foro.", ["lobonocturno"]),
    ("es", "Vivo en Albacete y trabajo de noche.", ["Albacete"]),
    ("es", "Mi esposa Lucía no sabe nada de esto.", ["Lucía"]),
    ("nl", "Mijn gebruikersnaam was stillevos en dat bleef zo.", ["stillevos"]),
    ("nl", "Ik woon in Apeldoorn en werk veel.", ["Apeldoorn"]),
    ("it", "Il mio soprannome era lupobianco sul forum.", ["lupobianco"]),
    ("it", "Vivo a Bergamo e lavoro di notte.", ["Bergamo"]),
    ("pt", "Meu apelido era corujapreta no fórum.", ["corujapreta"]),
    ("pt", "Moro em Coimbra e trabalho muito.", ["Coimbra"]),
    ("da", "Mit brugernavn var stilleulv og det brugte jeg overalt.", ["stilleulv"]),
    ("da", "Jeg bor i Esbjerg og arbejder om natten.", ["Esbjerg"]),
    ("nb", "Kallenavnet mitt var nattugle88 på forumet.", ["nattugle88"]),
    ("nb", "Jeg bor i Drammen og jobber turnus.", ["Drammen"]),
    ("pl", "Mój nick to cichywilk i używałem go wszędzie.", ["cichywilk"]),
    ("pl", "Mieszkam w Bydgoszczy i pracuję na nocne zmiany.", ["Bydgoszczy"]),
    ("pl", "Moja żona Agnieszka nic o tym nie wie.", ["Agnieszka"]),
    ("et", "Minu kasutajanimi oli vaiknehunt ja ma ei muutnud seda.", ["vaiknehunt"]),
    ("et", "Ma elan Tartus ja töötan öösiti.", ["Tartus"]),
    ("lv", "Mans lietotājvārds bija klusaispūce forumā.", ["klusaispūce"]),
    ("lv", "Es dzīvoju Jelgavā un strādāju naktīs.", ["Jelgavā"]),
    ("lt", "Mano slapyvardis buvo tylusvilkas forume.", ["tylusvilkas"]),
    ("lt", "Gyvenu Šiauliuose ir dirbu naktimis.", ["Šiauliuose"]),
    ("ru", "Мой ник был тихийволк, я его не менял.", ["тихийволк"]),
    ("ru", "Я живу в Саратове и работаю по ночам.", ["Саратове"]),
    ("ru", "Моя жена Ольга ничего об этом не знает.", ["Ольга"]),
]

_PLAIN_LANGS = ("en", "fi", "sv", "de", "fr", "es", "nl", "it", "pt", "da", "nb", "pl", "lv", "lt", "ru")


def plain_rows(n: int, seed: int = 7) -> list[tuple[str, str]]:
    """``n`` rows of plain words and numbers: (language, text)."""
    from twoknow_text.deid.risk import common_words

    rng = random.Random(seed)
    vocab = {lg: [w for w in sorted(common_words(lg) or ()) if w.isalpha() and len(w) > 1] for lg in _PLAIN_LANGS}
    numbers = [lambda: str(rng.randint(0, 99)), lambda: str(rng.randint(1990, 2026)), lambda: f"{rng.randint(1, 99)}%",
               lambda: f"{rng.randint(1, 999)},{rng.randint(0, 999):03d}", lambda: str(rng.randint(100, 99999)),
               lambda: f"{rng.randint(1, 12)}.{rng.randint(1, 28)}.", lambda: f"{rng.randint(1, 24)}h"]
    out = []
    for _ in range(n):
        lg = rng.choice(_PLAIN_LANGS)
        words = []
        for _ in range(rng.randint(1, 14)):
            words.append(rng.choice(numbers)() if rng.random() < 0.2 else rng.choice(vocab[lg]))
        text = " ".join(words)
        if rng.random() < 0.5:
            text = text[:1].upper() + text[1:]
        if rng.random() < 0.5:
            text += "."
        out.append((lg, text))
    return out


def _deid(texts: list[str], langs: list[str | None], config: dict) -> tuple[list[str], object]:
    from twoknow_text.deid import Deidentifier, load_deid_config
    from twoknow_text.records import Corpus, Response

    corpus = Corpus([Response(response_id=f"r{i}", text=t, language=lg) for i, (t, lg) in
                     enumerate(zip(texts, langs, strict=True))])
    out, rep = Deidentifier(load_deid_config(config), key=b"k" * 32).deidentify(corpus)
    return out.texts, rep


WEAK = {"ner": False, "capitalised_name_heuristic": False, "long_numbers": False,
        "recognizers": ["twoknow.email_address.v1", "twoknow.url.v1", "twoknow.phone_number.v1"],
        "use_presidio_recognizers": []}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-planted", type=int, default=1500)
    ap.add_argument("--n-plain", type=int, default=300_000)
    ap.add_argument("--threshold", type=float, default=0.5)
    args = ap.parse_args()
    thr = args.threshold
    scorer = RiskScorer()
    res: dict = {"threshold": thr}

    from twoknow_text.deid.planted import make_planted_set
    from twoknow_text.synth import load_sample, load_truth

    planted = make_planted_set(args.n_planted, seed=11)
    sample = load_sample()
    truth = load_truth().set_index("response_id")

    # 1) default config: share sent to review; false positives on clean answers
    for name, texts, langs, clean_mask in (
        ("planted", [r.text for r in planted], ["en"] * len(planted), [not r.spans for r in planted]),
        ("sample", sample.texts, [r.language for r in sample],
         [not truth.loc[r.response_id, "identifier_kinds"] for r in sample]),
    ):
        t0 = time.process_time()
        deid, rep = _deid(texts, langs, {})
        flagged = set(rep.review)
        ids = [f"r{i}" for i in range(len(texts))]
        n_clean = sum(clean_mask)
        fp = sum(1 for rid, c in zip(ids, clean_mask, strict=True) if c and rid in flagged)
        res[f"{name}_default"] = {
            "answers": len(texts), "sent_to_review": len(flagged), "share_sent_to_review": round(len(flagged) / len(texts), 4),
            "clean_answers": n_clean, "clean_flagged": fp, "false_positive_share": round(fp / max(n_clean, 1), 4),
            "deid_cpu_s": round(time.process_time() - t0, 1),
            "reasons": rep.residual_counts,
        }
        # 2) weakened config: residual identifiers and whether the gate catches them
        values = ([[s.value for s in r.spans] for r in planted] if name == "planted" else
                  [[texts[i][a:b] for _, a, b in truth.loc[r.response_id, "identifier_spans"]] for i, r in enumerate(sample)])
        weak, wrep = _deid(texts, langs, WEAK)
        wflag = set(wrep.review)
        n_res = caught = n_ans = ans_caught = 0
        by_type: dict[str, list[int]] = {}
        for i, (vals, text) in enumerate(zip(values, weak, strict=True)):
            left = [v for v in vals if v and v in text]
            if not left:
                continue
            n_ans += 1
            ans_caught += f"r{i}" in wflag
            for v in left:
                n_res += 1
                caught += f"r{i}" in wflag
            kinds = [s.entity_type for s in planted[i].spans if s.value in left] if name == "planted" else \
                [t for t, a, b in truth.loc[sample[i].response_id, "identifier_spans"] if texts[i][a:b] in left]
            for k in kinds:
                by_type.setdefault(k, [0, 0])
                by_type[k][0] += 1
                by_type[k][1] += f"r{i}" in wflag
        res[f"{name}_weakened"] = {
            "residual_identifiers": n_res, "caught": caught, "share_caught": round(caught / max(n_res, 1), 4),
            "answers_with_residual": n_ans, "answers_caught": ans_caught,
            "share_sent_to_review": round(len(wflag) / len(texts), 4),
            "by_type": {k: {"residual": a, "caught": b} for k, (a, b) in sorted(by_type.items())},
        }

    # 3) the multilingual misses, nothing removed
    miss = [(lg, t, vals, scorer.assess(t, lg)) for lg, t, vals in MISSED]
    got = [a.score >= thr for _, _, _, a in miss]
    res["multilingual_missed"] = {
        "answers": len(miss), "caught": sum(got), "share_caught": round(sum(got) / len(miss), 4),
        "not_caught": [f"{lg}: score {a.score}" for (lg, _, _, a), g in zip(miss, got, strict=True) if not g],
    }

    # 4) 300,000 rows of plain words and numbers, scored as is
    rows = plain_rows(args.n_plain)
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    flagged_plain = sum(1 for lg, t in rows if scorer.assess(t, lg).score >= thr)
    res["plain_words_numbers"] = {
        "rows": len(rows), "flagged": flagged_plain, "share_flagged": round(flagged_plain / len(rows), 4),
        "wall_s": round(time.perf_counter() - t0, 1), "cpu_s": round(time.process_time() - cpu0, 1),
    }
    res["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out = ROOT / "benchmarks" / "results" / "review_gate.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(res, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
