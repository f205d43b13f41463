"""A first look at an agree/disagree/pass inquiry: participation, agreement and division.

This needs no clustering: it is what a facilitator reads first. :func:`overview` returns an
:class:`Overview` whose tables are polars DataFrames and whose :meth:`Overview.to_text` is the
plain summary ``coprod summary`` prints.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import polars as pl

from coprod_analytics.crowd.diversity import gini
from coprod_analytics.errors import check_param
from coprod_analytics.format import fmt_pct
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.intervals import wilson_interval
from coprod_analytics.provenance import Provenance
from coprod_analytics.results import Result, frame_to_html, interval_frame

__all__ = ["Overview", "overview"]


@dataclass(frozen=True, eq=False, repr=False)
class Overview(Result):
    """Participation, agreement and division in an inquiry.

    Attributes
    ----------
    title : str
        The inquiry's title (``metadata["title"]``, else "Inquiry").
    counts : dict
        As :meth:`Inquiry.counts`.
    participation : dict
        ``median_votes``, ``mean_votes``, ``gini`` (of votes per participant),
        ``share_with_7_votes`` (share who cast at least 7 votes, Pol.is's clustering rule).
    statements : pl.DataFrame
        Per statement (moderated-out and meta excluded): statement_id, text, agree, disagree,
        pass, total, agree_rate, disagree_rate, pass_rate, agree_ci_low, agree_ci_high
        (Wilson 95%), divisiveness (1 when agree and disagree votes balance, 0 when one
        side has them all, weighted by the share of non-pass votes).
    top : int
        How many statements each list shows.
    min_votes : int
        Statements with fewer votes are left out of the lists.
    notes : tuple of str
        Anything the reader should know.
    provenance : Provenance or None
        Method, input fingerprint and parameters.

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> ov = overview(sample_inquiry())
    >>> ov  # doctest: +ELLIPSIS
    <Overview: Riverside Citizens' Inquiry: ...: 150 participants, 2699 votes on 60 statements>
    >>> ov.conf_int().columns
    ['statement_id', 'agree_rate', 'ci_low', 'ci_high', 'alpha']
    """

    title: str
    counts: dict[str, int]
    participation: dict[str, float]
    statements: pl.DataFrame
    top: int = 5
    min_votes: int = 5
    notes: tuple[str, ...] = ()
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """The per-statement table (see :attr:`statements` for its columns).

        Returns
        -------
        polars.DataFrame
        """
        return self.statements

    def conf_int(self, alpha: float = 0.05) -> pl.DataFrame:
        """Wilson intervals of every statement's agree rate, at level ``1 - alpha``.

        Parameters
        ----------
        alpha : float, default 0.05
            1 - confidence level (the intervals are recomputed for any level).

        Returns
        -------
        polars.DataFrame
            ``statement_id``, ``agree_rate``, ``ci_low``, ``ci_high``, ``alpha`` (null
            interval for a statement without votes).
        """
        check_param(
            isinstance(alpha, float | int) and 0 < alpha < 1,
            "alpha",
            "Overview.conf_int",
            "a number in (0, 1)",
            alpha,
        )
        s = self.statements
        lo, hi = wilson_interval(
            s.get_column("agree").to_numpy(), s.get_column("total").to_numpy(), alpha=alpha
        )
        frame = interval_frame(
            {
                "statement_id": s.get_column("statement_id"),
                "agree_rate": s.get_column("agree_rate"),
            },
            lo,
            hi,
            alpha=alpha,
        )
        return frame.with_columns(pl.col("ci_low", "ci_high").fill_nan(None))

    def __repr__(self) -> str:
        c = self.counts
        return (
            f"<Overview: {self.title}: {c['participants']} participants, {c['votes']} votes on "
            f"{c['statements']} statements>"
        )

    def agreed(self) -> pl.DataFrame:
        """Statements most of the room agrees with (by the lower end of the agree CI).

        Returns
        -------
        polars.DataFrame
            At most :attr:`top` rows of :attr:`statements` with at least :attr:`min_votes`
            votes, best first.
        """
        return (
            self.statements.filter(pl.col("total") >= self.min_votes)
            .sort("agree_ci_low", descending=True)
            .head(self.top)
        )

    def rejected(self) -> pl.DataFrame:
        """Statements most of the room disagrees with (by the lower end of the Wilson
        interval of the disagree rate).

        Returns
        -------
        polars.DataFrame
            At most :attr:`top` rows of :attr:`statements`, most rejected first.
        """
        s = self.statements.filter(pl.col("total") >= self.min_votes)
        low, _ = wilson_interval(
            s.get_column("disagree").to_numpy(), s.get_column("total").to_numpy()
        )
        return (
            s.with_columns(_low=pl.Series(low))
            .sort("_low", descending=True)
            .drop("_low")
            .head(self.top)
        )

    def divisive(self) -> pl.DataFrame:
        """Statements that split the room most evenly.

        Returns
        -------
        polars.DataFrame
            At most :attr:`top` rows of :attr:`statements`, by ``divisiveness``.
        """
        return (
            self.statements.filter(pl.col("total") >= self.min_votes)
            .sort("divisiveness", descending=True)
            .head(self.top)
        )

    def to_text(self) -> str:
        """The plain summary ``coprod summary`` prints (same as :meth:`summary`).

        Returns
        -------
        str
        """
        c, p = self.counts, self.participation
        lines = [self.title, "=" * min(len(self.title), 78), ""]
        lines.append(
            f"{c['participants']} participants cast {c['votes']} votes on "
            f"{c['statements']} statements ({c['agree']} agree, {c['disagree']} disagree, "
            f"{c['pass']} pass)."
        )
        lines.append(
            f"Median {p['median_votes']:.0f} votes per participant; "
            f"{fmt_pct(p['share_with_7_votes'])} voted on 7 or more statements; "
            f"participation inequality (Gini) {p['gini']:.2f}."
        )
        for heading, table, col in (
            ("Where the room agrees", self.agreed(), "agree_rate"),
            ("What the room rejects", self.rejected(), "disagree_rate"),
            ("What divides the room", self.divisive(), None),
        ):
            lines += ["", heading + ":"]
            if table.height == 0:
                lines.append(f"  (no statement has {self.min_votes} or more votes yet)")
            for row in table.iter_rows(named=True):
                if col is None:
                    share = (
                        f"{fmt_pct(row['agree_rate'])} agree / "
                        f"{fmt_pct(row['disagree_rate'])} disagree"
                    )
                else:
                    share = f"{fmt_pct(row[col])} {col.split('_')[0]}"
                lines.append(f"  [{row['statement_id']}] {row['text'] or ''}")
                lines.append(f"      {share} of {row['total']} votes")
        for note in self.notes:
            lines += ["", note]
        return "\n".join(lines)

    def summary(self) -> str:
        """Participation, then what the room agrees on, rejects and is divided about.

        Returns
        -------
        str
        """
        return self.to_text()

    def _repr_html_(self) -> str:
        parts = [f"<h3>{html.escape(self.title)}</h3>"]
        for heading, table in (
            ("Where the room agrees", self.agreed()),
            ("What the room rejects", self.rejected()),
            ("What divides the room", self.divisive()),
        ):
            parts.append(
                frame_to_html(
                    table.select("statement_id", "text", "agree_rate", "disagree_rate", "total"),
                    caption=heading,
                )
            )
        return "".join(parts)


def overview(inquiry: Inquiry, *, top: int = 5, min_votes: int | None = None) -> Overview:
    """Participation, agreement and division at a glance.

    Parameters
    ----------
    inquiry : Inquiry
        Agree/disagree/pass votes and statements.
    top : int, default 5
        Statements per list.
    min_votes : int, optional
        Leave out statements with fewer votes (default: 5, or fewer for tiny inquiries).

    Returns
    -------
    Overview

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> ov = overview(sample_inquiry())
    >>> ov.agreed().height
    5
    >>> "Where the room agrees" in ov.to_text()
    True
    """
    check_param(isinstance(top, int) and top >= 1, "top", "overview", "an int >= 1", top)
    if min_votes is not None:
        check_param(
            isinstance(min_votes, int) and min_votes >= 1,
            "min_votes",
            "overview",
            "an int >= 1",
            min_votes,
        )
    tallies = inquiry.statement_tallies().filter((pl.col("moderation") != -1) & ~pl.col("is_meta"))
    total = tallies.get_column("total").to_numpy()
    agree = tallies.get_column("agree").to_numpy()
    lo, hi = wilson_interval(agree, total)
    safe = np.maximum(total, 1)
    decided = tallies.get_column("agree").to_numpy() + tallies.get_column("disagree").to_numpy()
    balance = np.where(
        decided > 0,
        1 - np.abs(agree - tallies.get_column("disagree").to_numpy()) / np.maximum(decided, 1),
        0.0,
    )
    stmts = tallies.with_columns(
        agree_rate=pl.Series(agree / safe),
        disagree_rate=pl.Series(tallies.get_column("disagree").to_numpy() / safe),
        pass_rate=pl.Series(tallies.get_column("pass").to_numpy() / safe),
        agree_ci_low=pl.Series(np.where(total > 0, lo, np.nan)),
        agree_ci_high=pl.Series(np.where(total > 0, hi, np.nan)),
        divisiveness=pl.Series(balance * decided / safe),
    )
    per = inquiry.votes.group_by("participant_id").len().get_column("len").to_numpy()
    participation = {
        "median_votes": float(np.median(per)) if per.size else 0.0,
        "mean_votes": float(per.mean()) if per.size else 0.0,
        "gini": gini(per) if per.size else 0.0,
        "share_with_7_votes": float((per >= 7).mean()) if per.size else 0.0,
    }
    if min_votes is None:
        min_votes = 5 if inquiry.counts()["participants"] >= 20 else 1
    title = str(inquiry.metadata.get("title") or "Inquiry")
    prov = Provenance(
        method="overview",
        input_fingerprint=inquiry.fingerprint,
        parameters={"top": top, "min_votes": min_votes},
    )
    return Overview(title, inquiry.counts(), participation, stmts, top, min_votes, provenance=prov)
