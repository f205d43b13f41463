"""One ``coprod serve`` per session database: :class:`ServeLock`, :func:`serve_lock`.

Two independent servers on one database would hand out the same participant and statement
ids, so a running server holds an exclusive lock and a second one is refused with a plain
message: on SQLite a ``flock`` on the database file itself (so a symlink, a hard link or
any other path to the same file finds the same lock), on PostgreSQL a session-level
advisory lock (:class:`~coprod_analytics.session.pg_store.PgServeLock`). The workers of one
``coprod serve --workers N`` share their parent's lock (their ids never collide: see
:mod:`coprod_apps.live.serve`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from coprod_analytics.errors import CoprodError

__all__ = ["Lock", "ServeLock", "serve_lock"]


class Lock(Protocol):
    """A held lock: :meth:`release` lets it go (safe to call twice).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> lock: Lock = ServeLock(pathlib.Path(tempfile.mkdtemp()) / "s.db")
    >>> lock.release()
    """

    def release(self) -> None:
        """Release the lock."""
        ...


def serve_lock(target: str | os.PathLike[str]) -> Lock:
    """The one-server lock of the session at ``target`` (a ``.db`` path or a URL).

    Parameters
    ----------
    target : str or Path
        A SQLite session file or a ``postgresql://`` URL.

    Returns
    -------
    Lock
        A :class:`ServeLock` or a :class:`~coprod_analytics.session.pg_store.PgServeLock`.

    Raises
    ------
    CoprodError
        When another ``coprod serve`` holds it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> lock = serve_lock(pathlib.Path(tempfile.mkdtemp()) / "s.db")
    >>> type(lock).__name__
    'ServeLock'
    >>> lock.release()
    """
    from coprod_analytics.session.open import is_session_url

    if is_session_url(target):
        from coprod_analytics.session.pg_store import PgServeLock

        return PgServeLock(str(target))
    return ServeLock(Path(target))


class ServeLock:
    """An exclusive lock on the session database file itself, taken when created.

    The lock is a ``flock`` on the database file (created empty when missing: an empty file
    is a new session), so it follows the file, not its name: a symlink, a hard link or a
    second path to the same file (same device and inode) finds the same lock. ``flock``
    locks are independent of the byte-range locks SQLite takes on the same file, so other
    processes (the dashboard, ``coprod session close``) read and write the session as
    before; only a second ``coprod serve`` is refused.

    Parameters
    ----------
    db : Path
        The session database.

    Raises
    ------
    CoprodError
        When another process holds the lock.
    StoreUnwritable
        When the database file is missing and cannot be created.

    Examples
    --------
    >>> import os, tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
    >>> lock = ServeLock(db)
    >>> os.link(db, db.with_name("alias.db"))
    >>> ServeLock(db.with_name("alias.db"))
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.CoprodError: another 'coprod serve' is already running on ...
    >>> lock.release()
    >>> ServeLock(db.with_name("alias.db")).release()
    """

    def __init__(self, db: Path) -> None:
        self.path = db
        self._fd: int | None = None
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock
            return
        try:
            db.parent.mkdir(parents=True, exist_ok=True)
            # read-only is enough for flock, so a read-only file reaches the store's own
            # clear refusal; O_CREAT makes a missing database an empty (new) one
            fd = os.open(db, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            from coprod_analytics.session.store import _os_unwritable

            raise _os_unwritable(db, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            st = os.stat(db)
            raise CoprodError(
                f"another 'coprod serve' is already running on {db} (the same file, maybe "
                f"under another name: device {st.st_dev}, inode {st.st_ino}); stop it "
                "first: two servers on one database would hand out the same ids"
            ) from exc
        self._fd = fd

    def release(self) -> None:
        """Release the lock (closing the descriptor releases it); safe to call twice."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
