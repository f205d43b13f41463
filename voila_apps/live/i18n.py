"""The participant page's languages: gettext catalogs read with Babel, and the small script
per language that the page loads.

The source of truth is one ``.po`` file per language,
``voila_apps/locale/<lang>/LC_MESSAGES/participant.po`` (``coprod_apps/locale`` when
installed). The page's messages are its English texts, found by :func:`extract_messages` in
the page's scripts (``C.t("...")`` and ``C.nt("...", "...", n)``) and HTML (elements marked
``data-t`` or ``data-t-aria``). :func:`catalog_script` turns a catalog into
``static/participant-<code>.js`` (the server puts the one a page starts in into the page,
:mod:`coprod_apps.live.page`; another is loaded when chosen);
``python -m coprod_apps.live.i18n`` writes them all, ``--update`` first merges newly found
messages into the ``.po`` files. Numbers in Python go through :func:`format_number` and
:func:`format_percent` (Babel), in the page through ``Intl.NumberFormat``.

The languages (:data:`LANGUAGES`), :func:`negotiate` and the Babel number formatting are
:mod:`coprod_widgets.i18n`'s, shared with the dashboard and the reports; this module keeps what
is the page's own (its catalog, found in its scripts, and the catalog scripts).
"""

from __future__ import annotations

import argparse
import io
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po, write_po

from coprod_analytics.errors import ValidationError
from coprod_widgets.i18n import LANGUAGES, fmt_number, fmt_pct, negotiate, use_language

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "PageCatalog",
    "catalog_script",
    "extract_messages",
    "format_number",
    "format_percent",
    "missing_translations",
    "negotiate",
    "page_catalogs",
    "read_catalog",
    "script_name",
    "write_scripts",
]

#: The gettext domain of the participant page.
DOMAIN = "participant"
#: Where the ``.po`` files are: ``<LOCALE_DIR>/<lang>/LC_MESSAGES/participant.po``.
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
STATIC_DIR = Path(__file__).resolve().parent / "static"
_KEYWORDS = {"t": None, "nt": (1, 2)}
_PLURAL_EXPR = re.compile(r"^[n0-9\s()?:<>=!&|%]+$")


@dataclass(frozen=True)
class PageCatalog:
    """One language's translations of the participant page.

    Attributes
    ----------
    lang : str
        Babel locale id (``"zh_Hant"``).
    messages : dict
        English message -> translation (a list of plural forms for plural messages).
    num_plurals : int
        How many plural forms the language has.
    plural_expr : str
        The gettext plural expression (C syntax, over ``n``) choosing a form.

    Examples
    --------
    >>> cat = PageCatalog("cy", {"Save": "Cadw"}, 6, "(n==0) ? 0 : (n==1) ? 1 : 5")
    >>> cat.messages["Save"], cat.num_plurals
    ('Cadw', 6)
    """

    lang: str
    messages: dict[str, str | list[str]]
    num_plurals: int
    plural_expr: str


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValidationError(
            f"The 'lang' parameter must be one of {', '.join(LANGUAGES)}. Got {lang!r}."
        )


def script_name(lang: str) -> str:
    """The file name of a language's catalog script, as the page asks for it.

    Parameters
    ----------
    lang : str
        Babel locale id.

    Returns
    -------
    str
        ``participant-<letters>.js`` (the server serves ``participant-[a-z]+.js``).

    Examples
    --------
    >>> script_name("zh_Hant")
    'participant-zhhant.js'
    """
    _check_lang(lang)
    return "participant-" + re.sub(r"[^a-z]", "", lang.lower()) + ".js"


class _MarkedText(HTMLParser):
    """Texts of elements marked ``data-t`` and ``aria-label``s marked ``data-t-aria``."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[int, str]] = []
        self._open: list[tuple[str, int, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        line = self.getpos()[0]
        if "data-t-aria" in a and a.get("aria-label"):
            self.found.append((line, str(a["aria-label"])))
        if "data-t" in a:
            self._open.append((tag, line, []))

    def handle_data(self, data: str) -> None:
        for _, _, parts in self._open:
            parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            _, line, parts = self._open.pop()
            self.found.append((line, " ".join("".join(parts).split())))


def extract_messages(static_dir: str | Path | None = None) -> Catalog:
    """Every message of the participant page, found in its scripts and HTML.

    Parameters
    ----------
    static_dir : path, optional
        The page's folder (default: the package's ``live/static``).

    Returns
    -------
    babel.messages.catalog.Catalog
        The template catalog (English ids, no translations), with where each was found.

    Examples
    --------
    >>> cat = extract_messages()
    >>> "Agree" in cat and "Vote counted." in cat
    True
    """
    folder = Path(static_dir) if static_dir is not None else STATIC_DIR
    cat = Catalog(domain=DOMAIN, project="coprod participant page", fuzzy=False)
    for path in sorted(folder.glob("participant*.js")):
        if re.fullmatch(r"participant-[a-z]+\.js", path.name) and path.name in _SCRIPT_NAMES:
            continue  # generated catalogs
        with path.open("rb") as f:
            for line, msg, _comments, _ctx in extract("javascript", f, keywords=_KEYWORDS):
                where = [(path.name, line)]
                if isinstance(msg, tuple):
                    if msg[0]:
                        cat.add((msg[0], msg[1]), locations=where)
                elif msg:
                    cat.add(msg, locations=where)
    parser = _MarkedText()
    html = folder / "participant.html"
    parser.feed(html.read_text(encoding="utf-8"))
    for line, text in parser.found:
        cat.add(text, locations=[(html.name, line)])
    return cat


def _strings(string: str | tuple[str, ...] | list[str] | None) -> list[str]:
    """A message's translation(s) as a list (one per plural form)."""
    if string is None:
        return []
    return [string] if isinstance(string, str) else [str(s) for s in string]


