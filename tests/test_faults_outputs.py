"""Hostile places to write (issue 18, fault 4): ``coprod export`` and ``coprod publish`` on a
full disk, into a read-only place, onto a folder or a file, under a file. Each is one line
on stderr with exit status 2, and the previous report or app is left exactly as it was
(written to a temporary file or folder beside it, flushed, then renamed into place:
:mod:`coprod_analytics.io.atomic`).

A full disk is a real one: a small tmpfs mounted for the test and filled up (the test runs
as root in CI). Where mounting is not permitted, the disk is made "full" in process instead:
``os.fsync`` raises ENOSPC (the write path calls it before the rename), and the test says
which one ran in its output. A read-only place is a tmpfs mounted read-only (as root,
permissions do not stop writes) or, for other users, a folder without write permission.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import fail_or_skip, require_shared

from coprod_analytics.cli import main
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.io.atomic import OutputError, atomic_folder, atomic_write_bytes
from coprod_analytics.io.parquet import write_parquet
from coprod_analytics.io.polis import write_polis

LONDON = ("polis", "london.youth.policing")
FAST = ("--no-stability", "--n-resamples", "0", "--no-progress")


class Places:
    """Mounts small tmpfs folders for one test and unmounts them afterwards."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.monkeypatch = monkeypatch
        self.mounted: list[Path] = []

    def _mount(self, name: str, options: str) -> Path | None:
        folder = self.root / name
        folder.mkdir()
        if os.geteuid() != 0:
            return None
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            return None
        self.mounted.append(folder)
        return folder

    def full(self, name: str, *, previous: dict[str, bytes]) -> Path:
        """A folder holding ``previous`` files on a disk with no space left."""
        folder = self._mount(name, "size=1m,mode=0755")
        if folder is None:  # not permitted: ENOSPC in process, where the data is flushed
            print("full disk simulated in process (os.fsync raises ENOSPC)")
            folder = self.root / name
            for rel, data in previous.items():
                (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                (folder / rel).write_bytes(data)

            def no_space(fd: int) -> None:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            self.monkeypatch.setattr(os, "fsync", no_space)
            return folder
        print("full disk: a tmpfs of 1 MB, filled up")
        for rel, data in previous.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(data)
        with open(folder / "filler", "wb", buffering=0) as fh:  # take every block left
            try:
                while True:
                    fh.write(b"\0" * 4096)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
        return folder

    def read_only(self, name: str) -> Path:
        """An empty folder that cannot be written to."""
        folder = self._mount(name, "size=64k,ro")
        if folder is not None:
            return folder
        folder = self.root / name
        if os.geteuid() == 0:
            fail_or_skip("a read-only place needs a read-only mount as root (mount refused)")
        folder.chmod(0o555)
        return folder

    def close(self) -> None:
        for folder in reversed(self.mounted):
            subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Places]:
    p = Places(tmp_path, monkeypatch)
    try:
        yield p
    finally:
        p.close()


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.err.strip()


def one_line(err: str) -> str:
    assert len(err.splitlines()) == 1, err
    return err


