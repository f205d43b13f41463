"""What the Voila report app shows: :func:`report_app`.

The notebook ``report.ipynb`` shipped in this package (``voila_apps/`` in the repository) only
reads its parameters and calls this, so the app stays thin and the same code is tested here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from coprod_widgets.style import esc

__all__ = [
    "INPUT_ENV",
    "LANG_ENV",
    "MIN_CELL_ENV",
    "SEED_ENV",
    "app_parameters",
    "report_app",
    "report_notebook_path",
]

#: Environment variables the launcher sets for the report notebook (preheated kernels
#: cannot see the query string, so the input comes from the environment).
INPUT_ENV = "COPROD_INPUT"
SEED_ENV = "COPROD_SEED"
MIN_CELL_ENV = "COPROD_MIN_CELL"
LANG_ENV = "COPROD_LANG"


def app_parameters(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The report app's parameters from the environment.

    ``COPROD_INPUT`` (a path; when unset, a ``data`` folder next to the notebook as written
    by ``coprod publish``, else the sample inquiry), ``COPROD_SEED`` (default 0),
    ``COPROD_MIN_CELL`` (default 5) and ``COPROD_LANG`` (default ``en``).

    Parameters
    ----------
    environ : dict, optional
        The environment to read (default: ``os.environ``).

    Returns
    -------
    dict
        ``{"input": str or None, "seed": int, "min_cell": int, "lang": str}``.

    Examples
    --------
    >>> app_parameters({"COPROD_INPUT": "x.csv", "COPROD_SEED": "3"})
    {'input': 'x.csv', 'seed': 3, 'min_cell': 5, 'lang': 'en'}
    """
    env = os.environ if environ is None else environ
    path: str | None = env.get(INPUT_ENV) or None
    if path is None and Path("data", "inquiry.json").exists() and environ is None:
        path = "data"
    return {
        "input": path,
        "seed": int(env.get(SEED_ENV, "0") or 0),
        "min_cell": int(env.get(MIN_CELL_ENV, "5") or 5),
        "lang": env.get(LANG_ENV, "en") or "en",
    }


def report_app(
    input: str | os.PathLike[str] | None = None,
    *,
    seed: int = 0,
    min_cell: int = 5,
    lang: str = "en",
) -> widgets.Widget:
    """The report dashboard of an input, or a readable message when it cannot be read.

    Parameters
    ----------
    input : path, optional
        Any input :func:`~coprod_analytics.load_inquiry` reads (the sample inquiry when
        ``None``).
    seed : int, default 0
        Random seed of the analyses.
    min_cell : int, default 5
        Groups and breakdowns of fewer people are not shown.
    lang : str, default "en"
        The language of the report's texts and numbers (one of
        :data:`coprod_widgets.i18n.LANGUAGES`); it becomes the kernel's language, so what
        the reader opens later is in it too.

    Returns
    -------
    ipywidgets.Widget
        A :class:`~coprod_widgets.dashboard.ConsensusDashboard`, or an ``HTML`` widget
        saying why the input cannot be shown.

    Examples
    --------
    >>> type(report_app("no/such/file.csv")).__name__
    'HTML'
    """
    from coprod_analytics.errors import CoprodError
    from coprod_widgets.dashboard import ConsensusDashboard
    from coprod_widgets.i18n import gettext_for, set_language

    set_language(lang)
    _ = gettext_for("report")
    try:
        if input is None:
            from coprod_analytics.simulate import sample_inquiry

            dash = ConsensusDashboard(sample_inquiry(), seed=seed, min_cell=min_cell, lang=lang)
        else:
            dash = ConsensusDashboard(input, seed=seed, min_cell=min_cell, lang=lang)
        if lang != "en":  # the page title the template wrote in English, in the language
            dash.page_language.title = _("Inquiry report: opinion groups and consensus")
        return dash
    except (CoprodError, FileNotFoundError) as exc:
        return widgets.HTML(
            "<div role='alert' class='coprod-error'><h3>"
            + esc(_("This input cannot be shown"))
            + f"</h3><p>{esc(input)}: {esc(exc)}</p></div>"
        )


def report_notebook_path() -> Path:
    """The report app notebook shipped with the package (``coprod_apps/report.ipynb``).

    Returns
    -------
    pathlib.Path
        The notebook that ``coprod report`` serves and ``coprod publish`` copies.

    Examples
    --------
    >>> report_notebook_path().name
    'report.ipynb'
    """
    from coprod_apps import app_notebook

    return app_notebook("report.ipynb")
