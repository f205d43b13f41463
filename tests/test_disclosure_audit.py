"""Secondary suppression and the linear-system audit of published tables (issue 17)."""

from __future__ import annotations

from itertools import product

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coprod_analytics.errors import ParameterError, ValidationError
from coprod_analytics.privacy import TableAudit, audit_table, suppress_small_cells


def _long(table: np.ndarray) -> pl.DataFrame:
    r, c = table.shape
    return pl.DataFrame(
        {
            "group": np.repeat([chr(65 + i) for i in range(r)], c).tolist(),
            "category": [f"c{j}" for j in range(c)] * r,
            "n": table.ravel().astype(np.int64),
        }
    )


def _compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    if parts == 0:
        return [()] if total == 0 else []
    if parts == 1:
        return [(total,)]
    return [(v, *rest) for v in range(total + 1) for rest in _compositions(total - v, parts - 1)]


def _integer_ranges(
    table: np.ndarray, hidden: np.ndarray
) -> dict[tuple[int, int], tuple[int, int]]:
    """Brute force: every non-negative integer table with the published cells and margins
    (row by row: the hidden cells of a row share what the row total leaves)."""
    per_row = []
    for i in range(table.shape[0]):
        cols = np.flatnonzero(hidden[i])
        per_row.append((cols, _compositions(int(table[i, cols].sum()), cols.size)))
    seen: dict[tuple[int, int], set[int]] = {
        (int(i), int(j)): set() for i, j in zip(*np.nonzero(hidden), strict=True)
    }
    col_totals = table.sum(axis=0)
    for choice in product(*[options for _, options in per_row]):
        t = table.copy()
        for i, ((cols, _), values) in enumerate(zip(per_row, choice, strict=True)):
            t[i, cols] = values
        if (t.sum(axis=0) == col_totals).all():
            for i, j in seen:
                seen[(i, j)].add(int(t[i, j]))
    return {c: (min(v), max(v)) for c, v in seen.items()}


def test_one_hidden_cell_with_a_published_total_is_found_by_the_audit() -> None:
    t = pl.DataFrame({"gender": ["f", "m", "x"], "n": [20, 17, 3]})
    primary = suppress_small_cells(t, count_column="n")  # primary only: 3 = 40 - 20 - 17
    audit = audit_table(t, primary.frame, count_column="n", margins=[()])
    assert isinstance(audit, TableAudit)
    assert not audit.passed
    row = audit.cells.row(0, named=True)
    assert (row["count"], row["low"], row["high"], row["protected"]) == (3, 3.0, 3.0, False)
    assert audit.summary().startswith("FAILED: 1 of 1")
    assert audit.to_frame().equals(audit.cells) and "\n" not in repr(audit)
    # without a published total the same table is safe
    assert audit_table(t, primary.frame, count_column="n", margins=[]).passed


def test_secondary_suppression_hides_the_smallest_other_cell_and_passes() -> None:
    t = pl.DataFrame({"gender": ["f", "m", "x", "y"], "n": [20, 17, 3, 9]})
    res = suppress_small_cells(t, count_column="n", margins=[()])
    assert res.frame["n"].to_list() == [20, 17, None, None]  # 9 is the smallest other cell
    assert (res.n_suppressed, res.n_secondary) == (1, 1)
    assert "1 more row is hidden" in res.note
    assert res.audit is not None and res.audit.passed
    ranges = res.audit.cells.select("count", "kind", "low", "high").rows()
    assert ranges == [(3, "primary", 0.0, 12.0), (9, "secondary", 0.0, 12.0)]


def test_hidden_cells_must_add_up_to_min_cell() -> None:
    # 1 + 2 = 3 < 5: a reader would know both are small, so a third cell is hidden
    t = pl.DataFrame({"k": ["a", "b", "c", "d"], "n": [1, 2, 30, 6]})
    res = suppress_small_cells(t, count_column="n", margins=[()])
    assert res.frame["n"].to_list() == [None, None, 30, None]
    assert res.audit is not None and res.audit.passed


