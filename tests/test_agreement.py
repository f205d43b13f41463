"""Tests of coprod_analytics.crowd.agreement: golden values, oracles, properties, errors."""

from __future__ import annotations

import json
import zlib
from typing import Any

import krippendorff
import numpy as np
import polars as pl
import pytest
from conftest import require_shared
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import friedmanchisquare
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from coprod_analytics.crowd.agreement import (
    Level,
    agreement_by_item,
    fleiss_kappa,
    kendall_w,
    krippendorff_alpha,
    leik_dispersion,
    rating_matrix,
    tastle_wierman_consensus,
    van_der_eijk_agreement,
)
from coprod_analytics.errors import ParameterError, ValidationError

LEVELS: list[Level] = ["nominal", "ordinal", "interval", "ratio"]


def _case(case_id: str) -> dict:
    path = require_shared("reference", "worked_examples.json")
    cases = json.loads(path.read_text())["cases"]
    return next(c for c in cases if c["id"] == case_id)


def _nan(rows: list) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=float)


# --------------------------------------------------------------------------- golden


@pytest.mark.shared_data
@pytest.mark.parametrize("level", LEVELS)
def test_krippendorff_2011_worked_example(level: Level) -> None:
    case = _case("krippendorff_alpha_2011")
    data = _nan(case["input"]["reliability_data_coders_by_units"])
    res = krippendorff_alpha(data, level_of_measurement=level, n_resamples=0)
    assert res.value == pytest.approx(case["expected"][level], abs=case["tolerance"])
    assert float(res) == res.value
    assert res.details["n_units"] == 11  # unit 12 has a single value: not pairable
    assert res.details["n_pairable"] == 40


@pytest.mark.shared_data
def test_krippendorff_2011_coincidence_matrix_nominal() -> None:
    # Krippendorff (2011) prints the nominal coincidence matrix: diagonal 7, 10, 8, 4, 3,
    # o_12 = 4/3, marginals n_c = 9, 13, 10, 5, 3 (n = 40 pairable values)
    data = _nan(_case("krippendorff_alpha_2011")["input"]["reliability_data_coders_by_units"])
    res = krippendorff_alpha(data, level_of_measurement="nominal", n_resamples=0)
    o = res.details["coincidences"]
    assert np.allclose(o, o.T)
    assert o.sum(axis=0).tolist() == pytest.approx([9, 13, 10, 5, 3])
    assert np.diag(o).tolist() == pytest.approx([7, 10, 8, 4, 3])
    assert o[0, 1] == pytest.approx(4 / 3)
    assert res.details["values"] == [1.0, 2.0, 3.0, 4.0, 5.0]


@pytest.mark.shared_data
def test_fleiss_1971_worked_example() -> None:
    case = _case("fleiss_kappa_1971")
    subjects = np.array(case["input"]["subjects_by_raters_category_codes"], dtype=float)
    res = fleiss_kappa(subjects.T, n_resamples=0)  # our convention: raters x units
    assert res.value == pytest.approx(case["expected"]["kappa"], abs=case["tolerance"])
    assert float(res) == res.value
    assert res.details["equal_raters"] is True
    # far from chance: the large-sample z under the null is big and p tiny
    assert res.details["z"] > 5 and res.details["p_value"] < 1e-6


@pytest.mark.shared_data
def test_kendall_w_worked_example() -> None:
    case = _case("kendall_w_small")
    res = kendall_w(np.array(case["input"]["rankings_judges_by_items"], dtype=float))
    assert res.value == pytest.approx(case["expected"]["W"], abs=1e-6)
    assert res.details["chi2"] == pytest.approx(1.0)  # m (n - 1) W = 3 * 3 * 1/9


@pytest.mark.shared_data
def test_agrmt_frequency_vector() -> None:
    case = _case("agrmt_frequency_vector")
    f = case["input"]["frequencies_low_to_high"]
    exp, tol = case["expected"], case["tolerance"]
    a = van_der_eijk_agreement(f)
    assert a == pytest.approx(exp["van_der_eijk_agreement_A"], abs=tol["van_der_eijk_agreement_A"])
    assert tastle_wierman_consensus(f) == pytest.approx(
        exp["tastle_wierman_consensus"], abs=tol["tastle_wierman_consensus"]
    )
    assert leik_dispersion(f) == pytest.approx(exp["leik_dispersion"], abs=tol["leik_dispersion"])
    assert (1 - a) / 2 == pytest.approx(
        exp["polarization_1_minus_A_over_2"], abs=tol["polarization_1_minus_A_over_2"]
    )


