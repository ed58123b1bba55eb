"""The HTML report is one self-contained file: plotly inlined, no CDN, text escaped."""

from __future__ import annotations

import re

import pytest

from themes_synth import make_answers
from twoknow_text.themes import ThemeModel, build_report, write_report

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model(embedder):
    texts, _ = make_answers(150, seed=4)
    texts[0] = "<script>alert('x')</script> I felt lonely & bored"
    classes = [f"q{i % 2}" for i in range(150)]
    return ThemeModel(embedder=embedder, random_state=2, use_keybert=False).fit(texts, classes=classes, timestamps=[i % 3 for i in range(150)])


def test_report_is_self_contained(model, tmp_path):
    path = write_report(model, tmp_path / "report.html", title="Test <themes>")
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    srcs = re.findall(r"<script[^>]*\bsrc\s*=\s*['\"]([^'\"]+)", html, flags=re.I)
    assert srcs == []
    assert not [s for s in srcs if "cdn." in s or s.startswith(("http:", "https:", "//"))]
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)\s*=\s*['\"]https?://", html, flags=re.I)
    assert "plotly" in html.lower() and len(html) > 1_000_000  # plotly.js inlined
    assert html.count("Plotly.newPlot") >= 4  # sizes, map, per class, over time, hierarchy


def test_report_escapes_text(model):
    html = build_report(model, title="Test <themes>")
    assert "<script>alert('x')</script>" not in html
    assert "Test &lt;themes&gt;" in html
    for section in ("Theme sizes", "Map of answers", "Themes per class", "Themes over time", "Hierarchy", "representative answers"):
        assert section in html
