"""Embedding speed: torch fp32 (the reference) against the faster backends.

Data: 2,000 StackOverflow titles from ``../shared/bench/stackoverflow20k``
(short, like most survey answers) plus 300 longer synthetic answers
(60-150 words, clinical and non-graphic). For each backend: sentences/s
(median of interleaved repeats, same process, same data), the ratio to
fp32 by wall time and by CPU time, and the cosine of each vector to its fp32 twin (mean and min).
Agreement is also reported on 30 very short answers (1-4 words), where
int8 is weakest. Also: length-sorted batches vs input order, the backend
``"auto"`` picks here, and a cached re-run.

Run: ``nice .venv/bin/python benchmarks/embedding_speed.py [--repeats 3]``
Writes ``benchmarks/results/embedding.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SO_CSV = REPO.parent / "shared" / "bench" / "stackoverflow20k" / "stackoverflow20k.csv"
OUT = REPO / "benchmarks" / "results" / "embedding.json"

_PARTS = [
    "I started spending most evenings alone after I moved for a new job",
    "work was stressful and I slept badly for months",
    "at first it was curiosity and then it turned into a habit I could not control",
    "using a VPN and private browsing made me feel that nobody would ever know",
    "I was drinking more than usual during that period",
    "the fear of being caught was always there in the background",
    "I felt guilty and ashamed afterwards, every time",
    "when a warning message appeared I closed everything and did not go back for weeks",
    "I wanted to talk to a therapist but I was afraid of what would happen if I did",
    "boredom and loneliness late at night were the main triggers",
    "a breakup and losing my job happened in the same year",
    "I kept telling myself that it would stop on its own",
    "thinking about the people who are harmed made me stop",
    "I found a helpline that was anonymous and that made it possible to ask for help",
]


# Very short answers, the weak spot of int8: checked for agreement only.
SHORT_ANSWERS = [
    "No.", "Yes", "Not sure", "Loneliness", "Stress", "I don't know", "Curiosity", "Guilt.", "Boredom",
    "Fear of getting caught", "Nothing", "Alcohol", "Work stress", "Being alone", "My family", "Shame",
    "A warning page", "Therapy helped", "VPN", "Too easy to find", "Depression", "Anxiety", "Nobody to talk to",
    "Divorce", "Lost my job", "Habit", "Late at night", "Empathy", "The helpline", "n/a",
]


def load_texts(n_short: int, n_long: int, seed: int = 0) -> list[str]:
    import pandas as pd

    rng = random.Random(seed)
    titles = pd.read_csv(SO_CSV)["text"].astype(str).tolist()
    short = rng.sample(titles, n_short)
    long = []
    for _ in range(n_long):
        k = rng.randint(5, 10)
        parts = [rng.choice(_PARTS) for _ in range(k)]
        long.append(". ".join(p[0].upper() + p[1:] for p in parts) + ".")
    texts = short + long
    rng.shuffle(texts)
    return texts


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def timed_cpu(fn, *args):
    """Wall and CPU seconds: CPU time is less sensitive to other jobs on a shared machine."""
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, time.process_time() - c0, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--short", type=int, default=2000)
    ap.add_argument("--long", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)

    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    import torch

    from twoknow_text._io import write_json
    from twoknow_text.embedding import Embedder, bf16_supported, normalize_rows

    texts = load_texts(args.short, args.long)
    n = len(texts)
    tmp = Path(tempfile.mkdtemp(prefix="twoknow-embed-bench-"))
    candidates = {"torch-fp32": "torch", "torch-bf16": "torch-bf16", "onnx-int8": "onnx"}
    if not bf16_supported():
        candidates.pop("torch-bf16")
    embedders: dict[str, Embedder] = {}
    load_s: dict[str, float] = {}
    for label, backend in candidates.items():
        emb = Embedder(backend=backend, batch_size=32, cache_dir=tmp / "artifacts")
        emb._get_cache = lambda: None  # time the model, not the cache  # noqa: E731
        load_s[label], _ = timed(emb.load)
        emb.encode(texts[:64])  # warm-up
        embedders[label] = emb

    times: dict[str, list[float]] = {k: [] for k in embedders}
    cpu: dict[str, list[float]] = {k: [] for k in embedders}
    vecs: dict[str, np.ndarray] = {}
    for r in range(args.repeats):
        for label, emb in embedders.items():  # interleaved: load drifts hit all alike
            dt, ct, v = timed_cpu(emb.encode, texts)
            times[label].append(dt)
            cpu[label].append(ct)
            vecs[label] = v
            print(f"  repeat {r + 1}: {label:11s} {n / dt:7.1f} sentences/s", file=sys.stderr)

    ref = vecs["torch-fp32"]
    fp32_rate = n / statistics.median(times["torch-fp32"])
    fp32_cpu = statistics.median(cpu["torch-fp32"])
    short_ref = embedders["torch-fp32"].encode(SHORT_ANSWERS)
    rows = []
    for label in embedders:
        cos = np.sum(normalize_rows(ref) * normalize_rows(vecs[label]), axis=1)
        short_cos = np.sum(short_ref * embedders[label].encode(SHORT_ANSWERS), axis=1)
        rate = n / statistics.median(times[label])
        ratio = rate / fp32_rate
        rows.append(
            {
                "backend": label,
                "model_id": embedders[label].model_id,
                "sentences_per_s": round(rate, 1),
                "ratio_to_fp32": round(ratio, 2),
                "cosine_mean": round(float(cos.mean()), 4),
                "cosine_min": round(float(cos.min()), 4),
                "cpu_s": round(statistics.median(cpu[label]), 2),
                "cpu_ratio_to_fp32": round(fp32_cpu / statistics.median(cpu[label]), 2),
                "short_answers_cosine_mean": round(float(short_cos.mean()), 4),
                "short_answers_cosine_min": round(float(short_cos.min()), 4),
                "load_s": round(load_s[label], 2),
                "passes_bar": bool(label == "torch-fp32" or (ratio >= 1.8 and cos.mean() >= 0.99)),
            }
        )

    # Length sorting: the same backend fed batches in input order.
    fp32 = embedders["torch-fp32"].load()
    def unsorted() -> None:
        for i in range(0, n, 32):
            fp32.encode(texts[i : i + 32])
    t_unsorted = statistics.median([timed(unsorted)[0] for _ in range(max(1, args.repeats - 1))])
    sorting = {
        "sorted_sentences_per_s": round(fp32_rate, 1),
        "input_order_sentences_per_s": round(n / t_unsorted, 1),
        "ratio": round(fp32_rate / (n / t_unsorted), 2),
    }

    auto = Embedder(backend="auto", cache_dir=tmp / "artifacts")
    auto_choice = auto.model_id.rsplit("/", 1)[-1]

    # Disk cache: a first run fills it, a second run reads everything back.
    cached = Embedder(backend="torch", cache_dir=tmp / "cache")
    t_first, _ = timed(cached.encode, texts)
    cached.close()
    again = Embedder(backend="torch", cache_dir=tmp / "cache")
    t_second, _ = timed(again.encode, texts)
    cache = {
        "first_run_s": round(t_first, 2),
        "cached_run_s": round(t_second, 3),
        "cached_run_model_calls": again.n_model_calls,
        "speedup": round(t_first / t_second, 1),
    }

    print(f"\nEmbedding {n} texts ({args.short} StackOverflow titles + {args.long} long synthetic answers), "
          f"{torch.get_num_threads()} torch threads, median of {args.repeats}")
    print(f"{'backend':12s} {'sent/s':>8s} {'ratio':>6s} {'cpu ratio':>9s} {'cos mean':>9s} {'cos min':>8s} "
          f"{'short mean/min':>15s} {'load s':>7s}  ships")
    for row in rows:
        print(f"{row['backend']:12s} {row['sentences_per_s']:8.1f} {row['ratio_to_fp32']:6.2f} {row['cpu_ratio_to_fp32']:9.2f} "
              f"{row['cosine_mean']:9.4f} {row['cosine_min']:8.4f} "
              f"{row['short_answers_cosine_mean']:7.4f}/{row['short_answers_cosine_min']:.4f} {row['load_s']:7.2f}  {row['passes_bar']}")
    print(f"backend='auto' on this machine: {auto_choice}")
    print(f"length-sorted batches vs input order (fp32): {sorting['ratio']:.2f}x")
    print(f"cache: first run {cache['first_run_s']} s, re-run {cache['cached_run_s']} s "
          f"({cache['cached_run_model_calls']} model calls, {cache['speedup']}x)")

    result = {
        "benchmark": "embedding_speed",
        "n_texts": n,
        "n_short": args.short,
        "n_long": args.long,
        "repeats": args.repeats,
        "batch_size": 32,
        "torch_threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
        "bf16_supported": bf16_supported(),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "backends": rows,
        "length_sorting": sorting,
        "cache": cache,
        "auto_backend_here": auto_choice,
        "bar": "a faster backend ships if >= 1.8x fp32 with mean cosine >= 0.99",
    }
    write_json(result, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