def test_revealing_column_published_for_a_hidden_cell_fails_the_audit() -> None:
    t = pl.DataFrame({"k": ["a", "b", "c"], "n": [3, 20, 17], "share": [0.075, 0.5, 0.425]})
    leaky = t.with_columns(pl.when(pl.col("n") < 5).then(None).otherwise(pl.col("n")).alias("n"))
    assert not audit_table(t, leaky, count_column="n", margins=[]).passed
    assert audit_table(t, leaky, count_column="n", margins=[], revealing=[]).passed


def test_published_small_cell_fails() -> None:
    t = pl.DataFrame({"k": ["a", "b"], "n": [3, 20]})
    audit = audit_table(t, t, count_column="n", margins=[])
    assert not audit.passed
    assert audit.cells["suppressed"].to_list() == [False]
    assert audit_table(t, t, count_column="n", margins=[], min_cell=0).passed


def test_issue_group_composition_table_gets_pairs_in_rows_and_columns() -> None:
    table = np.array([[10, 10, 2], [8, 7, 3]])
    long = _long(table)
    res = suppress_small_cells(long, count_column="n", margins=[("group",), ("category",)])
    hidden = res.frame["n"].is_null().to_numpy().reshape(table.shape)
    assert hidden.sum(axis=1).tolist() == [2, 2] and hidden[:, 2].all()
    assert res.audit is not None and res.audit.passed
    # the LP ranges equal the integer ranges (the margin constraints are totally unimodular)
    brute = _integer_ranges(table, hidden)
    for row in res.audit.cells.iter_rows(named=True):
        i, j = divmod(row["row"], table.shape[1])
        assert (row["low"], row["high"]) == brute[(i, j)]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=9), min_size=6, max_size=6),
    st.sampled_from([(2, 3), (3, 2)]),
)
def test_secondary_suppression_always_protects_small_cells(values: list[int], shape: tuple) -> None:
    table = np.array(values).reshape(shape)
    long = _long(table)
    margins = [("group",), ("category",)]
    res = suppress_small_cells(long, count_column="n", margins=margins)
    audit = audit_table(long, res.frame, count_column="n", margins=margins)
    hidden = res.frame["n"].is_null().to_numpy().reshape(shape)
    small = (table >= 1) & (table < 5)
    if not small.any():
        assert not hidden.any() and audit.passed
        return
    brute = _integer_ranges(table, hidden)
    for i, j in zip(*np.nonzero(small), strict=True):
        lo, hi = brute[(i, j)]
        # a small cell is either protected (0 and >= 5 both possible) or the audit says not
        protected = lo == 0 and hi >= 5
        row = audit.cells.filter(pl.col("row") == i * shape[1] + j).row(0, named=True)
        assert row["protected"] == protected
        assert (row["low"], row["high"]) == (lo, hi)
    # a small cell is left unprotected only when every positive cell of its row and column
    # is hidden already (nothing more to hide; e.g. a row total below min_cell)
    for row in audit.cells.filter(~pl.col("protected") & (pl.col("kind") == "primary")).rows(
        named=True
    ):
        i, j = divmod(row["row"], shape[1])
        assert hidden[i][table[i] > 0].all() and hidden[:, j][table[:, j] > 0].all()


def test_audit_errors() -> None:
    t = pl.DataFrame({"k": ["a", "b"], "n": [3, 20]})
    with pytest.raises(ValidationError, match="same rows"):
        audit_table(t, t.head(1), count_column="n")
    with pytest.raises(ValidationError, match="no count column 'm'"):
        audit_table(t, t, count_column="m")
    with pytest.raises(ValidationError, match="margin columns"):
        audit_table(t, t, count_column="n", margins=[("area",)])
    with pytest.raises(ParameterError, match="min_cell"):
        audit_table(t, t, count_column="n", min_cell=-1)
