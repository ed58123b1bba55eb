"""The quickstart notebook runs end to end, against the real Label Studio server.

It is executed with nbclient in a fresh kernel, with its outputs written to a
temporary folder. ``LABEL_STUDIO_URL`` / ``LABEL_STUDIO_API_KEY`` point the
notebook at the session's Label Studio server, so its round trip (push, coders'
annotations through the API, pull) runs for real; without a server the
notebook reads the bundled simulated codes instead (same table shape,
covered by test_simulated_codings.py).
"""

from __future__ import annotations

import json
import os

import pytest

nbformat = pytest.importorskip("nbformat")  # test extra; CI installs it
nbclient = pytest.importorskip("nbclient")


@pytest.mark.slow
@pytest.mark.labelstudio
@pytest.mark.timeout(2400)
def test_quickstart_notebook_runs(repo_root, tmp_path, ls_server, monkeypatch):
    path = repo_root / "notebooks" / "quickstart.ipynb"
    nb = nbformat.read(path, as_version=4)
    # outputs are stripped in git: a committed notebook never carries answers or results
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    monkeypatch.setenv("TWOKNOW_QUICKSTART_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("LABEL_STUDIO_URL", ls_server.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", ls_server.token)
    client = nbclient.NotebookClient(
        nb, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # the kernel inherits the environment set above
    out = tmp_path / "out"
    text = "\n".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream"
    )
    assert "coded in Label Studio: 30 answers" in text
    for name in ("survey_deid.csv", "codebook.qdc", "project.qdpx", "codebook.md", "codebook_final.yaml"):
        assert (out / name).stat().st_size > 0, name
    report = out / "report"
    assert (report / "report.html").stat().st_size > 1_000_000
    manifest = json.loads((out / "survey_deid.csv.manifest.json").read_text(encoding="utf-8"))
    assert manifest["stage"] == "deid"
    import pandas as pd

    freq = pd.read_csv(report / "frequencies.csv")
    cats = freq[freq["level"] == "category"]
    assert len(cats) == 4 and (cats["respondents_total"] == 500).all()
    assert set(freq["source"]) == {"majority vote of 3 coders (not adjudicated)"}
