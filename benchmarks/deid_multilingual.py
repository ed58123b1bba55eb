"""Multilingual de-identification benchmark: this engine vs Presidio's defaults, by failure class.

Data
----
``twoknow_text.deid.evalset.make_multilingual_set(n_per_language, seed, split)``:
survey-style answers in 18 languages (en, fi, sv, de, fr, es, nl, it, pt, da,
nb, pl, et, lv, lt, ru, uk, cs), each aimed at one failure class of issue 11
(bare handles after context words, single given names, lowercase, German
sentences and foreign names in English, inflected towns, non-Nordic
addresses, national IDs/IBANs/phones/Threema IDs with valid check digits,
non-ASCII and dotted spans, over-redaction traps, type traps) plus clean and
platform-only answers (about 35 %). ``dev`` and ``holdout`` use disjoint name,
town, street and handle pools and disjoint templates: tune on dev, report
holdout.

Scoring (``evalset.score``)
---------------------------
* a gold span counts as found when at least 90 % of its letters and digits are
  covered by predicted spans of any type (the rule of ``deid_eval.py``);
* recall per span class (structured, name, handle, place, address), per
  failure class and per language; "names, handles, places and addresses"
  (NHPA) and "structured" pooled, for English and for all languages;
* precision: predicted spans that overlap a gold span / all predicted spans;
* platform names kept, clean answers unchanged (no span at all), answers
  with every identifier removed, type agreement (class 10), overreach
  (predictions that also swallow 2+ letters/digits next to an identifier).

Systems
-------
* ``twoknow``: ``Deidentifier(DeidConfig(languages=[the 18 languages]))``,
  ``analyze(texts, languages)`` with each record's language. The default
  ``DeidConfig`` lists 14 languages (no lv, lt, uk, cs): answers in those would
  be treated as the default language (English), so the benchmark passes the
  full list (``languages_note`` in the JSON).
* ``twoknow_default_langs`` (only with ``--systems``): ``DeidConfig()`` as
  shipped, to see what the language fallback costs.
* ``presidio_default``: Presidio's ``AnalyzerEngine`` defaults with the same
  small English spaCy pipeline, offline (built as in ``deid_eval.py``); it
  supports English only, so every answer goes through it as English.

Review gate (``review_gate`` in the JSON): the answers de-identified with
the engine's spans, scored by ``deid.risk.RiskScorer`` at the config's
``review_threshold``: the share sent to privacy review (and of clean answers),
the share of identifiers detection missed, and the share that would still
reach coders after the gate (missed, in an answer not sent to review).

Speed: answers per second of each system's analyze loop on the same texts,
chunks interleaved in one process. Memory: peak resident set size
(``ru_maxrss``) of a separate process that builds only the engine and analyzes
both splits (``--memory-probe``).

Run: ``nice .venv/bin/python benchmarks/deid_multilingual.py [--split both]
[--n-per-language 60] [--seed 0] [--systems twoknow,presidio_default]``.
Writes ``benchmarks/results/deid_multilingual.json`` and prints tables.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import twoknow_text  # noqa: E402,F401  (offline environment first)
from twoknow_text.deid import DeidConfig, Deidentifier  # noqa: E402
from twoknow_text.deid.config import DEFAULT_LANGUAGES  # noqa: E402
from twoknow_text.deid.evalset import (  # noqa: E402
    EVAL_LANGUAGES,
    FAILURE_CLASSES,
    SPAN_CLASSES,
    is_found,
    make_multilingual_set,
    score,
)

RESULTS = ROOT / "benchmarks" / "results" / "deid_multilingual.json"
CHUNK = 200
SYSTEMS = ("twoknow", "presidio_default", "twoknow_default_langs")
DEFAULT_SYSTEMS = ("twoknow", "presidio_default")


def _engine() -> Deidentifier:
    eng = Deidentifier(DeidConfig(languages=list(EVAL_LANGUAGES)))
    eng.analyze(["warm up: Anna went to Helsinki."], ["en"])
    return eng


def memory_probe(n: int, seed: int, splits: list[str]) -> dict:
    """Build only the engine, analyze the sets, report peak RSS (run in its own process)."""
    t0 = time.perf_counter()
    eng = _engine()
    build = time.perf_counter() - t0
    n_texts = 0
    t0 = time.perf_counter()
    for sp in splits:
        recs = make_multilingual_set(n, seed, sp)
        eng.analyze([r.text for r in recs], [r.language for r in recs])
        n_texts += len(recs)
    return {"peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "build_seconds": round(build, 2), "analyze_seconds": round(time.perf_counter() - t0, 2),
            "answers": n_texts}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=["dev", "holdout", "both"], default="both")
    ap.add_argument("--n-per-language", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--systems", default=",".join(DEFAULT_SYSTEMS),
                    help="comma-separated: twoknow, presidio_default, twoknow_default_langs (DeidConfig() as shipped)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--memory-probe", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    splits = ["dev", "holdout"] if args.split == "both" else [args.split]
    if args.memory_probe:
        print(json.dumps(memory_probe(args.n_per_language, args.seed, splits)))
        return 0
    wanted = [s.strip() for s in args.systems.split(",") if s.strip()]
    bad = [s for s in wanted if s not in SYSTEMS]
    if bad:
        ap.error(f"unknown system(s) {bad}; choose from {', '.join(SYSTEMS)}")

    mem = None
    if "twoknow" in wanted:  # before Presidio is loaded here; a fresh process measures the engine alone
        cmd = [sys.executable, __file__, "--memory-probe", "--split", args.split,
               "--n-per-language", str(args.n_per_language), "--seed", str(args.seed)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        mem = json.loads(out.stdout.strip().splitlines()[-1])

    systems = {}
    # Presidio's defaults first: its registry loader looks recognizer classes up
    # by class name, and the project's recognizers reuse some of those names.
    if "presidio_default" in wanted:
        from deid_eval import PresidioDefault

        pres = PresidioDefault()
        pres.analyze(["warm up: Anna went to Helsinki."])
        systems["presidio_default"] = lambda texts, langs: [[(a, b, t) for t, a, b in spans] for spans in pres.analyze(texts)]
    if "twoknow" in wanted:
        t0 = time.perf_counter()
        eng = _engine()
        load_s = time.perf_counter() - t0
        systems["twoknow"] = lambda texts, langs: [[(s.start, s.end, s.entity_type) for s in spans]
                                                   for spans in eng.analyze(texts, langs)]
    if "twoknow_default_langs" in wanted:
        eng_default = Deidentifier(DeidConfig())
        eng_default.analyze(["warm up: Anna went to Helsinki."], ["en"])
        systems["twoknow_default_langs"] = lambda texts, langs: [[(s.start, s.end, s.entity_type) for s in spans]
                                                                 for spans in eng_default.analyze(texts, langs)]
    results: dict = {
        "n_per_language": args.n_per_language, "seed": args.seed, "languages": list(EVAL_LANGUAGES),
        "languages_note": ("DeidConfig() lists " + ", ".join(DEFAULT_LANGUAGES) + "; the benchmark runs twoknow with "
                           "DeidConfig(languages=<all 18>) because answers in a language outside the list fall back "
                           "to the default language (en). Presidio's defaults support English only."),
        "splits": {},
    }
    if "twoknow" in wanted:
        results["twoknow_build_seconds"] = round(load_s, 2)
        results["twoknow_memory"] = mem
    for sp in splits:
        recs = make_multilingual_set(args.n_per_language, args.seed, sp)
        texts, langs = [r.text for r in recs], [r.language for r in recs]
        preds = {s: [] for s in systems}
        secs = {s: 0.0 for s in systems}
        for ci, a in enumerate(range(0, len(texts), CHUNK)):
            order = list(systems) if ci % 2 == 0 else list(reversed(list(systems)))
            for name in order:
                t = time.perf_counter()
                preds[name].extend(systems[name](texts[a : a + CHUNK], langs[a : a + CHUNK]))
                secs[name] += time.perf_counter() - t
        res = {"n_answers": len(recs), "n_identifier_answers": sum(bool(r.spans) for r in recs)}
        for name in systems:
            sc = score(recs, preds[name])
            sc["answers_per_second"] = round(len(texts) / secs[name], 1)
            sc["seconds"] = round(secs[name], 2)
            res[name] = sc
        if "twoknow" in systems:
            res["review_gate"] = gate_effect(recs, preds["twoknow"], eng)
        if "twoknow" in res and "presidio_default" in res:
            res["speed_ratio"] = round(res["twoknow"]["answers_per_second"] / res["presidio_default"]["answers_per_second"], 2)
        results["splits"][sp] = res
    results["machine"] = {"python": platform.python_version(), "platform": platform.platform()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_tables(results)
    return 0


def gate_effect(recs, preds, eng: Deidentifier) -> dict:
    """What the privacy-review gate adds: answers sent to review, identifiers that still reach coders.

    Each answer is de-identified with the engine's spans (keyed pseudonyms),
    then scored by the residual-risk scorer at the config's ``review_threshold``.
    An identifier *reaches coders* when the engine missed it (under 90 % of its
    letters and digits covered) and its answer is not sent to review.
    """
    from twoknow_text.deid.pseudonyms import Pseudonymizer
    from twoknow_text.deid.risk import RiskScorer
    from twoknow_text.deid.spans import DetectedSpan

    cfg = eng.config_
    pseudo = Pseudonymizer(b"benchmark-key-0123456789abcdef01", mode=cfg.mode, style=cfg.pseudonym_style,
                           hash_length=cfg.hash_length)
    scorer = RiskScorer(eng.allow_list_)
    n_ids = n_missed = n_reach = n_flagged = n_clean = n_clean_flagged = n_missed_answers = n_missed_flagged = 0
    for r, spans in zip(recs, preds, strict=True):
        covered = {i for a, b, _ in spans for i in range(a, b)}
        deid = pseudo.replace(r.text, [DetectedSpan(t, a, b) for a, b, t in spans])
        flagged = scorer.assess(deid, r.language).score >= cfg.review_threshold
        n_flagged += flagged
        if not r.spans:
            n_clean += 1
            n_clean_flagged += flagged
        missed = [g for g in r.spans if not is_found(r.text, g.start, g.end, covered)]
        n_ids += len(r.spans)
        n_missed += len(missed)
        n_reach += 0 if flagged else len(missed)
        if missed:
            n_missed_answers += 1
            n_missed_flagged += flagged
    return {
        "review_threshold": cfg.review_threshold,
        "answers_sent_to_review": round(n_flagged / max(1, len(recs)), 4),
        "clean_answers_sent_to_review": round(n_clean_flagged / max(1, n_clean), 4),
        "identifiers": n_ids,
        "identifiers_missed_by_detection": round(n_missed / max(1, n_ids), 4),
        "identifiers_reaching_coders_after_gate": round(n_reach / max(1, n_ids), 4),
        "answers_with_a_miss_caught_by_gate": round(n_missed_flagged / max(1, n_missed_answers), 4),
    }


def _f(x) -> str:
    return "  -  " if x is None else f"{x:5.3f}"


def print_tables(results: dict) -> None:
    for sp, res in results["splits"].items():
        systems = [s for s in SYSTEMS if s in res]
        print(f"\n=== {sp}: {res['n_answers']} answers, {res['n_identifier_answers']} with identifiers ===")
        print(f"{'measure':<38}" + "".join(f"{s:>18}" for s in systems))
        rows = [("NHPA recall, all languages", lambda d: d["recall_names_handles_places_addresses"]),
                ("NHPA recall, English", lambda d: d["en"]["recall_names_handles_places_addresses"]),
                ("NHPA recall, other languages", lambda d: d["non_en"]["recall_names_handles_places_addresses"]),
                ("structured recall, all languages", lambda d: d["recall_structured"]),
                ("structured recall, English", lambda d: d["en"]["recall_structured"]),
                ("precision", lambda d: d["precision"]),
                ("platform names kept", lambda d: d["platform_kept"]),
                ("clean answers unchanged", lambda d: d["clean_unchanged"]),
                ("answers with every identifier removed", lambda d: d["all_removed"]),
                ("overreach (next-to-identifier words)", lambda d: d["overreach"])]
        rows += [(f"recall {c} (type agreement)", c) for c in SPAN_CLASSES]
        for label, get in rows:
            cells = []
            for s in systems:
                d = res[s]
                if isinstance(get, str):
                    v = d["recall_by_class"].get(get, {})
                    cells.append(f"{_f(v.get('recall'))} ({_f(v.get('type_agreement'))})")
                else:
                    cells.append(_f(get(d)))
            print(f"{label:<38}" + "".join(f"{c:>18}" for c in cells))
        print(f"{'answers / s':<38}" + "".join(f"{res[s]['answers_per_second']:>18.1f}" for s in systems))
        if "speed_ratio" in res:
            print(f"speed ratio twoknow / presidio: {res['speed_ratio']:.2f}x")
        print("\nby failure class (recall, or clean-unchanged for answers without identifiers)")
        print(f"{'class':<10}" + "".join(f"{s:>18}" for s in systems) + f"{'gold/clean':>12}")
        for fc in FAILURE_CLASSES:
            cells, n = [], None
            for s in systems:
                v = res[s]["recall_by_failure_class"].get(fc)
                if not v:
                    cells.append("-")
                    continue
                cell = _f(v["recall"])
                if v["clean"]:
                    cell += f" / {_f(v['clean_unchanged'])}"
                cells.append(cell)
                n = f"{v['gold']}/{v['clean']}"
            print(f"{fc:<10}" + "".join(f"{c:>18}" for c in cells) + f"{n or '':>12}")
        print("\nby language: NHPA recall | structured recall | clean unchanged | all removed")
        print(f"{'lang':<6}" + "".join(f"{s:>30}" for s in systems))
        for lg in res[systems[0]]["by_language"]:
            cells = []
            for s in systems:
                v = res[s]["by_language"][lg]
                cells.append(f"{_f(v['recall_names_handles_places_addresses'])} {_f(v['recall_structured'])} "
                             f"{_f(v['clean_unchanged'])} {_f(v['all_removed'])}")
            print(f"{lg:<6}" + "".join(f"{c:>30}" for c in cells))
        if "review_gate" in res:
            g = res["review_gate"]
            print(f"\nreview gate (twoknow, threshold {g['review_threshold']}): answers sent to review "
                  f"{g['answers_sent_to_review']:.3f} (clean answers {g['clean_answers_sent_to_review']:.3f}); "
                  f"identifiers missed by detection {g['identifiers_missed_by_detection']:.3f}, reaching coders "
                  f"after the gate {g['identifiers_reaching_coders_after_gate']:.3f}; answers with a miss sent "
                  f"to review {g['answers_with_a_miss_caught_by_gate']:.3f}")
    if results.get("twoknow_memory"):
        m = results["twoknow_memory"]
        print(f"\ntwoknow engine process: peak RSS {m['peak_rss_mb']} MB, build {m['build_seconds']} s, "
              f"{m['answers']} answers in {m['analyze_seconds']} s")


if __name__ == "__main__":
    sys.exit(main())
