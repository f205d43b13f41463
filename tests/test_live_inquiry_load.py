"""The live inquiry under load: simulated phones answer every open activity (changing some
answers) and vote; for every kind, the count in the exported inquiry equals what the load
generator acknowledged (nothing lost, nothing counted twice), also across a kill -9 of the
server and a restart."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from test_live_inquiry_api import inquiry_folder, seeded
from test_live_server import Server, _refuses_connections, _wait_until

from coprod_analytics.io.load import load_inquiry
from coprod_analytics.session import read_events, read_session
from coprod_apps.live.loadtest import LoadResult, run_load

ROOT = Path(__file__).resolve().parents[1]
ATTRIBUTES = ("age_band", "area")  # the population table of the test folder
KINDS = ("estimates", "probabilities", "choices", "predictions", "ratings", "evidence", "panel")
#: The priority activities' tables (rows as ``coprod info --json`` counts them).
PRIORITY_KINDS = ("budget_votes", "pairwise", "rankings", "free_text")


def counts_by_kind(inquiry: Any) -> dict[str, int]:
    """What an inquiry holds, in the load generator's ``by_kind`` terms."""
    out = {"votes": inquiry.votes.height}
    out.update(
        {k: inquiry.tables[k].height for k in (*KINDS, *PRIORITY_KINDS) if k in inquiry.tables}
    )
    people = inquiry.participants
    answered = sum(
        int(people.get_column(a).is_not_null().sum()) for a in ATTRIBUTES if a in people.columns
    )
    if answered or any(a in people.columns for a in ATTRIBUTES):
        out["participants"] = answered
    if not out["votes"] and not inquiry.statements.height:
        del out["votes"]
    return out


def export(db: Path, out: Path, fmt: str = "polis") -> Any:
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "coprod_analytics.cli",
            "session",
            "export",
            str(db),
            "-o",
            str(out),
            "--format",
            fmt,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr
    return load_inquiry(out)


def check_exactly_once(db: Path, result: LoadResult) -> None:
    """Every acknowledged answer is stored once, nothing else is, the latest counts
    (open answers and ideas: statement events with the participant's key)."""
    events = read_events(db).filter(
        pl.col("kind").is_in(["vote", "answer"])
        | ((pl.col("kind") == "statement") & pl.col("idem_key").is_not_null())
    )
    keys = [k.split(":", 2)[2] for k in events.get_column("idem_key").to_list()]
    assert len(keys) == len(set(keys)), "an answer was stored twice"
    acked = {v[3] for v in result.votes} | {a[5] for a in result.answers}
    acked |= {t[4] for t in result.texts}
    assert set(keys) == acked, (len(set(keys) - acked), len(acked - set(keys)))
    texts = events.filter(pl.col("kind") == "statement")
    assert sorted(texts.get_column("text").to_list()) == sorted(t[3] for t in result.texts)
    # the latest stored answer of every slot is the latest acknowledged one
    latest_acked = {(p, a, str(i), r): ans for p, a, i, r, ans, _ in result.answers}
    stored: dict[tuple[Any, ...], Any] = {}
    for pid, value in (
        events.filter(pl.col("kind") == "answer").select("participant_id", "value").rows()
    ):
        v = json.loads(value)
        stored[(pid, v["activity_id"], str(v["item_id"]), v["round"])] = v["answer"]
    assert stored.keys() == latest_acked.keys()
    assert all(
        {k: float(x) if isinstance(x, int | float) else x for k, x in latest_acked[s].items()}
        == stored[s]
        for s in stored
    )


def test_loadtest_counts_equal_the_exported_inquiry_for_every_kind(tmp_path: Path) -> None:
    # what a facilitator types: coprod serve SESSION.db --from FOLDER (every activity open)
    db = tmp_path / "s.db"
    folder = str(inquiry_folder(tmp_path))
    srv = Server(db, extra=("--priority-interval", "0", "--from", folder, "--open-activities"))
    try:
        proc = subprocess.run(
            [
                *(sys.executable, "-m", "coprod_analytics.cli", "loadtest", srv.url),
                *("--participants", "6", "--duration", "300", "--think", "0", "0.01"),
                *("--change", "0.3", "--json"),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
        )
    finally:
        srv.stop()
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["errors"] == 0, out["error_messages"]
    assert out["finished_all_statements"] == 6
    by_kind = out["by_kind"]
    assert set(by_kind) == {"votes", "participants", *KINDS, *PRIORITY_KINDS}
    assert by_kind["votes"] == 6 * 60 and by_kind["evidence"] == 6 * 8
    assert by_kind["predictions"] == 4 * by_kind["choices"]
    assert by_kind["pairwise"] == 6 * 28  # every pair of the 8 ideas, the latest answer
    assert 6 <= by_kind["free_text"] <= 12  # one open question, some answers changed
    # some answers were changed: more acknowledged than the latest ones (a ballot or a
    # ranking is one answer but several rows)
    rows = ("predictions", "budget_votes", "rankings", "free_text")
    latest = sum(v for k, v in by_kind.items() if k not in rows) + 2 * 6 + by_kind["free_text"]
    assert out["acknowledged"] > latest
    assert counts_by_kind(export(db, tmp_path / "export")) == by_kind
    assert counts_by_kind(read_session(db)) == by_kind


@pytest.mark.slow
def test_kill_9_mid_load_loses_no_answer_of_any_kind(tmp_path: Path) -> None:
    # 16 phones answer every activity and vote on all 60 statements; the server is killed
    # once 300 answers and votes are stored, and restarted once it refuses connections
    db = seeded(tmp_path)
    srv = Server(db, extra=("--priority-interval", "0"))
    out: dict[str, LoadResult] = {}

    def load() -> None:
        out["r"] = asyncio.run(
            run_load(
                srv.url,
                participants=16,
                duration=300,
                think=(0.0, 0.02),
                seed=5,
                timeout=2,
                change=0.2,
                progress=False,
            )
        )

    def stored() -> int:
        return read_events(db).filter(pl.col("kind").is_in(["vote", "answer"])).height

    t = threading.Thread(target=load)
    t.start()
    _wait_until(lambda: stored() >= 300, "300 stored answers")
    srv.kill9()
    before = stored()
    _wait_until(lambda: _refuses_connections(srv.port), "the killed server's port to close")
    srv.start()  # same port, same database
    t.join(300)
    assert not t.is_alive(), "the load did not end"
    srv.stop()
    result = out["r"]
    assert result.retries > 0, "the kill did not interrupt any request"
    assert result.errors == 0, result.error_messages
    assert result.finished == 16
    assert stored() > before, "the session did not continue"
    check_exactly_once(db, result)
    assert counts_by_kind(export(db, tmp_path / "export")) == result.by_kind
    assert read_events(db).filter(pl.col("kind") == "join").height == 16
