"""Colours, labels and HTML helpers shared by every view and the static report.

Colours follow the Okabe–Ito palette (safe for the common colour-vision deficiencies).
Groups take the blues, orange, purple and yellow of the palette; agree / disagree / pass
take bluish green, vermillion and grey, so a group colour is never read as a vote.

Every text that comes from the data (statement texts, titles, ids) is untrusted: use
:func:`esc` before putting it into HTML and :func:`hover_text` before putting it into a
plotly hover label (plotly renders a few HTML tags in labels).
"""

from __future__ import annotations

import html
from typing import Any

# the opinion groups' colours live with the core's plots (one palette for both layers)
from coprod_analytics.consensus.plots import GROUP_COLOURS, UNCLUSTERED

__all__ = [
    "AGREE",
    "DISAGREE",
    "GROUP_COLOURS",
    "PASS",
    "UNCLUSTERED",
    "VISUALLY_HIDDEN_CSS",
    "WIDGETS_A11Y_CSS",
    "esc",
    "group_colour",
    "group_label",
    "group_name",
    "hover_text",
    "short",
]

AGREE = "#009E73"  # bluish green
DISAGREE = "#D55E00"  # vermillion
PASS = "#BBBBBB"  # grey

#: CSS of the screen-reader-only class used for text alternatives of charts.
VISUALLY_HIDDEN_CSS = (
    ".coprod-sr-only{position:absolute!important;width:1px;height:1px;padding:0;"
    "margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}"
)

#: Fixes to ipywidgets' own look on our pages (WCAG 2.2 AA, checked by axe-core in
#: ``tests/test_a11y_pages.py``): the styled buttons' colours give white text at least 4.5:1
#: (ipywidgets' orange, green and blue give 2.7 to 4.1), folded section titles are dark
#: enough on their grey (4.45:1 before), and every control shows a clear focus ring.
WIDGETS_A11Y_CSS = (
    ".jupyter-button.mod-success{background-color:#1b7f3b}"
    ".jupyter-button.mod-warning{background-color:#a65300}"
    ".jupyter-button.mod-danger{background-color:#c62828}"
    ".jupyter-button.mod-info{background-color:#01579b}"
    ".jupyter-button.mod-primary{background-color:#1565c0}"
    ".jupyter-widget-Collapse-header{color:#222}"
    ".jupyter-widgets :focus-visible,.jupyter-widgets:focus-visible,"
    ".jupyter-widget-Collapse-header:focus-visible"
    "{outline:3px solid #0050a0!important;outline-offset:2px}"
)


def group_label(group: Any) -> str:
    """Pol.is-style letter label of a group id: 0 → ``"Group A"``.

    Parameters
    ----------
    group : int or None
        A group id (0, 1, ...); None for people not in any group.

    Returns
    -------
    str
        ``"Group A"`` to ``"Group Z"`` for ids 0 to 25, ``"Group <id>"`` beyond, and
        ``"Not clustered"`` for None.

    Examples
    --------
    >>> group_label(0), group_label(2), group_label(27)
    ('Group A', 'Group C', 'Group 27')
    >>> group_label(None)
    'Not clustered'
    """
    from coprod_widgets.i18n import gettext_for

    _ = gettext_for("report")
    if group is None:
        return _("Not clustered")
    g = int(group)
    return _("Group {name}").format(name=chr(ord("A") + g) if 0 <= g < 26 else g)


def group_name(text: Any) -> str:
    """A group's name as the core writes it ("Group A", "Not clustered") in the current
    language; any other text (a user's own group names) unchanged.

    Parameters
    ----------
    text : str
        A label from a core result or figure.

    Returns
    -------
    str

    Examples
    --------
    >>> from coprod_widgets.i18n import use_language
    >>> with use_language("pl"):
    ...     group_name("Group B"), group_name("Not clustered"), group_name("Tenants")
    ('Grupa B', 'Bez grupy', 'Tenants')
    """
    import re

    from coprod_widgets.i18n import gettext_for

    _ = gettext_for("report")
    s = str(text)
    m = re.fullmatch(r"Group ([A-Z]|\d+)", s)
    if m:
        return _("Group {name}").format(name=m.group(1))
    return _("Not clustered") if s == "Not clustered" else s


def group_colour(group: Any) -> str:
    """Colour of a group id (grey for ``None``).

    Parameters
    ----------
    group : int or None
        A group id (0, 1, ...); None for people not in any group.

    Returns
    -------
    str
        A hex colour of :data:`GROUP_COLOURS` (cycling after six groups), or
        :data:`UNCLUSTERED` for None.

    Examples
    --------
    >>> group_colour(0), group_colour(None)
    ('#0072B2', '#999999')
    """
    if group is None:
        return UNCLUSTERED
    return GROUP_COLOURS[int(group) % len(GROUP_COLOURS)]


def esc(value: Any) -> str:
    """HTML-escape any value (``None`` → ``""``); quotes are escaped too.

    Parameters
    ----------
    value : Any
        Anything; it is turned into text with :class:`str`.

    Returns
    -------
    str
        Text safe inside HTML elements and quoted attributes.

    Examples
    --------
    >>> esc('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return "" if value is None else html.escape(str(value), quote=True)


def short(text: Any, width: int = 120) -> str:
    """One line of at most ``width`` characters (whitespace collapsed, ``…`` when cut).

    Parameters
    ----------
    text : Any
        The text (None: empty); turned into text with :class:`str`.
    width : int, default 120
        The most characters returned, the ``…`` included.

    Returns
    -------
    str
        The shortened text (not escaped).

    Examples
    --------
    >>> short("a  b\\n c", 10), short("x" * 12, 5)
    ('a b c', 'xxxx…')
    """
    s = " ".join(str(text or "").split())
    return s if len(s) <= width else s[: width - 1] + "…"


def hover_text(text: Any, width: int = 80, max_lines: int = 4) -> str:
    """A statement text made safe for a plotly hover label and wrapped with ``<br>``.

    Plotly renders a handful of HTML tags (``<b>``, ``<br>``, ``<a>`` ...) in labels, so
    the text is escaped first (plotly shows ``&lt;`` as ``<``); only our own ``<br>`` tags
    remain.

    Parameters
    ----------
    text : Any
        The text (None: empty); turned into text with :class:`str`.
    width : int, default 80
        Characters per line; longer words are cut.
    max_lines : int, default 4
        Lines kept; the last one ends in ``…`` when text was left out.

    Returns
    -------
    str
        The escaped lines joined with ``<br>``.

    Examples
    --------
    >>> hover_text("<b>bold</b> & more")
    '&lt;b&gt;bold&lt;/b&gt; &amp; more'
    >>> hover_text("one two three", width=8)
    'one two<br>three'
    """
    words: list[str] = []
    for word in " ".join(str(text or "").split()).split(" "):
        # texts without spaces (Chinese, Japanese, URLs) are cut into pieces
        words += [word[i : i + width] for i in range(0, max(len(word), 1), width)]
    lines: list[str] = []
    line = ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1][: width - 1] + "…"]
    return "<br>".join(html.escape(x, quote=False) for x in lines)
