"""Simulate three coders' annotations of the bundled sample (seeded).

Reads the sample's truth file (``survey_sample_truth.csv``: ``response_id,
code_ids`` with codes separated by ``;``) and writes the tidy table
``src/twoknow_text/data/sample/simulated_codings.csv`` (``response_id, coder,
code, category``) that the notebook and tests use when no Label Studio server
runs.

The disagreement is built to look like real coding, not noise:

- each coder has her own miss rate (forgets a code that applies), confusion
  rate (applies a neighbouring code instead) and false-positive rate (adds a
  code that does not apply);
- confusions follow the codebook's own exclusion rules and near-misses
  (e.g. curiosity vs sensation seeking, stress vs life events), so the
  codes the codebook warns about are the ones coders mix up;
- a few codes are harder than the rest (the "other" codes and two codes with
  fuzzy boundaries), so their agreement falls below the usual threshold and
  the revision step has something to flag;
- an answer with no code from a coder gets one row with an empty code (the
  coder saw it and found nothing that applies).

By default only the first 500 respondents' answers are coded (about 1,950
answers, like a double-coded subset), which keeps the bundled file small.

Usage: ``python scripts/simulate_codings.py [--truth PATH] [--out PATH] [--seed 7] [--respondents 500]``
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from twoknow_text._io import write_table  # noqa: E402
from twoknow_text.codebook import load_codebook  # noqa: E402

DEFAULT_TRUTH = ROOT / "src" / "twoknow_text" / "data" / "sample" / "survey_sample_truth.csv"
DEFAULT_OUT = ROOT / "src" / "twoknow_text" / "data" / "sample" / "simulated_codings.csv"

# coder: (miss, confuse, false positive per answer)
CODERS = {
    "coder_a": (0.03, 0.03, 0.01),
    "coder_b": (0.05, 0.05, 0.02),
    "coder_c": (0.08, 0.07, 0.03),
}
# error multipliers for codes with fuzzy boundaries
HARD = {
    "mot_other": 3.5,
    "fac_other": 3.5,
    "sit_other": 3.5,
    "bar_other": 3.5,
    "mot_high_sex_drive": 2.5,
    "mot_sensation_seeking": 2.5,
}


def confusion_map(cb) -> dict[str, list[str]]:
    """Neighbouring codes named in each code's exclusion rules and near-misses."""
    out: dict[str, list[str]] = {}
    for code in cb.codes:
        refs: list[str] = []
        for text in [*code.exclusion, *code.near_misses]:
            for ref in re.findall(r"\b((?:mot|fac|sit|bar)_[a-z_]+)\b", text):
                if ref != code.id and ref in cb and ref not in refs:
                    refs.append(ref)
        if not refs:  # fall back to the other codes of the same category
            refs = [c.id for c in cb.codes_in(code.category) if c.id != code.id]
        out[code.id] = refs
    return out


def simulate(truth: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    cb = load_codebook()
    cat_of = cb.category_of()
    neighbours = confusion_map(cb)
    all_codes = [c.id for c in cb.codes]
    # false positives favour common codes, as tired coders do
    counts = pd.Series([c for s in truth["code_ids"] for c in str(s).split(";") if c]).value_counts()
    weights = np.array([counts.get(c, 0) + 5 for c in all_codes], dtype=float)
    weights /= weights.sum()
    rng = np.random.default_rng(seed)
    rows = []
    for rid, codes_str in zip(truth["response_id"], truth["code_ids"], strict=True):
        true_codes = [c for c in str(codes_str).split(";") if c and c in cat_of]
        for coder, (p_miss, p_conf, p_fp) in CODERS.items():
            applied: list[str] = []
            for c in true_codes:
                m = HARD.get(c, 1.0)
                u = rng.random()
                if u < p_miss * m:
                    continue
                if u < (p_miss + p_conf) * m:
                    applied.append(str(rng.choice(neighbours[c])))
                else:
                    applied.append(c)
            if rng.random() < p_fp:
                applied.append(str(rng.choice(all_codes, p=weights)))
            applied = list(dict.fromkeys(applied))
            if applied:
                rows += [(rid, coder, c, cat_of[c]) for c in applied]
            else:
                rows.append((rid, coder, "", ""))
    return pd.DataFrame(rows, columns=["response_id", "coder", "code", "category"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truth", type=Path, default=DEFAULT_TRUTH)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--respondents", type=int, default=500,
        help="Code the answers of the first N respondents only (0 = all), as a team double-codes a subset.",
    )
    args = ap.parse_args(argv)
    truth = pd.read_csv(args.truth, dtype=str, keep_default_na=False)
    if args.respondents:
        resp = truth["response_id"].str.rsplit(":", n=1).str[0]
        keep = sorted(set(resp))[: args.respondents]
        truth = truth[resp.isin(set(keep))]
    df = simulate(truth, args.seed)
    write_table(df, args.out)
    print(f"wrote {args.out}: {len(df)} rows, {df['response_id'].nunique()} answers, coders {sorted(set(df['coder']))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
