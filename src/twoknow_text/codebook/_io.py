"""Reading and writing codebooks as YAML, with coded errors."""

from __future__ import annotations

import difflib
import os
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .._io import atomic_open
from ..config import safe_load_yaml
from ..errors import CodebookError
from ._model import Category, Code, Codebook, HistoryEntry

__all__ = ["load_codebook", "save_codebook", "default_codebook_path", "codebook_to_dict", "codebook_from_dict"]

_DEFAULT_NAME = "2know.yaml"


def default_codebook_path() -> Path:
    """Path of the bundled default codebook (the four 2KNOW factor categories).

    The package copy (``twoknow_text/data/codebooks/2know.yaml``) is the one
    source of truth; ``configs/codebooks/2know.yaml`` in the repository is a
    byte-identical copy for people browsing the repository, kept in step by a
    test. Use ``twoknow codebook init --out FILE`` to start your own.
    """
    return Path(str(resources.files("twoknow_text") / "data" / "codebooks" / _DEFAULT_NAME))


def _format_error(exc: ValidationError, source: str) -> str:
    parts = []
    models = {"categories": Category, "codes": Code, "history": HistoryEntry}
    for err in exc.errors()[:5]:
        loc_parts = [str(x) for x in err["loc"]]
        loc = ".".join(loc_parts)
        if err["type"] == "extra_forbidden":
            # name the nearest known key of the model the bad key sits in
            owner = Codebook
            for part in loc_parts[:-1]:
                owner = models.get(part, owner)
            known = list(owner.model_fields)
            close = difflib.get_close_matches(loc_parts[-1], known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(known)})"
            parts.append(f"unknown key '{loc}'{hint}")
        else:
            parts.append(f"'{loc}': {err['msg']}")
    return f"{source}: " + "; ".join(parts)


def codebook_from_dict(data: Any, source: str = "codebook") -> Codebook:
    """Validate a plain mapping (parsed YAML/JSON) into a :class:`Codebook`."""
    if not isinstance(data, dict):
        raise CodebookError("E701", f"{source}: the top level must be a mapping (name, version, categories, codes).")
    try:
        return Codebook.model_validate(data)
    except ValidationError as exc:
        raise CodebookError("E702", _format_error(exc, source)) from None


def codebook_to_dict(cb: Codebook) -> dict[str, Any]:
    """A plain mapping that :func:`codebook_from_dict` turns back into ``cb``.

    Empty optional fields are left out so the YAML stays readable.
    """
    data = cb.model_dump(mode="json")
    for code in data["codes"]:
        for key in ("parent",):
            if code.get(key) is None:
                code.pop(key, None)
        for key in ("inclusion", "exclusion", "examples", "near_misses", "seed_words", "history"):
            if not code.get(key):
                code.pop(key, None)
        if not code.get("source"):
            code.pop("source", None)
        for h in code.get("history", []):
            if h.get("agreement") is None:
                h.pop("agreement", None)
            if not h.get("reason"):
                h.pop("reason", None)
    if not data.get("description"):
        data.pop("description", None)
    return data


def load_codebook(path: str | os.PathLike[str] | None = None) -> Codebook:
    """Read and validate a codebook YAML file (the bundled default when None).

    >>> cb = load_codebook()
    >>> [c.id for c in cb.categories]
    ['motivations', 'facilitators', 'situational_factors', 'barriers']
    """
    p = default_codebook_path() if path is None else Path(path)
    if not p.is_file():
        raise CodebookError("E700", f"Codebook file not found: {p}")
    try:
        with open(p, encoding="utf-8") as fh:
            data = safe_load_yaml(fh, p.name)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CodebookError("E701", f"Codebook file {p.name} is not valid YAML: {type(exc).__name__}") from None
    return codebook_from_dict(data, source=p.name)


class _Dumper(yaml.SafeDumper):
    """Block style, long strings kept readable, no anchors."""

    def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002
        return True


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str_presenter)


def save_codebook(cb: Codebook, path: str | os.PathLike[str]) -> Path:
    """Write ``cb`` as YAML, atomically; :func:`load_codebook` reads it back equal."""
    text = yaml.dump(
        codebook_to_dict(cb), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )
    with atomic_open(path) as fh:
        fh.write(text)
    return Path(path)
