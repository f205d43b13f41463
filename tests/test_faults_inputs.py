"""Hostile input files (issue 18, faults 1-3): every one is refused by ``coprod`` with one
line naming the file (and line and column where known), exit status 2, no traceback.

1. ``.pb`` / PrefLib files that are not UTF-8 (latin-2, UTF-16 without a byte-order mark,
   binary) and a ``.pb`` line longer than the csv module's field limit.
2. Files cut short: a ``.pb`` whose META counts disagree with what it holds, a
   ``participants-votes.csv`` cut mid-row.
3. A 26-digit timestamp in votes.csv (line and column named) and UTF-16 without a
   byte-order mark (named as UTF-16, no ``\\x00`` in the message).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from conftest import require_shared

from coprod_analytics.cli import main
from coprod_analytics.errors import ValidationError
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.io.pabulib import (
    PBElection,
    read_pabulib_election,
    write_pabulib,
)
from coprod_analytics.io.preflib import read_preflib_data
from coprod_analytics.io.votes import read_votes

KRAKOW = ("pabulib", "poland_krakow_2019_bienczyce.pb")  # META: num_votes 1045, 9 projects
LONDON = ("polis", "london.youth.policing")

PREFLIB = (
    "# FILE NAME: łódź.soc\n# DATA TYPE: soc\n# NUMBER ALTERNATIVES: 3\n# NUMBER VOTERS: 3\n"
    "# NUMBER UNIQUE ORDERS: 2\n# ALTERNATIVE NAME 1: Łąka\n# ALTERNATIVE NAME 2: Żółw\n"
    "# ALTERNATIVE NAME 3: Ścieżka\n2: 1,2,3\n1: 3,2,1\n"
)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Exit status and stderr of ``coprod ARGV`` (run in process)."""
    status = main(list(argv))
    err = capsys.readouterr().err
    return status, err


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "\\x00" not in err and "\x00" not in err
    return lines[0]


# --- 1. not UTF-8, over-long lines ------------------------------------------------------
@pytest.mark.parametrize(
    ("encode", "expected"),
    [
        (lambda t: t.encode("iso8859-2", errors="replace"), r"line 3: not valid UTF-8 \(byte"),
        (lambda t: t.encode("utf-16-le"), r"looks like UTF-16 .*save it as UTF-8"),
        (lambda t: b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8, r"binary file"),
    ],
    ids=["latin-2", "utf-16-no-bom", "binary"],
)
def test_pb_that_is_not_utf8_is_one_line_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], encode, expected: str
) -> None:
    text = require_shared(*KRAKOW).read_text(encoding="utf-8")
    bad = tmp_path / "krakow.pb"
    bad.write_bytes(encode(text))
    for command in ("budget", "info"):
        status, err = run_cli(capsys, command, str(bad))
        assert status == 2, err
        line = one_line_error(err)
        assert str(bad) in line
        assert re.search(expected, line), line
    with pytest.raises(ValidationError, match=expected):
        read_pabulib_election(bad)


def test_pb_in_utf16_with_a_byte_order_mark_reads_like_utf8(tmp_path: Path) -> None:
    src = require_shared(*KRAKOW)
    bom = tmp_path / "krakow16.pb"
    bom.write_bytes(src.read_text(encoding="utf-8").encode("utf-16"))  # with a BOM
    assert read_pabulib_election(bom) == read_pabulib_election(src)


@pytest.mark.parametrize(
    ("encode", "expected"),
    [
        (lambda t: t.encode("iso8859-2"), r"tiny\.soc, line 1: not valid UTF-8"),
        (lambda t: t.encode("utf-16-be"), r"tiny\.soc: the file looks like UTF-16"),
        (lambda t: bytes(range(256)), r"tiny\.soc, line 1: holds a NUL byte"),
    ],
    ids=["latin-2", "utf-16-no-bom", "binary"],
)
def test_preflib_that_is_not_utf8_is_one_line_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], encode, expected: str
) -> None:
    good = tmp_path / "good.soc"
    good.write_text(PREFLIB, encoding="utf-8")
    assert read_preflib_data(good).alternatives == ("Łąka", "Żółw", "Ścieżka")
    bad = tmp_path / "tiny.soc"
    bad.write_bytes(encode(PREFLIB))
    with pytest.raises(ValidationError, match=expected):
        read_preflib_data(bad)
    status, err = run_cli(capsys, "info", str(bad))
    assert status == 2
    assert re.search(expected, one_line_error(err))


