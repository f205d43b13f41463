"""What the session state keeps as answers arrive, instead of scanning every answer when asked.

The next-pair model of a live pairwise activity is fitted from counts the state keeps.

:class:`~coprod_analytics.session.state.SessionState` keeps, per pairwise activity, how
many latest answers had each outcome (``pair_outcomes``) and which pairs each participant
answered (``pairs_answered``), as answers (and changed answers) arrive. These must always
equal a recount from the latest answers, and the model fitted from the counts must rank
pairs as the model fitted from one row per answer does. Likewise who answered each activity
and round (``respondents``, the facilitator's agenda).
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coprod_analytics.preferences.pairwise import suggest_next_pair
from coprod_analytics.session.activities import ActivityRecord
from coprod_analytics.session.pairs import PairChooser
from coprod_analytics.session.priorities import pair_key
from coprod_analytics.session.state import SessionState

ITEMS = ["1", "2", "3", "4", "5"]

ANSWER = st.tuples(
    st.integers(0, 6),  # participant
    st.sampled_from(ITEMS),
    st.sampled_from(ITEMS),
    st.sampled_from(["a", "b", None]),  # the first shown wins, the second, can't decide
    st.sampled_from(["pw", "other"]),  # two pairwise activities, kept apart
)


def _fold(answers: list[tuple[Any, ...]]) -> SessionState:
    state = SessionState()
    seq = 0
    for pid, a, b, won, aid in answers:
        if a == b:
            continue
        seq += 1
        winner = {"a": a, "b": b, None: None}[won]
        value = {
            "activity_id": aid,
            "item_id": pair_key(a, b),
            "round": 0,
            "answer": {"pair": [a, b], "winner": winner},
        }
        state.apply((seq, "answer", f"k{seq}", pid, None, None, None, json.dumps(value), seq))
    return state


def _rows(state: SessionState, aid: str) -> pl.DataFrame:
    """One row per latest answer, as the model was fitted before the counts."""
    rows = [
        (str(ans["pair"][0]), str(ans["pair"][1]), ans.get("winner"))
        for slots in state.answers.values()
        for (act, _k, _r), (_i, _rnd, ans, _t) in slots.items()
        if act == aid
    ]
    return pl.DataFrame(
        {
            "winner": [b if w is not None and str(w) == b else a for a, b, w in rows],
            "loser": [a if w is not None and str(w) == b else b for a, b, w in rows],
            "tie": [w is None for _a, _b, w in rows],
        },
        schema={"winner": pl.String, "loser": pl.String, "tie": pl.Boolean},
    )


@settings(max_examples=60, deadline=None)
@given(answers=st.lists(ANSWER, max_size=60))
def test_counts_equal_a_recount_and_rank_pairs_alike(answers: list[tuple[Any, ...]]) -> None:
    state = _fold(answers)
    for aid in ("pw", "other"):
        rows = _rows(state, aid)
        recount: dict[tuple[str, str, bool], int] = {}
        for w, lo, tie in rows.iter_rows():
            recount[(w, lo, tie)] = recount.get((w, lo, tie), 0) + 1
        assert state.pair_outcomes.get(aid, {}) == recount
        assert all(n > 0 for n in state.pair_outcomes.get(aid, {}).values())
        for pid, slots in state.answers.items():
            mine = {k for (act, k, _r) in slots if act == aid}
            assert state.pairs_answered.get((pid, aid), set()) == mine
        counts = state.pair_outcomes.get(aid, {})
        weighted = pl.DataFrame(
            {
                "winner": [k[0] for k in counts],
                "loser": [k[1] for k in counts],
                "tie": [k[2] for k in counts],
                "weight": [float(n) for n in counts.values()],
            },
            schema={
                "winner": pl.String,
                "loser": pl.String,
                "tie": pl.Boolean,
                "weight": pl.Float64,
            },
        )
        top = len(ITEMS) * (len(ITEMS) - 1) // 2
        want = suggest_next_pair(rows, items=ITEMS, top=top)
        got = suggest_next_pair(weighted, items=ITEMS, top=top)
        assert got.get_column("score").to_list() == pytest.approx(
            want.get_column("score").to_list(), rel=1e-9, abs=1e-12
        )


def test_a_changed_answer_moves_its_count() -> None:
    state = _fold([(0, "1", "2", "a", "pw"), (1, "1", "2", "a", "pw")])
    assert state.pair_outcomes["pw"] == {("1", "2", False): 2}
    state = _fold([(0, "1", "2", "a", "pw"), (1, "1", "2", "a", "pw"), (0, "2", "1", "a", "pw")])
    # participant 0 changed their mind, shown the other way round: 2 beats 1 now
    assert state.pair_outcomes["pw"] == {("1", "2", False): 1, ("2", "1", False): 1}
    state = _fold([(0, "1", "2", "a", "pw"), (0, "1", "2", None, "pw")])
    assert state.pair_outcomes["pw"] == {("1", "2", True): 1}
    assert state.pairs_answered == {(0, "pw"): {"1|2"}}


def test_the_chooser_asks_about_the_pair_the_counts_favour() -> None:
    """Everyone says 1 beats 2 and 3 beats 4: the chooser asks about a pair still open."""
    answers = [(p, "1", "2", "a", "pw") for p in range(5)]
    answers += [(p, "3", "4", "a", "pw") for p in range(5)]
    state = _fold(answers)
    state.activities["pw"] = ActivityRecord(
        "pw", "pairwise", "P", [{"item_id": i, "text": f"item {i}"} for i in ITEMS], is_open=True
    )
    a, b = PairChooser().pair(state, state.activities["pw"], 0)
    assert pair_key(a["item_id"], b["item_id"]) not in {"1|2", "3|4"}
    want = suggest_next_pair(_rows(state, "pw"), items=ITEMS, top=10)
    best = want.row(0, named=True)
    assert pair_key(a["item_id"], b["item_id"]) == pair_key(best["item_a"], best["item_b"])


@settings(max_examples=40, deadline=None)
@given(
    answers=st.lists(
        st.tuples(
            st.integers(0, 5),
            st.sampled_from(["ratings", "questions"]),
            st.sampled_from(["1", "2"]),
            st.integers(0, 2),
        ),
        max_size=40,
    )
)
def test_respondents_equal_a_recount(answers: list[tuple[Any, ...]]) -> None:
    """Who answered each activity and round (the agenda's "answered"), kept as answers
    arrive, equals a recount from the latest answers."""
    state = SessionState()
    for seq, (pid, aid, item, rnd) in enumerate(answers, 1):
        value = {"activity_id": aid, "item_id": item, "round": rnd, "answer": {"rating": 3}}
        state.apply((seq, "answer", f"k{seq}", pid, None, None, None, json.dumps(value), seq))
    recount: dict[tuple[str, int], set[int]] = {}
    for pid, slots in state.answers.items():
        for aid, _item, rnd in slots:
            recount.setdefault((aid, rnd), set()).add(pid)
    assert state.respondents == recount
