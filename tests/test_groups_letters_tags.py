"""Canonical group letters (A = largest, whatever the row order or the participant ids) and
honest tags (consensus, divisive, representative only when the votes are enough)."""

from __future__ import annotations

import numpy as np
import polars as pl

from coprod_analytics.consensus import opinion_groups
from coprod_analytics.consensus.assemble import canonical_order
from coprod_analytics.consensus.tags import TOO_FEW_VOTES, tag_evidence
from coprod_analytics.inquiry import Inquiry


def camps(sizes: tuple[int, ...], n_statements: int = 24, seed: int = 0) -> pl.DataFrame:
    """Votes of well separated camps of the given sizes, written here (not our simulator):
    camp c agrees with statement j with probability 0.9 when bit c of the camp's random
    stance on j is set, else 0.1; everybody votes on everything."""
    rng = np.random.default_rng(seed)
    stance = rng.random((len(sizes), n_statements)) < 0.5
    rows = []
    pid = 0
    for c, size in enumerate(sizes):
        for _ in range(size):
            p = np.where(stance[c], 0.9, 0.1)
            votes = np.where(rng.random(n_statements) < p, 1, -1)
            rows += [(pid, j, int(v)) for j, v in enumerate(votes)]
            pid += 1
    pids, sids, vals = zip(*rows, strict=True)
    return pl.DataFrame({"participant_id": pids, "statement_id": sids, "vote": vals})


def letters(res_participants: pl.DataFrame) -> dict[object, int]:
    return dict(res_participants.select("participant_id", "group").iter_rows())


def test_a_is_the_largest_group_and_sizes_descend() -> None:
    res = opinion_groups(camps((20, 50, 35)), bridging=False, progress=False)
    assert res.groups.select("group", "size").rows() == [(0, 50), (1, 35), (2, 20)]
    assert res.summary().splitlines()[2].startswith("Group A (50 participants)")


def test_same_votes_same_letters_whatever_row_order_and_ids() -> None:
    votes = camps((40, 25, 30), seed=1)
    first = opinion_groups(votes, bridging=False, progress=False)
    # the same votes: log shuffled, participant ids renamed (pseudonyms that keep the ids'
    # order: Pol.is's cold start reads rows in participant-id order, so pseudonyms in another
    # order can land k-means in another local optimum, as in Pol.is itself)
    rng = np.random.default_rng(7)
    old_ids = votes["participant_id"].unique().sort().to_list()
    new_ids = np.sort(rng.choice(10**6, size=len(old_ids), replace=False)).tolist()
    rename = dict(zip(old_ids, new_ids, strict=True))
    again = opinion_groups(
        votes.with_columns(pl.col("participant_id").replace_strict(rename)).sample(
            fraction=1.0, shuffle=True, seed=3
        ),
        bridging=False,
        progress=False,
    )
    a, b = letters(first.participants), letters(again.participants)
    assert {p: a[p] for p in old_ids} == {p: b[rename[p]] for p in old_ids}
    assert (
        first.groups.select("group", "size").rows() == again.groups.select("group", "size").rows()
    )


def test_ties_in_size_are_broken_by_votes_not_by_order() -> None:
    sizes = np.array([10, 10, 4])
    agree = np.array([[3.0, 1.0], [5.0, 0.0], [9.0, 9.0]])
    disagree = np.zeros((3, 2))
    rank = np.arange(2)
    mapping = canonical_order(sizes, agree, disagree, rank)
    assert mapping.tolist() == [1, 0, 2]  # 5 agree votes beat 4; the small group is C
    # the same groups listed in another order get the same letters
    perm = np.array([2, 0, 1])
    assert canonical_order(sizes[perm], agree[perm], disagree[perm], rank).tolist() == [2, 1, 0]


def test_previous_result_keeps_its_letters_over_canonical_ones() -> None:
    votes = camps((30, 20), seed=2)
    first = opinion_groups(votes, bridging=False, progress=False)
    a_members = first.participants.filter(pl.col("group") == 0)["participant_id"]
    # B grows past A: canonical letters would swap, a live screen must not
    pid0 = int(votes["participant_id"].max()) + 1
    b_proto = votes.filter(pl.col("participant_id") == 45)
    extra = pl.concat(
        [b_proto.with_columns(participant_id=pl.lit(pid0 + i, dtype=pl.Int64)) for i in range(25)]
    )
    more = pl.concat([votes, extra.cast(votes.schema)])
    fresh = opinion_groups(more, bridging=False, progress=False)
    live = opinion_groups(more, previous=first, bridging=False, progress=False)
    assert letters(fresh.participants)[int(a_members[0])] == 1  # A is now the other camp
    live_l = letters(live.participants)
    assert {live_l[int(p)] for p in a_members} == {0}  # same letter as before on screen


