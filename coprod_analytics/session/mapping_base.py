"""The map files of a live ``mapping`` activity: an inquiry folder's ``map.geojson`` (or
``map_plan.json`` and its image), ``map_areas.csv`` and ``map_categories.csv``, read into an
activity definition; and the ``appraisal`` activity of the needs (see
:mod:`coprod_analytics.session.mapping_activity` for the answers and tables).

Pure Python and polars: no web code.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError

__all__ = [
    "APPRAISAL_SCALE",
    "MAP_FILES",
    "area_at",
    "base_from_geojson",
    "base_to_geojson",
    "mapping_definitions",
    "read_map_folder",
    "write_map_files",
]

TITLES = {"mapping": "Map your area", "appraisal": "Appraise the needs"}
#: Largest base map (GeoJSON geometry or plan image) kept in the session, in bytes.
MAX_BASE_BYTES = 2_000_000
#: The appraisal scale when the definition does not say.
APPRAISAL_SCALE = (1.0, 5.0)
_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
_IMAGE_TYPES[".webp"] = "image/webp"
_KINDS = ("asset", "need", "idea")
#: The map files an inquiry folder may hold (what :func:`write_map_files` writes).
MAP_FILES = frozenset(
    {"map.geojson", "map_plan.json", "map_categories.csv", "map_areas.csv"}
    | {f"map_plan{ext}" for ext in _IMAGE_TYPES}
)


# ---------------------------------------------------------------------------------- the base
def _point(c: Any, where: str) -> list[float]:
    if (
        not isinstance(c, list)
        or len(c) < 2
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in c[:2])
    ):
        raise ValidationError(f"{where}: a position must be [lon, lat]; got {c!r}"[:200])
    lon, lat = float(c[0]), float(c[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError(f"{where}: [lon, lat] out of range: [{lon:g}, {lat:g}]")
    return [round(lon, 6), round(lat, 6)]


def base_from_geojson(obj: Any, *, file: str = "map.geojson") -> dict[str, Any]:
    """The drawable base of a GeoJSON object: its lines and polygons, and its bounds.

    Points are ignored; polygons with an ``area`` (or ``name``) property name an area.

    Parameters
    ----------
    obj : dict
        A GeoJSON FeatureCollection, Feature or geometry (lon/lat, WGS84).
    file : str, default "map.geojson"
        Named in errors.

    Returns
    -------
    dict
        ``{"system": "geo", "bounds": [west, south, east, north], "lines": [...],
        "polygons": [{"rings": [...], "area": name or None}]}``.

    Raises
    ------
    ValidationError
        Naming the file and feature: not GeoJSON, a bad position, nothing to draw.

    Examples
    --------
    >>> b = base_from_geojson({"type": "Feature", "properties": {"name": "Riverside"},
    ...     "geometry": {"type": "Polygon", "coordinates": [[[0, 51], [0.01, 51],
    ...     [0.01, 51.01], [0, 51]]]}})
    >>> b["bounds"], b["polygons"][0]["area"]
    ([0.0, 51.0, 0.01, 51.01], 'Riverside')
    """
    lines: list[list[list[float]]] = []
    polygons: list[dict[str, Any]] = []

    def geometry(g: Any, props: dict[str, Any], where: str) -> None:
        if not isinstance(g, dict):
            return
        kind = g.get("type")
        coords: Any = g.get("coordinates") or []
        try:
            if kind == "LineString":
                lines.append([_point(c, where) for c in coords])
            elif kind == "MultiLineString":
                lines.extend([_point(c, where) for c in line] for line in coords)
            elif kind in ("Polygon", "MultiPolygon"):
                polys = [coords] if kind == "Polygon" else coords
                name = props.get("area", props.get("name"))
                for poly in polys:
                    rings = [[_point(c, where) for c in ring] for ring in poly]
                    polygons.append({"rings": rings, "area": None if name is None else str(name)})
            elif kind == "GeometryCollection":
                for sub in g.get("geometries") or []:
                    geometry(sub, props, where)
        except TypeError:
            raise ValidationError(
                f"{where}: its {kind} coordinates are malformed", file=file
            ) from None

    if not isinstance(obj, dict) or "type" not in obj:
        raise ValidationError("not a GeoJSON object (no 'type')", file=file)
    if obj["type"] == "FeatureCollection":
        feats = obj.get("features") or []
    elif obj["type"] == "Feature":
        feats = [obj]
    else:
        feats = [{"type": "Feature", "geometry": obj, "properties": {}}]
    for i, f in enumerate(feats, start=1):
        if isinstance(f, dict):
            try:
                geometry(f.get("geometry"), dict(f.get("properties") or {}), f"feature {i}")
            except ValidationError as exc:
                raise ValidationError(exc.message, file=file) from None
    pts = [p for line in lines for p in line] + [
        p for poly in polygons for ring in poly["rings"] for p in ring
    ]
    if not pts:
        raise ValidationError("has no lines or polygons to draw", file=file)
    lons, lats = [p[0] for p in pts], [p[1] for p in pts]
    bounds = [min(lons), min(lats), max(lons), max(lats)]
    if bounds[0] == bounds[2] or bounds[1] == bounds[3]:
        raise ValidationError("its lines and polygons span no area", file=file)
    return {"system": "geo", "bounds": bounds, "lines": lines, "polygons": polygons}


def base_to_geojson(base: dict[str, Any]) -> dict[str, Any]:
    """The GeoJSON FeatureCollection of a drawable base (the inverse of
    :func:`base_from_geojson`, up to the points it drops): its lines as LineStrings, its
    polygons as Polygons with their ``area`` property.

    Parameters
    ----------
    base : dict
        From :func:`base_from_geojson` (``lines``, ``polygons``).

    Returns
    -------
    dict
        A FeatureCollection that :func:`base_from_geojson` reads back to the same base.

    Examples
    --------
    >>> b = base_from_geojson({"type": "Feature", "properties": {"area": "North"},
    ...     "geometry": {"type": "Polygon", "coordinates": [[[0, 51], [0.01, 51],
    ...     [0.01, 51.01], [0, 51]]]}})
    >>> base_from_geojson(base_to_geojson(b)) == b
    True
    """
    feats: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "LineString", "coordinates": line},
        }
        for line in base.get("lines") or []
    ]
    for poly in base.get("polygons") or []:
        props = {} if poly.get("area") is None else {"area": str(poly["area"])}
        feats.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Polygon", "coordinates": poly["rings"]},
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def _in_ring(x: float, y: float, ring: list[list[float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def area_at(base: dict[str, Any], lon: float, lat: float) -> str | None:
    """The named area (polygon of the base) a point falls in, or None.

    Parameters
    ----------
    base : dict
        From :func:`base_from_geojson`.
    lon, lat : float
        The point.

    Returns
    -------
    str or None

    Examples
    --------
    >>> b = {"polygons": [{"area": "A", "rings": [[[0, 0], [2, 0], [2, 2], [0, 2]]]}]}
    >>> area_at(b, 1, 1), area_at(b, 3, 1)
    ('A', None)
    """
    for poly in base.get("polygons") or []:
        rings = poly["rings"]
        if poly.get("area") and rings and _in_ring(lon, lat, rings[0]):
            if not any(_in_ring(lon, lat, hole) for hole in rings[1:]):
                return str(poly["area"])
    return None


def _plan(folder: Path) -> dict[str, Any]:
    f = folder / "map_plan.json"
    try:
        spec = json.loads(f.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(f"not valid JSON ({exc})", file=str(f)) from None
    out: dict[str, Any] = {"system": "plan"}
    for name in ("width", "height"):
        v = spec.get(name) if isinstance(spec, dict) else None
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < 1e9:
            raise ValidationError(f"'{name}' must be a positive number", file=str(f), column=name)
        out[name] = float(v)
    out["bounds"] = [0.0, 0.0, out["width"], out["height"]]
    image = spec.get("image")
    if image is not None:
        path = folder / str(image)
        mime = _IMAGE_TYPES.get(path.suffix.lower())
        if mime is None or not path.is_file() or path.resolve().parent != folder.resolve():
            raise ValidationError(
                "'image' must name a .png, .jpg or .webp file beside it",
                file=str(f),
                column="image",
            )
        data = path.read_bytes()
        if len(data) > MAX_BASE_BYTES:
            raise ValidationError(
                f"the plan image is {len(data)} bytes; at most {MAX_BASE_BYTES}", file=str(path)
            )
        out["image"] = f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
    return out


def read_map_folder(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The ``mapping`` definition of an inquiry folder's map files (None without them).

    Parameters
    ----------
    folder : path
        Holds ``map_categories.csv`` (kind, category; a blank kind or ``any``: every kind)
        and at least one of ``map.geojson``, ``map_plan.json``, ``map_areas.csv`` (area).

    Returns
    -------
    dict or None
        The ``define`` payload.

    Raises
    ------
    ValidationError
        Naming the file, row and column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "map_categories.csv").write_text("kind,category\\nneed,lighting\\nasset,park\\n")
    >>> _ = (d / "map_areas.csv").write_text("area\\nNorth\\nSouth\\n")
    >>> s = read_map_folder(d)["settings"]
    >>> s["system"], s["areas"], s["categories"]["need"]
    ('areas', ['North', 'South'], ['lighting'])
    """
    folder = Path(folder)
    cats_file = folder / "map_categories.csv"
    if not cats_file.exists():
        return None
    cats = pl.read_csv(cats_file, infer_schema_length=0)
    for col in ("kind", "category"):
        if col not in cats.columns:
            raise ValidationError(f"needs a '{col}' column", file=str(cats_file), column=col)
    categories: dict[str, list[str]] = {k: [] for k in _KINDS}
    for row, (kind, cat) in enumerate(cats.select("kind", "category").iter_rows(), start=1):
        k = (kind or "").strip().lower()
        if not cat or not str(cat).strip():
            raise ValidationError("a category needs a name", file=str(cats_file), row=row)
        if k not in (*_KINDS, "", "any"):
            raise ValidationError(
                f"kind must be asset, need, idea or any; got {kind!r}",
                file=str(cats_file),
                row=row,
                column="kind",
            )
        for kk in _KINDS if k in ("", "any") else (k,):
            if cat.strip() not in categories[kk]:
                categories[kk].append(cat.strip())
    settings: dict[str, Any] = {"categories": {k: v for k, v in categories.items() if v}}
    base: dict[str, Any] | None = None
    if (folder / "map.geojson").exists():
        f = folder / "map.geojson"
        try:
            obj = json.loads(f.read_text("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationError(f"not valid JSON ({exc})", file=str(f)) from None
        base = base_from_geojson(obj, file=str(f))
    elif (folder / "map_plan.json").exists():
        base = _plan(folder)
    areas: list[str] = []
    if base is not None:
        areas += [str(p["area"]) for p in base.get("polygons") or [] if p.get("area")]
    if (folder / "map_areas.csv").exists():
        t = pl.read_csv(folder / "map_areas.csv", infer_schema_length=0)
        if "area" not in t.columns:
            raise ValidationError(
                "needs an 'area' column", file=str(folder / "map_areas.csv"), column="area"
            )
        areas += [str(a).strip() for a in t.get_column("area").drop_nulls() if str(a).strip()]
    areas = list(dict.fromkeys(areas))
    if base is None and not areas:
        raise ValidationError(
            "a mapping activity needs map.geojson, map_plan.json or map_areas.csv beside it",
            file=str(cats_file),
        )
    if len(json.dumps(base or {})) > MAX_BASE_BYTES:
        raise ValidationError(
            f"the base map is over {MAX_BASE_BYTES} bytes; simplify it offline first",
            file=str(folder / "map.geojson"),
        )
    settings["system"] = "areas" if base is None else base["system"]
    settings["areas"] = areas
    if base is not None:
        settings["bounds"] = base["bounds"]
        settings["base"] = base
    return {"kind": "mapping", "items": [], "settings": settings}


def _seeded_needs(places: pl.DataFrame | None) -> list[dict[str, Any]]:
    if places is None or not places.height:
        return []
    from coprod_analytics.mapping.inputs import validate_places

    t = validate_places(places).filter(pl.col("kind") == "need")
    out = []
    for r in t.iter_rows(named=True):
        item: dict[str, Any] = {
            "item_id": str(r["place_id"]),
            "text": str(r.get("text") or r["category"]),
            "category": str(r["category"]),
            "participant_id": r["participant_id"],
            "place_text": r.get("text"),
        }
        for c in ("lat", "lon", "x", "y", "area", "time"):
            if r.get(c) is not None:
                item[c] = r[c]
        out.append(item)
    return out


def mapping_definitions(
    tables: dict[str, pl.DataFrame], folder: str | os.PathLike[str] | None = None
) -> list[dict[str, Any]]:
    """The ``define`` payloads of the mapping and appraisal activities.

    Parameters
    ----------
    tables : dict of str to polars.DataFrame
        An inquiry's tables (the needs of ``places`` are appraised).
    folder : path, optional
        The inquiry folder, read for the map files (:func:`read_map_folder`).

    Returns
    -------
    list of dict
        A ``mapping`` activity when the folder has map files, and an ``appraisal``
        activity of its live needs and of the needs of ``places`` (when there are any).

    Examples
    --------
    >>> t = {"places": pl.DataFrame({"participant_id": [1], "place_id": ["n1"],
    ...      "kind": ["need"], "category": ["lighting"], "area": ["North"]})}
    >>> [(d["kind"], [i["item_id"] for i in d["items"]]) for d in mapping_definitions(t)]
    [('appraisal', ['n1'])]
    """
    defs: list[dict[str, Any]] = []
    mapping = read_map_folder(folder) if folder is not None else None
    if mapping is not None:
        defs.append(mapping)
    needs = _seeded_needs(tables.get("places"))
    if mapping is not None or needs:
        lo, hi = APPRAISAL_SCALE
        settings: dict[str, Any] = {"scale_min": lo, "scale_max": hi}
        if mapping is not None:
            settings["source"] = "mapping"
        defs.append({"kind": "appraisal", "items": needs, "settings": settings})
    return [
        {
            "action": "define",
            "activity_id": d["kind"],
            "kind": d["kind"],
            "title": TITLES[d["kind"]],
            "items": d["items"],
            "settings": d["settings"],
        }
        for d in defs
    ]


def write_map_files(settings: dict[str, Any], folder: str | os.PathLike[str]) -> list[str]:
    """Write a mapping activity's map files into an inquiry folder, so that the folder
    defines the same activity again (:func:`read_map_folder`) and its report draws the base.

    Parameters
    ----------
    settings : dict
        The ``mapping`` activity's settings (``categories``, ``system``, ``areas``, ``base``).
    folder : path
        The folder to write into (it exists).

    Returns
    -------
    list of str
        The names of the files written: ``map_categories.csv``; ``map.geojson`` (a map) or
        ``map_plan.json`` and its image ``map_plan.<ext>`` (a plan); ``map_areas.csv`` for
        the areas listed that no polygon of the base names.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "map_categories.csv").write_text("kind,category\\nneed,lighting\\n")
    >>> _ = (d / "map_areas.csv").write_text("area\\nNorth\\n")
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> write_map_files(read_map_folder(d)["settings"], out)
    ['map_categories.csv', 'map_areas.csv']
    >>> read_map_folder(out) == read_map_folder(d)
    True
    """
    out = Path(folder)
    written = ["map_categories.csv"]
    cats = dict(settings.get("categories") or {})
    pl.DataFrame(
        [(k, c) for k in _KINDS for c in cats.get(k, [])],
        schema={"kind": pl.String, "category": pl.String},
        orient="row",
    ).write_csv(out / "map_categories.csv")
    base = settings.get("base") or {}
    named: list[str] = []
    if base.get("system") == "geo":
        (out / "map.geojson").write_text(json.dumps(base_to_geojson(base)), "utf-8")
        written.append("map.geojson")
        named = [str(p["area"]) for p in base.get("polygons") or [] if p.get("area")]
    elif base.get("system") == "plan":
        spec: dict[str, Any] = {"width": base["width"], "height": base["height"]}
        image = base.get("image")
        if isinstance(image, str) and image.startswith("data:"):
            mime, _, data = image[5:].partition(";base64,")
            ext = {v: k for k, v in _IMAGE_TYPES.items() if k != ".jpeg"}.get(mime)
            if ext is not None:
                (out / f"map_plan{ext}").write_bytes(base64.b64decode(data))
                spec["image"] = f"map_plan{ext}"
                written.append(spec["image"])
        (out / "map_plan.json").write_text(json.dumps(spec), "utf-8")
        written.insert(1, "map_plan.json")
    listed = [a for a in settings.get("areas") or [] if a not in named]
    if listed:
        pl.DataFrame({"area": listed}, schema={"area": pl.String}).write_csv(out / "map_areas.csv")
        written.append("map_areas.csv")
    return written
