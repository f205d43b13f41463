"""notebooks/free_text.ipynb runs from top to bottom on a real Pol.is conversation and stays
small when saved (the size check of test_notebook_size.py also covers it once
test_notebooks.notebook_env lists it)."""

from __future__ import annotations

import pytest
from conftest import require_shared
from test_notebooks import outputs_text, run_notebook, saved_path


@pytest.mark.slow
@pytest.mark.shared_data
def test_free_text_notebook_runs_on_biodiversity() -> None:
    env = {"COPROD_POLIS_PATH": str(require_shared("polis", "scoop-hivemind.biodiversity"))}
    nb = run_notebook("free_text.ipynb", env)
    errors = [
        out
        for cell in nb.cells  # type: ignore[attr-defined]
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors
    text = outputs_text(nb)
    assert "topics in 154 texts" in text
    assert "2 near-duplicate pairs among 154 texts" in text and "looks like #2" in text
    assert "Topics by opinion group" in text
    assert "TopicsView" in text
    assert saved_path("free_text.ipynb").stat().st_size < 3_000_000
