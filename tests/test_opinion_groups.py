"""Opinion groups: Pol.is formulas, sparse PCA, edge cases, determinism, live updates."""

from __future__ import annotations

import itertools
import json

import numpy as np
import polars as pl
import pytest
from conftest import require_shared
from hypothesis import given, settings
from hypothesis import strategies as st

from coprod_analytics.consensus import (
    OpinionGroups,
    cluster_projection,
    group_aware_consensus,
    opinion_groups,
    update,
    vote_matrix,
)
from coprod_analytics.consensus import assemble as A
from coprod_analytics.consensus import clustering as CL
from coprod_analytics.consensus import kmeans as KM
from coprod_analytics.consensus import pca as PCA
from coprod_analytics.consensus import pipeline as P
from coprod_analytics.consensus import repness as R
from coprod_analytics.consensus import tallies as T
from coprod_analytics.consensus.replay import parse_cadence, replay_timeline
from coprod_analytics.errors import ParameterError, ValidationError
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.simulate import simulate_inquiry


def _inq(rows: list[tuple[int, int, int]]) -> Inquiry:
    p, s, v = zip(*rows, strict=True)
    return Inquiry(votes={"participant_id": list(p), "statement_id": list(s), "vote": list(v)})


def _dense_imputed(inq: Inquiry) -> tuple[np.ndarray, np.ndarray]:
    """Dense reference: column-mean imputation, centring, excluded columns zeroed."""
    m = vote_matrix(inq)
    n, k = m.shape
    dense = np.full((n, k), np.nan)
    dense[m.rows, m.cols] = m.values
    means = np.nanmean(np.where(np.isnan(dense), np.nan, dense), axis=0)
    means = np.nan_to_num(means)
    filled = np.where(np.isnan(dense), means[None, :], dense)
    filled[:, m.excluded] = 0.0
    return filled - filled.mean(axis=0), dense


# --------------------------------------------------------------------------- Pol.is truth
def test_gac_equals_polis_group_informed_consensus_on_bg2050() -> None:
    from coprod_analytics.io.polis import read_polis

    inq = read_polis(require_shared("polis", "bg2050-volunteers"))
    groups = inq.participants.select("participant_id", pl.col("polis_group_id").alias("group"))
    ours = group_aware_consensus(vote_matrix(inq), groups)
    joined = ours.join(
        inq.statements.select("statement_id", "group_informed_consensus"), on="statement_id"
    ).drop_nulls("group_informed_consensus")
    assert joined.height == 371
    diff = (joined["group_aware_consensus"] - joined["group_informed_consensus"]).abs()
    assert float(diff.to_numpy().max()) <= 1e-12


def test_gac_small_hand_example_and_label_invariance() -> None:
    inq = _inq([(1, 1, 1), (2, 1, 1), (3, 1, -1), (4, 1, 0), (5, 1, 1)])
    m = vote_matrix(inq)
    gac = group_aware_consensus(m, [0, 0, 1, 1, -1])["group_aware_consensus"][0]
    assert gac == pytest.approx((3 / 4) * (1 / 4))
    swapped = group_aware_consensus(m, np.array([7, 7, 3, 3, -1]))["group_aware_consensus"][0]
    assert swapped == pytest.approx(gac)
    with pytest.raises(ValidationError, match="one group label per participant row"):
        group_aware_consensus(m, [0, 1])


def test_repness_formulas_match_the_specification() -> None:
    # group 0: 8 agree, 1 disagree, 1 pass; rest: 2 agree, 6 disagree, 2 pass
    agree = np.array([[8], [2]])
    disagree = np.array([[1], [6]])
    total = np.array([[10], [10]])
    rep = R.repness_stats(agree, disagree, total)
    pa = 9 / 12
    assert rep.pa[0, 0] == pytest.approx(pa)
    assert rep.pat[0, 0] == pytest.approx(2 * np.sqrt(11) * (9 / 11 - 0.5))
    assert rep.ra[0, 0] == pytest.approx(pa / (3 / 12))
    pi1, pi2, pi = 9 / 11, 3 / 11, 12 / 22
    z = (pi1 - pi2) / np.sqrt(pi * (1 - pi) * (1 / 11 + 1 / 11))
    assert rep.rat[0, 0] == pytest.approx(z)
    # the two-proportion test is 0 when the pooled proportion is 1
    assert R._two_prop_test(np.array([5.0]), np.array([5.0]), np.array([5.0]), np.array([5.0]))[
        0
    ] == pytest.approx(0.0)
    chosen = R.select_representative(rep, np.array([False]))
    assert chosen[0][0].direction == "agree" and chosen[1][0].direction == "disagree"
    # an excluded statement is never representative
    assert R.select_representative(rep, np.array([True])) == [[], []]


