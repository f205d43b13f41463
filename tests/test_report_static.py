"""The static HTML report, its section registry, and the export / publish / report commands."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("plotly")

from conftest import require_shared
from test_widgets_state import evil_inquiry

from coprod_analytics import sample_inquiry
from coprod_analytics.cli import main
from coprod_widgets.families import sections
from coprod_widgets.report import ReportContext, build_report


@pytest.fixture(scope="module")
def sample_page() -> str:
    return build_report(sample_inquiry(), seed=0, min_cell=5)


def test_report_is_self_contained(sample_page: str) -> None:
    # plotly.js inlined exactly once; nothing loaded from elsewhere
    assert sample_page.count("plotly.js v") == 1
    scripts = re.findall(r"<script[^>]*\bsrc=", sample_page)
    assert scripts == []
    outside_js = re.sub(r"<script\b.*?</script>", "", sample_page, flags=re.S)
    assert not re.search(r"""(?:src|href)=["']https?://""", outside_js)
    # the consensus sections draw the map and the silhouette chart; the sample's other inputs
    # (estimates, ratings, evidence) add their own charts
    consensus = sample_page.split('<section id="stability"')[1].split("</section>")[0]
    groups = sample_page.split('<section id="opinion-groups"')[1].split("</section>")[0]
    assert groups.count('class="plotly-graph-div"') == 1  # the opinion map
    assert consensus.count('class="plotly-graph-div"') == 1  # silhouette per k
    assert sample_page.count('class="plotly-graph-div"') > 2


def test_report_sections_in_order(sample_page: str) -> None:
    ids = re.findall(r'<section id="([^"]+)"', sample_page)
    assert ids[:4] == ["overview", "opinion-groups", "statements", "stability"]
    assert ids[-1] == "provenance"
    # the sample inquiry's statement texts, estimates, ratings, evidence, before/after poll,
    # population, budget and rankings / pairwise get their sections in between
    assert set(ids[4:-1]) == {
        "what-people-wrote",
        "crowd-estimates",
        "agreement",
        "evidence",
        "deliberation-change",
        "representativeness",
        "budget",
        "rankings",
    }
    # built without resampling, the stability section says so (plotly.js, inlined in the
    # page, happens to contain the words too: look inside the section only)
    stability = sample_page.split('<section id="stability"')[1].split("</section>")[0]
    assert "not computed" in stability


def test_report_provenance_and_suppression(sample_page: str) -> None:
    inq = sample_inquiry()
    assert inq.fingerprint in sample_page
    assert "coprod-analytics version" in sample_page
    assert "parameters of opinion_groups" in sample_page
    assert "Small cells suppressed" in sample_page
    assert "fewer than 5 people" in sample_page
    # no bar on the page stands for fewer than 5 voters (real suppression is exercised with
    # larger thresholds in test_small_cells_never_published)
    ns = [int(n) for n in re.findall(r"n=(\d+)</span>", sample_page)]
    assert ns and min(ns) >= 5


def test_small_cells_never_published() -> None:
    page = build_report(sample_inquiry(), seed=0, min_cell=20)
    # every per-group bar in the page has n >= 20, and the smaller ones say why they are gone
    ns = [int(n) for n in re.findall(r"n=(\d+)</span>", page)]
    assert ns and min(ns) >= 20
    assert "fewer than 20 voters, not shown" in page
    assert "breakdowns with fewer than 20 voters are not shown" in page
    # a group smaller than the threshold loses its size everywhere
    big = build_report(sample_inquiry(), seed=0, min_cell=50)
    assert "Group B: 39 people" in build_report(sample_inquiry(), seed=0, min_cell=5)
    assert "39 people" not in big
    assert "Group B: fewer than 50 people" in big


def test_hostile_statement_text_is_escaped() -> None:
    page = build_report(evil_inquiry(), seed=0, min_cell=0)
    body = page.split("<body", 1)[1]
    # plotly.js itself contains '<script' strings; strip the script blocks first
    text = re.sub(r"<script\b.*?</script>", "", body, flags=re.S)
    assert "<img" not in text and "<script" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    assert "&lt;b&gt;Title&lt;/b&gt;" in page


def test_polis_attribution_shown() -> None:
    path = require_shared("polis", "london.youth.policing")
    page = build_report(path, seed=0)
    assert "sub-licensed under CC BY 4.0" in page
    assert "The Computational Democracy Project" in page


def test_report_takes_any_list_of_sections() -> None:
    @dataclass(frozen=True)
    class Extra:
        key: str = "extra-test"
        title: str = "Extra <section>"
        order: int = 500

        def applies(self, ctx: ReportContext) -> bool:
            return ctx.inquiry.votes.height > 0

        def render(self, ctx: ReportContext) -> str:
            return f"<p>extra for {ctx.inquiry.counts()['participants']} people</p>"

    page = build_report(sample_inquiry(), sections=[Extra()])
    assert "extra for 150 people" in page
    assert "Extra &lt;section&gt;" in page
    assert "extra-test" not in [s.key for s in sections()]  # the default list is unchanged


