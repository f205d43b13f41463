"""The input schemas of the mapping family (a leaf: only the schema type; the one list of
schemas in :mod:`coprod_analytics.inputs` imports this module, never the analyses).

See :mod:`coprod_analytics.mapping.inputs` for the tables and how they are checked.
"""

from __future__ import annotations

from coprod_analytics.schema import InputSchema

__all__ = ["KINDS", "MAPPING_SCHEMAS"]

#: The kinds of mapped place.
KINDS = ("asset", "need", "idea")

MAPPING_SCHEMAS: tuple[InputSchema, ...] = (
    InputSchema(
        "places",
        ("participant_id", "place_id", "kind", "category"),
        ("lat", "lon", "x", "y", "area", "text", "time"),
        {
            "participant_id": "id",
            "place_id": "id",
            "kind": "text",
            "category": "text",
            "lat": "float",
            "lon": "float",
            "x": "float",
            "y": "float",
            "area": "text",
            "text": "text",
            "time": "text",
        },
        ranges={"lat": (-90.0, 90.0), "lon": (-180.0, 180.0)},
        unique=("place_id",),
        description="mapped places (assets, needs and ideas on a map or plan)",
        item="place_id",
    ),
    InputSchema(
        "support",
        ("participant_id", "place_id"),
        (),
        {"participant_id": "id", "place_id": "id"},
        unique=("participant_id", "place_id"),
        description="support for mapped needs (one row per supporter and place)",
        item="place_id",
    ),
    InputSchema(
        "appraisals",
        ("round", "place_id", "participant_id", "need_score"),
        ("achievement_score",),
        {
            "round": "int",
            "place_id": "id",
            "participant_id": "id",
            "need_score": "float",
            "achievement_score": "float",
        },
        unique=("round", "place_id", "participant_id"),
        description="appraisals of mapped needs (need and achievement scores per round)",
        item="place_id",
    ),
)
