"""Participatory budgeting: greedy, Method of Equal Shares, sequential Phragmén, analysis.

Rules take an :class:`~coprod_analytics.inquiry.Inquiry` holding a budgeting election (read a
``.pb`` file with :func:`~coprod_analytics.io.pabulib.read_pabulib`; its ``budget_projects``,
``budget_votes`` and ``budget_meta`` tables as they are), or a
:class:`~coprod_analytics.io.pabulib.PBElection` (build one with
:func:`~coprod_analytics.io.pabulib.pb_election`), and return a :class:`BudgetOutcome`.

* :func:`greedy_budget` — what cities use: projects in decreasing order of votes (or points
  for ordinal and cumulative ballots), each funded if it still fits.
* :func:`equal_shares_budget` — the Method of Equal Shares (Peters, Pierczyński & Skowron,
  NeurIPS 2021): every voter gets ``B / n``; repeatedly fund the project with the smallest
  ``ρ`` such that ``Σ_i min(b_i, ρ·u_i) = cost``, charging each supporter
  ``min(b_i, ρ·u_i)``; utilities are the project's cost (``utility="cost"``) or 1
  (``"cardinality"``) for every project a voter lists. Completion: ``"add1"`` (per-voter
  budget raised one currency unit at a time, keeping the last outcome within the budget, as
  pabutools' ``voter_budget_increment=1``), ``"greedy"``, or ``"phragmen"`` (a sequential
  Phragmén phase whose starting loads are what each voter spent).
* :func:`phragmen_budget` — sequential Phragmén for budgets (voters earn money continuously;
  a project is bought as soon as its supporters can pay for it together; stop at the first
  project that would break the budget).
* :func:`outcome_analysis` — total cost, leftover, share of voters with a funded project,
  satisfaction distribution and Gini, EJR / PJR for approval ballots.
* :func:`compare_budget_rules` — what the city would have funded under each rule.

Ties are never broken silently: they are broken by project id in string order (the order
pabutools uses) and every tie that changed something is recorded in ``BudgetOutcome.ties``.
Numbers are float64; two values within a relative ``1e-9`` of each other count as tied, so
exact ties of the rational arithmetic (as in pabutools and abcvoting) are found as ties.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeAlias

import numpy as np
import polars as pl

from coprod_analytics.crowd.diversity import gini
from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.format import fmt_amount, fmt_number, fmt_pct
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.io.pabulib import PBElection, election_from_tables
from coprod_analytics.provenance import Provenance
from coprod_analytics.results import Result, frame_to_html

__all__ = [
    "BudgetOutcome",
    "BudgetTie",
    "Election",
    "JRWitness",
    "OutcomeAnalysis",
    "RuleComparison",
    "compare_budget_rules",
    "equal_shares_budget",
    "greedy_budget",
    "outcome_analysis",
    "phragmen_budget",
    "run_budget_rule",
]

_TOL = 1e-9

Utility = Literal["cost", "cardinality"]
Completion = Literal["none", "add1", "greedy", "phragmen"]
Rule = Literal["greedy", "mes", "phragmen"]

#: What the rules accept: an Inquiry holding ``budget_projects``, ``budget_votes`` and
#: ``budget_meta`` (e.g. from ``read_pabulib``), those tables by name, or a PBElection.
Election: TypeAlias = "Inquiry | PBElection | Mapping[str, pl.DataFrame]"


def _money(x: float) -> str:
    """An amount of money or a count, in full with thousands separators."""
    return fmt_amount(x)


# ---------------------------------------------------------------------------------------
# result objects
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BudgetTie:
    """A tie a rule had to break.

    Attributes
    ----------
    phase : str
        ``"greedy"``, ``"mes"``, ``"phragmen"`` or ``"completion"``.
    step : int
        1-based position in the funding order at which the tie occurred.
    tied : tuple of str
        The tied project ids (equal score, ``ρ`` or load up to a relative 1e-9).
    chosen : str
        The project taken (smallest id in string order).
    value : float
        The tied value (votes, ``ρ`` or load).

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> greedy_budget(pb_election({"a": 1, "b": 1}, [["a"], ["b"]], budget=1)).ties[0]
    BudgetTie(phase='greedy', step=1, tied=('a', 'b'), chosen='a', value=1.0)
    """

    phase: str
    step: int
    tied: tuple[str, ...]
    chosen: str
    value: float


@dataclass(frozen=True, repr=False, eq=False)
class BudgetOutcome(Result):
    """The projects a budgeting rule funds.

    Attributes
    ----------
    rule : str
        The rule, e.g. ``"greedy"``, ``"mes"``, ``"phragmen"``.
    selected : tuple of str
        Funded project ids in funding order (their form in the file).
    cost : float
        Total cost of the funded projects.
    budget : float
        The budget limit.
    ties : tuple of BudgetTie
        Every tie broken on the way.
    parameters : dict
        The rule's parameters (utility, completion, ...).
    details : dict
        Rule-specific extras: for Equal Shares ``mes_selected`` (funded in the equal-shares
        phase), ``per_voter_budget`` (the final per-voter budget under ``add1``) and
        ``add1_rounds``.
    table : polars.DataFrame
        One row per project (file order): ``project_id``, ``cost``, ``score`` (votes or
        points used by greedy), ``selected`` (bool), ``order`` (1-based funding position,
        null when not funded).
    provenance : Provenance or None
        The rule, its parameters and a fingerprint of the election.

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> e = pb_election({"a": 60, "b": 50, "c": 40}, [["a"], ["a", "b"], ["b"], ["c"]],
    ...                 budget=100)
    >>> greedy_budget(e)
    <BudgetOutcome: greedy: 2 projects funded, cost 100 of 100 (leftover 0)>
    """

    rule: str
    selected: tuple[str, ...]
    cost: float
    budget: float
    ties: tuple[BudgetTie, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    table: pl.DataFrame = field(default_factory=pl.DataFrame)
    provenance: Provenance | None = None

    @property
    def leftover(self) -> float:
        """Budget not spent."""
        return self.budget - self.cost

    def to_frame(self) -> pl.DataFrame:
        """The per-project table, funded projects first in funding order.

        Returns
        -------
        polars.DataFrame
            ``project_id``, ``cost``, ``score``, ``selected``, ``order`` (see :attr:`table`).

        Examples
        --------
        >>> from coprod_analytics.io.pabulib import pb_election
        >>> e = pb_election({"a": 1, "b": 1}, [["b"], ["b"], ["a"]], budget=1)
        >>> greedy_budget(e).to_frame()["project_id"].to_list()
        ['b', 'a']
        """
        return self.table.sort("order", nulls_last=True, maintain_order=True)

    def ties_frame(self) -> pl.DataFrame:
        """Every tie broken on the way, one row each.

        Returns
        -------
        polars.DataFrame
            ``phase``, ``step``, ``tied`` (list of project ids), ``chosen``, ``value``.

        Examples
        --------
        >>> from coprod_analytics.io.pabulib import pb_election
        >>> e = pb_election({"a": 1, "b": 1}, [["a"], ["b"]], budget=1)
        >>> greedy_budget(e).ties_frame().row(0)
        ('greedy', 1, ['a', 'b'], 'a', 1.0)
        """
        return pl.DataFrame(
            {
                "phase": [t.phase for t in self.ties],
                "step": [t.step for t in self.ties],
                "tied": [list(t.tied) for t in self.ties],
                "chosen": [t.chosen for t in self.ties],
                "value": [float(t.value) for t in self.ties],
            },
            schema={
                "phase": pl.String,
                "step": pl.Int64,
                "tied": pl.List(pl.String),
                "chosen": pl.String,
                "value": pl.Float64,
            },
        )

    def summary(self) -> str:
        """What was funded, at what cost, and every tie broken.

        Returns
        -------
        str
            First line: rule, number funded, cost, budget, leftover; then the funded ids and
            one line per tie.

        Examples
        --------
        >>> from coprod_analytics.io.pabulib import pb_election
        >>> e = pb_election({"a": 1, "b": 1}, [["a"], ["b"]], budget=1)
        >>> print(greedy_budget(e).summary())
        greedy: 1 projects funded, cost 1 of 1 (leftover 0)
        funded: a
        tie at step 1 (greedy) between a, b: took a
        """
        lines = [
            f"{self.rule}: {len(self.selected)} projects funded, cost {_money(self.cost)} of "
            f"{_money(self.budget)} (leftover {_money(self.leftover)})",
            "funded: " + ", ".join(self.selected),
        ]
        for t in self.ties:
            lines.append(
                f"tie at step {t.step} ({t.phase}) between {', '.join(t.tied)}: took {t.chosen}"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.summary().splitlines()[0])}</p>" + frame_to_html(
            self.to_frame(), caption=self.rule
        )


# ---------------------------------------------------------------------------------------
# the instance in array form
# ---------------------------------------------------------------------------------------
@dataclass
class _Instance:
    ids: list[str]
    costs: np.ndarray  # float64 (m,)
    budget: float
    n: int
    vote_type: str
    # voter-major (CSR) ballots
    v_indptr: np.ndarray
    v_proj: np.ndarray
    v_points: np.ndarray
    # project-major (CSC): supporters of each project
    p_indptr: np.ndarray
    p_voter: np.ndarray
    n_sup: np.ndarray  # (m,)
    points: np.ndarray  # total points per project (m,)
    id_rank: np.ndarray  # rank of each id in string order (m,)

    def supporters(self, j: int) -> np.ndarray:
        return self.p_voter[self.p_indptr[j] : self.p_indptr[j + 1]]


def _as_election(election: Election, func: str) -> PBElection:
    """The PBElection of an Inquiry, of its budget tables, or the election itself."""
    if isinstance(election, PBElection):
        return election
    if isinstance(election, Inquiry | Mapping):
        return election_from_tables(election)
    check_param(
        False,
        "election",
        func,
        "an Inquiry holding budget tables (e.g. read_pabulib(...)) or a PBElection",
        type(election).__name__,
    )
    raise AssertionError  # pragma: no cover


def _instance(election: PBElection) -> _Instance:
    ids = list(election.project_ids)
    costs = election.costs
    m = len(ids)
    arrays = election.ballots
    indptr, proj, pts = arrays.indptr, arrays.project_index, arrays.points
    n = election.n_voters
    voter_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    order = np.argsort(proj, kind="stable")
    p_voter = voter_of[order]
    n_sup = np.bincount(proj, minlength=m).astype(np.int64)
    p_indptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(n_sup, out=p_indptr[1:])
    points = np.bincount(proj, weights=pts, minlength=m)
    id_rank = np.empty(m, dtype=np.int64)
    id_rank[np.array(sorted(range(m), key=lambda k: ids[k]), dtype=np.int64)] = np.arange(m)
    return _Instance(
        ids=ids,
        costs=costs,
        budget=float(election.budget),
        n=n,
        vote_type=election.vote_type,
        v_indptr=indptr,
        v_proj=proj,
        v_points=pts,
        p_indptr=p_indptr,
        p_voter=p_voter,
        n_sup=n_sup,
        points=points,
        id_rank=id_rank,
    )


def _greedy_scores(inst: _Instance, by: str) -> np.ndarray:
    if by == "auto":
        by = "votes" if inst.vote_type == "approval" else "points"
    if by == "votes":
        return inst.n_sup.astype(np.float64)
    return inst.points.astype(np.float64)


def _pick(inst: _Instance, tied: Sequence[int]) -> int:
    return min(tied, key=lambda j: inst.id_rank[j])


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= _TOL * max(abs(a), abs(b), 1e-300)


def _outcome(
    inst: _Instance,
    election: PBElection,
    rule: str,
    selected: list[int],
    ties: list[BudgetTie],
    parameters: dict[str, Any],
    details: dict[str, Any] | None = None,
    score: np.ndarray | None = None,
) -> BudgetOutcome:
    m = len(inst.ids)
    order = np.full(m, -1, dtype=np.int64)
    for k, j in enumerate(selected, start=1):
        order[j] = k
    if score is None:
        score = _greedy_scores(inst, "auto")
    table = pl.DataFrame(
        {
            "project_id": inst.ids,
            "cost": inst.costs,
            "score": score,
            "selected": order > 0,
            "order": pl.Series([int(o) if o > 0 else None for o in order], dtype=pl.Int64),
        }
    )
    cost = float(inst.costs[selected].sum()) if selected else 0.0
    prov = Provenance(
        method=rule,
        input_fingerprint=election.fingerprint,
        parameters=dict(parameters),
    )
    return BudgetOutcome(
        rule=rule,
        selected=tuple(inst.ids[j] for j in selected),
        cost=cost,
        budget=inst.budget,
        ties=tuple(ties),
        parameters=dict(parameters),
        details=details or {},
        table=table,
        provenance=prov,
    )


# ---------------------------------------------------------------------------------------
# greedy
# ---------------------------------------------------------------------------------------
def greedy_budget(
    election: Election, *, by: Literal["auto", "votes", "points"] = "auto"
) -> BudgetOutcome:
    """Greedy by votes, as cities count: fund projects in decreasing score while they fit.

    A project that no longer fits is skipped and the next one tried. Projects nobody voted
    for come last (so with unit costs this is approval voting, abcvoting's ``av``).

    Parameters
    ----------
    election : Inquiry or PBElection
        An Inquiry holding the budget tables (e.g. ``read_pabulib("x.pb")``), or an election.
    by : {"auto", "votes", "points"}
        ``"votes"``: number of voters listing the project; ``"points"``: total points
        (cumulative / scoring points; Borda points ``L - position`` for ordinal ballots, as
        Kraków's ``score`` column). ``"auto"`` uses votes for approval ballots and points
        otherwise.

    Returns
    -------
    BudgetOutcome
        Ties in score are broken by project id (string order) and recorded when the tied
        projects were not all funded or not all rejected.

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> e = pb_election({"a": 60, "b": 50, "c": 40}, [["a"], ["a", "b"], ["b"], ["c"]],
    ...                 budget=100)
    >>> greedy_budget(e).selected
    ('a', 'c')
    """
    check_param(
        by in ("auto", "votes", "points"),
        "by",
        "greedy_budget",
        "one of 'auto', 'votes', 'points'",
        by,
    )
    election = _as_election(election, "greedy_budget")
    inst = _instance(election)
    score = _greedy_scores(inst, by)
    selected, ties = _greedy_fill(inst, score, [], phase="greedy")
    return _outcome(inst, election, "greedy", selected, ties, {"by": by}, score=score)


def _greedy_fill(
    inst: _Instance, score: np.ndarray, start: list[int], *, phase: str
) -> tuple[list[int], list[BudgetTie]]:
    selected = list(start)
    taken = set(selected)
    spent = float(inst.costs[selected].sum()) if selected else 0.0
    rest = [j for j in range(len(inst.ids)) if j not in taken]
    rest.sort(key=lambda j: (-score[j], inst.id_rank[j]))
    ties: list[BudgetTie] = []
    k = 0
    limit = inst.budget * (1 + _TOL)
    while k < len(rest):
        group = [rest[k]]
        while k + len(group) < len(rest) and _close(score[rest[k + len(group)]], score[rest[k]]):
            group.append(rest[k + len(group)])
        funded: list[int] = []
        for j in group:
            if spent + inst.costs[j] <= limit:
                spent += inst.costs[j]
                funded.append(j)
        if funded and len(funded) < len(group):
            ties.append(
                BudgetTie(
                    phase=phase,
                    step=len(selected) + 1,
                    tied=tuple(inst.ids[j] for j in group),
                    chosen=inst.ids[funded[0]],
                    value=float(score[group[0]]),
                )
            )
        selected.extend(funded)
        k += len(group)
    return selected, ties


# ---------------------------------------------------------------------------------------
# Method of Equal Shares
# ---------------------------------------------------------------------------------------
def _payment(budgets: np.ndarray, cost: float) -> float:
    """Smallest per-supporter cap ``p`` with ``Σ min(b_i, p) = cost`` (equal utilities)."""
    b = np.sort(budgets)
    m = b.size
    prefix = np.empty(m, dtype=np.float64)
    prefix[0] = 0.0
    np.cumsum(b[:-1], out=prefix[1:])
    cand = (cost - prefix) / (m - np.arange(m))
    ok = np.flatnonzero(cand <= b)
    return float(cand[ok[0]]) if ok.size else float(b[-1])


def _mes_phase(
    inst: _Instance,
    per_voter: float,
    utility: str,
) -> tuple[list[int], np.ndarray, list[BudgetTie]]:
    """One run of Equal Shares; returns (selected, remaining budgets, ties)."""
    m = len(inst.ids)
    b = np.full(inst.n, per_voter, dtype=np.float64)
    selected: list[int] = []
    ties: list[BudgetTie] = []
    # cost-0 projects with supporters are funded up front (as pabutools does)
    for j in range(m):
        if inst.n_sup[j] > 0 and inst.costs[j] == 0:
            selected.append(j)
    active = [j for j in range(m) if inst.n_sup[j] > 0 and inst.costs[j] > 0]
    util = inst.costs if utility == "cost" else np.ones(m)
    lb = {j: inst.costs[j] / (util[j] * inst.n_sup[j]) for j in active}
    floor = per_voter * 1e-12
    while active:
        active.sort(key=lambda j: lb[j])
        best = np.inf
        found: list[tuple[float, int, float]] = []
        drop: list[int] = []
        for j in active:
            if lb[j] > best * (1 + _TOL):
                break
            bs = b[inst.supporters(j)]
            c = inst.costs[j]
            if bs.sum() < c * (1 - _TOL):
                drop.append(j)
                continue
            p = _payment(bs, c)
            rho = p / util[j]
            lb[j] = rho
            found.append((rho, j, p))
            best = min(best, rho)
        for j in drop:
            active.remove(j)
        if not found:
            break
        tied = [(j, p) for rho, j, p in found if rho <= best * (1 + _TOL)]
        j_star = _pick(inst, [j for j, _ in tied])
        p_star = next(p for j, p in tied if j == j_star)
        if len(tied) > 1:
            ties.append(
                BudgetTie(
                    phase="mes",
                    step=len(selected) + 1,
                    tied=tuple(sorted(inst.ids[j] for j, _ in tied)),
                    chosen=inst.ids[j_star],
                    value=float(best),
                )
            )
        sup = inst.supporters(j_star)
        bs = b[sup]
        bs -= np.minimum(bs, p_star)
        bs[bs < floor] = 0.0
        b[sup] = bs
        selected.append(j_star)
        active.remove(j_star)
    return selected, b, ties


def equal_shares_budget(
    election: Election,
    *,
    utility: Utility = "cost",
    completion: Completion = "none",
    increment: float = 1.0,
) -> BudgetOutcome:
    """Method of Equal Shares (MES) with an optional completion.

    Parameters
    ----------
    election : Inquiry or PBElection
        An Inquiry holding the budget tables (e.g. ``read_pabulib("x.pb")``), or an
        election. Any ballot type; a voter's utility counts every project on the ballot (as
        pabutools' ``Cost_Sat`` / ``Cardinality_Sat``).
    utility : {"cost", "cardinality"}
        A funded project is worth its cost (``"cost"``) or 1 (``"cardinality"``) to each
        voter who lists it.
    completion : {"none", "add1", "greedy", "phragmen"}
        ``"add1"``: rerun MES with the per-voter budget raised by ``increment`` until the
        outcome is exhaustive (returned) or over budget (the previous outcome is returned);
        ``"greedy"``: fill the leftover greedily by votes (points for ordinal/cumulative);
        ``"phragmen"``: sequential Phragmén started from the loads each voter spent in MES.
    increment : float
        Per-voter step of ``"add1"`` (currency units).

    Returns
    -------
    BudgetOutcome
        ``details["mes_selected"]`` lists the projects funded by the equal-shares phase.

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> e = pb_election({"a": 3, "b": 3, "c": 3, "d": 1}, [["a", "b"]] * 3 + [["c"]] * 3
    ...                 + [["d"]], budget=7)
    >>> equal_shares_budget(e).selected
    ('a', 'c', 'd')
    >>> equal_shares_budget(e, completion="add1").selected
    ('a', 'c', 'd')
    """
    check_param(
        utility in ("cost", "cardinality"),
        "utility",
        "equal_shares_budget",
        "'cost' or 'cardinality'",
        utility,
    )
    check_param(
        completion in ("none", "add1", "greedy", "phragmen"),
        "completion",
        "equal_shares_budget",
        "one of 'none', 'add1', 'greedy', 'phragmen'",
        completion,
    )
    check_param(
        bool(np.isfinite(increment)) and increment > 0,
        "increment",
        "equal_shares_budget",
        "a number > 0",
        increment,
    )
    election = _as_election(election, "equal_shares_budget")
    inst = _instance(election)
    params: dict[str, Any] = {"utility": utility, "completion": completion}
    if completion == "add1":
        params["increment"] = increment
    if inst.n == 0:
        return _outcome(inst, election, "mes", [], [], params, {"mes_selected": ()})
    b0 = inst.budget / inst.n
    selected, b, ties = _mes_phase(inst, b0, utility)
    details: dict[str, Any] = {"mes_selected": tuple(inst.ids[j] for j in selected)}
    limit = inst.budget * (1 + _TOL)
    if completion == "add1":
        candidates = [j for j in range(len(inst.ids)) if inst.n_sup[j] > 0 and inst.costs[j] > 0]
        per_voter = b0
        rounds = 0
        prev = (selected, ties, per_voter)
        while True:
            cost = float(inst.costs[selected].sum())
            if cost > limit:  # over budget: keep the previous outcome
                selected, ties, per_voter = prev
                break
            chosen = set(selected)
            if all(j in chosen or cost + inst.costs[j] > limit for j in candidates):
                break
            prev = (selected, ties, per_voter)
            per_voter += increment
            rounds += 1
            selected, b, ties = _mes_phase(inst, per_voter, utility)
        details.update(per_voter_budget=per_voter, add1_rounds=rounds)
        details["mes_selected"] = tuple(inst.ids[j] for j in selected)
    elif completion == "greedy":
        score = _greedy_scores(inst, "auto")
        selected, more = _greedy_fill(inst, score, selected, phase="completion")
        ties = ties + more
    elif completion == "phragmen":
        loads = b0 - b
        selected, more = _phragmen(inst, loads, selected, phase="completion")
        ties = ties + more
    return _outcome(inst, election, "mes", selected, ties, params, details)


# ---------------------------------------------------------------------------------------
# sequential Phragmén
# ---------------------------------------------------------------------------------------
def _phragmen(
    inst: _Instance, loads: np.ndarray, start: list[int], *, phase: str
) -> tuple[list[int], list[BudgetTie]]:
    loads = loads.astype(np.float64, copy=True)
    selected = list(start)
    taken = set(selected)
    spent = float(inst.costs[selected].sum()) if selected else 0.0
    limit = inst.budget * (1 + _TOL)
    ties: list[BudgetTie] = []
    cand = np.array(
        [j for j in range(len(inst.ids)) if j not in taken and inst.costs[j] <= limit],
        dtype=np.int64,
    )
    while cand.size:
        lengths = inst.n_sup[cand]
        gathered = np.concatenate([inst.supporters(j) for j in cand])
        sums = np.zeros(cand.size)
        has = lengths > 0
        if gathered.size:
            sums[has] = np.add.reduceat(
                loads[gathered], np.concatenate(([0], np.cumsum(lengths[has])[:-1]))
            )
        with np.errstate(divide="ignore"):
            new_load = np.where(has, (inst.costs[cand] + sums) / np.maximum(lengths, 1), np.inf)
        best = float(new_load.min())
        if np.isinf(best):
            tied = [int(j) for j in cand]
        else:
            tied = [int(j) for j in cand[new_load <= best * (1 + _TOL) + 1e-300]]
        if any(spent + inst.costs[j] > limit for j in tied):
            break
        j_star = _pick(inst, tied)
        if len(tied) > 1:
            ties.append(
                BudgetTie(
                    phase=phase,
                    step=len(selected) + 1,
                    tied=tuple(sorted(inst.ids[j] for j in tied)),
                    chosen=inst.ids[j_star],
                    value=best,
                )
            )
        if not np.isinf(best):
            loads[inst.supporters(j_star)] = best
        spent += inst.costs[j_star]
        selected.append(j_star)
        cand = cand[cand != j_star]
    return selected, ties


def phragmen_budget(election: Election) -> BudgetOutcome:
    """Sequential Phragmén for participatory budgeting.

    Voters earn money continuously from 0; a project is funded as soon as its supporters can
    pay its cost together (new load ``(cost + Σ loads of supporters) / #supporters``, the
    smallest first). The rule stops at the first project (among the tied smallest) that
    would break the budget, as pabutools' ``sequential_phragmen``. Every project a voter
    lists counts as approved. Projects nobody lists have an infinite load: they come last,
    all tied, when every supported project is funded (as in pabutools and abcvoting, so that
    with unit costs a committee is always filled).

    Parameters
    ----------
    election : Inquiry or PBElection
        An Inquiry holding the budget tables (e.g. ``read_pabulib("x.pb")``), or an election.

    Returns
    -------
    BudgetOutcome
        Ties between equal loads are broken by project id and recorded.

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> e = pb_election({"a": 1, "b": 1, "c": 1}, [["a", "b"]] * 3 + [["c"]] * 2, budget=2)
    >>> phragmen_budget(e).selected
    ('a', 'c')
    """
    election = _as_election(election, "phragmen_budget")
    inst = _instance(election)
    selected, ties = _phragmen(inst, np.zeros(inst.n), [], phase="phragmen")
    return _outcome(inst, election, "phragmen", selected, ties, {})


def run_budget_rule(
    election: Election,
    rule: Rule,
    *,
    utility: Utility = "cost",
    completion: Completion = "none",
) -> BudgetOutcome:
    """Run a budgeting rule by name (used by the CLI and :func:`compare_budget_rules`).

    Parameters
    ----------
    election : Inquiry or PBElection
        An Inquiry holding the budget tables (e.g. ``read_pabulib("x.pb")``), or an election.
    rule : {"greedy", "mes", "phragmen"}
        :func:`greedy_budget`, :func:`equal_shares_budget` or :func:`phragmen_budget`.
    utility : {"cost", "cardinality"}
        Voter utility of Equal Shares (ignored by the other rules).
    completion : {"none", "add1", "greedy", "phragmen"}
        Completion of Equal Shares (ignored by the other rules).

    Returns
    -------
    BudgetOutcome

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> e = pb_election({"a": 1, "b": 1}, [["a"], ["a", "b"]], budget=1)
    >>> run_budget_rule(e.to_inquiry(), "mes").selected
    ('a',)
    """
    check_param(
        rule in ("greedy", "mes", "phragmen"),
        "rule",
        "run_budget_rule",
        "one of 'greedy', 'mes', 'phragmen'",
        rule,
    )
    if rule == "greedy":
        return greedy_budget(election)
    if rule == "phragmen":
        return phragmen_budget(election)
    return equal_shares_budget(election, utility=utility, completion=completion)


# ---------------------------------------------------------------------------------------
# analysis
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class JRWitness:
    """A group of voters that EJR or PJR leaves short (the proof that the property fails).

    Attributes
    ----------
    projects : tuple of str
        The projects ``T`` the group all approve and could afford with their share.
    group_size : int
        How many voters are in the group.
    ell : int
        ``|T|``: the group deserves ``ell`` funded projects it approves.

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> e = pb_election({"a": 1, "b": 1}, [["a"]] * 2 + [["b"]] * 2, budget=1)
    >>> outcome_analysis(e, greedy_budget(e)).ejr_witness is None
    True
    """

    projects: tuple[str, ...]
    group_size: int
    ell: int


@dataclass(frozen=True, repr=False, eq=False)
class OutcomeAnalysis(Result):
    """How an outcome serves the voters.

    Attributes
    ----------
    rule : str
        The outcome's rule (or label).
    total_cost : float
        Money spent.
    budget : float
        The budget limit.
    leftover : float
        ``budget - total_cost``.
    leftover_share : float
        ``leftover / budget``.
    n_selected : int
        Funded projects.
    share_with_funded : float
        Share of voters with at least one funded project on their ballot.
    gini_cardinality : float
        Gini (:func:`coprod_analytics.crowd.diversity.gini`) of the per-voter number of
        funded projects.
    gini_cost : float
        Gini of the per-voter cost of funded projects.
    ejr : bool or None
        EJR for approval ballots with cardinality utilities (Peters, Pierczyński &
        Skowron 2021; a group ``S`` is ``T``-cohesive when ``|S| / n · B >= cost(T)`` and
        everyone in ``S`` approves all of ``T``). None when not checked (not approval
        ballots, ``check_proportionality=False``, or the solver hit its time limit).
    pjr : bool or None
        PJR, likewise.
    ejr_witness : JRWitness or None
        A group EJR leaves short, when it fails.
    pjr_witness : JRWitness or None
        A group PJR leaves short, when it fails.
    satisfaction : polars.DataFrame
        Per voter: ``participant_id``, ``n_funded``, ``cost_funded``.
    provenance : Provenance or None
        The analysis's parameters and a fingerprint of the election.

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> e = pb_election({"a": 1, "b": 1}, [["a"], ["a"], ["b"]], budget=1)
    >>> outcome_analysis(e, greedy_budget(e))
    <OutcomeAnalysis: greedy: 1 funded, cost 1 of 1 (leftover 0%); 67% of voters have a funded project; Gini 0.333; EJR y…>
    """

    rule: str
    total_cost: float
    budget: float
    leftover: float
    leftover_share: float
    n_selected: int
    share_with_funded: float
    gini_cardinality: float
    gini_cost: float
    ejr: bool | None
    pjr: bool | None
    ejr_witness: JRWitness | None
    pjr_witness: JRWitness | None
    satisfaction: pl.DataFrame
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """The analysis in one row.

        Returns
        -------
        polars.DataFrame
            ``rule``, ``n_selected``, ``total_cost``, ``budget``, ``leftover``,
            ``leftover_share``, ``share_with_funded``, ``mean_funded``, ``gini_cardinality``,
            ``gini_cost``, ``ejr``, ``pjr``.

        Examples
        --------
        >>> from coprod_analytics.io.pabulib import pb_election
        >>> e = pb_election({"a": 1, "b": 1}, [["a"], ["a"], ["b"]], budget=1)
        >>> outcome_analysis(e, greedy_budget(e)).to_frame()["mean_funded"].round(3).to_list()
        [0.667]
        """
        return pl.DataFrame(
            {
                "rule": [self.rule],
                "n_selected": [self.n_selected],
                "total_cost": [float(self.total_cost)],
                "budget": [float(self.budget)],
                "leftover": [float(self.leftover)],
                "leftover_share": [self.leftover_share],
                "share_with_funded": [self.share_with_funded],
                "mean_funded": [
                    float(np.mean(self.satisfaction["n_funded"].to_numpy()))
                    if self.satisfaction.height
                    else 0.0
                ],
                "gini_cardinality": [self.gini_cardinality],
                "gini_cost": [self.gini_cost],
                "ejr": [self.ejr],
                "pjr": [self.pjr],
            },
            schema_overrides={"ejr": pl.Boolean, "pjr": pl.Boolean},
        )

    def satisfaction_distribution(self) -> pl.DataFrame:
        """Number of voters per number of funded projects on their ballot.

        Returns
        -------
        polars.DataFrame
            ``n_funded``, ``voters``, ``share``.

        Examples
        --------
        >>> from coprod_analytics.io.pabulib import pb_election
        >>> e = pb_election({"a": 1, "b": 1}, [["a"], ["a"], ["b"]], budget=1)
        >>> outcome_analysis(e, greedy_budget(e)).satisfaction_distribution()["voters"].to_list()
        [1, 2]
        """
        d = self.satisfaction.group_by("n_funded").len(name="voters").sort("n_funded")
        total = max(self.satisfaction.height, 1)
        return d.with_columns((pl.col("voters") / total).alias("share"))

    def summary(self) -> str:
        """The analysis in one line.

        Returns
        -------
        str

        Examples
        --------
        >>> from coprod_analytics.io.pabulib import pb_election
        >>> e = pb_election({"a": 1, "b": 1}, [["a"], ["a"], ["b"]], budget=1)
        >>> print(outcome_analysis(e, greedy_budget(e)).summary())
        greedy: 1 funded, cost 1 of 1 (leftover 0%); 67% of voters have a funded project; Gini 0.333; EJR yes, PJR yes
        """

        def yn(v: bool | None) -> str:
            return "not checked" if v is None else ("yes" if v else "NO")

        return (
            f"{self.rule}: {self.n_selected} funded, cost {_money(self.total_cost)} of "
            f"{_money(self.budget)} (leftover {fmt_pct(self.leftover_share)}); "
            f"{fmt_pct(self.share_with_funded)} of voters have a funded project; "
            f"Gini {fmt_number(self.gini_cardinality)}; EJR {yn(self.ejr)}, PJR {yn(self.pjr)}"
        )

    def _repr_html_(self) -> str:
        return frame_to_html(self.to_frame(), caption=self.summary())


def outcome_analysis(
    election: Election,
    outcome: BudgetOutcome,
    *,
    check_proportionality: bool = True,
    time_limit: float = 20.0,
) -> OutcomeAnalysis:
    """Analyse an outcome: cost, leftover, coverage, satisfaction and its Gini, EJR/PJR.

    Parameters
    ----------
    election : Inquiry or PBElection
        An Inquiry holding the budget tables (e.g. ``read_pabulib("x.pb")``), or an election.
    outcome : BudgetOutcome
        From any rule on this election.
    check_proportionality : bool
        Check EJR and PJR (approval ballots only) with an integer program (scipy's HiGHS).
    time_limit : float
        Seconds per integer program; an unfinished check is reported as None.

    Returns
    -------
    OutcomeAnalysis

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> e = pb_election({"a": 1, "b": 1, "c": 1, "d": 1},
    ...                 [["a", "b", "d"]] * 4 + [["c"]] * 2, budget=3)
    >>> a = outcome_analysis(e, greedy_budget(e))
    >>> round(a.share_with_funded, 3), a.ejr, a.pjr
    (0.667, False, False)
    >>> a.ejr_witness
    JRWitness(projects=('c',), group_size=2, ell=1)
    >>> outcome_analysis(e, equal_shares_budget(e)).ejr
    True
    """
    election = _as_election(election, "outcome_analysis")
    inst = _instance(election)
    known = {p: k for k, p in enumerate(inst.ids)}
    for p in outcome.selected:
        if p not in known:
            raise ValidationError(
                f"outcome funds project {p!r}, which is not in this election", column="selected"
            )
    funded = np.zeros(len(inst.ids), dtype=bool)
    funded[[known[p] for p in outcome.selected]] = True
    hit = funded[inst.v_proj]
    voter_of = np.repeat(np.arange(inst.n), np.diff(inst.v_indptr))
    n_funded = np.bincount(voter_of[hit], minlength=inst.n)
    cost_funded = np.bincount(voter_of[hit], weights=inst.costs[inst.v_proj[hit]], minlength=inst.n)
    total = float(inst.costs[funded].sum())
    sat = pl.DataFrame(
        {
            "participant_id": election.votes["voter_id"],
            "n_funded": n_funded.astype(np.int64),
            "cost_funded": cost_funded,
        }
    )
    ejr = pjr = None
    ejr_w = pjr_w = None
    if check_proportionality and inst.vote_type == "approval" and inst.n > 0:
        ejr, ejr_w = _check_jr(inst, funded, n_funded, "ejr", time_limit)
        pjr, pjr_w = _check_jr(inst, funded, n_funded, "pjr", time_limit)
    return OutcomeAnalysis(
        rule=outcome.rule,
        total_cost=total,
        budget=inst.budget,
        leftover=inst.budget - total,
        leftover_share=(inst.budget - total) / inst.budget if inst.budget > 0 else 0.0,
        n_selected=int(funded.sum()),
        share_with_funded=float(np.mean(n_funded > 0)) if inst.n else 0.0,
        gini_cardinality=gini(n_funded) if inst.n else 0.0,
        gini_cost=gini(cost_funded) if inst.n else 0.0,
        ejr=ejr,
        pjr=pjr,
        ejr_witness=ejr_w,
        pjr_witness=pjr_w,
        satisfaction=sat,
        provenance=Provenance(
            method="outcome_analysis",
            input_fingerprint=election.fingerprint,
            parameters={
                "rule": outcome.rule,
                "selected": list(outcome.selected),
                "check_proportionality": check_proportionality,
                "time_limit": time_limit,
            },
        ),
    )


def _check_jr(
    inst: _Instance,
    funded: np.ndarray,
    n_funded: np.ndarray,
    kind: str,
    time_limit: float,
) -> tuple[bool | None, JRWitness | None]:
    """Search for a violating cohesive group with a MILP per size ``ℓ = |T|``."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    # group identical ballots
    keys: dict[tuple[int, ...], int] = {}
    group_of = np.empty(inst.n, dtype=np.int64)
    ballots: list[tuple[int, ...]] = []
    for i in range(inst.n):
        key = tuple(sorted(inst.v_proj[inst.v_indptr[i] : inst.v_indptr[i + 1]].tolist()))
        g = keys.setdefault(key, len(keys))
        if g == len(ballots):
            ballots.append(key)
        group_of[i] = g
    weight = np.bincount(group_of, minlength=len(ballots)).astype(np.float64)
    sat_g = np.array([int(funded[list(b)].sum()) for b in ballots], dtype=np.int64)
    m = len(inst.ids)
    scale = inst.n / inst.budget if inst.budget > 0 else np.inf
    max_len = max((len(b) for b in ballots), default=0)
    unknown = False
    for ell in range(1, max_len + 1):
        gs = [
            g for g, b in enumerate(ballots) if len(b) >= ell and (kind == "pjr" or sat_g[g] < ell)
        ]
        if not gs:
            continue
        projs = sorted({j for g in gs for j in ballots[g]})
        if len(projs) < ell:
            continue
        pj = {j: k for k, j in enumerate(projs)}
        ny, nx = len(projs), len(gs)
        wf = sorted({j for g in gs for j in ballots[g] if funded[j]}) if kind == "pjr" else []
        wk = {j: k for k, j in enumerate(wf)}
        nw = len(wf)
        nv = ny + nx + nw
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        lo: list[float] = []
        hi: list[float] = []
        r = 0
        # Σ y = ℓ
        rows += [r] * ny
        cols += list(range(ny))
        vals += [1.0] * ny
        lo.append(ell)
        hi.append(ell)
        r += 1
        # ℓ·x_g − Σ_{j∈A_g} y_j ≤ 0
        for k, g in enumerate(gs):
            rows += [r] * (1 + len(ballots[g]))
            cols += [ny + k] + [pj[j] for j in ballots[g]]
            vals += [float(ell)] + [-1.0] * len(ballots[g])
            lo.append(-np.inf)
            hi.append(0.0)
            r += 1
        # cohesive: n/B · Σ c_j y_j − Σ n_g x_g ≤ 0
        rows += [r] * (ny + nx)
        cols += list(range(ny + nx))
        vals += [float(inst.costs[j] * scale) for j in projs] + [-weight[g] for g in gs]
        lo.append(-np.inf)
        hi.append(1e-7)
        r += 1
        # non-empty group
        rows += [r] * nx
        cols += list(range(ny, ny + nx))
        vals += [1.0] * nx
        lo.append(1.0)
        hi.append(np.inf)
        r += 1
        if kind == "pjr":
            # w_j ≥ x_g for funded j ∈ A_g;  Σ w ≤ ℓ − 1
            for k, g in enumerate(gs):
                for j in ballots[g]:
                    if funded[j]:
                        rows += [r, r]
                        cols += [ny + k, ny + nx + wk[j]]
                        vals += [1.0, -1.0]
                        lo.append(-np.inf)
                        hi.append(0.0)
                        r += 1
            rows += [r] * nw
            cols += list(range(ny + nx, nv))
            vals += [1.0] * nw
            lo.append(-np.inf)
            hi.append(ell - 1)
            r += 1
        a = coo_matrix((vals, (rows, cols)), shape=(r, nv)).tocsr()
        res = milp(
            c=np.concatenate((np.zeros(ny), -weight[gs], np.zeros(nw))),
            constraints=LinearConstraint(a, np.array(lo), np.array(hi)),
            integrality=np.ones(nv),
            bounds=Bounds(np.zeros(nv), np.ones(nv)),
            options={"time_limit": time_limit, "disp": False},
        )
        if res.x is not None and res.status in (0, 1):
            y = res.x[:ny] > 0.5
            x = res.x[ny : ny + nx] > 0.5
            t = [inst.ids[projs[k]] for k in np.flatnonzero(y)]
            size = int(weight[np.array(gs)[x]].sum())
            return False, JRWitness(projects=tuple(t), group_size=size, ell=ell)
        if res.status != 2:  # not proven infeasible
            unknown = True
    del m
    return (None, None) if unknown else (True, None)


# ---------------------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------------------
_DEFAULT_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("greedy", "greedy", "cost", "none"),
    ("mes", "mes", "cost", "none"),
    ("mes+add1", "mes", "cost", "add1"),
    ("mes+greedy", "mes", "cost", "greedy"),
    ("phragmen", "phragmen", "cost", "none"),
)


@dataclass(frozen=True, repr=False, eq=False)
class RuleComparison(Result):
    """What each rule funds, side by side.

    Attributes
    ----------
    outcomes : dict of str to BudgetOutcome
        By label.
    analyses : dict of str to OutcomeAnalysis
        By label.
    projects : polars.DataFrame
        One row per project: ``project_id``, ``cost``, ``score``, ``selected_in_file``
        (the file's ``selected`` column when present) and one Boolean column per rule.
    provenance : Provenance or None
        The rules compared and a fingerprint of the election.

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> e = pb_election({"a": 1, "b": 1}, [["a"], ["a"], ["b"]], budget=1)
    >>> compare_budget_rules(e)
    <RuleComparison: 5 rules compared: greedy funds 1, mes funds 0, mes+add1 funds 0, mes+greedy funds 1, phragmen funds…>
    """

    outcomes: dict[str, BudgetOutcome]
    analyses: dict[str, OutcomeAnalysis]
    projects: pl.DataFrame
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """One row per rule (columns of :meth:`OutcomeAnalysis.to_frame`).

        Returns
        -------
        polars.DataFrame

        Examples
        --------
        >>> from coprod_analytics.io.pabulib import pb_election
        >>> e = pb_election({"a": 1, "b": 1}, [["a"], ["a"], ["b"]], budget=1)
        >>> compare_budget_rules(e).to_frame()["rule"].to_list()
        ['greedy', 'mes', 'mes+add1', 'mes+greedy', 'phragmen']
        """
        return pl.concat([a.to_frame() for a in self.analyses.values()])

    def summary(self) -> str:
        """A headline, then one line per rule (:meth:`OutcomeAnalysis.summary`).

        Returns
        -------
        str

        Examples
        --------
        >>> from coprod_analytics.io.pabulib import pb_election
        >>> e = pb_election({"a": 1, "b": 1}, [["a"], ["a"], ["b"]], budget=1)
        >>> len(compare_budget_rules(e).summary().splitlines())
        6
        """
        head = f"{len(self.analyses)} rules compared: " + ", ".join(
            f"{k} funds {a.n_selected}" for k, a in self.analyses.items()
        )
        return "\n".join([head, *(a.summary() for a in self.analyses.values())])

    def _repr_html_(self) -> str:
        return frame_to_html(self.to_frame(), caption="budgeting rules compared") + frame_to_html(
            self.projects, caption="projects funded under each rule"
        )


def compare_budget_rules(
    election: Election,
    *,
    rules: Sequence[tuple[str, str, str, str]] = _DEFAULT_RULES,
    check_proportionality: bool = False,
) -> RuleComparison:
    """Run several rules on one election and tabulate what each funds.

    Parameters
    ----------
    election : Inquiry or PBElection
        An Inquiry holding the budget tables (e.g. ``read_pabulib("x.pb")``), or an election.
    rules : sequence of (label, rule, utility, completion)
        Default: greedy, MES, MES + add1, MES + greedy, sequential Phragmén.
    check_proportionality : bool
        Also check EJR / PJR (slow on large elections).

    Returns
    -------
    RuleComparison

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> e = pb_election({"a": 1, "b": 1, "c": 1, "d": 1},
    ...                 [["a", "b", "d"]] * 4 + [["c"]] * 2, budget=3)
    >>> cmp = compare_budget_rules(e)
    >>> cmp.projects.select("project_id", "greedy", "mes").rows()
    [('a', True, True), ('b', True, True), ('c', False, True), ('d', True, False)]
    >>> cmp.to_frame()["share_with_funded"].to_list()
    [0.666..., 1.0, 1.0, 1.0, 1.0]
    """
    election = _as_election(election, "compare_budget_rules")
    outcomes: dict[str, BudgetOutcome] = {}
    for label, rule, utility, completion in rules:
        check_param(
            label not in outcomes,
            "rules",
            "compare_budget_rules",
            "a sequence with distinct labels",
            label,
        )
        outcomes[label] = run_budget_rule(
            election,
            rule,  # type: ignore[arg-type]
            utility=utility,  # type: ignore[arg-type]
            completion=completion,  # type: ignore[arg-type]
        )
    analyses = {
        k: replace(
            outcome_analysis(election, o, check_proportionality=check_proportionality), rule=k
        )
        for k, o in outcomes.items()
    }
    first = next(iter(outcomes.values())) if outcomes else None
    base = (
        first.table.select("project_id", "cost", "score")
        if first is not None
        else pl.DataFrame({"project_id": list(election.project_ids)})
    )
    if "selected" in election.projects.columns:
        sel = election.projects["selected"].cast(pl.Int64, strict=False)
        base = base.with_columns(selected_in_file=(sel == 1))
    for k, o in outcomes.items():
        base = base.with_columns(o.table["selected"].alias(k))
    return RuleComparison(
        outcomes=outcomes,
        analyses=analyses,
        projects=base,
        provenance=Provenance(
            method="compare_budget_rules",
            input_fingerprint=election.fingerprint,
            parameters={
                "rules": [list(r) for r in rules],
                "check_proportionality": check_proportionality,
            },
        ),
    )
