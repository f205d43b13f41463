"""Read a published report back and look for counts of fewer than ``min_cell`` people.

:func:`audit_report` parses an exported HTML report (what a reader gets) section by
section: its tables and text, the accessible labels of the statement-board bars, and the
data inside every plotly figure (the figure JSON is in the page). It reports every place
where a count ``1 <= c < min_cell`` of people can be read off or worked out:

- a count printed in a table column that counts people (``n``, ``people``, ``voters``,
  ``votes``, ``forecasts``, ...) or in text ("3 people", "n=4");
- a percentage of a group whose size is printed next to it (the same table row or bar
  label) such that percentage × n gives a count in ``[1, min_cell)``;
- a histogram bin or a count bar below ``min_cell``, a histogram that ships the
  individual values without fixed bins, a box plot that draws individual points or shows
  quartiles of fewer than ``4 × min_cell`` people, or a figure trace whose recorded size
  (``meta["n"]``) is small;
- a table of counts and shares of one total with rows suppressed, when the total (which the
  shares give) minus the shown counts gives the suppressed ones away;
- a table whose own linear-system audit (:func:`coprod_analytics.privacy.audit_table`, run
  by ``suppress_small_cells(..., margins=...)``) failed, as the note under it says.

It reads one page as a reader would; it does not solve the linear system of several tables
together (that is :func:`~coprod_analytics.privacy.audit_table`'s, table by table, with the
true counts), nor invert p-values or test statistics.

:func:`audit_dashboard` does the same for the interactive page (the Voila report,
``coprod publish``): it renders every panel of a dashboard in-process, as the browser gets
it (the HTML widgets' values, each chart's figure JSON, the option labels), into one page
(:func:`dashboard_page`) and audits that, without a browser.

``coprod export`` runs it on every report it writes and refuses to write one that fails
(unless ``--min-cell 0`` is asked for). The rule of what is small is
:func:`coprod_analytics.privacy.is_small_cell`.
"""

from __future__ import annotations

import base64
import html as _html
import json
import math
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np
import polars as pl

from coprod_analytics.privacy import DEFAULT_MIN_CELL, is_small_cell
from coprod_analytics.provenance import Provenance
from coprod_analytics.results import Result

__all__ = ["AuditFinding", "ReportAudit", "audit_dashboard", "audit_report", "dashboard_page"]

#: Table headers (lower case, whole words) of columns that count people.
COUNT_HEADERS = frozenset(
    {
        "n",
        "people",
        "participants",
        "voters",
        "votes",
        "raters",
        "ratings",
        "forecasts",
        "answers",
        "respondents",
        "members",
        "pairs",
        "count",
        "n_pre",
        "n_post",
        "n_pairs",
        "n_raters",
        "n_voters",
        "approvals",
        "agree",
        "disagree",
        "pass",
    }
)
_UNITS = (
    r"people|participants|voters|raters|forecasts|guesses|respondents|members|persons"
    r"|answers|votes"
)
#: "3 people", "n=4", "n = 2" not preceded by "fewer than", "at least", "more than".
_PROSE_COUNT = re.compile(
    r"(?<![\w.,])(?P<n>\d{1,3}(?:,\d{3})*)\s+(?:" + _UNITS + r")\b|\bn\s*=\s*(?P<m>\d+)\b",
    re.IGNORECASE,
)
_QUALIFIED = re.compile(
    r"(fewer than|less than|at least|more than|min(?:imum)?|under|over|below|above|of|"
    r"threshold|limit)\s*$",
    re.IGNORECASE,
)
_PCT_WORD = re.compile(r"(?P<p>\d+(?:\.\d+)?)%\s*(?P<w>agree|disagree|pass|of)?", re.IGNORECASE)
_GROUP_N = re.compile(r"(?P<n>\d{1,3}(?:,\d{3})*)\s+(?:voters|people|raters|participants)\b")
#: What :func:`coprod_analytics.privacy.suppress_small_cells` says under a table whose
#: own audit failed (the report shows it; the report audit takes it as a finding).
_TABLE_AUDIT_FAILED = "hidden counts can still be worked out from the totals"
#: Table columns holding participants' own words (statements, quotes): not searched as prose.
_FREE_TEXT_HEADERS = frozenset(
    {"text", "statement", "quote", "quotes", "question", "name", "title", "description"}
)
_PERCENT_HEADERS = ("rate", "agree", "disagree", "pass", "percent")


