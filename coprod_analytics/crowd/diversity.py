"""Opinion diversity, polarisation and participation inequality.

Distribution measures take the **counts (or shares) of positions** -- how many people hold
each position, or the sizes of opinion groups -- as a 1-D array:
:func:`shannon_diversity`, :func:`simpson_diversity`, :func:`effective_number`,
:func:`esteban_ray_polarization` (with the positions' locations) and
:func:`rao_quadratic_entropy` (with distances between positions).
:func:`bimodality_coefficient` takes the raw answers. For Pol.is-style vote tables,
:func:`participation_gini` measures how unequally votes are spread over participants and
:func:`vote_diversity` gives the measures per statement.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from coprod_analytics.crowd._common import canonical_columns
from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.inquiry import Inquiry

__all__ = [
    "bimodality_coefficient",
    "effective_number",
    "esteban_ray_polarization",
    "gini",
    "participation_gini",
    "rao_quadratic_entropy",
    "shannon_diversity",
    "simpson_diversity",
    "vote_diversity",
]

ArrayLike1D = Sequence[float] | np.ndarray | pl.Series


def _shares(counts: ArrayLike1D, func: str) -> np.ndarray:
    c = np.asarray(counts.to_numpy() if isinstance(counts, pl.Series) else counts, dtype=float)
    if c.ndim != 1 or c.size == 0:
        raise ValidationError(f"{func} needs a non-empty 1-D vector of counts; got shape {c.shape}")
    bad = ~np.isfinite(c) | (c < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValidationError(f"{func} needs finite counts >= 0; position {i} has {c[i]}")
    if c.sum() <= 0:
        raise ValidationError(f"{func} needs a positive total; all counts are 0")
    return c / c.sum()


def shannon_diversity(
    counts: ArrayLike1D, *, base: float | None = None, normalize: bool = False
) -> float:
    """Shannon entropy H = -Σ p_i log p_i of a distribution over positions.

    Parameters
    ----------
    counts : array_like
        Counts or shares of each position (zeros allowed).
    base : float, optional
        Logarithm base (default e, nats; 2 gives bits).
    normalize : bool, default False
        Divide by log K, K = ``len(counts)``, giving evenness in [0, 1] (Pielou's J).

    Returns
    -------
    float
        H (or J with ``normalize``).

    Examples
    --------
    >>> round(shannon_diversity([1, 1, 1, 1], base=2), 6)
    2.0
    >>> shannon_diversity([5, 5, 0], normalize=True) < 1
    True
    """
    p = _shares(counts, "shannon_diversity")
    check_param(base is None or base > 1, "base", "shannon_diversity", "None or a number > 1", base)
    nz = p[p > 0]
    h = float(-(nz * np.log(nz)).sum())
    if normalize:
        return h / float(np.log(p.size)) if p.size > 1 else 0.0
    return h / float(np.log(base)) if base is not None else h


def simpson_diversity(counts: ArrayLike1D) -> float:
    """Gini–Simpson diversity 1 - Σ p_i²: the chance two people drawn at random (with
    replacement) hold different positions.

    Parameters
    ----------
    counts : array_like
        Counts or shares of each position (zeros allowed).

    Returns
    -------
    float
        In [0, 1 - 1/K].

    Examples
    --------
    >>> simpson_diversity([1, 1, 1, 1])
    0.75
    """
    p = _shares(counts, "simpson_diversity")
    return float(1.0 - (p**2).sum())


def effective_number(counts: ArrayLike1D, *, order: float = 1.0) -> float:
    """Effective number of positions (Hill number of ``order`` q).

    q = 0 counts the positions held; q = 1 is exp(Shannon entropy); q = 2 is 1 / Σ p_i²
    (inverse Simpson, Laakso–Taagepera's "effective number of parties"). Applied to group
    sizes it is the effective number of opinion groups.

    Parameters
    ----------
    counts : array_like
        Counts or shares of each position (zeros allowed).
    order : float, default 1.0
        The order q >= 0.

    Returns
    -------
    float
        Between 1 and the number of positions held.

    Examples
    --------
    >>> effective_number([10, 10, 0, 0])
    2.0
    >>> round(effective_number([70, 20, 10], order=2), 4)
    1.8519
    """
    p = _shares(counts, "effective_number")
    check_param(
        isinstance(order, float | int) and order >= 0,
        "order",
        "effective_number",
        "a number >= 0",
        order,
    )
    nz = p[p > 0]
    if order == 0:
        return float(nz.size)
    if order == 1:
        return float(np.exp(-(nz * np.log(nz)).sum()))
    return float((nz**order).sum() ** (1.0 / (1.0 - order)))


def esteban_ray_polarization(
    counts: ArrayLike1D,
    positions: ArrayLike1D,
    *,
    identification: float = 1.6,
    k: float = 1.0,
) -> float:
    """Esteban–Ray polarisation P = K Σ_i Σ_j π_i^(1+α) π_j abs(y_i - y_j).

    Polarisation grows with the size of opposed groups and the distance between them
    (Esteban & Ray, Econometrica 62, 1994). α ∈ (0, 1.6], passed as ``identification``
    (not ``alpha``, which in coprod-analytics is always an interval level), sets the weight
    of group identity.

    Parameters
    ----------
    counts : array_like
        Counts or shares of each position.
    positions : array_like
        The location y_i of each position (e.g. -1, 0, 1 for disagree, pass, agree).
    identification : float, default 1.6
        Esteban and Ray's α, the sensitivity to group identification, in (0, 1.6].
    k : float, default 1.0
        Normalising constant K > 0.

    Returns
    -------
    float
        P >= 0.

    Examples
    --------
    >>> round(esteban_ray_polarization([50, 50], [0, 1], identification=1.0), 4)
    0.25
    >>> esteban_ray_polarization([100, 0], [0, 1])
    0.0
    """
    func = "esteban_ray_polarization"
    check_param(
        isinstance(identification, float | int) and 0 < identification <= 1.6,
        "identification",
        func,
        "a number in (0, 1.6]",
        identification,
    )
    check_param(isinstance(k, float | int) and k > 0, "k", func, "a number > 0", k)
    p = _shares(counts, func)
    y = np.asarray(positions, dtype=float)
    if y.shape != p.shape or not np.all(np.isfinite(y)):
        raise ValidationError(
            f"{func} needs one finite position per count; got {y.size} positions for "
            f"{p.size} counts"
        )
    dist = np.abs(y[:, None] - y[None, :])
    return float(k * (p ** (1 + identification)) @ dist @ p)


def rao_quadratic_entropy(
    counts: ArrayLike1D,
    *,
    distances: np.ndarray | Sequence[Sequence[float]] | None = None,
    positions: ArrayLike1D | None = None,
) -> float:
    """Rao's quadratic entropy Q = Σ_i Σ_j d_ij p_i p_j: the expected distance between the
    positions of two people drawn at random.

    Give either a K x K ``distances`` matrix (symmetric, zero diagonal, >= 0) or 1-D
    ``positions`` (then d_ij = abs(y_i - y_j)). With d_ij = 1 for i != j, Q is the Gini–Simpson
    index.

    Parameters
    ----------
    counts : array_like
        Counts or shares of each position.
    distances : array_like, optional
        K x K distances between the positions.
    positions : array_like, optional
        The location of each position.

    Returns
    -------
    float
        Q >= 0.

    Examples
    --------
    >>> rao_quadratic_entropy([1, 1], positions=[0, 2])
    1.0
    >>> rao_quadratic_entropy([1, 1, 1, 1], distances=1 - np.eye(4))
    0.75
    """
    func = "rao_quadratic_entropy"
    p = _shares(counts, func)
    if (distances is None) == (positions is None):
        raise ValidationError(f"{func} needs exactly one of distances= or positions=")
    if positions is not None:
        y = np.asarray(positions, dtype=float)
        if y.shape != p.shape:
            raise ValidationError(f"{func} needs one position per count; got {y.size} for {p.size}")
        d = np.abs(y[:, None] - y[None, :])
    else:
        d = np.asarray(distances, dtype=float)
        if d.shape != (p.size, p.size):
            raise ValidationError(
                f"{func} needs a {p.size} x {p.size} distance matrix; got shape {d.shape}"
            )
        if not np.all(np.isfinite(d)) or (d < 0).any() or not np.allclose(d, d.T):
            raise ValidationError(f"{func} needs finite, non-negative, symmetric distances")
    return float(p @ d @ p)


def bimodality_coefficient(values: ArrayLike1D) -> float:
    """Sarle's bimodality coefficient BC = (g² + 1) / (k + 3 (n-1)² / ((n-2)(n-3))).

    g is the sample skewness and k the sample excess kurtosis, both bias-corrected
    (Pfister et al., Front. Psychol. 4, 2013). BC > 5/9 ≈ 0.555 (the value of a uniform
    distribution) suggests two camps. Needs n >= 4 values that are not all equal.

    Parameters
    ----------
    values : array_like
        The raw answers (finite numbers).

    Returns
    -------
    float
        BC in (0, 1].

    Examples
    --------
    >>> two_camps = [1] * 20 + [7] * 20
    >>> bimodality_coefficient(two_camps) > 5 / 9
    True
    >>> bimodality_coefficient([3, 4, 4, 5, 4, 3, 5, 4]) < 5 / 9
    True
    """
    from scipy.stats import kurtosis, skew

    func = "bimodality_coefficient"
    x = np.asarray(values.to_numpy() if isinstance(values, pl.Series) else values, dtype=float)
    if x.ndim != 1 or x.size < 4:
        raise ValidationError(f"{func} needs at least 4 values; got {x.size}")
    if not np.all(np.isfinite(x)):
        i = int(np.argmax(~np.isfinite(x)))
        raise ValidationError(f"{func} needs finite values; position {i} is {x[i]}")
    if np.ptp(x) == 0:
        raise ValidationError(f"{func} is undefined when all values are equal (all {x[0]:g})")
    n = x.size
    g = float(skew(x, bias=False))
    kk = float(kurtosis(x, bias=False))
    return (g**2 + 1) / (kk + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))


def gini(values: ArrayLike1D) -> float:
    """Gini coefficient of non-negative amounts (0 = equal, → 1 = one holds everything).

    G = Σ_i (2i - n - 1) x_(i) / (n Σ x), x sorted ascending.

    Parameters
    ----------
    values : array_like
        Amounts >= 0.

    Returns
    -------
    float
        G in [0, 1).

    Examples
    --------
    >>> gini([1, 1, 1, 1])
    0.0
    >>> gini([0, 0, 0, 4])
    0.75
    """
    x = np.asarray(values.to_numpy() if isinstance(values, pl.Series) else values, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValidationError(f"gini needs a non-empty 1-D vector; got shape {x.shape}")
    if not np.all(np.isfinite(x)) or (x < 0).any():
        i = int(np.argmax(~np.isfinite(x) | (x < 0)))
        raise ValidationError(f"gini needs finite amounts >= 0; position {i} is {x[i]}")
    if x.sum() == 0:
        return 0.0
    s = np.sort(x)
    rank = np.arange(1, s.size + 1)
    return float(((2 * rank - s.size - 1) * s).sum() / (s.size * s.sum()))


def participation_gini(
    data: Inquiry | pl.DataFrame,
    *,
    n_participants: int | None = None,
    participant_id: str = "participant_id",
) -> float:
    """Participation inequality: the Gini coefficient of the number of votes per participant.

    Parameters
    ----------
    data : Inquiry or polars.DataFrame
        The inquiry (its ``votes``, and its participants as ``n_participants`` when not
        given) or a votes table with one row per vote and a ``participant_id`` column.
    n_participants : int, optional
        Total number of participants, when some cast no vote (they count as 0 votes); must
        be at least the number of distinct voters.
    participant_id : str, default "participant_id"
        The table's participant column.

    Returns
    -------
    float
        G in [0, 1).

    Examples
    --------
    >>> votes = pl.DataFrame({"participant_id": [1, 1, 1, 2, 3, 3]})
    >>> round(participation_gini(votes), 4)
    0.2222
    >>> round(participation_gini(votes, n_participants=4), 4)
    0.4167
    """
    func = "participation_gini"
    if isinstance(data, Inquiry):
        if n_participants is None:
            n_participants = max(data.participants.height, data.votes["participant_id"].n_unique())
        data = data.votes
    votes = canonical_columns(
        data,
        {"participant_id": participant_id},
        required=["participant_id"],
        func=func,
        table="votes",
    )
    per = votes.group_by("participant_id").len()["len"].to_numpy().astype(float)
    if n_participants is not None:
        check_param(
            isinstance(n_participants, int) and n_participants >= per.size,
            "n_participants",
            func,
            f"an int >= the {per.size} distinct voters",
            n_participants,
        )
        per = np.concatenate([per, np.zeros(n_participants - per.size)])
    if per.size == 0:
        raise ValidationError(f"{func} needs at least one vote; the table is empty", table="votes")
    return gini(per)


def vote_diversity(
    data: Inquiry | pl.DataFrame,
    *,
    identification: float = 1.6,
    statement_id: str = "statement_id",
    vote: str = "vote",
) -> pl.DataFrame:
    """Diversity and polarisation of agree / pass / disagree votes, per statement.

    Parameters
    ----------
    data : Inquiry or polars.DataFrame
        The inquiry (its ``votes``) or a votes table as the inquiry stores it, one row per
        vote: ``statement_id`` and ``vote`` in {-1, 0, 1} (disagree, pass, agree; the
        Pol.is convention).
    identification : float, default 1.6
        Esteban–Ray α (see :func:`esteban_ray_polarization`).
    statement_id, vote : str
        The table's columns (default the inquiry's own names).

    Returns
    -------
    polars.DataFrame
        One row per statement: ``statement_id``, ``n``, ``agree``, ``pass``, ``disagree``
        (shares), ``shannon`` (normalised, in [0, 1]), ``simpson``, ``effective_number``,
        ``polarization`` (Esteban–Ray on positions -1, 0, 1 with K = 1), sorted by
        polarisation, highest first.

    Examples
    --------
    >>> v = pl.DataFrame({"statement_id": [1, 1, 1, 1, 2, 2, 2, 2],
    ...                   "vote": [1, 1, -1, -1, 1, 1, 1, 0]})
    >>> vote_diversity(v).select("statement_id", "agree", "disagree").rows()
    [(1, 0.5, 0.5), (2, 0.75, 0.0)]
    """
    func = "vote_diversity"
    check_param(
        isinstance(identification, float | int) and 0 < identification <= 1.6,
        "identification",
        func,
        "a number in (0, 1.6]",
        identification,
    )
    if isinstance(data, Inquiry):
        data = data.votes
    votes = canonical_columns(
        data,
        {"statement_id": statement_id, "vote": vote},
        required=["statement_id", "vote"],
        func=func,
        table="votes",
    )
    bad = ~votes["vote"].is_in([-1, 0, 1]) | votes["vote"].is_null()
    if bad.any():
        row = int(bad.arg_max() or 0)
        raise ValidationError(
            f"votes must be -1, 0 or 1; got {votes['vote'][row]!r}",
            row=row + 1,
            column=vote,
            table="votes",
        )
    counts = (
        votes.group_by("statement_id")
        .agg(
            (pl.col("vote") == -1).sum().alias("_d"),
            (pl.col("vote") == 0).sum().alias("_p"),
            (pl.col("vote") == 1).sum().alias("_a"),
        )
        .sort("statement_id")
    )
    mat = counts.select("_d", "_p", "_a").to_numpy().astype(float)
    n = mat.sum(axis=1)
    p = mat / n[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    h = -plogp.sum(axis=1)
    y = np.array([-1.0, 0.0, 1.0])
    dist = np.abs(y[:, None] - y[None, :])
    er = np.einsum("si,ij,sj->s", p ** (1 + identification), dist, p)
    return pl.DataFrame(
        {
            "statement_id": counts["statement_id"],
            "n": n.astype(np.int64),
            "agree": p[:, 2],
            "pass": p[:, 1],
            "disagree": p[:, 0],
            "shannon": h / np.log(3),
            "simpson": 1 - (p**2).sum(axis=1),
            "effective_number": np.exp(h),
            "polarization": er,
        }
    ).sort(["polarization", "statement_id"], descending=[True, False])
