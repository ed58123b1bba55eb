"""Wall time and peak RSS of whole `twoknow themes` runs at 4,549 / 20,000 / 100,000 answers.

Each run is a fresh process (`/usr/bin/time -v` when present, else
`resource.getrusage` of the child), so imports, model loading and any numba
compiling are included ("cold"). Synthetic answers come from
`twoknow_text.synth` (the generator of the bundled sample), written as a wide
CSV like a survey export. For each size:

- `full`: read → de-identify → embed → themes → outputs (the real command);
- `full, onnx`: the same with the ONNX int8 embedding backend (opt-in);
- `already-deidentified`: without the de-identification step (isolates themes);
- at the first size only, `full, empty numba cache` (see below) and `full, umap-learn`: the same run with umap-learn as
  the reducer instead of `themes/_layout.py` (the alternative, same run).

Runs use the CLI's numba cache (`~/.cache/twoknow_text/numba`), which
`make install` fills once (`python -m twoknow_text.themes._layout`); the
`full, empty numba cache` row (first size only) starts from an empty cache:
what the very first run after a bare `pip install` pays.

Targets (2-core machine): 4,549 answers <= 45 s cold incl. model load and <= 2 GB;
100,000 <= 10 min and <= 6 GB.

Usage: python benchmarks/themes_scale.py [--sizes 4549,20000,100000] [--skip-full-above N] [--modes full,onnx,...]
Writes benchmarks/results/themes_scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "themes_scale.json"
TWOKNOW = Path(sys.executable).with_name("twoknow")
#: modes that differ from the default run by one config line
MODE_CONFIG = {"onnx": "backend: onnx\n", "torch": "backend: torch\n", "bf16": "backend: torch-bf16\n",
               "umap-learn": "reducer: umap-learn\n", "one-process": "parallel_deid: false\n",
               "torch-one-process": "backend: torch\nparallel_deid: false\n"}
QCOLS = ["q1_led_to_it", "q2_made_easier", "q3_situations", "q4_stops_you"]


def make_input(n_answers: int, path: Path, seed: int = 7) -> int:
    """Write a wide CSV with about ``n_answers`` non-empty answers; returns the exact count."""
    from twoknow_text.synth import generate_survey

    per = 3.9  # answers per respondent in the generator (some are left empty)
    survey, _ = generate_survey(int(n_answers / per * 1.05) + 10, seed, plant=True)
    long = survey.melt(id_vars=[c for c in survey.columns if c not in QCOLS], value_vars=QCOLS)
    long = long[long["value"].astype(str).str.strip().ne("") & long["value"].notna()]
    keep = long.iloc[:n_answers]
    # back to wide, keeping only the kept answers
    wide = keep.pivot_table(index=[c for c in survey.columns if c not in QCOLS], columns="variable", values="value", aggfunc="first").reset_index()
    for q in QCOLS:
        if q not in wide.columns:
            wide[q] = ""
    wide = wide[[c for c in survey.columns]]
    wide.to_csv(path, index=False)
    return int(wide[QCOLS].notna().sum().sum() - (wide[QCOLS] == "").sum().sum())


def timed(cmd: list[str], env: dict[str, str]) -> dict:
    load_before = os.getloadavg()[0]
    t = time.perf_counter()
    timev = Path("/usr/bin/time").exists()
    with tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen(["/usr/bin/time", "-v", *cmd] if timev else cmd, stdout=subprocess.DEVNULL, stderr=err, env=env, text=True)
        tree_mb = _peak_tree_rss_mb(p)  # the run's processes together (the de-identification worker included)
        err.seek(0)
        stderr = err.read()
    wall = time.perf_counter() - t
    if timev:
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
        rss_mb = int(m.group(1)) / 1024 if m else None
        # CPU seconds too: on a shared machine wall time depends on the load, CPU time much less
        cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", stderr)) or None
    else:
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        rss_mb = ru.ru_maxrss / 1024
        cpu = ru.ru_utime + ru.ru_stime
    if p.returncode != 0:
        print(stderr[-3000:], file=sys.stderr)
    peak = max(x for x in (tree_mb, rss_mb, 0) if x is not None)
    return {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1) if cpu else None, "peak_rss_mb": round(peak, 0) or None,
            "peak_rss_largest_process_mb": round(rss_mb, 0) if rss_mb else None,
            "load_avg_before": round(load_before, 1), "returncode": p.returncode}


def _peak_tree_rss_mb(p: subprocess.Popen) -> float | None:
    """Wait for ``p``; return the peak of the summed RSS of it and all its descendants (sampled every 50 ms).

    ``/usr/bin/time`` reports only the largest single process, which would
    hide the de-identification worker that runs beside the main process.
    """
    try:
        import psutil
    except ImportError:
        p.wait()
        return None
    peak = 0
    root = psutil.Process(p.pid)
    while p.poll() is None:
        total = 0
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            procs = []
        for q in procs:
            try:
                total += q.memory_info().rss
            except psutil.Error:
                pass
        peak = max(peak, total)
        time.sleep(0.05)
    return peak / 2**20


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="4549,20000,100000")
    ap.add_argument("--skip-full-above", type=int, default=10**9, help="skip the de-identifying run above this size")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--modes", default="first-run,full,already-deidentified,onnx,umap-learn")
    ap.add_argument("--append", action="store_true", help="keep rows of other sizes/modes already in the results file")
    args = ap.parse_args(argv)
    modes = args.modes.split(",")
    sizes = [int(s) for s in args.sizes.split(",")]
    scratch = ROOT / "benchmarks" / "results" / "tmp"  # git-ignored; on the same disk as the results
    scratch.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="themes_scale_", dir=scratch))
    # the CLI's own numba cache (~/.cache/twoknow_text/numba), which `make install` fills once
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    rows = []
    kept: list[dict] = []
    if args.append and OUT.is_file():
        kept = json.loads(OUT.read_text()).get("rows", [])
    try:
        for n in sizes:
            inp = work / f"survey_{n}.csv"
            got = make_input(n, inp)
            base = [str(TWOKNOW), "themes", str(inp), "--format", "wide", "--id-col", "respondent_id",
                    *sum((["--text-col", q] for q in QCOLS), []), "--seed", str(args.seed)]
            for mode in modes:
                if mode != "already-deidentified" and n > args.skip_full_above:
                    continue
                if mode in ("umap-learn", "first-run") and n != sizes[0]:
                    continue
                out = work / f"out_{n}_{mode}"
                cmd = base + ["--out", str(out)]
                run_env = env
                if mode == "first-run":  # an empty numba cache: what the very first run after `pip install` pays
                    run_env = {**env, "NUMBA_CACHE_DIR": str(work / "numba_empty")}
                if mode == "already-deidentified":
                    cmd.append("--already-deidentified")
                elif mode in MODE_CONFIG:
                    cfg = work / f"{mode}.yaml"
                    cfg.write_text(MODE_CONFIG[mode], encoding="utf-8")
                    cmd += ["--config", str(cfg)]
                r = timed(cmd, run_env)
                man = json.loads((out / "manifest.json").read_text()) if (out / "manifest.json").is_file() else {}
                label = {"full": "full", "onnx": "full, onnx", "torch": "full, torch fp32", "bf16": "full, torch-bf16",
                         "one-process": "full, one process", "torch-one-process": "full, torch fp32, one process (session 2's default)",
                         "umap-learn": "full, umap-learn",
                         "first-run": "full, empty numba cache"}.get(mode, mode)
                row = {"answers": got, "mode": label, **r, "n_themes": man.get("n_themes"),
                       "outlier_share": man.get("outlier_share"), "timings_s": man.get("timings_s")}
                emb = (man.get("timings_s") or {}).get("embed")
                uniq = (man.get("embedding") or {}).get("n_unique")
                if emb and uniq:
                    row["embed_sentences_per_s"] = round(uniq / emb, 1)
                rows.append(row)
                print(f"{got:>7,} answers  {label:22s} wall {r['wall_s']:7.1f} s  cpu {r['cpu_s'] or 0:7.1f} s  load {r['load_avg_before']}  peak RSS {r['peak_rss_mb'] or 0:7.0f} MB  "
                      f"themes {row['n_themes']}  outliers {row['outlier_share']}  timings {row['timings_s']}", flush=True)
                _write(rows, kept)  # after every run: a long benchmark that is stopped keeps what it measured
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _write(rows, kept)
    print(f"wrote {OUT}")
    return 0


def _write(rows: list[dict], kept: list[dict] = ()) -> None:
    """Write the results; ``kept`` rows (from an earlier run, ``--append``) stay unless this run redid them."""
    done = {(r["answers"], r["mode"]) for r in rows}
    rows = [r for r in kept if (r.get("answers"), r.get("mode")) not in done] + rows
    targets = {"4549": {"wall_s": 45, "peak_rss_mb": 2048}, "100000": {"wall_s": 600, "peak_rss_mb": 6144}}
    result = {"rows": rows, "targets": targets, "cpu_count": os.cpu_count(), "load_avg_at_end": os.getloadavg()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
