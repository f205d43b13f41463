"""The sample inquiry's live-activity tables: the before/after poll, the town's population,
and the priorities (pairwise "which is better?", a top-3 ranking, an open question and a
small participatory budget), each with a planted truth.

Each generator takes the participants of an inquiry (their ``planted_group`` and
``age_band`` when present) and returns new tables; :func:`~coprod_analytics.simulate.sample_inquiry`
adds them to the sample inquiry, each from its own seed, so the tables of the other
generators never change when one of these does. Plain numpy and polars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from coprod_analytics.errors import check_param
from coprod_analytics.inquiry import Inquiry

__all__ = [
    "SAMPLE_BUDGET",
    "SAMPLE_OPEN_QUESTION",
    "SAMPLE_PAIRWISE",
    "SAMPLE_POLL",
    "SAMPLE_POPULATION",
    "SAMPLE_RANKING",
    "population_table",
    "simulate_poll",
    "simulate_priorities",
]


def _groups(inquiry: Inquiry, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Participant ids and their planted group (0, 1, 2; random without ``planted_group``)."""
    people = inquiry.participants
    pid = people.get_column("participant_id").to_numpy()
    if "planted_group" in people.columns:
        group = people.get_column("planted_group").fill_null(0).to_numpy().astype(np.int64) % 3
    else:
        group = rng.integers(0, 3, len(pid))
    return pid, group


# ---------------------------------------------------------------------------------------
# The before/after poll and the population


@dataclass(frozen=True)
class _PollItem:
    text: str
    lean: tuple[float, float, float]  # by planted group, before deliberation
    shift: tuple[float, float, float]  # by planted group, from before to after


#: The sample's before/after poll: 1 (strongly disagree) to 5 (strongly agree).
SAMPLE_POLL: tuple[_PollItem, ...] = (
    _PollItem("Buses take me where I need to go.", (0.1, -0.4, -0.5), (0.0, 0.0, 0.0)),
    _PollItem(
        "I feel safe walking and cycling in the town centre.", (-0.6, 0.2, -0.7), (0.0, 0.0, 0.0)
    ),
    _PollItem(
        "The council listens to people like me about transport.",
        (-0.5, -0.8, -1.0),
        (0.7, 0.7, 0.7),
    ),
    _PollItem(
        "The town centre would be better with fewer cars.", (1.2, -1.1, 0.0), (0.0, 0.7, 0.3)
    ),
)

#: The town's residents aged 16 and over by age band and area (shares; the reference of the
#: representativeness view and of the questions at join).
SAMPLE_POPULATION: dict[str, dict[str, float]] = {
    "age_band": {"16-24": 0.14, "25-34": 0.17, "35-49": 0.25, "50-64": 0.24, "65+": 0.20},
    "area": {
        "Old Town": 0.18,
        "Riverside": 0.22,
        "North Hill": 0.20,
        "Station Quarter": 0.24,
        "Millbrook": 0.16,
    },
}


def population_table(participants: pl.DataFrame) -> pl.DataFrame:
    """:data:`SAMPLE_POPULATION` as the long ``population`` table, for the attributes the
    participants have.

    Parameters
    ----------
    participants : polars.DataFrame
        The participants (their attribute columns).

    Returns
    -------
    polars.DataFrame
        ``attribute``, ``category``, ``share``.

    Examples
    --------
    >>> population_table(pl.DataFrame({"participant_id": [1], "area": ["Old Town"]})).height
    5
    """
    rows = [
        (attr, cat, share)
        for attr, shares in SAMPLE_POPULATION.items()
        if attr in participants.columns
        for cat, share in shares.items()
    ]
    return pl.DataFrame(
        rows,
        schema={"attribute": pl.String, "category": pl.String, "share": pl.Float64},
        orient="row",
    )


