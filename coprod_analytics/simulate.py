"""Synthetic inquiries with a planted truth, for tests, demos and benchmarks.

:func:`simulate_inquiry` draws participants from planted opinion groups placed in a 2-D
opinion space, statements with a direction in that space (consensus statements have none,
divisive ones a long one), pass votes, and heavy-tailed participation (a few people vote on
everything, most on a handful), all vectorised with numpy so that 50 million votes take
seconds. The planted group of each participant (``planted_group``) and the role of each
statement (``planted_role``) are kept so that analyses can be checked against the truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from coprod_analytics.errors import check_param
from coprod_analytics.inquiry import TIME_DTYPE, Inquiry
from coprod_analytics.simulate_sample import (
    SAMPLE_POPULATION,
    population_table,
    simulate_poll,
    simulate_priorities,
)

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

ROLES = ("consensus", "consensus-disagree", "divisive", "group")
AGE_BANDS = ("16-24", "25-34", "35-49", "50-64", "65+")
AREAS = ("Old Town", "Riverside", "North Hill", "Station Quarter", "Millbrook")


@dataclass(frozen=True)
class SampleStatement:
    """A statement of the sample inquiry: its text, planted role and lean in opinion space.

    Attributes
    ----------
    text : str
        The statement as participants see it.
    role : str
        Its planted role: ``"consensus"`` (nearly everyone agrees), ``"consensus-disagree"``
        (nearly everyone disagrees), ``"divisive"`` (splits the groups) or ``"group"``
        (some groups lean one way).
    lean : tuple of (float, float), default (0.0, 0.0)
        Its direction in the 2-D opinion space: a group agrees more the further its
        position lies along it (no lean: only the role's overall agreement counts).

    Examples
    --------
    >>> s = SampleStatement("Every street should have a bench.", "consensus")
    >>> s.lean
    (0.0, 0.0)
    >>> sum(st.role == "divisive" for st in SAMPLE_STATEMENTS), len(SAMPLE_STATEMENTS)
    (7, 60)
    """

    text: str
    role: str
    lean: tuple[float, float] = (0.0, 0.0)


# Riverside Citizens' Inquiry: "How should we change travel in and around the town centre?"
# Opinion axes: x = cars first (+) vs walking/cycling/buses first (-);
#               y = change fast (+) vs protect what works / access for older people (-).
SAMPLE_STATEMENTS: tuple[SampleStatement, ...] = (
    SampleStatement(
        "Every bus stop should have a shelter and a real-time departures board.", "consensus"
    ),
    SampleStatement(
        "Crossings near schools should be made safer before anything else is done.", "consensus"
    ),
    SampleStatement("The town centre needs more benches and public toilets.", "consensus"),
    SampleStatement(
        "Street lighting on the routes to the station should be improved.", "consensus"
    ),
    SampleStatement(
        "Pavements should be repaired so that wheelchairs and buggies can use them.", "consensus"
    ),
    SampleStatement(
        "The council should publish what it changes because of this inquiry.", "consensus"
    ),
    SampleStatement(
        "Delivery lorries should unload outside the busiest shopping hours.", "consensus"
    ),
    SampleStatement("Bus timetables should connect with the trains at the station.", "consensus"),
    SampleStatement(
        "Residents do not need to be consulted on transport decisions.", "consensus-disagree"
    ),
    SampleStatement("Potholes are not worth fixing in the town centre.", "consensus-disagree"),
    SampleStatement("The High Street should be closed to cars every day.", "divisive", (1.6, 0.6)),
    SampleStatement(
        "Parking in the town centre should cost more to pay for buses.", "divisive", (1.5, 0.2)
    ),
    SampleStatement("A 20 mph limit should cover the whole town.", "divisive", (1.3, 0.4)),
    SampleStatement(
        "On-street parking should be removed to make room for cycle lanes.", "divisive", (1.7, 0.8)
    ),
    SampleStatement("A congestion charge should apply at peak times.", "divisive", (1.4, 0.9)),
    SampleStatement("The multi-storey car park should be rebuilt bigger.", "divisive", (-1.6, 0.0)),
    SampleStatement(
        "Through traffic should be kept out of residential streets with planters.",
        "divisive",
        (1.2, 1.0),
    ),
    SampleStatement(
        "I rely on my car and would shop elsewhere if parking got harder.", "group", (-1.2, -0.3)
    ),
    SampleStatement("Free parking on Saturdays keeps the market alive.", "group", (-1.0, -0.6)),
    SampleStatement("Cycling in town feels too dangerous for me today.", "group", (0.2, -0.9)),
    SampleStatement("Protected cycle lanes would make me cycle to work.", "group", (1.1, 0.7)),
    SampleStatement(
        "Older people need door-to-door transport more than new cycle lanes.", "group", (-0.4, -1.3)
    ),
    SampleStatement(
        "The hopper bus to the hospital should run every 15 minutes.", "group", (0.1, -1.1)
    ),
    SampleStatement("Blue-badge parking must stay close to the shops.", "group", (-0.5, -1.2)),
    SampleStatement(
        "School streets should close to traffic at drop-off and pick-up.", "group", (0.9, 0.5)
    ),
    SampleStatement(
        "The ring road should be widened to take traffic out of the centre.", "group", (-1.1, 0.5)
    ),
    SampleStatement(
        "Electric-car chargers should take priority over bike parking.", "group", (-0.9, 0.6)
    ),
    SampleStatement(
        "A park-and-ride at the edge of town would solve most problems.", "group", (-0.3, 0.4)
    ),
    SampleStatement(
        "Trials of street changes should last at least six months before judging them.",
        "group",
        (0.8, 0.9),
    ),
    SampleStatement("Changes should not go ahead without a referendum.", "group", (-0.8, -0.8)),
    SampleStatement("Bus fares for under-25s should be free.", "group", (0.7, 0.6)),
    SampleStatement("Taxis should be allowed to use the bus lanes.", "group", (-0.6, -0.2)),
    SampleStatement("Shops lose trade when parking is removed.", "group", (-1.3, -0.2)),
    SampleStatement("Wider pavements would bring more people into the shops.", "group", (1.0, 0.3)),
    SampleStatement(
        "Community transport volunteers should get council funding.", "group", (0.0, -1.0)
    ),
    SampleStatement("The council spends too much on cycling schemes.", "group", (-1.2, -0.5)),
    SampleStatement(
        "Car clubs should be offered to every new housing estate.", "group", (0.8, 0.8)
    ),
    SampleStatement("Night buses should run at weekends.", "group", (0.6, 0.7)),
    SampleStatement("Speed cameras are mainly a way to raise money.", "group", (-1.0, 0.1)),
    SampleStatement("Rural villages should get a bus at least every hour.", "group", (0.2, -0.8)),
    SampleStatement("E-scooter hire should be allowed in the town centre.", "group", (0.5, 1.2)),
    SampleStatement(
        "Drivers should be able to cross town in under ten minutes.", "group", (-1.2, 0.3)
    ),
    SampleStatement(
        "Low-traffic neighbourhoods push traffic onto main roads.", "group", (-1.1, -0.4)
    ),
    SampleStatement(
        "Walking routes should be signposted with times, not distances.", "group", (0.5, 0.2)
    ),
    SampleStatement(
        "Older residents were not asked before the last road changes.", "group", (-0.3, -1.2)
    ),
    SampleStatement(
        "Car-free Sundays on the High Street would be a good start.", "group", (0.9, 0.4)
    ),
    SampleStatement(
        "Trees should be planted even where it removes parking spaces.", "group", (1.0, 0.2)
    ),
    SampleStatement("The station car park should be free for rail users.", "group", (-0.7, -0.1)),
    SampleStatement(
        "Cycle parking at the station should be secure and covered.", "group", (0.7, 0.1)
    ),
    SampleStatement(
        "Dial-a-ride should be bookable by phone, not only online.", "group", (-0.1, -1.3)
    ),
    SampleStatement(
        "Road space should be shared out by how many people each mode moves.", "group", (1.2, 0.6)
    ),
    SampleStatement("The inquiry should look at housing, not only transport.", "group", (0.3, 0.5)),
    SampleStatement("Market traders need vans close to their stalls.", "group", (-0.8, -0.5)),
    SampleStatement(
        "Kids should be able to walk to school on their own safely.", "group", (0.6, -0.1)
    ),
    SampleStatement(
        "Bus lanes that are empty most of the day should be removed.", "group", (-1.0, -0.1)
    ),
    SampleStatement(
        "Changes should be tested with disabled residents first.", "group", (0.0, -0.9)
    ),
    SampleStatement("The town should aim to halve car trips by 2035.", "group", (1.3, 0.7)),
    SampleStatement("Loading bays are often blocked by parked cars.", "group", (0.1, 0.0)),
    SampleStatement("Residents' parking permits should be cheaper.", "group", (-0.7, -0.6)),
    SampleStatement("A new footbridge over the river is worth the money.", "group", (0.4, 0.6)),
)

_GROUP_NAMES = ("walk-cycle-bus first", "drivers", "protect access")
_GROUP_POSITIONS = np.array([[1.1, 0.5], [-1.2, 0.2], [0.0, -1.2]])


def _participation(
    rng: np.random.Generator, n: int, n_statements: int, mean: float, tail: float
) -> np.ndarray:
    """Heavy-tailed votes per participant (Pareto with shape ``tail``), clipped to
    [1, n_statements], with the scale chosen so that the mean is close to ``mean``."""
    raw = 1.0 + rng.pareto(tail, size=n)
    lo, hi = 1e-3, float(n_statements)
    target = min(max(mean, 1.0), float(n_statements))
    scale = 1.0
    for _ in range(40):
        scale = (lo + hi) / 2
        m = np.clip(np.floor(scale * raw), 1, n_statements).mean()
        if m < target:
            lo = scale
        else:
            hi = scale
    return np.clip(np.floor(scale * raw), 1, n_statements).astype(np.int64)


def simulate_inquiry(
    n_participants: int = 150,
    n_statements: int = 60,
    *,
    n_groups: int = 3,
    votes_per_participant: float = 25.0,
    participation_tail: float = 1.0,
    n_consensus: int | None = None,
    n_divisive: int | None = None,
    pass_rate: float = 0.12,
    separation: float = 2.5,
    statements: Sequence[SampleStatement] | None = None,
    start: str = "2026-03-07T10:00:00Z",
    duration_minutes: float = 120.0,
    seed: int = 0,
    title: str | None = None,
) -> Inquiry:
    """Simulate an agree/disagree/pass inquiry with planted opinion groups.

    Parameters
    ----------
    n_participants, n_statements : int
        Size of the inquiry (ignored ``n_statements`` when ``statements`` is given).
    n_groups : int
        Planted opinion groups (participants get the attribute ``planted_group``).
    votes_per_participant : float
        Target mean votes per participant; the distribution is heavy-tailed.
    participation_tail : float
        Pareto shape of votes per participant: smaller means a heavier tail (a few people
        vote on everything, most on a handful).
    n_consensus, n_divisive : int, optional
        Statements everyone agrees with / that split the groups (default: 10% each).
    pass_rate : float
        Average share of pass votes.
    separation : float
        How strongly group positions drive votes (0: no groups at all).
    statements : sequence of SampleStatement, optional
        Texts, roles and leans to use instead of random ones.
    start : str
        ISO 8601 time of the first arrival.
    duration_minutes : float
        Participants arrive uniformly over this time and vote every ~15 s.
    seed : int
        Random seed; the same seed gives the same inquiry.
    title : str, optional
        Inquiry title (metadata).

    Returns
    -------
    Inquiry
        With statements columns ``planted_role``, ``lean_x``, ``lean_y`` and participant
        attributes ``planted_group``, ``age_band``, ``area``.

    Examples
    --------
    >>> inq = simulate_inquiry(40, 12, seed=1)
    >>> inq.counts()["participants"] <= 40, inq.statements.height
    (True, 12)
    >>> simulate_inquiry(40, 12, seed=1).fingerprint == inq.fingerprint
    True
    """
    func = "simulate_inquiry"
    check_param(
        isinstance(n_participants, int) and n_participants >= 1,
        "n_participants",
        func,
        "an int >= 1",
        n_participants,
    )
    if statements is not None:
        n_statements = len(statements)
    check_param(
        isinstance(n_statements, int) and n_statements >= 1,
        "n_statements",
        func,
        "an int >= 1",
        n_statements,
    )
    check_param(
        isinstance(n_groups, int) and n_groups >= 1, "n_groups", func, "an int >= 1", n_groups
    )
    check_param(
        participation_tail > 0, "participation_tail", func, "a number > 0", participation_tail
    )
    check_param(0.0 <= pass_rate < 1.0, "pass_rate", func, "a float in [0, 1)", pass_rate)
    check_param(
        votes_per_participant >= 1,
        "votes_per_participant",
        func,
        "a number >= 1",
        votes_per_participant,
    )
    rng = np.random.default_rng(seed)
    n, s = n_participants, n_statements

    # --- statements: role and direction in the 2-D opinion space
    if statements is None:
        n_cons = n_consensus if n_consensus is not None else max(1, s // 10)
        n_div = n_divisive if n_divisive is not None else max(1, s // 10)
        n_cons, n_div = min(n_cons, s), min(n_div, max(0, s - n_cons))
        roles = np.array(["group"] * s, dtype=object)
        perm = rng.permutation(s)
        roles[perm[:n_cons]] = "consensus"
        roles[perm[n_cons : n_cons + n_div]] = "divisive"
        angle = rng.uniform(0, 2 * np.pi, s)
        length = np.where(roles == "divisive", 1.6, np.where(roles == "group", 0.9, 0.0))
        lean = np.stack([np.cos(angle), np.sin(angle)], axis=1) * length[:, None]
        texts = [f"Statement {i}" for i in range(s)]
    else:
        roles = np.array([st.role for st in statements], dtype=object)
        lean = np.array([st.lean for st in statements], dtype=float)
        texts = [st.text for st in statements]
    bias = np.where(
        roles == "consensus",
        2.4,
        np.where(roles == "consensus-disagree", -2.4, rng.normal(0.0, 0.3, s)),
    )

    # --- planted groups in the opinion space
    if n_groups <= len(_GROUP_POSITIONS):
        positions = _GROUP_POSITIONS[:n_groups]
    else:
        ang = np.linspace(0, 2 * np.pi, n_groups, endpoint=False)
        positions = np.stack([np.cos(ang), np.sin(ang)], axis=1) * 1.2
    if n_groups == 1:
        positions = np.zeros((1, 2))
    weights = rng.dirichlet(np.full(n_groups, 6.0))
    group = rng.choice(n_groups, size=n, p=weights).astype(np.int64)
    # agree probability per (group, statement)
    logits = bias[None, :] + separation * 0.5 * positions @ lean.T
    p_agree = 1.0 / (1.0 + np.exp(-logits))
    p_pass = np.clip(rng.beta(2, 2, s) * 2 * pass_rate, 0.0, 0.9)

    # --- who votes on what: a common presentation order, each participant starting early
    counts = _participation(rng, n, s, votes_per_participant, participation_tail)
    total = int(counts.sum())
    order = rng.permutation(s)
    first = np.floor(s * rng.beta(1.0, 4.0, n)).astype(np.int64)
    pid = np.repeat(np.arange(n, dtype=np.int64), counts)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    sid = order[(np.repeat(first, counts) + offsets) % s]

    # --- the votes
    u = rng.random(total, dtype=np.float32)
    pp = p_pass[sid].astype(np.float32)
    pa = p_agree[group[pid], sid].astype(np.float32)
    agree = (u - pp) < pa * (1 - pp)
    vote = np.where(u < pp, 0, np.where(agree, 1, -1)).astype(np.int8)

    # --- times: arrivals spread over the session, a vote every ~15 s
    t0 = int(np.datetime64(start.rstrip("Z"), "ms").astype(np.int64))
    arrive = t0 + (rng.random(n) * duration_minutes * 60_000).astype(np.int64)
    gaps = rng.exponential(15_000.0, total).astype(np.int64) + 1_000
    cs = np.cumsum(gaps)
    start_cs = np.repeat(cs[np.cumsum(counts) - counts] - gaps[np.cumsum(counts) - counts], counts)
    time = np.repeat(arrive, counts) + (cs - start_cs)

    votes = pl.DataFrame(
        {
            "participant_id": pid,
            "statement_id": sid.astype(np.int64),
            "vote": vote,
            "time": pl.Series(time).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC"),
        }
    )
    created = pl.Series("created", [t0] * s).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC")
    stmts = pl.DataFrame(
        {
            "statement_id": np.arange(s, dtype=np.int64),
            "text": texts,
            "author_id": pl.Series([None] * s, dtype=pl.Int64),
            "moderation": np.ones(s, dtype=np.int8),
            "is_meta": np.zeros(s, dtype=bool),
            "created": created.cast(TIME_DTYPE),
            "planted_role": [str(r) for r in roles],
            "lean_x": lean[:, 0],
            "lean_y": lean[:, 1],
        }
    )
    age_shift = np.array([-0.8, 0.0, 1.2] + [0.0] * max(0, n_groups - 3))[group]
    age_idx = np.clip(np.round(rng.normal(2.0 + age_shift, 1.1)), 0, 4).astype(np.int64)
    area_idx = rng.integers(0, len(AREAS), n)
    people = pl.DataFrame(
        {
            "participant_id": np.arange(n, dtype=np.int64),
            "planted_group": group,
            "age_band": np.array(AGE_BANDS, dtype=object)[age_idx].tolist(),
            "area": np.array(AREAS, dtype=object)[area_idx].tolist(),
        }
    )
    names = (
        list(_GROUP_NAMES[:n_groups])
        if statements is SAMPLE_STATEMENTS
        else [f"group {g}" for g in range(n_groups)]
    )
    metadata = {
        "title": title or "Simulated inquiry",
        "source_format": "simulated",
        "simulation": {
            "n_participants": n,
            "n_statements": s,
            "n_groups": n_groups,
            "votes_per_participant": votes_per_participant,
            "participation_tail": participation_tail,
            "pass_rate": pass_rate,
            "separation": separation,
            "seed": seed,
            "group_names": names,
        },
    }
    return Inquiry(votes, stmts, people, metadata=metadata)


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


# ---------------------------------------------------------------------------------------
# Inputs besides votes: estimates, forecasts, choices, ratings and evidence ratings


@dataclass(frozen=True)
class _Question:
    text: str
    truth: float
    unit: str


SAMPLE_QUESTIONS: tuple[_Question, ...] = (
    _Question(
        "How many buses an hour run from the station to the hospital at midday?", 4, "buses/hour"
    ),
    _Question("What share of households in Riverside have no car?", 27, "%"),
    _Question("How many people were injured on Riverside's roads last year?", 68, "people"),
    _Question("How many on-street parking spaces are there in the town centre?", 420, "spaces"),
)

#: (title, source, credibility lean by planted group, relevance)
SAMPLE_EVIDENCE: tuple[tuple[str, str, tuple[float, float, float], float], ...] = (
    ("Traffic counts on the High Street, 2025", "Council highways team", (0.3, 0.2, 0.3), 4.2),
    ("Passenger survey of the hopper bus", "Bus operator", (0.4, -0.2, 0.6), 3.6),
    ("Petition: keep town-centre parking", "Market traders' association", (-1.2, 1.0, 0.2), 3.4),
    (
        "Study of low-traffic neighbourhoods in 12 towns",
        "University transport group",
        (1.0, -1.0, -0.2),
        3.3,
    ),
    ("Outpatient travel survey", "District hospital", (0.2, 0.0, 0.9), 3.9),
    ("Reader poll on the bypass", "Local newspaper", (-0.6, 0.6, 0.0), 2.2),
    ("Road casualty statistics 2020-2025", "National statistics office", (0.4, 0.3, 0.3), 4.4),
    ("Report: safe routes to school", "Cycling campaign", (1.1, -1.1, -0.3), 3.5),
)

SAMPLE_RATING_ITEMS: tuple[tuple[str, tuple[float, float, float]], ...] = (
    ("How satisfied are you with the buses?", (-0.5, 0.2, -0.8)),
    ("How safe do you feel cycling in town?", (-1.0, -0.2, -1.2)),
    ("How easy is it to park in the town centre?", (0.6, -1.0, -0.3)),
    ("How important is cleaner air to you?", (1.4, -0.3, 0.6)),
    ("How well does the council listen to residents?", (-0.6, -0.9, -1.0)),
)

#: The probability question (id 101); nobody knows the answer yet, so it has no truth.
SAMPLE_FORECAST = "Will the planned bus lane on Station Road be open by the end of 2027?"

SAMPLE_CHOICE = (
    "Which single change would most reduce congestion in the town centre?",
    ("park-and-ride", "better buses", "wider ring road", "congestion charge"),
    # share choosing each option by planted group
    ((0.15, 0.45, 0.05, 0.35), (0.40, 0.15, 0.40, 0.05), (0.30, 0.50, 0.15, 0.05)),
)


def simulate_inputs(
    inquiry: Inquiry,
    *,
    share_answering: float = 0.8,
    delphi_rounds: int = 2,
    seed: int = 0,
) -> dict[str, pl.DataFrame]:
    """Estimates, forecasts, choices, ratings and evidence ratings for an inquiry's people.

    Uses the sample inquiry's questions, evidence items and rating items (see the data card),
    and the planted group of each participant (``planted_group``) so that groups read some
    evidence differently. Estimates are log-normal around the truth with a personal bias
    (so the crowd's median beats most individuals), given in ``delphi_rounds`` rounds where
    later rounds move towards the previous round's median.

    Parameters
    ----------
    inquiry : Inquiry
        Whose participants answer; their ``planted_group`` attribute is used when present
        (else each gets a random group).
    share_answering : float, default 0.8
        The share of participants who give the further inputs, in (0, 1].
    delphi_rounds : int, default 2
        Rounds of the numeric estimates (at least 1).
    seed : int, default 0
        Random seed; the same seed gives the same tables.

    Returns
    -------
    dict of str to DataFrame
        ``estimates``, ``questions``, ``probabilities``, ``choices``, ``predictions``,
        ``ratings``, ``rating_items``, ``evidence``, ``evidence_items`` (schemas in
        :mod:`coprod_analytics.inputs`). ``questions`` describes all three kinds of
        question (``type``: estimates 1-4, the forecast 101, the choice 201 with its
        ``options``).

    Examples
    --------
    >>> inq = simulate_inquiry(40, 10, seed=1)
    >>> tables = simulate_inputs(inq, delphi_rounds=3, seed=0)
    >>> sorted(tables["estimates"].get_column("round").unique().to_list())
    [1, 2, 3]
    >>> inq.with_tables(**tables).counts()["participants"] <= 40
    True
    """
    func = "simulate_inputs"
    check_param(0 < share_answering <= 1, "share_answering", func, "in (0, 1]", share_answering)
    check_param(
        isinstance(delphi_rounds, int) and delphi_rounds >= 1,
        "delphi_rounds",
        func,
        "an int >= 1",
        delphi_rounds,
    )
    rng = np.random.default_rng(seed)
    people = inquiry.participants
    pid = people.get_column("participant_id").to_numpy()
    if "planted_group" in people.columns:
        group = people.get_column("planted_group").fill_null(0).to_numpy().astype(np.int64) % 3
    else:
        group = rng.integers(0, 3, len(pid))
    n = len(pid)
    answering = rng.random(n) < share_answering
    ids, grp = pid[answering], group[answering]
    m = len(ids)

    # numeric estimates in Delphi rounds
    bias = rng.normal(0.0, 0.25, m)
    rows: list[pl.DataFrame] = []
    for q, question in enumerate(SAMPLE_QUESTIONS):
        noise = rng.normal(0.0, 0.55, m)
        est = question.truth * np.exp(bias + noise)
        conf = np.clip(np.round(rng.normal(3.0, 1.0, m) - 0.8 * np.abs(noise)), 1, 5)
        for r in range(1, delphi_rounds + 1):
            if r > 1:
                med = np.median(est)
                est = np.exp(
                    np.log(est) + 0.45 * (np.log(med) - np.log(est)) + rng.normal(0, 0.05, m)
                )
            rows.append(
                pl.DataFrame(
                    {
                        "participant_id": ids,
                        "question_id": np.full(m, q + 1, dtype=np.int64),
                        "value": np.round(est, 1),
                        "confidence": conf,
                        "round": np.full(m, r, dtype=np.int64),
                    }
                )
            )
    estimates = pl.concat(rows)
    choice_text, choice_options, _ = SAMPLE_CHOICE
    n_est = len(SAMPLE_QUESTIONS)
    questions = pl.DataFrame(
        {
            "question_id": [*range(1, n_est + 1), 101, 201],
            "text": [*(q.text for q in SAMPLE_QUESTIONS), SAMPLE_FORECAST, choice_text],
            "truth": [*(float(q.truth) for q in SAMPLE_QUESTIONS), None, None],
            "unit": [*(q.unit for q in SAMPLE_QUESTIONS), None, None],
            "type": ["estimate"] * n_est + ["probability", "choice"],
            "options": [None] * (n_est + 1) + ["|".join(choice_options)],
        },
        schema={
            "question_id": pl.Int64,
            "text": pl.String,
            "truth": pl.Float64,
            "unit": pl.String,
            "type": pl.String,
            "options": pl.String,
        },
    )

    # a forecast: will the bus lane be built by 2027? (optimists in group 0)
    logit = np.array([0.6, -0.7, 0.0])[grp] + rng.normal(0, 0.9, m)
    probabilities = pl.DataFrame(
        {
            "participant_id": ids,
            "question_id": np.full(m, 101, dtype=np.int64),
            "probability": np.round(1 / (1 + np.exp(-logit)), 2),
        }
    )

    # multiple choice with predicted shares (surprisingly popular)
    _text, options, shares = SAMPLE_CHOICE
    probs = np.array(shares)[grp]
    pick = (probs.cumsum(axis=1) > rng.random(m)[:, None]).argmax(axis=1)
    choices = pl.DataFrame(
        {
            "participant_id": ids,
            "question_id": np.full(m, 201, dtype=np.int64),
            "answer": np.array(options, dtype=object)[pick].tolist(),
        }
    )
    # everyone expects "better buses" to be the popular answer (conventional wisdom) and
    # over-predicts their own answer (false consensus): so the surprisingly-popular answer
    # (more common than people expect) is not the most common one
    expected = np.array([0.12, 0.55, 0.18, 0.15])[: len(options)]
    pred = expected[None, :] + rng.gamma(2.0, 0.02, (m, len(options)))
    pred[np.arange(m), pick] += 0.15
    pred /= pred.sum(axis=1, keepdims=True)
    predictions = pl.DataFrame(
        {
            "participant_id": np.repeat(ids, len(options)),
            "question_id": np.full(m * len(options), 201, dtype=np.int64),
            "option": np.tile(np.array(options, dtype=object), m).tolist(),
            "share": np.round(pred.ravel(), 3),
        }
    )

    # Likert ratings 1..7
    rows = []
    for i, (_, lean) in enumerate(SAMPLE_RATING_ITEMS):
        latent = 4.0 + np.array(lean)[grp] + rng.normal(0, 1.1, m)
        rows.append(
            pl.DataFrame(
                {
                    "participant_id": ids,
                    "item_id": np.full(m, i + 1, dtype=np.int64),
                    "rating": np.clip(np.round(latent), 1, 7),
                    "scale_min": np.full(m, 1.0),
                    "scale_max": np.full(m, 7.0),
                }
            )
        )
    ratings = pl.concat(rows)
    rating_items = pl.DataFrame(
        {
            "item_id": np.arange(1, len(SAMPLE_RATING_ITEMS) + 1, dtype=np.int64),
            "text": [t for t, _ in SAMPLE_RATING_ITEMS],
            "scale_min": [1.0] * len(SAMPLE_RATING_ITEMS),
            "scale_max": [7.0] * len(SAMPLE_RATING_ITEMS),
        }
    )

    # evidence ratings 1..5 (each person rates a random subset of 5 of the 8 items)
    rows = []
    n_ev = len(SAMPLE_EVIDENCE)
    for i, (_, _, lean, relevance) in enumerate(SAMPLE_EVIDENCE):
        rates = rng.random(m) < 5 / n_ev
        base = 3.2 + np.array(lean)[grp] + rng.normal(0, 0.8, m)
        rel = relevance + rng.normal(0, 0.8, m)
        rows.append(
            pl.DataFrame(
                {
                    "participant_id": ids[rates],
                    "evidence_id": np.full(int(rates.sum()), i + 1, dtype=np.int64),
                    "credibility": np.clip(np.round(base[rates]), 1, 5),
                    "relevance": np.clip(np.round(rel[rates]), 1, 5),
                    "confidence": np.clip(np.round(rng.normal(3.5, 1.0, int(rates.sum()))), 1, 5),
                }
            )
        )
    evidence = pl.concat(rows)
    evidence_items = pl.DataFrame(
        {
            "evidence_id": np.arange(1, n_ev + 1, dtype=np.int64),
            "title": [e[0] for e in SAMPLE_EVIDENCE],
            "source": [e[1] for e in SAMPLE_EVIDENCE],
        }
    )
    return {
        "estimates": estimates,
        "questions": questions,
        "probabilities": probabilities,
        "choices": choices,
        "predictions": predictions,
        "ratings": ratings,
        "rating_items": rating_items,
        "evidence": evidence,
        "evidence_items": evidence_items,
    }
