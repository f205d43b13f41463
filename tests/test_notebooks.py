"""The notebooks in notebooks/ run from top to bottom (nbclient)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import require_shared

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def run_notebook(name: str, env: dict[str, str] | None = None) -> object:
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
    nb = run_notebook("quickstart.ipynb")
    text = outputs_text(nb)
    assert "Where the room agrees" in text
    assert "What sets Group A apart" in text
    assert "report.html" in text


@pytest.mark.slow
@pytest.mark.shared_data
def test_polis_walkthrough_runs_on_vtaiwan() -> None:
    path = require_shared("polis", "vtaiwan.uberx")
    nb = run_notebook("polis_walkthrough.ipynb", {"COPROD_POLIS_PATH": str(path)})
    text = outputs_text(nb)
    assert "ARI = " in text
    ari = float(text.split("ARI = ")[1].split()[0])
    # our batch groups agree with the groups Pol.is showed far beyond chance
    assert ari > 0.5
    assert "MB of self-contained HTML" in text
