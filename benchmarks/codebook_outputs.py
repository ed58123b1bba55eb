"""Codebook and reporting: category suggestion quality, table speed, export sizes.

Data: the bundled synthetic sample (``twoknow_text.synth.load_sample``), its
truth file (the code(s) each answer was generated from) and the bundled
simulated codings of three coders (first 500 respondents).

1. **Category suggestion** (``suggest_categories``): for answers built from
   a single code, is the suggested factor category the truth's category?
   Compared in the same run with two obvious alternatives: a mean prototype
   per category (mean of its description and its codes' texts) and the
   category description alone. Answers are embedded once; only the scoring
   differs.
2. **Respondent-level tables**: ``frequency_report`` (majority vote, three
   subgroup variables) wall time, and the vectorised Wilson interval against
   a loop over ``scipy.stats.binomtest(...).proportion_ci(method="wilson")``
   on the same counts (they agree to 1e-12).
3. **Exports**: time and size of Markdown, CSV, ``.qdc``, ``.qdpx`` and the
   HTML report, each validated against its XSD where there is one.

Run: ``nice .venv/bin/python benchmarks/codebook_outputs.py [--n-suggest 400]``.
Writes ``benchmarks/results/codebook.json`` and prints tables. The ``.qdpx``
here holds the sample as if de-identified (its texts are synthetic with fake
identifiers); the real chain runs ``twoknow deid`` first.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "codebook.json"


def _timed(fn, repeats: int = 3):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, statistics.median(times)


def suggestion_quality(n: int, seed: int = 0) -> dict:
    from twoknow_text.codebook import load_codebook
    from twoknow_text.codebook._themes import _normalise, _prototypes
    from twoknow_text.embedding import Embedder
    from twoknow_text.synth import load_sample

    cb = load_codebook()
    cat_of = cb.category_of()
    corpus = load_sample()
    text_of = {r.response_id: r.text for r in corpus}
    truth = pd.read_csv(str(resources.files("twoknow_text") / "data" / "sample" / "survey_sample_truth.csv"),
                        dtype=str, keep_default_na=False)
    truth = truth[(~truth["code_ids"].str.contains(";")) & (truth["language"] == "en")
                  & (truth["identifier_kinds"] == "")]
    truth = truth.sample(n=min(n, len(truth)), random_state=seed)
    texts = [text_of[r] for r in truth["response_id"]]
    gold = [cat_of[c] for c in truth["code_ids"]]
    emb = Embedder()
    t = time.perf_counter()
    cat_ids, cat_vecs, code_ids, code_vecs, code_cats = _prototypes(cb, emb)
    v = _normalise(np.asarray(emb.encode(texts), dtype=np.float32))
    t_embed = time.perf_counter() - t
    desc = v @ cat_vecs.T
    codes = v @ code_vecs.T
    member = np.array([[cc == c for cc in code_cats] for c in cat_ids])
    best_code = np.stack([np.where(member[i], codes, -np.inf).max(1) for i in range(len(cat_ids))], axis=1)
    strategies = {
        "max(description, codes) [used]": np.maximum(desc, best_code),
        "mean prototype per category": None,
        "description only": desc,
    }
    # mean prototype: description + all code vectors of the category, averaged
    protos = _normalise(np.stack([
        np.vstack([cat_vecs[i : i + 1], code_vecs[member[i]]]).mean(0) for i in range(len(cat_ids))
    ]))
    strategies["mean prototype per category"] = v @ protos.T
    out = {}
    for name, scores in strategies.items():
        pred = [cat_ids[i] for i in scores.argmax(1)]
        acc = float(np.mean([p == g for p, g in zip(pred, gold, strict=True)]))
        per_cat = {c: float(np.mean([p == g for p, g in zip(pred, gold, strict=True) if g == c])) for c in cat_ids}
        out[name] = {"accuracy": round(acc, 4), "per_category": {k: round(x, 3) for k, x in per_cat.items()}}
    return {"n_answers": len(texts), "embed_seconds": round(t_embed, 2), "strategies": out}


def tables_and_exports(repeats: int) -> dict:
    from scipy.stats import binomtest

    from twoknow_text.codebook import (
        export_csv,
        export_markdown,
        export_qdc,
        export_qdpx,
        import_qdc,
        load_codebook,
        validate_refi,
    )
    from twoknow_text.records import Corpus
    from twoknow_text.reporting import frequency_report, wilson_interval, write_report
    from twoknow_text.synth import load_sample

    cb = load_codebook()
    corpus = load_sample()
    codings = pd.read_csv(str(resources.files("twoknow_text") / "data" / "sample" / "simulated_codings.csv"),
                          dtype=str, keep_default_na=False)
    rep, t_report = _timed(lambda: frequency_report(codings, corpus, cb, coder="majority",
                                                    by=["question_id", "language", "wave"]), repeats)
    k = rep.by_subgroup["n_respondents"].to_numpy()
    n = rep.by_subgroup["respondents_total"].to_numpy()
    (lo, hi), t_vec = _timed(lambda: wilson_interval(k, n), repeats)

    def loop():
        return [binomtest(int(a), int(b)).proportion_ci(method="wilson") for a, b in zip(k, n, strict=True) if b > 0]

    cis, t_loop = _timed(loop, 1)
    max_diff = max(max(abs(c.low - x), abs(c.high - y)) for c, x, y in zip(cis, lo[n > 0], hi[n > 0], strict=True))

    sizes, times = {}, {}
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        for name, fn in {
            "codebook.md": lambda: export_markdown(cb, d / "codebook.md"),
            "codebook.csv": lambda: export_csv(cb, d / "codebook.csv"),
            "codebook.qdc": lambda: export_qdc(cb, d / "codebook.qdc"),
            "project.qdpx": lambda: export_qdpx(cb, Corpus(list(corpus), deidentified=True), codings, d / "project.qdpx"),
        }.items():
            _, times[name] = _timed(fn, repeats)
            sizes[name] = (d / name).stat().st_size
        assert import_qdc(d / "codebook.qdc") == cb
        with zipfile.ZipFile(d / "project.qdpx") as zf:
            qde = zf.read("project.qde")
            n_sources = sum(1 for x in zf.namelist() if x.startswith("sources/"))
        validate_refi(qde, "qde")
        sizes["project.qde (inside qdpx, uncompressed)"] = len(qde)
        # schema validation of the project: libxml2 (used) against pure-Python xmlschema (the obvious choice)
        _, t_lxml = _timed(lambda: validate_refi(qde, "qde", engine="lxml"), repeats)
        _, t_xs = _timed(lambda: validate_refi(qde, "qde", engine="xmlschema"), 1)
        paths, times["report (csv + html)"] = _timed(lambda: write_report(rep, d / "report"), 1)
        for key, p in paths.items():
            sizes[p.name] = p.stat().st_size
    cats = rep.frequencies[rep.frequencies["level"] == "category"]
    codes = rep.frequencies[rep.frequencies["level"] == "code"]
    return {
        "source": rep.source.label,
        "n_respondents": rep.n_respondents,
        "n_answers": rep.n_answers,
        "report_seconds": round(t_report, 3),
        "wilson_vectorised_seconds": t_vec,
        "wilson_scipy_loop_seconds": t_loop,
        "wilson_speedup": round(t_loop / max(t_vec, 1e-9), 1),
        "wilson_max_abs_diff": max_diff,
        "n_intervals": int(len(k)),
        "export_seconds": {k2: round(v2, 3) for k2, v2 in times.items()},
        "validate_qde_seconds": {"lxml": round(t_lxml, 3), "xmlschema": round(t_xs, 3),
                                 "speedup": round(t_xs / max(t_lxml, 1e-9), 1)},
        "sizes_bytes": sizes,
        "qdpx_sources": n_sources,
        "categories": cats[["id", "n_answers", "n_respondents", "respondents_total", "share", "ci_low", "ci_high"]]
        .round(4).to_dict(orient="records"),
        "codes": codes[["id", "category", "n_answers", "n_respondents", "share", "ci_low", "ci_high"]]
        .round(4).to_dict(orient="records"),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-suggest", type=int, default=400)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    res = {"suggestion": suggestion_quality(args.n_suggest), "tables": tables_and_exports(args.repeats)}
    s = res["suggestion"]
    print(f"\nCategory suggestion on {s['n_answers']} single-code English sample answers")
    print(f"{'strategy':34} {'accuracy':>9}  per category")
    base = s["strategies"]["mean prototype per category"]["accuracy"]
    for name, r in s["strategies"].items():
        per = "  ".join(f"{k[:4]} {v:.2f}" for k, v in r["per_category"].items())
        print(f"{name:34} {r['accuracy']:9.3f}  {per}   (x{r['accuracy'] / base:.2f} vs mean prototype)")
    t = res["tables"]
    print(f"\nReport on {t['n_answers']} answers / {t['n_respondents']} respondents ({t['source']}): "
          f"{t['report_seconds']:.2f} s")
    print(f"Wilson: vectorised {t['wilson_vectorised_seconds'] * 1e3:.2f} ms vs scipy loop "
          f"{t['wilson_scipy_loop_seconds'] * 1e3:.1f} ms for {t['n_intervals']} intervals "
          f"(x{t['wilson_speedup']}), max |diff| {t['wilson_max_abs_diff']:.1e}")
    v = t["validate_qde_seconds"]
    print(f"Project.xsd validation of the .qde: lxml {v['lxml']:.2f} s vs xmlschema {v['xmlschema']:.2f} s "
          f"(x{v['speedup']})")
    print(f"\n{'file':42} {'bytes':>12} {'seconds':>9}")
    for k, v in t["sizes_bytes"].items():
        sec = t["export_seconds"].get(k, "")
        print(f"{k:42} {v:12,} {sec if sec == '' else f'{sec:9.3f}':>9}")
    print(f"\n{'category':22} {'answers':>8} {'resp.':>6} {'of':>5} {'share':>7}  95% CI")
    for r in t["categories"]:
        print(f"{r['id']:22} {r['n_answers']:8} {r['n_respondents']:6} {r['respondents_total']:5} "
              f"{100 * r['share']:6.1f}%  [{100 * r['ci_low']:.1f}, {100 * r['ci_high']:.1f}]")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(res, indent=2, default=float) + "\n", encoding="utf-8")
    print(f"\nwrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
