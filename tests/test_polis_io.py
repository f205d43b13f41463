"""Pol.is export folders: real conversations, the round trip, and broken files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import polars as pl
import pytest
from conftest import POLIS_CONVERSATIONS, require_shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coprod_analytics import ValidationError, read_polis, write_polis
from coprod_analytics.io.polis import POLIS_ATTRIBUTION


def independent_counts(folder: Path) -> dict[str, int]:
    """Counts computed with the csv module alone, as a check on the package."""
    with open(folder / "votes.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    latest: dict[tuple[str, str], tuple[int, int, int]] = {}
    for i, r in enumerate(rows):
        key = (r["voter-id"], r["comment-id"])
        stamp = (int(r["timestamp"]), i)
        if key not in latest or stamp >= latest[key][:2]:
            latest[key] = (*stamp, int(r["vote"]))
    values = [v[2] for v in latest.values()]
    with open(folder / "comments.csv", newline="", encoding="utf-8") as fh:
        comments = list(csv.DictReader(fh))
    out_mod = sum(
        1
        for c in comments
        if c["moderated"].strip() == "-1" or c.get("is-meta", "false").strip().lower() == "true"
    )
    voters = len({k[0] for k in latest})
    return {
        "participants": voters,  # a Pol.is export holds votes only: everyone is a voter
        "voters": voters,
        "statements": len(comments),
        "votes": len(values),
        "agree": values.count(1),
        "disagree": values.count(-1),
        "pass": values.count(0),
        "moderated_out": out_mod,
    }


@pytest.mark.parametrize("name", POLIS_CONVERSATIONS)
def test_real_conversations_have_independently_checked_counts(name):
    folder = require_shared("polis", name)
    inq = read_polis(folder)
    got = {k: v for k, v in inq.counts().items() if k != "vote_events"}
    assert got == independent_counts(folder)
    assert inq.metadata["attribution"] == POLIS_ATTRIBUTION
    # Polis's own group ids are kept as an attribute
    assert "polis_group_id" in inq.participants.columns
    n_grouped = inq.participants.get_column("polis_group_id").drop_nulls().len()
    expected = {
        "london.youth.policing": 24,
        "bg2050-volunteers": 108,
        "scoop-hivemind.biodiversity": 443,
        "vtaiwan.uberx": 1219,
    }[name]
    assert n_grouped == expected


def test_both_comment_layouts_are_read():
    old = read_polis(require_shared("polis", "vtaiwan.uberx"))
    new = read_polis(require_shared("polis", "bg2050-volunteers"))
    assert not old.statements.get_column("is_meta").any()
    assert "group_informed_consensus" in new.statements.columns
    assert new.statements.get_column("is_seed").any()
    assert new.statements.get_column("text").null_count() == 0
    assert old.statements.get_column("moderation").value_counts().height == 3


CORE = {
    "statements": ["statement_id", "text", "author_id", "moderation", "is_meta", "created"],
    "participants": ["participant_id", "polis_group_id"],
}


@pytest.mark.parametrize("name", POLIS_CONVERSATIONS)
def test_round_trip_through_the_export_layout(name, tmp_path):
    inq = read_polis(require_shared("polis", name))
    out = write_polis(inq, tmp_path / name)
    back = read_polis(out)
    assert back.vote_log.equals(inq.vote_log)
    assert back.votes.equals(inq.votes)
    for table, cols in CORE.items():
        assert getattr(back, table).select(cols).equals(getattr(inq, table).select(cols)), table
    if "group_informed_consensus" in inq.statements.columns:
        assert back.statements.get_column("group_informed_consensus").equals(
            inq.statements.get_column("group_informed_consensus")
        )
    # agrees/disagrees written are the tallies of the latest votes
    tallies = inq.statement_tallies()
    assert (
        back.statements.get_column("polis_agrees").to_list()
        == tallies.get_column("agree").to_list()
    )
    # a second round trip is byte-identical
    again = write_polis(back, tmp_path / "again")
    for f in ("votes.csv", "comments.csv", "participants-votes.csv", "summary.csv"):
        assert (again / f).read_bytes() == (out / f).read_bytes(), f


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path):
    inq = read_polis(require_shared("polis", "london.youth.policing"))
    out = write_polis(inq, tmp_path / "x")
    assert sorted(p.name for p in out.iterdir()) == [
        "comments.csv",
        "participants-votes.csv",
        "summary.csv",
        "votes.csv",
    ]


# ---------------------------------------------------------------- broken files


@pytest.fixture
def polis_copy(tmp_path):
    src = require_shared("polis", "london.youth.policing")
    dst = tmp_path / "conv"
    shutil.copytree(src, dst)
    for f in dst.iterdir():
        f.chmod(0o644)
    return dst


def _edit(path: Path, fn):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(fn(lines)), encoding="utf-8")


def test_unknown_vote_value_names_file_line_column(polis_copy):
    _edit(polis_copy / "votes.csv", lambda ls: [*ls[:5], ls[5].rsplit(",", 1)[0] + ",7\n", *ls[6:]])
    with pytest.raises(
        ValidationError, match=r"votes\.csv, line 6, column 'vote': expected a vote .* got 7"
    ):
        read_polis(polis_copy)


def test_text_in_a_number_column(polis_copy):
    _edit(
        polis_copy / "votes.csv",
        lambda ls: [
            *ls[:3],
            ls[3].replace(",", ",x", 1).replace(",x", ",", 1).rsplit(",", 1)[0] + ",yes\n",
            *ls[4:],
        ],
    )
    with pytest.raises(
        ValidationError,
        match=r"votes\.csv, line 4, column 'vote': expected a whole number; got 'yes'",
    ):
        read_polis(polis_copy)


def test_truncated_file(polis_copy):
    data = (polis_copy / "votes.csv").read_bytes()
    (polis_copy / "votes.csv").write_bytes(data[: len(data) // 2].rsplit(b",", 2)[0])
    with pytest.raises(ValidationError, match=r"votes\.csv, line \d+: .*(fields|missing value)"):
        read_polis(polis_copy)


def test_extra_field(polis_copy):
    _edit(polis_copy / "votes.csv", lambda ls: [*ls[:8], ls[8].rstrip("\n") + ",1\n", *ls[9:]])
    with pytest.raises(
        ValidationError, match=r"votes\.csv, line 9: this row has 6 fields but the header has 5"
    ):
        read_polis(polis_copy)


def test_wrong_encoding(polis_copy):
    data = (polis_copy / "comments.csv").read_bytes()
    lines = data.split(b"\n")
    lines[3] = lines[3].replace(b"e", b"\xe9", 1)
    (polis_copy / "comments.csv").write_bytes(b"\n".join(lines))
    with pytest.raises(ValidationError, match=r"comments\.csv, line 4: not valid UTF-8"):
        read_polis(polis_copy)
    # with the right encoding named, it reads
    inq = read_polis(polis_copy, encoding="latin-1")
    assert inq.statements.height == 39


def test_utf16_with_bom_is_transcoded(polis_copy):
    text = (polis_copy / "comments.csv").read_text(encoding="utf-8")
    (polis_copy / "comments.csv").write_bytes(text.encode("utf-16"))
    assert read_polis(polis_copy).statements.height == 39


def test_duplicate_comment_ids(polis_copy):
    _edit(polis_copy / "comments.csv", lambda ls: [*ls, ls[1]])
    with pytest.raises(
        ValidationError, match=r"comments\.csv, line 41, column 'statement_id': duplicate id 35"
    ):
        read_polis(polis_copy)


def test_votes_for_unknown_statements(polis_copy):
    _edit(
        polis_copy / "comments.csv",
        lambda ls: [
            ls[0],
            *[ln for ln in ls[1:] if ",1,1,-1," not in ln and not ln.split(",")[2] == "1"],
        ],
    )
    with pytest.raises(
        ValidationError,
        match=r"votes\.csv, line 2, column 'statement_id': vote for unknown statement 1",
    ):
        read_polis(polis_copy)


def test_missing_column(polis_copy):
    _edit(polis_copy / "votes.csv", lambda ls: [ln.rsplit(",", 1)[0] + "\n" for ln in ls])
    with pytest.raises(
        ValidationError, match=r"votes\.csv, line 1: missing required column\(s\) 'vote'"
    ):
        read_polis(polis_copy)


def test_empty_files(polis_copy):
    (polis_copy / "votes.csv").write_text("")
    with pytest.raises(ValidationError, match=r"votes\.csv: the file is empty"):
        read_polis(polis_copy)
    (polis_copy / "votes.csv").write_text("timestamp,datetime,comment-id,voter-id,vote\n")
    with pytest.raises(
        ValidationError,
        match=r"votes\.csv, line 2: the file has a header but no data rows, while "
        r"participants-votes\.csv lists \d+ participant\(s\) who voted; votes\.csv looks cut short",
    ):
        read_polis(polis_copy)


def test_not_a_polis_folder(tmp_path):
    with pytest.raises(ValidationError, match=r"no votes\.csv here"):
        read_polis(tmp_path)
    with pytest.raises(FileNotFoundError):
        read_polis(tmp_path / "nope")


def test_bad_is_meta(tmp_path):
    src = require_shared("polis", "bg2050-volunteers")
    dst = tmp_path / "bg"
    shutil.copytree(src, dst)
    (dst / "comments.csv").chmod(0o644)
    _edit(dst / "comments.csv", lambda ls: [ls[0], ls[1].replace(",false,", ",maybe,", 1), *ls[2:]])
    with pytest.raises(
        ValidationError,
        match=r"comments\.csv, line 2, column 'is-meta': expected true or false; got 'maybe'",
    ):
        read_polis(dst)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    garbage=st.one_of(
        st.binary(max_size=300),
        st.text(alphabet=st.sampled_from('0123456789,-"\n\rab é'), max_size=300),
    ),
    header=st.booleans(),
)
def test_garbage_never_escapes_as_anything_but_validation_error(tmp_path_factory, garbage, header):
    folder = tmp_path_factory.mktemp("garbage")
    data = garbage.encode("utf-8") if isinstance(garbage, str) else garbage
    if header:
        data = b"timestamp,datetime,comment-id,voter-id,vote\n" + data
    (folder / "votes.csv").write_bytes(data)
    try:
        inq = read_polis(folder)
    except ValidationError as err:
        assert "votes.csv" in str(err)
    else:
        assert inq.counts()["votes"] == inq.votes.height
        assert set(inq.votes.get_column("vote").to_list()) <= {1, -1, 0}
        assert isinstance(inq.votes, pl.DataFrame)


def test_a_session_where_nobody_has_voted_yet_exports(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Early in a live session people have joined but nobody has voted: the Pol.is export is
    written (participants with no votes), not a join error on an empty, typeless table."""
    import csv

    from coprod_analytics.session import SessionStore

    with SessionStore(tmp_path / "s.db", title="Early") as s:
        s.add_statements(["More buses", "Fewer cars"])
        s.join()
        s.join()
        out = s.export_polis(tmp_path / "polis")
    with open(out / "participants-votes.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # both participants, with no votes (and no crash)
    assert [(r["participant"], r["n-votes"]) for r in rows] == [("0", "0"), ("1", "0")]
    assert (out / "comments.csv").read_text().count("\n") == 3  # header + two statements


def test_an_inquiry_with_no_votes_round_trips(tmp_path: Path) -> None:
    """A conversation nobody has voted in yet (or a live session of polls only) writes a
    header-only votes.csv, which reads back as an inquiry with its statements and no votes."""
    from coprod_analytics.inquiry import Inquiry

    empty = pl.DataFrame(
        schema={"participant_id": pl.Int64, "statement_id": pl.Int64, "vote": pl.Int8}
    )
    inq = Inquiry(votes=empty, statements={"statement_id": [1, 2], "text": ["a", "b"]})
    back = read_polis(write_polis(inq, tmp_path / "x"))
    assert back.counts()["votes"] == 0
    assert back.statements.get_column("text").to_list() == ["a", "b"]


def test_people_without_votes_or_statements_round_trip(tmp_path: Path) -> None:
    """A live session that only mapped or polled: participants, no statements, no votes."""
    from coprod_analytics.inquiry import Inquiry

    empty = pl.DataFrame(
        schema={"participant_id": pl.Int64, "statement_id": pl.Int64, "vote": pl.Int8}
    )
    inq = Inquiry(
        votes=empty,
        statements=pl.DataFrame(schema={"statement_id": pl.Int64, "text": pl.String}),
        participants={"participant_id": [1, 2, 3]},
    )
    back = read_polis(write_polis(inq, tmp_path / "x"))
    assert back.counts()["votes"] == 0 and back.statements.height == 0
