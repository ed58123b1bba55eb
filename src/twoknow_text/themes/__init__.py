"""Theme extraction: short survey answers → themes (BERTopic engine, our clustering).

>>> from twoknow_text.themes import ThemeModel, run_themes         # doctest: +SKIP
>>> tm = ThemeModel(random_state=42).fit(texts)                     # doctest: +SKIP
>>> run_themes("survey.csv", "out/themes", seed=42,
...            read_options={"text_cols": ["answer"], "id_col": "id"})  # doctest: +SKIP

Error codes: ``ThemeError`` E400-E499 (E400 too few answers, E401 not a
string, E402 classes/timestamps length, E403 (nearly) identical answers,
E404 embeddings shape, E405 no themes found, E406 nothing to embed,
E407 unknown theme id, E408 no classes/timestamps, E409 the parallel
de-identification worker died, E410 bad outlier
strategy, E411 per-class themes without a class column, E412 --per-question
with --per-language, E498 not fitted, E499 bad parameter); ``ModelError`` E350-E399
(E350 model folder not found, E351 not a saved ThemeModel, E352 spaCy
model missing, E353 saved files changed or unreadable, E354 bad embedder).
See ``docs/themes.md``.
"""

from ._model import ThemeModel, fit_per_class
from ._report import build_report, write_report
from ._representation import LemmaTokenizer
from ._run import ThemesConfig, ThemesResult, ZeroShotCode, build_model, load_themes_config, run_themes
from ._serialize import load_model, save_model

__all__ = [
    "ThemeModel",
    "fit_per_class",
    "ThemesConfig",
    "ThemesResult",
    "ZeroShotCode",
    "LemmaTokenizer",
    "build_model",
    "build_report",
    "load_model",
    "load_themes_config",
    "run_themes",
    "save_model",
    "write_report",
]
