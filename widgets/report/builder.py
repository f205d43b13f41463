"""Render the report sections of every family into one self-contained HTML page."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coprod_analytics.errors import check_param
from coprod_analytics.inquiry import Inquiry
from coprod_widgets.html import CSS
from coprod_widgets.i18n import (
    N_,
    check_language,
    current_language,
    format_date,
    gettext_for,
    html_lang,
    text_direction,
    use_language,
)
from coprod_widgets.report.context import ReportContext, Section
from coprod_widgets.style import esc

__all__ = ["build_report", "write_report"]

_ = gettext_for("report")
#: Section titles of families whose modules use another domain (translated here too).
_OTHER_TITLES = (N_("Community map"),)
#: Messages of the apps layer (coprod_apps.report_app) in this domain.
_APP_MESSAGES = (
    N_("This input cannot be shown"),
    N_("Inquiry report: opinion groups and consensus"),
)

_PAGE_CSS = (
    "<style>body{max-width:1100px;margin:1.5em auto;padding:0 1em;background:#fafafa}"
    "section{background:#fff;border:1px solid #e3e3e3;border-radius:8px;padding:.6em 1.2em;"
    "margin:1em 0}nav ol{columns:2}figure.chart{margin:.5em 0}"
    ".skip{position:absolute;left:-999px}.skip:focus{left:1em}"
    "[dir=rtl] .skip:focus{left:auto;right:1em}</style>"
)


def build_report(
    inquiry: Inquiry | str | os.PathLike[str],
    *,
    seed: int = 0,
    min_cell: int = 5,
    title: str | None = None,
    sections: Sequence[Section] | None = None,
    options: dict[str, Any] | None = None,
    progress: bool = False,
    lang: str | None = None,
) -> str:
    """A self-contained HTML report of an inquiry (plotly.js inlined; opens offline).

    Parameters
    ----------
    inquiry : Inquiry or path
        The inquiry or any input :func:`~coprod_analytics.load_inquiry` reads.
    seed : int, default 0
        Random seed of the analyses.
    min_cell : int, default 5
        Small-cell threshold: no group or breakdown of fewer people is published (0 turns
        suppression off; the report says which applies).
    title : str, optional
        Page title (default: the inquiry's).
    sections : sequence of Section, optional
        Sections to render, those that apply to the input (default: every family's
        sections, :func:`coprod_widgets.families.sections`).
    options : dict, optional
        Keyword arguments per analysis, e.g. ``{"opinion_groups": {"n_resamples": 200}}``.
    progress : bool, default False
        Show a progress bar over the sections (``coprod export`` turns it on in a terminal).
    lang : str, optional
        The language of the report's headings, explanations, numbers and dates (one of
        :data:`coprod_widgets.i18n.LANGUAGES`; default: the current language, English unless
        set). The page's ``<html lang dir>`` follow it; the inquiry's own texts are not
        translated.

    Returns
    -------
    str
        The HTML page.

    Examples
    --------
    >>> from coprod_analytics import simulate_inquiry
    >>> inquiry = simulate_inquiry(60, 15, seed=1)
    >>> page = build_report(inquiry, options={"opinion_groups": {"bridging": False}})
    >>> page.startswith("<!DOCTYPE html>"), "cdn.plot.ly" in page.split("<body")[1][:2000]
    (True, False)
    >>> '<section id="opinion-groups"' in page, '<section id="provenance"' in page
    (True, True)
    """
    language = check_language(lang) if lang is not None else current_language()
    with use_language(language):
        return _build(inquiry, seed, min_cell, title, sections, options, progress)


def _build(
    inquiry: Inquiry | str | os.PathLike[str],
    seed: int,
    min_cell: int,
    title: str | None,
    sections: Sequence[Section] | None,
    options: dict[str, Any] | None,
    progress: bool,
) -> str:
    func = "build_report"
    check_param(
        isinstance(min_cell, int) and not isinstance(min_cell, bool) and min_cell >= 0,
        "min_cell",
        func,
        "an int >= 0",
        min_cell,
    )
    check_param(isinstance(seed, int) and not isinstance(seed, bool), "seed", func, "an int", seed)
    if not isinstance(inquiry, Inquiry):
        from coprod_analytics.io.load import load_inquiry

        inquiry = load_inquiry(inquiry)
    ctx = ReportContext(inquiry=inquiry, seed=seed, min_cell=min_cell, options=dict(options or {}))
    chosen = list(sections) if sections is not None else _family_sections()
    chosen = sorted((s for s in chosen if s.applies(ctx)), key=lambda s: (s.order, s.key))
    # provenance-like sections (high order) render last so they see what the others did
    from coprod_analytics.progress import progress as _progress

    bodies = [
        (s, s.render(ctx))
        for s in _progress(chosen, enabled=progress, desc="Report sections", unit="section")
    ]
    page_title = title or str(inquiry.metadata.get("title") or _("Inquiry report"))
    toc = "".join(f'<li><a href="#{esc(s.key)}">{esc(_(s.title))}</a></li>' for s, _h in bodies)
    body = "".join(
        f'<section id="{esc(s.key)}" aria-labelledby="{esc(s.key)}-h">'
        f'<h2 id="{esc(s.key)}-h">{esc(_(s.title))}</h2>{html}</section>'
        for s, html in bodies
    )
    now = datetime.now(UTC)
    stamp = format_date(now, format="medium") + " UTC"
    generated = _("Report generated {when} by coprod-analytics.").format(when=stamp)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html_lang()}" dir="{text_direction()}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(page_title)}</title>{CSS}{_PAGE_CSS}</head>"
        f'<body><a class="skip" href="#main">{esc(_("Skip to the report"))}</a>'
        f'<header class="coprod"><h1 dir="auto">{esc(page_title)}</h1>'
        f'<p class="muted">{esc(generated)}</p>'
        f'<nav aria-label="{esc(_("Contents"))}"><ol>{toc}</ol></nav></header>'
        f'<main id="main" class="coprod" aria-label="{esc(page_title)}">{body}</main>'
        "</body></html>\n"
    )


def write_report(
    path: str | os.PathLike[str], inquiry: Inquiry | str | os.PathLike[str], **kwargs: Any
) -> Path:
    """Write :func:`build_report` to ``path`` (UTF-8) and return the path.

    Parameters
    ----------
    path : path
        The HTML file to write (its folder is created when missing).
    inquiry : Inquiry or path
        The inquiry or any input :func:`~coprod_analytics.load_inquiry` reads.
    **kwargs : Any
        Keyword arguments of :func:`build_report` (``seed``, ``min_cell``, ``title``,
        ``sections``, ``options``, ``progress``, ``lang``).

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> from coprod_analytics import simulate_inquiry
    >>> from coprod_widgets.report.context import ProvenanceSection
    >>> inquiry = simulate_inquiry(30, 8, seed=1)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = write_report(Path(tmp) / "report.html", inquiry, title="Travel",
    ...                        sections=[ProvenanceSection()])
    ...     page = out.read_text(encoding="utf-8")
    >>> out.name, "<title>Travel</title>" in page
    ('report.html', True)
    """
    from coprod_analytics.io.atomic import atomic_write_text

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    # the page is built first, then written in one step: a failure leaves any earlier page
    return atomic_write_text(out, build_report(inquiry, **kwargs))


def _family_sections() -> list[Section]:
    from coprod_widgets.families import sections

    return sections()
