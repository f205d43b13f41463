"""Consensus clustering stability: planted groups found, no structure says "one room"."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from coprod_analytics.consensus.matrix import vote_matrix
from coprod_analytics.consensus.stability import (
    StabilityResult,
    consensus_clustering,
    kmeans_labels,
)
from coprod_analytics.errors import ParameterError, ValidationError
from coprod_analytics.simulate import simulate_inquiry


def opinion_map(inq):  # type: ignore[no-untyped-def]
    """Pol.is-style 2-D projection (column-mean imputation, centring, sparse SVD, scaling)."""
    import scipy.sparse as sp
    from scipy.sparse.linalg import svds

    m = vote_matrix(inq)
    x, voted = m.csr(), m.voted_csr()
    cnt = np.asarray(voted.sum(axis=0)).ravel()
    mean = np.asarray(x.sum(axis=0)).ravel() / np.maximum(cnt, 1)
    c = sp.csr_matrix(x - voted.multiply(mean[None, :]))
    _, _, vt = svds(c, k=2, random_state=0)
    scale = np.sqrt(m.shape[1] / np.maximum(np.diff(voted.indptr), 1))
    planted = (
        pl.DataFrame({"participant_id": m.participant_ids})
        .join(inq.participants, on="participant_id", how="left", maintain_order="left")
        .get_column("planted_group")
        .to_numpy()
    )
    return (c @ vt.T) * scale[:, None], planted


def sklearn_kmeans(points: np.ndarray, k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=1, random_state=seed).fit_predict(points)


@pytest.mark.parametrize(("seed", "fn"), [(0, sklearn_kmeans), (2, None)])
def test_picks_planted_k_with_strong_separation(seed: int, fn) -> None:  # type: ignore[no-untyped-def]
    from sklearn.metrics import adjusted_rand_score

    # expected answer from our own simulator: it plants 3 well-separated groups
    pts, planted = opinion_map(simulate_inquiry(240, 40, n_groups=3, separation=4.0, seed=seed))
    res = consensus_clustering(pts, n_resamples=25, cluster_fn=fn, labels=planted, progress=False)
    assert res.k == 3
    assert res.verdict.startswith("the data supports k = 3 groups")
    assert adjusted_rand_score(planted, res.consensus_labels) > 0.8
    # planted members sit firmly in their planted groups
    assert np.nanmedian(res.confidence) > 0.9
    row = res.to_frame().filter(pl.col("k") == 3)
    assert row["supported"][0] and row["pac"][0] < row["pac_null"][0]


@pytest.mark.parametrize("seed", [0, 1])
def test_no_structure_is_one_room(seed: int) -> None:
    pts, planted = opinion_map(simulate_inquiry(240, 40, n_groups=3, separation=0.0, seed=seed))
    res = consensus_clustering(pts, n_resamples=25, labels=planted)
    assert res.k == 1
    assert res.verdict.startswith("one room, no stable split")
    assert "the given labelling has 3 groups" in res.verdict
    assert not res.to_frame()["supported"].any()
    # membership in arbitrary planted labels is shaky
    assert np.nanmedian(res.confidence) < 0.7
    assert (res.consensus_labels == 0).all()


def test_k_one_listed_and_pure_noise() -> None:
    rng = np.random.default_rng(3)
    res = consensus_clustering(rng.normal(size=(150, 2)), ks=(1, 2, 3, 4), n_resamples=20)
    t = res.to_frame()
    assert t["k"].to_list() == [1, 2, 3, 4]
    assert t.filter(pl.col("k") == 1)["pac"][0] == 0.0  # one group is trivially stable ...
    assert res.k == 1  # ... but never "supported" as a split
    np.testing.assert_allclose(res.confidence, 1.0)


def test_elongated_featureless_cloud_is_not_a_split() -> None:
    # PAC alone calls this stable at k = 2 (it is always cut across the long axis); the
    # no-structure reference makes the answer "one room"
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(200, 2)) * np.array([5.0, 0.5])
    res = consensus_clustering(pts, ks=(2, 3), n_resamples=20)
    assert res.to_frame()["pac"][0] < 0.1
    assert res.k == 1


def test_consensus_matrix_values_on_a_tiny_case() -> None:
    # two far-apart pairs: every pair is always together or always apart, PAC = 0
    pts = np.array([[0.0, 0.0], [0.0, 0.1], [10.0, 0.0], [10.0, 0.1]] * 5)
    res = consensus_clustering(pts, ks=(2,), n_resamples=10, n_null=0)
    assert res.to_frame()["pac"][0] == 0.0
    assert res.k == 2
    assert sorted(np.bincount(res.consensus_labels).tolist()) == [10, 10]
    np.testing.assert_allclose(res.confidence, 1.0)


def test_deterministic_per_seed() -> None:
    rng = np.random.default_rng(1)
    pts = np.concatenate([rng.normal(c, 0.5, (40, 2)) for c in ((0, 0), (3, 3))])
    a = consensus_clustering(pts, ks=(2, 3), n_resamples=10, seed=4)
    b = consensus_clustering(pts, ks=(2, 3), n_resamples=10, seed=4)
    assert a.to_frame().equals(b.to_frame())
    np.testing.assert_array_equal(a.confidence, b.confidence)


def test_large_input_is_subsampled_and_everyone_gets_a_group() -> None:
    rng = np.random.default_rng(2)
    pts = np.concatenate([rng.normal(c, 0.4, (300, 2)) for c in ((0, 0), (4, 0), (2, 4))])
    res = consensus_clustering(pts, ks=(2, 3, 4), n_resamples=15, max_points=300)
    assert res.n_analysed == 300 and res.n_points == 900
    assert res.k == 3
    truth = np.repeat([0, 1, 2], 300)
    from sklearn.metrics import adjusted_rand_score

    assert adjusted_rand_score(truth, res.consensus_labels) > 0.95
    assert np.isfinite(res.confidence).all() and res.confidence.shape == (900,)


def test_result_object() -> None:
    rng = np.random.default_rng(0)
    res = consensus_clustering(rng.normal(size=(60, 2)), ks=(2, 3), n_resamples=8, n_null=1)
    assert isinstance(res, StabilityResult)
    assert res.to_frame().columns == [
        "k",
        "pac",
        "pac_null",
        "stability",
        "relative_stability",
        "area",
        "delta",
        "supported",
    ]
    np.testing.assert_allclose(res.to_frame()["stability"], 1 - res.to_frame()["pac"])
    assert "Verdict: one room" in res.summary()
    assert "<table>" in res._repr_html_() and "one room" in res._repr_html_()
    assert res.membership_frame().height == 60
    with pytest.raises(AttributeError):
        res.k = 3  # type: ignore[misc]


def test_kmeans_labels_recover_the_generating_blobs() -> None:
    # truth is the blob each point was drawn from (independent of any k-means)
    rng = np.random.default_rng(5)
    pts = np.concatenate([rng.normal(c, 0.3, (50, 2)) for c in ((0, 0), (3, 0), (0, 3))])
    truth = np.repeat([0, 1, 2], 50)
    labels = kmeans_labels(pts, 3, 0)
    # numbered by first appearance: the first blob is 0, the second 1, the third 2
    assert labels.tolist() == truth.tolist()
    assert kmeans_labels(pts[::-1], 3, 0).tolist() == truth.tolist()  # renumbered, same split


def test_kmeans_labels_with_fewer_distinct_points_than_k() -> None:
    pts = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
    assert kmeans_labels(pts, 3, 0).tolist() == [0, 0, 1, 1]
    assert kmeans_labels(np.ones((5, 2)), 4, 0).tolist() == [0] * 5


def test_progress_bar_and_protocol(capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(1)
    pts = rng.normal(size=(40, 2))
    loud = consensus_clustering(pts, ks=(2, 3), n_resamples=5, n_null=1)
    assert "Stability" in capsys.readouterr().err
    quiet = consensus_clustering(pts, ks=(2, 3), n_resamples=5, n_null=1, progress=False)
    assert capsys.readouterr().err == ""
    assert loud.to_frame().equals(quiet.to_frame())
    assert "\n" not in repr(quiet) and repr(quiet).startswith("<StabilityResult: Verdict: ")
    assert quiet.provenance is not None and quiet.provenance.seed == 0
    assert quiet.provenance.method == "consensus_clustering"
    with pytest.raises(NotImplementedError, match="no intervals"):
        quiet.conf_int()


def test_errors() -> None:
    pts = np.zeros((10, 2))
    with pytest.raises(ParameterError, match="'ks' parameter of consensus_clustering"):
        consensus_clustering(pts, ks=())
    with pytest.raises(ParameterError, match="'fraction' parameter"):
        consensus_clustering(pts, fraction=0)
    bad = pts.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValidationError, match="row 4, column 'points'"):
        consensus_clustering(bad)
    with pytest.raises(ValidationError, match="labels has shape"):
        consensus_clustering(pts, labels=[0, 1])


def test_identical_points_give_an_answer() -> None:
    res = consensus_clustering(np.ones((20, 2)), ks=(2, 3), n_resamples=5)
    assert res.k == 1
