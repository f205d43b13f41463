"""PrefLib .soc/.soi/.toc/.toi reader and writer: fixtures written here, round trips, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coprod_analytics.errors import ValidationError
from coprod_analytics.io.preflib import read_preflib_data, write_preflib
from coprod_analytics.preferences import ballots_from_orders, borda, schulze

TOC = """\
# FILE NAME: 00099-00000001.toc
# TITLE: Park survey
# DESCRIPTION: a small test file
# DATA TYPE: toc
# MODIFICATION TYPE: original
# RELATES TO:
# RELATED FILES:
# PUBLICATION DATE: 2024-01-01
# MODIFICATION DATE: 2024-01-01
# NUMBER ALTERNATIVES: 3
# NUMBER VOTERS: 5
# NUMBER UNIQUE ORDERS: 2
# ALTERNATIVE NAME 1: Park
# ALTERNATIVE NAME 2: Library
# ALTERNATIVE NAME 3: Pool
3: 1,2,3
2: {2,3},1
"""

LEGACY_SOI = """\
4
1,Alice
2,Bob
3,Carol
4,Dave
6,6,3
3,1,2
2,4
1,3,1,2,4
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_read_toc_with_ties(tmp_path: Path) -> None:
    d = read_preflib_data(_write(tmp_path, "park.toc", TOC))
    assert d.data_type == "toc"
    assert d.alternatives == ("Park", "Library", "Pool")
    assert d.n_voters == 5
    assert d.metadata["TITLE"] == "Park survey"
    assert d.ballots.rows() == [
        (1, "Park", 1, 3),
        (1, "Library", 2, 3),
        (1, "Pool", 3, 3),
        (2, "Library", 1, 2),
        (2, "Pool", 1, 2),
        (2, "Park", 2, 2),
    ]
    # Borda with ties: Park 3·2 + 2·0 = 6; Library 3·1 + 2·1.5 = 6; Pool 0 + 2·1.5 = 3
    res = borda(d.ballots)
    assert res.ranking == (("Library", "Park"), ("Pool",))


def test_read_legacy_soi(tmp_path: Path) -> None:
    d = read_preflib_data(_write(tmp_path, "old.soi", LEGACY_SOI))
    assert d.data_type == "soi"
    assert d.alternatives == ("Alice", "Bob", "Carol", "Dave")
    assert d.n_voters == 6
    assert d.ballots.filter(pl.col("participant_id") == 2).rows() == [(2, "Dave", 1, 2)]
    # unranked alternatives sit at the bottom: Bob ranked above Carol by 4 of 6 ballots
    assert schulze(d.ballots).winners == ["Alice"]


@pytest.mark.parametrize("suffix", ["soc", "soi", "toc", "toi"])
def test_round_trip_fixed(tmp_path: Path, suffix: str) -> None:
    all_orders: dict[str, list[list[Any]]] = {
        "soc": [["a", "b", "c"], ["c", "a", "b"], ["a", "b", "c"]],
        "soi": [["a", "b"], ["c"], ["a", "b"]],
        "toc": [["a", ("b", "c")], [("a", "b", "c")], ["c", "b", "a"]],
        "toi": [[("a", "c")], ["b"], ["b", "a"]],
    }
    ballots = ballots_from_orders(all_orders[suffix])
    path = write_preflib(
        ballots, tmp_path / f"x.{suffix}", alternatives=["a", "b", "c"], metadata={"TITLE": "t"}
    )
    back = read_preflib_data(path)
    assert back.data_type == suffix and back.metadata["TITLE"] == "t"
    assert back.n_voters == 3
    for rule in (borda, schulze):
        assert rule(back.ballots, items="abc").ranking == rule(ballots, items="abc").ranking
    again = write_preflib(back.ballots, tmp_path / f"y.{suffix}", alternatives=back.alternatives)
    body = [ln for ln in path.read_text().splitlines() if not ln.startswith("# FILE NAME")]
    body2 = [ln for ln in again.read_text().splitlines() if not ln.startswith("# FILE NAME")]
    assert [ln for ln in body if not ln.startswith("# TITLE")] == [
        ln for ln in body2 if not ln.startswith("# TITLE")
    ]


