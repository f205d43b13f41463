"""Report code takes live data as it comes: categories nobody is in yet, people who prefer not to
say, and answers with and without a confidence."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from coprod_analytics.deliberation import (
    compare_to_population,
    poststratify_weights,
    rake_weights,
)
from coprod_analytics.errors import ParameterError, ValidationError
from coprod_analytics.evidence.weighing import weigh_evidence
from coprod_analytics.session import SessionStore

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample-inquiry"

#: 12 people early in a session: nobody aged 65+ yet, two did not say their age.
EARLY = pl.DataFrame(
    {
        "participant_id": range(12),
        "age": ["16-34"] * 5 + ["35-64"] * 5 + [None, "prefer not to say"],
        "area": ["city"] * 6 + ["rural"] * 6,
    }
)
AGES = {"16-34": 0.3, "35-64": 0.5, "65+": 0.2}


# ------------------------------------------------------------------------ representation
def test_a_category_nobody_is_in_is_reported_missing() -> None:
    res = compare_to_population(EARLY, AGES, attribute="age", min_cell=0)
    rows = res.table.select("category", "n", "population_share", "status").rows()
    assert rows == [("16-34", 5, 0.3, "ok"), ("35-64", 5, 0.5, "ok"), ("65+", 0, 0.2, "missing")]
    assert "Nobody from 65+ yet (20% of the population)." in res.notes
    # the two who did not say are left out (10 compared), and the note says so
    assert res.table["n"].sum() == 10
    assert any("2 participants did not give their age" in n for n in res.notes)
    # with small cells suppressed, the count of those who did not say is not given away
    hidden = compare_to_population(EARLY, AGES, attribute="age", min_cell=5)
    assert any("fewer than 5 participants did not give their age" in n for n in hidden.notes)


def test_before_anyone_gave_the_attribute_there_is_nothing_to_test() -> None:
    nobody = EARLY.with_columns(pl.lit(None, dtype=pl.String).alias("age"))
    res = compare_to_population(nobody, AGES, attribute="age")
    assert res.table["status"].to_list() == ["missing"] * 3
    assert res.table["n"].to_list() == [0, 0, 0]
    assert res.statistic is None and res.p_value is None
    assert res.notes[0].startswith("Nobody has given their age yet")
    assert "weighting skipped" not in res.summary()  # a comparison, not weights


def test_raking_drops_an_empty_category_with_a_note() -> None:
    res = rake_weights(EARLY, {"age": AGES, "area": {"city": 0.5, "rural": 0.5}}, min_cell=0)
    assert res.converged and res.iterations >= 1
    margins = {(a, c): (t, got) for a, c, t, got, _ in res.margins.rows()}
    assert margins[("age", "65+")] == (0.2, 0.0)  # its population share; nobody to weight
    # the others are scaled up to fill the missing 20%, over the 10 who gave their age
    assert margins[("age", "16-34")][1] == pytest.approx(0.3 / 0.8 * 10 / 12)
    assert margins[("age", "35-64")][1] == pytest.approx(0.5 / 0.8 * 10 / 12)
    assert any(n.startswith("Nobody from 65+ (20% of the population)") for n in res.notes)
    assert any("did not give their age" in n for n in res.notes)
    w = res.weights.join(EARLY, on="participant_id")
    # the two who did not say keep their share of the weights on age
    not_given = w.filter(pl.col("age").is_null() | (pl.col("age") == "prefer not to say"))
    share = float(not_given["weight"].sum()) / float(w["weight"].sum())
    assert share == pytest.approx(2 / 12)
    assert w["weight"].mean() == pytest.approx(1.0)


def test_weighting_is_skipped_with_a_reason_when_there_is_nothing_to_weight() -> None:
    none_yet = rake_weights(EARLY.head(0), {"age": AGES})
    assert none_yet.iterations == 0 and none_yet.weights.height == 0
    assert none_yet.notes == ("No participants yet: weighting was skipped.",)
    assert "weighting skipped" in none_yet.summary()
    nobody = EARLY.with_columns(pl.lit(None, dtype=pl.String).alias("age"))
    skipped = rake_weights(nobody, {"age": AGES})
    assert skipped.iterations == 0 and (skipped.weights["weight"] == 1.0).all()
    assert skipped.notes[0] == "Nobody has given their age yet: the weights do not adjust for age."
    assert "Weighting was skipped" in skipped.notes[-1]
    # an unknown category is still a data error, named
    with pytest.raises(ValidationError, match=r"column 'age': categories \['90\+'\] have no"):
        rake_weights(EARLY.with_columns(pl.lit("90+").alias("age")), {"age": AGES})


def test_poststratification_drops_an_empty_cell_with_a_note() -> None:
    pop = pl.DataFrame({"age": list(AGES), "share": list(AGES.values())})
    res = poststratify_weights(EARLY, pop, cells="age", min_cell=0)
    w = res.weights.join(EARLY, on="participant_id").with_columns(pl.col("age").fill_null("-"))
    by_age = dict(w.group_by("age").agg(pl.col("weight").sum() / 12).iter_rows())
    assert by_age["16-34"] == pytest.approx(0.3 / 0.8 * 10 / 12)
    assert by_age["35-64"] == pytest.approx(0.5 / 0.8 * 10 / 12)
    assert any("Nobody from the cells ['65+']" in n for n in res.notes)


# ------------------------------------------------------------------------ the report
def _export(folder: Path, page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *(sys.executable, "-m", "coprod_analytics.cli", "export", str(folder)),
            *("-o", str(page), "--no-stability", "--n-resamples", "20", "--no-progress"),
            *extra,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def test_coprod_export_says_who_is_missing(tmp_path: Path) -> None:
    """An inquiry folder whose population has a category nobody is in (and people who did not
    say their age): the report is written and says who is missing."""
    folder = tmp_path / "inquiry"
    shutil.copytree(SAMPLE, folder)
    pop = pl.read_csv(folder / "population.csv")
    extra = pl.DataFrame({"attribute": ["age_band"], "category": ["85+"], "share": [0.05]})
    pl.concat([pop, extra]).write_csv(folder / "population.csv")
    people = pl.read_csv(folder / "participants.csv")
    people.with_columns(
        pl.when(pl.col("participant_id") % 10 == 0)
        .then(pl.lit("prefer not to say"))
        .when(pl.col("participant_id") % 10 == 1)
        .then(None)
        .otherwise(pl.col("age_band"))
        .alias("age_band")
    ).write_csv(folder / "participants.csv")
    page = tmp_path / "report.html"
    res = _export(folder, page)
    assert res.returncode == 0, res.stderr
    html = page.read_text()
    section = html.split('<section id="representativeness"')[1].split("</section>")[0]
    assert "Nobody from 85+ yet (5% of the population)." in section
    assert "did not give their age_band (or preferred not to say)" in section
    assert "Raking weights" in section


def test_a_live_session_exported_early_makes_a_report(tmp_path: Path) -> None:
    """Early in a live session: few people, nobody yet in most age bands, one who prefers not
    to say, evidence rated with and without a confidence. ``coprod session export`` then
    ``coprod export`` works, and the page says who is missing."""
    from coprod_apps.live.serve import seed_session

    db = tmp_path / "s.db"
    seed_session(db, SAMPLE, open_activities=True)
    with SessionStore(db) as store:
        people = [store.join() for _ in range(6)]
        for i, p in enumerate(people):
            age = "prefer not to say" if i == 5 else ("25-34" if i % 2 else "35-49")
            store.record_answer(p, "population", "age_band", {"category": age})
            for sid in range(8):
                store.record_vote(p, sid, (1, -1, 0)[(i + sid) % 3])
            answer = {"credibility": 2 + i % 3, "relevance": 3}
            if i % 2:
                answer["confidence"] = 4
            store.record_answer(p, "evidence", 1, answer)
            store.record_answer(p, "evidence", 2, {"credibility": 4, "relevance": 2 + i % 2})
        live = store.to_inquiry()
    # the core takes the live tables as they are
    ev = live.tables["evidence"]
    assert ev["confidence"].null_count() > 0 and ev["confidence"].drop_nulls().len() > 0
    weighed = weigh_evidence(live, n_resamples=0, progress=False)
    assert weighed.table.height == 2 and weighed.parameters["default_confidence"] == 4.0
    ages = compare_to_population(live, attribute="age_band", min_cell=0)
    assert set(ages.table.filter(pl.col("n") == 0)["category"]) == {"16-24", "50-64", "65+"}
    out = tmp_path / "export"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "coprod_analytics.cli",
            "session",
            "export",
            str(db),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    page = tmp_path / "report.html"
    res = _export(out, page, "--min-cell", "0")
    assert res.returncode == 0, res.stderr
    html = page.read_text()
    section = html.split('<section id="representativeness"')[1].split("</section>")[0]
    for band in ("16-24", "50-64", "65+"):
        assert f"Nobody from {band} yet" in section
    assert '<section id="evidence"' in html


# ------------------------------------------------------------------------ evidence
RATINGS = pl.DataFrame(
    {
        "participant_id": [1, 2, 3, 1, 2, 3],
        "evidence_id": [1, 1, 1, 2, 2, 2],
        "credibility": [5.0, 3.0, 4.0, 2.0, 1.0, 3.0],
        "relevance": [4.0, 4.0, 5.0, 5.0, 4.0, 4.0],
        "confidence": [4.0, None, 2.0, 1.0, 5.0, None],
    }
)


def test_a_missing_confidence_means_not_given() -> None:
    res = weigh_evidence(RATINGS, n_resamples=0, progress=False)
    # not given: the median confidence given (4, 2, 1, 5 -> 3) stands in
    assert res.parameters["default_confidence"] == 3.0
    assert res.parameters["confidence_weighted"] is True
    first = res.table.filter(pl.col("evidence_id") == 1).row(0, named=True)
    assert first["credibility"] == pytest.approx(np.average([5, 3, 4], weights=[4, 3, 2]))
    # the same as giving that confidence outright
    filled = RATINGS.with_columns(pl.col("confidence").fill_null(3.0))
    same = weigh_evidence(filled, n_resamples=0, progress=False)
    assert same.table.equals(res.table)
    # or a chosen default
    ones = weigh_evidence(RATINGS, n_resamples=0, progress=False, default_confidence=1)
    first = ones.table.filter(pl.col("evidence_id") == 1).row(0, named=True)
    assert first["credibility"] == pytest.approx(np.average([5, 3, 4], weights=[4, 1, 2]))


def test_nobody_gave_a_confidence_means_unweighted() -> None:
    none = RATINGS.with_columns(pl.lit(None, dtype=pl.Float64).alias("confidence"))
    res = weigh_evidence(none, n_resamples=0, progress=False)
    plain = weigh_evidence(RATINGS.drop("confidence"), n_resamples=0, progress=False)
    assert res.table.equals(plain.table)
    assert res.parameters["confidence_weighted"] is False


def test_bad_confidences_are_still_errors() -> None:
    bad = RATINGS.with_columns(pl.Series("confidence", [4.0, None, -1.0, 1.0, 5.0, None]))
    with pytest.raises(
        ValidationError, match=r"row 3, column 'confidence': each rating must be a number >= 0"
    ):
        weigh_evidence(bad, n_resamples=0, progress=False)
    with pytest.raises(ParameterError, match="'default_confidence' parameter of weigh_evidence"):
        weigh_evidence(RATINGS, n_resamples=0, progress=False, default_confidence=-2)
