"""Tests of coprod_analytics.crowd.estimates."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from coprod_analytics.crowd.estimates import (
    crowd_estimate,
    crowd_estimates,
    delphi_rounds,
    diversity_prediction,
    pool_forecasts,
    pool_log_odds,
    surprisingly_popular,
)
from coprod_analytics.errors import ParameterError, ValidationError

finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)


# --------------------------------------------------------------------------- estimates


def test_point_estimates_match_scipy() -> None:
    rng = np.random.default_rng(0)
    x = rng.lognormal(3, 1, size=101)
    c = rng.uniform(0.1, 1, size=101)
    kw: dict[str, Any] = {"n_resamples": 0}
    assert crowd_estimate(x, method="mean", **kw).value == pytest.approx(x.mean())
    assert crowd_estimate(x, method="median", **kw).value == pytest.approx(np.median(x))
    assert crowd_estimate(x, method="trimmed_mean", trim=0.2, **kw).value == pytest.approx(
        stats.trim_mean(x, 0.2)
    )
    assert crowd_estimate(x, method="winsorized_mean", trim=0.1, **kw).value == pytest.approx(
        float(np.mean(stats.mstats.winsorize(x, limits=(0.1, 0.1))))
    )
    assert crowd_estimate(x, method="geometric_mean", **kw).value == pytest.approx(stats.gmean(x))
    assert crowd_estimate(
        x, method="confidence_weighted_mean", confidence=c, **kw
    ).value == pytest.approx(np.average(x, weights=c))


def test_bootstrap_interval_matches_scipy_and_is_reproducible() -> None:
    x = np.array([12.0, 15, 9, 30, 14, 11, 13, 16, 10, 100, 12, 14])
    a = crowd_estimate(x, method="median", n_resamples=999, seed=4)
    b = crowd_estimate(x, method="median", n_resamples=999, seed=4)
    assert a.conf_int().equals(b.conf_int())
    # independent reference: the percentile limits of the same resamples drawn by hand
    rng = np.random.default_rng(4)
    boot = np.median(x[rng.integers(0, x.size, size=(999, x.size))], axis=1)
    ci = a.conf_int()
    assert ci.columns == ["name", "ci_low", "ci_high", "alpha"]
    assert (ci["ci_low"][0], ci["ci_high"][0]) == pytest.approx(
        tuple(np.quantile(boot, [0.025, 0.975]))
    )
    assert a.method == "bootstrap-percentile" and a.n == 12 and a.alpha == 0.05
    basic = crowd_estimate(x, method="median", n_resamples=999, seed=4, ci_method="basic")
    assert (basic.ci_low, basic.ci_high) == pytest.approx(
        (2 * a.value - a.ci_high, 2 * a.value - a.ci_low)  # type: ignore[operator]
    )
    bca = crowd_estimate(x, method="mean", n_resamples=999, seed=4, ci_method="BCa")
    ref = stats.bootstrap((x,), np.mean, n_resamples=999, rng=np.random.default_rng(4))
    assert bca.ci_low == pytest.approx(ref.confidence_interval.low)
    assert bca.ci_high == pytest.approx(ref.confidence_interval.high)
    # alpha sets the level: a 50% interval is inside the 95% one
    half = crowd_estimate(x, method="median", n_resamples=999, seed=4, alpha=0.5)
    assert a.ci_low <= half.ci_low <= half.ci_high <= a.ci_high  # type: ignore[operator]
    assert a.provenance is not None and a.provenance.seed == 4


def test_bootstrap_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    x = np.arange(50.0)
    crowd_estimate(x, n_resamples=500, progress=True)
    assert "crowd_estimate (median)" in capsys.readouterr().err
    crowd_estimate(x, n_resamples=500, progress=False)
    assert capsys.readouterr().err == ""


def test_weighted_bootstrap_is_paired() -> None:
    # guesses and confidences travel together: a guess with zero confidence never matters
    x = np.array([10.0, 11, 12, 1000])
    c = np.array([1.0, 1, 1, 0])
    est = crowd_estimate(
        x, method="confidence_weighted_mean", confidence=c, n_resamples=500, seed=0
    )
    assert est.ci_low is not None and est.ci_high is not None
    assert 10 <= est.ci_low <= est.ci_high <= 12


def test_constant_values_have_a_point_interval() -> None:
    est = crowd_estimate([5, 5, 5], method="mean", n_resamples=100, seed=0)
    assert est.conf_int().row(0)[1:3] == (5.0, 5.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(finite, min_size=3, max_size=30), st.integers(0, 1000))
def test_robust_estimates_lie_within_range(values, seed) -> None:
    x = np.array(values)
    for method in ("mean", "median", "trimmed_mean", "winsorized_mean"):
        v = crowd_estimate(x, method=method, n_resamples=0).value  # type: ignore[arg-type]
        assert x.min() - 1e-9 <= v <= x.max() + 1e-9
    # order does not matter
    perm = np.random.default_rng(seed).permutation(x)
    assert crowd_estimate(perm, method="winsorized_mean", n_resamples=0).value == pytest.approx(
        crowd_estimate(x, method="winsorized_mean", n_resamples=0).value
    )


def test_crowd_estimates_table() -> None:
    t = pl.DataFrame(
        {
            "participant_id": [1, 2, 3, 4, 5],
            "question_id": [1] * 5,
            "value": [10, 12, 9, 11, 30],
            "confidence": [1.0, 1, 1, 1, 0.1],
        }
    )
    res = crowd_estimates(t, truth=11, n_resamples=200)
    f = res.to_frame()
    assert f["method"].to_list() == [
        "mean",
        "median",
        "trimmed_mean",
        "winsorized_mean",
        "geometric_mean",
        "confidence_weighted_mean",
    ]
    assert f.filter(pl.col("method") == "median")["abs_error"][0] == 0.0
    assert (f["ci_low"] <= f["value"]).all() and (f["value"] <= f["ci_high"]).all()
    # each row is crowd_estimate on the question's values, same seed
    one = crowd_estimate(t["value"], method="median", n_resamples=200)
    assert f.filter(pl.col("method") == "median").row(0, named=True)["ci_low"] == one.ci_low
    ci = res.conf_int()
    assert ci.columns == ["question_id", "method", "ci_low", "ci_high", "alpha"]
    neg = crowd_estimates(t.with_columns(pl.col("value") - 10), n_resamples=0)
    assert "geometric_mean" not in neg.to_frame()["method"].to_list()
    with pytest.raises(ValidationError, match="pass a dict question id -> truth"):
        crowd_estimates(t.with_columns(question_id=pl.Series([1, 1, 2, 2, 2])), truth=3.0)


def test_crowd_estimates_take_the_inquiry_and_its_table_as_stored() -> None:
    from coprod_analytics import sample_inquiry

    inquiry = sample_inquiry()
    est = inquiry.tables["estimates"]
    by_inquiry = crowd_estimates(inquiry, n_resamples=0).to_frame()
    by_table = crowd_estimates(est, n_resamples=0).to_frame()
    assert by_inquiry.drop("truth", "abs_error").equals(by_table)
    # truths come from the questions table; one row set per question and Delphi round
    assert by_inquiry.select("question_id", "round").unique().height == 8
    q1 = est.filter((pl.col("question_id") == 1) & (pl.col("round") == 2))
    row = by_inquiry.filter(
        (pl.col("question_id") == 1) & (pl.col("round") == 2) & (pl.col("method") == "median")
    ).row(0, named=True)
    assert row["value"] == pytest.approx(float(np.median(q1["value"].to_numpy())))
    assert row["truth"] == 4.0
    # a user's own column names, by keyword
    mine = est.rename({"question_id": "q", "value": "guess"})
    renamed = crowd_estimates(mine, question_id="q", value="guess", n_resamples=0).to_frame()
    assert renamed.equals(by_table)


# --------------------------------------------------------------------------- diversity prediction


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=1, max_size=50), finite)
def test_diversity_prediction_identity(values, truth) -> None:
    d = diversity_prediction(values, truth)
    scale = max(1.0, d.average_error)
    assert abs(d.residual) <= 1e-9 * scale
    assert d.crowd_error <= d.average_error + 1e-9 * scale  # the crowd beats its average member
    assert d.diversity >= 0


def test_diversity_prediction_example_and_frame() -> None:
    # Page's ox-weighing style: guesses 8, 10, 15 with truth 10
    d = diversity_prediction(np.array([8.0, 10.0, 15.0]), 10)
    assert d.crowd_estimate == pytest.approx(11.0)
    assert d.crowd_error == pytest.approx(1.0)
    assert d.average_error == pytest.approx(29 / 3)
    assert d.diversity == pytest.approx(26 / 3)
    f = d.to_frame()
    assert f.columns == [
        "crowd_estimate",
        "truth",
        "crowd_error",
        "average_error",
        "diversity",
        "n",
    ]
    assert "diversity" in d.summary() and "<table>" in d._repr_html_()


# --------------------------------------------------------------------------- probabilities


def test_pool_log_odds_methods_values() -> None:
    # METHODS.md, checked: p = (.6, .7, .8): a = 1 -> 0.7068, a = 2.5 -> 0.9002
    assert pool_log_odds([0.6, 0.7, 0.8]) == pytest.approx(0.7068, abs=5e-5)
    assert pool_log_odds([0.6, 0.7, 0.8], extremize=2.5) == pytest.approx(0.9002, abs=5e-5)


def test_pool_log_odds_is_geometric_mean_of_odds() -> None:
    p = np.array([0.2, 0.5, 0.9, 0.65])
    w = np.array([1.0, 2.0, 1.0, 4.0])
    odds = np.exp(np.average(np.log(p / (1 - p)), weights=w))
    assert pool_log_odds(p, weights=w) == pytest.approx(odds / (1 + odds))


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(0.01, 0.99), min_size=1, max_size=20),
    st.floats(1.0, 4.0),
)
def test_pool_log_odds_properties(ps, a) -> None:
    p = np.array(ps)
    pooled = pool_log_odds(p)
    assert p.min() - 1e-12 <= pooled <= p.max() + 1e-12
    ext = pool_log_odds(p, extremize=a)
    # extremizing moves away from 0.5 (or stays) on the same side
    assert abs(ext - 0.5) >= abs(pooled - 0.5) - 1e-12
    assert (ext - 0.5) * (pooled - 0.5) >= -1e-12
    # symmetric: pooling 1 - p gives 1 - pooled
    assert pool_log_odds(1 - p, extremize=a) == pytest.approx(1 - ext)


def test_pool_forecasts_take_the_probabilities_table_as_stored() -> None:
    from coprod_analytics import sample_inquiry

    inquiry = sample_inquiry()
    probs = inquiry.tables["probabilities"]
    out = pool_forecasts(inquiry, extremize=2.0)
    assert out.equals(pool_forecasts(probs, extremize=2.0))
    for row in out.iter_rows(named=True):
        p = probs.filter(pl.col("question_id") == row["question_id"])["probability"]
        assert row["n"] == p.len()
        assert row["pooled"] == pytest.approx(pool_log_odds(p, clip=0.01))
        assert row["extremized"] == pytest.approx(pool_log_odds(p, extremize=2.0, clip=0.01))
        assert row["mean"] == pytest.approx(p.mean())
    two = pl.DataFrame({"q": [1, 1, 2, 2], "p": [0.2, 0.4, 0.9, 0.7]})
    res = pool_forecasts(two, question_id="q", probability="p")
    assert res["question_id"].to_list() == [1, 2]
    assert res["pooled"][1] == pytest.approx(pool_log_odds([0.9, 0.7]))


def test_pool_log_odds_errors_and_clip() -> None:
    with pytest.raises(ValidationError, match=r"strictly between 0 and 1; position 1 is 1"):
        pool_log_odds([0.5, 1.0])
    assert pool_log_odds([0.5, 1.0], clip=0.01) == pytest.approx(pool_log_odds([0.5, 0.99]))
    with pytest.raises(ParameterError, match="The 'extremize' parameter of pool_log_odds"):
        pool_log_odds([0.5], extremize=0)


# --------------------------------------------------------------------------- surprisingly popular


def _philadelphia() -> tuple[pl.DataFrame, pl.DataFrame]:
    # Prelec et al. (2017): "Is Philadelphia the capital of Pennsylvania?" Most say yes
    # (wrong) and expect others to agree; the minority says no and knows it is a minority.
    ans = ["yes"] * 65 + ["no"] * 35
    pred_yes = [0.8] * 65 + [0.7] * 35
    answers = pl.DataFrame({"participant_id": range(100), "answer": ans})
    preds = pl.DataFrame(
        {
            "participant_id": list(range(100)) * 2,
            "option": ["yes"] * 100 + ["no"] * 100,
            "share": pred_yes + [1 - p for p in pred_yes],
        }
    )
    return answers, preds


def test_surprisingly_popular_philadelphia() -> None:
    answers, preds = _philadelphia()
    sp = surprisingly_popular(answers, preds)
    assert sp.answer == "no" and sp.majority_answer == "yes" and not sp.tied
    row = sp.table.filter(pl.col("option") == "no").row(0, named=True)
    assert row["actual_share"] == pytest.approx(0.35)
    assert row["predicted_share"] == pytest.approx(0.65 * 0.2 + 0.35 * 0.3)
    assert row["surprise"] == pytest.approx(0.35 - 0.235)
    assert sp.table["surprise"].sum() == pytest.approx(0.0)  # shares sum to 1 on both sides
    assert "surprisingly popular answer: 'no'" in sp.summary()
    assert sp.to_frame().equals(sp.table) and repr(sp).startswith("<SurprisinglyPopular: ")


def test_surprisingly_popular_takes_the_inquiry_tables_as_stored() -> None:
    from coprod_analytics import sample_inquiry

    inquiry = sample_inquiry()
    by_inquiry = surprisingly_popular(inquiry)
    by_tables = surprisingly_popular(inquiry.tables["choices"], inquiry.tables["predictions"])
    assert by_inquiry.answer == by_tables.answer == "park-and-ride"
    assert by_inquiry.table.equals(by_tables.table)
    # several questions: pick one
    answers, preds = _philadelphia()
    two = pl.concat(
        [answers.with_columns(question_id=pl.lit(1)), answers.with_columns(question_id=pl.lit(2))]
    )
    two_p = pl.concat(
        [preds.with_columns(question_id=pl.lit(1)), preds.with_columns(question_id=pl.lit(2))]
    )
    with pytest.raises(ValidationError, match="pass question="):
        surprisingly_popular(two, two_p)
    assert surprisingly_popular(two, two_p, question=2).answer == "no"


def test_surprisingly_popular_validation() -> None:
    answers, preds = _philadelphia()
    with pytest.raises(ValidationError, match=r"row 3, column 'share'.*\[0, 1\]; got 80"):
        surprisingly_popular(
            answers,
            preds.with_columns(
                pl.when(pl.int_range(pl.len()) == 2)
                .then(80.0)
                .otherwise(pl.col("share"))
                .alias("share")
            ),
        )
    with pytest.raises(ValidationError, match="column 'answer' is missing"):
        surprisingly_popular(answers.drop("answer"), preds)
    with pytest.raises(ValidationError, match="row 101, column 'participant_id'"):
        surprisingly_popular(pl.concat([answers, answers.head(1)]), preds)


# --------------------------------------------------------------------------- Delphi


def test_delphi_rounds_statistics_and_wilcoxon() -> None:
    rng = np.random.default_rng(1)
    r1 = rng.integers(1, 8, size=20).astype(float)
    r2 = np.clip(np.round((r1 + 4) / 2), 1, 7)  # answers move towards the middle
    df = pl.DataFrame(
        {
            "participant_id": list(range(20)) * 2,
            "round": [1] * 20 + [2] * 20,
            "value": np.concatenate([r1, r2]),
        }
    )
    res = delphi_rounds(df, consensus="iqr", threshold=1.0)
    t = res.table
    assert t["round"].to_list() == [1, 2]
    q1, q3 = np.quantile(r2, [0.25, 0.75])
    assert t["iqr"][1] == pytest.approx(q3 - q1)
    assert t["median"][0] == pytest.approx(np.median(r1))
    assert t["cv"][0] == pytest.approx(r1.std(ddof=1) / r1.mean())
    w = stats.wilcoxon(r1, r2)
    assert t["p_value"][1] == pytest.approx(w.pvalue)
    assert t["stable"][1] == (w.pvalue > 0.05)
    assert t["p_value"][0] is None and t["n_paired"][1] == 20
    assert res.final().height == 1 and "IQR <= 1" in res.summary()
    assert res.final().columns[0] == "question_id"


def test_delphi_items_custom_rule_and_stable_rounds() -> None:
    df = pl.DataFrame(
        {
            "participant_id": [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2],
            "question_id": ["a"] * 6 + ["b"] * 5,
            "round": [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2],
            "value": [3, 4, 5, 3, 4, 5, 1, 7, 4, 2, 6],
        }
    )

    def seventy_percent_within_one(x: np.ndarray) -> bool:
        return bool(np.mean(np.abs(x - np.median(x)) <= 1) >= 0.7)

    res = delphi_rounds(df, consensus=seventy_percent_within_one)
    a = res.table.filter(pl.col("question_id") == "a")
    assert a["p_value"][1] == 1.0 and a["stable"][1] is True  # nobody moved
    assert a["consensus"].to_list() == [True, True]
    b = res.table.filter(pl.col("question_id") == "b")
    assert b["n_paired"][1] == 2 and b["consensus"].to_list() == [False, False]
    assert res.rule == "seventy_percent_within_one"


def test_delphi_validation() -> None:
    df = pl.DataFrame({"participant_id": [1, 1], "round": [1, 1], "value": [3.0, 4.0]})
    with pytest.raises(ValidationError, match="row 2, column 'round': each participant"):
        delphi_rounds(df)
    with pytest.raises(ValidationError, match="column 'value' is missing"):
        delphi_rounds(df.drop("value"))
    with pytest.raises(ParameterError, match="The 'consensus' parameter of delphi_rounds"):
        delphi_rounds(df, consensus="mad")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="column 'wave' is missing"):
        delphi_rounds(df, round="wave")


def test_delphi_takes_the_estimates_table_as_stored() -> None:
    from coprod_analytics import sample_inquiry

    inquiry = sample_inquiry()
    a = delphi_rounds(inquiry, consensus="cv", threshold=0.5)
    b = delphi_rounds(inquiry.tables["estimates"], consensus="cv", threshold=0.5)
    assert a.table.equals(b.table)
    assert sorted(a.final()["question_id"].to_list()) == [1, 2, 3, 4]
    assert a.provenance is not None and a.provenance.parameters["threshold"] == 0.5


def test_crowd_estimate_validation() -> None:
    with pytest.raises(ValidationError, match="geometric mean needs values > 0; position 1 is 0"):
        crowd_estimate([1, 0, 2], method="geometric_mean")
    with pytest.raises(ValidationError, match="needs confidence="):
        crowd_estimate([1, 2], method="confidence_weighted_mean")
    with pytest.raises(ValidationError, match="position 2 is nan"):
        crowd_estimate([1, 2, float("nan")])
    with pytest.raises(ParameterError, match="The 'trim' parameter of crowd_estimate"):
        crowd_estimate([1, 2], method="trimmed_mean", trim=0.5)
    with pytest.raises(ParameterError, match="The 'method' parameter of crowd_estimate"):
        crowd_estimate([1, 2], method="mode")  # type: ignore[arg-type]
