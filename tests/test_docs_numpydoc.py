"""Every public callable has a numpydoc docstring: Parameters, Returns and Examples.

Public callables are the functions and classes named in the ``__all__`` of every public
module of the three packages, each checked once at its canonical module (the walk the API
reference uses, ``docs/public_api.py``). numpydoc's own validator decides; of its checks these
are required:

- GL08 the object has a docstring;
- PR01 every parameter is documented (for a dataclass, its fields may be documented under
  Attributes, since they are both; private ``_fields`` and the constructor of a ``Protocol``
  are exempt);
- PR02 no documented parameter that the signature does not have (stale names such as
  ``n_boot`` after a rename);
- RT01 a Returns section when the function returns something (YD01: Yields for generators);
- EX01 an Examples section (it runs as a doctest for the core).

The failure message lists the offenders grouped by module.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("numpydoc")
import numpydoc.docscrape
import numpydoc.validate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))
import public_api  # noqa: E402  (docs/public_api.py)

REQUIRED = ("GL08", "PR01", "PR02", "RT01", "YD01", "EX01")

# numpydoc warns (UserWarning) about sections it does not know, e.g. "Traits"; not our check.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _attributes(obj: object) -> set[str]:
    doc = numpydoc.docscrape.ClassDoc(obj, config={"show_class_members": False})
    return {p.name.strip() for p in doc["Attributes"]}


def _documented_params(obj: object) -> set[str]:
    doc = numpydoc.docscrape.ClassDoc(obj, config={"show_class_members": False})
    names: set[str] = set()
    for p in doc["Parameters"]:
        names |= {n.strip().lstrip("*") for n in p.name.split(",")}
    return names


def problems_of(item: public_api.PublicObject) -> list[str]:
    """numpydoc's required checks that ``item`` fails, as "CODE message" strings."""
    try:
        result = numpydoc.validate.validate(item.qualname)
    except Exception as exc:  # the validator could not even read it
        return [f"numpydoc could not validate it ({type(exc).__name__}: {exc})"]
    out = []
    for code, message in result["errors"]:
        if code not in REQUIRED:
            continue
        if code == "PR01" and inspect.isclass(item.obj):
            if getattr(item.obj, "_is_protocol", False):
                continue  # a Protocol is never constructed: its members are its contract
            documented = _documented_params(item.obj)
            if dataclasses.is_dataclass(item.obj):
                documented |= _attributes(item.obj)
            params = [
                p.name
                for p in inspect.signature(item.obj).parameters.values()
                if p.name not in documented and not p.name.startswith("_")
            ]
            if not params:
                continue
            message = f"Parameters {params} not documented"
        out.append(f"{code} {message}")
    return out


def family_of(module: str) -> str:
    """``coprod_analytics.crowd.estimates`` -> ``coprod_analytics.crowd`` (layer + family)."""
    parts = module.split(".")
    return ".".join(parts[:2])


def collect() -> tuple[dict[str, list[str]], int]:
    offenders: dict[str, list[str]] = {}
    checked = 0
    for problem in public_api_problems():
        module = problem.split(":", 1)[0]
        offenders.setdefault(module, []).append(problem.split(":", 1)[1].strip())
    for item in public_api.public_objects():
        if item.kind == "data" or public_api.is_type_alias(item.obj):
            continue
        checked += 1
        found = problems_of(item)
        if found:
            offenders.setdefault(item.module, []).append(f"{item.name}: " + "; ".join(found))
    return offenders, checked


def public_api_problems() -> list[str]:
    public_api.public_objects()
    return list(public_api.PROBLEMS)


def format_offenders(offenders: dict[str, list[str]]) -> str:
    per_family: Counter[str] = Counter()
    for module, lines in offenders.items():
        per_family[family_of(module)] += len(lines)
    out = [f"{sum(per_family.values())} public callables lack a complete numpydoc docstring:"]
    out += [f"  {family}: {n}" for family, n in sorted(per_family.items())]
    for module in sorted(offenders):
        out.append(f"\n{module}")
        out += [f"    {line}" for line in offenders[module]]
    return "\n".join(out)


def test_every_public_callable_has_a_numpydoc_docstring() -> None:
    offenders, checked = collect()
    assert checked > 100, f"only {checked} public callables found; is the walk broken?"
    assert not offenders, format_offenders(offenders)


def test_the_checker_catches_a_missing_section(tmp_path, monkeypatch) -> None:
    """The check itself can fail: a function without Examples and a parameter is caught."""
    module = tmp_path / "docs_probe_mod.py"
    module.write_text(
        "def f(x: int, y: int = 0) -> int:\n"
        '    """Add.\n\n    Parameters\n    ----------\n    x : int\n        A number.\n\n'
        '    Returns\n    -------\n    int\n        The sum.\n    """\n'
        "    return x + y\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import docs_probe_mod

    item = public_api.PublicObject("docs_probe_mod", "f", docs_probe_mod.f)
    found = problems_of(item)
    assert any(p.startswith("PR01") and "y" in p for p in found), found
    assert any(p.startswith("EX01") for p in found), found
    assert not any(p.startswith("RT01") for p in found), found
