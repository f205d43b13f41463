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


def test_default_min_cell_nulls_counts_and_derived_columns_but_not_reference() -> None:
    res = suppress_small_cells(_table(), count_column="n")
    assert isinstance(res, SuppressedFrame)
    assert res.frame["n"].to_list() == [12, None, 0, 5]
    assert res.frame["share"].to_list()[1] is None
    assert res.frame["share"][2] == 0.0  # zero counts are kept by default
    assert res.frame["population_share"].to_list() == [0.4, 0.3, 0.1, 0.2]
    assert res.n_suppressed == 1
    assert res.note == "Cells with fewer than 5 participants are suppressed (1 of 4 rows)."
    assert res.to_frame().equals(res.frame) and res.min_cell == 5
    assert "<em>" in res._repr_html_()
    assert repr(res) == f"<SuppressedFrame: {res.note}>"
    assert res.provenance is not None and res.provenance.parameters["min_cell"] == 5


def test_zeros_min_cell_unit_and_explicit_columns() -> None:
    res = suppress_small_cells(_table(), count_column="n", suppress_zeros=True, min_cell=6)
    assert res.frame["n"].to_list() == [12, None, None, None]
    assert "zero counts included" in res.note
    only = suppress_small_cells(_table(), count_column="n", also=[])
    assert only.frame["share"].null_count() == 0
    assert only.columns == ("n",)
    voters = suppress_small_cells(_table(), count_column="n", unit="voters")
    assert voters.note == "Cells with fewer than 5 voters are suppressed (1 of 4 rows)."


def test_nothing_to_suppress_returns_the_input_and_empty_note() -> None:
    t = _table()
    res = suppress_small_cells(t, count_column="n", min_cell=0)
    assert res.frame.equals(t)
    assert res.note == "" and res.n_suppressed == 0
    assert "nothing suppressed" in res.summary()


def test_errors() -> None:
    with pytest.raises(ValidationError, match="no count column 'count'"):
        suppress_small_cells(_table(), count_column="count")
    with pytest.raises(ValidationError, match="column 'area': counts must be numeric"):
        suppress_small_cells(_table(), count_column="area")
    with pytest.raises(ParameterError, match="'min_cell' parameter of suppress_small_cells"):
        suppress_small_cells(_table(), count_column="n", min_cell=-1)
    with pytest.raises(ValidationError, match=r"columns to suppress \['pct'\]"):
        suppress_small_cells(_table(), count_column="n", also=["pct"])


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=50)), min_size=1, max_size=30),
    st.integers(min_value=0, max_value=12),
    st.booleans(),
)
def test_no_published_count_is_below_min_cell(
    counts: list[int | None], min_cell: int, zeros: bool
) -> None:
    t = pl.DataFrame(
        {"n": counts, "x": [float(c or 0) for c in counts]}, schema={"n": pl.Int64, "x": pl.Float64}
    )
    res = suppress_small_cells(t, count_column="n", min_cell=min_cell, suppress_zeros=zeros)
    lowest = 0 if zeros else 1
    for before, after, x in zip(
        counts, res.frame["n"].to_list(), res.frame["x"].to_list(), strict=True
    ):
        if before is not None and lowest <= before < min_cell:
            assert after is None and x is None
        else:
            assert after == before
    assert res.n_suppressed == sum(c is not None and lowest <= c < min_cell for c in counts)


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


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500)), min_size=1, max_size=30),
    st.sampled_from([0.01, 0.05, 0.1, 0.32]),
)
def test_wilson_interval_equals_statsmodels_proportion_confint(
    pairs: list[tuple[int, int]], alpha: float
) -> None:
    import numpy as np
    from statsmodels.stats.proportion import proportion_confint

    from coprod_analytics.intervals import wilson_interval

    n = np.array([a + b for a, b in pairs])
    k = np.array([a for a, _ in pairs])
    lo, hi = wilson_interval(k, n, alpha=alpha)
    ok = n > 0
    assert np.isnan(lo[~ok]).all() and np.isnan(hi[~ok]).all()
    if ok.any():
        ref_lo, ref_hi = proportion_confint(k[ok], n[ok], alpha=alpha, method="wilson")
        np.testing.assert_allclose(lo[ok], ref_lo, atol=1e-12)
        np.testing.assert_allclose(hi[ok], ref_hi, atol=1e-12)


def test_wilson_interval_reference_values_and_stays_light() -> None:
    import json
    import subprocess
    import sys

    from coprod_analytics.intervals import wilson_interval

    # an outside reference: Wilson (1927) 95% interval of 8/10 is [0.4902, 0.9433]
    lo1, hi1 = wilson_interval([8], 10)
    assert (round(float(lo1[0]), 4), round(float(hi1[0]), 4)) == (0.4902, 0.9433)
    with pytest.raises(ParameterError, match="'alpha' parameter of wilson_interval"):
        wilson_interval([1], [2], alpha=1.5)
    # why it is written out rather than statsmodels': it is on the first-look path, and
    # computing an interval must not import statsmodels or scipy (measured by what is
    # imported, not by the clock)
    code = (
        "import json, sys\n"
        "from coprod_analytics.intervals import wilson_interval\n"
        "wilson_interval([3, 0], [10, 0])\n"
        "print(json.dumps(sorted(m for m in ('statsmodels', 'scipy') if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_order_keeping_pseudonyms_give_the_reports_groups_on_a_real_conversation() -> None:
    """Issue 14: ``coprod report`` on vtaiwan.uberx and the app ``coprod publish`` makes of it
    (with pseudonyms) must show the same groups. Pol.is reads participants in id order, so
    random pseudonyms move people between groups (seen: 893/325 against 980/238); pseudonyms
    in the original ids' order give exactly the same groups, letters included."""
    from conftest import require_shared

    import coprod_analytics as ca
    from coprod_analytics.privacy import pseudonymise

    inq = ca.load_inquiry(require_shared("polis", "vtaiwan.uberx"))

    def groups(i: ca.Inquiry) -> list[tuple[object, int]]:
        res = ca.opinion_groups(i, seed=0, bridging=False, progress=False)
        return res.participants.group_by("group").len().sort("group").rows()

    original = groups(inq)
    assert groups(pseudonymise(inq, keep_order=True)) == original
    # the default (random order) hides the join order, at the price of the cold start
    assert any(groups(pseudonymise(inq, seed=s)) != original for s in (0, 3))