# --------------------------------------------------------------------------- oracles


def _random_ratings(
    rng: np.random.Generator, shape: tuple[int, int], n_values: int, missing: str
) -> np.ndarray:
    x = rng.integers(1, n_values + 1, size=shape).astype(float)
    if missing == "random":
        x[rng.random(shape) < 0.3] = np.nan
    elif missing == "rater-dropout":  # some raters stop half way
        for r in range(0, shape[0], 2):
            x[r, rng.integers(shape[1] // 2, shape[1]) :] = np.nan
    elif missing == "sparse":  # most units rated by two or three raters
        x[rng.random(shape) < 0.8] = np.nan
    return x


@pytest.mark.parametrize("shape", [(2, 15), (5, 40), (12, 8), (30, 200)])
@pytest.mark.parametrize("missing", ["none", "random", "rater-dropout", "sparse"])
@pytest.mark.parametrize("level", LEVELS)
def test_alpha_matches_krippendorff_package(shape, missing, level) -> None:
    # a seed that is the same in every process (hash() of strings is salted per process)
    rng = np.random.default_rng(zlib.crc32(f"{shape}-{missing}-{level}".encode()))
    x = _random_ratings(rng, shape, 6, missing)
    # one column guaranteed pairable
    x[:2, 0] = [1, 2]
    ours = krippendorff_alpha(x, level_of_measurement=level, n_resamples=0).value
    theirs = krippendorff.alpha(reliability_data=x, level_of_measurement=level)
    assert ours == pytest.approx(theirs, abs=1e-10)


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_non_integer_values_match_package(level) -> None:
    rng = np.random.default_rng(7)
    x = np.round(rng.gamma(2.0, 1.3, size=(6, 50)), 2)
    x[rng.random(x.shape) < 0.25] = np.nan
    assert krippendorff_alpha(x, level_of_measurement=level, n_resamples=0).value == pytest.approx(
        krippendorff.alpha(x, level_of_measurement=level), abs=1e-10
    )


@pytest.mark.parametrize("shape", [(3, 20), (6, 50), (10, 120)])
@pytest.mark.parametrize("k", [2, 4, 7])
def test_fleiss_matches_statsmodels_with_varying_raters(shape, k) -> None:
    # Fleiss' design: each subject rated by the same NUMBER of raters, not the same raters
    rng = np.random.default_rng(shape[0] * 100 + k)
    n_raters_pool = shape[0] * 3
    x = np.full((n_raters_pool, shape[1]), np.nan)
    for u in range(shape[1]):
        who = rng.choice(n_raters_pool, size=shape[0], replace=False)
        x[who, u] = rng.integers(0, k, size=shape[0])
    ours = fleiss_kappa(x, n_resamples=0).value
    subjects = np.array([x[~np.isnan(x[:, u]), u] for u in range(shape[1])])
    table, _ = aggregate_raters(subjects.astype(int))
    assert ours == pytest.approx(sm_fleiss_kappa(table), abs=1e-10)


def test_fleiss_unequal_raters_uses_generalised_formula() -> None:
    x = np.array([[1, 1, 2, np.nan], [1, 2, 2, 3], [np.nan, 2, 2, 3]])
    counts = np.array([[2, 0, 0], [1, 2, 0], [0, 3, 0], [0, 0, 2]], dtype=float)
    n_i = counts.sum(1)
    p_i = (counts * (counts - 1)).sum(1) / (n_i * (n_i - 1))
    p_j = counts.sum(0) / counts.sum()
    expected = (p_i.mean() - (p_j**2).sum()) / (1 - (p_j**2).sum())
    res = fleiss_kappa(x, n_resamples=0)
    assert res.value == pytest.approx(expected)
    assert res.details["equal_raters"] is False
    assert "se0" not in res.details


@pytest.mark.parametrize("ties", [False, True])
def test_kendall_w_matches_friedman(ties: bool) -> None:
    rng = np.random.default_rng(3 + ties)
    scores = rng.integers(1, 5 if ties else 1000, size=(7, 9)).astype(float)
    res = kendall_w(scores)
    chi2, p = friedmanchisquare(*scores.T)  # scipy applies the tie correction
    assert res.details["chi2"] == pytest.approx(chi2)
    assert res.details["p_value"] == pytest.approx(p)
    assert res.value == pytest.approx(chi2 / (7 * 8))
    assert (res.details["tie_correction"] > 0) is ties


# --------------------------------------------------------------------------- properties


@st.composite
def rating_data(draw):
    n_r = draw(st.integers(2, 6))
    n_u = draw(st.integers(2, 12))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    x = rng.integers(1, draw(st.integers(2, 5)) + 1, size=(n_r, n_u)).astype(float)
    x[rng.random(x.shape) < draw(st.sampled_from([0.0, 0.2, 0.4]))] = np.nan
    x[:2, 0] = [1.0, 2.0]  # always pairable and varying
    return x, rng


@settings(max_examples=40, deadline=None)
@given(rating_data(), st.sampled_from(LEVELS))
def test_alpha_invariant_to_order_of_raters_and_units(data, level) -> None:
    x, rng = data
    a = krippendorff_alpha(x, level_of_measurement=level, n_resamples=0).value
    perm = x[rng.permutation(x.shape[0])][:, rng.permutation(x.shape[1])]
    assert krippendorff_alpha(
        perm, level_of_measurement=level, n_resamples=0
    ).value == pytest.approx(a, abs=1e-12)
    assert a <= 1 + 1e-12


@settings(max_examples=30, deadline=None)
@given(rating_data(), st.sampled_from(LEVELS))
def test_table_array_and_renamed_columns_agree(data, level) -> None:
    # the same ratings as an array, as the inquiry's table and under a user's own column
    # names (named by keyword) give the same alpha
    x, _ = data
    table = _long(x)
    mine = table.rename({"participant_id": "coder", "item_id": "unit", "rating": "score"})
    a = krippendorff_alpha(x, level_of_measurement=level, n_resamples=0).value
    b = krippendorff_alpha(table, level_of_measurement=level, n_resamples=0).value
    c = krippendorff_alpha(
        mine,
        level_of_measurement=level,
        n_resamples=0,
        participant_id="coder",
        item_id="unit",
        rating="score",
    ).value
    assert b == pytest.approx(a, abs=1e-12) and c == b


@settings(max_examples=40, deadline=None)
@given(rating_data())
def test_fleiss_invariant_and_bounded(data) -> None:
    x, rng = data
    k = fleiss_kappa(x, n_resamples=0).value
    perm = x[rng.permutation(x.shape[0])][:, rng.permutation(x.shape[1])]
    assert fleiss_kappa(perm, n_resamples=0).value == pytest.approx(k, abs=1e-12)
    assert k <= 1 + 1e-12


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 6),
    st.lists(st.integers(1, 7), min_size=2, max_size=15).filter(lambda v: len(set(v)) > 1),
    st.sampled_from(LEVELS),
)
def test_perfect_agreement_gives_one(n_raters, unit_values, level) -> None:
    x = np.tile(np.array(unit_values, dtype=float), (n_raters, 1))
    assert krippendorff_alpha(x, level_of_measurement=level, n_resamples=0).value == pytest.approx(
        1.0
    )
    assert fleiss_kappa(x, n_resamples=0).value == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 8), st.integers(2, 10), st.integers(0, 2**31))
