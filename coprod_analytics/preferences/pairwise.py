"""Bradley–Terry models of pairwise comparisons, and which pair to ask next.

Comparison tables
-----------------
One row per comparison — exactly the ``pairwise`` table of an
:class:`~coprod_analytics.inquiry.Inquiry` (the Inquiry itself is accepted too):

==================  =======================================================================
column              meaning
==================  =======================================================================
``winner``          the item preferred (an item id; both columns share one type)
``loser``           the other item
``tie``             optional bool / 0-1: the two were judged equal (``winner``/``loser`` is
                    then just the pair)
``participant_id``  optional: who compared (kept for provenance; not used by the model)
``weight``          optional, >= 0: the row counts this many times (default 1)
==================  =======================================================================

A numpy array of shape ``(k, 2)`` (winner, loser) is accepted too. When a table names its
columns differently, name them with keywords named after the canonical column:
``bradley_terry_pairwise(table, winner="preferred", loser="other")``.

Model
-----
``P(i beats j) = exp(θ_i) / (exp(θ_i) + exp(θ_j))``; the log-strengths ``θ`` are reported with
mean zero (choix's normalisation). A tie counts as half a win for each side (the simple,
documented convention: it pulls the two strengths together and leaves the likelihood a
Bradley–Terry likelihood; Rao–Kupper/Davidson tie parameters are not fitted).

The maximum-likelihood estimate exists only when the comparison graph (an edge ``i → j``
whenever ``i`` beat ``j``) is strongly connected (Ford 1957; Hunter 2004): otherwise some group
of items never lost to the rest and its strength runs off to infinity. Such data raise a
:class:`ValidationError` unless ``l2 > 0``, which adds the penalty ``(l2 / 2) · Σ θ_i²`` (a
Gaussian prior with variance ``1 / l2``) and always has a finite solution.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import Any, TypeAlias

import numpy as np
import polars as pl

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.format import fmt_number
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result, frame_to_html, interval_frame

__all__ = [
    "BradleyTerryResult",
    "Comparisons",
    "bradley_terry_pairwise",
    "pairwise_counts",
    "suggest_next_pair",
    "validate_comparisons",
]


#: What the functions accept: an Inquiry (its ``pairwise`` table), a polars, pandas or Arrow
#: table, a dict of columns, or a numpy array of shape (k, 2).
Comparisons: TypeAlias = (
    "Inquiry | pl.DataFrame | pl.LazyFrame | np.ndarray | Mapping[str, Sequence[Any]] | Any"
)


def _where(i: int, file: str | Path | None, table: str) -> dict[str, Any]:
    if file is not None:
        return {"file": file, "line": i + 2}
    return {"table": table, "row": i + 1}


def validate_comparisons(
    comparisons: Comparisons,
    *,
    winner: str | None = None,
    loser: str | None = None,
    participant_id: str | None = None,
    file: str | Path | None = None,
    table: str = "comparisons",
) -> pl.DataFrame:
    """Check a comparison table and return it normalised.

    Parameters
    ----------
    comparisons : Inquiry, table, dict of columns or numpy array of shape (k, 2)
        See the module docstring for the columns; an Inquiry gives its ``pairwise`` table.
    winner, loser, participant_id : str, optional
        The names of these columns in ``comparisons`` when they differ from the canonical
        ones.
    file : str or Path, optional
        Named in error messages (with line numbers, the header being line 1).
    table : str, default "comparisons"
        Named in error messages when ``file`` is not given.

    Returns
    -------
    polars.DataFrame
        Columns ``winner``, ``loser``, ``tie`` (bool), ``weight`` (float), and
        ``participant_id`` when given.

    Raises
    ------
    ValidationError
        Naming the row (or file line) and column of the first bad value.

    Examples
    --------
    >>> validate_comparisons(pl.DataFrame({"winner": ["a"], "loser": ["a"]}))
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ValidationError: table 'comparisons', row 1, column 'loser': an item cannot be compared with itself; got 'a' against 'a'
    >>> validate_comparisons({"preferred": ["a"], "other": ["b"]}, winner="preferred",
    ...                      loser="other").columns
    ['winner', 'loser', 'tie', 'weight']
    """
    func = "validate_comparisons"
    if isinstance(comparisons, Inquiry):
        if "pairwise" not in comparisons.tables:
            raise ValidationError(
                f"{func} needs pairwise comparisons: the inquiry holds no 'pairwise' table "
                f"(it holds {sorted(comparisons.tables) or 'no further tables'})",
                table="pairwise",
            )
        comparisons = comparisons.tables["pairwise"]
    if isinstance(comparisons, np.ndarray):
        check_param(
            comparisons.ndim == 2 and comparisons.shape[1] == 2,
            "comparisons",
            func,
            "an array of shape (k, 2) (winner, loser)",
            comparisons.shape,
        )
        df = pl.DataFrame({"winner": comparisons[:, 0], "loser": comparisons[:, 1]})
    elif isinstance(comparisons, pl.DataFrame):
        df = comparisons
    elif isinstance(comparisons, pl.LazyFrame):
        df = comparisons.collect()
    elif isinstance(comparisons, dict):
        df = pl.DataFrame(comparisons)
    elif type(comparisons).__module__.startswith("pandas"):
        df = pl.from_pandas(comparisons)
    elif type(comparisons).__module__.startswith("pyarrow"):
        out = pl.from_arrow(comparisons)
        check_param(isinstance(out, pl.DataFrame), "comparisons", func, "a table", "an array")
        assert isinstance(out, pl.DataFrame)
        df = out
    else:
        check_param(
            False,
            "comparisons",
            func,
            "an Inquiry, a polars, pandas or Arrow table or a (k, 2) numpy array",
            type(comparisons).__name__,
        )
        raise AssertionError  # pragma: no cover
    wcol, lcol = winner or "winner", loser or "loser"
    pcol = participant_id or "participant_id"
    missing = [c for c in (wcol, lcol) if c not in df.columns]
    if missing:
        raise ValidationError(
            f"missing column(s) {missing}; expected {wcol!r} and {lcol!r}, found {df.columns}",
            **({"file": file} if file is not None else {"table": table}),
        )
    for c in (wcol, lcol):
        nulls = df[c].is_null()
        if nulls.any():
            raise ValidationError(
                "an item is required; got an empty value",
                column=c,
                **_where(int(nulls.arg_true()[0]), file, table),
            )
    win, lose = df[wcol], df[lcol]
    if win.dtype != lose.dtype:
        win, lose = win.cast(pl.String), lose.cast(pl.String)
    same = win == lose
    if same.any():
        i = int(same.arg_true()[0])
        raise ValidationError(
            f"an item cannot be compared with itself; got {win[i]!r} against {lose[i]!r}",
            column=lcol,
            **_where(i, file, table),
        )
    out_cols: dict[str, pl.Series] = {"winner": win, "loser": lose}
    for c, what in (("tie", "a tie flag (true/false or 1/0)"), ("weight", "a weight >= 0")):
        if c not in df.columns:
            continue
        col = df[c]
        if col.dtype == pl.Boolean:
            vals = col.cast(pl.Float64)
        elif col.dtype.is_numeric():
            vals = col.cast(pl.Float64)
        elif c == "tie":
            low = col.cast(pl.String).str.strip_chars().str.to_lowercase()
            mapping = {"true": 1.0, "false": 0.0, "1": 1.0, "0": 0.0, "yes": 1.0, "no": 0.0}
            vals = low.replace_strict(mapping, default=None, return_dtype=pl.Float64)
        else:
            vals = col.cast(pl.Float64, strict=False)
        bad = vals.is_null() | ~vals.is_finite().fill_null(False)
        if c == "tie":
            bad = bad | ~vals.is_in([0.0, 1.0]).fill_null(False)
        else:
            bad = bad | (vals < 0).fill_null(False)
        if bad.any():
            i = int(bad.arg_true()[0])
            raise ValidationError(
                f"expected {what}; got {col[i]!r}", column=c, **_where(i, file, table)
            )
        out_cols[c] = vals.cast(pl.Boolean) if c == "tie" else vals
    n = df.height
    out_cols.setdefault("tie", pl.Series("tie", [False] * n, dtype=pl.Boolean))
    out_cols.setdefault("weight", pl.Series("weight", np.ones(n)))
    if pcol in df.columns:
        out_cols["participant_id"] = df[pcol]
    return pl.DataFrame({k: v.alias(k) for k, v in out_cols.items()})


def _win_matrix(df: pl.DataFrame, items: Iterable[Any] | None) -> tuple[list[Any], np.ndarray]:
    """Items (sorted) and W[i, j] = weighted wins of i over j (a tie gives 0.5 to each)."""
    both = pl.concat([df["winner"], df["loser"]])
    if items is not None:
        labels = pl.Series("item", list(items))
        if labels.dtype != both.dtype:
            labels, both = labels.cast(pl.String), both.cast(pl.String)
            df = df.with_columns(pl.col("winner", "loser").cast(pl.String))
        unknown = ~both.is_in(labels.implode())
        if unknown.any():
            i = int(unknown.arg_true()[0])
            col = "winner" if i < df.height else "loser"
            raise ValidationError(
                f"item {both[i]!r} is not in the 'items' given",
                table="comparisons",
                row=i % df.height + 1,
                column=col,
            )
        dup = labels.is_duplicated()
        check_param(not dup.any(), "items", "bradley_terry_pairwise", "distinct", "duplicates")
        uniq = labels.unique().sort()
    else:
        uniq = both.unique().sort()
    m = uniq.len()
    wi = uniq.search_sorted(df["winner"]).to_numpy() if df.height else np.zeros(0, int)
    li = uniq.search_sorted(df["loser"]).to_numpy() if df.height else np.zeros(0, int)
    w = df["weight"].to_numpy()
    tie = df["tie"].to_numpy().astype(bool)
    full = np.where(tie, 0.5 * w, w)
    W = np.bincount(wi * m + li, weights=full, minlength=m * m).reshape(m, m)
    if tie.any():
        W += np.bincount(li[tie] * m + wi[tie], weights=0.5 * w[tie], minlength=m * m).reshape(m, m)
    return uniq.to_list(), W


def pairwise_counts(
    comparisons: Comparisons,
    *,
    items: Iterable[Any] | None = None,
    winner: str | None = None,
    loser: str | None = None,
) -> pl.DataFrame:
    """The win matrix: how often each item beat each other (ties count half).

    Parameters
    ----------
    comparisons : Inquiry, table or numpy array of shape (k, 2)
        ``winner``, ``loser``, optional ``tie`` and ``weight`` (module docstring).
    items : iterable, optional
        The items to list (default: every item seen).
    winner, loser : str, optional
        Column names in ``comparisons`` when they differ from the canonical ones.

    Returns
    -------
    polars.DataFrame
        Column ``item_id`` then one column per item (named by its text): the cell in row
        ``i``, column ``j`` is the weighted number of wins of ``i`` over ``j``.

    Examples
    --------
    >>> df = pl.DataFrame({"winner": ["a", "a", "b"], "loser": ["b", "b", "a"]})
    >>> pairwise_counts(df).rows()
    [('a', 0.0, 2.0), ('b', 1.0, 0.0)]
    """
    items_, W = _win_matrix(validate_comparisons(comparisons, winner=winner, loser=loser), items)
    return pl.DataFrame({"item_id": items_, **{str(b): W[:, j] for j, b in enumerate(items_)}})


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _loglik(theta: np.ndarray, W: np.ndarray, l2: float) -> float:
    D = theta[:, None] - theta[None, :]
    return float(-(W * np.logaddexp(0.0, -D)).sum() - 0.5 * l2 * theta @ theta)


def _fisher(theta: np.ndarray, Nmat: np.ndarray, l2: float) -> np.ndarray:
    P = _sigmoid(theta[:, None] - theta[None, :])
    A = Nmat * P * (1.0 - P)
    L = np.diag(A.sum(axis=1)) - A
    return L + l2 * np.eye(theta.size)


def _fit_newton(W: np.ndarray, l2: float, tol: float, max_iter: int) -> tuple[np.ndarray, int]:
    m = W.shape[0]
    Nmat = W + W.T
    wins = W.sum(axis=1)
    theta = np.zeros(m)
    J = np.ones((m, m)) / m
    ll = _loglik(theta, W, l2)
    for it in range(1, max_iter + 1):
        P = _sigmoid(theta[:, None] - theta[None, :])
        grad = wins - (Nmat * P).sum(axis=1) - l2 * theta
        H = _fisher(theta, Nmat, l2)
        step = np.linalg.solve(H + J if l2 == 0 else H, grad)
        t = 1.0
        while True:
            cand = theta + t * step
            if l2 == 0:
                cand -= cand.mean()
            ll_new = _loglik(cand, W, l2)
            if ll_new >= ll - 1e-12 * max(1.0, abs(ll)) or t < 1e-8:
                break
            t *= 0.5
        theta, ll = cand, ll_new
        if np.max(np.abs(t * step)) < tol:
            return theta, it
    return theta, max_iter


def _fit_mm(W: np.ndarray, tol: float, max_iter: int) -> tuple[np.ndarray, int]:
    """Hunter's (2004) MM iteration γ_i ← w_i / Σ_j n_ij / (γ_i + γ_j)."""
    Nmat = W + W.T
    wins = W.sum(axis=1)
    gamma = np.ones(W.shape[0])
    for it in range(1, max_iter + 1):
        denom = (Nmat / (gamma[:, None] + gamma[None, :])).sum(axis=1)
        new = wins / denom
        new /= np.exp(np.log(new).mean())
        delta = np.max(np.abs(np.log(new) - np.log(gamma)))
        gamma = new
        if delta < tol:
            return np.log(gamma), it
    return np.log(gamma), max_iter


