"""Opinion groups and consensus on agree/disagree/pass votes (Pol.is-compatible).

Main entry points (loaded on first use, so importing the package stays light):

- :func:`opinion_groups` — groups, consensus, representative and divisive statements;
- :func:`update` — recompute after new votes, warm-started, keeping group labels;
- :func:`group_aware_consensus` — Pol.is's group-aware consensus for given groups;
- :func:`cluster_projection` — Pol.is's two-level clustering of 2-D points;
- :func:`vote_matrix` — the sparse latest-vote matrix.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from coprod_analytics.consensus.matrix import VoteMatrix, vote_matrix
    from coprod_analytics.consensus.pipeline import (
        cluster_projection,
        group_aware_consensus,
        opinion_groups,
        update,
    )
    from coprod_analytics.consensus.result import OpinionGroups

_LAZY: dict[str, str] = {
    "opinion_groups": "coprod_analytics.consensus.pipeline",
    "update": "coprod_analytics.consensus.pipeline",
    "group_aware_consensus": "coprod_analytics.consensus.pipeline",
    "cluster_projection": "coprod_analytics.consensus.pipeline",
    "OpinionGroups": "coprod_analytics.consensus.result",
    "VoteMatrix": "coprod_analytics.consensus.matrix",
    "vote_matrix": "coprod_analytics.consensus.matrix",
}

__all__ = [
    "OpinionGroups",
    "VoteMatrix",
    "cluster_projection",
    "group_aware_consensus",
    "opinion_groups",
    "update",
    "vote_matrix",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'coprod_analytics.consensus' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