def test_kendall_w_bounds_and_identical_rankings(m, n, seed) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, size=(m, n)).astype(float)
    if np.ptp(x, axis=1).min() == 0:
        x[:, 0] = 0  # no rater gives everything the same score
        x[:, 1] = 9
    w = kendall_w(x).value
    assert -1e-12 <= w <= 1 + 1e-12
    same = np.tile(rng.permutation(n).astype(float), (m, 1))
    assert kendall_w(same).value == pytest.approx(1.0)
    # order of raters and units does not matter
    perm = x[rng.permutation(m)][:, rng.permutation(n)]
    assert kendall_w(perm).value == pytest.approx(w)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=3, max_size=9).filter(lambda f: sum(f) > 0))
def test_ordinal_frequency_measures_bounds(f) -> None:
    a = van_der_eijk_agreement(f)
    c = tastle_wierman_consensus(f)
    d = leik_dispersion(f)
    assert -1 - 1e-9 <= a <= 1 + 1e-9
    assert -1e-9 <= c <= 1 + 1e-9
    assert -1e-9 <= d <= 1 + 1e-9
    # reversing the scale changes none of them
    assert van_der_eijk_agreement(f[::-1]) == pytest.approx(a)
    assert tastle_wierman_consensus(f[::-1]) == pytest.approx(c)
    assert leik_dispersion(f[::-1]) == pytest.approx(d)


