"""Voting rules on ranked, approval, score, cumulative and quadratic ballots.

Ballot tables
-------------
Every rule here reads a *long* polars table with one row per (voter, alternative):

==============  ==========================================================================
column          meaning
==============  ==========================================================================
``voter_id``    who cast the ballot (any type; one ballot per voter)
``alternative`` the alternative (cast to text)
``rank``        ranked ballots: an integer >= 1, 1 is best; equal ranks are ties. Only the
                order matters, so ``1, 2, 2, 3`` and ``1, 5, 5, 9`` mean the same ballot.
``approved``    approval ballots (optional): truthy rows are approvals; without the column,
                every row is an approval
``score``       score ballots: the score the voter gives the alternative
``points``      cumulative ballots: points (>= 0) the voter spends on the alternative
``votes``       quadratic ballots: signed votes; the voter pays ``votes**2`` credits
``weight``      optional, >= 0: the ballot stands for this many voters (default 1)
==============  ==========================================================================

Partial rankings are allowed: an alternative a voter did not rank is treated as tied with
every other unranked alternative, *below* all ranked ones (the PrefLib ``soi``/``toi``
convention). Pass ``alternatives=`` to add alternatives nobody ranked.

Every rule returns a :class:`RankingResult`: a scores table, the ranking as tie groups and the
winners as a list. Ties are reported (a tie group with several members, several winners),
never broken silently.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.results import frame_to_html

__all__ = [
    "RANKING_METHODS",
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

_TOL = 1e-9


# --------------------------------------------------------------------------- result object
@dataclass(frozen=True)
class RankingResult:
    """The outcome of a voting rule.

    Attributes
    ----------
    method : str
        The rule (``"borda"``, ``"copeland"``, ``"schulze"``, ``"kemeny"``, ``"approval"``, ...).
    scores : polars.DataFrame
        One row per alternative, best first: ``alternative`` (str), ``score`` (float, the
        rule's score, higher is better), ``rank`` (int, 1 is best; tied alternatives share the
        smallest rank of their group, so ranks run 1, 2, 2, 4) and rule-specific columns.
    ranking : tuple of tuple of str
        The order as tie groups, best group first; a group with several members is a tie.
    winners : list of str
        Every winner; more than one means the rule ends in a tie.
    n_voters : float
        Number of ballots (sum of weights).
    details : dict
        Anything else (e.g. the Schulze path strengths, every optimal Kemeny ranking).

    Examples
    --------
    >>> res = borda(ballots_from_orders(["ab", "ba", "ab"]))
    >>> res.winners
    ['a']
    >>> res.ranking
    (('a',), ('b',))
    """

    method: str
    scores: pl.DataFrame
    ranking: tuple[tuple[str, ...], ...]
    winners: list[str]
    n_voters: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def tied(self) -> bool:
        """True when more than one alternative wins."""
        return len(self.winners) > 1

    def to_frame(self) -> pl.DataFrame:
        """The scores table (see :attr:`scores` for its columns)."""
        return self.scores

    def summary(self) -> str:
        order = " > ".join("{" + ", ".join(g) + "}" if len(g) > 1 else g[0] for g in self.ranking)
        tie = " (tie)" if self.tied else ""
        return (
            f"{self.method}: winner{'s' if self.tied else ''} {', '.join(self.winners)}{tie}; "
            f"ranking {order}; {self.n_voters:g} ballots"
        )

    def _repr_html_(self) -> str:
        return frame_to_html(self.scores, caption=self.summary())


# --------------------------------------------------------------------------- input handling
def _as_frame(data: Any, func: str) -> pl.DataFrame:
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
    check_param(False, "ballots", func, "a polars, pandas or Arrow table", type(data).__name__)
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


def validate_ballots(
    ballots: Any,
    *,
    kind: str = "rank",
    file: str | Path | None = None,
    table: str = "ballots",
) -> pl.DataFrame:
    """Check a long ballot table and return it normalised.

    Parameters
    ----------
    ballots : polars.DataFrame (or pandas / Arrow)
        Columns ``voter_id``, ``alternative`` and the value column ``kind``, optional
        ``weight`` (see the module docstring).
    kind : {"rank", "approved", "score", "points", "votes"}
        The value column. ``"approved"`` may be absent (every row is then an approval).
    file, table : optional
        Named in error messages (``file`` gives line numbers, the header being line 1).

    Returns
    -------
    polars.DataFrame
        Columns ``voter_id``, ``alternative`` (str), ``value`` (float), ``weight`` (float).

    Raises
    ------
    ValidationError
        Naming the row (or file line) and column of the first bad value.

    Examples
    --------
    >>> df = pl.DataFrame({"voter_id": [1, 1], "alternative": ["a", "b"], "rank": [1, 0]})
    >>> validate_ballots(df)
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ValidationError: table 'ballots', row 2, column 'rank': expected an integer rank >= 1; got 0
    """
    func = "validate_ballots"
    kinds = ("rank", "approved", "score", "points", "votes")
    check_param(kind in kinds, "kind", func, f"one of {kinds}", kind)
    df = _as_frame(ballots, func)
    required = ["voter_id", "alternative"] + ([] if kind == "approved" else [kind])
    _check_required(df, required, table, file)
    for c in ("voter_id", "alternative"):
        nulls = df.get_column(c).is_null()
        if nulls.any():
            raise ValidationError(
                "a value is required; got an empty value",
                column=c,
                **_where(_first_bad(nulls), file, table),
            )
    if kind == "rank":
        value = _check_numeric(
            df, "rank", table, file, integer=True, minimum=1, what="an integer rank >= 1"
        )
    elif kind == "approved":
        if "approved" in df.columns:
            value = _check_numeric(
                df, "approved", table, file, minimum=0, what="an approval flag (0/1 or bool)"
            )
            value = (value > 0).cast(pl.Float64)
        else:
            value = pl.Series("value", np.ones(df.height))
    elif kind == "points":
        value = _check_numeric(df, "points", table, file, minimum=0, what="points >= 0")
    elif kind == "votes":
        value = _check_numeric(df, "votes", table, file, what="a number of votes")
    else:
        value = _check_numeric(df, "score", table, file, what="a numeric score")
    if "weight" in df.columns:
        weight = _check_numeric(df, "weight", table, file, minimum=0, what="a weight >= 0")
    else:
        weight = pl.Series("weight", np.ones(df.height))
    out = pl.DataFrame(
        {
            "voter_id": df.get_column("voter_id"),
            "alternative": df.get_column("alternative").cast(pl.String),
            "value": value.alias("value"),
            "weight": weight.alias("weight"),
        }
    )
    dup = ~out.select(pl.struct("voter_id", "alternative").is_first_distinct()).to_series()
    if dup.any():
        i = _first_bad(dup)
        raise ValidationError(
            f"voter {out['voter_id'][i]!r} lists alternative {out['alternative'][i]!r} twice",
            column="alternative",
            **_where(i, file, table),
        )
    per_voter = out.group_by("voter_id").agg(
        pl.col("weight").n_unique().alias("k"), pl.len().alias("n")
    )
    if (per_voter["k"] > 1).any():
        v = per_voter.filter(pl.col("k") > 1)["voter_id"][0]
        i = _first_bad(out["voter_id"] == v)
        raise ValidationError(
            f"voter {v!r} has different weights on different rows; a ballot has one weight",
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
        One order per ballot. An order is a string of one-letter alternatives (``"ACB"``) or a
        sequence whose items are alternatives or tie groups (``["A", ("B", "C")]``).
    weights : sequence of float, optional
        How many voters cast each order (default 1 each); adds a ``weight`` column.

    Returns
    -------
    polars.DataFrame
        Columns ``voter_id`` (int, 0-based), ``alternative`` (str), ``rank`` (int, 1 is
        best, tie groups share a rank) and ``weight`` when ``weights`` is given.

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
    data: dict[str, Any] = {"voter_id": voter, "alternative": alt, "rank": rank}
    schema: dict[str, Any] = {"voter_id": pl.Int64, "alternative": pl.String, "rank": pl.Int64}
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


def _alternative_list(present: Iterable[str], extra: Iterable[Any] | None) -> list[str]:
    alts = set(present)
    if extra is not None:
        alts.update(str(a) for a in extra)
    return sorted(alts)


def _majority(
    ballots: Any, alternatives: Iterable[Any] | None, *, file: Any = None
) -> tuple[list[str], np.ndarray, float]:
    """Alternatives, N[a, b] = weight of ballots ranking a strictly above b, total weight."""
    df = validate_ballots(ballots, kind="rank", file=file)
    alts = _alternative_list(df["alternative"].unique().to_list(), alternatives)
    if not alts:
        raise ValidationError("the ballots rank no alternative", table="ballots")
    index = {a: i for i, a in enumerate(alts)}
    m = len(alts)
    # One row per distinct ballot: identical orders are counted once with their total weight.
    voters = df.select("voter_id").unique(maintain_order=True)
    vid = voters.with_row_index("v")
    df = df.join(vid, on="voter_id", how="left")
    n_v = voters.height
    ranks = np.full((n_v, m), np.inf)
    ranks[df["v"].to_numpy(), [index[a] for a in df["alternative"].to_list()]] = df[
        "value"
    ].to_numpy()
    w = np.zeros(n_v)
    w[df["v"].to_numpy()] = df["weight"].to_numpy()
    uniq, inverse = np.unique(ranks, axis=0, return_inverse=True)
    wu = np.bincount(inverse.ravel(), weights=w, minlength=uniq.shape[0])
    above = uniq[:, :, None] < uniq[:, None, :]
    N = np.einsum("v,vab->ab", wu, above.astype(float))
    return alts, N, float(w.sum())


def majority_matrix(ballots: Any, *, alternatives: Iterable[Any] | None = None) -> pl.DataFrame:
    """Pairwise majority counts: how many ballots rank each alternative above each other.

    Returns
    -------
    polars.DataFrame
        Column ``alternative`` then one column per alternative: the cell in row ``a``,
        column ``b`` is the (weighted) number of ballots ranking ``a`` strictly above ``b``.

    Examples
    --------
    >>> majority_matrix(ballots_from_orders(["abc", "bca"])).rows()
    [('a', 0.0, 1.0, 1.0), ('b', 1.0, 0.0, 2.0), ('c', 1.0, 0.0, 0.0)]
    """
    alts, N, _ = _majority(ballots, alternatives)
    return pl.DataFrame({"alternative": alts, **{b: N[:, j] for j, b in enumerate(alts)}})


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
) -> RankingResult:
    ranks = _rank_of(groups)
    cols: dict[str, Any] = {
        "alternative": list(alts),
        "score": np.asarray(score, dtype=float),
        "rank": [ranks[a] for a in alts],
    }
    for k, v in (extra or {}).items():
        cols[k] = list(v)
    table = pl.DataFrame(cols).with_columns(pl.col("rank").cast(pl.Int64))
    table = table.sort(["rank", "alternative"])
    return RankingResult(
        method=method,
        scores=table,
        ranking=groups,
        winners=list(winners if winners is not None else groups[0]),
        n_voters=n_voters,
        details=details or {},
    )


# --------------------------------------------------------------------------- ranked rules
def borda(
    ballots: Any, *, alternatives: Iterable[Any] | None = None, file: str | Path | None = None
) -> RankingResult:
    """Borda count on ranked ballots (full or partial, with ties).

    On each ballot an alternative scores one point per alternative ranked strictly below it
    and half a point per alternative tied with it (unranked alternatives are tied at the
    bottom). On complete strict ballots this is the classic ``m-1, m-2, ..., 0``.

    Parameters
    ----------
    ballots : polars.DataFrame
        Long ranked-ballot table (``voter_id``, ``alternative``, ``rank``, optional ``weight``).
    alternatives : iterable, optional
        Alternatives to include even when nobody ranked them.
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
    alts, N, total = _majority(ballots, alternatives, file=file)
    ties = total - N - N.T
    np.fill_diagonal(ties, 0.0)
    score = N.sum(axis=1) + 0.5 * ties.sum(axis=1)
    return _result("borda", alts, score, _groups_by_score(alts, score), total)


