"""Save and load an :class:`AutoCoder` without pickle: ``model.json`` + ``weights.npz`` + ``manifest.json``."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AutocodeError

FORMAT = "twoknow.autocode.v1"
MODEL_FILE = "model.json"
WEIGHTS_FILE = "weights.npz"
_ARRAYS = ("coef_", "intercept_", "calibration_", "score_kind_", "prototypes_", "proto_owner_", "train_prevalence_")
_PARAMS = ("random_state", "method", "C", "threshold", "abstain", "min_examples", "cv")


def _embedder_id(model: Any) -> dict[str, Any]:
    emb = model._get_embedder()
    out: dict[str, Any] = {"class": type(emb).__name__}
    for attr in ("model_id", "model_digest"):
        try:
            out[attr] = str(getattr(emb, attr))
        except Exception:  # a custom embedder need not have them
            out[attr] = None
    return out


def model_version(directory: str | os.PathLike[str]) -> str:
    """A short stable id of a saved model: ``autocode-<12 hex of the weights' sha256>``."""
    h = hashlib.sha256((Path(directory) / WEIGHTS_FILE).read_bytes()).hexdigest()
    return f"autocode-{h[:12]}"


def save_model(model: Any, directory: str | os.PathLike[str]) -> Path:
    """Write a fitted model to ``directory`` (new or empty), all files together, manifest last."""
    from .._io import check_output_paths, output_set, write_json

    model._check_fitted()
    out = Path(directory)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise AutocodeError("E810", f"Model folder {out.name} exists and is not empty; choose a new folder.")
    check_output_paths(folders=[out])
    meta = {
        "format": FORMAT,
        "params": {p: getattr(model, p) for p in _PARAMS},
        "codes": list(model.codes_),
        "n_examples": dict(model.n_examples_),
        "threshold": float(model.threshold_),
        "n_features_in": int(model.n_features_in_),
        "code_descriptions": dict(model.code_descriptions_),
        "embedder": _embedder_id(model),
    }
    with output_set() as oset:
        with open(oset.path(out / WEIGHTS_FILE), "wb") as fh:
            np.savez(fh, **{a.rstrip("_"): np.asarray(getattr(model, a)) for a in _ARRAYS})
        version = f"autocode-{hashlib.sha256(oset.staged(out / WEIGHTS_FILE).read_bytes()).hexdigest()[:12]}"
        meta["model_version"] = version
        write_json(meta, oset.path(out / MODEL_FILE))
        oset.write_manifest(
            out / "manifest.json",
            command="autocode train",
            config={**meta["params"], "threshold_": meta["threshold"]},
            seeds={"random_state": model.random_state},
            outputs=[out / MODEL_FILE, out / WEIGHTS_FILE],
            extra={"stage": "autocode", "model_version": version, "codes": meta["codes"],
                   "n_examples": meta["n_examples"], "embedder": meta["embedder"],
                   "note": "Model codes are suggestions for coders to accept or correct."},
        )
    return out


def load_model(directory: str | os.PathLike[str], embedder: Any = None) -> Any:
    """Read a model folder written by :func:`save_model` (no pickle is ever loaded)."""
    from ._model import AutoCoder

    d = Path(directory)
    if not (d / MODEL_FILE).is_file() or not (d / WEIGHTS_FILE).is_file():
        raise AutocodeError("E811", f"{d.name} is not an autocode model folder ({MODEL_FILE} and {WEIGHTS_FILE} needed).")
    try:
        meta = json.loads((d / MODEL_FILE).read_text(encoding="utf-8"))
        with np.load(d / WEIGHTS_FILE, allow_pickle=False) as z:
            arrays = {a: z[a.rstrip("_")] for a in _ARRAYS}
    except (ValueError, OSError, KeyError, json.JSONDecodeError) as exc:
        raise AutocodeError("E812", f"The model in {d.name} cannot be read ({type(exc).__name__}).") from None
    if meta.get("format") != FORMAT:
        raise AutocodeError("E812", f"The model in {d.name} has format {meta.get('format')!r}; expected {FORMAT!r}.")
    model = AutoCoder(embedder=embedder, **meta["params"])
    model.codes_ = list(meta["codes"])
    model.n_examples_ = dict(meta["n_examples"])
    model.threshold_ = float(meta["threshold"])
    model.n_features_in_ = int(meta["n_features_in"])
    model.code_descriptions_ = dict(meta["code_descriptions"])
    for a, v in arrays.items():
        setattr(model, a, v)
    model.model_version_ = meta.get("model_version")
    want = (meta.get("embedder") or {}).get("model_digest")
    if want:
        have = _embedder_id(model).get("model_digest")
        if have and have != want:
            raise AutocodeError("E813", f"The model in {d.name} was trained with another embedding model "
                                        f"({want[:12]}); this embedder is {have[:12]}.")
    return model