def test_agreement_by_item_counts_each_item_on_its_scale() -> None:
    from coprod_analytics import sample_inquiry

    inquiry = sample_inquiry()
    ratings = inquiry.tables["ratings"]
    out = agreement_by_item(inquiry)
    assert out["item_id"].to_list() == sorted(ratings["item_id"].unique().to_list())
    # independent of the table: the frequency-vector measures on counts made by hand
    scale = inquiry.tables["rating_items"].filter(pl.col("item_id") == 1)
    lo, hi = int(scale["scale_min"][0]), int(scale["scale_max"][0])
    x = ratings.filter(pl.col("item_id") == 1)["rating"].to_numpy()
    freq = [int((x == c).sum()) for c in range(lo, hi + 1)]
    row = out.row(0, named=True)
    assert row["n"] == x.size and (row["scale_min"], row["scale_max"]) == (lo, hi)
    assert row["tastle_wierman"] == pytest.approx(tastle_wierman_consensus(freq))
    assert row["van_der_eijk"] == pytest.approx(van_der_eijk_agreement(freq))
    assert row["leik"] == pytest.approx(leik_dispersion(freq))
    # the table as stored gives the same, with the scale from the ratings' range
    by_table = agreement_by_item(ratings, scale=(lo, hi))
    assert by_table.equals(out)
    # a category nobody chose still counts: 1..7 with everyone on 4 is perfect consensus
    t = pl.DataFrame({"who": [1, 2], "q": ["a", "a"], "score": [4.0, 4.0]})
    one = agreement_by_item(t, scale=(1, 7), participant_id="who", item_id="q", rating="score")
    assert one.row(0, named=True)["tastle_wierman"] == 1.0
    assert one.row(0, named=True)["van_der_eijk"] == 1.0


def test_ordinal_frequency_extremes() -> None:
    assert van_der_eijk_agreement([0, 10, 0, 0, 0]) == 1.0
    assert van_der_eijk_agreement([10, 0, 0, 0, 10]) == -1.0
    assert van_der_eijk_agreement([4, 4, 4, 4, 4]) == pytest.approx(0.0)
    assert tastle_wierman_consensus([0, 10, 0]) == 1.0
    assert tastle_wierman_consensus([10, 0, 10]) == pytest.approx(0.0)
    assert leik_dispersion([0, 0, 7, 0]) == 0.0
    assert leik_dispersion([5, 0, 0, 5]) == pytest.approx(1.0)


# --------------------------------------------------------------------------- bootstrap


@pytest.mark.parametrize("many_values", [False, True])
def test_alpha_bootstrap_matches_brute_force_unit_resampling(many_values: bool) -> None:
    rng = np.random.default_rng(11)
    x = _random_ratings(rng, (5, 30), 5, "random")
    if many_values:  # > 64 distinct values: the sparse ordinal path
        x = np.round(x + rng.normal(0, 0.5, size=x.shape), 2) + 3
    for level in LEVELS:
        res = krippendorff_alpha(x, level_of_measurement=level, n_resamples=300, seed=5)
        # brute force: same resampled units, alpha recomputed by the package
        pairable = x[:, (~np.isnan(x)).sum(axis=0) >= 2]
        r2 = np.random.default_rng(5)
        boots = []
        for _ in range(300):
            idx = r2.integers(0, pairable.shape[1], size=pairable.shape[1])
            sample = pairable[:, idx]
            try:
                boots.append(krippendorff.alpha(sample, level_of_measurement=level))
            except ValueError:  # a resample whose values do not vary
                continue
        lo, hi = np.quantile(boots, [0.025, 0.975])
        assert res.ci_low == pytest.approx(lo, abs=1e-9)
        assert res.ci_high == pytest.approx(hi, abs=1e-9)


