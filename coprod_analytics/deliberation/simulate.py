"""Simulated deliberation data with planted effects, for tests, demos and power checks.

- :func:`simulate_panel` -- pre/post panel answers (some items move in the deliberating arm,
  a control arm, demographics, opinion groups, attrition).
- :func:`simulate_dri_data` -- consideration ratings and preference rankings whose
  coherence (and hence Deliberative Reason Index) is set by a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from coprod_analytics.errors import check_param
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result

__all__ = ["SimulatedDRI", "SimulatedPanel", "simulate_dri_data", "simulate_panel"]


@dataclass(frozen=True, repr=False)
class SimulatedPanel(Result):
    """A simulated panel and the truth behind it.

    Attributes
    ----------
    panel : pl.DataFrame
        The ``panel`` table: ``participant_id``, ``item_id``, ``wave``, ``value``, ``arm``
        (``"treatment"``/``"control"``), ``opinion_group`` (A or B), ``age_band``,
        ``gender``, ``area``.
    participants : pl.DataFrame
        One row per participant: ``participant_id``, ``arm``, ``opinion_group``, ``age_band``,
        ``gender``, ``area``, ``retained`` (answered the post wave).
    truth : pl.DataFrame
        One row per item: ``item_id``, ``moving`` and ``planted_shift`` (the latent shift in
        the treatment arm, on the scale of ``value`` before rounding), ``trend`` (shift in both
        arms).
    parameters : dict
        The arguments used, seed included.
    provenance : Provenance or None
        The simulator, its parameters and seed.

    Examples
    --------
    >>> simulate_panel(50, 4, seed=1)
    <SimulatedPanel: simulated panel: 50 participants x 4 items, 3 moving (shift 0.8), seed 1>
    """

    panel: pl.DataFrame
    participants: pl.DataFrame
    truth: pl.DataFrame
    parameters: dict[str, object] = field(default_factory=dict)
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """The simulated ``panel`` table.

        Returns
        -------
        pl.DataFrame
        """
        return self.panel

    def summary(self) -> str:
        """What was simulated and planted.

        Returns
        -------
        str
        """
        p = self.parameters
        return (
            f"simulated panel: {p.get('n_participants')} participants x {p.get('n_items')} "
            f"items, {p.get('n_moving')} moving (shift {p.get('shift')}), seed {p.get('seed')}"
        )


@dataclass(frozen=True, repr=False)
class SimulatedDRI(Result):
    """Simulated inputs of the Deliberative Reason Index.

    Attributes
    ----------
    considerations : pl.DataFrame
        The ``considerations`` table: ``participant_id``, ``group``, ``consideration_id``,
        ``rating``.
    preferences : pl.DataFrame
        The ``preferences`` table: ``participant_id``, ``option_id``, ``rank``.
    parameters : dict
        The arguments used, seed included.
    provenance : Provenance or None
        The simulator, its parameters and seed.

    Examples
    --------
    >>> simulate_dri_data(6, 5, 3, seed=0)
    <SimulatedDRI: simulated DRI data: 6 participants, 5 considerations, 3 options, coherence 0.9, seed 0>
    """

    considerations: pl.DataFrame
    preferences: pl.DataFrame
    parameters: dict[str, object] = field(default_factory=dict)
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """The ``considerations`` table.

        Returns
        -------
        pl.DataFrame
        """
        return self.considerations

    def summary(self) -> str:
        """What was simulated.

        Returns
        -------
        str
        """
        p = self.parameters
        return (
            f"simulated DRI data: {p.get('n_participants')} participants, "
            f"{p.get('n_considerations')} considerations, {p.get('n_options')} options, "
            f"coherence {p.get('coherence')}, seed {p.get('seed')}"
        )


def simulate_panel(
    n_participants: int = 200,
    n_items: int = 8,
    *,
    n_moving: int | None = None,
    shift: float = 0.8,
    trend: float = 0.0,
    control_share: float = 0.3,
    attrition: float = 0.1,
    noise: float = 1.0,
    scale: int | None = 7,
    seed: int = 0,
) -> SimulatedPanel:
    """Simulate pre/post answers with planted shifts on some items.

    Each participant has a latent position ``theta ~ N(+-0.8, 1)`` depending on their opinion
    group (A or B); item ``j`` has a centre ``mu_j`` and loading ``lambda_j``. The answer is
    ``mu_j + lambda_j theta + e`` (pre) and the same plus ``trend`` (everyone) plus
    ``planted_shift_j`` (treatment arm, the first ``n_moving`` items, alternating sign) plus
    fresh noise (post). With ``scale`` the answers are rounded and clipped to ``1..scale``
    (Likert); with ``scale=None`` they stay continuous.

    Parameters
    ----------
    n_participants, n_items : int
        Panel size.
    n_moving : int, optional
        How many items move in the treatment arm (``q1 .. q{n_moving}``); default
        ``min(3, n_items)``.
    shift : float, default 0.8
        Size of the planted shift (items alternate +shift, -shift, ...).
    trend : float, default 0.0
        Shift of every item in both arms (what difference-in-differences removes).
    control_share : float, default 0.3
        Share of participants in the control arm.
    attrition : float, default 0.1
        Average share missing the post wave; the youngest age band drops out twice as often
        as the others.
    noise : float, default 1.0
        Standard deviation of the answer noise.
    scale : int or None, default 7
        Likert scale top (answers 1..scale), or None for continuous answers.
    seed : int, default 0
        Random seed; the same seed gives the same panel.

    Returns
    -------
    SimulatedPanel
        ``panel`` (the ``panel`` table), ``participants`` and the planted ``truth``.

    Examples
    --------
    >>> sim = simulate_panel(50, 4, seed=1)
    >>> sim.panel.columns
    ['participant_id', 'item_id', 'wave', 'value', 'arm', 'opinion_group', 'age_band', 'gender', 'area']
    >>> sim.truth.filter(pl.col("moving"))["item_id"].to_list()
    ['q1', 'q2', 'q3']
    >>> simulate_panel(50, 4, seed=1).panel.equals(sim.panel)
    True
    """
    func = "simulate_panel"
    check_param(
        isinstance(n_participants, int) and n_participants >= 2,
        "n_participants",
        func,
        "an int >= 2",
        n_participants,
    )
    check_param(isinstance(n_items, int) and n_items >= 1, "n_items", func, "an int >= 1", n_items)
    if n_moving is None:
        n_moving = min(3, n_items)
    check_param(
        isinstance(n_moving, int) and 0 <= n_moving <= n_items,
        "n_moving",
        func,
        f"an int between 0 and n_items ({n_items})",
        n_moving,
    )
    check_param(0 <= control_share < 1, "control_share", func, "in [0, 1)", control_share)
    check_param(0 <= attrition < 0.5, "attrition", func, "in [0, 0.5)", attrition)
    check_param(noise >= 0, "noise", func, "a float >= 0", noise)
    check_param(
        scale is None or (isinstance(scale, int) and scale >= 2),
        "scale",
        func,
        "None or an int >= 2",
        scale,
    )
    rng = np.random.default_rng(seed)
    n = n_participants
    ids = np.arange(1, n + 1)
    group = rng.choice(["A", "B"], size=n, p=[0.55, 0.45])
    theta = np.where(group == "A", 0.8, -0.8) + rng.normal(size=n)
    arm = np.where(rng.random(n) < control_share, "control", "treatment")
    age = rng.choice(["16-34", "35-54", "55+"], size=n, p=[0.3, 0.35, 0.35])
    gender = rng.choice(["woman", "man", "other"], size=n, p=[0.5, 0.47, 0.03])
    area = rng.choice(["urban", "rural"], size=n, p=[0.7, 0.3])
    drop_p = np.where(age == "16-34", 2.0, 1.0)
    drop_p = drop_p * attrition / drop_p.mean() if attrition > 0 else np.zeros(n)
    retained = rng.random(n) >= drop_p

    items = [f"q{j + 1}" for j in range(n_items)]
    centre = (scale + 1) / 2 if scale else 0.0
    mu = centre + rng.uniform(-1, 1, size=n_items)
    loading = rng.uniform(0.3, 1.0, size=n_items) * rng.choice([-1, 1], size=n_items)
    planted = np.zeros(n_items)
    planted[:n_moving] = shift * np.where(np.arange(n_moving) % 2 == 0, 1.0, -1.0)

    base = mu[None, :] + loading[None, :] * theta[:, None]
    pre_v = base + rng.normal(0, noise, size=(n, n_items))
    treated = (arm == "treatment")[:, None]
    post_v = base + trend + planted[None, :] * treated + rng.normal(0, noise, size=(n, n_items))
    if scale:
        pre_v = np.clip(np.rint(pre_v), 1, scale)
        post_v = np.clip(np.rint(post_v), 1, scale)

    people = pl.DataFrame(
        {
            "participant_id": ids,
            "arm": arm,
            "opinion_group": group,
            "age_band": age,
            "gender": gender,
            "area": area,
            "retained": retained,
        }
    )
    pre = pl.DataFrame(
        {
            "participant_id": np.repeat(ids, n_items),
            "item_id": items * n,
            "wave": "pre",
            "value": pre_v.ravel(),
        }
    )
    keep = np.repeat(retained, n_items)
    post = pl.DataFrame(
        {
            "participant_id": np.repeat(ids, n_items)[keep],
            "item_id": (np.array(items * n))[keep],
            "wave": "post",
            "value": post_v.ravel()[keep],
        }
    )
    panel = (
        pl.concat([pre, post])
        .join(people.drop("retained"), on="participant_id", how="left")
        .sort("participant_id", "wave", "item_id", descending=[False, True, False])
    )
    truth = pl.DataFrame(
        {
            "item_id": items,
            "moving": planted != 0,
            "planted_shift": planted,
            "trend": np.full(n_items, float(trend)),
        }
    )
    params: dict[str, object] = {
        "n_participants": n_participants,
        "n_items": n_items,
        "n_moving": n_moving,
        "shift": shift,
        "trend": trend,
        "control_share": control_share,
        "attrition": attrition,
        "noise": noise,
        "scale": scale,
        "seed": seed,
    }
    return SimulatedPanel(
        panel=panel,
        participants=people,
        truth=truth,
        parameters=params,
        provenance=Provenance(
            method="simulate_panel",
            input_fingerprint=fingerprint_frames(panel),
            parameters=params,
            seed=seed,
        ),
    )


def _opposed_profiles(rng: np.random.Generator, n: int) -> np.ndarray:
    """Three centred unit profiles: v, -v and one orthogonal to v."""
    v = rng.normal(size=n)
    v -= v.mean()
    v /= np.linalg.norm(v)
    w = rng.normal(size=n)
    w -= w.mean()
    w -= (w @ v) * v
    w /= np.linalg.norm(w)
    return np.stack([v, -v, w]) * np.sqrt(n)


def simulate_dri_data(
    n_participants: int = 30,
    n_considerations: int = 20,
    n_options: int = 5,
    *,
    coherence: float = 0.9,
    n_groups: int = 1,
    scale: int = 5,
    seed: int = 0,
) -> SimulatedDRI:
    """Consideration ratings and preference ranks with a chosen coherence.

    Each participant holds one of three value profiles. Their consideration ratings are the
    profile's ratings plus noise; with probability ``coherence`` their preference ranking
    follows their profile (plus noise), otherwise it follows a random other profile. High
    coherence gives a DRI well above its permutation baseline; ``coherence=0`` makes
    everyone prefer what another profile values, which falls below the baseline.

    Parameters
    ----------
    n_participants, n_considerations, n_options : int
        Participants (>= 2), considerations (>= 3) and policy options (>= 3).
    coherence : float, default 0.9
        Probability that a participant's preferences follow their own value profile.
    n_groups : int, default 1
        Deliberating groups ``g1, g2, ...`` (participants are dealt round-robin).
    scale : int, default 5
        Rating scale top (ratings 1..scale).
    seed : int, default 0
        Random seed.

    Returns
    -------
    SimulatedDRI
        ``considerations`` (``participant_id, group, consideration_id, rating``) and
        ``preferences`` (``participant_id, option_id, rank``).

    Examples
    --------
    >>> sim = simulate_dri_data(6, 5, 3, seed=0)
    >>> sim.considerations.shape, sim.preferences.shape
    ((30, 4), (18, 3))
    """
    func = "simulate_dri_data"
    check_param(n_participants >= 2, "n_participants", func, "an int >= 2", n_participants)
    check_param(n_considerations >= 3, "n_considerations", func, "an int >= 3", n_considerations)
    check_param(n_options >= 3, "n_options", func, "an int >= 3", n_options)
    check_param(0 <= coherence <= 1, "coherence", func, "in [0, 1]", coherence)
    rng = np.random.default_rng(seed)
    n_profiles = 3
    # The DRI rewards pairs whose agreement on considerations matches their agreement on
    # preferences, so both profile sets share one similarity structure: profiles 0 and 1
    # are opposites and profile 2 is unrelated to both (orthogonal), in either space.
    prof_c = _opposed_profiles(rng, n_considerations) * 1.5
    prof_p = _opposed_profiles(rng, n_options) * 1.5
    who = rng.integers(0, n_profiles, size=n_participants)
    follows = rng.random(n_participants) < coherence
    other = (who + rng.integers(1, n_profiles, size=n_participants)) % n_profiles
    pref_profile = np.where(follows, who, other)
    ratings = prof_c[who] + rng.normal(0, 0.7, size=(n_participants, n_considerations))
    ratings = np.clip(np.rint(ratings + (scale + 1) / 2), 1, scale)
    for i in range(n_participants):  # keep at least some variation per participant
        if ratings[i].std() == 0:
            ratings[i, 0] = 1 if ratings[i, 0] != 1 else scale
    scores = prof_p[pref_profile] + rng.normal(0, 0.5, size=(n_participants, n_options))
    ranks = np.argsort(np.argsort(-scores, axis=1), axis=1) + 1
    ids = np.arange(1, n_participants + 1)
    groups = np.array([f"g{k + 1}" for k in ids % n_groups])
    cons = pl.DataFrame(
        {
            "participant_id": np.repeat(ids, n_considerations),
            "group": np.repeat(groups, n_considerations),
            "consideration_id": [f"c{j + 1}" for j in range(n_considerations)] * n_participants,
            "rating": ratings.ravel(),
        }
    )
    prefs = pl.DataFrame(
        {
            "participant_id": np.repeat(ids, n_options),
            "option_id": [f"o{j + 1}" for j in range(n_options)] * n_participants,
            "rank": ranks.ravel().astype(np.int64),
        }
    )
    params: dict[str, object] = {
        "n_participants": n_participants,
        "n_considerations": n_considerations,
        "n_options": n_options,
        "coherence": coherence,
        "n_groups": n_groups,
        "scale": scale,
        "seed": seed,
    }
    return SimulatedDRI(
        considerations=cons,
        preferences=prefs,
        parameters=params,
        provenance=Provenance(
            method="simulate_dri_data",
            input_fingerprint=fingerprint_frames(cons, prefs),
            parameters=params,
            seed=seed,
        ),
    )
