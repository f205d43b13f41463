"""Pol.is's reducer and clusterer as scikit-learn estimators.

:class:`PolisReducer` is Pol.is's projection (column-mean imputation, centring, the top
principal axes, the sparsity-aware scaling); :class:`PolisClusterer` is its two-level
clustering (``base_k`` base clusters by Pol.is's k-means with its cold start, then a
weighted k-means of their centres, k by silhouette). Both follow scikit-learn's estimator
contract (``__init__`` only stores parameters, ``fit`` returns ``self``, learned attributes
end in ``_``) and pass :func:`sklearn.utils.estimator_checks.check_estimator`, so they work
inside a :class:`~sklearn.pipeline.Pipeline` and analysts can swap either one for another
scikit-learn-compatible estimator (UMAP, HDBSCAN, ...) — also inside
:func:`~coprod_analytics.consensus.opinion_groups` (``reducer=``, ``clusterer=``).

The vote matrix is ``(n_participants, n_statements)`` with agree = 1, disagree = -1,
pass = 0 and NaN where a participant did not vote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from coprod_analytics.consensus.clustering import choose_groups
from coprod_analytics.consensus.kmeans import polis_kmeans

if TYPE_CHECKING:  # pragma: no cover
    from coprod_analytics.consensus.matrix import VoteMatrix
    from coprod_analytics.consensus.pipeline import PipelineOutput

__all__ = ["MAX_DENSE_CELLS", "PolisClusterer", "PolisReducer", "dense_votes", "with_estimators"]


class PolisReducer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Pol.is's projection of a vote matrix (a scikit-learn transformer).

    ``fit`` fills every missing vote with its statement's mean, centres on the statement
    means and keeps the top ``n_components`` principal axes (sign: largest loading
    positive); ``transform`` projects each row over the statements it voted on and scales
    by ``sqrt(n_statements / n_votes)`` (Pol.is's sparsity-aware projection), so people who
    voted on few statements are not pulled to the centre.

    Parameters
    ----------
    n_components : int, default 2
        Principal axes kept (Pol.is: 2).
    random_state : int or None, default 0
        Accepted for the scikit-learn contract and recorded; the exact solver used here
        does not draw random numbers.

    Attributes
    ----------
    center_ : np.ndarray
        Per statement: the mean of its votes (0 for a statement without votes).
    components_ : np.ndarray
        ``(n_components, n_features_in_)`` principal axes.
    singular_values_ : np.ndarray
        Their singular values.
    n_statements_ : int
        Statements with at least one vote (the numerator of the scaling).
    n_features_in_ : int
        Number of statements seen in ``fit``.

    Examples
    --------
    >>> X = np.array([[1, 1, np.nan], [-1, -1, 1], [1, np.nan, -1], [-1, -1, np.nan]])
    >>> red = PolisReducer().fit(X)
    >>> red.transform(X).shape, red.n_statements_
    ((4, 2), 3)
    """

    def __init__(self, n_components: int = 2, random_state: int | None = 0) -> None:
        self.n_components = n_components
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def fit(self, X: Any, y: Any = None) -> PolisReducer:
        """Learn the statement means and principal axes.

        Parameters
        ----------
        X : array-like of shape (n_participants, n_statements)
            Votes; NaN where not voted.
        y : None
            Ignored.

        Returns
        -------
        PolisReducer
            ``self``.
        """
        if not isinstance(self.n_components, int | np.integer) or self.n_components < 1:
            raise ValueError(
                "The 'n_components' parameter of PolisReducer must be an int >= 1. "
                f"Got {self.n_components!r}."
            )
        x = validate_data(self, X, ensure_all_finite="allow-nan", dtype=np.float64)
        voted = ~np.isnan(x)
        counts = voted.sum(axis=0)
        sums = np.where(voted, x, 0.0).sum(axis=0)
        self.center_ = np.divide(sums, counts, out=np.zeros(x.shape[1]), where=counts > 0)
        xc = np.where(voted, x - self.center_, 0.0)
        _, sv, vt = np.linalg.svd(xc, full_matrices=False)
        d = int(self.n_components)
        comps = np.zeros((d, x.shape[1]))
        vals = np.zeros(d)
        r = min(d, vt.shape[0])
        for i in range(r):
            vec = vt[i]
            j = int(np.argmax(np.abs(vec)))
            comps[i] = -vec if vec[j] < 0 else vec
            vals[i] = sv[i]
        self.components_ = comps
        self.singular_values_ = vals
        self.n_statements_ = int((counts > 0).sum())
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Project participants (Pol.is's sparsity-aware projection).

        Parameters
        ----------
        X : array-like of shape (n_participants, n_statements)
            Votes; NaN where not voted.

        Returns
        -------
        np.ndarray of shape (n_participants, n_components)
        """
        check_is_fitted(self)
        x = validate_data(self, X, ensure_all_finite="allow-nan", dtype=np.float64, reset=False)
        voted = ~np.isnan(x)
        xc = np.where(voted, x - self.center_, 0.0)
        n_votes = np.maximum(voted.sum(axis=1), 1).astype(np.float64)
        scale = np.sqrt(max(self.n_statements_, 1) / n_votes)
        out: np.ndarray = (xc @ self.components_.T) * scale[:, None]
        return out


class PolisClusterer(ClusterMixin, BaseEstimator):  # type: ignore[misc]
    """Pol.is's two-level clustering (a scikit-learn clusterer).

    ``fit`` runs Pol.is's k-means with ``base_k`` clusters (cold start on the first
    distinct rows, in row order), then a k-means of the base-cluster centres weighted by
    their sizes for k = 2 .. min(``max_k``, 2 + n_base // 12), choosing k by the silhouette of
    the centres (or ``n_clusters`` when given). ``predict`` puts a point in the group of its
    nearest base cluster.

    Parameters
    ----------
    n_clusters : int or None, default None
        Number of groups; None chooses it by silhouette, as Pol.is does.
    base_k : int, default 100
        Base clusters.
    max_k : int, default 5
        Largest number of groups tried.
    base_iters, group_iters : int, default 100, 20
        Iteration caps.
    random_state : int or None, default None
        None keeps Pol.is's cold start on the rows in the given order (deterministic);
        an int shuffles the row order first with that seed.

    Attributes
    ----------
    labels_ : np.ndarray
        Group of every training point (0 to ``n_clusters_`` - 1).
    n_clusters_ : int
        Number of groups.
    cluster_centers_ : np.ndarray
        ``(n_clusters_, n_features_in_)`` group centres (size-weighted base centres).
    base_centers_ : np.ndarray
        Base-cluster centres.
    base_groups_ : np.ndarray
        Group of every base cluster.
    silhouettes_ : dict of int to float
        Silhouette of every k tried.
    n_features_in_ : int
        Dimensions seen in ``fit``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(-3, 0.3, (30, 2)), rng.normal(3, 0.3, (30, 2))])
    >>> cl = PolisClusterer().fit(X)
    >>> cl.n_clusters_, bool(cl.labels_[0] != cl.labels_[-1])
    (2, True)
    >>> from sklearn.pipeline import make_pipeline
    >>> votes = np.where(rng.random((60, 12)) < 0.5, 1.0, -1.0)
    >>> make_pipeline(PolisReducer(), PolisClusterer(n_clusters=2)).fit(votes)[-1].n_clusters_
    2
    """

    def __init__(
        self,
        n_clusters: int | None = None,
        *,
        base_k: int = 100,
        max_k: int = 5,
        base_iters: int = 100,
        group_iters: int = 20,
        random_state: int | None = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.base_k = base_k
        self.max_k = max_k
        self.base_iters = base_iters
        self.group_iters = group_iters
        self.random_state = random_state

    def _check_params(self) -> None:
        def is_int(v: object) -> bool:
            return isinstance(v, int | np.integer) and not isinstance(v, bool)

        checks = (
            ("n_clusters", self.n_clusters is None or (is_int(self.n_clusters) and self.n_clusters >= 1), "None or an int >= 1"),
            ("base_k", is_int(self.base_k) and self.base_k >= 1, "an int >= 1"),
            ("max_k", is_int(self.max_k) and self.max_k >= 2, "an int >= 2"),
            ("base_iters", is_int(self.base_iters) and self.base_iters >= 1, "an int >= 1"),
            ("group_iters", is_int(self.group_iters) and self.group_iters >= 1, "an int >= 1"),
        )  # fmt: skip
        for name, ok, what in checks:
            if not ok:
                raise ValueError(
                    f"The '{name}' parameter of PolisClusterer must be {what}. "
                    f"Got {getattr(self, name)!r}."
                )

    def fit(self, X: Any, y: Any = None) -> PolisClusterer:
        """Cluster the points.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points (Pol.is: the 2-D projection of participants).
        y : None
            Ignored.

        Returns
        -------
        PolisClusterer
            ``self``.
        """
        self._check_params()
        x = validate_data(self, X, dtype=np.float64)
        n = x.shape[0]
        if self.random_state is None:
            perm = np.arange(n)
        else:
            perm = np.random.default_rng(int(self.random_state)).permutation(n)
        base, blab = polis_kmeans(x[perm], int(self.base_k), max_iters=int(self.base_iters))
        base_groups = np.zeros(base.n, dtype=np.int64)
        sil: dict[int, float] = {}
        if base.n >= 2 and self.n_clusters != 1:
            force = None if self.n_clusters is None else min(int(self.n_clusters), base.n)
            choice = choose_groups(
                base, max_k=int(self.max_k), group_iters=int(self.group_iters), force_k=force
            )
            sil = dict(choice.silhouettes)
            base_groups = np.asarray(choice.clusterings[choice.best_k][1], dtype=np.int64)
        # number groups 0 .. k-1 by first appearance in the input order
        labels_perm = base_groups[blab]
        labels = np.empty(n, dtype=np.int64)
        labels[perm] = labels_perm
        _, first = np.unique(labels, return_index=True)
        order = np.argsort(first)
        rank = np.empty(order.size, dtype=np.int64)
        rank[np.unique(labels)[order]] = np.arange(order.size)
        self.labels_ = rank[labels]
        self.base_groups_ = rank[base_groups]
        self.base_centers_ = np.asarray(base.centers, dtype=np.float64)
        self.n_clusters_ = int(order.size)
        sizes = np.array([m.shape[0] for m in base.members], dtype=np.float64)
        centres = np.zeros((self.n_clusters_, x.shape[1]))
        for g in range(self.n_clusters_):
            sel = self.base_groups_ == g
            centres[g] = (self.base_centers_[sel] * sizes[sel, None]).sum(axis=0) / sizes[sel].sum()
        self.cluster_centers_ = centres
        self.silhouettes_ = sil
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The group of each point's nearest base cluster.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        np.ndarray of int
        """
        check_is_fitted(self)
        x = validate_data(self, X, dtype=np.float64, reset=False)
        d = ((x[:, None, :] - self.base_centers_[None, :, :]) ** 2).sum(axis=2)
        out: np.ndarray = self.base_groups_[np.argmin(d, axis=1)]
        return out


