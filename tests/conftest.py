"""Shared pytest set-up.

Every test runs with sockets blocked except loopback (see ``addopts`` in
pyproject.toml: pytest-socket). Session-scoped fixtures live in
``tests/fixtures/``; they are loaded here, in one place.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
# Caches (embeddings, ONNX exports) go to a throwaway folder, never ~/.cache.
os.environ.setdefault("TWOKNOW_CACHE_DIR", tempfile.mkdtemp(prefix="twoknow-test-cache-"))

pytest_plugins = [
    "fixtures.models",
    "fixtures.labelstudio",
]

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def test_data() -> Path:
    """Small data files committed for tests (each with a SOURCE note)."""
    return REPO_ROOT / "tests" / "data"
