"""How soon the facilitator's live panels show an answer: from ``record_answer`` to the panel
showing it after ``LiveDashboard.refresh()`` (the poller calls it every half second), per kind of
answer, on a session of 200 participants who answered everything (target: under 1 s).

For each kind (population, panel poll, evidence, ratings, estimate, probability, choice,
statement vote, and the priorities of issue 13: budget ballot, pairwise comparison, ranking,
open answer) a participant changes an answer ``--repeat`` times; each time we measure

- ``store``: the ``SessionStore.record_answer`` call (it folds the whole log to check the
  answer; the server keeps its own state, so this is not what phones wait for);
- ``shown``: the answer committed -> ``refresh()`` has drawn it in its panel (what this
  dashboard adds: read the new events, rebuild that activity's tables, recompute and redraw
  that panel only);

and, as the baseline measured in the same run, a dashboard that re-reads the whole session
and recomputes and redraws every panel on each change (``LiveSession`` from scratch, every
panel updated). Ratios below 1 mean ours is faster. No assertions on time.

Run: .venv/bin/python benchmarks/bench_live_panels.py [--participants 200] [--repeat 15]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coprod_analytics.session import PREFER_NOT_TO_SAY, NewEvent, SessionStore
from coprod_analytics.session.live import LiveSession
from coprod_widgets.session.panels import ActivityPanel
from coprod_widgets.session.views import LiveDashboard

AGES = ["16-34", "35-64", "65+"]
AREAS = ["North", "South", "East"]
OPTIONS = ["wider ring road", "park-and-ride", "better buses", "congestion charge"]
COSTS = [400, 250, 300, 150, 120, 500, 80, 200]
BUDGET = 1000


def definitions() -> list[dict[str, Any]]:
    """Every kind of activity, as ``coprod serve --from`` defines them."""

    def scale(n: int, text: str, hi: int) -> list[dict[str, Any]]:
        return [
            {"item_id": i + 1, "text": f"{text} {i + 1}", "scale_min": 1, "scale_max": hi}
            for i in range(n)
        ]

    return [
        {
            "activity_id": "population",
            "kind": "population",
            "items": [
                {
                    "item_id": "age_band",
                    "text": "age band",
                    "options": [*AGES, PREFER_NOT_TO_SAY],
                    "shares": {"16-34": 0.3, "35-64": 0.5, "65+": 0.2},
                },
                {
                    "item_id": "area",
                    "text": "area",
                    "options": [*AREAS, PREFER_NOT_TO_SAY],
                    "shares": {"North": 0.4, "South": 0.4, "East": 0.2},
                },
            ],
        },
        {"activity_id": "statements", "kind": "statements", "items": []},
        {"activity_id": "panel", "kind": "panel", "items": scale(3, "Poll item", 5)},
        {"activity_id": "evidence", "kind": "evidence", "items": scale(8, "Evidence", 5)},
        {"activity_id": "ratings", "kind": "ratings", "items": scale(5, "Rating item", 7)},
        {
            "activity_id": "questions",
            "kind": "questions",
            "items": [
                *(
                    {"item_id": i, "text": f"Estimate {i}", "type": "estimate", "unit": "people"}
                    for i in (1, 2, 3, 4)
                ),
                {"item_id": 101, "text": "Will it open by 2027?", "type": "probability"},
                {"item_id": 201, "text": "What first?", "type": "choice", "options": OPTIONS},
            ],
        },
        {
            "activity_id": "budget",
            "kind": "budget",
            "items": [
                {"item_id": f"p{i}", "text": f"Project {i}", "cost": c}
                for i, c in enumerate(COSTS, 1)
            ],
            "settings": {"vote_type": "approval", "budget": BUDGET, "limit": BUDGET},
        },
        {
            "activity_id": "pairwise",
            "kind": "pairwise",
            "items": [{"item_id": i, "text": f"Idea {i}"} for i in range(1, 11)],
            "settings": {"ideas": True},
        },
        {
            "activity_id": "ranking",
            "kind": "ranking",
            "items": [{"item_id": f"r{i}", "text": f"Option {i}"} for i in range(1, 9)],
            "settings": {"k": 5},
        },
        {
            "activity_id": "open_question",
            "kind": "open_question",
            "items": [{"item_id": 1, "text": "What is missing?"}, {"item_id": 2, "text": "Why?"}],
        },
    ]


def answer(kind: str, item: Any, rng: random.Random) -> dict[str, Any]:
    """A plausible answer of ``kind`` to ``item``."""
    if kind == "budget":
        chosen, spent = [], 0
        for i in rng.sample(range(len(COSTS)), len(COSTS)):
            if spent + COSTS[i] <= BUDGET and rng.random() < 0.6:
                chosen.append(f"p{i + 1}")
                spent += COSTS[i]
        return {"projects": chosen or ["p7"]}
    if kind == "pairwise":
        a, b = rng.sample(range(1, 11), 2)
        if rng.random() < 0.1:
            return {"pair": [a, b], "cant_decide": True}
        return {"pair": [a, b], "winner": min(a, b) if rng.random() < 0.7 else max(a, b)}
    if kind == "ranking":
        return {"order": [f"r{i}" for i in rng.sample(range(1, 9), 5)]}
    if kind == "open_question":
        return {"text": f"An answer {rng.randrange(10**6)}"}
    if kind == "population":
        return {
            "category": rng.choice([*(AGES if item == "age_band" else AREAS), PREFER_NOT_TO_SAY])
        }
    if kind == "panel":
        return {"value": rng.randint(1, 5)}
    if kind == "evidence":
        return {
            "credibility": rng.randint(1, 5),
            "relevance": rng.randint(1, 5),
            "confidence": rng.randint(1, 5),
        }
    if kind == "ratings":
        return {"rating": rng.randint(1, 7)}
    if item == 101:
        return {"probability": round(rng.random(), 2)}
    if item == 201:
        w = [rng.random() + 0.05 for _ in OPTIONS]
        shares = [round(x / sum(w), 3) for x in w]
        shares[-1] = round(1 - sum(shares[:-1]), 3)
        return {
            "answer": rng.choice(OPTIONS),
            "predictions": dict(zip(OPTIONS, shares, strict=True)),
        }
    return {
        "value": round(rng.lognormvariate(math.log(50.0), 1.0), 1),
        "confidence": rng.randint(1, 5),
    }


def make_session(db: Path, participants: int, seed: int = 1) -> list[int]:
    """200 participants who answered everything (questions in Delphi round 2, the poll in
    its second wave), written in a few transactions."""
    rng = random.Random(seed)
    defs = definitions()
    with SessionStore(db, title="bench live panels") as s:
        s.add_statements([f"Statement {i}" for i in range(60)])
        s.define_activities(defs)
        for d in defs:
            s.open_activity(str(d["activity_id"]))
        pids = [s.join() for _ in range(participants)]
        votes = [
            NewEvent("vote", participant_id=p, statement_id=sid, vote=rng.choice([1, -1, 0]))
            for p in pids
            for sid in rng.sample(range(60), 25)
        ]
        s.append(votes)

        def answers(rnd: int, keep: Callable[[str, Any], bool], who: list[int]) -> None:
            events = []
            for p in who:
                for d in defs:
                    kind = str(d["kind"])
                    for it in d["items"]:
                        if not keep(kind, it):
                            continue
                        slot = rnd if kind == "panel" or it.get("type") == "estimate" else 0
                        value = {
                            "activity_id": d["activity_id"],
                            "item_id": it["item_id"],
                            "round": slot,
                            "answer": answer(kind, it["item_id"], rng),
                        }
                        events.append(NewEvent("answer", participant_id=p, value=value))
            s.append(events)

        answers(1, lambda kind, it: kind not in ("statements", *PRIORITY_KINDS), pids)
        priorities(s, pids, rng)
        s.next_round("questions")
        s.next_round("panel")
        again = pids[: participants * 3 // 4]
        answers(2, lambda kind, it: kind == "panel" or it.get("type") == "estimate", again)
    return pids


def priorities(s: SessionStore, pids: list[int], rng: random.Random) -> None:
    """Every participant answers the budget, three pairs, the ranking and an open question
    (open answers approved), as ``record_answer`` would store them, in one transaction."""
    from coprod_analytics.session.activities import check_answer, slot_round

    st = s.state()
    events = []
    sid = st.next_statement_id
    for p in pids:
        for aid in PRIORITY_KINDS:
            act = st.activities[aid]
            for _ in range(3 if aid == "pairwise" else 1):
                item_id = rng.choice([1, 2]) if aid == "open_question" else None
                item, fields = check_answer(act, item_id, answer(aid, item_id, rng))
                if aid == "open_question":
                    value = {"moderation": 1, "activity_id": aid, "item_id": item["item_id"]}
                    events.append(
                        NewEvent(
                            "statement",
                            participant_id=p,
                            statement_id=sid,
                            text=fields["text"],
                            value=value,
                        )
                    )
                    sid += 1
                    continue
                value = {
                    "activity_id": aid,
                    "item_id": item["item_id"],
                    "round": slot_round(act, item),
                    "answer": fields,
                }
                events.append(NewEvent("answer", participant_id=p, value=value))
    s.append(events)


#: kind -> (activity id, item id) changed by the measured answers
KINDS: dict[str, tuple[str, Any]] = {
    "population": ("population", "age_band"),
    "panel": ("panel", 1),
    "evidence": ("evidence", 3),
    "ratings": ("ratings", 2),
    "estimate": ("questions", 1),
    "probability": ("questions", 101),
    "choice": ("questions", 201),
    "vote": ("statements", None),
    "budget": ("budget", None),
    "pairwise": ("pairwise", None),
    "ranking": ("ranking", None),
    "open_question": ("open_question", 1),
}
PRIORITY_KINDS = ("budget", "pairwise", "ranking", "open_question")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def naive_refresh(db: Path, panels: dict[str, ActivityPanel]) -> None:
    """The baseline: re-read the whole session, recompute and redraw every panel."""
    live = LiveSession(db, recompute_interval=1e9)
    live.poll()
    for aid, panel in panels.items():
        panel.update(live.panel(aid))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()

    db = Path(tempfile.mkdtemp(prefix="bench-live-panels-")) / "s.db"
    t = time.perf_counter()
    pids = make_session(db, args.participants)
    print(f"session of {args.participants} participants written in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    board = LiveDashboard(db, recompute_interval=3.0)
    print(f"dashboard built (first read, every panel) in {time.perf_counter() - t:.2f} s\n")
    shadow = {aid: ActivityPanel(aid) for aid in board.panels}
    rng = random.Random(5)
    kind_of = {str(d["activity_id"]): str(d["kind"]) for d in definitions()}

    print(
        f"{'kind':<12} {'store p50':>9} {'shown p50':>9} {'shown p95':>9} "
        f"{'base p50':>9} {'base p95':>9} {'ratio p50':>9} {'ratio p95':>9}   (ms)"
    )
    every_shown: list[float] = []
    every_base: list[float] = []
    with SessionStore(db) as store:
        for name, (aid, item) in KINDS.items():
            store_ms, shown_ms, base_ms = [], [], []
            for _ in range(args.repeat):
                who = rng.choice(pids)
                t0 = time.perf_counter()
                if aid == "statements":
                    seq = store.record_vote(who, rng.randrange(60), rng.choice([1, -1, 0]))
                else:
                    seq = store.record_answer(who, aid, item, answer(kind_of[aid], item, rng))
                t1 = time.perf_counter()
                board.refresh()
                t2 = time.perf_counter()
                shown = board.panels[aid]
                if seq is None or shown.version < seq:
                    raise SystemExit(f"{name}: the answer (seq {seq}) is not shown")
                naive_refresh(db, shadow)
                t3 = time.perf_counter()
                store_ms.append(1000 * (t1 - t0))
                shown_ms.append(1000 * (t2 - t1))
                base_ms.append(1000 * (t3 - t2))
            every_shown += shown_ms
            every_base += base_ms
            s50, s95 = pct(shown_ms, 0.5), pct(shown_ms, 0.95)
            b50, b95 = pct(base_ms, 0.5), pct(base_ms, 0.95)
            print(
                f"{name:<12} {statistics.median(store_ms):9.1f} {s50:9.1f} {s95:9.1f} "
                f"{b50:9.1f} {b95:9.1f} {s50 / b50:9.2f} {s95 / b95:9.2f}"
            )
    s50, s95 = pct(every_shown, 0.5), pct(every_shown, 0.95)
    b50, b95 = pct(every_base, 0.5), pct(every_base, 0.95)
    print(
        f"{'all':<12} {'':>9} {s50:9.1f} {s95:9.1f} {b50:9.1f} {b95:9.1f} "
        f"{s50 / b50:9.2f} {s95 / b95:9.2f}"
    )
    print(
        "\nshown = answer committed -> its panel redrawn by refresh() (target < 1000 ms); "
        "base = re-read everything and redraw every panel; ratio = shown / base."
    )


if __name__ == "__main__":
    main()