def _po_path(lang: str, locale_dir: Path | None = None) -> Path:
    return (locale_dir or LOCALE_DIR) / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(lang: str, *, locale_dir: str | Path | None = None) -> Catalog:
    """A language's ``.po`` catalog of the participant page, read with Babel.

    Parameters
    ----------
    lang : str
        Babel locale id, one of :data:`LANGUAGES` except ``"en"`` (English is the source).
    locale_dir : path, optional
        The locale folder (default :data:`LOCALE_DIR`).

    Returns
    -------
    babel.messages.catalog.Catalog

    Examples
    --------
    >>> read_catalog("cy").num_plurals
    6
    """
    _check_lang(lang)
    path = _po_path(lang, Path(locale_dir) if locale_dir is not None else None)
    if not path.exists():
        raise ValidationError(f"No catalog for {lang!r}: {path} is missing.")
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def missing_translations(lang: str, *, locale_dir: str | Path | None = None) -> list[str]:
    """The page's messages a language's catalog lacks, leaves empty or marks fuzzy.

    Parameters
    ----------
    lang : str
        Babel locale id.
    locale_dir : path, optional
        The locale folder (default :data:`LOCALE_DIR`).

    Returns
    -------
    list of str
        The English messages not (fully) translated; empty when the catalog is complete.

    Examples
    --------
    >>> missing_translations("fr")
    []
    """
    cat = read_catalog(lang, locale_dir=locale_dir)
    out = []
    for msg in extract_messages():
        if not msg.id:
            continue
        got = cat.get(msg.id)
        strings = [] if got is None else _strings(got.string)
        if got is None or got.fuzzy or not strings or not all(strings):
            out.append(msg.id if isinstance(msg.id, str) else msg.id[0])
        elif got.pluralizable and len(strings) != cat.num_plurals:
            out.append(msg.id[0])
    return out


def page_catalogs(*, locale_dir: str | Path | None = None) -> dict[str, PageCatalog]:
    """Every translated language's catalog as the page uses it.

    Parameters
    ----------
    locale_dir : path, optional
        The locale folder (default :data:`LOCALE_DIR`).

    Returns
    -------
    dict
        Babel locale id -> :class:`PageCatalog` (English, the source language, is not in it).

    Examples
    --------
    >>> cats = page_catalogs()
    >>> cats["es"].messages["Agree"]
    'De acuerdo'
    """
    out = {}
    for lang in LANGUAGES:
        if lang == "en":
            continue
        cat = read_catalog(lang, locale_dir=locale_dir)
        messages: dict[str, str | list[str]] = {}
        for msg in cat:
            if not msg.id or msg.fuzzy:
                continue
            if msg.pluralizable:
                messages[msg.id[0]] = _strings(msg.string)
            elif msg.string:
                messages[str(msg.id)] = str(msg.string)
        out[lang] = PageCatalog(lang, messages, cat.num_plurals, cat.plural_expr)
    return out


def catalog_script(catalog: PageCatalog) -> str:
    """The page's script of one language: ``Coprod.catalogs[code] = {plural, messages}``.

    Parameters
    ----------
    catalog : PageCatalog
        One language (from :func:`page_catalogs`).

    Returns
    -------
    str
        JavaScript (its plural rule is Babel's gettext expression as a function; the messages
        as JSON).

    Examples
    --------
    >>> js = catalog_script(PageCatalog("es", {"Agree": "De acuerdo"}, 2, "(n != 1)"))
    >>> 'C.catalogs["es"]' in js and "return +((n != 1));" in js
    True
    """
    if not _PLURAL_EXPR.fullmatch(catalog.plural_expr):
        raise ValidationError(
            f"The plural rule of {catalog.lang!r} is not a plain expression over n: "
            f"{catalog.plural_expr!r}."
        )
    code = catalog.lang.replace("_", "-")
    messages = json.dumps(catalog.messages, ensure_ascii=False, sort_keys=True, indent=0)
    return (
        f"// {LANGUAGES[catalog.lang]}: generated from "
        f"voila_apps/locale/{catalog.lang}/LC_MESSAGES/{DOMAIN}.po by\n"
        "// python -m coprod_apps.live.i18n (edit the .po file, not this one).\n"
        '"use strict";\n'
        "(function (C) {\n"
        "  C.catalogs = C.catalogs || {};\n"
        f"  C.catalogs[{json.dumps(code)}] = {{\n"
        f"    plural: function (n) {{ return +({catalog.plural_expr}); }},\n"
        f"    messages: {messages},\n"
        "  };\n"
        "})(window.Coprod = window.Coprod || {});\n"
    )


