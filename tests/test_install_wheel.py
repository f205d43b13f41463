"""Tried as a new user would: a real (non-editable) install of a wheel of the project, in a
fresh virtual environment, used from a folder outside the checkout.

1. a wheel is built from a copy of the source tree (``pip wheel --no-deps``; the checkout
   itself is never written to) and holds the package data (the Voila apps, the participant
   page);
2. core only (``pip install coprod_analytics-*.whl``): ``coprod --version`` and a core
   command work; every command that needs an extra exits 2 with ONE line naming the
   ``pip install "coprod-analytics[...]"`` to run, never a traceback;
3. the ``widgets`` and ``live`` extras added to the same environment (as a user would
   after reading that line): ``coprod report`` serves the report from the installed
   package, ``coprod serve`` starts and both its participant page and its facilitator
   dashboard answer.

The dependencies are really installed by pip (from the package index and pip's cache), so a
missing dependency in ``pyproject.toml`` fails here. The extras are installed on top of the
core-only environment instead of into a second one, which halves the install time. Measured
on the 2-core machine: about 35 s for the core install, 25 s for the extras, 80-100 s for
the whole module.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]

#: What is not part of the source distribution (never copied to the build folder).
_NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "test-artifacts",
    "node_modules",
)

#: Commands that need an optional extra, with arguments a user might give them.
NEEDS_EXTRA = {
    "report": ("widgets", ["report", "data"]),
    "publish": ("widgets", ["publish", "data", "-o", "app"]),
    "export": ("widgets", ["export", "data", "-o", "r.html"]),
    "serve": ("live", ["serve", "s.db"]),
    "demo": ("live", ["demo"]),
    "loadtest": ("live", ["loadtest", "http://127.0.0.1:8765/"]),
}


@dataclass
class Env:
    """A fresh virtual environment and a working folder outside the checkout."""

    venv: Path
    cwd: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def environ(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"} and not k.startswith("COPROD_")
        }
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.venv)
        return env

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args),
            cwd=self.cwd,
            env=self.environ(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def pip_install(self, requirement: str) -> None:
        res = self.run(
            str(self.bin / "python"), "-m", "pip", "install", "-q", "--no-compile", requirement
        )
        assert res.returncode == 0, res.stderr[-3000:]

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            list(args),
            cwd=self.cwd,
            env=self.environ(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    shutil.copytree(ROOT, src, ignore=_NOT_SOURCE, symlinks=True)
    out = base / "dist"
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    (whl,) = out.glob("coprod_analytics-*.whl")
    return whl


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Iterator[Env]:
    base = tmp_path_factory.mktemp("install")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    cwd = base / "elsewhere"  # a user's folder: no checkout, no data/ beside it
    cwd.mkdir()
    yield Env(venv, cwd)


def _site_packages(env: Env) -> Path:
    res = env.run(
        str(env.bin / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    )
    return Path(res.stdout.strip())


def test_wheel_holds_the_apps_and_the_participant_page(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "coprod_apps/report.ipynb",
        "coprod_apps/live_dashboard.ipynb",
        "coprod_apps/live/static/participant.html",
        "coprod_apps/live/static/participant.js",
        "coprod_apps/live/static/participant.css",
        "coprod_analytics/py.typed",
        "coprod_widgets/py.typed",
        "coprod_apps/py.typed",
        # the catalogs of every page's languages (issue 16)
        "coprod_apps/locale/ar/LC_MESSAGES/participant.po",
        "coprod_apps/share/voila/templates/coprod/index.html.j2",
        *(
            f"coprod_widgets/locale/{lang}/LC_MESSAGES/{domain}.po"
            for lang in ("es", "fr", "pl", "zh_Hant", "ar", "cy")
            for domain in ("report", "dashboard", "columns")
        ),
    ):
        assert name in names, name
    assert not any(n.startswith(("tests/", "voila_apps/", "widgets/")) for n in names)


def test_core_only_install(env: Env, wheel: Path) -> None:
    env.pip_install(str(wheel))
    version = env.run(str(env.bin / "coprod"), "--version")
    assert version.returncode == 0, version.stderr
    assert re.fullmatch(r"coprod-analytics \d+\.\d+\.\d+\S*\n", version.stdout)
    # the core works on its own: write the sample inquiry and count what it holds
    res = env.run(str(env.bin / "coprod"), "simulate", "--sample", "-o", "data")
    assert res.returncode == 0, res.stderr
    info = env.run(str(env.bin / "coprod"), "info", "data")
    assert info.returncode == 0 and "Traceback" not in info.stderr, info.stderr
    # nothing of the extras came along
    probe = env.run(
        str(env.bin / "python"),
        "-c",
        "import importlib.util as u; print([m for m in ('ipywidgets', 'voila', 'plotly', "
        "'tornado', 'segno') if u.find_spec(m)])",
    )
    assert probe.stdout.strip() == "[]", probe.stdout
    for command, (extra, args) in NEEDS_EXTRA.items():
        res = env.run(str(env.bin / "coprod"), *args)
        assert res.returncode == 2, (command, res.stdout, res.stderr)
        assert res.stdout == "", command
        lines = res.stderr.splitlines()
        assert len(lines) == 1, (command, res.stderr)
        assert f'pip install "coprod-analytics[{extra}]"' in lines[0], (command, lines[0])
        assert lines[0].startswith(f"coprod {command}: ")


def _read_until(proc: subprocess.Popen[str], pattern: str, seen: list[str]) -> re.Match[str]:
    assert proc.stdout is not None
    while True:
        line = proc.stdout.readline()
        if not line:
            proc.wait(30)
            raise AssertionError(f"exited ({proc.returncode}) before '{pattern}':\n{''.join(seen)}")
        seen.append(line)
        m = re.search(pattern, line)
        if m:
            return m


def _stop(proc: subprocess.Popen[str]) -> str:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        rest, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        rest, _ = proc.communicate(timeout=10)
    return rest or ""


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=180) as resp:
        return resp.status, resp.read().decode("utf-8", "replace")


def _assert_rendered(page: str) -> None:
    """The Voila page holds the app's widget output and no error output."""
    errors = re.findall(r'"ename": "([^"]*)", "evalue": "([^"]*)"', page)
    assert not errors, errors
    assert '"output_type": "error"' not in page
    assert "application/vnd.jupyter.widget-view+json" in page  # the dashboard was built


