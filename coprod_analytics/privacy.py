"""Disclosure control for published breakdowns: small-cell suppression.

Every table that counts participants by attribute (age band, gender, opinion group, ...) is
passed through :func:`suppress_small_cells` before it is shown: counts below the threshold
(default 5) are replaced by nulls, together with any column derived from them (shares,
percentages, means), and the result carries a note saying so.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.results import frame_to_html

__all__ = ["DEFAULT_THRESHOLD", "SuppressedFrame", "suppress_small_cells"]

DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class SuppressedFrame:
    """A table after small-cell suppression, with the note to print next to it.

    Unpacks as ``frame, note = suppress_small_cells(...)``.

    Attributes
    ----------
    frame : pl.DataFrame
        The table with suppressed cells set to null.
    note : str
        A sentence for readers ("" when nothing was suppressed).
    n_suppressed : int
        Number of rows whose count was suppressed.
    threshold : int
        Counts strictly below this were suppressed.
    columns : tuple of str
        The columns nulled in suppressed rows.
    """

    frame: pl.DataFrame
    note: str
    n_suppressed: int
    threshold: int
    columns: tuple[str, ...]

    def __iter__(self) -> Iterator[Any]:
        return iter((self.frame, self.note))

    def to_frame(self) -> pl.DataFrame:
        return self.frame

    def summary(self) -> str:
        return self.note or f"No cell below {self.threshold}; nothing suppressed."

    def _repr_html_(self) -> str:
        return frame_to_html(self.frame) + (
            f"<p><em>{_escape(self.note)}</em></p>" if self.note else ""
        )


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def suppress_small_cells(
    frame: pl.DataFrame,
    *,
    count_column: str,
    threshold: int = DEFAULT_THRESHOLD,
    also: Sequence[str] | None = None,
    suppress_zeros: bool = False,
) -> SuppressedFrame:
    """Null the counts below ``threshold`` (and columns derived from them) and say so.

    Parameters
    ----------
    frame : pl.DataFrame
        A breakdown with one count per row.
    count_column : str
        The column of counts (number of participants in the cell).
    threshold : int, default 5
        Counts ``1 <= n < threshold`` are suppressed. ``threshold=0`` or ``1`` suppresses
        nothing.
    also : sequence of str, optional
        Further columns to null in suppressed rows (shares, means, CIs computed from the
        cell). By default every numeric column other than the count whose name does not
        mark it as a reference value (``expected``, ``population``, ``reference``) is nulled
        too, so a share cannot give the count away.
    suppress_zeros : bool, default False
        Also suppress zero counts (stricter regimes treat a structural zero as disclosive).

    Returns
    -------
    SuppressedFrame
        ``frame`` (the suppressed table) and ``note``; unpacks as ``frame, note``.

    Notes
    -----
    Only primary suppression is applied: when a table also publishes row or column totals,
    a suppressed cell can sometimes be recovered by subtraction, so publish totals from the
    suppressed table or round them.

    Examples
    --------
    >>> t = pl.DataFrame({"gender": ["f", "m", "x"], "n": [40, 37, 2], "share": [0.51, 0.47, 0.03]})
    >>> out, note = suppress_small_cells(t, count_column="n")
    >>> out["n"].to_list(), out["share"].to_list()
    ([40, 37, None], [0.51, 0.47, None])
    >>> note
    'Cells with fewer than 5 participants are suppressed (1 of 3 rows).'
    """
    func = "suppress_small_cells"
    if not isinstance(frame, pl.DataFrame):
        raise ValidationError(
            f"{func} needs a polars DataFrame; got {type(frame).__name__}", table="breakdown"
        )
    if count_column not in frame.columns:
        raise ValidationError(
            f"no count column '{count_column}' among {frame.columns}", table="breakdown"
        )
    if not frame.schema[count_column].is_numeric():
        raise ValidationError(
            f"counts must be numeric; got {frame.schema[count_column]}",
            table="breakdown",
            column=count_column,
        )
    check_param(
        isinstance(threshold, int) and not isinstance(threshold, bool) and threshold >= 0,
        "threshold",
        func,
        "an int >= 0",
        threshold,
    )
    if also is None:
        reference_words = ("expected", "population", "reference", "target")
        derived = [
            c
            for c, dtype in frame.schema.items()
            if c != count_column
            and dtype.is_numeric()
            and not any(w in c.lower() for w in reference_words)
        ]
    else:
        missing = [c for c in also if c not in frame.columns]
        if missing:
            raise ValidationError(
                f"columns to suppress {missing} are not in the table {frame.columns}",
                table="breakdown",
            )
        derived = [c for c in also if c != count_column]
    count = pl.col(count_column)
    lower = 0 if suppress_zeros else 1
    small = count.is_not_null() & (count >= lower) & (count < threshold)
    flags = frame.select(small.alias("_s"))["_s"]
    n_small = int(flags.sum())
    columns = (count_column, *derived)
    if n_small == 0:
        return SuppressedFrame(frame, "", 0, threshold, columns)
    out = frame.with_columns(
        [pl.when(small).then(None).otherwise(pl.col(c)).alias(c) for c in columns]
    )
    zero_text = "" if not suppress_zeros else " (zero counts included)"
    note = (
        f"Cells with fewer than {threshold} participants are suppressed{zero_text} "
        f"({n_small} of {frame.height} rows)."
    )
    return SuppressedFrame(out, note, n_small, threshold, columns)