def simulate_poll(
    inquiry: Inquiry,
    *,
    share_answering: float = 0.8,
    retention: float = 0.9,
    seed: int = 0,
) -> dict[str, pl.DataFrame]:
    """A short before/after poll (the ``panel`` and ``panel_items`` tables) with planted shifts.

    Four statements answered from 1 (strongly disagree) to 5 (strongly agree) at the start
    (wave ``pre``) and at the end (wave ``post``) of the inquiry. Answers depend on the
    planted group of each participant (``planted_group``); after deliberation, trust that
    "the council listens" rises in every group and the *drivers* (planted group 1) move
    towards "fewer cars", while the other two items do not move. The youngest age band
    (``16-24``) drops out more before the post wave.

    Parameters
    ----------
    inquiry : Inquiry
        Whose participants answer; their ``planted_group`` (else a random group) and
        ``age_band`` attributes are used when present.
    share_answering : float, default 0.8
        The share of participants who answer the first wave, in (0, 1].
    retention : float, default 0.9
        The share of them who answer the second wave too, in (0, 1] (the youngest band
        keeps two thirds of that).
    seed : int, default 0
        Random seed; the same seed gives the same tables.

    Returns
    -------
    dict of str to DataFrame
        ``panel_items`` (``item_id``, ``text``, ``scale_min``, ``scale_max``) and ``panel``
        (``participant_id``, ``item_id``, ``wave``, ``value``), as
        :mod:`coprod_analytics.deliberation.inputs` describes them.

    Examples
    --------
    >>> from coprod_analytics.deliberation import paired_shift
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> poll = simulate_poll(simulate_inquiry(200, 10, seed=1), seed=0)
    >>> poll["panel_items"].height, sorted(poll["panel"]["wave"].unique())
    (4, ['post', 'pre'])
    >>> shift = paired_shift(poll["panel"]).table.sort("item_id")
    >>> [bool(p < 0.05) for p in shift["p_adjusted"]]  # items 3 and 4 move
    [False, False, True, True]
    """
    func = "simulate_poll"
    check_param(0 < share_answering <= 1, "share_answering", func, "in (0, 1]", share_answering)
    check_param(0 < retention <= 1, "retention", func, "in (0, 1]", retention)
    rng = np.random.default_rng(seed)
    people = inquiry.participants
    pid, group = _groups(inquiry, rng)
    n = len(pid)
    young = np.zeros(n, dtype=bool)
    if "age_band" in people.columns:
        youngest = next(iter(SAMPLE_POPULATION["age_band"]))
        young = (people.get_column("age_band").cast(pl.String) == youngest).to_numpy()
    pre = rng.random(n) < share_answering
    stays = rng.random(n) < np.where(young, retention * 2 / 3, retention)
    post = pre & stays
    person = rng.normal(0.0, 0.4, n)
    rows: list[pl.DataFrame] = []
    for i, item in enumerate(SAMPLE_POLL):
        before = 3.0 + np.array(item.lean)[group] + person + rng.normal(0.0, 0.7, n)
        after = before + np.array(item.shift)[group] + rng.normal(0.0, 0.5, n)
        for wave, latent, who in (("pre", before, pre), ("post", after, post)):
            rows.append(
                pl.DataFrame(
                    {
                        "participant_id": pid[who],
                        "item_id": np.full(int(who.sum()), i + 1, dtype=np.int64),
                        "wave": [wave] * int(who.sum()),
                        "value": np.clip(np.round(latent[who]), 1, 5),
                    }
                )
            )
    panel = pl.concat(rows).sort("participant_id", "item_id", pl.col("wave") == "post")
    panel_items = pl.DataFrame(
        {
            "item_id": np.arange(1, len(SAMPLE_POLL) + 1, dtype=np.int64),
            "text": [item.text for item in SAMPLE_POLL],
            "scale_min": [1.0] * len(SAMPLE_POLL),
            "scale_max": [5.0] * len(SAMPLE_POLL),
        }
    )
    return {"panel_items": panel_items, "panel": panel}


# ---------------------------------------------------------------------------------------
# Priorities: pairwise, ranking, open question, budget

