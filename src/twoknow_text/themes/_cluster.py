"""The clustering core: features → UMAP → HDBSCAN → outliers → merge.

BERTopic's defaults leave 30-50% of short answers as outliers and split or
lump themes unpredictably. What helps short texts without training (measured
on StackOverflow20k titles, see ``benchmarks/themes_stackoverflow.py``):

- cluster on the sentence embedding *plus* a small SVD of the answers'
  TF-IDF (short answers have very distinctive keywords the embedding blurs);
- UMAP to a few dimensions with the cosine metric and ``min_dist=0``;
- HDBSCAN with ``min_cluster_size`` scaled to the corpus size;
- every outlier assigned to its nearest theme centroid (cosine) unless it is
  less similar than a threshold;
- themes whose centroids are nearly identical merged.

Everything here is plain numpy/scikit-learn and seeded by ``random_state``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "text_features",
    "resolve_min_cluster_size",
    "centroids",
    "assign_to_centroids",
    "merge_similar",
    "refine_labels",
    "relabel_by_size",
    "kmeans_by_silhouette",
    "ClusterResult",
]


@dataclass
class ClusterResult:
    """Labels after clustering (``-1`` = outlier) and the reduced coordinates."""

    labels: np.ndarray
    reduced: np.ndarray
    n_outliers_raw: int


def text_features(texts: list[str], n_components: int, random_state: int, *, tokenizer=None, stop_words=None) -> np.ndarray | None:
    """L2-normalised truncated SVD (LSA) of the answers' TF-IDF, or None if too little vocabulary."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    min_df = 2 if len(texts) >= 50 else 1
    vec = TfidfVectorizer(
        sublinear_tf=True,
        min_df=min_df,
        tokenizer=tokenizer,
        token_pattern=None if tokenizer is not None else r"(?u)\b\w[\w+#.-]*\w\b|\b\w\b",
        stop_words=stop_words,
        lowercase=True,
        dtype=np.float32,
    )
    try:
        tf = vec.fit_transform(texts)
    except ValueError:  # empty vocabulary (all stop words, one repeated answer, ...)
        return None
    k = min(n_components, tf.shape[1] - 1, tf.shape[0] - 1)
    if k < 2:
        return None
    svd = TruncatedSVD(n_components=k, random_state=random_state, algorithm="randomized", n_iter=5)
    s = svd.fit_transform(tf).astype(np.float32)
    norms = np.linalg.norm(s, axis=1, keepdims=True)
    return s / np.maximum(norms, 1e-12)


