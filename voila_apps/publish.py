"""Write a self-contained Voila app folder for one input: :func:`publish_app`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from coprod_analytics.errors import CoprodError
from coprod_analytics.inquiry import Inquiry

if TYPE_CHECKING:  # pragma: no cover
    from coprod_widgets.report.audit import ReportAudit

__all__ = [
    "APP_REQUIREMENTS",
    "DisclosureAuditError",
    "pinned_requirements",
    "publish_app",
    "publish_audit",
]


class DisclosureAuditError(CoprodError):
    """``coprod publish`` refused: the published app would let a reader recover a count
    below ``min_cell`` (:func:`publish_audit`). Nothing was written.

    Parameters
    ----------
    audit : ReportAudit
        The failed audit (sections ``app: <part>`` or ``report: <section>``); kept as
        :attr:`audit`. The message is one line naming the first section and finding.

    Examples
    --------
    >>> from coprod_widgets.report.audit import AuditFinding, ReportAudit
    >>> audit = ReportAudit((AuditFinding("app: board", "count 3", "text"),), min_cell=5)
    >>> str(DisclosureAuditError(audit))[:52]
    "not written: section 'app: board': count 3 (text); a"
    """

    def __init__(self, audit: ReportAudit) -> None:
        self.audit = audit
        first = audit.findings[0]
        more = len(audit.findings) - 1
        super().__init__(
            f"not written: section '{first.section}': {first.what} ({first.where})"
            + (f"; and {more} more finding(s)" if more else "")
            + f"; a reader could recover a count below {audit.min_cell} "
            "(--min-cell 0 publishes everything)"
        )


def publish_audit(inquiry: Inquiry, *, min_cell: int, seed: int = 0) -> ReportAudit:
    """Audit what a published app shows before it is written: the interactive page (the
    report dashboard with every panel opened, rendered in-process:
    :func:`~coprod_widgets.report.audit.audit_dashboard`) and the static report of the
    same input with the same ``min_cell``
    (:func:`~coprod_widgets.report.audit.audit_report`).

    Parameters
    ----------
    inquiry : Inquiry
        The data the app will carry (pseudonymised already, as published).
    min_cell : int
        Counts ``1 <= c < min_cell`` are findings.
    seed : int, default 0
        The app's seed.

    Returns
    -------
    ReportAudit
        Findings of both pages, sections named ``app: <part>`` and ``report: <section>``.

    Examples
    --------
    >>> from coprod_analytics import simulate_inquiry
    >>> publish_audit(simulate_inquiry(40, 10, seed=1), min_cell=5).passed
    True
    """
    from dataclasses import replace

    from coprod_widgets.dashboard import ConsensusDashboard
    from coprod_widgets.report import build_report
    from coprod_widgets.report.audit import audit_dashboard, audit_report

    dashboard = ConsensusDashboard(inquiry, seed=seed, min_cell=min_cell, progress=False)
    app = audit_dashboard(dashboard, min_cell=min_cell)
    report = audit_report(build_report(inquiry, seed=seed, min_cell=min_cell), min_cell=min_cell)
    findings = tuple(replace(f, section=f"app: {f.section}") for f in app.findings) + tuple(
        replace(f, section=f"report: {f.section}") for f in report.findings
    )
    return replace(
        app,
        findings=findings,
        sections=tuple(f"app: {x}" for x in app.sections)
        + tuple(f"report: {x}" for x in report.sections),
        n_tables=app.n_tables + report.n_tables,
        n_figures=app.n_figures + report.n_figures,
    )


#: Distributions the published app needs (pinned to the installed versions).
APP_REQUIREMENTS: tuple[str, ...] = (
    "numpy",
    "scipy",
    "polars",
    "pyarrow",
    "scikit-learn",
    "statsmodels",
    "traitlets",
    "ipywidgets",
    "anywidget",
    "plotly",
    "ipykernel",
    "voila",
    "nbformat",
)


def pinned_requirements(names: tuple[str, ...] = APP_REQUIREMENTS) -> list[str]:
    """``name==version`` of each installed distribution (missing ones are skipped).

    Parameters
    ----------
    names : tuple of str, default APP_REQUIREMENTS
        Distribution names.

    Returns
    -------
    list of str
        One requirement line per installed distribution.

    Examples
    --------
    >>> any(line.startswith("polars==") for line in pinned_requirements())
    True
    """
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in names:
        try:
            out.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            continue
    return out


def _project_root() -> Path | None:
    import coprod_analytics

    root = Path(coprod_analytics.__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() else None


#: What is not part of the source tree (not copied to the wheel's build folder).
_NOT_SOURCE = (
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


def _build_wheel(dest: Path) -> Path | None:
    """A wheel of coprod-analytics (all three layers) built with ``pip wheel --no-deps``
    from a copy of the source checkout (setuptools writes a ``build/`` folder where it
    builds; the checkout is left as it is); None when not running from a checkout."""
    root = _project_root()
    if root is None:
        return None
    with tempfile.TemporaryDirectory(prefix="coprod-wheel-") as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(root, src, ignore=shutil.ignore_patterns(*_NOT_SOURCE), symlinks=True)
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(src), "-w", tmp],
            capture_output=True,
            text=True,
            check=False,
        )
        wheels = list(Path(tmp).glob("coprod_analytics-*.whl"))
        if proc.returncode != 0 or not wheels:
            raise CoprodError(
                "could not build a wheel of coprod-analytics with 'pip wheel --no-deps' "
                f"(use --no-wheel to skip it): {proc.stderr.strip()[-500:]}"
            )
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / wheels[0].name
        shutil.copy2(wheels[0], target)
        return target


_README = """# {title}

