"""Sphinx configuration: the user guide, the architecture and the API reference.

Built offline (no intersphinx, no remote theme; ``alabaster`` ships with Sphinx) with
warnings as errors by ``make docs`` (part of ``make test``)::

    .venv/bin/python -m sphinx -W --keep-going -b html docs build/docs/html

The API pages (``docs/api/*.rst``) are written at build time from the ``__all__`` of every
public module (:mod:`public_api`), so a new public name appears without editing a page.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import public_api  # noqa: E402  (docs/public_api.py, beside this file)

project = "coprod-analytics"
author = "coprod-analytics contributors"
copyright = "coprod-analytics contributors"

try:
    from coprod_analytics.provenance import package_version

    release = package_version()
except Exception:  # pragma: no cover - the docs build needs the package installed anyway
    release = "unknown"
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

# Offline: no intersphinx, no remote assets.
html_theme = "alabaster"
html_theme_options = {
    "description": "Deliberation and wisdom-of-crowds analytics",
    "page_width": "1180px",
    "sidebar_width": "240px",
}
html_static_path: list[str] = []
html_show_sourcelink = False

# autodoc: signatures show the type hints; members in source order.
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = False
autodoc_default_options = {"show-inheritance": False}

# numpydoc: no autosummary tables of class members (they would need stub pages).
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = True

# MyST: ``{py:func}`` roles and anchors for headings, so that the guide can link to the API.
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# The design documents are copies of ../shared/docs; their internal links are theirs.
suppress_warnings = ["myst.xref_missing"]


def _write_api_pages() -> None:
    out = HERE / "api"
    out.mkdir(exist_ok=True)
    pages = public_api.api_pages()
    for stale in out.glob("*.rst"):
        if stale.stem not in pages:
            stale.unlink()
    for stem, text in pages.items():
        path = out / f"{stem}.rst"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


_write_api_pages()


def _report_problems(app: object) -> None:
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    for problem in public_api.PROBLEMS:
        logger.warning("public API: %s", problem)


def setup(app):  # type: ignore[no-untyped-def]
    app.connect("builder-inited", _report_problems)
    return {"parallel_read_safe": True}