#: "Which of these two ideas would help Riverside more?": (idea, planted Bradley-Terry
#: strength, the same for everyone). The planted order is by strength.
SAMPLE_PAIRWISE: tuple[tuple[str, float], ...] = (
    ("A free hopper bus around the town centre", 1.2),
    ("Protected cycle lanes on the High Street", 0.3),
    ("More parking at the station", -0.7),
    ("A 20 mph limit in the town centre", 0.0),
    ("Park-and-ride from the ring road", 0.7),
    ("Wider pavements on Bridge Street", -0.3),
    ("A car-free market square on Saturdays", -1.0),
    ("Later evening buses to the hospital", 0.9),
)

#: "Which should the council do first? Put your top 3 in order": (item, planted utility by
#: planted group). "Safer routes to school" is everyone's second-best or best: the
#: Condorcet winner.
SAMPLE_RANKING: tuple[tuple[str, tuple[float, float, float]], ...] = (
    ("Fix the potholes", (0.0, 1.4, 0.6)),
    ("Safer routes to school", (1.2, 1.0, 1.1)),
    ("Bus shelters with live times", (1.0, -0.4, 0.9)),
    ("More benches and trees", (0.2, -0.6, 1.3)),
    ("Cycle parking in the town centre", (1.4, -1.0, -0.6)),
    ("Better street lighting", (0.1, 0.3, 0.4)),
)
#: How many items a ranking orders (``k``).
SAMPLE_RANKING_K = 3

