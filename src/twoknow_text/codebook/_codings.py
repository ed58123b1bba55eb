"""The tidy coding table shared by the exports and the report.

One row per (response, coder, code): ``response_id, coder, code`` plus an
optional ``category``. A row with an empty ``code`` means the coder saw the
answer and applied no code; it counts the answer as coded, with no code.

The Label Studio pull (``twoknow_text.annotation.pull``) adds columns; two
of them matter here: rows with ``source == "prediction"`` (model
pre-annotations, coder ``model:...``) and rows with ``status`` ``cancelled``
or ``unfinished`` are not a person's coding and are left out.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import pandas as pd

from .._io import read_table_file
from ..errors import CodebookError
from ._model import Codebook

__all__ = ["CODING_COLUMNS", "read_codings", "check_codings", "simulated_codings_path"]

CODING_COLUMNS = ("response_id", "coder", "code", "category")


def simulated_codings_path() -> Path:
    """Bundled simulated codes of three coders for the sample's first 500 respondents.

    Made by ``scripts/simulate_codings.py`` from the sample's truth file, with
    coder-specific misses, confusions along the codebook's near-misses and
    false positives; used by the quickstart notebook when no Label Studio
    server runs.
    """
    return Path(str(resources.files("twoknow_text") / "data" / "sample" / "simulated_codings.csv"))


def read_codings(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a tidy coding table (CSV or Parquet) as strings."""
    return read_table_file(path)


def check_codings(
    codings: pd.DataFrame,
    codebook: Codebook | None = None,
    *,
    known_ids: set[str] | None = None,
    on_unknown: str = "error",
) -> pd.DataFrame:
    """Validate and normalise a coding table.

    Returns a copy with string columns ``response_id, coder, code, category``
    (category filled from the codebook; empty code = coded with no code),
    duplicates removed. Codes not in the codebook are an error (E751) or,
    with ``on_unknown="drop"``, left out (their answers still count as
    coded), e.g. when reporting with a final codebook that dropped
    unreliable codes. Response ids not in ``known_ids`` are an error (E752).
    """
    if on_unknown not in ("error", "drop"):
        raise CodebookError("E751", f"The 'on_unknown' parameter must be 'error' or 'drop'. Got {on_unknown!r} instead.")
    missing = [c for c in ("response_id", "coder", "code") if c not in codings.columns]
    if missing:
        raise CodebookError(
            "E750", f"Coding table lacks column(s) {', '.join(missing)}; expected response_id, coder, code[, category]."
        )
    df = codings.copy()
    if "source" in df.columns:
        df = df[~df["source"].astype(str).isin(["prediction"])]
    if "status" in df.columns:
        df = df[~df["status"].astype(str).isin(["cancelled", "unfinished"])]
    if "category" not in df.columns:
        df["category"] = ""
    df = df[list(CODING_COLUMNS)]
    for c in CODING_COLUMNS:
        df[c] = df[c].astype(object).where(df[c].notna(), "").astype(str).str.strip()
    if (df["response_id"] == "").any():
        row = int((df["response_id"] == "").to_numpy().argmax())
        raise CodebookError("E750", f"Coding table row {row + 2} has an empty response_id.")
    if (df["coder"] == "").any():
        row = int((df["coder"] == "").to_numpy().argmax())
        raise CodebookError("E750", f"Coding table row {row + 2} has an empty coder.")
    if codebook is not None:
        cat_of = codebook.category_of()
        coded = df["code"] != ""
        unknown = sorted(set(df.loc[coded, "code"]) - set(cat_of))
        if unknown and on_unknown == "drop":
            # keep the answer as coded (empty code) so denominators do not shrink
            df.loc[coded & df["code"].isin(unknown), ["code", "category"]] = ""
            coded = df["code"] != ""
        elif unknown:
            raise CodebookError(
                "E751", f"Coding table uses code(s) not in codebook '{codebook.name}': {', '.join(unknown[:10])}."
            )
        df.loc[coded, "category"] = df.loc[coded, "code"].map(cat_of)
    if known_ids is not None:
        stray = sorted(set(df["response_id"]) - known_ids)
        if stray:
            raise CodebookError(
                "E752",
                f"{len(stray)} response_id(s) in the coding table are not in the corpus, e.g. {', '.join(stray[:5])}.",
            )
    return df.drop_duplicates().reset_index(drop=True)
