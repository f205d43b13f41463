"""The notebooks in notebooks/ run from top to bottom (nbclient).

:func:`run_notebook` executes a notebook the way ``jupyter nbconvert --to notebook --execute``
does (nbclient with its defaults, so the widget state is stored in the saved file), saves it to
``test-artifacts/notebooks/`` and remembers it for the session: the content tests here and in
``test_notebook_*.py`` and the size check in ``test_notebook_size.py`` share one execution.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import require_shared

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
#: Where executed notebooks are saved (``test-artifacts/`` is not committed).
SAVED = ROOT / "test-artifacts" / "notebooks"

#: (name, environment) -> the executed notebook, so that each runs once per session.
_EXECUTED: dict[tuple[str, tuple[tuple[str, str], ...]], object] = {}


def notebook_env(name: str) -> dict[str, str]:
    """The environment each notebook of notebooks/ is run with (the data it reads).

    Every notebook in notebooks/ must be listed here, so that the size check covers it.
    """
    if name == "polis_walkthrough.ipynb":
        return {"COPROD_POLIS_PATH": str(require_shared("polis", "vtaiwan.uberx"))}
    if name == "participatory_budgeting.ipynb":
        pb = require_shared("pabulib", "poland_krakow_2019_bienczyce.pb")
        return {"COPROD_PB_PATH": str(pb), "COPROD_SHARED_DATA": str(require_shared())}
    if name == "free_text.ipynb":
        path = require_shared("polis", "scoop-hivemind.biodiversity")
        return {"COPROD_POLIS_PATH": str(path)}
    if name == "deliberation_prepost.ipynb":
        return {"COPROD_LIPSET_PATH": str(require_shared("reference", "qmethod_lipset"))}
    if name in ("quickstart.ipynb", "crowd_and_evidence.ipynb", "mapping.ipynb"):
        return {}
    raise LookupError(f"notebooks/{name} is not listed in tests/test_notebooks.py notebook_env")


def saved_path(name: str) -> Path:
    """Where :func:`run_notebook` saved the executed ``name``."""
    return SAVED / name


def run_notebook(name: str, env: dict[str, str] | None = None) -> object:
    """Execute notebooks/``name`` with nbclient's defaults, save it, and return it.

    Executed once per session for a given environment; later calls return the same notebook.
    """
    key = (name, tuple(sorted((env or {}).items())))
    if key in _EXECUTED:
        return _EXECUTED[key]
    nb = nbformat.read(str(NOTEBOOKS / name), as_version=4)
    old = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        client = nbclient.NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
        )
        client.execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    SAVED.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(saved_path(name)))  # what nbconvert --execute would save
    _EXECUTED[key] = nb
    return nb


def outputs_text(nb: object) -> str:
    parts = []
    for cell in nb.cells:  # type: ignore[attr-defined]
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.append(str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


@pytest.mark.slow
def test_quickstart_runs() -> None:
    nb = run_notebook("quickstart.ipynb", notebook_env("quickstart.ipynb"))
    text = outputs_text(nb)
    assert "Where the room agrees" in text
    assert "What sets Group A apart" in text
    assert "report.html" in text


@pytest.mark.slow
@pytest.mark.shared_data
def test_polis_walkthrough_runs_on_vtaiwan() -> None:
    nb = run_notebook("polis_walkthrough.ipynb", notebook_env("polis_walkthrough.ipynb"))
    text = outputs_text(nb)
    assert "ARI = " in text
    ari = float(text.split("ARI = ")[1].split()[0])
    # our batch groups agree with the groups Pol.is showed far beyond chance
    assert ari > 0.5
    assert "MB of self-contained HTML" in text
