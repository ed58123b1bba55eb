"""The UMAP re-implementation used for clustering (themes/_layout.py) against umap-learn and brute force."""

from __future__ import annotations

import numpy as np
import pytest

from twoknow_text.themes import _layout as L


def _blobs(n_per=60, k=4, d=32, seed=0, spread=0.15):
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((k, d))
    x = np.vstack([c + spread * rng.standard_normal((n_per, d)) for c in centers]).astype(np.float32)
    y = np.repeat(np.arange(k), n_per)
    return x, y


def test_knn_matches_brute_force_cosine():
    from sklearn.neighbors import NearestNeighbors

    x, _ = _blobs(n_per=50)
    idx, dist = L.knn_cosine(x, 10, block=37)  # a block size that does not divide n
    nn = NearestNeighbors(n_neighbors=10, metric="cosine", algorithm="brute").fit(x)
    bd, bi = nn.kneighbors(x)
    assert (idx[:, 0] == np.arange(len(x))).all()
    np.testing.assert_allclose(np.sort(dist, axis=1), np.sort(bd, axis=1), atol=1e-5)
    overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(idx, bi, strict=True)])
    assert overlap > 0.99


def test_knn_puts_itself_first_among_duplicates():
    x = np.vstack([np.ones((5, 8)), np.eye(8)[:3]]).astype(np.float32)
    idx, dist = L.knn_cosine(x, 4)
    assert (idx[:, 0] == np.arange(len(x))).all()
    assert (dist[:5, :4] < 1e-6).all()  # four identical rows at distance 0


@pytest.mark.slow
def test_approximate_knn_path_agrees_with_exact():
    """Above ``exact_max`` rows pynndescent answers (it compiles its numba code here: slow)."""
    x, _ = _blobs(n_per=150, d=16)
    exact, _ = L.knn_cosine(x, 10)
    approx, dist = L.knn_cosine(x, 10, exact_max=100, random_state=1)  # pynndescent
    assert (approx[:, 0] == np.arange(len(x))).all()
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx, strict=True)])
    assert recall > 0.9
    assert (np.diff(dist, axis=1) >= -1e-6).all()


@pytest.mark.slow
def test_fuzzy_graph_equals_umap_learn():
    """Same kNN in, same fuzzy simplicial set out (umap-learn compiles its numba code here: slow)."""
    from umap.umap_ import fuzzy_simplicial_set

    x, _ = _blobs(n_per=80)
    idx, dist = L.knn_cosine(x, 15)
    ours = L.fuzzy_graph(idx, dist)
    theirs, _, _ = fuzzy_simplicial_set(x, 15, 0, "cosine", knn_indices=idx, knn_dists=dist)
    assert ours.shape == theirs.shape and ours.nnz == theirs.nnz
    assert abs(ours - theirs.tocsr()).max() < 1e-5


def test_fuzzy_graph_is_symmetric_and_in_unit_interval():
    x, _ = _blobs()
    g = L.fuzzy_graph(*L.knn_cosine(x, 10))
    assert abs(g - g.T).max() < 1e-6
    assert g.data.min() > 0 and g.data.max() <= 1.0 + 1e-6
    assert g.diagonal().max() == 0


def test_categorical_intersection_weakens_edges_across_labels():
    x, y = _blobs(spread=2.0)  # overlapping blobs: plenty of edges across labels
    g = L.fuzzy_graph(*L.knn_cosine(x, 10)).tocoo()
    gi = L.intersect_categorical(g.tocsr(), y).tocoo()
    cross = lambda m: m.data[y[m.row] != y[m.col]].sum() / m.data.sum()  # noqa: E731
    assert cross(g) > 0.05
    assert cross(gi) < cross(g) / 5


def test_find_ab_matches_umap_learn():
    from umap.umap_ import find_ab_params

    for md in (0.0, 0.1, 0.5):
        np.testing.assert_allclose(L.find_ab(1.0, md), find_ab_params(1.0, md), rtol=1e-4)


def test_umap_reduce_is_seeded_and_separates_clusters():
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    x, y = _blobs(n_per=60, k=4, spread=0.6)
    a = L.umap_reduce(x, n_neighbors=10, n_components=3, n_epochs=100, random_state=3)
    b = L.umap_reduce(x, n_neighbors=10, n_components=3, n_epochs=100, random_state=3)
    c = L.umap_reduce(x, n_neighbors=10, n_components=3, n_epochs=100, random_state=4)
    assert a.shape == (240, 3) and a.dtype == np.float32
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    pred = KMeans(4, n_init=5, random_state=0).fit_predict(a)
    assert adjusted_rand_score(y, pred) > 0.95


def test_default_themes_config_ships_as_package_data_and_matches_configs():
    from pathlib import Path

    from twoknow_text.themes import ThemesConfig, load_themes_config
    from twoknow_text.themes._run import default_config_path

    repo = Path(__file__).resolve().parents[2]
    assert "data" in default_config_path().parts
    assert (repo / "configs" / "themes.yaml").read_bytes() == default_config_path().read_bytes()
    assert load_themes_config(default_config_path()) == ThemesConfig()
