"""The activities an inquiry defines: :func:`activities_from_inquiry` and
:func:`activities_from_folder` turn its item tables (evidence, ratings, questions, the panel
poll, the population, the priority item lists, the map files) into ``define`` payloads,
their items checked (scales, question types, choice options).

Pure Python and polars: no web code.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError
from coprod_analytics.session.activities.records import ACTIVITY_KINDS, PREFER_NOT_TO_SAY

__all__ = ["activities_from_folder", "activities_from_inquiry"]

_QUESTION_TYPES = ("estimate", "probability", "choice")
_TITLES: dict[str, str] = {
    "statements": "Agree or disagree",
    "evidence": "Weigh the evidence",
    "ratings": "Ratings",
    "questions": "Questions",
    "panel": "Quick poll",
    "population": "About you (optional)",
}
_DEFAULT_SCALE = {"evidence": (1.0, 5.0), "ratings": (1.0, 5.0), "panel": (1.0, 5.0)}
#: Longest option or category text, in characters.
_MAX_OPTION = 200


def _opt_float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _py_id(value: Any) -> Any:
    return int(value) if isinstance(value, int) else str(value)


def _scale(row: dict[str, Any], kind: str) -> dict[str, float]:
    lo, hi = _DEFAULT_SCALE.get(kind, (1.0, 5.0))
    given_lo, given_hi = _opt_float(row.get("scale_min")), _opt_float(row.get("scale_max"))
    lo = lo if given_lo is None else given_lo
    hi = hi if given_hi is None else given_hi
    if hi <= lo:
        raise ValidationError(
            f"item {row.get('item_id', row.get('evidence_id'))!r}: scale_max ({hi:g}) must be "
            f"above scale_min ({lo:g})",
            column="scale_max",
        )
    return {"scale_min": lo, "scale_max": hi}


def activities_from_inquiry(
    inquiry: Any,
    *,
    panel_items: pl.DataFrame | None = None,
    item_lists: dict[str, pl.DataFrame] | None = None,
    map_folder: str | os.PathLike[str] | None = None,
    pairwise: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Activity definitions (``define`` event payloads) for the item tables of an inquiry.

    Question types come from a ``type`` column of ``questions`` when it has one
    (``estimate``, ``probability``, ``choice``; options in ``options``, joined by ``|``);
    otherwise questions are estimates, and the question ids that only the ``probabilities``
    or ``choices`` tables hold become probability or choice questions (options: the answers
    given, in order of first appearance, and the options of ``predictions``).

    Parameters
    ----------
    inquiry : Inquiry
        An inquiry (or any object with such ``tables``) whose ``tables`` hold
        ``evidence_items``, ``rating_items``, ``questions``, ``population`` and maybe answer
        tables.
    panel_items : polars.DataFrame, optional
        The panel poll (``item_id``, ``text``, ``scale_min``, ``scale_max``); without it, the
        inquiry's ``panel_items`` table, else the items of its ``panel`` table (if any)
        make the poll.
    item_lists : dict of str to polars.DataFrame, optional
        ``pairwise_items``, ``ranking_items``, ``open_questions`` (see
        :func:`~coprod_analytics.session.priorities.priority_definitions`); without them,
        the inquiry's tables of those names; the budget ballot comes from the inquiry's
        ``budget_projects`` and ``budget_meta``.
    map_folder : path, optional
        A folder with map files (``map_categories.csv`` and ``map.geojson``,
        ``map_plan.json`` or ``map_areas.csv``): a ``mapping`` activity (see
        :func:`~coprod_analytics.session.mapping_base.mapping_definitions`); the needs of
        the inquiry's ``places`` become an ``appraisal`` activity either way.
    pairwise : dict, optional
        A pairwise activity over the session's statements (see
        :func:`~coprod_analytics.session.priorities.statements_pairwise`), in place of one
        over ``pairwise_items``.

    Returns
    -------
    list of dict
        One ``{"action": "define", "activity_id", "kind", "title", "items"}`` per activity
        with items, in :data:`ACTIVITY_KINDS` order (``statements`` not included).

    Examples
    --------
    >>> from coprod_analytics import Inquiry
    >>> inq = Inquiry(tables={"rating_items": {"item_id": [1], "text": ["Buses"]},
    ...                       "probabilities": {"participant_id": [0], "question_id": [101],
    ...                                         "probability": [0.3]}})
    >>> [(d["kind"], len(d["items"])) for d in activities_from_inquiry(inq)]
    [('ratings', 1), ('questions', 1)]
    """
    tables: dict[str, pl.DataFrame] = dict(getattr(inquiry, "tables", {}) or {})
    defs: dict[str, list[dict[str, Any]]] = {}

    population = tables.get("population")
    if population is not None and population.height:
        items = []
        for attr in population.get_column("attribute").unique(maintain_order=True).to_list():
            sub = population.filter(pl.col("attribute") == attr)
            cats = [str(c) for c in sub.get_column("category").to_list()]
            items.append(
                {
                    "item_id": str(attr),
                    "text": str(attr).replace("_", " "),
                    "options": [*cats, PREFER_NOT_TO_SAY],
                    "shares": dict(zip(cats, sub.get_column("share").to_list(), strict=True)),
                }
            )
        defs["population"] = items

    if panel_items is None and "panel_items" in tables and tables["panel_items"].height:
        panel_items = tables["panel_items"]
    if panel_items is None and "panel" in tables and tables["panel"].height:
        panel = tables["panel"]
        stats = panel.group_by("item_id", maintain_order=True).agg(
            pl.col("value").min().alias("lo"), pl.col("value").max().alias("hi")
        )
        panel_items = pl.DataFrame(
            {
                "item_id": stats.get_column("item_id"),
                "text": [f"Item {i}" for i in stats.get_column("item_id").to_list()],
                "scale_min": stats.get_column("lo").floor(),
                "scale_max": stats.get_column("hi").ceil(),
            }
        )
    if panel_items is not None and panel_items.height:
        defs["panel"] = [
            {
                "item_id": _py_id(r["item_id"]),
                "text": str(r.get("text") or f"Item {r['item_id']}"),
                **_scale(r, "panel"),
            }
            for r in panel_items.iter_rows(named=True)
        ]

    ev = tables.get("evidence_items")
    if ev is not None and ev.height:
        defs["evidence"] = [
            {
                "item_id": _py_id(r["evidence_id"]),
                "text": str(r.get("title") or f"Evidence {r['evidence_id']}"),
                "source": r.get("source"),
                **_scale(r, "evidence"),
            }
            for r in ev.iter_rows(named=True)
        ]

    ri = tables.get("rating_items")
    if ri is not None and ri.height:
        defs["ratings"] = [
            {
                "item_id": _py_id(r["item_id"]),
                "text": str(r.get("text") or f"Item {r['item_id']}"),
                **_scale(r, "ratings"),
            }
            for r in ri.iter_rows(named=True)
        ]

    questions = _questions(tables)
    if questions:
        defs["questions"] = questions

    from coprod_analytics.session.mapping_base import mapping_definitions
    from coprod_analytics.session.priorities import priority_definitions

    return (
        [
            {
                "action": "define",
                "activity_id": kind,
                "kind": kind,
                "title": _TITLES[kind],
                "items": defs[kind],
            }
            for kind in ACTIVITY_KINDS
            if kind in defs
        ]
        + priority_definitions(tables, item_lists, pairwise=pairwise)
        + mapping_definitions(tables, map_folder)
    )


