"""One ``coprod serve`` per session database: :class:`ServeLock`, :func:`serve_lock`.

Two independent servers on one database would hand out the same participant and statement
ids, so a running server holds an exclusive lock and a second one is refused with a plain
message: on SQLite a lock on ``<database>-serve.lock`` beside the real file (symlinks
resolved, so a link to the database finds the same lock), on PostgreSQL a session-level
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
    """An exclusive lock on ``<db>-serve.lock``, taken when created.

    Parameters
    ----------
    db : Path
        The session database.

    Raises
    ------
    CoprodError
        When another process holds the lock.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
    >>> lock = ServeLock(db)
    >>> ServeLock(db)
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.CoprodError: another 'coprod serve' is already running on ...
    >>> lock.release()
    >>> ServeLock(db).release()
    """

    def __init__(self, db: Path) -> None:
        # the real file: a symlink to the database must find the same lock
        real = Path(os.path.realpath(db))
        self.path = real.with_name(real.name + "-serve.lock")
        self._fd: int | None = None
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            from coprod_analytics.session.store import StoreUnwritable

            raise StoreUnwritable(
                db, "read_only", f"its lock file {self.path} cannot be created: {exc.strerror}"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            raise CoprodError(
                f"another 'coprod serve' is already running on {db} (it holds {self.path}); "
                "stop it first: two servers on one database would hand out the same ids"
            ) from exc
        self._fd = fd

    def release(self) -> None:
        """Release the lock (closing the descriptor releases it); safe to call twice."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