A self-contained Voila app made by `coprod publish` (coprod-analytics {version}).

- `report.ipynb`: the report app (a thin notebook: parameters, load, show);
- `data/`: a snapshot of the input (an inquiry Parquet folder; fingerprint
  `{fingerprint}`);
- `requirements.txt`: the versions it was made with;
- `wheels/`: coprod-analytics itself (it is not on PyPI);
- `run.py`: starts Voila on the report with the app's settings (seed, smallest group shown)
  and the coprod page template;
- `share/`: the coprod page template (Voila's own page without the style sheets it would
  ask a CDN for, with a title and landmarks for screen readers);
- `voila.json`: Voila settings (idle kernels are culled).

## Run it

```
python -m venv .venv && . .venv/bin/activate
pip install -r requirements.txt
python run.py --no-browser --Voila.ip=127.0.0.1 --port=8866 --Voila.port_retries=0
```

`run.py` runs Voila from this folder (it reads `voila.json`, `share/` and `data/` from
here) and passes any Voila option on. The app loads nothing from the internet: Voila serves
every script and font itself. To install without internet, first download the wheels on a
connected machine with `pip download -r requirements.txt -d wheels/` and then
`pip install --no-index --find-links wheels/ -r requirements.txt`.

To serve beyond this machine, bind another interface and protect it with a token:
`python run.py --no-browser --Voila.ip=0.0.0.0 --port=8866 --token=<a long random string>`
(standalone Voila ignores `--ServerApp.token`). Visitors cannot run code, but they can
set any widget value.

Groups and breakdowns of fewer than {min_cell} people are not shown (small-cell
suppression).
{attribution}"""

#: The app's start script (``run.py``): Voila in-process, with the template and settings.
_RUN = """\"\"\"Serve this app: python run.py [Voila options], e.g.
python run.py --no-browser --Voila.ip=127.0.0.1 --port=8866 --Voila.port_retries=0

Written by coprod publish. Runs Voila on report.ipynb from this folder, with the coprod
page template (share/voila/templates/coprod, put on JUPYTER_PATH: the page asks no other
host for anything) and the app's parameters; voila.json holds Voila's settings.
\"\"\"

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Parameters of the report app (set them in the environment to change them)
os.environ.setdefault('COPROD_SEED', '{seed}')
os.environ.setdefault('COPROD_MIN_CELL', '{min_cell}')
# our template first, ahead of any other of the same name
os.environ["JUPYTER_PATH"] = os.pathsep.join(
    p for p in (str(HERE / "share"), os.environ.get("JUPYTER_PATH")) if p
)

if __name__ == "__main__":
    os.chdir(HERE)  # voila.json and data/ are read from here
    from voila.app import Voila

    Voila.launch_instance(argv=["report.ipynb", "--template={template}", *sys.argv[1:]])