def test_consensus_and_priority() -> None:
    agree = np.array([40, 2, 30])
    disagree = np.array([2, 40, 1])
    total = np.array([45, 45, 31])
    a, d = T.select_consensus(agree, disagree, total, np.array([False, False, True]))
    assert a == [0] and d == [1]  # statement 2 is excluded
    pri = T.comment_priority(agree, disagree, total, np.zeros(3), np.array([False, False, True]))
    assert pri[2] == 49.0
    imp = (1 - (3 + 1) / 47) * 1 * 41 / 47
    assert pri[0] == pytest.approx((imp * (1 + 8 * 2 ** (-45 / 5))) ** 2)


def test_sparse_pca_matches_dense_svd() -> None:
    inq = simulate_inquiry(80, 25, seed=5)
    stmts = inq.statements.with_columns(
        moderation=pl.when(pl.col("statement_id") == 3).then(-1).otherwise(pl.col("moderation"))
    )
    inq = Inquiry(inq.vote_log, stmts, inq.participants)
    centred, _ = _dense_imputed(inq)
    pca = PCA.sparse_pca(vote_matrix(inq))
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    for i in range(2):
        assert abs(float(np.dot(vt[i], pca.comps[i]))) == pytest.approx(1.0, abs=1e-8)
    assert np.all(pca.comps[:, 3] == 0.0)
    # the sparse centred matrix is the dense one at the voted cells
    dense_from_sparse = pca.centred.toarray()
    assert np.allclose(dense_from_sparse, centred)


def test_sparse_pca_iterative_solver_agrees_with_gram_solver() -> None:
    inq = simulate_inquiry(400, 30, seed=2)
    m = vote_matrix(inq)
    csr, _ = PCA._centred_csr(m)
    gram = (csr.T @ csr).toarray()
    w, v = np.linalg.eigh(gram)
    from scipy.sparse.linalg import svds

    _, _, vt = svds(csr, k=2, solver="arpack", v0=np.ones(30))
    top = v[:, np.argsort(w)[::-1][:2]].T
    pca = PCA.sparse_pca(m)
    for i in range(2):
        assert abs(float(np.dot(top[i], pca.comps[i]))) == pytest.approx(1.0, abs=1e-8)
    assert {round(abs(float(np.dot(vt[j], pca.comps[0]))), 6) for j in range(2)} >= {1.0}


def test_projection_is_polis_sparsity_aware_projection() -> None:
    inq = simulate_inquiry(50, 15, seed=4)
    res = opinion_groups(inq, bridging=False, row_order="log")
    m = vote_matrix(inq)
    pca = PCA.sparse_pca(m)
    _, dense = _dense_imputed(inq)
    for i in (0, 7, 23):
        voted = ~np.isnan(dense[i])
        raw = (dense[i, voted] - pca.center[voted]) @ pca.comps[:, voted].T
        expected = raw * np.sqrt(15 / voted.sum())
        got = res.participants.row(i, named=True)
        assert [got["x"], got["y"]] == pytest.approx(list(expected), abs=1e-10)
    # statement extremity: a virtual participant agreeing with that statement only
    s0 = res.statements.row(0, named=True)
    proj = (1 - pca.center[0]) * pca.comps[:, 0] * np.sqrt(15)
    assert s0["extremity"] == pytest.approx(float(np.hypot(*proj)))