def _questions(tables: dict[str, pl.DataFrame]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    choice_options: dict[str, list[str]] = {}
    for name, col in (("choices", "answer"), ("predictions", "option")):
        t = tables.get(name)
        if t is not None and t.height:
            for qid, opt in t.select("question_id", col).unique(maintain_order=True).iter_rows():
                opts = choice_options.setdefault(str(qid), [])
                if opt is not None and str(opt) not in opts:
                    opts.append(str(opt))
    q = tables.get("questions")
    if q is not None and q.height:
        for r in q.iter_rows(named=True):
            qid = r["question_id"]
            qtype = str(r.get("type") or "estimate").strip().lower()
            if qtype not in _QUESTION_TYPES:
                raise ValidationError(
                    f"question type must be one of {list(_QUESTION_TYPES)}; got {qtype!r}",
                    table="questions",
                    column="type",
                )
            item: dict[str, Any] = {
                "item_id": _py_id(qid),
                "text": str(r.get("text") or f"Question {qid}"),
                "type": qtype,
            }
            if r.get("unit") is not None:
                item["unit"] = str(r["unit"])
            if _opt_float(r.get("truth")) is not None:
                item["truth"] = _opt_float(r["truth"])
            if qtype == "choice":
                opts = [o.strip() for o in str(r.get("options") or "").split("|") if o.strip()]
                item["options"] = opts or choice_options.get(str(qid), [])
                if not item["options"]:
                    raise ValidationError(
                        f"choice question {qid!r} needs its options ('options', joined by '|')",
                        table="questions",
                        column="options",
                    )
            out.append(item)
            seen.add(str(qid))
    pt = tables.get("probabilities")
    if pt is not None and pt.height:
        for qid in pt.get_column("question_id").unique(maintain_order=True).to_list():
            if str(qid) not in seen:
                seen.add(str(qid))
                out.append(
                    {"item_id": _py_id(qid), "text": f"Question {qid}", "type": "probability"}
                )
    for qid, opts in choice_options.items():
        if qid not in seen and opts:
            seen.add(qid)
            ids = tables["choices"] if "choices" in tables else tables["predictions"]
            raw = next(v for v in ids.get_column("question_id").to_list() if str(v) == qid)
            out.append(
                {
                    "item_id": _py_id(raw),
                    "text": f"Question {qid}",
                    "type": "choice",
                    "options": [o[:_MAX_OPTION] for o in opts],
                }
            )
    return out


def activities_from_folder(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Activity definitions for an inquiry folder (see :func:`activities_from_inquiry`).

    Reads the folder's ``<table>.csv`` files (as
    :func:`~coprod_analytics.io.inputs.read_input_files` does), plus ``panel_items.csv``
    (``item_id``, ``text``, ``scale_min``, ``scale_max``), ``pairwise_items.csv``
    (``item_id``, ``text``), ``ranking_items.csv`` (``item_id``, ``text``, optional ``k``)
    and ``open_questions.csv`` (``question_id``, ``text``) when present, ``pairwise.json``
    (``{"over": "statements", "title": ..., "ideas": ...}``: a pairwise activity over the
    session's statements, see :func:`~coprod_analytics.session.priorities.read_pairwise_choice`)
    in place of ``pairwise_items.csv``, and the map files
    of a ``mapping`` activity (see
    :func:`~coprod_analytics.session.mapping_activity.read_map_folder`).

    Parameters
    ----------
    path : path
        The inquiry folder.

    Returns
    -------
    list of dict
        The ``define`` payloads.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "panel_items.csv").write_text("item_id,text,scale_min,scale_max\\n1,Trust?,1,7\\n")
    >>> _ = (d / "evidence_items.csv").write_text("evidence_id,title,source\\n1,Survey,Bus co\\n")
    >>> [d["kind"] for d in activities_from_folder(d)]
    ['panel', 'evidence']
    """
    from types import SimpleNamespace

    from coprod_analytics.io.inputs import read_input_files

    folder = Path(path)
    panel_items = None
    if (folder / "panel_items.csv").exists():
        panel_items = pl.read_csv(folder / "panel_items.csv", infer_schema_length=None)
        if "item_id" not in panel_items.columns:
            raise ValidationError("panel_items.csv needs an 'item_id' column", table="panel_items")
    lists: dict[str, pl.DataFrame] = {}
    for name, id_col in (
        ("pairwise_items", "item_id"),
        ("ranking_items", "item_id"),
        ("open_questions", "question_id"),
    ):
        f = folder / f"{name}.csv"
        if f.exists():
            t = pl.read_csv(f, infer_schema_length=None)
            if id_col not in t.columns:
                raise ValidationError(f"{name}.csv needs an '{id_col}' column", table=name)
            lists[name] = t
    from coprod_analytics.session.priorities import read_pairwise_choice

    pairwise = read_pairwise_choice(folder)
    tables = read_input_files(folder)
    return activities_from_inquiry(
        SimpleNamespace(tables=tables),
        panel_items=panel_items,
        item_lists=lists,
        map_folder=folder,
        pairwise=pairwise,
    )