def _strong_components(W: np.ndarray) -> list[list[int]]:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    n, labels = connected_components(csr_matrix(W > 0), directed=True, connection="strong")
    return [np.flatnonzero(labels == k).tolist() for k in range(n)]


@dataclass(frozen=True, repr=False, eq=False)
class BradleyTerryResult(Result):
    """Fitted Bradley–Terry log-strengths with Wald confidence intervals.

    Attributes
    ----------
    items : tuple
        The items, in sorted order (the order of the arrays below).
    log_strength : numpy.ndarray
        θ, mean zero. ``P(i beats j) = 1 / (1 + exp(θ_j − θ_i))``.
    se : numpy.ndarray
        Standard errors from the observed Fisher information (its pseudo-inverse under the
        mean-zero constraint when ``l2 == 0``; the inverse of information + ``l2·I`` otherwise).
    cov : numpy.ndarray
        The covariance matrix those standard errors come from.
    alpha : float
        Level of the intervals in :meth:`to_frame` (``1 − alpha`` coverage).
    wins : numpy.ndarray
        Per item: (weighted) wins, ties counting half.
    comparisons : numpy.ndarray
        Per item: (weighted) comparisons taken part in.
    l2 : float
        The L2 penalty used (0 is the plain maximum-likelihood estimate).
    method : str
        ``"newton"`` or ``"mm"``.
    n_iter : int
        Iterations used.
    log_likelihood : float
        Penalised log-likelihood at the estimate.
    details : dict
        ``win_matrix`` (W[i, j] = wins of i over j) and anything else.
    provenance : Provenance or None
        Parameters and a fingerprint of the validated comparisons.

    Examples
    --------
    >>> res = bradley_terry_pairwise({"winner": [0, 0, 1, 2], "loser": [1, 1, 2, 0]})
    >>> res
    <BradleyTerryResult: Bradley–Terry (newton): 3 items, 4 comparisons; strongest: 0>
    >>> res.conf_int(alpha=0.1).columns
    ['item_id', 'ci_low', 'ci_high', 'alpha']
    """

    items: tuple[Any, ...]
    log_strength: np.ndarray
    se: np.ndarray
    cov: np.ndarray
    alpha: float
    wins: np.ndarray
    comparisons: np.ndarray
    l2: float
    method: str
    n_iter: int
    log_likelihood: float
    details: dict[str, Any] = field(default_factory=dict)
    provenance: Provenance | None = None

    def _z(self, alpha: float) -> float:
        check_param(
            isinstance(alpha, int | float) and 0 < alpha < 1,
            "alpha",
            "BradleyTerryResult.conf_int",
            "in (0, 1)",
            alpha,
        )
        return NormalDist().inv_cdf(1 - alpha / 2)

    def conf_int(self, alpha: float = 0.05) -> pl.DataFrame:
        """Wald intervals ``θ ± z·se`` of the log-strengths at level ``1 − alpha``.

        Parameters
        ----------
        alpha : float, default 0.05
            Any level in (0, 1) (Wald intervals are recomputed from ``se``).

        Returns
        -------
        polars.DataFrame
            ``item_id``, ``ci_low``, ``ci_high``, ``alpha`` (items in sorted order).

        Examples
        --------
        >>> res = bradley_terry_pairwise({"winner": ["a", "b", "a"], "loser": ["b", "a", "b"]})
        >>> res.conf_int().row(0)[0], round(res.conf_int()["ci_low"][0], 3)
        ('a', -0.854)
        """
        z = self._z(alpha)
        return interval_frame(
            {"item_id": list(self.items)},
            self.log_strength - z * self.se,
            self.log_strength + z * self.se,
            alpha=alpha,
        )

    @property
    def ranking(self) -> tuple[tuple[Any, ...], ...]:
        """Items grouped by equal estimated strength, strongest first."""
        groups: dict[float, list[Any]] = {}
        for item, t in zip(self.items, self.log_strength, strict=True):
            groups.setdefault(round(float(t), 9), []).append(item)
        return tuple(tuple(groups[k]) for k in sorted(groups, reverse=True))

    @property
    def winners(self) -> list[Any]:
        """The strongest item(s); several when tied."""
        return list(self.ranking[0])

    def probability(self, a: Any, b: Any) -> float:
        """Estimated probability that ``a`` beats ``b``.

        Parameters
        ----------
        a, b : item ids
            Two fitted items.

        Returns
        -------
        float

        Examples
        --------
        >>> res = bradley_terry_pairwise({"winner": ["a", "a", "b"], "loser": ["b", "b", "a"]})
        >>> round(res.probability("a", "b"), 3)
        0.667
        """
        idx = {x: i for i, x in enumerate(self.items)}
        for name, x in (("a", a), ("b", b)):
            check_param(x in idx, name, "BradleyTerryResult.probability", "a fitted item", x)
        return float(_sigmoid(np.array(self.log_strength[idx[a]] - self.log_strength[idx[b]])))

    def to_frame(self) -> pl.DataFrame:
        """One row per item, strongest first.

        Returns
        -------
        polars.DataFrame
            ``item_id``, ``log_strength`` (θ, mean zero), ``se``, ``ci_low``, ``ci_high``
            (at :attr:`alpha`), ``strength`` (exp θ, geometric mean 1), ``wins`` (ties count
            half), ``comparisons`` and ``rank`` (1 is strongest; equal estimates share a
            rank).

        Examples
        --------
        >>> res = bradley_terry_pairwise({"winner": ["a", "a", "b"], "loser": ["b", "b", "a"]})
        >>> res.to_frame()["item_id"].to_list()
        ['a', 'b']
        """
        z = self._z(self.alpha)
        rank: dict[Any, int] = {}
        pos = 1
        for g in self.ranking:
            for item in g:
                rank[item] = pos
            pos += len(g)
        return pl.DataFrame(
            {
                "item_id": list(self.items),
                "log_strength": self.log_strength,
                "se": self.se,
                "ci_low": self.log_strength - z * self.se,
                "ci_high": self.log_strength + z * self.se,
                "strength": np.exp(self.log_strength),
                "wins": self.wins,
                "comparisons": self.comparisons,
                "rank": [rank[i] for i in self.items],
            }
        ).sort(["rank", "item_id"])

    def summary(self) -> str:
        """The fit in one line: items, comparisons and the strongest item(s).

        Returns
        -------
        str

        Examples
        --------
        >>> bradley_terry_pairwise({"winner": ["a", "b"], "loser": ["b", "a"]}).summary()
        'Bradley–Terry (newton): 2 items, 2 comparisons; strongest: a, b'
        """
        top = ", ".join(str(w) for w in self.winners)
        reg = f", L2 penalty {fmt_number(self.l2)}" if self.l2 else ""
        return (
            f"Bradley–Terry ({self.method}{reg}): {len(self.items)} items, "
            f"{fmt_number(float(self.comparisons.sum()) / 2, 12)} comparisons; strongest: {top}"
        )

    def _repr_html_(self) -> str:
        return frame_to_html(self.to_frame(), caption=self.summary())