def test_moderated_out_statement_is_zeroed_but_counted_as_voted() -> None:
    base = simulate_inquiry(40, 12, seed=8)
    stmts = base.statements.with_columns(
        moderation=pl.when(pl.col("statement_id") == 0).then(-1).otherwise(pl.col("moderation"))
    )
    inq = Inquiry(base.vote_log, stmts, base.participants)
    res = opinion_groups(inq, bridging=False)
    row = res.statements.filter(pl.col("statement_id") == 0).row(0, named=True)
    assert row["excluded"] and row["extremity"] == 0.0 and row["consensus"] is None
    assert row["representative_for"] == []
    assert not res.group_votes.filter(
        (pl.col("statement_id") == 0) & pl.col("rep_rank").is_not_null()
    ).height


# --------------------------------------------------------------------------- k-means
def test_polis_kmeans_cold_start_uses_first_distinct_rows() -> None:
    pts = np.array([[0.0, 0.0], [0.0, 0.0], [10.0, 0.0], [0.2, 0.0], [10.2, 0.0]])
    state, labels = KM.polis_kmeans(pts, 2)
    assert labels.tolist() == [0, 0, 1, 0, 1]
    assert state.centers[1].tolist() == pytest.approx([10.1, 0.0])
    # fewer distinct points than k: fewer clusters, no crash
    state, labels = KM.polis_kmeans(np.zeros((5, 2)), 3)
    assert state.n == 1 and labels.tolist() == [0] * 5


def test_polis_kmeans_warm_start_keeps_ids() -> None:
    rng = np.random.default_rng(0)
    pts = np.vstack([rng.normal(-4, 0.5, (20, 2)), rng.normal(4, 0.5, (20, 2))])
    first, lab1 = KM.polis_kmeans(pts, 2)
    moved = pts + 0.05
    again, lab2 = KM.polis_kmeans(moved, 2, last=first)
    assert again.ids.tolist() == first.ids.tolist()
    assert (lab1 == lab2).all()


def test_silhouette_penalises_singletons() -> None:
    c = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 0.0], [5.1, 0.0], [30.0, 0.0]])
    two = CL.silhouette_of_centres(c, np.array([0, 0, 1, 1, 1]))
    singleton = CL.silhouette_of_centres(c, np.array([0, 0, 0, 0, 1]))
    assert CL.silhouette_of_centres(c, np.array([0, 0, 1, 1, 2])) < 1.0
    assert singleton < 1.0 and two > 0
    # a point alone in its group contributes exactly 0
    s = CL.silhouette_of_centres(np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([0, 1]))
    assert s == 0.0


def test_cluster_projection_seed_and_k() -> None:
    rng = np.random.default_rng(1)
    xy = np.vstack(
        [
            rng.normal(-3, 0.3, (40, 2)),
            rng.normal(3, 0.3, (40, 2)),
            rng.normal((0, 6), 0.3, (40, 2)),
        ]
    )
    lab = cluster_projection(xy)
    assert len(set(lab.tolist())) == 3
    assert (cluster_projection(xy, seed=4) == cluster_projection(xy, seed=4)).all()
    assert len(set(cluster_projection(xy, 2).tolist())) == 2
    assert set(cluster_projection(xy, 1).tolist()) == {0}
    assert cluster_projection(np.zeros((0, 2))).shape == (0,)


def test_in_conversation_rule() -> None:
    votes = np.array([7, 6, 1, 0, 9])
    assert P.in_conversation(votes, 30, min_participants=0).tolist() == [
        True,
        False,
        False,
        False,
        True,
    ]
    # fewer than 7 statements: all of them are enough
    assert P.in_conversation(np.array([3, 2]), 3, min_participants=0).tolist() == [True, False]
    # topped up with the heaviest voters, never with non-voters
    assert P.in_conversation(votes, 30, min_participants=4).tolist() == [
        True,
        True,
        True,
        False,
        True,
    ]
    sticky = np.array([False, False, False, True, False])
    assert P.in_conversation(votes, 30, min_participants=0, sticky=sticky)[3]


