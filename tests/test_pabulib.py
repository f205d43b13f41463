"""Reading and writing pabulib ``.pb`` files (coprod_analytics.io.pabulib)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import polars as pl
import pytest
from conftest import require_shared
from hypothesis import given, settings

from coprod_analytics.errors import ParameterError, ValidationError
from coprod_analytics.io.pabulib import (
    PBElection,
    parse_pabulib,
    pb_election,
    read_pabulib_election,
    to_pabulib_string,
    write_pabulib,
)

PB_FILES = [
    "poland_warszawa_2018_pole-mokotowskie.pb",
    "poland_zabrze_2021_.pb",
    "poland_gdansk_2020_zaspa-rozstaje.pb",
    "poland_krakow_2019_bienczyce.pb",
    "poland_warszawa_2023_mokotow.pb",
    "poland_krakow_2020_.pb",
    "poland_lodz_2020_.pb",
]

# (file, vote type, projects, voters, budget) from pabulib/README.md and the files' META
SHAPES = [
    ("poland_warszawa_2018_pole-mokotowskie.pb", "approval", 1, 8, 21064),
    ("poland_zabrze_2021_.pb", "approval", 7, 7784, 500000),
    ("poland_gdansk_2020_zaspa-rozstaje.pb", "cumulative", 5, 1226, 435600),
    ("poland_krakow_2019_bienczyce.pb", "ordinal", 9, 1045, 904700),
    ("poland_warszawa_2023_mokotow.pb", "approval", 81, 11067, 8697250),
    ("poland_krakow_2020_.pb", "ordinal", 97, 42280, 6400000),
    ("poland_lodz_2020_.pb", "approval", 151, 51472, 5715627),
]

_CACHE: dict[str, PBElection] = {}


def _load(name: str) -> PBElection:
    if name not in _CACHE:
        _CACHE[name] = read_pabulib_election(require_shared("pabulib", name))
    return _CACHE[name]


@pytest.mark.parametrize(("name", "vote_type", "m", "n", "budget"), SHAPES)
def test_shapes_match_the_data_card(name: str, vote_type: str, m: int, n: int, budget: int) -> None:
    e = _load(name)
    assert (e.vote_type, e.n_projects, e.n_voters, e.budget) == (vote_type, m, n, budget)
    assert int(e.meta["num_votes"]) == n
    assert int(e.meta["num_projects"]) == m
    assert e.projects["cost"].dtype == pl.Int64


@pytest.mark.parametrize("name", PB_FILES)
def test_round_trip_reproduces_the_file_text(name: str, tmp_path: Path) -> None:
    path = require_shared("pabulib", name)
    e = _load(name)
    original = path.read_text(encoding="utf-8")
    written = to_pabulib_string(e)
    # same text; two source files lack the final newline, which the writer always adds
    assert written == original if original.endswith("\n") else written == original + "\n"
    back = read_pabulib_election(write_pabulib(e, tmp_path / name))
    assert back == e
    assert back.source == str(tmp_path / name)


@pytest.mark.parametrize("name", PB_FILES)
def test_votes_column_counts_the_ballots(name: str) -> None:
    """PROJECTS.votes is the number of ballots listing a project; score the points."""
    e = _load(name)
    counts = Counter(p for ballot in e.votes["vote"].to_list() for p in ballot)
    expected = e.projects["votes"].to_list()
    assert [counts.get(p, 0) for p in e.project_ids] == expected
    if "score" in e.projects.columns:
        idx, pts = e.ballots.project_index, e.ballots.points
        points = np.bincount(idx, weights=pts, minlength=e.n_projects)
        assert points.astype(int).tolist() == e.projects["score"].to_list()


def test_ordinal_points_are_borda_points_as_krakow_counts() -> None:
    e = _load("poland_krakow_2019_bienczyce.pb")
    indptr, pts = e.ballots.indptr, e.ballots.points
    assert pts[indptr[0] : indptr[1]].tolist() == [3.0, 2.0, 1.0]
    assert e.votes["vote"][0].to_list() == ["4", "11", "14"]


def test_cumulative_points_are_read_as_integers() -> None:
    e = _load("poland_gdansk_2020_zaspa-rozstaje.pb")
    assert e.votes.schema["points"] == pl.List(pl.Int64)
    assert e.votes.row(0)[:3] == ("9", ["3"], [5])
    assert max(sum(p) for p in e.votes["points"].to_list()) <= int(e.meta["max_sum_points"])


def test_quoted_names_survive() -> None:
    e = _load("poland_krakow_2020_.pb")
    names = dict(zip(e.projects["project_id"], e.projects["name"], strict=True))
    assert names["63"] == 'Cykl zawodów biegowych "Moja przygoda z bieganiem"'


def test_ballots_match_pabutools_parser() -> None:
    """Cross-check ballots with pabutools' own parser (test-only oracle)."""
    from pabutools.election import parse_pabulib as pabu_parse

    for name in ("poland_gdansk_2020_zaspa-rozstaje.pb", "poland_krakow_2019_bienczyce.pb"):
        path = require_shared("pabulib", name)
        inst, prof = pabu_parse(str(path))
        e = _load(name)
        assert float(inst.budget_limit) == e.budget
        ours = e.votes["vote"].to_list()
        theirs = [[p.name for p in b] for b in prof]
        if e.vote_type == "cumulative":
            ours = [sorted(b) for b in ours]
            theirs = [sorted(b) for b in theirs]
        assert ours == theirs


