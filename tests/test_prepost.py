"""Pre/post shifts checked against scipy and statsmodels, and on simulated panels."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.weightstats import DescrStatsW

from coprod_analytics import Inquiry
from coprod_analytics.deliberation import (
    ShiftResult,
    categorical_shift,
    did_shift,
    mixed_shift,
    paired_shift,
    simulate_panel,
    welch_shift,
)
from coprod_analytics.deliberation.inference import adjust_pvalues
from coprod_analytics.errors import ParameterError, ValidationError


def _panel(pre: np.ndarray, post: np.ndarray, item: str = "q1") -> pl.DataFrame:
    n = pre.size
    return pl.DataFrame(
        {
            "participant_id": np.concatenate([np.arange(n), np.arange(n)]),
            "item_id": [item] * (2 * n),
            "wave": ["pre"] * n + ["post"] * n,
            "value": np.concatenate([pre, post]),
        }
    )


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=3, max_value=60), st.integers(min_value=0, max_value=10_000))
def test_paired_equals_scipy_ttest_rel_and_wilcoxon(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pre = rng.normal(size=n)
    post = pre + rng.normal(0.3, 1, size=n)
    row = paired_shift(_panel(pre, post)).table.row(0, named=True)
    ref = stats.ttest_rel(post, pre)
    ci = ref.confidence_interval(0.95)
    assert row["n"] == n
    assert row["estimate"] == pytest.approx(np.mean(post - pre), abs=1e-12)
    assert row["t"] == pytest.approx(ref.statistic, rel=1e-10)
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-8, abs=1e-300)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-10)
    w = stats.wilcoxon(post - pre)
    assert row["wilcoxon_statistic"] == pytest.approx(w.statistic)
    assert row["wilcoxon_p"] == pytest.approx(w.pvalue, rel=1e-10)
    # the noncentral-t interval of d_z inverts the test: ncp at the bounds leaves alpha/2
    df = n - 1
    lo, hi = row["dz_ci_low"], row["dz_ci_high"]
    assert stats.nct.cdf(row["t"], df, lo * np.sqrt(n)) == pytest.approx(0.975, abs=1e-6)
    assert stats.nct.cdf(row["t"], df, hi * np.sqrt(n)) == pytest.approx(0.025, abs=1e-6)
    assert lo < row["cohens_dz"] < hi


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=3, max_value=60), st.integers(min_value=0, max_value=10_000))
def test_weighted_paired_equals_descrstatsw(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pre = rng.normal(size=n)
    post = pre + rng.normal(0.2, 1, size=n)
    w = rng.uniform(0.2, 3.0, size=n)
    panel = _panel(pre, post).with_columns(pl.Series("w", np.concatenate([w, w])))
    row = paired_shift(panel, weight="w").table.row(0, named=True)
    d = DescrStatsW(post - pre, weights=w / w.mean())
    t, p, df = d.ttest_mean(0)
    lo, hi = d.tconfint_mean(0.05)
    assert row["estimate"] == pytest.approx(d.mean, rel=1e-10)
    assert row["se"] == pytest.approx(d.std_mean, rel=1e-10)
    assert row["t"] == pytest.approx(t, rel=1e-10)
    assert row["p_value"] == pytest.approx(p, rel=1e-8)
    assert row["df"] == pytest.approx(df)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), rel=1e-10)
    assert row["n_effective"] == pytest.approx(w.sum() ** 2 / (w**2).sum())


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(st.floats(min_value=0, max_value=1), st.just(float("nan"))),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(["fdr_bh", "holm", "bonferroni"]),
)
def test_adjust_pvalues_is_multipletests_on_the_tested_rows(p: list[float], method: str) -> None:
    # untested rows (NaN) take no part: the others get exactly what statsmodels gives them
    ours = adjust_pvalues(p, method=method)  # type: ignore[arg-type]
    finite = np.isfinite(p)
    assert np.isnan(ours[~finite]).all()
    if finite.any():
        ref = multipletests(np.asarray(p)[finite], method=method)[1]
        np.testing.assert_allclose(ours[finite], ref, rtol=1e-12, atol=1e-15)


def test_adjust_pvalues_leaves_nan_out() -> None:
    p = [0.01, float("nan"), 0.04, 0.03]
    out = adjust_pvalues(p)
    assert np.isnan(out[1])
    np.testing.assert_allclose(
        out[[0, 2, 3]], multipletests([0.01, 0.04, 0.03], method="fdr_bh")[1]
    )
    with pytest.raises(ParameterError, match="'method' parameter of adjust_pvalues"):
        adjust_pvalues(p, method="sidak")  # type: ignore[arg-type]


def test_correction_is_across_items_and_stated() -> None:
    sim = simulate_panel(120, 6, seed=5, scale=None)
    res = paired_shift(sim.panel)
    np.testing.assert_allclose(
        res.table["p_adjusted"].to_numpy(),
        multipletests(res.table["p_value"].to_numpy(), method="fdr_bh")[1],
    )
    np.testing.assert_allclose(
        res.table["wilcoxon_p_adjusted"].to_numpy(),
        multipletests(res.table["wilcoxon_p"].to_numpy(), method="fdr_bh")[1],
    )
    assert "Benjamini-Hochberg" in res.notes[0] and "6 tested rows" in res.notes[0]
    assert "Benjamini-Hochberg" in res.summary()
    holm = paired_shift(sim.panel, correction="holm")
    assert "Holm" in holm.correction
    assert (holm.table["p_adjusted"] >= res.table["p_adjusted"] - 1e-15).all()


def test_welch_equals_scipy() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.normal(0, 1, 25), rng.normal(0.5, 2, 40)
    panel = pl.DataFrame(
        {
            "participant_id": np.arange(65),
            "item_id": ["q"] * 65,
            "wave": ["pre"] * 25 + ["post"] * 40,
            "value": np.concatenate([a, b]),
        }
    )
    row = welch_shift(panel).table.row(0, named=True)
    ref = stats.ttest_ind(b, a, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert row["t"] == pytest.approx(ref.statistic, rel=1e-10)
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert row["df"] == pytest.approx(ref.df, rel=1e-10)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-10)
    assert row["g_ci_low"] < row["hedges_g"] < row["g_ci_high"]


def test_categorical_equals_scipy_chi2_contingency() -> None:
    rng = np.random.default_rng(4)
    pre = rng.choice(["agree", "neutral", "disagree"], 80, p=[0.3, 0.3, 0.4])
    post = rng.choice(["agree", "neutral", "disagree"], 80, p=[0.5, 0.2, 0.3])
    panel = _panel(pre, post)  # type: ignore[arg-type]
    row = categorical_shift(panel).table.row(0, named=True)
    table = np.array(
        [[np.sum(w == c) for c in ("agree", "disagree", "neutral")] for w in (post, pre)]
    )
    ref = stats.chi2_contingency(table, correction=False)
    assert row["chi2"] == pytest.approx(ref.statistic, rel=1e-10)
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert row["method"] == "chi2"
    assert row["estimate"] == pytest.approx(np.sqrt(ref.statistic / 160))


def test_categorical_small_cells_use_monte_carlo() -> None:
    pre = np.array(["a"] * 6 + ["b"] * 1)
    post = np.array(["a"] * 1 + ["b"] * 6)
    res = categorical_shift(_panel(pre, post), seed=1)  # type: ignore[arg-type]
    row = res.table.row(0, named=True)
    assert row["method"] == "monte-carlo"
    # exact permutation p-value from the hypergeometric distribution (fixed margins)
    hyper = stats.hypergeom(14, 7, 7)
    chi = [
        stats.chi2_contingency([[k, 7 - k], [7 - k, k]], correction=False).statistic
        for k in range(8)
    ]
    exact = sum(hyper.pmf(k) for k in range(8) if chi[k] >= row["chi2"] - 1e-9)
    assert row["p_value"] == pytest.approx(exact, abs=0.02)
    again = categorical_shift(_panel(pre, post), seed=1)  # type: ignore[arg-type]
    assert again.table["p_value"][0] == row["p_value"]


def test_did_equals_welch_on_change_scores() -> None:
    sim = simulate_panel(150, 4, seed=7, trend=0.5, scale=None)
    res = did_shift(sim.panel)
    wide = (
        sim.panel.filter(pl.col("item_id") == "q1")
        .pivot(on="wave", index=["participant_id", "arm"], values="value")
        .drop_nulls()
    )
    d = (wide["post"] - wide["pre"]).to_numpy()
    treated = (wide["arm"] == "treatment").to_numpy()
    ref = stats.ttest_ind(d[treated], d[~treated], equal_var=False)
    row = res.table.filter(pl.col("item_id") == "q1").row(0, named=True)
    assert row["estimate"] == pytest.approx(d[treated].mean() - d[~treated].mean(), rel=1e-12)
    assert row["t"] == pytest.approx(ref.statistic, rel=1e-10)
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert row["n_treated"] == treated.sum()


def test_planted_shifts_are_recovered_and_trend_removed() -> None:
    sim = simulate_panel(400, 8, n_moving=3, shift=0.8, trend=0.6, seed=11, scale=None)
    did = did_shift(sim.panel).table.join(sim.truth, on="item_id")
    moving = did.filter(pl.col("moving"))
    still = did.filter(~pl.col("moving"))
    assert (moving["p_adjusted"] < 0.01).all()
    np.testing.assert_allclose(
        moving["estimate"].to_numpy(), moving["planted_shift"].to_numpy(), atol=0.35
    )
    assert (still["estimate"].abs() < 0.35).all()
    # the naive paired shift also picks up the common trend on still items
    paired = paired_shift(sim.panel).table.join(sim.truth, on="item_id")
    assert (paired.filter(~pl.col("moving"))["estimate"] > 0.3).all()


def test_mixed_model_equals_mean_difference_on_balanced_panel() -> None:
    sim = simulate_panel(80, 3, seed=2, attrition=0.0, scale=None)
    mixed = mixed_shift(sim.panel).table.filter(pl.col("term") == "post")
    paired = paired_shift(sim.panel).table
    np.testing.assert_allclose(
        mixed["estimate"].to_numpy(), paired["estimate"].to_numpy(), atol=1e-6
    )
    assert mixed["converged"].all()
    assert mixed["p_adjusted"].null_count() == 0


def test_mixed_model_with_control_group_matches_did_when_balanced() -> None:
    sim = simulate_panel(120, 2, seed=8, attrition=0.0, trend=0.4, scale=None)
    res = mixed_shift(sim.panel, arm="arm")
    key = res.table.filter(pl.col("key_term"))
    assert key["term"].to_list() == ["post:treated", "post:treated"]
    did = did_shift(sim.panel).table
    np.testing.assert_allclose(key["estimate"].to_numpy(), did["estimate"].to_numpy(), atol=1e-6)
    others = res.table.filter(~pl.col("key_term"))
    assert others["p_adjusted"].null_count() == others.height
    assert "post:treated" in res.notes[0]


def test_by_group_rows_equal_subset_analysis() -> None:
    sim = simulate_panel(150, 3, seed=9, scale=None)
    res = paired_shift(sim.panel, by="opinion_group")
    assert res.keys == ("item_id", "opinion_group")
    sub = sim.panel.filter(pl.col("opinion_group") == "B")
    alone = paired_shift(sub).table
    rows = res.table.filter(pl.col("opinion_group") == "B")
    np.testing.assert_allclose(rows["t"].to_numpy(), alone["t"].to_numpy(), rtol=1e-12)
    assert res.table.height == 6


def test_conf_int_other_alpha_matches_rerun() -> None:
    sim = simulate_panel(60, 3, seed=1, scale=None)
    res = paired_shift(sim.panel)
    rerun = paired_shift(sim.panel, alpha=0.1)
    ci = res.conf_int(0.1)
    np.testing.assert_allclose(ci["ci_low"].to_numpy(), rerun.table["ci_low"].to_numpy())
    np.testing.assert_allclose(ci["ci_high"].to_numpy(), rerun.table["ci_high"].to_numpy())
    assert res.conf_int().columns == ["item_id", "estimate", "ci_low", "ci_high", "alpha"]
    assert res.conf_int()["alpha"].unique().to_list() == [0.05]
    np.testing.assert_allclose(res.conf_int()["ci_low"].to_numpy(), res.table["ci_low"].to_numpy())
    assert ci["alpha"].unique().to_list() == [0.1]
    assert "<table>" in res._repr_html_()
    # the protocol: one-line repr, polars and pandas tables
    assert isinstance(res, ShiftResult) and "\n" not in repr(res)
    assert res.to_pandas().shape == res.table.shape
    with pytest.raises(ValidationError, match="no standard errors"):
        categorical_shift(sim.panel, progress=False).conf_int(0.1)


def test_too_few_pairs_give_nan_not_errors() -> None:
    panel = pl.DataFrame(
        {
            "participant_id": [1, 1, 2, 3, 3],
            "item_id": ["a", "a", "b", "b", "b"],
            "wave": ["pre", "post", "pre", "pre", "post"],
            "value": [1.0, 2.0, 3.0, 1.0, 1.0],
        }
    )
    res = paired_shift(panel)
    assert res.table["n"].to_list() == [1, 1]
    assert res.table["p_adjusted"].is_nan().all()
    assert any("could not be tested" in n for n in res.notes)


def test_validation_names_the_problem() -> None:
    bad_wave = _panel(np.ones(3), np.ones(3)).with_columns(
        pl.when(pl.int_range(pl.len()) == 4)
        .then(pl.lit("mid"))
        .otherwise(pl.col("wave"))
        .alias("wave")
    )
    with pytest.raises(
        ValidationError, match="row 5, column 'wave': wave must be 'pre' or 'post'; got 'mid'"
    ):
        paired_shift(bad_wave)
    dup = pl.concat([_panel(np.ones(2), np.ones(2)), _panel(np.ones(1), np.ones(1))])
    with pytest.raises(
        ValidationError, match="participant 0 answers item 'q1' twice in wave 'pre'"
    ):
        paired_shift(dup)
    with pytest.raises(ValidationError, match=r"missing column\(s\) \['arm'\]"):
        did_shift(_panel(np.ones(3), np.ones(3)))
    with pytest.raises(ParameterError, match="'alpha' parameter of welch_shift"):
        welch_shift(_panel(np.ones(3), np.ones(3)), alpha=2)
    varying = _panel(np.ones(2), np.ones(2)).with_columns(pl.Series("w", [1.0, 1.0, 2.0, 1.0]))
    with pytest.raises(ValidationError, match="participant 0 has more than one weight"):
        paired_shift(varying, weight="w")


def test_the_inquiry_table_feeds_every_shift_without_renaming() -> None:
    sim = simulate_panel(60, 3, seed=1)
    inq = Inquiry(
        {"participant_id": [1, 2], "statement_id": [1, 1], "vote": [1, -1]},
        tables={"panel": sim.panel},
    )
    stored = inq.tables["panel"]
    assert stored.columns[:4] == ["participant_id", "item_id", "wave", "value"]
    for func in (paired_shift, welch_shift, did_shift, mixed_shift):
        a = func(inq).table  # type: ignore[operator]
        b = func(stored).table  # type: ignore[operator]
        assert a.equals(b)
    assert categorical_shift(inq, progress=False).table.height == 3
    # a table named differently: keywords after the canonical column
    renamed = stored.rename({"item_id": "question", "participant_id": "person"})
    other = paired_shift(renamed, item_id="question", participant_id="person").table
    np.testing.assert_allclose(other["estimate"], paired_shift(stored).table["estimate"])
    with pytest.raises(ValidationError, match="needs a 'panel' table"):
        paired_shift(Inquiry({"participant_id": [1], "statement_id": [1], "vote": [1]}))


def test_simulation_is_reproducible_and_has_attrition() -> None:
    a = simulate_panel(200, 3, seed=4)
    b = simulate_panel(200, 3, seed=4)
    assert a.panel.equals(b.panel)
    assert not simulate_panel(200, 3, seed=5).panel.equals(a.panel)
    assert set(a.panel["value"].unique().to_list()) <= set(range(1, 8))
    retained = a.participants["retained"]
    assert 0 < (~retained).sum() < 60


def test_import_stays_light() -> None:
    code = (
        "import sys, coprod_analytics.deliberation, coprod_analytics.deliberation.representation, "
        "coprod_analytics.privacy; "
        "print(sorted(m for m in ('scipy', 'statsmodels', 'sklearn', 'matplotlib', 'ipywidgets') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
