"""Our groups against Pol.is's own ``group-id`` on the four real conversations, beside
red-dwarf 0.4.0 (the measured Python baseline) computed in the same run."""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl
import pytest
from conftest import POLIS_CONVERSATIONS, require_shared

from coprod_analytics.consensus import opinion_groups
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.io.polis import read_polis

#: Minimum adjusted Rand index with Pol.is's groups (issue 3).
TARGETS = {
    "bg2050-volunteers": 0.95,
    "scoop-hivemind.biodiversity": 0.90,
    "vtaiwan.uberx": 0.90,
}


def ari_with_polis(inq: Inquiry, groups: pl.DataFrame) -> float:
    """ARI over participants both we and Pol.is clustered."""
    from sklearn.metrics import adjusted_rand_score

    j = groups.join(
        inq.participants.select("participant_id", "polis_group_id"), on="participant_id"
    ).drop_nulls(["group", "polis_group_id"])
    return float(adjusted_rand_score(j["polis_group_id"], j["group"]))


def red_dwarf_groups(inq: Inquiry) -> pl.DataFrame:
    """Red-dwarf's ``run_pipeline`` on the same votes (latest votes, moderation)."""
    from reddwarf.implementations.polis import run_pipeline

    v = inq.votes
    votes = [
        {"participant_id": p, "statement_id": s, "vote": int(x), "modified": t}
        for p, s, x, t in zip(
            v["participant_id"].to_list(),
            v["statement_id"].to_list(),
            v["vote"].to_list(),
            v["time"].dt.epoch("ms").to_list(),
            strict=True,
        )
    ]
    stm = inq.statements
    mod_out = stm.filter(pl.col("moderation") == -1)["statement_id"].to_list()
    meta = stm.filter(pl.col("is_meta"))["statement_id"].to_list()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_pipeline(
            votes=votes,
            mod_out_statement_ids=mod_out + meta,
            meta_statement_ids=meta,
            random_state=0,
        )
    df = res.participants_df
    lab = df["cluster_id"]
    return pl.DataFrame(
        {
            "participant_id": [int(i) for i in df.index],
            "group": [None if lab.isna().iloc[i] else int(lab.iloc[i]) for i in range(len(df))],
        },
        schema={"participant_id": pl.Int64, "group": pl.Int64},
    )


@pytest.fixture(scope="module")
def table() -> dict[str, tuple[float, float, int, int]]:
    out: dict[str, tuple[float, float, int, int]] = {}
    for name in POLIS_CONVERSATIONS:
        inq = read_polis(require_shared("polis", name))
        ours = opinion_groups(inq, bridging=False)
        rd = red_dwarf_groups(inq)
        polis_k = int(inq.participants["polis_group_id"].drop_nulls().n_unique())
        out[name] = (
            ari_with_polis(inq, ours.participants),
            ari_with_polis(inq, rd),
            ours.k,
            polis_k,
        )
    print("\nconversation                   ARI ours  ARI red-dwarf  k ours  k Pol.is")
    for name, (a, b, k, pk) in out.items():
        print(f"{name:30s} {a:8.3f} {b:14.3f} {k:7d} {pk:9d}")
    return out


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_ari_targets(table: dict[str, tuple[float, float, int, int]], name: str) -> None:
    ours, red_dwarf, k, polis_k = table[name]
    assert ours >= TARGETS[name]
    assert ours >= red_dwarf
    assert k == polis_k


def test_mean_ari_over_the_four(table: dict[str, tuple[float, float, int, int]]) -> None:
    ours = np.mean([v[0] for v in table.values()])
    red_dwarf = np.mean([v[1] for v in table.values()])
    assert ours >= 0.70
    assert ours > red_dwarf


def test_london_is_history_dependent(table: dict[str, tuple[float, float, int, int]]) -> None:
    """26 voters, 24 clustered: every participant is their own base cluster, and the silhouette
    of the final data prefers 2 groups; Pol.is shows 3 because its k-smoother kept the k
    that won earlier updates. Replaying the log through Pol.is's update rules recovers k = 3."""
    _ours, _, k, polis_k = table["london.youth.policing"]
    assert polis_k == 3 and k == 2
    inq = read_polis(require_shared("polis", "london.youth.policing"))
    replay = opinion_groups(inq, mode="replay", cadence=100, bridging=False)
    assert replay.k == 3


def test_replay_is_close_to_polis_on_a_large_conversation() -> None:
    inq = read_polis(require_shared("polis", "scoop-hivemind.biodiversity"))
    res = opinion_groups(inq, mode="replay", cadence=1000, bridging=False)
    assert ari_with_polis(inq, res.participants) >= 0.85


@pytest.mark.parametrize("name", ["bg2050-volunteers", "vtaiwan.uberx"])
def test_polis_exact_kmeans_is_why_we_keep_our_own(name: str) -> None:
    """The project uses scikit-learn's KMeans for plain k-means, but not here: on the same
    projection and the same k, scikit-learn's k-means (k-means++, best of 10) reproduces
    Pol.is's groups clearly worse than Pol.is's own start and stopping rules
    (:mod:`coprod_analytics.consensus.kmeans`). Measured: ARI 1.00 vs 0.19 on bg2050,
    0.93 vs 0.83 on vTaiwan."""
    from sklearn.cluster import KMeans

    inq = read_polis(require_shared("polis", name))
    res = opinion_groups(inq, bridging=False, progress=False)
    clustered = res.participants.filter(pl.col("in_conv"))
    labels = KMeans(res.k, n_init=10, random_state=0).fit(clustered.select("x", "y").to_numpy())
    plain = clustered.select("participant_id").with_columns(group=pl.Series(labels.labels_))
    ours = ari_with_polis(inq, res.participants)
    assert ours >= TARGETS[name]
    assert ours > ari_with_polis(inq, plain) + 0.05
