"""The Dask engine of opinion groups gives the local engine's answers (issue 20).

One LocalCluster (2 worker processes x 1 thread, small memory limits) serves the module;
datasets are written as multi-file Parquet in ``tmp_path``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from conftest import fail_or_skip, require_shared
from planted_votes import planted_votes
from sklearn.metrics import adjusted_rand_score

from coprod_analytics.cli import main
from coprod_analytics.consensus import opinion_groups
from coprod_analytics.consensus.result import OpinionGroups
from coprod_analytics.errors import ParameterError, ValidationError
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.io.polis import read_polis


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    try:
        import distributed  # noqa: F401
    except ImportError:
        fail_or_skip("dask/distributed not installed (pip install 'coprod-analytics[dask]')")
    from coprod_analytics.consensus.dask_engine import dask_client

    c = dask_client(n_workers=2, memory_limit="700MB", dashboard_address=None)
    yield c
    c.close()


def _write_dataset(log: pl.DataFrame, folder: Path, n_files: int, row_group: int = 5000) -> Path:
    """The vote log as ``n_files`` Parquet files (several row groups each), in log order."""
    folder.mkdir(parents=True, exist_ok=True)
    step = -(-log.height // n_files)
    for i in range(n_files):
        log.slice(i * step, step).write_parquet(
            folder / f"part-{i:03d}.parquet", row_group_size=row_group
        )
    return folder


def _polis_log(inq: Inquiry) -> pl.DataFrame:
    return inq.vote_log.select("participant_id", "statement_id", "vote", "time")


def _same_answers(local: OpinionGroups, dask: OpinionGroups) -> None:
    assert dask.k == local.k
    a, b = local.participants, dask.participants
    assert a.get_column("participant_id").equals(b.get_column("participant_id"))
    ga = a.get_column("group").fill_null(-1).to_numpy()
    gb = b.get_column("group").fill_null(-1).to_numpy()
    assert adjusted_rand_score(ga, gb) >= 0.99
    assert a.get_column("in_conv").equals(b.get_column("in_conv"))
    np.testing.assert_allclose(
        dask.statements.get_column("group_aware_consensus").to_numpy(),
        local.statements.get_column("group_aware_consensus").to_numpy(),
        rtol=0,
        atol=1e-9,
    )
    np.testing.assert_allclose(b["x"].to_numpy(), a["x"].to_numpy(), atol=1e-6)
    assert dask.consensus_agree == local.consensus_agree
    assert dask.groups.get_column("size").to_list() == local.groups.get_column("size").to_list()


@pytest.mark.parametrize("name", ["vtaiwan.uberx", "bg2050-volunteers"])
def test_polis_conversation_as_multifile_parquet(client: Any, tmp_path: Path, name: str) -> None:
    from coprod_analytics.consensus.dask_engine import opinion_groups_dask

    inq = read_polis(require_shared("polis", name))
    folder = _write_dataset(_polis_log(inq), tmp_path / name, n_files=4)
    assert len(list(folder.glob("*.parquet"))) == 4
    local = opinion_groups(inq, bridging=False, progress=False)
    got = opinion_groups_dask(
        folder,
        statements=inq.statements,
        client=client,
        n_partitions=3,
        bridging=False,
        progress=False,
    )
    _same_answers(local, got)
    assert got.parameters["engine"] == "dask" and got.parameters["pca"] == "gram"
    assert got.matrix is None and any("Dask" in n for n in got.notes)
    # moderated-out statements are excluded exactly as in the local engine
    assert got.statements["excluded"].equals(local.statements["excluded"])
    assert got.statements["excluded"].any()


def test_iterative_solver_gives_the_same_groups(client: Any, tmp_path: Path) -> None:
    from coprod_analytics.consensus.dask_engine import opinion_groups_dask

    inq = read_polis(require_shared("polis", "vtaiwan.uberx"))
    folder = _write_dataset(_polis_log(inq), tmp_path / "v", n_files=3)
    local = opinion_groups(inq, bridging=False, progress=False)
    got = opinion_groups_dask(
        f"{folder}/part-*.parquet",
        statements=inq.statements,
        client=client,
        pca="iterative",
        n_partitions=4,
        bridging=False,
        progress=False,
    )
    assert got.parameters["pca"] == "iterative"
    _same_answers(local, got)


def test_planted_two_groups(client: Any, tmp_path: Path) -> None:
    from coprod_analytics.consensus.dask_engine import opinion_groups_dask

    # expected answer: the planted groups of tests/planted_votes.py (our own simulator)
    votes, truth = planted_votes(2, n_participants=600, n_statements=60, seed=11)
    folder = _write_dataset(votes, tmp_path / "planted", n_files=5, row_group=2000)
    got = opinion_groups_dask(folder, client=client, bridging=False, progress=False)
    local = opinion_groups(votes, bridging=False, progress=False)
    _same_answers(local, got)
    assert got.k == 2
    pid = got.participants.get_column("participant_id").to_numpy()
    groups = got.participants.get_column("group").to_numpy()
    assert adjusted_rand_score(truth[pid], groups) >= 0.9


def test_randomised_axes_match_the_exact_axes_on_planted_groups(
    client: Any, tmp_path: Path
) -> None:
    from coprod_analytics.consensus.dask_engine import opinion_groups_dask
    from coprod_analytics.consensus.dask_pca import PCA_PASSES

    # expected answer: the planted groups of tests/planted_votes.py (our own simulator);
    # sparse votes (20% of 400 statements), clearly separated groups
    votes, truth = planted_votes(2, n_participants=2000, n_statements=400, vote_rate=0.2, seed=23)
    folder = _write_dataset(votes, tmp_path / "sparse", n_files=3, row_group=5000)
    runs = {
        pca: opinion_groups_dask(
            folder, client=client, pca=pca, n_partitions=4, bridging=False, progress=False
        )
        for pca in ("gram", "iterative")
    }
    exact, fast = runs["gram"], runs["iterative"]
    assert fast.parameters["pca"] == "iterative" and fast.parameters["pca_passes"] == PCA_PASSES
    assert exact.parameters["pca_passes"] == 1
    # the top axis: the participants' first coordinates point the same way
    xe, xf = exact.participants["x"].to_numpy(), fast.participants["x"].to_numpy()
    assert abs(xe @ xf) / (np.linalg.norm(xe) * np.linalg.norm(xf)) > 0.999
    pid = fast.participants.get_column("participant_id").to_numpy()
    ge = exact.participants.get_column("group").fill_null(-1).to_numpy()
    gf = fast.participants.get_column("group").fill_null(-1).to_numpy()
    assert fast.k == exact.k == 2
    assert adjusted_rand_score(ge, gf) >= 0.99
    assert adjusted_rand_score(truth[pid], gf) >= 0.99
    # more passes: closer to the exact axes; the pass count is validated and recorded
    more = opinion_groups_dask(
        folder, client=client, pca="iterative", pca_passes=30, bridging=False, progress=False
    )
    assert more.parameters["pca_passes"] == 30
    np.testing.assert_allclose(more.participants["x"].to_numpy(), xe, atol=1e-6)
    with pytest.raises(ParameterError, match="'pca_passes' parameter"):
        opinion_groups_dask(folder, client=client, pca_passes=0, progress=False)


def test_latest_vote_wins_across_files_and_result_protocol(client: Any, tmp_path: Path) -> None:
    from coprod_analytics.consensus.dask_engine import opinion_groups_dask

    votes, _ = planted_votes(2, n_participants=80, n_statements=20, seed=2)
    # participant 0 changes every vote in a later file; half with times, half without
    revotes = votes.filter(pl.col("participant_id") == 0).with_columns(-pl.col("vote"))
    log = pl.concat([votes, revotes]).with_columns(time=pl.lit(None, dtype=pl.Int64))
    folder = _write_dataset(log, tmp_path / "revotes", n_files=3)
    got = opinion_groups_dask(folder, client=client, bridging=False, progress=False)
    local = opinion_groups(Inquiry(votes=log), bridging=False, progress=False)
    _same_answers(local, got)
    assert got.statements["agree"].equals(local.statements["agree"])
    assert "k = 2" in repr(got) and got.summary().startswith("Opinion groups")
    data = got.to_json_dict()
    assert data["verdict"] is None and data["k"] == 2
    assert got.to_pandas().shape[0] == got.participants.height


def test_bad_input_names_file_row_and_column(client: Any, tmp_path: Path) -> None:
    from coprod_analytics.consensus.dask_engine import opinion_groups_dask

    folder = tmp_path / "bad"
    folder.mkdir()
    pl.DataFrame({"participant_id": [1, 2], "statement_id": [1, 1], "vote": [1, -1]}).write_parquet(
        folder / "a.parquet"
    )
    pl.DataFrame({"participant_id": [3, 4], "statement_id": [1, 1], "vote": [1, 7]}).write_parquet(
        folder / "b.parquet"
    )
    with pytest.raises(ValidationError, match=r"b\.parquet, row 2, column 'vote': expected a vote"):
        opinion_groups_dask(folder, client=client, progress=False)
    pl.DataFrame({"participant_id": [1], "vote": [1]}).write_parquet(folder / "b.parquet")
    with pytest.raises(ValidationError, match=r"b\.parquet.*missing \['statement_id'\]"):
        opinion_groups_dask(folder, client=client, progress=False)
    with pytest.raises(ParameterError, match="'pca' parameter of opinion_groups_dask"):
        opinion_groups_dask(folder, client=client, pca="svd", progress=False)  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        opinion_groups_dask(tmp_path / "nowhere", client=client, progress=False)


def test_cli_engine_dask_json(
    client: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inq = read_polis(require_shared("polis", "vtaiwan.uberx"))
    folder = _write_dataset(_polis_log(inq), tmp_path / "cli", n_files=3)
    local = opinion_groups(Inquiry(votes=_polis_log(inq)), bridging=False, progress=False)
    # no --scheduler: the command starts (and stops) its own LocalCluster
    assert main(["groups", str(folder), "--engine", "dask", "--json", "--no-progress"]) == 0
    out = capsys.readouterr()
    data = json.loads(out.out)
    assert "Dask dashboard: http" in out.err
    assert data["k"] == local.k
    # bridging scores are computed by default, as in the local engine
    assert sum(s["bridging"] is not None for s in data["statements"]) > 100
    got = [p["group"] for p in data["participants"]]
    want = local.participants.get_column("group").to_list()
    assert [p["id"] for p in data["participants"]] == local.participants["participant_id"].to_list()
    assert (
        adjusted_rand_score(
            [-1 if g is None else g for g in got], [-1 if g is None else g for g in want]
        )
        >= 0.99
    )
    # a running cluster by address; options the engine lacks are refused
    address = client.scheduler.address
    assert (
        main(["groups", str(folder), "--engine", "dask", "--scheduler", address, "--no-bridging"])
        == 0
    )
    assert "k = " in capsys.readouterr().out
    assert main(["groups", str(folder), "--engine", "dask", "--mode", "replay"]) == 2
    assert "'--mode' parameter" in capsys.readouterr().err


def test_opinion_groups_engine_hook(client: Any) -> None:
    votes, _ = planted_votes(2, n_participants=120, n_statements=20, seed=5)
    got = opinion_groups(votes, engine="dask", client=client, bridging=False, progress=False)
    local = opinion_groups(votes, bridging=False, progress=False)
    _same_answers(local, got)
    # bridging=False reaches the Dask engine: no bridging fitted (nulls), as in the local one
    assert got.statements["bridging"].null_count() == got.statements.height
    # 10,000 ratings or more: one start of the fit, as on the data the engine is for (on
    # fewer, ten starts of hundreds of sweeps, each three round trips to the workers: ~50 s)
    big, _ = planted_votes(2, n_participants=1000, n_statements=20, seed=5)
    with_bridging = opinion_groups(big, engine="dask", client=client, progress=False)
    assert with_bridging.statements["bridging"].null_count() < with_bridging.statements.height


def test_cli_votes_only_copy_with_statements_matches_the_export(
    client: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # as a new user copies vtaiwan.uberx: the votes alone, in several Parquet files; the
    # moderation comes from --statements, and the groups are those of the export itself
    export = require_shared("polis", "vtaiwan.uberx")
    inq = read_polis(export)
    folder = _write_dataset(_polis_log(inq), tmp_path / "copy", n_files=4)
    local = opinion_groups(inq, progress=False)
    args = ["groups", str(folder), "--engine", "dask", "--json", "--no-progress"]
    assert main([*args, "--statements", str(export), "--scheduler", client.scheduler.address]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["k"] == local.k
    got = {p["id"]: -1 if p["group"] is None else p["group"] for p in data["participants"]}
    want = dict(
        zip(
            local.participants["participant_id"].to_list(),
            local.participants["group"].fill_null(-1).to_list(),
            strict=True,
        )
    )
    assert got.keys() == want.keys()
    ids = sorted(want)
    assert adjusted_rand_score([got[i] for i in ids], [want[i] for i in ids]) >= 0.99
    # a statements table file works too; a wrong kind of file and the local engine are refused
    table = tmp_path / "statements.csv"
    inq.statements.select("statement_id", "text", "moderation", "is_meta").write_csv(table)
    assert main([*args, "--statements", str(table), "--scheduler", client.scheduler.address]) == 0
    assert json.loads(capsys.readouterr().out)["k"] == local.k
    assert main([*args, "--statements", str(tmp_path / "s.txt")]) == 2
    assert "s.txt" in capsys.readouterr().err
    assert main(["groups", str(export), "--statements", str(table)]) == 2
    assert "'--statements' parameter" in capsys.readouterr().err
    # the local engine reads the same copy: the same groups as the Dask engine
    assert main(["groups", str(folder), "--json", "--no-progress", "--statements", str(table)]) == 0
    local_copy = json.loads(capsys.readouterr().out)
    assert local_copy["k"] == data["k"]
    mine = {p["id"]: -1 if p["group"] is None else p["group"] for p in local_copy["participants"]}
    assert adjusted_rand_score([mine[i] for i in ids], [got[i] for i in ids]) >= 0.99
