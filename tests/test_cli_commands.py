"""The ``coprod`` command table: one explicit list, extras that say how to get them."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from coprod_analytics import cli
from coprod_analytics.cli import COMMANDS, EXTRAS, main, missing_extra, plain_text


def test_every_listed_command_has_a_module_with_add_parser_and_run() -> None:
    names = [c.name for c in COMMANDS]
    assert len(names) == len(set(names))
    for command in COMMANDS:
        if missing_extra(command.extra) is not None:  # pragma: no cover - full test env
            continue
        module = importlib.import_module(command.module)
        assert callable(module.add_parser), command.name
        parser = cli.build_parser(command.name)
        # the sub-parser the module registered is the one for this name, and runs something
        sub = next(a for a in parser._actions if a.dest == "command")
        assert command.name in sub.choices  # type: ignore[attr-defined]
        assert sub.choices[command.name].get_default("func") is not None  # type: ignore[attr-defined]


def test_help_lists_every_command_without_importing_the_upper_layers() -> None:
    code = (
        "import sys\n"
        "from coprod_analytics.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'coprod_widgets', 'coprod_apps', 'ipywidgets', 'voila', 'tornado', 'plotly'}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    for command in COMMANDS:
        assert f"    {command.name} " in out or f"    {command.name}\n" in out, command.name
    assert out.strip().splitlines()[-1] == "[]"


def test_commands_that_need_an_extra_name_one_that_exists() -> None:
    for command in COMMANDS:
        assert command.extra is None or command.extra in EXTRAS, command.name
    # the layers above the core need their extra; the core's own commands need none
    for command in COMMANDS:
        upper = command.module.split(".")[0] != "coprod_analytics"
        assert (command.extra is not None) == upper, command.name


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_plain_text_removes_rst_roles() -> None:
    assert plain_text(":class:`~coprod_analytics.Inquiry` and :func:`f <g>`") == "Inquiry and f"
    assert plain_text(None) == ""
