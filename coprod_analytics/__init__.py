"""coprod-analytics: deliberation and wisdom-of-crowds analytics.

Turn the inputs of Citizens' Inquiries, participatory appraisal, co-design workshops,
participatory budgeting and Pol.is-style conversations into trustworthy answers: where
people agree, what divides them, which opinion groups exist and how sure we are of them.

Importing the package is light (numpy and polars only); each family of methods loads its
own dependencies on first use. Main entry points:

>>> import coprod_analytics as ca
>>> inquiry = ca.simulate_inquiry(30, 10, seed=1)
>>> inquiry.counts()["statements"]
10

One subpackage per family of methods: ``consensus`` (opinion groups and consensus),
``crowd`` (crowd estimates, rater agreement, diversity), ``evidence`` (weighing evidence),
``preferences`` (rankings, pairwise comparisons, participatory budgets), ``deliberation``
(change during deliberation, Q-methodology, representativeness), ``session`` (the live
session store); and ``io`` (readers and writers), ``privacy``, ``simulate``, ``cli``. See
``docs/architecture.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from coprod_analytics.errors import CoprodError, ParameterError, ValidationError
from coprod_analytics.inquiry import Inquiry

if TYPE_CHECKING:  # pragma: no cover
    from coprod_analytics.consensus import opinion_groups
    from coprod_analytics.consensus.matrix import vote_matrix
    from coprod_analytics.first_look import overview
    from coprod_analytics.io.inputs import read_input
    from coprod_analytics.io.load import load_inquiry
    from coprod_analytics.io.pabulib import read_pabulib, write_pabulib
    from coprod_analytics.io.parquet import read_parquet, write_parquet
    from coprod_analytics.io.polis import read_polis, write_polis
    from coprod_analytics.io.preflib import read_preflib, write_preflib
    from coprod_analytics.io.votes import read_statements, read_votes
    from coprod_analytics.session import SessionStore, read_session
    from coprod_analytics.simulate import sample_inquiry, simulate_inquiry

#: Public names loaded on first use: name -> module.
_LAZY: dict[str, str] = {
    "read_polis": "coprod_analytics.io.polis",
    "write_polis": "coprod_analytics.io.polis",
    "read_votes": "coprod_analytics.io.votes",
    "read_statements": "coprod_analytics.io.votes",
    "read_parquet": "coprod_analytics.io.parquet",
    "write_parquet": "coprod_analytics.io.parquet",
    "load_inquiry": "coprod_analytics.io.load",
    "read_pabulib": "coprod_analytics.io.pabulib",
    "write_pabulib": "coprod_analytics.io.pabulib",
    "read_preflib": "coprod_analytics.io.preflib",
    "write_preflib": "coprod_analytics.io.preflib",
    "simulate_inquiry": "coprod_analytics.simulate",
    "sample_inquiry": "coprod_analytics.simulate",
    "overview": "coprod_analytics.first_look",
    "vote_matrix": "coprod_analytics.consensus.matrix",
    "opinion_groups": "coprod_analytics.consensus",
    "read_input": "coprod_analytics.io.inputs",
    "read_session": "coprod_analytics.session",
    "SessionStore": "coprod_analytics.session",
}

_SUBMODULES = {
    "cli",
    "consensus",
    "crowd",
    "deliberation",
    "evidence",
    "io",
    "first_look",
    "mapping",
    "intervals",
    "inputs",
    "preferences",
    "privacy",
    "provenance",
    "results",
    "session",
    "simulate",
}

__all__ = [
    "CoprodError",
    "Inquiry",
    "ParameterError",
    "SessionStore",
    "ValidationError",
    "load_inquiry",
    "opinion_groups",
    "overview",
    "read_input",
    "read_pabulib",
    "read_parquet",
    "read_polis",
    "read_preflib",
    "read_session",
    "read_statements",
    "read_votes",
    "sample_inquiry",
    "simulate_inquiry",
    "vote_matrix",
    "write_pabulib",
    "write_parquet",
    "write_polis",
    "write_preflib",
]

__version__: str


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"coprod_analytics.{name}")
        globals()[name] = module
        return module
    if name == "__version__":
        from coprod_analytics.provenance import package_version

        return package_version()
    raise AttributeError(f"module 'coprod_analytics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)
