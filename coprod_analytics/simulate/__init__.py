"""Synthetic inquiries with a planted truth, for tests, demos and benchmarks.

:func:`simulate_inquiry` draws participants from planted opinion groups placed in a 2-D
opinion space, statements with a direction in that space (consensus statements have none,
divisive ones a long one), pass votes, and heavy-tailed participation (a few people vote on
everything, most on a handful), all vectorised with numpy so that 50 million votes take
seconds. The planted group of each participant (``planted_group``) and the role of each
statement (``planted_role``) are kept so that analyses can be checked against the truth.

The package, by what is simulated: :mod:`~coprod_analytics.simulate.votes` (votes from
planted opinion groups), :mod:`~coprod_analytics.simulate.statements` (the sample
statements and opinion space), :mod:`~coprod_analytics.simulate.crowd` (estimates,
forecasts, choices, ratings and evidence ratings) and :mod:`~coprod_analytics.simulate.sample`
(the sample inquiry); the poll, the population and the priorities (preferences) are in
:mod:`coprod_analytics.simulate_sample`. Import every name from here.
"""

from __future__ import annotations

from coprod_analytics.simulate.crowd import SAMPLE_CHOICE as SAMPLE_CHOICE
from coprod_analytics.simulate.crowd import SAMPLE_EVIDENCE as SAMPLE_EVIDENCE
from coprod_analytics.simulate.crowd import SAMPLE_FORECAST as SAMPLE_FORECAST
from coprod_analytics.simulate.crowd import SAMPLE_QUESTIONS as SAMPLE_QUESTIONS
from coprod_analytics.simulate.crowd import SAMPLE_RATING_ITEMS as SAMPLE_RATING_ITEMS
from coprod_analytics.simulate.crowd import simulate_inputs
from coprod_analytics.simulate.sample import sample_inquiry
from coprod_analytics.simulate.statements import SAMPLE_STATEMENTS, SampleStatement
from coprod_analytics.simulate.votes import AGE_BANDS as AGE_BANDS
from coprod_analytics.simulate.votes import AREAS as AREAS
from coprod_analytics.simulate.votes import ROLES as ROLES
from coprod_analytics.simulate.votes import simulate_inquiry
from coprod_analytics.simulate_sample import SAMPLE_POPULATION, simulate_poll, simulate_priorities
from coprod_analytics.simulate_sample import population_table as population_table

__all__ = [
    "SAMPLE_POPULATION",
    "SAMPLE_STATEMENTS",
    "SampleStatement",
    "sample_inquiry",
    "simulate_inputs",
    "simulate_inquiry",
    "simulate_poll",
    "simulate_priorities",
]