# --------------------------------------------------------------------------- results
def test_planted_groups_are_recovered_and_result_is_deterministic() -> None:
    from sklearn.metrics import adjusted_rand_score

    inq = simulate_inquiry(300, 40, n_groups=3, votes_per_participant=30, seed=11)
    res = opinion_groups(inq, bridging=False)
    again = opinion_groups(inq, bridging=False)
    assert res.participants.equals(again.participants)
    assert res.statements.equals(again.statements)
    j = res.participants.join(inq.participants, on="participant_id").drop_nulls("group")
    assert adjusted_rand_score(j["planted_group"], j["group"]) > 0.8
    assert res.k == 3
    # group sizes in the groups table are the clustered participants
    assert res.groups["size"].sum() == res.participants["in_conv"].sum()
    # every group has at least one representative statement
    assert all(len(r) >= 1 for r in res.groups["representative"].to_list())


def test_tables_are_consistent() -> None:
    inq = simulate_inquiry(120, 30, n_groups=2, seed=21)
    res = opinion_groups(inq, bridging=False)
    p = res.participants
    assert (p["group"].is_null() == ~p["in_conv"]).all()
    gv = res.group_votes
    assert gv.height == res.k * inq.statements.height
    assert (gv["agree"] + gv["disagree"] + gv["pass"] == gv["total"]).all()
    # GAC in the statements table is the product over groups of the smoothed agree rate
    prod = gv.group_by("statement_id").agg(
        ((pl.col("agree") + 1) / (pl.col("total") + 2)).product().alias("gac")
    )
    j = res.statements.join(prod, on="statement_id")
    assert np.allclose(j["group_aware_consensus"], j["gac"])
    # overall counts match the inquiry's tallies
    t = inq.statement_tallies().join(res.statements, on="statement_id", suffix="_r")
    assert (t["agree"] == t["agree_r"]).all() and (t["pass"] == t["pass_r"]).all()
    assert res.to_frame("groups").equals(res.groups)
    with pytest.raises(ParameterError, match="'table' parameter"):
        res.to_frame("nope")


def test_summary_html_and_json() -> None:
    inq = simulate_inquiry(80, 20, n_groups=2, seed=2)
    stmts = inq.statements.with_columns(
        text=pl.when(pl.col("statement_id") == 0)
        .then(pl.lit("<script>alert(1)</script> & more"))
        .otherwise(pl.col("text"))
    )
    inq = Inquiry(inq.vote_log, stmts, inq.participants)
    res = opinion_groups(inq, bridging=False)
    html_out = res._repr_html_()
    assert "<script>" not in html_out and "&lt;script&gt;" in html_out
    text = res.summary()
    assert f"k = {res.k}" in text
    # groups are letters in the summary, as in the widgets
    assert "Group A (" in text and "Group B (" in text and "Group 0" not in text
    assert repr(res).count("\n") == 0 and len(repr(res)) < 120
    data = json.loads(json.dumps(res.to_json_dict()))
    assert data["k"] == res.k and data["fingerprint"] == inq.fingerprint
    assert len(data["participants"]) == res.participants.height
    assert {"id", "group", "x", "y", "confidence"} <= set(data["participants"][0])
    assert {"id", "group_aware_consensus", "bridging"} <= set(data["statements"][0])
    assert res.provenance.input_fingerprint == inq.fingerprint
    assert isinstance(res, OpinionGroups) and "OpinionGroups" in repr(res)
    # computed without resamples: no interval columns filled
    assert res.statements["gac_ci_low"].null_count() == res.statements.height


def test_divisive_flag() -> None:
    rows = []
    for p in range(20):
        side = 1 if p < 10 else -1
        for s in range(8):
            rows.append((p, s, side if s < 4 else (1 if s < 6 else -side)))
    res = opinion_groups(_inq(rows), bridging=False)
    assert res.k == 2
    st_ = res.statements.sort("statement_id")
    assert st_["is_divisive"].to_list() == [True] * 4 + [False] * 2 + [True] * 2
    assert set(res.consensus_agree) == {4, 5}


# --------------------------------------------------------------------------- edge cases
def test_one_participant() -> None:
    res = opinion_groups(_inq([(1, 1, 1), (1, 2, -1)]), bridging=False)
    assert res.participants.height == 1 and res.k == 1
    assert res.participants["group"].to_list() == [0]


