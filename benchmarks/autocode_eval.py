"""Benchmark of the auto-coder (``twoknow_text.autocode``) against a plain linear-model anchor, same run.

1. StackOverflow titles (``../shared/bench/stackoverflow20k``, 20 tags): train
   on 1,000 labelled titles, predict the other 19,000. Accuracy and Cohen's
   kappa of the top code, for: the anchor (multinomial logistic regression
   on the same MiniLM vectors), AutoCoder(method="classifier"),
   AutoCoder(method="combined") with the tag names as code descriptions, and
   zero-shot from the tag names only.
2. The bundled sample's simulated codings: trained on coder_a, judged
   against coder_b on held-out answers (pooled binary kappa over (answer,
   code) decisions), for a learning curve (kappa vs number of coded answers)
   of the anchor (one-vs-rest logistic regression, threshold 0.5, the
   issue's anchor), the classifier, combined and zero-shot; plus the full
   5-fold ``evaluate`` with bootstrap CIs and the coverage table.

Usage: python benchmarks/autocode_eval.py [--skip-stackoverflow]
Writes benchmarks/results/autocode.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

DATA = Path(os.environ.get("TWOKNOW_BENCH", ROOT.parent / "shared" / "bench")) / "stackoverflow20k" / "stackoverflow20k.csv"
if not DATA.exists():
    DATA = Path("/work/shared/bench/stackoverflow20k/stackoverflow20k.csv")
OUT = ROOT / "benchmarks" / "results" / "autocode.json"
CACHE = ROOT / "benchmarks" / "results" / "tmp" / "emb_cache"


def _coder(embedder, **kw):
    from twoknow_text.autocode import AutoCoder

    return AutoCoder(embedder=embedder, **kw)


def stackoverflow(embedder, seed: int = 0) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, cohen_kappa_score

    df = pd.read_csv(DATA)
    texts, y = df["text"].tolist(), df["label_name"].to_numpy()
    t0 = time.perf_counter()
    X = embedder.encode(texts)
    t_emb = time.perf_counter() - t0
    rng = np.random.RandomState(seed)
    order = rng.permutation(len(texts))
    tr, te = order[:1000], order[1000:]
    res: dict = {"n_train": len(tr), "n_test": len(te), "embedding_seconds": round(t_emb, 1), "methods": {}}

    t0 = time.perf_counter()
    anchor = LogisticRegression(max_iter=2000).fit(X[tr], y[tr])
    pa = anchor.predict(X[te])
    res["methods"]["anchor_logreg"] = {"accuracy": round(accuracy_score(y[te], pa), 4),
                                       "kappa": round(cohen_kappa_score(y[te], pa), 4),
                                       "fit_seconds": round(time.perf_counter() - t0, 2)}
    names = sorted(set(y))
    desc = {n: f"{n}\nA programming question about {n}." for n in names}
    for label, kw, d in (("autocoder_classifier", {"method": "classifier"}, None),
                         ("autocoder_combined", {"method": "combined"}, desc),
                         ("autocoder_zero_shot", {"method": "zero-shot"}, desc)):
        m = _coder(embedder, random_state=seed, **kw)
        m._vectors = {}
        t0 = time.perf_counter()
        m._fit_vectors(X[tr], [[v] for v in y[tr]] if label != "autocoder_zero_shot" else [[] for _ in tr], d)
        fit_s = time.perf_counter() - t0
        P = m._proba_vectors(X[te])
        top = np.asarray(m.codes_)[P.argmax(axis=1)]
        res["methods"][label] = {"accuracy": round(accuracy_score(y[te], top), 4),
                                 "kappa": round(cohen_kappa_score(y[te], top), 4),
                                 "fit_seconds": round(fit_s, 2)}
        print(label, res["methods"][label], flush=True)
    print("anchor", res["methods"]["anchor_logreg"], flush=True)
    return res


def _pooled_kappa(Y: np.ndarray, P: np.ndarray) -> float:
    from twoknow_text.autocode._model import _binary_kappa

    return round(_binary_kappa(Y.ravel(), P.ravel()), 4)


def sample(embedder, seed: int = 0) -> dict:
    from sklearn.linear_model import LogisticRegression

    from twoknow_text.autocode import code_lists, codebook_descriptions, evaluate
    from twoknow_text.synth import load_sample, sample_path

    codings = pd.read_csv(Path(sample_path()).with_name("simulated_codings.csv"), dtype=str, keep_default_na=False)
    texts = {r.response_id: r.text for r in load_sample()}
    a, b = code_lists(codings, "coder_a"), code_lists(codings, "coder_b")
    units = sorted(set(a) & set(b) & set(texts))
    t0 = time.perf_counter()
    X = embedder.encode([texts[u] for u in units])
    t_emb = time.perf_counter() - t0
    desc = codebook_descriptions()
    codes = sorted({c for u in units for c in a[u] + b[u]} | set(desc))

    def Y(lab: dict, idx) -> np.ndarray:
        M = np.zeros((len(idx), len(codes)), dtype=bool)
        for r, i in enumerate(idx):
            for c in lab[units[i]]:
                M[r, codes.index(c)] = True
        return M

    rng = np.random.RandomState(seed)
    order = rng.permutation(len(units))
    test, pool = order[: len(units) // 5], order[len(units) // 5:]
    Yb_test, Ya_test = Y(b, test), Y(a, test)
    curve = []
    for n in (25, 50, 100, 200, 400, 800, len(pool)):
        tr = pool[:n]
        row: dict = {"n_coded": int(n)}
        # anchor: one-vs-rest logistic regression on the vectors, threshold 0.5
        Ya = Y(a, tr)
        Pa = np.zeros_like(Yb_test)
        for j in range(len(codes)):
            if 0 < Ya[:, j].sum() < len(tr):
                Pa[:, j] = LogisticRegression(max_iter=2000).fit(X[tr], Ya[:, j]).predict(X[test]).astype(bool)
        row["anchor_logreg"] = _pooled_kappa(Yb_test, Pa)
        for label, kw, d in (("classifier", {"method": "classifier"}, None), ("combined", {}, desc),
                             ("zero_shot", {"method": "zero-shot"}, desc)):
            m = _coder(embedder, random_state=seed, **kw)
            m._vectors = {}
            t0 = time.perf_counter()
            m._fit_vectors(X[tr], [a[units[i]] for i in tr], d)
            fit_s = time.perf_counter() - t0
            P = m._proba_vectors(X[test]) >= m.threshold_
            Pm = np.zeros_like(Yb_test)
            for j, c in enumerate(m.codes_):
                Pm[:, codes.index(c)] = P[:, j]
            row[label] = _pooled_kappa(Yb_test, Pm)
            row[f"{label}_fit_seconds"] = round(fit_s, 2)
        print("curve", row, flush=True)
        curve.append(row)
    humans = _pooled_kappa(Yb_test, Ya_test)
    model = _coder(embedder, random_state=seed)
    model._vectors = {texts[u]: X[i] for i, u in enumerate(units)}
    t0 = time.perf_counter()
    full = evaluate(codings, texts, folds=5, train_coder="coder_a", code_descriptions=desc, n_boot=200, seed=seed,
                    model=model)
    full["seconds"] = round(time.perf_counter() - t0, 1)
    return {"n_answers": len(units), "n_test": len(test), "embedding_seconds": round(t_emb, 1),
            "metric": "pooled binary Cohen kappa vs coder_b (trained on coder_a)",
            "coder_a_vs_coder_b_on_test": humans, "learning_curve": curve, "evaluate_5fold": full}


def main(argv: list[str] | None = None) -> int:
    from twoknow_text.embedding import Embedder

    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-stackoverflow", action="store_true")
    args = ap.parse_args(argv)
    embedder = Embedder(cache_dir=CACHE)
    out: dict = {"embedder": embedder.model_id}
    if not args.skip_stackoverflow and DATA.exists():
        out["stackoverflow"] = stackoverflow(embedder)
    out["sample"] = sample(embedder)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
