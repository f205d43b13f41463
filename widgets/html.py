"""HTML fragments of the consensus views (shared by the widgets and the static report).

Pure formatting of the state's tables into HTML strings. Every value from the data goes
through :func:`~coprod_widgets.style.esc`, so a statement like ``<script>...`` is shown as
text. Charts get a text alternative (:func:`alt_table`), a ``<details>`` block holding an
HTML table with an ``aria-label`` that a screen reader reads.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from coprod_analytics.consensus.plots import published_group_sizes
from coprod_analytics.format import MISSING
from coprod_analytics.privacy import is_small_cell, withheld_cells
from coprod_widgets.columns import column_header
from coprod_widgets.core_text import core_text, statement_tag
from coprod_widgets.i18n import (
    fmt_amount,
    fmt_decimal,
    fmt_number,
    fmt_pct,
    gettext_for,
    ngettext_for,
)
from coprod_widgets.style import (
    AGREE,
    DISAGREE,
    PASS,
    VISUALLY_HIDDEN_CSS,
    WIDGETS_A11Y_CSS,
    esc,
    group_colour,
    group_label,
)

if TYPE_CHECKING:  # pragma: no cover
    from coprod_widgets.consensus.state import ConsensusState

__all__ = [
    "CSS",
    "alt_table",
    "coprod_div",
    "footer_html",
    "header_html",
    "interval_label",
    "pct",
    "statement_cards",
    "table_html",
]

_ = gettext_for("report")
_n = ngettext_for("report")

CSS = (
    "<style>"
    + VISUALLY_HIDDEN_CSS
    + ".coprod{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222}"
    ".coprod h1,.coprod h2{margin:.2em 0}.coprod h1{font-size:1.6em}.coprod .muted{color:#555}"
    ".coprod table{border-collapse:collapse;font-size:13px;margin:.3em 0}"
    ".coprod th,.coprod td{border-bottom:1px solid #ddd;padding:2px 8px;text-align:left;"
    "vertical-align:top}"
    ".coprod caption{text-align:left;font-weight:600;padding:2px 0}"
    ".coprod details.alt{margin:.2em 0 .8em 0;font-size:13px}"
    ".coprod details.alt summary{cursor:pointer;color:#0050a0}"
    ".coprod .card{border:1px solid #ddd;border-radius:6px;padding:6px 10px;margin:6px 0;"
    "background:#fff}"
    ".coprod .card .text{font-size:14px;margin:2px 0 4px 0;white-space:pre-wrap;"
    "overflow-wrap:anywhere}"
    ".coprod .tag{display:inline-block;font-size:11px;border-radius:9px;padding:0 7px;"
    "margin-right:4px;background:#eef;color:#224}"
    ".coprod .row{display:flex;align-items:center;gap:6px;font-size:12px;margin:1px 0}"
    ".coprod .row .who{width:110px;flex:none}"
    ".coprod .bar{position:relative;display:flex;width:260px;height:12px;flex:none;"
    "background:#f4f4f4;border:1px solid #ccc}"
    ".coprod .bar span{display:block;height:100%}"
    ".coprod .bar .ci{position:absolute;top:-3px;height:16px;border-left:2px solid #000;"
    "border-right:2px solid #000;box-sizing:border-box;background:transparent}"
    ".coprod .row.sel .who{font-weight:700}"
    ".coprod .swatch{display:inline-block;width:10px;height:10px;border-radius:5px;"
    "margin-right:4px}"
    f".coprod .agree{{background:{AGREE}}}.coprod .disagree{{background:{DISAGREE}}}"
    f".coprod .pass{{background:{PASS}}}" + WIDGETS_A11Y_CSS + "</style>"
)


def pct(value: Any, digits: int = 0) -> str:
    """A share as a percentage string (:func:`coprod_analytics.format.fmt_pct`).

    Parameters
    ----------
    value : float or None
        A share between 0 and 1.
    digits : int, default 0
        Decimals of the percentage.

    Returns
    -------
    str
        E.g. ``"46%"``; :data:`~coprod_analytics.format.MISSING` for None or NaN.

    Examples
    --------
    >>> pct(0.456), pct(None), pct(float("nan"))
    ('46%', '–', '–')
    """
    return fmt_pct(value, digits)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, float):
        return fmt_number(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def table_html(
    frame: pl.DataFrame,
    *,
    caption: str | None = None,
    aria_label: str | None = None,
    max_rows: int = 200,
    formatters: dict[str, Any] | None = None,
) -> str:
    """An escaped HTML table of ``frame`` (at most ``max_rows`` rows).

    Parameters
    ----------
    frame : polars.DataFrame
        The table.
    caption : str, optional
        A visible caption.
    aria_label : str, optional
        The table's name for screen readers.
    max_rows : int, default 200
        Rows shown; a line below the table says how many more there are.
    formatters : dict of str to callable, optional
        Per column, a function turning a value into text (default: floats with 3
        significant digits, missing values as :data:`~coprod_analytics.format.MISSING`).

    Returns
    -------
    str
        The HTML table; every value is escaped.

    Examples
    --------
    >>> table_html(pl.DataFrame({"text": ["<b>x</b>"]}), aria_label="demo")
    '<table aria-label="demo"><thead><tr><th scope="col">text</th></tr></thead><tbody><tr><td>&lt;b&gt;x&lt;/b&gt;</td></tr></tbody></table>'
    >>> table_html(pl.DataFrame({"share": [0.123, None]}), formatters={"share": pct})
    '<table><thead><tr><th scope="col">share</th></tr></thead><tbody><tr><td>12%</td></tr><tr><td>–</td></tr></tbody></table>'
    """
    formatters = formatters or {}
    label = f' aria-label="{esc(aria_label)}"' if aria_label else ""
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    head = "".join(f'<th scope="col">{esc(column_header(c))}</th>' for c in frame.columns)
    body = []
    for row in frame.head(max_rows).iter_rows(named=True):
        cells = []
        for c, v in row.items():
            fmt = formatters.get(c)
            cells.append(f"<td>{esc(fmt(v) if fmt else _cell(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    rest = frame.height - max_rows
    more = (
        "<p class='muted'>"
        + esc(_n("… and {n} more row", "… and {n} more rows", rest).format(n=fmt_amount(rest)))
        + "</p>"
        if frame.height > max_rows
        else ""
    )
    return (
        f"<table{label}>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
        f"</table>{more}"
    )


def alt_table(
    frame: pl.DataFrame, *, summary: str, label: str, formatters: dict[str, Any] | None = None
) -> str:
    """The text alternative of a chart: a sentence and a collapsible table.

    Parameters
    ----------
    frame : polars.DataFrame
        The data the chart shows.
    summary : str
        One sentence saying what the chart shows (the visible ``<summary>``).
    label : str
        The table's name for screen readers (``aria-label``).
    formatters : dict of str to callable, optional
        Per column, a function turning a value into text (see :func:`table_html`).

    Returns
    -------
    str
        A ``<details class="alt">`` block holding the sentence and the table.

    Examples
    --------
    >>> alt_table(pl.DataFrame({"group": ["A"], "size": [16]}), summary="Group sizes",
    ...           label="Group sizes")
    '<details class="alt"><summary>Group sizes</summary><table aria-label="Group sizes"><thead><tr><th scope="col">group</th><th scope="col">size</th></tr></thead><tbody><tr><td>A</td><td>16</td></tr></tbody></table></details>'
    """
    return (
        f'<details class="alt"><summary>{esc(summary)}</summary>'
        + table_html(frame, aria_label=label, formatters=formatters)
        + "</details>"
    )


def header_html(state: ConsensusState, *, title: bool = True) -> str:
    """Title, counts and what the groups are, in plain words.

    Parameters
    ----------
    state : ConsensusState
        The analysed state (its inquiry, result and small-cell threshold).
    title : bool, default True
        Whether to show the title and the vote counts; False shows only what the groups
        are, for a page that has already shown the title and counts.

    Returns
    -------
    str
        A ``<div class="coprod">`` block; with ``title``, the page's one ``<h1>`` (the
        inquiry's title; the page around it gives the landmarks).

    Examples
    --------
    >>> from coprod_analytics import simulate_inquiry
    >>> from coprod_widgets.consensus.state import ConsensusState
    >>> state = ConsensusState(simulate_inquiry(60, 15, seed=1), min_cell=5, bridging=False)
    >>> html = header_html(state)
    >>> html.startswith('<div class="coprod"><h1>Simulated inquiry</h1>')
    True
    >>> "60 participants cast 900 votes on 15 statements" in html
    True
    >>> f"<strong>{state.result.k} opinion groups</strong>" in header_html(state, title=False)
    True
    """
    c = state.inquiry.counts()
    res = state.result
    parts = ['<div class="coprod">']
    if title:
        parts.append(f"<h1>{esc(state.title)}</h1>")
        votes = max(c["votes"], 1)
        parts.append(
            "<p>"
            + _(
                "{participants} participants cast {votes} votes on {statements} statements "
                "({agree} agree, {disagree} disagree, {passed} pass)."
            ).format(
                participants=fmt_amount(c["participants"]),
                votes=fmt_amount(c["votes"]),
                statements=fmt_amount(c["statements"]),
                agree=pct(c["agree"] / votes),
                disagree=pct(c["disagree"] / votes),
                passed=pct(c["pass"] / votes),
            )
            + "</p>"
        )
    if res is not None:
        n_in = int(res.participants.get_column("in_conv").sum())
        # with min_cell, a small group's size is withheld with a complementary one, so that
        # it cannot be worked out as the clustered total minus the other sizes
        published = published_group_sizes(res, min_cell=state.min_cell)
        true = dict(res.groups.select("group", "size").iter_rows())
        sizes = ", ".join(
            f"{esc(group_label(g))}: "
            + (
                _("{n} people").format(n=fmt_amount(n))
                if n is not None
                else _("fewer than {n} people").format(n=state.min_cell)
                if is_small_cell(true.get(g), min_cell=state.min_cell)
                else _("size withheld")
            )
            for g, n in published.items()
        )
        parts.append(
            "<p>"
            + _(
                "The {n} people who voted on enough statements fall into "
                "<strong>{k} opinion groups</strong> ({sizes}). Groups are people who tend "
                "to vote alike; they are found from the votes alone (Pol.is's method)."
            ).format(n=fmt_amount(n_in), k=res.k, sizes=sizes)
            + "</p>"
        )
    parts.append("</div>")
    return "".join(parts)


_SHARES = ("agree", "disagree", "pass")


def _bar(row: dict[str, Any], *, who: str, colour: str, selected: bool, min_cell: int) -> str:
    """One group's agree/disagree/pass bar; with ``min_cell`` > 0 shares of fewer voters are
    withheld with a complementary share (:func:`~coprod_analytics.privacy.withheld_cells`)."""
    sel = " sel" if selected else ""
    swatch = (
        f'<span class="who"><span class="swatch" style="background:{colour}"></span>'
        f"{esc(who)}</span>"
    )
    total = row.get("total")
    if total is None or row.get("agree_rate") is None:
        reason = (
            _("fewer than {n} voters, not shown").format(n=min_cell)
            if total is None and min_cell
            else _("no votes")
        )
        return f'<div class="row{sel}">{swatch}<span class="muted">{esc(reason)}</span></div>'
    counts = {k: row.get(k) for k in _SHARES}
    hidden = withheld_cells(counts, min_cell=min_cell) if min_cell else set()
    rates = {k: float(row.get(f"{k}_rate") or 0.0) for k in _SHARES}
    texts = []
    words = {"agree": _("agree"), "disagree": _("disagree"), "pass": _("pass")}
    for k in _SHARES:
        if k not in hidden:
            texts.append(f"{pct(rates[k])} {words[k]}")
        elif is_small_cell(counts[k], min_cell=min_cell):
            texts.append(_("{what}: fewer than {n}").format(what=words[k], n=min_cell))
        else:
            texts.append(_("{what}: withheld").format(what=words[k]))
    lo, hi = row.get("agree_ci_low"), row.get("agree_ci_high")
    ci = ""
    if "agree" not in hidden and lo is not None and hi is not None:
        ci = (
            f'<span class="ci" style="left:{100 * lo:.1f}%;width:{100 * max(hi - lo, 0):.1f}%">'
            "</span>"
        )
        texts[0] += " " + _("(95% interval {low} to {high})").format(low=pct(lo), high=pct(hi))
    segments = "".join(
        f'<span class="{k}" style="width:{100 * rates[k]:.1f}%"></span>'
        for k in _SHARES
        if k not in hidden
    )
    if hidden:
        gap = sum(rates[k] for k in hidden)
        segments += (
            f'<span class="withheld" style="width:{100 * gap:.1f}%;'
            'background:repeating-linear-gradient(45deg,#ddd 0 3px,#fff 3px 6px)"></span>'
        )
    label = f"{who}: " + ", ".join(texts) + ", " + _("{n} voters").format(n=total)
    return (
        f'<div class="row{sel}">{swatch}'
        f'<span class="bar" role="img" aria-label="{esc(label)}" title="{esc(label)}">'
        f"{segments}{ci}</span><span>{esc(' · '.join(texts))} · n={esc(total)}</span></div>"
    )


def statement_cards(state: ConsensusState, board: pl.DataFrame, *, max_rows: int = 12) -> str:
    """The statement board as HTML cards.

    Each card shows the statement's text, tags and group-aware consensus, and one
    agree/disagree/pass bar per group with the agree-rate interval. With the state's
    ``min_cell`` > 0 (a published page: the Voila report, ``coprod publish``, the static
    report) a group with fewer voters is not shown, shares of fewer voters are withheld
    with a complementary share (:func:`~coprod_analytics.privacy.withheld_cells`) so no
    count below ``min_cell`` follows from a percentage times n, a statement's vote count
    below ``min_cell`` is not printed, and its group-aware consensus (a product of every
    group's agree rate) is withheld when any group's agree share is.

    Parameters
    ----------
    state : ConsensusState
        The analysed state (group votes, selected group, small-cell threshold).
    board : polars.DataFrame
        The statements to show, as :meth:`ConsensusState.board_table` returns them.
    max_rows : int, default 12
        Cards shown; a line says how many statements there are.

    Returns
    -------
    str
        A ``<div class="coprod">`` holding a ``role="list"`` of cards (``role="listitem"``;
        every data value escaped) and the notes below it.

    Examples
    --------
    >>> from coprod_analytics import simulate_inquiry
    >>> from coprod_widgets.consensus.state import ConsensusState
    >>> state = ConsensusState(simulate_inquiry(60, 15, seed=1), min_cell=5, bridging=False)
    >>> board = state.board_table()
    >>> html = statement_cards(state, board, max_rows=2)
    >>> html.count('<div class="card"'), f"Showing 2 of {board.height} statements" in html
    (2, True)
    >>> statement_cards(state, board.head(0))
    '<div class="coprod"><p class="muted">No statement matches.</p></div>'
    """
    if board.height == 0:
        return (
            '<div class="coprod"><p class="muted">' + esc(_("No statement matches.")) + "</p></div>"
        )
    min_cell = state.min_cell
    shown = board.head(max_rows)
    ids = shown.get_column("statement_id").to_list()
    gv = state.group_votes(ids)
    by_sid: dict[Any, list[dict[str, Any]]] = {}
    for r in gv.iter_rows(named=True):
        by_sid.setdefault(r["statement_id"], []).append(r)
    cards = []
    for row in shown.iter_rows(named=True):
        sid = row["statement_id"]
        rows = by_sid.get(sid, [])
        tags = "".join(
            f'<span class="tag">{esc(statement_tag(tg))}</span>' for tg in row["tags"] or []
        )
        agree_hidden = bool(min_cell) and any(
            r.get("total") is None
            or "agree" in withheld_cells({k: r.get(k) for k in _SHARES}, min_cell=min_cell)
            for r in rows
        )
        gac = row["group_aware_consensus"]
        if gac is None:
            gac_txt = ""
        elif agree_hidden:
            gac_txt = _("group-aware consensus withheld (a group's agree count is small)")
        else:
            gac_txt = _("group-aware consensus {value}").format(value=fmt_decimal(gac))
            if row["gac_ci_low"] is not None and row["gac_ci_high"] is not None:
                gac_txt += f" ({fmt_decimal(row['gac_ci_low'])}–{fmt_decimal(row['gac_ci_high'])})"
        bars = "".join(
            _bar(
                r,
                who=group_label(r["group"]),
                colour=group_colour(r["group"]),
                selected=r["group"] == state.selected_group,
                min_cell=min_cell,
            )
            for r in rows
        )
        n_votes = row["n_votes"]
        votes_txt = (
            _("fewer than {n} votes").format(n=min_cell)
            if is_small_cell(n_votes, min_cell=min_cell)
            else _("{n} votes").format(n=n_votes)
        )
        cards.append(
            f'<div class="card" role="listitem" data-statement-id="{esc(sid)}">'
            f'<div class="muted">#{esc(sid)} · {esc(votes_txt)} · {esc(gac_txt)} {tags}</div>'
            f'<div class="text" dir="auto">{esc(row["text"])}</div>{bars}</div>'
        )
    more = (
        '<p class="muted">'
        + _("Showing {shown} of {total} statements; filter to narrow down.").format(
            shown=max_rows, total=board.height
        )
        + "</p>"
        if board.height > max_rows
        else '<p class="muted">' + _("{n} statement(s).").format(n=board.height) + "</p>"
    )
    if min_cell:
        more += (
            '<p class="muted">'
            + _(
                "Shares of fewer than {n} voters in a group are withheld (\u201cfewer than\u201d), "
                "together with one more share where needed (\u201cwithheld\u201d), so that no "
                "small count can be worked out from n."
            ).format(n=min_cell)
            + "</p>"
        )
    # the list holds the cards alone (a list may own only list items); the notes follow it
    return f'<div class="coprod"><div role="list">{"".join(cards)}</div>{more}</div>'


def footer_html(
    state: ConsensusState, *, suppression_note: str | None = None, extra: Sequence[str] = ()
) -> str:
    """Provenance (input fingerprint, parameters, seed, version), notes and attribution.

    Parameters
    ----------
    state : ConsensusState
        The analysed state (its result's provenance and notes, small-cell threshold and
        attribution).
    suppression_note : str, optional
        Added to the sentence about small-cell suppression (e.g. what was suppressed).
    extra : sequence of str, optional
        Further HTML fragments placed before the attribution (trusted: escape data first).

    Returns
    -------
    str
        A ``<div class="coprod">`` block (a ``contentinfo`` landmark).

    Examples
    --------
    >>> from coprod_analytics import simulate_inquiry
    >>> from coprod_widgets.consensus.state import ConsensusState
    >>> state = ConsensusState(simulate_inquiry(60, 15, seed=1), min_cell=5, bridging=False)
    >>> html = footer_html(state, suppression_note="one group of 4")
    >>> "fewer than 5 people is shown (one group of 4)" in html
    True
    >>> state.inquiry.fingerprint in html
    True
    """
    res = state.result
    parts = ['<div class="coprod" role="contentinfo"><hr>']
    if state.min_cell:
        parts.append(
            "<p class='muted'>"
            + _("Small cells suppressed: no breakdown of fewer than {n} people is shown").format(
                n=state.min_cell
            )
            + (f" ({esc(core_text(suppression_note))})" if suppression_note else "")
            + ".</p>"
        )
    if res is not None:
        for note in res.notes:
            parts.append(f"<p class='muted'>{esc(_('Note:'))} {esc(core_text(note))}</p>")
        prov = res.provenance.to_dict()
        params = json.dumps(prov["parameters"], sort_keys=True, default=str)
        parts.append(
            "<details class='alt'><summary>"
            + esc(_("Provenance: how this was computed"))
            + "</summary>"
            + table_html(
                pl.DataFrame(
                    {
                        _("what"): [
                            _("method"),
                            _("input fingerprint (SHA-256)"),
                            _("parameters"),
                            _("seed"),
                            _("coprod-analytics version"),
                        ],
                        _("value"): [
                            prov["method"],
                            prov["input_fingerprint"],
                            params,
                            str(prov["seed"]),
                            prov["version"],
                        ],
                    }
                ),
                aria_label=_("Provenance"),
            )
            + "</details>"
        )
    parts.extend(extra)
    if state.attribution:
        parts.append(
            f"<p class='muted'><strong>{esc(_('Data:'))}</strong> {esc(state.attribution)}</p>"
        )
    parts.append("</div>")
    return "".join(parts)


def coprod_div(*parts: str) -> str:
    """HTML fragments wrapped in the package's styled container (``<div class="coprod">``).

    Parameters
    ----------
    *parts : str
        HTML fragments, already escaped.

    Returns
    -------
    str

    Examples
    --------
    >>> coprod_div("<p>a</p>", "<p>b</p>")
    '<div class="coprod"><p>a</p><p>b</p></div>'
    """
    return '<div class="coprod">' + "".join(parts) + "</div>"


def interval_label(alpha: float | None) -> str:
    """The coverage of a ``1 - alpha`` interval in words.

    Parameters
    ----------
    alpha : float or None
        One minus the coverage (None: the default 0.05).

    Returns
    -------
    str

    Examples
    --------
    >>> interval_label(0.05), interval_label(0.1), interval_label(None)
    ('95%', '90%', '95%')
    """
    return fmt_pct(1 - (0.05 if alpha is None else float(alpha)))
