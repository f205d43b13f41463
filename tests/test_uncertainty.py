"""Bootstrap group rates and group-aware consensus: Polis's own GAC, determinism, coverage."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest
from conftest import require_shared
from hypothesis import given, settings
from hypothesis import strategies as st

from coprod_analytics.consensus.matrix import vote_matrix
from coprod_analytics.consensus.uncertainty import (
    GroupRates,
    bootstrap_group_rates,
    gac_from_counts,
)
from coprod_analytics.errors import ParameterError, ValidationError
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.simulate import simulate_inquiry


def _boot(*args: Any, **kwargs: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rates, consensus) of a quiet bootstrap."""
    res = bootstrap_group_rates(*args, progress=False, **kwargs)
    assert isinstance(res, GroupRates)
    return res.rates, res.consensus


def _polis_groups(inq: Inquiry, m) -> np.ndarray:  # type: ignore[no-untyped-def]
    return (
        pl.DataFrame({"participant_id": m.participant_ids})
        .join(inq.participants, on="participant_id", how="left", maintain_order="left")
        .get_column("polis_group_id")
        .fill_null(-1)
        .to_numpy()
    )


def test_gac_equals_polis_on_bg2050() -> None:
    from coprod_analytics.io.polis import read_polis

    inq = read_polis(require_shared("polis", "bg2050-volunteers"))
    m = vote_matrix(inq)
    rates, gac = _boot(m, _polis_groups(inq, m), n_resamples=20)
    ref = inq.statements.select("statement_id", "group_informed_consensus").join(
        gac, on="statement_id"
    )
    assert ref.height == 371
    diff = np.abs((ref["group_informed_consensus"] - ref["group_aware_consensus"]).to_numpy()).max()
    assert diff < 1e-12
    # the interval brackets the estimate for every statement
    assert (ref["gac_low"] <= ref["group_aware_consensus"] + 1e-12).all()
    assert (ref["group_aware_consensus"] <= ref["gac_high"] + 1e-12).all()
    # per-group counts add up to the clustered votes
    per = rates.group_by("statement_id").agg(pl.col("n_votes").sum().alias("s"))
    check = per.join(gac.select("statement_id", "n_votes"), on="statement_id")
    assert (check["s"] == check["n_votes"]).all()


def _sim():  # type: ignore[no-untyped-def]
    inq = simulate_inquiry(120, 25, n_groups=3, seed=3)
    m = vote_matrix(inq)
    groups = (
        pl.DataFrame({"participant_id": m.participant_ids})
        .join(inq.participants, on="participant_id", how="left", maintain_order="left")
        .get_column("planted_group")
        .to_numpy()
    )
    groups = groups.copy()
    groups[::10] = -1  # some participants not clustered
    return m, groups


def test_deterministic_per_seed_and_seed_matters() -> None:
    m, groups = _sim()
    a = _boot(m, groups, n_resamples=40, seed=5)
    b = _boot(m, groups, n_resamples=40, seed=5)
    c = _boot(m, groups, n_resamples=40, seed=6)
    assert a[0].equals(b[0]) and a[1].equals(b[1])
    assert not a[1]["gac_low"].equals(c[1]["gac_low"])
    # point estimates do not depend on the seed
    assert a[1]["group_aware_consensus"].equals(c[1]["group_aware_consensus"])


def test_point_rates_are_the_plain_proportions() -> None:
    m, groups = _sim()
    rates, _ = _boot(m, groups, n_resamples=10)
    g = groups[m.rows]
    sel = g >= 0
    votes = pl.DataFrame(
        {
            "statement_id": m.statement_ids.gather(m.cols[sel]),
            "group": g[sel],
            "vote": m.values[sel],
        }
    )
    ref = votes.group_by("statement_id", "group").agg(
        (pl.col("vote") == 1).mean().alias("a"), (pl.col("vote") == 0).mean().alias("p")
    )
    j = ref.join(rates, on=["statement_id", "group"])
    assert j.height == ref.height
    np.testing.assert_allclose(j["a"], j["agree_rate"])
    np.testing.assert_allclose(j["p"], j["pass_rate"])
    rates_sum = rates["agree_rate"] + rates["disagree_rate"] + rates["pass_rate"]
    np.testing.assert_allclose(rates_sum.drop_nulls(), 1.0)


