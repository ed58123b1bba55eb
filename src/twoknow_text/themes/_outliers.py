"""Outlier reduction: give HDBSCAN's "noise" answers a theme when one fits.

Strategies (``outlier_strategy``):

- ``"embeddings"`` (default): nearest theme centroid by cosine in the
  clustering feature space (embedding + TF-IDF SVD); an answer stays an
  outlier when its best similarity is below ``outlier_threshold``.
- ``"c-tf-idf"`` and ``"distributions"``: BERTopic's own
  ``reduce_outliers`` (word overlap with each theme's c-TF-IDF, or the
  approximate topic distribution); ``outlier_threshold`` is passed on.
- ``"none"``: keep HDBSCAN's outliers.
"""

from __future__ import annotations

import numpy as np

from ..errors import ThemeError
from ._cluster import assign_to_centroids, centroids

__all__ = ["OUTLIER_STRATEGIES", "reduce_outliers_embeddings", "reduce_outliers_bertopic"]

OUTLIER_STRATEGIES = ("embeddings", "c-tf-idf", "distributions", "none")


def reduce_outliers_embeddings(features: np.ndarray, labels: np.ndarray, threshold: float) -> np.ndarray:
    """Assign each ``-1`` row to its nearest theme centroid (cosine ≥ ``threshold``)."""
    out = labels.copy()
    ids = [int(k) for k in np.unique(labels) if k >= 0]
    mask = labels < 0
    if not ids or not mask.any():
        return out
    cents = centroids(features, labels, ids)
    lab, _ = assign_to_centroids(features[mask], cents, ids, threshold)
    out[mask] = lab
    return out


def reduce_outliers_bertopic(topic_model, docs: list[str], bt_topics: list[int], embeddings: np.ndarray, strategy: str, threshold: float) -> list[int]:
    """BERTopic's ``reduce_outliers`` with the c-TF-IDF or distribution strategy."""
    if strategy not in ("c-tf-idf", "distributions"):
        raise ThemeError("E410", f"The 'outlier_strategy' parameter must be one of {', '.join(OUTLIER_STRATEGIES)}. Got {strategy!r} instead.")
    if -1 not in bt_topics:
        return list(bt_topics)
    return list(topic_model.reduce_outliers(docs, bt_topics, strategy=strategy, threshold=threshold, embeddings=embeddings))
