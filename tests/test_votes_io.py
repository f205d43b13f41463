"""Long and wide vote tables (CSV and Parquet), the Parquet inquiry folder, load_inquiry."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import require_shared

from coprod_analytics import (
    ParameterError,
    ValidationError,
    load_inquiry,
    read_parquet,
    read_polis,
    read_statements,
    read_votes,
    write_parquet,
)


def test_long_csv_with_named_columns_and_time(tmp_path):
    f = tmp_path / "v.csv"
    f.write_text(
        "who,what,how,when\nann,s1,agree,2024-01-01T10:00:00Z\nann,s1,disagree,2024-01-01T10:05:00Z\nbo,s2,0,2024-01-01T10:01:00Z\n"
    )
    inq = read_votes(f, participant_id="who", statement_id="what", vote="how", time="when")
    assert inq.counts()["votes"] == 2
    assert inq.votes.filter(pl.col("participant_id") == "ann").get_column("vote").item() == -1
    assert inq.vote_log.height == 3


def test_long_parquet_and_integer_ids(tmp_path):
    f = tmp_path / "v.parquet"
    pl.DataFrame({"participant_id": [1, 2], "statement_id": [3, 3], "vote": [1, -1]}).write_parquet(
        f
    )
    inq = read_votes(f)
    assert inq.votes.schema["participant_id"] == pl.Int64
    assert inq.counts()["disagree"] == 1


def test_wide_csv_with_attributes_and_statements(tmp_path):
    f = tmp_path / "wide.csv"
    f.write_text("participant,age,q1,q2,q3\np1,16-24,1,,-1\np2,65+,0,1,\n")
    s = tmp_path / "statements.csv"
    s.write_text("statement_id,text\nq1,Buses first\nq2,Cars first\nq3,Trees\n")
    inq = read_votes(f, participant_id="participant", exclude=["age"], statements=s)
    assert inq.counts() | {} == inq.counts()
    assert inq.counts()["votes"] == 4
    assert inq.participants.sort("participant_id").get_column("age").to_list() == ["16-24", "65+"]
    assert inq.statements.get_column("text").to_list() == ["Buses first", "Cars first", "Trees"]


def test_wide_bad_cell_names_line_and_column(tmp_path):
    f = tmp_path / "wide.csv"
    f.write_text("participant_id,q1,q2\np1,1,-1\np2,maybe,1\n")
    with pytest.raises(
        ValidationError, match=r"wide\.csv, line 3, column 'q1': expected a vote .* got 'maybe'"
    ):
        read_votes(f)


def test_long_bad_vote_names_line(tmp_path):
    f = tmp_path / "long.csv"
    f.write_text("participant_id,statement_id,vote\n1,1,1\n2,1,3\n")
    with pytest.raises(ValidationError, match=r"long\.csv, line 3, column 'vote'.*got '?3'?"):
        read_votes(f)


def test_layout_cannot_be_told(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n")
    with pytest.raises(ValidationError, match="cannot tell the layout"):
        read_votes(f)
    with pytest.raises(ParameterError, match="The 'layout' parameter of read_votes must be"):
        read_votes(f, layout="tall")  # type: ignore[arg-type]


def test_votes_for_statements_not_in_the_statements_file(tmp_path):
    f = tmp_path / "v.csv"
    f.write_text("participant_id,statement_id,vote\n1,1,1\n1,2,1\n")
    s = tmp_path / "s.csv"
    s.write_text("statement_id,text\n1,only one\n")
    with pytest.raises(
        ValidationError,
        match=r"v\.csv, line 3, column 'statement_id': vote for unknown statement 2",
    ):
        read_votes(f, statements=s)


def test_parquet_inquiry_folder_round_trip(tmp_path):
    inq = read_polis(require_shared("polis", "bg2050-volunteers"))
    out = write_parquet(inq, tmp_path / "bg")
    back = read_parquet(out)
    for name in ("statements", "participants", "vote_log", "votes"):
        assert getattr(back, name).equals(getattr(inq, name)), name
    assert back.metadata["title"] == inq.metadata["title"]
    # overwriting replaces the folder whole
    write_parquet(back, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bg"]


def test_load_inquiry_detects_every_kind(tmp_path):
    polis = require_shared("polis", "london.youth.policing")
    assert load_inquiry(polis).metadata["source_format"] == "polis"
    pq = write_parquet(load_inquiry(polis), tmp_path / "pq")
    assert load_inquiry(pq).counts() == load_inquiry(polis).counts()
    f = tmp_path / "v.csv"
    f.write_text("participant_id,statement_id,vote\n1,1,1\n")
    assert load_inquiry(f).counts()["votes"] == 1
    with pytest.raises(ValidationError, match=r"unsupported file type '\.xlsx'"):
        (tmp_path / "a.xlsx").write_text("x")
        load_inquiry(tmp_path / "a.xlsx")
    with pytest.raises(ValidationError, match="this folder is not an input I know"):
        load_inquiry(tmp_path / "pq" / ".." / "..")


# --- read_statements: naming the columns -------------------------------------------------


def test_read_statements_names_columns_by_keyword(tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("id,body,moderation\n7,Buses first,1\n8,Cars first,-1\n")
    df = read_statements(f, statement_id="id", text="body")
    assert df.columns == ["statement_id", "text", "moderation"]
    assert df.rows() == [(7, "Buses first", 1), (8, "Cars first", -1)]


def test_read_statements_canonical_columns_pass_through():
    table = pl.DataFrame({"statement_id": ["a", "b"], "text": ["x", "y"], "is_meta": [False, True]})
    df = read_statements(table)
    assert df.columns == ["statement_id", "text", "is_meta"]
    assert df.get_column("statement_id").to_list() == ["a", "b"]


def test_read_statements_recognises_a_polis_comments_file(tmp_path):
    f = tmp_path / "comments.csv"
    f.write_text("comment-id,comment-body,moderated\n0,Trees on every street,1\n1,No trees,-1\n")
    df = read_statements(f)
    assert set(df.columns) >= {"statement_id", "text", "moderation"}
    assert "comment-id" not in df.columns and "comment-body" not in df.columns
    assert df.sort("statement_id").get_column("text").to_list() == [
        "Trees on every street",
        "No trees",
    ]


def test_read_statements_missing_id_column_says_how_to_name_it(tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("id,body\n1,Buses\n")
    with pytest.raises(ValidationError, match=r"s\.csv.*'statement_id'.*statement_id=\.\.\."):
        read_statements(f)


def test_read_votes_takes_a_statements_file_with_its_own_names(tmp_path):
    votes = tmp_path / "v.csv"
    votes.write_text("participant_id,statement_id,vote\n1,7,1\n2,7,-1\n")
    texts = read_statements(
        pl.DataFrame({"id": [7], "body": ["Buses first"]}), statement_id="id", text="body"
    )
    inq = read_votes(votes, statements=texts)
    assert inq.statements.select("statement_id", "text").rows() == [(7, "Buses first")]
