"""The language of the widgets layer: which languages there are, the current one (a context
variable with a process-wide default) and the one an ``Accept-Language`` header or a
``--lang`` value asks for.

Private: import these names from :mod:`coprod_widgets.i18n`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache

from babel import Locale

from coprod_analytics.errors import ValidationError

#: The languages: Babel locale id -> the language's own name.
LANGUAGES = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "pl": "Polski",
    "zh_Hant": "繁體中文",
    "ar": "العربية",
    "cy": "Cymraeg",
}
DEFAULT_LANGUAGE = "en"

_LANG: ContextVar[str | None] = ContextVar("coprod_language", default=None)
_PROCESS_LANG = [DEFAULT_LANGUAGE]


def check_language(lang: str, parameter: str = "lang") -> str:
    """A language id checked against :data:`LANGUAGES` (``zh-Hant`` is read as ``zh_Hant``).

    Parameters
    ----------
    lang : str
        A Babel locale id such as ``"fr"`` or ``"zh_Hant"``.
    parameter : str
        The parameter's name, for the error (``"--lang"`` for a command line).

    Returns
    -------
    str
        The Babel locale id.

    Raises
    ------
    ValidationError
        Naming the parameter and the languages there are.

    Examples
    --------
    >>> check_language("zh-Hant"), check_language("cy")
    ('zh_Hant', 'cy')
    """
    key = str(lang).replace("-", "_")
    for known in LANGUAGES:
        if known.lower() == key.lower():
            return known
    raise ValidationError(
        f"The '{parameter}' parameter must be one of {', '.join(LANGUAGES)}. Got {lang!r}."
    )


def current_language() -> str:
    """The language messages and numbers are written in now.

    Returns
    -------
    str
        The context's language (:func:`use_language`), else the process's
        (:func:`set_language`), else English.

    Examples
    --------
    >>> with use_language("pl"):
    ...     current_language()
    'pl'
    """
    return _LANG.get() or _PROCESS_LANG[0]


def set_language(lang: str) -> str:
    """Set the language of this context and the process's default (e.g. in a notebook).

    Parameters
    ----------
    lang : str
        Babel locale id of :data:`LANGUAGES`.

    Returns
    -------
    str
        The language before.

    Examples
    --------
    >>> before = set_language("es")
    >>> current_language()
    'es'
    >>> _ = set_language(before)
    """
    before = current_language()
    lang = check_language(lang)
    _PROCESS_LANG[0] = lang
    _LANG.set(lang)
    return before


@contextlib.contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """Write messages and numbers in ``lang`` inside the ``with`` block.

    Parameters
    ----------
    lang : str or None
        Babel locale id; None keeps the current language.

    Yields
    ------
    str
        The language in use.

    Examples
    --------
    >>> from coprod_widgets.i18n import fmt_pct, use_language
    >>> with use_language("fr"):
    ...     fmt_pct(0.5)
    '50\\xa0%'
    """
    if lang is None:
        yield current_language()
        return
    token = _LANG.set(check_language(lang))
    try:
        yield current_language()
    finally:
        _LANG.reset(token)


def text_direction(lang: str | None = None) -> str:
    """``"rtl"`` or ``"ltr"``: how a language is written (the HTML ``dir`` attribute).

    Parameters
    ----------
    lang : str, optional
        Babel locale id (default: the current language).

    Returns
    -------
    str

    Examples
    --------
    >>> text_direction("ar"), text_direction("cy")
    ('rtl', 'ltr')
    """
    return "rtl" if _locale(lang or current_language()).text_direction == "rtl" else "ltr"


def html_lang(lang: str | None = None) -> str:
    """The BCP 47 tag of a language, for the HTML ``lang`` attribute.

    Parameters
    ----------
    lang : str, optional
        Babel locale id (default: the current language).

    Returns
    -------
    str

    Examples
    --------
    >>> html_lang("zh_Hant"), html_lang("ar")
    ('zh-Hant', 'ar')
    """
    return check_language(lang or current_language()).replace("_", "-")


def negotiate(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The language for an ``Accept-Language`` header (or a ``--lang`` value).

    Parameters
    ----------
    accept_language : str or None
        E.g. ``"cy-GB,cy;q=0.9,en;q=0.8"``, ``"zh-TW"`` or ``"es"``.
    default : str
        When nothing matches.

    Returns
    -------
    str
        A Babel locale id of :data:`LANGUAGES`.

    Examples
    --------
    >>> negotiate("zh-TW,zh;q=0.9"), negotiate("fr-CA, en;q=0.5"), negotiate("de")
    ('zh_Hant', 'fr', 'en')
    """
    tags = []
    for part in (accept_language or "").split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        if tag and weight > 0:
            tags.append((weight, tag.strip()))
    for _, tag in sorted(tags, key=lambda x: -x[0]):
        t = tag.replace("_", "-").lower()
        if re.match(r"^zh-(hant|tw|hk|mo)\b", t):
            return "zh_Hant"
        base = t.split("-")[0]
        if base != "zh" and base in LANGUAGES:
            return base
    return default


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(check_language(lang))
