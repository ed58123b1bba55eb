"""Build the compact common-word lists the residual-risk score reads.

For each survey language wordfreq covers, the words with a Zipf frequency of
at least ``--min-zipf`` (default 3.0: once per million words or more), most
frequent first, at most ``--max-words``, one per line, gzipped into
``src/twoknow_text/data/common_words/<lang>.txt.gz``. wordfreq's full tables
take ~40 MB of memory per language; these lists take 2-6 MB loaded and are
read only for the languages an input holds. Estonian is not in wordfreq: it
has no list (the score then skips the rarity evidence for it).

Run: ``.venv/bin/python scripts/build_common_words.py`` (wordfreq needed at
build time only).
"""

from __future__ import annotations

import argparse
import gzip
import math
import sys
from pathlib import Path

LANGUAGES = ("en", "fi", "sv", "de", "fr", "es", "nl", "it", "pt", "da", "nb", "pl", "et", "lv", "lt", "ru")
OUT = Path(__file__).resolve().parents[1] / "src" / "twoknow_text" / "data" / "common_words"
sys.path.insert(0, str(OUT.parents[2]))


def main() -> None:
    import wordfreq

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-zipf", type=float, default=3.0)
    ap.add_argument("--max-words", type=int, default=60000)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    have = wordfreq.available_languages()
    every: set[str] = set()
    for lang in LANGUAGES:
        if lang not in have:
            print(f"{lang}: not in wordfreq, skipped")
            continue
        freqs = wordfreq.get_frequency_dict(lang)
        floor = 10 ** (args.min_zipf - 9)
        words = [w for w, f in sorted(freqs.items(), key=lambda kv: -kv[1]) if f >= floor and "\n" not in w]
        words = words[: args.max_words]
        # gzip with mtime=0: the same wordfreq version gives byte-identical files
        with gzip.GzipFile(OUT / f"{lang}.txt.gz", "wb", mtime=0) as fh:
            fh.write(("\n".join(words) + "\n").encode("utf-8"))
        print(f"{lang}: {len(words)} words (zipf >= {args.min_zipf}, lowest {math.log10(freqs[words[-1]]) + 9:.2f})")
        every.update(words)
    # one sorted array of 32-bit hashes of every word common in some survey language:
    # "is this lowercase word common *anywhere*?" for the foreign-word evidence (2.4 MB, not 150 MB of sets)
    import numpy as np

    from twoknow_text.deid.risk import word_hash32

    hashes = np.unique(np.array([word_hash32(w) for w in every], dtype=np.uint32))
    hashes.astype("<u4").tofile(OUT / "any_language.u32")
    print(f"any_language.u32: {len(hashes)} hashes")


if __name__ == "__main__":
    main()
