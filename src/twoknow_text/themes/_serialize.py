"""Save and load a :class:`ThemeModel` without pickle.

A saved model is a folder (by convention ``models/<run>/``)::

    bertopic/               BERTopic.save(serialization="safetensors", save_ctfidf=True,
                            save_embedding_model=<local model folder>)
    theme_model.json        our parameters, seed, theme ids ↔ BERTopic ids, custom labels,
                            merge history, zero-shot codes, lemma table, library versions
    arrays.safetensors      labels, probabilities, theme centroids, embeddings
    manifest.json           sha256 of every file above + versions (twoknow_text.manifest)

Nothing is pickled: JSON and safetensors only, so a model opens in another
process or another library version (a version mismatch is reported, not fatal).
The folder is written to a temporary sibling and renamed into place, so a
crash never leaves half a model. The de-identified answers are stored (for
representative answers, per-class words and hierarchy after loading): keep
``models/`` out of version control (it is git-ignored).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from ..manifest import file_sha256, package_versions, write_manifest

__all__ = ["save_model", "load_model", "FORMAT_VERSION"]

FORMAT_VERSION = 1
_JSON = "theme_model.json"
_ARRAYS = "arrays.safetensors"
_BT = "bertopic"


def _embedder_ref(embedder: Any) -> str | None:
    d = getattr(embedder, "model_dir", None)
    return str(d) if d is not None else None


def _backend_label(model_id: Any) -> str | None:
    """The backend label that ends an Embedder's ``model_id`` (``…/torch-bf16`` → ``"torch-bf16"``), else None."""
    return model_id.rsplit("/", 1)[-1] if isinstance(model_id, str) and "/" in model_id else None


def _loading_embedder(ref: Any, backend: str | None):
    """An Embedder for a loaded model: the saved backend (its ``model_id`` label) when this machine has it, else ``auto`` (logged).

    A model fitted with ``auto`` on a CPU with AMX used bf16; loaded on the same
    kind of machine it gets bf16 again, so ``predict`` gives the same answers.
    """
    import logging

    from ..embedding import BACKEND_ALIASES, Embedder, bf16_supported, onnx_available
    from ..embedding._embedder import backend_for_label

    registered = backend_for_label(backend)
    # the short name a user would type for it ("onnx" for int8 v2; the first alias listed)
    name = next((alias for alias, reg in BACKEND_ALIASES.items() if reg == registered), None)
    usable = name is not None and (name != "torch-bf16" or bf16_supported()) and ("onnx" not in name or onnx_available())
    if not usable:
        if backend is not None:
            logging.getLogger(__name__).warning(
                "The model was fitted with the %r embedding backend, which this machine lacks: using 'auto'.", backend)
        name = "auto"
    return Embedder(ref, backend=name)


