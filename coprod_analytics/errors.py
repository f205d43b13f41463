"""Exception hierarchy of coprod_analytics.

Every error the package raises on purpose derives from :class:`CoprodError`, so a caller
(or the CLI) can catch them all at once. Errors about the user's data are
:class:`ValidationError` (a :class:`ValueError`) and name the file, line, row and column
involved when those are known; errors about a function's arguments are
:class:`ParameterError` and follow one template::

    The 'min_votes' parameter of opinion_groups must be an int >= 1. Got -3.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["CoprodError", "ParameterError", "ValidationError", "check_param"]


class CoprodError(Exception):
    """Base class of every error raised on purpose by coprod_analytics.

    Catch it to handle every such error at once (the ``coprod`` command line prints them as
    one line with exit status 2). It takes the arguments of :class:`Exception`.

    Examples
    --------
    >>> from coprod_analytics import Inquiry
    >>> try:
    ...     Inquiry(votes={"participant_id": [1], "statement_id": [1], "vote": [5]})
    ... except CoprodError as err:
    ...     print(type(err).__name__)
    ValidationError
    """


class ValidationError(CoprodError, ValueError):
    """Input data does not meet the documented schema.

    Parameters
    ----------
    message : str
        What was expected and what was found, in the user's words.
    file : str or Path, optional
        The file the bad data came from.
    line : int, optional
        1-based physical line of the file (the header is line 1).
    row : int, optional
        1-based data row of the table (the header is not counted).
    column : str, optional
        The column holding the bad value.
    table : str, optional
        The table being validated (``"votes"``, ``"statements"``, ...), when not from a file.

    Examples
    --------
    >>> err = ValidationError("expected 1, -1 or 0; got 'yes'", file="votes.csv", line=3,
    ...                       column="vote")
    >>> str(err)
    "votes.csv, line 3, column 'vote': expected 1, -1 or 0; got 'yes'"
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        row: int | None = None,
        column: str | None = None,
        table: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.row = row
        self.column = column
        self.table = table
        super().__init__(self._format())

    def _format(self) -> str:
        where: list[str] = []
        if self.file is not None:
            where.append(self.file)
        elif self.table is not None:
            where.append(f"table '{self.table}'")
        if self.line is not None:
            where.append(f"line {self.line}")
        elif self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class ParameterError(CoprodError, ValueError):
    """A function argument is out of its documented range or of the wrong kind.

    Raised through :func:`check_param`, whose message follows the house template. It takes
    the arguments of :class:`Exception` (the message).

    Examples
    --------
    >>> err = ParameterError("The 'seed' parameter of f must be an int. Got 'x'.")
    >>> isinstance(err, CoprodError), isinstance(err, ValueError)
    (True, True)
    """


def check_param(ok: bool, name: str, func: str, expected: str, got: Any) -> None:
    """Raise :class:`ParameterError` in the house template unless ``ok``.

    Parameters
    ----------
    ok : bool
        Whether the argument is acceptable; nothing happens when it is.
    name : str
        The parameter's name.
    func : str
        The public function (or class) it belongs to.
    expected : str
        What the parameter must be, in words (``"an int >= 1"``).
    got : Any
        The value given (shown with :func:`repr`).

    Raises
    ------
    ParameterError
        When ``ok`` is false: "The '<name>' parameter of <func> must be <expected>.
        Got <got>."

    Examples
    --------
    >>> check_param(False, "min_votes", "opinion_groups", "an int >= 1", -3)
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ParameterError: The 'min_votes' parameter of opinion_groups must be an int >= 1. Got -3.
    """
    if not ok:
        raise ParameterError(f"The '{name}' parameter of {func} must be {expected}. Got {got!r}.")
