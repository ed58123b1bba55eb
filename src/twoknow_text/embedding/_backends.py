"""Ways to run a sentence-transformers model on the CPU.

Each backend turns a batch of texts into *unnormalised* float32 sentence
embeddings; the :class:`~twoknow_text.embedding.Embedder` normalises, caches
and orders. Backends are registered under versioned names
(``twoknow.embed_backend.torch_fp32.v1``); the short names users type
(``"torch"``, ``"torch-bf16"``, ``"onnx"``) map to them.

Measured on a 2-core Xeon with AVX512-BF16 but no AMX
(``benchmarks/embedding_speed.py``): bf16 agrees with fp32 (cosine ≈ 1.000)
but is slower there; ONNX Runtime int8 per-channel is the fast path (cosine
≈ 0.99). Both are opt-in; ``"auto"`` picks bf16 on AMX CPUs, else ONNX int8
when installed, each only if a probe agrees with fp32, else fp32.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import ModelError

__all__ = [
    "Backend",
    "BACKENDS",
    "BACKEND_ALIASES",
    "bf16_supported",
    "bf16_is_fast",
    "onnx_available",
    "load_sentence_transformer",
]

log = logging.getLogger(__name__)


class Backend(Protocol):
    """What the Embedder needs from a backend."""

    #: Versioned registered name, part of the model identity (cache key).
    name: str

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return float32 ``(len(texts), dim)`` embeddings, not normalised."""

    @property
    def dim(self) -> int:
        """Embedding dimension."""


def bf16_supported() -> bool:
    """True when this CPU runs bf16 matrix products natively (AVX512-BF16 or AMX).

    Without native support torch emulates bf16, which is slower than fp32, so
    ``backend="auto"`` then stays on fp32.
    """
    import torch

    try:
        native = bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except AttributeError:  # private helpers moved: fall back to oneDNN's answer
        native = False
    try:
        mkldnn = bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        mkldnn = False
    return native and mkldnn


def bf16_is_fast() -> bool:
    """True when bf16 is expected to beat fp32 here: native bf16 plus AMX tiles.

    Measured on a Xeon with AVX512-BF16 but no AMX: bf16 matrix products took
    1.6x the CPU time of fp32 (MKL's sgemm wins), so only AMX counts as fast.
    """
    import torch

    try:
        amx = bool(torch.cpu._is_amx_tile_supported())
    except AttributeError:
        amx = False
    return amx and bf16_supported()


def onnx_available() -> bool:
    """True when onnxruntime and onnx (the ``[onnx]`` extra) are importable."""
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run with ``n`` torch threads, then restore; ``None`` keeps the caller's setting."""
    if n is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Hide transformers' "Loading weights" bar: our own progress is enough."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover
        yield
        return
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def load_sentence_transformer(model_dir: Path, **model_kwargs: Any) -> Any:
    """Load a local sentence-transformers folder on the CPU, never from a hub."""
    from sentence_transformers import SentenceTransformer

    kwargs: dict[str, Any] = {}
    if model_kwargs:
        kwargs["model_kwargs"] = model_kwargs
    try:
        with _quiet_transformers():
            model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True, **kwargs)
    except Exception as exc:  # any library error: report the path, not a traceback
        raise ModelError(
            "E303", f"Could not load the sentence-transformers model at {model_dir} ({type(exc).__name__})"
        ) from exc
    model.eval()
    return model


class TorchBackend:
    """sentence-transformers on torch, fp32 (exact) or bf16 (fast on bf16 CPUs)."""

    def __init__(self, model_dir: Path, *, bf16: bool = False, num_threads: int | None = None) -> None:
        import torch

        self.bf16 = bf16
        self.name = "twoknow.embed_backend.torch_bf16.v1" if bf16 else "twoknow.embed_backend.torch_fp32.v1"
        self.num_threads = num_threads
        self.model = load_sentence_transformer(model_dir, **({"dtype": torch.bfloat16} if bf16 else {}))

    @property
    def dim(self) -> int:
        return _dimension(self.model)

    def encode(self, texts: list[str]) -> np.ndarray:
        import torch

        with torch_threads(self.num_threads), torch.inference_mode():
            out = self.model.encode(
                texts,
                batch_size=max(1, len(texts)),
                convert_to_tensor=True,
                normalize_embeddings=False,
                show_progress_bar=False,
            )
        return out.float().cpu().numpy().astype(np.float32, copy=False)


def _dimension(model: Any) -> int:
    fn = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(fn())


def _preprocess(model: Any, texts: list[str]) -> dict[str, Any]:
    """Tokenise with the model's own settings (``preprocess`` in ST >= 6, ``tokenize`` before)."""
    fn = getattr(model, "preprocess", None) or model.tokenize
    return fn(texts)


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """onnxruntime's quantiser logs an advice line on the root logger; keep the CLI clean."""
    root = logging.getLogger()
    before = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(before)


class _StWrapper:
    """Make a SentenceTransformer exportable: positional tensors in, pooled embedding out."""

    @staticmethod
    def build(st_model: Any) -> Any:
        import torch

        class Wrapper(torch.nn.Module):
            def __init__(self, m: Any) -> None:
                super().__init__()
                self.m = m

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                feats = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
                return self.m(feats)["sentence_embedding"]

        return Wrapper(st_model).eval()


