"""Atomic output: a file is either complete or absent, never half-written."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd

from .errors import InputError

__all__ = [
    "atomic_path",
    "atomic_open",
    "write_json",
    "write_table",
    "read_table_file",
    "spreadsheet_safe",
    "neutralise_formulas",
    "restore_formulas",
    "unquote_formula",
]

#: A cell starting with one of these is run as a formula (or starts one) when
#: a spreadsheet opens the CSV (OWASP "CSV injection"): =, +, -, @, tab, CR.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it on success.

    On any exception the temporary file is removed and the target is left as
    it was (absent or the previous complete version).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp makes the file 0600; outputs get the user's usual permissions
    # (files that must stay private, like key files, are written elsewhere).
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file for writing; it replaces ``path`` only on success."""
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh


def write_json(obj: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``obj`` as indented UTF-8 JSON, atomically."""
    with atomic_open(path) as fh:
        json.dump(obj, fh, indent=2, ensure_ascii=False, default=str)
        fh.write("\n")
    return Path(path)


def spreadsheet_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, prefixed with ``'``.

    Numbers and other non-text values are returned unchanged (``-0.12`` in a
    numeric column stays a number). ``'`` is what OWASP advises: spreadsheets
    show the cell as text and hide the quote.
    """
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_TRIGGERS):
        # also a cell that already starts with quotes before a trigger, so that
        # unquote_formula gives back exactly what was written
        return "'" + value
    return value


def unquote_formula(value: Any) -> Any:
    """Undo :func:`spreadsheet_safe` on one cell read back."""
    if isinstance(value, str) and value.startswith("'") and value.lstrip("'").startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column names are :func:`spreadsheet_safe`."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(spreadsheet_safe)
    out.columns = [spreadsheet_safe(c) for c in out.columns]
    return out


def restore_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise_formulas` on a table read back (a ``'`` before a trigger dropped)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(unquote_formula)
    out.columns = [unquote_formula(c) for c in out.columns]
    return out


def _csv_quoting(df: pd.DataFrame) -> int:
    """QUOTE_MINIMAL, unless a text cell holds a carriage return.

    Python's csv writer quotes a cell only for the characters of its line
    terminator ("\\n" here), so a lone CR would be written bare and read
    back by a spreadsheet or pandas as a line break: then every text cell is
    quoted (numbers stay bare).
    """
    for col in df.columns:
        text = df[col].dtype == object or pd.api.types.is_string_dtype(df[col].dtype)
        if text and df[col].map(lambda v: isinstance(v, str) and "\r" in v).any():
            return csv.QUOTE_NONNUMERIC
    return csv.QUOTE_MINIMAL


def write_table(df: pd.DataFrame, path: str | os.PathLike[str], *, for_people: bool = False) -> Path:
    """Write a DataFrame as CSV or Parquet, chosen by the extension, atomically.

    ``for_people=True`` marks a table meant to be opened in a spreadsheet
    (themes, frequencies, agreement tables, the codebook): its CSV text cells
    that start with ``=``, ``+``, ``-``, ``@``, a tab or a CR get a leading
    ``'`` (:func:`spreadsheet_safe`), so a spreadsheet shows them instead of
    running them. Data tables (the de-identified answers, codings) keep their
    exact text. :func:`read_table_file` undoes the prefix.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in {".csv", ".parquet", ".pq"}:
        raise InputError(
            "E010", f"Output '{target.name}' must end in .csv or .parquet (got '{suffix or 'no extension'}')."
        )
    with atomic_path(target) as tmp:
        if suffix == ".csv":
            out = neutralise_formulas(df) if for_people else df
            out.to_csv(tmp, index=False, encoding="utf-8", quoting=_csv_quoting(out))
        else:
            df.to_parquet(tmp, index=False)
    return target


def read_table_file(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV or Parquet file this library wrote (not a survey export).

    The ``'`` that :func:`write_table` puts before a formula-like cell of a
    table for people is removed again.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("E001", f"File not found: {p}")
    if not p.is_file():
        raise InputError("E002", f"Not a file: {p}")
    if p.suffix.lower() in {".parquet", ".pq"}:
        try:
            return pd.read_parquet(p)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError and friends
            raise InputError("E008", f"{p.name} is not a readable Parquet file ({type(exc).__name__}).") from None
    return restore_formulas(pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8"))
