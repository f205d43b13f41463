"""Self-contained static HTML reports, built from sections.

A report is a list of sections (:class:`Section`): each renders one part of the page from
a shared :class:`ReportContext` (the inquiry, the analyses already run, the small-cell
threshold). Later capabilities (crowd estimates, budgets, rankings, pre/post) add their
own with :func:`register_section`; :func:`build_report` renders the registered sections
that apply to an input, in order, into one HTML file with plotly.js inlined (no CDN:
it opens offline).
"""

from __future__ import annotations

from coprod_widgets.report.builder import build_report, write_report
from coprod_widgets.report.sections import (
    ReportContext,
    Section,
    register_section,
    registered_sections,
    unregister_section,
)

__all__ = [
    "ReportContext",
    "Section",
    "build_report",
    "register_section",
    "registered_sections",
    "unregister_section",
    "write_report",
]

# each capability's section module registers its sections when imported
import coprod_widgets.report.crowd_sections
import coprod_widgets.report.deliberation
import coprod_widgets.report.preference_sections  # noqa: F401