class OnnxBackend:
    """ONNX Runtime, weights quantised to int8 per channel (dynamic quantisation).

    The model is exported once with ``torch.onnx.export`` (TorchScript
    exporter), quantised, and kept in ``<cache>/onnx/<digest>/``. Files are
    written atomically, so a killed export leaves nothing half-made.
    """

    name = "twoknow.embed_backend.onnx_int8.v1"

    def __init__(self, model_dir: Path, digest: str, cache_dir: Path, *, num_threads: int | None = None) -> None:
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # onnxruntime phones home otherwise
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise ModelError(
                "E305", "The ONNX backend needs onnxruntime and onnx: pip install 'twoknow_text[onnx]'"
            ) from exc
        # Eager attention traces to a plain graph; SDPA's mask helpers bake
        # Python branches into the trace.
        self.model = load_sentence_transformer(model_dir, attn_implementation="eager")
        self.onnx_path = self._ensure_exported(digest, cache_dir)
        opts = ort.SessionOptions()
        import torch

        opts.intra_op_num_threads = num_threads or torch.get_num_threads()
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(self.onnx_path), opts, providers=["CPUExecutionProvider"])
        self._input_names = {i.name for i in self.session.get_inputs()}

    @property
    def dim(self) -> int:
        return _dimension(self.model)

    def _ensure_exported(self, digest: str, cache_dir: Path) -> Path:
        from .._io import atomic_path

        folder = cache_dir / "onnx" / digest[:32]
        int8 = folder / "model-int8-per-channel.onnx"
        if int8.is_file():
            return int8
        folder.mkdir(parents=True, exist_ok=True)
        try:
            import torch
            from onnxruntime.quantization import QuantType, quantize_dynamic

            wrapper = _StWrapper.build(self.model)
            feats = _preprocess(self.model, ["a short example sentence", "another, somewhat longer, one"])
            args = tuple(feats[k] for k in ("input_ids", "attention_mask"))
            tt = feats.get("token_type_ids")
            args = (*args, tt if tt is not None else torch.zeros_like(args[0]))
            dyn = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                   "token_type_ids": {0: "batch", 1: "seq"}, "embedding": {0: "batch"}}
            # The fp32 export is only a step: it lives in a temporary folder,
            # and the int8 model appears under its final name only when whole.
            with tempfile.TemporaryDirectory(dir=folder, prefix=".export-") as tmpdir:
                fp32_tmp = Path(tmpdir) / "model-fp32.onnx"
                with torch.no_grad(), warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # tracer chatter about constant Python branches
                    torch.onnx.export(
                        wrapper, args, str(fp32_tmp), dynamo=False, opset_version=17,
                        input_names=["input_ids", "attention_mask", "token_type_ids"],
                        output_names=["embedding"], dynamic_axes=dyn,
                    )
                with atomic_path(int8) as int8_tmp, _quiet_root_logger():
                    quantize_dynamic(str(fp32_tmp), str(int8_tmp), per_channel=True, weight_type=QuantType.QInt8)
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError("E309", f"ONNX export of the model failed ({type(exc).__name__}); use backend='torch'") from exc
        return int8

    def encode(self, texts: list[str]) -> np.ndarray:
        feats = _preprocess(self.model, texts)
        inputs = {k: v.numpy().astype(np.int64) for k, v in feats.items() if k in self._input_names}
        if "token_type_ids" in self._input_names and "token_type_ids" not in inputs:
            inputs["token_type_ids"] = np.zeros_like(inputs["input_ids"])
        (out,) = self.session.run(["embedding"], inputs)
        return np.asarray(out, dtype=np.float32)


@dataclass(frozen=True)
class BackendSpec:
    """A registered backend: its versioned name and how to build it."""

    name: str
    factory: Callable[..., Backend]
    description: str


BACKENDS: dict[str, BackendSpec] = {
    "twoknow.embed_backend.torch_fp32.v1": BackendSpec(
        "twoknow.embed_backend.torch_fp32.v1",
        lambda model_dir, digest, cache_dir, num_threads: TorchBackend(model_dir, num_threads=num_threads),
        "sentence-transformers on torch, float32 (reference).",
    ),
    "twoknow.embed_backend.torch_bf16.v1": BackendSpec(
        "twoknow.embed_backend.torch_bf16.v1",
        lambda model_dir, digest, cache_dir, num_threads: TorchBackend(model_dir, bf16=True, num_threads=num_threads),
        "sentence-transformers on torch, bfloat16 weights (needs a CPU with native bf16).",
    ),
    "twoknow.embed_backend.onnx_int8.v1": BackendSpec(
        "twoknow.embed_backend.onnx_int8.v1",
        lambda model_dir, digest, cache_dir, num_threads: OnnxBackend(
            model_dir, digest, cache_dir, num_threads=num_threads
        ),
        "ONNX Runtime, int8 per-channel dynamic quantisation (needs the [onnx] extra).",
    ),
}

#: Short names accepted by ``Embedder(backend=...)``.
BACKEND_ALIASES: dict[str, str] = {
    "torch": "twoknow.embed_backend.torch_fp32.v1",
    "torch-fp32": "twoknow.embed_backend.torch_fp32.v1",
    "torch-bf16": "twoknow.embed_backend.torch_bf16.v1",
    "bf16": "twoknow.embed_backend.torch_bf16.v1",
    "onnx": "twoknow.embed_backend.onnx_int8.v1",
    "onnx-int8": "twoknow.embed_backend.onnx_int8.v1",
}
