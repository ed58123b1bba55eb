"""What this project changes in Presidio, in one place.

Presidio is used as it ships, except for these patches, each measured or
needed for privacy (see ``benchmarks/deid_eval.py``):

* its DEBUG log records (the context enhancer quotes the words around a
  match, the identifier included) are dropped, whatever level is configured;
* it is imported without the 10 s ``transformers`` import it never needs here;
* ``NlpArtifacts`` are built in one pass over the tokens, and lazily
  (:class:`_LazyArtifacts`) for answers whose tokens nothing reads;
* the analyzer skips the context pass for results that already pass every
  threshold, and the registry's recognizer lookup is memoised;
* Presidio's own SSN/card/IBAN recognizers run only on texts with enough digits.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import DeidError

__all__ = ["import_presidio"]


class _DropPresidioDebug(logging.Filter):
    """Presidio's context enhancer logs the words around a match at DEBUG, and
    those words include the identifier itself. Raw values must never reach a
    log, whatever level the user configures, so those records are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


for _name in ("presidio-analyzer", "presidio-anonymizer"):
    _logger = logging.getLogger(_name)
    if not any(isinstance(f, _DropPresidioDebug) for f in _logger.filters):
        _logger.addFilter(_DropPresidioDebug())

def import_presidio():
    """Import presidio_analyzer without the 10 s ``transformers`` import it does not need here.

    Presidio imports its Hugging Face engine eagerly, guarded by ``try:
    import transformers except ImportError``. When ``transformers`` is not
    loaded yet, it is hidden for the duration of that import only (Presidio's
    transformers engine, which this library never uses, is then unavailable).
    """
    import sys

    if "presidio_analyzer" in sys.modules or "transformers" in sys.modules:
        import presidio_analyzer

        return presidio_analyzer
    sys.modules["transformers"] = None  # type: ignore[assignment]
    try:
        import presidio_analyzer
        import presidio_analyzer.predefined_recognizers  # noqa: F401
    finally:
        if sys.modules.get("transformers", 0) is None:
            del sys.modules["transformers"]
    return presidio_analyzer


def _make_artifacts(doc, ents, lang: str, nlp_engine):
    """Presidio's NlpArtifacts in one pass over the tokens.

    There is no lemmatizer (it needs the tagger), so lower-case forms stand in
    for lemmas in Presidio's context-word matching; keywords come from the
    tokens' own stop/punct flags instead of a vocabulary lookup per lemma.
    """
    from presidio_analyzer.nlp_engine import NlpArtifacts

    idx, lemmas, keywords = [], [], []
    for t in doc:
        idx.append(t.idx)
        low = t.lower_
        lemmas.append(low)
        if not (t.is_stop or t.is_punct or t.is_space):
            keywords.extend(low.split(":"))
    art = NlpArtifacts(entities=ents, tokens=doc, tokens_indices=idx, lemmas=lemmas, nlp_engine=None,
                       language=lang, scores=[0.85] * len(ents))
    art.keywords = keywords
    art.nlp_engine = nlp_engine
    return art


class _LazyArtifacts:
    """NlpArtifacts without NER entities, tokenized only when something reads the tokens.

    Only Presidio's context enhancer reads tokens, and only for a result
    scoring below every threshold (see ``_analyzer_engine_class``): most
    answers never need them, and a language without NER then never builds its
    blank spaCy tokenizer (a third of a second each). The tokens, once made,
    are exactly those the eager path made.
    """

    entities: list = []
    scores: list = []

    def __init__(self, text: str, tokenizer: Callable[[str], Any], lang: str, nlp_engine: Any) -> None:
        self._args = (text, tokenizer, lang, nlp_engine)
        self._real: Any = None

    def materialize(self):
        if self._real is None:
            text, tokenizer, lang, nlp_engine = self._args
            self._real = _make_artifacts(tokenizer(text), [], lang, nlp_engine)
        return self._real

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_args", "_real"):
            raise AttributeError(name)
        return getattr(self.materialize(), name)


