"""The participatory-budgeting notebook runs on a real pabulib election (nbclient)."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, require_shared
from test_notebooks import outputs_text, run_notebook


@pytest.mark.shared_data
def test_participatory_budgeting_notebook_runs() -> None:
    pb = require_shared("pabulib", "poland_krakow_2019_bienczyce.pb")
    shared = require_shared()
    nb = run_notebook(
        "participatory_budgeting.ipynb",
        {"COPROD_PB_PATH": str(pb), "COPROD_SHARED_DATA": str(shared)},
    )
    text = outputs_text(nb)
    assert "greedy funds but the city did not: ['6']" in text
    assert "'schulze': ['E']" in text and "'kemeny': ['E']" in text
    assert "mes+phragmen" in text and "as funded (file)" in text
    # the core rules take the inquiry's tables as they are (no renaming in the notebook)
    assert "1,045 participants" in text or "1045 participants" in text
    assert "<BudgetOutcome: greedy: 7 projects funded" in text
    assert "<RankingResult: schulze: winner" in text
    source = json.loads((ROOT / "notebooks" / "participatory_budgeting.ipynb").read_text())
    code = "".join("".join(c["source"]) for c in source["cells"] if c["cell_type"] == "code")
    assert "rename(" not in code
