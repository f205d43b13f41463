"""Languages of the widgets layer: gettext catalogs per domain, read with Babel, a current
language, and numbers and dates formatted for it.

Each *domain* (``"report"`` for the reports' chrome, ``"dashboard"`` for the facilitator's
dashboard) has one ``.po`` file per language at
``widgets/locale/<lang>/LC_MESSAGES/<domain>.po`` (``coprod_widgets/locale`` when installed).
The messages are the English texts; English needs no catalog. A module translates with::

    from coprod_widgets.i18n import N_, gettext_for, ngettext_for

    _ = gettext_for("report")
    _n = ngettext_for("report")

    heading = _("Opinion groups")
    line = _n("{n} participant", "{n} participants", count).format(n=count)

``N_("...")`` only marks a message (for module constants translated later with ``_(x)``).
The language is the context's (:func:`use_language`, :func:`set_language`); it is read when
``_`` is called, so build a page inside ``with use_language("fr"):``.

``python -m coprod_widgets.i18n --update`` finds the ``_("...")``, ``N_("...")`` and
``_n("...", "...", n)`` calls in the files that call ``gettext_for("<domain>")`` and merges new
messages into every language's ``.po`` file; ``--check`` lists what is not translated
(:func:`catalog_problems`, which a test runs).

Numbers: :func:`fmt_number`, :func:`fmt_amount`, :func:`fmt_pct`, :func:`fmt_p` have the
signatures of :mod:`coprod_analytics.format` and give exactly its output in English; other
languages get Babel's digits, separators and percent sign. :func:`format_date` for dates.

The parts live in private modules, every name re-exported here (import from
``coprod_widgets.i18n``): ``_language`` (the languages, the current one, ``Accept-Language``),
``_catalog`` (the ``.po`` files read, ``_`` and ``_n``), ``_formatting`` (numbers and dates)
and ``_checker`` (extraction, ``--update`` and ``--check``, run by ``__main__``).
"""

from __future__ import annotations

from coprod_widgets.i18n import _catalog, _language
from coprod_widgets.i18n._catalog import N_, gettext_for, ngettext_for, translate
from coprod_widgets.i18n._checker import SOURCE_DIR as SOURCE_DIR
from coprod_widgets.i18n._checker import catalog_problems, extract_messages, update_catalogs
from coprod_widgets.i18n._checker import domains as domains
from coprod_widgets.i18n._checker import main as main
from coprod_widgets.i18n._formatting import (
    fmt_amount,
    fmt_decimal,
    fmt_number,
    fmt_p,
    fmt_pct,
    format_date,
)
from coprod_widgets.i18n._language import (
    check_language,
    current_language,
    html_lang,
    negotiate,
    set_language,
    text_direction,
    use_language,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "catalog_problems",
    "check_language",
    "current_language",
    "extract_messages",
    "fmt_amount",
    "fmt_decimal",
    "fmt_number",
    "fmt_p",
    "fmt_pct",
    "format_date",
    "gettext_for",
    "html_lang",
    "negotiate",
    "ngettext_for",
    "set_language",
    "text_direction",
    "translate",
    "update_catalogs",
    "use_language",
]

# The constants are assigned (not imported) so that the API reference finds their comments.

#: The languages: Babel locale id -> the language's own name.
LANGUAGES = _language.LANGUAGES
DEFAULT_LANGUAGE = _language.DEFAULT_LANGUAGE
#: Where the ``.po`` files are: ``<LOCALE_DIR>/<lang>/LC_MESSAGES/<domain>.po``.
LOCALE_DIR = _catalog.LOCALE_DIR
