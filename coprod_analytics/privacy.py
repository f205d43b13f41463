"""Disclosure control for what is published: small-cell suppression and pseudonyms.

Every table that counts participants by attribute (age band, gender, opinion group, ...) is
passed through :func:`suppress_small_cells` before it is shown: counts below ``min_cell``
(default 5) are replaced by nulls, together with any column derived from them (shares,
percentages, means), and the result carries a note saying so. This is THE small-cell rule of
the project: the core's breakdowns and every widget family call this one function. Data
published with a report (``coprod publish``) carries pseudonymous participant ids only
(:func:`pseudonymise`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result, frame_to_html

__all__ = [
    "DEFAULT_MIN_CELL",
    "IDENTIFYING_COLUMNS",
    "SuppressedFrame",
    "is_small_cell",
    "pseudonymise",
    "small_cell_expr",
    "suppress_small_cells",
]

#: The default small-cell limit: counts of fewer than 5 people are not published.
DEFAULT_MIN_CELL = 5


def small_cell_expr(
    column: str, *, min_cell: int = DEFAULT_MIN_CELL, suppress_zeros: bool = False
) -> pl.Expr:
    """THE small-cell rule as a polars expression: true where the count in ``column`` is too
    small to publish (``1 <= n < min_cell``; ``0 <= n < min_cell`` with ``suppress_zeros``).

    Parameters
    ----------
    column : str
        The count column.
    min_cell : int, default 5
        Counts strictly below this are small; 0 or 1 publishes everything.
    suppress_zeros : bool, default False
        Whether a count of 0 is small too (where "nobody" is itself telling, or where an empty
        breakdown should not be shown at all).

    Returns
    -------
    polars.Expr
        A boolean expression named ``column``.

    Examples
    --------
    >>> t = pl.DataFrame({"n": [0, 3, 5]})
    >>> t.select(small_cell_expr("n"))["n"].to_list()
    [False, True, False]
    >>> t.select(small_cell_expr("n", suppress_zeros=True))["n"].to_list()
    [True, True, False]
    """
    count = pl.col(column)
    lower = 0 if suppress_zeros else 1
    return count.is_not_null() & (count >= lower) & (count < min_cell)


def is_small_cell(
    n: float | None, *, min_cell: int = DEFAULT_MIN_CELL, suppress_zeros: bool = False
) -> bool:
    """THE small-cell rule for one count (see :func:`small_cell_expr`): whether a group,
    question or item of ``n`` people is too small to publish.

    Parameters
    ----------
    n : int, float or None
        How many people (None: unknown, never small).
    min_cell : int, default 5
        Counts strictly below this are small; 0 or 1 publishes everything.
    suppress_zeros : bool, default False
        Whether 0 is small too.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_small_cell(3), is_small_cell(5), is_small_cell(0), is_small_cell(0, suppress_zeros=True)
    (True, False, False, True)
    >>> is_small_cell(3, min_cell=0)
    False
    """
    if n is None:
        return False
    lower = 0 if suppress_zeros else 1
    return lower <= n < min_cell


@dataclass(frozen=True, repr=False)
class SuppressedFrame(Result):
    """A table after small-cell suppression, with the note to print next to it.

    Attributes
    ----------
    frame : pl.DataFrame
        The table with suppressed cells set to null.
    note : str
        A sentence for readers ("" when nothing was suppressed).
    n_suppressed : int
        Number of rows whose count was suppressed.
    min_cell : int
        Counts strictly below this were suppressed.
    columns : tuple of str
        The columns nulled in suppressed rows.
    provenance : Provenance or None
        Input fingerprint and parameters.

    Examples
    --------
    >>> t = pl.DataFrame({"area": ["north", "south"], "n": [12, 3]})
    >>> suppress_small_cells(t, count_column="n")
    <SuppressedFrame: Cells with fewer than 5 participants are suppressed (1 of 2 rows).>
    """

    frame: pl.DataFrame
    note: str
    n_suppressed: int
    min_cell: int
    columns: tuple[str, ...]
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """The suppressed table.

        Returns
        -------
        pl.DataFrame
        """
        return self.frame

    def summary(self) -> str:
        """The note, or that nothing was suppressed.

        Returns
        -------
        str
        """
        return self.note or f"No cell below {self.min_cell}; nothing suppressed."

    def _repr_html_(self) -> str:
        return frame_to_html(self.frame) + (
            f"<p><em>{html.escape(self.note)}</em></p>" if self.note else ""
        )


def suppress_small_cells(
    frame: pl.DataFrame,
    *,
    count_column: str,
    min_cell: int = DEFAULT_MIN_CELL,
    also: Sequence[str] | None = None,
    suppress_zeros: bool = False,
    unit: str = "participants",
) -> SuppressedFrame:
    """Null the counts below ``min_cell`` (and columns derived from them) and say so.

    Parameters
    ----------
    frame : pl.DataFrame
        A breakdown with one count per row.
    count_column : str
        The column of counts (number of people in the cell).
    min_cell : int, default 5
        Counts ``1 <= n < min_cell`` are suppressed. ``min_cell=0`` or ``1`` suppresses
        nothing.
    also : sequence of str, optional
        Further columns to null in suppressed rows (shares, means, CIs computed from the
        cell). By default every numeric column other than the count whose name does not
        mark it as a reference value (``expected``, ``population``, ``reference``,
        ``target``) is nulled too, so a share cannot give the count away.
    suppress_zeros : bool, default False
        Also suppress zero counts (stricter regimes treat a structural zero as disclosive).
    unit : str, default "participants"
        What is counted, in the note ("voters", "raters", "statements", ...).

    Returns
    -------
    SuppressedFrame
        ``frame`` (the suppressed table), ``note``, ``n_suppressed``.

    Notes
    -----
    Only primary suppression is applied: when a table also publishes row or column totals,
    a suppressed cell can sometimes be recovered by subtraction, so publish totals from the
    suppressed table or round them.

    Examples
    --------
    >>> t = pl.DataFrame({"gender": ["f", "m", "x"], "n": [40, 37, 2], "share": [0.51, 0.47, 0.03]})
    >>> res = suppress_small_cells(t, count_column="n")
    >>> res.frame["n"].to_list(), res.frame["share"].to_list()
    ([40, 37, None], [0.51, 0.47, None])
    >>> res.note
    'Cells with fewer than 5 participants are suppressed (1 of 3 rows).'
    >>> suppress_small_cells(t, count_column="n", min_cell=0).n_suppressed
    0
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
        isinstance(min_cell, int) and not isinstance(min_cell, bool) and min_cell >= 0,
        "min_cell",
        func,
        "an int >= 0",
        min_cell,
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
    provenance = Provenance(
        method=func,
        input_fingerprint=fingerprint_frames(frame),
        parameters={
            "count_column": count_column,
            "min_cell": min_cell,
            "suppress_zeros": suppress_zeros,
        },
    )
    small = small_cell_expr(count_column, min_cell=min_cell, suppress_zeros=suppress_zeros)
    flags = frame.select(small.alias("_s"))["_s"]
    n_small = int(flags.sum())
    columns = (count_column, *derived)
    if n_small == 0:
        return SuppressedFrame(frame, "", 0, min_cell, columns, provenance)
    out = frame.with_columns(
        [pl.when(small).then(None).otherwise(pl.col(c)).alias(c) for c in columns]
    )
    zero_text = "" if not suppress_zeros else " (zero counts included)"
    note = (
        f"Cells with fewer than {min_cell} {unit} are suppressed{zero_text} "
        f"({n_small} of {frame.height} rows)."
    )
    return SuppressedFrame(out, note, n_small, min_cell, columns, provenance)


