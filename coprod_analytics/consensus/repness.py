"""Pol.is's representativeness: which statements set a group apart from the rest.

For every (group, statement): smoothed agree/disagree rates ``pa``, ``pd``, their one-
proportion tests ``pat``, ``pdt``, the ratios to the rest of the room ``ra``, ``rd`` and the
two-proportion tests ``rat``, ``rdt``; :func:`select_representative` makes Pol.is's choice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "SIGNIFICANCE_Z",
    "RepStatement",
    "Repness",
    "prop_test",
    "repness_stats",
    "select_representative",
]


#: One-sided 90% z threshold of Pol.is's representativeness and consensus tests.
SIGNIFICANCE_Z = 1.2816


def prop_test(succ: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Pol.is's one-proportion z of ``succ`` successes in ``n`` trials (pseudocount 1 each).

    Parameters
    ----------
    succ, n : np.ndarray
        Successes and trials.

    Returns
    -------
    np.ndarray
        ``2 sqrt(n + 1) ((succ + 1) / (n + 1) - 1/2)``.

    Examples
    --------
    >>> prop_test(np.array([3.0]), np.array([3.0])).tolist()
    [2.0]
    """
    s1 = succ + 1.0
    n1 = n + 1.0
    return 2.0 * np.sqrt(n1) * (s1 / n1 - 0.5)


def _two_prop_test(
    succ_in: np.ndarray, succ_out: np.ndarray, n_in: np.ndarray, n_out: np.ndarray
) -> np.ndarray:
    s1, s2, n1, n2 = succ_in + 1.0, succ_out + 1.0, n_in + 1.0, n_out + 1.0
    pi1 = s1 / n1
    pi2 = s2 / n2
    pi = (s1 + s2) / (n1 + n2)
    var = pi * (1.0 - pi) * (1.0 / n1 + 1.0 / n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (pi1 - pi2) / np.sqrt(var)
    return np.where(pi == 1.0, 0.0, np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0))


@dataclass(frozen=True, eq=False)
class Repness:
    """Pol.is's representativeness statistics, each ``(n_groups, n_statements)``.

    Attributes
    ----------
    na : np.ndarray
        Agrees of the group.
    nd : np.ndarray
        Disagrees of the group.
    ns : np.ndarray
        All votes of the group (passes included).
    pa : np.ndarray
        Smoothed agree rate, ``(na + 1) / (ns + 2)``.
    pd : np.ndarray
        Smoothed disagree rate, ``(nd + 1) / (ns + 2)``.
    pat : np.ndarray
        One-proportion z of the agree rate (:func:`prop_test`).
    pdt : np.ndarray
        One-proportion z of the disagree rate.
    ra : np.ndarray
        Ratio of the agree rate to the rest of the room's.
    rd : np.ndarray
        Ratio of the disagree rate to the rest of the room's.
    rat : np.ndarray
        Two-proportion z of the group's agree rate against the rest.
    rdt : np.ndarray
        Two-proportion z of the group's disagree rate against the rest.

    Examples
    --------
    >>> rep = repness_stats(np.array([[4], [0]]), np.array([[0], [4]]), np.array([[4], [4]]))
    >>> rep.pa.round(3).tolist(), bool(rep.rat[0, 0] > 0 > rep.rat[1, 0])
    ([[0.833], [0.167]], True)
    """

    na: np.ndarray
    nd: np.ndarray
    ns: np.ndarray
    pa: np.ndarray
    pd: np.ndarray
    pat: np.ndarray
    pdt: np.ndarray
    ra: np.ndarray
    rd: np.ndarray
    rat: np.ndarray
    rdt: np.ndarray


def repness_stats(agree: np.ndarray, disagree: np.ndarray, total: np.ndarray) -> Repness:
    """Representativeness of each statement for each group (one group vs the rest).

    Parameters
    ----------
    agree, disagree, total : np.ndarray
        ``(n_groups, n_statements)`` tallies (see
        :func:`~coprod_analytics.consensus.tallies.group_vote_counts`).

    Returns
    -------
    Repness

    Examples
    --------
    >>> rep = repness_stats(np.array([[4], [0]]), np.array([[0], [4]]), np.array([[4], [4]]))
    >>> rep.ra.round(2).tolist()
    [[5.0], [0.2]]
    """
    na, nd, ns = (a.astype(np.float64) for a in (agree, disagree, total))
    ra_rest = na.sum(axis=0, keepdims=True) - na
    rd_rest = nd.sum(axis=0, keepdims=True) - nd
    rs_rest = ns.sum(axis=0, keepdims=True) - ns
    pa = (na + 1.0) / (ns + 2.0)
    pd = (nd + 1.0) / (ns + 2.0)
    return Repness(
        na=na,
        nd=nd,
        ns=ns,
        pa=pa,
        pd=pd,
        pat=prop_test(na, ns),
        pdt=prop_test(nd, ns),
        ra=pa / ((1.0 + ra_rest) / (2.0 + rs_rest)),
        rd=pd / ((1.0 + rd_rest) / (2.0 + rs_rest)),
        rat=_two_prop_test(na, ra_rest, ns, rs_rest),
        rdt=_two_prop_test(nd, rd_rest, ns, rs_rest),
    )


