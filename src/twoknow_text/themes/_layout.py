"""UMAP for clustering, without UMAP's per-process compile cost.

umap-learn spends most of a cold 4,549-answer run compiling numba code that
is never cached (pynndescent's nearest-neighbour search, ``smooth_knn_dist``
and ``compute_membership_strengths`` are ``parallel=True`` without
``cache=True``; the SGD epoch is compiled at every import): 45 of 54 seconds
measured here. This module computes the same thing in three cheap steps:

1. **k nearest neighbours**, cosine: exact, blocked matrix products with
   numpy below ``exact_knn_max`` rows; above it, pynndescent (its compile
   cost is then small beside the data).
2. **The fuzzy simplicial set** (UMAP's ``fuzzy_simplicial_set`` with its
   defaults: local connectivity 1, fuzzy union), vectorised in numpy; a test
   checks it against umap-learn's own to float32 precision. Guided themes
   use UMAP's categorical target intersection (``far_dist`` 5, unknown 1).
3. **The layout**: UMAP's SGD (attraction along graph edges, negative
   sampling, ``a``/``b`` from ``min_dist``), a numba kernel compiled with
   ``cache=True`` so it compiles once per machine, not once per run. It is
   single-threaded and seeded, so the output is reproducible. The start is a
   PCA of the features rather than a spectral embedding: spectral
   initialisation fails on graphs of duplicated answers ("too small an
   eigengap") and is slow at 100,000 answers.

The algorithm is UMAP's (McInnes, Healy & Melville 2018; umap-learn, BSD-3);
what changed is where the time goes. ``benchmarks/themes_stackoverflow.py``
compares it with umap-learn on the same features.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

__all__ = ["knn_cosine", "fuzzy_graph", "intersect_categorical", "find_ab", "layout", "umap_reduce", "use_numba_cache", "warm_up"]

_SMOOTH_K_TOLERANCE = 1e-5
_MIN_K_DIST_SCALE = 1e-3


def knn_cosine(x: np.ndarray, k: int, *, random_state: int = 0, exact_max: int = 30000, block: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Indices and cosine distances of each row's ``k`` nearest rows (itself first).

    Exact up to ``exact_max`` rows (blocked ``x @ x.T``: memory is
    ``block × n`` floats); approximate (pynndescent, seeded) above.
    """
    n = x.shape[0]
    k = int(min(k, n))
    xn = np.ascontiguousarray(x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12), dtype=np.float32)
    if n > exact_max:
        from pynndescent import NNDescent

        index = NNDescent(xn, metric="cosine", n_neighbors=k, random_state=random_state, low_memory=True, n_jobs=1,
                          n_trees=min(64, 5 + int(round(n**0.5 / 20.0))), n_iters=max(5, int(round(np.log2(n)))))
        idx, dist = index.neighbor_graph
        idx = idx.astype(np.int32)
        dist = np.maximum(dist.astype(np.float32), 0.0)
        return _self_first(idx, dist)
    idx = np.empty((n, k), dtype=np.int32)
    dist = np.empty((n, k), dtype=np.float32)
    try:  # torch's top-k is ~15x faster than numpy's argpartition here; torch is installed with sentence-transformers
        import torch

        xt = torch.from_numpy(xn)
    except ImportError:  # pragma: no cover
        torch = None
    for a in range(0, n, block):
        b = min(n, a + block)
        if torch is not None:
            st = xt[a:b] @ xt.T
            st[torch.arange(b - a), torch.arange(a, b)] = 2.0  # itself first, even among exact duplicates
            v, i = torch.topk(st, k, dim=1)
            ps, part = v.numpy(), i.numpy()
        else:
            s = xn[a:b] @ xn.T
            s[np.arange(b - a), np.arange(a, b)] = 2.0
            part = np.argpartition(s, s.shape[1] - k, axis=1)[:, -k:]
            ps = np.take_along_axis(s, part, axis=1)
        order = np.lexsort((part, -ps), axis=1)  # by similarity, ties by index: deterministic
        idx[a:b] = np.take_along_axis(part, order, axis=1)
        d = 1.0 - np.take_along_axis(ps, order, axis=1)
        d[:, 0] = 0.0
        dist[a:b] = np.maximum(d, 0.0)
    return idx, dist