#: Participant columns that identify people directly and are dropped by :func:`pseudonymise`.
IDENTIFYING_COLUMNS = ("xid", "name", "email", "phone", "ip", "user_agent")


def pseudonymise(inquiry: Inquiry, *, prefix: str = "P", seed: int | None = None) -> Inquiry:
    """The same inquiry with every participant id replaced by a pseudonym (``P0001``, ...).

    The pseudonyms are assigned in a random order (a fresh random one unless ``seed`` is
    given), so they reveal neither the original ids nor the order in which people joined;
    the mapping is not kept.

    This is the one deliberate exception to the house default ``seed=0``: a fixed, published
    seed would let anyone who knows the order people joined undo the shuffle, so the default
    draws fresh randomness. Pass ``seed`` only for tests and reproducible demos. Ids are replaced wherever they occur: votes, participants,
    statement authors and every further input table with a ``participant_id`` column.
    Directly identifying participant columns (:data:`IDENTIFYING_COLUMNS`, e.g. Pol.is's
    ``xid``) are dropped. Exports meant for publication use this.

    Parameters
    ----------
    inquiry : Inquiry
        The inquiry to publish.
    prefix : str, default "P"
        Start of every pseudonym.
    seed : int, optional
        Seed of the order of the pseudonyms (default: fresh randomness; see above).

    Returns
    -------
    Inquiry
        The same data under pseudonyms, with ``metadata["pseudonymised"] = True``.

    Examples
    --------
    >>> inq = Inquiry({"participant_id": ["ann", "bo", "ann"], "statement_id": [1, 1, 2],
    ...                "vote": [1, -1, 0]})
    >>> out = pseudonymise(inq, seed=0)
    >>> sorted(out.participants["participant_id"].to_list())
    ['P1', 'P2']
    >>> out.counts() == inq.counts()
    True
    """
    import numpy as np

    if not isinstance(inquiry, Inquiry):
        raise ValidationError(f"pseudonymise needs an Inquiry; got {type(inquiry).__name__}")
    ids = inquiry.participants.get_column("participant_id")
    others = [
        s
        for s in (
            inquiry.statements.get_column("author_id").drop_nulls(),
            *[
                t.get_column("participant_id")
                for t in inquiry.tables.values()
                if "participant_id" in t.columns
            ],
        )
        if len(s)
    ]
    every = pl.concat([ids.cast(pl.String), *[s.cast(pl.String) for s in others]]).unique(
        maintain_order=True
    )
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(every))
    width = len(str(len(every)))
    names = [f"{prefix}{i + 1:0{width}d}" for i in range(len(every))]
    mapping = dict(zip(every.to_list(), [names[j] for j in order], strict=True))

    def swap(frame: pl.DataFrame, column: str) -> pl.DataFrame:
        if column not in frame.columns:
            return frame
        col = frame.get_column(column).cast(pl.String)
        return frame.with_columns(col.replace_strict(mapping, default=None).alias(column))

    people = swap(inquiry.participants, "participant_id").drop(
        [c for c in IDENTIFYING_COLUMNS if c in inquiry.participants.columns]
    )
    votes = swap(inquiry.vote_log, "participant_id")
    statements = swap(inquiry.statements, "author_id")
    tables = {name: swap(t, "participant_id") for name, t in inquiry.tables.items()}
    metadata = {**inquiry.metadata, "pseudonymised": True}
    return Inquiry(votes, statements, people, metadata=metadata, tables=tables)