_SCRIPT_NAMES = {"participant-" + re.sub(r"[^a-z]", "", k.lower()) + ".js" for k in LANGUAGES}


def write_scripts(
    static_dir: str | Path | None = None, *, locale_dir: str | Path | None = None
) -> list[Path]:
    """Write ``participant-<code>.js`` for every translated language.

    Parameters
    ----------
    static_dir : path, optional
        Where to write (default: the package's ``live/static``).
    locale_dir : path, optional
        The locale folder (default :data:`LOCALE_DIR`).

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     sorted(p.name for p in write_scripts(d))[:2]
    ['participant-ar.js', 'participant-cy.js']
    """
    folder = Path(static_dir) if static_dir is not None else STATIC_DIR
    written = []
    for lang, cat in page_catalogs(locale_dir=locale_dir).items():
        path = folder / script_name(lang)
        path.write_text(catalog_script(cat), encoding="utf-8")
        written.append(path)
    return written


def update_catalogs(*, locale_dir: str | Path | None = None) -> list[Path]:
    """Merge the page's messages into every ``.po`` file (new ones untranslated).

    Parameters
    ----------
    locale_dir : path, optional
        The locale folder (default :data:`LOCALE_DIR`).

    Returns
    -------
    list of Path
        The ``.po`` files written.
    """
    template = extract_messages()
    base = Path(locale_dir) if locale_dir is not None else LOCALE_DIR
    written = []
    for lang in LANGUAGES:
        if lang == "en":
            continue
        path = _po_path(lang, base)
        if path.exists():
            cat = read_catalog(lang, locale_dir=base)
        else:
            cat = Catalog(locale=lang, domain=DOMAIN, project="coprod participant page")
        cat.update(template, no_fuzzy_matching=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        write_po(buf, cat, width=100, omit_header=False, ignore_obsolete=True)
        path.write_bytes(buf.getvalue())
        written.append(path)
    return written


def format_number(x: float, lang: str = "en", digits: int = 3) -> str:
    """A number for people in a language (``digits`` significant digits), by Babel.

    Parameters
    ----------
    x : float
        The number.
    lang : str
        Babel locale id.
    digits : int, default 3
        Significant digits.

    Returns
    -------
    str
        :func:`coprod_widgets.i18n.fmt_number` in that language.

    Examples
    --------
    >>> format_number(1234.5, "fr"), format_number(3.5, "pl"), format_number(3.5, "en")
    ('1\\u202f230', '3,5', '3.5')
    """
    _check_lang(lang)
    with use_language(lang):
        return fmt_number(x, digits)


def format_percent(share: float, lang: str = "en", digits: int = 0) -> str:
    """A share (0.7) as a percentage in a language, by Babel.

    Parameters
    ----------
    share : float
        Between 0 and 1 (0.7 is 70%).
    lang : str
        Babel locale id.
    digits : int, default 0
        Decimals of the percentage.

    Returns
    -------
    str
        :func:`coprod_widgets.i18n.fmt_pct` in that language.

    Examples
    --------
    >>> format_percent(0.705, "en", 1), format_percent(0.7, "pl")
    ('70.5%', '70%')
    """
    _check_lang(lang)
    with use_language(lang):
        return fmt_pct(share, digits)


def main(argv: list[str] | None = None) -> int:
    """``python -m coprod_apps.live.i18n [--update]``: write the page's catalog scripts."""
    parser = argparse.ArgumentParser(
        prog="python -m coprod_apps.live.i18n",
        description="Write static/participant-<code>.js from the .po catalogs. With --update, "
        "first merge the page's messages into the .po files (new ones untranslated).",
    )
    parser.add_argument("--update", action="store_true", help="merge new messages first")
    args = parser.parse_args(argv)
    if args.update:
        for path in update_catalogs():
            print("updated", path)
    for path in write_scripts():
        print("wrote", path)
    for lang in LANGUAGES:
        if lang != "en" and (gaps := missing_translations(lang)):
            print(f"{lang}: {len(gaps)} message(s) not translated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