# -- all four vote types, built in memory ------------------------------------------------
@st.composite
def elections(draw: st.DrawFn) -> PBElection:
    vote_type = draw(st.sampled_from(["approval", "ordinal", "cumulative", "scoring"]))
    m = draw(st.integers(1, 6))
    ids = [f"p{k}" if draw(st.booleans()) else str(k) for k in range(m)]
    costs = {pid: draw(st.integers(0, 1000)) for pid in ids}
    n = draw(st.integers(0, 8))
    ballots: list = []
    for _ in range(n):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=m))
        if vote_type in ("cumulative", "scoring"):
            ballots.append({p: draw(st.integers(0, 9)) for p in chosen})
        else:
            ballots.append(chosen)
    return pb_election(costs, ballots, budget=draw(st.integers(0, 5000)), vote_type=vote_type)


@settings(max_examples=50, deadline=None)
@given(elections())
def test_round_trip_every_vote_type(e: PBElection) -> None:
    text = to_pabulib_string(e)
    back = parse_pabulib(text)
    assert back == e
    assert to_pabulib_string(back) == text
    b = back.ballots
    indptr, idx, pts = b.indptr, b.project_index, b.points
    assert indptr[-1] == idx.size == pts.size == sum(len(v) for v in e.votes["vote"].to_list())


def test_scoring_election_with_decimal_points_round_trips() -> None:
    e = pb_election({"a": 10, "b": 20}, [{"a": 1.5, "b": 2}], budget=25, vote_type="scoring")
    assert e.votes.schema["points"] == pl.List(pl.Float64)
    assert parse_pabulib(to_pabulib_string(e)) == e


def test_pb_election_rejects_unknown_vote_type() -> None:
    with pytest.raises(ParameterError, match="The 'vote_type' parameter of pb_election"):
        pb_election({"a": 1}, [["a"]], budget=1, vote_type="plurality")


# -- malformed input ---------------------------------------------------------------------
GOOD = (
    "META\nkey;value\nbudget;100\nvote_type;approval\n"
    "PROJECTS\nproject_id;cost;name\n1;60;A\n2;50;B\n"
    "VOTES\nvoter_id;vote\nv1;1,2\nv2;2\n"
)

BAD_CASES = [
    (GOOD.replace("META\n", "", 1), r"bad\.pb, line 1: a \.pb file starts with the line 'META'"),
    (GOOD.replace("budget;100\n", ""), r"bad\.pb, line 2, column 'key': .*no 'budget' key"),
    (GOOD.replace("budget;100", "budget;lots"), r"line 3, column 'value': .*budget"),
    (GOOD.replace("vote_type;approval", "vote_type;borda"), r"line 4, column 'value'.*borda"),
    (GOOD.replace("1;60;A", "1;sixty;A"), r"line 7, column 'cost': section PROJECTS: cost"),
    (GOOD.replace("1;60;A", "1;-5;A"), r"line 7, column 'cost'"),
    (GOOD.replace("2;50;B", "1;50;B"), r"line 8, column 'project_id': .*already appears on line 7"),
    (GOOD.replace("2;50;B", "2;50"), r"line 8, column 'cost': section PROJECTS has 3 columns"),
    (GOOD.replace("v2;2\n", "v2;3\n"), r"line 12, column 'vote': section VOTES: project '3'"),
    (GOOD.replace("v2;2\n", "v2;2,2\n"), r"line 12, column 'vote': .*appears twice"),
    (GOOD.replace("v2;2\n", "v1;2\n"), r"line 12, column 'voter_id'.*already appears on line 11"),
    (GOOD.split("VOTES")[0], r"line 8: section VOTES is missing"),
    (GOOD.replace("project_id;cost;name", "id;cost;name"), r"line 6, column 'project_id'"),
    (
        GOOD.replace("vote_type;approval", "vote_type;cumulative").replace(
            "voter_id;vote\nv1;1,2\nv2;2", "voter_id;vote;points\nv1;1,2;3\nv2;2;1"
        ),
        r"line 11, column 'points': section VOTES: 2 projects in 'vote' but 1 values",
    ),
    (GOOD.replace("vote_type;approval", "vote_type;scoring"), r"line 10, column 'points'"),
    (GOOD.replace("PROJECTS", "VOTES", 1), r"line 5: expected section PROJECTS here"),
]


@pytest.mark.parametrize(("text", "message"), BAD_CASES)
def test_malformed_files_name_file_line_and_column(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.pb"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match=message) as info:
        read_pabulib_election(path)
    assert info.value.file == str(path)
    assert info.value.line is not None


def test_good_text_is_good(tmp_path: Path) -> None:
    path = tmp_path / "good.pb"
    path.write_text(GOOD, encoding="utf-8")
    e = read_pabulib_election(path)
    assert e.project_ids == ("1", "2")
    assert e.votes["vote"].to_list() == [["1", "2"], ["2"]]
    assert e.summary().endswith("2 projects, 2 voters, budget 100")
    assert "<table>" in e._repr_html_()


def test_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.pb"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert read_pabulib_election(path).meta["budget"] == "100"
