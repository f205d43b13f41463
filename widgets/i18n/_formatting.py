"""Numbers and dates written for the current language by Babel; in English exactly as
:mod:`coprod_analytics.format` writes them.

Private: import these names from :mod:`coprod_widgets.i18n`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_decimal, format_percent

from coprod_analytics import format as _core_format
from coprod_analytics.format import is_missing
from coprod_widgets.i18n._language import DEFAULT_LANGUAGE, _locale, current_language


def _english() -> bool:
    return current_language() == DEFAULT_LANGUAGE


def fmt_number(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, written for the current language.

    Parameters
    ----------
    value : number or None
        What to write.
    digits : int, default 3
        Significant digits.

    Returns
    -------
    str
        :func:`coprod_analytics.format.fmt_number` in English; Babel's decimal sign and
        grouping in other languages; :data:`coprod_analytics.format.MISSING` for None or NaN.

    Examples
    --------
    >>> fmt_number(3.14159)
    '3.14'
    >>> from coprod_widgets.i18n import use_language
    >>> with use_language("fr"):
    ...     fmt_number(3.14159), fmt_number(12345.6)
    ('3,14', '12\\u202f300')
    """
    if _english() or is_missing(value):
        return _core_format.fmt_number(value, digits)
    rounded = float(f"{float(value):.{digits}g}")
    return format_decimal(rounded, locale=_locale(current_language()), decimal_quantization=False)


def fmt_decimal(value: Any, decimals: int = 2) -> str:
    """A number with a fixed number of decimals, written for the current language.

    Parameters
    ----------
    value : number or None
        What to write.
    decimals : int, default 2
        Decimals shown (``f"{value:.2f}"`` in English).

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_decimal(0.5)
    '0.50'
    >>> from coprod_widgets.i18n import use_language
    >>> with use_language("pl"):
    ...     fmt_decimal(0.5)
    '0,50'
    """
    if is_missing(value):
        return _core_format.MISSING
    if _english():
        return f"{float(value):.{decimals}f}"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(float(value), format=pattern, locale=_locale(current_language()))


def fmt_amount(value: Any) -> str:
    """A count or a sum of money, rounded to a whole number, grouped for the current language.

    Parameters
    ----------
    value : number or None
        A cost, a budget, a number of votes.

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_amount(904700)
    '904,700'
    >>> from coprod_widgets.i18n import use_language
    >>> with use_language("pl"):
    ...     fmt_amount(904700)
    '904\\xa0700'
    """
    if _english() or is_missing(value):
        return _core_format.fmt_amount(value)
    return format_decimal(round(float(value)), format="#,##0", locale=_locale(current_language()))


def fmt_pct(value: Any, digits: int = 0) -> str:
    """A share (0–1) as a percentage written for the current language.

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
    >>> fmt_pct(0.456, 1)
    '45.6%'
    >>> from coprod_widgets.i18n import use_language
    >>> with use_language("es"):
    ...     fmt_pct(0.456, 1)
    '45,6\\xa0%'
    """
    if _english() or is_missing(value):
        return _core_format.fmt_pct(value, digits)
    loc = _locale(current_language())
    pattern = str(loc.percent_formats[None].pattern).split(";")[0]
    if digits > 0:  # the language's pattern, with the wanted decimals
        pattern = pattern.replace("0", "0." + "0" * digits, 1)
    return format_percent(float(value), format=pattern, locale=loc)


def fmt_p(value: Any) -> str:
    """A p-value for people, in the current language's decimal sign.

    Parameters
    ----------
    value : number or None
        A p-value.

    Returns
    -------
    str

    Examples
    --------
    >>> from coprod_widgets.i18n import use_language
    >>> with use_language("fr"):
    ...     fmt_p(0.0123)
    '0,012'
    """
    text = _core_format.fmt_p(value)
    if _english():
        return text
    sign = _locale(current_language()).number_symbols.get("latn", {}).get("decimal", ".")
    return text.replace(".", sign) if isinstance(sign, str) else text


def format_date(
    value: _dt.date | _dt.datetime | str, lang: str | None = None, *, format: str = "medium"
) -> str:
    """A date (or date and time) written for a language by Babel.

    Parameters
    ----------
    value : date, datetime or ISO string
        What to write.
    lang : str, optional
        Babel locale id (default: the current language).
    format : str, default "medium"
        Babel's ``"short"``, ``"medium"``, ``"long"`` or ``"full"``.

    Returns
    -------
    str

    Examples
    --------
    >>> import datetime as dt
    >>> format_date(dt.date(2026, 12, 6), "en"), format_date(dt.date(2026, 12, 6), "cy")
    ('Dec 6, 2026', '6 Rhag 2026')
    """
    loc = _locale(lang or current_language())
    if isinstance(value, str):
        value = _dt.datetime.fromisoformat(value)
    if isinstance(value, _dt.datetime):
        return _babel_datetime(value, format=format, locale=loc)
    return _babel_date(value, format=format, locale=loc)
