"""Issue 17: the representation tables no longer give away counts below min_cell.

Each reproduction of the issue is run as an attack; the audit (:func:`audit_table`) is run on
every table the representation functions publish, including a population comparison in which
a category has 3 people.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import polars as pl
import pytest
from scipy import stats

from coprod_analytics.deliberation import (
    compare_to_population,
    group_composition,
    participation_breakdown,
    poststratify_weights,
    rake_weights,
    statement_exposure,
)
from coprod_analytics.deliberation.representation import attrition
from coprod_analytics.privacy import audit_table

# the issue's reproduction, with today's module path and keyword (the issue was written against
# coprod_analytics.representation and group_column=, renamed by issue 11)
ISSUE_GROUP_COMPOSITION = (
    "import polars as pl; from coprod_analytics.deliberation.representation import "
    "group_composition as g; p=pl.DataFrame({'participant_id':range(40),'group':['A']*22+['B']*18,"
    "'age':['young']*10+['old']*10+['mid']*2+['young']*8+['old']*7+['mid']*3}); "
    "t=g(p,group='group',attribute='age').table; "
    "print(t.group_by('group', maintain_order=True).agg(pl.col('expected').sum()-pl.col('n').sum())"
    "['expected'].to_list())"
)


def _people(counts: dict[str, int], attribute: str = "gender") -> pl.DataFrame:
    values = [c for c, k in counts.items() for _ in range(k)]
    return pl.DataFrame({"participant_id": range(len(values)), attribute: values})


def _issue_composition(
    mid_a: int = 2, old_a: int = 10, mid_b: int = 3, old_b: int = 7
) -> pl.DataFrame:
    age = (
        ["young"] * 10
        + ["old"] * old_a
        + ["mid"] * mid_a
        + ["young"] * 8
        + ["old"] * old_b
        + ["mid"] * mid_b
    )
    return pl.DataFrame(
        {
            "participant_id": range(len(age)),
            "group": ["A"] * (10 + old_a + mid_a) + ["B"] * (8 + old_b + mid_b),
            "age": age,
        }
    )


def _published(res: object) -> tuple:
    """Everything a reader sees of a BreakdownResult."""
    return (
        res.table.rows(),  # type: ignore[attr-defined]
        res.statistic,  # type: ignore[attr-defined]
        res.dof,  # type: ignore[attr-defined]
        res.p_value,  # type: ignore[attr-defined]
        res.effect_size,  # type: ignore[attr-defined]
        res.notes,  # type: ignore[attr-defined]
    )


# --------------------------------------------------------------------------- group_composition


def test_issue_reproduction_no_longer_prints_the_hidden_counts() -> None:
    out = subprocess.run(
        [sys.executable, "-c", ISSUE_GROUP_COMPOSITION], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out != "[2.0, 3.0]" and "2.0, 3.0" not in out
    res = group_composition(_issue_composition(), attribute="age", progress=False)
    t = res.table
    # a hidden cell publishes none of its statistics
    hidden = t.filter(pl.col("n").is_null())
    assert (
        hidden.select("share_of_group", "expected", "adjusted_residual").null_count().row(0)
        == (hidden.height,) * 3
    )
    # every row and every column with a hidden cell has at least two
    assert min(hidden.group_by("group").len()["len"].to_list()) >= 2
    assert min(hidden.group_by("category").len()["len"].to_list()) >= 2
    # what the attack now computes: the sum of the hidden cells of the row, not one of them
    diff = (
        t.group_by("group", maintain_order=True)
        .agg(pl.col("expected").sum() - pl.col("n").sum())["expected"]
        .to_list()
    )
    assert 2.0 not in diff and 3.0 not in diff


def test_group_composition_publishes_the_same_for_another_split_of_the_hidden_cells() -> None:
    # A: mid 2 / old 10 versus mid 3 / old 9 (same group and age totals): a reader must not be
    # able to tell them apart from anything published, the test statistic included
    one = group_composition(_issue_composition(2, 10, 3, 7), attribute="age", progress=False)
    other = group_composition(_issue_composition(3, 9, 2, 8), attribute="age", progress=False)
    assert _published(one) == _published(other)
    assert one.statistic is not None and "pools" in " ".join(one.notes)


def test_group_composition_audit_passes() -> None:
    people = _issue_composition()
    res = group_composition(people, attribute="age", progress=False)
    full = group_composition(people, attribute="age", min_cell=0, progress=False)
    audit = audit_table(
        full.table,
        res.table,
        count_column="n",
        margins=[("group",), ("category",)],
        revealing=["share_of_group", "expected", "adjusted_residual"],
    )
    assert audit.passed, audit.cells
    primary = audit.cells.filter(pl.col("kind") == "primary")
    assert sorted(primary["count"].to_list()) == [2, 3]
    assert (primary["low"] == 0).all() and (primary["high"] >= 5).all()


# ------------------------------------------------------------------------ compare_to_population


def test_issue_population_p_value_attack_is_closed() -> None:
    # f 20, m 17, x 3 against a population with 2% x: the x row used to show
    # p = 0.04567 = binomtest(3, 40, 0.02)
    people = _people({"f": 20, "m": 17, "x": 3})
    pop = {"f": 0.49, "m": 0.49, "x": 0.02}
    res = compare_to_population(people, pop, attribute="gender")
    row = res.table.filter(pl.col("category") == "x").row(0, named=True)
    assert row["population_share"] == pytest.approx(0.02)
    published = {k: v for k, v in row.items() if v is not None}
    assert set(published) == {"category", "population_share"}
    target = stats.binomtest(3, 40, 0.02).pvalue
    for v in res.table.select(pl.exclude("category", "status")).to_numpy().ravel():
        assert v is None or not np.isclose(v, target)
    # expected / population_share still gives N = 40, but N minus the published counts is now
    # the sum of two hidden categories, not x
    shown = res.table.drop_nulls("n")
    n_total = (shown["expected"] / shown["population_share"]).to_list()[0]
    assert n_total == pytest.approx(40)
    assert n_total - shown["n"].sum() == pytest.approx(20)
    assert res.table["n"].null_count() == 2


def test_population_published_numbers_do_not_depend_on_the_hidden_split() -> None:
    # m 17 / x 3 versus m 16 / x 4: everything published is the same (the test pools the
    # hidden categories, the Holm adjustment leaves their p-values out)
    pop = {"f": 0.49, "m": 0.49, "x": 0.02}
    one = compare_to_population(_people({"f": 20, "m": 17, "x": 3}), pop, attribute="gender")
    other = compare_to_population(_people({"f": 20, "m": 16, "x": 4}), pop, attribute="gender")
    assert _published(one) == _published(other)
    # the test compares f (20 of 40) with m and x pooled (20 of 40) at 0.49 / 0.51
    ref = stats.chisquare([20, 20], f_exp=[40 * 0.49, 40 * 0.51])
    assert one.statistic == pytest.approx(ref.statistic)


def test_population_holm_among_published_equals_holm_without_suppression() -> None:
    from statsmodels.stats.multitest import multipletests

    people = _people({"a": 30, "b": 50, "c": 20})
    pop = {"a": 0.4, "b": 0.4, "c": 0.2}
    res = compare_to_population(people, pop, attribute="gender")
    p = [stats.binomtest(k, 100, s).pvalue for k, s in [(30, 0.4), (50, 0.4), (20, 0.2)]]
    assert res.table["p_adjusted"].to_list() == pytest.approx(
        multipletests(p, method="holm")[1].tolist()
    )


@pytest.mark.parametrize("x", [1, 3, 4])
def test_population_table_with_a_small_category_passes_the_audit(x: int) -> None:
    people = _people({"f": 70, "m": 60, "nb": 17, "x": x})
    pop = pl.DataFrame(
        {
            "attribute": ["gender"] * 4,
            "category": ["f", "m", "nb", "x"],
            "share": [0.5, 0.45, 0.04, 0.01],
        }
    )
    res = compare_to_population(people, pop, attribute="gender")
    full = compare_to_population(people, pop, attribute="gender", min_cell=0)
    revealing = [c for c in res.table.columns if c not in ("category", "n", "population_share")]
    audit = audit_table(full.table, res.table, count_column="n", margins=[()], revealing=revealing)
    assert audit.passed, audit.cells
    assert audit.cells.filter(pl.col("kind") == "primary")["count"].to_list() == [x]


# ------------------------------------------------------------------------------------- weights


def test_raking_margins_hide_the_unweighted_share_of_a_small_category() -> None:
    # 3 of 150: the margins table used to show unweighted = 2%
    people = _people({"f": 80, "m": 67, "x": 3})
    res = rake_weights(people, {"gender": {"f": 0.5, "m": 0.48, "x": 0.02}})
    margins = res.margins
    assert "n" not in margins.columns
    x = margins.filter(pl.col("category") == "x").row(0, named=True)
    assert x["unweighted"] is None and x["achieved"] is None and x["target"] == pytest.approx(0.02)
    # and 100% minus the others does not give it: a second category is hidden
    assert margins["unweighted"].null_count() == 2
    assert any("fewer than 5" in n for n in res.notes)
    counts = pl.DataFrame({"category": ["f", "m", "x"], "n": [80, 67, 3]})
    published = margins.select("category", (pl.col("unweighted") * 150).round(0).alias("n"))
    assert audit_table(counts, published, count_column="n", margins=[()]).passed


def test_poststratification_margins_are_suppressed_too() -> None:
    people = _people({"city": 40, "rural": 8, "island": 2}, attribute="area")
    pop = pl.DataFrame({"area": ["city", "rural", "island"], "share": [0.7, 0.2, 0.1]})
    res = poststratify_weights(people, pop, cells="area")
    assert res.margins["unweighted"].null_count() == 2
    assert res.margins.filter(pl.col("category") == "city")["unweighted"].item() == 0.8


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rake_cap_holds_after_rescaling(seed: int) -> None:
    # issue 17: cap=1.5 returned a weight of 1.589 x the mean (the cap was applied before the
    # weights were rescaled to mean 1)
    rng = np.random.default_rng(seed)
    n = 150
    people = pl.DataFrame(
        {
            "participant_id": range(n),
            "gender": rng.choice(["f", "m", "x"], n, p=[0.55, 0.42, 0.03]).tolist(),
            "age": rng.choice(["16-34", "35-64", "65+"], n, p=[0.12, 0.5, 0.38]).tolist(),
        }
    )
    margins = {
        "gender": {"f": 0.5, "m": 0.48, "x": 0.02},
        "age": {"16-34": 0.3, "35-64": 0.45, "65+": 0.25},
    }
    uncapped = rake_weights(people, margins).weights["weight"].to_numpy()
    assert uncapped.max() / uncapped.mean() > 1.5  # the cap has work to do
    w = rake_weights(people, margins, cap=1.5).weights["weight"].to_numpy()
    assert w.mean() == pytest.approx(1.0)
    assert w.max() <= 1.5 * w.mean() * (1 + 1e-9)
    assert w.max() == pytest.approx(1.5 * w.mean())  # trimmed to the cap, not below it


# ------------------------------------------------------------------------ the other breakdowns


def test_participation_breakdown_audit_passes_per_attribute() -> None:
    people = pl.DataFrame(
        {
            "participant_id": range(60),
            "gender": ["f"] * 30 + ["m"] * 27 + ["x"] * 3,
            "age": ["16-34"] * 4 + ["35-64"] * 36 + ["65+"] * 20,
        }
    )
    res = participation_breakdown(people, by=["gender", "age"])
    full = participation_breakdown(people, by=["gender", "age"], min_cell=0)
    audit = audit_table(full.table, res.table, count_column="n", margins=[("attribute",)])
    assert audit.passed, audit.cells
    assert sorted(audit.cells.filter(pl.col("kind") == "primary")["count"].to_list()) == [3, 4]
    assert res.table.filter(pl.col("n").is_null())["share"].null_count() == 4


def test_statement_exposure_and_attrition_audits_pass() -> None:
    st = pl.DataFrame(
        {"statement_id": range(20), "author_group": ["A"] * 9 + ["B"] * 8 + ["C"] * 3}
    )
    votes = pl.DataFrame({"statement_id": np.repeat(np.arange(20), 3)})
    res = statement_exposure(votes, st)
    full = statement_exposure(votes, st, min_cell=0)
    audit = audit_table(full.table, res.table, count_column="n_statements", margins=[()])
    assert audit.passed and res.table["n_statements"].null_count() == 2

    panel = pl.DataFrame(
        {
            "participant_id": list(range(40)) + list(range(30)),
            "wave": ["pre"] * 40 + ["post"] * 30,
            "age": ["young"] * 20 + ["old"] * 17 + ["85+"] * 3 + ["young"] * 20 + ["old"] * 10,
        }
    )
    res = attrition(panel, by="age", progress=False)
    full = attrition(panel, by="age", min_cell=0, progress=False)
    audit = audit_table(full.table, res.table, count_column="n_pre", margins=[()])
    assert audit.passed, audit.cells
    assert "pools the hidden categories" in " ".join(res.notes)


def _outcome_cells(table: pl.DataFrame) -> pl.DataFrame:
    return pl.concat(
        [
            table.select(
                "category", pl.lit("stayed").alias("outcome"), pl.col("n_retained").alias("n")
            ),
            table.select(
                "category", pl.lit("left").alias("outcome"), pl.col("n_dropped").alias("n")
            ),
        ]
    )


def test_attrition_hides_small_numbers_of_stayers_and_leavers() -> None:
    # 40 people in three categories; 6 young, 3 old and 6 mid left: 3 is a small count
    pre = ["young"] * 15 + ["old"] * 13 + ["mid"] * 12
    left = set(range(15, 18)) | {0, 1, 2, 3, 4, 5, 28, 29, 30, 31, 32, 33}
    post = [i for i in range(40) if i not in left]
    panel = pl.DataFrame(
        {
            "participant_id": list(range(40)) + post,
            "wave": ["pre"] * 40 + ["post"] * len(post),
            "age": pre + [pre[i] for i in post],
        }
    )
    res = attrition(panel, by="age", progress=False)
    full = attrition(panel, by="age", min_cell=0, progress=False)
    assert dict(full.table.select("category", "n_dropped").rows())["old"] == 3
    shown = res.table.drop_nulls("n_retained")
    for col in ("n_retained", "n_dropped"):
        assert not shown[col].is_between(1, 4).any()
    assert res.table["n_pre"].null_count() == 0  # every category has >= 5 people at pre
    # the category x (stayed, left) table with its row and column totals passes the audit
    audit = audit_table(
        _outcome_cells(full.table),
        _outcome_cells(res.table),
        count_column="n",
        margins=[("category",), ("outcome",)],
    )
    assert audit.passed, audit.cells
    assert audit.cells.filter(pl.col("kind") == "primary")["count"].to_list() == [3]
    assert any("stayed and left" in n for n in res.notes)


def test_group_composition_with_a_category_of_three_people_hides_its_size() -> None:
    # "the 85+" are 3 people in all (1 in A, 2 in B): the column total itself is small, so
    # expected counts and residuals (which give the column totals) are not published
    age = ["young"] * 12 + ["old"] * 9 + ["85+"] * 1 + ["young"] * 10 + ["old"] * 6 + ["85+"] * 2
    people = pl.DataFrame(
        {"participant_id": range(40), "group": ["A"] * 22 + ["B"] * 18, "age": age}
    )
    res = group_composition(people, attribute="age", progress=False)
    full = group_composition(people, attribute="age", min_cell=0, progress=False)
    t = res.table
    assert (
        t["expected"].null_count() == t.height and t["adjusted_residual"].null_count() == t.height
    )
    audit = audit_table(full.table, t, count_column="n", margins=[("group",)])
    assert audit.passed, audit.cells
    # with the category totals assumed public the audit says the size 3 is out
    assert audit_table(full.table, t, count_column="n", margins=[("category",)]).small_totals == (
        "category=85+: 3",
    )
    # N minus the published cells no longer gives the 85+ count
    assert people.height - t["n"].sum() != 3
    assert any("fewer than 5 people in all" in n for n in res.notes)
