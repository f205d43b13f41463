"""Schemas of the inputs besides votes: estimates, probabilities, choices, ratings, evidence.

Each kind of input is a tidy long table held in :attr:`Inquiry.tables` under its name. The
schemas are registered in :data:`INPUT_SCHEMAS`; :func:`validate_input` checks and
normalises a table at the boundary (types, missing values, ranges, duplicates) and names the
row and column of the first problem.

========================  ==================================================================
table                     columns (optional ones in brackets)
========================  ==================================================================
``estimates``             participant_id, question_id, value, [confidence], [round]
``probabilities``         participant_id, question_id, probability (in [0, 1])
``choices``               participant_id, question_id, answer
``predictions``           participant_id, question_id, option, share (predicted share of
                          others giving that answer, in [0, 1]; for the surprisingly-popular
                          method)
``ratings``               participant_id, item_id, rating, [scale_min], [scale_max]
``evidence``              participant_id, evidence_id, credibility, relevance, [confidence]
``questions``             question_id, [text], [truth], [unit], [type], [options]
                          (describes the questions: ``type`` is ``estimate`` (the default),
                          ``probability`` or ``choice``; a choice question's ``options``
                          are joined by ``|``, e.g. ``bus|bike|car``)
``rating_items``          item_id, [text], [scale_min], [scale_max]
``evidence_items``        evidence_id, [title], [source], [scale_min], [scale_max] (the scale
                          credibility and relevance were rated on)
========================  ==================================================================

Ids are Int64 when they are whole numbers, else text. ``round`` numbers Delphi rounds
(1, 2, ...); a participant answers a question at most once per round. Item tables with a
``scale_min`` and a ``scale_max`` need the maximum above the minimum. The deliberation
family adds ``panel``, ``panel_items``, ``qsorts``, ``considerations``, ``preferences`` and
``population`` (see :mod:`coprod_analytics.deliberation.inputs`); the preferences family
``rankings``, ``pairwise``, ``budget_*``, ``pairwise_items`` and ``ranking_items`` (see
:mod:`coprod_analytics.preferences.inputs`); the text family ``free_text`` and
``open_questions`` (see :mod:`coprod_analytics.text.inputs`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.errors import ValidationError
from coprod_analytics.schema import InputSchema, as_polars, normalise_ids

__all__ = [
    "INPUT_KINDS",
    "INPUT_SCHEMAS",
    "QUESTION_TYPES",
    "InputSchema",
    "describe_inputs",
    "validate_input",
]


def _s(
    name: str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    kinds: dict[str, str],
    *,
    unique: tuple[str, ...] = (),
    ranges: dict[str, tuple[float | None, float | None]] | None = None,
    item: str | None = None,
    value: str | None = None,
    description: str = "",
) -> InputSchema:
    return InputSchema(
        name, required, optional, kinds, ranges or {}, unique, description, item, value
    )


INPUT_SCHEMAS: dict[str, InputSchema] = {
    s.name: s
    for s in (
        _s(
            "estimates",
            ("participant_id", "question_id", "value"),
            ("confidence", "round"),
            {
                "participant_id": "id",
                "question_id": "id",
                "value": "float",
                "confidence": "float",
                "round": "int",
            },
            unique=("participant_id", "question_id", "round"),
            ranges={"confidence": (0.0, None)},
            item="question_id",
            value="value",
            description="numeric estimates (wisdom of crowds, Delphi rounds)",
        ),
        _s(
            "probabilities",
            ("participant_id", "question_id", "probability"),
            (),
            {"participant_id": "id", "question_id": "id", "probability": "float"},
            unique=("participant_id", "question_id"),
            ranges={"probability": (0.0, 1.0)},
            item="question_id",
            value="probability",
            description="probability forecasts",
        ),
        _s(
            "choices",
            ("participant_id", "question_id", "answer"),
            (),
            {"participant_id": "id", "question_id": "id", "answer": "text"},
            unique=("participant_id", "question_id"),
            item="question_id",
            value="answer",
            description="multiple-choice answers",
        ),
        _s(
            "predictions",
            ("participant_id", "question_id", "option", "share"),
            (),
            {"participant_id": "id", "question_id": "id", "option": "text", "share": "float"},
            unique=("participant_id", "question_id", "option"),
            ranges={"share": (0.0, 1.0)},
            item="question_id",
            description="predicted answer shares (surprisingly popular)",
        ),
        _s(
            "ratings",
            ("participant_id", "item_id", "rating"),
            ("scale_min", "scale_max"),
            {
                "participant_id": "id",
                "item_id": "id",
                "rating": "float",
                "scale_min": "float",
                "scale_max": "float",
            },
            unique=("participant_id", "item_id"),
            item="item_id",
            value="rating",
            description="ordinal (Likert) ratings",
        ),
        _s(
            "evidence",
            ("participant_id", "evidence_id", "credibility", "relevance"),
            ("confidence",),
            {
                "participant_id": "id",
                "evidence_id": "id",
                "credibility": "float",
                "relevance": "float",
                "confidence": "float",
            },
            unique=("participant_id", "evidence_id"),
            ranges={"confidence": (0.0, None)},
            item="evidence_id",
            description="evidence ratings (credibility, relevance)",
        ),
        _s(
            "questions",
            ("question_id",),
            ("text", "truth", "unit", "type", "options"),
            {
                "question_id": "id",
                "text": "text",
                "truth": "float",
                "unit": "text",
                "type": "text",
                "options": "text",
            },
            unique=("question_id",),
            description="the questions (text, known truth, unit, type, options)",
        ),
        _s(
            "rating_items",
            ("item_id",),
            ("text", "scale_min", "scale_max"),
            {"item_id": "id", "text": "text", "scale_min": "float", "scale_max": "float"},
            unique=("item_id",),
            description="the rated items",
        ),
        _s(
            "evidence_items",
            ("evidence_id",),
            ("title", "source", "scale_min", "scale_max"),
            {
                "evidence_id": "id",
                "title": "text",
                "source": "text",
                "scale_min": "float",
                "scale_max": "float",
            },
            unique=("evidence_id",),
            description="the evidence items",
        ),
    )
}

#: Kinds of participant responses (as opposed to descriptive tables like ``questions``).
INPUT_KINDS = ("estimates", "probabilities", "choices", "predictions", "ratings", "evidence")

#: The types of question a ``questions`` table's ``type`` column may name.
QUESTION_TYPES = ("estimate", "probability", "choice")

#: Descriptive tables whose ``scale_max`` must lie above their ``scale_min``.
_SCALED_ITEMS = ("rating_items", "panel_items", "evidence_items")


def _family_schemas() -> None:
    """Add the schemas that families declare in their own ``inputs`` modules (the one explicit
    list of them; imported on first use so that importing this module stays light)."""
    if "panel" in INPUT_SCHEMAS:
        return
    from coprod_analytics.deliberation.inputs import DELIBERATION_SCHEMAS
    from coprod_analytics.mapping.schemas import MAPPING_SCHEMAS
    from coprod_analytics.preferences.inputs import PREFERENCE_SCHEMAS
    from coprod_analytics.text.inputs import TEXT_SCHEMAS

    for schema in (*DELIBERATION_SCHEMAS, *PREFERENCE_SCHEMAS, *TEXT_SCHEMAS, *MAPPING_SCHEMAS):
        INPUT_SCHEMAS[schema.name] = schema


def _first(mask: pl.Series) -> int:
    return int(mask.arg_true()[0]) + 1


def _cast(series: pl.Series, kind: str, table: str) -> pl.Series:
    name = series.name
    if kind == "text":
        return series.cast(pl.String)
    if kind == "id":
        out = normalise_ids(series, table)
        if out.dtype == pl.String:
            stripped = out.str.strip_chars()
            as_int = stripped.cast(pl.Int64, strict=False)
            if (as_int.is_not_null() | stripped.is_null()).all():
                return as_int.alias(name)
            return stripped
        return out
    target = pl.Float64 if kind == "float" else pl.Int64
    if series.dtype == pl.String:
        cast = series.str.strip_chars().cast(pl.Float64, strict=False)
    elif series.dtype.is_numeric() or series.dtype == pl.Null:
        cast = series.cast(pl.Float64)
    else:
        raise ValidationError(
            f"expected numbers; got a column of type {series.dtype}", table=table, column=name
        )
    bad = cast.is_null() & series.is_not_null()
    if series.dtype == pl.String:
        bad = bad & (series.str.strip_chars() != "")
    if bad.any():
        row = _first(bad)
        raise ValidationError(
            f"expected a number; got {series[row - 1]!r}", table=table, row=row, column=name
        )
    finite = cast.is_null() | cast.is_finite()
    if not finite.all():
        row = _first(~finite)
        raise ValidationError(
            f"expected a finite number; got {cast[row - 1]!r}", table=table, row=row, column=name
        )
    if kind == "int":
        whole = cast.is_null() | (cast == cast.floor())
        if not whole.all():
            row = _first(~whole)
            raise ValidationError(
                f"expected a whole number; got {cast[row - 1]!r}",
                table=table,
                row=row,
                column=name,
            )
    return cast.cast(target).alias(name)


def validate_input(name: str, data: Any) -> pl.DataFrame:
    """Check and normalise an input table of a registered kind.

    Checks the required columns, missing values, types (ids become Int64 when they are
    whole numbers, else text), ranges and duplicate rows, in that order. Tables of an
    unknown kind are returned unchanged (as polars).

    Parameters
    ----------
    name : str
        The kind of table (a key of :data:`INPUT_SCHEMAS`, e.g. ``"estimates"``); family
        schemas such as ``"rankings"`` or ``"panel"`` count too.
    data : polars, pandas or Arrow table, or dict of columns
        The table, with the schema's column names.

    Returns
    -------
    polars.DataFrame
        The table with the schema's types (same rows and columns).

    Raises
    ------
    ValidationError
        Naming the table, row and column of the first problem.

    Examples
    --------
    >>> validate_input("estimates", {"participant_id": [1, 2], "question_id": ["q", "q"],
    ...                              "value": ["3.5", 4]}).get_column("value").to_list()
    [3.5, 4.0]
    >>> validate_input("probabilities", {"participant_id": [1], "question_id": [1],
    ...                                  "probability": [1.2]})
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ValidationError: table 'probabilities', row 1, column 'probability': expected a value between 0.0 and 1.0; got 1.2
    """
    df = as_polars(data, name=name)
    _family_schemas()
    schema = INPUT_SCHEMAS.get(name)
    if schema is None:
        return df
    missing = [c for c in schema.required if c not in df.columns]
    if missing:
        raise ValidationError(
            f"missing required column(s) {', '.join(repr(c) for c in missing)} for "
            f"{schema.description or name}; found {', '.join(repr(c) for c in df.columns)}",
            table=name,
        )
    cols: list[pl.Series] = []
    for col in df.columns:
        s = df.get_column(col)
        kind = schema.kinds.get(col)
        if col in schema.required:
            nulls = s.is_null()
            if s.dtype == pl.String:
                nulls = nulls | (s.str.strip_chars() == "")
            if nulls.any():
                raise ValidationError(
                    "missing value; every row needs one", table=name, row=_first(nulls), column=col
                )
        if kind is not None:
            s = _cast(s, kind, name)
        cols.append(s)
    out = pl.DataFrame(cols)
    for col, (lo, hi) in schema.ranges.items():
        if col not in out.columns:
            continue
        s = out.get_column(col)
        bad = pl.Series([False] * len(s), dtype=pl.Boolean)
        if lo is not None:
            bad = bad | (s < lo).fill_null(False)
        if hi is not None:
            bad = bad | (s > hi).fill_null(False)
        if bad.any():
            row = _first(bad)
            bounds = (
                f"between {lo} and {hi}"
                if lo is not None and hi is not None
                else f">= {lo}"
                if lo is not None
                else f"<= {hi}"
            )
            raise ValidationError(
                f"expected a value {bounds}; got {s[row - 1]!r}", table=name, row=row, column=col
            )
    if name == "ratings" and {"scale_min", "scale_max"} <= set(out.columns):
        r = out.get_column("rating")
        bad = ((r < out.get_column("scale_min")) | (r > out.get_column("scale_max"))).fill_null(
            False
        )
        if bad.any():
            row = _first(bad)
            raise ValidationError(
                f"rating {r[row - 1]} is outside its scale "
                f"[{out['scale_min'][row - 1]}, {out['scale_max'][row - 1]}]",
                table=name,
                row=row,
                column="rating",
            )
    if name in _SCALED_ITEMS and {"scale_min", "scale_max"} <= set(out.columns):
        smin, smax = out.get_column("scale_min"), out.get_column("scale_max")
        bad = (smax <= smin).fill_null(False)
        if bad.any():
            row = _first(bad)
            raise ValidationError(
                f"scale_max ({smax[row - 1]:g}) must be above scale_min ({smin[row - 1]:g})",
                table=name,
                row=row,
                column="scale_max",
            )
    if name == "questions" and "type" in out.columns:
        out = _check_question_types(out)
    key = [c for c in schema.unique if c in out.columns]
    if key and out.height:
        dup = out.select(pl.struct(key).is_duplicated()).to_series()
        if dup.any():
            idx = np.flatnonzero(dup.to_numpy())
            first_row = out.row(int(idx[0]), named=True)
            same = [
                int(i)
                for i in idx
                if all(out.row(int(i), named=True)[k] == first_row[k] for k in key)
            ]
            raise ValidationError(
                f"duplicate row for ({', '.join(f'{k}={first_row[k]!r}' for k in key)}) "
                f"(rows {same[0] + 1} and {same[1] + 1}); each may appear once",
                table=name,
                row=same[1] + 1,
            )
    return out


def _check_question_types(questions: pl.DataFrame) -> pl.DataFrame:
    """``type`` lower-cased and stripped (empty: ``estimate``), one of :data:`QUESTION_TYPES`;
    a choice question with ``options`` has at least two of them."""
    kind = (
        questions.get_column("type")
        .str.strip_chars()
        .str.to_lowercase()
        .replace("", None)
        .fill_null("estimate")
    )
    bad = ~kind.is_in(QUESTION_TYPES)
    if bad.any():
        row = _first(bad)
        raise ValidationError(
            f"a question's type must be one of {', '.join(QUESTION_TYPES)}; got "
            f"{questions['type'][row - 1]!r}",
            table="questions",
            row=row,
            column="type",
        )
    if "options" in questions.columns:
        n_options = (
            questions.get_column("options")
            .str.split("|")
            .list.eval(pl.element().str.strip_chars().filter(pl.element() != ""))
            .list.len()
        )
        few = ((kind == "choice") & n_options.is_not_null() & (n_options < 2)).fill_null(False)
        if few.any():
            row = _first(few)
            raise ValidationError(
                "a choice question needs two or more options, joined by '|' (e.g. "
                f"'bus|bike|car'); got {questions['options'][row - 1]!r}",
                table="questions",
                row=row,
                column="options",
            )
    return questions.with_columns(kind.alias("type"))


def describe_inputs(tables: dict[str, pl.DataFrame]) -> dict[str, dict[str, int]]:
    """Per input kind present: rows, distinct participants and distinct items.

    Parameters
    ----------
    tables : dict of str to polars.DataFrame
        Input tables by kind, as :attr:`Inquiry.tables` holds them.

    Returns
    -------
    dict of str to dict of str to int
        Per table name: ``rows``; ``participants`` (distinct ``participant_id``) when the
        table has that column; ``items`` (distinct questions, items, evidence, ...) when its
        schema names an item column.

    Examples
    --------
    >>> t = {"estimates": validate_input("estimates", {"participant_id": [1, 2, 2],
    ...      "question_id": [1, 1, 2], "value": [1.0, 2.0, 3.0]})}
    >>> describe_inputs(t)
    {'estimates': {'rows': 3, 'participants': 2, 'items': 2}}
    """
    out: dict[str, dict[str, int]] = {}
    for name, table in tables.items():
        _family_schemas()
        schema = INPUT_SCHEMAS.get(name)
        facts = {"rows": table.height}
        if "participant_id" in table.columns:
            facts["participants"] = int(table.get_column("participant_id").n_unique())
        if schema is not None and schema.item and schema.item in table.columns:
            facts["items"] = int(table.get_column(schema.item).n_unique())
        out[name] = facts
    return out
