"""The core's English sentences in the reader's language, translated where they are shown.

The core (:mod:`coprod_analytics`) has no translations and writes its notes in English: the
small-cell note of :func:`coprod_analytics.privacy.suppress_small_cells`, the resampling
detail of :meth:`~coprod_analytics.consensus.stability.ConsensusClustering.detail`, the names
of the tests of :mod:`coprod_analytics.deliberation.representation`, the live session's
"enough data yet?" sentence (:meth:`coprod_analytics.session.live.LiveSession.readiness`),
the titles a session's activities get when their definition names none. The widgets show them
through :func:`core_text` (any text: every sentence it knows is translated, the rest is kept)
and :func:`activity_title` (a title, translated only when it is the core's own), and
:func:`stability_detail` (built again from the result's table, not from its words). The
patterns follow the core's f-strings; a test pins the English they match.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from coprod_widgets.i18n import (
    N_,
    current_language,
    fmt_amount,
    fmt_decimal,
    fmt_number,
    fmt_pct,
    gettext_for,
    ngettext_for,
)

__all__ = [
    "activity_title",
    "core_text",
    "representation_status",
    "stability_detail",
    "statement_tag",
]

_ = gettext_for("report")
_n = ngettext_for("report")

#: Units the core's small-cell note counts in (``suppress_small_cells(unit=...)``).
_UNITS = {
    "participants": N_("participants"),
    "people": N_("people"),
    "voters": N_("voters"),
    "raters": N_("raters"),
    "respondents": N_("respondents"),
}


def _num(text: str) -> str:
    return fmt_amount(int(text))


def _cells(m: re.Match[str]) -> str:
    unit = _(_UNITS.get(m["unit"], m["unit"]))
    if m["zero"]:
        msg = _(
            "Cells with fewer than {n} {unit} are suppressed, zero counts included "
            "({k} of {total} rows)."
        )
    else:
        msg = _("Cells with fewer than {n} {unit} are suppressed ({k} of {total} rows).")
    return msg.format(n=_num(m["n"]), unit=unit, k=_num(m["k"]), total=_num(m["total"]))


def _more(m: re.Match[str]) -> str:
    n = int(m["n"])
    text = _n(
        "{n} more row is hidden so that it cannot be worked out from the totals.",
        "{n} more rows are hidden so that they cannot be worked out from the totals.",
        n,
    )
    return m["space"] + text.format(n=fmt_amount(n))


def _fixed(message: str) -> Callable[[re.Match[str]], str]:
    return lambda m: m["space"] + _(message) if "space" in m.groupdict() else _(message)


_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(
            r"Cells with fewer than (?P<n>\d+) (?P<unit>[a-z]+) are suppressed"
            r"(?P<zero> \(zero counts included\))? \((?P<k>\d+) of (?P<total>\d+) rows\)\."
        ),
        _cells,
    ),
    (
        re.compile(
            r"(?P<space> ?)(?P<n>\d+) more (?:row is|rows are) hidden so that they cannot be "
            r"worked out from the totals\."
        ),
        _more,
    ),
    (
        re.compile(
            r"(?P<space> ?)Some hidden counts can still be worked out from the totals: merge "
            r"categories before publishing\."
        ),
        _fixed(
            N_(
                "Some hidden counts can still be worked out from the totals: merge categories "
                "before publishing."
            )
        ),
    ),
    (
        re.compile(
            r"status: exact binomial test per category, Holm-adjusted across categories "
            r"\(alpha = (?P<a>[0-9.]+)\); 'missing': nobody from the category is among the "
            r"participants\."
        ),
        lambda m: _(
            "status: exact binomial test per category, Holm-adjusted across categories "
            "(alpha = {alpha}); 'missing': nobody from the category is among the participants."
        ).format(alpha=m["a"]),
    ),
    (
        re.compile(
            r"In (?P<n>\d+) categor(?:y|ies) the numbers who stayed and left \(and the "
            r"retention\) are hidden: fewer than (?P<m>\d+) people stayed or left there, or "
            r"that number could be worked out from the others\."
        ),
        lambda m: _n(
            "In {n} category the numbers who stayed and left (and the retention) are hidden: "
            "fewer than {m} people stayed or left there, or that number could be worked out "
            "from the others.",
            "In {n} categories the numbers who stayed and left (and the retention) are hidden: "
            "fewer than {m} people stayed or left there, or that number could be worked out "
            "from the others.",
            int(m["n"]),
        ).format(n=_num(m["n"]), m=_num(m["m"])),
    ),
    (
        re.compile(
            r"Expected counts are small(?: \(min (?P<min>[^)]+)\))?; the p-value is a Monte "
            r"Carlo permutation p-value \((?P<r>\d+) resamples, seed (?P<s>\d+)\)\."
        ),
        lambda m: _(
            "Expected counts are small; the p-value is a Monte Carlo permutation p-value "
            "({n} resamples, seed {seed})."
        ).format(n=_num(m["r"]), seed=m["s"]),
    ),
    (
        re.compile(
            r"The chi-square test pools the hidden (?:cells' )?(?:categories|groups) into one, "
            r"so that the test statistic gives no hidden count away\."
        ),
        _fixed(
            N_(
                "The chi-square test pools the hidden cells into one, so that the test "
                "statistic gives no hidden count away."
            )
        ),
    ),
    (
        re.compile(r"(?P<n>\d+) participant\(s\) without a group were left out\."),
        lambda m: _n(
            "{n} participant without a group was left out.",
            "{n} participants without a group were left out.",
            int(m["n"]),
        ).format(n=_num(m["n"])),
    ),
    (
        re.compile(r"No test is shown: with the hidden cells pooled too little is left to test\."),
        _fixed(N_("No test is shown: with the hidden cells pooled too little is left to test.")),
    ),
    (
        re.compile(
            r"The goodness-of-fit test pools the hidden categories into one, and the Holm "
            r"adjustment is made among the published categories, so that no published number "
            r"gives a hidden count away\."
        ),
        _fixed(
            N_(
                "The goodness-of-fit test pools the hidden categories into one, and the Holm "
                "adjustment is made among the published categories, so that no published "
                "number gives a hidden count away."
            )
        ),
    ),
    (
        re.compile(
            r"Expected counts are small; the goodness-of-fit p-value is a Monte Carlo p-value "
            r"from (?P<r>\d+) multinomial draws \(seed (?P<s>\d+)\)\."
        ),
        lambda m: _(
            "Expected counts are small; the goodness-of-fit p-value is a Monte Carlo p-value "
            "from {n} multinomial draws (seed {seed})."
        ).format(n=_num(m["r"]), seed=m["s"]),
    ),
    (
        re.compile(r"Places are counted in cells of (?P<g>[0-9.e+]+) (?P<unit>m|plan units); "),
        lambda m: (
            _("Places are counted in cells of {size} {unit};").format(
                size=_size(m["g"]), unit=_unit(m["unit"])
            )
            + " "
        ),
    ),
    (
        re.compile(
            r"Each place is shown moved at random by up to (?P<r>[0-9.e+]+) "
            r"(?P<unit>m|plan units) \(jitter\), never where it was mapped; "
        ),
        lambda m: (
            _(
                "Each place is shown moved at random by up to {radius} {unit} (jitter), never "
                "where it was mapped;"
            ).format(radius=_size(m["r"]), unit=_unit(m["unit"]))
            + " "
        ),
    ),
    (
        re.compile(
            r"(?P<n>\d+) cells(?: \(of (?P<g>[0-9.e+]+) (?P<unit>m|plan units)\))? of fewer "
            r"than (?P<m>\d+) people not shown\."
        ),
        lambda m: (
            _("{n} cells of fewer than {m} people not shown.")
            if m["g"] is None
            else _("{n} cells (of {size} {unit}) of fewer than {m} people not shown.")
        ).format(
            n=_num(m["n"]),
            m=_num(m["m"]),
            size=_size(m["g"] or "0"),
            unit=_unit(m["unit"] or "m"),
        ),
    ),
    (re.compile(r"every cell is shown\."), _fixed(N_("every cell is shown."))),
    (
        re.compile(r"(?P<space> ?)(?P<n>\d+) places given by area only are not on the map\."),
        lambda m: (
            m["space"]
            + _n(
                "{n} place given by area only is not on the map.",
                "{n} places given by area only are not on the map.",
                int(m["n"]),
            ).format(n=_num(m["n"]))
        ),
    ),
    (
        re.compile(
            r"(?P<k>\d+) of the (?P<n>\d+) participants with (?P<m>\d+)\+ votes needed before "
            r"opinion groups mean anything"
        ),
        lambda m: _(
            "{k} of the {n} participants with {m}+ votes needed before opinion groups mean anything"
        ).format(k=_num(m["k"]), n=_num(m["n"]), m=_num(m["m"])),
    ),
    (
        re.compile(
            r"groups are forming: median (?P<median>\d+) of (?P<target>\d+) votes per "
            r"statement(?:; (?P<kept>\d+)% kept their group in the last update)?"
        ),
        lambda m: _forming(m),
    ),
    (
        re.compile(
            r"enough data: median (?P<median>\d+) votes per statement \(target (?P<target>\d+)\)"
        ),
        lambda m: _("enough data: median {median} votes per statement (target {target})").format(
            median=_num(m["median"]), target=_num(m["target"])
        ),
    ),
    (
        re.compile(
            r"^Group (?P<name>[A-Z]|\d+)<br>membership confidence: (?P<what>not computed|"
            r"%\{customdata\[0\]\})(?P<extra><extra></extra>)?$"
        ),
        lambda m: _membership(m),
    ),
    (
        re.compile(
            r"^chi-square (?P<what>goodness of fit|test of independence|test of retention)"
            r"(?: \((?P<a>[^()]+) x (?P<b>[^()]+)\)| x (?P<r>.+))?$"
        ),
        lambda m: _test_name(m),
    ),
)


def _forming(m: re.Match[str]) -> str:
    """The readiness sentence while groups form (with the share that kept their group)."""
    numbers = {"median": _num(m["median"]), "target": _num(m["target"])}
    if m["kept"] is None:
        return _("groups are forming: median {median} of {target} votes per statement").format(
            **numbers
        )
    return _(
        "groups are forming: median {median} of {target} votes per statement; {share} kept "
        "their group in the last update"
    ).format(share=fmt_pct(int(m["kept"]) / 100), **numbers)


def _size(text: str) -> str:
    return fmt_number(float(text))


def _unit(unit: str) -> str:
    return _("plan units") if unit == "plan units" else unit


def _membership(m: re.Match[str]) -> str:
    """The opinion map's hover of a group's points (a letter or, past Z, a number)."""
    if m["what"] == "not computed":
        text = _("Group {name}<br>membership confidence: not computed")
    else:
        text = _("Group {name}<br>membership confidence: %{customdata[0]}")
    return text.replace("{name}", m["name"]) + (m["extra"] or "")


def _test_name(m: re.Match[str]) -> str:
    what = m["what"]
    if what == "goodness of fit" and not (m["a"] or m["r"]):
        return _("chi-square goodness of fit")
    if what == "test of independence" and m["a"]:
        return _("chi-square test of independence ({group} x {attribute})").format(
            group=m["a"], attribute=m["b"]
        )
    if what == "test of retention" and m["r"]:
        return _("chi-square test of retention x {attribute}").format(attribute=m["r"])
    return m.group(0)


def core_text(text: Any) -> str:
    """A text the core wrote, with every sentence of it this module knows translated.

    Parameters
    ----------
    text : str
        A note, a detail or a test's name from a core result.

    Returns
    -------
    str
        The same text in English; in another language each known sentence translated and
        the rest (numbers, the inquiry's own words) kept as it is.

    Examples
    --------
    >>> from coprod_widgets.i18n import use_language
    >>> note = "Cells with fewer than 5 participants are suppressed (2 of 10 rows)."
    >>> core_text(note) == note
    True
    >>> with use_language("fr"):
    ...     core_text(note)
    'Les cellules de moins de 5 participants sont masquées (2 lignes sur 10).'
    """
    s = "" if text is None else str(text)
    if current_language() == "en" or not s:
        return s
    for pattern, render in _PATTERNS:
        s = pattern.sub(render, s)
    return s


def stability_detail(stab: Any, k: int) -> str:
    """The resampling detail of a split into ``k`` groups, in the current language.

    Parameters
    ----------
    stab : ConsensusClustering
        The result of :func:`coprod_analytics.consensus.stability.consensus_clustering`
        (its ``table``: ``k``, ``pac``, ``pac_null``).
    k : int
        The number of groups.

    Returns
    -------
    str
        ``stab.detail(k)`` in English; the same sentence, from the same numbers, otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from coprod_analytics.consensus.stability import consensus_clustering
    >>> from coprod_widgets.i18n import use_language
    >>> rng = np.random.default_rng(0)
    >>> pts = np.vstack([rng.normal(-3, 0.3, (30, 2)), rng.normal(3, 0.3, (30, 2))])
    >>> stab = consensus_clustering(pts, ks=(2,), n_resamples=10, n_null=1, progress=False)
    >>> stability_detail(stab, 2) == stab.detail(2)
    True
    >>> with use_language("es"):
    ...     stability_detail(stab, 2)[:47]
    'la división en 2 grupos se repitió igual en los'
    """
    if current_language() == "en":
        return str(stab.detail(k))
    import polars as pl

    row = stab.table.filter(pl.col("k") == k)
    if row.height == 0 or row["pac"][0] is None:
        return _("the split into {k} groups was not resampled").format(k=k)
    pac = float(row["pac"][0])
    pnull = row["pac_null"][0]
    if pac <= 0.10:
        how = _("the split into {k} groups was redrawn the same way in resamples")
    else:
        how = _("the split into {k} groups was redrawn differently in some resamples")
    if pnull is not None:
        tail = _("(share of ambiguous pairs {pac}; data without structure: {null})")
    else:
        tail = _("(share of ambiguous pairs {pac})")
    return (
        how.format(k=k)
        + " "
        + tail.format(pac=fmt_decimal(pac), null=fmt_decimal(pnull) if pnull is not None else "")
    )


_DIRECTIONS = {"agree": N_("agree"), "disagree": N_("disagree")}


def statement_tag(tag: Any) -> str:
    """A statement's tag as :func:`coprod_analytics.consensus.plots.statement_board` writes
    it ("consensus: agree", "divisive", "represents Group A (agree)", "too few votes yet"),
    in the current language.

    Parameters
    ----------
    tag : str
        One tag of the board's ``tags`` column.

    Returns
    -------
    str
        The tag in English; translated otherwise (an unknown tag unchanged).

    Examples
    --------
    >>> from coprod_widgets.i18n import use_language
    >>> with use_language("es"):
    ...     statement_tag("represents Group B (agree)"), statement_tag("divisive")
    ('representa al grupo B (de acuerdo)', 'divide')
    """
    s = str(tag)
    if current_language() == "en":
        return s
    m = re.fullmatch(r"consensus: (agree|disagree)", s)
    if m:
        return _("consensus: {direction}").format(direction=_(_DIRECTIONS[m[1]]))
    m = re.fullmatch(r"represents Group ([A-Z]|\d+) \((agree|disagree)\)", s)
    if m:
        return _("represents Group {name} ({direction})").format(
            name=m[1], direction=_(_DIRECTIONS[m[2]])
        )
    if s == "divisive":
        return _("divisive")
    if s == "too few votes yet":
        return _("too few votes yet")
    return s


#: The titles the core gives activities whose definition names none
#: (``coprod_analytics.session.activities.definitions``, ``session.live``).
_DEFAULT_TITLES = {
    "Agree or disagree": N_("Agree or disagree"),
    "Weigh the evidence": N_("Weigh the evidence"),
    "Ratings": N_("Ratings"),
    "Questions": N_("Questions"),
    "Quick poll": N_("Quick poll"),
    "About you (optional)": N_("About you (optional)"),
    "Spend the budget": N_("Spend the budget"),
    "Which is better?": N_("Which is better?"),
    "Put them in order": N_("Put them in order"),
    "Your ideas": N_("Your ideas"),
    "Map your area": N_("Map your area"),
    "Appraise the needs": N_("Appraise the needs"),
}


def activity_title(title: Any) -> str:
    """An activity's title in the current language when it is one the core gave it (the
    facilitator's own titles are kept as written).

    Parameters
    ----------
    title : str
        The activity's title in the session's log.

    Returns
    -------
    str
        The core's default title translated; any other title unchanged.

    Examples
    --------
    >>> from coprod_widgets.i18n import use_language
    >>> with use_language("cy"):
    ...     activity_title("Agree or disagree"), activity_title("Buses after 10pm")
    ('Cytuno neu anghytuno', 'Buses after 10pm')
    """
    s = "" if title is None else str(title)
    if s in _DEFAULT_TITLES and current_language() != "en":
        return _(_DEFAULT_TITLES[s])
    return s


#: The statuses of :func:`coprod_analytics.deliberation.representation.compare_to_population`.
_STATUSES = {
    "ok": N_("ok"),
    "under": N_("fewer than expected"),
    "over": N_("more than expected"),
    "missing": N_("nobody"),
}


def representation_status(status: Any) -> str:
    """A category's representation status (``"ok"``, ``"under"``, ``"over"``,
    ``"missing"``) as a table shows it, in the current language.

    Parameters
    ----------
    status : str
        The ``status`` column's value.

    Returns
    -------
    str
        The value itself in English (the tables keep the core's words); in another language
        plain words ("fewer than expected", "nobody"); an unknown value unchanged.

    Examples
    --------
    >>> from coprod_widgets.i18n import use_language
    >>> representation_status("under")
    'under'
    >>> with use_language("es"):
    ...     representation_status("under"), representation_status("missing")
    ('menos de lo esperado', 'nadie')
    """
    s = "" if status is None else str(status)
    if current_language() == "en" or s not in _STATUSES:
        return s
    return _(_STATUSES[s])
