"""`run_themes` de-identifies in a worker process while the models load (``parallel_deid``).

The worker is a real spawned process running the real de-identification
engine (Presidio + the small spaCy pipeline); these tests check that it gives
exactly what one process gives, that its coded errors arrive unchanged, and
that a worker that dies is a coded error with nothing written.
"""

from __future__ import annotations

import json
import os
import re

import pytest

from themes_synth import make_answers
from twoknow_text import Corpus, Response
from twoknow_text.deid.pseudonyms import new_key_file
from twoknow_text.errors import ConfigError, DeidError, ThemeError
from twoknow_text.themes import run_themes
from twoknow_text.themes._run import _deidentify_while_loading

pytestmark = pytest.mark.slow

PLANTED = [
    "My name is Daniel Berg and I felt lonely after moving to Tampere.",
    "Write to me at helper.person@example.org if you want to talk.",
    "I used a VPN and Tor so nobody could see me.",
    "Call me on +358 40 123 4567, I want help to stop.",
]


def _corpus(n: int = 60) -> Corpus:
    texts, _ = make_answers(n - len(PLANTED), seed=11)
    texts = [*PLANTED, *texts]
    return Corpus([Response(response_id=f"R{i:03d}", text=t, language="en") for i, t in enumerate(texts)])


class _Loaded:
    """Stands in for a ThemeModel in the warm-up: records that it was loaded."""

    def __init__(self) -> None:
        self.embedder = self
        self.loaded = 0

    def load(self) -> None:
        self.loaded += 1


def _die(corpus, deid_config, key_file):  # runs in the worker: dies without a word, like an OOM kill
    os._exit(9)


def _refuse(corpus, deid_config, key_file):  # runs in the worker: a coded error, as the engine raises them
    raise DeidError("E299", f"refused {len(corpus)} answers (response_id R000)")


def test_worker_gives_what_one_process_gives(tmp_path):
    key = tmp_path / "secret.key"
    new_key_file(key)
    corpus = _corpus()
    one, one_report, _ = _deidentify_while_loading(corpus, None, key, _Loaded(), parallel=False)
    model = _Loaded()
    two, two_report, warm = _deidentify_while_loading(corpus, None, key, model, parallel=True)
    assert model.loaded == 1 and warm > 0  # the models were loaded in this process meanwhile
    assert two.deidentified and two.ids == one.ids
    assert two.texts == one.texts  # same key, same pseudonyms
    assert two_report.n_spans == one_report.n_spans >= 4
    # the planted identifiers are gone, the platform names stay
    joined = "\n".join(two.texts)
    for raw in ("Daniel Berg", "helper.person@example.org", "123 4567"):
        assert raw not in joined
    assert "VPN" in joined and "Tor" in joined


def test_coded_error_in_the_worker_arrives_unchanged(monkeypatch):
    import twoknow_text.themes._run as run_mod

    monkeypatch.setattr(run_mod, "_deidentify_in_worker", _refuse)
    with pytest.raises(DeidError) as info:
        _deidentify_while_loading(_corpus(), None, None, _Loaded(), parallel=True)
    assert info.value.code == "E299" and info.value.message == "refused 60 answers (response_id R000)"


def test_bad_config_or_key_fails_before_the_models_load(tmp_path):
    model = _Loaded()
    with pytest.raises(ConfigError) as info:
        _deidentify_while_loading(_corpus(), {"no_such_key": 1}, None, model, parallel=True)
    assert info.value.code == "E104" and "no_such_key" in info.value.message
    with pytest.raises(DeidError) as info:
        _deidentify_while_loading(_corpus(), None, tmp_path / "missing.key", model, parallel=True)
    assert info.value.code == "E223"
    assert model.loaded == 0


def test_a_worker_that_dies_is_e409(monkeypatch):
    import twoknow_text.themes._run as run_mod

    monkeypatch.setattr(run_mod, "_deidentify_in_worker", _die)
    with pytest.raises(ThemeError) as info:
        _deidentify_while_loading(_corpus(), None, None, _Loaded(), parallel=True)
    assert info.value.code == "E409" and "parallel_deid: false" in info.value.message


def test_run_themes_in_both_modes_gives_identical_outputs(tmp_path):
    key = tmp_path / "secret.key"
    new_key_file(key)
    corpus = _corpus(120)
    outs = {}
    for parallel in (True, False):
        cfg = {"use_keybert": False, "parallel_deid": parallel, "backend": "torch"}
        res = run_themes(corpus, tmp_path / f"out_{parallel}", cfg, seed=3, key_file=key)
        outs[parallel] = res
        manifest = json.loads(res.files["manifest"].read_text(encoding="utf-8"))
        assert manifest["deidentified_by"] == "twoknow_text.deid"
        assert "load_models" in manifest["timings_s"]
    a, b = outs[True], outs[False]
    assert a.corpus.texts == b.corpus.texts
    assert a.files["assignments"].read_bytes() == b.files["assignments"].read_bytes()
    assert a.files["themes"].read_bytes() == b.files["themes"].read_bytes()


def test_a_worker_death_writes_nothing(tmp_path, monkeypatch):
    import twoknow_text.themes._run as run_mod

    monkeypatch.setattr(run_mod, "_deidentify_in_worker", _die)
    out = tmp_path / "out"
    with pytest.raises(ThemeError) as info:
        run_themes(_corpus(), out, {"use_keybert": False}, seed=1)
    assert info.value.code == "E409"
    assert not out.exists() or not any(out.iterdir())


def test_themes_do_not_depend_on_the_pseudonym_key(tmp_path):
    # Two runs without a key file: each de-identifies with its own one-run key,
    # so the pseudonyms differ, but the model sees types only: same themes.
    corpus = _corpus(120)
    runs = [run_themes(corpus, tmp_path / f"run{i}", {"use_keybert": False, "backend": "torch"}, seed=4) for i in range(2)]
    texts = [r.corpus.texts for r in runs]
    assert texts[0] != texts[1]  # different one-run keys, different pseudonyms
    docs = runs[0].model._docs
    assert any("[PERSON]" in t for t in docs)
    assert not any(re.search(r"\[PERSON_[A-Z0-9]+\]", t) for t in docs)
    for name in ("assignments", "themes"):
        assert runs[0].files[name].read_bytes() == runs[1].files[name].read_bytes()


def test_an_unguarded_script_runs_once(tmp_path):
    # A researcher's script without `if __name__ == "__main__":`: the spawned
    # worker must not run it again (it would de-identify and more, twice).
    import subprocess
    import sys
    import textwrap

    marker = tmp_path / "ran.txt"
    script = tmp_path / "my_analysis.py"
    script.write_text(textwrap.dedent(f"""
        from twoknow_text import Corpus, Response
        from twoknow_text.themes._run import _deidentify_while_loading

        with open({str(marker)!r}, "a") as fh:
            fh.write("ran\\n")

        class Loaded:
            embedder = None

        corpus = Corpus([Response(response_id=str(i), text=f"I felt lonely, answer {{i}}.") for i in range(5)])
        out, report, _ = _deidentify_while_loading(corpus, None, None, Loaded(), parallel=True)
        print(len(out), out.deidentified)
    """), encoding="utf-8")
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split() == ["5", "True"]
    assert marker.read_text().splitlines() == ["ran"]
