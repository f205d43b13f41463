"""How numbers are written for people: one place, so every summary, table and widget spells
them — and a missing value — the same way.

Used by the core's ``summary()`` texts and by every view and report section of the widgets.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["MISSING", "SUPPRESSED", "fmt_amount", "fmt_number", "fmt_p", "fmt_pct", "is_missing"]

#: How a missing or undefined value is written (an en dash).
MISSING = "–"
#: How a value withheld by small-cell suppression is written.
SUPPRESSED = "suppressed"


def is_missing(value: Any) -> bool:
    """Whether a value is written as :data:`MISSING`: None, NaN, infinite or not a number.

    Parameters
    ----------
    value : object
        The value.

    Returns
    -------
    bool
        True when the value has no finite number to write.

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing("x"), is_missing(0)
    (True, True, True, False)
    """
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def fmt_number(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` significant digits; :data:`MISSING` for None, NaN or inf.

    Parameters
    ----------
    value : number or None
        What to write.
    digits : int, default 3
        Significant digits.

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_number(3.14159), fmt_number(1234567.0), fmt_number(None), fmt_number(float("nan"))
    ('3.14', '1.23e+06', '–', '–')
    >>> fmt_number(12, digits=4)
    '12'
    """
    if is_missing(value):
        return MISSING
    return f"{float(value):.{digits}g}"


def fmt_amount(value: Any) -> str:
    """A count or a sum of money, rounded to a whole number, with thousands separators;
    :data:`MISSING` for None or NaN.

    Parameters
    ----------
    value : number or None
        A cost, a budget, a number of votes.

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_amount(904700), fmt_amount(1234.6), fmt_amount(None)
    ('904,700', '1,235', '–')
    """
    if is_missing(value):
        return MISSING
    return f"{float(value):,.0f}"


def fmt_pct(value: Any, digits: int = 0) -> str:
    """A share (0–1) as a percentage; :data:`MISSING` for None or NaN.

    Parameters
    ----------
    value : number or None
        A share between 0 and 1.
    digits : int, default 0
        Decimals of the percentage.

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_pct(0.456), fmt_pct(0.456, 1), fmt_pct(None)
    ('46%', '45.6%', '–')
    """
    if is_missing(value):
        return MISSING
    return f"{100 * float(value):.{digits}f}%"


def fmt_p(value: Any) -> str:
    """A p-value: three decimals, ``"< 0.001"`` below that; :data:`MISSING` when absent.

    Parameters
    ----------
    value : number or None
        A p-value.

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_p(0.0312), fmt_p(0.00001), fmt_p(None)
    ('0.031', '< 0.001', '–')
    """
    if is_missing(value):
        return MISSING
    return "< 0.001" if float(value) < 0.001 else f"{float(value):.3f}"
