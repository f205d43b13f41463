"""Inputs besides votes: schemas, validation, long and wide readers, folders, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from coprod_analytics import Inquiry, ParameterError, ValidationError, load_inquiry, read_input
from coprod_analytics.inputs import INPUT_KINDS, INPUT_SCHEMAS, describe_inputs, validate_input
from coprod_analytics.simulate import sample_inquiry

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("kind", "table", "match"),
    [
        (
            "estimates",
            {"participant_id": [1], "question_id": [1]},
            r"missing required column\(s\) 'value'",
        ),
        (
            "estimates",
            {"participant_id": [1, 2], "question_id": [1, 1], "value": [1, "lots"]},
            r"row 2, column 'value': expected a number; got 'lots'",
        ),
        (
            "estimates",
            {"participant_id": [1, 2], "question_id": [1, 1], "value": [1.0, float("inf")]},
            r"row 2, column 'value': expected a finite number",
        ),
        (
            "estimates",
            {"participant_id": [1, 1], "question_id": [1, 1], "value": [1, 2]},
            r"row 2: duplicate row for \(participant_id=1, question_id=1\)",
        ),
        (
            "estimates",
            {"participant_id": [1], "question_id": [1], "value": [1], "confidence": [-1]},
            r"column 'confidence': expected a value >= 0.0",
        ),
        (
            "estimates",
            {"participant_id": [1], "question_id": [1], "value": [1], "round": [1.5]},
            r"column 'round': expected a whole number",
        ),
        (
            "probabilities",
            {"participant_id": [1], "question_id": [1], "probability": [1.5]},
            r"expected a value between 0.0 and 1.0; got 1.5",
        ),
        (
            "ratings",
            {
                "participant_id": [1],
                "item_id": [1],
                "rating": [9],
                "scale_min": [1],
                "scale_max": [7],
            },
            r"rating 9.0 is outside its scale \[1.0, 7.0\]",
        ),
        (
            "evidence",
            {"participant_id": [1], "evidence_id": [1], "credibility": [None], "relevance": [3]},
            r"row 1, column 'credibility': missing value",
        ),
        (
            "predictions",
            {"participant_id": [1], "question_id": [1], "option": ["a"], "share": [2]},
            r"column 'share'",
        ),
    ],
)
def test_validation_names_row_and_column(kind, table, match):
    with pytest.raises(ValidationError, match=match):
        validate_input(kind, table)
    with pytest.raises(ValidationError, match=match):
        Inquiry(tables={kind: table})


def test_repeated_rounds_are_allowed():
    t = validate_input(
        "estimates",
        {"participant_id": [1, 1], "question_id": [1, 1], "value": [3, 4], "round": [1, 2]},
    )
    assert t.get_column("round").to_list() == [1, 2]


def test_unknown_tables_pass_through():
    inq = Inquiry(tables={"notes": {"x": [1]}})
    assert inq.tables["notes"].columns == ["x"]


def test_long_csv_with_renamed_columns_names_the_line(tmp_path):
    f = tmp_path / "guesses.csv"
    f.write_text("who,q,guess\n1,1,10\n2,1,eleven\n")
    with pytest.raises(
        ValidationError,
        match=r"guesses\.csv, line 3, column 'value': expected a number; got 'eleven'",
    ):
        read_input("estimates", f, participant_id="who", question_id="q", value="guess")
    f.write_text("who,q,guess\n1,1,10\n2,1,11\n")
    t = read_input("estimates", f, participant_id="who", question_id="q", value="guess")
    assert t.get_column("value").to_list() == [10.0, 11.0]


def test_wide_layouts(tmp_path):
    f = tmp_path / "ratings.csv"
    f.write_text("participant,buses,cycling\n1,5,\n2,3,7\n")
    t = read_input("ratings", f, layout="wide", participant_id="participant")
    assert t.height == 3
    assert set(t.get_column("item_id").to_list()) == {"buses", "cycling"}
    with pytest.raises(ValidationError, match="has no wide layout"):
        read_input("evidence", f, layout="wide", participant_id="participant")
    with pytest.raises(ParameterError, match="The 'kind' parameter of read_input"):
        read_input("opinions", f)


def test_sample_inquiry_has_every_kind_and_round_trips_through_its_folder(tmp_path):
    inq = sample_inquiry()
    assert set(INPUT_KINDS) <= set(inq.tables)
    facts = describe_inputs(inq.tables)
    assert facts["estimates"]["items"] == 4
    assert facts["evidence"]["items"] == 8
    from coprod_analytics.cli.simulate import write_inquiry_folder

    back = load_inquiry(write_inquiry_folder(inq, tmp_path / "s"))
    for name, table in inq.tables.items():
        assert back.tables[name].equals(table), name


def test_folder_of_tables_without_votes(tmp_path):
    (tmp_path / "estimates.csv").write_text("participant_id,question_id,value\n1,1,3\n2,1,4\n")
    inq = load_inquiry(tmp_path)
    assert inq.counts()["votes"] == 0
    assert inq.tables["estimates"].height == 2


def test_info_json_reports_the_input_kinds(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "coprod_analytics",
            "info",
            str(ROOT / "data" / "sample-inquiry"),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    facts = json.loads(out.stdout)
    assert facts["inputs"]["estimates"] == {"rows": 1000, "participants": 125, "items": 4}
    assert facts["inputs"]["evidence"]["items"] == 8
    assert facts["votes"] == 2699


@pytest.fixture
def all_schemas() -> dict:
    """INPUT_SCHEMAS with the families' schemas loaded (they are added on first use)."""
    from coprod_analytics.inputs import _family_schemas

    _family_schemas()
    assert {"panel", "rankings", "budget_votes"} <= set(INPUT_SCHEMAS)
    return INPUT_SCHEMAS


def test_one_column_vocabulary_across_schemas(all_schemas):
    """Ids end in ``_id`` in every schema (participant_id, item_id, question_id, ...): the
    column a table is about (``schema.item``) and every column of kind "id". A pairwise
    comparison's ``winner`` and ``loser`` are roles of two item ids, named for the role."""
    roles = {("pairwise", "winner"), ("pairwise", "loser")}
    offenders = []
    for name, schema in all_schemas.items():
        ids = {c for c, kind in schema.kinds.items() if kind == "id"}
        if schema.item is not None:
            ids.add(schema.item)
        offenders += [
            f"{name}.{c}" for c in sorted(ids) if not c.endswith("_id") and (name, c) not in roles
        ]
        if "participant" in " ".join(schema.kinds):
            assert "participant_id" in schema.kinds, name
    assert not offenders, f"id columns not named *_id: {offenders}"


def test_every_registered_schema_is_consistent(all_schemas):
    for name, schema in all_schemas.items():
        assert set(schema.required) | set(schema.optional) == set(schema.kinds), name
        assert set(schema.unique) <= set(schema.kinds), name
        assert schema.item is None or schema.item in schema.required
        empty = pl.DataFrame({c: [] for c in schema.required})
        assert validate_input(name, empty).height == 0
