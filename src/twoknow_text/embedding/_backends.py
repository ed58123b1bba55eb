"""Ways to run a sentence-transformers model on the CPU.

Each backend turns a batch of texts into *unnormalised* float32 sentence
embeddings; the :class:`~twoknow_text.embedding.Embedder` normalises, caches
and orders. Backends are registered under versioned names
(``twoknow.embed_backend.torch_fp32.v1``); the short names users type
(``"torch"``, ``"torch-bf16"``, ``"onnx"``) map to them.

Measured on a 2-core Xeon with AVX512-BF16/VNNI but no AMX
(``benchmarks/embedding_speed.py``): bf16 agrees with fp32 (cosine ≈ 1.000)
but is slower there. ONNX Runtime int8 v2 (MatMul weights per channel, the
feed-forward output projections left in fp32) is the fast path; v1 (every
default op quantised, the first int8 export) drifts too far on one-word answers. ONNX
fp32 gives torch's vectors without importing torch once exported. All are
opt-in; ``"auto"`` picks bf16 on AMX CPUs, else ONNX int8 v2 when installed,
each only if a probe agrees with fp32, else fp32.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
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
    "ONNX_VARIANTS",
    "OnnxBackend",
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


class _DropQuantiserAdvice(logging.Filter):
    """Drops onnxruntime's "Please consider (to run) pre-processing" advice line.

    onnxruntime's quantiser logs it with ``logging.warning`` (the root
    logger) when a model lacks its pre-processing tag. We pre-process, so it
    should not appear; the filter covers the fallback path without touching
    any logger's level.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Please consider")


@contextlib.contextmanager
def _quiet_quantiser() -> Iterator[None]:
    """Attach :class:`_DropQuantiserAdvice` to the logger onnxruntime's quantiser writes to, then detach it."""
    target = logging.getLogger()  # quantize.py calls logging.warning(...) directly
    flt = _DropQuantiserAdvice()
    target.addFilter(flt)
    try:
        yield
    finally:
        target.removeFilter(flt)


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


# Texts the fast tokenizer must tokenise exactly like sentence-transformers
# before it is trusted: padding, truncation (one text is far over 256
# tokens), surrounding spaces, accents, punctuation, an empty string.
_TOKENIZER_PROBES = [
    "No.",
    "  I felt lonely and spent too much time online.  ",
    "Fear of being caught stopped me; the warning page too!",
    "Café, naïve, résumé: accents, ÜBER-caps and an emoji 🙂.",
    "",
    " ".join(["Stress at work made everything worse and I slept badly"] * 40),
]
_ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class _FastTokenizer:
    """The model's ``tokenizer.json`` through the ``tokenizers`` library, as sentence-transformers uses it.

    Importing sentence-transformers (and torch) costs seconds on a cold
    start; the ONNX path needs neither once the model is exported. Used only
    when the export step checked that it gives the same ids as
    sentence-transformers on :data:`_TOKENIZER_PROBES`.
    """

    def __init__(self, tokenizer_file: Path, max_length: int) -> None:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(tokenizer_file))
        tok.no_padding()
        tok.enable_truncation(max_length=max_length)
        self._tok = tok
        self._pad_id = int(tok.padding["pad_id"]) if tok.padding else int(tok.token_to_id("[PAD]") or 0)

    def __call__(self, texts: list[str]) -> dict[str, np.ndarray]:
        enc = self._tok.encode_batch([t.strip() for t in texts])
        width = max((len(e.ids) for e in enc), default=0)
        ids = np.full((len(enc), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(enc), width), dtype=np.int64)
        types = np.zeros((len(enc), width), dtype=np.int64)
        for i, e in enumerate(enc):
            n = len(e.ids)
            ids[i, :n] = e.ids
            mask[i, :n] = e.attention_mask
            types[i, :n] = e.type_ids
        return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


