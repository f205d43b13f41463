"""Shared test fixtures and the CI policy: under CI=true nothing may be skipped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Whether this run is CI. The one reading of the ``CI`` variable for every test: import it
#: (``from conftest import IN_CI``) rather than reading the environment again. ``.ci/run``
#: sets ``CI=true`` itself; scripts/check-test-count.py and scripts/ensure-chromium.sh read it
#: the same way (1, true or yes, any case).
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def fail_or_skip(reason: str) -> None:
    """Skip the calling test with ``reason`` locally; under CI fail it (nothing is skipped)."""
    if IN_CI:
        pytest.fail(reason + " (under CI=true this is a failure, not a skip)")
    pytest.skip(reason)


def shared_data_dir() -> Path:
    """Where the reference data beside the project lives (``../shared/data``).

    ``COPROD_SHARED_DATA`` overrides the location.
    """
    env = os.environ.get("COPROD_SHARED_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


def require_shared(*parts: str) -> Path:
    """Path to a file or folder under ``../shared/data``.

    On a user's clone without it the calling test is skipped with a clear reason; under CI a
    missing path is a failure, never a skip.
    """
    path = shared_data_dir().joinpath(*parts)
    if not path.exists():
        msg = (
            f"reference data {path} is missing (it lives beside the project in "
            "../shared/data; set COPROD_SHARED_DATA to point elsewhere)"
        )
        fail_or_skip(msg)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ``../shared/data`` folder (skip locally when absent; fail under CI)."""
    return require_shared()


POLIS_CONVERSATIONS = [
    "london.youth.policing",
    "bg2050-volunteers",
    "scoop-hivemind.biodiversity",
    "vtaiwan.uberx",
]


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    skipped = terminalreporter.stats.get("skipped", [])
    if IN_CI and skipped:
        terminalreporter.write_line(
            f"CI policy: {len(skipped)} test(s) were skipped under CI=true; this fails the run.",
            red=True,
        )


def pytest_sessionfinish(session, exitstatus):  # type: ignore[no-untyped-def]
    """Under CI, a skipped test fails the run (nothing is silently skipped)."""
    if not IN_CI:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped and session.exitstatus == 0:
        session.exitstatus = 1
