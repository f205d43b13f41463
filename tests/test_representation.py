"""Representativeness, raking and post-stratification, group composition, exposure, attrition."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from coprod_analytics import Inquiry
from coprod_analytics.deliberation import chi2_independence, paired_shift, simulate_panel
from coprod_analytics.deliberation.representation import (
    attrition,
    compare_to_population,
    group_composition,
    participation_breakdown,
    poststratify_weights,
    rake_weights,
    statement_exposure,
)
from coprod_analytics.errors import ParameterError, ValidationError


@pytest.fixture(scope="module")
def sim():  # type: ignore[no-untyped-def]
    return simulate_panel(400, 4, seed=21, attrition=0.2, scale=None)


def test_breakdown_counts_shares_and_suppression(sim) -> None:  # type: ignore[no-untyped-def]
    res = participation_breakdown(sim.participants, by=["gender", "area"])
    people = sim.participants
    gender = res.table.filter(pl.col("attribute") == "gender")
    for cat, n in gender.select("category", "n").rows():
        true = people.filter(pl.col("gender") == cat).height
        assert n == (true if true >= 5 else None)
    area = res.table.filter(pl.col("attribute") == "area")
    assert area["share"].sum() == pytest.approx(1.0)
    small = participation_breakdown(people.head(30), by="gender")
    assert small.table["n"].null_count() >= 1
    assert small.notes and "fewer than 5" in small.notes[0]


def test_goodness_of_fit_equals_scipy_and_flags_categories() -> None:
    ages = ["16-34"] * 40 + ["35-54"] * 90 + ["55+"] * 70
    people = pl.DataFrame({"participant_id": range(200), "age": ages})
    pop = pl.DataFrame({"age": ["16-34", "35-54", "55+"], "share": [30.0, 35.0, 35.0]})
    res = compare_to_population(people, pop, attribute="age")
    ref = stats.chisquare([40, 90, 70], f_exp=[60, 70, 70])
    assert res.statistic == pytest.approx(ref.statistic)
    assert res.p_value == pytest.approx(ref.pvalue)
    assert res.p_method == "chi2"
    assert res.table["status"].to_list() == ["under", "over", "ok"]
    assert res.table["ratio"][0] == pytest.approx(0.2 / 0.3)
    p0 = stats.binomtest(40, 200, 0.3).pvalue
    assert res.table["p_value"][0] == pytest.approx(p0)
    assert res.effect_size == pytest.approx(np.sqrt(ref.statistic / 200))
    assert "Holm" in " ".join(res.notes)


def test_goodness_of_fit_small_sample_uses_monte_carlo_and_suppresses() -> None:
    people = pl.DataFrame({"participant_id": range(12), "area": ["city"] * 10 + ["rural"] * 2})
    res = compare_to_population(
        people, {"city": 0.5, "rural": 0.4, "island": 0.1}, attribute="area", min_cell=0
    )
    assert res.p_method == "monte-carlo"
    # the multinomial Monte Carlo p-value approximates the exact one
    exact = 0.0
    e = 12 * np.array([0.5, 0.4, 0.1])
    obs_stat = ((np.array([10, 2, 0]) - e) ** 2 / e).sum()
    for a in range(13):
        for b in range(13 - a):
            x = np.array([a, b, 12 - a - b])
            if ((x - e) ** 2 / e).sum() >= obs_stat - 1e-9:
                exact += stats.multinomial.pmf(x, 12, [0.5, 0.4, 0.1])
    assert res.p_value == pytest.approx(exact, abs=0.01)
    res = compare_to_population(
        people, {"city": 0.5, "rural": 0.4, "island": 0.1}, attribute="area"
    )
    rows = dict(res.table.select("category", "n").rows())
    # rural (2) is hidden, and city too: with 12 participants known, rural = 12 - city - 0
    assert rows == {"city": None, "rural": None, "island": 0}
    assert res.table.filter(pl.col("category") == "rural")["population_share"][0] == pytest.approx(
        0.4
    )


def test_unknown_category_is_an_error() -> None:
    people = pl.DataFrame({"participant_id": [1, 2], "area": ["city", "moon"]})
    with pytest.raises(ValidationError, match=r"categories \['moon'\] of 'area' are not in"):
        compare_to_population(people, {"city": 1.0}, attribute="area")
    with pytest.raises(
        ValidationError, match="row 2, column 'participant_id': participant 1 appears"
    ):
        compare_to_population(
            pl.DataFrame({"participant_id": [1, 1], "area": ["city", "city"]}),
            {"city": 1.0},
            attribute="area",
        )


def test_raking_reproduces_margins_exactly(sim) -> None:  # type: ignore[no-untyped-def]
    margins = {
        "age_band": {"16-34": 0.28, "35-54": 0.34, "55+": 0.38},
        "gender": {"woman": 0.51, "man": 0.48, "other": 0.01},
        "area": {"urban": 0.8, "rural": 0.2},
    }
    res = rake_weights(sim.participants, margins)
    assert res.converged
    w = res.weights.join(sim.participants, on="participant_id")
    assert w["weight"].mean() == pytest.approx(1.0)
    for attr, shares in margins.items():
        got = w.group_by(attr).agg(pl.col("weight").sum() / w["weight"].sum())
        for cat, share in got.rows():
            assert share == pytest.approx(shares[cat], abs=1e-10)
    np.testing.assert_allclose(res.margins["achieved"], res.margins["target"], atol=1e-10)
    assert res.design_effect >= 1.0
    assert res.effective_n == pytest.approx(400 / res.design_effect)
    assert "converged" in res.summary()
    # the table plugs into the other analyses
    panel = sim.panel.join(res.weights, on="participant_id")
    out = paired_shift(panel, weight="weight")
    assert out.table.height == 4


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(min_value=0.05, max_value=1), min_size=2, max_size=4),
    st.lists(st.floats(min_value=0.05, max_value=1), min_size=2, max_size=3),
    st.integers(min_value=0, max_value=10_000),
)
def test_raking_property(a: list[float], b: list[float], seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    people = pl.DataFrame(
        {
            "participant_id": range(n),
            "x": [f"x{i}" for i in rng.integers(0, len(a), n)],
            "y": [f"y{i}" for i in rng.integers(0, len(b), n)],
        }
    )
    present_x = set(people["x"].to_list())
    present_y = set(people["y"].to_list())
    margins = {
        "x": {f"x{i}": v for i, v in enumerate(a) if f"x{i}" in present_x},
        "y": {f"y{i}": v for i, v in enumerate(b) if f"y{i}" in present_y},
    }
    res = rake_weights(people, margins)
    if res.converged:
        np.testing.assert_allclose(res.margins["achieved"], res.margins["target"], atol=1e-9)
    assert (res.weights["weight"] > 0).all()


def test_raking_one_attribute_equals_poststratification(sim) -> None:  # type: ignore[no-untyped-def]
    pop = pl.DataFrame({"age_band": ["16-34", "35-54", "55+"], "share": [0.3, 0.3, 0.4]})
    rake = rake_weights(sim.participants, {"age_band": dict(pop.rows())})
    post = poststratify_weights(sim.participants, pop, cells="age_band")
    np.testing.assert_allclose(rake.weights["weight"], post.weights["weight"], rtol=1e-10)


def test_poststratification_on_joint_cells(sim) -> None:  # type: ignore[no-untyped-def]
    people = sim.participants.filter(pl.col("gender") != "other")
    cells = people.group_by("area", "gender").len().sort("area", "gender")
    pop = cells.with_columns(share=pl.Series([0.1, 0.15, 0.35, 0.4]))
    res = poststratify_weights(people, pop.drop("len"), cells=["area", "gender"])
    w = res.weights.join(people, on="participant_id")
    got = (
        w.group_by("area", "gender")
        .agg(pl.col("weight").sum() / w["weight"].sum())
        .sort("area", "gender")
    )
    np.testing.assert_allclose(got["weight"], [0.1, 0.15, 0.35, 0.4], atol=1e-12)
    # a cell nobody is in is dropped with a note (live sessions start that way), not refused
    extra = pl.concat(
        [pop.drop("len"), pl.DataFrame({"area": ["moon"], "gender": ["man"], "share": [0.1]})]
    )
    dropped = poststratify_weights(people, extra, cells=["area", "gender"])
    assert any("Nobody from the cells ['moon | man']" in n for n in dropped.notes)
    np.testing.assert_allclose(dropped.weights["weight"], res.weights["weight"], rtol=1e-12)


def test_raking_errors() -> None:
    people = pl.DataFrame({"participant_id": [1, 2, 3], "g": ["a", "a", "b"]})
    # a category nobody is in is dropped with a note (live sessions start that way)
    empty = rake_weights(people, {"g": {"a": 0.3, "b": 0.3, "c": 0.4}})
    assert empty.notes[-1].startswith("Nobody from c (40% of the population)")
    with pytest.raises(ValidationError, match=r"categories \['b'\] have no target share"):
        rake_weights(people, {"g": {"a": 1.0}})
    with pytest.raises(ParameterError, match="'cap' parameter of rake_weights"):
        rake_weights(people, {"g": {"a": 0.5, "b": 0.5}}, cap=0.5)


def test_group_composition_equals_scipy_without_small_cells(sim) -> None:  # type: ignore[no-untyped-def]
    res = group_composition(sim.participants, group="opinion_group", attribute="age_band")
    table = (
        sim.participants.group_by("opinion_group", "age_band")
        .len()
        .pivot(on="age_band", index="opinion_group", values="len")
        .sort("opinion_group")
        .select("16-34", "35-54", "55+")
        .to_numpy()
    )
    ref = stats.chi2_contingency(table, correction=False)
    assert res.p_method == "chi2"
    assert res.statistic == pytest.approx(ref.statistic)
    assert res.p_value == pytest.approx(ref.pvalue)
    assert res.dof == ref.dof
    np.testing.assert_allclose(res.table["expected"].to_numpy(), ref.expected_freq.ravel())


def test_chi2_monte_carlo_matches_exact_permutation_p() -> None:
    table = np.array([[6, 1], [2, 7]])
    res = chi2_independence(table, n_resamples=4000, seed=3, progress=False)
    assert res.method == "monte-carlo"
    rows, cols, n = table.sum(axis=1), table.sum(axis=0), table.sum()
    hyper = stats.hypergeom(n, cols[0], rows[0])
    exact = 0.0
    for k in range(max(0, rows[0] - cols[1]), min(rows[0], cols[0]) + 1):
        t = np.array([[k, rows[0] - k], [cols[0] - k, rows[1] - cols[0] + k]])
        if stats.chi2_contingency(t, correction=False).statistic >= res.chi2 - 1e-9:
            exact += hyper.pmf(k)
    assert res.p_value == pytest.approx(exact, abs=0.015)
    assert res.to_frame()["method"].item() == "monte-carlo" and "\n" not in repr(res)
    assert res.p_asymptotic == pytest.approx(stats.chi2_contingency(table, correction=False).pvalue)


def test_statement_exposure() -> None:
    statements = pl.DataFrame({"statement_id": range(12), "author_group": ["A"] * 6 + ["B"] * 6})
    counts = [10, 12, 9, 11, 10, 8, 2, 3, 1, 0, 2, 4]
    votes = pl.DataFrame({"statement_id": np.repeat(np.arange(12), counts)})
    res = statement_exposure(votes, statements)
    a, b = res.table.rows(named=True)
    assert (a["n_votes"], b["n_votes"]) == (60, 12)
    assert a["exposure_ratio"] == pytest.approx((60 / 72) / 0.5)
    assert b["median_votes_per_statement"] == 2.0
    ref = stats.kruskal(counts[:6], counts[6:])
    assert res.statistic == pytest.approx(ref.statistic)
    assert res.p_value == pytest.approx(ref.pvalue)
    few = statement_exposure(
        votes, statements.with_columns(pl.Series("author_group", ["A"] * 9 + ["C"] * 3))
    )
    assert few.table.filter(pl.col("author_group") == "C")["exposure_ratio"][0] is None
    assert few.notes[0].startswith("Cells with fewer than 5 statements are suppressed")


def test_attrition_by_group(sim) -> None:  # type: ignore[no-untyped-def]
    res = attrition(sim.panel, by="age_band")
    people = sim.participants
    for row in res.table.rows(named=True):
        sub = people.filter(pl.col("age_band") == row["category"])
        assert row["n_pre"] == sub.height
        assert row["n_retained"] == sub["retained"].sum()
        assert row["ci_low"] <= row["retention"] <= row["ci_high"]
    table = np.column_stack([res.table["n_retained"], res.table["n_pre"] - res.table["n_retained"]])
    ref = stats.chi2_contingency(table, correction=False)
    assert res.statistic == pytest.approx(ref.statistic)
    # the simulator makes the youngest drop out twice as often
    young = res.table.filter(pl.col("category") == "16-34")["retention"][0]
    assert young < res.table.filter(pl.col("category") == "55+")["retention"][0]


def test_inquiry_tables_feed_the_analyses_without_renaming(sim) -> None:  # type: ignore[no-untyped-def]
    # the ``population`` table as an Inquiry stores it: attribute, category, share
    census = pl.DataFrame(
        {
            "attribute": ["age_band"] * 3 + ["area"] * 2,
            "category": ["16-34", "35-54", "55+", "urban", "rural"],
            "share": [0.3, 0.3, 0.4, 0.8, 0.2],
        }
    )
    people = sim.participants.drop("retained")
    inq = Inquiry(
        {"participant_id": [1, 2], "statement_id": [1, 1], "vote": [1, -1]},
        participants=people,
        tables={"population": census, "panel": sim.panel.drop("age_band")},
    )
    stored = inq.tables["population"]
    direct = compare_to_population(
        people, {"16-34": 0.3, "35-54": 0.3, "55+": 0.4}, attribute="age_band"
    )
    for res in (
        compare_to_population(inq, attribute="age_band"),
        compare_to_population(people, stored, attribute="age_band"),
    ):
        assert res.table.equals(direct.table)
        assert res.statistic == pytest.approx(direct.statistic)
    with pytest.raises(ValidationError, match="no row for attribute 'gender'"):
        compare_to_population(inq, attribute="gender")
    rake = rake_weights(inq, stored)
    assert rake.converged and rake.weights.height == people.height
    # attrition reads the attribute from the participants when the panel lacks it
    att = attrition(inq, by="age_band", progress=False)
    assert att.table["n_pre"].sum() == people.height
    assert participation_breakdown(inq, by="area").table["n"].sum() == people.height


def test_results_follow_the_protocol(sim) -> None:  # type: ignore[no-untyped-def]
    res = compare_to_population(
        sim.participants, {"urban": 0.5, "rural": 0.5}, attribute="area", alpha=0.1
    )
    ci = res.conf_int(alpha=0.1)
    assert ci.columns == ["category", "sample_share", "ci_low", "ci_high", "alpha"]
    assert ci["alpha"].unique().to_list() == [0.1]
    with pytest.raises(ParameterError, match=r"'alpha' parameter of conf_int must be 0\.1"):
        res.conf_int()
    assert "\n" not in repr(res) and res.to_pandas().shape == res.table.shape
    with pytest.raises(NotImplementedError):
        participation_breakdown(sim.participants, by="area").conf_int()
    w = rake_weights(sim.participants, {"area": {"urban": 0.5, "rural": 0.5}})
    assert repr(w).startswith("<WeightsResult: rake_weights: 400 participants, converged")
    assert w.to_frame().columns == ["participant_id", "weight"]
