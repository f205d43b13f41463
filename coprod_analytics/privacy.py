"""Disclosure control for what is published: small-cell suppression and pseudonyms.

Every table that counts participants by attribute (age band, gender, opinion group, ...) is
passed through :func:`suppress_small_cells` before it is shown: counts below ``min_cell``
(default 5) are replaced by nulls, together with any column derived from them (shares,
percentages, means, p-values), and the result carries a note saying so. This is THE
small-cell rule of the project: the core's breakdowns and every widget family call this one
function. Data published with a report (``coprod publish``) carries pseudonymous participant
ids only (:func:`pseudonymise`).

Primary suppression alone is not enough when a table's totals are published (or follow from
published shares or expected counts): one hidden cell in a row is the row total minus the
others. Given the ``margins`` a table publishes, :func:`suppress_small_cells` also applies
*secondary (complementary) suppression* and audits the result with :func:`audit_table`,
which treats the published table as a linear system and computes the feasible range of
every hidden cell (as tau-ARGUS and sdcMicro do). The rules are written up for readers in
``docs/guide/privacy.md``.
"""

from __future__ import annotations

import html
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import polars as pl

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result, frame_to_html

__all__ = [
    "DEFAULT_MIN_CELL",
    "IDENTIFYING_COLUMNS",
    "SuppressedFrame",
    "TableAudit",
    "audit_table",
    "is_small_cell",
    "pseudonymise",
    "small_cell_expr",
    "suppress_small_cells",
    "withheld_cells",
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


#: Column-name words marking a reference value (not computed from the cell's count).
REFERENCE_WORDS = ("expected", "population", "reference", "target")

#: One published margin: the key columns whose rows are summed (``()``: the whole table).
Margin = Sequence[str]


@dataclass(frozen=True, repr=False)
class TableAudit(Result):
    """What a reader can work out about every hidden cell of a published table.

    The published table and its margins form a linear system: each margin (row total, column
    total, grand total) is the sum of its published cells and its hidden ones. The feasible
    range of a hidden cell is its minimum and maximum over all non-negative solutions
    (``scipy.optimize.linprog``). A small cell is protected when its range includes 0 and a
    value of at least ``min_cell``: a reader cannot tell whether it is empty or as large as a
    cell that would have been published.

    Attributes
    ----------
    cells : pl.DataFrame
        One row per hidden or small cell: ``row`` (position in the table), ``count`` (the true
        count), ``kind`` (``"primary"``: below ``min_cell``; ``"secondary"``: hidden to
        protect a primary one), ``suppressed``, ``low``, ``high`` (the feasible range; equal
        to the count when it is published or follows from a revealing column) and
        ``protected``.
    passed : bool
        Whether every primary cell is protected.
    min_cell : int
        The small-cell limit audited.
    margins : tuple of tuple of str
        The published margins assumed.
    small_totals : tuple of str
        Published breakdown totals (not the grand total) below ``min_cell``, e.g.
        ``"category=85+: 3"``: a total is a count too, so the audit fails with any.
    provenance : Provenance or None
        Input fingerprint and parameters.

    Examples
    --------
    >>> t = pl.DataFrame({"area": ["north", "south", "east"], "n": [12, 3, 9]})
    >>> audit_table(t, suppress_small_cells(t, count_column="n").frame, count_column="n",
    ...             margins=[()])
    <TableAudit: FAILED: 1 of 1 small cell(s) can be worked out (min_cell 5).>
    """

    cells: pl.DataFrame
    passed: bool
    min_cell: int
    margins: tuple[tuple[str, ...], ...]
    small_totals: tuple[str, ...] = ()
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """The hidden and small cells with their feasible ranges.

        Returns
        -------
        pl.DataFrame
        """
        return self.cells

    def summary(self) -> str:
        """Whether the table passes, and how many small cells can be worked out.

        Returns
        -------
        str
        """
        primary = self.cells.filter(pl.col("kind") == "primary")
        bad = primary.filter(~pl.col("protected")).height
        head = "passed" if self.passed else "FAILED"
        totals = (
            f"; published total(s) below {self.min_cell}: {', '.join(self.small_totals)}"
            if self.small_totals
            else ""
        )
        return (
            f"{head}: {bad} of {primary.height} small cell(s) can be worked out "
            f"(min_cell {self.min_cell}){totals}."
        )


def _lines(frame: pl.DataFrame, margins: Sequence[Margin]) -> list[np.ndarray]:
    """The row positions summed by each published margin total."""
    out: list[np.ndarray] = []
    for keys in margins:
        keys = [keys] if isinstance(keys, str) else list(keys)
        if not keys:
            out.append(np.arange(frame.height))
            continue
        missing = [k for k in keys if k not in frame.columns]
        if missing:
            raise ValidationError(
                f"margin columns {missing} are not in the table {frame.columns}",
                table="breakdown",
            )
        groups = (
            frame.select(keys)
            .with_row_index("_row")
            .group_by(keys, maintain_order=True)
            .agg(pl.col("_row"))
        )
        out.extend(np.asarray(rows, dtype=np.int64) for rows in groups["_row"].to_list())
    return out


def _feasible_ranges(
    counts: np.ndarray,
    hidden: np.ndarray,
    lines: Sequence[np.ndarray],
    targets: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of every hidden cell (of the ``targets`` among them, when given) over the
    non-negative solutions of the margins."""
    from scipy.optimize import linprog

    low = counts.astype(float).copy()
    high = counts.astype(float).copy()
    var = np.flatnonzero(hidden)
    if var.size == 0:
        return low, high
    pos = {int(i): k for k, i in enumerate(var)}
    rows, rhs = [], []
    for line in lines:
        members = [pos[int(i)] for i in line if hidden[i]]
        if not members:
            continue
        a = np.zeros(var.size)
        a[members] = 1.0
        rows.append(a)
        rhs.append(float(counts[line][hidden[line]].sum()))
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    for k, i in enumerate(var):
        if targets is not None and not targets[i]:
            continue
        for sign, target in ((1.0, low), (-1.0, high)):
            c = np.zeros(var.size)
            c[k] = sign
            res = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            if res.status == 3:  # unbounded: nothing ties this cell down
                target[i] = np.inf if sign < 0 else 0.0
            else:
                target[i] = sign * float(res.fun)
    return low, high


def _protected(low: np.ndarray, high: np.ndarray, min_cell: int) -> np.ndarray:
    tol = 1e-7
    return (low <= tol) & (high >= min_cell - tol)


def _count_array(frame: pl.DataFrame, count_column: str) -> np.ndarray:
    return frame.get_column(count_column).cast(pl.Float64).fill_null(0.0).to_numpy()


def _default_revealing(frame: pl.DataFrame, count_column: str) -> list[str]:
    return [
        c
        for c, dtype in frame.schema.items()
        if c != count_column
        and dtype.is_numeric()
        and not any(w in c.lower() for w in REFERENCE_WORDS)
    ]


def audit_table(
    original: pl.DataFrame,
    published: pl.DataFrame,
    *,
    count_column: str,
    margins: Sequence[Margin] = ((),),
    revealing: Sequence[str] | None = None,
    min_cell: int = DEFAULT_MIN_CELL,
    suppress_zeros: bool = False,
) -> TableAudit:
    """Audit a published table: can any count below ``min_cell`` be worked out from it?

    The reader is assumed to see every published cell, every margin total in ``margins``
    (a total is public as soon as it is printed, or follows from published shares, expected
    counts or ``n`` in a caption) and every published value of a ``revealing`` column. A
    hidden cell whose revealing column is published is known exactly; the others are bounded
    by the linear system "each margin = its published cells + its hidden cells, every cell
    >= 0", solved for the minimum and maximum of each hidden cell. A small cell (``1 <= n <
    min_cell``, or 0 too with ``suppress_zeros``) passes when it is hidden and its feasible
    range includes both 0 and ``min_cell``.

    Parameters
    ----------
    original : pl.DataFrame
        The table before suppression (true counts; the margins are computed from it).
    published : pl.DataFrame
        The same rows in the same order as published (hidden counts are null).
    count_column : str
        The column of counts.
    margins : sequence of sequence of str, default ``[()]``
        The published totals, each given by the key columns it sums over: ``()`` is the grand
        total, ``("group",)`` one total per group (a row total of a group x category table),
        ``("category",)`` one per category. ``[]``: no total is published.
    revealing : sequence of str, optional
        Columns from which a row's count follows exactly (shares, intervals, p-values,
        residuals, ...). Default: every numeric column except the count and those whose name
        marks a reference value (``expected``, ``population``, ``reference``, ``target``).
    min_cell : int, default 5
        The small-cell limit.
    suppress_zeros : bool, default False
        Whether zero counts are small too.

    Returns
    -------
    TableAudit
        ``passed`` and the feasible range of every hidden or small cell.

    Examples
    --------
    >>> t = pl.DataFrame({"gender": ["f", "m", "x"], "n": [20, 17, 3]})
    >>> sup = suppress_small_cells(t, count_column="n", margins=[()])
    >>> sup.frame["n"].to_list()
    [20, None, None]
    >>> audit = audit_table(t, sup.frame, count_column="n", margins=[()])
    >>> audit.passed, audit.cells.select("count", "low", "high").rows()
    (True, [(17, 0.0, 20.0), (3, 0.0, 20.0)])

    A table by group and category whose "x" column holds 3 people in all publishes a small
    count through its column total, whatever cells are hidden:

    >>> t = pl.DataFrame({"group": ["A", "A", "B", "B"], "category": ["y", "x"] * 2,
    ...                   "n": [20, 1, 18, 2]})
    >>> sup = suppress_small_cells(t, count_column="n", margins=[("group",), ("category",)])
    >>> audit = audit_table(t, sup.frame, count_column="n", margins=[("group",), ("category",)])
    >>> audit.passed, audit.small_totals
    (False, ('category=x: 3',))
    """
    func = "audit_table"
    for name, frame in (("original", original), ("published", published)):
        if not isinstance(frame, pl.DataFrame):
            raise ValidationError(
                f"{func} needs polars DataFrames; {name} is {type(frame).__name__}",
                table="breakdown",
            )
        if count_column not in frame.columns:
            raise ValidationError(
                f"no count column '{count_column}' in the {name} table {frame.columns}",
                table="breakdown",
            )
    if original.height != published.height:
        raise ValidationError(
            f"the published table has {published.height} rows, the original {original.height};"
            " audit the same rows in the same order",
            table="breakdown",
        )
    check_param(
        isinstance(min_cell, int) and not isinstance(min_cell, bool) and min_cell >= 0,
        "min_cell",
        func,
        "an int >= 0",
        min_cell,
    )
    margin_keys = tuple((m,) if isinstance(m, str) else tuple(m) for m in margins)
    lines = _lines(original, margin_keys)
    counts = _count_array(original, count_column)
    shown = published.get_column(count_column).is_not_null().to_numpy()
    true_known = original.get_column(count_column).is_not_null().to_numpy()
    hidden = true_known & ~shown
    cols = _default_revealing(published, count_column) if revealing is None else list(revealing)
    leaked = np.zeros(published.height, dtype=bool)
    for c in cols:
        if c in published.columns:
            leaked |= published.get_column(c).is_not_null().to_numpy()
    # a hidden cell with a revealing value published is as good as published
    system_hidden = hidden & ~leaked
    low, high = _feasible_ranges(counts, system_hidden, lines)
    small = (
        original.select(
            small_cell_expr(count_column, min_cell=min_cell, suppress_zeros=suppress_zeros)
        )
        .to_series()
        .to_numpy()
    )
    keep = small | hidden
    protected = _protected(low, high, min_cell) & system_hidden
    rows = np.flatnonzero(keep)
    cells = pl.DataFrame(
        {
            "row": rows.astype(np.int64),
            "count": counts[rows].astype(np.int64),
            "kind": np.where(small[rows], "primary", "secondary").tolist(),
            "suppressed": hidden[rows],
            "low": low[rows],
            "high": high[rows],
            "protected": protected[rows],
        },
        schema={
            "row": pl.Int64,
            "count": pl.Int64,
            "kind": pl.String,
            "suppressed": pl.Boolean,
            "low": pl.Float64,
            "high": pl.Float64,
            "protected": pl.Boolean,
        },
    )
    # a published breakdown total (a group's or a category's size) is itself a count
    small_totals = []
    for keys in margin_keys:
        if not keys:
            continue
        for line in _lines(original, [keys]):
            total = float(counts[line].sum())
            if (0 if suppress_zeros else 1) <= total < min_cell:
                values = original.select(keys).row(int(line[0]))
                label = ", ".join(f"{k}={v}" for k, v in zip(keys, values, strict=True))
                small_totals.append(f"{label}: {total:g}")
    passed = (bool(protected[small].all()) if small.any() else True) and not small_totals
    return TableAudit(
        cells=cells,
        passed=passed,
        min_cell=min_cell,
        margins=margin_keys,
        small_totals=tuple(small_totals),
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(original, published),
            parameters={
                "count_column": count_column,
                "margins": [list(m) for m in margin_keys],
                "min_cell": min_cell,
                "suppress_zeros": suppress_zeros,
            },
        ),
    )


def _secondary(
    counts: np.ndarray,
    primary: np.ndarray,
    lines: Sequence[np.ndarray],
    min_cell: int,
) -> np.ndarray:
    """Complementary suppression: hide more cells until every small one is protected.

    Rule, per published total (line): a line holding a hidden cell must hold at least two,
    and its hidden cells must add up to at least ``min_cell``; while not, hide the smallest
    other cell of the line with a positive count, preferring a cell whose other lines already
    hold a hidden cell (it then closes those lines too instead of opening new ones; ties: the
    first in table order). Lines are revisited until nothing changes; then the
    linear-programming audit runs, and for a small cell still pinned down one more cell is
    hidden in a line holding it, until the audit passes or nothing is left to hide.
    """
    lines_of: dict[int, list[np.ndarray]] = {}
    for line in lines:
        for i in line:
            lines_of.setdefault(int(i), []).append(line)

    def add_smallest(line: np.ndarray, hidden: np.ndarray) -> bool:
        cand = [int(i) for i in line if not hidden[i] and counts[i] > 0]
        if not cand:
            return False

        def key(i: int) -> tuple[int, float, int]:
            joins = sum(
                1 for other in lines_of.get(i, []) if other is not line and hidden[other].any()
            )
            return (-joins, float(counts[i]), i)

        hidden[min(cand, key=key)] = True
        return True

    hidden = primary.copy()
    for _ in range(counts.size + 1):
        changed = True
        while changed:
            changed = False
            for line in lines:
                h = hidden[line]
                while h.any() and (h.sum() < 2 or counts[line][h].sum() < min_cell):
                    if not add_smallest(line, hidden):
                        break
                    changed = True
                    h = hidden[line]
        low, high = _feasible_ranges(counts, hidden, lines, targets=primary)
        bad = np.flatnonzero(primary & ~_protected(low, high, min_cell))
        if bad.size == 0:
            break
        grew = False
        for i in bad:
            for line in lines:
                if i in line and add_smallest(line, hidden):
                    grew = True
                    break
            if grew:
                break
        if not grew:
            break
    return hidden


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
        Number of rows whose count was suppressed because it is small (primary suppression).
    min_cell : int
        Counts strictly below this were suppressed.
    columns : tuple of str
        The columns nulled in suppressed rows.
    provenance : Provenance or None
        Input fingerprint and parameters.
    n_secondary : int
        Further rows hidden so that no small one can be worked out from the published
        totals (secondary suppression; 0 without ``margins``).
    audit : TableAudit or None
        The audit of the published table against its ``margins`` (None without ``margins``).

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
    n_secondary: int = 0
    audit: TableAudit | None = None

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
    margins: Sequence[Margin] | None = None,
) -> SuppressedFrame:
    """Null the counts below ``min_cell`` (and columns derived from them) and say so.

    Primary suppression hides every small count. When the table's totals are published
    (``margins``), secondary suppression hides further cells so that no small count can be
    worked out by subtraction, and the result is audited (:func:`audit_table`).

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
        Further columns to null in suppressed rows (shares, means, CIs, p-values computed
        from the cell). By default every numeric column other than the count whose name does
        not mark it as a reference value (``expected``, ``population``, ``reference``,
        ``target``) is nulled too, so a share cannot give the count away.
    suppress_zeros : bool, default False
        Also suppress zero counts (stricter regimes treat a structural zero as disclosive).
    unit : str, default "participants"
        What is counted, in the note ("voters", "raters", "statements", ...).
    margins : sequence of sequence of str, optional
        The totals a reader knows, each given by the key columns it sums over: ``()`` the
        grand total (e.g. the number of participants), ``("attribute",)`` one total per
        attribute of a long breakdown, ``("group",)`` and ``("category",)`` the row and
        column totals of a group x category table. With margins, a total that holds exactly
        one hidden cell (or hidden cells adding up to less than ``min_cell``) gets its
        smallest other positive cell hidden too, repeated until the audit passes.
        Default: primary suppression only.

    Returns
    -------
    SuppressedFrame
        ``frame`` (the suppressed table), ``note``, ``n_suppressed``, ``n_secondary`` and
        ``audit``.

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

    With the number of participants known (79), ``x`` would be 79 - 40 - 37; hiding ``m`` as
    well leaves only ``m + x = 39``:

    >>> res = suppress_small_cells(t, count_column="n", margins=[()])
    >>> res.frame["n"].to_list(), res.n_secondary, res.audit.passed
    ([40, None, None], 1, True)
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
        derived = _default_revealing(frame, count_column)
    else:
        missing = [c for c in also if c not in frame.columns]
        if missing:
            raise ValidationError(
                f"columns to suppress {missing} are not in the table {frame.columns}",
                table="breakdown",
            )
        derived = [c for c in also if c != count_column]
    margin_keys = (
        None
        if margins is None
        else tuple((m,) if isinstance(m, str) else tuple(m) for m in margins)
    )
    params: dict[str, object] = {
        "count_column": count_column,
        "min_cell": min_cell,
        "suppress_zeros": suppress_zeros,
    }
    if margin_keys is not None:
        params["margins"] = [list(m) for m in margin_keys]
    provenance = Provenance(
        method=func, input_fingerprint=fingerprint_frames(frame), parameters=params
    )
    small = small_cell_expr(count_column, min_cell=min_cell, suppress_zeros=suppress_zeros)
    primary = frame.select(small.alias("_s"))["_s"].to_numpy().astype(bool)
    n_small = int(primary.sum())
    columns = (count_column, *derived)
    hidden = primary
    if margin_keys is not None and n_small:
        lines = _lines(frame, margin_keys)
        hidden = _secondary(_count_array(frame, count_column), primary, lines, min_cell)
    n_second = int(hidden.sum()) - n_small
    if n_small == 0:
        out = frame
    else:
        mask = pl.Series("_hide", hidden)
        out = frame.with_columns(
            [pl.when(mask).then(None).otherwise(pl.col(c)).alias(c) for c in columns]
        )
    audit = None
    if margin_keys is not None:
        audit = audit_table(
            frame,
            out,
            count_column=count_column,
            margins=margin_keys,
            revealing=derived,
            min_cell=min_cell,
            suppress_zeros=suppress_zeros,
        )
    if n_small == 0:
        return SuppressedFrame(frame, "", 0, min_cell, columns, provenance, 0, audit)
    zero_text = "" if not suppress_zeros else " (zero counts included)"
    note = (
        f"Cells with fewer than {min_cell} {unit} are suppressed{zero_text} "
        f"({n_small} of {frame.height} rows)."
    )
    if n_second:
        note += (
            f" {n_second} more {'row is' if n_second == 1 else 'rows are'} hidden so that "
            "they cannot be worked out from the totals."
        )
    if audit is not None and not audit.passed:
        note += (
            " Some hidden counts can still be worked out from the totals: merge categories "
            "before publishing."
        )
    return SuppressedFrame(out, note, n_small, min_cell, columns, provenance, n_second, audit)


