"""State of the community map: :class:`MappingState` calls the core and holds what may be
shown.

Everything it holds for the views and the report is fit to publish: points only as grid
cells of at least ``min_cell`` people (:func:`coprod_analytics.mapping.publishable_points`),
hotspots, coverage, support and appraisal rows of fewer people suppressed. The per-place
hotspot labels stay in :attr:`MappingState.labelled` for the analyst and are never drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
import traitlets as t

from coprod_analytics.inquiry import Inquiry
from coprod_analytics.mapping import (
    AppraisalChange,
    NeedSupport,
    PublishedPoints,
    WhoMapped,
    appraisal_change,
    coverage,
    coverage_summary,
    hotspot_summary,
    hotspots,
    inquiry_polygons,
    needs_by_support,
    publishable_points,
    who_mapped,
)
from coprod_analytics.mapping.inputs import coordinate_system
from coprod_analytics.privacy import suppress_small_cells
from coprod_widgets.i18n import gettext_for

__all__ = ["MappingState", "has_places"]

_ = gettext_for("dashboard")


def has_places(inquiry: Inquiry) -> bool:
    """Whether the inquiry holds a ``places`` table with at least one row.

    Parameters
    ----------
    inquiry : Inquiry

    Returns
    -------
    bool

    Examples
    --------
    >>> from coprod_analytics import Inquiry
    >>> has_places(Inquiry())
    False
    """
    places = inquiry.tables.get("places")
    return places is not None and places.height > 0


class MappingState(t.HasTraits):
    """Hotspots, coverage, support, appraisal rounds and who mapped, for one inquiry.

    Parameters
    ----------
    inquiry : Inquiry
        An inquiry holding ``places`` (and optionally ``support``, ``appraisals``,
        ``population`` and participant attributes).
    min_cell : int, default 5
        Cells, hotspots, categories and needs of fewer people are not shown.
    seed : int, default 0
        Seed of the Monte Carlo tests of who mapped.
    layers : sequence of dict, optional
        GeoJSON layers the facilitator supplies (area boundaries, streets): FeatureCollections,
        drawn under the points.

    Attributes
    ----------
    radius_m, min_points : float, int — the hotspot parameters (recomputed when set).
    plan : bool — whether the places are on a plan (x/y, plan units) rather than a map.
    within_m : float — a need is covered when a matching asset is this close.
    grid_m : float — the cell size of the published map (and of its small-cell rule).
    publish_method : str — ``"grid"`` (cell centres) or ``"jitter"`` (each place moved at
    random by up to ``jitter_radius_m``; the seed is the state's ``seed``).
    jitter_radius_m : float or None — the jitter's largest move (None: half of ``grid_m``).
    labelled : pl.DataFrame — every place with its ``hotspot`` (for the analyst; never drawn).
    hotspot_table, coverage_table : pl.DataFrame — per hotspot, per need category (suppressed).
    grid : PublishedPoints — the published map (cells or jittered points).
    support : NeedSupport or None; support_table : pl.DataFrame — needs of at least
    ``min_cell`` supporters.
    change : AppraisalChange or None; change_table : pl.DataFrame — rounds (suppressed).
    who : WhoMapped or None.

    Examples
    --------
    >>> from coprod_analytics.mapping import simulate_places
    >>> s = MappingState(simulate_places().inquiry())
    >>> s.hotspot_table.height
    6
    >>> s.radius_m = 30.0  # too small a radius: one planted hotspot falls apart
    >>> s.hotspot_table.height
    5
    """

    radius_m = t.Float(100.0)
    min_points = t.Int(5)
    within_m = t.Float(400.0)
    grid_m = t.Float(250.0)
    publish_method = t.Enum(["grid", "jitter"], default_value="grid")
    jitter_radius_m = t.Float(None, allow_none=True)
    labelled = t.Instance(pl.DataFrame)
    hotspot_table = t.Instance(pl.DataFrame)
    coverage_table = t.Instance(pl.DataFrame)
    grid = t.Instance(PublishedPoints)
    support = t.Instance(NeedSupport, allow_none=True)
    support_table = t.Instance(pl.DataFrame)
    change = t.Instance(AppraisalChange, allow_none=True)
    change_table = t.Instance(pl.DataFrame)
    who = t.Instance(WhoMapped, allow_none=True)

    def __init__(
        self,
        inquiry: Inquiry,
        *,
        min_cell: int = 5,
        seed: int = 0,
        layers: Sequence[dict[str, Any]] = (),
    ) -> None:
        super().__init__()
        self.inquiry = inquiry
        self.min_cell = min_cell
        self.seed = seed
        self.layers = list(layers)
        self.notes: list[str] = []
        self._compute_hotspots()
        self.plan = coordinate_system(self.labelled) == "plan"
        self._compute_coverage()
        self._compute_grid()
        self._compute_rest()

    @t.observe("radius_m", "min_points")
    def _on_hotspot_params(self, _change: dict[str, Any]) -> None:
        self._compute_hotspots()

    @t.observe("within_m")
    def _on_within(self, _change: dict[str, Any]) -> None:
        self._compute_coverage()

    @t.observe("grid_m", "publish_method", "jitter_radius_m")
    def _on_grid(self, _change: dict[str, Any]) -> None:
        self._compute_grid()

    def _compute_hotspots(self) -> None:
        labelled = hotspots(self.inquiry, radius_m=self.radius_m, min_points=self.min_points)
        self.labelled = labelled
        self.hotspot_table = hotspot_summary(labelled, min_cell=self.min_cell)

    def _compute_coverage(self) -> None:
        cov = coverage(self.inquiry, within_m=self.within_m)
        self.coverage_table = coverage_summary(cov, min_cell=self.min_cell)

    def _compute_grid(self) -> None:
        jitter = self.publish_method == "jitter"
        self.grid = publishable_points(
            self.inquiry,
            method=self.publish_method,
            grid_m=self.grid_m,
            radius_m=self.jitter_radius_m if jitter else None,
            min_cell=self.min_cell,
            seed=self.seed,
        )

    def _compute_rest(self) -> None:
        inq = self.inquiry
        support = needs_by_support(inq)
        self.support = support
        keep = support.table.filter(pl.col("supporters") >= max(self.min_cell, 1))
        hidden = support.table.height - keep.height
        if hidden:
            self.notes.append(
                _("{n} needs supported by fewer than {min_cell} people are not listed.").format(
                    n=hidden, min_cell=self.min_cell
                )
            )
        self.support_table = keep
        self.change = None
        self.change_table = pl.DataFrame()
        appraisals = inq.tables.get("appraisals")
        if appraisals is not None and appraisals.get_column("round").n_unique() >= 2:
            change = appraisal_change(inq)
            self.change = change
            sup = suppress_small_cells(
                change.table.select(
                    "place_id",
                    "need_n_pairs",
                    "need_first",
                    "need_second",
                    "need_change",
                    "need_ci_low",
                    "need_ci_high",
                    "need_p_adjusted",
                    *[
                        c
                        for c in ("achievement_change", "achievement_p_adjusted")
                        if c in change.table.columns
                    ],
                    "status",
                ),
                count_column="need_n_pairs",
                min_cell=self.min_cell,
                unit="people",
            )
            self.change_table = sup.frame.with_columns(
                pl.when(pl.col("need_n_pairs").is_null())
                .then(pl.lit(_("too few people")))
                .otherwise(pl.col("status"))
                .alias("status")
            )
            if sup.note:
                self.notes.append(sup.note)
        self.who = None
        if "area" in self.labelled.columns or inquiry_polygons(inq):
            self.who = who_mapped(inq, min_cell=self.min_cell, seed=self.seed)
            self.notes.extend(n for n in self.who.notes if n not in self.notes)
