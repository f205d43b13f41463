"""Tests of coprod_analytics.evidence.weighing."""

from __future__ import annotations

import krippendorff
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from coprod_analytics.errors import ParameterError, ValidationError
from coprod_analytics.evidence.weighing import weigh_evidence


def _room(seed: int = 0, n_people: int = 24, n_items: int = 6) -> pl.DataFrame:
    """Two camps; item e0 is read very differently by them, e5 is poor for everyone."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n_people):
        camp = p % 2
        for e in range(n_items):
            base = {0: 4.5 if camp else 1.5, 5: 1.5}.get(e, 3.0 + 0.3 * e)
            rows.append(
                {
                    "participant_id": p,
                    "evidence_id": f"e{e}",
                    "credibility": float(np.clip(round(base + rng.normal(0, 0.6)), 1, 5)),
                    "relevance": float(np.clip(round(3.5 + rng.normal(0, 0.8)), 1, 5)),
                    "confidence": float(rng.uniform(0.2, 1.0)),
                }
            )
    return pl.DataFrame(rows)


def _groups(n_people: int = 24) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "participant_id": range(n_people),
            "group": ["A" if p % 2 == 0 else "B" for p in range(n_people)],
        }
    )


def test_aggregates_intervals_and_ranking() -> None:
    df = _room()
    res = weigh_evidence(df.drop("confidence"), scale=(1, 5), n_resamples=300, seed=1)
    t = res.table
    assert t.height == 6 and t["rank"].to_list() == list(range(1, 7))
    for row in t.iter_rows(named=True):
        sub = df.filter(pl.col("evidence_id") == row["evidence_id"])
        assert row["n"] == 24
        assert row["credibility"] == pytest.approx(sub["credibility"].mean())
        assert row["relevance"] == pytest.approx(sub["relevance"].mean())
        assert row["credibility_low"] <= row["credibility"] <= row["credibility_high"]
        assert row["score"] == pytest.approx(
            (row["credibility"] - 1) / 4 * (row["relevance"] - 1) / 4
        )
    assert t["score"].is_sorted(descending=True)
    assert t["evidence_id"][-1] == "e5"  # poor credibility for everyone


def test_confidence_weighting_and_median() -> None:
    df = _room()
    res = weigh_evidence(df, scale=(1, 5), n_resamples=0)
    sub = df.filter(pl.col("evidence_id") == "e2")
    row = res.table.filter(pl.col("evidence_id") == "e2").row(0, named=True)
    assert row["credibility"] == pytest.approx(
        np.average(sub["credibility"].to_numpy(), weights=sub["confidence"].to_numpy())
    )
    assert row["credibility_low"] is None
    med = weigh_evidence(df, scale=(1, 5), n_resamples=0, estimator="median")
    assert med.table.filter(pl.col("evidence_id") == "e2")["relevance"][0] == pytest.approx(
        float(np.median(sub["relevance"].to_numpy()))
    )


def test_groups_from_a_named_column_of_the_participants_table() -> None:
    df = _room()
    people = _groups().rename({"group": "camp"}).with_columns(age=pl.lit(30))
    a = weigh_evidence(df, groups=people, group="camp", scale=(1, 5), n_resamples=0)
    b = weigh_evidence(df, groups=_groups(), scale=(1, 5), n_resamples=0)
    assert a.table.equals(b.table)


def test_group_divergence_flags_the_contested_item() -> None:
    df = _room()
    res = weigh_evidence(df, groups=_groups(), scale=(1, 5), n_resamples=100)
    t = res.table
    gaps = dict(zip(t["evidence_id"], t["credibility_group_gap"], strict=True))
    assert max(gaps, key=lambda k: gaps[k]) == "e0"
    e0 = t.filter(pl.col("evidence_id") == "e0").row(0, named=True)
    sub = df.filter(pl.col("evidence_id") == "e0")
    a = sub.filter(pl.col("participant_id") % 2 == 0)["credibility"].to_numpy()
    b = sub.filter(pl.col("participant_id") % 2 == 1)["credibility"].to_numpy()
    assert e0["credibility_group_gap"] == pytest.approx(abs(a.mean() - b.mean()))
    assert e0["credibility_group_p"] == pytest.approx(stats.kruskal(a, b).pvalue)
    assert e0["credibility_group_p"] < 0.001 and e0["n_groups"] == 2
    # a contested item has less consensus than an uncontested one
    e3 = t.filter(pl.col("evidence_id") == "e3").row(0, named=True)
    assert e0["credibility_consensus"] < e3["credibility_consensus"]
    assert res.group_table is not None
    assert res.group_table.filter(pl.col("evidence_id") == "e0").height == 2


def test_reliability_matches_krippendorff_package() -> None:
    df = _room(seed=3)
    res = weigh_evidence(df, scale=(1, 5), n_resamples=200, seed=2)
    wide = (
        df.pivot(on="evidence_id", index="participant_id", values="credibility")
        .sort("participant_id")
        .select([f"e{i}" for i in range(6)])
        .to_numpy()
    )
    expected = krippendorff.alpha(wide, level_of_measurement="interval")
    assert res.reliability["credibility"].value == pytest.approx(expected)
    ci = res.reliability["credibility"].conf_int()
    lo, hi = ci["ci_low"][0], ci["ci_high"][0]
    assert lo is not None and hi is not None and lo <= hi
    assert "reliability" in res.summary() and "<table>" in res._repr_html_()
    assert repr(res).startswith("<EvidenceWeighing: 6 evidence item(s)")


def test_intervals_follow_the_result_protocol() -> None:
    df = _room(seed=1)
    res = weigh_evidence(df, scale=(1, 5), n_resamples=400, seed=3)
    ci = res.conf_int()
    assert ci.columns == ["evidence_id", "criterion", "ci_low", "ci_high", "alpha"]
    assert ci.height == 12 and set(ci["alpha"].to_list()) == {0.05}
    # independent reference: scipy.stats.bootstrap of the weighted mean, same seed
    sub = df.filter(pl.col("evidence_id") == "e2")
    x, w = (
        sub.sort("participant_id")["credibility"].to_numpy(),
        sub.sort("participant_id")["confidence"].to_numpy(),
    )
    ref = stats.bootstrap(
        (x, w),
        lambda a, b, axis=-1: (a * b).sum(axis=axis) / b.sum(axis=axis),
        n_resamples=400,
        paired=True,
        vectorized=True,
        method="percentile",
        rng=np.random.default_rng(3),
    )
    row = res.table.filter(pl.col("evidence_id") == "e2").row(0, named=True)
    assert row["credibility_low"] == pytest.approx(ref.confidence_interval.low)
    assert row["credibility_high"] == pytest.approx(ref.confidence_interval.high)
    wide = weigh_evidence(df, scale=(1, 5), n_resamples=400, seed=3, alpha=0.5)
    narrow_row = wide.table.filter(pl.col("evidence_id") == "e2").row(0, named=True)
    assert row["credibility_low"] <= narrow_row["credibility_low"]
    with pytest.raises(ParameterError, match="The 'alpha' parameter of conf_int"):
        res.conf_int(alpha=0.1)
    assert res.provenance is not None and res.provenance.seed == 3


def test_takes_the_inquiry_and_its_table_as_stored() -> None:
    from coprod_analytics import sample_inquiry

    inquiry = sample_inquiry()
    a = weigh_evidence(inquiry, n_resamples=50)
    b = weigh_evidence(inquiry.tables["evidence"], n_resamples=50)
    assert a.table.equals(b.table)
    assert a.provenance.input_fingerprint == b.provenance.input_fingerprint
    # a user's own column names, by keyword
    mine = inquiry.tables["evidence"].rename(
        {"participant_id": "who", "evidence_id": "doc", "credibility": "trust"}
    )
    c = weigh_evidence(
        mine, n_resamples=50, participant_id="who", evidence_id="doc", credibility="trust"
    )
    assert c.table.equals(b.table)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_invariant_to_row_order(seed) -> None:
    df = _room(seed=seed % 7, n_people=8, n_items=4)
    a = weigh_evidence(df, scale=(1, 5), n_resamples=30, seed=1)
    b = weigh_evidence(
        df.sample(fraction=1.0, shuffle=True, seed=seed), scale=(1, 5), n_resamples=30, seed=1
    )
    assert a.table.equals(b.table)


def test_perfect_consensus_is_one() -> None:
    df = pl.DataFrame(
        {
            "participant_id": [1, 2, 3, 1, 2, 3],
            "evidence_id": ["x", "x", "x", "y", "y", "y"],
            "credibility": [4, 4, 4, 2, 2, 2],
            "relevance": [5, 5, 5, 3, 3, 3],
        }
    )
    res = weigh_evidence(df, scale=(1, 5), n_resamples=50)
    assert res.table["credibility_consensus"].to_list() == [1.0, 1.0]
    assert res.reliability["credibility"].value == pytest.approx(1.0)
    assert res.table["evidence_id"].to_list() == ["x", "y"]


def test_validation_messages() -> None:
    df = _room(n_people=4, n_items=2)
    with pytest.raises(ValidationError, match="column 'relevance' is missing"):
        weigh_evidence(df.drop("relevance"))
    dup = pl.concat([df, df.head(1)])
    with pytest.raises(ValidationError, match=r"row 9, column 'evidence_id'.*more than once"):
        weigh_evidence(dup)
    with pytest.raises(ValidationError, match=r"row 1, column 'credibility'.*outside the scale"):
        weigh_evidence(df.with_columns(pl.lit(9.0).alias("credibility")), scale=(1, 5))
    bad = df.with_columns(
        pl.when(pl.int_range(pl.len()) == 2)
        .then(-1.0)
        .otherwise(pl.col("confidence"))
        .alias("confidence")
    )
    with pytest.raises(ValidationError, match=r"row 3, column 'confidence'.*>= 0"):
        weigh_evidence(bad)
    with pytest.raises(ValidationError, match=r"column 'trust' is missing"):
        weigh_evidence(df, credibility="trust")
    with pytest.raises(ParameterError, match="The 'n_resamples' parameter of weigh_evidence"):
        weigh_evidence(df, n_resamples=-1)
    with pytest.raises(ParameterError, match="The 'estimator' parameter of weigh_evidence"):
        weigh_evidence(df, estimator="mode")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="column 'group' is missing"):
        weigh_evidence(df, groups=pl.DataFrame({"participant_id": [1]}))
