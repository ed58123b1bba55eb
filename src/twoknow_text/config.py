"""Config loading: YAML files validated by pydantic models when loaded."""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import ConfigError

__all__ = ["StrictModel", "load_yaml", "load_config", "check_yaml_depth", "safe_load_yaml", "MAX_YAML_DEPTH"]

#: Deepest nesting of lists and mappings a config or codebook file may have.
#: Real ones use fewer than ten levels; thousands crash the YAML parser.
MAX_YAML_DEPTH = 64

M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    """Base for every config: unknown keys are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def load_yaml(path: str | os.PathLike[str]) -> Any:
    """Read a YAML file; a missing or unparsable file is a coded ConfigError."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError("E101", f"Config file not found: {p}")
    try:
        with open(p, encoding="utf-8") as fh:
            return safe_load_yaml(fh, p.name) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError("E102", f"Config file {p.name} is not valid YAML: {type(exc).__name__}") from None


def safe_load_yaml(stream: Any, name: str) -> Any:
    """``yaml.safe_load`` that refuses absurd nesting with a coded error (E105), never a RecursionError.

    YAML syntax errors are left to the caller (each loader has its own code).
    """
    try:
        data = yaml.safe_load(stream)
    except RecursionError:
        raise _too_deep(name) from None
    check_yaml_depth(data, name)
    return data


def _too_deep(name: str) -> ConfigError:
    return ConfigError(
        "E105", f"{name}: lists or mappings nested more than {MAX_YAML_DEPTH} levels deep; not a config file."
    )


def check_yaml_depth(data: Any, name: str) -> None:
    """Refuse (E105) data nested deeper than :data:`MAX_YAML_DEPTH`, or that contains itself.

    YAML anchors can make a list that holds itself; nothing downstream can
    walk that. Walked without recursion, each shared node once.
    """
    stack: list[tuple[Any, int, tuple[int, ...]]] = [(data, 1, ())]
    done: set[int] = set()
    while stack:
        node, depth, path = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        if id(node) in path:
            raise ConfigError("E105", f"{name}: a YAML anchor makes a list or mapping contain itself.")
        if depth > MAX_YAML_DEPTH:
            raise _too_deep(name)
        if id(node) in done:
            continue
        done.add(id(node))
        children = list(node.keys()) + list(node.values()) if isinstance(node, dict) else node
        stack.extend((child, depth + 1, (*path, id(node))) for child in children)


def _format_validation(exc: ValidationError, model: type[BaseModel], source: str) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(x) for x in err["loc"])
        if err["type"] == "extra_forbidden":
            known = list(model.model_fields)
            close = difflib.get_close_matches(str(err["loc"][-1]), known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(known)})"
            parts.append(f"unknown key '{loc}'{hint}")
        else:
            parts.append(f"'{loc}': {err['msg']}")
    return f"{source}: " + "; ".join(parts)


def load_config(
    model: type[M],
    data: dict[str, Any] | str | os.PathLike[str] | None = None,
    *,
    section: str | None = None,
    **overrides: Any,
) -> M:
    """Validate a config from a dict or a YAML path, then apply overrides.

    With ``section``, a YAML file that holds a mapping under that key (one file
    configuring several stages, e.g. ``reading:`` and ``deid:``) is read from
    there; a file without it is taken as this stage's config as a whole.

    >>> from twoknow_text.config import StrictModel, load_config
    >>> class C(StrictModel):
    ...     seed: int = 0
    >>> load_config(C, {"seed": 3}).seed
    3
    """
    source = "config"
    if data is None:
        raw: dict[str, Any] = {}
    elif isinstance(data, dict):
        raw = dict(data)
    else:
        source = Path(data).name
        raw = load_yaml(data)
        if section is not None and isinstance(raw, dict) and isinstance(raw.get(section), dict):
            raw = raw[section]
        if not isinstance(raw, dict):
            raise ConfigError("E103", f"{source}: the top level must be a mapping of keys to values.")
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError("E104", _format_validation(exc, model, source)) from None