@dataclass(frozen=True)
class OnnxVariant:
    """One ONNX model file made from the fp32 export."""

    name: str
    filename: str
    quantise: bool = False
    #: Quantise only these op types (None: onnxruntime's dynamic default, which includes Gather).
    op_types: tuple[str, ...] | None = None
    #: MatMul nodes (matched by substring of the exporter's node name) kept in float32.
    keep_fp32: tuple[str, ...] = ()
    pre_process: bool = False


ONNX_VARIANTS: dict[str, OnnxVariant] = {
    # The first int8 export (v1): every op onnxruntime quantises by default, per channel.
    # Cosine to fp32 on very short answers: mean 0.987, under the 0.99 bar.
    "twoknow.embed_backend.onnx_int8.v1": OnnxVariant(
        "twoknow.embed_backend.onnx_int8.v1", "model-int8-per-channel.onnx", quantise=True
    ),
    # MatMul weights only, per channel, and the feed-forward output
    # projections (the 1536 -> 384 MatMul after GELU, whose inputs have large
    # outliers) kept in fp32: the most sensitive group for the least time
    # (benchmarks/embedding_speed.py measures the trade).
    "twoknow.embed_backend.onnx_int8.v2": OnnxVariant(
        "twoknow.embed_backend.onnx_int8.v2", "model-int8-v2.onnx", quantise=True,
        op_types=("MatMul",), keep_fp32=("/output/dense/",), pre_process=True,
    ),
    # The plain float32 export (onnxruntime fuses attention/LayerNorm/GELU at load).
    "twoknow.embed_backend.onnx_fp32.v1": OnnxVariant("twoknow.embed_backend.onnx_fp32.v1", "model-fp32.onnx"),
}


def _keep_fp32_nodes(model_path: Path, patterns: tuple[str, ...]) -> list[str]:
    import onnx

    model = onnx.load(str(model_path), load_external_data=False)
    return [
        n.name for n in model.graph.node
        if n.op_type == "MatMul" and any(p in n.name for p in patterns) and "/attention/" not in n.name
    ]


