"""The one-server-per-database lock follows the database file (issue 18): a hard link, a
symlink or a second path to the same file is refused while a server runs, and only then."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from coprod_analytics.errors import CoprodError
from coprod_analytics.session import SessionStore
from coprod_apps.live.lock import ServeLock
from coprod_apps.live.server import LiveServer


def new_db(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "s.db"
    with SessionStore(db, title="lock") as s:
        s.add_statements(["One", "Two"])
    return db


def test_a_hard_link_to_the_database_finds_the_running_servers_lock(tmp_path: Path) -> None:
    db = new_db(tmp_path / "real")
    other = tmp_path / "elsewhere"
    other.mkdir()
    alias = other / "alias.db"
    os.link(db, alias)
    assert os.stat(alias).st_ino == os.stat(db).st_ino
    first = LiveServer(db)
    try:
        with pytest.raises(CoprodError, match="another 'coprod serve' is already running"):
            LiveServer(alias)
        with pytest.raises(CoprodError, match="inode"):
            ServeLock(alias)
    finally:
        asyncio.run(first.stop())
    second = LiveServer(alias)  # free again once the first stopped
    try:
        with pytest.raises(CoprodError, match="another 'coprod serve' is already running"):
            LiveServer(db)  # and the other way round
    finally:
        asyncio.run(second.stop())


def test_a_copy_is_another_file_and_takes_its_own_lock(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    copy = tmp_path / "copy.db"
    copy.write_bytes(db.read_bytes())
    a, b = ServeLock(db), ServeLock(copy)
    a.release()
    b.release()
    a.release()  # twice is fine


def test_the_lock_creates_a_missing_database_as_an_empty_new_session(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "new.db"
    lock = ServeLock(db)
    try:
        assert db.exists() and db.stat().st_size == 0
        with SessionStore(db, title="fresh") as s:  # an empty file is a new session
            assert s.state().title == "fresh"
    finally:
        lock.release()


def test_a_read_only_database_is_locked_and_left_to_the_stores_refusal(tmp_path: Path) -> None:
    db = new_db(tmp_path)
    db.chmod(0o444)
    try:
        lock = ServeLock(db)  # read access is enough for the lock
        lock.release()
    finally:
        db.chmod(0o644)


def test_other_processes_still_write_the_session_while_a_server_holds_the_lock(
    tmp_path: Path,
) -> None:
    db = new_db(tmp_path)
    lock = ServeLock(db)
    try:
        with SessionStore(db) as s:  # flock does not conflict with SQLite's own locks
            s.close_session()
        with SessionStore(db) as s:
            assert not s.state().is_open
    finally:
        lock.release()
