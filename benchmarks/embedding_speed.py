"""Embedding speed: torch fp32 (the reference) against torch bf16 and the ONNX Runtime backends.

Data: the 4,549 synthetic survey answers `benchmarks/themes_scale.py` feeds
`twoknow themes` (3,252 distinct, about 13.5 words each), embedded once each
as the Embedder does. Agreement is also reported on 30 very short answers
(1-4 words), where int8 is weakest, and on 300 longer synthetic answers
(60-150 words).

For each backend, in one process, interleaved (A, B, C, A, B, C: the machine
is shared, so load drifts hit all alike): sentences/s (median), the ratio to
torch fp32 by wall time and by CPU time (`time.process_time`, less sensitive
to other jobs), and the cosine of each vector to its torch fp32 twin (mean,
min). Separately: cold load in a fresh process (imports + model from disk,
what a CLI run pays; ONNX with its export already cached), the one-off ONNX
export + quantisation time, and a cached re-run.

The bar (issue 3): a faster backend ships if it is >= 1.8x torch fp32 with
mean cosine >= 0.99 on all answers AND on the very short ones.

Run: ``nice .venv/bin/python benchmarks/embedding_speed.py [--repeats 2]``
Writes ``benchmarks/results/embedding.json``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "results" / "embedding.json"
QCOLS = ["q1_led_to_it", "q2_made_easier", "q3_situations", "q4_stops_you"]

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

BACKENDS = {"torch-fp32": "torch", "torch-bf16": "torch-bf16", "onnx-int8-v2": "onnx", "onnx-fp32": "onnx-fp32",
            "onnx-int8-v1": "onnx-int8-v1"}


def survey_answers(n: int = 4549) -> list[str]:
    """The answers of the `themes_scale.py` input of size n (same generator, same seed)."""
    import pandas as pd

    sys.path.insert(0, str(REPO / "benchmarks"))
    from themes_scale import make_input

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        make_input(n, path)
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return [t for c in QCOLS for t in df[c].tolist() if t.strip()]


def long_answers(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = [rng.choice(_PARTS) for _ in range(rng.randint(5, 10))]
        out.append(". ".join(p[0].upper() + p[1:] for p in parts) + ".")
    return out


def cold_load(backend: str, cache_dir: Path) -> dict[str, float]:
    """Import + load in a fresh process: what a CLI run pays before its first batch."""
    code = (
        "import time, sys; t = time.perf_counter(); c = time.process_time()\n"
        "from twoknow_text.embedding import Embedder\n"
        f"e = Embedder(backend={backend!r}, cache_dir={str(cache_dir)!r}); e.load(); e.encode(['warm up'])\n"
        "print(time.perf_counter() - t, time.process_time() - c, 'torch' in sys.modules)\n"
    )
    env = dict(os.environ, ORT_DISABLE_TELEMETRY="1")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    wall, cpu, torch_imported = res.stdout.split()[-3:]
    return {"wall_s": round(float(wall), 2), "cpu_s": round(float(cpu), 2), "imports_torch": torch_imported == "True"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--answers", type=int, default=4549)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--backends", default=",".join(BACKENDS), help="labels from: " + ", ".join(BACKENDS))
    ap.add_argument("--one-thread-every", type=int, default=3, help="single-thread comparison on every k-th text")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)

    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    from twoknow_text._io import write_json
    from twoknow_text.embedding import Embedder, bf16_is_fast, bf16_supported

    load_before = [round(x, 2) for x in os.getloadavg()]
    answers = survey_answers(args.answers)
    texts = list(dict.fromkeys(answers))  # the Embedder embeds each distinct text once
    n = len(texts)
    words = sum(len(t.split()) for t in answers) / len(answers)
    longs = long_answers(300)
    tmp = Path(tempfile.mkdtemp(prefix="twoknow-embed-bench-"))
    labels = [b for b in args.backends.split(",") if b]
    if "torch-bf16" in labels and not bf16_supported():
        labels.remove("torch-bf16")  # emulated bf16 is slower than fp32 and not a backend anyone should pick
        print("  torch-bf16 skipped: this CPU has no native bf16", file=sys.stderr)

    # One-off export + quantisation into a fresh cache, timed apart from encoding.
    export: dict[str, float] = {}
    for label in labels:
        t0 = time.perf_counter()
        backend = Embedder(backend=BACKENDS[label], cache_dir=tmp / "artifacts").load()
        export[label] = round(getattr(backend, "export_seconds", 0.0), 2)
        print(f"  loaded {label} ({time.perf_counter() - t0:.1f} s, export {export[label]} s)", file=sys.stderr)
    cold = {label: cold_load(BACKENDS[label], tmp / "artifacts") for label in labels}

    def compare(subset: list[str], threads: int) -> list[dict]:
        """Interleaved timing of every backend on ``subset`` with ``threads`` threads, plus agreement."""
        embedders = {}
        for label in labels:
            emb = Embedder(backend=BACKENDS[label], batch_size=32, cache_dir=tmp / "artifacts", num_threads=threads)
            emb._get_cache = lambda: None  # time the model, not the embedding cache  # noqa: E731
            emb.encode(subset[:64])  # warm-up
            embedders[label] = emb
        m = len(subset)
        times: dict[str, list[float]] = {k: [] for k in labels}
        cpu: dict[str, list[float]] = {k: [] for k in labels}
        vecs: dict[str, np.ndarray] = {}
        for r in range(args.repeats):
            for label in labels:
                c0, t0 = time.process_time(), time.perf_counter()
                vecs[label] = embedders[label].encode(subset)
                times[label].append(time.perf_counter() - t0)
                cpu[label].append(time.process_time() - c0)
                print(f"  {threads} thread(s), repeat {r + 1}: {label:13s} {m / times[label][-1]:7.1f} sentences/s  "
                      f"(load average {os.getloadavg()[0]:.1f})", file=sys.stderr)
        ref = vecs["torch-fp32"]
        ref_short = embedders["torch-fp32"].encode(SHORT_ANSWERS)
        ref_long = embedders["torch-fp32"].encode(longs)
        fp32_wall = statistics.median(times["torch-fp32"])
        fp32_cpu = statistics.median(cpu["torch-fp32"])
        rows = []
        for label in labels:
            emb = embedders[label]
            cos = np.sum(ref * vecs[label], axis=1)
            cos_short = np.sum(ref_short * emb.encode(SHORT_ANSWERS), axis=1)
            cos_long = np.sum(ref_long * emb.encode(longs), axis=1)
            wall, cpu_s = statistics.median(times[label]), statistics.median(cpu[label])
            ratio, cpu_ratio = fp32_wall / wall, fp32_cpu / cpu_s
            passes = bool(ratio >= 1.8 and cpu_ratio >= 1.8 and cos.mean() >= 0.99 and cos_short.mean() >= 0.99)
            rows.append({
                "backend": label,
                "registered_name": emb.backend_name,
                "model_id": emb.model_id,
                "threads": threads,
                "n_texts": m,
                "sentences_per_s": round(m / wall, 1),
                "encode_wall_s": round(wall, 2),
                "encode_cpu_s": round(cpu_s, 2),
                "wall_ratio_to_torch_fp32": round(ratio, 2),
                "cpu_ratio_to_torch_fp32": round(cpu_ratio, 2),
                "cosine_mean": round(float(cos.mean()), 4),
                "cosine_min": round(float(cos.min()), 4),
                "short_answers_cosine_mean": round(float(cos_short.mean()), 4),
                "short_answers_cosine_min": round(float(cos_short.min()), 4),
                "long_answers_cosine_mean": round(float(cos_long.mean()), 4),
                "long_answers_cosine_min": round(float(cos_long.min()), 4),
                "cold_load": cold[label],
                "export_s_first_run_only": export[label],
                "passes_bar": label == "torch-fp32" or passes,
            })
        return rows

    rows = compare(texts, 2)
    for row in rows:
        row["embed_step_estimate_s"] = round(row["cold_load"]["wall_s"] + row["encode_wall_s"], 1)
    # One thread each: no OpenMP threads spinning against other jobs, so the
    # CPU-time ratio is closest to what a quiet machine shows.
    rows_1 = compare(texts[:: args.one_thread_every], 1)

    # Disk cache: a first run fills it, a second run reads everything back.
    fast = "onnx-int8-v2" if "onnx-int8-v2" in labels else "torch-fp32"
    first = Embedder(backend=BACKENDS[fast], cache_dir=tmp / "artifacts")
    t_first = time.perf_counter()
    first.encode(texts)
    t_first = time.perf_counter() - t_first
    first.close()
    again = Embedder(backend=BACKENDS[fast], cache_dir=tmp / "artifacts")
    t_second = time.perf_counter()
    again.encode(answers)
    t_second = time.perf_counter() - t_second
    cache = {"backend": fast, "first_run_s": round(t_first, 2), "cached_run_s": round(t_second, 3),
             "cached_run_model_calls": again.n_model_calls, "speedup": round(t_first / t_second, 1)}

    auto = Embedder(backend="auto", cache_dir=tmp / "artifacts")
    auto_choice = auto.model_id.rsplit("/", 1)[-1]
    load_after = [round(x, 2) for x in os.getloadavg()]

    print(f"\nEmbedding {n} distinct survey answers (of {len(answers)}, {words:.1f} words each), batch 32, "
          f"median of {args.repeats} interleaved repeats; load average {load_before[0]} -> {load_after[0]}")
    for title, table in (("2 threads", rows), ("1 thread", rows_1)):
        print(f"-- {title}, {table[0]['n_texts']} texts")
        print(f"{'backend':13s} {'sent/s':>7s} {'wall x':>6s} {'cpu x':>6s} {'cos mean/min':>14s} {'short mean/min':>15s} "
              f"{'long mean':>9s} {'cold load s':>11s} {'export s':>8s}  bar")
        for row in table:
            print(f"{row['backend']:13s} {row['sentences_per_s']:7.1f} {row['wall_ratio_to_torch_fp32']:6.2f} "
                  f"{row['cpu_ratio_to_torch_fp32']:6.2f} {row['cosine_mean']:7.4f}/{row['cosine_min']:.4f} "
                  f"{row['short_answers_cosine_mean']:8.4f}/{row['short_answers_cosine_min']:.4f} "
                  f"{row['long_answers_cosine_mean']:9.4f} {row['cold_load']['wall_s']:11.2f} "
                  f"{row['export_s_first_run_only']:8.2f}  {row['passes_bar']}")
    print(f"backend='auto' on this machine: {auto_choice}")
    print(f"cache ({fast}): first run {cache['first_run_s']} s, re-run of all {len(answers)} answers "
          f"{cache['cached_run_s']} s ({cache['cached_run_model_calls']} model calls)")

    write_json({
        "benchmark": "embedding_speed",
        "data": "themes_scale.py synthetic survey answers",
        "n_answers": len(answers),
        "n_distinct_embedded": n,
        "mean_words": round(words, 1),
        "repeats": args.repeats,
        "batch_size": 32,
        "cpu": platform.processor() or platform.machine(),
        "cpu_bf16_native": bf16_supported(),
        "cpu_amx": bf16_is_fast(),
        "n_cpus": os.cpu_count(),
        "load_average_1_5_15_before": load_before,
        "load_average_1_5_15_after": load_after,
        "backends": rows,
        "backends_1_thread": rows_1,
        "cache": cache,
        "auto_backend_here": auto_choice,
        "bar": "ships if >= 1.8x torch fp32 (wall and CPU) with mean cosine >= 0.99 on all answers and on very short ones",
    }, args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