def dense_votes(matrix: VoteMatrix, *, impute: bool = False) -> np.ndarray:
    """The vote matrix as a dense array for scikit-learn estimators.

    Moderated-out and meta statements with votes are 0 in every row (as in Pol.is's
    projection); other unvoted cells are NaN, or the statement's mean with ``impute=True`` (for
    estimators that do not accept NaN).

    Parameters
    ----------
    matrix : VoteMatrix
        Latest votes.
    impute : bool, default False
        Fill unvoted cells with the statement's mean instead of NaN.

    Returns
    -------
    np.ndarray of shape (n_participants, n_statements)

    Examples
    --------
    >>> from coprod_analytics.inquiry import Inquiry
    >>> from coprod_analytics.consensus.matrix import vote_matrix
    >>> m = vote_matrix(Inquiry(votes={"participant_id": [1, 1, 2], "statement_id": [1, 2, 1],
    ...                                "vote": [1, -1, -1]}))
    >>> dense_votes(m).tolist(), dense_votes(m, impute=True).tolist()
    ([[1.0, -1.0], [-1.0, nan]], [[1.0, -1.0], [-1.0, -1.0]])
    """
    n, m = matrix.shape
    x = np.full((n, m), np.nan)
    x[matrix.rows, matrix.cols] = matrix.values.astype(np.float64)
    has_votes = np.bincount(matrix.cols, minlength=m) > 0
    x[:, matrix.excluded & has_votes] = 0.0
    if impute:
        counts = np.bincount(matrix.cols, minlength=m).astype(np.float64)
        sums = np.bincount(matrix.cols, weights=matrix.values.astype(np.float64), minlength=m)
        mean = np.divide(sums, counts, out=np.zeros(m), where=counts > 0)
        x = np.where(np.isnan(x), mean[None, :], x)
    return x


