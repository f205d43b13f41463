"""The crowd and evidence notebook runs from top to bottom on the sample inquiry."""

from __future__ import annotations

import pytest
from test_notebooks import outputs_text, run_notebook


@pytest.mark.slow
def test_crowd_and_evidence_notebook_runs() -> None:
    nb = run_notebook("crowd_and_evidence.ipynb")
    text = outputs_text(nb)
    assert "residual True" in text
    assert "surprisingly popular answer: 'park-and-ride' (majority answer: 'better buses'" in text
    assert "Krippendorff's alpha (ordinal)" in text
    assert "planted groups" in text
    for key in ("crowd-estimates", "agreement", "evidence"):
        assert f"{key} True" in text