def test_alpha_bootstrap_reproducible_and_covers_value() -> None:
    rng = np.random.default_rng(2)
    truth = rng.integers(1, 6, size=200).astype(float)
    x = np.tile(truth, (4, 1))
    noise = rng.random(x.shape) < 0.2
    x[noise] = rng.integers(1, 6, size=noise.sum())
    a = krippendorff_alpha(x, level_of_measurement="ordinal", n_resamples=500, seed=3)
    b = krippendorff_alpha(x, level_of_measurement="ordinal", n_resamples=500, seed=3)
    assert a.conf_int().equals(b.conf_int())
    assert a.ci_low is not None and a.ci_high is not None
    assert a.ci_low < a.value < a.ci_high
    assert a.details["seed"] == 3
    assert 0 <= a.details["prob_below"][0.667] <= a.details["prob_below"][0.8] <= 1
    # the default seed is 0: reproducible without asking
    default = krippendorff_alpha(x, level_of_measurement="ordinal", n_resamples=50)
    assert default.details["seed"] == 0
    assert default.conf_int().equals(
        krippendorff_alpha(x, level_of_measurement="ordinal", n_resamples=50, seed=0).conf_int()
    )
    unseeded = krippendorff_alpha(x, level_of_measurement="ordinal", n_resamples=50, seed=None)
    assert isinstance(unseeded.details["seed"], int)
    again = krippendorff_alpha(
        x, level_of_measurement="ordinal", n_resamples=50, seed=unseeded.details["seed"]
    )
    assert again.conf_int().equals(unseeded.conf_int())
    # conf_int is the one-row frame of the result protocol, at the level computed
    ci = a.conf_int()
    assert ci.columns == ["name", "ci_low", "ci_high", "alpha"]
    assert ci.row(0) == (a.name, a.ci_low, a.ci_high, 0.05)
    narrow = krippendorff_alpha(x, level_of_measurement="ordinal", n_resamples=500, alpha=0.5)
    assert narrow.ci_high - narrow.ci_low < a.ci_high - a.ci_low  # type: ignore[operator]
    assert narrow.conf_int()["alpha"][0] == 0.5
    with pytest.raises(ParameterError, match="The 'alpha' parameter of conf_int"):
        a.conf_int(alpha=0.1)
    assert a.provenance.seed == 3 and a.provenance.parameters["n_resamples"] == 500


def test_bootstraps_show_progress_unless_asked_not_to(capsys: pytest.CaptureFixture[str]) -> None:
    x = np.tile(np.arange(1.0, 31.0), (3, 1))
    x[0, ::3] += 1
    krippendorff_alpha(x, n_resamples=300, progress=True)
    assert "krippendorff_alpha" in capsys.readouterr().err  # a tqdm bar on stderr
    krippendorff_alpha(x, n_resamples=300, progress=False)
    fleiss_kappa(x, n_resamples=300, progress=False)
    assert capsys.readouterr().err == ""
    fleiss_kappa(x, n_resamples=300)
    assert "fleiss_kappa" in capsys.readouterr().err


def test_fleiss_bootstrap_interval() -> None:
    subjects = np.array([[1, 1, 1], [2, 2, 1], [3, 3, 3], [1, 2, 1], [2, 2, 2]] * 6)
    res = fleiss_kappa(subjects.T, n_resamples=400, seed=1)
    assert res.ci_low is not None and res.ci_high is not None
    assert res.ci_low < res.value < res.ci_high
    assert res.method == "unit bootstrap, percentile"


# --------------------------------------------------------------------------- long tables