@dataclass(frozen=True)
class AuditFinding:
    """One place where a count below ``min_cell`` can be read or worked out.

    Attributes
    ----------
    section : str
        The report section's id (its HTML anchor), or ``"page"`` outside sections.
    what : str
        What was found, in plain words ("count 3 in column 'n'").
    where : str
        Which table, figure or text it is in.

    Examples
    --------
    >>> AuditFinding("statements", "count 3", "text").section
    'statements'
    """

    section: str
    what: str
    where: str


@dataclass(frozen=True, repr=False)
class ReportAudit(Result):
    """What :func:`audit_report` found in a published report.

    Attributes
    ----------
    findings : tuple of AuditFinding
        Every recoverable small count (empty: the report passes).
    min_cell : int
        Counts ``1 <= c < min_cell`` are findings.
    sections : tuple of str
        The sections read.
    n_tables : int
        Tables read.
    n_figures : int
        Plotly figures read.
    provenance : Provenance or None
        What produced it.

    Examples
    --------
    >>> page = '<section id="s"><p>Only 3 people answered.</p></section>'
    >>> audit = audit_report(page)
    >>> audit.passed, audit.findings[0].section
    (False, 's')
    """

    findings: tuple[AuditFinding, ...]
    min_cell: int
    sections: tuple[str, ...] = ()
    n_tables: int = 0
    n_figures: int = 0
    provenance: Provenance | None = field(default=None)

    @property
    def passed(self) -> bool:
        """Whether nothing was found.

        Returns
        -------
        bool
        """
        return not self.findings

    def to_frame(self) -> pl.DataFrame:
        """One row per finding: ``section``, ``what``, ``where``.

        Returns
        -------
        polars.DataFrame
        """
        return pl.DataFrame(
            {
                "section": [f.section for f in self.findings],
                "what": [f.what for f in self.findings],
                "where": [f.where for f in self.findings],
            },
            schema={"section": pl.String, "what": pl.String, "where": pl.String},
        )

    def summary(self) -> str:
        """The verdict in one line, then one line per finding.

        Returns
        -------
        str
        """
        head = (
            f"passed: no count below {self.min_cell} found in {len(self.sections)} sections "
            f"({self.n_tables} tables, {self.n_figures} figures)"
            if self.passed
            else f"failed: {len(self.findings)} count(s) below {self.min_cell} can be recovered"
        )
        lines = [head] + [f"{f.section}: {f.what} ({f.where})" for f in self.findings]
        return "\n".join(lines)


# --- reading the page -----------------------------------------------------------------------


@dataclass
class _Table:
    section: str
    label: str
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


