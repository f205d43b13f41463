"""coprod_apps: the app layer of coprod-analytics (core <- widgets <- apps).

- the Voila apps, shipped as package data: ``report.ipynb`` (the report of any input) and
  ``live_dashboard.ipynb`` (the facilitator's live view); :func:`app_notebook` finds them in
  the installed distribution;
- :mod:`~coprod_apps.launcher` — starting a standalone Voila server safely;
- :mod:`~coprod_apps.publish` — a self-contained Voila app folder;
- :mod:`~coprod_apps.live` — the participant server (page + JSON API), the load generator;
- :mod:`~coprod_apps.cli` — the commands ``report``, ``publish``, ``serve``, ``loadtest`` and
  ``demo``.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

__all__ = ["APP_NOTEBOOKS", "app_notebook"]

#: The Voila apps shipped with the package.
APP_NOTEBOOKS = ("report.ipynb", "live_dashboard.ipynb")


def app_notebook(name: str) -> Path:
    """The path of one of the shipped Voila app notebooks (``report.ipynb`` or
    ``live_dashboard.ipynb``), found with :mod:`importlib.resources`.

    Parameters
    ----------
    name : str
        One of :data:`APP_NOTEBOOKS`.

    Returns
    -------
    pathlib.Path
        The notebook file inside the installed distribution.

    Examples
    --------
    >>> app_notebook("report.ipynb").name
    'report.ipynb'
    """
    if name not in APP_NOTEBOOKS:
        raise ValueError(
            f"The 'name' parameter of app_notebook must be one of {APP_NOTEBOOKS}. Got {name!r}."
        )
    resource = files("coprod_apps").joinpath(name)
    with as_file(resource) as path:
        return Path(path)
