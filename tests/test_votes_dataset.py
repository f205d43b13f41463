"""A votes dataset (one Parquet file, a folder or a glob) read whole by the local engine.

The Dask engine reads such a dataset piece by piece (tests/test_dask_engine.py); the local
engine reads the same pieces into one vote log, so a user can compare both engines on the
same files.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import polars as pl
import pytest
from conftest import require_shared
from hypothesis import given, settings
from hypothesis import strategies as st

from coprod_analytics.cli import main
from coprod_analytics.errors import ValidationError
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.io.load import load_inquiry
from coprod_analytics.io.parquet_dataset import read_votes_dataset
from coprod_analytics.io.polis import read_polis


def _split(log: pl.DataFrame, folder: Path, cuts: list[int]) -> Path:
    """The log as one Parquet file per slice between ``cuts``, in log order."""
    folder.mkdir(parents=True, exist_ok=True)
    edges = [0, *sorted(cuts), log.height]
    for i, (lo, hi) in enumerate(itertools.pairwise(edges)):
        log.slice(lo, hi - lo).write_parquet(folder / f"part-{i:03d}.parquet", row_group_size=7)
    return folder


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 5),
            st.integers(0, 4),
            st.sampled_from([-1, 0, 1]),
            st.one_of(st.none(), st.integers(0, 3)),
        ),
        min_size=1,
        max_size=60,
    ),
    cut_points=st.lists(st.integers(0, 60), max_size=4),
)
def test_split_into_files_is_the_same_vote_log(
    rows: list[tuple[int, int, int, int | None]], cut_points: list[int]
) -> None:
    # re-votes, equal and missing times across file boundaries: the later row still wins
    import tempfile

    log = pl.DataFrame(
        rows,
        schema={
            "participant_id": pl.Int64,
            "statement_id": pl.Int64,
            "vote": pl.Int8,
            "time": pl.Int64,
        },
        orient="row",
    ).with_columns(pl.col("time") * 1000)
    if log.get_column("time").null_count() == log.height:
        log = log.drop("time")
    want = Inquiry(log)
    with tempfile.TemporaryDirectory() as tmp:
        folder = _split(log, Path(tmp) / "d", [min(c, log.height) for c in cut_points])
        got = read_votes_dataset(folder)
        assert got.vote_log.equals(want.vote_log)
        assert got.votes.equals(want.votes)
        assert read_votes_dataset(f"{folder}/part-*.parquet").votes.equals(want.votes)


def test_local_groups_on_a_multi_file_copy_equal_the_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # as a new user copies vtaiwan.uberx: the votes alone, in several Parquet files, with
    # the moderation from --statements; the local engine gives the export's own answers
    export = require_shared("polis", "vtaiwan.uberx")
    inq = read_polis(export)
    log = inq.vote_log.select("participant_id", "statement_id", "vote", "time")
    folder = _split(log, tmp_path / "copy", [log.height // 3, 2 * log.height // 3])
    base = ["groups", "--json", "--no-progress"]
    assert main([*base[:1], str(export), *base[1:]]) == 0
    want = json.loads(capsys.readouterr().out)
    for source in (str(folder), f"{folder}/part-*.parquet"):
        assert main([*base[:1], source, *base[1:], "--statements", str(export)]) == 0
        got = json.loads(capsys.readouterr().out)
        assert got["k"] == want["k"]
        assert got["participants"] == want["participants"]
        assert [s["id"] for s in got["statements"]] == [s["id"] for s in want["statements"]]
    # without the moderation every statement voted on counts: more statements than the export
    votes_only = load_inquiry(folder)
    assert votes_only.metadata["source_format"] == "votes-dataset"
    assert votes_only.counts()["votes"] == inq.counts()["votes"]
    # an input with its own statements refuses --statements
    assert main(["groups", str(export), "--statements", str(export)]) == 2
    assert "carries its own statements" in capsys.readouterr().err


def test_bad_datasets_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    pl.DataFrame({"participant_id": [1], "statement_id": [1], "vote": [1]}).write_parquet(
        folder / "a.parquet"
    )
    pl.DataFrame({"participant_id": [1, 2], "statement_id": [1, 1], "vote": [1, 7]}).write_parquet(
        folder / "b.parquet"
    )
    with pytest.raises(ValidationError) as err:
        load_inquiry(folder)
    assert err.value.file is not None and Path(err.value.file).name == "b.parquet"
    assert (err.value.row, err.value.column) == (2, "vote")
    (folder / "b.parquet").unlink()
    pl.DataFrame({"who": [1]}).write_parquet(folder / "c.parquet")
    assert main(["groups", str(folder)]) == 2
    message = capsys.readouterr().err
    assert "c.parquet" in message and "missing" in message
    assert main(["groups", str(tmp_path / "none-*.parquet")]) == 2
    assert "no files match" in capsys.readouterr().err


def test_only_a_folder_with_parquet_at_its_top_is_a_dataset(tmp_path: Path) -> None:
    # a folder of other things with Parquet files somewhere below (a home folder, a parent
    # of projects) is not a dataset: it is refused, never searched whole
    deep = tmp_path / "projects" / "app" / "data"
    deep.mkdir(parents=True)
    pl.DataFrame({"participant_id": [1], "name": ["a"]}).write_parquet(deep / "people.parquet")
    with pytest.raises(ValidationError, match="this folder is not an input I know"):
        load_inquiry(tmp_path / "projects")
    # Hive-style partitions (name=value folders) are a dataset
    for day in (1, 2):
        part = tmp_path / "hive" / f"day={day}"
        part.mkdir(parents=True)
        pl.DataFrame({"participant_id": [day], "statement_id": [1], "vote": [1]}).write_parquet(
            part / "votes.parquet"
        )
    assert load_inquiry(tmp_path / "hive").counts()["votes"] == 2
