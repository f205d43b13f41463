"""Input tables of deliberation change, Q-methodology and representativeness.

Lists these kinds for :data:`coprod_analytics.inputs.INPUT_SCHEMAS`, so an
:class:`~coprod_analytics.Inquiry` can hold them in ``inquiry.tables`` (and a folder with
``<kind>.csv`` files loads them):

==================  =========================================================================
table               columns (optional ones in brackets)
==================  =========================================================================
``panel``           participant_id, item_id, wave (e.g. "pre"/"post"), value, [weight], [arm]
                    (and any participant attribute columns, e.g. opinion_group, age_band);
                    the input of :func:`~coprod_analytics.deliberation.paired_shift`
``panel_items``     item_id, [text], [scale_min], [scale_max] (the before/after poll: what
                    each panel item asks and its answer scale; ``scale_max`` above
                    ``scale_min``)
``qsorts``          participant_id (the Q-sort), statement_id, score (long form of the
                    statements x Q-sorts table of :func:`~coprod_analytics.deliberation.q_method`)
``considerations``  participant_id, consideration_id, rating, [group], [wave] (DRI)
``preferences``     participant_id, option, rank, [wave] (DRI)
``population``      attribute, category, share (reference population: shares or counts)
==================  =========================================================================

Only numpy and polars are imported here (the module is imported by ``validate_input``).
"""

from __future__ import annotations

import polars as pl

from coprod_analytics.schema import InputSchema

__all__ = ["DELIBERATION_SCHEMAS", "qsorts_wide"]

DELIBERATION_SCHEMAS: tuple[InputSchema, ...] = (
    InputSchema(
        "panel",
        ("participant_id", "item_id", "wave", "value"),
        ("weight", "arm"),
        {
            "participant_id": "id",
            "item_id": "id",
            "wave": "text",
            "value": "float",
            "weight": "float",
            "arm": "text",
        },
        ranges={"weight": (0.0, None)},
        unique=("participant_id", "item_id", "wave"),
        description="pre/post panel answers (deliberation change)",
        item="item_id",
    ),
    InputSchema(
        "panel_items",
        ("item_id",),
        ("text", "scale_min", "scale_max"),
        {"item_id": "id", "text": "text", "scale_min": "float", "scale_max": "float"},
        unique=("item_id",),
        description="the panel poll's items (text and answer scale)",
    ),
    InputSchema(
        "qsorts",
        ("participant_id", "statement_id", "score"),
        (),
        {"participant_id": "id", "statement_id": "id", "score": "float"},
        unique=("participant_id", "statement_id"),
        description="Q-sorts (one score per Q-sort and statement)",
        item="statement_id",
    ),
    InputSchema(
        "considerations",
        ("participant_id", "consideration_id", "rating"),
        ("group", "wave"),
        {
            "participant_id": "id",
            "consideration_id": "id",
            "rating": "float",
            "group": "text",
            "wave": "text",
        },
        unique=("participant_id", "consideration_id", "wave"),
        description="consideration ratings (Deliberative Reason Index)",
        item="consideration_id",
    ),
    InputSchema(
        "preferences",
        ("participant_id", "option_id", "rank"),
        ("wave",),
        {"participant_id": "id", "option_id": "id", "rank": "float", "wave": "text"},
        unique=("participant_id", "option_id", "wave"),
        description="preference ranks of policy options (Deliberative Reason Index)",
        item="option_id",
    ),
    InputSchema(
        "population",
        ("attribute", "category", "share"),
        (),
        {"attribute": "text", "category": "text", "share": "float"},
        ranges={"share": (0.0, None)},
        unique=("attribute", "category"),
        description="reference population shares (or counts) per attribute category",
    ),
)


def qsorts_wide(qsorts: pl.DataFrame) -> pl.DataFrame:
    """The long ``qsorts`` table as the statements x Q-sorts table of ``q_method``.

    Columns: ``statement_id`` then one column per Q-sort (named by its participant id, in
    order of first appearance); rows in order of first appearance of the statements.

    Parameters
    ----------
    qsorts : pl.DataFrame
        The long ``qsorts`` table (``participant_id``, ``statement_id``, ``score``).

    Returns
    -------
    pl.DataFrame
        The wide table.

    Examples
    --------
    >>> long = pl.DataFrame({"participant_id": [1, 1, 2, 2], "statement_id": ["a", "b"] * 2,
    ...                      "score": [1.0, -1.0, -1.0, 1.0]})
    >>> qsorts_wide(long).rows()
    [('a', 1.0, -1.0), ('b', -1.0, 1.0)]
    """
    frame = qsorts.with_columns(
        pl.col("participant_id").cast(pl.String), pl.col("statement_id").cast(pl.String)
    )
    order = frame.get_column("statement_id").unique(maintain_order=True)
    wide = frame.pivot(
        on="participant_id", index="statement_id", values="score", aggregate_function="first"
    )
    wide = pl.DataFrame({"statement_id": order}).join(wide, on="statement_id", how="left")
    return wide
