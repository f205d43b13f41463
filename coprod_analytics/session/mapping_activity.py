"""Live community mapping and participatory appraisal: the ``mapping`` and ``appraisal``
activity kinds (see :mod:`coprod_analytics.session.activities` for the framework).

=============  ======================================  ======================================
kind           defined from (an inquiry folder)        one answer (fields) -> table
=============  ======================================  ======================================
``mapping``    ``map_categories.csv`` (kind,           ``item_id`` ``"place"``: ``place_id``
               category) and a base: ``map.geojson``   (the phone's own id), ``kind`` (asset,
               (lines and polygons, lon/lat; polygons  need, idea), ``category`` (of the
               with an ``area`` or ``name`` property   kind's list), one location: ``lat`` +
               name the areas) or ``map_plan.json``    ``lon`` (inside the map), ``x`` + ``y``
               (``{"image", "width", "height"}``, a    (inside the plan) or ``area`` (of the
               PNG/JPEG/WebP beside it), and/or        list), optional ``text`` -> ``places``;
               ``map_areas.csv`` (``area``): the       ``item_id`` ``"support"``:
               list of areas (the accessible           ``place_id`` of a need someone ELSE
               alternative to tapping the map)         mapped, ``support`` true/false ->
                                                       ``support``
``appraisal``  the needs of ``places.csv`` (an         ``need_score`` and optional
               earlier mapping) and the needs mapped   ``achievement_score`` on the scale, per
               live in the session's ``mapping``       round (the facilitator starts the next
               activity                                round as in a Delphi) -> ``appraisals``
=============  ======================================  ======================================

Each participant may map several places: each is an answer with its own key, and the latest
answer per place id wins (a changed place keeps its id). A participant withdraws a place they
mapped, while the activity is open, with ``item_id`` ``"place"``, their ``place_id`` and
``withdrawn: true``: an answer like any other (the log stays append-only), whose fold takes
the place out of the activity's places, the support for it and the linked appraisals'
needs, so it leaves the ``places`` and ``support`` tables and the live panel. Only one's
own places can be withdrawn (:func:`check_support` refuses any other). A place's id in the ``places`` table
is ``"<participant_id>-<phone's id>"``. Support is a priority vote: the latest answer per
participant and need counts (``support: false`` takes it back).

Texts: a place's text is shown to other participants (the support list, the appraisal) only
once the facilitator approves it (:meth:`~coprod_analytics.session.store.BaseSessionStore.
moderate_place`; immediately when the session's ``moderate_submissions`` setting is off);
until then others see its kind, category and position or area. A rejected text is left out
of the ``places`` table; the place itself stays.

The map files are read by :mod:`coprod_analytics.session.mapping_base`. Pure Python and
polars: no web code.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError
from coprod_analytics.session.activities.records import rows_frame
from coprod_analytics.session.mapping_base import APPRAISAL_SCALE, area_at
from coprod_analytics.session.texts import has_visible_text

#: An ``ActivityRecord`` (typed loosely: activities.py imports this module).
ActivityRecord = Any

__all__ = [
    "MAPPING_KINDS",
    "MAX_PLACE_TEXT",
    "check_mapping_answer",
    "check_support",
    "fold_mapping_answer",
    "mapping_answer_rows",
    "mapping_listing",
    "mapping_row_schemas",
    "mapping_tables",
    "moderate_place",
    "pending_places",
]

#: The activity kinds of this module, in agenda order.
MAPPING_KINDS = ("mapping", "appraisal")
#: Longest text of a place, in characters.
MAX_PLACE_TEXT = 280
_PLACE_FIELDS = {"place_id", "kind", "category", "lat", "lon", "x", "y", "area", "text"}
_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")


def _bad(name: str, message: str) -> ValidationError:
    return ValidationError(message, column=name)


# ---------------------------------------------------------------------------------- answers
def _number(fields: dict[str, Any], name: str) -> float:
    v = fields.get(name)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _bad(name, f"'{name}' must be a number; got {v!r}"[:120])
    x = float(v)
    if not math.isfinite(x):
        raise _bad(name, f"'{name}' must be a finite number")
    return x


def _text(value: Any, name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise _bad(name, f"'{name}' must be some text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _bad(name, f"'{name}' is not valid Unicode (a lone surrogate)") from exc
    if not has_visible_text(value):
        raise _bad(name, f"'{name}' needs at least one visible character")
    if len(value) > limit:
        raise _bad(name, f"'{name}' is {len(value)} characters long; at most {limit}")
    return unicodedata.normalize("NFC", value.strip())


def _check_place(act: ActivityRecord, fields: dict[str, Any]) -> dict[str, Any]:
    rules = act.settings
    pid = fields.get("place_id")
    if not isinstance(pid, str) or not _ID_RE.fullmatch(pid):
        raise _bad("place_id", "'place_id' must be 1 to 32 letters, digits, '-' or '_'")
    kind = fields.get("kind")
    cats = dict(rules.get("categories") or {})
    if kind not in cats:
        raise _bad("kind", f"'kind' must be one of {list(cats)}; got {kind!r}"[:160])
    category = fields.get("category")
    if category not in cats[kind]:
        raise _bad("category", f"'category' must be one of {cats[kind]}; got {category!r}"[:200])
    out: dict[str, Any] = {"place_id": pid, "kind": kind, "category": category}
    system = rules.get("system", "areas")
    given = [n for n in ("lat", "lon", "x", "y", "area") if fields.get(n) is not None]
    pair = ("lat", "lon") if system == "geo" else ("x", "y")
    if "area" in given:
        if len(given) > 1:
            raise _bad(given[0] if given[0] != "area" else given[1], "give an area or a point")
        area = fields["area"]
        if area not in (rules.get("areas") or []):
            raise _bad("area", f"'area' must be one of the areas listed; got {area!r}"[:160])
        out["area"] = area
    elif system == "areas":
        raise _bad("area", "'area' is missing: choose the area from the list")
    else:
        for wrong in given:
            if wrong not in pair:
                raise _bad(
                    wrong, f"'{wrong}' is not a coordinate of this {system} map; give {pair}"
                )
        w, s, e, n = (float(b) for b in rules["bounds"])
        a, b = (_number(fields, c) for c in pair)
        ex, ey = (a, b) if system == "plan" else (b, a)  # (x, y): (lon, lat) on a map
        if not w <= ex <= e:
            name = pair[0] if system == "plan" else "lon"
            raise _bad(name, f"'{name}' is outside the map ({w:g} to {e:g}); got {ex:g}")
        if not s <= ey <= n:
            name = pair[1] if system == "plan" else "lat"
            raise _bad(name, f"'{name}' is outside the map ({s:g} to {n:g}); got {ey:g}")
        out[pair[0]], out[pair[1]] = a, b
        base = rules.get("base") or {}
        if system == "geo":
            area = area_at(base, b, a)
            if area is not None:
                out["area"] = area
    text = fields.get("text")
    if text is not None and text != "":
        out["text"] = _text(text, "text", MAX_PLACE_TEXT)
    return out


def _check_withdrawal(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A withdrawal ``{"place_id", "withdrawn": true}`` as stored (whose place it is, and
    whether it still stands, is :func:`check_support`'s question: this check depends on the
    fields alone, so a retried key compares by meaning)."""
    unknown = sorted(set(fields) - {"place_id", "withdrawn"})
    if unknown:
        raise _bad(unknown[0], f"'{unknown[0]}' is not a field of a withdrawal")
    if fields.get("withdrawn") is not True:
        raise _bad("withdrawn", "'withdrawn' must be true (to remove a place you mapped)")
    pid = fields.get("place_id")
    if not isinstance(pid, str) or not _ID_RE.fullmatch(pid):
        raise _bad("place_id", "'place_id' must be 1 to 32 letters, digits, '-' or '_'")
    return {"item_id": f"place:{pid}"}, {"place_id": pid, "withdrawn": True}


