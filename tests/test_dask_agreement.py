"""Fleiss' kappa and Krippendorff's alpha over long tables on Dask equal the local engine
(issue 20).

One in-process LocalCluster (2 worker threads) serves the module; tables are written as
multi-file Parquet datasets. Expected values: the local engine (to 1e-9) and two published
examples (Krippendorff 2011; Fleiss 1971 as in the Wikipedia article on Fleiss' kappa).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from conftest import fail_or_skip
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coprod_analytics.crowd.agreement import fleiss_kappa, krippendorff_alpha
from coprod_analytics.errors import ValidationError


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


def _write(df: pl.DataFrame, folder: Path, n_files: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    step = max(1, -(-df.height // n_files))
    for i in range(n_files):
        df.slice(i * step, step).write_parquet(folder / f"part-{i:02d}.parquet", row_group_size=3)
    return folder


def _same(a: Any, b: Any) -> None:
    if np.isnan(a.value):
        assert np.isnan(b.value)
    else:
        assert b.value == pytest.approx(a.value, abs=1e-9, rel=0)


# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the canonical example:
# 4 observers x 12 units, nominal alpha 0.743, interval alpha 0.849.
RELIABILITY_DATA = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
# Fleiss (1971) as in Wikipedia's worked example: 10 subjects, 14 raters, 5 categories,
# kappa = 0.210 (P_bar = 0.378, P_e = 0.213).
FLEISS_COUNTS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def test_golden_examples(client: Any, tmp_path: Path) -> None:
    rows = [
        (f"obs{r}", u, v)
        for r, line in enumerate(RELIABILITY_DATA)
        for u, v in enumerate(line)
        if v is not None
    ]
    table = pl.DataFrame(rows, schema=["coder", "unit", "value"], orient="row")
    folder = _write(table, tmp_path / "kripp", 3)
    nominal = krippendorff_alpha(
        folder,
        level_of_measurement="nominal",
        n_resamples=0,
        engine="dask",
        client=client,
        participant_id="coder",
        item_id="unit",
        rating="value",
    )
    interval = krippendorff_alpha(
        f"{folder}/part-*.parquet",
        n_resamples=0,
        engine="dask",
        client=client,
        participant_id="coder",
        item_id="unit",
        rating="value",
    )
    assert round(nominal.value, 3) == 0.743
    assert round(interval.value, 3) == 0.849
    assert nominal.details["n_pairable"] == 40 and nominal.n == 11  # unit 12 has one value
    assert nominal.provenance.parameters["engine"] == "dask"

    frows = [
        (f"r{k}", subject, cat)
        for subject, line in enumerate(FLEISS_COUNTS)
        for cat, n in enumerate(line)
        for k in range(sum(line[:cat]), sum(line[:cat]) + n)
    ]
    ftable = pl.DataFrame(frows, schema=["participant_id", "item_id", "rating"], orient="row")
    kappa = fleiss_kappa(
        _write(ftable, tmp_path / "fleiss", 4), n_resamples=0, engine="dask", client=client
    )
    assert round(kappa.value, 3) == 0.210
    assert round(kappa.details["P_bar"], 3) == 0.378 and round(kappa.details["P_e"], 3) == 0.213
    assert kappa.details["equal_raters"] and kappa.details["p_value"] < 1e-10
    local = fleiss_kappa(ftable, n_resamples=0)
    assert kappa.details["se0"] == pytest.approx(local.details["se0"], abs=1e-12)


@st.composite
def long_tables(draw: Any) -> tuple[pl.DataFrame, int, bool]:
    n_raters = draw(st.integers(2, 7))
    n_items = draw(st.integers(1, 12))
    text = draw(st.booleans())
    n_values = draw(st.integers(1, 5))
    cells = draw(
        st.lists(
            st.one_of(st.none(), st.integers(0, n_values - 1)),
            min_size=n_raters * n_items,
            max_size=n_raters * n_items,
        )
    )
    labels = ["no", "maybe", "yes", "strongly", "other"]
    rows = []
    for i, v in enumerate(cells):
        if v is None:
            continue
        rater, item = divmod(i, n_items)
        rows.append((f"p{rater}", item * 7 + 3, labels[v] if text else float(v) * 1.5))
    dtype = pl.String if text else pl.Float64
    df = pl.DataFrame(
        {
            "participant_id": [r[0] for r in rows],
            "item_id": pl.Series([r[1] for r in rows], dtype=pl.Int64),
            "rating": pl.Series([r[2] for r in rows], dtype=dtype),
        }
    )
    if draw(st.booleans()):  # shuffle the rows: order must not matter
        df = df.sample(fraction=1.0, shuffle=True, seed=draw(st.integers(0, 10)))
    return df, draw(st.integers(1, 4)), text


def _both(fn: Any, df: pl.DataFrame, folder: Path, client: Any, **kw: Any) -> None:
    try:
        local = fn(df, n_resamples=0, **kw)
    except ValidationError:
        with pytest.raises(ValidationError):
            fn(folder, n_resamples=0, engine="dask", client=client, **kw)
        return
    got = fn(folder, n_resamples=0, engine="dask", client=client, **kw)
    _same(local, got)
    assert got.n == local.n


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=long_tables())
def test_random_long_tables_equal_local(client: Any, case: tuple[pl.DataFrame, int, bool]) -> None:
    df, n_files, text = case
    if df.height == 0:
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = _write(df, Path(tmp), n_files)
        _both(fleiss_kappa, df, folder, client)
        levels = ["nominal"] if text else ["nominal", "ordinal", "interval", "ratio"]
        for level in levels:
            _both(krippendorff_alpha, df, folder, client, level_of_measurement=level)


def test_bootstrap_interval_equals_local(client: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    n_raters, n_items = 6, 40
    truth = rng.integers(1, 5, n_items)
    rows = [
        (r, i, int(np.clip(truth[i] + rng.integers(-1, 2), 1, 5)))
        for r in range(n_raters)
        for i in range(n_items)
        if rng.random() < 0.8
    ]
    df = pl.DataFrame(rows, schema=["participant_id", "item_id", "rating"], orient="row")
    folder = _write(df, tmp_path / "boot", 3)
    cases: list[tuple[Any, dict[str, Any]]] = [
        (krippendorff_alpha, {"level_of_measurement": "ordinal"}),
        (fleiss_kappa, {}),
    ]
    for fn, kw in cases:
        local = fn(df, n_resamples=300, progress=False, **kw)
        got = fn(folder, n_resamples=300, progress=False, engine="dask", client=client, **kw)
        _same(local, got)
        assert got.ci_low == pytest.approx(local.ci_low, abs=1e-9)
        assert got.ci_high == pytest.approx(local.ci_high, abs=1e-9)


def test_in_memory_table_and_bad_input(client: Any, tmp_path: Path) -> None:
    df = pl.DataFrame(
        {"participant_id": [1, 2, 1, 2], "item_id": [1, 1, 2, 2], "rating": [1, 1, 0, 1]}
    )
    got = fleiss_kappa(df, n_resamples=0, engine="dask", client=client)
    _same(fleiss_kappa(df, n_resamples=0), got)
    # a rater rating an item twice: the error names the file, row and item
    dup = pl.concat([df, df.slice(2, 1)])
    folder = _write(dup, tmp_path / "dup", 2)
    with pytest.raises(ValidationError, match="rated item 2 twice") as err:
        krippendorff_alpha(folder, n_resamples=0, engine="dask", client=client)
    assert err.value.file is not None and err.value.file.endswith(".parquet")
    assert err.value.row is not None
    # a missing column names the file
    _write(df.rename({"rating": "score"}), tmp_path / "nocol", 1)
    with pytest.raises(ValidationError, match="missing"):
        fleiss_kappa(tmp_path / "nocol", n_resamples=0, engine="dask", client=client)
    # a raters x items array is not a long table
    with pytest.raises(ValidationError, match="long ratings table"):
        fleiss_kappa(np.ones((2, 2)), n_resamples=0, engine="dask", client=client)
