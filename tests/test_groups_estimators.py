"""Pol.is's reducer and clusterer as scikit-learn estimators, and opinion_groups with
estimators plugged in."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from conftest import require_shared
from sklearn.cluster import HDBSCAN, KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import check_estimator

from coprod_analytics.consensus import opinion_groups
from coprod_analytics.consensus.estimators import PolisClusterer, PolisReducer, dense_votes
from coprod_analytics.consensus.matrix import vote_matrix
from coprod_analytics.consensus.pipeline import polis_row_order, reorder_rows, run_update
from coprod_analytics.errors import ParameterError
from coprod_analytics.io.polis import read_polis
from coprod_analytics.simulate import simulate_inquiry


@pytest.mark.parametrize("estimator", [PolisReducer(), PolisClusterer()], ids=type)
def test_passes_check_estimator(estimator: object) -> None:
    results = check_estimator(estimator, on_fail=None)
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    assert failed == []
    assert sum(r["status"] == "passed" for r in results) >= 40


def test_pipeline_reproduces_the_polis_pipeline_on_real_votes() -> None:
    inq = read_polis(require_shared("polis", "vtaiwan.uberx"))
    m = vote_matrix(inq)
    m = reorder_rows(m, polis_row_order(m))
    out = run_update(m, np.arange(m.shape[0]))
    x = dense_votes(m)
    pipe = Pipeline([("reduce", PolisReducer()), ("cluster", PolisClusterer())])
    pipe.fit(x[out.in_conv])
    # the reducer fitted on everyone projects exactly like the pipeline
    xy = PolisReducer().fit(x).transform(x)
    np.testing.assert_allclose(xy, out.xy, atol=1e-9)
    # the clusterer on the in-conversation projections finds Pol.is's groups
    labels = PolisClusterer().fit_predict(out.xy[out.in_conv])
    assert adjusted_rand_score(labels, out.labels[out.in_conv]) == 1.0
    assert pipe[-1].n_clusters_ >= 2 and pipe[-1].labels_.shape == (int(out.in_conv.sum()),)


def test_opinion_groups_with_the_polis_estimators_equals_the_default() -> None:
    inq = read_polis(require_shared("polis", "scoop-hivemind.biodiversity"))
    default = opinion_groups(inq, bridging=False, progress=False)
    plugged = opinion_groups(
        inq,
        bridging=False,
        progress=False,
        reducer=PolisReducer(),
        clusterer=PolisClusterer(),
    )
    a = default.participants.drop_nulls("group")
    b = plugged.participants.drop_nulls("group")
    assert a["participant_id"].to_list() == b["participant_id"].to_list()
    assert adjusted_rand_score(a["group"], b["group"]) == 1.0
    assert plugged.parameters["reducer"] == "PolisReducer()"
    np.testing.assert_allclose(
        plugged.statements.select("x", "y").to_numpy(),
        default.statements.select("x", "y").to_numpy(),
        atol=1e-9,
    )


def test_other_scikit_learn_estimators_plug_in() -> None:
    inq = simulate_inquiry(120, 30, n_groups=3, seed=4)
    res = opinion_groups(
        inq, bridging=False, progress=False, clusterer=KMeans(4, n_init=2, random_state=0)
    )
    assert res.k == 4 and res.groups.height == 4
    # HDBSCAN may call some people noise: they stay unclustered (group null)
    res = opinion_groups(
        inq, bridging=False, progress=False, clusterer=HDBSCAN(min_cluster_size=10)
    )
    clustered = res.participants.filter(pl.col("in_conv"))
    assert res.k >= 1
    assert clustered["group"].null_count() < clustered.height


def test_estimator_parameter_errors() -> None:
    inq = simulate_inquiry(40, 12, seed=1)
    with pytest.raises(ParameterError, match="'clusterer' parameter of opinion_groups"):
        opinion_groups(inq, clusterer="kmeans", progress=False)
    with pytest.raises(ParameterError, match="'reducer' parameter of opinion_groups"):
        opinion_groups(inq, mode="replay", reducer=PolisReducer(), progress=False)
    with pytest.raises(ValueError, match="'base_k' parameter of PolisClusterer"):
        PolisClusterer(base_k=0).fit(np.zeros((5, 2)))
