"""The shape of an input table (:class:`InputSchema`), how foreign tables become polars
(:func:`as_polars`) and how ids are normalised (:func:`normalise_ids`).

A leaf module (polars only), so that every family can declare the schemas of its tables in
its own ``inputs`` module and :mod:`coprod_analytics.inputs` can list them all without an
import circle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError

__all__ = ["InputSchema", "as_polars", "normalise_ids"]


@dataclass(frozen=True)
class InputSchema:
    """Columns and checks of one kind of input table.

    :func:`~coprod_analytics.inputs.validate_input` applies it; the schemas of the core are
    listed in :data:`coprod_analytics.inputs.INPUT_SCHEMAS` and each family declares its
    own in its ``inputs`` module.

    Attributes
    ----------
    name : str
        The table's name in :attr:`Inquiry.tables` (``"estimates"``) and its file name
        (``estimates.csv``).
    required : tuple of str
        Columns every table of this kind has.
    optional : tuple of str
        Columns it may have.
    kinds : dict of str to str
        Each column's kind: ``"id"``, ``"float"``, ``"int"`` or ``"text"``.
    ranges : dict of str to (float or None, float or None)
        Inclusive bounds of numeric columns (None: unbounded on that side).
    unique : tuple of str
        The columns that together identify a row (each combination may appear once).
    description : str
        What the table holds, in plain words (named in errors).
    item : str or None
        The column naming what is answered or rated (for counts and wide layouts).
    value : str or None
        The column holding the answer in a wide layout (None: no wide layout).

    Examples
    --------
    >>> s = InputSchema("scores", ("participant_id", "item_id", "score"),
    ...                 kinds={"participant_id": "id", "item_id": "id", "score": "float"},
    ...                 ranges={"score": (0.0, 10.0)}, unique=("participant_id", "item_id"),
    ...                 item="item_id", value="score")
    >>> s.required, s.optional, s.ranges["score"]
    (('participant_id', 'item_id', 'score'), (), (0.0, 10.0))
    """

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    kinds: dict[str, str] = field(default_factory=dict)
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    unique: tuple[str, ...] = ()
    description: str = ""
    item: str | None = None
    value: str | None = None


def _first_row(mask: pl.Series) -> int:
    """1-based index of the first True in a boolean mask."""
    return int(mask.arg_true()[0]) + 1


def normalise_ids(series: pl.Series, table: str) -> pl.Series:
    """Ids become Int64 when they are integers, else String (floats must be whole numbers).

    Parameters
    ----------
    series : polars.Series
        An id column.
    table : str
        The table it belongs to (named in errors).

    Returns
    -------
    polars.Series
        Int64 or String.

    Examples
    --------
    >>> normalise_ids(pl.Series("participant_id", [1.0, 2.0]), "votes").to_list()
    [1, 2]
    """
    dtype = series.dtype
    if dtype == pl.Int64 or dtype == pl.String:
        return series
    if dtype.is_integer():
        return series.cast(pl.Int64)
    if dtype.is_float():
        whole = series.is_null() | (series == series.floor())
        if not whole.all():
            bad = _first_row(~whole)
            raise ValidationError(
                f"ids must be whole numbers or text; got {series[bad - 1]!r}",
                table=table,
                row=bad,
                column=series.name,
            )
        return series.cast(pl.Int64)
    if dtype == pl.Categorical or dtype == pl.Enum:
        return series.cast(pl.String)
    return series.cast(pl.String)


def as_polars(data: Any, *, name: str) -> pl.DataFrame:
    """Convert a polars, pandas or Arrow table (or a dict of columns) to a polars DataFrame.

    Parameters
    ----------
    data : polars/pandas/Arrow table, LazyFrame or dict of columns
        The table.
    name : str
        The table's name (named in errors).

    Returns
    -------
    polars.DataFrame
        The same table (polars and LazyFrames are returned or collected as they are).

    Raises
    ------
    ValidationError
        When ``data`` is not a table or its columns have different lengths.

    Examples
    --------
    >>> as_polars({"participant_id": [1, 2]}, name="votes").shape
    (2, 1)
    """
    if isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, pl.LazyFrame):
        return data.collect()
    if isinstance(data, Mapping):
        columns: list[pl.Series] = []
        for key, values in data.items():
            try:
                columns.append(pl.Series(str(key), values))
            except (TypeError, ValueError, pl.exceptions.PolarsError):
                # mixed kinds of values (e.g. 1 and "pass"): keep them as text
                columns.append(pl.Series(str(key), [None if v is None else str(v) for v in values]))
        try:
            return pl.DataFrame(columns)
        except pl.exceptions.ShapeError as exc:
            raise ValidationError(f"columns have different lengths ({exc})", table=name) from exc
    try:
        converted = (
            pl.from_dataframe(data) if hasattr(data, "__dataframe__") else pl.from_arrow(data)
        )
    except Exception as exc:  # pragma: no cover - depends on the foreign object
        raise ValidationError(
            f"expected a polars, pandas or Arrow table; got {type(data).__name__}", table=name
        ) from exc
    if not isinstance(converted, pl.DataFrame):
        raise ValidationError(f"expected a table; got {type(data).__name__}", table=name)
    return converted
