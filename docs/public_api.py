"""The public API of the three packages, walked the same way by the docs and the tests.

Public means: a module whose dotted name has no part starting with ``_`` (``__main__``
excluded), and the names in that module's ``__all__``. An object re-exported by several
modules (``coprod_analytics.opinion_groups`` is ``coprod_analytics.consensus.opinion_groups``
is ``coprod_analytics.consensus.pipeline.opinion_groups``) is documented once, under its
*canonical* module: the shallowest public module listing it, the top package of a layer
only when nothing else lists it (so a family's names live on the family's page).

``docs/conf.py`` writes the API pages from :func:`api_pages`; ``tests/test_docs_numpydoc.py``
checks the docstrings of :func:`public_objects`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import types
import typing
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

#: The three import packages, in layer order (core <- widgets <- apps).
PACKAGES = ("coprod_analytics", "coprod_widgets", "coprod_apps")


@dataclass
class PublicObject:
    """One public name at its canonical place."""

    module: str
    name: str
    obj: Any
    also: list[str] = field(default_factory=list)  # other modules that re-export it

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}"

    @property
    def kind(self) -> str:
        if is_type_alias(self.obj):
            return "data"
        if inspect.isclass(self.obj):
            return "class"
        if callable(self.obj):
            return "function"
        return "data"


def is_type_alias(obj: Any) -> bool:
    """Whether ``obj`` is a typing alias (``tuple[int, str]``, ``int | None``), not a callable."""
    alias_types: tuple[type, ...] = (types.GenericAlias, types.UnionType)
    alias_types += (type(typing.Optional[int]), type(typing.List[int]))  # noqa: UP006, UP045
    return isinstance(obj, alias_types)


def public_modules(package: str) -> list[str]:
    """Every public module of ``package``, the package first, in walk order."""
    root = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(root.__path__, f"{package}."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts[1:]):
            continue
        names.append(info.name)
    return names


def _import(name: str) -> ModuleType:
    return importlib.import_module(name)


#: Problems met by the last walk: "module: what" (a module that fails to import, a name in
#: ``__all__`` that does not resolve). The docs build reports them as warnings.
PROBLEMS: list[str] = []


def public_objects(packages: tuple[str, ...] = PACKAGES) -> list[PublicObject]:
    """Every name in the ``__all__`` of every public module, once, at its canonical module."""
    PROBLEMS.clear()
    listed: dict[int, list[tuple[str, str, Any]]] = {}
    order: list[int] = []
    for package in packages:
        for modname in public_modules(package):
            try:
                module = _import(modname)
            except Exception as exc:
                PROBLEMS.append(f"{modname}: cannot be imported ({type(exc).__name__}: {exc})")
                continue
            for name in getattr(module, "__all__", None) or ():
                try:
                    obj = getattr(module, name)
                except Exception as exc:
                    PROBLEMS.append(
                        f"{modname}: __all__ names {name!r}, which does not resolve "
                        f"({type(exc).__name__}: {exc})"
                    )
                    continue
                key = (
                    id(obj)
                    if (callable(obj) or isinstance(obj, (tuple, dict)))
                    else hash((modname, name))
                )
                if key not in listed:
                    listed[key] = []
                    order.append(key)
                listed[key].append((modname, name, obj))
    out = []
    for key in order:
        places = listed[key]

        def rank(place: tuple[str, str, Any]) -> tuple[int, int, int, str]:
            modname, _name, obj = place
            is_root = modname in PACKAGES
            defined_here = getattr(obj, "__module__", None) == modname
            return (is_root, modname.count("."), not defined_here, modname)

        best = min(places, key=rank)
        out.append(
            PublicObject(best[0], best[1], best[2], [m for m, _, _ in places if m != best[0]])
        )
    return out


#: The fixed pages of the API reference: (file stem, title, module prefixes it holds). The
#: pages of the families are made from the one list of families,
#: :data:`coprod_widgets.families.FAMILIES` (see :func:`api_page_specs`).
CORE_DATA = (
    "core-data",
    "Core: the inquiry, readers and writers",
    (
        "coprod_analytics.inquiry",
        "coprod_analytics.inputs",
        "coprod_analytics.schema",
        "coprod_analytics.io",
        "coprod_analytics.simulate",
        "coprod_analytics.first_look",
    ),
)
CORE_SHARED = (
    "core-shared",
    "Core: results, errors, privacy, formatting",
    (
        "coprod_analytics.results",
        "coprod_analytics.errors",
        "coprod_analytics.privacy",
        "coprod_analytics.format",
        "coprod_analytics.intervals",
        "coprod_analytics.provenance",
        "coprod_analytics.progress",
    ),
)
CORE_CLI = ("core-cli", "Core: the command line", ("coprod_analytics.cli",))
CORE_TOP = ("core-top", "Core: the top-level package and the rest", ("coprod_analytics",))
WIDGETS_SHARED = (
    "widgets-shared",
    "Widgets: families, dashboard, report, style",
    ("coprod_widgets",),
)
APPS = ("apps", "Apps: Voila apps, launcher, publishing, live server", ("coprod_apps",))


def api_page_specs() -> list[tuple[str, str, tuple[str, ...]]]:
    """Every API page: (file stem, title, module prefixes). A module belongs to the first
    page whose prefix matches it (a layer's top package matches what is left of the layer)."""
    from coprod_widgets.families import FAMILIES

    core = [(f"core-{f.key}", f"Core: {f.title}", (f.core,)) for f in FAMILIES]
    widgets = [
        (f"widgets-{f.key}", f"Widgets: {f.title}", (f"coprod_widgets.{f.key}",)) for f in FAMILIES
    ]
    return [CORE_DATA, *core, CORE_SHARED, CORE_CLI, CORE_TOP, *widgets, WIDGETS_SHARED, APPS]


def page_of(modname: str, specs: list[tuple[str, str, tuple[str, ...]]]) -> str:
    """The API page (file stem) a module is documented on."""
    for stem, _title, prefixes in specs:
        for prefix in prefixes:
            if prefix in PACKAGES and modname != prefix:
                # a package's own prefix as a catch-all: anything under it not placed before
                if modname.startswith(prefix + "."):
                    return stem
                continue
            if modname == prefix or modname.startswith(prefix + "."):
                return stem
    raise LookupError(f"no API page for module {modname}")


def _doc_comment(modules: list[str], name: str) -> list[str]:
    """The ``#:`` comment (or docstring after the assignment) of ``name`` in the first of
    ``modules`` that has one."""
    from sphinx.pycode import ModuleAnalyzer

    for modname in modules:
        try:
            docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        except Exception:
            continue
        if ("", name) in docs:
            return [line for line in docs[("", name)] if line is not None]
    return []


def _data_directive(member: PublicObject) -> list[str]:
    """A constant: its doc comment and a short form of its value (autodoc would show the
    docstring of its type instead, e.g. ``tuple``'s, for a constant without a comment)."""
    value = repr(member.obj)
    if len(value) > 70:
        value = value[:67] + "..."
    lines = [f".. py:data:: {member.qualname}"]
    if "\n" not in value:
        lines.append(f"   :value: {value}")
    lines.append("")
    comment = _doc_comment([member.module, *member.also], member.name)
    lines += [f"   {line}" if line else "" for line in comment] or ["   A constant."]
    return [*lines, ""]


def _safe_getattr(module: ModuleType, name: str) -> Any:
    try:
        return getattr(module, name)
    except Exception:  # reported in PROBLEMS by public_objects
        return None


def _rst_heading(text: str, char: str) -> str:
    return f"{text}\n{char * len(text)}\n"


def api_pages(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """The reStructuredText of every API page: file stem -> text (plus ``index``)."""
    objects = public_objects(packages)
    by_module: dict[str, list[PublicObject]] = {}
    for obj in objects:
        by_module.setdefault(obj.module, []).append(obj)
    canonical = {id(o.obj): o.qualname for o in objects if o.kind != "data"}
    specs = api_page_specs()
    modules_by_page: dict[str, list[str]] = {stem: [] for stem, _, _ in specs}
    for package in packages:
        for modname in public_modules(package):
            modules_by_page[page_of(modname, specs)].append(modname)
    problems = list(PROBLEMS)

    pages: dict[str, str] = {}
    for stem, title, _prefixes in specs:
        if not modules_by_page[stem]:
            continue
        lines = [
            ".. This page is written by docs/conf.py from docs/public_api.py; do not edit.",
            "",
            _rst_heading(title, "="),
        ]
        for modname in modules_by_page[stem]:
            try:
                module = _import(modname)
            except Exception:
                continue  # reported in PROBLEMS
            members = by_module.get(modname, [])
            resolved = {n: _safe_getattr(module, n) for n in getattr(module, "__all__", None) or ()}
            reexports = [
                n
                for n, value in resolved.items()
                if id(value) in canonical and canonical[id(value)] != f"{modname}.{n}"
            ]
            if not members and not reexports and modname not in PACKAGES:
                # a module without public names of its own (a CLI command, a package marker)
                lines += [
                    f".. automodule:: {modname}",
                    "   :no-members:",
                    "",
                ]
                continue
            lines += [
                f".. automodule:: {modname}",
                "   :no-members:",
                "",
            ]
            if reexports:
                links = ", ".join(
                    f":py:obj:`{n} <{canonical[id(resolved[n])]}>`" for n in reexports
                )
                lines += [f"Also available here: {links}.", ""]
            for member in members:
                if is_type_alias(member.obj):
                    # autodoc cannot format typing aliases; say what the alias stands for
                    alias = repr(member.obj).replace("typing.", "")
                    lines += [
                        f".. py:data:: {member.qualname}",
                        "",
                        f"   Type alias: ``{alias}``.",
                        "",
                    ]
                    continue
                if member.kind == "data":
                    lines += _data_directive(member)
                    continue
                directive = {
                    "class": "autoclass",
                    "function": "autofunction",
                    "data": "autodata",
                }[member.kind]
                lines += [f".. {directive}:: {member.qualname}"]
                if member.kind == "class":
                    lines += ["   :members:"]
                if member.kind == "data":
                    lines += ["   :no-value:"]
                lines += [""]
        pages[stem] = "\n".join(lines)
    index = [
        ".. This page is written by docs/conf.py from docs/public_api.py; do not edit.",
        "",
        _rst_heading("API reference", "="),
        "Every public name of the three packages (the names in each module's ``__all__``),",
        "documented once where it lives; the modules that re-export it link there.",
        "Dependencies point one way: ``coprod_analytics`` (core) <- ``coprod_widgets``",
        "<- ``coprod_apps`` (see :doc:`../architecture`).",
        "",
        ".. toctree::",
        "   :maxdepth: 1",
        "",
    ]
    index += [f"   {stem}" for stem, _, _ in specs if stem in pages]
    pages["index"] = "\n".join(index) + "\n"
    PROBLEMS[:] = problems
    return pages
