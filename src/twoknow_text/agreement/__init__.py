"""Inter-coder agreement: coefficients with bootstrap CIs, per-code tables, adjudication.

>>> from twoknow_text.agreement import reliability_data, agreement
>>> import pandas as pd
>>> df = pd.DataFrame({"unit": ["a", "a", "b", "b", "c", "c"],
...                    "coder": ["x", "y"] * 3,
...                    "value": ["yes", "yes", "no", "no", "yes", "no"]})
>>> rep = agreement(reliability_data(df), n_boot=200, seed=0)
>>> round(rep["percent_agreement"].value, 3)
0.667

Multi-label coding (one row per unit, coder, code; empty code = seen, none
given) gets one row per code with ``per_code_table`` / ``agreement(...).per_code``.
"""

from ._adjudication import COMPARE_FIELD, AdjudicationPush, AuditLog, adjudicate_pull, adjudicate_push, disagreements
from ._bootstrap import BOOT_METHODS, bootstrap_weights, percentile_ci, resampled_sums
from ._coefficients import (
    COEFFICIENTS,
    Estimate,
    agreement_weights,
    brennan_prediger,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    krippendorff_alpha,
    masi_alpha,
    masi_distance,
    per_code_alpha,
    percent_agreement,
)
from ._matrix import LEVELS, MultiLabelData, ReliabilityData, load_codebook_codes, reliability_data
from ._plots import plot_code_alpha, plot_coder_heatmap
from ._synthetic import simulate_codings
from ._tables import (
    AgreementReport,
    agreement,
    drift_table,
    gold_table,
    krippendorff_flag,
    pairwise_table,
    per_code_table,
)

__all__ = [
    # data
    "LEVELS",
    "ReliabilityData",
    "MultiLabelData",
    "reliability_data",
    "load_codebook_codes",
    "simulate_codings",
    # coefficients
    "COEFFICIENTS",
    "Estimate",
    "krippendorff_alpha",
    "cohen_kappa",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac2",
    "brennan_prediger",
    "percent_agreement",
    "masi_alpha",
    "masi_distance",
    "per_code_alpha",
    "agreement_weights",
    # bootstrap
    "BOOT_METHODS",
    "bootstrap_weights",
    "resampled_sums",
    "percentile_ci",
    # reports and tables
    "AgreementReport",
    "agreement",
    "per_code_table",
    "pairwise_table",
    "gold_table",
    "drift_table",
    "krippendorff_flag",
    # adjudication
    "disagreements",
    "adjudicate_push",
    "adjudicate_pull",
    "AdjudicationPush",
    "AuditLog",
    "COMPARE_FIELD",
    # plots
    "plot_code_alpha",
    "plot_coder_heatmap",
]
