"""The participant page as the server sends it: one document that a first visit needs.

On a weak signal (Chromium's "Slow 3G": 400 ms per round trip, ~50 KB/s) every round trip
costs more than the bytes, so the page's first load is one HTML document carrying its style
sheet, its scripts, the catalog of the language the server picked (``?lang=``, the session's
``coprod serve --lang``, the browser's ``Accept-Language``) and the session's description
(what ``GET /api/session`` answers) -- then one ``POST /api/join`` whose answer carries the
open activities (and the first statement). ``static/participant.html`` stays the source: its
``<link rel="stylesheet">`` and ``<script src>`` tags name what is inlined, in order.

The inline style and scripts run under a strict Content-Security-Policy with a fresh nonce
per answer (:func:`page_policy`); the session description is a ``type="application/json"``
data block (never executed). The ``<html>`` element carries the language's ``lang`` and
``dir`` (``rtl`` for Arabic) as sent, before any script runs. A language chosen later is still
loaded from ``/static/participant-<code>.js``.

The Voila pages (the report, the facilitator dashboard, a published app) are sent the same
way: :class:`VoilaPageLanguage`, an nbconvert preprocessor named in the coprod Voila
template's ``conf.json``, gives the template the language of the page (``COPROD_LANG``, or
``COPROD_DASHBOARD_LANG`` for the dashboard) for its ``<html lang dir>`` and title.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import struct
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from coprod_apps.live.i18n import LANGUAGES, negotiate, script_name
from coprod_widgets.i18n import html_lang, text_direction

__all__ = [
    "VoilaPageLanguage",
    "js_lang",
    "new_nonce",
    "page_lang",
    "page_policy",
    "render_page",
    "render_page_gzip",
]

STATIC_DIR = Path(__file__).resolve().parent / "static"
_STYLE = re.compile(r'<link rel="stylesheet" href="/static/(participant[-a-z]*\.css)">\n?')
_SCRIPT = re.compile(r'<script src="/static/(participant[-a-z]*\.js)" defer></script>\n?')
_CLOSE = re.compile(r"</(script|style)", re.IGNORECASE)
_HTML_TAG = re.compile(r"<html\b[^>]*>", re.IGNORECASE)


def new_nonce() -> str:
    """A fresh Content-Security-Policy nonce (128 random bits, URL-safe base64).

    Returns
    -------
    str
        The nonce.

    Examples
    --------
    >>> len(new_nonce()) >= 22 and new_nonce() != new_nonce()
    True
    """
    return secrets.token_urlsafe(16)


def page_policy(nonce: str) -> str:
    """The page's Content-Security-Policy: only this server, and inline code with ``nonce``.

    Parameters
    ----------
    nonce : str
        The answer's nonce (:func:`new_nonce`).

    Returns
    -------
    str
        The header's value.

    Examples
    --------
    >>> "script-src 'self' 'nonce-abc'" in page_policy("abc")
    True
    """
    return (
        f"default-src 'none'; script-src 'self' 'nonce-{nonce}'; "
        f"style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def page_lang(query: str | None, session_lang: str | None, accept_language: str | None) -> str:
    """The language whose catalog goes with the page: ``?lang=``, else the session's
    language, else the browser's ``Accept-Language``, else English (as the page decides,
    less the choice remembered on the phone, which the server cannot see).

    Parameters
    ----------
    query : str or None
        The ``lang`` query argument.
    session_lang : str or None
        ``coprod serve --lang`` (a key of :data:`~coprod_apps.live.i18n.LANGUAGES`).
    accept_language : str or None
        The request's ``Accept-Language`` header.

    Returns
    -------
    str
        A Babel locale id of :data:`~coprod_apps.live.i18n.LANGUAGES`.

    Examples
    --------
    >>> page_lang("es", "fr", "pl"), page_lang(None, "fr", "pl"), page_lang("xx", None, "zh-TW")
    ('es', 'fr', 'zh_Hant')
    """
    for given in (query, session_lang):
        if given:
            lang = negotiate(given, "")
            if lang:
                return lang
    return negotiate(accept_language, "en")


def js_lang(lang: str) -> str:
    """The page's code of a Babel locale id (``zh_Hant`` -> ``zh-Hant``).

    Parameters
    ----------
    lang : str
        A Babel locale id.

    Returns
    -------
    str
        The code ``participant-lang.js`` uses.

    Examples
    --------
    >>> js_lang("zh_Hant"), js_lang("cy")
    ('zh-Hant', 'cy')
    """
    return lang.replace("_", "-")


def _inline(text: str) -> str:
    # "</script" or "</style" would end the element early (only inside strings in our files)
    return _CLOSE.sub(lambda m: "<\\/" + m.group(1), text)


def _stamp(static_dir: Path) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in static_dir.glob("participant*")))


@lru_cache(maxsize=32)
def _parts(static_dir: Path, lang: str, stamp: tuple[tuple[str, int], ...]) -> tuple[str, str]:
    """The page split where the nonce goes: (head..., ...rest) with ``{nonce}`` markers."""
    html = (static_dir / "participant.html").read_text("utf-8")
    # the language and its direction as sent, before any script runs (the page's code sets
    # them again for a language the phone remembers)
    html = _HTML_TAG.sub(
        f'<html lang="{html_lang(lang)}" dir="{text_direction(lang)}">', html, count=1
    )
    scripts = _SCRIPT.findall(html)
    html = _SCRIPT.sub("", html)
    html = _STYLE.sub(
        lambda m: (
            '<style nonce="\0">\n'
            + _inline((static_dir / m.group(1)).read_text("utf-8"))
            + "</style>\n"
        ),
        html,
    )
    if lang != "en":  # the catalog right after the language code that reads it
        scripts.insert(1 if scripts else 0, script_name(lang))
    # each script named after its file (what the browser's tools show)
    body = "".join(
        f'<script nonce="\0">\n{_inline((static_dir / name).read_text("utf-8"))}'
        f"//# sourceURL=/static/{name}\n</script>\n"
        for name in scripts
    )
    head, _, tail = html.rpartition("</body>")
    return head, body + "</body>" + tail


def render_page(
    boot: dict[str, Any], *, lang: str, nonce: str, static_dir: str | Path | None = None
) -> bytes:
    """The participant page with its style, scripts, one catalog and ``boot`` inline.

    Parameters
    ----------
    boot : dict
        What the page starts from without asking: ``{"session": <GET /api/session>,
        "lang": <page code>}``; JSON, ``<`` escaped.
    lang : str
        The Babel locale id whose catalog is inlined (none for English).
    nonce : str
        The nonce of the answer's Content-Security-Policy (:func:`page_policy`).
    static_dir : path, optional
        Where ``participant.html`` and its files are (default: the package's ``static``).

    Returns
    -------
    bytes
        The UTF-8 document.

    Examples
    --------
    >>> page = render_page({"lang": "es"}, lang="es", nonce="n0").decode()
    >>> '<script src=' in page, page.count('nonce="n0"') >= 8, 'C.catalogs["es"]' in page
    (False, True, True)
    >>> render_page({"lang": "ar"}, lang="ar", nonce="n0").decode().splitlines()[1]
    '<html lang="ar" dir="rtl">'
    """
    if lang not in LANGUAGES:
        lang = "en"
    folder = Path(static_dir) if static_dir is not None else STATIC_DIR
    head, tail = _parts(folder, lang, _stamp(folder))
    data = json.dumps(boot, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    block = f'<script id="coprod-boot" type="application/json">{data}</script>\n'
    return (head + block + tail).replace("\0", nonce).encode("utf-8")


@lru_cache(maxsize=32)
def _gz_parts(
    static_dir: Path, lang: str, stamp: tuple[tuple[str, int], ...], nonce_len: int
) -> tuple[list[bytes], list[bytes]]:
    """The page's constant pieces (between the nonces and the boot block), each deflated
    once on its own, ended by a sync flush (byte-aligned: the pieces and the per-answer
    bytes between them make one deflate stream).

    A piece may refer back to the pieces before it in its half (the nonces between them have
    a fixed length, and ``\0`` in their place matches nothing), so the page compresses
    almost as well as in one go."""
    head, tail = _parts(static_dir, lang, stamp)
    hole = b"\0" * nonce_len

    def deflate_all(pieces: list[str]) -> list[bytes]:
        out = []
        before = b""  # what the browser has decompressed of this half so far
        for text in pieces:
            data = text.encode("utf-8")
            window = before[-32768:]  # pieces hold no NUL (render_page's nonce marker)
            if window:
                c = zlib.compressobj(6, zlib.DEFLATED, -15, zdict=window)
            else:
                c = zlib.compressobj(6, zlib.DEFLATED, -15)
            out.append(c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH))
            before += data + hole
        return out

    return deflate_all(head.split("\0")), deflate_all(tail.split("\0"))


def _stored(data: bytes) -> bytes:
    """``data`` as stored (uncompressed) deflate blocks, none of them the last."""
    out = []
    for i in range(0, len(data), 0xFFFF):
        chunk = data[i : i + 0xFFFF]
        out.append(b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(out)


def render_page_gzip(
    boot: dict[str, Any], *, lang: str, nonce: str, static_dir: str | Path | None = None
) -> bytes:
    """:func:`render_page` gzipped, for a browser that accepts gzip, at a fraction of the CPU.

    Gzipping the ~100 KB page took ~4 ms per visit (1,000 phones arriving: 4 s of the
    server's one thread). The constant pieces are deflated once (:func:`_gz_parts`); per
    answer only the nonces (stored as they are) and the boot block are added, and the CRC
    computed.

    Parameters
    ----------
    boot, lang, nonce, static_dir
        As for :func:`render_page`.

    Returns
    -------
    bytes
        A gzip file whose content is exactly what :func:`render_page` returns.

    Examples
    --------
    >>> import gzip
    >>> args = dict(lang="fr", nonce="n0")
    >>> gzip.decompress(render_page_gzip({"lang": "fr"}, **args)) == render_page(
    ...     {"lang": "fr"}, **args)
    True
    """
    if lang not in LANGUAGES:
        lang = "en"
    folder = Path(static_dir) if static_dir is not None else STATIC_DIR
    stamp = _stamp(folder)
    heads, tails = _gz_parts(folder, lang, stamp, len(nonce.encode("utf-8")))
    page = render_page(boot, lang=lang, nonce=nonce, static_dir=folder)
    data = json.dumps(boot, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    block = f'<script id="coprod-boot" type="application/json">{data}</script>\n'
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    boot_z = c.compress(block.encode("utf-8")) + c.flush(zlib.Z_SYNC_FLUSH)
    n = _stored(nonce.encode("utf-8"))
    out = [b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", n.join(heads), boot_z, n.join(tails)]
    out.append(b"\x03\x00")  # the last block: empty
    out.append(struct.pack("<II", zlib.crc32(page), len(page) & 0xFFFFFFFF))
    return b"".join(out)


#: The Voila apps' page titles (message, gettext domain), by notebook name.
_VOILA_TITLES = {
    "report": ("Inquiry report: opinion groups and consensus", "report"),
    "live_dashboard": ("Live session: facilitator dashboard", "dashboard"),
}


class VoilaPageLanguage:
    """The language of a Voila page as the server sends it: an nbconvert preprocessor.

    The coprod Voila template (``share/voila/templates/coprod``) names it in its
    ``conf.json``; it runs in the Voila server before the page is written and puts into the
    template's ``resources`` ``coprod_lang`` (the ``lang`` attribute), ``coprod_dir``
    (``"rtl"`` for Arabic) and ``coprod_title`` (the page's title in that language). The
    language is the one the app's kernel is given: ``COPROD_DASHBOARD_LANG`` for the live
    dashboard (``coprod serve --lang``), ``COPROD_LANG`` for the report and a published app
    (``coprod report --lang``); English when unset or unknown.

    Parameters
    ----------
    environ : mapping, optional
        Where the language is read (default: ``os.environ`` when the page is written).

    Examples
    --------
    >>> step = VoilaPageLanguage({"COPROD_LANG": "ar"})
    >>> _, res = step({}, {"metadata": {"name": "report"}})
    >>> res["coprod_lang"], res["coprod_dir"], res["coprod_title"][:6]
    ('ar', 'rtl', 'تقرير ')
    >>> _, res = step({}, {"metadata": {"name": "live_dashboard"}})  # the dashboard's own
    >>> res["coprod_lang"], res["coprod_dir"], res["coprod_title"]
    ('en', 'ltr', 'Live session: facilitator dashboard')
    """

    enabled = True

    def __init__(self, environ: dict[str, str] | None = None, **_config: Any) -> None:
        self.environ = environ

    def __call__(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        from coprod_widgets.i18n import translate

        env = os.environ if self.environ is None else self.environ
        name = str((resources.get("metadata") or {}).get("name") or "")
        key = "COPROD_DASHBOARD_LANG" if name == "live_dashboard" else "COPROD_LANG"
        lang = negotiate(env.get(key) or "", "en")
        resources["coprod_lang"] = html_lang(lang)
        resources["coprod_dir"] = text_direction(lang)
        if name in _VOILA_TITLES:
            message, domain = _VOILA_TITLES[name]
            resources["coprod_title"] = translate(domain, message, lang)
        return nb, resources