def check_mapping_answer(
    act: ActivityRecord, item_id: Any, fields: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check one answer to a mapping or appraisal activity.

    Parameters
    ----------
    act : ActivityRecord
        The activity.
    item_id : any
        ``"place"`` or ``"support"`` (mapping); the need appraised (appraisal).
    fields : dict
        The answer's fields (module table); a withdrawal: ``place_id`` and ``withdrawn``
        (true) only.

    Returns
    -------
    (dict, dict)
        The item the answer is kept under (``{"item_id": "place:<id>"}``,
        ``{"item_id": "support:<place_id>"}``, the need) and the answer as stored.

    Raises
    ------
    ValidationError
        Naming the field: a kind or category not on the list, a point outside the map, an
        unknown area, a text with nothing visible, a need that is not mapped, a score off
        the scale.

    Examples
    --------
    >>> from coprod_analytics.session.activities import ActivityRecord
    >>> a = ActivityRecord("mapping", "mapping", "M", [], settings={"system": "geo",
    ...     "bounds": [0, 51, 1, 52], "categories": {"need": ["lighting"]}, "areas": []})
    >>> check_mapping_answer(a, "place", {"place_id": "p1", "kind": "need",
    ...     "category": "lighting", "lat": 51.5, "lon": 0.5})[0]
    {'item_id': 'place:p1'}
    >>> check_mapping_answer(a, "place", {"place_id": "p1", "kind": "need",
    ...     "category": "lighting", "lat": 53.0, "lon": 0.5})
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ValidationError: column 'lat': 'lat' is outside the map (51 to 52); got 53
    """
    if act.kind == "appraisal":
        item = act.item(item_id)
        if item is None:
            raise _bad("item_id", f"'item_id' {item_id!r} is not a need of '{act.activity_id}'")
        unknown = sorted(set(fields) - {"need_score", "achievement_score"})
        if unknown:
            raise _bad(unknown[0], f"'{unknown[0]}' is not a field of an appraisal answer")
        lo = float(act.settings.get("scale_min", APPRAISAL_SCALE[0]))
        hi = float(act.settings.get("scale_max", APPRAISAL_SCALE[1]))
        out: dict[str, Any] = {}
        for name in ("need_score", "achievement_score"):
            if fields.get(name) is None:
                if name == "need_score":
                    raise _bad(name, f"'{name}' is missing; give a number")
                continue
            x = _number(fields, name)
            if not lo <= x <= hi:
                raise _bad(name, f"'{name}' must be between {lo:g} and {hi:g}; got {x:g}")
            out[name] = x
        return item, out
    if item_id == "place" and "withdrawn" in fields:
        return _check_withdrawal(fields)
    if item_id == "place":
        unknown = sorted(set(fields) - _PLACE_FIELDS)
        if unknown:
            raise _bad(unknown[0], f"'{unknown[0]}' is not a field of a place")
        place = _check_place(act, fields)
        return {"item_id": f"place:{place['place_id']}"}, place
    if item_id == "support":
        unknown = sorted(set(fields) - {"place_id", "support"})
        if unknown:
            raise _bad(unknown[0], f"'{unknown[0]}' is not a field of a support")
        gid = fields.get("place_id")
        need = act.places.get(str(gid)) if isinstance(gid, str) else None
        if need is None or need.get("kind") != "need":
            raise _bad("place_id", f"'place_id' {gid!r} is not a mapped need"[:120])
        on = fields.get("support", True)
        if not isinstance(on, bool):
            raise _bad("support", "'support' must be true or false")
        return {"item_id": f"support:{gid}"}, {"place_id": gid, "support": on}
    raise _bad("item_id", "'item_id' must be 'place' or 'support'")


def check_support(act: ActivityRecord, pid: int, answer: dict[str, Any]) -> None:
    """Refuse a participant's support for a need they mapped themselves, and the withdrawal
    of a place somebody else mapped.

    A participant names their places by their own ids (``"a"`` for the place ``"<pid>-a"``),
    so another's place can only be named by its full id (as the support list shows it): that
    is refused. Withdrawing one's own place again (already withdrawn) is accepted and changes
    nothing (idempotent).

    Parameters
    ----------
    act : ActivityRecord
        The mapping activity.
    pid : int
        The participant.
    answer : dict
        A checked answer (:func:`check_mapping_answer`).

    Raises
    ------
    ValidationError
        On the ``place_id`` field.

    Examples
    --------
    >>> from coprod_analytics.session.activities import ActivityRecord
    >>> a = ActivityRecord("m", "mapping", "M", [])
    >>> a.places["3-a"] = {"participant_id": 3, "kind": "need"}
    >>> check_support(a, 4, {"place_id": "3-a", "support": True})
    >>> check_support(a, 3, {"place_id": "3-a", "support": True})
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ValidationError: column 'place_id': support the needs others mapped, not your own
    >>> check_support(a, 3, {"place_id": "a", "withdrawn": True})  # their own place
    >>> check_support(a, 4, {"place_id": "3-a", "withdrawn": True})
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ValidationError: column 'place_id': you can remove only the places you mapped
    """
    if act.kind != "mapping":
        return
    if answer.get("withdrawn") is True:
        named = str(answer["place_id"])
        if f"{pid}-{named}" in act.places:
            return
        other = act.places.get(named)
        if other is not None and other.get("participant_id") != pid:
            raise _bad("place_id", "you can remove only the places you mapped")
        if other is not None:  # one's own place by its full id
            raise _bad("place_id", f"name the place by your own id {named.split('-', 1)[1]!r}")
        return  # not (or no longer) there: already withdrawn, nothing changes
    if "support" not in answer:
        return
    place = act.places.get(str(answer["place_id"])) or {}
    if place.get("participant_id") == pid:
        raise _bad("place_id", "support the needs others mapped, not your own")


# ---------------------------------------------------------------------------------- state
def _need_item(place: dict[str, Any]) -> dict[str, Any]:
    shown = place.get("text") if place.get("moderation") == 1 else None
    item = {"item_id": place["place_id"], "text": shown or place["category"]}
    for c in ("category", "lat", "lon", "x", "y", "area"):
        if place.get(c) is not None:
            item[c] = place[c]
    return item


def _sync_appraisals(activities: dict[str, ActivityRecord], source: str, gid: str) -> None:
    place = activities[source].places.get(gid)
    for act in activities.values():
        if act.kind == "appraisal" and act.settings.get("source") == source:
            if place is not None and place.get("kind") == "need":
                act.ideas[gid] = _need_item(place)
            else:
                act.ideas.pop(gid, None)


def fold_mapping_answer(
    activities: dict[str, ActivityRecord],
    act: ActivityRecord,
    pid: int,
    item_id: Any,
    answer: dict[str, Any],
    time_ms: int,
    *,
    moderated: bool,
) -> None:
    """Fold a stored place into its activity's places (and the linked appraisals' needs).

    Parameters
    ----------
    activities : dict of str to ActivityRecord
        The session's activities.
    act : ActivityRecord
        The activity answered.
    pid : int
        The participant.
    item_id : any
        The stored item id (``"place:<id>"``; other answers change nothing here).
    answer : dict
        The stored answer.
    time_ms : int
        When.
    moderated : bool
        The session holds texts for the facilitator (``moderate_submissions``).

    Examples
    --------
    >>> from coprod_analytics.session.activities import ActivityRecord
    >>> act = ActivityRecord("map", "mapping", "Map", [], is_open=True)
    >>> need = {"kind": "need", "category": "safety", "area": "North", "text": "Dark path"}
    >>> fold_mapping_answer({"map": act}, act, 0, "place:1", need, 5, moderated=True)
    >>> act.places["0-1"]["category"], act.places["0-1"]["moderation"]  # text waits
    ('safety', 0)
    >>> gone = {"place_id": "1", "withdrawn": True}  # withdrawn by its author
    >>> fold_mapping_answer({"map": act}, act, 0, "place:1", gone, 6, moderated=True)
    >>> act.places
    {}
    """
    if act.kind != "mapping" or not str(item_id).startswith("place:"):
        return
    gid = f"{pid}-{str(item_id)[6:]}"
    if answer.get("withdrawn") is True:
        if act.places.pop(gid, None) is not None:
            _sync_appraisals(activities, act.activity_id, gid)
        return
    before = act.places.get(gid)
    place = {**answer, "place_id": gid, "participant_id": pid, "time_ms": time_ms}
    if "text" not in answer:
        place["moderation"] = 1
    elif before is not None and before.get("text") == answer["text"]:
        place["moderation"] = before.get("moderation", 0)
    else:
        place["moderation"] = 0 if moderated else 1
    act.places[gid] = place
    _sync_appraisals(activities, act.activity_id, gid)


def moderate_place(activities: dict[str, ActivityRecord], payload: dict[str, Any]) -> None:
    """Apply a facilitator's decision on a place's text (an ``activity`` event
    ``{"action": "moderate_place", "activity_id", "place_id", "decision": 1 | -1}``).

    Parameters
    ----------
    activities : dict of str to ActivityRecord
        The session's activities.
    payload : dict
        The event's value.

    Examples
    --------
    >>> from coprod_analytics.session.activities import ActivityRecord
    >>> act = ActivityRecord("map", "mapping", "Map", [], is_open=True)
    >>> need = {"kind": "need", "category": "safety", "area": "North", "text": "Dark path"}
    >>> fold_mapping_answer({"map": act}, act, 0, "place:1", need, 5, moderated=True)
    >>> moderate_place({"map": act}, {"activity_id": "map", "place_id": "0-1", "decision": 1})
    >>> act.places["0-1"]["moderation"]
    1
    """
    act = activities.get(str(payload.get("activity_id")))
    gid = str(payload.get("place_id"))
    if act is None or gid not in act.places:
        return
    act.places[gid]["moderation"] = int(payload.get("decision", 0))
    _sync_appraisals(activities, act.activity_id, gid)


def pending_places(activities: dict[str, ActivityRecord]) -> list[dict[str, Any]]:
    """The place texts waiting for the facilitator's moderation, oldest first (for the
    dashboard's moderation queue).

    Parameters
    ----------
    activities : dict of str to ActivityRecord
        The session's activities.

    Returns
    -------
    list of dict
        ``activity_id``, ``place_id`` (``"<participant_id>-<id>"``), ``text`` (untrusted),
        ``author_id``, ``kind``, ``category``, ``area`` (or None) and ``label``
        (``"Place text for <activity title>: need, lighting, North"``; untrusted text).

    Examples
    --------
    >>> from coprod_analytics.session.activities import ActivityRecord
    >>> act = ActivityRecord("map", "mapping", "Map", [], is_open=True)
    >>> need = {"kind": "need", "category": "safety", "area": "North", "text": "Dark path"}
    >>> fold_mapping_answer({"map": act}, act, 0, "place:1", need, 5, moderated=True)
    >>> [(p["place_id"], p["text"], p["label"]) for p in pending_places({"map": act})]
    [('0-1', 'Dark path', 'Place text for Map: need, safety, North')]
    >>> moderate_place({"map": act}, {"activity_id": "map", "place_id": "0-1", "decision": -1})
    >>> pending_places({"map": act})
    []
    """
    found: list[tuple[int, dict[str, Any]]] = []
    for act in activities.values():
        if act.kind != "mapping":
            continue
        for gid, p in act.places.items():
            if p.get("moderation", 1) != 0 or not p.get("text"):
                continue
            where = ", ".join(str(p[c]) for c in ("kind", "category", "area") if p.get(c))
            found.append(
                (
                    int(p.get("time_ms") or 0),
                    {
                        "activity_id": act.activity_id,
                        "place_id": gid,
                        "text": str(p["text"]),
                        "author_id": p.get("participant_id"),
                        "kind": p.get("kind"),
                        "category": p.get("category"),
                        "area": p.get("area"),
                        "label": f"Place text for {act.title}: {where}",
                    },
                )
            )
    return [r for _, r in sorted(found, key=lambda tr: tr[0])]


def sync_defined_appraisal(activities: dict[str, ActivityRecord], act: ActivityRecord) -> None:
    """A newly defined appraisal takes the needs its source activity already holds.

    Parameters
    ----------
    activities : dict of str to ActivityRecord
        The session's activities.
    act : ActivityRecord
        The appraisal activity.
    """
    src = activities.get(str(act.settings.get("source")))
    if act.kind == "appraisal" and src is not None:
        for gid in list(src.places):
            _sync_appraisals(activities, src.activity_id, gid)


# ---------------------------------------------------------------------------------- listing
def _where(place: dict[str, Any]) -> dict[str, Any]:
    return {c: place[c] for c in ("lat", "lon", "x", "y", "area") if place.get(c) is not None}


def mapping_listing(
    act: ActivityRecord,
    out: dict[str, Any],
    pid: int,
    mine: dict[tuple[str, str, int], Any],
) -> dict[str, Any]:
    """A mapping or appraisal activity as ``pid``'s page gets it.

    Parameters
    ----------
    act : ActivityRecord
        The activity.
    out : dict
        ``act.public()``, completed in place.
    pid : int
        The participant.
    mine : dict
        The participant's latest answers (``SessionState.answers[pid]``).

    Returns
    -------
    dict
        Mapping: ``mine`` (this participant's places, their own ids), ``needs`` (needs
        others mapped: ``place_id``, ``category``, position or area, ``text`` once
        approved, ``supported`` by this participant), ``answered`` (places mapped),
        ``settings`` without the base drawing (``GET /api/map``). Appraisal: ``items`` (the
        needs) with ``mine`` (this round's answer), ``answered``.

    Examples
    --------
    >>> from coprod_analytics.session.activities import ActivityRecord
    >>> act = ActivityRecord("map", "mapping", "Map", [], is_open=True)
    >>> need = {"kind": "need", "category": "safety", "area": "North", "text": "Dark path"}
    >>> fold_mapping_answer({"map": act}, act, 0, "place:1", need, 5, moderated=False)
    >>> seen = mapping_listing(act, act.public(), 1, {})  # what participant 1's page gets
    >>> [(n["place_id"], n["category"], n["supported"]) for n in seen["needs"]]
    [('0-1', 'safety', False)]
    """
    aid = act.activity_id
    if act.kind == "appraisal":
        for it in out["items"]:
            got = mine.get((aid, str(it["item_id"]), act.round))
            it["mine"] = None if got is None else got[2]
        out["answered"] = sum(1 for it in out["items"] if it["mine"] is not None)
        return out
    places, needs = [], []
    for gid, p in act.places.items():
        if p["participant_id"] == pid:
            places.append(
                {
                    "place_id": gid.split("-", 1)[1],
                    "kind": p["kind"],
                    "category": p["category"],
                    "text": p.get("text"),
                    **_where(p),
                }
            )
        elif p["kind"] == "need":
            got = mine.get((aid, f"support:{gid}", 0))
            need = {"place_id": gid, "category": p["category"], **_where(p)}
            if p.get("moderation") == 1 and p.get("text"):
                need["text"] = p["text"]
            need["supported"] = bool(got is not None and got[2].get("support"))
            needs.append(need)
    out["mine"] = places
    out["needs"] = needs
    out["answered"] = len(places)
    return out


def mapping_total(act: ActivityRecord) -> int:
    """Items that complete the activity: the needs to appraise; 0 for a mapping (open-ended).

    Parameters
    ----------
    act : ActivityRecord
        The activity.

    Returns
    -------
    int
    """
    return len(act.pool()) if act.kind == "appraisal" else 0


# ---------------------------------------------------------------------------------- tables
def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def mapping_answer_rows(
    act: ActivityRecord,
    pid: int,
    item_id: Any,
    rnd: int,
    answer: dict[str, Any],
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    """Add one latest support or appraisal answer to the rows of its table (in place).

    Places are not rows of answers: they are read from the activity (see
    :func:`mapping_tables`).

    Parameters
    ----------
    act : ActivityRecord
        The activity answered.
    pid : int
        The participant.
    item_id : any
        The stored item id.
    rnd : int
        The round.
    answer : dict
        The stored answer.
    rows : dict of str to list of dict
        Rows per table name, extended.

    Examples
    --------
    >>> from coprod_analytics.session.activities import ActivityRecord
    >>> rows = {}
    >>> a = ActivityRecord("appraisal", "appraisal", "A", [])
    >>> mapping_answer_rows(a, 4, "n1", 2, {"need_score": 3.0}, rows)
    >>> rows["appraisals"]
    [{'round': 2, 'place_id': 'n1', 'participant_id': 4, 'need_score': 3.0, 'achievement_score': None}]
    """
    if act.kind == "appraisal":
        rows.setdefault("appraisals", []).append(
            {
                "round": rnd,
                "place_id": str(item_id),
                "participant_id": pid,
                "need_score": answer["need_score"],
                "achievement_score": answer.get("achievement_score"),
            }
        )
    elif str(item_id).startswith("support:") and answer.get("support"):
        # kept whether the place is still mapped or not: :func:`mapping_tables` leaves out
        # the support for places withdrawn, so a row depends on its answer alone
        rows.setdefault("support", []).append({"participant_id": pid, "place_id": str(item_id)[8:]})


_SUPPORT_ROWS: dict[str, Any] = {"participant_id": pl.Int64, "place_id": pl.String}
_APPRAISAL_ROWS: dict[str, Any] = {
    "round": pl.Int64,
    "place_id": pl.String,
    "participant_id": pl.Int64,
    "need_score": pl.Float64,
    "achievement_score": pl.Float64,
}


def mapping_row_schemas(act: ActivityRecord) -> dict[str, dict[str, Any]]:
    """The columns of the answer rows of a mapping or appraisal activity
    (:func:`mapping_answer_rows`; places are read from the activity, not from answer rows).

    Parameters
    ----------
    act : ActivityRecord
        An activity (of any kind: none of this module's gives no table).

    Returns
    -------
    dict of str to dict
        ``support`` or ``appraisals`` to its columns.

    Examples
    --------
    >>> from coprod_analytics.session.activities import ActivityRecord
    >>> list(mapping_row_schemas(ActivityRecord("m", "mapping", "M", [])))
    ['support']
    """
    if act.kind == "mapping":
        return {"support": _SUPPORT_ROWS}
    if act.kind == "appraisal":
        return {"appraisals": _APPRAISAL_ROWS}
    return {}


def mapping_tables(
    activities: dict[str, ActivityRecord], rows: dict[str, pl.DataFrame]
) -> dict[str, pl.DataFrame]:
    """The ``places``, ``support`` and ``appraisals`` tables (the mapping family's schemas).

    Parameters
    ----------
    activities : dict of str to ActivityRecord
        The session's activities.
    rows : dict of str to polars.DataFrame
        The answer rows per table (see :func:`mapping_row_schemas`), as
        :func:`~coprod_analytics.session.activities.row_frames` gives them: the support rows
        with their activity (hidden column ``__a``), so only the support for places their map
        has now is kept.

    Returns
    -------
    dict of str to polars.DataFrame
        ``places`` (participant_id, place_id, kind, category, the map's coordinates ``lat``
        and ``lon`` or the plan's ``x`` and ``y``, area, text, time: the live places and
        the needs an appraisal was seeded with; a rejected text left out), ``support``
        (participant_id, place_id), ``appraisals`` (round, place_id, participant_id,
        need_score, achievement_score) for the kinds the session has.

    Examples
    --------
    >>> from coprod_analytics.session.activities import ActivityRecord
    >>> a = ActivityRecord("mapping", "mapping", "M", [], settings={"system": "plan"})
    >>> a.places["1-a"] = {"participant_id": 1, "place_id": "1-a", "kind": "need",
    ...     "category": "lighting", "x": 3.0, "y": 4.0, "moderation": 1, "time_ms": 0}
    >>> mapping_tables({"mapping": a}, {})["places"].select("place_id", "x", "y").rows()
    [('1-a', 3.0, 4.0)]
    """
    maps = [a for a in activities.values() if a.kind == "mapping"]
    appraisals = [a for a in activities.values() if a.kind == "appraisal"]
    out: dict[str, pl.DataFrame] = {}
    if not maps and not appraisals:
        return out
    recs: dict[str, dict[str, Any]] = {}
    for act in maps:
        for gid, p in act.places.items():
            recs[gid] = {**p, "text": p.get("text") if p.get("moderation", 1) != -1 else None}
            recs[gid]["time"] = _iso(p.get("time_ms"))
    for act in appraisals:
        for it in act.items:
            recs.setdefault(
                str(it["item_id"]),
                {
                    **it,
                    "place_id": str(it["item_id"]),
                    "kind": "need",
                    "text": it.get("place_text"),
                },
            )
    systems = {a.settings.get("system") for a in maps}
    if not systems - {"areas", None}:
        systems = {"geo" if any("lat" in r for r in recs.values()) else "plan"}
    coords = ("x", "y") if "plan" in systems else ("lat", "lon")
    ordered = list(recs.values())
    cols: dict[str, pl.Series] = {
        "participant_id": _ids([r.get("participant_id") for r in ordered]),
        "place_id": pl.Series([r["place_id"] for r in ordered], dtype=pl.String),
        "kind": pl.Series([r["kind"] for r in ordered], dtype=pl.String),
        "category": pl.Series([r["category"] for r in ordered], dtype=pl.String),
    }
    if any(r.get(coords[0]) is not None for r in ordered) or maps:
        for c in coords:
            cols[c] = pl.Series([_float(r.get(c)) for r in ordered], dtype=pl.Float64)
    for c in ("area", "text", "time"):
        cols[c] = pl.Series([_str(r.get(c)) for r in ordered], dtype=pl.String)
    out["places"] = pl.DataFrame(cols)
    if maps:
        support = rows.get("support")
        if support is not None:  # support for the places mapped now (their map's rows)
            mapped = pl.DataFrame(
                [(a.activity_id, gid) for a in maps for gid in a.places],
                schema={"__a": pl.String, "place_id": pl.String},
                orient="row",
            )
            support = support.join(
                mapped, on=["__a", "place_id"], how="semi", maintain_order="left"
            )
        out["support"] = rows_frame(
            {} if support is None else {"support": support}, "support", _SUPPORT_ROWS
        )
    if appraisals:
        t = rows_frame(rows, "appraisals", _APPRAISAL_ROWS)
        if t.height and t.get_column("achievement_score").null_count() == t.height:
            t = t.drop("achievement_score")
        out["appraisals"] = t
    return out


def _ids(values: list[Any]) -> pl.Series:
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pl.Series(values, dtype=pl.Int64)
    return pl.Series([_str(v) for v in values], dtype=pl.String)


def _float(v: Any) -> float | None:
    return None if v is None else float(v)


def _str(v: Any) -> str | None:
    return None if v is None else str(v)
