"""State objects of the deliberation views: they call the core and hold published tables.

- :class:`ShiftState` -- pre/post change per item (paired shift with a stated correction),
  split by an opinion or demographic group, difference-in-differences against a control arm,
  and the Deliberative Reason Index per group with its permutation baseline.
- :class:`QMethodState` -- Q-methodology: loadings, flags, z-scores, distinguishing and
  consensus statements of the selected factor.
- :class:`RepresentationState` -- participants against a reference population, raking
  weights, the make-up of opinion groups, statement exposure and attrition.

Every table a view shows comes from a method here and has passed through the one small-cell
rule, :func:`~coprod_analytics.privacy.suppress_small_cells` (cells of fewer than
``min_cell`` people are nulled, and ``notes`` says so). Views only format and draw.

The states pass the inquiry's tables to the core exactly as they are stored (``panel``,
``considerations``/``preferences``, ``qsorts``, ``population``) and run the core's
resampling without a progress bar (``progress=False``): the view is what the user watches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl
import traitlets as t

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.privacy import DEFAULT_MIN_CELL, suppress_small_cells

if TYPE_CHECKING:  # pragma: no cover
    from coprod_analytics.deliberation import (
        BreakdownResult,
        DRIResult,
        QMethodResult,
        ShiftResult,
        WeightsResult,
    )

__all__ = [
    "EVERYONE",
    "QMethodState",
    "RepresentationState",
    "ShiftState",
    "has_deliberation_data",
    "has_population",
    "has_qsorts",
]

#: Value of the "split by" trait meaning no split.
EVERYONE = ""

_PANEL_CORE = ("participant_id", "item_id", "wave", "value", "weight", "arm")
_SHIFT_COLUMNS = (
    "n",
    "mean_pre",
    "mean_post",
    "estimate",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "cohens_dz",
    "dz_ci_low",
    "dz_ci_high",
)


def _pseudonyms(ids: list[Any], prefix: str = "P") -> dict[Any, str]:
    """Pseudonymous labels ``P1, P2, ...`` for ids, in the order given (for publishing)."""
    return {v: f"{prefix}{i + 1}" for i, v in enumerate(ids)}


def _published(
    frame: pl.DataFrame,
    count: str,
    min_cell: int,
    notes: list[str],
    also: list[str] | None = None,
) -> pl.DataFrame:
    """``frame`` through the one small-cell rule; its note (once) added to ``notes``."""
    sup = suppress_small_cells(frame, count_column=count, min_cell=min_cell, also=also)
    if sup.note and sup.note not in notes:
        notes.append(sup.note)
    return sup.frame


def _waves(panel: pl.DataFrame) -> tuple[str, str]:
    waves = panel.get_column("wave").unique().sort().to_list()
    if {"pre", "post"} <= set(waves):
        return "pre", "post"
    if len(waves) != 2:
        raise ValidationError(
            f"a pre/post panel needs two waves ('pre' and 'post'); got {waves}",
            table="panel",
            column="wave",
        )
    return str(waves[0]), str(waves[1])


class ShiftState(t.HasTraits):
    """Pre/post change of a panel, per item and by group, with DiD and the DRI.

    Parameters
    ----------
    panel : pl.DataFrame, optional
        The ``panel`` table ``participant_id, item_id, wave, value`` (+ ``weight``, ``arm``
        and attribute columns such as ``opinion_group`` or ``age_band``).
    considerations, preferences : pl.DataFrame, optional
        Inputs of the Deliberative Reason Index (``group`` and ``wave`` columns are used
        when present).
    min_cell : int
        Rows (items x group, DRI groups, answer counts) of fewer people are suppressed.
    correction : str
        Multiple-testing correction across rows (default Benjamini-Hochberg).
    n_resamples : int
        Size of the permutation baseline of the DRI.
    seed : int
        Seed of the permutations.

    Attributes
    ----------
    item : str
        The item whose distributions are drawn.
    by : str
        Attribute to split by (:data:`EVERYONE` for no split).
    min_cell : int

    Examples
    --------
    >>> from coprod_analytics.deliberation import simulate_panel
    >>> state = ShiftState(simulate_panel(80, 3, seed=1).panel, min_cell=5)
    >>> state.items, state.by_options
    (['q1', 'q2', 'q3'], ['opinion_group', 'age_band', 'gender', 'area'])
    >>> state.shift_table().columns[:3]
    ['item_id', 'n', 'mean_pre']
    """

    item = t.Unicode("")
    by = t.Unicode(EVERYONE)
    min_cell = t.Int(0)

    def __init__(
        self,
        panel: pl.DataFrame | None = None,
        *,
        considerations: pl.DataFrame | None = None,
        preferences: pl.DataFrame | None = None,
        min_cell: int = 0,
        correction: str = "fdr_bh",
        n_resamples: int = 200,
        seed: int = 0,
    ) -> None:
        func = "ShiftState"
        check_param(
            isinstance(min_cell, int) and min_cell >= 0, "min_cell", func, "an int >= 0", min_cell
        )
        check_param(
            panel is not None or (considerations is not None and preferences is not None),
            "panel",
            func,
            "a panel table, or considerations and preferences",
            panel,
        )
        super().__init__()
        self.panel = panel
        self.considerations = considerations
        self.preferences = preferences
        self.correction = correction
        self.n_resamples = n_resamples
        self.seed = seed
        self._cache: dict[Any, Any] = {}
        self.pre, self.post = _waves(panel) if panel is not None else ("pre", "post")
        self.items: list[str] = (
            [str(v) for v in panel.get_column("item_id").unique(maintain_order=True).to_list()]
            if panel is not None
            else []
        )
        self.by_options: list[str] = (
            [
                c
                for c in panel.columns
                if c not in _PANEL_CORE and 2 <= panel.get_column(c).n_unique() <= 20
            ]
            if panel is not None
            else []
        )
        self.min_cell = min_cell
        self.item = self.items[0] if self.items else ""

    @classmethod
    def from_inquiry(cls, inquiry: Inquiry, **kwargs: Any) -> ShiftState:
        """The state of an inquiry's ``panel`` (attributes of ``participants`` joined in)
        and ``considerations``/``preferences`` tables.

        Parameters
        ----------
        inquiry : Inquiry
            The inquiry (its tables are used as stored).
        **kwargs
            Passed to :class:`ShiftState` (``min_cell``, ``seed``, ...).

        Returns
        -------
        ShiftState
        """
        panel = inquiry.tables.get("panel")
        if panel is not None:
            attrs = [
                c
                for c in inquiry.participants.columns
                if c != "participant_id" and c not in panel.columns
            ]
            ppl = inquiry.participants.select("participant_id", *attrs)
            if attrs and ppl.schema["participant_id"] == panel.schema["participant_id"]:
                panel = panel.join(ppl, on="participant_id", how="left")
        return cls(
            panel,
            considerations=inquiry.tables.get("considerations"),
            preferences=inquiry.tables.get("preferences"),
            **kwargs,
        )

    @t.validate("by")
    def _check_by(self, proposal: Any) -> str:
        value = proposal["value"] or EVERYONE
        if value != EVERYONE and value not in self.by_options:
            raise t.TraitError(f"cannot split by {value!r}; choose one of {self.by_options}")
        return str(value)

    # ---------------------------------------------------------------- the core's results
    def shift(self, by: str | None = None) -> ShiftResult:
        """The core's :class:`~coprod_analytics.deliberation.ShiftResult` (paired shift).

        Parameters
        ----------
        by : str, optional
            Attribute to split each item by (default: no split).

        Returns
        -------
        ShiftResult
            Cached per split.
        """
        from coprod_analytics.deliberation import paired_shift

        key = ("shift", by or EVERYONE)
        if key not in self._cache:
            assert self.panel is not None
            self._cache[key] = paired_shift(
                self.panel,
                by=by or None,
                weight="weight" if "weight" in self.panel.columns else None,
                pre=self.pre,
                post=self.post,
                correction=self.correction,  # type: ignore[arg-type]
            )
        return self._cache[key]

    def did(self) -> ShiftResult | None:
        """Difference-in-differences when the panel has a control arm, else None.

        Returns
        -------
        ShiftResult or None
        """
        if self.panel is None or "arm" not in self.panel.columns:
            return None
        arms = self.panel.get_column("arm").drop_nulls().unique().sort().to_list()
        if len(arms) < 2:
            return None
        if "did" not in self._cache:
            from coprod_analytics.deliberation import did_shift

            treated = "treatment" if "treatment" in arms else arms[-1]
            self._cache["did"] = did_shift(
                self.panel,
                treated=treated,
                pre=self.pre,
                post=self.post,
                correction=self.correction,  # type: ignore[arg-type]
            )
        return self._cache["did"]

    def dri(self) -> DRIResult | None:
        """The Deliberative Reason Index when considerations and preferences exist, else None.

        Returns
        -------
        DRIResult or None
        """
        if self.considerations is None or self.preferences is None:
            return None
        if "dri" not in self._cache:
            from coprod_analytics.deliberation import deliberative_reason_index

            cons, prefs = self.considerations, self.preferences
            wave = "wave" if "wave" in cons.columns and "wave" in prefs.columns else None
            self._cache["dri"] = deliberative_reason_index(
                cons,
                prefs,
                group="group" if "group" in cons.columns else None,
                wave=wave,
                n_resamples=self.n_resamples,
                seed=self.seed,
                progress=False,
            )
        return self._cache["dri"]

    # ---------------------------------------------------------------- published tables
    @property
    def correction_text(self) -> str:
        """The correction behind the adjusted p-values, in words.

        Returns
        -------
        str
        """
        return str(self.shift().correction) if self.panel is not None else ""

    def shift_table(self, notes: list[str] | None = None) -> pl.DataFrame:
        """Per item (x group when :attr:`by` is set): pairs, means, shift with CI, p,
        adjusted p, Cohen's d_z with CI; rows of fewer than ``min_cell`` pairs suppressed.

        Parameters
        ----------
        notes : list of str, optional
            Collects the suppression note (once) for the caller to print.

        Returns
        -------
        pl.DataFrame
            ``item_id`` (and the ``by`` column), ``n``, ``mean_pre``, ``mean_post``, ``estimate``,
            ``ci_low``, ``ci_high``, ``p_value``, ``p_adjusted``, ``cohens_dz``, ``dz_ci_low``,
            ``dz_ci_high``.
        """
        res = self.shift(self.by or None)
        keys = list(res.keys)
        table = res.table.select(*keys, *_SHIFT_COLUMNS)
        if self.by:
            table = table.with_columns(pl.col(self.by).cast(pl.String))
        return _published(table, "n", self.min_cell, notes if notes is not None else [])

    def item_shift(self) -> pl.DataFrame:
        """:meth:`shift_table` rows of the selected item.

        Returns
        -------
        pl.DataFrame
        """
        return self.shift_table().filter(pl.col("item_id").cast(pl.String) == self.item)

    def distribution(self, notes: list[str] | None = None) -> pl.DataFrame:
        """Answers to the selected item per wave: ``wave``, ``value``, ``n``, ``share``
        (of the wave); counts under ``min_cell`` suppressed.

        Parameters
        ----------
        notes : list of str, optional
            Collects the suppression note (once) for the caller to print.

        Returns
        -------
        pl.DataFrame
            ``wave``, ``value``, ``n``, ``share``.
        """
        if self.panel is None:
            return pl.DataFrame(
                schema={"wave": pl.String, "value": pl.Float64, "n": pl.Int64, "share": pl.Float64}
            )
        sub = self.panel.filter(pl.col("item_id").cast(pl.String) == self.item)
        sub = sub.drop_nulls("value")
        table = (
            sub.group_by("wave", "value")
            .agg(n=pl.len().cast(pl.Int64))
            .with_columns(share=pl.col("n") / pl.col("n").sum().over("wave"))
            .with_columns(_order=pl.col("wave") == self.post)
            .sort("_order", "value")
            .drop("_order")
        )
        return _published(table, "n", self.min_cell, notes if notes is not None else [])

    def did_table(self, notes: list[str] | None = None) -> pl.DataFrame | None:
        """DiD per item (None without a control arm); rows where either arm has fewer than
        ``min_cell`` people suppressed.

        Parameters
        ----------
        notes : list of str, optional
            Collects the suppression note (once) for the caller to print.

        Returns
        -------
        pl.DataFrame or None
            ``item_id``, ``n_treated``, ``n_control``, ``shift_treated``, ``shift_control``,
            ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``p_adjusted``.
        """
        res = self.did()
        if res is None:
            return None
        table = res.table.select(
            "item_id",
            "n_treated",
            "n_control",
            "shift_treated",
            "shift_control",
            "estimate",
            "ci_low",
            "ci_high",
            "p_value",
            "p_adjusted",
        ).with_columns(_n=pl.min_horizontal("n_treated", "n_control"))
        also = [c for c in table.columns if c not in ("item_id", "_n")]
        out = _published(table, "_n", self.min_cell, notes if notes is not None else [], also=also)
        return out.drop("_n")

    def dri_table(self, notes: list[str] | None = None) -> pl.DataFrame | None:
        """DRI per group and wave with the permutation baseline (None without DRI data);
        groups of fewer than ``min_cell`` participants suppressed.

        Parameters
        ----------
        notes : list of str, optional
            Collects the suppression note (once) for the caller to print.

        Returns
        -------
        pl.DataFrame or None
            ``group``, ``wave``, ``n_participants``, ``dri``, ``baseline_mean``, ``baseline_low``,
            ``baseline_high``, ``p_value``.
        """
        res = self.dri()
        if res is None:
            return None
        table = res.groups.select(
            pl.col("group").cast(pl.String),
            pl.col("wave").cast(pl.String),
            "n_participants",
            "dri",
            "baseline_mean",
            "baseline_low",
            "baseline_high",
            "p_value",
        )
        return _published(
            table,
            "n_participants",
            self.min_cell,
            notes if notes is not None else [],
            also=["dri", "baseline_mean", "baseline_low", "baseline_high", "p_value"],
        )

    def dri_change(self) -> pl.DataFrame | None:
        """Pre/post change of the DRI per group (None without two waves); groups with a
        suppressed DRI row are left out.

        Returns
        -------
        pl.DataFrame or None
            ``group``, ``dri_pre``, ``dri_post``, ``change``, ``p_value``.
        """
        res = self.dri()
        if res is None or res.change.height == 0:
            return None
        table = self.dri_table()
        assert table is not None
        small = table.filter(pl.col("dri").is_null()).get_column("group").unique().to_list()
        return (
            res.change.with_columns(pl.col("group").cast(pl.String))
            .filter(~pl.col("group").is_in(small))
            .select("group", "dri_pre", "dri_post", "change", "p_value")
        )


class QMethodState(t.HasTraits):
    """A Q-methodology analysis and the factor being read.

    Parameters
    ----------
    qsorts : pl.DataFrame
        Long ``participant_id, statement_id, score`` or the wide statements x Q-sorts table
        of :func:`~coprod_analytics.deliberation.q_method` (first column the statements).
    n_factors : int, optional
        Factors to extract (default: min(3, Q-sorts - 1)).
    pseudonymise : bool
        Show Q-sorts as ``Q-sort 1, 2, ...`` instead of their ids (for publishing).

    Attributes
    ----------
    n_factors : int
    factor : str
        ``"f1"``, ``"f2"``, ... the factor whose statements are listed.

    Examples
    --------
    >>> import numpy as np
    >>> grid = np.repeat([-2, -1, 0, 1, 2], [1, 2, 3, 2, 1])
    >>> rng = np.random.default_rng(0)
    >>> base = rng.permutation(grid)
    >>> sorts = np.column_stack([rng.permutation(grid) for _ in range(3)] + [base] * 3)
    >>> state = QMethodState(pl.DataFrame(sorts, schema=[f"s{i}" for i in range(6)]), n_factors=2)
    >>> state.loadings_table()["flagged"].to_list()[3:]
    ['f1', 'f1', 'f1']
    """

    n_factors = t.Int(1)
    factor = t.Unicode("f1")

    def __init__(
        self, qsorts: pl.DataFrame, *, n_factors: int | None = None, pseudonymise: bool = False
    ) -> None:
        super().__init__()
        if {"participant_id", "statement_id", "score"} <= set(qsorts.columns):
            from coprod_analytics.deliberation.inputs import qsorts_wide

            qsorts = qsorts_wide(qsorts)
        self.qsorts = qsorts
        self.pseudonymise = pseudonymise
        n_sorts = sum(1 for dt in qsorts.dtypes if dt.is_numeric())
        self._cache: dict[int, Any] = {}
        self.n_factors = n_factors if n_factors is not None else max(1, min(3, n_sorts - 1))

    @classmethod
    def from_inquiry(cls, inquiry: Inquiry, **kwargs: Any) -> QMethodState:
        """The state of an inquiry's ``qsorts`` table.

        Parameters
        ----------
        inquiry : Inquiry
            The inquiry (its ``qsorts`` table is used as stored).
        **kwargs
            Passed to :class:`QMethodState`.

        Returns
        -------
        QMethodState
        """
        return cls(inquiry.tables["qsorts"], **kwargs)

    @t.observe("n_factors")
    def _on_n_factors(self, change: Any) -> None:
        if self.factor not in self.factors:
            self.factor = "f1"

    @property
    def result(self) -> QMethodResult:
        """The core's :class:`~coprod_analytics.deliberation.QMethodResult`.

        Returns
        -------
        QMethodResult
            Cached per number of factors.
        """
        if self.n_factors not in self._cache:
            from coprod_analytics.deliberation import q_method

            self._cache[self.n_factors] = q_method(self.qsorts, n_factors=self.n_factors)
        return self._cache[self.n_factors]

    @property
    def factors(self) -> list[str]:
        """``["f1", ..., "fk"]`` for the current number of factors.

        Returns
        -------
        list of str
        """
        return [f"f{i + 1}" for i in range(self.n_factors)]

    def _labels(self, ids: list[Any]) -> list[str]:
        if not self.pseudonymise:
            return [str(v) for v in ids]
        names = _pseudonyms(ids, prefix="Q-sort ")
        return [names[v] for v in ids]

    def loadings_table(self) -> pl.DataFrame:
        """``qsort`` (the Q-sort's id, or its pseudonym), the loadings ``f1..fk`` and
        ``flagged`` (the factor it defines, or "").

        Returns
        -------
        pl.DataFrame
        """
        res = self.result
        flags = res.flagged
        flagged = [
            next((f for f in self.factors if row[f"flag_{f}"]), "")
            for row in flags.iter_rows(named=True)
        ]
        labels = self._labels(res.loadings["participant_id"].to_list())
        return res.loadings.drop("participant_id").select(
            pl.Series("qsort", labels, dtype=pl.String),
            pl.all(),
            pl.Series("flagged", flagged, dtype=pl.String),
        )

    def factor_table(self) -> pl.DataFrame:
        """Per factor: flagged Q-sorts, eigenvalue, explained variance, reliability.

        Returns
        -------
        pl.DataFrame
            ``factor``, ``n_loading``, ``eigenvalue``, ``explained_variance``, ``reliability``.
        """
        return self.result.characteristics.select(
            "factor", "n_loading", "eigenvalue", "explained_variance", "reliability"
        )

    def statements_table(self) -> pl.DataFrame:
        """Statements of the selected factor, highest z-score first: ``statement``, ``zscore``,
        ``factor_score``, ``classification``.

        Returns
        -------
        pl.DataFrame
        """
        res = self.result
        f = self.factor
        st = pl.col("statement_id").alias("statement")
        return (
            res.zscores.select(st, pl.col(f"zsc_{f}").alias("zscore"))
            .join(
                res.factor_scores.select(st, pl.col(f"fsc_{f}").alias("factor_score")),
                on="statement",
            )
            .join(
                res.distinguishing.select(st, pl.col("dist_and_cons").alias("classification")),
                on="statement",
            )
            .sort("zscore", descending=True)
        )

    def distinguishing_table(self) -> pl.DataFrame:
        """Statements distinguishing the selected factor (significant differences from
        every other factor's z-score), with the z-score differences and their stars.

        Returns
        -------
        pl.DataFrame
            ``statement``, per other factor ``g`` the difference ``"f - g"`` and its stars
            ``"sig f - g"``, and ``zscore``.
        """
        res = self.result
        f = self.factor
        others = [g for g in self.factors if g != f]
        dist = res.distinguishing.rename({"statement_id": "statement"})
        cols: list[pl.Expr] = []
        sig: list[pl.Expr] = []
        for g in others:
            a, b = sorted((f, g), key=lambda s: int(s[1:]))
            sign = 1 if a == f else -1
            cols.append((sign * pl.col(f"{a}_{b}")).alias(f"{f} - {g}"))
            cols.append(pl.col(f"sig_{a}_{b}").alias(f"sig {f} - {g}"))
            sig.append(pl.col(f"sig_{a}_{b}") != "")
        if not others:
            return dist.select("statement").clear()
        return (
            dist.filter(pl.all_horizontal(sig))
            .select("statement", *cols)
            .join(
                res.zscores.select(
                    pl.col("statement_id").alias("statement"), pl.col(f"zsc_{f}").alias("zscore")
                ),
                on="statement",
            )
            .sort("zscore", descending=True)
        )

    def notes(self) -> list[str]:
        """The core's notes, with Q-sort ids replaced by their pseudonyms when pseudonymised.

        Returns
        -------
        list of str
        """
        notes = [str(n) for n in self.result.notes]
        if not self.pseudonymise:
            return notes
        import re

        ids = [str(v) for v in self.result.loadings["participant_id"].to_list()]
        names = _pseudonyms(ids, prefix="Q-sort ")
        pattern = re.compile(
            r"(?<![\w-])("
            + "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
            + r")(?![\w-])"
        )
        return [pattern.sub(lambda m: names[m.group(1)], n) for n in notes]

    def consensus_statements(self) -> list[str]:
        """Statements no pair of factors rates significantly differently.

        Returns
        -------
        list of str
        """
        return [str(s) for s in self.result.consensus]


class RepresentationState(t.HasTraits):
    """Who took part, against a reference population.

    Parameters
    ----------
    participants : pl.DataFrame
        One row per participant with attribute columns.
    population : pl.DataFrame
        ``attribute, category, share`` (shares or counts).
    groups : pl.DataFrame, optional
        ``participant_id, group`` (opinion groups) for the group make-up.
    panel : pl.DataFrame, optional
        A pre/post panel for attrition (``participant_id, wave``).
    votes, statements : pl.DataFrame, optional
        For statement exposure by author's opinion group (needs ``author_id``).
    min_cell : int
        Counts of fewer people are suppressed in every published table (default 5).
    seed : int
        Seed of the Monte Carlo p-values.

    Attributes
    ----------
    attribute : str
        The attribute shown.

    Examples
    --------
    >>> ppl = pl.DataFrame({"participant_id": range(40), "age": ["young"] * 10 + ["old"] * 30})
    >>> pop = pl.DataFrame({"attribute": ["age", "age"], "category": ["old", "young"],
    ...                     "share": [0.5, 0.5]})
    >>> state = RepresentationState(ppl, pop)
    >>> state.comparison_table()["status"].to_list()
    ['over', 'under']
    >>> round(state.weights().design_effect, 3)
    1.333
    """

    attribute = t.Unicode("")
    min_cell = t.Int(DEFAULT_MIN_CELL)

    def __init__(
        self,
        participants: pl.DataFrame,
        population: pl.DataFrame,
        *,
        groups: pl.DataFrame | None = None,
        panel: pl.DataFrame | None = None,
        votes: pl.DataFrame | None = None,
        statements: pl.DataFrame | None = None,
        min_cell: int = DEFAULT_MIN_CELL,
        seed: int = 0,
    ) -> None:
        func = "RepresentationState"
        check_param(
            isinstance(min_cell, int) and min_cell >= 0, "min_cell", func, "an int >= 0", min_cell
        )
        super().__init__()
        self.participants = participants
        self.population = population
        self.groups = groups
        self.panel = panel
        self.votes = votes
        self.statements = statements
        self.seed = seed
        self.attributes: list[str] = [
            a
            for a in population.get_column("attribute").unique(maintain_order=True).to_list()
            if a in participants.columns
        ]
        if not self.attributes:
            raise ValidationError(
                f"no attribute of the population table ({population['attribute'].unique().to_list()}) "
                f"is a participants column ({participants.columns})",
                table="population",
                column="attribute",
            )
        self._cache: dict[Any, Any] = {}
        self.min_cell = min_cell
        self.attribute = self.attributes[0]

    @classmethod
    def from_inquiry(
        cls, inquiry: Inquiry, *, groups: pl.DataFrame | None = None, **kwargs: Any
    ) -> RepresentationState:
        """The state of an inquiry's participants and ``population`` table (opinion groups
        from ``groups`` when given).

        Parameters
        ----------
        inquiry : Inquiry
            The inquiry (its tables are used as stored).
        groups : pl.DataFrame, optional
            ``participant_id, group`` (opinion groups).
        **kwargs
            Passed to :class:`RepresentationState`.

        Returns
        -------
        RepresentationState
        """
        return cls(
            inquiry.participants,
            inquiry.tables["population"],
            groups=groups,
            panel=inquiry.tables.get("panel"),
            votes=inquiry.votes if inquiry.votes.height else None,
            statements=inquiry.statements,
            **kwargs,
        )

    @t.validate("attribute")
    def _check_attribute(self, proposal: Any) -> str:
        if proposal["value"] not in self.attributes:
            raise t.TraitError(
                f"no attribute {proposal['value']!r}; choose one of {self.attributes}"
            )
        return str(proposal["value"])

    @t.observe("min_cell")
    def _on_min_cell(self, change: Any) -> None:
        self._cache.clear()

    def comparison(self, attribute: str | None = None) -> BreakdownResult:
        """The core's :func:`~coprod_analytics.deliberation.compare_to_population` of the
        attribute (the population table passed as it is stored).

        Parameters
        ----------
        attribute : str, optional
            The attribute (default: the :attr:`attribute` trait).

        Returns
        -------
        BreakdownResult
        """
        from coprod_analytics.deliberation import compare_to_population

        attr = attribute or self.attribute
        key = ("cmp", attr)
        if key not in self._cache:
            ppl = self.participants.with_columns(pl.col(attr).cast(pl.String))
            self._cache[key] = compare_to_population(
                ppl, self.population, attribute=attr, min_cell=self.min_cell, seed=self.seed
            )
        return self._cache[key]  # type: ignore[no-any-return]

    def comparison_table(self, attribute: str | None = None) -> pl.DataFrame:
        """``category``, ``n``, ``sample_share`` with ``ci_low``/``ci_high``,
        ``population_share``, ``ratio``, ``p_adjusted``, ``status`` (over/under/ok).

        Parameters
        ----------
        attribute : str, optional
            The attribute (default: the :attr:`attribute` trait).

        Returns
        -------
        pl.DataFrame
        """
        return self.comparison(attribute).table.select(
            "category",
            "n",
            "sample_share",
            "ci_low",
            "ci_high",
            "population_share",
            "ratio",
            "p_adjusted",
            "status",
        )

    def weights(self) -> WeightsResult:
        """Raking weights to every attribute's margins (the core's ``WeightsResult``; only
        its summary and margins are published, never the per-participant weights).

        Returns
        -------
        WeightsResult
        """
        if "weights" not in self._cache:
            from coprod_analytics.deliberation import rake_weights

            ppl = self.participants.with_columns(pl.col(a).cast(pl.String) for a in self.attributes)
            margins = self.population.filter(pl.col("attribute").is_in(self.attributes))
            self._cache["weights"] = rake_weights(ppl, margins)
        return self._cache["weights"]  # type: ignore[no-any-return]

    def composition(self, attribute: str | None = None) -> BreakdownResult | None:
        """Opinion-group make-up on the attribute (None without groups).

        Parameters
        ----------
        attribute : str, optional
            The attribute (default: the :attr:`attribute` trait).

        Returns
        -------
        BreakdownResult or None
        """
        if self.groups is None:
            return None
        from coprod_analytics.deliberation.representation import group_composition

        attr = attribute or self.attribute
        key = ("comp", attr)
        if key not in self._cache:
            ppl = self.participants.select("participant_id", pl.col(attr).cast(pl.String)).join(
                self.groups.select("participant_id", pl.col("group")), on="participant_id"
            )
            ppl = ppl.with_columns(
                pl.col("group").map_elements(_group_name, return_dtype=pl.String)
            )
            self._cache[key] = group_composition(
                ppl,
                attribute=attr,
                group="group",
                min_cell=self.min_cell,
                seed=self.seed,
                progress=False,
            )
        return self._cache[key]  # type: ignore[no-any-return]

    def exposure(self) -> BreakdownResult | None:
        """Votes per statement by the author's opinion group (None when statements have no
        authors or there are no groups).

        Returns
        -------
        BreakdownResult or None
        """
        if self.groups is None or self.votes is None or self.statements is None:
            return None
        if "author_id" not in self.statements.columns:
            return None
        st = self.statements.drop_nulls("author_id")
        if st.height == 0:
            return None
        if "exposure" not in self._cache:
            from coprod_analytics.deliberation.representation import statement_exposure

            authors = st.select("statement_id", pl.col("author_id").alias("participant_id")).join(
                self.groups.select("participant_id", "group").drop_nulls("group"),
                on="participant_id",
            )
            authors = authors.select(
                "statement_id",
                pl.col("group")
                .map_elements(_group_name, return_dtype=pl.String)
                .alias("author_group"),
            )
            self._cache["exposure"] = statement_exposure(
                self.votes, authors, min_cell=self.min_cell
            )
        return self._cache["exposure"]  # type: ignore[no-any-return]

    def attrition(self, attribute: str | None = None) -> BreakdownResult | None:
        """Retention between waves by the attribute (None without a panel).

        Parameters
        ----------
        attribute : str, optional
            The attribute (default: the :attr:`attribute` trait).

        Returns
        -------
        BreakdownResult or None
        """
        if self.panel is None:
            return None
        from coprod_analytics.deliberation.representation import attrition

        attr = attribute or self.attribute
        key = ("attr", attr)
        if key not in self._cache:
            panel = self.panel
            if attr not in panel.columns:
                ppl = self.participants.select("participant_id", attr)
                if ppl.schema["participant_id"] != panel.schema["participant_id"]:
                    return None
                panel = panel.join(ppl, on="participant_id", how="left")
            pre, post = _waves(panel)
            self._cache[key] = attrition(
                panel.with_columns(pl.col(attr).cast(pl.String)),
                by=attr,
                pre=pre,
                post=post,
                min_cell=self.min_cell,
                seed=self.seed,
                progress=False,
            )
        return self._cache[key]  # type: ignore[no-any-return]


def has_deliberation_data(inquiry: Inquiry) -> bool:
    """Whether the inquiry holds a pre/post ``panel`` or DRI ``considerations`` and
    ``preferences`` (the deliberation-change panel applies).

    Parameters
    ----------
    inquiry : Inquiry

    Returns
    -------
    bool

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> has_deliberation_data(sample_inquiry())
    True
    """
    t = inquiry.tables
    return "panel" in t or ("considerations" in t and "preferences" in t)


def has_qsorts(inquiry: Inquiry) -> bool:
    """Whether the inquiry holds a ``qsorts`` table (the Q-method panel applies).

    Parameters
    ----------
    inquiry : Inquiry

    Returns
    -------
    bool

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> has_qsorts(sample_inquiry())
    False
    """
    return "qsorts" in inquiry.tables


def has_population(inquiry: Inquiry) -> bool:
    """Whether the inquiry holds a ``population`` table naming at least one participants
    column (the representativeness panel applies).

    Parameters
    ----------
    inquiry : Inquiry

    Returns
    -------
    bool

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> has_population(sample_inquiry())
    True
    """
    pop = inquiry.tables.get("population")
    if pop is None:
        return False
    return bool(set(pop.get_column("attribute").to_list()) & set(inquiry.participants.columns))


def _group_name(group: Any) -> str:
    from coprod_widgets.style import group_label

    try:
        return group_label(int(group))
    except (TypeError, ValueError):
        return str(group)