def _self_first(idx: np.ndarray, dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = idx.shape[0]
    rows = np.arange(n)
    for i in np.flatnonzero(idx[:, 0] != rows):
        where = np.flatnonzero(idx[i] == i)
        j = where[0] if len(where) else idx.shape[1] - 1
        idx[i, 1 : j + 1] = idx[i, :j].copy()
        dist[i, 1 : j + 1] = dist[i, :j].copy()
        idx[i, 0], dist[i, 0] = i, 0.0
    return idx, dist


def _smooth_knn_dist(dist: np.ndarray, k: int, n_iter: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """UMAP's ``smooth_knn_dist`` (local_connectivity=1, bandwidth=1), all rows at once."""
    n = dist.shape[0]
    target = math.log2(k)
    nonzero = np.where(dist > 0, dist, np.inf)
    rho = nonzero.min(axis=1)
    rho = np.where(np.isfinite(rho), rho, 0.0).astype(np.float32)
    d = dist[:, 1:] - rho[:, None]
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    mid = np.ones(n)
    active = np.ones(n, dtype=bool)
    for _ in range(n_iter):
        psum = np.where(d > 0, np.exp(-(np.maximum(d, 0.0) / mid[:, None])), 1.0).sum(axis=1)
        done = np.abs(psum - target) < _SMOOTH_K_TOLERANCE
        active &= ~done
        if not active.any():
            break
        up = active & (psum > target)
        down = active & ~(psum > target)
        hi = np.where(up, mid, hi)
        lo = np.where(down, mid, lo)
        mid = np.where(up, (lo + hi) / 2.0, mid)
        mid = np.where(down, np.where(np.isinf(hi), mid * 2.0, (lo + hi) / 2.0), mid)
    sigma = mid
    mean_row = dist.mean(axis=1)
    floor = np.where(rho > 0, _MIN_K_DIST_SCALE * mean_row, _MIN_K_DIST_SCALE * dist.mean())
    sigma = np.maximum(sigma, floor)
    return sigma.astype(np.float32), rho


def fuzzy_graph(idx: np.ndarray, dist: np.ndarray) -> sp.csr_matrix:
    """UMAP's fuzzy simplicial set (fuzzy union of the directed kNN memberships)."""
    n, k = idx.shape
    sigma, rho = _smooth_knn_dist(dist, k)
    delta = dist - rho[:, None]
    one = (delta <= 0) | (sigma[:, None] == 0)
    val = np.where(one, 1.0, np.exp(-(np.where(one, 0.0, delta) / np.where(sigma == 0, 1.0, sigma)[:, None])))
    val[idx == np.arange(n)[:, None]] = 0.0
    g = sp.coo_matrix((val.ravel().astype(np.float32), (np.repeat(np.arange(n), k), idx.ravel())), shape=(n, n)).tocsr()
    g.eliminate_zeros()
    t = g.T.tocsr()
    out = (g + t - g.multiply(t)).tocsr()
    out.eliminate_zeros()
    return out


def intersect_categorical(graph: sp.csr_matrix, y: np.ndarray, *, unknown_dist: float = 1.0, far_dist: float = 5.0) -> sp.csr_matrix:
    """UMAP's supervised step for categorical targets (``-1`` = unknown), then local connectivity reset."""
    g = graph.tocoo(copy=True)
    yi, yj = y[g.row], y[g.col]
    unknown = (yi == -1) | (yj == -1)
    g.data = g.data * np.where(unknown, math.exp(-unknown_dist), np.where(yi != yj, math.exp(-far_dist), 1.0)).astype(np.float32)
    g = g.tocsr()
    g.eliminate_zeros()
    rowmax = np.asarray(g.max(axis=1).todense()).ravel()
    g = sp.diags(1.0 / np.where(rowmax > 0, rowmax, 1.0)) @ g
    t = g.T.tocsr()
    out = (g + t - g.multiply(t)).tocsr()
    out.eliminate_zeros()
    return out.astype(np.float32)


def find_ab(spread: float = 1.0, min_dist: float = 0.0) -> tuple[float, float]:
    """UMAP's ``a``, ``b`` for the low-dimensional similarity curve 1/(1 + a d^2b)."""
    from scipy.optimize import curve_fit

    def curve(x, a, b):
        return 1.0 / (1.0 + a * x ** (2 * b))

    xv = np.linspace(0, spread * 3, 300)
    yv = np.where(xv < min_dist, 1.0, np.exp(-(xv - min_dist) / spread))
    (a, b), _ = curve_fit(curve, xv, yv)
    return float(a), float(b)


_SGD = None


def _sgd_kernel():
    """Compile (once per machine: ``cache=True``) the SGD epoch kernel."""
    global _SGD
    if _SGD is not None:
        return _SGD
    import numba

    @numba.njit(fastmath=True, cache=True)
    def _epochs(emb, head, tail, eps, a, b, gamma, nneg, n_epochs, seed):  # pragma: no cover - compiled
        n_vertices, dim = emb.shape
        n_edges = head.shape[0]
        next_sample = eps.copy()
        eps_neg = eps / nneg
        next_neg = eps_neg.copy()
        state = np.uint64(seed * 2654435761 + 1442695040888963407)
        two_ab = np.float32(2.0 * a * b)
        two_gb = np.float32(2.0 * gamma * b)
        a32 = np.float32(a)
        b32 = np.float32(b)
        for epoch in range(n_epochs):
            alpha = np.float32(1.0 - epoch / n_epochs)
            for i in range(n_edges):
                if next_sample[i] > epoch:
                    continue
                j = head[i]
                k = tail[i]
                d2 = np.float32(0.0)
                for d in range(dim):
                    diff = emb[j, d] - emb[k, d]
                    d2 += diff * diff
                coef = np.float32(0.0)
                if d2 > 0.0:
                    pb = np.exp(b32 * np.log(d2))  # d2 ** b, once
                    coef = -two_ab * (pb / d2) / (a32 * pb + np.float32(1.0))
                for d in range(dim):
                    g = coef * (emb[j, d] - emb[k, d])
                    g = min(np.float32(4.0), max(np.float32(-4.0), g))
                    emb[j, d] += g * alpha
                    emb[k, d] -= g * alpha
                next_sample[i] += eps[i]
                n_neg = int((epoch - next_neg[i]) / eps_neg[i])
                for _ in range(n_neg):
                    state ^= state << np.uint64(13)
                    state ^= state >> np.uint64(7)
                    state ^= state << np.uint64(17)
                    k = int(state % np.uint64(n_vertices))
                    if k == j:
                        continue
                    d2 = np.float32(0.0)
                    for d in range(dim):
                        diff = emb[j, d] - emb[k, d]
                        d2 += diff * diff
                    if d2 <= 0.0:
                        continue
                    pb = np.exp(b32 * np.log(d2))
                    coef = two_gb / ((np.float32(0.001) + d2) * (a32 * pb + np.float32(1.0)))
                    for d in range(dim):
                        g = coef * (emb[j, d] - emb[k, d])
                        g = min(np.float32(4.0), max(np.float32(-4.0), g))
                        emb[j, d] += g * alpha
                next_neg[i] += n_neg * eps_neg[i]
        return emb

    _SGD = _epochs
    return _SGD


def _pca_init(x: np.ndarray, dim: int, random_state: int) -> np.ndarray:
    from sklearn.decomposition import PCA

    p = PCA(n_components=dim, svd_solver="randomized", random_state=random_state).fit_transform(x)
    p = p - p.min(axis=0)
    return (10.0 * p / np.maximum(p.max(axis=0), 1e-12)).astype(np.float32)


def default_epochs(n: int) -> int:
    """200 SGD epochs, 100 above 50,000 answers.

    StackOverflow20k, 4 seeds: NMI 0.758 mean (0.751-0.772) at 200 epochs,
    0.756 (0.749-0.760) at 100; at 100,000 answers 100 epochs save ~50 s.
    """
    return 200 if n <= 50000 else 100


def use_numba_cache() -> str | None:
    """Point numba's on-disk cache at ``~/.cache/twoknow_text/numba`` unless ``NUMBA_CACHE_DIR`` is set.

    Must run before numba is imported. Importing umap-learn (BERTopic does)
    compiles ~20 s of numba code on an empty cache and ~1 s on a warm one.
    """
    import os

    if "NUMBA_CACHE_DIR" not in os.environ:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = os.path.join(base, "twoknow_text", "numba")
        try:
            os.makedirs(path, exist_ok=True)
            os.environ["NUMBA_CACHE_DIR"] = path
        except OSError:
            return None
    return os.environ["NUMBA_CACHE_DIR"]


def warm_up() -> None:
    """Fill the numba cache once (``make install`` runs this): umap-learn's import and the layout kernel."""
    import umap  # noqa: F401  (compiles and caches its eagerly-typed functions)

    x = np.random.default_rng(0).standard_normal((60, 8)).astype(np.float32)
    umap_reduce(x, n_neighbors=5, n_components=2, n_epochs=2)


def layout(graph: sp.spmatrix, init: np.ndarray, *, min_dist: float = 0.0, n_epochs: int | None = None,
           negative_sample_rate: int = 5, random_state: int = 0) -> np.ndarray:
    """Optimise ``init`` (n, d) against ``graph`` with UMAP's cross-entropy SGD; returns the layout."""
    n = graph.shape[0]
    if n_epochs is None:
        n_epochs = default_epochs(n)
    g = graph.tocoo()
    g.sum_duplicates()
    keep = g.data >= g.data.max() / float(n_epochs)
    head, tail, w = g.row[keep].astype(np.int64), g.col[keep].astype(np.int64), g.data[keep].astype(np.float64)
    eps = np.full(w.shape, -1.0)
    n_samples = n_epochs * (w / w.max())
    eps[n_samples > 0] = n_epochs / n_samples[n_samples > 0]
    a, b = find_ab(1.0, min_dist)
    emb = np.ascontiguousarray(init, dtype=np.float32).copy()
    kernel = _sgd_kernel()
    out = kernel(emb, head, tail, eps, a, b, 1.0, float(negative_sample_rate), int(n_epochs), int(random_state) + 1)
    return out.astype(np.float32)


def umap_reduce(x: np.ndarray, *, n_neighbors: int = 15, n_components: int = 5, min_dist: float = 0.0,
                n_epochs: int | None = None, y: np.ndarray | None = None, random_state: int = 0,
                exact_knn_max: int = 30000) -> np.ndarray:
    """UMAP embedding of the rows of ``x`` (cosine), as used for clustering; see the module docstring."""
    x = np.asarray(x, dtype=np.float32)
    idx, dist = knn_cosine(x, n_neighbors, random_state=random_state, exact_max=exact_knn_max)
    graph = fuzzy_graph(idx, dist)
    if y is not None and (np.asarray(y) >= 0).any():
        graph = intersect_categorical(graph, np.asarray(y))
    init = _pca_init(x, n_components, random_state)
    return layout(graph, init, min_dist=min_dist, n_epochs=n_epochs, random_state=random_state)


if __name__ == "__main__":  # python -m twoknow_text.themes._layout: warm the numba cache
    print(f"numba cache: {use_numba_cache()}")
    warm_up()