def test_with_extras_report_and_serve_run_from_the_installed_package(env: Env, wheel: Path) -> None:
    if not (env.bin / "coprod").exists():  # the core test did not run first
        env.pip_install(str(wheel))
    env.pip_install(f"{wheel}[widgets,live]")
    site = _site_packages(env)
    where = env.run(
        str(env.bin / "python"),
        "-c",
        "import json, coprod_analytics, coprod_widgets, coprod_apps; "
        "from coprod_apps import app_notebook; "
        "print(json.dumps([coprod_analytics.__file__, coprod_widgets.__file__, "
        "coprod_apps.__file__, str(app_notebook('report.ipynb')), "
        "str(app_notebook('live_dashboard.ipynb'))]))",
    )
    assert where.returncode == 0, where.stderr
    for path in json.loads(where.stdout):
        assert Path(path).is_relative_to(site), path  # installed, not the checkout
        assert not Path(path).is_relative_to(ROOT), path
    if not (env.cwd / "data").exists():
        env.run(str(env.bin / "coprod"), "simulate", "--sample", "-o", "data")

    # coprod export --lang: the installed catalogs translate the page (Arabic, right to left)
    res = env.run(
        str(env.bin / "coprod"), "export", "data", "-o", "ar.html", "--lang", "ar",
        "--no-stability", "--n-resamples", "0", "--no-progress",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    head = (env.cwd / "ar.html").read_text(encoding="utf-8")[:2000]
    assert re.search(r'<html[^>]*\blang="ar"', head) and re.search(r'<html[^>]*\bdir="rtl"', head)

    # coprod report: Voila serves the installed report notebook
    seen: list[str] = []
    report = env.popen(str(env.bin / "coprod"), "report", "data", "--no-browser")
    try:
        url = _read_until(report, r"Report of data at (http\S+)", seen)[1]
        status, page = _get(url)
        assert status == 200
        _assert_rendered(page)
    finally:
        out = _stop(report)
    assert report.returncode == 0, "".join(seen) + out

    # coprod serve: the participant page and the facilitator dashboard answer
    seen = []
    serve = env.popen(str(env.bin / "coprod"), "serve", "s.db", "--from", "data", "--port", "0")
    try:
        participant = _read_until(serve, r"Participants: (http://\S+)", seen)[1]
        dashboard = _read_until(serve, r"Facilitator dashboard.*: (http\S+)", seen)[1]
        status, page = _get(participant)
        assert status == 200 and "participant.js" in page
        status, page = _get(dashboard)
        assert status == 200
        _assert_rendered(page)
    finally:
        out = _stop(serve)
    assert serve.returncode == 0, "".join(seen) + out
    assert "Stopped; every acknowledged vote is in s.db" in out
