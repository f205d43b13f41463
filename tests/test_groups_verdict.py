"""The one verdict on the groups: calibrated on planted data made outside our simulator
(``tests/planted_votes.py``) and on the shared real conversations, and said the same way by
the summary, the JSON, the dashboard and the report."""

from __future__ import annotations

import json
from collections import Counter

import polars as pl
import pytest
from conftest import POLIS_CONVERSATIONS, require_shared
from planted_votes import planted_votes

from coprod_analytics.consensus import opinion_groups
from coprod_analytics.consensus.verdict import groups_verdict, verdict_text
from coprod_analytics.errors import ParameterError
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.io.polis import read_polis

SEEDS = range(4)


def verdicts(k: int, separation: float, *, continuum: bool = False) -> Counter[str]:
    """Outcomes over SEEDS: "found" (separate, planted k), "other" (separate, another k),
    "continuum", "none"."""
    out: Counter[str] = Counter()
    for seed in SEEDS:
        votes, _ = planted_votes(k, separation=separation, continuum=continuum, seed=seed)
        v = opinion_groups(Inquiry(votes=votes), bridging=False, progress=False).verdict
        if v.structure == "separate":
            out["found" if v.supported_k == k else "other"] += 1
        else:
            out[v.structure] += 1
    return out


def test_votes_without_groups_show_no_structure() -> None:
    got = verdicts(1, 0.0)
    # measured over 10 seeds (benchmarks/bench_groups_verdict.py): never "separate"
    assert got["found"] == got["other"] == 0
    assert got["none"] >= 3


@pytest.mark.parametrize("k", [2, 3, 4])
def test_separated_planted_groups_are_found(k: int) -> None:
    got = verdicts(k, 2.5)
    assert got["none"] == 0
    assert got["found"] >= (3 if k < 4 else 2), got


def test_a_continuum_is_not_called_separate_camps() -> None:
    got = verdicts(1, 1.0, continuum=True)
    assert got["found"] == got["other"] == 0
    assert got["continuum"] >= 3


def test_real_conversations() -> None:
    # measured (docs/guide/groups-verdict.md): the two conversations whose Pol.is groups are
    # a small, distinct minority are separate camps; vTaiwan and the London youth
    # conversation are continua; none is "no structure"
    expected = {
        "london.youth.policing": ("continuum", 2),
        "bg2050-volunteers": ("separate", 2),
        "scoop-hivemind.biodiversity": ("separate", 2),
        "vtaiwan.uberx": ("continuum", 2),
    }
    for name in POLIS_CONVERSATIONS:
        res = opinion_groups(read_polis(require_shared("polis", name)), progress=False)
        v = res.verdict
        assert (v.structure, v.supported_k) == expected[name], name
        assert v.n_axes >= 1


def test_every_page_says_the_same_verdict() -> None:
    from coprod_widgets.consensus.report import _published_groups
    from coprod_widgets.consensus.state import ConsensusState
    from coprod_widgets.consensus.views import StabilityView
    from coprod_widgets.dashboard import ConsensusDashboard
    from coprod_widgets.style import esc

    votes, _ = planted_votes(3, separation=2.5, seed=0)
    state = ConsensusState(Inquiry(votes=votes), bridging=False)
    res = state.result
    assert res is not None
    text = res.verdict.text
    assert res.verdict.to_dict() == {"supported_k": 3, "structure": "separate", "text": text}
    assert f"Verdict: {text}" in res.summary()
    assert text in res.headline()
    assert json.loads(json.dumps(res.to_json_dict()))["verdict"]["text"] == text
    assert esc(text) in ConsensusDashboard(state, extra_panels=[]).header.value
    assert esc(text) in StabilityView(state).verdict.value
    assert esc(text) in _published_groups(state, 0)[0]
    # after the resampling analysis the stability view still says the one verdict only
    state.compute_stability()
    view = StabilityView(state).verdict.value
    assert esc(text) in view and "one room" not in view and "supports k" not in view


def test_verdict_text_explains_a_difference_with_the_map() -> None:
    assert "the map shows two groups" in verdict_text(3, "separate", shown_k=2)
    assert "k=3" in verdict_text(3, "separate", shown_k=2)
    assert verdict_text(1, "none").startswith("no structure beyond noise")


def test_parameter_errors() -> None:
    votes, _ = planted_votes(2, seed=0)
    res = opinion_groups(Inquiry(votes=votes), bridging=False, progress=False)
    assert res.matrix is not None
    with pytest.raises(ParameterError, match="'n_null' parameter of groups_verdict"):
        groups_verdict(res.matrix, n_null=0)
    with pytest.raises(ParameterError, match="'matrix' parameter of groups_verdict"):
        groups_verdict(pl.DataFrame())  # type: ignore[arg-type]