def _canon(ballots: pl.DataFrame) -> list[tuple[tuple[tuple[str, ...], ...], float]]:
    """Each ballot as tie groups best first, with its weight; sorted."""
    out = []
    for _, sub in ballots.group_by("participant_id"):
        groups = sub.group_by("rank").agg("item_id").sort("rank")["item_id"].to_list()
        w = float(sub["weight"][0]) if "weight" in sub.columns else 1.0
        out.append((tuple(tuple(sorted(g)) for g in groups), w))
    merged: dict[tuple[tuple[str, ...], ...], float] = {}
    for k, w in out:
        merged[k] = merged.get(k, 0.0) + w
    return sorted(merged.items())


order_st = st.lists(
    st.lists(st.sampled_from("abcde"), min_size=1, max_size=5, unique=True),
    min_size=1,
    max_size=4,
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(order_st, st.integers(1, 5)), min_size=1, max_size=6))
def test_round_trip_property(tmp_path_factory: pytest.TempPathFactory, ballots_spec) -> None:  # type: ignore[no-untyped-def]
    # each order: a list of tie groups (letters unique within a group; dedupe across groups)
    orders, weights = [], []
    for groups, w in ballots_spec:
        seen: set[str] = set()
        clean = []
        for g in groups:
            g2 = tuple(a for a in g if a not in seen)
            seen.update(g2)
            if g2:
                clean.append(g2)
        orders.append(clean)
        weights.append(float(w))
    ballots = ballots_from_orders(orders, weights=weights)
    path = write_preflib(ballots, tmp_path_factory.mktemp("pl") / "r.toi", alternatives="abcde")
    back = read_preflib_data(path)
    assert _canon(back.ballots) == _canon(ballots)
    assert back.alternatives == tuple("abcde")


@pytest.mark.parametrize(
    "text,match",
    [
        (TOC.replace("2: {2,3},1", "2: {2,3,1"), r"line 17, column 'order': a tie group opened"),
        (
            TOC.replace("2: {2,3},1", "2: {2,3},4"),
            r"line 17, column 'order': .*between 1 and 3; got '4'",
        ),
        (TOC.replace("2: {2,3},1", "x: {2,3},1"), r"line 17, column 'count': expected a positive"),
        (
            TOC.replace("2: {2,3},1", "2: {2,3}"),
            r"line 17, column 'order': a toc file holds complete",
        ),
        (
            TOC.replace("3: 1,2,3", "3: 1,2,2"),
            r"line 16, column 'order': alternative 2 appears twice",
        ),
        (
            TOC.replace("VOTERS: 5", "VOTERS: 6"),
            r"line 11, column 'NUMBER VOTERS': the header says 6",
        ),
        (TOC.replace("3: 1,2,3", "3 1,2,3"), r"line 16, column 'count': expected 'count: order'"),
    ],
)
def test_bad_files_name_file_line_column(tmp_path: Path, text: str, match: str) -> None:
    path = _write(tmp_path, "bad.toc", text)
    with pytest.raises(ValidationError, match=match) as info:
        read_preflib_data(path)
    assert info.value.file == str(path)


def test_strict_types_reject_ties_on_read_and_write(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.soc", TOC.replace("DATA TYPE: toc", "DATA TYPE: soc"))
    with pytest.raises(ValidationError, match="line 17, column 'order': a soc file holds strict"):
        read_preflib_data(path)
    with pytest.raises(ValidationError, match="contain ties, which a soc file cannot hold"):
        write_preflib(ballots_from_orders([["a", ("b", "c")]]), tmp_path / "x.soc")
    with pytest.raises(ValidationError, match="do not rank all 3 alternatives"):
        write_preflib(ballots_from_orders([["a", "b"]]), tmp_path / "x.soc", alternatives="abc")
    with pytest.raises(ValidationError, match=r"whole numbers; got weight 1\.5"):
        write_preflib(ballots_from_orders([["a"]], weights=[1.5]), tmp_path / "x.soi")
