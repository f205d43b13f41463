"""Deliberative Reason Index (Niemeyer, Veri, Dryzek & Bächtiger, APSR 2024).

Each participant rates a set of *considerations* (e.g. Likert agreement with statements of
what matters) and ranks a set of *policy options*. For every pair of participants (i, j) in
a group:

- ``rho_C`` = Spearman correlation of their consideration ratings,
- ``rho_P`` = Spearman correlation of their preference rankings,
- intersubjective consistency ``IC_ij = 1 - |rho_P - rho_C| / sqrt(2)``.

The group DRI is ``2 * ((mean IC - lam) / (1 - lam)) - 1`` with ``lam = 1 - sqrt(2)/2``; a
participant's DRI applies the same transform to the mean IC of the pairs they are part of.

Range: ``|rho_P - rho_C|`` lies between 0 and 2, so ``IC`` lies between ``1 - sqrt(2)``
(about -0.414) and 1, and the DRI between **-3** and **1** (:data:`DRI_MIN`,
:data:`DRI_MAX`). A DRI of -1 is a mean IC of ``lam``: considerations and preferences
disagree by one unit of correlation on average. Below -1 means pairs who agree on
considerations rank the options in opposite orders (one pair with ``rho_C = 1`` and
``rho_P = -1`` scores -3), which is why the DRI is not a correlation between -1 and 1.
Pre/post change is tested with a paired Wilcoxon signed-rank test on the ``IC_ij`` of pairs
observed in both waves.

Random data can score anywhere between about 0.2 and 0.8, so every group DRI is reported next
to a permutation baseline: each participant's ratings and ranks are shuffled independently
(keeping their own distribution of answers but breaking any link between considerations and
preferences), the DRI is recomputed ``n_resamples`` times, and the table shows the
baseline's mean, its central ``1 - alpha`` range and the one-sided p-value of the observed DRI.

The inputs are the ``considerations`` and ``preferences`` tables of an
:class:`~coprod_analytics.Inquiry` as stored (or the Inquiry itself); differently named
columns are named with keywords after the canonical column (``rating="score"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.format import fmt_number, fmt_p
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.progress import progress as _progress
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result, frame_to_html

__all__ = [
    "DRI_LAMBDA",
    "DRI_MAX",
    "DRI_MIN",
    "DRIResult",
    "deliberative_reason_index",
    "dri_from_ic",
]

#: The DRI's lambda, ``1 - sqrt(2)/2``: the IC of a pair whose ``rho_P`` and ``rho_C`` differ
#: by 1 (the DRI is -1 there). It is not the lowest IC: that is ``1 - sqrt(2)``.
DRI_LAMBDA = float(1 - np.sqrt(2) / 2)

#: The lowest possible DRI, -3: every pair has ``|rho_P - rho_C| = 2`` (IC ``1 - sqrt(2)``).
DRI_MIN = -3.0

#: The highest possible DRI, 1: every pair has ``rho_P = rho_C`` (IC 1).
DRI_MAX = 1.0


def dri_from_ic(mean_ic: float | np.ndarray) -> float | np.ndarray:
    """Rescale a mean intersubjective consistency into the DRI: ``2((IC - lam)/(1 - lam)) - 1``.

    Parameters
    ----------
    mean_ic : float or numpy.ndarray
        Mean intersubjective consistency (between ``1 - sqrt(2)`` and 1).

    Returns
    -------
    float or numpy.ndarray
        The DRI, between :data:`DRI_MIN` (-3) and :data:`DRI_MAX` (1), a float for a float
        input.

    Examples
    --------
    >>> dri_from_ic(1.0)
    1.0
    >>> round(float(dri_from_ic(DRI_LAMBDA)), 12)
    -1.0
    >>> round(float(dri_from_ic(1 - np.sqrt(2))), 12)
    -3.0
    """
    out = 2 * ((np.asarray(mean_ic, dtype=float) - DRI_LAMBDA) / (1 - DRI_LAMBDA)) - 1
    return float(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True, repr=False)
class DRIResult(Result):
    """Deliberative Reason Index per group (and wave), per participant, and pre/post change.

    Attributes
    ----------
    groups : pl.DataFrame
        ``group``, ``wave``, ``n_participants``, ``n_pairs``, ``mean_ic``, ``dri``,
        ``baseline_mean``, ``baseline_low``, ``baseline_high`` (the ``alpha / 2`` and
        ``1 - alpha / 2`` quantiles of the permutation DRIs: the range chance alone gives, not
        a confidence interval of the DRI), ``baseline_z``, ``p_value`` (share of permutations
        with a DRI at least as high, ``(1 + k) / (1 + n_resamples)``).
    participants : pl.DataFrame
        ``participant_id``, ``group``, ``wave``, ``n_pairs``, ``mean_ic``, ``dri``.
    change : pl.DataFrame
        One row per group when there are two waves: ``group``, ``n_pairs`` (pairs seen in both
        waves), ``dri_pre``, ``dri_post``, ``change``, ``median_ic_change``,
        ``wilcoxon_statistic``, ``p_value``. Empty without waves.
    pairs : pl.DataFrame
        Every pair: ``group``, ``wave``, ``participant_a``, ``participant_b``, ``rho_c``,
        ``rho_p``, ``ic``.
    n_resamples : int
        Size of the permutation baseline (0: none).
    seed : int
        Seed of the permutations.
    alpha : float
        The baseline range is the central ``1 - alpha`` of the permutation DRIs.
    notes : tuple of str
        Participants left out, how to read the change test, ...
    provenance : Provenance or None
        Input fingerprint and parameters.
    dri_range : tuple of float
        The range a DRI can take, ``(DRI_MIN, DRI_MAX)`` = ``(-3.0, 1.0)`` (not -1 to 1; see
        the module notes). Use it for axes and for text that says what the scale is.

    Examples
    --------
    >>> cons = pl.DataFrame({"participant_id": [1] * 3 + [2] * 3,
    ...                      "consideration_id": ["a", "b", "c"] * 2, "rating": [1, 2, 3] * 2})
    >>> prefs = pl.DataFrame({"participant_id": [1] * 3 + [2] * 3,
    ...                       "option_id": ["x", "y", "z"] * 2, "rank": [1, 2, 3] * 2})
    >>> deliberative_reason_index(cons, prefs, n_resamples=0)
    <DRIResult: Deliberative Reason Index (Niemeyer et al. 2024): group all, all: DRI 1 from 1 pairs>
    """

    groups: pl.DataFrame
    participants: pl.DataFrame
    change: pl.DataFrame
    pairs: pl.DataFrame
    n_resamples: int = 0
    seed: int = 0
    alpha: float = 0.05
    notes: tuple[str, ...] = ()
    provenance: Provenance | None = None
    dri_range: tuple[float, float] = (DRI_MIN, DRI_MAX)

    def to_frame(self) -> pl.DataFrame:
        """The per-group table (see ``groups``).

        Returns
        -------
        pl.DataFrame
        """
        return self.groups

    def summary(self) -> str:
        """DRI per group and wave next to its chance range, and the change, in plain text.

        Returns
        -------
        str
        """
        lines = []
        for r in self.groups.iter_rows(named=True):
            chance = ""
            if self.n_resamples:
                chance = (
                    f"; chance {fmt_number(r['baseline_mean'])} [{fmt_number(r['baseline_low'])}"
                    f", {fmt_number(r['baseline_high'])}], p = {fmt_p(r['p_value'])}"
                )
            lines.append(
                f"group {r['group']}, {r['wave']}: DRI {fmt_number(r['dri'])} from "
                f"{r['n_pairs']} pairs{chance}"
            )
        for r in self.change.iter_rows(named=True):
            lines.append(
                f"group {r['group']}: change {r['change']:+.3f} (Wilcoxon on IC of "
                f"{r['n_pairs']} pairs, p = {fmt_p(r['p_value'])})"
            )
        head = "Deliberative Reason Index (Niemeyer et al. 2024)"
        if len(lines) == 1:
            return f"{head}: {lines[0]}" + "".join(f"\n  note: {n}" for n in self.notes)
        lines = [head] + [f"  {line}" for line in lines]
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        html = frame_to_html(self.groups, caption="Deliberative Reason Index by group")
        if self.change.height:
            html += frame_to_html(self.change, caption="Pre/post change")
        return html


def _row_ranks(x: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(x, axis=1, method="average")


def _row_corr(ranks: np.ndarray) -> np.ndarray:
    centred = ranks - ranks.mean(axis=1, keepdims=True)
    norm = np.sqrt((centred**2).sum(axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = centred / norm[:, None]
    return unit @ unit.T


def _ic_matrix(rc: np.ndarray, rp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c = _row_corr(rc)
    p = _row_corr(rp)
    return 1 - np.abs(p - c) / np.sqrt(2), c, p


def _wide(
    frame: pl.DataFrame, id_column: str, item_column: str, value_column: str
) -> tuple[list[Any], list[Any], np.ndarray]:
    ids = frame[id_column].unique(maintain_order=True).to_list()
    items = sorted(frame[item_column].unique().to_list(), key=str)
    wide = frame.pivot(on=item_column, index=id_column, values=value_column)
    wide = pl.DataFrame({id_column: ids}).join(wide, on=id_column, how="left")
    cols = [str(i) for i in items]
    return ids, items, wide.select(cols).to_numpy().astype(float)


def _validate(
    frame: pl.DataFrame, name: str, columns: list[str], value_column: str
) -> pl.DataFrame:
    if not isinstance(frame, pl.DataFrame):
        raise ValidationError(
            f"deliberative_reason_index needs polars DataFrames; got {type(frame).__name__}",
            table=name,
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"missing column(s) {missing}; the table has {frame.columns}", table=name
        )
    if not frame.schema[value_column].is_numeric():
        raise ValidationError(
            f"values must be numeric; got {frame.schema[value_column]}",
            table=name,
            column=value_column,
        )
    keys = [c for c in columns if c != value_column]
    dup = frame.select(~pl.struct(keys).is_first_distinct()).to_series()
    if dup.any():
        row = int(dup.arg_true()[0])
        raise ValidationError(
            f"duplicate answer for {dict(zip(keys, frame.select(keys).row(row), strict=True))}",
            table=name,
            row=row + 1,
        )
    return frame


def deliberative_reason_index(
    considerations: pl.DataFrame | Inquiry,
    preferences: pl.DataFrame | None = None,
    *,
    group: str | None = None,
    wave: str | None = None,
    participant_id: str = "participant_id",
    consideration_id: str = "consideration_id",
    rating: str = "rating",
    option_id: str = "option_id",
    rank: str = "rank",
    pre: Any = "pre",
    post: Any = "post",
    n_resamples: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
    progress: bool = True,
) -> DRIResult:
    """Deliberative Reason Index per group, per participant, pre and post, with a chance baseline.

    Parameters
    ----------
    considerations : pl.DataFrame or Inquiry
        The ``considerations`` table: ``participant_id``, ``consideration_id``, ``rating``
        (+ the ``group`` and ``wave`` columns when used); or an Inquiry holding both tables.
    preferences : pl.DataFrame, optional
        The ``preferences`` table: ``participant_id``, ``option_id``, ``rank`` (+ ``wave``). Any
        numeric score works: only its order is used (higher = ranked higher, or the reverse,
        as long as every participant uses the same convention). Needed unless
        ``considerations`` is an Inquiry.
    group : str, optional
        Column of the deliberating group (table, mini-public) in ``considerations``, e.g.
        ``"group"``; pairs are formed within groups. Without it everyone is one group
        ``"all"``.
    wave : str, optional
        Column of the wave in both tables (values ``pre``/``post``), e.g. ``"wave"``. Without
        it one wave ``"all"``.
    participant_id, consideration_id, rating, option_id, rank : str
        The tables' columns holding each canonical column, named after it.
    pre, post : any, default "pre", "post"
        The labels of the two waves.
    n_resamples : int, default 1000
        Size of the permutation baseline (0 to skip it).
    alpha : float, default 0.05
        The baseline range is the central ``1 - alpha`` of the permutation DRIs.
    seed : int, default 0
        Seed of the permutations.
    progress : bool, default True
        Show a progress bar over the permutations.

    Returns
    -------
    DRIResult
        ``groups``, ``participants``, ``change`` and ``pairs`` tables; every DRI lies in
        ``dri_range`` = (-3, 1).

    Notes
    -----
    Participants must answer every consideration and rank every option of their wave; those
    who do not, or who give every consideration (or option) the same value, are left out
    and counted in ``notes``. IC values of pairs sharing a participant are not independent,
    so the Wilcoxon p-value of the change is indicative only.

    Examples
    --------
    >>> cons = pl.DataFrame({"participant_id": [1] * 3 + [2] * 3 + [3] * 3,
    ...                      "consideration_id": ["a", "b", "c"] * 3,
    ...                      "rating": [1, 2, 3, 1, 2, 3, 3, 2, 1]})
    >>> prefs = pl.DataFrame({"participant_id": [1] * 3 + [2] * 3 + [3] * 3,
    ...                       "option_id": ["x", "y", "z"] * 3,
    ...                       "rank": [1, 2, 3, 1, 2, 3, 3, 2, 1]})
    >>> res = deliberative_reason_index(cons, prefs, n_resamples=0)
    >>> res.groups["dri"].item()
    1.0
    """
    func = "deliberative_reason_index"
    if isinstance(considerations, Inquiry):
        missing = [t for t in ("considerations", "preferences") if t not in considerations.tables]
        if missing:
            raise ValidationError(
                f"{func} needs the tables {missing}; the inquiry holds "
                f"{sorted(considerations.tables)}",
                table=missing[0],
            )
        if preferences is None:
            preferences = considerations.tables["preferences"]
        considerations = considerations.tables["considerations"]
    if preferences is None:
        raise ValidationError(
            f"{func} needs a preferences table (or an Inquiry holding one)", table="preferences"
        )
    id_column, group_column, wave_column = participant_id, group, wave
    consideration_column, rating_column = consideration_id, rating
    option_column, rank_column = option_id, rank
    n_permutations = n_resamples
    check_param(
        isinstance(n_resamples, int) and not isinstance(n_resamples, bool) and n_resamples >= 0,
        "n_resamples",
        func,
        "an int >= 0",
        n_resamples,
    )
    check_param(
        isinstance(alpha, float | int) and 0 < alpha < 1, "alpha", func, "a float in (0, 1)", alpha
    )
    extra_c = [c for c in (group_column, wave_column) if c]
    extra_p = [wave_column] if wave_column else []
    _validate(
        considerations,
        "considerations",
        [id_column, consideration_column, rating_column, *extra_c],
        rating_column,
    )
    _validate(
        preferences, "preferences", [id_column, option_column, rank_column, *extra_p], rank_column
    )
    cons = considerations.with_columns(
        (pl.col(group_column).cast(pl.String) if group_column else pl.lit("all")).alias("_g"),
        (pl.col(wave_column) if wave_column else pl.lit("all")).alias("_w"),
        pl.col(consideration_column).cast(pl.String),
    ).drop_nulls(rating_column)
    prefs = preferences.with_columns(
        (pl.col(wave_column) if wave_column else pl.lit("all")).alias("_w"),
        pl.col(option_column).cast(pl.String),
    ).drop_nulls(rank_column)
    if wave_column:
        for name, frame in (("considerations", cons), ("preferences", prefs)):
            bad = ~frame["_w"].is_in([pre, post])
            if bad.any():
                row = int(bad.arg_true()[0])
                raise ValidationError(
                    f"wave must be {pre!r} or {post!r}; got {frame['_w'][row]!r}",
                    table=name,
                    row=row + 1,
                    column=wave_column,
                )
    membership = (
        cons.with_columns((pl.col("_w") != pre).alias("_late"))
        .sort([id_column, "_late"])
        .unique(subset=[id_column], keep="first", maintain_order=True)
        .select(id_column, "_g")
    )
    waves = [pre, post] if wave_column else ["all"]
    rng = np.random.default_rng(seed)
    group_rows: list[dict[str, Any]] = []
    part_rows: list[dict[str, Any]] = []
    pair_frames: list[pl.DataFrame] = []
    ic_store: dict[tuple[str, Any], dict[tuple[Any, Any], float]] = {}
    notes: list[str] = []
    for group in sorted(membership["_g"].unique().to_list(), key=str):
        members = membership.filter(pl.col("_g") == group)[id_column]
        for wave in waves:
            c_sub = cons.filter((pl.col("_w") == wave) & pl.col(id_column).is_in(members.implode()))
            p_sub = prefs.filter(
                (pl.col("_w") == wave) & pl.col(id_column).is_in(members.implode())
            )
            if c_sub.height == 0 or p_sub.height == 0:
                continue
            ids_c, _, xc = _wide(c_sub, id_column, consideration_column, rating_column)
            ids_p, _, xp = _wide(p_sub, id_column, option_column, rank_column)
            pos_p = {pid: k for k, pid in enumerate(ids_p)}
            ids = [pid for pid in ids_c if pid in pos_p]
            xc = xc[[ids_c.index(pid) for pid in ids]]
            xp = xp[[pos_p[pid] for pid in ids]]
            ok = (
                np.isfinite(xc).all(axis=1)
                & np.isfinite(xp).all(axis=1)
                & (np.nanstd(xc, axis=1) > 0)
                & (np.nanstd(xp, axis=1) > 0)
            )
            dropped = (len(set(ids_c) | set(ids_p)) - len(ids)) + int((~ok).sum())
            if dropped:
                notes.append(
                    f"group {group}, {wave}: {dropped} participant(s) left out (incomplete "
                    "answers or no variation)."
                )
            ids = [pid for pid, keep in zip(ids, ok, strict=True) if keep]
            xc, xp = xc[ok], xp[ok]
            n = len(ids)
            if n < 2:
                notes.append(f"group {group}, {wave}: fewer than two usable participants.")
                continue
            rc, rp = _row_ranks(xc), _row_ranks(xp)
            ic, c, p = _ic_matrix(rc, rp)
            iu = np.triu_indices(n, k=1)
            mean_ic = float(ic[iu].mean())
            observed = float(dri_from_ic(mean_ic))
            grow: dict[str, Any] = {
                "group": group,
                "wave": str(wave),
                "n_participants": n,
                "n_pairs": int(iu[0].size),
                "mean_ic": mean_ic,
                "dri": observed,
            }
            if n_permutations:
                perm = np.empty(n_permutations)
                for b in _progress(
                    range(n_permutations),
                    enabled=progress,
                    desc=f"DRI baseline, group {group}, {wave}",
                    unit="permutation",
                ):
                    icb, _, _ = _ic_matrix(rng.permuted(rc, axis=1), rng.permuted(rp, axis=1))
                    perm[b] = icb[iu].mean()
                perm_dri = np.asarray(dri_from_ic(perm))
                sd = float(perm_dri.std(ddof=1)) if n_permutations > 1 else float("nan")
                grow |= {
                    "baseline_mean": float(perm_dri.mean()),
                    "baseline_low": float(np.quantile(perm_dri, alpha / 2)),
                    "baseline_high": float(np.quantile(perm_dri, 1 - alpha / 2)),
                    "baseline_z": (observed - float(perm_dri.mean())) / sd if sd > 0 else np.nan,
                    "p_value": float(
                        (1 + np.sum(perm_dri >= observed - 1e-12)) / (1 + n_permutations)
                    ),
                }
            else:
                grow |= dict.fromkeys(
                    ["baseline_mean", "baseline_low", "baseline_high", "baseline_z", "p_value"],
                    float("nan"),
                )
            group_rows.append(grow)
            off = ~np.eye(n, dtype=bool)
            ind_ic = (ic * off).sum(axis=1) / (n - 1)
            for k, pid in enumerate(ids):
                part_rows.append(
                    {
                        id_column: pid,
                        "group": group,
                        "wave": str(wave),
                        "n_pairs": n - 1,
                        "mean_ic": float(ind_ic[k]),
                        "dri": float(dri_from_ic(ind_ic[k])),
                    }
                )
            a = [ids[i] for i in iu[0]]
            b_ = [ids[j] for j in iu[1]]
            pair_frames.append(
                pl.DataFrame(
                    {
                        "group": [group] * len(a),
                        "wave": [str(wave)] * len(a),
                        "participant_a": a,
                        "participant_b": b_,
                        "rho_c": c[iu],
                        "rho_p": p[iu],
                        "ic": ic[iu],
                    }
                )
            )
            ic_store[(group, wave)] = dict(zip(zip(a, b_, strict=True), ic[iu], strict=True))
    if not group_rows:
        raise ValidationError(
            "no group has two participants with complete considerations and preferences",
            table="considerations",
        )
    change_rows = []
    if wave_column:
        from scipy import stats

        for group in sorted({g for g, _ in ic_store}, key=str):
            before = ic_store.get((group, pre))
            after = ic_store.get((group, post))
            if not before or not after:
                continue
            common = sorted(set(before) & set(after), key=str)
            if not common:
                continue
            x0 = np.array([before[k] for k in common])
            x1 = np.array([after[k] for k in common])
            d = x1 - x0
            stat = pval = float("nan")
            if np.any(d != 0):
                w = stats.wilcoxon(x1, x0)
                stat, pval = float(w.statistic), float(w.pvalue)
            change_rows.append(
                {
                    "group": group,
                    "n_pairs": len(common),
                    "dri_pre": float(dri_from_ic(x0.mean())),
                    "dri_post": float(dri_from_ic(x1.mean())),
                    "change": float(dri_from_ic(x1.mean()) - dri_from_ic(x0.mean())),
                    "median_ic_change": float(np.median(d)),
                    "wilcoxon_statistic": stat,
                    "p_value": pval,
                }
            )
        notes.append(
            "Pre/post: Wilcoxon signed-rank test on the IC of pairs present in both waves; pairs "
            "share participants, so treat the p-value as indicative."
        )
    change_cols = [
        "group",
        "n_pairs",
        "dri_pre",
        "dri_post",
        "change",
        "median_ic_change",
        "wilcoxon_statistic",
        "p_value",
    ]
    change = (
        pl.DataFrame(change_rows).select(change_cols)
        if change_rows
        else pl.DataFrame(
            schema={
                c: (pl.String if c == "group" else pl.Int64 if c == "n_pairs" else pl.Float64)
                for c in change_cols
            }
        )
    )
    return DRIResult(
        groups=pl.DataFrame(group_rows),
        participants=pl.DataFrame(part_rows),
        change=change,
        pairs=pl.concat(pair_frames),
        n_resamples=n_resamples,
        seed=seed,
        alpha=alpha,
        notes=tuple(notes),
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(considerations, preferences),
            parameters={
                "group_column": group_column,
                "wave_column": wave_column,
                "pre": pre,
                "post": post,
                "n_resamples": n_resamples,
                "alpha": alpha,
            },
            seed=seed,
        ),
    )
