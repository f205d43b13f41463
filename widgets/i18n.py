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
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import datetime as _dt
import io
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import cache
from gettext import c2py
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from babel.numbers import format_decimal, format_percent

from coprod_analytics import format as _core_format
from coprod_analytics.errors import ValidationError
from coprod_analytics.format import is_missing

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
#: Where the ``.po`` files are: ``<LOCALE_DIR>/<lang>/LC_MESSAGES/<domain>.po``.
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SOURCE_DIR = Path(__file__).resolve().parent

_LANG: ContextVar[str | None] = ContextVar("coprod_language", default=None)
_PROCESS_LANG = [DEFAULT_LANGUAGE]
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z_0-9]*(?:[:!][^{}]*)?\}|%\([A-Za-z_]+\)[sdfr]")
_DOMAIN_CALL = re.compile(r"""gettext_for\(\s*["']([a-z_]+)["']\s*\)""")


# -- the language -----------------------------------------------------------------------------


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


# -- messages ---------------------------------------------------------------------------------


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


# -- numbers and dates -------------------------------------------------------------------------


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


# -- extraction, --update and the check ------------------------------------------------------

_KEYWORDS = {"_": 1, "N_": 1, "_n": 2}


def _calls(path: Path) -> Iterator[tuple[int, str | tuple[str, str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        want = _KEYWORDS.get(node.func.id)
        if want is None or len(node.args) < want:
            continue
        texts = [
            a.value
            for a in node.args[:want]
            if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value
        ]
        if len(texts) != want:
            continue
        yield node.lineno, (texts[0] if want == 1 else (texts[0], texts[1]))


def _domain_files(source_dir: Path | None = None) -> dict[str, list[Path]]:
    """Domain -> the files that call ``gettext_for("<domain>")``."""
    base = source_dir or SOURCE_DIR
    out: dict[str, list[Path]] = {}
    for path in sorted(base.rglob("*.py")):
        if path.resolve() == Path(__file__).resolve():
            continue
        for domain in sorted(set(_DOMAIN_CALL.findall(path.read_text(encoding="utf-8")))):
            out.setdefault(domain, []).append(path)
    return out


def domains(source_dir: str | Path | None = None) -> list[str]:
    """The domains the widgets use (found from their ``gettext_for`` calls).

    Parameters
    ----------
    source_dir : path, optional
        The folder of the sources (default: the widgets package).

    Returns
    -------
    list of str

    Examples
    --------
    >>> "report" in domains()
    True
    """
    return sorted(_domain_files(Path(source_dir) if source_dir else None))


def extract_messages(domain: str, source_dir: str | Path | None = None) -> Catalog:
    """Every message of a domain, found in the files that use it.

    Parameters
    ----------
    domain : str
        The catalog's name.
    source_dir : path, optional
        The folder of the sources (default: the widgets package).

    Returns
    -------
    babel.messages.catalog.Catalog
        The template (English ids, no translations), with where each was found.

    Examples
    --------
    >>> "Contents" in extract_messages("report")
    True
    """
    base = Path(source_dir) if source_dir else SOURCE_DIR
    cat = Catalog(domain=domain, project="coprod widgets", fuzzy=False)
    for path in _domain_files(base).get(domain, []):
        rel = path.relative_to(base).as_posix()
        for line, msg in _calls(path):
            cat.add(msg, locations=[(rel, line)])
    return cat


def update_catalogs(
    domain: str | None = None,
    *,
    source_dir: str | Path | None = None,
    locale_dir: str | Path | None = None,
) -> list[Path]:
    """Merge the sources' messages into every language's ``.po`` file (new ones empty).

    Parameters
    ----------
    domain : str, optional
        One domain (default: every domain of :func:`domains`).
    source_dir : path, optional
        The folder of the sources (default: the widgets package).
    locale_dir : path, optional
        The locale folder (default :data:`LOCALE_DIR`).

    Returns
    -------
    list of Path
        The ``.po`` files written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:  # new catalogs, every message untranslated
    ...     written = update_catalogs("columns", locale_dir=tmp)
    ...     print(len(written), written[0].name)
    6 columns.po
    """
    base = Path(locale_dir) if locale_dir is not None else LOCALE_DIR
    written = []
    for dom in [domain] if domain else domains(source_dir):
        template = extract_messages(dom, source_dir)
        for lang in LANGUAGES:
            if lang == DEFAULT_LANGUAGE:
                continue
            path = _po_path(dom, lang, base)
            if path.exists():
                cat = _read(path, lang, dom)
            else:
                cat = Catalog(locale=lang, domain=dom, project="coprod widgets", fuzzy=False)
            cat.update(template, no_fuzzy_matching=True)
            path.parent.mkdir(parents=True, exist_ok=True)
            buf = io.BytesIO()
            write_po(buf, cat, width=100, ignore_obsolete=True, sort_output=False)
            path.write_bytes(buf.getvalue())
            written.append(path)
    _messages.cache_clear()
    return written


def _placeholders(text: str) -> list[str]:
    return sorted(set(_PLACEHOLDER.findall(text)))


def _looks_like_code(text: str) -> bool:
    """A translation that is a dict or list literal (a fill script's mistake, once shipped)."""
    return text.lstrip().startswith(("{'", '{"', "['")) or "': '" in text


def catalog_problems(
    domain: str | None = None,
    *,
    source_dir: str | Path | None = None,
    locale_dir: str | Path | None = None,
) -> list[str]:
    """What is not translated: missing, empty or fuzzy messages and lost placeholders.

    Parameters
    ----------
    domain : str, optional
        One domain (default: every domain of :func:`domains`).
    source_dir : path, optional
        The folder of the sources (default: the widgets package).
    locale_dir : path, optional
        The locale folder (default :data:`LOCALE_DIR`).

    Returns
    -------
    list of str
        One line per problem, ``"<domain>/<lang>: <what>: <message>"``; empty when complete.

    Examples
    --------
    >>> catalog_problems("report")
    []
    """
    base = Path(locale_dir) if locale_dir is not None else LOCALE_DIR
    out: list[str] = []
    for dom in [domain] if domain else domains(source_dir):
        template = extract_messages(dom, source_dir)
        for lang in LANGUAGES:
            if lang == DEFAULT_LANGUAGE:
                continue
            path = _po_path(dom, lang, base)
            if not path.exists():
                out.append(f"{dom}/{lang}: no catalog at {path}")
                continue
            cat = _read(path, lang, dom)
            for msg in template:
                if not msg.id:
                    continue
                ids = [msg.id] if isinstance(msg.id, str) else list(msg.id)
                got = cat.get(msg.id)
                strings = (
                    []
                    if got is None or got.string is None
                    else ([got.string] if isinstance(got.string, str) else list(got.string))
                )
                where = f"{dom}/{lang}"
                if got is None:
                    out.append(f"{where}: missing: {ids[0]!r}")
                elif got.fuzzy:
                    out.append(f"{where}: fuzzy: {ids[0]!r}")
                elif not strings or not all(strings):
                    out.append(f"{where}: untranslated: {ids[0]!r}")
                elif got.pluralizable and len(strings) != cat.num_plurals:
                    out.append(f"{where}: wants {cat.num_plurals} plural forms: {ids[0]!r}")
                elif any(_looks_like_code(str(text)) for text in strings):
                    out.append(f"{where}: a Python literal, not a translation: {ids[0]!r}")
                else:
                    want = _placeholders(ids[-1])
                    for text in strings:
                        if _placeholders(str(text)) != want and not (
                            got.pluralizable and _placeholders(str(text)) == []
                        ):
                            out.append(f"{where}: placeholders {want} lost: {ids[0]!r}")
                            break
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m coprod_widgets.i18n [--update] [--check] [--domain D]``."""
    parser = argparse.ArgumentParser(
        prog="python -m coprod_widgets.i18n",
        description="Merge the widgets' messages into the .po catalogs (--update) and list "
        "what is not translated (--check; exit 1 when something is).",
    )
    parser.add_argument("--update", action="store_true", help="merge new messages")
    parser.add_argument("--check", action="store_true", help="list untranslated messages")
    parser.add_argument("--domain", default=None, help="one domain (default: all)")
    args = parser.parse_args(argv)
    if args.update:
        for path in update_catalogs(args.domain):
            print("updated", path)
    problems = catalog_problems(args.domain)
    if args.check or not args.update:
        for line in problems:
            print(line)
    print(f"{len(problems)} problem(s) in {', '.join(domains())}")
    return 1 if (args.check and problems) else 0


if __name__ == "__main__":
    raise SystemExit(main())