class OnnxBackend:
    """ONNX Runtime on the CPU: float32 or int8 (dynamic quantisation), see :data:`ONNX_VARIANTS`.

    The model is exported once with ``torch.onnx.export`` (TorchScript
    exporter) into ``<cache>/onnx/<model digest>/`` and quantised there; a
    later run reuses the files and needs neither torch nor
    sentence-transformers (the model's ``tokenizer.json`` is read with
    ``tokenizers``, after the export checked it matches). Files appear under
    their final names only when whole (atomic writes).

    ``export_seconds`` is the time spent exporting/quantising in this
    process (0.0 when the cached files were reused).
    """

    def __init__(
        self, model_dir: Path, digest: str, cache_dir: Path, *, variant: str = "twoknow.embed_backend.onnx_int8.v2",
        num_threads: int | None = None,
    ) -> None:
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # onnxruntime phones home otherwise
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise ModelError(
                "E305", "The ONNX backend needs onnxruntime and onnx: pip install 'twoknow_text[onnx]'"
            ) from exc
        self.variant = ONNX_VARIANTS[variant]
        self.name = variant
        self.model_dir = model_dir
        self.folder = cache_dir / "onnx" / digest[:32]
        self._st: Any = None
        self.export_seconds = 0.0
        t0 = time.perf_counter()
        self.onnx_path, self.meta = self._ensure_exported()
        self.export_seconds = time.perf_counter() - t0 if self._st is not None else 0.0
        opts = ort.SessionOptions()
        if num_threads is not None:
            opts.intra_op_num_threads = num_threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(self.onnx_path), opts, providers=["CPUExecutionProvider"])
        self._input_names = {i.name for i in self.session.get_inputs()}
        tok_file = model_dir / "tokenizer.json"
        if self.meta.get("fast_tokenizer_ok") and tok_file.is_file():
            self._tokenize: Callable[[list[str]], dict[str, np.ndarray]] = _FastTokenizer(
                tok_file, int(self.meta["max_seq_length"])
            )
            self.tokenizer_kind = "tokenizers"
        else:  # a tokenizer we cannot reproduce: let sentence-transformers do it
            st = self._sentence_transformer()
            self._tokenize = lambda texts: {
                k: v.numpy().astype(np.int64) for k, v in _preprocess(st, texts).items() if k in _ONNX_INPUTS
            }
            self.tokenizer_kind = "sentence-transformers"

    @property
    def dim(self) -> int:
        return int(self.meta["dim"])

    def _sentence_transformer(self) -> Any:
        if self._st is None:
            # Eager attention traces to a plain graph; SDPA's mask helpers bake
            # Python branches into the trace.
            self._st = load_sentence_transformer(self.model_dir, attn_implementation="eager")
        return self._st

    def _ensure_exported(self) -> tuple[Path, dict[str, Any]]:
        from .._io import atomic_path, write_json
        from ..manifest import package_versions

        target = self.folder / self.variant.filename
        meta_file = self.folder / "export.json"
        meta = _read_json(meta_file)
        if target.is_file() and meta.get("dim"):
            return target, meta
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            st = self._sentence_transformer()
            fp32 = self.folder / ONNX_VARIANTS["twoknow.embed_backend.onnx_fp32.v1"].filename
            if not fp32.is_file() or not meta.get("dim"):
                t0 = time.perf_counter()
                with atomic_path(fp32) as fp32_tmp:
                    _export_fp32(st, Path(fp32_tmp))
                meta = {
                    "dim": _dimension(st),
                    "max_seq_length": int(st.max_seq_length),
                    "fast_tokenizer_ok": _fast_tokenizer_matches(st, self.model_dir),
                    "export_seconds": {"model-fp32.onnx": round(time.perf_counter() - t0, 2)},
                    "versions": package_versions(("torch", "onnx", "onnxruntime", "sentence-transformers", "transformers")),
                }
                write_json(meta, meta_file)
            if self.variant.quantise and not target.is_file():
                t0 = time.perf_counter()
                with tempfile.TemporaryDirectory(dir=self.folder, prefix=".quant-") as tmpdir:
                    src = fp32
                    if self.variant.pre_process:
                        from onnxruntime.quantization.shape_inference import quant_pre_process

                        src = Path(tmpdir) / "pre.onnx"
                        quant_pre_process(str(fp32), str(src), skip_symbolic_shape=True)
                    _quantise(src, target, self.variant)
                meta.setdefault("export_seconds", {})[self.variant.filename] = round(time.perf_counter() - t0, 2)
                write_json(meta, meta_file)
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError("E309", f"ONNX export of the model failed ({type(exc).__name__}); use backend='torch'") from exc
        return target, meta

    def encode(self, texts: list[str]) -> np.ndarray:
        inputs = self._tokenize(texts)
        inputs = {k: v for k, v in inputs.items() if k in self._input_names}
        if "token_type_ids" in self._input_names and "token_type_ids" not in inputs:
            inputs["token_type_ids"] = np.zeros_like(inputs["input_ids"])
        (out,) = self.session.run(["embedding"], inputs)
        return np.asarray(out, dtype=np.float32)


