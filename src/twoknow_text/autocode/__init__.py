"""Assisted coding: suggest codebook codes for answers from the coders' work, and abstain when unsure.

>>> from twoknow_text.autocode import AutoCoder
>>> model = AutoCoder().fit(texts, codes, code_descriptions)      # doctest: +SKIP
>>> model.predict(new_texts)                                       # doctest: +SKIP
[['mot_curiosity'], [], ['unsure'], ...]

Model codes are suggestions for coders to accept or correct, never final
codes. See ``docs/autocode.md``.

Error codes E800-E829 (``AutocodeError``).
"""

from ._model import METHODS, UNSURE, AutoCoder

__all__ = ["AutoCoder", "METHODS", "UNSURE"]
