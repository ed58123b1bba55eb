"""Across stages on the bundled sample: simulated codings -> agreement -> revision -> final tables."""

from __future__ import annotations

from importlib import resources

import pandas as pd
import pytest

from twoknow_text.codebook import final_codebook, load_codebook, revise_codebook
from twoknow_text.reporting import frequency_report

SAMPLE = resources.files("twoknow_text") / "data" / "sample"


@pytest.mark.slow
def test_agreement_table_drives_revision_and_report():
    from twoknow_text.agreement import agreement
    from twoknow_text.synth import load_sample

    cb = load_codebook()
    codings = pd.read_csv(str(SAMPLE / "simulated_codings.csv"), dtype=str, keep_default_na=False)
    rep = agreement(codings, unit_col="response_id", coder_col="coder", value_col="code", multi_label=True,
                    codebook=cb, n_boot=100, seed=0)
    per_code = rep.per_code
    revised, table = revise_codebook(cb, per_code, 0.667)
    flagged = set(table.loc[table["action"] == "revise", "code"])
    # the simulation makes the "other" codes and two fuzzy codes hard; the rest is reliable enough
    assert {"mot_other", "bar_other", "sit_other", "mot_sensation_seeking", "mot_high_sex_drive"} == flagged
    assert all(revised.get(c).status == "candidate" for c in flagged)
    final = final_codebook(cb, per_code, 0.667)
    assert len(final.codes) == len(cb.codes) - len(flagged)
    # final tables with the final codebook: codes it dropped are left out, their answers still count
    out = frequency_report(codings, load_sample(), final, coder="majority", unknown_codes="drop")
    assert set(out.frequencies.loc[out.frequencies["level"] == "code", "id"]) == set(final.ids)
    assert out.n_respondents == 500 and any("left out" in n for n in out.notes)