class _PageReader(HTMLParser):
    """Collect, per section: tables, text, aria-labels of bars and the plotly scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.section = "page"
        self.sections: list[str] = []
        self.tables: list[_Table] = []
        self.texts: list[tuple[str, str]] = []
        self.labels: list[tuple[str, str]] = []
        self.scripts: list[tuple[str, str]] = []
        self._table: _Table | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_head = False
        self._script: list[str] | None = None
        self._skip = 0
        self._divs = 0
        self._quoted = 0  # div depth of a participant-written text (class "text"), 0: none
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "section" and a.get("id"):
            self.section = a["id"]
            self.sections.append(self.section)
        elif tag == "table":
            self._table = _Table(self.section, a.get("aria-label", ""))
        elif tag == "caption":
            self._caption = []
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "script":
            self._script = []
        elif tag == "style":
            self._skip += 1
        if tag == "div":
            self._divs += 1
            if not self._quoted and "text" in a.get("class", "").split():
                self._quoted = self._divs
        if a.get("aria-label") and tag != "table":
            self.labels.append((self.section, a["aria-label"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if self._in_head:
                self._table.header = self._row
            else:
                self._table.rows.append(self._row)
            self._row = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "caption" and self._caption is not None and self._table is not None:
            self._table.label = self._table.label or "".join(self._caption).strip()
            self._caption = None
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table = None
        elif tag == "script" and self._script is not None:
            self.scripts.append((self.section, "".join(self._script)))
            self._script = None
        elif tag == "style":
            self._skip = max(self._skip - 1, 0)
        elif tag == "div":
            if self._quoted and self._divs == self._quoted:
                self._quoted = 0
            self._divs = max(self._divs - 1, 0)

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)
            return
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None:
            self._caption.append(data)
        elif data.strip() and not self._quoted:
            self.texts.append((self.section, data))


def _number(text: str) -> float | None:
    t = text.strip().replace(",", "").replace("\u2009", "")
    try:
        return float(t)
    except ValueError:
        return None


def _is_count(value: Any) -> TypeGuard[float]:
    return value is not None and math.isfinite(value) and float(value).is_integer()


def _recoverable(p: float, n: float, min_cell: int, digits: int) -> int | None:
    """The count a rounded percentage ``p`` of ``n`` gives away, if it is small and unique."""
    half = 0.5 * 10.0 ** (-digits)
    low = math.ceil((p - half) / 100 * n - 1e-9)
    high = math.floor((p + half) / 100 * n + 1e-9)
    candidates = [c for c in range(max(low, 0), high + 1) if c <= n]
    if len(candidates) == 1 and is_small_cell(candidates[0], min_cell=min_cell):
        return candidates[0]
    return None


def _prose_counts(text: str, min_cell: int) -> list[int]:
    out = []
    for m in _PROSE_COUNT.finditer(text):
        raw = m.group("n") or m.group("m")
        before = text[: m.start()]
        if _QUALIFIED.search(before):
            continue
        c = int(raw.replace(",", ""))
        if is_small_cell(c, min_cell=min_cell):
            out.append(c)
    return out


def _percent_with_n(text: str, min_cell: int) -> list[tuple[str, int]]:
    """In one bar label ("Group A: 60% agree, ..., 20 voters"): the small counts it gives."""
    ns = [int(m.group("n").replace(",", "")) for m in _GROUP_N.finditer(text)]
    if len(ns) != 1:
        return []
    n = ns[0]
    out = []
    for m in _PCT_WORD.finditer(text):
        if re.search(r"interval[^,]*$", text[: m.start()]):
            continue  # interval bounds are not shares of people
        p = float(m.group("p"))
        digits = len(m.group("p").split(".")[1]) if "." in m.group("p") else 0
        c = _recoverable(p, n, min_cell, digits)
        if c is not None:
            out.append((f"{m.group(0).strip()} of {n}", c))
    return out


# --- figures --------------------------------------------------------------------------------

_NEWPLOT = re.compile(r"Plotly\.newPlot\(\s*(['\"])(?P<id>[^'\"]+)\1\s*,\s*")
_DTYPES = {
    "f8": "<f8",
    "f4": "<f4",
    "i1": "<i1",
    "u1": "<u1",
    "i2": "<i2",
    "u2": "<u2",
    "i4": "<i4",
    "u4": "<u4",
    "i8": "<i8",
    "u8": "<u8",
}


def _decode(value: Any) -> Any:
    """Plotly's typed arrays (``{"dtype": "f8", "bdata": ...}``) as lists, recursively."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=_DTYPES[value["dtype"]])
            if "shape" in value:
                shape = [int(s) for s in str(value["shape"]).split(",")]
                arr = arr.reshape(shape)
            return arr.tolist()
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _figures(script: str) -> list[tuple[str, list[dict[str, Any]], dict[str, Any]]]:
    out = []
    decoder = json.JSONDecoder()
    for m in _NEWPLOT.finditer(script):
        try:
            data, end = decoder.raw_decode(script, m.end())
            rest = script[end:].lstrip()
            layout: dict[str, Any] = {}
            if rest.startswith(","):
                start = end + (len(script[end:]) - len(rest)) + 1
                while script[start].isspace():
                    start += 1
                layout, _ = decoder.raw_decode(script, start)
        except (json.JSONDecodeError, IndexError):
            continue
        out.append((m.group("id"), _decode(data), _decode(layout)))
    return out


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _axis_title(layout: dict[str, Any], axis: str) -> str:
    ax = layout.get(axis) or {}
    title = ax.get("title")
    if isinstance(title, dict):
        return str(title.get("text") or "")
    return str(title or "")


