"""Themes per class and pooled against coded answers: AMI, ARI, NMI, themes, outliers (issue 14).

Data (nothing downloaded; labels used only for scoring):

- ``bench/stackoverflow20k`` (public, human-assigned tags, 20 classes): pooled
  on ``--n`` titles, and per "question": the titles split into 14 disjoint
  groups of 10..123 answers (the sizes of a real 14-question survey), each
  group a class fitted on its own, as ``--per-question`` does.
- The bundled survey sample (synthetic, generated with codes): per question
  and pooled, scored against each answer's first code.
- ``bench/gadarian`` (stm's open-ended answers, MIT) has NO human codes
  (see its SOURCE.txt): it is only run for the number of themes and the
  outlier share per treatment group, never scored.

Methods in the same run, on the same embeddings: twoknow ThemeModel
defaults (number of themes not given), KMeans told the true k, BERTopic
defaults (seeded UMAP, our embeddings). NMI rises with the number of
clusters by itself: AMI (chance-corrected) is reported beside it and is the
number to compare. Outliers count as their own cluster ``-1``.

Usage: [TWOKNOW_BENCH=/path/to/bench] python benchmarks/themes_real.py [--n 4000] [--seed 42] [--skip-bertopic] [--skip-sample]
Writes benchmarks/results/themes_real.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(__file__).parent / "results" / "tmp" / "numba"))
from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score, normalized_mutual_info_score  # noqa: E402

import twoknow_text  # noqa: E402,F401  (offline switches)
from twoknow_text.embedding import Embedder  # noqa: E402
from twoknow_text.manifest import package_versions  # noqa: E402
from twoknow_text.themes import ThemeModel  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(os.environ.get("TWOKNOW_BENCH", ROOT.parent / "shared" / "bench"))  # /work/main → /work/shared/bench
OUT = ROOT / "benchmarks" / "results" / "themes_real.json"
CACHE = ROOT / "benchmarks" / "results" / "tmp" / "emb_cache"
SIZES = [10, 12, 15, 18, 22, 27, 33, 40, 48, 58, 70, 84, 101, 123]  # 14 questions, as in the survey


def score(y, labels, seconds, name) -> dict:
    labels = np.asarray(labels)
    return {"method": name,
            "ami": round(float(adjusted_mutual_info_score(y, labels)), 4),
            "ari": round(float(adjusted_rand_score(y, labels)), 4),
            "nmi": round(float(normalized_mutual_info_score(y, labels)), 4),
            "n_themes": int(len(set(labels.tolist()) - {-1})),
            "outlier_share": round(float((labels < 0).mean()), 4),
            "seconds": round(seconds, 2)}


def methods(texts, y, emb, embedder, seed, bertopic: bool) -> list[dict]:
    rows = []
    t = time.perf_counter()
    try:
        tm = ThemeModel(embedder=embedder, random_state=seed).fit(texts, embeddings=emb)
        r = score(y, tm.labels_, time.perf_counter() - t, "twoknow defaults")
        r["cluster_method"] = tm.cluster_method_
    except Exception as exc:  # a failure is a result here
        r = {"method": "twoknow defaults", "error": f"{type(exc).__name__}: {getattr(exc, 'code', '')}"}
    rows.append(r)
    from sklearn.cluster import KMeans

    k = int(len(set(y)))
    t = time.perf_counter()
    km = KMeans(n_clusters=min(k, len(texts)), n_init=10, random_state=seed).fit_predict(emb)
    rows.append(score(y, km, time.perf_counter() - t, "KMeans(true k)"))
    if bertopic:
        from bertopic import BERTopic
        from umap import UMAP

        t = time.perf_counter()
        try:
            bt = BERTopic(umap_model=UMAP(n_neighbors=min(15, len(texts) - 1), n_components=5, min_dist=0.0,
                                          metric="cosine", random_state=seed), verbose=False)
            topics, _ = bt.fit_transform(texts, embeddings=emb)
            rows.append(score(y, topics, time.perf_counter() - t, "BERTopic defaults"))
        except Exception as exc:
            rows.append({"method": "BERTopic defaults", "error": type(exc).__name__})
    return rows


def per_class(texts, y, classes, emb, embedder, seed, bertopic) -> dict:
    out: dict = {"classes": {}}
    classes = np.asarray(classes)
    for c in sorted(set(classes.tolist())):
        idx = np.flatnonzero(classes == c)
        out["classes"][str(c)] = {"n": int(len(idx)), "k_true": int(len(set(y[idx].tolist()))),
                                  "rows": methods([texts[i] for i in idx], y[idx], emb[idx], embedder, seed, bertopic)}
    summary = {}
    for name in ("twoknow defaults", "KMeans(true k)", "BERTopic defaults"):
        vals = [r for v in out["classes"].values() for r in v["rows"] if r["method"] == name]
        if not vals:
            continue
        ok = [r for r in vals if "ami" in r]
        summary[name] = {"classes_with_themes": sum(1 for r in ok if r["n_themes"] >= 1), "classes": len(vals),
                         "mean_ami": round(float(np.mean([r["ami"] for r in ok])), 4) if ok else None,
                         "mean_ari": round(float(np.mean([r["ari"] for r in ok])), 4) if ok else None,
                         "mean_nmi": round(float(np.mean([r["nmi"] for r in ok])), 4) if ok else None}
    out["summary"] = summary
    return out


def print_rows(title, rows) -> None:
    print(f"\n{title}")
    for r in rows:
        if "error" in r:
            print(f"  {r['method']:20s} failed: {r['error']}")
        else:
            print(f"  {r['method']:20s} AMI {r['ami']:.3f}  ARI {r['ari']:.3f}  NMI {r['nmi']:.3f}  "
                  f"themes {r['n_themes']:3d}  outliers {r['outlier_share']:.1%}  {r.get('cluster_method', '')}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4000, help="StackOverflow titles for the pooled run")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--skip-bertopic", action="store_true")
    ap.add_argument("--skip-sample", action="store_true")
    args = ap.parse_args(argv)
    embedder = Embedder(cache_dir=CACHE)
    result: dict = {"seed": args.seed, "embedding_model": embedder.model_id}
    bert = not args.skip_bertopic

    so_path = BENCH / "stackoverflow20k" / "stackoverflow20k.csv"
    if so_path.is_file():
        df = pd.read_csv(so_path)
        rng = np.random.default_rng(args.seed)
        order = rng.permutation(len(df))
        # per "question": disjoint groups of real survey sizes
        pos, cls = 0, []
        for q, n in enumerate(SIZES):
            cls += [(int(i), f"Q{q + 1:02d}") for i in order[pos:pos + n]]
            pos += n
        sub = df.iloc[[i for i, _ in cls]]
        texts, y = sub.text.astype(str).tolist(), sub.label.to_numpy()
        emb = embedder.encode(texts)
        pc = per_class(texts, y, [c for _, c in cls], emb, embedder, args.seed, bert)
        result["stackoverflow_per_question"] = pc
        print("\nStackOverflow titles, 14 'questions' of 10..123 answers: mean per class")
        for name, s in pc["summary"].items():
            print(f"  {name:20s} mean AMI {s['mean_ami']}  ARI {s['mean_ari']}  NMI {s['mean_nmi']}  "
                  f"classes with themes {s['classes_with_themes']}/{s['classes']}")
        pooled = df.iloc[order[: args.n]]
        ptexts, py = pooled.text.astype(str).tolist(), pooled.label.to_numpy()
        pemb = embedder.encode(ptexts)
        rows = methods(ptexts, py, pemb, embedder, args.seed, bert)
        result["stackoverflow_pooled"] = {"n": len(ptexts), "k_true": int(len(set(py.tolist()))), "rows": rows}
        print_rows(f"StackOverflow titles pooled (n={len(ptexts)})", rows)

    if not args.skip_sample:
        from twoknow_text.synth import load_sample, sample_path

        corpus = load_sample()
        truth = pd.read_csv(Path(sample_path()).with_name("survey_sample_truth.csv"), dtype=str, keep_default_na=False)
        first = {r.response_id: r.code_ids.split(";")[0] for r in truth.itertuples()}
        keep = [i for i, r in enumerate(corpus) if r.response_id in first and first[r.response_id]]
        stexts = [corpus[i].text for i in keep]
        sy = np.array([first[corpus[i].response_id] for i in keep])
        sq = [corpus[i].question_id or "?" for i in keep]
        tm0 = ThemeModel(embedder=embedder)
        semb = embedder.encode(tm0.embedding_texts(stexts))
        pc = per_class(stexts, sy, sq, semb, embedder, args.seed, bert)
        result["sample_per_question"] = pc
        print("\nBundled survey sample (synthetic codes), per question: mean per class")
        for name, s in pc["summary"].items():
            print(f"  {name:20s} mean AMI {s['mean_ami']}  ARI {s['mean_ari']}  NMI {s['mean_nmi']}  "
                  f"classes with themes {s['classes_with_themes']}/{s['classes']}")
        rows = methods(stexts, sy, semb, embedder, args.seed, bert)
        result["sample_pooled"] = {"n": len(stexts), "rows": rows}
        print_rows(f"Bundled survey sample pooled (n={len(stexts)})", rows)

    g = BENCH / "gadarian" / "gadarian.csv"
    if g.is_file():
        gd = pd.read_csv(g)
        gtexts = gd["open.ended.response"].astype(str).tolist()
        gemb = embedder.encode(gtexts)
        res = {}
        for c in sorted(gd.treatment.unique()):
            idx = np.flatnonzero(gd.treatment.to_numpy() == c)
            tm = ThemeModel(embedder=embedder, random_state=args.seed).fit([gtexts[i] for i in idx], embeddings=gemb[idx])
            res[f"treatment={c:g}"] = {"n": int(len(idx)), "n_themes": tm.n_themes_, "outlier_share": round(tm.outlier_share_, 4),
                                       "cluster_method": tm.cluster_method_, "labels": [str(x) for x in tm.themes_.label]}
        result["gadarian_unscored"] = res
        print("\ngadarian (no human codes: not scored):", {k: (v["n_themes"], v["cluster_method"]) for k, v in res.items()})

    result["versions"] = package_versions()
    result["platform"] = platform.platform()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
