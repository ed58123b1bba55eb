"""twoknow_text: offline qualitative coding and topic modelling of survey answers.

Pipeline stages, one module each: ``reading`` → ``deid`` → ``embedding`` →
``themes`` → ``annotation`` (Label Studio) → ``agreement`` → ``codebook`` →
``reporting``. The most used names are re-exported here (see ``__all__``);
they are imported lazily so that ``import twoknow_text`` stays fast and does
not load torch, spaCy or Presidio until a stage is used.

>>> import twoknow_text as tk
>>> corpus, report = tk.read_survey("answers.csv", id_col="id", text_cols=["answer"])  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

# public name -> the stage module that defines it
_LAZY = {
    # reading
    "read_survey": "reading", "ReadOptions": "reading", "ReadReport": "reading", "SkippedRow": "reading",
    "load_sample": "synth", "sample_path": "synth",
    # de-identification
    "Deidentifier": "deid", "DeidConfig": "deid", "DeidReport": "deid", "DetectedSpan": "deid",
    "deidentify": "deid", "deidentify_file": "deid", "verify_deidentified": "deid",
    # embedding and themes
    "Embedder": "embedding",
    "ThemeModel": "themes", "ThemesConfig": "themes", "run_themes": "themes",
    # Label Studio
    "start_server": "annotation", "connect": "annotation", "labelling_config": "annotation",
    # agreement
    # (the function ``agreement.agreement`` is not re-exported: it would shadow the subpackage)
    "AgreementReport": "agreement", "reliability_data": "agreement",
    "krippendorff_alpha": "agreement", "cohen_kappa": "agreement", "fleiss_kappa": "agreement",
    "gwet_ac1": "agreement", "per_code_table": "agreement", "disagreements": "agreement",
    # codebook and reporting
    "Codebook": "codebook", "Code": "codebook", "Category": "codebook", "load_codebook": "codebook",
    "save_codebook": "codebook", "default_codebook_path": "codebook",
    "frequency_report": "reporting", "write_report": "reporting", "wilson_interval": "reporting",
}

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
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'twoknow_text' has no attribute '{name}'")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .agreement import (AgreementReport, cohen_kappa, disagreements, fleiss_kappa,
                            gwet_ac1, krippendorff_alpha, per_code_table, reliability_data)
    from .annotation import connect, labelling_config, start_server
    from .codebook import Category, Code, Codebook, default_codebook_path, load_codebook, save_codebook
    from .deid import (DeidConfig, Deidentifier, DeidReport, DetectedSpan, deidentify, deidentify_file,
                       verify_deidentified)
    from .embedding import Embedder
    from .reading import ReadOptions, ReadReport, SkippedRow, read_survey
    from .reporting import frequency_report, wilson_interval, write_report
    from .synth import load_sample, sample_path
    from .themes import ThemeModel, ThemesConfig, run_themes
