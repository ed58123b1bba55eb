"""De-identification: find identifiers in answers and replace them.

Nothing downstream (themes, Label Studio, reports) may see an answer before it
passes through here. Detection (:class:`Deidentifier`, Presidio + spaCy +
the project's pattern recognizers) and replacement (:class:`Pseudonymizer`,
keyed HMAC placeholders) are separate; replacement never imports the NLP stack.

>>> from twoknow_text.deid import deidentify_file, new_key_file   # doctest: +SKIP
>>> new_key_file("deid.key")                                      # doctest: +SKIP
>>> deidentify_file("answers.csv", "answers_deid.csv", text_cols=["answer"], id_col="id",
...                 key_file="deid.key", report="deid_report.json")  # doctest: +SKIP
"""

from __future__ import annotations

from .allowlist import AllowList
from .config import DeidConfig
from .engine import Deidentifier
from .pipeline import deidentify, deidentify_file, load_deid_config, verify_deidentified
from .pseudonyms import Pseudonymizer, ephemeral_key, load_key, new_key_file
from .report import AnswerFlags, DeidReport, ResidualFlag, find_residual_risks
from .registry import get_recognizers, registered_names
from .spans import DetectedSpan

__all__ = [
    "AllowList",
    "AnswerFlags",
    "DeidConfig",
    "DeidReport",
    "Deidentifier",
    "DetectedSpan",
    "Pseudonymizer",
    "ResidualFlag",
    "deidentify",
    "deidentify_file",
    "ephemeral_key",
    "find_residual_risks",
    "get_recognizers",
    "load_deid_config",
    "load_key",
    "new_key_file",
    "registered_names",
    "verify_deidentified",
]