def bradley_terry_pairwise(
    comparisons: Comparisons,
    *,
    items: Iterable[Any] | None = None,
    winner: str | None = None,
    loser: str | None = None,
    participant_id: str | None = None,
    l2: float = 0.0,
    method: str = "newton",
    alpha: float = 0.05,
    tol: float = 1e-10,
    max_iter: int = 1000,
    file: str | Path | None = None,
) -> BradleyTerryResult:
    """Bradley–Terry strengths from pairwise comparisons.

    Comparisons are first aggregated into a win matrix, so the cost per iteration depends on
    the number of items, not of comparisons.

    Parameters
    ----------
    comparisons : Inquiry, table or numpy array of shape (k, 2)
        ``winner``, ``loser``, optional ``tie``, ``participant_id``, ``weight`` (module
        docstring): an inquiry's ``pairwise`` table as it is, or the Inquiry itself.
    items : iterable, optional
        The items to estimate (default: every item seen). Items never compared need ``l2 > 0``.
    winner, loser, participant_id : str, optional
        Column names in ``comparisons`` when they differ from the canonical ones.
    l2 : float, default 0
        L2 penalty ``(l2 / 2)·Σ θ²`` (a Gaussian prior with variance ``1 / l2``). Needed when
        the comparison graph is not strongly connected. ``choix.opt_pairwise(alpha=a)``
        penalises ``a·Σ θ²``, i.e. ``l2 = 2a``.
    method : {"newton", "mm"}
        ``"mm"`` is Hunter's (2004) minorisation–maximisation iteration (``l2 = 0`` only);
        ``"newton"`` (default) is Newton–Raphson with step halving on the same concave
        log-likelihood: same estimate, far fewer iterations.
    alpha : float, default 0.05
        Level of the reported confidence intervals.
    tol, max_iter : float, int
        Convergence tolerance on the largest change in θ, and the iteration cap.
    file : str or Path, optional
        Named in error messages.

    Returns
    -------
    BradleyTerryResult

    Raises
    ------
    ValidationError
        When ``l2 == 0`` and the comparison graph is not strongly connected (the MLE does
        not exist), naming the separate groups of items.

    Examples
    --------
    >>> df = pl.DataFrame({"winner": [0, 0, 1, 2], "loser": [1, 1, 2, 0]})
    >>> res = bradley_terry_pairwise(df)
    >>> res.log_strength.round(4)
    array([ 0.4196, -0.4196,  0.    ])
    >>> res.winners
    [0]
    """
    func = "bradley_terry_pairwise"
    check_param(isinstance(l2, int | float) and np.isfinite(l2) and l2 >= 0, "l2", func, ">= 0", l2)
    check_param(method in ("newton", "mm"), "method", func, "'newton' or 'mm'", method)
    check_param(method == "newton" or l2 == 0, "method", func, "'newton' when l2 > 0", method)
    check_param(isinstance(alpha, int | float) and 0 < alpha < 1, "alpha", func, "in (0, 1)", alpha)
    check_param(tol > 0, "tol", func, "> 0", tol)
    check_param(isinstance(max_iter, int) and max_iter >= 1, "max_iter", func, ">= 1", max_iter)
    df = validate_comparisons(
        comparisons, winner=winner, loser=loser, participant_id=participant_id, file=file
    )
    labels, W = _win_matrix(df, items)
    m = len(labels)
    if m < 2:
        raise ValidationError(
            f"Bradley–Terry needs comparisons between at least two items; got {m}",
            **({"file": file} if file is not None else {"table": "comparisons"}),
        )
    if l2 == 0:
        comps = _strong_components(W)
        if len(comps) > 1:
            shown = "; ".join(
                "["
                + ", ".join(repr(labels[i]) for i in c[:5])
                + (", ..." if len(c) > 5 else "")
                + "]"
                for c in comps[:4]
            )
            raise ValidationError(
                "the Bradley–Terry maximum-likelihood estimate does not exist: the comparison "
                f"graph is not strongly connected ({len(comps)} groups of items that never both "
                f"beat and lost to each other: {shown}{' ...' if len(comps) > 4 else ''}). Add "
                "comparisons or pass l2 > 0 to regularise",
                **({"file": file} if file is not None else {"table": "comparisons"}),
            )
    if method == "mm":
        theta, n_iter = _fit_mm(W, tol, max_iter)
    else:
        theta, n_iter = _fit_newton(W, float(l2), tol, max_iter)
    Nmat = W + W.T
    info = _fisher(theta, Nmat, float(l2))
    if l2 == 0:
        # Moore–Penrose inverse of the (connected) Laplacian: (L + 11ᵀ/m)⁻¹ − 11ᵀ/m
        J = np.full((m, m), 1.0 / m)
        cov = np.linalg.inv(info + J) - J
    else:
        cov = np.linalg.inv(info)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    return BradleyTerryResult(
        items=tuple(labels),
        log_strength=theta,
        se=se,
        cov=cov,
        alpha=float(alpha),
        wins=W.sum(axis=1),
        comparisons=Nmat.sum(axis=1),
        l2=float(l2),
        method=method,
        n_iter=n_iter,
        log_likelihood=_loglik(theta, W, float(l2)),
        details={"win_matrix": W, "n_rows": df.height},
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(df),
            parameters={"l2": float(l2), "method": method, "alpha": float(alpha), "tol": tol},
        ),
    )


