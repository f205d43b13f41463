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


def test_pseudonymise_replaces_ids_everywhere_and_keeps_the_analysis():
    import polars as pl
    from conftest import require_shared

    from coprod_analytics import read_polis, sample_inquiry
    from coprod_analytics.first_look import overview
    from coprod_analytics.privacy import pseudonymise

    inq = sample_inquiry()
    out = pseudonymise(inq, seed=3)
    assert out.counts() == inq.counts()
    original = set(map(str, inq.participants["participant_id"].to_list()))
    for frame in (
        out.votes,
        out.participants,
        *[t for t in out.tables.values() if "participant_id" in t.columns],
    ):
        ids = set(frame.get_column("participant_id").to_list())
        assert all(i.startswith("P") for i in ids)
        assert not ids & original
    # the same person keeps one pseudonym across tables (votes and estimates)
    joined = (
        inq.votes.select("participant_id")
        .unique()
        .join(inq.tables["estimates"].select("participant_id").unique(), on="participant_id")
    )
    joined_out = (
        out.votes.select("participant_id")
        .unique()
        .join(out.tables["estimates"].select("participant_id").unique(), on="participant_id")
    )
    assert joined.height == joined_out.height
    # the analysis does not change
    a = overview(inq).statements.drop("statement_id")
    b = overview(out).statements.drop("statement_id")
    assert a.equals(b)
    assert pseudonymise(inq, seed=3).fingerprint == out.fingerprint
    assert pseudonymise(inq, seed=4).fingerprint != out.fingerprint
    # Pol.is authors and xids: authors mapped like voters, xid dropped
    polis = read_polis(require_shared("polis", "bg2050-volunteers"))
    p = pseudonymise(polis, seed=0)
    assert "xid" not in p.participants.columns
    authors = p.statements.get_column("author_id").drop_nulls()
    assert authors.str.starts_with("P").all()
    voter_map = dict(
        zip(polis.votes["participant_id"].cast(pl.String), p.votes["participant_id"], strict=True)
    )
    a0 = polis.statements.filter(pl.col("author_id").is_not_null()).row(0, named=True)
    p0 = p.statements.filter(pl.col("statement_id") == a0["statement_id"]).row(0, named=True)
    if str(a0["author_id"]) in voter_map:
        assert voter_map[str(a0["author_id"])] == p0["author_id"]