#: The open question (id 1) and the answers each planted group gives (a theme per group).
SAMPLE_OPEN_QUESTION: tuple[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = (
    "What one change would make getting around Riverside better for you?",
    (
        (
            "Buses every ten minutes, also in the evening.",
            "A safe cycle route from North Hill to the station.",
            "Fewer cars in the centre so walking is pleasant.",
            "Cheaper bus fares for young people.",
            "Somewhere safe to lock my bike in town.",
        ),
        (
            "More parking spaces near the shops.",
            "Fix the potholes on the ring road.",
            "Keep the town centre open to cars.",
            "Cheaper parking for residents.",
            "Better signs to the car parks.",
        ),
        (
            "More benches so I can rest on the way.",
            "Dropped kerbs everywhere for wheelchairs and prams.",
            "A bus that stops closer to the hospital.",
            "Longer green lights at crossings.",
            "Keep the blue-badge spaces by the market.",
        ),
    ),
)

#: The sample budget (approval, total 100,000 GBP): (project, cost, approval chance by
#: planted group). The safer crossings are liked by all; the cheap benches matter to the
#: *protect access* group; parking to the *drivers*.
SAMPLE_BUDGET: tuple[tuple[str, int, tuple[float, float, float]], ...] = (
    ("Hopper bus: two more years", 40_000, (0.7, 0.2, 0.6)),
    ("Protected cycle lane on Bridge Street", 45_000, (0.8, 0.05, 0.2)),
    ("Resurface the station car park", 30_000, (0.1, 0.8, 0.3)),
    ("Benches and dropped kerbs in the centre", 15_000, (0.3, 0.2, 0.8)),
    ("Safer crossings by the schools", 25_000, (0.6, 0.5, 0.6)),
    ("Electric-car chargers in the centre", 35_000, (0.2, 0.6, 0.1)),
)
#: The sample budget's total.
SAMPLE_BUDGET_TOTAL = 100_000


def _pairwise(
    rng: np.random.Generator, pid: np.ndarray, share: float
) -> tuple[pl.DataFrame, pl.DataFrame]:
    m = len(SAMPLE_PAIRWISE)
    strength = np.array([s for _, s in SAMPLE_PAIRWISE])
    pairs = [(a, b) for a in range(m) for b in range(a + 1, m)]
    rows: list[tuple[int, int, int, bool]] = []
    for p in pid[rng.random(len(pid)) < share]:
        n = int(rng.integers(4, 13))
        for j in rng.choice(len(pairs), size=n, replace=False):
            a, b = pairs[int(j)]
            if rng.random() < 0.1:  # "I can't decide"
                rows.append((int(p), a + 1, b + 1, True))
                continue
            a_wins = rng.random() < 1.0 / (1.0 + np.exp(strength[b] - strength[a]))
            w, lo = (a, b) if a_wins else (b, a)
            rows.append((int(p), w + 1, lo + 1, False))
    table = pl.DataFrame(
        rows,
        schema={
            "participant_id": pl.Int64,
            "winner": pl.Int64,
            "loser": pl.Int64,
            "tie": pl.Boolean,
        },
        orient="row",
    )
    items = pl.DataFrame(
        {
            "item_id": np.arange(1, m + 1, dtype=np.int64),
            "text": [t for t, _ in SAMPLE_PAIRWISE],
        }
    )
    return items, table


def _rankings(
    rng: np.random.Generator, pid: np.ndarray, group: np.ndarray, share: float
) -> tuple[pl.DataFrame, pl.DataFrame]:
    m = len(SAMPLE_RANKING)
    utility = np.array([u for _, u in SAMPLE_RANKING])  # items x groups
    rows: list[tuple[int, int, int]] = []
    for p, g in zip(pid, group, strict=True):
        if rng.random() >= share:
            continue
        # Plackett-Luce by the Gumbel trick: the top k of utility + Gumbel noise
        noisy = utility[:, g] + rng.gumbel(0.0, 1.0, m)
        k = SAMPLE_RANKING_K if rng.random() < 0.85 else int(rng.integers(1, SAMPLE_RANKING_K))
        for r, i in enumerate(np.argsort(-noisy)[:k], start=1):
            rows.append((int(p), int(i) + 1, r))
    table = pl.DataFrame(
        rows,
        schema={"participant_id": pl.Int64, "item_id": pl.Int64, "rank": pl.Int64},
        orient="row",
    )
    items = pl.DataFrame(
        {
            "item_id": np.arange(1, m + 1, dtype=np.int64),
            "text": [t for t, _ in SAMPLE_RANKING],
            "k": np.full(m, SAMPLE_RANKING_K, dtype=np.int64),
        }
    )
    return items, table


def _free_text(
    rng: np.random.Generator, pid: np.ndarray, group: np.ndarray, share: float
) -> tuple[pl.DataFrame, pl.DataFrame]:
    question, answers = SAMPLE_OPEN_QUESTION
    rows: list[tuple[int, int, int, str]] = []
    for p, g in zip(pid, group, strict=True):
        if rng.random() < share:
            options = answers[int(g)]
            rows.append((len(rows) + 1, int(p), 1, options[int(rng.integers(len(options)))]))
    table = pl.DataFrame(
        rows,
        schema={
            "text_id": pl.Int64,
            "participant_id": pl.Int64,
            "question_id": pl.Int64,
            "text": pl.String,
        },
        orient="row",
    )
    return pl.DataFrame({"question_id": [1], "text": [question]}), table


def _budget(
    rng: np.random.Generator, pid: np.ndarray, group: np.ndarray, share: float
) -> dict[str, pl.DataFrame]:
    costs = np.array([c for _, c, _ in SAMPLE_BUDGET])
    like = np.array([p for _, _, p in SAMPLE_BUDGET])  # projects x groups
    rows: list[tuple[str, str]] = []
    voters = 0
    for p, g in zip(pid, group, strict=True):
        if rng.random() >= share:
            continue
        chosen = list(np.flatnonzero(rng.random(len(costs)) < like[:, g]))
        while chosen and costs[chosen].sum() > SAMPLE_BUDGET_TOTAL:  # the ballot's limit
            chosen.pop(int(rng.integers(len(chosen))))
        if not chosen:
            continue
        voters += 1
        rows += [(str(p), str(j + 1)) for j in chosen]
    votes = pl.DataFrame(
        rows, schema={"participant_id": pl.String, "project_id": pl.String}, orient="row"
    )
    projects = pl.DataFrame(
        {
            "project_id": [str(j + 1) for j in range(len(SAMPLE_BUDGET))],
            "cost": costs.astype(np.int64),
            "name": [name for name, _, _ in SAMPLE_BUDGET],
        }
    )
    meta = {
        "description": "Riverside Citizens' Inquiry: travel budget (synthetic)",
        "unit": "Riverside",
        "instance": "2026",
        "currency": "GBP",
        "num_projects": str(len(SAMPLE_BUDGET)),
        "num_votes": str(voters),
        "budget": str(SAMPLE_BUDGET_TOTAL),
        "vote_type": "approval",
        "rule": "greedy",
    }
    return {
        "budget_projects": projects,
        "budget_meta": pl.DataFrame({"key": list(meta), "value": list(meta.values())}),
        "budget_votes": votes,
    }


def simulate_priorities(
    inquiry: Inquiry, *, share_answering: float = 0.7, seed: int = 0
) -> dict[str, pl.DataFrame]:
    """Pairwise comparisons, top-3 rankings, open answers and budget ballots with planted truths.

    - **Pairwise** (:data:`SAMPLE_PAIRWISE`): each answering participant compares 4 to 12
      different pairs of the 8 ideas; the winner follows a Bradley-Terry model with the
      planted strengths (the same for everyone), and one answer in ten is "I can't decide"
      (a ``tie`` row).
    - **Ranking** (:data:`SAMPLE_RANKING`): the top 3 (some people order only 1 or 2) of 6
      items, Plackett-Luce by planted group; "Safer routes to school" is the Condorcet
      winner.
    - **Open question** (:data:`SAMPLE_OPEN_QUESTION`): a quarter of the participants
      answer, each with one of their group's five answers (a theme per group).
    - **Budget** (:data:`SAMPLE_BUDGET`): approval ballots over 6 projects with a total of
      100,000; each voter approves projects by their group's chances and drops projects at
      random until the ballot fits the budget (the live ballot's limit).

    Parameters
    ----------
    inquiry : Inquiry
        Whose participants answer (their ``planted_group`` when present, else a random
        group).
    share_answering : float, default 0.7
        The share of participants who answer the pairwise, ranking and budget activities,
        in (0, 1].
    seed : int, default 0
        Random seed; the same seed gives the same tables (each activity draws from its own
        generator, so changing one leaves the others as they were).

    Returns
    -------
    dict of str to DataFrame
        ``pairwise_items``, ``pairwise`` (``participant_id``, ``winner``, ``loser``,
        ``tie``), ``ranking_items`` (with ``k``), ``rankings``, ``open_questions``,
        ``free_text`` (``text_id``, ``participant_id``, ``question_id``, ``text``),
        ``budget_projects``, ``budget_meta``, ``budget_votes``: the shapes of
        :mod:`coprod_analytics.preferences.inputs` and :mod:`coprod_analytics.text.inputs`.

    Examples
    --------
    >>> from coprod_analytics.preferences import bradley_terry_pairwise
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> t = simulate_priorities(simulate_inquiry(300, 10, seed=1), seed=0)
    >>> sorted(t)[:4]
    ['budget_meta', 'budget_projects', 'budget_votes', 'free_text']
    >>> bt = bradley_terry_pairwise(t["pairwise"]).to_frame()
    >>> bt.sort("strength", descending=True)["item_id"].to_list()  # planted: 1 8 5 2 4 6 3 7
    [8, 1, 5, 2, 4, 6, 3, 7]
    """
    func = "simulate_priorities"
    check_param(0 < share_answering <= 1, "share_answering", func, "in (0, 1]", share_answering)
    rngs = [np.random.default_rng([seed, i]) for i in range(5)]
    pid, group = _groups(inquiry, rngs[0])
    pairwise_items, pairwise = _pairwise(rngs[1], pid, share_answering)
    ranking_items, rankings = _rankings(rngs[2], pid, group, share_answering)
    open_questions, free_text = _free_text(rngs[3], pid, group, share_answering / 2.8)
    return {
        "pairwise_items": pairwise_items,
        "pairwise": pairwise,
        "ranking_items": ranking_items,
        "rankings": rankings,
        "open_questions": open_questions,
        "free_text": free_text,
        **_budget(rngs[4], pid, group, share_answering),
    }