@dataclass(frozen=True)
class RepStatement:
    """One representative statement of a group.

    Attributes
    ----------
    column : int
        Statement column.
    direction : {"agree", "disagree"}
        What sets the group apart.
    n_success : int
        Agrees (or disagrees) of the group.
    n_trials : int
        All votes of the group on the statement.
    p_success : float
        Smoothed rate of ``direction``.
    p_test : float
        Its one-proportion z.
    repness : float
        Ratio of the rate to the rest of the room's.
    repness_test : float
        Two-proportion z against the rest.
    best_agree : bool
        The group's best agreed statement (listed first).

    Examples
    --------
    >>> rep = repness_stats(np.array([[4], [0]]), np.array([[0], [4]]), np.array([[4], [4]]))
    >>> select_representative(rep, np.array([False]))[0][0].direction
    'agree'
    """

    column: int
    direction: str  # "agree" | "disagree"
    n_success: int
    n_trials: int
    p_success: float
    p_test: float
    repness: float
    repness_test: float
    best_agree: bool = False


def select_representative(
    rep: Repness, excluded: np.ndarray, *, pick_max: int = 5, z: float = SIGNIFICANCE_Z
) -> list[list[RepStatement]]:
    """Pol.is's choice of representative statements for each group.

    Significant statements ((rat and pat) or (rdt and pdt) above ``z``) are ranked by
    repness x repness-test x p-success x p-test; the best agreed statement goes first; at
    most ``pick_max`` are kept, agrees before disagrees. A group with no significant
    statement gets its best agreed one (or else its best one by test), so every group has at
    least one. Excluded (moderated-out/meta) statements are never chosen.

    Parameters
    ----------
    rep : Repness
        The statistics (:func:`repness_stats`).
    excluded : np.ndarray of bool
        Statements that may not be chosen.
    pick_max : int, default 5
        At most this many per group.
    z : float, default 1.2816
        One-sided significance threshold.

    Returns
    -------
    list of list of RepStatement
        Per group, best first.

    Examples
    --------
    >>> rep = repness_stats(np.array([[4], [0]]), np.array([[0], [4]]), np.array([[4], [4]]))
    >>> [[r.direction for r in g] for g in select_representative(rep, np.array([False]))]
    [['agree'], ['disagree']]
    """
    n_groups, m = rep.na.shape
    out: list[list[RepStatement]] = []
    allowed = ~excluded
    for g in range(n_groups):

        def fin(j: int, best_agree: bool = False, g: int = g) -> RepStatement:
            if rep.rat[g, j] > rep.rdt[g, j]:
                vals = ("agree", rep.na, rep.pa, rep.pat, rep.ra, rep.rat)
            else:
                vals = ("disagree", rep.nd, rep.pd, rep.pdt, rep.rd, rep.rdt)
            return RepStatement(
                column=j,
                direction=str(vals[0]),
                n_success=int(vals[1][g, j]),
                n_trials=int(rep.ns[g, j]),
                p_success=float(vals[2][g, j]),
                p_test=float(vals[3][g, j]),
                repness=float(vals[4][g, j]),
                repness_test=float(vals[5][g, j]),
                best_agree=best_agree,
            )

        sufficient: list[int] = []
        best: int | None = None
        best_agree: int | None = None
        for j in range(m):
            if not allowed[j]:
                continue
            passes = (rep.rat[g, j] > z and rep.pat[g, j] > z) or (
                rep.rdt[g, j] > z and rep.pdt[g, j] > z
            )
            if passes:
                sufficient.append(j)
            if not sufficient and (
                best is None
                or max(rep.rat[g, j], rep.rdt[g, j]) > max(rep.rat[g, best], rep.rdt[g, best])
            ):
                best = j
            if _beats_best_agree(rep, g, j, best_agree, z):
                best_agree = j
        head: list[RepStatement] = []
        if best_agree is not None:
            head = [fin(best_agree, True)]
        if not sufficient:
            if head:
                out.append(head)
            elif best is not None:
                out.append([fin(best)])
            else:
                out.append([])
            continue
        cands = [fin(j) for j in sufficient if j != best_agree]
        cands.sort(key=lambda r: -(r.repness * r.repness_test * r.p_success * r.p_test))
        chosen = (head + cands)[:pick_max]
        chosen = [r for r in chosen if r.direction == "agree"] + [
            r for r in chosen if r.direction == "disagree"
        ]
        out.append(chosen)
    return out


def _beats_best_agree(rep: Repness, g: int, j: int, cur: int | None, z: float) -> bool:
    if rep.na[g, j] == 0 and rep.nd[g, j] == 0:
        return False
    metric = rep.ra[g, j] * rep.rat[g, j] * rep.pa[g, j] * rep.pat[g, j]
    if cur is not None and rep.ra[g, cur] > 1.0:
        return bool(metric > rep.ra[g, cur] * rep.rat[g, cur] * rep.pa[g, cur] * rep.pat[g, cur])
    if cur is not None:
        return bool(rep.pa[g, j] * rep.pat[g, j] > rep.pa[g, cur] * rep.pat[g, cur])
    return bool(rep.pat[g, j] > z or (rep.ra[g, j] > 1.0 and rep.pa[g, j] > 0.5))