def suggest_next_pair(
    data: BradleyTerryResult | Comparisons,
    *,
    items: Iterable[Any] | None = None,
    l2: float = 1.0,
    top: int = 1,
) -> pl.DataFrame:
    """The most informative pair(s) to ask about next in a live pairwise session.

    Fits (or takes) a Bradley–Terry model with covariance ``Σ`` and, for every pair
    ``(a, b)``, scores the expected reduction in the *total* posterior variance of the
    log-strengths (A-optimal design) from one more comparison of ``a`` with ``b``. One
    comparison adds Fisher information ``p(1−p)·e eᵀ`` with ``e = e_a − e_b`` and ``p`` the
    predicted win probability, so by the rank-one (Sherman–Morrison) update::

        score = p(1−p) · ‖Σ e‖² / (1 + p(1−p) · eᵀ Σ e)

    It favours close contests (``p`` near 1/2) between items whose strengths are still
    uncertain, and pairs whose answer propagates to many other items.

    Parameters
    ----------
    data : BradleyTerryResult, Inquiry or comparisons table
        A fitted model, or comparisons (an inquiry's ``pairwise`` table or the Inquiry) to
        fit with penalty ``l2`` (a prior that keeps early sessions, with few or one-sided
        answers, well defined).
    items : iterable, optional
        All the items of the session (include those not compared yet).
    l2 : float, default 1.0
        Prior precision when ``data`` is a table; must be > 0.
    top : int, default 1
        How many pairs to return.

    Returns
    -------
    polars.DataFrame
        ``top`` rows, best first: ``item_a``, ``item_b``, ``p_a_wins``, ``information``
        (p(1−p)), ``var_difference`` (eᵀΣe) and ``score``. Equal scores keep item order.

    Examples
    --------
    >>> df = pl.DataFrame({"winner": ["a", "a", "b"], "loser": ["b", "c", "c"]})
    >>> suggest_next_pair(df, items=["a", "b", "c", "d"])["item_b"].to_list()
    ['d']
    """
    func = "suggest_next_pair"
    check_param(isinstance(top, int) and top >= 1, "top", func, "an int >= 1", top)
    if isinstance(data, BradleyTerryResult):
        res = data
    else:
        check_param(
            isinstance(l2, int | float) and np.isfinite(l2) and l2 > 0, "l2", func, "> 0", l2
        )
        res = bradley_terry_pairwise(data, items=items, l2=float(l2))
    theta, cov = res.log_strength, res.cov
    m = theta.size
    ia, ib = np.triu_indices(m, k=1)
    p = _sigmoid(theta[ia] - theta[ib])
    info = p * (1.0 - p)
    diff_cols = cov[:, ia] - cov[:, ib]  # Σ e for every pair, one column each
    v = diff_cols[ia, np.arange(ia.size)] - diff_cols[ib, np.arange(ia.size)]
    norm2 = (diff_cols**2).sum(axis=0)
    score = info * norm2 / (1.0 + info * v)
    order = np.argsort(-np.round(score, 12), kind="stable")[:top]
    items_ = list(res.items)
    return pl.DataFrame(
        {
            "item_a": [items_[i] for i in ia[order]],
            "item_b": [items_[i] for i in ib[order]],
            "p_a_wins": p[order],
            "information": info[order],
            "var_difference": v[order],
            "score": score[order],
        }
    )
