"""The simulator: reproducible, planted structure, heavy-tailed participation, sample data."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from coprod_analytics import ParameterError, read_polis, simulate_inquiry
from coprod_analytics.crowd.diversity import gini
from coprod_analytics.simulate import SAMPLE_STATEMENTS, sample_inquiry

ROOT = Path(__file__).resolve().parents[1]


def test_same_seed_same_inquiry_other_seed_other_inquiry():
    a = simulate_inquiry(200, 30, seed=3)
    assert a.fingerprint == simulate_inquiry(200, 30, seed=3).fingerprint
    assert a.fingerprint != simulate_inquiry(200, 30, seed=4).fingerprint


def test_planted_structure_is_visible_in_the_votes():
    inq = simulate_inquiry(600, 40, n_groups=3, votes_per_participant=25, seed=1)
    t = (
        inq.statement_tallies()
        .join(inq.statements.select("statement_id", "planted_role"), on="statement_id")
        .with_columns(rate=pl.col("agree") / pl.col("total"))
    )
    cons = t.filter(pl.col("planted_role") == "consensus").get_column("rate").mean()
    div = t.filter(pl.col("planted_role") == "divisive").get_column("rate").mean()
    assert cons > 0.75
    assert 0.2 < div < 0.8
    # divisive statements split the planted groups
    v = inq.votes.join(
        inq.participants.select("participant_id", "planted_group"), on="participant_id"
    )
    div_ids = inq.statements.filter(pl.col("planted_role") == "divisive").get_column("statement_id")
    by_group = (
        v.filter(pl.col("statement_id").is_in(div_ids.implode()))
        .group_by("statement_id", "planted_group")
        .agg(rate=(pl.col("vote") == 1).mean())
        .group_by("statement_id")
        .agg(spread=pl.col("rate").max() - pl.col("rate").min())
    )
    assert by_group.get_column("spread").mean() > 0.4


def test_participation_is_heavy_tailed_and_passes_exist():
    inq = simulate_inquiry(2000, 100, votes_per_participant=15, seed=2)
    per = inq.votes.group_by("participant_id").len().get_column("len").to_numpy()
    assert np.median(per) < per.mean()  # right-skewed
    assert per.max() == 100  # someone votes on everything
    assert gini(per) > 0.3
    assert 0.05 < inq.counts()["pass"] / inq.counts()["votes"] < 0.25
    assert abs(per.mean() - 15) < 3


def test_no_duplicate_votes_and_valid_ids():
    inq = simulate_inquiry(300, 20, seed=5)
    assert inq.vote_log.height == inq.votes.height
    assert inq.votes.select(pl.struct("participant_id", "statement_id").is_unique().all()).item()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"n_participants": 0},
            r"The 'n_participants' parameter of simulate_inquiry must be an int >= 1\. Got 0\.",
        ),
        ({"pass_rate": 1.5}, "The 'pass_rate' parameter"),
        ({"n_groups": 0}, "The 'n_groups' parameter"),
    ],
)
def test_parameters_are_checked(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        simulate_inquiry(**kwargs)


def test_sample_inquiry_shape():
    inq = sample_inquiry()
    assert inq.statements.height == len(SAMPLE_STATEMENTS) == 60
    assert inq.counts()["participants"] == 150
    assert set(inq.participants.columns) >= {"planted_group", "age_band", "area"}


def test_shipped_sample_data_is_exactly_what_the_simulator_writes(tmp_path):
    shipped = ROOT / "data" / "sample-inquiry"
    assert (shipped / "votes.csv").exists(), "data/sample-inquiry is missing"
    out = tmp_path / "sample"
    subprocess.run(
        [sys.executable, "-m", "coprod_analytics", "simulate", "--sample", "-o", str(out)],
        check=True,
        capture_output=True,
    )
    files = sorted(p.name for p in shipped.iterdir() if p.suffix == ".csv")
    assert files == sorted(p.name for p in out.iterdir())
    _match, mismatch, errors = filecmp.cmpfiles(shipped, out, files, shallow=False)
    assert mismatch == [] and errors == []
    # and it reads back with its attributes
    inq = read_polis(shipped)
    assert inq.participants.get_column("planted_group").null_count() == 0
    assert "planted_role" in inq.statements.columns
