"""The core stays light: importing it pulls in no UI, web, plotting or heavy numerical code.

Measured by what is imported (``sys.modules``, ``python -X importtime``), not by wall clock,
so a busy machine cannot decide the verdict.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "ipywidgets",
    "plotly",
    "IPython",
    "voila",
    "tornado",
    "jupyter_server",
    "matplotlib",
    "scipy",
    "sklearn",
    "statsmodels",
    "pandas",
    "anywidget",
    "traitlets",
)


def _probe(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_import_is_light():
    """Measured by WHAT is imported, never by the clock: ``import coprod_analytics`` loads no
    UI, web, plotting or heavy numerical package (each family loads its own on first use)."""
    code = (
        "import json, sys\n"
        "import coprod_analytics\n"
        "mods = sorted({m.split('.')[0] for m in sys.modules})\n"
        "own = sorted(m for m in sys.modules if m.startswith('coprod_analytics'))\n"
        "print(json.dumps({'modules': mods, 'own': own}))\n"
    )
    result = _probe(code)
    loaded = set(result["modules"])
    assert not loaded & set(HEAVY), f"heavy modules imported: {sorted(loaded & set(HEAVY))}"
    # the package itself loads only its small shared modules, none of the families
    families = {
        "coprod_analytics.consensus",
        "coprod_analytics.crowd",
        "coprod_analytics.deliberation",
        "coprod_analytics.evidence",
        "coprod_analytics.preferences",
        "coprod_analytics.session",
        "coprod_analytics.cli",
    }
    assert not families & set(result["own"]), sorted(families & set(result["own"]))


def test_importtime_names_no_heavy_package():
    """``python -X importtime`` lists every module the import ran; none of them is heavy."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import coprod_analytics"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in out.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "coprod_analytics" in imported and "polars" in imported  # the probe reads it
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))


def test_lazy_names_load_their_family_on_first_use():
    code = (
        "import json, sys\n"
        "import coprod_analytics as ca\n"
        "before = 'coprod_analytics.io.polis' in sys.modules\n"
        "ca.read_polis\n"
        "print(json.dumps({'before': before, 'after': 'coprod_analytics.io.polis' in sys.modules}))\n"
    )
    assert _probe(code) == {"before": False, "after": True}


def test_every_core_module_imports_without_ui_packages():
    code = (
        "import json, pkgutil, importlib, sys\n"
        "import coprod_analytics\n"
        "names = [m.name for m in pkgutil.walk_packages(coprod_analytics.__path__, 'coprod_analytics.')\n"
        "         if not m.name.endswith('__main__')]\n"
        "for n in names: importlib.import_module(n)\n"
        "ui = ['ipywidgets', 'plotly', 'IPython', 'voila', 'jupyter_server', 'matplotlib', 'anywidget']\n"
        "print(json.dumps({'n': len(names), 'ui': [m for m in ui if m in sys.modules]}))\n"
    )
    result = _probe(code)
    assert result["n"] > 10
    assert result["ui"] == []


def test_public_names_resolve():
    import coprod_analytics as ca

    for name in ca.__all__:
        assert getattr(ca, name) is not None
    assert issubclass(ca.ValidationError, ValueError)
    assert issubclass(ca.ValidationError, ca.CoprodError)
    assert issubclass(ca.ParameterError, ca.CoprodError)
