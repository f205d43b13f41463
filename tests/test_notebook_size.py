"""A notebook executed with nbconvert's defaults and saved stays under 3 MB.

nbconvert (nbclient) stores the state of every widget in the saved file. A chart whose
widget state carries the whole plotly.js bundle (a plotly ``FigureWidget`` is an anywidget
whose ``_esm`` trait is the 5 MB bundle) makes each chart cost 5 MB; charts must reach the
notebook as plotly's mimetype (``application/vnd.plotly.v1+json``, rendered by the
``jupyterlab-plotly`` extension that plotly installs), which stores the figure only.

Each notebook is executed once per session, shared with the content tests
(:func:`test_notebooks.run_notebook` saves it to ``test-artifacts/notebooks/``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("nbclient")

from test_notebooks import NOTEBOOKS, notebook_env, run_notebook, saved_path

MAX_BYTES = 3_000_000

NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def biggest_parts(path: Path, n: int = 3) -> list[str]:
    """The largest widget states and outputs of a saved notebook, to say what to shrink."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    parts: list[tuple[int, str]] = []
    state = nb.get("metadata", {}).get("widgets", {})
    for model_id, model in (
        state.get("application/vnd.jupyter.widget-state+json", {}).get("state", {}).items()
    ):
        for trait, value in model.get("state", {}).items():
            size = len(json.dumps(value))
            parts.append((size, f"widget {model.get('model_name')} {model_id[:8]}.{trait}"))
    for i, cell in enumerate(nb.get("cells", [])):
        for out in cell.get("outputs", []):
            for mime, value in out.get("data", {}).items():
                parts.append((len(json.dumps(value)), f"cell {i} output {mime}"))
    return [f"{what}: {size / 1e6:.2f} MB" for size, what in sorted(parts, reverse=True)[:n]]


def test_every_notebook_is_listed() -> None:
    """Every notebook has its environment in test_notebooks.notebook_env (else it is unchecked)."""
    assert "quickstart.ipynb" in NAMES
    for name in NAMES:
        assert isinstance(notebook_env(name), dict)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_saved_notebook_is_small(name: str) -> None:
    run_notebook(name, notebook_env(name))
    path = saved_path(name)
    size = path.stat().st_size
    assert size < MAX_BYTES, (
        f"{name} executed and saved weighs {size / 1e6:.1f} MB (limit {MAX_BYTES / 1e6:.0f} MB); "
        f"largest parts: {biggest_parts(path)}"
    )