def _long(x: np.ndarray) -> pl.DataFrame:
    """A raters x items array as the inquiry's ratings table, rows shuffled."""
    rows = [
        {"participant_id": f"r{r}", "item_id": f"u{u:02d}", "rating": x[r, u]}
        for r in range(x.shape[0])
        for u in range(x.shape[1])
        if not np.isnan(x[r, u])
    ]
    return pl.DataFrame(rows).sample(fraction=1.0, shuffle=True, seed=1)


def test_ratings_table_as_stored_equals_matrix() -> None:
    rng = np.random.default_rng(4)
    x = _random_ratings(rng, (4, 10), 4, "random")
    x[:2, 0] = [1, 2]
    long = _long(x)
    for level in LEVELS:
        assert krippendorff_alpha(
            long, level_of_measurement=level, n_resamples=0
        ).value == pytest.approx(
            krippendorff_alpha(x, level_of_measurement=level, n_resamples=0).value
        )
    assert fleiss_kappa(long, n_resamples=0).value == pytest.approx(
        fleiss_kappa(x, n_resamples=0).value
    )


def test_the_inquiry_and_its_ratings_table_feed_every_agreement_function() -> None:
    from coprod_analytics import sample_inquiry

    inquiry = sample_inquiry()
    ratings = inquiry.tables["ratings"]
    assert {"participant_id", "item_id", "rating"} <= set(ratings.columns)
    m = rating_matrix(ratings).matrix
    for level in LEVELS:
        by_table = krippendorff_alpha(ratings, level_of_measurement=level, n_resamples=0)
        by_inquiry = krippendorff_alpha(inquiry, level_of_measurement=level, n_resamples=0)
        # independent reference: the krippendorff package on the same raters x items matrix
        ref = krippendorff.alpha(reliability_data=m, level_of_measurement=level)
        assert by_table.value == pytest.approx(ref, abs=1e-10)
        assert by_inquiry.value == by_table.value
    assert fleiss_kappa(inquiry, n_resamples=0).value == fleiss_kappa(ratings, n_resamples=0).value
    assert kendall_w(inquiry, missing="drop-raters").value == pytest.approx(
        kendall_w(m, missing="drop-raters").value
    )
    # the provenance fingerprints the table as stored, whichever way it came in
    a = krippendorff_alpha(inquiry, n_resamples=0).provenance
    b = krippendorff_alpha(ratings, n_resamples=0).provenance
    assert a.input_fingerprint == b.input_fingerprint
    assert a.method == "coprod_analytics.crowd.agreement.krippendorff_alpha"


def test_an_inquiry_without_ratings_is_refused_by_name() -> None:
    from coprod_analytics import Inquiry

    plain = Inquiry({"participant_id": [1, 2], "statement_id": [1, 1], "vote": [1, -1]})
    with pytest.raises(ValidationError, match="needs the inquiry's 'ratings' table"):
        krippendorff_alpha(plain)


def test_text_categories_and_columns_named_by_keyword() -> None:
    df = pl.DataFrame(
        {
            "coder": ["a", "a", "a", "b", "b", "b", "c", "c"],
            "item": [1, 2, 3, 1, 2, 3, 1, 2],
            "label": ["cat", "dog", "dog", "cat", "dog", "cat", "cat", None],
        }
    )
    cols: dict[str, Any] = {"participant_id": "coder", "item_id": "item", "rating": "label"}
    res = krippendorff_alpha(df, level_of_measurement="nominal", n_resamples=0, **cols)
    codes = np.array([[0, 1, 1], [0, 1, 0], [0, np.nan, np.nan]])
    assert res.value == pytest.approx(krippendorff.alpha(codes, level_of_measurement="nominal"))
    assert res.details["values"] == ["cat", "dog"]
    assert res.provenance.parameters["columns"] == cols
    assert fleiss_kappa(df, n_resamples=0, **cols).details["category_shares"] == pytest.approx(
        {"cat": 4 / 7, "dog": 3 / 7}
    )
    with pytest.raises(ValidationError, match="level_of_measurement='interval' needs numeric"):
        krippendorff_alpha(df, level_of_measurement="interval", **cols)
    # without the keywords the canonical columns are missing, and the message says how to
    # name them
    with pytest.raises(
        ValidationError, match=r"column 'participant_id' is missing.*participant_id="
    ):
        krippendorff_alpha(df)


