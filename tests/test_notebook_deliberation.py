"""notebooks/deliberation_prepost.ipynb runs from top to bottom and finds the planted truth."""

from __future__ import annotations

import ast

import pytest
from conftest import require_shared

pytest.importorskip("nbclient")

from test_notebooks import outputs_text, run_notebook


@pytest.mark.slow
@pytest.mark.shared_data
def test_deliberation_notebook_runs() -> None:
    path = require_shared("reference", "qmethod_lipset")
    nb = run_notebook("deliberation_prepost.ipynb", {"COPROD_LIPSET_PATH": str(path)})
    text = outputs_text(nb)
    assert "correction: Benjamini-Hochberg" in text
    planted = text.split("planted: ")[1].split(" found: ")
    found = planted[1].splitlines()[0]
    for item in ast.literal_eval(planted[0]):  # the planted items are among those found
        assert repr(item) in found
    assert "consensus statements:" in text
    assert "design effect" in text