def test_two_statements() -> None:
    rows = [(p, s, 1 if (p + s) % 3 else -1) for p in range(30) for s in (1, 2)]
    res = opinion_groups(_inq(rows), bridging=False)
    assert res.statements.height == 2 and res.k >= 1
    assert res.participants["in_conv"].all()  # min(7, 2) votes are enough


def test_everyone_passing() -> None:
    rows = [(p, s, 0) for p in range(20) for s in range(6)]
    res = opinion_groups(_inq(rows), bridging=False)
    assert res.k == 1
    assert np.allclose(res.participants[["x", "y"]].to_numpy(), 0.0)
    assert res.consensus_agree == [] and res.consensus_disagree == []


def test_everyone_identical() -> None:
    rows = [(p, s, 1 if s % 2 else -1) for p in range(25) for s in range(10)]
    res = opinion_groups(_inq(rows), bridging=False)
    assert res.k == 1 and res.groups["size"].to_list() == [25]
    assert set(res.consensus_agree) == {1, 3, 5, 7, 9}


def test_statement_nobody_voted_on() -> None:
    inq = simulate_inquiry(60, 10, seed=3)
    stmts = pl.concat(
        [inq.statements, inq.statements.head(1).with_columns(statement_id=pl.lit(999, pl.Int64))]
    )
    inq2 = Inquiry(inq.vote_log, stmts, inq.participants)
    res = opinion_groups(inq2, bridging=False)
    row = res.statements.filter(pl.col("statement_id") == 999).row(0, named=True)
    assert row["n_votes"] == 0 and row["agree_rate"] is None
    assert row["group_aware_consensus"] == pytest.approx(0.5**res.k)
    # the unvoted statement changes nothing else
    base = opinion_groups(inq, bridging=False)
    assert base.participants["group"].to_list() == res.participants["group"].to_list()
    assert np.allclose(
        base.participants[["x", "y"]].to_numpy(), res.participants[["x", "y"]].to_numpy()
    )


def test_empty_inquiry_and_bad_input() -> None:
    res = opinion_groups(Inquiry(), bridging=False)
    assert res.k == 0 and res.participants.height == 0
    with pytest.raises(ValidationError, match="expected an Inquiry"):
        opinion_groups("votes.csv")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"min_votes": 0}, "The 'min_votes' parameter of opinion_groups must be an int >= 1"),
        ({"mode": "live"}, "The 'mode' parameter of opinion_groups must be 'batch' or 'replay'"),
        ({"max_k": 1}, "The 'max_k' parameter"),
        ({"k": 0}, "The 'k' parameter"),
        ({"alpha": 1.5}, "The 'alpha' parameter"),
        ({"row_order": "random"}, "The 'row_order' parameter"),
        ({"mode": "replay", "cadence": 0}, "The 'cadence' parameter"),
        ({"mode": "replay", "cadence": "soon"}, "The 'cadence' parameter"),
    ],
)
def test_parameter_errors(kwargs: dict[str, object], match: str) -> None:
    inq = simulate_inquiry(20, 8, seed=1)
    with pytest.raises(ParameterError, match=match):
        opinion_groups(inq, bridging=False, **kwargs)  # type: ignore[arg-type]


def test_forced_k() -> None:
    inq = simulate_inquiry(150, 30, n_groups=3, seed=6)
    assert opinion_groups(inq, k=4, bridging=False).k == 4


# --------------------------------------------------------------------------- live updates
def test_update_keeps_labels_and_hungarian_matching() -> None:
    inq = simulate_inquiry(200, 40, n_groups=3, seed=9)
    first = opinion_groups(inq, bridging=False)
    pid = inq.votes["participant_id"][0]
    sid = inq.statements["statement_id"][5]
    more = inq.with_votes({"participant_id": [pid], "statement_id": [sid], "vote": [1]})
    second = update(first, more)
    j = first.participants.join(second.participants, on="participant_id", suffix="_2")
    j = j.drop_nulls(["group", "group_2"])
    assert float((j["group"] == j["group_2"]).to_numpy().mean()) > 0.95
    assert second.parameters["warm_start"] is True
    # labels of a previous result are followed even when they were permuted
    mapping = {0: 2, 1: 0, 2: 1}
    permuted = OpinionGroups(
        **{
            **{f: getattr(first, f) for f in first.__dataclass_fields__},
            "participants": first.participants.with_columns(
                pl.col("group").replace_strict(mapping, default=None)
            ),
        }
    )
    third = opinion_groups(more, previous=permuted, bridging=False)
    j = permuted.participants.join(third.participants, on="participant_id", suffix="_3")
    j = j.drop_nulls(["group", "group_3"])
    assert float((j["group"] == j["group_3"]).to_numpy().mean()) > 0.95