_COUNT_AXIS = re.compile(r"\b(" + _UNITS + r"|count|number of)\b", re.IGNORECASE)
#: An axis of shares, not counts ("share of respondents", "% of people", a percent format).
_SHARE_AXIS = re.compile(r"\b(share|proportion|fraction|percent(age)?)\b|%", re.IGNORECASE)


def _is_share_axis(layout: dict[str, Any], axis: str) -> bool:
    ax = layout.get(axis) or {}
    return "%" in str(ax.get("tickformat") or "") or bool(
        _SHARE_AXIS.search(_axis_title(layout, axis))
    )


def _histogram_counts(trace: dict[str, Any]) -> list[int] | None:
    values = trace.get("x") if trace.get("x") is not None else trace.get("y")
    bins = trace.get("xbins") if trace.get("x") is not None else trace.get("ybins")
    if not isinstance(values, list) or not bins or bins.get("size") in (None, 0):
        return None
    vals = [float(v) for v in values if isinstance(v, int | float)]
    start, size = float(bins.get("start", min(vals, default=0))), float(bins["size"])
    index = [math.floor((v - start) / size + 1e-12) for v in vals]
    counts: dict[int, int] = {}
    for i in index:
        counts[i] = counts.get(i, 0) + 1
    return list(counts.values())


def _values_of(trace: dict[str, Any], horizontal: bool) -> list[Any]:
    """The value axis of a bar trace (x when horizontal, else y)."""
    values = trace.get("x" if horizontal else "y")
    return values if isinstance(values, list) else []


_NAMED_N = re.compile(r"\bn\s*=\s*(\d[\d,]*)")


def _hidden_by_shares(values: list[Any], name: str, min_cell: int) -> str | None:
    """Shares of one total with a cell left out: the total, hence the hidden count, is
    often exact (every share times N an integer); return what it gives away."""
    shares = [float(v) for v in values if isinstance(v, int | float)]
    named = _NAMED_N.search(name)
    if not shares or any(v < 0 or v > 1 for v in shares) or sum(shares) == 0:
        return None
    if len(shares) == len(values) and not named:
        return None  # nothing left out and no total to compare with
    total = None
    for n in range(1, 5001):
        if all(abs(v * n - round(v * n)) < 1e-6 for v in shares):
            total = n
            break
    if total is None:
        return None
    shown = sum(round(v * total) for v in shares)
    if named:
        stated = int(named.group(1).replace(",", ""))
        if stated == total or abs(sum(shares) - 1) < 1e-9:
            return None
        gap = total - stated
        if is_small_cell(gap, min_cell=min_cell):
            return f"shares are of {total} people but n = {stated}: {gap} left out"
        return None
    gap = total - shown
    if is_small_cell(gap, min_cell=min_cell):
        return f"shares of {total} people add up to {shown}: the suppressed cell is {gap}"
    return None


