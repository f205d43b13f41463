"""What the Voila report app shows: :func:`report_app`.

The notebook ``voila_apps/report.ipynb`` only reads its parameters and calls this, so the
app stays thin and the same code is tested here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import ipywidgets as widgets
from coprod_widgets.style import esc

__all__ = [
    "INPUT_ENV",
    "MIN_CELL_ENV",
    "REPORT_NOTEBOOK_CELLS",
    "SEED_ENV",
    "app_parameters",
    "report_app",
    "report_notebook",
    "report_notebook_path",
    "write_report_notebook",
]

#: Environment variables the launcher sets for the report notebook (preheated kernels
#: cannot see the query string, so the input comes from the environment).
INPUT_ENV = "COPROD_INPUT"
SEED_ENV = "COPROD_SEED"
MIN_CELL_ENV = "COPROD_MIN_CELL"


def app_parameters(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The report app's parameters from the environment.

    ``COPROD_INPUT`` (a path; when unset, a ``data`` folder next to the notebook as written
    by ``coprod publish``, else the sample inquiry), ``COPROD_SEED`` (default 0) and
    ``COPROD_MIN_CELL`` (default 5).

    Examples
    --------
    >>> app_parameters({"COPROD_INPUT": "x.csv", "COPROD_SEED": "3"})
    {'input': 'x.csv', 'seed': 3, 'min_cell': 5}
    """
    env = os.environ if environ is None else environ
    path: str | None = env.get(INPUT_ENV) or None
    if path is None and Path("data", "inquiry.json").exists() and environ is None:
        path = "data"
    return {
        "input": path,
        "seed": int(env.get(SEED_ENV, "0") or 0),
        "min_cell": int(env.get(MIN_CELL_ENV, "5") or 5),
    }


def report_app(
    input: str | os.PathLike[str] | None = None, *, seed: int = 0, min_cell: int = 5
) -> widgets.Widget:
    """The report dashboard for an input path (the sample inquiry when ``None``), or a
    readable error message when the input cannot be read."""
    from coprod_widgets.dashboard import ConsensusDashboard

    from coprod_analytics.errors import CoprodError

    try:
        if input is None:
            from coprod_analytics.simulate import sample_inquiry

            return ConsensusDashboard(sample_inquiry(), seed=seed, min_cell=min_cell)
        return ConsensusDashboard(input, seed=seed, min_cell=min_cell)
    except (CoprodError, FileNotFoundError) as exc:
        return widgets.HTML(
            "<div role='alert' class='coprod-error'><h3>This input cannot be shown</h3>"
            f"<p>{esc(input)}: {esc(exc)}</p></div>"
        )


#: The cells of the report notebook (``voila_apps/report.ipynb`` is written from these and
#: a test keeps the two equal, so an installed package can write the app anywhere).
REPORT_NOTEBOOK_CELLS: tuple[tuple[str, str], ...] = (
    (
        "code",
        "# Opinion groups and consensus report: a thin Voila app (parameters, load, show).\n"
        "# Parameters come from the environment (COPROD_INPUT, COPROD_SEED, COPROD_MIN_CELL),\n"
        "# set by `coprod report PATH`; `coprod publish` puts the data in ./data.\n"
        "from coprod_widgets.app import app_parameters, report_app\n\n"
        "params = app_parameters()",
    ),
    ("code", "report_app(params['input'], seed=params['seed'], min_cell=params['min_cell'])"),
)


def report_notebook() -> Any:
    """The report app as an ``nbformat`` notebook (v4)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, source) in enumerate(REPORT_NOTEBOOK_CELLS):
        maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        cell = maker(source)
        cell["id"] = f"report-{i}"
        nb.cells.append(cell)
    return nb


def write_report_notebook(path: str | os.PathLike[str]) -> Path:
    """Write the report app notebook to ``path`` (a file or a folder)."""
    import nbformat

    p = Path(path)
    if p.is_dir():
        p = p / "report.ipynb"
    nbformat.write(report_notebook(), str(p))
    return p


def report_notebook_path() -> Path:
    """The report notebook to serve: ``voila_apps/report.ipynb`` of a source checkout,
    else a copy written from :data:`REPORT_NOTEBOOK_CELLS` into a cache folder."""
    here = Path(__file__).resolve().parent.parent / "voila_apps" / "report.ipynb"
    if here.is_file():
        return here
    import tempfile

    cache = Path(tempfile.gettempdir()) / f"coprod-voila-apps-{os.getuid()}"
    cache.mkdir(parents=True, exist_ok=True)
    return write_report_notebook(cache / "report.ipynb")