def test_coverage_on_a_known_proportion() -> None:
    # one group of 200, statement agreed with probability 0.3: the 90% interval covers 0.3
    # in most of 40 independent replications (binomial bound: at least 30 of 40)
    hits = 0
    for rep in range(40):
        rng = np.random.default_rng(rep)
        v = np.where(rng.random(200) < 0.3, 1, -1)
        inq = Inquiry(
            votes={"participant_id": np.arange(200), "statement_id": [0] * 200, "vote": v}
        )
        rates, _ = _boot(vote_matrix(inq), np.zeros(200, int), n_resamples=200, alpha=0.1, seed=rep)
        hits += rates["agree_low"][0] <= 0.3 <= rates["agree_high"][0]
    assert hits >= 30


@settings(max_examples=40, deadline=None)
@given(
    votes=st.lists(
        st.tuples(st.integers(0, 9), st.integers(0, 3), st.sampled_from([-1, 0, 1])),
        min_size=1,
        max_size=40,
        unique_by=lambda t: (t[0], t[1]),
    ),
    labels=st.lists(st.integers(-1, 2), min_size=10, max_size=10),
    seed=st.integers(0, 50),
)
def test_intervals_contain_the_estimate(votes, labels, seed) -> None:  # type: ignore[no-untyped-def]
    pid, sid, v = map(list, zip(*votes, strict=True))
    m = vote_matrix(Inquiry(votes={"participant_id": pid, "statement_id": sid, "vote": v}))
    groups = np.array([labels[int(p)] for p in m.participant_ids])
    rates, gac = _boot(m, groups, n_resamples=30, seed=seed)
    for name in ("agree", "disagree", "pass"):
        r = rates.drop_nulls(f"{name}_rate")
        assert (r[f"{name}_low"] <= r[f"{name}_rate"] + 1e-12).all()
        assert (r[f"{name}_rate"] <= r[f"{name}_high"] + 1e-12).all()
    if (groups >= 0).any():
        assert (gac["gac_low"] <= gac["group_aware_consensus"] + 1e-12).all()
        assert (gac["group_aware_consensus"] <= gac["gac_high"] + 1e-12).all()
    else:
        assert gac["group_aware_consensus"].null_count() == gac.height


def test_progress_bar_is_shown_on_stderr_and_can_be_turned_off(capsys: Any) -> None:
    m, groups = _sim()
    loud = bootstrap_group_rates(m, groups, n_resamples=45, seed=1)
    err = capsys.readouterr().err
    assert "Bootstrap" in err
    quiet = bootstrap_group_rates(m, groups, n_resamples=45, seed=1, progress=False)
    assert capsys.readouterr().err == ""
    # the bar does not change the numbers
    assert loud.rates.equals(quiet.rates) and loud.consensus.equals(quiet.consensus)


def test_result_protocol() -> None:
    m, groups = _sim()
    res = bootstrap_group_rates(m, groups, n_resamples=30, alpha=0.1, progress=False)
    ci = res.conf_int(alpha=0.1)
    assert ci.columns[-3:] == ["ci_low", "ci_high", "alpha"]
    assert set(ci["statistic"].unique()) == {
        "agree_rate",
        "disagree_rate",
        "pass_rate",
        "group_aware_consensus",
    }
    assert ci.height == 3 * res.rates.height + res.consensus.height
    assert (ci["alpha"] == 0.1).all()
    with pytest.raises(ParameterError, match=r"'alpha' parameter of GroupRates\.conf_int"):
        res.conf_int()
    assert "\n" not in repr(res) and "30 resamples, 90% intervals" in repr(res)
    assert res.to_frame("consensus").equals(res.consensus)
    assert res.provenance.seed == 0 and res.provenance.parameters["n_resamples"] == 30


def test_gac_formula() -> None:
    a = np.array([[3, 0], [1, 2]])
    s = np.array([[4, 1], [2, 2]])
    np.testing.assert_allclose(gac_from_counts(a, s), [(4 / 6) * (2 / 4), (1 / 3) * (3 / 4)])


def test_errors() -> None:
    m, groups = _sim()
    with pytest.raises(ValidationError, match="groups has 3 labels but the vote matrix has"):
        bootstrap_group_rates(m, [0, 1, 2])
    bad = groups.copy()
    bad[4] = -3
    with pytest.raises(ValidationError, match="row 5, column 'groups'"):
        bootstrap_group_rates(m, bad)
    with pytest.raises(ParameterError, match="'n_resamples' parameter of bootstrap_group_rates"):
        bootstrap_group_rates(m, groups, n_resamples=0)
    with pytest.raises(ParameterError, match="'alpha' parameter"):
        bootstrap_group_rates(m, groups, alpha=1.5)
