"""Crowd inputs besides votes: estimates, a forecast, a choice, ratings and evidence ratings.

:func:`simulate_inputs` gives the participants of an inquiry numeric estimates in Delphi
rounds (log-normal around a known truth), a probability forecast, a multiple-choice question
with predicted shares (a surprisingly-popular answer planted), Likert ratings and evidence
ratings, each leaning by planted opinion group; the questions and items are the sample
inquiry's (``SAMPLE_QUESTIONS``, ``SAMPLE_EVIDENCE``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from coprod_analytics.errors import check_param
from coprod_analytics.inquiry import Inquiry

__all__ = ["simulate_inputs"]


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
    >>> from coprod_analytics.simulate import simulate_inquiry
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