_Key = TypeVar("_Key", bound=Hashable)


def withheld_cells(counts: Mapping[_Key, int | None], *, min_cell: int) -> set[_Key]:
    """Cells of one published total to withhold, so that no count below ``min_cell`` can be
    read off or worked out from the total.

    Primary: every count ``1 <= c < min_cell`` (:func:`is_small_cell`). Complementary: while
    fewer than two cells are withheld, or the withheld ones add up to fewer than
    ``min_cell`` (the total minus the shown cells gives their sum), the smallest shown cell
    is withheld too; so each withheld count could be 0 or at least ``min_cell`` for all a
    reader can tell. The one rule for a row of counts with a known total (group sizes of a
    map, agree/disagree/pass of a statement board cell).

    Parameters
    ----------
    counts : mapping
        Count per cell (None: 0).
    min_cell : int
        Counts strictly below this are small (0 withholds nothing).

    Returns
    -------
    set
        The keys to withhold (empty: show every cell).

    Examples
    --------
    >>> sorted(withheld_cells({"A": 56, "B": 39, "C": 3}, min_cell=5))
    ['B', 'C']
    >>> withheld_cells({"A": 56, "B": 39}, min_cell=5)
    set()
    >>> sorted(withheld_cells({"agree": 20, "disagree": 3, "pass": 0}, min_cell=5))
    ['agree', 'disagree', 'pass']
    """
    values = {k: int(v or 0) for k, v in counts.items()}
    out = {k for k, c in values.items() if is_small_cell(c, min_cell=min_cell)}
    while out and (
        len(out) < 2
        or is_small_cell(sum(values[k] for k in out), min_cell=min_cell, suppress_zeros=True)
    ):
        rest = sorted(((values[k], str(k)), k) for k in values if k not in out)
        if not rest:
            break
        out.add(rest[0][1])
    return out