def _audit_trace(
    trace: dict[str, Any], layout: dict[str, Any], min_cell: int
) -> list[tuple[str, str]]:
    """(what, where-in-trace) of each small count a trace gives away."""
    kind = trace.get("type", "scatter")
    name = str(trace.get("name") or kind)
    found: list[tuple[str, str]] = []
    meta = trace.get("meta") if isinstance(trace.get("meta"), dict) else {}
    n_meta = meta.get("n") if meta else None
    if _is_count(n_meta) and is_small_cell(n_meta, min_cell=min_cell):
        found.append((f"{kind} '{name}' stands for {int(n_meta)} people", "trace size"))
    if kind == "histogram":
        counts = _histogram_counts(trace)
        if counts is None:
            found.append(
                (f"histogram '{name}' ships individual values without fixed bins", "x values")
            )
        else:
            small = sorted({c for c in counts if is_small_cell(c, min_cell=min_cell)})
            if small:
                found.append((f"histogram '{name}' has bins of {small} people", "bins"))
    elif kind == "bar":
        horizontal = trace.get("orientation") == "h"
        value_axis = "xaxis" if horizontal else "yaxis"
        label = _axis_title(layout, value_axis) + " " + str(trace.get("hovertemplate") or "")
        if _COUNT_AXIS.search(label) and not _is_share_axis(layout, value_axis):
            values = trace.get("x" if horizontal else "y") or []
            small = sorted(
                {
                    int(v)
                    for v in values
                    if isinstance(v, int | float)
                    and _is_count(v)
                    and is_small_cell(v, min_cell=min_cell)
                }
            )
            if small:
                found.append((f"bar chart '{name}' has bars of {small}", "bar heights"))
        hidden = _hidden_by_shares(_values_of(trace, horizontal), name, min_cell)
        if hidden is not None:
            found.append((f"bar chart '{name}': {hidden}", "shares"))
    elif kind == "box":
        points = trace.get("boxpoints")
        raw = trace.get("x") if trace.get("orientation") == "h" else trace.get("y")
        if trace.get("q1") is None and not isinstance(raw, list):
            raw = trace.get("x") or trace.get("y")
        has_raw = trace.get("q1") is None and isinstance(raw, list)
        if has_raw and points is not False:
            found.append((f"box plot '{name}' draws individual points", "points"))
        n = len(raw) if has_raw and isinstance(raw, list) else n_meta
        if not _is_count(n):
            found.append((f"box plot '{name}' of unknown size", "quartiles"))
        elif int(n) // 4 < min_cell:
            found.append((f"box plot '{name}' shows quartiles of {int(n)} people", "quartiles"))
    for text in _strings({k: v for k, v in trace.items() if k in ("name", "text", "meta")}):
        for c in _prose_counts(_html.unescape(text), min_cell):
            found.append((f"count {c} in '{text[:60]}'", "trace label"))
    return found


def _table_differences(table: _Table, header: list[str], min_cell: int) -> list[str]:
    """A table of counts and shares of one total with suppressed rows: the shares give the
    total, the total minus the shown counts gives the suppressed ones."""
    n_cols = [i for i, h in enumerate(header) if h in ("n", "people", "count", "participants")]
    s_cols = [i for i, h in enumerate(header) if h.startswith("share") or h == "%"]
    if len(n_cols) != 1 or not s_cols:
        return []
    ni, si = n_cols[0], s_cols[0]
    out = []
    blocks: dict[str, list[list[str]]] = {}
    for row in table.rows:
        if len(row) == len(header):
            key = row[0] if ni != 0 and _number(row[0]) is None and len(header) > 3 else ""
            blocks.setdefault(key, []).append(row)
    for key, rows in blocks.items():
        shown = [r for r in rows if _is_count(_number(r[ni]))]
        hidden = [r for r in rows if not _is_count(_number(r[ni]))]
        if not hidden or not shown:
            continue
        low, high = 0.0, math.inf
        for r in shown:
            m = re.fullmatch(r"(\d+(?:\.\d+)?)%", r[si].strip())
            n = float(_number(r[ni]) or 0)
            if not m or n == 0:
                continue
            p = float(m.group(1)) / 100
            half = 0.5 * 10.0 ** (-(len(m.group(1).split(".")[1]) if "." in m.group(1) else 0))
            half /= 100
            low = max(low, n / (p + half))
            high = min(high, n / (p - half) if p > half else math.inf)
        if not math.isfinite(high) or low > high:
            continue
        total_shown = sum(float(_number(r[ni]) or 0) for r in shown)
        gaps = range(max(math.ceil(low - 1e-9) - int(total_shown), 0), int(high - total_shown) + 1)
        if gaps and all(is_small_cell(g, min_cell=min_cell) for g in gaps):
            label = f" ({key})" if key else ""
            out.append(
                f"suppressed rows{label} add up to {gaps[0]}"
                + (f"-{gaps[-1]}" if len(gaps) > 1 else "")
                + " people (total from the shares minus the shown counts)"
            )
    return out


