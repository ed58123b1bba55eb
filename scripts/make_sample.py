#!/usr/bin/env python
"""Regenerate the bundled synthetic sample (seeded, deterministic).

    .venv/bin/python scripts/make_sample.py            # writes src/twoknow_text/data/sample/
    .venv/bin/python scripts/make_sample.py --out /tmp/s --respondents 200 --seed 1

The same seed always writes the same files. See the SOURCE.md beside them.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

from twoknow_text.synth import SAMPLE_RESPONDENTS, SAMPLE_SEED, write_sample

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src" / "twoknow_text" / "data" / "sample"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    ap.add_argument("--respondents", type=int, default=SAMPLE_RESPONDENTS)
    ap.add_argument("--seed", type=int, default=SAMPLE_SEED)
    ap.add_argument("--no-plant", action="store_true", help="skip planting identifiers (step 2)")
    args = ap.parse_args()
    survey, truth = write_sample(args.out, args.respondents, args.seed, plant=not args.no_plant)
    for p in (survey, truth):
        digest = hashlib.sha256(p.read_bytes()).hexdigest()[:16]
        print(f"wrote {p} ({p.stat().st_size:,} bytes, sha256 {digest}...)")


if __name__ == "__main__":
    main()