def copeland(
    ballots: Any, *, alternatives: Iterable[Any] | None = None, file: str | Path | None = None
) -> RankingResult:
    """Copeland's rule: pairwise majority wins minus losses.

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
    alts, N, total = _majority(ballots, alternatives, file=file)
    diff = N - N.T
    wins = (diff > _TOL).sum(axis=1)
    losses = (diff < -_TOL).sum(axis=1)
    ties = len(alts) - 1 - wins - losses
    score = (wins - losses).astype(float)
    return _result(
        "copeland",
        alts,
        score,
        _groups_by_score(alts, score),
        total,
        extra={"wins": wins.tolist(), "losses": losses.tolist(), "ties": ties.tolist()},
    )


def _layers(beats: np.ndarray, alts: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """Tie groups of a strict partial order: repeatedly take the unbeaten alternatives."""
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
    ballots: Any,
    *,
    strength: str = "winning_votes",
    alternatives: Iterable[Any] | None = None,
    file: str | Path | None = None,
) -> RankingResult:
    """Schulze's beatpath method (Schulze 2011), widest paths by Floyd–Warshall.

    The strength of the direct link ``a → b`` is the number of ballots ranking ``a`` above
    ``b`` (``strength="winning_votes"``, Schulze's default) or the margin
    (``strength="margin"``), and exists only when ``a`` beats ``b`` head to head. ``p[a, b]``
    is the strength of the widest path; ``a`` is ranked above ``b`` when ``p[a, b] >
    p[b, a]``. This relation is a strict partial order; the ranking lists its layers
    (the unbeaten alternatives, then the unbeaten among the rest, ...), so the first tie group
    is exactly the set of Schulze winners.

    Returns
    -------
    RankingResult
        ``score`` = number of alternatives each one beats in the Schulze relation;
        ``details["path_strength"]`` is the matrix ``p`` (rows/columns in ``alternatives``
        order, listed in ``details["alternatives"]``).

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
    alts, N, total = _majority(ballots, alternatives, file=file)
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
        details={"alternatives": list(alts), "path_strength": p, "strength": strength},
    )