def save_model(model, path: str | os.PathLike[str]) -> Path:
    """Write ``model`` (fitted) to the folder ``path`` atomically; returns the folder."""
    from safetensors.numpy import save_file

    model._check_fitted()
    from .._io import _part_path, clean_stale_parts, replace_folder

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_parts(target.parent)
    tmp = _part_path(target)
    tmp.mkdir()
    try:
        emb_ref = _embedder_ref(model.embedder_)
        import logging

        logging.getLogger("BERTopic").setLevel(logging.ERROR)
        model.topic_model_.save(str(tmp / _BT), serialization="safetensors", save_ctfidf=True,
                                save_embedding_model=emb_ref or False)
        params = model.get_params()
        params["embedder"] = emb_ref if not isinstance(model.embedder, str) else model.embedder
        meta = {
            "format_version": FORMAT_VERSION,
            "params": params,
            "seed": model.seed_,
            "embedder_model_id": getattr(model.embedder_, "model_id", None),
            "embedder_model_dir": emb_ref,
            "embedder_backend": _backend_label(getattr(model.embedder_, "model_id", None)),
            "theme_ids": model.theme_ids_,
            "bertopic_ids": {str(k): v for k, v in model._theme_to_bt.items()},
            "custom_labels": {str(k): v for k, v in model.custom_labels_.items()},
            "merge_history": model.merge_history_,
            "zeroshot": {str(k): v for k, v in model.zeroshot_ids_.items()},
            "n_outliers_raw": model.n_outliers_raw_,
            "cluster_method": getattr(model, "cluster_method_", None),
            "question_words": getattr(model, "question_words_", []),
            "languages": getattr(model, "languages_", None),
            "lemma_table": model.tokenizer_.table,
            "stop_words": sorted(model.tokenizer_.stop_words),
            "docs": model._docs,
            "classes": model.classes_,
            "timestamps": None if model.timestamps_ is None else [str(t) for t in model.timestamps_],
            "timings": getattr(model, "timings_", {}),
            "versions": package_versions(),
        }
        with open(tmp / _JSON, "w", encoding="utf-8") as fh:
            json.dump(meta, fh, ensure_ascii=False, indent=1, default=str)
        save_file({
            "labels": model.labels_.astype(np.int64),
            "probabilities": model.probabilities_.astype(np.float32),
            "theme_embeddings": np.ascontiguousarray(model.theme_embeddings_, dtype=np.float32),
            "embeddings": np.ascontiguousarray(model.embeddings_, dtype=np.float32),
        }, str(tmp / _ARRAYS))
        files = sorted(p for p in tmp.rglob("*") if p.is_file())
        write_manifest(tmp / "manifest.json", command="themes.save_model", config=params,
                       seeds={"random_state": model.seed_},
                       outputs=[str(p.relative_to(tmp)) for p in files],
                       extra={"stage": "themes-model", "files": {str(p.relative_to(tmp)): file_sha256(p) for p in files}})
        replace_folder(tmp, target)  # the old folder (if any) is moved aside first, then removed
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def load_model(path: str | os.PathLike[str], embedder: Any = None):
    """Load a folder written by :func:`save_model`.

    ``embedder`` overrides the saved embedding model folder (needed when the
    model was saved on another machine). Raises ``ModelError`` E350 (no such
    folder), E351 (not a saved ThemeModel), E353 (files changed or unreadable).
    """
    from safetensors.numpy import load_file

    from ._model import ThemeModel, _as_embedder, _bertopic_backend
    from ._representation import LemmaTokenizer

    p = Path(path)
    if not p.exists():
        raise ModelError("E350", f"Model folder not found: {p}")
    if not (p / _JSON).is_file() or not (p / _ARRAYS).is_file() or not (p / _BT).is_dir():
        raise ModelError("E351", f"'{p.name}' is not a saved ThemeModel (missing {_JSON}, {_ARRAYS} or {_BT}/).")
    manifest = p / "manifest.json"
    if not manifest.is_file():
        raise ModelError("E353", f"Model '{p.name}' has no manifest.json (an unfinished save or files copied "
                         "without it); save the model again.")
    try:
        with open(manifest, encoding="utf-8") as fh:
            recorded = json.load(fh).get("files", {})
    except (OSError, ValueError, AttributeError):
        raise ModelError("E353", f"Model '{p.name}': manifest.json is not readable.") from None
    for rel, sha in recorded.items():
        f = p / rel
        if not f.is_file() or file_sha256(f) != sha:
            raise ModelError("E353", f"Model file '{rel}' is missing or changed since it was saved.")
    try:
        with open(p / _JSON, encoding="utf-8") as fh:
            meta = json.load(fh)
        arrays = load_file(str(p / _ARRAYS))
    except (OSError, ValueError) as exc:
        raise ModelError("E353", f"Model '{p.name}' cannot be read: {type(exc).__name__}.") from None
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelError("E353", f"Model '{p.name}' has format version {meta.get('format_version')}, expected {FORMAT_VERSION}.")

    params = dict(meta["params"])
    if embedder is not None:
        params["embedder"] = embedder
    model = ThemeModel(**params)
    if embedder is None and (params["embedder"] is None or isinstance(params["embedder"], str)):
        # models saved before `embedder_backend` existed: the label that ends their model id
        saved_backend = meta.get("embedder_backend") or _backend_label(meta.get("embedder_model_id"))
        model.embedder_ = _loading_embedder(params["embedder"], saved_backend)
    else:
        model.embedder_ = _as_embedder(params["embedder"])
    from bertopic import BERTopic
    import logging

    logging.getLogger("BERTopic").setLevel(logging.ERROR)
    with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull):
        # embedding_model given explicitly: BERTopic must not resolve a name itself.
        model.topic_model_ = BERTopic.load(str(p / _BT), embedding_model=_bertopic_backend(model.embedder_))
    model.tokenizer_ = LemmaTokenizer(meta["lemma_table"], meta["stop_words"])
    model.seed_ = meta["seed"]
    model.labels_ = arrays["labels"].astype(int)
    model.embeddings_ = arrays["embeddings"]
    model._docs = list(meta["docs"])
    model._theme_to_bt = {int(k): int(v) for k, v in meta["bertopic_ids"].items()}
    model.bertopic_ids_ = dict(model._theme_to_bt)
    model.custom_labels_ = {int(k): v for k, v in meta["custom_labels"].items()}
    model.merge_history_ = meta["merge_history"]
    model.zeroshot_ids_ = {int(k): v for k, v in meta["zeroshot"].items()}
    model.n_outliers_raw_ = meta["n_outliers_raw"]
    model.cluster_method_ = meta.get("cluster_method") or "hdbscan"
    model.question_words_ = list(meta.get("question_words") or [])
    model.languages_ = meta.get("languages")
    model.classes_ = meta["classes"]
    model.timestamps_ = meta["timestamps"]
    model.timings_ = meta.get("timings", {})
    model.saved_versions_ = meta["versions"]
    model._update_state()
    # The stored arrays are the truth; recomputation must agree (a check on the load itself).
    if not np.allclose(model.theme_embeddings_, arrays["theme_embeddings"], atol=1e-5):
        raise ModelError("E353", f"Model '{p.name}' is inconsistent: theme centroids do not match the stored labels.")
    model.probabilities_ = arrays["probabilities"]
    return model
