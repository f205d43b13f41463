"""q_method against R qmethod 1.8.4 on the Lipset data, plus properties of varimax/flagging."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from conftest import require_shared
from hypothesis import given, settings
from hypothesis import strategies as st

from coprod_analytics.deliberation import q_method, varimax
from coprod_analytics.errors import ParameterError, ValidationError


def _ref(name: str) -> pl.DataFrame:
    return pl.read_csv(require_shared("reference", "qmethod_lipset", name))


def _mat(frame: pl.DataFrame) -> np.ndarray:
    return frame.drop(frame.columns[0]).to_numpy().astype(float)


@pytest.fixture(scope="module")
def lipset() -> pl.DataFrame:
    return _ref("qsorts.csv")


@pytest.fixture(scope="module")
def result(lipset: pl.DataFrame):  # type: ignore[no-untyped-def]
    return q_method(lipset, n_factors=3)


@pytest.mark.shared_data
def test_loadings_match_r(result) -> None:  # type: ignore[no-untyped-def]
    expected = _ref("expected_loadings.csv")
    assert result.loadings["participant_id"].to_list() == expected[expected.columns[0]].to_list()
    assert result.loadings.columns == ["participant_id", "f1", "f2", "f3"]
    np.testing.assert_allclose(_mat(result.loadings), _mat(expected), atol=1e-4)
    # R's files are rounded to 6 decimals; we agree to that rounding
    np.testing.assert_allclose(_mat(result.loadings), _mat(expected), atol=1e-6)


@pytest.mark.shared_data
def test_zscores_and_factor_scores_match_r(result) -> None:  # type: ignore[no-untyped-def]
    np.testing.assert_allclose(_mat(result.zscores), _mat(_ref("expected_zscores.csv")), atol=1e-6)
    np.testing.assert_array_equal(
        _mat(result.factor_scores), _mat(_ref("expected_factor_scores.csv"))
    )
    assert result.zscores["statement_id"].to_list()[:2] == ["sta_1", "sta_2"]


@pytest.mark.shared_data
def test_flags_match_r_lipset_output(result) -> None:  # type: ignore[no-untyped-def]
    # qmethod's printed output for lipset (3 factors, PCA, varimax): flagged Q-sorts
    expected = {
        "flag_f1": ["US3", "US4", "JP5"],
        "flag_f2": ["US1", "US2", "US8"],
        "flag_f3": ["CA6", "UK7", "FR9"],
    }
    for col, sorts in expected.items():
        got = result.flagged.filter(pl.col(col))["participant_id"].to_list()
        assert got == sorts
    assert result.characteristics["n_loading"].to_list() == [3, 3, 3]
    # JP5 and FR9 are flagged on negative loadings, which R also does; we say so
    assert any("JP5" in n for n in result.notes)
    assert any("FR9" in n for n in result.notes)


@pytest.mark.shared_data
def test_distinguishing_and_consensus_match_r(result) -> None:  # type: ignore[no-untyped-def]
    expected = _ref("expected_distinguishing_consensus.csv")
    got = result.distinguishing
    assert got["statement_id"].to_list() == expected[expected.columns[0]].to_list()
    assert got["dist_and_cons"].to_list() == expected["dist.and.cons"].fill_null("").to_list()
    for pair in ("f1_f2", "f1_f3", "f2_f3"):
        np.testing.assert_allclose(got[pair].to_numpy(), expected[pair].to_numpy(), atol=1e-6)
        assert got[f"sig_{pair}"].to_list() == expected[f"sig_{pair}"].fill_null("").to_list()
    assert result.consensus == ["sta_14", "sta_20"]


@pytest.mark.shared_data
def test_result_object_protocol(result) -> None:  # type: ignore[no-untyped-def]
    frame = result.to_frame()
    assert frame.height == 33
    assert {"zsc_f1", "fsc_f3", "dist_and_cons"} <= set(frame.columns)
    text = result.summary()
    assert "3 factors" in text and "sta_14" in text
    assert "<table>" in result._repr_html_()
    assert result.provenance is not None
    assert result.provenance.parameters["rotation"] == "varimax"
    assert repr(result).startswith("<QMethodResult: Q-method: 33 statements, 9 Q-sorts")
    np.testing.assert_allclose(
        result.characteristics["reliability"].to_numpy(), 2.4 / 2.6, atol=1e-12
    )


@pytest.mark.shared_data
def test_column_order_of_qsorts_does_not_change_factors(lipset: pl.DataFrame) -> None:
    cols = lipset.columns
    shuffled = lipset.select([cols[0], *reversed(cols[1:])])
    a = q_method(lipset, n_factors=3)
    b = q_method(shuffled, n_factors=3)
    merged = a.loadings.join(b.loadings, on="participant_id", suffix="_b")
    for f in ("f1", "f2", "f3"):
        np.testing.assert_allclose(merged[f].to_numpy(), merged[f"{f}_b"].to_numpy(), atol=1e-8)


@pytest.mark.shared_data
def test_the_long_qsorts_table_of_an_inquiry_gives_the_same_factors(
    lipset: pl.DataFrame, result
) -> None:  # type: ignore[no-untyped-def]
    from coprod_analytics import Inquiry

    stored = lipset.rename({lipset.columns[0]: "statement_id"}).unpivot(
        index="statement_id", variable_name="participant_id", value_name="score"
    )
    inq = Inquiry(
        {"participant_id": [1, 2], "statement_id": [1, 1], "vote": [1, -1]},
        tables={"qsorts": stored},
    )
    for res in (q_method(inq, n_factors=3), q_method(inq.tables["qsorts"], n_factors=3)):
        np.testing.assert_allclose(_mat(res.loadings), _mat(result.loadings), atol=1e-12)
        assert res.zscores["statement_id"].to_list() == result.zscores["statement_id"].to_list()


@pytest.mark.shared_data
def test_unrotated_loadings_are_principal_components(lipset: pl.DataFrame) -> None:
    res = q_method(lipset, n_factors=3, rotation="none")
    x = _mat(lipset)
    eig = np.sort(np.linalg.eigvalsh(np.corrcoef(x, rowvar=False)))[::-1]
    np.testing.assert_allclose(res.characteristics["eigenvalue"].to_numpy(), eig[:3], atol=1e-10)
    # rotation keeps communalities
    rot = q_method(lipset, n_factors=3)
    np.testing.assert_allclose(
        (_mat(res.loadings) ** 2).sum(axis=1), (_mat(rot.loadings) ** 2).sum(axis=1), atol=1e-10
    )


def test_two_factor_labels_and_numpy_input() -> None:
    rng = np.random.default_rng(3)
    grid = np.repeat([-3, -2, -1, 0, 1, 2, 3], [1, 2, 3, 4, 3, 2, 1])
    a, b = rng.permutation(grid), rng.permutation(grid)
    sorts = [a, a, a, b, b, b]
    noisy = [np.array(s) for s in sorts]
    for s in noisy:  # swap a couple of cards so sorts are not identical
        i, j = rng.choice(grid.size, 2, replace=False)
        s[[i, j]] = s[[j, i]]
    res = q_method(np.column_stack(noisy), n_factors=2)
    assert set(res.distinguishing["dist_and_cons"].unique().to_list()) <= {
        "Consensus",
        "Distinguishing",
    }
    flags = res.flagged.select("flag_f1", "flag_f2").to_numpy()
    assert flags.sum() == 6  # each sort flagged on exactly one factor
    assert (flags[:3].sum(axis=0) == 3).any() and (flags[3:].sum(axis=0) == 3).any()


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=5, max_value=30),
    st.integers(min_value=2, max_value=5),
    st.integers(min_value=0, max_value=10_000),
)
def test_varimax_is_orthogonal_and_keeps_communalities(n: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, k))
    res = varimax(a)
    rotated, rot = res.loadings, res.rotation
    np.testing.assert_allclose(rot @ rot.T, np.eye(k), atol=1e-10)
    np.testing.assert_allclose(rotated, a @ rot, atol=1e-10)
    np.testing.assert_allclose((rotated**2).sum(axis=1), (a**2).sum(axis=1), atol=1e-10)

    def criterion(x: np.ndarray) -> float:
        h = np.sqrt((x**2).sum(axis=1, keepdims=True))
        z = x / h
        return float(((z**4).sum(axis=0) - (z**2).sum(axis=0) ** 2 / n).sum())

    assert criterion(rotated) >= criterion(a) - 1e-9


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_flags_follow_the_documented_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    grid = np.repeat([-2, -1, 0, 1, 2], [2, 3, 4, 3, 2])
    sorts = np.column_stack([rng.permutation(grid) for _ in range(7)])
    res = q_method(sorts, n_factors=2)
    loa = _mat(res.loadings)
    flags = res.flagged.drop("participant_id").to_numpy()
    sq = loa**2
    rule = (sq > sq.sum(axis=1, keepdims=True) - sq) & (np.abs(loa) > 1.96 / np.sqrt(14))
    np.testing.assert_array_equal(flags, rule)
    assert (flags.sum(axis=1) <= 1).all()
    assert (loa.sum(axis=0) > 0).all()  # factors signed positive, as psych::principal


def test_input_errors_are_in_the_users_words() -> None:
    grid = np.array([[-1, 0], [0, 1], [1, -1]])
    with pytest.raises(ParameterError, match="'n_factors' parameter of q_method must be"):
        q_method(grid, n_factors=3)
    uneven = np.array([[-1, 0], [0, 0], [1, -1]])
    with pytest.raises(ValidationError, match="does not follow the same distribution"):
        q_method(uneven, n_factors=1)
    flat = pl.DataFrame({"s": ["a", "b", "c"], "p1": [1, 2, 3], "p2": [2, 2, 2]})
    with pytest.raises(ValidationError, match="column 'p2': a Q-sort gives every statement"):
        q_method(flat, n_factors=1, forced=False, distribution=[1, 2, 3])
    missing = pl.DataFrame({"s": ["a", "b", "c"], "p1": [1, 2, None], "p2": [3, 2, 1]})
    with pytest.raises(ValidationError, match="row 3, column 'p1'"):
        q_method(missing, n_factors=1)
    with pytest.raises(ParameterError, match="'distribution' parameter"):
        q_method(uneven, n_factors=1, forced=False)
