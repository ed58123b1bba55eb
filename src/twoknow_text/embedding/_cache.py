"""A disk cache of embeddings keyed by model identity + sha256 of the text.

SQLite gives what the cache needs without hand-written file juggling:
writes are transactions (a process killed mid-write leaves the previous
complete state), several processes may share one file (WAL + busy timeout),
and lookups by key are indexed. Only hashes and vectors are stored, never the
text. Embeddings can still leak something about a text, so the cache is the
user's own file and should be kept with the data it came from.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ..errors import ModelError

__all__ = ["EmbeddingCache", "text_key"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model_id TEXT NOT NULL,
    text_sha256 BLOB NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model_id, text_sha256)
) WITHOUT ROWID;
"""
# SQLite's default limit on bound parameters is 999 in old builds.
_CHUNK = 900


def text_key(text: str) -> bytes:
    """sha256 digest of the UTF-8 text: the cache key for one answer."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class EmbeddingCache:
    """Embeddings on disk in ``<folder>/embeddings.sqlite``.

    Examples
    --------
    >>> cache = EmbeddingCache(tmp_path)                      # doctest: +SKIP
    >>> found = cache.get("model@abc/fp32", [text_key("hi")])  # {} at first
    """

    FILENAME = "embeddings.sqlite"

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder).expanduser()
        self.path = self.folder / self.FILENAME
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._con = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.execute("PRAGMA synchronous=NORMAL")
            self._con.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ModelError(
                "E308", f"Embedding cache at {self.path} is not usable ({type(exc).__name__}: {exc})"
            ) from exc

    def get(self, model_id: str, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """Return the cached vectors found for ``keys`` (missing keys are absent)."""
        found: dict[bytes, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        try:
            for i in range(0, len(unique), _CHUNK):
                chunk = unique[i : i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._con.execute(
                    f"SELECT text_sha256, dim, vector FROM embeddings WHERE model_id = ? AND text_sha256 IN ({marks})",
                    (model_id, *chunk),
                )
                for key, dim, blob in rows:
                    vec = np.frombuffer(blob, dtype="<f4")
                    if vec.shape[0] == dim:  # a damaged row is simply recomputed
                        found[bytes(key)] = vec
        except sqlite3.Error as exc:
            raise ModelError("E308", f"Embedding cache at {self.path} could not be read ({type(exc).__name__})") from exc
        return found

    def put(self, model_id: str, keys: Iterable[bytes], vectors: np.ndarray) -> None:
        """Store vectors for keys in one transaction (all or nothing)."""
        vecs = np.ascontiguousarray(vectors, dtype="<f4")
        rows = [(model_id, k, int(v.shape[0]), v.tobytes()) for k, v in zip(keys, vecs, strict=True)]
        try:
            with self._con:  # commits on success, rolls back on error
                self._con.executemany(
                    "INSERT OR REPLACE INTO embeddings (model_id, text_sha256, dim, vector) VALUES (?, ?, ?, ?)", rows
                )
        except sqlite3.Error as exc:
            raise ModelError("E308", f"Embedding cache at {self.path} could not be written ({type(exc).__name__})") from exc

    def count(self, model_id: str | None = None) -> int:
        """Number of cached vectors (for one model, or all)."""
        if model_id is None:
            return int(self._con.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])
        return int(self._con.execute("SELECT COUNT(*) FROM embeddings WHERE model_id = ?", (model_id,)).fetchone()[0])

    def model_ids(self) -> list[str]:
        """Model identities that have entries."""
        return [r[0] for r in self._con.execute("SELECT DISTINCT model_id FROM embeddings ORDER BY model_id")]

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
