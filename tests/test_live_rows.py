"""The facilitator's view keeps the answer tables up to date answer by answer.

:class:`~coprod_analytics.session.activities.LiveRows` replaces only the rows of the slots
answered since the last read, instead of rebuilding every table from every latest answer.
Whatever the answers and the order their times come in (ties, late arrivals from another
server process), the tables must equal those a fresh read builds
(:func:`~coprod_analytics.session.activities.answer_tables`), row for row and in the same
order: a property over random answers to every kind of activity, read in random batches.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from coprod_analytics.session.activities import ActivityRecord, LiveRows, answer_tables
from coprod_analytics.session.priorities import pair_key
from coprod_analytics.session.state import SessionState, answer_slot


def _activities() -> dict[str, ActivityRecord]:
    items = [{"item_id": i, "text": f"Item {i}"} for i in (1, 2, 3)]
    return {
        "r": ActivityRecord(
            "r", "ratings", "R", [{**it, "scale_min": 1, "scale_max": 7} for it in items]
        ),
        "e": ActivityRecord("e", "evidence", "E", items[:2]),
        "p": ActivityRecord("p", "panel", "P", items[:2]),
        "q": ActivityRecord(
            "q",
            "questions",
            "Q",
            [
                {"item_id": 1, "text": "How many?", "type": "estimate"},
                {"item_id": 2, "text": "How likely?", "type": "probability"},
                {"item_id": 3, "text": "Which?", "type": "choice", "options": ["a", "b"]},
            ],
        ),
        "pop": ActivityRecord("pop", "population", "Who", [{"item_id": "age", "text": "Age"}]),
        "k": ActivityRecord("k", "ranking", "K", items),
        "w": ActivityRecord("w", "pairwise", "W", items),
        "b": ActivityRecord(
            "b",
            "budget",
            "B",
            [{"item_id": f"p{i}", "text": f"Project {i}", "cost": 10 * i} for i in (1, 2, 3)],
            settings={"vote_type": "ordinal", "budget": 40},
        ),
        "m": ActivityRecord("m", "mapping", "M", [], settings={"system": "plan"}),
        "a": ActivityRecord(
            "a",
            "appraisal",
            "A",
            [{"item_id": "n0", "text": "Seeded need", "category": "lighting", "x": 0.0, "y": 0.0}],
        ),
    }


def _answer(kind: str, pick: int, pid: int) -> tuple[Any, dict[str, Any]]:
    """An answer of ``kind`` (``pick`` chooses item and values): ``(item_id, answer)``."""
    i = pick % 3 + 1
    if kind == "r":
        return i, {"rating": float(pick % 7 + 1)}
    if kind == "e":
        conf = None if pick % 4 else 3.0
        return i % 2 + 1, {"credibility": 2.0, "relevance": float(pick % 5 + 1), "confidence": conf}
    if kind == "p":
        return i % 2 + 1, {"value": float(pick % 5 + 1)}
    if kind == "q":
        if i == 1:
            return 1, {"value": float(pick)}
        if i == 2:
            return 2, {"probability": (pick % 10) / 10}
        return 3, {"answer": "ab"[pick % 2], "predictions": {"a": 0.4, "b": 0.6}}
    if kind == "pop":
        return "age", {"category": ["16-34", "35-64"][pick % 2]}
    if kind == "k":
        order = [1, 2, 3] if pick % 2 else [3, 1]
        return None, {"order": order}
    if kind == "w":
        a, b = (1, 2) if pick % 3 == 0 else (2, 3) if pick % 3 == 1 else (1, 3)
        winner = None if pick % 5 == 0 else a if pick % 2 else b
        return pair_key(a, b), {"pair": [a, b], "winner": winner}
    if kind == "b":
        return None, {"projects": ["p1", "p3"] if pick % 2 else ["p2"]}
    if kind == "a":
        return "n0", {"need_score": float(pick % 5 + 1)}
    # mapping: a place of one's own (mapped or withdrawn), or support for someone's place
    if pick % 3 == 0:
        if pick % 6 == 0:
            return f"place:x{pick % 2}", {"withdrawn": True}
        return f"place:x{pick % 2}", {"kind": "need", "category": "lighting", "x": 1.0, "y": 2.0}
    return f"support:{pick % 4}-x{pick % 2}", {"support": pick % 5 != 0}


ANSWER = st.tuples(
    st.integers(0, 3),  # participant
    st.sampled_from(["r", "e", "p", "q", "pop", "k", "w", "b", "m", "a"]),
    st.integers(0, 60),  # which item and values
    st.integers(0, 2),  # round
    st.integers(0, 8),  # time: ties, and answers arriving out of time order
)


def _event(seq: int, pid: int, aid: str, pick: int, rnd: int, t: int) -> tuple[Any, ...]:
    item_id, answer = _answer(aid, pick, pid)
    rnd = rnd if aid in ("q", "p", "a") else 0
    value = {"activity_id": aid, "item_id": item_id, "round": rnd, "answer": answer}
    return (seq, "answer", f"k{seq}", pid, None, None, None, json.dumps(value), t)


def _same(got: dict[str, pl.DataFrame], want: dict[str, pl.DataFrame]) -> None:
    for name, table in got.items():
        assert table.equals(want[name]), (name, table, want[name])


@settings(max_examples=60, deadline=None)
@given(
    answers=st.lists(ANSWER, min_size=1, max_size=60),
    cuts=st.lists(st.integers(1, 8), min_size=1, max_size=12),
)
def test_tables_kept_answer_by_answer_equal_a_fresh_read(
    answers: list[tuple[Any, ...]], cuts: list[int]
) -> None:
    state = SessionState()
    state.activities.update(_activities())
    rows = LiveRows()
    first = rows.fold(state, None, set())
    _same(first, answer_tables(state.activities, {}, statements={}))
    events = [_event(n + 1, *a) for n, a in enumerate(answers)]
    at = 0
    for cut in cuts * (len(events) // sum(cuts) + 1):
        batch, at = events[at : at + cut], at + cut
        if not batch:
            break
        answered = set()
        for ev in batch:
            state.apply(ev)
            answered.add((ev[3], *answer_slot(json.loads(ev[7]))))
        got = rows.fold(state, {slot[1] for slot in answered}, answered)
        want = answer_tables(state.activities, state.latest_answers(), statements=state.statements)
        kinds = {state.activities[slot[1]].kind for slot in answered}
        assert set(got) >= {"places", "support", "appraisals"} or not kinds & {
            "mapping",
            "appraisal",
        }
        _same(got, want)
    # a fresh read of everything gives the same tables as the ones kept
    _same(
        rows.fold(state, set(state.activities), set()),
        answer_tables(state.activities, state.latest_answers(), statements=state.statements),
    )


def test_an_appraisal_answer_keeps_the_places_the_map_has(tmp_path: Any) -> None:
    # the places table is the mapping's and the appraisal's: an appraisal answered alone
    # must not rebuild it from the appraisal's seeded needs only
    state = SessionState()
    state.activities.update(_activities())
    rows = LiveRows()
    rows.fold(state, None, set())
    events = [_event(1, 0, "m", 3, 0, 1), _event(2, 1, "a", 2, 1, 2)]
    state.apply(events[0])
    got = rows.fold(state, {"m"}, {(0, "m", "place:x1", 0)})
    assert got["places"]["place_id"].to_list() == ["0-x1", "n0"]
    state.apply(events[1])
    got = rows.fold(state, {"a"}, {(1, "a", "n0", 1)})
    assert got["places"]["place_id"].to_list() == ["0-x1", "n0"]
    assert got["appraisals"].select("participant_id", "need_score").rows() == [(1, 3.0)]


def test_support_for_a_withdrawn_place_leaves_and_comes_back_with_it() -> None:
    state = SessionState()
    state.activities.update(_activities())
    rows = LiveRows()
    rows.fold(state, None, set())
    place = {"kind": "need", "category": "lighting", "x": 1.0, "y": 2.0}
    steps = [
        (0, "place:x1", place, []),
        (1, "support:0-x1", {"support": True}, ["0-x1"]),
        (0, "place:x1", {"withdrawn": True}, []),
        (0, "place:x1", place, ["0-x1"]),
    ]
    for seq, (pid, item, answer, supported) in enumerate(steps, start=1):
        value = {"activity_id": "m", "item_id": item, "round": 0, "answer": answer}
        state.apply((seq, "answer", f"k{seq}", pid, None, None, None, json.dumps(value), seq))
        got = rows.fold(state, {"m"}, {(pid, "m", item, 0)})
        assert got["support"]["place_id"].to_list() == supported