#: Largest participants x statements matrix handed to custom estimators (dense, float64).
MAX_DENSE_CELLS = 100_000_000


def with_estimators(
    out: PipelineOutput,
    *,
    reducer: Any = None,
    clusterer: Any = None,
    k: int | None = None,
    base_k: int = 100,
    max_k: int = 5,
    base_iters: int = 100,
    group_iters: int = 20,
) -> PipelineOutput:
    """Replace the projection and/or the clustering of one Pol.is update with
    scikit-learn-compatible estimators (for experiments; the default path is Pol.is's).

    Parameters
    ----------
    out : PipelineOutput
        Pol.is's update (its in-conversation set is kept).
    reducer : estimator with ``fit_transform``, optional
        Gets the dense vote matrix (:func:`dense_votes`; NaN for unvoted cells when its
        tags allow NaN, else mean-imputed). Its first two output columns are the map; all
        its columns are clustered. None keeps Pol.is's projection.
    clusterer : estimator with ``fit_predict``, optional
        Clusters the in-conversation participants; negative labels (noise, e.g. HDBSCAN's
        -1) leave a participant unclustered. None uses :class:`PolisClusterer` with the
        parameters below.
    k, base_k, max_k, base_iters, group_iters
        Parameters of the default :class:`PolisClusterer`.

    Returns
    -------
    PipelineOutput

    Examples
    --------
    >>> from sklearn.cluster import KMeans
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> from coprod_analytics.consensus.matrix import vote_matrix
    >>> from coprod_analytics.consensus.pipeline import run_update
    >>> m = vote_matrix(simulate_inquiry(60, 20, n_groups=2, seed=3))
    >>> out = with_estimators(run_update(m, np.arange(60)),
    ...                       clusterer=KMeans(3, n_init=1, random_state=0))
    >>> out.k
    3
    """
    from dataclasses import replace

    from sklearn.base import clone
    from sklearn.utils import get_tags

    from coprod_analytics.errors import ValidationError

    matrix = out.matrix
    n, m = matrix.shape
    xy, stmt_xy, emb = out.xy, out.stmt_xy, out.xy
    if reducer is not None:
        if n * m > MAX_DENSE_CELLS:
            raise ValidationError(
                f"a custom reducer gets the dense vote matrix; {n} x {m} cells is more than "
                f"{MAX_DENSE_CELLS:,}: use the default (sparse) Pol.is reducer"
            )
        red = clone(reducer)
        allow_nan = bool(get_tags(red).input_tags.allow_nan)
        x = dense_votes(matrix, impute=not allow_nan)
        emb = np.asarray(red.fit_transform(x), dtype=np.float64)
        if emb.ndim != 2 or emb.shape[0] != n:
            raise ValidationError(
                f"the reducer returned an array of shape {emb.shape}; expected ({n}, d)",
                column="reducer",
            )
        xy = emb[:, :2] if emb.shape[1] >= 2 else np.column_stack([emb, np.zeros(n)])
        if allow_nan and hasattr(red, "transform"):
            # statements as a virtual participant who agreed with that statement only
            virtual = np.full((m, m), np.nan)
            virtual[np.arange(m), np.arange(m)] = 1.0
            s_emb = np.asarray(red.transform(virtual), dtype=np.float64)
            stmt_xy = s_emb[:, :2] if s_emb.shape[1] >= 2 else np.column_stack([s_emb, np.zeros(m)])
    idx = np.flatnonzero(out.in_conv)
    cl = (
        clone(clusterer)
        if clusterer is not None
        else PolisClusterer(
            k, base_k=base_k, max_k=max_k, base_iters=base_iters, group_iters=group_iters
        )
    )
    labels = np.full(n, -1, dtype=np.int64)
    k_found = 0
    silhouettes: dict[int, float] = {}
    if idx.size:
        raw = np.asarray(cl.fit_predict(emb[idx]), dtype=np.int64)
        ok = raw >= 0
        if ok.any():
            _, codes = np.unique(raw[ok], return_inverse=True)
            labels[idx[ok]] = codes
            k_found = int(codes.max()) + 1
        silhouettes = dict(getattr(cl, "silhouettes_", {}) or {})
    return replace(
        out,
        xy=np.asarray(xy, dtype=np.float64),
        stmt_xy=np.asarray(stmt_xy, dtype=np.float64),
        labels=labels,
        k=k_found,
        best_k=k_found,
        silhouettes=silhouettes,
        group_ids=np.arange(k_found, dtype=np.int64),
    )
