"""Subgroup tables: only structured columns split them, small subgroups are suppressed (primary + complementary)."""

from __future__ import annotations

import pandas as pd
import pytest

from twoknow_text.codebook import load_codebook
from twoknow_text.errors import CodebookError
from twoknow_text.reading import read_survey
from twoknow_text.records import Corpus, Response
from twoknow_text.reporting import frequency_report, report_files

TEXT_COLS = ["q1_led_to_it", "q2_made_easier", "q3_situations", "q4_stops_you"]
# region per respondent R01..R08: north 4, south 3, east 1
REGION = {"R01": "north", "R02": "north", "R03": "north", "R04": "north", "R05": "south", "R06": "south",
          "R07": "south", "R08": "east"}


@pytest.fixture(scope="module")
def mini(test_data):
    corpus, _ = read_survey(
        test_data / "codebook" / "mini_survey.csv", format="wide", id_col="respondent_id", text_cols=TEXT_COLS,
        language_col="language",
    )
    codings = pd.read_csv(test_data / "codebook" / "mini_codings.csv", dtype=str, keep_default_na=False)
    return corpus, codings


def _with_meta(corpus: Corpus, **columns: dict[str, str]) -> Corpus:
    return Corpus([
        Response(**{**r.model_dump(), "metadata": {**r.metadata, **{k: v[r.respondent_id] for k, v in columns.items()}}})
        for r in corpus
    ])


def _groups(rep, by: str) -> pd.DataFrame:
    s = rep.by_subgroup
    return s[(s["subgroup"] == by)].groupby("subgroup_value").first()


def test_a_lone_small_subgroup_is_suppressed_with_a_complementary_one(mini):
    corpus, codings = mini
    rep = frequency_report(codings, corpus, load_codebook(), coder="coder_a", by=["language", "question_id"])
    lang = _groups(rep, "language")  # fi: 2 respondents, en: 6
    assert lang.loc["fi", "suppressed"] == "<5" and lang.loc["en", "suppressed"] == "complementary"
    hidden = rep.by_subgroup[rep.by_subgroup["subgroup"] == "language"]
    assert hidden[["n_answers", "n_respondents", "respondents_total", "share", "ci_low", "ci_high"]].isna().all().all()
    # 8, 8, 7 and 8 respondents per question: nothing hidden there
    q = rep.by_subgroup[rep.by_subgroup["subgroup"] == "question_id"]
    assert (q["suppressed"] == "").all() and q["respondents_total"].notna().all()
    assert any("fewer than 5 respondents" in n and "recovered" in n for n in rep.notes)
    # the overall table is untouched: en + fi could otherwise give fi by subtraction
    assert rep.frequencies["respondents_total"].iloc[0] == 8


def test_min_cell_is_configurable_and_two_small_subgroups_need_no_complement(mini):
    corpus, codings = mini
    corpus = _with_meta(corpus, region=REGION)
    rep = frequency_report(codings, corpus, load_codebook(), coder="coder_a", by=["region"], min_cell=4)
    g = _groups(rep, "region")
    assert (g.loc["east", "suppressed"], g.loc["south", "suppressed"], g.loc["north", "suppressed"]) == ("<4", "<4", "")
    assert g.loc["north", "respondents_total"] == 4
    rep = frequency_report(codings, corpus, load_codebook(), coder="coder_a", by=["region"], min_cell=2)
    g = _groups(rep, "region")  # east alone is small: the smallest shown one (south, 3) hides it
    assert (g.loc["east", "suppressed"], g.loc["south", "suppressed"], g.loc["north", "suppressed"]) == (
        "<2", "complementary", "")
    rep = frequency_report(codings, corpus, load_codebook(), coder="coder_a", by=["region"], min_cell=0)
    assert (rep.by_subgroup["suppressed"] == "").all()
    with pytest.raises(CodebookError) as ei:
        frequency_report(codings, corpus, load_codebook(), coder="coder_a", by=["region"], min_cell=-1)
    assert ei.value.code == "E771"


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("comment", {f"R0{i}": f"I wrote this note myself on day {i} because the form asked" for i in range(1, 9)}),
        ("contact", {f"R0{i}": f"person{i}@example.org" for i in range(1, 9)}),
    ],
)
def test_a_free_text_or_identifier_column_cannot_split_a_table(mini, column, values):
    corpus, codings = mini
    corpus = _with_meta(corpus, **{column: values})
    with pytest.raises(CodebookError) as ei:
        frequency_report(codings, corpus, load_codebook(), coder="coder_a", by=[column])
    assert ei.value.code == "E770" and column in ei.value.message
    assert not any(v in ei.value.message for v in values.values())