# --- the audit ------------------------------------------------------------------------------


def audit_report(page: str | os.PathLike[str], *, min_cell: int = DEFAULT_MIN_CELL) -> ReportAudit:
    """Search a published report for counts of fewer than ``min_cell`` people.

    Parameters
    ----------
    page : str or path
        The report's HTML, or the path of an exported report file.
    min_cell : int, default 5
        Counts ``1 <= c < min_cell`` are findings (0 or 1: nothing is).

    Returns
    -------
    ReportAudit
        ``findings`` (section, what, where), ``passed``, and what was read.

    Examples
    --------
    >>> page = ('<section id="groups"><table aria-label="Groups"><thead><tr><th>group</th>'
    ...         '<th>people</th></tr></thead><tbody><tr><td>A</td><td>12</td></tr>'
    ...         '<tr><td>B</td><td>3</td></tr></tbody></table></section>')
    >>> audit = audit_report(page)
    >>> audit.passed, audit.findings[0].what
    (False, "count 3 in column 'people'")
    >>> audit_report(page, min_cell=3).passed
    True
    >>> bar = ('<section id="board"><span aria-label="Group A: 15% agree, 70% disagree, '
    ...        '15% pass, 20 voters"></span></section>')
    >>> [f.what for f in audit_report(bar).findings]
    ['15% agree of 20 gives 3 people', '15% pass of 20 gives 3 people']
    """
    if isinstance(page, os.PathLike) or (
        isinstance(page, str) and "<" not in page and Path(page).is_file()
    ):
        text = Path(page).read_text(encoding="utf-8")
    else:
        text = str(page)
    reader = _PageReader()
    reader.feed(text)
    reader.close()
    findings: list[AuditFinding] = []
    seen: set[tuple[str, str, str]] = set()

    def add(section: str, what: str, where: str) -> None:
        key = (section, what, where)
        if key not in seen:
            seen.add(key)
            findings.append(AuditFinding(section, what, where))

    if min_cell > 1:
        for table in reader.tables:
            where = f"table '{table.label or 'untitled'}'"
            header = [h.lower() for h in table.header]
            count_cols = [
                i
                for i, h in enumerate(header)
                if h in COUNT_HEADERS or h.split(" ")[0] in COUNT_HEADERS
            ]
            pct_cols = [i for i, h in enumerate(header) if any(w in h for w in _PERCENT_HEADERS)]
            for row in table.rows:
                if len(row) != len(header):
                    continue
                # "statistic | value" tables: a row named like a count
                if len(row) == 2 and row[0].lower() in COUNT_HEADERS:
                    v = _number(row[1])
                    if _is_count(v) and is_small_cell(v, min_cell=min_cell):
                        add(table.section, f"count {int(v or 0)} in row '{row[0]}'", where)
                ns = []
                for i in count_cols:
                    v = _number(row[i])
                    if _is_count(v):
                        ns.append(v)
                        if is_small_cell(v, min_cell=min_cell):
                            add(
                                table.section,
                                f"count {int(v or 0)} in column '{table.header[i]}'",
                                where,
                            )
                totals = [
                    _number(row[i])
                    for i, h in enumerate(header)
                    if h in ("n", "votes", "voters", "total", "people", "raters", "answers")
                ]
                totals = [t for t in totals if _is_count(t)]
                if len(totals) == 1:
                    n = float(totals[0] or 0)
                    for i in pct_cols:
                        m = re.fullmatch(r"(\d+(?:\.\d+)?)%", row[i].strip())
                        if not m:
                            continue
                        digits = len(m.group(1).split(".")[1]) if "." in m.group(1) else 0
                        c = _recoverable(float(m.group(1)), n, min_cell, digits)
                        if c is not None:
                            add(
                                table.section,
                                f"{row[i]} in column '{table.header[i]}' of {int(n)} "
                                f"gives {c} people",
                                where,
                            )
            for what in _table_differences(table, header, min_cell):
                add(table.section, what, where)
            for row in [table.header, *table.rows]:
                for i, cell in enumerate(row):
                    if i < len(header) and header[i] in _FREE_TEXT_HEADERS:
                        continue  # what participants wrote, not a count the report makes
                    for c in _prose_counts(cell, min_cell):
                        if not count_cols:
                            add(table.section, f"count {c} in '{cell[:60]}'", where)
        for section, data in reader.texts:
            if _TABLE_AUDIT_FAILED in " ".join(data.split()):
                add(
                    section,
                    "a table's own audit (coprod_analytics.privacy.audit_table) says hidden "
                    "counts can still be worked out from its totals",
                    f"note '{' '.join(data.split())[:80]}'",
                )
            for c in _prose_counts(_html.unescape(data), min_cell):
                add(section, f"count {c} in text '{' '.join(data.split())[:80]}'", "text")
        for section, label in reader.labels:
            for what, c in _percent_with_n(label, min_cell):
                add(section, f"{what} gives {c} people", f"bar '{label[:60]}'")
            for c in _prose_counts(label, min_cell):
                add(section, f"count {c} in label '{label[:60]}'", "label")
    n_figures = 0
    for section, script in reader.scripts:
        for fig_id, traces, layout in _figures(script):
            n_figures += 1
            if min_cell <= 1:
                continue
            for trace in traces:
                for what, where in _audit_trace(trace, layout, min_cell):
                    add(section, what, f"figure {fig_id}, {where}")
            for s in _strings(layout.get("annotations") or []) + _strings(layout.get("title")):
                for c in _prose_counts(_html.unescape(s), min_cell):
                    add(section, f"count {c} in '{s[:60]}'", f"figure {fig_id}, annotation")
    import hashlib

    provenance = Provenance(
        method="audit_report",
        input_fingerprint=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        parameters={"min_cell": min_cell},
    )
    return ReportAudit(
        findings=tuple(findings),
        min_cell=min_cell,
        sections=tuple(reader.sections),
        n_tables=len(reader.tables),
        n_figures=n_figures,
        provenance=provenance,
    )