def test_export_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from coprod_analytics.io.parquet import write_parquet

    src = write_parquet(sample_inquiry(), tmp_path / "inq")
    out = tmp_path / "r.html"
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # as in a terminal
    assert main(["export", str(src), "-o", str(out), "--min-cell", "3"]) == 0
    captured = capsys.readouterr()
    assert "wrote" in captured.out
    assert "Stability" in captured.err and "Stability" not in captured.out  # the progress bar
    page = out.read_text()
    assert "fewer than 3 people" in page
    # the exported report carries its uncertainty: resampling stability and bootstrap CIs
    stability = page.split('<section id="stability"')[1].split("</section>")[0]
    assert "not computed" not in stability
    assert 'class="coprod-verdict"' in stability and "Resampling: the split into" in stability
    assert "&quot;n_resamples&quot;: 200" in page  # provenance of opinion_groups
    fast = tmp_path / "fast.html"
    args = ["export", str(src), "-o", str(fast), "--no-stability", "--n-resamples", "0"]
    assert main([*args, "--no-progress"]) == 0
    assert capsys.readouterr().err == ""  # --no-progress: no bar even in a terminal
    quick = fast.read_text().split('<section id="stability"')[1].split("</section>")[0]
    assert "not computed" in quick
    assert main(["export", str(tmp_path / "missing"), "-o", str(out)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["export", str(src), "-o", str(out), "--min-cell", "-1"]) == 2


def test_publish_writes_app_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from coprod_analytics.io.parquet import read_parquet

    inq = sample_inquiry()
    from coprod_analytics.io.parquet import write_parquet

    src = write_parquet(inq, tmp_path / "inq")
    out = tmp_path / "app"
    assert main(["publish", str(src), "-o", str(out), "--no-wheel"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "README.md", "data", "report.ipynb", "requirements.txt", "run.py", "share", "voila.json"
    ]  # fmt: skip
    snap = read_parquet(out / "data")
    # the published data carries pseudonyms only, and the same votes
    assert snap.counts() == inq.counts()
    ids = snap.participants.get_column("participant_id").to_list()
    assert all(str(i).startswith("P") for i in ids)
    assert not set(map(str, ids)) & set(map(str, inq.participants["participant_id"].to_list()))
    assert snap.metadata["pseudonymised"] is True
    assert "Publish" not in capsys.readouterr().err  # not a terminal: no progress bar
    kept = tmp_path / "kept"
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # as in a terminal
    assert main(["publish", str(src), "-o", str(kept), "--no-wheel", "--keep-ids"]) == 0
    captured = capsys.readouterr()
    assert "Publish" in captured.err and "Publish" not in captured.out
    assert read_parquet(kept / "data").fingerprint == read_parquet(src).fingerprint
    reqs = (out / "requirements.txt").read_text()
    assert re.search(r"^voila==\d", reqs, re.M) and re.search(r"^polars==\d", reqs, re.M)
    cfg = (out / "voila.json").read_text()
    assert "cull_idle_timeout" in cfg and '"comm_msg"' in cfg
    assert main(["publish", str(src), "-o", str(out), "--no-wheel"]) == 2
    assert "not empty" in capsys.readouterr().err
    # --force swaps the new app in whole; nothing is left beside it
    assert main(["publish", str(src), "-o", str(out), "--no-wheel", "--force"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app", "inq", "kept"]


@pytest.mark.slow
def test_published_app_notebook_runs_from_its_folder(tmp_path: Path) -> None:
    """The published notebook reads data/ next to it (what `voila report.ipynb` runs)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from coprod_apps.publish import publish_app

    out = publish_app(sample_inquiry(), tmp_path / "app", wheel=False)
    nb = nbformat.read(str(out / "report.ipynb"), as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "print(params['input'], _.state.inquiry.counts()['participants'])"
        )
    )
    import os

    old = os.environ.pop("COPROD_INPUT", None)
    try:
        nbclient.NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(out)}}
        ).execute()
    finally:
        if old is not None:
            os.environ["COPROD_INPUT"] = old
    assert "data 150" in nb.cells[-1].outputs[0]["text"]


@pytest.mark.slow
def test_publish_builds_wheel(tmp_path: Path) -> None:
    from coprod_apps.publish import _project_root, publish_app

    if _project_root() is None:
        pytest.skip("not a source checkout")
    out = publish_app(sample_inquiry(), tmp_path / "app", wheel=True)
    wheels = list((out / "wheels").glob("coprod_analytics-*.whl"))
    assert len(wheels) == 1
    import zipfile

    names = zipfile.ZipFile(wheels[0]).namelist()
    assert "coprod_apps/report.ipynb" in names and "coprod_analytics/__init__.py" in names
    assert f"./wheels/{wheels[0].name}" in (out / "requirements.txt").read_text()


def test_report_cli_busy_port_message(tmp_path: Path) -> None:
    import socket

    from coprod_analytics.io.parquet import write_parquet

    src = write_parquet(sample_inquiry(), tmp_path / "inq")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "coprod_analytics",
                "report",
                str(src),
                "--port",
                str(port),
                "--no-browser",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    # a valid input (it is read before Voila starts), so the busy port is what fails
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [proc.stderr.strip()]  # one line, no traceback
    assert f"port {port} on 127.0.0.1 is already in use" in proc.stderr


def test_launcher_config_and_token_policy() -> None:
    from coprod_apps.launcher import DEFAULT_UNTRACKED_MESSAGE_TYPES, is_loopback

    assert {"comm_msg", "comm_open", "comm_close", "status"} <= set(DEFAULT_UNTRACKED_MESSAGE_TYPES)
    assert is_loopback("::1") and not is_loopback("192.168.1.4")


def test_report_states_title_once(sample_page: str) -> None:
    import html as html_module

    title = html_module.escape(sample_inquiry().metadata["title"])
    body = sample_page.split("<body", 1)[1]
    headings = re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", body)
    assert headings.count(title) == 1  # the page heading, not again inside a section


def test_build_report_shows_progress_over_its_sections_only_when_asked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from coprod_widgets.report.context import ProvenanceSection

    build_report(sample_inquiry(), sections=[ProvenanceSection()], progress=True)
    assert "Report sections" in capsys.readouterr().err
    build_report(sample_inquiry(), sections=[ProvenanceSection()])
    assert "Report sections" not in capsys.readouterr().err
