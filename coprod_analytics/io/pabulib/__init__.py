"""Read and write participatory-budgeting elections in the pabulib ``.pb`` format.

The format (pabulib.org/format; Faliszewski et al., "Pabulib: a participatory budgeting
library") is UTF-8 text with three ``;``-separated tables, in this order:

``META``
    ``key;value`` rows: ``budget``, ``vote_type`` (``approval``, ``ordinal``, ``cumulative``
    or ``scoring``; ``choose-1`` is read as approval) and free keys such as ``rule``,
    ``min_length``, ``max_length``, ``max_sum_points``.
``PROJECTS``
    ``project_id;cost;...`` with optional ``votes``, ``score``, ``name``, ``category``,
    ``target``, ``selected`` (1 = funded), ``latitude``, ``longitude``.
``VOTES``
    ``voter_id;vote;...``: ``vote`` is a comma-separated list of project ids (best first for
    ordinal ballots); ``points`` is the matching list for cumulative and scoring ballots;
    other columns (age, sex, voting_method, district) are voter attributes.

:func:`read_pabulib` opens a file as an :class:`~coprod_analytics.inquiry.Inquiry` holding
three tables (the readers at the top level of the package all return an Inquiry):

===================  ====================================================================
table                columns (optional ones in brackets)
===================  ====================================================================
``budget_projects``  project_id, cost, [name], [votes], [score], [selected] (1 = funded
                     by the city), [category], [target], ... (as in PROJECTS)
``budget_votes``     participant_id, project_id, [points] (cumulative and scoring
                     ballots), [rank] (ordinal ballots: 1 is the voter's first choice)
``budget_meta``      key, value: the META table (``budget``, ``vote_type``, ...)
===================  ====================================================================

Project and participant ids are kept as text, exactly as the file writes them (``"01"``
stays ``"01"``); voter attributes (age, sex, ...) are not carried over. The budgeting rules
of :mod:`coprod_analytics.preferences.budgeting` take that Inquiry as it is.

The election itself — META, PROJECTS and VOTES as the file holds them — is a
:class:`PBElection`: :func:`read_pabulib_election` reads one, :func:`election_from_tables`
gets it back from an Inquiry and :meth:`PBElection.to_inquiry` goes the other way.
:func:`write_pabulib` writes either. Reading then writing a file reproduces its text (fields
are kept as written, CSV quoting as in the source).

The package, by responsibility: :mod:`~coprod_analytics.io.pabulib.election` (the
:class:`PBElection` data class and its conversions to and from the budget tables),
:mod:`~coprod_analytics.io.pabulib.reader` (sections, META, PROJECTS, VOTES and line-numbered
errors) and :mod:`~coprod_analytics.io.pabulib.writer` (building and writing). Import every
name from here.
"""

from __future__ import annotations

from coprod_analytics.io.pabulib.election import ATTRIBUTION as ATTRIBUTION
from coprod_analytics.io.pabulib.election import (
    BUDGET_TABLES,
    VOTE_TYPES,
    BallotArrays,
    PBElection,
    election_from_tables,
)
from coprod_analytics.io.pabulib.reader import parse_pabulib, read_pabulib, read_pabulib_election
from coprod_analytics.io.pabulib.writer import pb_election, to_pabulib_string, write_pabulib

__all__ = [
    "BUDGET_TABLES",
    "VOTE_TYPES",
    "BallotArrays",
    "PBElection",
    "election_from_tables",
    "parse_pabulib",
    "pb_election",
    "read_pabulib",
    "read_pabulib_election",
    "to_pabulib_string",
    "write_pabulib",
]