"""


def _voila_json() -> str:
    """Voila's settings of :func:`coprod_apps.launcher.voila_config` as a ``voila.json``
    (a JSON config file: a ``voila.py`` in the folder would hide Voila itself from
    ``python -m voila`` run there)."""
    import json

    from traitlets.config import Config

    from coprod_apps.launcher import voila_config

    config = Config()
    exec(voila_config(), {"get_config": lambda: config})  # our own generated settings
    return json.dumps(config, indent=2, sort_keys=True) + "\n"


def _write_app(
    inquiry: Inquiry, out: Path, *, min_cell: int, seed: int, wheel: bool, progress: bool
) -> None:
    """Write the app's files into ``out`` (an empty folder)."""
    from coprod_analytics.io.parquet import write_parquet
    from coprod_analytics.progress import progress as progress_bar
    from coprod_analytics.provenance import package_version
    from coprod_apps.launcher import TEMPLATE
    from coprod_apps.report_app import report_notebook_path

    def data() -> None:
        write_parquet(inquiry, out / "data")

    def app() -> None:
        shutil.copyfile(report_notebook_path(), out / "report.ipynb")
        (out / "voila.json").write_text(_voila_json())
        (out / "run.py").write_text(
            _RUN.format(seed=int(seed), min_cell=int(min_cell), template=TEMPLATE)
        )
        templates = Path("share", "voila", "templates", TEMPLATE)
        shutil.copytree(
            Path(__file__).resolve().parent / templates,
            out / templates,
            ignore=shutil.ignore_patterns("__pycache__"),
        )

    def requirements() -> None:
        reqs = pinned_requirements()
        built: Path | None = _build_wheel(out / "wheels") if wheel else None
        if built is not None:
            reqs.append(f"./wheels/{built.name}")
        else:
            reqs.append(f"# coprod-analytics=={package_version()} (install it from your own index)")
        (out / "requirements.txt").write_text("\n".join(reqs) + "\n")

    def readme() -> None:
        attribution = inquiry.metadata.get("attribution")
        (out / "README.md").write_text(
            _README.format(
                title=str(inquiry.metadata.get("title") or "Inquiry report"),
                version=package_version(),
                fingerprint=inquiry.fingerprint,
                min_cell=min_cell,
                attribution=f"\nData: {attribution}\n" if attribution else "",
            )
        )

    steps = [data, app, requirements, readme]
    for step in progress_bar(steps, enabled=progress, desc="Publish", unit="step"):
        step()


def publish_app(
    inquiry: Inquiry | str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    min_cell: int = 5,
    seed: int = 0,
    wheel: bool = True,
    overwrite: bool = False,
    keep_ids: bool = False,
    progress: bool = True,
) -> Path:
    """Write a Voila app folder that shows ``inquiry`` with one command (``python run.py``),
    offline: the folder carries the coprod Voila template, so the page asks no other host.

    Parameters
    ----------
    inquiry : Inquiry or path
        The input (any format :func:`~coprod_analytics.load_inquiry` reads).
    out_dir : path
        The folder to create (must be empty or absent unless ``overwrite``).
    min_cell, seed : int
        Written into ``run.py`` (the environment defaults of the app).
    wheel : bool
        Build a wheel of coprod-analytics into ``wheels/`` (needs a source checkout).
    overwrite : bool
        Replace an existing non-empty folder (only once the new one is complete).
    keep_ids : bool
        Publish the participants' original ids. By default the data snapshot carries
        pseudonyms only (:func:`coprod_analytics.privacy.pseudonymise`).
    progress : bool, default True
        Show a progress bar of the steps on stderr (building the wheel takes a few
        seconds).

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    DisclosureAuditError
        With ``min_cell`` > 0, the app's interactive page or its static report would let a
        reader recover a count below ``min_cell`` (:func:`publish_audit`); nothing is
        written. ``min_cell=0`` publishes everything (no audit).
    OutputError
        ``out_dir`` is a file, a non-empty folder (without ``overwrite``), under a file, in
        a read-only place, or the disk fills up; nothing is changed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from coprod_analytics import simulate_inquiry
    >>> out = publish_app(simulate_inquiry(40, 10, seed=1), pathlib.Path(tempfile.mkdtemp()) / "app",
    ...                   wheel=False, progress=False)
    >>> sorted(p.name for p in out.iterdir())
    ['README.md', 'data', 'report.ipynb', 'requirements.txt', 'run.py', 'share', 'voila.json']
    """
    from coprod_analytics.io.atomic import atomic_folder, check_output_folder

    # a file, a non-empty folder without --force, a path under a file or a read-only place:
    # said before the input is read
    out = check_output_folder(out_dir, what="app", replace=overwrite)
    if isinstance(inquiry, Inquiry):
        data = inquiry
    else:
        from coprod_analytics.io.load import load_inquiry

        data = load_inquiry(inquiry)
    if not keep_ids:
        from coprod_analytics.privacy import pseudonymise

        # in the original ids' order, so the app finds exactly the report's groups (Pol.is
        # reads participants in id order; random pseudonyms could move a few people)
        data = pseudonymise(data, keep_order=True)
    if min_cell:
        # what the app will show, read back before anything is written (issue 17)
        audit = publish_audit(data, min_cell=min_cell, seed=seed)
        if not audit.passed:
            raise DisclosureAuditError(audit)
    # built beside the target and moved into place: a failure (a full disk, say) never leaves
    # half an app, and --force never removes the old app before the new one is complete
    with atomic_folder(out, replace=overwrite, what="app") as tmp:
        _write_app(data, tmp, min_cell=min_cell, seed=seed, wheel=wheel, progress=progress)
    return out