def test_pb_line_longer_than_the_csv_field_limit_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = require_shared(*KRAKOW).read_text(encoding="utf-8").split("\n")
    lines.insert(3, "description;" + "x" * 140_000)
    long = tmp_path / "long.pb"
    long.write_text("\n".join(lines), encoding="utf-8")
    for command in ("budget", "info"):
        status, err = run_cli(capsys, command, str(long))
        assert status == 2
        line = one_line_error(err)
        assert f"{long}, line 4: a field on this line is longer than 131,072 characters" in line


def test_budget_on_a_folder_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, err = run_cli(capsys, "budget", str(tmp_path))
    assert status == 2
    assert (
        one_line_error(err) == f"coprod budget: error: {tmp_path}: expected a file, found a folder"
    )


# --- 2. files cut short -----------------------------------------------------------------
def test_pb_cut_mid_file_is_refused_naming_the_meta_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = tmp_path / "cut.pb"
    cut.write_bytes(require_shared(*KRAKOW).read_bytes()[:1500])  # head -c 1500
    status, err = run_cli(capsys, "budget", str(cut))
    assert status == 2
    assert one_line_error(err) == (
        f"coprod budget: error: {cut}, line 10: META declares num_votes 1,045 but the file "
        "holds 29 voters in section VOTES; the last line has no line end: the file looks cut "
        "short (truncated)"
    )
    # cut at a line end: still fewer voters than META declares
    text = require_shared(*KRAKOW).read_text(encoding="utf-8")
    cut.write_text(text[: text.index("\n", 1400) + 1], encoding="utf-8")
    with pytest.raises(ValidationError, match=r"line 10: META declares num_votes 1,045 but"):
        read_pabulib_election(cut)


def test_pb_last_line_cut_mid_row_names_the_line(tmp_path: Path) -> None:
    text = require_shared(*KRAKOW).read_text(encoding="utf-8")
    end = text.index("\n", 1400)
    cut = tmp_path / "cut.pb"
    cut.write_text(text[: text.rindex(";", 0, end)], encoding="utf-8")  # mid-row, no line end
    n_line = cut.read_text(encoding="utf-8").count("\n") + 1
    with pytest.raises(
        ValidationError,
        match=rf"cut\.pb, line {n_line}, column 'vote': section VOTES has 3 columns .* it is "
        "the last line and has no line end: the file looks cut short",
    ):
        read_pabulib_election(cut)


def test_pb_whose_project_count_disagrees_with_meta_is_refused(tmp_path: Path) -> None:
    text = require_shared(*KRAKOW).read_text(encoding="utf-8")
    assert "num_projects;9\n" in text
    bad = tmp_path / "more.pb"
    bad.write_text(text.replace("num_projects;9\n", "num_projects;10\n"), encoding="utf-8")
    with pytest.raises(
        ValidationError,
        match=r"more\.pb, line 9: META declares num_projects 10 but the file holds 9 projects",
    ):
        read_pabulib_election(bad)


def test_written_pb_counts_follow_the_tables(tmp_path: Path) -> None:
    # a subset of a real election keeps META's counts true when written (and reads back)
    e = read_pabulib_election(require_shared(*KRAKOW))
    part = PBElection(meta=dict(e.meta), projects=e.projects, votes=e.votes.head(10))
    back = read_pabulib_election(write_pabulib(part, tmp_path / "part.pb"))
    assert back.meta["num_votes"] == "10" and back.n_voters == 10
    assert back.meta["num_projects"] == "9"