def test_a_subgroup_per_respondent_is_refused(mini):
    corpus, codings = mini
    with pytest.raises(CodebookError) as ei:
        frequency_report(codings, corpus, load_codebook(), coder="coder_a", by=["respondent_id"])
    assert ei.value.code == "E770"


@pytest.mark.slow
def test_report_by_checks_the_deid_manifest(mini, test_data, tmp_path):
    # a wide export with a structured column and a free-text one; `deid` copies both unchanged
    raw = pd.read_csv(test_data / "codebook" / "mini_survey.csv", dtype=str, keep_default_na=False)
    raw["region"] = raw["respondent_id"].map(REGION)
    raw["other_notes"] = [f"Some words I typed into the other box, number {i}." for i in range(len(raw))]
    src = tmp_path / "raw.csv"
    raw.to_csv(src, index=False)
    from twoknow_text.deid import deidentify_file

    out = tmp_path / "deid.csv"
    res = deidentify_file(src, out, text_cols=TEXT_COLS, id_col="respondent_id", format="wide",
                          language_col="language")
    assert res.unsafe_columns() == {"other_notes": "free_text"}
    codings = test_data / "codebook" / "mini_codings.csv"
    kw = {"text_cols": TEXT_COLS, "id_col": "respondent_id", "format": "wide", "language_col": "language"}
    with pytest.raises(CodebookError) as ei:
        report_files(codings, out, tmp_path / "r1", coder="coder_a", by=["other_notes"], **kw)
    assert ei.value.code == "E770" and "other_notes" in ei.value.message
    with pytest.raises(CodebookError) as ei:
        report_files(codings, out, tmp_path / "r2", coder="coder_a", by=["q1_led_to_it"], **kw)
    assert ei.value.code == "E770"  # an answer column, even de-identified, is free text
    rep, paths = report_files(codings, out, tmp_path / "r3", coder="coder_a", by=["region"], min_cell=3, **kw)
    table = pd.read_csv(paths["by_subgroup"], dtype=str, keep_default_na=False)
    east = table[table["subgroup_value"] == "east"]
    assert set(east["suppressed"]) == {"<3"} and set(east["respondents_total"]) == {""}
    html = paths["html"].read_text(encoding="utf-8")
    assert "east (n=" not in html  # a suppressed subgroup is not drawn


def test_qdpx_leaves_out_metadata_that_holds_free_text_or_identifiers(mini, tmp_path):
    import zipfile

    from twoknow_text.codebook import export_qdpx

    corpus, codings = mini
    note = {f"R0{i}": f"I wrote this note myself on day {i} because the form asked" for i in range(1, 9)}
    mail = {f"R0{i}": f"person{i}@example.org" for i in range(1, 9)}
    corpus = Corpus(list(_with_meta(corpus, note=note, contact=mail, region=REGION)), deidentified=True)
    out = export_qdpx(load_codebook(), corpus, codings, tmp_path / "p.qdpx")
    with zipfile.ZipFile(out) as zf:
        everything = "\n".join(zf.read(n).decode("utf-8") for n in zf.namelist())
    assert not any(v in everything for v in [*note.values(), *mail.values()])
    assert 'name="region"' in everything and "north" in everything  # structured metadata stays a variable
    assert "Metadata left out (free text or identifiers, not de-identified): note, contact." in everything
