"""One answer to an item of an activity, checked: :func:`check_answer`.

The fields an answer of each kind may carry, numbers on the item's scale, options and
categories from the item's list, predicted shares that add up to 1; the priority and mapping
kinds are checked by their own modules
(:func:`~coprod_analytics.session.priorities.check_priority_answer`,
:func:`~coprod_analytics.session.mapping_activity.check_mapping_answer`). A bad answer is a
:class:`~coprod_analytics.errors.ValidationError` naming the field, in the participant's words.

Pure Python: no web code.
"""

from __future__ import annotations

import math
from typing import Any

from coprod_analytics.errors import ValidationError
from coprod_analytics.session.activities.records import ActivityRecord

__all__ = ["check_answer"]

#: The fields an answer of each kind may carry (optional ones may be null).
_FIELDS: dict[str, set[str]] = {
    "evidence": {"credibility", "relevance", "confidence"},
    "ratings": {"rating"},
    "panel": {"value"},
    "population": {"category"},
}
_QUESTION_FIELDS: dict[str, set[str]] = {
    "estimate": {"value", "confidence"},
    "probability": {"probability"},
    "choice": {"answer", "predictions"},
}


def _bad(field_name: str, message: str) -> ValidationError:
    return ValidationError(message, column=field_name)


def _number(fields: dict[str, Any], name: str, *, required: bool = True) -> float | None:
    value = fields.get(name)
    if value is None:
        if required:
            raise _bad(name, f"'{name}' is missing; give a number")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(name, f"'{name}' must be a number; got {value!r}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise _bad(name, f"'{name}' must be a finite number; got {str(value)[:20]}")
    return number


def _on_scale(value: float, name: str, lo: float, hi: float) -> float:
    if not lo <= value <= hi:
        raise _bad(name, f"'{name}' must be between {lo:g} and {hi:g}; got {value:g}")
    return value


def check_answer(
    activity: ActivityRecord, item_id: Any, fields: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check one answer to an item of ``activity`` and keep only its fields.

    Parameters
    ----------
    activity : ActivityRecord
        The activity answered (not ``statements``: votes go through ``record_vote``).
    item_id : any
        The item answered.
    fields : dict
        The answer's fields (see the module's table).

    Returns
    -------
    (dict, dict)
        The item and the answer as stored (numbers as floats, only the known fields).

    Raises
    ------
    ValidationError
        Naming the field (``column``) in the participant's words: an unknown item, a
        missing or non-numeric value, a value off the scale, an unknown option.

    Examples
    --------
    >>> a = ActivityRecord("evidence", "evidence", "E", [{"item_id": 1, "text": "Survey",
    ...                    "scale_min": 1.0, "scale_max": 5.0}])
    >>> check_answer(a, 1, {"credibility": 4, "relevance": 5, "confidence": None})[1]
    {'credibility': 4.0, 'relevance': 5.0}
    >>> check_answer(a, 1, {"credibility": 9, "relevance": 5})
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ValidationError: column 'credibility': 'credibility' must be between 1 and 5; got 9
    """
    from coprod_analytics.session.mapping_activity import MAPPING_KINDS, check_mapping_answer
    from coprod_analytics.session.priorities import PRIORITY_KINDS, check_priority_answer

    if activity.kind in PRIORITY_KINDS:
        return check_priority_answer(activity, item_id, fields)
    if activity.kind in MAPPING_KINDS:
        return check_mapping_answer(activity, item_id, fields)
    item = activity.item(item_id)
    if item is None:
        raise _bad("item_id", f"'item_id' {item_id!r} is not an item of '{activity.activity_id}'")
    kind = activity.kind
    lo = float(item.get("scale_min", 1.0))
    hi = float(item.get("scale_max", 5.0))
    out: dict[str, Any] = {}
    if kind == "evidence":
        for name in ("credibility", "relevance"):
            out[name] = _on_scale(_number(fields, name) or 0.0, name, lo, hi)
        conf = _number(fields, "confidence", required=False)
        if conf is not None:
            out["confidence"] = _on_scale(conf, "confidence", 0.0, hi)
    elif kind in ("ratings", "panel"):
        name = "rating" if kind == "ratings" else "value"
        out[name] = _on_scale(_number(fields, name) or 0.0, name, lo, hi)
    elif kind == "questions":
        qtype = item.get("type", "estimate")
        if qtype == "estimate":
            out["value"] = _number(fields, "value")
            conf = _number(fields, "confidence", required=False)
            if conf is not None:
                out["confidence"] = _on_scale(conf, "confidence", 0.0, 5.0)
        elif qtype == "probability":
            out["probability"] = _on_scale(
                _number(fields, "probability") or 0.0, "probability", 0.0, 1.0
            )
        else:
            options = list(item.get("options", []))
            answer = fields.get("answer")
            if answer not in options:
                raise _bad("answer", f"'answer' must be one of {options}; got {answer!r}")
            out["answer"] = answer
            preds = fields.get("predictions")
            if preds is not None:
                out["predictions"] = _check_predictions(preds, options)
    elif kind == "population":
        options = list(item.get("options", []))
        category = fields.get("category")
        if category not in options:
            raise _bad("category", f"'category' must be one of {options}; got {category!r}")
        out["category"] = category
    else:
        raise _bad("activity_id", f"'{activity.activity_id}' does not take answers here")
    if kind == "questions":
        allowed = _QUESTION_FIELDS[str(item.get("type", "estimate"))]
    else:
        allowed = _FIELDS[kind]
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise _bad(unknown[0], f"'{unknown[0]}' is not a field of a {kind} answer")
    return item, out


def _check_predictions(preds: Any, options: list[str]) -> dict[str, float]:
    if not isinstance(preds, dict):
        raise _bad("predictions", "'predictions' must map each option to a share between 0 and 1")
    unknown = [k for k in preds if k not in options]
    if unknown:
        raise _bad("predictions", f"'predictions' names {unknown[0]!r}, not one of {options}")
    out: dict[str, float] = {}
    for option in options:
        share = preds.get(option, 0.0)
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            # (a huge int compares fine: it is simply above 1)
            raise _bad("predictions", f"'predictions' share of {option!r} must be between 0 and 1")
        out[option] = float(share)
    total = sum(out.values())
    if abs(total - 1.0) > 0.02:
        raise _bad(
            "predictions", f"'predictions' shares must add up to 1 (100%); they add up to {total:g}"
        )
    return out
