"""Write files and folders so that a reader sees the old one or the whole new one.

Every writer of the package that replaces a user's file (a report, an export folder, a
published app) goes through these helpers: the new content is written to a temporary file
(or folder) beside the target, flushed to disk (``fsync``) and moved into place with
:func:`os.replace`. A full disk, a read-only place or a crash midway leaves the previous
file as it was and no temporary file behind, and the failure is an :class:`OutputError`
whose one-line message names the path (the ``coprod`` command line prints it with exit
status 2).
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from coprod_analytics.errors import CoprodError

__all__ = [
    "OutputError",
    "atomic_folder",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_output_file",
    "check_output_folder",
]

_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the place is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder",
    errno.ENAMETOOLONG: "the name is too long",
}


class OutputError(CoprodError, OSError):
    """A file or folder could not be written; the previous one, if any, is unchanged.

    Both a :class:`~coprod_analytics.errors.CoprodError` (the command line prints it as one
    line, exit status 2) and an :class:`OSError` (``errno`` says why).

    Parameters
    ----------
    message : str
        The path, that it was not written and why, in the user's words.
    code : int, optional
        The :mod:`errno` code of the failure (``errno.ENOSPC``, ...).

    Examples
    --------
    >>> err = OutputError("report.html: not written: the disk is full", errno.ENOSPC)
    >>> str(err), err.errno == errno.ENOSPC, isinstance(err, OSError)
    ('report.html: not written: the disk is full', True, True)
    """

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errno = code  # type: ignore[misc]
        self.strerror = message  # type: ignore[misc]

    def __str__(self) -> str:
        return self.message


def _reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno or 0, exc.strerror or str(exc))


def _failed(path: Path, exc: OSError, *, kept: bool) -> OutputError:
    tail = "; the previous one is unchanged" if kept else ""
    return OutputError(f"{path}: not written: {_reason(exc)}{tail}", exc.errno)


def _check_parent(path: Path, what: str) -> None:
    """Refuse a target whose parent cannot hold it: under a file, or in a read-only place."""
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        if ancestor.is_symlink():  # a dangling link: creating the folder would fail
            break
        ancestor = ancestor.parent
    if ancestor.exists() and not ancestor.is_dir():
        raise OutputError(
            f"{path}: cannot write the {what} there: {ancestor} is a file, not a folder",
            errno.ENOTDIR,
        )
    if ancestor.is_dir() and not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(
            f"{path}: cannot write the {what} there: {ancestor} is read-only or not writable "
            "by you",
            errno.EACCES,
        )


def check_output_file(path: str | os.PathLike[str], *, what: str = "file") -> Path:
    """Check, before any work, that ``path`` can be written as a file.

    Parameters
    ----------
    path : path
        Where the file will go.
    what : str, default "file"
        What it is, for the message (``"report"``).

    Returns
    -------
    Path
        The path.

    Raises
    ------
    OutputError
        It is a folder, a part of its path is a file, or the nearest existing folder is not
        writable (a read-only place).

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> check_output_file(folder, what="report")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    coprod_analytics.io.atomic.OutputError: ...: is a folder; give a file name for the report
    """
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give a file name for the {what}", errno.EISDIR)
    _check_parent(target, what)
    return target


def check_output_folder(
    path: str | os.PathLike[str], *, what: str = "folder", replace: bool = False
) -> Path:
    """Check, before any work, that ``path`` can be written as a folder.

    Parameters
    ----------
    path : path
        Where the folder will go.
    what : str, default "folder"
        What it is, for the message (``"app"``).
    replace : bool, default False
        Whether an existing non-empty folder may be replaced.

    Returns
    -------
    Path
        The path.

    Raises
    ------
    OutputError
        It is a file, a non-empty folder (unless ``replace``), a part of its path is a file,
        or the nearest existing folder is not writable.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> _ = f.write_text("mine")
    >>> check_output_folder(f, what="app", replace=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    coprod_analytics.io.atomic.OutputError: ...notes.txt: is a file, not a folder; not replacing it with the app
    """
    target = Path(path)
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            raise OutputError(
                f"{target}: is a file, not a folder; not replacing it with the {what}",
                errno.ENOTDIR,
            )
        if not replace and any(target.iterdir()):
            raise OutputError(
                f"{target}: exists and is not empty; choose a new folder or --force",
                errno.EEXIST,
            )
    _check_parent(target, what)
    return target


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: not every file system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _mode_for(target: Path) -> int:
    """The permissions of the file replaced, or what the umask gives a new file."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, fsync, rename.

    Missing parent folders are created. On any failure (full disk, read-only place, a
    folder in the way) the previous file is left as it was and the temporary file removed.

    Parameters
    ----------
    path : path
        The file to write (replaced if it exists; its permissions are kept).
    data : bytes
        The whole content.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OutputError
        Naming the path and why (the disk is full, the place is read-only, ...).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "sub" / "a.bin"
    >>> atomic_write_bytes(p, b"abc").read_bytes()
    b'abc'
    >>> sorted(x.name for x in p.parent.iterdir())
    ['a.bin']
    """
    target = check_output_file(path)
    kept = target.exists()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _failed(target, exc, kept=False) from None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _failed(target, exc, kept=kept) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _failed(target, exc, kept=kept) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write_bytes`).

    Parameters
    ----------
    path : path
        The file to write.
    text : str
        The whole content (written as it is: no newline translation).
    encoding : str, default "utf-8"
        The text encoding.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OutputError
        Naming the path and why; the previous file is unchanged.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "report.html"
    >>> atomic_write_text(p, "<p>café</p>").read_text(encoding="utf-8")
    '<p>café</p>'
    """
    return atomic_write_bytes(path, text.encode(encoding))


def _fsync_tree(folder: Path) -> None:
    for root, _dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(root))


@contextmanager
def atomic_folder(
    path: str | os.PathLike[str], *, replace: bool = False, what: str = "folder"
) -> Iterator[Path]:
    """Build a folder in a temporary place beside ``path``; move it into place at the end.

    The body of the ``with`` block writes into the folder it is given. When it ends without
    an error, every file is flushed to disk and the folder takes the place of ``path`` (an
    existing folder is swapped out and removed only once the new one is in place). When it
    fails, the temporary folder is removed and ``path`` is left as it was.

    Parameters
    ----------
    path : path
        The folder to create (its parents are created).
    replace : bool, default False
        Replace an existing non-empty folder (an empty one is always replaced; a file never).
    what : str, default "folder"
        What it is, for the messages (``"app"``).

    Yields
    ------
    Path
        The temporary folder to write into.

    Raises
    ------
    OutputError
        ``path`` is a file or a non-empty folder (without ``replace``), or the place is not
        writable, or the disk fills up; nothing is changed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "export"
    >>> with atomic_folder(out) as tmp:
    ...     _ = (tmp / "votes.csv").write_text("a,b\\n")
    >>> sorted(p.name for p in out.iterdir()), sorted(p.name for p in out.parent.iterdir())
    (['votes.csv'], ['export'])
    """
    target = check_output_folder(path, what=what, replace=replace)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise _failed(target, exc, kept=target.exists()) from None
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o777 & ~umask)
        yield tmp
        _fsync_tree(tmp)
        if target.exists() and any(target.iterdir()):
            old = Path(
                tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent)
            )
            os.replace(target, old)  # a folder may replace an empty folder
            try:
                os.replace(tmp, target)
            except BaseException:
                os.replace(old, target)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
        _fsync_dir(target.parent)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        # (an OutputError of a file inside is told as the failure of this folder)
        raise _failed(target, exc, kept=target.exists()) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