def test_participants_votes_cut_mid_row_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "london"
    shutil.copytree(require_shared(*LONDON), folder)
    pv = folder / "participants-votes.csv"
    pv.chmod(0o644)
    data = pv.read_bytes()
    pv.write_bytes(data[:-30])  # a download that stopped 30 bytes early
    last_line = data[:-30].count(b"\n") + 1
    status, err = run_cli(capsys, "info", str(folder))
    assert status == 2
    line = one_line_error(err)
    assert f"{pv}, line {last_line}: the last row has" in line
    assert "but the header has 43; the file looks cut short" in line
    # the whole file still reads
    pv.write_bytes(data)
    assert main(["info", str(folder)]) == 0


# --- 3. times too long, UTF-16 without a byte-order mark ---------------------------------
def test_26_digit_timestamp_names_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "london"
    shutil.copytree(require_shared(*LONDON), folder)
    votes = folder / "votes.csv"
    votes.chmod(0o644)
    lines = votes.read_text(encoding="utf-8").split("\n")
    _first, rest = lines[6].split(",", 1)  # line 7 of the file
    lines[6] = "12345678901234567890123456," + rest
    votes.write_text("\n".join(lines), encoding="utf-8")
    status, err = run_cli(capsys, "info", str(folder))
    assert status == 2
    assert one_line_error(err) == (
        f"coprod info: error: {votes}, line 7, column 'timestamp': 26-digit number is not a "
        "time (epoch milliseconds have 13 digits); got '12345678901234567890123456'"
    )


def test_26_digit_time_in_a_long_votes_file_names_line_and_column(tmp_path: Path) -> None:
    f = tmp_path / "votes.csv"
    f.write_text(
        "voter,statement_id,vote,when\n1,1,1,1700000000000\n2,1,-1,12345678901234567890123456\n"
    )
    with pytest.raises(
        ValidationError, match=r"votes\.csv, line 3, column 'when': 26-digit number is not a time"
    ):
        read_votes(f, participant_id="voter", time="when")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_named_not_shown_as_nul_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], codec: str
) -> None:
    text = (require_shared(*LONDON) / "votes.csv").read_text(encoding="utf-8")
    plain = tmp_path / "votes16.csv"
    plain.write_bytes(text.encode(codec))
    folder = tmp_path / "polis"
    folder.mkdir()
    (folder / "votes.csv").write_bytes(text.encode(codec))
    for path, where in ((plain, plain), (folder, folder / "votes.csv")):
        status, err = run_cli(capsys, "info", str(path))
        assert status == 2
        assert one_line_error(err) == (
            f"coprod info: error: {where}: the file looks like UTF-16 (a NUL byte between the "
            f"letters and no byte-order mark); save it as UTF-8, or pass encoding='{codec}'"
        )
    # and with that encoding it reads
    assert read_votes(plain, participant_id="voter-id", statement_id="comment-id",
                      encoding=codec).counts()["votes"] > 0  # fmt: skip


def test_binary_csv_is_named_binary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "votes.csv"
    f.write_bytes(b"participant_id,statement_id,vote\n" + bytes(range(256)))
    status, err = run_cli(capsys, "info", str(f))
    assert status == 2
    assert one_line_error(err) == (
        f"coprod info: error: {f}, line 2: holds a NUL byte (offset 33): this looks like a "
        "binary file, not text"
    )


@pytest.mark.parametrize(
    ("times", "row", "shown"),
    [
        ([1_700_000_000_000, 9 * 10**18], 2, "9000000000000000000"),  # year ~285 million
        ([1e30, 1_700_000_000_000.0], 1, "1e+30"),
        (["1700000000000", "99999999999999999999999999"], 2, "'99999999999999999999999999'"),
    ],
)
def test_out_of_range_epoch_times_in_a_table_name_row_and_column(
    times: list[object], row: int, shown: str
) -> None:
    """Times polars would store but cannot show (a panic when printed) are refused."""
    votes = pl.DataFrame(
        {"participant_id": [1, 2], "statement_id": [1, 1], "vote": [1, -1], "time": times}
    )
    with pytest.raises(ValidationError) as err:
        Inquiry(votes=votes)
    assert str(err.value) == (
        f"table 'votes', row {row}, column 'time': expected a time as epoch milliseconds "
        f"between the years 1 and 9999 or an ISO 8601 date-time; got {shown}"
    )
