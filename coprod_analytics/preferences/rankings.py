"""Voting rules on ranked, approval, score, cumulative and quadratic ballots.

Ballot tables
-------------
Every rule here reads a *long* polars table with one row per (participant, item) — exactly
the ``rankings`` table of an :class:`~coprod_analytics.inquiry.Inquiry` (or its
``budget_votes`` table, whose items are ``project_id``); the Inquiry itself is accepted too.

==================  ======================================================================
column              meaning
==================  ======================================================================
``participant_id``  who cast the ballot (any type; one ballot per participant)
``item_id``         the item ranked or scored (cast to text); a table without ``item_id``
                    but with ``project_id`` (a budget ballot) uses that
``rank``            ranked ballots: an integer >= 1, 1 is best; equal ranks are ties. Only
                    the order matters, so ``1, 2, 2, 3`` and ``1, 5, 5, 9`` mean the same
                    ballot.
``approved``        approval ballots (optional): truthy rows are approvals; without the
                    column, every row is an approval
``score``           score ballots: the score the participant gives the item
``points``          cumulative ballots: points (>= 0) the participant spends on the item
``votes``           quadratic ballots: signed votes; the participant pays ``votes**2``
                    credits
``weight``          optional, >= 0: the ballot stands for this many voters (default 1)
==================  ======================================================================

When a table names its columns differently, name them with keywords named after the
canonical column: ``borda(table, participant_id="voter", item_id="option", rank="place")``.

Partial rankings are allowed: an item a participant did not rank is treated as tied with
every other unranked item, *below* all ranked ones (the PrefLib ``soi``/``toi`` convention).
Pass ``items=`` to add items nobody ranked.

Every rule returns a :class:`RankingResult`: a scores table, the ranking as tie groups and the
winners as a list. Ties are reported (a tie group with several members, several winners),
never broken silently.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import polars as pl

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.format import fmt_number
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result, frame_to_html

__all__ = [
    "RANKING_METHODS",
    "Ballots",
    "RankingResult",
    "approval_voting",
    "ballots_from_orders",
    "borda",
    "copeland",
    "cumulative_voting",
    "kemeny_young",
    "majority_matrix",
    "quadratic_voting",
    "rank_ballots",
    "schulze",
    "score_voting",
    "validate_ballots",
]

#: Ranked-ballot rules by the name the CLI and :func:`rank_ballots` use.
RANKING_METHODS = ("borda", "copeland", "schulze", "kemeny")

#: What the rules accept: an Inquiry (its ``rankings`` table, else its ``budget_votes``),
#: a polars, pandas or Arrow table, or a dict of columns.
Ballots: TypeAlias = "Inquiry | pl.DataFrame | pl.LazyFrame | Mapping[str, Sequence[Any]] | Any"

_TOL = 1e-9

#: The ballot tables of an Inquiry, in the order the rules look for them.
_INQUIRY_TABLES = ("rankings", "budget_votes")


# --------------------------------------------------------------------------- result object
@dataclass(frozen=True, repr=False, eq=False)
class RankingResult(Result):
    """The outcome of a voting rule.

    Attributes
    ----------
    method : str
        The rule (``"borda"``, ``"copeland"``, ``"schulze"``, ``"kemeny"``, ``"approval"``, ...).
    scores : polars.DataFrame
        One row per item, best first: ``item_id`` (str), ``score`` (float, the rule's score,
        higher is better), ``rank`` (int, 1 is best; tied items share the smallest rank of
        their group, so ranks run 1, 2, 2, 4) and rule-specific columns.
    ranking : tuple of tuple of str
        The order as tie groups, best group first; a group with several members is a tie.
    winners : list of str
        Every winner; more than one means the rule ends in a tie.
    n_voters : float
        Number of ballots (sum of weights).
    details : dict
        Anything else (e.g. the Schulze path strengths, every optimal Kemeny ranking).
    provenance : Provenance or None
        The rule, its parameters and a fingerprint of the validated ballots.

    Examples
    --------
    >>> res = borda(ballots_from_orders(["ab", "ba", "ab"]))
    >>> res.winners
    ['a']
    >>> res.ranking
    (('a',), ('b',))
    >>> res
    <RankingResult: borda: winner a; ranking a > b; 3 ballots>
    >>> res.to_frame().columns
    ['item_id', 'score', 'rank']
    """

    method: str
    scores: pl.DataFrame
    ranking: tuple[tuple[str, ...], ...]
    winners: list[str]
    n_voters: float
    details: dict[str, Any] = field(default_factory=dict)
    provenance: Provenance | None = None

    @property
    def tied(self) -> bool:
        """True when more than one item wins."""
        return len(self.winners) > 1

    def to_frame(self) -> pl.DataFrame:
        """The scores table (see :attr:`scores` for its columns).

        Returns
        -------
        polars.DataFrame
            ``item_id``, ``score``, ``rank`` and rule-specific columns, best first.

        Examples
        --------
        >>> schulze(ballots_from_orders(["ab"])).to_frame()["item_id"].to_list()
        ['a', 'b']
        """
        return self.scores

    def summary(self) -> str:
        """The winners and the ranking in one line.

        Returns
        -------
        str

        Examples
        --------
        >>> copeland(ballots_from_orders(["abc", "bca", "cab"])).summary()
        'copeland: winners a, b, c (tie); ranking {a, b, c}; 3 ballots'
        """
        order = " > ".join("{" + ", ".join(g) + "}" if len(g) > 1 else g[0] for g in self.ranking)
        tie = " (tie)" if self.tied else ""
        return (
            f"{self.method}: winner{'s' if self.tied else ''} {', '.join(self.winners)}{tie}; "
            f"ranking {order}; {fmt_number(self.n_voters, 12)} ballots"
        )

    def _repr_html_(self) -> str:
        return frame_to_html(self.scores, caption=self.summary())


# --------------------------------------------------------------------------- input handling
def _as_frame(data: Any, func: str, what: str = "ballots") -> pl.DataFrame:
    if isinstance(data, Inquiry):
        for name in _INQUIRY_TABLES:
            if name in data.tables:
                return data.tables[name]
        raise ValidationError(
            f"{func} needs ballots: the inquiry holds no 'rankings' or 'budget_votes' table "
            f"(it holds {sorted(data.tables) or 'no further tables'})",
            table=what,
        )
    if isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, pl.LazyFrame):
        return data.collect()
    mod = type(data).__module__
    if mod.startswith("pandas"):
        return pl.from_pandas(data)
    if mod.startswith("pyarrow"):
        out = pl.from_arrow(data)
        if isinstance(out, pl.DataFrame):
            return out
    if isinstance(data, dict):
        return pl.DataFrame(data)
    check_param(
        False, what, func, "an Inquiry or a polars, pandas or Arrow table", type(data).__name__
    )
    raise AssertionError  # pragma: no cover


def _where(i: int, file: str | Path | None, table: str) -> dict[str, Any]:
    """Location keywords for :class:`ValidationError` of the 0-based data row ``i``."""
    if file is not None:
        return {"file": file, "line": i + 2}
    return {"table": table, "row": i + 1}


def _first_bad(mask: pl.Series) -> int:
    return int(mask.arg_true()[0])


def _check_required(df: pl.DataFrame, columns: Sequence[str], table: str, file: Any) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValidationError(
            f"missing column(s) {missing}; expected {list(columns)}, found {df.columns}",
            **({"file": file} if file is not None else {"table": table}),
        )


def _check_numeric(
    df: pl.DataFrame,
    column: str,
    table: str,
    file: Any,
    *,
    integer: bool = False,
    minimum: float | None = None,
    what: str = "a number",
) -> pl.Series:
    col = df.get_column(column)
    nulls = col.is_null()
    if nulls.any():
        i = _first_bad(nulls)
        raise ValidationError(
            f"{what} is required; got an empty value", column=column, **_where(i, file, table)
        )
    if col.dtype == pl.Boolean:
        col = col.cast(pl.Int64)
    if not col.dtype.is_numeric():
        conv = col.cast(pl.Float64, strict=False)
        bad = conv.is_null()
        if bad.any():
            i = _first_bad(bad)
            raise ValidationError(
                f"expected {what}; got {col[i]!r}", column=column, **_where(i, file, table)
            )
        col = conv
    vals = col.cast(pl.Float64)
    bad = ~vals.is_finite()
    if integer:
        bad = bad | (vals != vals.floor())
    if minimum is not None:
        bad = bad | (vals < minimum)
    if bad.any():
        i = _first_bad(bad)
        raise ValidationError(
            f"expected {what}; got {col[i]!r}", column=column, **_where(i, file, table)
        )
    return vals


_KINDS = ("rank", "approved", "score", "points", "votes")


def validate_ballots(
    ballots: Ballots,
    *,
    kind: str = "rank",
    participant_id: str | None = None,
    item_id: str | None = None,
    value: str | None = None,
    file: str | Path | None = None,
    table: str = "ballots",
) -> pl.DataFrame:
    """Check a long ballot table and return it normalised.

    Parameters
    ----------
    ballots : Inquiry, polars.DataFrame (or pandas / Arrow), or dict of columns
        Columns ``participant_id``, ``item_id`` (or ``project_id``) and the value column
        ``kind``, optional ``weight`` (see the module docstring). An Inquiry gives its
        ``rankings`` table (else its ``budget_votes``).
    kind : {"rank", "approved", "score", "points", "votes"}
        The value column. ``"approved"`` may be absent (every row is then an approval).
    participant_id, item_id, value : str, optional
        The names of these columns in ``ballots`` when they differ from the canonical
        ``participant_id``, ``item_id`` and ``kind``.
    file : str or Path, optional
        Named in error messages (with line numbers, the header being line 1).
    table : str, default "ballots"
        Named in error messages when ``file`` is not given.

    Returns
    -------
    polars.DataFrame
        Columns ``participant_id``, ``item_id`` (str), ``value`` (float), ``weight`` (float).

    Raises
    ------
    ValidationError
        Naming the row (or file line) and column of the first bad value.

    Examples
    --------
    >>> df = pl.DataFrame({"participant_id": [1, 1], "item_id": ["a", "b"], "rank": [1, 0]})
    >>> validate_ballots(df)
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ValidationError: table 'ballots', row 2, column 'rank': expected an integer rank >= 1; got 0
    >>> voter = pl.DataFrame({"voter": ["x"], "option": ["a"], "place": [1]})
    >>> validate_ballots(voter, participant_id="voter", item_id="option", value="place").columns
    ['participant_id', 'item_id', 'value', 'weight']
    """
    func = "validate_ballots"
    check_param(kind in _KINDS, "kind", func, f"one of {_KINDS}", kind)
    df = _as_frame(ballots, func)
    pcol = participant_id or "participant_id"
    if item_id is not None:
        icol = item_id
    elif "item_id" not in df.columns and "project_id" in df.columns:
        icol = "project_id"  # a participatory-budgeting ballot
    else:
        icol = "item_id"
    vcol = value or kind
    required = [pcol, icol] + ([] if kind == "approved" else [vcol])
    _check_required(df, required, table, file)
    for c in (pcol, icol):
        nulls = df.get_column(c).is_null()
        if nulls.any():
            raise ValidationError(
                "a value is required; got an empty value",
                column=c,
                **_where(_first_bad(nulls), file, table),
            )
    if kind == "rank":
        val = _check_numeric(
            df, vcol, table, file, integer=True, minimum=1, what="an integer rank >= 1"
        )
    elif kind == "approved":
        if vcol in df.columns:
            val = _check_numeric(
                df, vcol, table, file, minimum=0, what="an approval flag (0/1 or bool)"
            )
            val = (val > 0).cast(pl.Float64)
        else:
            val = pl.Series("value", np.ones(df.height))
    elif kind == "points":
        val = _check_numeric(df, vcol, table, file, minimum=0, what="points >= 0")
    elif kind == "votes":
        val = _check_numeric(df, vcol, table, file, what="a number of votes")
    else:
        val = _check_numeric(df, vcol, table, file, what="a numeric score")
    if "weight" in df.columns:
        weight = _check_numeric(df, "weight", table, file, minimum=0, what="a weight >= 0")
    else:
        weight = pl.Series("weight", np.ones(df.height))
    out = pl.DataFrame(
        {
            "participant_id": df.get_column(pcol),
            "item_id": df.get_column(icol).cast(pl.String),
            "value": val.alias("value"),
            "weight": weight.alias("weight"),
        }
    )
    dup = ~out.select(pl.struct("participant_id", "item_id").is_first_distinct()).to_series()
    if dup.any():
        i = _first_bad(dup)
        raise ValidationError(
            f"participant {out['participant_id'][i]!r} lists item {out['item_id'][i]!r} twice",
            column=icol,
            **_where(i, file, table),
        )
    per_voter = out.group_by("participant_id").agg(
        pl.col("weight").n_unique().alias("k"), pl.len().alias("n")
    )
    if (per_voter["k"] > 1).any():
        v = per_voter.filter(pl.col("k") > 1)["participant_id"][0]
        i = _first_bad(out["participant_id"] == v)
        raise ValidationError(
            f"participant {v!r} has different weights on different rows; a ballot has one weight",
            column="weight",
            **_where(i, file, table),
        )
    return out


def ballots_from_orders(
    orders: Sequence[Sequence[str | Sequence[str]] | str],
    *,
    weights: Sequence[float] | None = None,
) -> pl.DataFrame:
    """Build a ranked-ballot long table from orders written best first.

    Parameters
    ----------
    orders : sequence
        One order per ballot. An order is a string of one-letter items (``"ACB"``) or a
        sequence whose members are items or tie groups (``["A", ("B", "C")]``).
    weights : sequence of float, optional
        How many voters cast each order (default 1 each); adds a ``weight`` column.

    Returns
    -------
    polars.DataFrame
        The ``rankings`` table of an inquiry: ``participant_id`` (int, 0-based),
        ``item_id`` (str), ``rank`` (int, 1 is best, tie groups share a rank) and
        ``weight`` when ``weights`` is given.

    Examples
    --------
    >>> ballots_from_orders([["a", ("b", "c")]]).rows()
    [(0, 'a', 1), (0, 'b', 2), (0, 'c', 2)]
    """
    voter: list[int] = []
    alt: list[str] = []
    rank: list[int] = []
    for v, order in enumerate(orders):
        for r, group in enumerate(order, start=1):
            members = [group] if isinstance(group, str) else list(group)
            for a in members:
                voter.append(v)
                alt.append(str(a))
                rank.append(r)
    data: dict[str, Any] = {"participant_id": voter, "item_id": alt, "rank": rank}
    schema: dict[str, Any] = {"participant_id": pl.Int64, "item_id": pl.String, "rank": pl.Int64}
    if weights is not None:
        check_param(
            len(weights) == len(orders),
            "weights",
            "ballots_from_orders",
            f"a sequence of {len(orders)} weights (one per order)",
            len(weights),
        )
        w = dict(enumerate(weights))
        data["weight"] = [float(w[v]) for v in voter]
        schema["weight"] = pl.Float64
    return pl.DataFrame(data, schema=schema)


def _item_list(present: Iterable[str], extra: Iterable[Any] | None) -> list[str]:
    alts = set(present)
    if extra is not None:
        alts.update(str(a) for a in extra)
    return sorted(alts)


@dataclass(frozen=True)
class _Majority:
    items: list[str]
    N: np.ndarray  # N[a, b] = weight of ballots ranking a strictly above b
    total: float
    fingerprint: str


def _majority(
    ballots: Ballots,
    items: Iterable[Any] | None,
    *,
    participant_id: str | None = None,
    item_id: str | None = None,
    rank: str | None = None,
    file: Any = None,
) -> _Majority:
    """Items, the pairwise majority matrix and the total weight of ranked ballots."""
    df = validate_ballots(
        ballots,
        kind="rank",
        participant_id=participant_id,
        item_id=item_id,
        value=rank,
        file=file,
    )
    alts = _item_list(df["item_id"].unique().to_list(), items)
    if not alts:
        raise ValidationError("the ballots rank no item", table="ballots")
    index = {a: i for i, a in enumerate(alts)}
    m = len(alts)
    # One row per distinct ballot: identical orders are counted once with their total weight.
    voters = df.select("participant_id").unique(maintain_order=True)
    vid = voters.with_row_index("v")
    df = df.join(vid, on="participant_id", how="left")
    n_v = voters.height
    ranks = np.full((n_v, m), np.inf)
    ranks[df["v"].to_numpy(), [index[a] for a in df["item_id"].to_list()]] = df["value"].to_numpy()
    w = np.zeros(n_v)
    w[df["v"].to_numpy()] = df["weight"].to_numpy()
    uniq, inverse = np.unique(ranks, axis=0, return_inverse=True)
    wu = np.bincount(inverse.ravel(), weights=w, minlength=uniq.shape[0])
    above = uniq[:, :, None] < uniq[:, None, :]
    N = np.einsum("v,vab->ab", wu, above.astype(float))
    return _Majority(alts, N, float(w.sum()), fingerprint_frames(df.drop("v")))


def majority_matrix(
    ballots: Ballots,
    *,
    items: Iterable[Any] | None = None,
    participant_id: str | None = None,
    item_id: str | None = None,
    rank: str | None = None,
) -> pl.DataFrame:
    """Pairwise majority counts: how many ballots rank each item above each other.

    Parameters
    ----------
    ballots : Inquiry or table
        Ranked ballots (``participant_id``, ``item_id``, ``rank``, optional ``weight``).
    items : iterable, optional
        Items to include even when nobody ranked them.
    participant_id, item_id, rank : str, optional
        Column names in ``ballots`` when they differ from the canonical ones.

    Returns
    -------
    polars.DataFrame
        Column ``item_id`` then one column per item: the cell in row ``a``, column ``b`` is
        the (weighted) number of ballots ranking ``a`` strictly above ``b``.

    Examples
    --------
    >>> majority_matrix(ballots_from_orders(["abc", "bca"])).rows()
    [('a', 0.0, 1.0, 1.0), ('b', 1.0, 0.0, 2.0), ('c', 1.0, 0.0, 0.0)]
    """
    mj = _majority(ballots, items, participant_id=participant_id, item_id=item_id, rank=rank)
    return pl.DataFrame({"item_id": mj.items, **{b: mj.N[:, j] for j, b in enumerate(mj.items)}})


# --------------------------------------------------------------------------- tie handling
def _key(x: float) -> float:
    return round(float(x), 9)


def _groups_by_score(alts: Sequence[str], scores: np.ndarray) -> tuple[tuple[str, ...], ...]:
    order: dict[float, list[str]] = {}
    for a, s in zip(alts, scores, strict=True):
        order.setdefault(_key(s), []).append(a)
    return tuple(tuple(sorted(order[k])) for k in sorted(order, reverse=True))


def _rank_of(groups: Sequence[Sequence[str]]) -> dict[str, int]:
    out: dict[str, int] = {}
    pos = 1
    for g in groups:
        for a in g:
            out[a] = pos
        pos += len(g)
    return out


def _result(
    method: str,
    alts: Sequence[str],
    score: np.ndarray,
    groups: tuple[tuple[str, ...], ...],
    n_voters: float,
    extra: Mapping[str, Sequence[Any]] | None = None,
    details: dict[str, Any] | None = None,
    winners: list[str] | None = None,
    *,
    fingerprint: str,
    parameters: Mapping[str, Any] | None = None,
) -> RankingResult:
    ranks = _rank_of(groups)
    cols: dict[str, Any] = {
        "item_id": list(alts),
        "score": np.asarray(score, dtype=float),
        "rank": [ranks[a] for a in alts],
    }
    for k, v in (extra or {}).items():
        cols[k] = list(v)
    table = pl.DataFrame(cols).with_columns(pl.col("rank").cast(pl.Int64))
    table = table.sort(["rank", "item_id"])
    return RankingResult(
        method=method,
        scores=table,
        ranking=groups,
        winners=list(winners if winners is not None else groups[0]),
        n_voters=n_voters,
        details=details or {},
        provenance=Provenance(
            method=_FUNCS.get(method, method),
            input_fingerprint=fingerprint,
            parameters=dict(parameters or {}),
        ),
    )


#: The public function behind each method name (recorded in the provenance).
_FUNCS = {
    "borda": "borda",
    "copeland": "copeland",
    "schulze": "schulze",
    "kemeny": "kemeny_young",
    "approval": "approval_voting",
    "score": "score_voting",
    "cumulative": "cumulative_voting",
    "quadratic": "quadratic_voting",
}


# --------------------------------------------------------------------------- ranked rules
def borda(
    ballots: Ballots,
    *,
    items: Iterable[Any] | None = None,
    participant_id: str | None = None,
    item_id: str | None = None,
    rank: str | None = None,
    file: str | Path | None = None,
) -> RankingResult:
    """Borda count on ranked ballots (full or partial, with ties).

    On each ballot an item scores one point per item ranked strictly below it and half a
    point per item tied with it (unranked items are tied at the bottom). On complete strict
    ballots this is the classic ``m-1, m-2, ..., 0``.

    Parameters
    ----------
    ballots : Inquiry or table
        Ranked ballots: an inquiry's ``rankings`` (or ordinal ``budget_votes``) table, or the
        Inquiry itself (``participant_id``, ``item_id``, ``rank``, optional ``weight``).
    items : iterable, optional
        Items to include even when nobody ranked them.
    participant_id, item_id, rank : str, optional
        Column names in ``ballots`` when they differ from the canonical ones
        (e.g. ``participant_id="voter"``).
    file : str or Path, optional
        Where the table came from (named in error messages).

    Returns
    -------
    RankingResult
        ``score`` is the Borda score.

    Examples
    --------
    >>> borda(ballots_from_orders(["abc", "bac"])).ranking
    (('a', 'b'), ('c',))
    """
    mj = _majority(
        ballots, items, participant_id=participant_id, item_id=item_id, rank=rank, file=file
    )
    ties = mj.total - mj.N - mj.N.T
    np.fill_diagonal(ties, 0.0)
    score = mj.N.sum(axis=1) + 0.5 * ties.sum(axis=1)
    return _result(
        "borda",
        mj.items,
        score,
        _groups_by_score(mj.items, score),
        mj.total,
        fingerprint=mj.fingerprint,
    )


def copeland(
    ballots: Ballots,
    *,
    items: Iterable[Any] | None = None,
    participant_id: str | None = None,
    item_id: str | None = None,
    rank: str | None = None,
    file: str | Path | None = None,
) -> RankingResult:
    """Copeland's rule: pairwise majority wins minus losses.

    Parameters
    ----------
    ballots : Inquiry or table
        Ranked ballots (``participant_id``, ``item_id``, ``rank``, optional ``weight``).
    items : iterable, optional
        Items to include even when nobody ranked them.
    participant_id, item_id, rank : str, optional
        Column names in ``ballots`` when they differ from the canonical ones.
    file : str or Path, optional
        Where the table came from (named in error messages).

    Returns
    -------
    RankingResult
        ``score`` = wins − losses; extra columns ``wins``, ``losses``, ``ties`` (head-to-head).

    Examples
    --------
    >>> res = copeland(ballots_from_orders(["abc", "bca", "cab"]))
    >>> res.winners  # a Condorcet cycle: a three-way tie
    ['a', 'b', 'c']
    """
    mj = _majority(
        ballots, items, participant_id=participant_id, item_id=item_id, rank=rank, file=file
    )
    diff = mj.N - mj.N.T
    wins = (diff > _TOL).sum(axis=1)
    losses = (diff < -_TOL).sum(axis=1)
    ties = len(mj.items) - 1 - wins - losses
    score = (wins - losses).astype(float)
    return _result(
        "copeland",
        mj.items,
        score,
        _groups_by_score(mj.items, score),
        mj.total,
        extra={"wins": wins.tolist(), "losses": losses.tolist(), "ties": ties.tolist()},
        fingerprint=mj.fingerprint,
    )


def _layers(beats: np.ndarray, alts: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """Tie groups of a strict partial order: repeatedly take the unbeaten items."""
    remaining = list(range(len(alts)))
    groups: list[tuple[str, ...]] = []
    while remaining:
        sub = beats[np.ix_(remaining, remaining)]
        top = [remaining[i] for i in np.flatnonzero(~sub.any(axis=0))]
        if not top:  # pragma: no cover - impossible for a strict partial order
            top = remaining
        groups.append(tuple(sorted(alts[i] for i in top)))
        remaining = [i for i in remaining if i not in top]
    return tuple(groups)


def schulze(
    ballots: Ballots,
    *,
    strength: str = "winning_votes",
    items: Iterable[Any] | None = None,
    participant_id: str | None = None,
    item_id: str | None = None,
    rank: str | None = None,
    file: str | Path | None = None,
) -> RankingResult:
    """Schulze's beatpath method (Schulze 2011), widest paths by Floyd–Warshall.

    The strength of the direct link ``a → b`` is the number of ballots ranking ``a`` above
    ``b`` (``strength="winning_votes"``, Schulze's default) or the margin
    (``strength="margin"``), and exists only when ``a`` beats ``b`` head to head. ``p[a, b]``
    is the strength of the widest path; ``a`` is ranked above ``b`` when ``p[a, b] >
    p[b, a]``. This relation is a strict partial order; the ranking lists its layers
    (the unbeaten items, then the unbeaten among the rest, ...), so the first tie group
    is exactly the set of Schulze winners.

    Parameters
    ----------
    ballots : Inquiry or table
        Ranked ballots (``participant_id``, ``item_id``, ``rank``, optional ``weight``); an
        inquiry's ``rankings`` or ordinal ``budget_votes`` table, or the Inquiry itself.
    strength : {"winning_votes", "margin"}
        How a direct link is measured.
    items : iterable, optional
        Items to include even when nobody ranked them.
    participant_id, item_id, rank : str, optional
        Column names in ``ballots`` when they differ from the canonical ones.
    file : str or Path, optional
        Where the table came from (named in error messages).

    Returns
    -------
    RankingResult
        ``score`` = number of items each one beats in the Schulze relation;
        ``details["path_strength"]`` is the matrix ``p`` (rows/columns in the order listed
        in ``details["items"]``).

    Examples
    --------
    >>> schulze(ballots_from_orders(["abc", "abc", "bca", "cab"])).winners
    ['a']
    """
    check_param(
        strength in ("winning_votes", "margin"),
        "strength",
        "schulze",
        "'winning_votes' or 'margin'",
        strength,
    )
    mj = _majority(
        ballots, items, participant_id=participant_id, item_id=item_id, rank=rank, file=file
    )
    alts, N, total = mj.items, mj.N, mj.total
    d = N if strength == "winning_votes" else N - N.T
    p = np.where(N - N.T > _TOL, d, 0.0)
    np.fill_diagonal(p, 0.0)
    m = len(alts)
    for k in range(m):
        via = np.minimum(p[:, k, None], p[None, k, :])
        p = np.maximum(p, via)
    np.fill_diagonal(p, 0.0)
    beats = p > p.T + _TOL
    groups = _layers(beats, alts)
    score = beats.sum(axis=1).astype(float)
    return _result(
        "schulze",
        alts,
        score,
        groups,
        total,
        details={"items": list(alts), "path_strength": p, "strength": strength},
        fingerprint=mj.fingerprint,
        parameters={"strength": strength},
    )


def _kemeny_exact(N: np.ndarray, max_list: int) -> tuple[float, int, list[list[int]], np.ndarray]:
    """Best Kemeny score, number of optimal rankings, up to ``max_list`` of them, and for each
    item the best score of a ranking that puts it on top.

    Dynamic programming over subsets: ``F(S)`` is the best agreement obtainable by ordering the
    set ``S`` alone; ``F(S) = max_{a in S} [sum_{b in S - a} N[a, b] + F(S - a)]`` (``a`` on top of
    ``S``). O(2^m · m) time and memory.
    """
    m = N.shape[0]
    size = 1 << m
    # W[a, S] = sum_{b in S} N[a, b], built bit by bit.
    W = np.zeros((m, size))
    for a in range(m):
        row = np.zeros(1)
        for b in range(m):
            row = np.concatenate([row, row + N[a, b]])
        W[a] = row
    subsets = np.arange(size)
    popcount = np.zeros(size, dtype=np.int64)
    for b in range(m):
        popcount += (subsets >> b) & 1
    F = np.full(size, -np.inf)
    C = np.zeros(size)
    F[0] = 0.0
    C[0] = 1.0
    scale = max(1.0, float(np.abs(N).sum()))
    for k in range(1, m + 1):
        S = subsets[popcount == k]
        cand = np.full((m, S.size), -np.inf)
        for a in range(m):
            has = ((S >> a) & 1).astype(bool)
            rest = S[has] ^ (1 << a)
            cand[a, has] = W[a, rest] + F[rest]
        best = cand.max(axis=0)
        F[S] = best
        opt = cand >= best - _TOL * scale
        cnt = np.zeros(S.size)
        for a in range(m):
            sel = opt[a]
            cnt[sel] += C[S[sel] ^ (1 << a)]
        C[S] = cnt

    full = size - 1
    found: list[list[int]] = []

    def walk(S: int, prefix: list[int]) -> None:
        if len(found) >= max_list:
            return
        if S == 0:
            found.append(prefix)
            return
        for a in range(m):
            if (S >> a) & 1:
                rest = S ^ (1 << a)
                if W[a, rest] + F[rest] >= F[S] - _TOL * scale:
                    walk(rest, [*prefix, a])

    walk(full, [])
    top = np.array([W[a, full ^ (1 << a)] + F[full ^ (1 << a)] for a in range(m)])
    return float(F[full]), int(C[full]), found, top


def _kemeny_score(N: np.ndarray, order: Sequence[int]) -> float:
    idx = np.asarray(order)
    sub = N[np.ix_(idx, idx)]
    return float(np.triu(sub, 1).sum())


def _kemeny_local_search(N: np.ndarray, start: list[int]) -> list[int]:
    """Improve an order by moving single items to their best position until stuck."""
    order = list(start)
    m = len(order)
    best = _kemeny_score(N, order)
    improved = True
    while improved:
        improved = False
        for i in range(m):
            a = order[i]
            rest = order[:i] + order[i + 1 :]
            # gain of inserting a at position j: sum_{b after} N[a,b] + sum_{b before} N[b,a]
            before = np.concatenate([[0.0], np.cumsum([N[b, a] for b in rest])])
            after = np.concatenate([np.cumsum([N[a, b] for b in rest[::-1]])[::-1], [0.0]])
            gains = before + after
            j = int(np.argmax(gains))
            cand = [*rest[:j], a, *rest[j:]]
            score = _kemeny_score(N, cand)
            if score > best + _TOL * max(1.0, abs(best)):
                order, best, improved = cand, score, True
    return order


def kemeny_young(
    ballots: Ballots,
    *,
    exact_max: int = 16,
    max_rankings: int = 100,
    items: Iterable[Any] | None = None,
    participant_id: str | None = None,
    item_id: str | None = None,
    rank: str | None = None,
    file: str | Path | None = None,
) -> RankingResult:
    """Kemeny–Young: the ranking that agrees with the most pairwise ballot preferences.

    The Kemeny score of a strict order is ``sum over a above b of N[a, b]`` (ballots ranking
    ``a`` above ``b``). Up to ``exact_max`` items the maximum is found exactly by
    dynamic programming over subsets (O(2^m · m) time and memory; 16 items take well
    under a second), together with the *number* of optimal rankings. Beyond that a
    documented heuristic is used and ``details["exact"]`` is False: start from the Copeland
    order (ties by Borda score) and move single items to their best position until no
    move improves the score (a local optimum; the result may not be a Kemeny ranking).

    Ties: when several rankings are optimal, ``winners`` lists every item ranked first
    in some optimal ranking, ``details["optimal_rankings"]`` lists up to ``max_rankings`` of
    them and ``details["n_optimal"]`` counts them all. The tie groups of ``ranking`` join
    items whose relative order differs between optimal rankings.

    Parameters
    ----------
    ballots : Inquiry or table
        Ranked ballots (``participant_id``, ``item_id``, ``rank``, optional ``weight``).
    exact_max : int, default 16
        Up to this many items the optimum is exact (at most 20).
    max_rankings : int, default 100
        How many optimal rankings to list in ``details["optimal_rankings"]``.
    items : iterable, optional
        Items to include even when nobody ranked them.
    participant_id, item_id, rank : str, optional
        Column names in ``ballots`` when they differ from the canonical ones.
    file : str or Path, optional
        Where the table came from (named in error messages).

    Returns
    -------
    RankingResult
        ``score`` is ``m − (0-based position of the item's tie group)``, so higher is
        better and tied items share it. In exact mode the column ``top_score`` is the
        best Kemeny score of a ranking that puts the item first (the winners have the
        maximum, ``details["kemeny_score"]``).

    Examples
    --------
    >>> res = kemeny_young(ballots_from_orders(["abc", "abc", "bca", "cab"]))
    >>> res.ranking, res.details["kemeny_score"]
    ((('a',), ('b',), ('c',)), 8.0)
    """
    func = "kemeny_young"
    check_param(
        isinstance(exact_max, int) and 1 <= exact_max <= 20,
        "exact_max",
        func,
        "an int between 1 and 20",
        exact_max,
    )
    check_param(
        isinstance(max_rankings, int) and max_rankings >= 1,
        "max_rankings",
        func,
        "an int >= 1",
        max_rankings,
    )
    mj = _majority(
        ballots, items, participant_id=participant_id, item_id=item_id, rank=rank, file=file
    )
    alts, N, total = mj.items, mj.N, mj.total
    m = len(alts)
    params = {"exact_max": exact_max, "max_rankings": max_rankings}
    if m <= exact_max:
        best, n_opt, orders, top_score = _kemeny_exact(N, max_rankings)
        winners = [alts[a] for a in range(m) if top_score[a] >= best - _TOL * max(1.0, best)]
        groups = _merge_orders(orders, alts)
        position = _rank_of(groups)
        score = np.array([m - (position[a] - 1) for a in alts], dtype=float)
        details: dict[str, Any] = {
            "exact": True,
            "kemeny_score": best,
            "n_optimal": n_opt,
            "optimal_rankings": [[alts[i] for i in o] for o in orders],
        }
        return _result(
            "kemeny",
            alts,
            score,
            groups,
            total,
            extra={"top_score": top_score.tolist()},
            details=details,
            winners=winners,
            fingerprint=mj.fingerprint,
            parameters=params,
        )
    diff = N - N.T
    cop = (diff > _TOL).sum(axis=1) - (diff < -_TOL).sum(axis=1)
    ties = total - N - N.T
    np.fill_diagonal(ties, 0.0)
    bor = N.sum(axis=1) + 0.5 * ties.sum(axis=1)
    start = sorted(range(m), key=lambda i: (-cop[i], -bor[i], alts[i]))
    order = _kemeny_local_search(N, start)
    score = np.empty(m)
    for pos, i in enumerate(order):
        score[i] = m - pos
    groups = tuple((alts[i],) for i in order)
    details = {
        "exact": False,
        "kemeny_score": _kemeny_score(N, order),
        "n_optimal": None,
        "optimal_rankings": [[alts[i] for i in order]],
        "heuristic": "Copeland start + single-item insertion local search",
    }
    return _result(
        "kemeny",
        alts,
        score,
        groups,
        total,
        details=details,
        fingerprint=mj.fingerprint,
        parameters=params,
    )


def _merge_orders(orders: list[list[int]], alts: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """Tie groups from several optimal strict orders: join pairs whose order differs."""
    m = len(alts)
    pos = np.array([[o.index(i) for i in range(m)] for o in orders])
    parent = list(range(m))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a in range(m):
        for b in range(a + 1, m):
            d = pos[:, a] - pos[:, b]
            if (d > 0).any() and (d < 0).any():
                parent[find(a)] = find(b)
    comps: dict[int, list[int]] = {}
    for i in range(m):
        comps.setdefault(find(i), []).append(i)
    first = pos[0]
    ordered = sorted(comps.values(), key=lambda g: min(first[i] for i in g))
    return tuple(tuple(sorted(alts[i] for i in g)) for g in ordered)


def rank_ballots(
    ballots: Ballots,
    *,
    method: str = "schulze",
    items: Iterable[Any] | None = None,
    participant_id: str | None = None,
    item_id: str | None = None,
    rank: str | None = None,
    file: str | Path | None = None,
) -> RankingResult:
    """Run one of the ranked-ballot rules by name.

    Parameters
    ----------
    ballots : Inquiry or table
        Ranked ballots (``participant_id``, ``item_id``, ``rank``, optional ``weight``).
    method : {"borda", "copeland", "schulze", "kemeny"}
        The rule (:data:`RANKING_METHODS`).
    items : iterable, optional
        Items to include even when nobody ranked them.
    participant_id, item_id, rank : str, optional
        Column names in ``ballots`` when they differ from the canonical ones.
    file : str or Path, optional
        Where the table came from (named in error messages).

    Returns
    -------
    RankingResult

    Examples
    --------
    >>> rank_ballots(ballots_from_orders(["ab", "ab", "ba"]), method="borda").winners
    ['a']
    """
    check_param(
        method in RANKING_METHODS, "method", "rank_ballots", f"one of {RANKING_METHODS}", method
    )
    funcs = {"borda": borda, "copeland": copeland, "schulze": schulze, "kemeny": kemeny_young}
    return funcs[method](  # type: ignore[operator]
        ballots,
        items=items,
        participant_id=participant_id,
        item_id=item_id,
        rank=rank,
        file=file,
    )


# --------------------------------------------------------------------------- cardinal rules
def _cardinal(
    ballots: Ballots,
    kind: str,
    method: str,
    items: Iterable[Any] | None,
    *,
    participant_id: str | None,
    item_id: str | None,
    value: str | None,
    budget: float | None = None,
    cost: str = "sum",
) -> RankingResult:
    df = validate_ballots(
        ballots, kind=kind, participant_id=participant_id, item_id=item_id, value=value
    )
    if budget is not None:
        spend = (pl.col("value") ** 2) if cost == "square" else pl.col("value")
        over = (
            df.with_row_index("_i")
            .group_by("participant_id", maintain_order=True)
            .agg(spend.sum().alias("spent"), pl.col("_i").first())
            .filter(pl.col("spent") > budget * (1 + 1e-12))
        )
        if over.height:
            what = "votes squared" if cost == "square" else kind
            raise ValidationError(
                f"participant {over['participant_id'][0]!r} spends {over['spent'][0]:g} "
                f"({what}), over the budget of {budget:g}",
                table="ballots",
                row=int(over["_i"][0]) + 1,
                column=value or kind,
            )
    alts = _item_list(df["item_id"].unique().to_list(), items)
    agg = df.group_by("item_id").agg(
        (pl.col("value") * pl.col("weight")).sum().alias("score"),
        pl.col("weight").filter(pl.col("value") != 0).sum().alias("supporters"),
    )
    lookup = {r[0]: (r[1], r[2]) for r in agg.iter_rows()}
    score = np.array([lookup.get(a, (0.0, 0.0))[0] for a in alts], dtype=float)
    supporters = [float(lookup.get(a, (0.0, 0.0))[1]) for a in alts]
    total = float(df.unique("participant_id")["weight"].sum())
    extra = {"supporters": supporters}
    return _result(
        method,
        alts,
        score,
        _groups_by_score(alts, score),
        total,
        extra=extra,
        details={"budget": budget},
        fingerprint=fingerprint_frames(df),
        parameters={"budget": budget} if budget is not None else {},
    )


def approval_voting(
    ballots: Ballots,
    *,
    items: Iterable[Any] | None = None,
    participant_id: str | None = None,
    item_id: str | None = None,
    approved: str | None = None,
) -> RankingResult:
    """Approval voting: the most approved items win.

    Parameters
    ----------
    ballots : Inquiry or table
        ``participant_id``, ``item_id`` (or ``project_id``: an approval ``budget_votes``
        table works as it is) and optionally ``approved`` (0/1 or bool; without it every
        row is an approval) and ``weight``.
    items : iterable, optional
        Items to include even when nobody approved them.
    participant_id, item_id, approved : str, optional
        Column names in ``ballots`` when they differ from the canonical ones.

    Returns
    -------
    RankingResult
        ``score`` is the (weighted) number of approvals; ``supporters`` the same.

    Examples
    --------
    >>> df = pl.DataFrame({"participant_id": [1, 1, 2], "item_id": ["a", "b", "b"]})
    >>> approval_voting(df).winners
    ['b']
    """
    return _cardinal(
        ballots,
        "approved",
        "approval",
        items,
        participant_id=participant_id,
        item_id=item_id,
        value=approved,
    )


def score_voting(
    ballots: Ballots,
    *,
    items: Iterable[Any] | None = None,
    participant_id: str | None = None,
    item_id: str | None = None,
    score: str | None = None,
) -> RankingResult:
    """Score (range) voting: the highest total score wins (an unscored item scores 0).

    Parameters
    ----------
    ballots : Inquiry or table
        ``participant_id``, ``item_id``, ``score`` and optional ``weight``.
    items : iterable, optional
        Items to include even when nobody scored them.
    participant_id, item_id, score : str, optional
        Column names in ``ballots`` when they differ from the canonical ones.

    Returns
    -------
    RankingResult
        ``score`` is the (weighted) total score.

    Examples
    --------
    >>> df = pl.DataFrame({"participant_id": [1, 1, 2, 2], "item_id": ["a", "b", "a", "b"],
    ...                    "score": [5, 3, 0, 4]})
    >>> score_voting(df).scores.select("item_id", "score").rows()
    [('b', 7.0), ('a', 5.0)]
    """
    return _cardinal(
        ballots,
        "score",
        "score",
        items,
        participant_id=participant_id,
        item_id=item_id,
        value=score,
    )


def cumulative_voting(
    ballots: Ballots,
    *,
    budget: float | None = None,
    items: Iterable[Any] | None = None,
    participant_id: str | None = None,
    item_id: str | None = None,
    points: str | None = None,
) -> RankingResult:
    """Cumulative voting: each participant spreads ``points`` (>= 0) over the items.

    Parameters
    ----------
    ballots : Inquiry or table
        ``participant_id``, ``item_id`` (or ``project_id``: a cumulative ``budget_votes``
        table works as it is), ``points`` and optional ``weight``.
    budget : float, optional
        When set, a participant spending more than ``budget`` points is a
        :class:`ValidationError`.
    items : iterable, optional
        Items to include even when nobody gave them points.
    participant_id, item_id, points : str, optional
        Column names in ``ballots`` when they differ from the canonical ones.

    Returns
    -------
    RankingResult
        ``score`` is the (weighted) total of points.

    Examples
    --------
    >>> df = pl.DataFrame({"participant_id": [1, 1, 2], "item_id": ["a", "b", "b"],
    ...                    "points": [3, 2, 5]})
    >>> cumulative_voting(df, budget=5).winners
    ['b']
    """
    if budget is not None:
        check_param(
            math.isfinite(budget) and budget > 0, "budget", "cumulative_voting", "> 0", budget
        )
    return _cardinal(
        ballots,
        "points",
        "cumulative",
        items,
        participant_id=participant_id,
        item_id=item_id,
        value=points,
        budget=budget,
    )


def quadratic_voting(
    ballots: Ballots,
    *,
    budget: float | None = None,
    items: Iterable[Any] | None = None,
    participant_id: str | None = None,
    item_id: str | None = None,
    votes: str | None = None,
) -> RankingResult:
    """Quadratic voting (Lalley & Weyl 2018): signed votes cost their square in credits.

    ``votes`` may be negative (votes against). An item's score is the sum of the votes it
    received.

    Parameters
    ----------
    ballots : Inquiry or table
        ``participant_id``, ``item_id``, ``votes`` and optional ``weight``.
    budget : float, optional
        When set, a participant whose ``sum(votes**2)`` exceeds it is a
        :class:`ValidationError`.
    items : iterable, optional
        Items to include even when nobody voted on them.
    participant_id, item_id, votes : str, optional
        Column names in ``ballots`` when they differ from the canonical ones.

    Returns
    -------
    RankingResult
        ``score`` is the (weighted) sum of votes.

    Examples
    --------
    >>> df = pl.DataFrame({"participant_id": [1, 1, 2], "item_id": ["a", "b", "b"],
    ...                    "votes": [3, -1, 2]})
    >>> quadratic_voting(df, budget=10).scores.select("item_id", "score").rows()
    [('a', 3.0), ('b', 1.0)]
    """
    if budget is not None:
        check_param(
            math.isfinite(budget) and budget > 0, "budget", "quadratic_voting", "> 0", budget
        )
    return _cardinal(
        ballots,
        "votes",
        "quadratic",
        items,
        participant_id=participant_id,
        item_id=item_id,
        value=votes,
        budget=budget,
        cost="square",
    )