#: Participant columns that identify people directly and are dropped by :func:`pseudonymise`.
IDENTIFYING_COLUMNS = ("xid", "name", "email", "phone", "ip", "user_agent")


def pseudonymise(
    inquiry: Inquiry,
    *,
    prefix: str = "P",
    seed: int | None = None,
    keep_order: bool = False,
) -> Inquiry:
    """The same inquiry with every participant id replaced by a pseudonym (``P0001``, ...).

    The pseudonyms are assigned in a random order (a fresh random one unless ``seed`` is
    given), so they reveal neither the original ids nor the order in which people joined;
    the mapping is not kept. With ``keep_order=True`` they follow the order of the original
    ids instead (numbers as numbers): Pol.is's clustering reads participants in id order, so
    an analysis of the pseudonymised data then finds exactly the groups of the original —
    what a published app needs to agree with the report. That reveals the order in which
    people joined, which the times of their votes show anyway; it reveals no id.

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
    keep_order : bool, default False
        Assign the pseudonyms in the order of the original ids (see above).

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
    >>> kept = pseudonymise(Inquiry({"participant_id": [10, 2, 2], "statement_id": [1, 1, 2],
    ...                              "vote": [1, -1, 0]}), keep_order=True)
    >>> kept.votes.sort("statement_id", "vote")["participant_id"].to_list()  # 2 -> P1, 10 -> P2
    ['P1', 'P2', 'P1']
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
    width = len(str(len(every)))
    names = [f"{prefix}{i + 1:0{width}d}" for i in range(len(every))]
    if keep_order:
        keys = every.to_list()
        try:  # numbers as numbers: "10" after "2"
            ordered = sorted(keys, key=int)
        except ValueError:
            ordered = sorted(keys)
        mapping = dict(zip(ordered, names, strict=True))
    else:
        order = np.random.default_rng(seed).permutation(len(every))
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