# --- the interactive page -----------------------------------------------------------------


def _widget_html(widget: Any, figures: list[int]) -> list[str]:
    """What the browser receives from ``widget`` and its children, as HTML fragments: HTML
    widgets' values, each chart's figure (a ``Plotly.newPlot`` script, as in an exported
    report), rich outputs and the labels of options and buttons."""
    from coprod_widgets.chart import PLOTLY_MIME

    parts: list[str] = []
    value = getattr(widget, "value", None)
    if type(widget).__name__ in ("HTML", "HTMLMath", "Label") and isinstance(value, str):
        parts.append(value)
    for output in getattr(widget, "outputs", ()) or ():
        data = output.get("data", {}) if isinstance(output, dict) else {}
        if PLOTLY_MIME in data:
            fig = data[PLOTLY_MIME]
            figures.append(len(figures))
            parts.append(
                f'<script>Plotly.newPlot("chart-{len(figures)}", '
                f"{json.dumps(fig.get('data', []))}, {json.dumps(fig.get('layout', {}))})"
                "</script>"
            )
        elif "text/html" in data:
            parts.append(str(data["text/html"]))
    labels = list(getattr(widget, "_options_labels", ()) or ())
    labels += [str(t) for t in (getattr(widget, "titles", ()) or ()) if t]
    for attr in ("description", "tooltip"):
        text = getattr(widget, attr, None)
        if isinstance(text, str) and text:
            labels.append(text)
    if labels:
        parts.append("<p>" + " | ".join(_html.escape(x) for x in labels) + "</p>")
    for child in getattr(widget, "children", ()) or ():
        parts.extend(_widget_html(child, figures))
    return parts


