"""``coprod groups`` end to end."""

from __future__ import annotations

import json

import pytest
from conftest import require_shared

from coprod_analytics.cli import main


def test_groups_json_on_a_polis_export(capsys: pytest.CaptureFixture[str]) -> None:
    path = require_shared("polis", "bg2050-volunteers")
    assert main(["groups", str(path), "--json", "--no-bridging"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["k"] == 2
    people = data["participants"]
    assert len(people) == 126
    assert {"id", "group", "x", "y", "confidence"} <= set(people[0])
    unclustered = [p for p in people if not p["in_conv"]]
    assert unclustered and all(p["group"] is None for p in unclustered)
    assert {"id", "group_aware_consensus", "bridging", "text"} <= set(data["statements"][0])
    assert [g["group"] for g in data["groups"]] == [0, 1]
    assert sum(g["size"] for g in data["groups"]) == len(people) - len(unclustered)
    # the one verdict (measured on this conversation: a small, distinct second group)
    verdict = data["verdict"]
    assert set(verdict) == {"supported_k", "structure", "text"}
    assert verdict["structure"] == "separate" and verdict["supported_k"] == 2
    assert verdict["text"].startswith("two separate camps")
    # canonical letters: group 0 (A) is the largest
    assert data["groups"][0]["size"] >= data["groups"][1]["size"]


def test_groups_summary_replay_and_as_of(capsys: pytest.CaptureFixture[str]) -> None:
    path = require_shared("polis", "london.youth.policing")
    assert main(["groups", str(path)]) == 0
    text = capsys.readouterr().out
    assert "Group A (" in text and "Group B (" in text and "Group 0" not in text
    assert "Consensus" in text and "k = 2" in text
    assert "Verdict: two groups along a continuum" in text
    args = ["groups", str(path), "--mode", "replay", "--cadence", "100", "--json"]
    assert main([*args, "--as-of", "2022-07-27T15:02:00Z", "--no-bridging"]) == 0
    early = json.loads(capsys.readouterr().out)
    assert main([*args, "--no-bridging"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert early["mode"] == "replay" and early["as_of"] is not None
    assert len(early["participants"]) < len(full["participants"])


def test_groups_errors(capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    assert main(["groups", "/nonexistent/folder"]) == 2
    assert "coprod groups: error" in capsys.readouterr().err
    path = require_shared("polis", "london.youth.policing")
    assert main(["groups", str(path), "--mode", "replay", "--cadence", "soon"]) == 2
    assert "cadence" in capsys.readouterr().err


def test_groups_intervals_and_plain_help(capsys: pytest.CaptureFixture[str]) -> None:
    path = require_shared("polis", "london.youth.policing")
    args = ["groups", str(path), "--json", "--no-bridging", "--no-progress"]
    assert main([*args, "--n-resamples", "30", "--alpha", "0.1"]) == 0
    out = capsys.readouterr()
    data = json.loads(out.out)
    assert out.err == ""  # --no-progress: nothing on stderr
    assert data["parameters"]["n_resamples"] == 30 and data["parameters"]["alpha"] == 0.1
    filled = [s for s in data["statements"] if s["gac_ci_low"] is not None]
    assert filled and all(
        s["gac_ci_low"] <= s["group_aware_consensus"] + 1e-12 <= s["gac_ci_high"] + 2e-12
        for s in filled
    )
    with pytest.raises(SystemExit):
        main(["groups", "--help"])
    text = capsys.readouterr().out
    assert "--n-resamples" in text and "--n-boot" not in text
    assert "``" not in text and ":func:" not in text and ":mod:" not in text
