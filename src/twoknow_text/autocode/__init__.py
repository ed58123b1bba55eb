"""Assisted coding: suggest codebook codes for answers from the coders' work, and abstain when unsure.

>>> from twoknow_text.autocode import AutoCoder
>>> model = AutoCoder().fit(texts, codes, code_descriptions)      # doctest: +SKIP
>>> model.predict(new_texts)                                       # doctest: +SKIP
[['mot_curiosity'], [], ['unsure'], ...]

Model codes are suggestions for coders to accept or correct, never final
codes. See ``docs/autocode.md``.

Error codes E800-E829 (``AutocodeError``).
"""

from ._evaluate import code_lists, coverage_table, evaluate, predictions_table
from ._model import METHODS, UNSURE, AutoCoder
from ._store import load_model, model_version, save_model

__all__ = [
    "METHODS",
    "UNSURE",
    "AutoCoder",
    "code_lists",
    "codebook_descriptions",
    "coverage_table",
    "evaluate",
    "load_model",
    "model_version",
    "predictions_table",
    "save_model",
]


def codebook_descriptions(codebook=None) -> dict[str, str]:
    """``code id -> text`` for :meth:`AutoCoder.fit` from a codebook (default: the bundled 2KNOW one).

    One line for the label and definition, then one per inclusion rule and
    example: each line is embedded and the closest one counts.
    """
    from ..codebook import load_codebook

    cb = codebook if hasattr(codebook, "codes") else load_codebook(codebook)
    out = {}
    for c in cb.codes:
        if getattr(c, "status", "active") != "active":
            continue
        lines = [f"{c.label}: {c.definition}", *c.inclusion, *c.examples]
        out[c.id] = "\n".join(" ".join(str(x).split()) for x in lines if str(x).strip())
    return out
