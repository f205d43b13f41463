"""``coprod topics``: the JSON contract, determinism, inputs, one-line errors (exit 2) and no
network. The parser is built from coprod_analytics.cli.topics directly; the end-to-end
subprocess tests need the command in coprod_analytics.cli.COMMANDS."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT, require_shared

from coprod_analytics.cli import topics as topics_cli
from coprod_analytics.errors import ValidationError


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    parser = argparse.ArgumentParser(prog="coprod")
    topics_cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["topics", *argv])
    assert args.func(args) == 0
    return capsys.readouterr().out


def _coprod(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coprod_analytics", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )


@pytest.fixture
def ideas(tmp_path):
    path = tmp_path / "ideas.csv"
    rows = ["id,text"]
    rows += [f"b{i},more buses at night on route {i}" for i in range(8)]
    rows += [f"t{i},plant trees and hedges in park {i}" for i in range(8)]
    rows += ['dup,"More buses at night, on route 1!"']
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_json_has_exactly_the_documented_shape(ideas, capsys):
    got = json.loads(_run([str(ideas), "--json"], capsys))
    assert list(got) == ["topics", "assignments", "near_duplicates"]
    assert got["topics"] and all(
        list(t) == ["topic", "label", "size", "quotes"] for t in got["topics"]
    )
    assert all(isinstance(q, str) for t in got["topics"] for q in t["quotes"])
    assert [a["id"] for a in got["assignments"]] == [
        *(f"b{i}" for i in range(8)),
        *(f"t{i}" for i in range(8)),
        "dup",
    ]
    assert all(list(a) == ["id", "topic"] for a in got["assignments"])
    assert sum(t["size"] for t in got["topics"]) == 17
    # planted (our construction): "dup" repeats b1 with case and punctuation changed
    assert {"a": "b1", "b": "dup", "score": 1.0} in got["near_duplicates"]
    assert all(isinstance(d["a"], str) and 0 <= d["score"] <= 1 for d in got["near_duplicates"])
    # two themes planted: buses and trees never share a topic
    topic = {a["id"]: a["topic"] for a in got["assignments"]}
    assert {topic[f"b{i}"] for i in range(8)}.isdisjoint({topic[f"t{i}"] for i in range(8)})


def test_same_json_twice_and_n_topics(ideas, capsys):
    first = _run([str(ideas), "--json", "--seed", "3"], capsys)
    assert _run([str(ideas), "--json", "--seed", "3"], capsys) == first
    got = json.loads(_run([str(ideas), "--json", "--n-topics", "3"], capsys))
    assert [t["topic"] for t in got["topics"]] == [1, 2, 3]


def test_tsv_and_text_summary(tmp_path, capsys):
    path = tmp_path / "answers.tsv"
    path.write_text("text_id\ttext\n1\tMore buses\n2\tmore buses!\n3\tTrees\n", encoding="utf-8")
    out = _run([str(path)], capsys)
    assert "1 topic in 3 texts" in out
    assert "#1 looks like #2" in out


@pytest.mark.shared_data
def test_polis_folder_uses_its_statements(capsys):
    path = require_shared("polis", "london.youth.policing")
    got = json.loads(_run([str(path), "--json"], capsys))
    assert len(got["assignments"]) == 36
    assert {"a": "6", "b": "5"} in [{"a": d["a"], "b": d["b"]} for d in got["near_duplicates"]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,words\n1,hello\n", "no text column"),
        ("id,text\n1,hello\n1,again\n", "row 2, column 'id': duplicate id '1'"),
        ("id,text\n1,hello\n,again\n", "row 2, column 'id': missing id"),
        ("text\nhello\n", "column 'id': no id column"),
    ],
)
def test_bad_input_names_file_row_and_column(tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError, match=message) as info:
        _run([str(path), "--json"], capsys)
    assert str(path) in str(info.value)


def test_end_to_end_json_and_network_disabled(ideas):
    """``coprod topics PATH --json`` in a fresh process with every socket refused (needs the
    ``topics`` entry in coprod_analytics.cli.COMMANDS)."""
    guard = textwrap.dedent(
        """
        import socket, sys
        def _refuse(*a, **k):
            raise OSError("network disabled by the test")
        socket.socket.connect = _refuse
        socket.create_connection = _refuse
        from coprod_analytics.cli import main
        sys.exit(main(sys.argv[1:]))
        """
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", guard, "topics", str(ideas), "--json"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        for _ in range(2)
    ]
    assert runs[0].returncode == 0, runs[0].stderr
    assert runs[0].stdout == runs[1].stdout
    assert len(json.loads(runs[0].stdout)["assignments"]) == 17


def test_end_to_end_bad_input_is_one_line_exit_2(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,text\n1,hello\n1,again\n", encoding="utf-8")
    out = _coprod("topics", str(path), "--json")
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.strip().count("\n") == 0
    assert "row 2, column 'id': duplicate id '1'" in out.stderr
    help_text = _coprod("topics", "--help").stdout
    assert "--n-topics" in help_text and "``" not in help_text


def test_folder_with_a_free_text_table(tmp_path, capsys):
    """A folder of input tables with free_text.csv (needs the free_text schema registered in
    coprod_analytics.inputs)."""
    (tmp_path / "free_text.csv").write_text(
        "text_id,participant_id,text\na1,1,More buses at night\na2,2,more buses at night!\n"
        "a3,3,Plant trees in parks\n",
        encoding="utf-8",
    )
    got = json.loads(_run([str(tmp_path), "--json"], capsys))
    assert [a["id"] for a in got["assignments"]] == ["a1", "a2", "a3"]
    assert got["near_duplicates"] == [{"a": "a1", "b": "a2", "score": 1.0}]
