"""From agreement to revision: flags, history and the final codebook."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from twoknow_text.codebook import final_codebook, load_codebook, revise_codebook, revision_table
from twoknow_text.errors import CodebookError

DAY = dt.date(2026, 4, 1)


def _agreement(cb) -> pd.DataFrame:
    alpha = {c.id: 0.85 for c in cb.codes}
    alpha.update({"mot_high_sex_drive": 0.52, "sit_other": 0.30, "bar_guilt_shame": 0.667, "mot_other": float("nan")})
    del alpha["fac_other"]
    rows = [{"code": k, "alpha": v, "n_units": 100} for k, v in alpha.items()]
    rows.append({"code": "not_a_code", "alpha": 0.9, "n_units": 5})
    rows.append({"code": "motivations", "alpha": 0.7, "n_units": 100})  # category rows are allowed and ignored
    return pd.DataFrame(rows)


def test_revision_table_actions():
    cb = load_codebook()
    t = revision_table(cb, _agreement(cb)).set_index("code")
    assert t.loc["mot_high_sex_drive", "action"] == "revise"
    assert t.loc["sit_other", "action"] == "revise"
    assert t.loc["bar_guilt_shame", "action"] == "keep"  # the threshold itself meets it
    assert t.loc["mot_other", "action"] == "no data" and t.loc["fac_other", "action"] == "no data"
    assert t.loc["not_a_code", "action"] == "not in codebook"
    assert "motivations" not in t.index
    assert t.loc["mot_curiosity", "meets"]


def test_revise_records_history_and_demotes_flagged_codes():
    cb = load_codebook()
    new, table = revise_codebook(cb, _agreement(cb), 0.667, date=DAY)
    flagged = new.get("mot_high_sex_drive")
    assert flagged.status == "candidate"
    h = flagged.history[-1]
    assert h.date == DAY and h.agreement == pytest.approx(0.52) and "flagged for definition revision" in h.change
    ok = new.get("mot_curiosity")
    assert ok.status == "active" and ok.history[-1].agreement == pytest.approx(0.85)
    assert len(new.get("mot_other").history) == len(cb.get("mot_other").history)  # no data: untouched
    assert (table["action"] == "revise").sum() == 2


def test_final_codebook_keeps_active_codes_that_meet_threshold():
    cb = load_codebook()
    final = final_codebook(cb, _agreement(cb), 0.667)
    assert "mot_high_sex_drive" not in final and "sit_other" not in final and "fac_other" not in final
    assert "bar_guilt_shame" in final and len(final.codes) == 23 - 4
    assert final.version.endswith("-final") and final.category_ids == cb.category_ids
    stricter = final_codebook(cb, _agreement(cb), 0.8)
    assert "bar_guilt_shame" not in stricter


def test_bad_agreement_tables(tmp_path):
    cb = load_codebook()
    with pytest.raises(CodebookError) as ei:
        revision_table(cb, pd.DataFrame({"code_id": ["a"], "kappa": [0.5]}))
    assert ei.value.code == "E720" and "alpha" in ei.value.message
    with pytest.raises(CodebookError) as ei:
        revision_table(cb, pd.DataFrame({"code": ["a", "a"], "alpha": [0.5, 0.6]}))
    assert ei.value.code == "E720"
    with pytest.raises(CodebookError) as ei:
        revision_table(cb, _agreement(cb), threshold=2)
    assert ei.value.code == "E721"
    p = tmp_path / "ag.csv"
    _agreement(cb).to_csv(p, index=False)
    assert math.isclose(revision_table(cb, p).set_index("code").loc["sit_other", "alpha"], 0.30)


def test_agreement_stage_column_names_and_lower_bound():
    cb = load_codebook()
    ag = _agreement(cb).rename(columns={"alpha": "krippendorff_alpha"})
    ag["krippendorff_alpha_low"] = ag["krippendorff_alpha"] - 0.1
    t = revision_table(cb, ag).set_index("code")
    assert t.loc["bar_guilt_shame", "action"] == "keep"
    strict = revision_table(cb, ag, criterion="lower").set_index("code")
    assert strict.loc["bar_guilt_shame", "action"] == "revise"
    assert strict.loc["mot_curiosity", "alpha"] == pytest.approx(0.75)
    with pytest.raises(CodebookError) as ei:
        revision_table(cb, ag, criterion="median")
    assert ei.value.code == "E721"