def leftovers(folder: Path) -> list[str]:
    """Temporary files or folders left beside the target."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --- export -----------------------------------------------------------------------------
def test_export_on_a_full_disk_keeps_the_previous_report(
    places: Places, capsys: pytest.CaptureFixture[str]
) -> None:
    src = require_shared(*LONDON)
    previous = b"<html><p>last week's report</p></html>"
    folder = places.full("full", previous={"report.html": previous})
    out = folder / "report.html"
    status, err = cli(capsys, "export", str(src), "-o", str(out), *FAST)
    assert status == 2
    assert one_line(err) == (
        f"coprod export: error: {out}: not written: the disk is full; the previous one is unchanged"
    )
    assert out.read_bytes() == previous
    assert leftovers(folder) == []


def test_export_to_a_folder_a_path_under_a_file_or_a_read_only_place(
    places: Places, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    src = require_shared(*LONDON)
    status, err = cli(capsys, "export", str(src), "-o", str(tmp_path), *FAST)
    assert status == 2
    assert one_line(err) == (
        f"coprod export: error: {tmp_path}: is a folder; give a file name for the report"
    )
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    under = a_file / "report.html"
    status, err = cli(capsys, "export", str(src), "-o", str(under), *FAST)
    assert status == 2
    assert one_line(err) == (
        f"coprod export: error: {under}: cannot write the report there: {a_file} is a file, "
        "not a folder"
    )
    assert a_file.read_text() == "mine"
    ro = places.read_only("ro")
    target = ro / "sub" / "report.html"
    status, err = cli(capsys, "export", str(src), "-o", str(target), *FAST)
    assert status == 2
    assert one_line(err) == (
        f"coprod export: error: {target}: cannot write the report there: {ro} is read-only "
        "or not writable by you"
    )
    assert list(ro.iterdir()) == []


# --- publish ----------------------------------------------------------------------------
def test_publish_onto_a_file_or_into_a_read_only_place(
    places: Places, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    src = require_shared(*LONDON)
    a_file = tmp_path / "app.txt"
    a_file.write_text("mine")
    for force in ((), ("--force",)):
        status, err = cli(capsys, "publish", str(src), "-o", str(a_file), "--no-wheel", *force)
        assert status == 2
        assert one_line(err) == (
            f"coprod publish: error: {a_file}: is a file, not a folder; not replacing it "
            "with the app"
        )
        assert a_file.read_text() == "mine"
    ro = places.read_only("ro")
    status, err = cli(capsys, "publish", str(src), "-o", str(ro / "app"), "--no-wheel")
    assert status == 2
    assert one_line(err) == (
        f"coprod publish: error: {ro / 'app'}: cannot write the app there: {ro} is read-only "
        "or not writable by you"
    )


def test_publish_on_a_full_disk_keeps_the_previous_app(
    places: Places, capsys: pytest.CaptureFixture[str]
) -> None:
    src = require_shared(*LONDON)
    old = {"app/README.md": b"last week's app", "app/data/votes.parquet": b"PAR1"}
    folder = places.full("full", previous=old)
    out = folder / "app"
    status, err = cli(capsys, "publish", str(src), "-o", str(out), "--no-wheel", "--force")
    assert status == 2
    assert one_line(err) == (
        f"coprod publish: error: {out}: not written: the disk is full; the previous one is "
        "unchanged"
    )
    assert {str(p.relative_to(folder)): p.read_bytes() for p in out.rglob("*") if p.is_file()} == (
        old
    )
    assert leftovers(folder) == []


# --- the helper and the writers of the io package ----------------------------------------
def test_atomic_write_keeps_the_file_mode_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_atomic_folder_failure_leaves_the_old_folder(tmp_path: Path) -> None:
    out = tmp_path / "export"
    out.mkdir()
    (out / "votes.csv").write_text("old")
    with pytest.raises(RuntimeError, match="midway"), atomic_folder(out, replace=True) as tmp:
        (tmp / "votes.csv").write_text("new")
        raise RuntimeError("midway")
    assert (out / "votes.csv").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]
    with pytest.raises(OutputError, match="exists and is not empty"), atomic_folder(out):
        pass
    with atomic_folder(out, replace=True) as tmp:
        (tmp / "votes.csv").write_text("new")
    assert (out / "votes.csv").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]


def test_parquet_folder_is_readable_by_others(tmp_path: Path) -> None:
    # it used to keep mkdtemp's 0700: a published app's data/ unreadable by the web server
    inq = Inquiry(votes={"participant_id": [1], "statement_id": [2], "vote": [1]})
    old = os.umask(0o022)
    try:
        out = write_parquet(inq, tmp_path / "inq")
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o755


def test_write_polis_on_a_full_disk_keeps_the_previous_files(places: Places) -> None:
    inq = Inquiry(
        votes={"participant_id": list(range(3000)), "statement_id": [0] * 3000, "vote": [1] * 3000},
        statements={"statement_id": [0], "text": ["More buses"]},
    )
    folder = places.full("full", previous={"export/votes.csv": b"timestamp,comment-id\n"})
    with pytest.raises(OutputError, match=r"votes\.csv: not written: the disk is full"):
        write_polis(inq, folder / "export")
    assert (folder / "export" / "votes.csv").read_bytes() == b"timestamp,comment-id\n"
    assert leftovers(folder / "export") == []