def _kemeny_exact(N: np.ndarray, max_list: int) -> tuple[float, int, list[list[int]], np.ndarray]:
    """Best Kemeny score, number of optimal rankings, up to ``max_list`` of them, and for each
    alternative the best score of a ranking that puts it on top.

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
    """Improve an order by moving single alternatives to their best position until stuck."""
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
    ballots: Any,
    *,
    exact_max: int = 16,
    max_rankings: int = 100,
    alternatives: Iterable[Any] | None = None,
    file: str | Path | None = None,
) -> RankingResult:
    """Kemeny–Young: the ranking that agrees with the most pairwise ballot preferences.

    The Kemeny score of a strict order is ``sum over a above b of N[a, b]`` (ballots ranking
    ``a`` above ``b``). Up to ``exact_max`` alternatives the maximum is found exactly by
    dynamic programming over subsets (O(2^m · m) time and memory; 16 alternatives take well
    under a second), together with the *number* of optimal rankings. Beyond that a
    documented heuristic is used and ``details["exact"]`` is False: start from the Copeland
    order (ties by Borda score) and move single alternatives to their best position until no
    move improves the score (a local optimum; the result may not be a Kemeny ranking).

    Ties: when several rankings are optimal, ``winners`` lists every alternative ranked first
    in some optimal ranking, ``details["optimal_rankings"]`` lists up to ``max_rankings`` of
    them and ``details["n_optimal"]`` counts them all. The tie groups of ``ranking`` join
    alternatives whose relative order differs between optimal rankings.

    Returns
    -------
    RankingResult
        ``score`` is ``m − (0-based position of the alternative's tie group)``, so higher is
        better and tied alternatives share it. In exact mode the column ``top_score`` is the
        best Kemeny score of a ranking that puts the alternative first (the winners have the
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
    alts, N, total = _majority(ballots, alternatives, file=file)
    m = len(alts)
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
        "heuristic": "Copeland start + single-alternative insertion local search",
    }
    return _result("kemeny", alts, score, groups, total, details=details)


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
    ballots: Any,
    *,
    method: str = "schulze",
    alternatives: Iterable[Any] | None = None,
    file: str | Path | None = None,
) -> RankingResult:
    """Run one of the ranked-ballot rules by name (``borda``, ``copeland``, ``schulze``,
    ``kemeny``).

    Examples
    --------
    >>> rank_ballots(ballots_from_orders(["ab", "ab", "ba"]), method="borda").winners
    ['a']
    """
    check_param(
        method in RANKING_METHODS, "method", "rank_ballots", f"one of {RANKING_METHODS}", method
    )
    funcs = {"borda": borda, "copeland": copeland, "schulze": schulze, "kemeny": kemeny_young}
    return funcs[method](ballots, alternatives=alternatives, file=file)


