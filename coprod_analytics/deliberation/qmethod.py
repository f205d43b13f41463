"""Q-methodology: by-person factor analysis of Q-sorts (Brown 1980; Zabala 2014).

:func:`q_method` follows the steps of R ``qmethod`` (``qmethod()`` with PCA extraction,
version 1.8.x) so that its outputs can be compared number for number:

1. correlation between Q-sorts (Pearson by default);
2. principal components of that correlation matrix, loadings ``v * sqrt(eigenvalue)``
   (as ``psych::principal``);
3. varimax rotation with Kaiser normalisation and convergence ``eps = 1e-5`` (as R's
   ``stats::varimax``), then factors ordered by the variance they explain after rotation and
   signed so that each column of loadings sums to a positive number (as ``psych::principal``);
4. automatic flagging: a Q-sort is flagged for factor f when ``a_f^2 > sum_{g != f} a_g^2``
   and ``|a_f| > 1.96 / sqrt(n_statements)``;
5. factor weights ``a / (1 - a^2)`` of the flagged Q-sorts, weighted sums of the sorts,
   standardised (sample standard deviation) into z-scores;
6. factor scores: the z-scores mapped back onto the forced distribution by rank;
7. standard error of differences ``SED = sqrt(SE_f^2 + SE_g^2)`` with
   ``SE_f = sd(z_f) * sqrt(1 - r_f)`` and composite reliability
   ``r_f = 0.8 n_f / (1 + (n_f - 1) 0.8)``; a difference is significant at p < .05, .01,
   .001 and 1e-6 when it exceeds 1.960, 2.576, 3.291 and 4.8916 SED (labels ``*``, ``**``,
   ``***``, ``6*``), and statements are classified as consensus or distinguishing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Literal

import numpy as np
import polars as pl

from coprod_analytics.deliberation.inputs import qsorts_wide
from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.format import fmt_number
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result, frame_to_html

__all__ = ["QMethodResult", "VarimaxResult", "q_method", "varimax"]

_SIG_LEVELS: tuple[tuple[float, str], ...] = (
    (1.960, "*"),
    (2.576, "**"),
    (3.291, "***"),
    (4.8916, "6*"),
)


@dataclass(frozen=True, repr=False)
class VarimaxResult(Result):
    """A varimax rotation: the rotated loadings and the rotation matrix.

    Attributes
    ----------
    loadings : numpy.ndarray of shape (n_variables, n_factors)
        ``unrotated @ rotation``.
    rotation : numpy.ndarray of shape (n_factors, n_factors)
        The orthogonal rotation matrix.
    iterations : int
        Iterations made.
    provenance : Provenance or None
        Input fingerprint and parameters.

    Examples
    --------
    >>> varimax(np.array([[0.8, 0.3], [0.7, 0.4], [0.2, 0.9], [0.3, 0.8]]))
    <VarimaxResult: varimax rotation of 4 x 2 loadings (52 iterations)>
    """

    loadings: np.ndarray
    rotation: np.ndarray
    iterations: int = 0
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """The rotated loadings, one column ``f1 .. fk`` per factor.

        Returns
        -------
        pl.DataFrame
        """
        return pl.DataFrame(
            {f"f{j + 1}": self.loadings[:, j] for j in range(self.loadings.shape[1])}
        )

    def summary(self) -> str:
        """The shape of the rotated loadings.

        Returns
        -------
        str
        """
        r, c = self.loadings.shape
        return f"varimax rotation of {r} x {c} loadings ({self.iterations} iterations)"


def varimax(
    loadings: np.ndarray, *, normalize: bool = True, eps: float = 1e-5, max_iter: int = 1000
) -> VarimaxResult:
    """Varimax rotation, the algorithm of R's ``stats::varimax``.

    Parameters
    ----------
    loadings : ndarray of shape (n_variables, n_factors)
        Unrotated loadings.
    normalize : bool, default True
        Kaiser normalisation (rows scaled to unit length before rotating).
    eps : float, default 1e-5
        Stop when the criterion improves by a relative amount below ``eps``.
    max_iter : int, default 1000
        Iteration cap.

    Returns
    -------
    VarimaxResult
        ``loadings`` (the rotated loadings, ``unrotated @ rotation``) and ``rotation`` (the
        orthogonal rotation matrix).

    Examples
    --------
    >>> a = np.array([[0.8, 0.3], [0.7, 0.4], [0.2, 0.9], [0.3, 0.8]])
    >>> res = varimax(a)
    >>> np.allclose(res.rotation @ res.rotation.T, np.eye(2))
    True
    >>> np.allclose((res.loadings**2).sum(axis=1), (a**2).sum(axis=1))  # communalities kept
    True
    """
    x = np.asarray(loadings, dtype=float)
    n_rows, n_cols = x.shape
    provenance = Provenance(
        method="varimax",
        input_fingerprint=fingerprint_frames(pl.DataFrame(x)),
        parameters={"normalize": normalize, "eps": eps, "max_iter": max_iter},
    )
    if n_cols < 2:
        return VarimaxResult(x.copy(), np.eye(n_cols), 0, provenance)
    scale = np.ones(n_rows)
    if normalize:
        scale = np.sqrt((x**2).sum(axis=1))
        scale[scale == 0] = 1.0
        x = x / scale[:, None]
    rotation = np.eye(n_cols)
    criterion = 0.0
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007
        z = x @ rotation
        gradient = x.T @ (z**3 - z * (z**2).sum(axis=0) / n_rows)
        u, s, vt = np.linalg.svd(gradient)
        rotation = u @ vt
        previous = criterion
        criterion = float(s.sum())
        if criterion < previous * (1 + eps):
            break
    rotated = (x @ rotation) * scale[:, None]
    return VarimaxResult(rotated, rotation, iterations, provenance)


@dataclass(frozen=True, repr=False)
class QMethodResult(Result):
    """Outputs of :func:`q_method`, each as a polars table.

    Attributes
    ----------
    loadings : pl.DataFrame
        ``participant_id`` (the Q-sort) and one column ``f1 .. fk`` of (rotated) loadings
        per factor.
    flagged : pl.DataFrame
        ``participant_id`` and boolean ``flag_f1 .. flag_fk`` (automatic flagging).
    zscores : pl.DataFrame
        ``statement_id`` and ``zsc_f1 .. zsc_fk``.
    factor_scores : pl.DataFrame
        ``statement_id`` and ``fsc_f1 .. fsc_fk`` (z-scores placed back onto the Q-sort
        distribution).
    distinguishing : pl.DataFrame
        ``statement_id``, ``dist_and_cons`` (``"Consensus"``, ``"Distinguishes f1 only"``,
        ``"Distinguishes all"``, ``"Distinguishing"`` for two factors, or ``""``) and, for each
        pair of factors, the z-score difference ``f1_f2`` and its significance ``sig_f1_f2``
        (``""``, ``"*"`` p < .05, ``"**"`` p < .01, ``"***"`` p < .001, ``"6*"`` p < 1e-6).
    characteristics : pl.DataFrame
        Per factor: ``factor``, ``av_rel_coef``, ``n_loading``, ``eigenvalue``,
        ``explained_variance`` (percent), ``reliability``, ``se_factor_scores``.
    sed : pl.DataFrame
        Standard errors of differences between factors (``factor`` and ``f1 .. fk``).
    zscore_correlations : pl.DataFrame
        Correlation between the factors' z-scores.
    rotation_matrix : ndarray
        The rotation applied to the unrotated principal-component loadings.
    notes : tuple of str
        Warnings a reader should see (e.g. Q-sorts flagged on a negative loading).
    provenance : Provenance
        Input fingerprint and parameters.

    Examples
    --------
    >>> grid = np.repeat([-2, -1, 0, 1, 2], [1, 2, 3, 2, 1])
    >>> rng = np.random.default_rng(0)
    >>> res = q_method(np.column_stack([rng.permutation(grid) for _ in range(4)]), n_factors=2)
    >>> res
    <QMethodResult: Q-method: 9 statements, 4 Q-sorts, 2 factors>
    >>> res.to_frame().columns[:3]
    ['statement_id', 'zsc_f1', 'zsc_f2']
    """

    loadings: pl.DataFrame
    flagged: pl.DataFrame
    zscores: pl.DataFrame
    factor_scores: pl.DataFrame
    distinguishing: pl.DataFrame
    characteristics: pl.DataFrame
    sed: pl.DataFrame
    zscore_correlations: pl.DataFrame
    rotation_matrix: np.ndarray = field(default_factory=lambda: np.eye(1))
    notes: tuple[str, ...] = ()
    provenance: Provenance | None = None

    @property
    def n_factors(self) -> int:
        """The number of factors extracted.

        Returns
        -------
        int
        """
        return self.loadings.width - 1

    @property
    def consensus(self) -> list[str]:
        """Statements classified as consensus.

        Returns
        -------
        list of str
            Their ``statement_id``.
        """
        frame = self.distinguishing.filter(pl.col("dist_and_cons") == "Consensus")
        return [str(v) for v in frame["statement_id"].to_list()]

    def to_frame(self) -> pl.DataFrame:
        """One row per statement: z-scores, factor scores and the distinguishing table.

        Returns
        -------
        pl.DataFrame
            ``statement_id``, ``zsc_f*``, ``fsc_f*``, ``dist_and_cons`` and the pairwise
            differences with their significance.
        """
        return self.zscores.join(self.factor_scores, on="statement_id", how="left").join(
            self.distinguishing, on="statement_id", how="left"
        )

    def summary(self) -> str:
        """Factors, their flagged Q-sorts and variance, and the consensus statements.

        Returns
        -------
        str
        """
        lines = [
            f"Q-method: {self.zscores.height} statements, {self.loadings.height} Q-sorts, "
            f"{self.n_factors} factors",
        ]
        for row in self.characteristics.iter_rows(named=True):
            lines.append(
                f"  {row['factor']}: {row['n_loading']} flagged Q-sorts, eigenvalue "
                f"{fmt_number(row['eigenvalue'], 4)}, "
                f"{fmt_number(row['explained_variance'], 3)}% of variance, "
                f"reliability {fmt_number(row['reliability'], 3)}"
            )
        lines.append(f"  consensus statements: {', '.join(self.consensus) or 'none'}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return (
            frame_to_html(self.characteristics, caption="Q-method factors")
            + frame_to_html(self.loadings, caption="Loadings")
            + frame_to_html(self.to_frame(), caption="Statements")
        )


def _as_matrix(
    qsorts: pl.DataFrame | np.ndarray, statement_column: str | None
) -> tuple[np.ndarray, list[str], list[str]]:
    if isinstance(qsorts, np.ndarray):
        if qsorts.ndim != 2:
            raise ValidationError(
                f"Q-sorts must be a 2-D statements x Q-sorts array; got {qsorts.ndim} dimensions",
                table="qsorts",
            )
        x = np.asarray(qsorts, dtype=float)
        statements = [f"sta_{i + 1}" for i in range(x.shape[0])]
        sorts = [f"qsort_{j + 1}" for j in range(x.shape[1])]
        return x, statements, sorts
    if not isinstance(qsorts, pl.DataFrame):
        raise ValidationError(
            f"Q-sorts must be a polars DataFrame or a numpy array; got {type(qsorts).__name__}",
            table="qsorts",
        )
    frame = qsorts
    if statement_column is None and frame.width > 0:
        first = frame.columns[0]
        if not frame.schema[first].is_numeric():
            statement_column = first
    if statement_column is not None:
        if statement_column not in frame.columns:
            raise ValidationError(
                f"no statement column '{statement_column}' among {frame.columns}",
                table="qsorts",
            )
        statements = [str(s) for s in frame[statement_column].to_list()]
        frame = frame.drop(statement_column)
    else:
        statements = [f"sta_{i + 1}" for i in range(frame.height)]
    for name, dtype in frame.schema.items():
        if not dtype.is_numeric():
            raise ValidationError(
                f"every Q-sort column must be numeric; got {dtype}", table="qsorts", column=name
            )
        nulls = frame[name].null_count()
        if nulls:
            row = int(frame[name].is_null().arg_true()[0]) + 1
            raise ValidationError(
                f"Q-sorts must be complete; found {nulls} missing value(s)",
                table="qsorts",
                row=row,
                column=name,
            )
    return frame.to_numpy().astype(float), statements, list(frame.columns)


def _correlation(x: np.ndarray, method: str) -> np.ndarray:
    if method == "pearson":
        return np.corrcoef(x, rowvar=False)
    from scipy import stats

    if method == "spearman":
        ranks = stats.rankdata(x, axis=0)
        return np.corrcoef(ranks, rowvar=False)
    k = x.shape[1]
    out = np.eye(k)
    for i, j in combinations(range(k), 2):
        out[i, j] = out[j, i] = stats.kendalltau(x[:, i], x[:, j]).statistic
    return out


def _r_rank_map(z: np.ndarray, qscores: np.ndarray) -> np.ndarray:
    """Map z-scores onto sorted Q-scores by rank, the way R qmethod does (ties share the min)."""
    from scipy.stats import rankdata

    ranks = rankdata(z, method="average")
    out = qscores[np.floor(ranks).astype(int) - 1].astype(float)
    for value in np.unique(z):
        tied = z == value
        if tied.sum() > 1:
            out[tied] = out[tied].min()
    return out


def q_method(
    qsorts: pl.DataFrame | np.ndarray | Inquiry,
    *,
    n_factors: int,
    rotation: Literal["varimax", "none"] = "varimax",
    statement_id: str | None = None,
    forced: bool = True,
    distribution: np.ndarray | list[float] | None = None,
    correlation: Literal["pearson", "spearman", "kendall"] = "pearson",
) -> QMethodResult:
    """Q-methodology analysis of a statements x Q-sorts table (PCA, varimax, auto-flagging).

    Parameters
    ----------
    qsorts : pl.DataFrame, ndarray or Inquiry
        The ``qsorts`` table as an Inquiry stores it (long: ``participant_id``,
        ``statement_id``, ``score``), an Inquiry holding it, or the wide statements x Q-sorts
        table: one row per statement and one numeric column per Q-sort (the value a
        participant gave the statement). In the wide table a first non-numeric column (or
        ``statement_id``) names the statements; without it statements are called
        ``sta_1, sta_2, ...``.
    n_factors : int
        Number of factors to extract (1 <= n_factors <= number of Q-sorts).
    rotation : {"varimax", "none"}, default "varimax"
        Rotation of the principal-component loadings.
    statement_id : str, optional
        The wide table's column holding the statement ids, named after the canonical column
        (default: its first non-numeric column).
    forced : bool, default True
        Whether every Q-sort follows the same forced distribution (checked); factor scores
        then use that distribution. With ``forced=False`` give ``distribution``.
    distribution : array-like, optional
        The distribution of scores (one value per statement) when ``forced=False``.
    correlation : {"pearson", "spearman", "kendall"}, default "pearson"
        Correlation between Q-sorts.

    Returns
    -------
    QMethodResult
        ``loadings``, ``flagged``, ``zscores``, ``factor_scores``, ``distinguishing`` and
        ``characteristics`` tables.

    Notes
    -----
    Reproduces R ``qmethod`` (PCA, default settings): loadings and z-scores agree to 1e-6 on
    the Lipset data. As in R, a Q-sort that loads *negatively* on a factor can be flagged
    and then enters that factor with a negative weight; such cases are listed in ``notes``.
    For ten or more factors R's classification of distinguishing statements matches factor
    numbers by substring (``"f1"`` in ``"f10"``); here factors are matched exactly.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> grid = np.repeat([-2, -1, 0, 1, 2], [1, 2, 3, 2, 1])
    >>> base = rng.permutation(grid)
    >>> sorts = np.column_stack([rng.permutation(grid) for _ in range(3)] + [base] * 3)
    >>> res = q_method(sorts, n_factors=2)
    >>> res.loadings.columns
    ['participant_id', 'f1', 'f2']
    >>> res.flagged["flag_f1"].to_list()[3:]
    [True, True, True]
    """
    func = "q_method"
    if isinstance(qsorts, Inquiry):
        if "qsorts" not in qsorts.tables:
            raise ValidationError(
                f"{func} needs a 'qsorts' table; the inquiry holds {sorted(qsorts.tables)}",
                table="qsorts",
            )
        qsorts = qsorts.tables["qsorts"]
    if isinstance(qsorts, pl.DataFrame) and {"participant_id", "statement_id", "score"} <= set(
        qsorts.columns
    ):
        qsorts = qsorts_wide(qsorts)
    x, statements, sort_names = _as_matrix(qsorts, statement_id)
    n_stat, n_sorts = x.shape
    if n_stat < 2 or n_sorts < 2:
        raise ValidationError(
            f"Q-method needs at least two statements and two Q-sorts; got {n_stat} statement(s) "
            f"and {n_sorts} Q-sort(s)",
            table="qsorts",
        )
    check_param(
        isinstance(n_factors, int | np.integer)
        and not isinstance(n_factors, bool)
        and 1 <= n_factors <= n_sorts,
        "n_factors",
        func,
        f"an int between 1 and the number of Q-sorts ({n_sorts})",
        n_factors,
    )
    check_param(rotation in ("varimax", "none"), "rotation", func, "'varimax' or 'none'", rotation)
    check_param(
        correlation in ("pearson", "spearman", "kendall"),
        "correlation",
        func,
        "'pearson', 'spearman' or 'kendall'",
        correlation,
    )
    if len(set(sort_names)) != n_sorts:
        raise ValidationError("Q-sort names must be unique", table="qsorts")
    sds = x.std(axis=0)
    if np.any(sds == 0):
        bad = sort_names[int(np.flatnonzero(sds == 0)[0])]
        raise ValidationError(
            "a Q-sort gives every statement the same value, so it has no correlation",
            table="qsorts",
            column=bad,
        )
    if forced:
        qscores = np.sort(x[:, 0])
        for j in range(n_sorts):
            if not np.array_equal(np.sort(x[:, j]), qscores):
                raise ValidationError(
                    "forced=True but this Q-sort does not follow the same distribution as the "
                    f"first one ({sort_names[0]}); pass forced=False with a distribution",
                    table="qsorts",
                    column=sort_names[j],
                )
    else:
        check_param(
            distribution is not None and len(distribution) == n_stat,
            "distribution",
            func,
            f"a sequence of {n_stat} numbers when forced=False",
            distribution if distribution is None else f"length {len(distribution)}",
        )
        qscores = np.sort(np.asarray(distribution, dtype=float))

    k = int(n_factors)
    corr = _correlation(x, correlation)
    eigenvalues, vectors = np.linalg.eigh(corr)
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues, vectors = eigenvalues[order], vectors[:, order]
    unrotated = vectors[:, :k] * np.sqrt(np.clip(eigenvalues[:k], 0, None))
    unrotated = unrotated * np.where(unrotated.sum(axis=0) < 0, -1.0, 1.0)
    if rotation == "varimax" and k > 1:
        vm = varimax(unrotated)
        loa, rot = vm.loadings, vm.rotation
        order = np.argsort(-(loa**2).sum(axis=0), kind="stable")
        loa, rot = loa[:, order], rot[:, order]
        signs = np.where(loa.sum(axis=0) < 0, -1.0, 1.0)
        loa, rot = loa * signs, rot * signs
    else:
        loa, rot = unrotated, np.eye(k)

    # Flagging
    sq = loa**2
    threshold = 1.96 / np.sqrt(n_stat)
    flags = (sq > (sq.sum(axis=1, keepdims=True) - sq)) & (np.abs(loa) > threshold)
    notes: list[str] = []
    for f in range(k):
        neg = [sort_names[i] for i in np.flatnonzero(flags[:, f] & (loa[:, f] < 0))]
        if neg:
            notes.append(
                f"f{f + 1}: Q-sort(s) {', '.join(neg)} flagged on a negative loading; they enter "
                "the factor with a negative weight (as in R qmethod)"
            )
        if not flags[:, f].any():
            notes.append(f"f{f + 1}: no Q-sort is flagged, so its z-scores are undefined")

    # z-scores
    floa = np.where(flags, loa, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = floa / (1 - floa**2)
        sums = x @ weights
        zsc = (sums - sums.mean(axis=0)) / sums.std(axis=0, ddof=1)
    fsc = np.column_stack(
        [
            _r_rank_map(zsc[:, f], qscores) if np.all(np.isfinite(zsc[:, f])) else zsc[:, f]
            for f in range(k)
        ]
    )
    integer_scores = bool(np.all(np.isfinite(fsc)) and np.all(fsc == np.round(fsc)))

    # Factor characteristics
    n_loading = flags.sum(axis=0)
    eig = sq.sum(axis=0)
    rel_coef = 0.8
    reliability = rel_coef * n_loading / (1 + (n_loading - 1) * rel_coef)
    with np.errstate(invalid="ignore"):
        se = zsc.std(axis=0, ddof=1) * np.sqrt(1 - reliability)
    sed = np.sqrt(se[:, None] ** 2 + se[None, :] ** 2)
    fnames = [f"f{i + 1}" for i in range(k)]
    with np.errstate(invalid="ignore", divide="ignore"):
        zcor = np.corrcoef(zsc, rowvar=False) if k > 1 else np.ones((1, 1))

    # Distinguishing and consensus statements
    dist_cols: dict[str, Any] = {"statement_id": statements}
    labels = [""] * n_stat
    if k > 1:
        pairs = list(combinations(range(k), 2))
        sig = np.empty((n_stat, len(pairs)), dtype=object)
        for p, (a, b) in enumerate(pairs):
            diff = zsc[:, a] - zsc[:, b]
            marks = np.full(n_stat, "", dtype=object)
            for mult, mark in _SIG_LEVELS:
                marks[np.abs(diff) > mult * sed[a, b]] = mark
            sig[:, p] = marks
            dist_cols[f"f{a + 1}_f{b + 1}"] = diff
            dist_cols[f"sig_f{a + 1}_f{b + 1}"] = marks.tolist()
        is_sig = sig != ""
        for s in range(n_stat):
            if not is_sig[s].any():
                labels[s] = "Consensus"
            elif k == 2:
                labels[s] = "Distinguishing"
            else:
                label = ""
                for f in range(k):
                    inside = [p for p, pair in enumerate(pairs) if f in pair]
                    outside = [p for p, pair in enumerate(pairs) if f not in pair]
                    all_in = bool(is_sig[s, inside].all())
                    any_out = bool(is_sig[s, outside].any())
                    if all_in and not any_out:
                        label = f"Distinguishes f{f + 1} only"
                    elif is_sig[s].all():
                        label = "Distinguishes all"
                    elif all_in:
                        label = f"{label}Distinguishes f{f + 1} "
                labels[s] = label.rstrip()
    dist_cols = {"statement_id": statements, "dist_and_cons": labels} | {
        key: val for key, val in dist_cols.items() if key != "statement_id"
    }

    provenance = Provenance(
        method=func,
        input_fingerprint=fingerprint_frames(pl.DataFrame(x, schema=sort_names)),
        parameters={
            "n_factors": k,
            "rotation": rotation,
            "forced": forced,
            "correlation": correlation,
            "flagging": "automatic",
        },
    )
    return QMethodResult(
        loadings=pl.DataFrame(
            {"participant_id": sort_names} | {fnames[f]: loa[:, f] for f in range(k)}
        ),
        flagged=pl.DataFrame(
            {"participant_id": sort_names} | {f"flag_{fnames[f]}": flags[:, f] for f in range(k)}
        ),
        zscores=pl.DataFrame(
            {"statement_id": statements} | {f"zsc_{fnames[f]}": zsc[:, f] for f in range(k)}
        ),
        factor_scores=pl.DataFrame(
            {"statement_id": statements}
            | {
                f"fsc_{fnames[f]}": fsc[:, f].astype(np.int64) if integer_scores else fsc[:, f]
                for f in range(k)
            }
        ),
        distinguishing=pl.DataFrame(dist_cols),
        characteristics=pl.DataFrame(
            {
                "factor": fnames,
                "av_rel_coef": [rel_coef] * k,
                "n_loading": n_loading.astype(np.int64),
                "eigenvalue": eig,
                "explained_variance": 100 * eig / n_sorts,
                "reliability": reliability,
                "se_factor_scores": se,
            }
        ),
        sed=pl.DataFrame({"factor": fnames} | {fnames[f]: sed[:, f] for f in range(k)}),
        zscore_correlations=pl.DataFrame(
            {"factor": fnames} | {fnames[f]: zcor[:, f] for f in range(k)}
        ),
        rotation_matrix=rot,
        notes=tuple(notes),
        provenance=provenance,
    )