def test_hungarian_relabel_new_group_gets_fresh_label() -> None:
    keys = np.arange(6)
    old = np.array([0, 0, 1, 1, -1, -1])
    new = np.array([1, 1, 0, 0, 2, 2])
    mapping = A.hungarian_relabel(new, keys, old, keys, 3)
    assert mapping.tolist() == [1, 0, 2]


# --------------------------------------------------------------------------- replay
def test_replay_mode_as_of_and_timeline() -> None:
    inq = simulate_inquiry(150, 30, n_groups=2, seed=12)
    res = opinion_groups(inq, mode="replay", cadence=300, bridging=False)
    assert res.mode == "replay" and res.k >= 1
    again = opinion_groups(inq, mode="replay", cadence=300, bridging=False)
    assert res.participants.equals(again.participants)
    times = inq.vote_log["time"].sort()
    mid = times[times.len() // 3]
    early = opinion_groups(inq, mode="replay", as_of=mid, cadence=300, bridging=False)
    assert early.participants.height < res.participants.height
    assert early.as_of is not None
    tl = replay_timeline(inq, cadence=500, progress=False)
    assert [u.n_votes for u in tl][-1] == inq.vote_log.height
    assert all(b.n_votes >= a.n_votes for a, b in itertools.pairwise(tl))
    # sticky membership: once in the conversation, always in
    ins = [
        set(u.output.matrix.participant_ids.filter(pl.Series(u.output.in_conv)).to_list())
        for u in tl
    ]
    assert all(a <= b for a, b in itertools.pairwise(ins))
    assert (parse_cadence("30s").unit, parse_cadence("30s").step) == ("ms", 30_000)
    by_time = opinion_groups(inq, mode="replay", cadence="10m", bridging=False)
    assert by_time.parameters["cadence"] == "10m"


def test_k_smoother_waits_for_four_updates() -> None:
    from dataclasses import replace

    inq = simulate_inquiry(200, 30, n_groups=2, seed=12)
    m = vote_matrix(inq)
    keys = np.arange(m.shape[0])
    cold = P.run_update(m, keys)
    assert cold.best_k == 2 and 3 in cold.state.group_clusterings
    # Pol.is showed k = 3 for a while: the new best k must win 4 updates in a row
    state = replace(cold.state, last_k=3, last_k_count=5, smoothed_k=3)
    out = P.run_update(m, keys, previous=state)
    assert out.best_k == 2 and out.k == 3 and out.state.last_k_count == 1
    ks = []
    for _ in range(3):
        out = P.run_update(m, keys, previous=out.state)
        ks.append(out.k)
    assert ks == [3, 3, 2]


# --------------------------------------------------------------------------- properties
@st.composite
def small_inquiries(draw: st.DrawFn) -> Inquiry:
    n_p = draw(st.integers(1, 25))
    n_s = draw(st.integers(1, 8))
    cells = draw(
        st.lists(
            st.tuples(
                st.integers(0, n_p - 1), st.integers(0, n_s - 1), st.sampled_from([-1, 0, 1])
            ),
            min_size=1,
            max_size=120,
        )
    )
    return _inq(cells)


@settings(max_examples=40, deadline=None)
@given(small_inquiries(), st.integers(0, 3))
def test_property_any_small_inquiry_gives_a_consistent_answer(inq: Inquiry, seed: int) -> None:
    res = opinion_groups(inq, seed=seed, bridging=False)
    p = res.participants
    assert p.height == inq.votes["participant_id"].n_unique()
    assert np.isfinite(p[["x", "y"]].to_numpy()).all()
    labels = p["group"].drop_nulls().to_list()
    assert set(labels) == set(res.groups["group"].to_list())
    assert res.k == res.groups.height
    gac = res.statements["group_aware_consensus"].to_numpy()
    assert ((gac > 0) & (gac <= 1)).all()
    assert np.isfinite(res.statements["priority"].to_numpy()).all()
    again = opinion_groups(inq, seed=seed, bridging=False)
    assert again.participants.equals(p)


@settings(max_examples=30, deadline=None)
@given(small_inquiries())
def test_property_vote_log_order_does_not_change_batch_result(inq: Inquiry) -> None:
    shuffled = Inquiry(inq.votes.reverse(), inq.statements, inq.participants)
    a = opinion_groups(inq, bridging=False).participants.sort("participant_id")
    b = opinion_groups(shuffled, bridging=False).participants.sort("participant_id")
    assert np.allclose(a[["x", "y"]].to_numpy(), b[["x", "y"]].to_numpy())
    assert a["group"].to_list() == b["group"].to_list()


def test_uncertainty_stability_and_bridging_columns_are_filled() -> None:
    inq = simulate_inquiry(120, 20, n_groups=2, seed=31)
    res = opinion_groups(inq, n_resamples=50, stability=True, bridging=True, progress=False)
    s = res.statements
    voted = s.filter(pl.col("n_votes") > 0)
    assert voted["gac_ci_low"].null_count() == 0
    assert (voted["gac_ci_low"] <= voted["group_aware_consensus"] + 1e-12).all()
    assert (voted["group_aware_consensus"] <= voted["gac_ci_high"] + 1e-12).all()
    assert s["bridging"].null_count() < s.height
    gv = res.group_votes.filter(pl.col("total") > 0)
    assert gv["agree_ci_low"].null_count() == 0
    p = res.participants.filter(pl.col("in_conv"))
    conf = p["confidence"].drop_nulls().to_numpy()
    assert conf.size > 0 and ((conf >= 0) & (conf <= 1)).all()
    assert res.stability is not None and res.stability.k >= 1
    assert isinstance(res.stability.verdict, str)
    # the stability analysis ran on the clustered participants, with Pol.is's clustering
    assert res.stability.n_points == int(res.participants["in_conv"].sum())
    assert res.stability.params["cluster_fn"] == "polis_cluster_fn"
    stab_json = res.to_json_dict()["stability"]
    assert stab_json["polis_k"] == res.k and stab_json["detail"] == res.stability.detail(res.k)
    # the one verdict, not the resampling, says how many groups there are
    assert "supported_k" not in stab_json and "verdict" not in stab_json
    assert res.to_json_dict()["verdict"] == res.verdict.to_dict()
    # the intervals, through the result protocol
    ci = res.conf_int()
    assert ci.columns[-3:] == ["ci_low", "ci_high", "alpha"]
    assert ci.height == s.height + res.group_votes.height
    gac = ci.filter(pl.col("statistic") == "group_aware_consensus")
    assert gac["estimate"].to_list() == s["group_aware_consensus"].to_list()
    with pytest.raises(ParameterError, match=r"'alpha' parameter of OpinionGroups\.conf_int"):
        res.conf_int(alpha=0.1)


def test_conf_int_without_resamples_says_how_to_get_them() -> None:
    from coprod_analytics.consensus.result import IntervalsNotComputedError

    res = opinion_groups(simulate_inquiry(40, 12, n_groups=2, seed=1), bridging=False)
    with pytest.raises(IntervalsNotComputedError, match="n_resamples=0; rerun"):
        res.conf_int()


def test_votes_table_is_accepted_as_stored_by_the_inquiry() -> None:
    inq = simulate_inquiry(50, 15, n_groups=2, seed=8)
    from_table = opinion_groups(inq.votes, bridging=False)
    # no statement texts without the Inquiry, but the same groups and projection
    ours = opinion_groups(inq, bridging=False)
    assert from_table.participants.equals(ours.participants)
    with pytest.raises(ValidationError, match="expected an Inquiry"):
        opinion_groups({"participant_id": [1]}, bridging=False)  # type: ignore[arg-type]


def test_old_bootstrap_name_is_gone() -> None:
    inq = simulate_inquiry(30, 10, n_groups=2, seed=1)
    with pytest.raises(TypeError, match="n_boot"):
        opinion_groups(inq, n_boot=10)  # type: ignore[call-arg]


def test_bounded_assignment_equals_brute_force() -> None:
    """The large-data k-means path (Hamerly bounds + neighbour search) is exact."""
    rng = np.random.default_rng(5)
    pts = np.vstack([rng.normal(-2, 1, (3000, 2)), rng.normal(2, 1, (3000, 2))])
    centers = pts[:40].copy()
    ham = KM._Hamerly()
    for step in range(8):
        got = ham(pts, centers)
        assert (got == KM._exact_nearest(pts, centers)).all(), step
        centers = centers + rng.normal(0, 0.3 / (step + 1), centers.shape)
    keep = np.ones(40, dtype=bool)
    keep[[3, 7]] = False
    assert ham.labels is not None
    ham.labels = np.where(np.isin(ham.labels, [3, 7]), 0, ham.labels)
    ham.u[:] = np.inf  # force re-checks after the artificial move
    ham.drop(keep)
    centers = centers[keep]
    assert (ham(pts, centers) == KM._exact_nearest(pts, centers)).all()


def test_replay_shows_progress_unless_turned_off(capsys: pytest.CaptureFixture[str]) -> None:
    inq = simulate_inquiry(40, 12, n_groups=2, seed=1)
    loud = opinion_groups(inq, mode="replay", cadence=100, bridging=False)
    assert "Replay" in capsys.readouterr().err
    quiet = opinion_groups(inq, mode="replay", cadence=100, bridging=False, progress=False)
    assert capsys.readouterr().err == ""
    assert loud.participants.equals(quiet.participants)


def test_group_letters() -> None:
    from coprod_analytics.consensus.result import group_letter

    assert [group_letter(g) for g in range(3)] == ["A", "B", "C"]
    assert group_letter(25) == "Z" and group_letter(26) == "26"


def test_exact_nearest_is_the_plain_numpy_distance_bit_for_bit() -> None:
    """The k-means assignment uses SciPy's cdist because it computes the same squared
    distances as the NumPy expression, bit for bit (so Pol.is's clusters, ties included,
    do not depend on it); this guards that assumption on the installed SciPy."""
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(11)
    for d in (2, 3, 5):
        for scale in (1e-6, 1.0, 1e6):
            pts = rng.normal(0, scale, (700, d))
            centers = np.vstack([pts[:40], pts[:3]])  # exact ties: duplicated centres
            plain = np.zeros((700, centers.shape[0]))
            for j in range(d):
                diff = pts[:, j, None] - centers[None, :, j]
                plain += diff * diff
            assert np.array_equal(cdist(pts, centers, "sqeuclidean"), plain)
            assert (KM._exact_nearest(pts, centers) == np.argmin(plain, axis=1)).all()


def test_vote_matrix_integer_ids_equal_the_string_id_path() -> None:
    """Integer ids take a binary-search path; string ids the joins: the same matrix."""
    inq = simulate_inquiry(80, 15, n_groups=2, seed=4)
    votes = inq.vote_log.with_columns(
        pl.col("participant_id").cast(pl.String), pl.col("statement_id").cast(pl.String)
    )
    stmts = inq.statements.with_columns(pl.col("statement_id").cast(pl.String))
    a = vote_matrix(inq)
    b = vote_matrix(Inquiry(votes=votes, statements=stmts))
    for name in ("rows", "cols", "values", "excluded", "times"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
        assert getattr(a, name).dtype == getattr(b, name).dtype, name
    # a statement nobody voted on keeps its column; its counts are zero
    c = vote_matrix(
        Inquiry(
            votes={"participant_id": [5, 3], "statement_id": [9, 9], "vote": [1, -1]},
            statements={"statement_id": [2, 9], "text": ["a", "b"]},
        )
    )
    assert c.cols.tolist() == [1, 1] and c.rows.tolist() == [0, 1]
    assert [x.tolist() for x in c.counts()] == [[0, 1], [0, 1], [0, 2]]
