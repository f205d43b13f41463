"""Opinion groups and consensus on agree/disagree/pass votes (Pol.is-compatible).

Main entry points (loaded on first use, so importing the package stays light):

- :func:`opinion_groups` — groups, consensus, representative and divisive statements;
- :func:`update` — recompute after new votes, warm-started, keeping group labels;
- :func:`group_aware_consensus` — Pol.is's group-aware consensus for given groups;
- :func:`cluster_projection` — Pol.is's two-level clustering of 2-D points;
- :func:`consensus_clustering` — how many groups the data supports (resampling);
- :func:`bootstrap_group_rates` — bootstrap intervals of group rates;
- :func:`vote_matrix` — the sparse latest-vote matrix;
- :class:`PolisReducer`, :class:`PolisClusterer` — Pol.is's projection and clustering as
  scikit-learn estimators.

Where things are (one responsibility per module): ``matrix`` (the vote matrix), ``pca``
(centring, components, projections), ``kmeans`` (Pol.is's exact k-means), ``clustering``
(groups of base clusters, k by silhouette), ``repness`` (representative statements),
``tallies`` (group tallies, consensus, priority), ``pipeline`` (one Pol.is update and its
carried state), ``replay`` (a vote log replayed through updates), ``assemble`` (tables of
the result), ``resampling`` (bootstrap and stability glue), ``groups`` (the entry points),
``result`` (:class:`OpinionGroups`), ``stability``, ``uncertainty``, ``bridging``, ``tags``
(honest consensus/divisive/representative tags), ``estimators`` (scikit-learn estimators).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from coprod_analytics.consensus.clustering import cluster_projection
    from coprod_analytics.consensus.estimators import PolisClusterer, PolisReducer
    from coprod_analytics.consensus.groups import opinion_groups, update
    from coprod_analytics.consensus.matrix import VoteMatrix, vote_matrix
    from coprod_analytics.consensus.result import OpinionGroups
    from coprod_analytics.consensus.stability import StabilityResult, consensus_clustering
    from coprod_analytics.consensus.tallies import group_aware_consensus
    from coprod_analytics.consensus.uncertainty import GroupRates, bootstrap_group_rates

_LAZY: dict[str, str] = {
    "opinion_groups": "coprod_analytics.consensus.groups",
    "update": "coprod_analytics.consensus.groups",
    "group_aware_consensus": "coprod_analytics.consensus.tallies",
    "cluster_projection": "coprod_analytics.consensus.clustering",
    "consensus_clustering": "coprod_analytics.consensus.stability",
    "StabilityResult": "coprod_analytics.consensus.stability",
    "bootstrap_group_rates": "coprod_analytics.consensus.uncertainty",
    "GroupRates": "coprod_analytics.consensus.uncertainty",
    "OpinionGroups": "coprod_analytics.consensus.result",
    "VoteMatrix": "coprod_analytics.consensus.matrix",
    "PolisReducer": "coprod_analytics.consensus.estimators",
    "PolisClusterer": "coprod_analytics.consensus.estimators",
    "vote_matrix": "coprod_analytics.consensus.matrix",
}

__all__ = [
    "GroupRates",
    "OpinionGroups",
    "PolisClusterer",
    "PolisReducer",
    "StabilityResult",
    "VoteMatrix",
    "bootstrap_group_rates",
    "cluster_projection",
    "consensus_clustering",
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
