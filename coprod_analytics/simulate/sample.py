"""The sample inquiry shipped in ``data/``: :func:`sample_inquiry`.

Puts together the votes of :func:`~coprod_analytics.simulate.votes.simulate_inquiry` on the
sample statements (:mod:`~coprod_analytics.simulate.statements`), the crowd inputs of
:func:`~coprod_analytics.simulate.crowd.simulate_inputs` and the live-activity tables of
:mod:`coprod_analytics.simulate_sample` (poll, population, priorities), each from its own
seed.
"""

from __future__ import annotations

from coprod_analytics.inquiry import Inquiry
from coprod_analytics.simulate.crowd import simulate_inputs
from coprod_analytics.simulate.statements import SAMPLE_STATEMENTS
from coprod_analytics.simulate.votes import simulate_inquiry
from coprod_analytics.simulate_sample import population_table, simulate_poll, simulate_priorities

__all__ = ["sample_inquiry"]


def sample_inquiry(seed: int = 2026) -> Inquiry:
    """The sample citizens' inquiry shipped in ``data/`` (150 participants, 60 statements).

    Riverside Citizens' Inquiry: "How should we change travel in and around the town
    centre?" Three planted opinion groups, eight consensus statements, two statements
    nearly everyone rejects, seven divisive statements; plus numeric estimates in two Delphi
    rounds, a forecast, a multiple-choice question with predicted shares, Likert ratings and
    evidence ratings (see :func:`simulate_inputs`), a short before/after poll (see
    :func:`simulate_poll`), the town's population by age band and area
    (:data:`SAMPLE_POPULATION`), and the priorities: pairwise comparisons of 8 ideas, top-3
    rankings, an open question and a small participatory budget (see
    :func:`simulate_priorities`). Every live activity of ``coprod serve`` has its items here.

    Parameters
    ----------
    seed : int, default 2026
        Random seed of the votes (the further inputs use ``seed + 1``, the poll
        ``seed + 2``, the priorities ``seed + 3``); the default gives the shipped sample
        data.

    Returns
    -------
    Inquiry
        The votes of :func:`simulate_inquiry` on :data:`SAMPLE_STATEMENTS`, with the
        further input tables of :func:`simulate_inputs`, :func:`simulate_poll` and
        :func:`simulate_priorities` and the ``population`` table in :attr:`Inquiry.tables`.

    Examples
    --------
    >>> inq = sample_inquiry()
    >>> inq.counts()["participants"], inq.statements.height
    (150, 60)
    >>> sorted(inq.tables)[:6]
    ['budget_meta', 'budget_projects', 'budget_votes', 'choices', 'estimates', 'evidence']
    >>> inq.tables["questions"].get_column("type").to_list()
    ['estimate', 'estimate', 'estimate', 'estimate', 'probability', 'choice']
    """
    votes = simulate_inquiry(
        150,
        statements=SAMPLE_STATEMENTS,
        n_groups=3,
        votes_per_participant=18.0,
        participation_tail=0.9,
        pass_rate=0.12,
        separation=2.5,
        seed=seed,
        title="Riverside Citizens' Inquiry: travel in and around the town centre",
    )
    return votes.with_tables(
        **simulate_inputs(votes, seed=seed + 1),
        **simulate_poll(votes, seed=seed + 2),
        population=population_table(votes.participants),
        **simulate_priorities(votes, seed=seed + 3),
    )
