"""The messages of the widgets layer: one gettext catalog per domain and language, read from
``widgets/locale/<lang>/LC_MESSAGES/<domain>.po`` with Babel, and the ``_`` and ``_n`` of a
domain.

Private: import these names from :mod:`coprod_widgets.i18n`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from gettext import c2py
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from coprod_widgets.i18n._language import DEFAULT_LANGUAGE, current_language

#: Where the ``.po`` files are: ``<LOCALE_DIR>/<lang>/LC_MESSAGES/<domain>.po`` (the
#: ``locale`` folder beside this package: ``widgets/locale``, ``coprod_widgets/locale``).
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"


def _po_path(domain: str, lang: str, locale_dir: Path | None = None) -> Path:
    return (locale_dir or LOCALE_DIR) / lang / "LC_MESSAGES" / f"{domain}.po"


def _read(path: Path, lang: str, domain: str) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=domain)


@cache
def _messages(domain: str, lang: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]], Any]:
    """(singular id -> text, plural id -> forms, the plural rule) of one catalog."""
    path = _po_path(domain, lang)
    if lang == DEFAULT_LANGUAGE or not path.exists():
        return {}, {}, None
    cat = _read(path, lang, domain)
    single: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    for msg in cat:
        if not msg.id or msg.fuzzy:
            continue
        if msg.pluralizable:
            forms = tuple(str(s) for s in (msg.string or ()))
            if forms and all(forms):
                plural[str(msg.id[0])] = forms
        elif msg.string:
            single[str(msg.id)] = str(msg.string)
    return single, plural, c2py(cat.plural_expr)


def translate(domain: str, message: str, lang: str | None = None) -> str:
    """One message of a domain in a language (English when it has no translation).

    Parameters
    ----------
    domain : str
        The catalog (``"report"``, ``"dashboard"``).
    message : str
        The English text.
    lang : str, optional
        Babel locale id (default: the current language).

    Returns
    -------
    str

    Examples
    --------
    >>> translate("report", "Contents", "es")
    'Contenido'
    >>> translate("report", "Contents", "en")
    'Contents'
    """
    single, _, _ = _messages(domain, lang or current_language())
    return single.get(message, message)


def gettext_for(domain: str) -> Callable[[str], str]:
    """The ``_`` of a domain: English text -> the current language's.

    Parameters
    ----------
    domain : str
        The catalog's name; also how ``--update`` knows which files feed it.

    Returns
    -------
    callable
        ``_(message) -> str``, looked up when called.

    Examples
    --------
    >>> from coprod_widgets.i18n import use_language
    >>> _ = gettext_for("report")
    >>> with use_language("fr"):
    ...     _("Contents")
    'Sommaire'
    """

    def _(message: str) -> str:
        return translate(domain, message)

    return _


def ngettext_for(domain: str) -> Callable[[str, str, int], str]:
    """The plural-aware ``_n`` of a domain.

    Parameters
    ----------
    domain : str
        The catalog's name.

    Returns
    -------
    callable
        ``_n(singular, plural, n) -> str`` in the current language (its plural rule).

    Examples
    --------
    >>> _n = ngettext_for("report")
    >>> _n("{n} participant", "{n} participants", 3).format(n=3)
    '3 participants'
    """

    def _n(singular: str, plural: str, n: int) -> str:
        lang = current_language()
        _, forms, rule = _messages(domain, lang)
        got = forms.get(singular)
        if got is None or rule is None:
            return singular if n == 1 else plural
        index = min(int(rule(n)), len(got) - 1)
        return got[index]

    return _n


def N_(message: str) -> str:
    """Mark a message for extraction without translating it now.

    Parameters
    ----------
    message : str
        English text (translate it later with the domain's ``_``).

    Returns
    -------
    str
        ``message`` unchanged.

    Examples
    --------
    >>> N_("Opinion groups")
    'Opinion groups'
    """
    return message
