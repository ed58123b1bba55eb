"""Atomic output: a file is either complete or absent, never half-written.

A run that writes several files (a table, its report, its manifest) writes
them as one :class:`OutputSet`: each under a hidden temporary name beside its
target (``.twoknow-part-<pid>-<random>.<name>``), then, once every file is
complete, moves them into place together, the manifest last, with Ctrl-C and
SIGTERM held back for those few renames. An interrupted or failed run leaves
none of its files (and no mix with a previous run's). A temporary name left
by a killed process is removed by the next run writing to that folder (only
names of this exact shape whose process is gone; nothing else is touched).
Readers check a set against its manifest's hashes (:func:`verify_output_set`).
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pandas as pd

from .errors import InputError

__all__ = [
    "atomic_open",
    "atomic_path",
    "check_output_paths",
    "clean_stale_parts",
    "neutralise_formulas",
    "output_set",
    "OutputSet",
    "PART_PREFIX",
    "read_table_file",
    "replace_folder",
    "restore_formulas",
    "spreadsheet_safe",
    "unquote_formula",
    "verify_output_set",
    "write_json",
    "write_table",
]

#: A cell starting with one of these is run as a formula (or starts one) when
#: a spreadsheet opens the CSV (OWASP "CSV injection"): =, +, -, @, tab, CR.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

PART_PREFIX = ".twoknow-part-"
_PART_RE = re.compile(r"^\.twoknow-part-(\d+)-[0-9a-f]{8}\.(.+)$")
MIN_FREE_BYTES = 16 << 20  # refuse to start a run on a disk with less room than this


def _part_path(target: Path) -> Path:
    """A hidden temporary name beside ``target`` that :func:`clean_stale_parts` recognises."""
    return target.parent / f"{PART_PREFIX}{os.getpid()}-{secrets.token_hex(4)}.{target.name}"


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def clean_stale_parts(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary files/folders that a killed twoknow run left in ``folder``; returns them.

    Only names made by this module (``.twoknow-part-<pid>-<8 hex>.<name>``)
    whose process no longer runs are removed; a concurrent run's are kept.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _PART_RE.match(entry.name)
        if m is None or _pid_alive(int(m.group(1))):
            continue
        path = Path(entry.path)
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
    return removed


def _existing_ancestor(path: Path) -> Path:
    p = path.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_output_paths(
    files: list[str | os.PathLike[str] | None] = (),  # type: ignore[assignment]
    folders: list[str | os.PathLike[str] | None] = (),  # type: ignore[assignment]
) -> None:
    """Fail before the work starts when an output could not be written.

    ``files`` must not be folders, ``folders`` must not be files, the nearest
    existing folder above each must be a folder this process can create files
    in (probed by creating and removing a temporary file: this holds for root
    too and for read-only file systems) and must have some free space.
    None entries are skipped. Raises ``InputError`` E040/E041/E042.
    """
    probed: set[Path] = set()
    items = [(Path(f), "file") for f in files if f is not None] + [(Path(d), "folder") for d in folders if d is not None]
    for path, kind in items:
        if kind == "file" and path.is_dir():
            raise InputError("E040", f"Output {path} is a folder; a file is expected there.")
        if kind == "folder" and path.exists() and not path.is_dir():
            raise InputError("E040", f"Output folder {path} exists as a file; give a folder path.")
        base = _existing_ancestor(path if kind == "folder" else path.parent)
        if not base.is_dir():
            raise InputError("E040", f"Cannot write {path}: {base} is a file, not a folder.")
        if base in probed:
            continue
        probed.add(base)
        probe = _part_path(base / "probe")
        try:
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise InputError("E041", f"Cannot write in {base} ({_reason(exc)}); choose another output location.") from None
        try:
            free = shutil.disk_usage(base).free
        except OSError:
            continue
        if free < MIN_FREE_BYTES:
            raise InputError("E042", f"Not enough free disk space in {base} ({free // 1024:,} KiB free).")


def _reason(exc: OSError) -> str:
    return os.strerror(exc.errno) if exc.errno else type(exc).__name__


class OutputSet:
    """The files of one run: staged under temporary names, moved in together, manifest last.

    Use it through :func:`output_set`::

        with output_set() as oset:
            write_table(df, oset.path(out / "assignments.csv"))
            write_report(..., oset.path(out / "report.html"))
            oset.write_manifest(out / "manifest.json", command="themes", ...)
        # here all files are in place; after an exception or Ctrl-C none is
    """

    def __init__(self) -> None:
        self._staged: dict[Path, Path] = {}
        self._manifest: Path | None = None
        self._cleaned: set[Path] = set()

    def path(self, target: str | os.PathLike[str], *, folder: bool = False) -> Path:
        """The temporary path to write ``target`` to (a new empty folder with ``folder=True``)."""
        target = Path(target)
        if target in self._staged:
            return self._staged[target]
        if target.is_dir() and not folder:
            raise InputError("E040", f"Output {target} is a folder; a file is expected there.")
        parent = target.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise InputError("E040", f"Cannot write {target}: a part of its folder path is a file.") from None
        except OSError as exc:
            raise InputError("E041", f"Cannot create folder {parent} ({_reason(exc)}).") from None
        if parent not in self._cleaned:
            clean_stale_parts(parent)
            self._cleaned.add(parent)
        tmp = _part_path(target)
        if folder:
            tmp.mkdir()
        self._staged[target] = tmp
        return tmp

    def staged(self, target: str | os.PathLike[str]) -> Path:
        """Where ``target`` is being written (for hashing it before it moves)."""
        return self._staged[Path(target)]

    def write_manifest(self, target: str | os.PathLike[str], *, outputs: list[str | os.PathLike[str]] = (),  # type: ignore[assignment]
                       **kwargs: Any) -> Path:
        """Write the set's manifest (see :func:`twoknow_text.manifest.build_manifest`), moved in last.

        ``outputs`` are final target paths; the manifest records their names and,
        under ``outputs_sha256``, the hashes of the files (not folders) as staged.
        """
        from .manifest import build_manifest, file_sha256

        names = [Path(o).name for o in outputs]
        hashes = {}
        for o in outputs:
            src = self._staged.get(Path(o), Path(o))
            if src.is_file():
                hashes[Path(o).name] = file_sha256(src)
        manifest = build_manifest(outputs=[], **kwargs)
        manifest["outputs"] = names
        manifest["outputs_sha256"] = hashes
        target = Path(target)
        write_json(manifest, self.path(target))
        self._manifest = target
        return target

    def update_manifest(self, target: str | os.PathLike[str], manifest: dict[str, Any]) -> Path:
        """Write an existing manifest again, moved in last, with the hashes of the files this set
        replaces refreshed (``outputs_sha256``, and ``output_sha256`` for its main output)."""
        from .manifest import file_sha256

        hashes = dict(manifest.get("outputs_sha256") or {})
        for t, tmp in self._staged.items():
            if tmp.is_file():
                hashes[t.name] = file_sha256(tmp)
                if manifest.get("output") == t.name:
                    manifest["output_sha256"] = hashes[t.name]
        manifest["outputs_sha256"] = hashes
        target = Path(target)
        write_json(manifest, self.path(target))
        self._manifest = target
        return target

    def discard(self) -> None:
        """Remove every staged file; targets stay as they were."""
        for tmp in self._staged.values():
            with contextlib.suppress(OSError):
                if tmp.is_dir() and not tmp.is_symlink():
                    shutil.rmtree(tmp)
                else:
                    tmp.unlink()
        self._staged.clear()

    def commit(self) -> None:
        """Move every staged file into place, the manifest last (old manifest removed first)."""
        from ._interrupt import deferred

        for target, tmp in self._staged.items():
            if not tmp.exists():
                raise InputError("E040", f"Output {target.name} was never written.")
            if tmp.is_dir() != target.is_dir() and target.exists():
                raise InputError("E040", f"Output {target} is a {'folder' if target.is_dir() else 'file'}; "
                                 f"a {'folder' if tmp.is_dir() else 'file'} is expected there.")
        order = [t for t in self._staged if t != self._manifest] + ([self._manifest] if self._manifest else [])
        with deferred():
            if self._manifest is not None:
                # the old set loses its manifest first: a reader never sees old hashes beside new files
                with contextlib.suppress(FileNotFoundError):
                    self._manifest.unlink()
            for target in order:
                tmp = self._staged.pop(target)
                if tmp.is_dir():
                    replace_folder(tmp, target)
                else:
                    os.replace(tmp, target)


def replace_folder(tmp: Path, target: Path) -> None:
    """Put folder ``tmp`` where ``target`` is: the old folder (if any) is moved aside first, then removed."""
    old = None
    if target.exists():
        old = _part_path(target)
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def output_set() -> Iterator[OutputSet]:
    """An :class:`OutputSet` that lands whole when the block ends, or not at all.

    A write error from a full disk or a read-only location inside the block
    becomes ``InputError`` E042/E041.
    """
    oset = OutputSet()
    try:
        yield oset
        oset.commit()
    except OSError as exc:
        folders = {t.parent for t in oset._staged} | {p.parent for p in oset._staged.values()}
        oset.discard()
        ours = exc.filename is None or Path(os.fsdecode(exc.filename)).parent in folders
        if not ours:  # not a write of this set (an input that cannot be read, say): unchanged
            raise
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            raise InputError("E042", "The disk is full: the outputs were not written (nothing was changed).") from None
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise InputError("E041", f"Cannot write the outputs ({_reason(exc)}); nothing was changed.") from None
        raise
    except BaseException:
        oset.discard()
        raise


def verify_output_set(manifest_path: str | os.PathLike[str], names: list[str] | None = None) -> dict[str, Any]:
    """Check a folder of outputs against its manifest; returns the manifest.

    Every file named in the manifest's ``outputs_sha256`` that sits in the
    manifest's folder (or only ``names``, which must then all be listed)
    must match its hash. A missing or unreadable manifest is ``InputError``
    E043, a file that is missing or changed E044 (an incomplete or mixed
    set: run the command again).
    """
    mpath = Path(manifest_path)
    if not mpath.is_file():
        raise InputError("E043", f"{mpath.parent.name or mpath.parent}: no {mpath.name} beside the outputs "
                         "(an interrupted run or files not written by twoknow); run the command again.")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise InputError("E043", f"{mpath} is not readable JSON.") from None
    hashes = manifest.get("outputs_sha256") if isinstance(manifest, dict) else None
    if not isinstance(hashes, dict):
        raise InputError("E043", f"{mpath} lists no output hashes; run the command again.")
    from .manifest import file_sha256

    check = names if names is not None else [n for n in hashes if (mpath.parent / n).exists()]
    for name in check:
        f = mpath.parent / name
        if name not in hashes or not f.is_file() or file_sha256(f) != hashes[name]:
            raise InputError("E044", f"{f} does not match {mpath.name} (missing, changed or from another run); "
                             "the output set is incomplete: run the command again.")
    return manifest


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it on success.

    On any exception the temporary file is removed and the target is left as
    it was (absent or the previous complete version).
    """
    target = Path(path)
    if target.is_dir():
        raise InputError("E040", f"Output {target} is a folder; a file is expected there.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InputError("E040", f"Cannot write {target}: a part of its folder path is a file.") from None
    if not _PART_RE.match(target.name):  # inside an output set the set's folder was cleaned already
        clean_stale_parts(target.parent)
    tmp_path = _part_path(target)
    os.close(os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
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
    return _map_text_cells(df, spreadsheet_safe)


def restore_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise_formulas` on a table read back (a ``'`` before a trigger dropped)."""
    return _map_text_cells(df, unquote_formula)


def _map_text_cells(df: pd.DataFrame, fn: Any) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(fn)
    out.columns = [fn(c) for c in out.columns]
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