def dashboard_page(dashboard: Any, *, every_panel: bool = True) -> str:
    """The interactive page of a dashboard as one HTML page a reader could see, rendered
    in-process (no browser): one ``<section>`` per part.

    Parameters
    ----------
    dashboard : ConsensusDashboard
        The dashboard (:class:`~coprod_widgets.dashboard.ConsensusDashboard`).
    every_panel : bool, default True
        Build every folded panel and the stability view first (a reader can open each),
        and add the statement board over all statements (a reader can filter, sort and
        select any of them).

    Returns
    -------
    str
        HTML with sections ``header``, ``first-look``, ``opinion-map``, ``board``,
        ``board-all``, ``stability``, one per panel key, and ``footer``; charts are
        ``Plotly.newPlot`` scripts holding the figure JSON the browser gets.

    Examples
    --------
    >>> from coprod_analytics import simulate_inquiry
    >>> from coprod_widgets.dashboard import ConsensusDashboard
    >>> dash = ConsensusDashboard(simulate_inquiry(40, 10, seed=1), min_cell=5)
    >>> page = dashboard_page(dash, every_panel=False)
    >>> page.count("<section"), "Plotly.newPlot" in page
    (5, True)
    """
    state = dashboard.state
    has_votes = state.inquiry.votes.height > 0
    if every_panel:
        for spec in dashboard._panel_specs:
            if spec.key in dashboard._panel_box:
                dashboard.build_panel(spec.key)
        if has_votes and state.result is not None:
            dashboard.build_stability()
    parts: list[tuple[str, Any]] = [("header", dashboard.header)]
    if has_votes:
        parts += [
            ("first-look", dashboard.first_look),
            ("opinion-map", dashboard.opinion_map),
            ("board", dashboard.board),
        ]
        if dashboard.stability is not None:
            parts.append(("stability", dashboard.stability))
    parts += list(dashboard.panels.items())
    parts.append(("footer", dashboard.footer))
    figures: list[int] = []
    page = []
    for key, widget in parts:
        page.append(f'<section id="{_html.escape(key)}">')
        page.extend(_widget_html(widget, figures))
        page.append("</section>")
        if key == "board" and every_panel and state.result is not None:
            from coprod_analytics.consensus.plots import statement_board
            from coprod_widgets.html import statement_cards

            board = statement_board(state.result, kind="all")
            page.append('<section id="board-all">')
            page.append(statement_cards(state, board, max_rows=max(board.height, 1)))
            page.append("</section>")
    return "<html><body>" + "".join(page) + "</body></html>"


def audit_dashboard(
    dashboard: Any, *, min_cell: int | None = None, every_panel: bool = True
) -> ReportAudit:
    """Search the interactive page of a dashboard for counts of fewer than ``min_cell``
    people: :func:`audit_report` on :func:`dashboard_page` (what the browser gets from
    every panel, rendered in-process).

    Parameters
    ----------
    dashboard : ConsensusDashboard
        The dashboard a published app shows.
    min_cell : int, optional
        Counts ``1 <= c < min_cell`` are findings (default: the dashboard's own
        ``state.min_cell``).
    every_panel : bool, default True
        Open every folded panel and the stability view first (see :func:`dashboard_page`).

    Returns
    -------
    ReportAudit
        As :func:`audit_report`; a section is a part of the dashboard (``opinion-map``,
        ``board``, a panel key, ...).

    Examples
    --------
    >>> from coprod_analytics import simulate_inquiry
    >>> from coprod_widgets.dashboard import ConsensusDashboard
    >>> dash = ConsensusDashboard(simulate_inquiry(40, 10, seed=1), min_cell=5)
    >>> audit_dashboard(dash, every_panel=False).passed
    True
    """
    limit = int(dashboard.state.min_cell if min_cell is None else min_cell)
    return audit_report(dashboard_page(dashboard, every_panel=every_panel), min_cell=limit)
