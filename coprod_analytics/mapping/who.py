"""Who mapped: people and places per area, which areas nobody mapped, and the mappers
compared with the population they should represent.

The comparison with the population is :func:`coprod_analytics.deliberation.compare_to_population`
on the people who mapped at least one place; every count passes the small-cell rule
(:func:`coprod_analytics.privacy.suppress_small_cells`).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.format import fmt_number
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.mapping._tables import places_of
from coprod_analytics.privacy import DEFAULT_MIN_CELL, suppress_small_cells
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result, frame_to_html

__all__ = ["WhoMapped", "who_mapped"]


@dataclass(frozen=True, repr=False)
class WhoMapped(Result):
    """Who mapped, where, and against whom they should represent.

    Attributes
    ----------
    areas : pl.DataFrame
        One row per area (the population's areas first, in its order, then any other area
        of the places): ``area``, ``n_places``, ``n_needs``, ``n_assets``, ``n_people``
        (distinct people who mapped a place there), ``population_share`` (null when the
        population does not list areas) and ``status``: ``"nobody mapped"``, ``"few
        people"`` (counts suppressed, fewer than ``min_cell``) or ``"mapped"``.
    unmapped : tuple of str
        The areas nobody mapped.
    representation : pl.DataFrame
        Per participant attribute the population lists: ``attribute``, ``category``,
        ``n``, ``sample_share``, ``population_share``, ``ci_low``, ``ci_high``, ``status``
        (``"over"``, ``"under"``, ``"ok"``), the rows of
        :func:`~coprod_analytics.deliberation.compare_to_population` on the mappers (small
        cells suppressed).
    n_mappers : int
        People who mapped at least one place.
    min_cell : int
        Counts below this were suppressed.
    notes : tuple of str
        Suppression notes and caveats.
    tests : dict
        Per attribute, the goodness-of-fit test (``statistic``, ``p_value``, ``p_method``).
    provenance : Provenance or None
        Input fingerprint and parameters.

    Examples
    --------
    >>> from coprod_analytics.mapping import simulate_places
    >>> town = simulate_places()
    >>> who_mapped(town.places, participants=town.participants, population=town.population)
    <WhoMapped: 72 people mapped; 1 of 6 areas nobody mapped: Riverside>
    """

    areas: pl.DataFrame
    unmapped: tuple[str, ...]
    representation: pl.DataFrame
    n_mappers: int
    min_cell: int = DEFAULT_MIN_CELL
    notes: tuple[str, ...] = ()
    tests: dict[str, dict[str, Any]] = field(default_factory=dict)
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """The areas table (see :attr:`areas`).

        Returns
        -------
        pl.DataFrame
        """
        return self.areas

    def summary(self) -> str:
        """Who mapped, which areas nobody mapped, and who is over- or under-represented.

        Returns
        -------
        str
        """
        nobody = f"{len(self.unmapped)} of {self.areas.height} areas nobody mapped" + (
            f": {', '.join(self.unmapped)}" if self.unmapped else ""
        )
        lines = [f"{self.n_mappers} people mapped; {nobody}"]
        if self.representation.height:
            off = self.representation.filter(pl.col("status").is_in(["over", "under"]))
            for row in off.iter_rows(named=True):
                lines.append(
                    f"  {row['attribute']} = {row['category']}: {row['status']}-represented "
                    f"({fmt_number(row['sample_share'])} of mappers, population "
                    f"{fmt_number(row['population_share'])})"
                )
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in self.notes)
        return (
            f"<p>{html.escape(self.summary().splitlines()[0])}</p>"
            + frame_to_html(self.areas, caption="areas")
            + frame_to_html(self.representation, caption="mappers and the population")
            + notes
        )


def _ids(s: pl.Series) -> pl.Series:
    return s.cast(pl.String)


def who_mapped(
    places: pl.DataFrame | Inquiry,
    *,
    participants: pl.DataFrame | None = None,
    population: pl.DataFrame | None = None,
    areas: Sequence[str] | None = None,
    polygons: Any = None,
    area: str = "area",
    alpha: float = 0.05,
    min_cell: int = DEFAULT_MIN_CELL,
    n_resamples: int = 5000,
    seed: int = 0,
) -> WhoMapped:
    """People and places per area, the areas nobody mapped, and the mappers against the
    population.

    Parameters
    ----------
    places : pl.DataFrame or Inquiry
        The ``places`` table with an ``area`` column (or an Inquiry holding ``places``,
        ``participants`` and ``population``).
    participants : pl.DataFrame, optional
        One row per participant with attribute columns (age band, home area, ...). Default:
        the Inquiry's.
    population : pl.DataFrame, optional
        The ``population`` table (``attribute``, ``category``, ``share``). Its categories of
        the attribute ``area`` are the areas expected to be mapped; each of its other
        attributes that ``participants`` has is compared. Default: the Inquiry's.
    areas : sequence of str, optional
        The areas expected to be mapped (default: the population's ``area`` categories,
        else the names of the area polygons).
    polygons : dict or list of dict, optional
        GeoJSON naming the areas with polygons (property ``area`` or ``name``): a place
        with a point and no area is counted in the area whose polygon holds it
        (:func:`~coprod_analytics.mapping.areas.assign_areas`). Default: the polygons the
        Inquiry brings (:func:`~coprod_analytics.mapping.areas.inquiry_polygons`).
    area : str, default "area"
        The places column naming a place's area, and the population attribute of areas.
    alpha : float, default 0.05
        Level of the comparison with the population (Wilson intervals, Holm-adjusted tests).
    min_cell : int, default 5
        Areas and categories of fewer people have their counts suppressed.
    n_resamples : int, default 5000
        Monte Carlo draws of a goodness-of-fit p-value when expected counts are small.
    seed : int, default 0
        Seed of those draws.

    Returns
    -------
    WhoMapped
        ``areas``, ``unmapped``, ``representation`` and the tests.

    Raises
    ------
    ValidationError
        When the places have no ``area`` column and no polygon to find it in.

    Examples
    --------
    >>> places = pl.DataFrame({"participant_id": range(6), "place_id": range(6),
    ...                        "kind": ["need"] * 6, "category": ["safety"] * 6,
    ...                        "area": ["North"] * 6})
    >>> res = who_mapped(places, areas=["North", "South"])
    >>> res.unmapped, res.areas.select("area", "n_people", "status").rows()
    (('South',), [('North', 6, 'mapped'), ('South', 0, 'nobody mapped')])
    """
    from coprod_analytics.deliberation import compare_to_population

    func = "who_mapped"
    check_param(
        isinstance(min_cell, int) and not isinstance(min_cell, bool) and min_cell >= 0,
        "min_cell",
        func,
        "an int >= 0",
        min_cell,
    )
    frame = places_of(places, func)
    from coprod_analytics.mapping.areas import area_polygons, assign_areas, inquiry_polygons

    if polygons is not None:
        polys = area_polygons(polygons)
    else:
        polys = inquiry_polygons(places) if isinstance(places, Inquiry) else []
    if polys and (area not in frame.columns or frame.get_column(area).null_count()):
        frame = assign_areas(frame, polys, area=area)
    if isinstance(places, Inquiry):
        if participants is None and places.participants.width > 1:
            participants = places.participants
        if population is None:
            population = places.tables.get("population")
    if area not in frame.columns:
        raise ValidationError(
            f"{func} needs the area of each place: a column {area!r} in places (found "
            f"{frame.columns})",
            table="places",
            column=area,
        )
    pop_areas: dict[str, float] = {}
    if population is not None:
        rows = population.filter(pl.col("attribute").cast(pl.String) == area)
        total = float(rows.get_column("share").sum()) if rows.height else 0.0
        pop_areas = {
            str(c): float(s) / total
            for c, s in rows.select("category", "share").iter_rows()
            if total > 0
        }
    expected = list(areas) if areas is not None else list(pop_areas)
    if areas is None and not pop_areas and polys:
        expected = list(dict.fromkeys(name for name, _ in polys))
    seen = frame.get_column(area).drop_nulls().unique(maintain_order=True).to_list()
    order = expected + [a for a in seen if a not in expected]
    counts = (
        frame.filter(pl.col(area).is_not_null())
        .group_by(pl.col(area).alias("area"))
        .agg(
            pl.len().cast(pl.Int64).alias("n_places"),
            (pl.col("kind") == "need").sum().cast(pl.Int64).alias("n_needs"),
            (pl.col("kind") == "asset").sum().cast(pl.Int64).alias("n_assets"),
            pl.col("participant_id").n_unique().cast(pl.Int64).alias("n_people"),
        )
    )
    table = (
        pl.DataFrame({"area": order}, schema={"area": pl.String})
        .join(counts, on="area", how="left", maintain_order="left")
        .with_columns(
            pl.col(c).fill_null(0) for c in ("n_places", "n_needs", "n_assets", "n_people")
        )
        .with_columns(
            pl.Series("population_share", [pop_areas.get(a) for a in order], dtype=pl.Float64)
        )
    )
    unmapped = tuple(table.filter(pl.col("n_people") == 0).get_column("area").to_list())
    sup = suppress_small_cells(
        table,
        count_column="n_people",
        min_cell=min_cell,
        also=["n_places", "n_needs", "n_assets"],
        unit="people",
    )
    areas_out = sup.frame.with_columns(
        pl.when(pl.col("n_people").is_null())
        .then(pl.lit("few people"))
        .when(pl.col("n_people") == 0)
        .then(pl.lit("nobody mapped"))
        .otherwise(pl.lit("mapped"))
        .alias("status")
    )
    notes = [sup.note] if sup.note else []
    mapper_ids = _ids(frame.get_column("participant_id")).unique()
    rep_parts: list[pl.DataFrame] = []
    tests: dict[str, dict[str, Any]] = {}
    if participants is not None and population is not None:
        people = participants.filter(
            _ids(participants.get_column("participant_id")).is_in(mapper_ids.implode())
        )
        attributes = [
            a
            for a in population.get_column("attribute").cast(pl.String).unique(maintain_order=True)
            if a in people.columns and a != "participant_id"
        ]
        for attribute in attributes:
            res = compare_to_population(
                people,
                population,
                attribute=attribute,
                alpha=alpha,
                min_cell=min_cell,
                n_resamples=n_resamples,
                seed=seed,
            )
            rep_parts.append(
                res.table.select(
                    pl.lit(attribute).alias("attribute"),
                    pl.col("category").cast(pl.String),
                    "n",
                    "sample_share",
                    "population_share",
                    "ci_low",
                    "ci_high",
                    "status",
                )
            )
            tests[attribute] = {
                "statistic": res.statistic,
                "p_value": res.p_value,
                "p_method": res.p_method,
            }
            notes.extend(f"{attribute}: {n}" for n in res.notes)
    representation = (
        pl.concat(rep_parts)
        if rep_parts
        else pl.DataFrame(
            schema={
                "attribute": pl.String,
                "category": pl.String,
                "n": pl.Int64,
                "sample_share": pl.Float64,
                "population_share": pl.Float64,
                "ci_low": pl.Float64,
                "ci_high": pl.Float64,
                "status": pl.String,
            }
        )
    )
    return WhoMapped(
        areas=areas_out,
        unmapped=unmapped,
        representation=representation,
        n_mappers=int(mapper_ids.len()),
        min_cell=min_cell,
        notes=tuple(notes),
        tests=tests,
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(frame, participants, population),
            parameters={
                "areas": list(areas) if areas is not None else None,
                "polygons": len(polys),
                "area": area,
                "alpha": alpha,
                "min_cell": min_cell,
                "n_resamples": n_resamples,
            },
            seed=seed,
        ),
    )