# --------------------------------------------------------------------------- cardinal rules
def _cardinal(
    ballots: Any,
    kind: str,
    method: str,
    alternatives: Iterable[Any] | None,
    *,
    budget: float | None = None,
    cost: str = "sum",
) -> RankingResult:
    df = validate_ballots(ballots, kind=kind)
    if budget is not None:
        spend = (pl.col("value") ** 2) if cost == "square" else pl.col("value")
        over = (
            df.with_row_index("_i")
            .group_by("voter_id", maintain_order=True)
            .agg(spend.sum().alias("spent"), pl.col("_i").first())
            .filter(pl.col("spent") > budget * (1 + 1e-12))
        )
        if over.height:
            what = "votes squared" if cost == "square" else kind
            raise ValidationError(
                f"voter {over['voter_id'][0]!r} spends {over['spent'][0]:g} ({what}), over the "
                f"budget of {budget:g}",
                table="ballots",
                row=int(over["_i"][0]) + 1,
                column=kind,
            )
    alts = _alternative_list(df["alternative"].unique().to_list(), alternatives)
    agg = df.group_by("alternative").agg(
        (pl.col("value") * pl.col("weight")).sum().alias("score"),
        pl.col("weight").filter(pl.col("value") != 0).sum().alias("supporters"),
    )
    lookup = {r[0]: (r[1], r[2]) for r in agg.iter_rows()}
    score = np.array([lookup.get(a, (0.0, 0.0))[0] for a in alts], dtype=float)
    supporters = [float(lookup.get(a, (0.0, 0.0))[1]) for a in alts]
    total = float(df.unique("voter_id")["weight"].sum())
    extra = {"supporters": supporters}
    return _result(
        method,
        alts,
        score,
        _groups_by_score(alts, score),
        total,
        extra=extra,
        details={"budget": budget},
    )


