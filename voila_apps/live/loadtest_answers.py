"""What a simulated phone of ``coprod loadtest`` answers, and what each answer counts for.

The answers themselves, drawn from the participant's random generator the way a person
might give them: an estimate, probability, choice, rating, evidence score, population
category, panel value or appraisal for one item (``_make_answer``), a budget ballot within
the ballot rules the listing gives (``_ballot``), a place on the map (``_place``), and what
is left to answer in one open activity (``_todo``). Beside them, the inquiry tables and rows
one acknowledged answer feeds, as ``coprod info`` counts them (``_rows_of``,
``_priority_rows``, ``_pair_key``), so that
:func:`~coprod_apps.live.loadtest.run_load` can report them by kind. Pure functions: no
HTTP, no clock.
"""

from __future__ import annotations

import math
import random
from typing import Any

__all__: list[str] = []


def _make_answer(act: dict[str, Any], item: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """An answer to ``item`` of activity ``act`` the way a participant might give it."""
    kind = act["kind"]
    lo = float(item.get("scale_min", 1.0))
    hi = float(item.get("scale_max", 5.0))

    def on_scale() -> float:
        return float(rng.randint(math.ceil(lo), math.floor(hi)))

    if kind == "evidence":
        return {
            "credibility": on_scale(),
            "relevance": on_scale(),
            "confidence": float(rng.randint(1, max(1, min(5, int(hi))))),
        }
    if kind == "ratings":
        return {"rating": on_scale()}
    if kind == "panel":
        return {"value": on_scale()}
    if kind == "population":
        return {"category": rng.choice(item["options"])}
    if kind == "appraisal":
        rules = act.get("settings") or {}
        lo, hi = float(rules.get("scale_min", 1.0)), float(rules.get("scale_max", 5.0))
        return {
            "need_score": float(rng.randint(math.ceil(lo), math.floor(hi))),
            "achievement_score": float(rng.randint(math.ceil(lo), math.floor(hi))),
        }
    qtype = item.get("type", "estimate")
    if qtype == "probability":
        return {"probability": round(rng.random(), 2)}
    if qtype == "choice":
        options = list(item["options"])
        weights = [rng.random() + 0.05 for _ in options]
        total = sum(weights)
        shares = [round(w / total, 3) for w in weights]
        shares[-1] = round(1.0 - sum(shares[:-1]), 3)
        return {
            "answer": rng.choice(options),
            "predictions": dict(zip(options, shares, strict=True)),
        }
    prev = item.get("previous")
    if prev and prev.get("distribution", {}).get("median") is not None:
        mine = float(prev["mine"]["value"])
        value = mine + 0.5 * (float(prev["distribution"]["median"]) - mine)
    else:
        value = rng.lognormvariate(math.log(50.0), 1.0)
    return {"value": round(value, 1), "confidence": float(rng.randint(1, 5))}


def _rows_of(
    act: dict[str, Any], item: dict[str, Any], answer: dict[str, Any]
) -> tuple[tuple[str, int], ...]:
    """The inquiry tables (and rows) one answer feeds."""
    kind = act["kind"]
    if kind == "questions":
        qtype = item.get("type", "estimate")
        if qtype == "estimate":
            return (("estimates", 1),)
        if qtype == "probability":
            return (("probabilities", 1),)
        return (("choices", 1), ("predictions", len(answer.get("predictions") or {})))
    table = {"population": "participants", "appraisal": "appraisals"}.get(kind, kind)
    return ((table, 1),)


#: Open answers and ideas a simulated participant may send (a topic per line).
_TEXTS = (
    "More buses in the evening.",
    "A safe cycle route to the station.",
    "Fewer cars in the town centre.",
    "More parking near the shops.",
    "Benches and dropped kerbs on the way to the market.",
    "Cheaper fares for young people.",
    "Fix the potholes first.",
    "Longer green lights at crossings.",
)


def _ballot(act: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A budget ballot within the rules the listing gives (``settings``)."""
    rules = act.get("settings") or {}
    items = list(act["items"])
    vote_type = str(rules.get("vote_type", "approval"))
    if vote_type in ("cumulative", "scoring"):
        cap = int(rules.get("max_sum_points") or len(items))
        floor = max(1, int(rules.get("min_sum_points") or 1))
        per = rules.get("max_points")
        per_max = cap if per is None else int(per)
        total = rng.randint(floor, max(floor, cap))
        points: dict[str, int] = {}
        while sum(points.values()) < total:
            open_ = [it for it in items if points.get(str(it["item_id"]), 0) < per_max]
            if not open_:
                break
            pid = str(rng.choice(open_)["item_id"])
            points[pid] = points.get(pid, 0) + 1
        return {"points": points}
    lo = max(1, int(rules.get("min_length") or 1))
    hi = int(rules.get("max_length") or len(items))
    limit = rules.get("limit")
    want = rng.randint(lo, max(lo, hi))
    for order in (rng.sample(items, len(items)), sorted(items, key=lambda it: it["cost"])):
        chosen: list[Any] = []
        spent = 0.0
        for it in order:
            if len(chosen) >= want:
                break
            if limit is None or spent + float(it.get("cost", 0)) <= float(limit):
                chosen.append(it["item_id"])
                spent += float(it.get("cost", 0))
        if len(chosen) >= lo:
            return {"projects": chosen}
    return {"projects": chosen}


#: Places each simulated participant maps.
_PLACES_EACH = 2


def _place(settings: dict[str, Any], rng: random.Random, place_id: str) -> dict[str, Any]:
    """A place on the map (a point inside its bounds) or, now and then, an area of the list."""
    cats = {k: v for k, v in (settings.get("categories") or {}).items() if v}
    kind = rng.choice(sorted(cats))
    out: dict[str, Any] = {"place_id": place_id, "kind": kind, "category": rng.choice(cats[kind])}
    system, areas = settings.get("system"), list(settings.get("areas") or [])
    if system in ("geo", "plan") and (not areas or rng.random() < 0.7):
        w, south, e, n = (float(b) for b in settings["bounds"])
        a, b = round(rng.uniform(w, e), 6), round(rng.uniform(south, n), 6)
        out.update({"lat": b, "lon": a} if system == "geo" else {"x": a, "y": b})
    else:
        out["area"] = rng.choice(areas)
    if rng.random() < 0.6:
        out["text"] = rng.choice(_TEXTS)
    return out


def _priority_rows(act: dict[str, Any], answer: dict[str, Any]) -> tuple[tuple[str, int], ...]:
    """The table rows one latest priority answer feeds (as ``coprod info`` counts them)."""
    kind = act["kind"]
    if kind == "budget":
        n = len(answer["points"]) if "points" in answer else len(answer["projects"])
        return (("budget_votes", n),)
    if kind == "ranking":
        return (("rankings", len(answer["order"])),)
    return (("pairwise", 1),)


def _pair_key(a: Any, b: Any) -> str:
    x, y = sorted((str(a), str(b)))
    return f"{x}|{y}"


def _todo(act: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """What is left to answer in one open activity: items (``None``: the whole ballot or
    the pairs of a pairwise activity)."""
    kind = act["kind"]
    if kind in ("budget", "ranking"):
        return [(act, None)] if act.get("mine") is None and act["items"] else []
    if kind == "pairwise":
        left = act.get("pair") is not None and act.get("answered", 0) < act.get("pairs", 0)
        return [(act, None)] if left else []
    if kind == "mapping":
        needs = act.get("needs") or []
        support = bool(needs) and not any(n.get("supported") for n in needs)
        return [(act, None)] if act.get("answered", 0) < _PLACES_EACH or support else []
    return [(act, it) for it in act["items"] if it.get("mine") is None]
