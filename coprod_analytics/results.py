"""The one result protocol every method's result object follows: :class:`Result`.

Inferential outputs are frozen dataclasses that inherit :class:`Result` and so have:

- ``summary()`` — plain text a reader can paste into a report;
- ``to_frame()`` — the main table, polars, with documented columns;
- ``to_pandas()`` — the same table as pandas;
- ``conf_int(alpha=0.05)`` — where the result has intervals: a polars table whose last
  columns are ``ci_low``, ``ci_high`` and ``alpha``;
- ``provenance`` — what produced it (:class:`~coprod_analytics.provenance.Provenance`);
- ``_repr_html_()`` — a readable table in a notebook;
- a one-line ``__repr__`` (never a whole table).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import polars as pl

__all__ = ["Estimate", "Result", "frame_to_html", "interval_frame"]


class Result:
    """The protocol of every result object (a mixin for frozen dataclasses).

    Subclasses implement :meth:`to_frame` and :meth:`summary`, have a ``provenance``
    attribute, and implement :meth:`conf_int` when they hold intervals. ``__repr__`` is one
    line: the class name and the first line of the summary. Dataclass subclasses must be
    declared with ``repr=False`` so that this ``__repr__`` is kept.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True, repr=False)
    ... class Mean(Result):
    ...     value: float
    ...     provenance: object = None
    ...     def to_frame(self):
    ...         return pl.DataFrame({"mean": [self.value]})
    ...     def summary(self):
    ...         return f"mean {self.value:.2f}"
    >>> Mean(2.5)
    <Mean: mean 2.50>
    >>> Mean(2.5).to_pandas().shape
    (1, 1)
    """

    def to_frame(self) -> pl.DataFrame:
        """The result's main table (polars).

        Returns
        -------
        polars.DataFrame
            One row per item of the result, with the columns its class documents.
        """
        raise NotImplementedError

    def summary(self) -> str:
        """The result in plain words.

        Returns
        -------
        str
            Text a reader can paste into a report; its first line is the headline.
        """
        raise NotImplementedError

    def to_pandas(self) -> Any:
        """:meth:`to_frame` as a pandas DataFrame (needs pandas).

        Returns
        -------
        pandas.DataFrame
            The same table.
        """
        return self.to_frame().to_pandas()

    def conf_int(self, alpha: float = 0.05) -> pl.DataFrame:
        """Intervals at level ``1 - alpha``.

        Parameters
        ----------
        alpha : float, default 0.05
            Significance level (0.05: 95% intervals).

        Returns
        -------
        polars.DataFrame
            The estimate's key columns, then ``ci_low``, ``ci_high`` and ``alpha`` (see
            :func:`interval_frame`).

        Raises
        ------
        NotImplementedError
            When the result has no intervals.
        """
        raise NotImplementedError(f"{type(self).__name__} has no intervals")

    def __repr__(self) -> str:
        try:
            first = self.summary().strip().splitlines()[0]
        except Exception:  # a repr must never raise
            first = "…"
        name = type(self).__name__
        first = first.removeprefix(f"{name}:").strip()  # not "<Verdict: Verdict: …>"
        if len(first) > 100:
            first = first[:99] + "…"
        return f"<{name}: {first}>"

    def _repr_html_(self) -> str:
        lines = self.summary().strip().splitlines()
        head = "".join(f"<p>{html.escape(line)}</p>" for line in lines[:6])
        return (
            f"<div class='coprod-result'>{head}{frame_to_html(self.to_frame(), max_rows=20)}</div>"
        )


def interval_frame(keys: dict[str, Any], low: Any, high: Any, *, alpha: float) -> pl.DataFrame:
    """A ``conf_int`` table: the key columns, then ``ci_low``, ``ci_high`` and ``alpha``.

    Parameters
    ----------
    keys : dict of str to sequence
        The columns saying what each interval is about (e.g. ``{"item_id": [...]}``), in
        order, one value per interval.
    low, high : sequence of float or None
        The lower and upper bounds, one per row (None: no interval for that row).
    alpha : float
        The significance level the intervals were computed at (``1 - alpha`` coverage).

    Returns
    -------
    polars.DataFrame
        The key columns, then ``ci_low``, ``ci_high`` and ``alpha`` (Float64).

    Examples
    --------
    >>> interval_frame({"item": ["a", "b"]}, [0.1, 0.2], [0.3, 0.4], alpha=0.05).columns
    ['item', 'ci_low', 'ci_high', 'alpha']
    >>> interval_frame({"item": ["a"]}, [1.0], [None], alpha=0.1).row(0)
    ('a', 1.0, None, 0.1)
    """
    lows, highs = list(low), list(high)
    columns = [
        pl.Series("ci_low", lows, dtype=pl.Float64),
        pl.Series("ci_high", highs, dtype=pl.Float64),
        pl.Series("alpha", [float(alpha)] * len(lows), dtype=pl.Float64),
    ]
    frame = pl.DataFrame(keys)
    if frame.width == 0:  # no key columns: the intervals alone
        return pl.DataFrame(columns)
    return frame.with_columns(columns)


def frame_to_html(frame: pl.DataFrame, *, caption: str | None = None, max_rows: int = 50) -> str:
    """Render a polars table as an escaped HTML table (values are never trusted as HTML).

    Parameters
    ----------
    frame : polars.DataFrame
        The table.
    caption : str, optional
        A caption above the table.
    max_rows : int, default 50
        Rows shown; a line below the table says how many more there are.

    Returns
    -------
    str
        The HTML ``<table>`` (floats with 4 significant digits, missing values as
        :data:`~coprod_analytics.format.MISSING`).

    Examples
    --------
    >>> frame_to_html(pl.DataFrame({"text": ["<b>x</b>"], "share": [0.123456]}))
    '<table><thead><tr><th>text</th><th>share</th></tr></thead><tbody><tr><td>&lt;b&gt;x&lt;/b&gt;</td><td>0.1235</td></tr></tbody></table>'
    >>> frame_to_html(pl.DataFrame({"x": range(5)}), max_rows=2).endswith("<p>… 3 more rows</p>")
    True
    """
    rows = frame.head(max_rows).rows()
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    more = f"<p>… {frame.height - max_rows} more rows</p>" if frame.height > max_rows else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def _fmt(v: Any) -> str:
    from coprod_analytics.format import MISSING, fmt_number

    if v is None:
        return MISSING
    if isinstance(v, float):
        return fmt_number(v, digits=4)
    return str(v)


@dataclass(frozen=True, repr=False)
class Estimate(Result):
    """A point estimate with an optional confidence interval.

    Attributes
    ----------
    name : str
        What was estimated (e.g. ``"median"``).
    value : float
        The point estimate.
    ci_low : float or None
        Lower bound of the ``1 - alpha`` confidence interval (None when not computed).
    ci_high : float or None
        Upper bound of the interval (None when not computed).
    alpha : float
        Significance level of the interval.
    n : int
        Number of observations used.
    method : str
        How the interval was obtained (e.g. ``"bootstrap-BCa"``).
    details : dict
        Anything else a reader may need.
    provenance : Provenance or None
        What produced the estimate (:class:`~coprod_analytics.provenance.Provenance`).

    Examples
    --------
    >>> e = Estimate("mean", 2.0, 1.5, 2.5, n=10)
    >>> float(e)
    2.0
    >>> e.conf_int().row(0)
    ('mean', 1.5, 2.5, 0.05)
    >>> e
    <Estimate: mean: 2 [1.5, 2.5] (95% CI), n = 10>
    """

    name: str
    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    alpha: float = 0.05
    n: int = 0
    method: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    provenance: Any = None

    def __float__(self) -> float:
        return float(self.value)

    def conf_int(self, alpha: float | None = None) -> pl.DataFrame:
        """The interval as a one-row table (name, ci_low, ci_high, alpha).

        The interval was computed at ``self.alpha``; asking for another level is an error
        (recompute with that ``alpha``).

        Parameters
        ----------
        alpha : float, optional
            The level asked for; None or the estimate's own ``alpha``.

        Returns
        -------
        polars.DataFrame
            One row: ``name``, ``ci_low``, ``ci_high``, ``alpha``.

        Raises
        ------
        ParameterError
            When ``alpha`` differs from the level the interval was computed at.
        """
        if alpha is not None and abs(alpha - self.alpha) > 1e-12:
            from coprod_analytics.errors import ParameterError

            raise ParameterError(
                f"The 'alpha' parameter of conf_int must be {self.alpha} for this estimate "
                f"(computed at that level). Got {alpha}; recompute with alpha={alpha}."
            )
        return interval_frame(
            {"name": [self.name]}, [self.ci_low], [self.ci_high], alpha=self.alpha
        )

    def to_frame(self) -> pl.DataFrame:
        """The estimate as a one-row table.

        Returns
        -------
        polars.DataFrame
            ``name``, ``value``, ``ci_low``, ``ci_high``, ``alpha``, ``n``, ``method``.
        """
        return pl.DataFrame(
            {
                "name": [self.name],
                "value": [float(self.value)],
                "ci_low": [self.ci_low],
                "ci_high": [self.ci_high],
                "alpha": [self.alpha],
                "n": [self.n],
                "method": [self.method],
            },
            schema={
                "name": pl.String,
                "value": pl.Float64,
                "ci_low": pl.Float64,
                "ci_high": pl.Float64,
                "alpha": pl.Float64,
                "n": pl.Int64,
                "method": pl.String,
            },
        )

    def summary(self) -> str:
        """The estimate in one line: name, value, interval and ``n``.

        Returns
        -------
        str
            E.g. ``"mean: 2 [1.5, 2.5] (95% CI), n = 10"``.
        """
        ci = ""
        if self.ci_low is not None and self.ci_high is not None:
            ci = f" [{self.ci_low:.4g}, {self.ci_high:.4g}] ({100 * (1 - self.alpha):.0f}% CI)"
        return f"{self.name}: {self.value:.4g}{ci}, n = {self.n}"

    def _repr_html_(self) -> str:
        return frame_to_html(self.to_frame(), caption=self.name)
