"""Self-contained static HTML reports, built from sections.

A report is a list of sections (:class:`Section`): each renders one part of the page from a
shared :class:`ReportContext` (the inquiry, the analyses already run, the small-cell
threshold). The sections come from each family's ``report`` module, listed once in
:data:`coprod_widgets.families.FAMILIES`; :func:`build_report` renders those that apply to an
input, in order, into one HTML file with plotly.js inlined (no CDN: it opens offline).
"""

from __future__ import annotations

from coprod_widgets.report.builder import build_report, write_report
from coprod_widgets.report.context import ReportContext, Section

__all__ = ["ReportContext", "Section", "build_report", "write_report"]
