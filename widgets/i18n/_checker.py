"""The catalogs' upkeep: the messages found in the sources (:func:`extract_messages`),
merged into the ``.po`` files (:func:`update_catalogs`, ``--update``) and what is not
translated (:func:`catalog_problems`, ``--check``); :func:`main` is
``python -m coprod_widgets.i18n``.

Private: import these names from :mod:`coprod_widgets.i18n`.
"""

from __future__ import annotations

import argparse
import ast
import io
import re
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from coprod_widgets.i18n._catalog import LOCALE_DIR, _messages, _po_path, _read
from coprod_widgets.i18n._language import DEFAULT_LANGUAGE, LANGUAGES

#: The widgets package, whose files are searched for messages (this package's own excepted).
SOURCE_DIR = Path(__file__).resolve().parents[1]
_I18N_DIR = Path(__file__).resolve().parent

_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z_0-9]*(?:[:!][^{}]*)?\}|%\([A-Za-z_]+\)[sdfr]")
_DOMAIN_CALL = re.compile(r"""gettext_for\(\s*["']([a-z_]+)["']\s*\)""")
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
        if path.resolve().parent == _I18N_DIR:  # its docstrings name domains too
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
