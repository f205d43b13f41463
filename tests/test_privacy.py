"""Small-cell suppression."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coprod_analytics.errors import ParameterError, ValidationError
from coprod_analytics.privacy import SuppressedFrame, suppress_small_cells


def _table() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "area": ["north", "south", "east", "west"],
            "n": [12, 4, 0, 5],
            "share": [12 / 21, 4 / 21, 0.0, 5 / 21],
            "population_share": [0.4, 0.3, 0.1, 0.2],
        }
    )


def test_default_threshold_nulls_counts_and_derived_columns_but_not_reference() -> None:
    res = suppress_small_cells(_table(), count_column="n")
    assert isinstance(res, SuppressedFrame)
    assert res.frame["n"].to_list() == [12, None, 0, 5]
    assert res.frame["share"].to_list()[1] is None
    assert res.frame["share"][2] == 0.0  # zero counts are kept by default
    assert res.frame["population_share"].to_list() == [0.4, 0.3, 0.1, 0.2]
    assert res.n_suppressed == 1
    assert res.note == "Cells with fewer than 5 participants are suppressed (1 of 4 rows)."
    frame, note = res
    assert frame.equals(res.frame) and note == res.note
    assert "<em>" in res._repr_html_()


def test_zeros_threshold_and_explicit_columns() -> None:
    res = suppress_small_cells(_table(), count_column="n", suppress_zeros=True, threshold=6)
    assert res.frame["n"].to_list() == [12, None, None, None]
    assert "zero counts included" in res.note
    only = suppress_small_cells(_table(), count_column="n", also=[])
    assert only.frame["share"].null_count() == 0
    assert only.columns == ("n",)


def test_nothing_to_suppress_returns_the_input_and_empty_note() -> None:
    t = _table()
    res = suppress_small_cells(t, count_column="n", threshold=0)
    assert res.frame.equals(t)
    assert res.note == "" and res.n_suppressed == 0
    assert "nothing suppressed" in res.summary()


def test_errors() -> None:
    with pytest.raises(ValidationError, match="no count column 'count'"):
        suppress_small_cells(_table(), count_column="count")
    with pytest.raises(ValidationError, match="column 'area': counts must be numeric"):
        suppress_small_cells(_table(), count_column="area")
    with pytest.raises(ParameterError, match="'threshold' parameter of suppress_small_cells"):
        suppress_small_cells(_table(), count_column="n", threshold=-1)
    with pytest.raises(ValidationError, match=r"columns to suppress \['pct'\]"):
        suppress_small_cells(_table(), count_column="n", also=["pct"])


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=50)), min_size=1, max_size=30),
    st.integers(min_value=0, max_value=12),
    st.booleans(),
)
def test_no_published_count_is_below_threshold(
    counts: list[int | None], threshold: int, zeros: bool
) -> None:
    t = pl.DataFrame(
        {"n": counts, "x": [float(c or 0) for c in counts]}, schema={"n": pl.Int64, "x": pl.Float64}
    )
    res = suppress_small_cells(t, count_column="n", threshold=threshold, suppress_zeros=zeros)
    lowest = 0 if zeros else 1
    for before, after, x in zip(
        counts, res.frame["n"].to_list(), res.frame["x"].to_list(), strict=True
    ):
        if before is not None and lowest <= before < threshold:
            assert after is None and x is None
        else:
            assert after == before
    assert res.n_suppressed == sum(c is not None and lowest <= c < threshold for c in counts)
