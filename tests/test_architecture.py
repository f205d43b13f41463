"""The layers and families stay easy to see: imports point one way and never go round.

Every ``import`` statement of the three packages is read from the source (module level,
function level and ``TYPE_CHECKING`` blocks alike), so an import hidden inside a function
cannot hide a circle or an upward dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: import name -> folder in the repository (core <- widgets <- apps).
PACKAGES = {
    "coprod_analytics": ROOT / "coprod_analytics",
    "coprod_widgets": ROOT / "widgets",
    "coprod_apps": ROOT / "voila_apps",
}
LAYER = {"coprod_analytics": 0, "coprod_widgets": 1, "coprod_apps": 2}

#: Third-party packages the core must never import (UI, plotting, notebooks, web).
NOT_IN_CORE = {
    "ipywidgets",
    "IPython",
    "plotly",
    "voila",
    "jupyter_server",
    "nbformat",
    "nbclient",
    "ipykernel",
    "anywidget",
    "traitlets",
    "tornado",
    "segno",
}


#: The one named exception to the rule above: ``OpinionGroups.plot()`` works like pandas'
#: ``.plot()`` -- the core module below imports plotly INSIDE its plotting functions (an
#: optional extra with an install hint), never at module level or under TYPE_CHECKING, so
#: ``import coprod_analytics`` still pulls no plotting code in (tests/test_import.py).
FUNCTION_LEVEL_PLOTLY = {"coprod_analytics.consensus.plots": {"plotly"}}


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for name, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            out[".".join([name, *parts])] = path
    return out


MODULES = _modules()


def _imports(module: str, path: Path) -> set[str]:
    """The modules of the three packages that ``module`` imports (anywhere in its file)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            # ``from pkg import submodule`` imports the submodule
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:
                    found.add(f"{target}.{alias.name}")
    return found


GRAPH = {m: _imports(m, p) for m, p in MODULES.items()}


def _top(name: str) -> str:
    return name.split(".")[0]


def test_the_walk_sees_the_whole_house() -> None:
    # a broken walk would make every test below pass vacuously
    assert len(MODULES) > 100
    assert "coprod_analytics.consensus.pipeline" in MODULES
    assert "coprod_widgets.crowd.state" in MODULES
    assert "coprod_apps.live.server" in MODULES
    assert "coprod_analytics.inquiry" in GRAPH["coprod_analytics.io.polis"]


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_upward_imports(package: str) -> None:
    upward = sorted(
        f"{m} imports {t}"
        for m, targets in GRAPH.items()
        if _top(m) == package
        for t in targets
        if _top(t) in LAYER and LAYER[_top(t)] > LAYER[package]
    )
    assert upward == [], "dependencies point one way (core <- widgets <- apps):\n" + "\n".join(
        upward
    )


def _imports_outside_functions(path: Path) -> set[str]:
    """Modules imported anywhere but inside a function body (module level, class bodies,
    ``TYPE_CHECKING`` blocks)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and not child.level:
                found.add(child.module or "")
            visit(child)

    visit(tree)
    return found


def _allowed(module: str, target: str) -> bool:
    """A function-level import of the named exception (see FUNCTION_LEVEL_PLOTLY)."""
    if _top(target) not in FUNCTION_LEVEL_PLOTLY.get(module, set()):
        return False
    return target not in _imports_outside_functions(MODULES[module])


def test_core_imports_no_ui_or_web_code() -> None:
    bad = sorted(
        f"{m} imports {t}"
        for m, targets in GRAPH.items()
        if _top(m) == "coprod_analytics"
        for t in targets
        if _top(t) in NOT_IN_CORE and not _allowed(m, t)
    )
    assert bad == []


def test_the_plotly_exception_is_function_level_only(tmp_path: Path) -> None:
    # the exception exists, is used, and would not excuse a module-level import
    (module,) = FUNCTION_LEVEL_PLOTLY
    assert any(_top(t) == "plotly" for t in GRAPH[module])
    assert not any(_top(t) == "plotly" for t in _imports_outside_functions(MODULES[module]))
    sample = tmp_path / "m.py"
    sample.write_text(
        "import numpy\nif True:\n    from plotly import io\n"
        "def f():\n    import plotly.graph_objects as go\n"
    )
    assert _imports_outside_functions(sample) == {"numpy", "plotly"}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles() -> None:
    # a package's __init__ that re-exports its own modules is not a circle with them: only
    # edges between distinct modules that are not "package -> its own submodule" count
    graph = {
        m: {t for t in targets if t in MODULES and not t.startswith(m + ".")}
        for m, targets in GRAPH.items()
    }
    cycles = _cycles(graph)
    assert cycles == [], "import circles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


FAMILIES = ["consensus", "crowd", "evidence", "preferences", "deliberation", "session"]


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_has_its_room_in_the_core(family: str) -> None:
    assert (PACKAGES["coprod_analytics"] / family / "__init__.py").is_file()


def test_widget_families_have_the_same_file_roles() -> None:
    roles = {"state.py", "views.py", "figures.py", "report.py"}
    for family in ["consensus", "crowd", "evidence", "preferences", "deliberation"]:
        folder = PACKAGES["coprod_widgets"] / family
        present = {p.name for p in folder.glob("*.py")} - {"__init__.py"}
        assert roles <= present, f"{family}: missing {sorted(roles - present)}"
        assert present <= roles | {"render.py", "dashboard.py"}, f"{family}: {sorted(present)}"


def test_families_list_names_real_modules() -> None:
    from coprod_widgets.families import FAMILIES as LISTED

    for fam in LISTED:
        for module in (fam.core, fam.views, fam.report):
            if module is not None:
                assert module in MODULES, module
