"""Bridging scores on Dask (alternating least squares over participant partitions) give the
local engine's scores (issue 20).

Tolerance: 1e-6 on the intercepts and factors. Both engines run the same sweeps from the
same spectral start with the same sums, taken in another order, so they differ by
rounding only (measured: at most 3e-13 on the four shared Pol.is conversations); 1e-6 is
the local fit's own accuracy (its stopping rule, ``tol=1e-7`` per sweep, moves the scores
by less than 1e-6 against a 1e-9 run), so the test still holds should rounding ever move
the last sweep. The ranking by bridging score must be identical.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from conftest import fail_or_skip, require_shared

from coprod_analytics.consensus import opinion_groups
from coprod_analytics.consensus.bridging import bridging_scores
from coprod_analytics.consensus.matrix import vote_matrix
from coprod_analytics.errors import ParameterError
from coprod_analytics.io.polis import read_polis
from coprod_analytics.simulate import simulate_inquiry

TOL = 1e-6


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    try:
        import distributed  # noqa: F401
    except ImportError:
        fail_or_skip("dask/distributed not installed (pip install 'coprod-analytics[dask]')")
    from coprod_analytics.consensus.dask_engine import dask_client

    c = dask_client(n_workers=2, processes=False, dashboard_address=None)
    yield c
    c.close()


def _same_scores(local: pl.DataFrame, got: pl.DataFrame) -> None:
    assert got.columns == local.columns
    assert got["statement_id"].equals(local["statement_id"])
    assert got["n_votes"].equals(local["n_votes"])
    assert got["bridging"].is_null().equals(local["bridging"].is_null())
    for col in ("bridging", "factor"):
        np.testing.assert_allclose(
            got[col].to_numpy(), local[col].to_numpy(), rtol=0, atol=TOL, equal_nan=True
        )
    assert got["is_bridging"].equals(local["is_bridging"])
    fitted = local["bridging"].is_not_null()
    a = local.filter(fitted).sort("bridging", descending=True)["statement_id"]
    b = got.filter(fitted).sort("bridging", descending=True)["statement_id"]
    assert a.equals(b)


def test_vtaiwan_as_multifile_parquet(client: Any, tmp_path: Path) -> None:
    from coprod_analytics.consensus.dask_engine import opinion_groups_dask

    inq = read_polis(require_shared("polis", "vtaiwan.uberx"))
    log = inq.vote_log.select("participant_id", "statement_id", "vote", "time")
    folder = tmp_path / "votes"
    folder.mkdir()
    step = -(-log.height // 4)
    for i in range(4):
        log.slice(i * step, step).write_parquet(folder / f"part-{i}.parquet", row_group_size=5000)
    local = bridging_scores(vote_matrix(inq))
    got = bridging_scores(folder, engine="dask", client=client, progress=False)
    # without a statements table: every statement voted on, in id order, none moderated out
    assert got["statement_id"].equals(log["statement_id"].unique().sort())
    assert got["bridging"].null_count() == 0
    from coprod_analytics.consensus.dask_bridging import bridging_scores_dask

    got = bridging_scores_dask(
        folder, statements=inq.statements, client=client, n_partitions=3, progress=False
    )
    _same_scores(local, got)
    assert local["bridging"].null_count() > 0  # moderated-out statements are left out

    # the same fit fills the bridging columns of the Dask engine's opinion groups
    res_local = opinion_groups(inq, progress=False)
    res = opinion_groups_dask(
        folder, statements=inq.statements, client=client, n_partitions=3, progress=False
    )
    for col in ("bridging", "bridging_factor"):
        np.testing.assert_allclose(
            res.statements[col].to_numpy(),
            res_local.statements[col].to_numpy(),
            rtol=0,
            atol=TOL,
            equal_nan=True,
        )
    assert res.parameters["bridging"] is True


def test_vote_matrix_input_and_parameters(client: Any) -> None:
    # simulate_inquiry: a planted two-camp conversation (expected answers are our
    # simulator's); 12,000 ratings, so one (spectral) start as in the local engine
    inq = simulate_inquiry(400, 40, n_groups=2, seed=5)
    mat = vote_matrix(inq)
    local = bridging_scores(mat, pass_rating=0.5, seed=3)
    got = bridging_scores(
        mat, pass_rating=0.5, seed=3, engine="dask", client=client, progress=False
    )
    _same_scores(local, got)
    with pytest.raises(ParameterError, match="engine"):
        bridging_scores(mat, engine="spark")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="lambda_factor"):
        bridging_scores(mat, lambda_factor=0, engine="dask", client=client)