def approval_voting(ballots: Any, *, alternatives: Iterable[Any] | None = None) -> RankingResult:
    """Approval voting: the most approved alternatives win.

    ``ballots`` has ``voter_id``, ``alternative`` and optionally ``approved`` (0/1 or bool;
    without it every row is an approval) and ``weight``.

    Examples
    --------
    >>> df = pl.DataFrame({"voter_id": [1, 1, 2], "alternative": ["a", "b", "b"]})
    >>> approval_voting(df).winners
    ['b']
    """
    return _cardinal(ballots, "approved", "approval", alternatives)


def score_voting(ballots: Any, *, alternatives: Iterable[Any] | None = None) -> RankingResult:
    """Score (range) voting: the highest total score wins (an unscored alternative scores 0).

    Examples
    --------
    >>> df = pl.DataFrame({"voter_id": [1, 1, 2, 2], "alternative": ["a", "b", "a", "b"],
    ...                    "score": [5, 3, 0, 4]})
    >>> score_voting(df).scores.select("alternative", "score").rows()
    [('b', 7.0), ('a', 5.0)]
    """
    return _cardinal(ballots, "score", "score", alternatives)


def cumulative_voting(
    ballots: Any, *, budget: float | None = None, alternatives: Iterable[Any] | None = None
) -> RankingResult:
    """Cumulative voting: each voter spreads ``points`` (>= 0) over the alternatives.

    With ``budget`` set, a voter spending more than ``budget`` points is a
    :class:`ValidationError`.

    Examples
    --------
    >>> df = pl.DataFrame({"voter_id": [1, 1, 2], "alternative": ["a", "b", "b"],
    ...                    "points": [3, 2, 5]})
    >>> cumulative_voting(df, budget=5).winners
    ['b']
    """
    if budget is not None:
        check_param(
            math.isfinite(budget) and budget > 0, "budget", "cumulative_voting", "> 0", budget
        )
    return _cardinal(ballots, "points", "cumulative", alternatives, budget=budget)


def quadratic_voting(
    ballots: Any, *, budget: float | None = None, alternatives: Iterable[Any] | None = None
) -> RankingResult:
    """Quadratic voting (Lalley & Weyl 2018): signed votes cost their square in credits.

    ``votes`` may be negative (votes against). An alternative's score is the sum of the
    votes it received; with ``budget`` set, a voter whose ``sum(votes**2)`` exceeds the
    budget is a :class:`ValidationError`.

    Examples
    --------
    >>> df = pl.DataFrame({"voter_id": [1, 1, 2], "alternative": ["a", "b", "b"],
    ...                    "votes": [3, -1, 2]})
    >>> quadratic_voting(df, budget=10).scores.select("alternative", "score").rows()
    [('a', 3.0), ('b', 1.0)]
    """
    if budget is not None:
        check_param(
            math.isfinite(budget) and budget > 0, "budget", "quadratic_voting", "> 0", budget
        )
    return _cardinal(ballots, "votes", "quadratic", alternatives, budget=budget, cost="square")
