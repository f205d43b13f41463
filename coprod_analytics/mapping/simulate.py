"""A simulated town with planted hotspots and appraisal rounds, for tests, demos and
notebooks: :func:`simulate_places`.

The town is a 3 km x 2 km rectangle in six areas. Six hotspots are planted (three of
assets, three of needs), each mapped by distinct people; scattered places fill the rest of
the town except one area (Riverside), which nobody maps. Nobody maps an asset for young
people, so the youth needs have no asset of their category. Support votes favour the needs of
the safety hotspot. Two appraisal rounds score five needs; two of them become less
pressing (with more achieved), one more pressing, two do not change. Every expected answer
of the tests built on it comes from this simulator and is marked as such.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.errors import check_param
from coprod_analytics.mapping.publish import M_PER_DEGREE
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result

__all__ = ["AREAS", "PLANTED_HOTSPOTS", "SimulatedTown", "simulate_places"]

#: The six areas: name -> (x_min, x_max, y_min, y_max) in metres from the town centre.
AREAS: dict[str, tuple[float, float, float, float]] = {
    "Northfield": (-1500, -500, 0, 1000),
    "Market": (-500, 500, 0, 1000),
    "Hilltop": (500, 1500, 0, 1000),
    "Mill End": (-1500, -500, -1000, 0),
    "Station": (-500, 500, -1000, 0),
    "Riverside": (500, 1500, -1000, 0),
}

#: The planted hotspots: (name, kind, category, x, y in metres, number of places).
PLANTED_HOTSPOTS: tuple[tuple[str, str, str, float, float, int], ...] = (
    ("park", "asset", "green space", -900, 550, 20),
    ("hall", "asset", "community space", 0, 650, 18),
    ("station", "asset", "transport", -100, -550, 15),
    ("crossing", "need", "safety", 150, 200, 22),
    ("youth", "need", "youth", -850, -600, 16),
    ("hill green", "need", "green space", 1000, 450, 18),
)

_PHRASES = {
    "green space": ["trees and benches", "a place to sit outside", "grass for games"],
    "community space": ["a hall to meet", "room for clubs", "a warm space in winter"],
    "transport": ["buses to town", "a safe bike route", "step-free access"],
    "safety": ["dark path at night", "fast traffic at the crossing", "no lighting"],
    "youth": ["nowhere for teenagers", "a youth club", "sports after school"],
    "food": ["fresh food nearby", "a community garden", "a market stall"],
}

_SIGMA_M = 35.0  # spread of a planted hotspot's places


@dataclass(frozen=True, repr=False)
class SimulatedTown(Result):
    """A simulated town's mapping inquiry and the truth planted in it.

    Attributes
    ----------
    places : pl.DataFrame
        The ``places`` table (``participant_id``, ``place_id``, ``kind``, ``category``,
        ``lat``, ``lon``, ``area``, ``text``, ``time``), rows in random order.
    support : pl.DataFrame
        The ``support`` table.
    appraisals : pl.DataFrame
        The ``appraisals`` table (rounds 1 and 2).
    participants : pl.DataFrame
        ``participant_id``, ``home_area``, ``age_band``.
    population : pl.DataFrame
        The ``population`` table: attributes ``area`` (the areas to be mapped),
        ``home_area`` and ``age_band``.
    planted : pl.DataFrame
        One row per planted hotspot: ``planted``, ``kind``, ``category``, ``lat``, ``lon``,
        ``n_places``.
    truth : pl.DataFrame
        ``place_id`` and ``planted`` (the planted hotspot the place belongs to, or null).
    needs : pl.DataFrame
        The appraised needs: ``place_id``, ``planted_need_change``,
        ``planted_achievement_change`` (the change of the latent mean, before rounding).
    areas_geojson : dict
        The six areas as a GeoJSON FeatureCollection (property ``name``), as a facilitator
        would supply them.
    centre : tuple of float
        The town centre (lat, lon).
    parameters : dict
        The arguments used, seed included.
    provenance : Provenance or None
        The simulator, its parameters and seed.

    Examples
    --------
    >>> simulate_places()
    <SimulatedTown: simulated town: 120 participants, 179 places (6 planted hotspots), 5 appraised needs, seed 0>
    """

    places: pl.DataFrame
    support: pl.DataFrame
    appraisals: pl.DataFrame
    participants: pl.DataFrame
    population: pl.DataFrame
    planted: pl.DataFrame
    truth: pl.DataFrame
    needs: pl.DataFrame
    areas_geojson: dict[str, Any]
    centre: tuple[float, float]
    parameters: dict[str, Any] = field(default_factory=dict)
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """The simulated ``places`` table.

        Returns
        -------
        pl.DataFrame
        """
        return self.places

    def summary(self) -> str:
        """What was simulated, in one line.

        Returns
        -------
        str
        """
        return (
            f"simulated town: {self.participants.height} participants, {self.places.height} "
            f"places ({self.planted.height} planted hotspots), {self.needs.height} appraised "
            f"needs, seed {self.parameters.get('seed')}"
        )

    def inquiry(self) -> Any:
        """The town as an :class:`~coprod_analytics.Inquiry` (participants and the tables
        ``places``, ``support``, ``appraisals``, ``population``).

        Returns
        -------
        Inquiry

        Examples
        --------
        >>> sorted(simulate_places().inquiry().tables)
        ['appraisals', 'places', 'population', 'support']
        """
        from coprod_analytics.inquiry import Inquiry

        return Inquiry(
            participants=self.participants,
            tables={
                "places": self.places,
                "support": self.support,
                "appraisals": self.appraisals,
                "population": self.population,
            },
            metadata={"title": "Simulated town (mapping)"},
        )


def _to_latlon(x: np.ndarray, y: np.ndarray, centre: tuple[float, float]) -> np.ndarray:
    lat0, lon0 = centre
    lat = lat0 + y / M_PER_DEGREE
    lon = lon0 + x / (M_PER_DEGREE * math.cos(math.radians(lat0)))
    return np.column_stack([lat, lon])


def _area_of(x: float, y: float) -> str:
    for name, (x0, x1, y0, y1) in AREAS.items():
        if x0 <= x < x1 and y0 <= y < y1:
            return name
    return "Market"


def _geojson(centre: tuple[float, float]) -> dict[str, Any]:
    features = []
    for name, (x0, x1, y0, y1) in AREAS.items():
        xs = np.array([x0, x1, x1, x0, x0], dtype=float)
        ys = np.array([y0, y0, y1, y1, y0], dtype=float)
        ll = _to_latlon(xs, ys, centre)
        ring = [[round(float(lon), 6), round(float(lat), 6)] for lat, lon in ll]
        features.append(
            {
                "type": "Feature",
                "id": name,
                "properties": {"name": name},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def simulate_places(
    n_participants: int = 120,
    *,
    n_scattered: int = 70,
    centre: tuple[float, float] = (52.05, -1.35),
    seed: int = 0,
) -> SimulatedTown:
    """A simulated town: mapped assets, needs and ideas with planted hotspots, support votes
    and two appraisal rounds with a planted change.

    Parameters
    ----------
    n_participants : int, default 120
        People taking part (each planted hotspot is mapped by distinct people, so at least
        30).
    n_scattered : int, default 70
        Places scattered over the town outside the hotspots (at least 250 m from every
        planted centre, never in Riverside).
    centre : (float, float), default (52.05, -1.35)
        The town centre (lat, lon); a made-up town.
    seed : int, default 0
        Seed of everything random.

    Returns
    -------
    SimulatedTown
        The tables and the truth (see :class:`SimulatedTown`).

    Examples
    --------
    >>> town = simulate_places(seed=1)
    >>> sorted(town.planted["planted"].to_list())
    ['crossing', 'hall', 'hill green', 'park', 'station', 'youth']
    >>> town.places.filter(pl.col("area") == "Riverside").height
    0
    """
    func = "simulate_places"
    check_param(
        isinstance(n_participants, int) and n_participants >= 30,
        "n_participants",
        func,
        "an int >= 30",
        n_participants,
    )
    check_param(
        isinstance(n_scattered, int) and n_scattered >= 0,
        "n_scattered",
        func,
        "an int >= 0",
        n_scattered,
    )
    rng = np.random.default_rng(seed)
    pids = np.arange(1, n_participants + 1)
    # participants: Riverside and the over-65s are under-represented among them (planted)
    home_names = list(AREAS)
    home_p = np.array([0.2, 0.22, 0.2, 0.18, 0.17, 0.03])
    age_names = ["16-34", "35-64", "65+"]
    participants = pl.DataFrame(
        {
            "participant_id": pids,
            "home_area": rng.choice(home_names, size=n_participants, p=home_p),
            "age_band": rng.choice(age_names, size=n_participants, p=[0.4, 0.55, 0.05]),
        }
    )
    population = pl.DataFrame(
        {
            "attribute": ["area"] * 6 + ["home_area"] * 6 + ["age_band"] * 3,
            "category": home_names + home_names + age_names,
            "share": [1 / 6] * 12 + [0.30, 0.45, 0.25],
        }
    )
    mappers = rng.choice(pids, size=round(0.65 * n_participants), replace=False)
    xs: list[float] = []
    ys: list[float] = []
    kinds: list[str] = []
    cats: list[str] = []
    who: list[int] = []
    planted_of: list[str | None] = []
    for name, kind, cat, cx, cy, n in PLANTED_HOTSPOTS:
        people = rng.choice(mappers, size=n, replace=n > mappers.size)
        xs.extend((cx + rng.normal(0, _SIGMA_M, n)).tolist())
        ys.extend((cy + rng.normal(0, _SIGMA_M, n)).tolist())
        kinds.extend([kind] * n)
        cats.extend([cat] * n)
        who.extend(int(p) for p in people)
        planted_of.extend([name] * n)
    centres = np.array([(h[3], h[4]) for h in PLANTED_HOTSPOTS], dtype=float)
    placed = 0
    while placed < n_scattered:
        x, y = rng.uniform(-1500, 1500), rng.uniform(-1000, 1000)
        if _area_of(x, y) == "Riverside":
            continue
        if np.min(np.hypot(centres[:, 0] - x, centres[:, 1] - y)) < 250:
            continue
        xs.append(x)
        ys.append(y)
        kind = str(rng.choice(["asset", "need", "idea"], p=[0.35, 0.45, 0.2]))
        kinds.append(kind)
        # no asset for young people anywhere (planted: youth needs have no asset)
        options = [c for c in _PHRASES if kind != "asset" or c != "youth"]
        cats.append(str(rng.choice(options)))
        who.append(int(rng.choice(mappers)))
        planted_of.append(None)
        placed += 1
    n = len(xs)
    order = rng.permutation(n)
    x_arr, y_arr = np.array(xs)[order], np.array(ys)[order]
    ll = _to_latlon(x_arr, y_arr, centre)
    place_ids = [f"p{i + 1:03d}" for i in range(n)]
    cats_o = [cats[i] for i in order]
    minutes = np.sort(rng.integers(0, 180, n))
    places = pl.DataFrame(
        {
            "participant_id": np.array(who)[order],
            "place_id": place_ids,
            "kind": [kinds[i] for i in order],
            "category": cats_o,
            "lat": ll[:, 0].round(6),
            "lon": ll[:, 1].round(6),
            "area": [_area_of(float(a), float(b)) for a, b in zip(x_arr, y_arr, strict=True)],
            "text": [str(rng.choice(_PHRASES[c])) for c in cats_o],
            "time": [f"2026-05-16T{14 + int(m) // 60:02d}:{int(m) % 60:02d}:00" for m in minutes],
        }
    )
    truth = pl.DataFrame(
        {"place_id": place_ids, "planted": [planted_of[i] for i in order]},
        schema={"place_id": pl.String, "planted": pl.String},
    )
    planted_ll = _to_latlon(centres[:, 0], centres[:, 1], centre)
    planted = pl.DataFrame(
        {
            "planted": [h[0] for h in PLANTED_HOTSPOTS],
            "kind": [h[1] for h in PLANTED_HOTSPOTS],
            "category": [h[2] for h in PLANTED_HOTSPOTS],
            "lat": planted_ll[:, 0],
            "lon": planted_ll[:, 1],
            "n_places": [h[5] for h in PLANTED_HOTSPOTS],
        }
    )
    # support: everyone backs a few needs, the safety hotspot's needs three times as often
    needs = places.join(truth, on="place_id").filter(pl.col("kind") == "need")
    weight = np.where(needs["planted"].to_numpy() == "crossing", 3.0, 1.0)
    weight = weight / weight.sum()
    rows: list[tuple[int, str]] = []
    need_ids = needs["place_id"].to_list()
    for p in pids.tolist():
        k = min(int(rng.poisson(3)), len(need_ids))
        for j in rng.choice(len(need_ids), size=k, replace=False, p=weight):
            rows.append((p, need_ids[int(j)]))
    support = pl.DataFrame(
        rows, schema={"participant_id": pl.Int64, "place_id": pl.String}, orient="row"
    )
    # appraisals: one need of each need hotspot and two scattered needs, two rounds
    first_of = needs.group_by("planted", maintain_order=True).first()
    appraised = [
        first_of.filter(pl.col("planted") == h)["place_id"][0]
        for h in ("crossing", "youth", "hill green")
    ] + needs.filter(pl.col("planted").is_null())["place_id"].head(2).to_list()
    change = {appraised[0]: -3.0, appraised[1]: 0.0, appraised[2]: 2.0}
    change |= {appraised[3]: -2.5, appraised[4]: 0.0}
    achieved = {pid: (4.0 if d < 0 else 0.0) for pid, d in change.items()}
    appraisers = rng.choice(pids, size=40, replace=False)
    arows: list[tuple[int, str, int, float, float]] = []
    for place in appraised:
        for p in appraisers.tolist():
            base_need = 7 + rng.normal(0, 1.2)
            base_ach = 2 + rng.normal(0, 1.0)
            for rnd in (1, 2):
                if rng.random() > 0.85:
                    continue
                need = base_need + (change[place] if rnd == 2 else 0) + rng.normal(0, 1.0)
                ach = base_ach + (achieved[place] if rnd == 2 else 0) + rng.normal(0, 1.0)
                arows.append(
                    (
                        rnd,
                        place,
                        p,
                        float(np.clip(round(need), 0, 10)),
                        float(np.clip(round(ach), 0, 10)),
                    )
                )
    appraisals = pl.DataFrame(
        arows,
        schema={
            "round": pl.Int64,
            "place_id": pl.String,
            "participant_id": pl.Int64,
            "need_score": pl.Float64,
            "achievement_score": pl.Float64,
        },
        orient="row",
    )
    needs_truth = pl.DataFrame(
        {
            "place_id": appraised,
            "planted_need_change": [change[p] for p in appraised],
            "planted_achievement_change": [achieved[p] for p in appraised],
        }
    )
    params = {
        "n_participants": n_participants,
        "n_scattered": n_scattered,
        "centre": list(centre),
        "seed": seed,
    }
    return SimulatedTown(
        places=places,
        support=support,
        appraisals=appraisals,
        participants=participants,
        population=population,
        planted=planted,
        truth=truth,
        needs=needs_truth,
        areas_geojson=_geojson(centre),
        centre=centre,
        parameters=params,
        provenance=Provenance(
            method=func, input_fingerprint=fingerprint_frames(places), parameters=params, seed=seed
        ),
    )