def resolve_min_cluster_size(n: int, min_cluster_size: int | str, fraction: float) -> int:
    """``"auto"`` → ``fraction`` of the corpus, at most 500 and at least 10 from 100 answers up.

    Below 100 answers the floor scales down (a tenth of the answers, at least 3),
    so a question with 10-99 answers can still have several themes.
    """
    if min_cluster_size == "auto":
        floor = min(10, max(3, n // 10))
        return int(min(500, max(floor, round(fraction * n))))
    return int(min_cluster_size)


def kmeans_by_silhouette(x: np.ndarray, random_state: int, k_max: int = 10, min_size: int | None = None) -> tuple[np.ndarray, int, float]:
    """KMeans on unit-normalised ``x`` with k in 2..k_max chosen by the best cosine silhouette (seeded).

    The fallback when density clustering finds no structure (all or most
    answers noise, fewer than two clusters: small or uniform corpora).
    A k whose smallest cluster has fewer than ``min_size`` answers (default:
    half the automatic ``min_cluster_size``, at least 2) is not considered, so
    no unrelated one-word answer becomes a theme of its own.
    Returns ``(labels, k, silhouette)``; a corpus too small for two clusters
    of two answers gets one theme.
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    n = len(x)
    if min_size is None:
        min_size = max(2, resolve_min_cluster_size(n, "auto", 0.01) // 2)
    xn = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    n_distinct = len(np.unique(np.round(xn, 5), axis=0))
    k_hi = int(min(k_max, n // 3, n_distinct - 1))
    if k_hi < 2:
        return np.zeros(n, dtype=int), 1, 0.0
    best: tuple[float, int, np.ndarray] | None = None
    for k in range(2, k_hi + 1):
        lab = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit_predict(xn).astype(int)
        if len(np.unique(lab)) < 2 or np.bincount(lab).min() < min_size:
            continue
        s = float(silhouette_score(xn, lab, metric="cosine"))
        if best is None or s > best[0] + 1e-9:
            best = (s, k, lab)
    if best is None:
        return np.zeros(n, dtype=int), 1, 0.0
    return best[2], best[1], best[0]


def centroids(x: np.ndarray, labels: np.ndarray, ids: list[int]) -> np.ndarray:
    """Unit-norm mean vector of each theme in ``ids`` (rows in that order)."""
    c = np.vstack([x[labels == k].mean(axis=0) for k in ids]).astype(np.float32)
    return c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-12)


def assign_to_centroids(x: np.ndarray, cents: np.ndarray, ids: list[int], threshold: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Nearest centroid by cosine; rows below ``threshold`` stay ``-1``. Returns (labels, similarity)."""
    xn = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    sims = xn @ cents.T
    best = np.argmax(sims, axis=1)
    sim = sims[np.arange(len(x)), best]
    lab = np.asarray(ids)[best]
    lab = np.where(sim >= threshold, lab, -1)
    return lab.astype(int), sim


def refine_labels(x: np.ndarray, labels: np.ndarray, iterations: int) -> np.ndarray:
    """A few nearest-centroid (cosine) passes over the assigned answers; outliers stay ``-1``.

    HDBSCAN's "leaf" clusters are pure but their borders follow UMAP's
    density, not the feature space; moving each answer to its nearest
    centroid fixes the borders (+0.015 NMI on StackOverflow20k).
    """
    lab = labels.copy()
    mask = lab >= 0
    for _ in range(iterations):
        ids = [int(k) for k in np.unique(lab[mask])]
        if len(ids) < 2:
            break
        new, _ = assign_to_centroids(x[mask], centroids(x, lab, ids), ids, -1.0)
        if (new == lab[mask]).all():
            break
        lab[mask] = new
    return lab


def merge_similar(x: np.ndarray, labels: np.ndarray, threshold: float) -> tuple[np.ndarray, dict[int, int]]:
    """Merge themes whose centroids have cosine ≥ ``threshold`` (greedy, most similar pair first).

    Returns the new labels and ``{old_id: surviving_id}`` for merged themes;
    the larger theme's id survives.
    """
    labels = labels.copy()
    mapping: dict[int, int] = {}
    if threshold >= 1.0:
        return labels, mapping
    while True:
        ids = [int(k) for k in np.unique(labels) if k >= 0]
        if len(ids) < 2:
            break
        c = centroids(x, labels, ids)
        s = c @ c.T
        np.fill_diagonal(s, -1.0)
        i, j = np.unravel_index(np.argmax(s), s.shape)
        if s[i, j] < threshold:
            break
        a, b = ids[i], ids[j]
        keep, drop = (a, b) if (labels == a).sum() >= (labels == b).sum() else (b, a)
        labels[labels == drop] = keep
        mapping[drop] = keep
        for k, v in list(mapping.items()):
            if v == drop:
                mapping[k] = keep
    return labels, mapping


def relabel_by_size(labels: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
    """Renumber themes 0..k-1 by decreasing size (ties by old id); ``-1`` stays ``-1``."""
    ids, counts = np.unique(labels[labels >= 0], return_counts=True)
    order = sorted(zip(ids.tolist(), counts.tolist()), key=lambda t: (-t[1], t[0]))
    mapping = {old: new for new, (old, _) in enumerate(order)}
    out = np.array([mapping.get(int(v), -1) for v in labels], dtype=int)
    return out, mapping