def _read_json(path: Path) -> dict[str, Any]:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _export_fp32(st: Any, path: Path) -> None:
    import torch

    wrapper = _StWrapper.build(st)
    feats = _preprocess(st, ["a short example sentence", "another, somewhat longer, one"])
    args = tuple(feats[k] for k in ("input_ids", "attention_mask"))
    tt = feats.get("token_type_ids")
    args = (*args, tt if tt is not None else torch.zeros_like(args[0]))
    dyn = {k: {0: "batch", 1: "seq"} for k in _ONNX_INPUTS}
    dyn["embedding"] = {0: "batch"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer chatter about constant Python branches
        torch.onnx.export(
            wrapper, args, str(path), dynamo=False, opset_version=17,
            input_names=list(_ONNX_INPUTS), output_names=["embedding"], dynamic_axes=dyn,
        )


def _quantise(src: Path, target: Path, variant: OnnxVariant) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from .._io import atomic_path

    kwargs: dict[str, Any] = {"per_channel": True, "weight_type": QuantType.QInt8}
    if variant.op_types is not None:
        kwargs["op_types_to_quantize"] = list(variant.op_types)
        # MatMul outputs whose type shape inference cannot see are float32 here.
        kwargs["extra_options"] = {"DefaultTensorType": onnx.TensorProto.FLOAT}
    if variant.keep_fp32:
        kwargs["nodes_to_exclude"] = _keep_fp32_nodes(src, variant.keep_fp32)
    with atomic_path(target) as tmp, _quiet_quantiser():
        quantize_dynamic(str(src), str(tmp), **kwargs)


def _fast_tokenizer_matches(st: Any, model_dir: Path) -> bool:
    """True when ``tokenizers`` on ``tokenizer.json`` gives sentence-transformers' exact ids."""
    tok_file = model_dir / "tokenizer.json"
    if not tok_file.is_file():
        return False
    try:
        fast = _FastTokenizer(tok_file, int(st.max_seq_length))(_TOKENIZER_PROBES)
        ref = _preprocess(st, _TOKENIZER_PROBES)
        for key in ("input_ids", "attention_mask"):
            if not np.array_equal(fast[key], ref[key].numpy()):
                return False
        tt = ref.get("token_type_ids")
        return tt is None or bool(np.array_equal(fast["token_type_ids"], tt.numpy()))
    except Exception:  # any mismatch in shape or a tokenizer quirk: fall back to sentence-transformers
        return False


@dataclass(frozen=True)
class BackendSpec:
    """A registered backend: its versioned name and how to build it."""

    name: str
    factory: Callable[..., Backend]
    description: str


def _onnx_spec(variant: str, description: str) -> BackendSpec:
    """The registry entry of one :data:`ONNX_VARIANTS` variant."""
    return BackendSpec(
        variant,
        lambda model_dir, digest, cache_dir, num_threads: OnnxBackend(
            model_dir, digest, cache_dir, variant=variant, num_threads=num_threads
        ),
        description,
    )


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
    "twoknow.embed_backend.onnx_int8.v1": _onnx_spec(
        "twoknow.embed_backend.onnx_int8.v1",
        "ONNX Runtime, int8 per channel, all default ops (v1; weaker on very short answers).",
    ),
    "twoknow.embed_backend.onnx_int8.v2": _onnx_spec(
        "twoknow.embed_backend.onnx_int8.v2",
        "ONNX Runtime, int8 per-channel MatMul weights, feed-forward output projections kept fp32.",
    ),
    "twoknow.embed_backend.onnx_fp32.v1": _onnx_spec(
        "twoknow.embed_backend.onnx_fp32.v1",
        "ONNX Runtime, float32 (same vectors as torch to ~1e-6, no torch import once exported).",
    ),
}

#: Short names accepted by ``Embedder(backend=...)``.
BACKEND_ALIASES: dict[str, str] = {
    "torch": "twoknow.embed_backend.torch_fp32.v1",
    "torch-fp32": "twoknow.embed_backend.torch_fp32.v1",
    "torch-bf16": "twoknow.embed_backend.torch_bf16.v1",
    "bf16": "twoknow.embed_backend.torch_bf16.v1",
    "onnx": "twoknow.embed_backend.onnx_int8.v2",
    "onnx-int8": "twoknow.embed_backend.onnx_int8.v2",
    "onnx-int8-v1": "twoknow.embed_backend.onnx_int8.v1",
    "onnx-fp32": "twoknow.embed_backend.onnx_fp32.v1",
}
