"""Evidence: how credible and relevant the room finds each piece of evidence, and where
opinion groups read it differently (:mod:`~coprod_analytics.evidence.weighing`).
"""

from coprod_analytics.evidence.weighing import (
    EvidenceWeighing,
    weigh_evidence,
)

__all__ = [
    "EvidenceWeighing",
    "weigh_evidence",
]
