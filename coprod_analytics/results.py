"""Result objects shared by the methods: an estimate with its confidence interval.

Inferential outputs are frozen dataclasses with ``to_frame()`` (documented columns),
``conf_int(alpha)`` where an interval exists, ``summary()`` (plain text) and
``_repr_html_`` (so a notebook shows a readable table).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import polars as pl

__all__ = ["Estimate", "frame_to_html"]


def frame_to_html(frame: pl.DataFrame, *, caption: str | None = None, max_rows: int = 50) -> str:
    """Render a polars table as an escaped HTML table (values are never trusted as HTML)."""
    rows = frame.head(max_rows).rows()
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    more = f"<p>… {frame.height - max_rows} more rows</p>" if frame.height > max_rows else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return "" if v is None else str(v)


@dataclass(frozen=True)
class Estimate:
    """A point estimate with an optional confidence interval.

    Attributes
    ----------
    name : str
        What was estimated (e.g. ``"median"``).
    value : float
        The point estimate.
    ci_low, ci_high : float or None
        Bounds of the ``1 - alpha`` confidence interval (None when not computed).
    alpha : float
        Significance level of the interval.
    n : int
        Number of observations used.
    method : str
        How the interval was obtained (e.g. ``"bootstrap-BCa"``).
    details : dict
        Anything else a reader may need.

    Examples
    --------
    >>> e = Estimate("mean", 2.0, 1.5, 2.5, n=10)
    >>> float(e)
    2.0
    >>> e.conf_int()
    (1.5, 2.5)
    """

    name: str
    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    alpha: float = 0.05
    n: int = 0
    method: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __float__(self) -> float:
        return float(self.value)

    def conf_int(self) -> tuple[float | None, float | None]:
        return (self.ci_low, self.ci_high)

    def to_frame(self) -> pl.DataFrame:
        """One row: name, value, ci_low, ci_high, alpha, n, method."""
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
        ci = ""
        if self.ci_low is not None and self.ci_high is not None:
            ci = f" [{self.ci_low:.4g}, {self.ci_high:.4g}] ({100 * (1 - self.alpha):.0f}% CI)"
        return f"{self.name}: {self.value:.4g}{ci}, n = {self.n}"

    def _repr_html_(self) -> str:
        return frame_to_html(self.to_frame(), caption=self.name)