def _engine_loaded(nlp_engine) -> bool:
    is_loaded = getattr(nlp_engine, "is_loaded", None)
    if callable(is_loaded):
        return bool(is_loaded())
    return bool(getattr(nlp_engine, "nlp", None))


def _presidio_pattern_recognizers(names: Sequence[str], lang: str) -> list[Any]:
    """Selected Presidio pattern recognizers (never the e-mail/URL ones: tldextract)."""
    from presidio_analyzer import predefined_recognizers as pr

    out = []
    for name in names:
        if name in {"EmailRecognizer", "UrlRecognizer"}:
            raise DeidError("E234", f"Presidio's {name} is replaced by the project's own (it may reach the network).")
        cls = getattr(pr, name, None)
        if cls is None:
            raise DeidError("E235", f"Unknown Presidio recognizer '{name}' in use_presidio_recognizers.")
        rec = cls(supported_language=lang)
        if name in _MIN_DIGITS:
            _skip_texts_with_few_digits(rec, _MIN_DIGITS[name])
        out.append(rec)
    return out


#: Fewest digits any pattern of these Presidio recognizers can match: US SSN
#: patterns are all nine digits, card numbers 13 to 19, an IBAN has two check digits.
_MIN_DIGITS = {"UsSsnRecognizer": 9, "CreditCardRecognizer": 13, "IbanRecognizer": 2}
_DIGIT = re.compile(r"\d")


def _skip_texts_with_few_digits(recognizer, need: int) -> None:
    """Run ``recognizer`` only on texts with at least ``need`` digits (most answers have none)."""
    analyze = recognizer.analyze

    def prefiltered(text, entities, nlp_artifacts=None, *args, **kwargs):
        if len(_DIGIT.findall(text)) < need:
            return []
        return analyze(text, entities, nlp_artifacts, *args, **kwargs)

    recognizer.analyze = prefiltered


@functools.lru_cache(maxsize=1)
def _analyzer_engine_class():
    """Presidio's AnalyzerEngine, minus the context pass on answers where nothing was found.

    Most survey answers hold no identifier, and most identifiers found already
    score above the threshold; Presidio would still walk every recognizer's
    context words over them and deep-copy every result (a tenth of the run time).
    """
    from presidio_analyzer import AnalyzerEngine

    class TwoknowAnalyzerEngine(AnalyzerEngine):
        #: results scoring at least this need no context boost to be kept
        boost_below: float = 1.0

        def _enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):
            # Context words only raise scores. A result that already passes every
            # threshold is kept as it is; only the weak ones go through Presidio's
            # enhancer, which deep-copies every result it is given.
            weak = [r for r in raw_results if r.score < self.boost_below]
            if not weak:
                return raw_results
            if isinstance(nlp_artifacts, _LazyArtifacts):
                nlp_artifacts = nlp_artifacts.materialize()
            strong = [r for r in raw_results if r.score >= self.boost_below]
            return strong + super()._enhance_using_context(text, weak, nlp_artifacts, recognizers, context)

    return TwoknowAnalyzerEngine


def _cache_recognizer_lookup(registry) -> None:
    """Memoise ``registry.get_recognizers``: Presidio filters the whole list on every
    ``analyze`` call (a tenth of the analysis time), though the registry never changes here."""
    lookup = registry.get_recognizers
    cache: dict[tuple, list] = {}

    def get_recognizers(language, entities=None, all_fields=False, ad_hoc_recognizers=None):
        if ad_hoc_recognizers:
            return lookup(language=language, entities=entities, all_fields=all_fields,
                          ad_hoc_recognizers=ad_hoc_recognizers)
        key = (language, tuple(entities) if entities is not None else None, all_fields)
        if key not in cache:
            cache[key] = lookup(language=language, entities=entities, all_fields=all_fields)
        return list(cache[key])

    registry.get_recognizers = get_recognizers
