"""HTML pages: jinja2 templates with autoescaping on, one stylesheet, one palette, shipped as package data."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pandas as pd

from twoknow_text import _pages
from twoknow_text._pages import PALETTE, render_page, stylesheet
from twoknow_text.codebook import load_codebook
from twoknow_text.reading import read_survey
from twoknow_text.reporting import frequency_report, render_html

TEMPLATES = Path(_pages.__file__).parent / "templates"


def test_every_template_escapes_by_default():
    env = _pages._environment()
    names = env.list_templates()
    assert {"base.html.j2", "themes_report.html.j2", "coding_report.html.j2"} <= set(names)
    for name in names:
        assert env.autoescape is True or env.autoescape(name) is True, name
    page = render_page("base.html.j2", title="<img src=x onerror=alert(1)> & co", plotly=False)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt; &amp; co" in page
    assert "<script" not in page  # no plotly asked for: no script at all


def test_templates_and_stylesheet_are_package_data():
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["twoknow_text"]
    assert "templates/*" in globs
    assert sorted(p.name for p in TEMPLATES.iterdir() if p.is_file()) == [
        "base.html.j2", "coding_report.html.j2", "report.css", "themes_report.html.j2"]


def test_the_coding_report_uses_the_one_stylesheet_and_palette(test_data):
    corpus, _ = read_survey(test_data / "codebook" / "mini_survey.csv", format="wide", id_col="respondent_id",
                            text_cols=["q1_led_to_it", "q2_made_easier", "q3_situations", "q4_stops_you"])
    codings = pd.read_csv(test_data / "codebook" / "mini_codings.csv", dtype=str, keep_default_na=False)
    html = render_html(frequency_report(codings, corpus, load_codebook(), coder="coder_a"))
    assert html.count("<style>") == 1 and stylesheet() in html
    assert html.count("<script type=\"text/javascript\">window.PlotlyConfig") == 1  # plotly.js inlined once
    # the four factor categories are drawn in the first four colours of the palette
    bar_colors = re.search(r'"marker":\{"color":\[([^\]]+)\]', html)
    assert bar_colors is not None
    assert [c.strip('"') for c in bar_colors.group(1).split(",")] == [c for c in PALETTE[:4]]
