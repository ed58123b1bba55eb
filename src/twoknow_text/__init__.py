"""twoknow_text: offline qualitative coding and topic modelling of survey answers.

Pipeline stages, one module each: ``reading`` → ``deid`` → ``embedding`` →
``themes`` → ``annotation`` (Label Studio) → ``agreement`` → ``codebook`` →
``reporting``. Public names are re-exported here; see ``__all__``.
"""

from . import _offline  # noqa: F401  (must run before any ML import)
from .errors import (
    AgreementError,
    CodebookError,
    ConfigError,
    DeidError,
    InputError,
    LabelStudioError,
    ModelError,
    ThemeError,
    TwoknowError,
)
from .records import Corpus, Response

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "Corpus",
    "Response",
    "TwoknowError",
    "InputError",
    "ConfigError",
    "DeidError",
    "ModelError",
    "ThemeError",
    "LabelStudioError",
    "AgreementError",
    "CodebookError",
]