def test_kendall_w_long_table_and_missing_policy() -> None:
    x = np.array([[1, 2, 3, 4], [2, 1, 3, np.nan], [1, 2, 4, 3]])
    with pytest.raises(ValidationError, match="rater 1 has no rating for item 3"):
        kendall_w(x)
    assert kendall_w(x, missing="drop-raters").details["m"] == 2
    assert kendall_w(x, missing="drop-items").details["n"] == 3
    long = pl.DataFrame(
        {
            "participant_id": [0, 0, 0, 1, 1, 1],
            "item_id": ["a", "b", "c"] * 2,
            "rating": [1, 2, 3, 3, 2, 1],
        }
    )
    assert kendall_w(long).value == pytest.approx(0.0)


def test_rating_matrix_labels() -> None:
    df = pl.DataFrame({"rater": [2, 1, 2], "unit": ["y", "x", "x"], "value": [1.0, 2.0, 3.0]})
    m = rating_matrix(df, participant_id="rater", item_id="unit", rating="value")
    assert m.raters == [1, 2] and m.items == ["x", "y"] and m.categories is None
    assert np.array_equal(m.matrix, np.array([[2.0, np.nan], [3.0, 1.0]]), equal_nan=True)
    assert m.n_missing == 1 and "2 raters x 2 items" in repr(m)
    back = m.to_frame().sort("participant_id", "item_id")
    assert back.rows() == [(1, "x", 2.0), (2, "x", 3.0), (2, "y", 1.0)]


# --------------------------------------------------------------------------- errors


def test_error_messages() -> None:
    with pytest.raises(ValidationError, match="at least one unit rated by two or more raters"):
        krippendorff_alpha(np.array([[1.0, np.nan], [np.nan, 2.0]]))
    with pytest.raises(
        ParameterError, match="The 'level_of_measurement' parameter of krippendorff_alpha"
    ):
        krippendorff_alpha([[1, 2], [1, 2]], level_of_measurement="cardinal")  # type: ignore[arg-type]
    with pytest.raises(
        ParameterError, match="'n_resamples' parameter of fleiss_kappa must be an int"
    ):
        fleiss_kappa([[1, 2], [1, 2]], n_resamples=-1)
    with pytest.raises(ParameterError, match="The 'alpha' parameter of krippendorff_alpha"):
        krippendorff_alpha([[1, 2], [1, 2]], alpha=1.5)
    with pytest.raises(ValidationError, match="2-D raters x items array"):
        krippendorff_alpha([1, 2, 3])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="needs values >= 0"):
        krippendorff_alpha([[-1, 2], [1, 2]], level_of_measurement="ratio")
    dup = pl.DataFrame({"participant_id": ["a", "a"], "item_id": [1, 1], "rating": [1, 2]})
    with pytest.raises(ValidationError, match=r"row 2, column 'item_id': .*rated item 1 twice"):
        fleiss_kappa(dup)
    with pytest.raises(ValidationError, match="column 'score' is missing"):
        kendall_w(pl.DataFrame({"participant_id": [1], "item_id": [1]}), rating="score")
    with pytest.raises(ValidationError, match="category 1 has -2"):
        leik_dispersion([3, -2, 4])
    with pytest.raises(ValidationError, match="finite ratings"):
        krippendorff_alpha(np.array([[1.0, np.inf], [1.0, 2.0]]))


def test_alpha_undefined_without_variation() -> None:
    res = krippendorff_alpha(
        np.array([[3.0, 3.0], [3.0, 3.0]]), level_of_measurement="nominal", n_resamples=10, seed=0
    )
    assert np.isnan(res.value)
    assert res.ci_low is None


def test_result_rendering() -> None:
    res = krippendorff_alpha(
        [[1, 2, 3, 3], [1, 2, 3, 4]], level_of_measurement="ordinal", n_resamples=100, seed=0
    )
    frame = res.to_frame()
    assert frame["value"][0] == pytest.approx(res.value)
    assert "Krippendorff" in res.summary() and "<table>" in res._repr_html_()
