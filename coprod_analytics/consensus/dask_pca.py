"""The Dask engine's principal axes above a few thousand statements: a fixed number of
``C^T (C X)`` passes over the participant partitions.

:func:`subspace_eigs` is the solver (randomised block iteration with Rayleigh–Ritz on the
block Krylov space, or on the last block as in Halko, Martinsson & Tropp 2011);
:func:`_iterative_axes` runs it over the partitions of
:func:`~coprod_analytics.consensus.dask_engine.opinion_groups_dask`, one pass per product.
Up to :data:`~coprod_analytics.consensus.dask_engine.GRAM_MAX_STATEMENTS` statements the
engine forms the Gram matrix instead (exact, one pass).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from coprod_analytics.consensus import dask_blocks as blk
from coprod_analytics.consensus.dask_cluster import map_over, tree_sum
from coprod_analytics.progress import progress as _progress

__all__ = ["PCA_OVERSAMPLE", "PCA_PASSES", "subspace_eigs"]

#: Passes over the partitions of the iterative principal axes (``pca_passes=``).
PCA_PASSES = 10
#: Extra vectors in the subspace-iteration block beyond the two axes (oversampling).
PCA_OVERSAMPLE = 8


def subspace_eigs(
    matmat: Callable[[np.ndarray], np.ndarray],
    m: int,
    d: int,
    *,
    passes: int = PCA_PASSES,
    oversample: int = PCA_OVERSAMPLE,
    krylov: bool = True,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Top eigenpairs of a symmetric positive semi-definite operator by randomised block
    iteration with a fixed number of products.

    A random orthonormal ``m x (d + oversample)`` block is multiplied by the operator
    ``passes`` times, re-orthonormalised (QR) between products, and the pairs come from
    the eigen-decomposition of the small projected matrix (Rayleigh–Ritz). With
    ``krylov=False`` that is Halko, Martinsson & Tropp's randomised subspace iteration
    (2011, algorithms 4.4 and 5.3: Rayleigh–Ritz on the last block). With ``krylov=True``
    (the default) every new block is orthogonalised against all earlier ones and
    Rayleigh–Ritz uses all of them, the block Krylov space (Musco & Musco 2015), at no
    extra product: the operator's products with every block are already known. The space
    contains the subspace iteration's last block, so its Ritz pairs are at least as good;
    on a flat spectrum (the noise axes of planted data) far better. The number of products
    is fixed in advance (fewer only when the blocks fill all ``m`` dimensions): each is one
    pass over the data in the Dask engine.

    Parameters
    ----------
    matmat : callable
        ``X -> A X`` for an ``(m, b)`` float64 array.
    m : int
        Size of the operator.
    d : int
        Eigenpairs wanted (``1 <= d <= m``).
    passes : int, default 10
        Products with the operator (at least 1).
    oversample : int, default 8
        Extra vectors in the block (the block is at most ``m`` wide).
    krylov : bool, default True
        Rayleigh–Ritz on all the blocks (block Krylov) rather than on the last one.
    seed : int, default 0
        Random start.

    Returns
    -------
    vectors : np.ndarray
        ``(d, m)``: the eigenvectors as rows, largest eigenvalue first.
    values : np.ndarray
        ``(d,)``: the Ritz values (eigenvalue estimates), descending.

    Examples
    --------
    >>> a = np.diag([9.0, 4.0, 1.0, 0.5, 0.1, 0.05])
    >>> vec, val = subspace_eigs(lambda x: a @ x, 6, 2, passes=20, oversample=1, krylov=False)
    >>> np.round(val, 6).tolist(), np.round(np.abs(vec[0]), 6).tolist()
    ([9.0, 4.0], [1.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    >>> vec, val = subspace_eigs(lambda x: a @ x, 6, 2, passes=3, oversample=0)
    >>> np.round(val, 6).tolist()
    [9.0, 4.0]
    """
    b = max(d, min(m, d + oversample))
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((m, b)))
    basis, images = [q], []
    for i in range(passes):
        y = np.asarray(matmat(q), dtype=np.float64)
        if not krylov:
            basis, images = [q], [y]
        else:
            images.append(y)
        if i == passes - 1:
            break
        if not krylov:
            q, _ = np.linalg.qr(y)
            continue
        k = np.hstack(basis)
        room = m - k.shape[1]
        if room <= 0:  # the blocks span everything: Rayleigh–Ritz is exact
            break
        for _ in range(2):  # twice is enough (classical Gram–Schmidt, re-orthogonalised)
            y = y - k @ (k.T @ y)
        q, _ = np.linalg.qr(y)
        q = q[:, :room]
        q, _ = np.linalg.qr(q - k @ (k.T @ q))  # guards a block that was almost all in k
        basis.append(q)
    k = np.hstack(basis[: len(images)])
    t = k.T @ np.hstack(images)
    w, s = np.linalg.eigh((t + t.T) / 2.0)
    order = np.argsort(w)[::-1][:d]
    return (k @ s[:, order]).T, w[order]


def _iterative_axes(
    client: Any,
    blocks: list[Any],
    center: np.ndarray,
    excluded: np.ndarray,
    m: int,
    d: int,
    seed: int,
    progress: bool,
    *,
    passes: int,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Top ``d`` axes of ``C^T C`` by :func:`subspace_eigs`, one ``C^T (C X)`` pass over the
    partitions per product (on partitions that keep their centred votes,
    :func:`~.dask_blocks.with_centred`, a pass is two sparse products). Returns the axes,
    the singular values and the passes made."""
    bar = _progress(range(passes), enabled=progress, desc="Principal axes", unit="pass")
    ticks = iter(bar)
    center_f = client.scatter(center, broadcast=True, hash=False)  # once, not per pass
    excluded_f = client.scatter(excluded, broadcast=True, hash=False)

    done = [0]

    def matmat(x: np.ndarray) -> np.ndarray:
        next(ticks, None)
        done[0] += 1
        xf = client.scatter(np.ascontiguousarray(x, dtype=np.float64), broadcast=True, hash=False)
        return tree_sum(
            client,
            map_over(client, blk.gram_times, blocks, center=center_f, excluded=excluded_f, v=xf),
        )

    vecs, vals = subspace_eigs(matmat, m, d, passes=passes, seed=seed)
    for _ in ticks:  # close the bar
        pass
    return vecs, np.sqrt(np.clip(vals, 0.0, None)), done[0]