# ----------------------------------------------------------------------------- tags
def _board_tags(votes: pl.DataFrame, statements: pl.DataFrame | None = None) -> pl.DataFrame:
    from coprod_widgets.consensus.state import ConsensusState

    state = ConsensusState(Inquiry(votes=votes, statements=statements), bridging=False)
    state.board_kind = "consensus"
    return state.board_table()


def test_two_votes_per_group_are_too_few_for_a_consensus_tag() -> None:
    base = camps((10, 10), n_statements=12, seed=3)
    # statement 100: two people of each camp agree, nobody else voted on it
    early = pl.DataFrame(
        {"participant_id": [0, 1, 10, 11], "statement_id": [100] * 4, "vote": [1] * 4}
    )
    res = opinion_groups(
        pl.concat([base, early]), bridging=False, progress=False, min_participants=0
    )
    row = res.statements.filter(pl.col("statement_id") == 100).row(0, named=True)
    assert row["consensus"] == "agree"  # Pol.is's own selection takes it ...
    assert row["consensus_clear"] is None  # ... the votes cannot carry it yet
    assert row["too_few_votes"]
    board = _board_tags(pl.concat([base, early]))
    tags = dict(zip(board["statement_id"], board["tags"].to_list(), strict=True))
    assert tags[100] == [TOO_FEW_VOTES]
    assert not any(t.startswith("consensus") for t in tags[100])


def test_many_votes_make_the_same_statement_a_clear_consensus() -> None:
    base = camps((10, 10), n_statements=12, seed=3)
    everyone = pl.DataFrame(
        {"participant_id": list(range(20)), "statement_id": [100] * 20, "vote": [1] * 20}
    )
    votes = pl.concat([base, everyone])
    res = opinion_groups(votes, bridging=False, progress=False)
    row = res.statements.filter(pl.col("statement_id") == 100).row(0, named=True)
    assert row["consensus_clear"] == "agree" and not row["too_few_votes"]
    board = _board_tags(votes)
    first = board.row(0, named=True)
    assert first["evidence"] == "clear"
    tags = dict(zip(board["statement_id"], board["tags"].to_list(), strict=True))
    assert "consensus: agree" in tags[100]
    # clear claims come before "too few votes yet" on the board
    ev = board["evidence"].to_list()
    assert ev == sorted(ev, key=lambda e: e == TOO_FEW_VOTES)


def test_rule_thresholds() -> None:
    # 4 of 4 agreeing clears 1/2 (Wilson lower bound 0.51), 3 of 3 does not (0.44)
    a = np.array([[4, 3]])
    ev = tag_evidence(a, 0 * a, a, np.full((1, 2), "agree"), excluded=np.zeros(2, bool))
    assert ev.consensus.tolist() == ["agree", None]
    assert ev.too_few_votes.tolist() == [False, True]
    # divisive: one group clearly agrees, another clearly disagrees
    agree = np.array([[30], [1]])
    disagree = np.array([[0], [29]])
    ev = tag_evidence(
        agree,
        disagree,
        np.array([[30], [30]]),
        np.array([["agree"], ["disagree"]]),
        excluded=np.zeros(1, bool),
    )
    assert ev.divisive.tolist() == [True] and ev.representative.ravel().tolist() == [True, True]
    # a 60/40 split in both groups with 200 votes each: no claim is clear, and none is
    # still possible for divisiveness; consensus is still possible (intervals reach 1/2)
    agree = np.array([[120], [120]])
    ev = tag_evidence(
        agree,
        200 - agree,
        np.array([[200], [200]]),
        np.full((2, 1), "agree"),
        excluded=np.zeros(1, bool),
    )
    assert ev.consensus.tolist() == ["agree"]  # 0.60 with n = 200: lower bound 0.53
    # moderated-out statements are never tagged
    ev = tag_evidence(
        np.array([[30]]),
        np.array([[0]]),
        np.array([[30]]),
        np.array([["agree"]]),
        excluded=np.array([True]),
    )
    assert ev.consensus.tolist() == [None] and not ev.too_few_votes.any()
