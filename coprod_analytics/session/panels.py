"""What the facilitator's live panels show: the numbers of each activity, as plain tables.

:func:`live_panel` computes the live result of one activity of a session (see
:mod:`coprod_analytics.session.activities`) from the session's answer tables, as
:class:`~coprod_analytics.session.live.LiveSession` keeps them, through the same public
functions of the core that analyse the exported inquiry afterwards, so the exported folder
reproduces what the room saw:

=================  ==========================================================================
activity kind      sections of the :class:`LivePanel` (and the core function behind them)
=================  ==========================================================================
``questions``      ``estimates``: per question and Delphi round the median with its bootstrap
                   interval (:func:`~coprod_analytics.crowd.crowd_estimate`) and quartiles
                   (:func:`~coprod_analytics.crowd.delphi_rounds`); ``probabilities``: mean,
                   median and log-odds pool (:func:`~coprod_analytics.crowd.pool_forecasts`);
                   ``choices``: actual and predicted share of each option and the
                   surprisingly popular answer
                   (:func:`~coprod_analytics.crowd.surprisingly_popular`)
``evidence``       ``evidence``: the evidence board, credibility x relevance with intervals
                   (:func:`~coprod_analytics.evidence.weigh_evidence`)
``ratings``        ``ratings``: median, mean, consensus and dispersion per item
                   (:func:`~coprod_analytics.crowd.agreement_by_item`)
``panel``          ``panel``: mean before (wave 1) and after (wave 2), and the paired shift
                   with its interval (:func:`~coprod_analytics.deliberation.paired_shift`)
``population``     ``population``: share present against the population per category,
                   categories nobody is in included
                   (:func:`~coprod_analytics.deliberation.compare_to_population`);
                   ``population_answers``: who answered, preferred not to say, or not yet
``statements``     ``statements``: votes, agree, disagree, pass per accepted statement
                   (:meth:`~coprod_analytics.inquiry.Inquiry.statement_tallies`)
``budget``,        see :mod:`~coprod_analytics.session.panels_priorities`: the budget outcome
``pairwise``,      under greedy, Equal Shares (+ add1) and Phragmén; the Bradley–Terry
``ranking``,       ranking with intervals; Schulze, Borda and Copeland side by side; the
``open_question``  latest accepted answers
``mapping``,       see :mod:`~coprod_analytics.session.panels_mapping`: the places counted in
``appraisal``      grid cells, hotspots, coverage, the needs ranked by support with Wilson
                   intervals, the areas nobody mapped; the appraisal rounds and their change
=================  ==========================================================================

Early in a session an item has 0, 1 or 2 answers: its statistics stay empty (null) until
``min_answers`` people have answered it (default 3), and :attr:`LivePanel.message` says so in
plain words; a computation that still fails gives a message, never an exception.

:func:`screen_view` is what the room may see on the projector. The rule, per kind, is the
same idea throughout: while an activity is open, nothing on the screen may show how the
others answered it, because a participant who has not answered yet would be anchored by it
(a crowd is wise, and a vote is a vote, only while the answers are independent):

- ``questions``: the current Delphi round and every probability and choice question stay
  off the screen while open; earlier Delphi rounds stay on (they are the Delphi feedback);
- ``budget``: while the ballot is open the screen shows how many ballots are in, never the
  outcome or the votes per project (a project seen winning draws votes, one seen losing
  invites tactical ballots); the outcome under every rule once it is closed;
- ``pairwise``: while open, the number of comparisons and ideas only. A live Bradley–Terry
  ranking on the wall would anchor the judgements it is estimated from (an item seen on top
  wins close calls), and the next pair is chosen to be informative only if answers are
  independent; the ranking with its intervals once closed (the facilitator sees it live);
- ``ranking``: while open, the number of ballots only (no winner to bandwagon to);
- ``open_question``: while open, the number of answers only (ideas are gathered silently
  first, as in the nominal group technique, so that the first answers shown do not narrow
  the rest); the latest accepted answers once closed;
- ``mapping``: the map as grid cells of at least ``min_cell`` people only (never a
  person's point), hotspots, coverage and areas with small counts withheld; while open, no
  support ranking (a priority vote); once closed, the needs at least ``min_cell`` people
  support, a need's text only once the facilitator approved it;
- ``appraisal``: while a round is open, the number of appraisals only; the scores and their
  change (rows of fewer than ``min_cell`` people withheld) once it is closed;
- ``evidence``, ``ratings``, ``panel``, ``population``, ``statements``: shown as they are
  (a deliberation shows its board; the statements' votes are seen on phones anyway).

Pure polars and the core's functions: no widgets (those live in ``coprod_widgets.session``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.privacy import DEFAULT_MIN_CELL
from coprod_analytics.results import Result
from coprod_analytics.session.activities import ActivityRecord
from coprod_analytics.session.panels_answers import (
    _EXPECTED,
    ANSWER_KEYS,
    ANSWER_SCHEMAS,
    _Live,
    answer_computations,
)
from coprod_analytics.session.panels_mapping import (
    MAPPING_KEYS,
    MAPPING_SCHEMAS,
    mapping_computations,
)
from coprod_analytics.session.panels_priorities import (
    PRIORITY_KEYS,
    PRIORITY_SCHEMAS,
    priority_computations,
)

__all__ = [
    "LIVE_N_RESAMPLES",
    "MIN_ANSWERS",
    "SECTION_SCHEMAS",
    "LivePanel",
    "live_panel",
    "screen_view",
]

log = logging.getLogger("coprod_analytics.session.panels")

#: Answers an item needs before its statistics are shown.
MIN_ANSWERS = 3

#: Bootstrap resamples of the live intervals (evidence means; an estimate's median takes
#: its exact bootstrap interval).
LIVE_N_RESAMPLES = 1000

#: Per section: the id column, the round column and the category column of its long form.
_KEYS: dict[str, tuple[str, str | None, str | None]] = {
    **ANSWER_KEYS,
    **PRIORITY_KEYS,
    **MAPPING_KEYS,
}
_LONG_SCHEMA = {
    "section": pl.String,
    "item_id": pl.String,
    "round": pl.Int64,
    "category": pl.String,
    "statistic": pl.String,
    "value": pl.Float64,
}


@dataclass(frozen=True, repr=False)
class LivePanel(Result):
    """The live result of one activity: the numbers its panel shows.

    Attributes
    ----------
    activity_id : str
        The activity.
    kind : str
        Its kind (``questions``, ``evidence``, ``ratings``, ``panel``, ``population``,
        ``statements``).
    title : str
        Its title (untrusted text).
    is_open : bool
        Taking answers now.
    round : int
        The Delphi round (``questions``) or panel wave (``panel``) now open.
    answered : int
        Participants who have answered any of its items (votes for ``statements``).
    sections : dict of str to polars.DataFrame
        The numbers, per section (see the module documentation for the columns).
    message : str or None
        Plain words when there is little or nothing to show yet (None: all is shown).
    notes : tuple of str
        Further plain remarks (e.g. a computation that had to be left out).
    parameters : dict
        ``n_resamples``, ``seed``, ``min_answers`` (and ``l2`` of a pairwise fit).
    provenance : Provenance or None
        What produced it.
    results : dict
        The core's result objects behind the sections, for the families' figures:
        ``"budget"`` (a :class:`~coprod_analytics.preferences.budgeting.RuleComparison`),
        ``"pairwise"`` (a :class:`~coprod_analytics.preferences.pairwise.BradleyTerryResult`),
        ``"ranking"`` (method -> :class:`~coprod_analytics.preferences.rankings.RankingResult`).

    Examples
    --------
    >>> p = LivePanel("ratings", "ratings", "Ratings", True, 1, 0, {}, "No answers yet.")
    >>> p
    <LivePanel: Ratings (ratings, open): No answers yet.>
    >>> p.to_frame().columns
    ['section', 'item_id', 'round', 'category', 'statistic', 'value']
    """

    activity_id: str
    kind: str
    title: str
    is_open: bool
    round: int
    answered: int
    sections: dict[str, pl.DataFrame]
    message: str | None = None
    notes: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)
    provenance: Any = None
    results: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> pl.DataFrame:
        """One section's table (an empty table when the panel has no such section).

        Parameters
        ----------
        name : str
            A section name (``"estimates"``, ``"evidence"``, ...).

        Returns
        -------
        polars.DataFrame
            The section.

        Examples
        --------
        >>> LivePanel("r", "ratings", "R", True, 1, 0, {}).section("ratings").height
        0
        """
        return self.sections.get(name, pl.DataFrame())

    def to_frame(self) -> pl.DataFrame:
        """Every number the panel shows, one per row (the numbers of every section).

        Returns
        -------
        polars.DataFrame
            ``section``, ``item_id`` (as text), ``round`` (Delphi round of an estimate, else
            null), ``category`` (option or population category, else null), ``statistic``
            (a column of the section) and ``value``; text columns (titles, status words)
            are left out, booleans are 1.0 / 0.0.

        Examples
        --------
        >>> sec = {"ratings": pl.DataFrame({"item_id": [1], "n": [4], "median": [3.5]})}
        >>> LivePanel("r", "ratings", "R", True, 1, 4, sec).to_frame().rows()
        [('ratings', '1', None, None, 'n', 4.0), ('ratings', '1', None, None, 'median', 3.5)]
        """
        parts = [_long(name, t) for name, t in self.sections.items() if t.height]
        parts = [p for p in parts if p.height]
        return pl.concat(parts) if parts else pl.DataFrame(schema=_LONG_SCHEMA)

    def summary(self) -> str:
        """The panel in one line.

        Returns
        -------
        str
            Title, kind, open or closed and the message (or how many answered).
        """
        state = "open" if self.is_open else "closed"
        rest = self.message or f"{self.answered} answered"
        return f"{self.title} ({self.kind}, {state}): {rest}"


def _long(name: str, table: pl.DataFrame) -> pl.DataFrame:
    key, rnd, cat = _KEYS.get(name, (table.columns[0], None, None))
    ids = [c for c in (key, rnd, cat) if c is not None]
    stats = [
        c
        for c in table.columns
        if c not in ids and (table.schema[c].is_numeric() or table.schema[c] == pl.Boolean)
    ]
    if not stats:
        return pl.DataFrame(schema=_LONG_SCHEMA)
    wide = table.select(
        pl.col(key).cast(pl.String).alias("item_id"),
        (pl.col(rnd).cast(pl.Int64) if rnd else pl.lit(None, dtype=pl.Int64)).alias("round"),
        (pl.col(cat).cast(pl.String) if cat else pl.lit(None, dtype=pl.String)).alias("category"),
        *(pl.col(c).cast(pl.Float64) for c in stats),
    )
    return (
        wide.with_row_index("_row")
        .unpivot(
            index=["_row", "item_id", "round", "category"],
            variable_name="statistic",
            value_name="value",
        )
        .with_columns(_order=pl.col("statistic").replace_strict(stats, range(len(stats))))
        .sort("_row", "_order")
        .select(pl.lit(name).alias("section"), "item_id", "round", "category", "statistic", "value")
    )


# ---------------------------------------------------------------------------------- helpers
#: The columns of every section (see the module documentation).
SECTION_SCHEMAS: dict[str, dict[str, Any]] = {
    **ANSWER_SCHEMAS,
    **PRIORITY_SCHEMAS,
    **MAPPING_SCHEMAS,
}


def _people(*tables: pl.DataFrame | None) -> int:
    ids: set[Any] = set()
    for t in tables:
        if t is not None and t.height and "participant_id" in t.columns:
            ids.update(t.get_column("participant_id").to_list())
    return len(ids)


def _too_few(
    n_answers: int, ready: bool, min_answers: int, what: str, whole: bool = False
) -> str | None:
    if n_answers == 0:
        return f"No {what} yet."
    if not ready:
        one = what[:-1] if n_answers == 1 else what
        if whole:  # a ballot or a comparison, not an answer per item
            return f"{n_answers} {one} so far: results appear once there are {min_answers}."
        return (
            f"{n_answers} {one} so far: results appear once {min_answers} people have answered "
            "an item."
        )
    return None


#: kind -> the computation of its sections, and the answer tables saying who answered
_KINDS: dict[str, tuple[Any, tuple[tuple[str, str], ...]]] = {
    **answer_computations(),
    **priority_computations(),
    **mapping_computations(),
}
#: kinds whose computation counts who answered itself (``_Live.answered``)
_PRIORITY = frozenset(priority_computations()) | frozenset(mapping_computations())


# ---------------------------------------------------------------------------------- public
def live_panel(
    activity: ActivityRecord,
    tables: Mapping[str, pl.DataFrame],
    *,
    inquiry: Any = None,
    joined: int = 0,
    n_resamples: int = LIVE_N_RESAMPLES,
    seed: int = 0,
    min_answers: int = MIN_ANSWERS,
    pending: int = 0,
    min_cell: int = DEFAULT_MIN_CELL,
) -> LivePanel:
    """The live result of one activity, from the session's answer tables.

    Parameters
    ----------
    activity : ActivityRecord
        The activity (its kind, items, open state and round).
    tables : mapping of str to polars.DataFrame
        The answer tables by their file-input names (``estimates``, ``probabilities``,
        ``choices``, ``predictions``, ``evidence``, ``ratings``, ``panel``, and
        ``participants`` with the population attributes), as
        :func:`~coprod_analytics.session.activities.answer_tables` builds them; only the
        rows of the activity's items are used.
    inquiry : Inquiry, optional
        The session as an inquiry (its votes and statements: the ``statements`` activity).
    joined : int, default 0
        Participants who joined (those who did not answer a population question yet).
    n_resamples : int, default 1000
        Bootstrap resamples of the intervals (0: none). An estimate's median takes its
        exact bootstrap interval (``crowd_estimate(..., ci_method="exact")``) instead.
    seed : int, default 0
        Seed of the bootstraps.
    min_answers : int, default 3
        Answers an item needs before its statistics are shown (ballots of a budget or
        ranking, comparisons of a pairwise activity).
    pending : int, default 0
        The activity's ideas, open answers or place texts waiting for moderation.
    min_cell : int, default 5
        The smallest number of people a map cell, hotspot, area or need the room may see on
        the projector holds (a ``mapping`` or ``appraisal`` panel computes the screen's
        tables with it; see :func:`screen_view`).

    Returns
    -------
    LivePanel
        The numbers per section (columns in :data:`SECTION_SCHEMAS`) and, while there is
        too little to show, a plain message; a computation that fails on early data gives a
        message, not an exception.

    Examples
    --------
    >>> act = ActivityRecord("ratings", "ratings", "Ratings", [
    ...     {"item_id": 1, "text": "Buses", "scale_min": 1.0, "scale_max": 5.0}], is_open=True)
    >>> r = pl.DataFrame({"participant_id": [1, 2, 3], "item_id": [1, 1, 1],
    ...                   "rating": [4.0, 5.0, 4.0], "scale_min": [1.0] * 3, "scale_max": [5.0] * 3})
    >>> live_panel(act, {}).message
    'No answers yet.'
    >>> live_panel(act, {"ratings": r.head(2)}).message
    '2 answers so far: results appear once 3 people have answered an item.'
    >>> live_panel(act, {"ratings": r}).section("ratings").select("n", "median").row(0)
    (3, 4.0)
    """
    func = "live_panel"
    for name, value, least in (("min_answers", min_answers, 1), ("n_resamples", n_resamples, 0)):
        check_param(
            isinstance(value, int) and not isinstance(value, bool) and value >= least,
            name,
            func,
            f"an int >= {least}",
            value,
        )
    kind = activity.kind
    live = _Live(activity, tables, inquiry, joined, n_resamples, seed, min_answers, pending)
    if kind in ("mapping", "appraisal"):
        live.parameters["screen_min_cell"] = min_cell
    what = {
        "statements": "votes",
        "budget": "ballots",
        "ranking": "ballots",
        "mapping": "places",
        "appraisal": "appraisals",
    }.get(kind, "answers")
    what = "comparisons" if kind == "pairwise" else what
    answered = 0
    try:
        if kind not in _KINDS:
            raise ValidationError(f"no live view for activities of kind {kind!r}")
        compute, answer_tables = _KINDS[kind]
        compute(live)
        if kind == "statements":
            answered = 0 if inquiry is None else int(inquiry.votes["participant_id"].n_unique())
        elif kind == "population":
            answered = max(live.sections["population_answers"]["answered"].to_list() or [0])
        elif kind in _PRIORITY:
            answered = live.answered
        else:
            answered = _people(*(live.rows_of(name, col) for name, col in answer_tables))
        whole = kind in _PRIORITY and kind != "appraisal"
        message = _too_few(live.n_rows, live.ready, min_answers, what, whole)
        if kind == "open_question" and live.n_rows and not live.ready:
            message = "No answer approved yet."
    except _EXPECTED as exc:
        log.warning(
            "the live panel of %r could not be computed", activity.activity_id, exc_info=True
        )
        message = f"The live result cannot be computed from the answers so far ({exc})."
    return LivePanel(
        activity_id=activity.activity_id,
        kind=kind,
        title=activity.title,
        is_open=activity.is_open,
        round=activity.round,
        answered=answered,
        sections=live.sections,
        message=message,
        notes=tuple(live.notes),
        parameters={"n_resamples": n_resamples, "seed": seed, "min_answers": min_answers}
        | live.parameters,
        results=live.results,
    )


#: Per priority kind, the sections the screen shows while the activity is open (counts).
_OPEN_ON_SCREEN = {
    "budget": ("budget_counts",),
    "pairwise": ("pairwise_counts",),
    "ranking": ("ranking_counts",),
    "open_question": ("open_question",),
}


def screen_view(panel: LivePanel, *, min_cell: int = DEFAULT_MIN_CELL) -> LivePanel:
    """What the room may see of a panel on the projector (the rule per kind is in the
    module documentation).

    The projector is a published output: who is in the room (``population``) is shown with
    every category of fewer than ``min_cell`` people withheld, and a second one beside it
    where the attribute's total would give it away
    (:func:`~coprod_analytics.privacy.suppress_small_cells` with the attribute's margin).

    While a question activity is open, the answers to its open questions stay off the
    screen (the estimates of the Delphi round now open, every probability and choice
    question); rounds already over stay on screen (the Delphi feedback). While a budget,
    pairwise, ranking or open-question activity is open, only its counts are shown (ballots,
    comparisons, answers), never its outcome or answers. Every other kind is shown as it is.

    Parameters
    ----------
    panel : LivePanel
        The facilitator's panel.
    min_cell : int, default 5
        The smallest number of people a category shown on the screen may hold (0 or 1:
        nothing withheld).

    Returns
    -------
    LivePanel
        The panel for the screen (the same object when nothing is held back).

    Examples
    --------
    >>> e = pl.DataFrame({"question_id": ["1", "1"], "round": [1, 2], "n": [5, 2],
    ...                   "median": [40.0, None]})
    >>> p = LivePanel("questions", "questions", "Q", True, 2, 5, {"estimates": e})
    >>> screen_view(p).section("estimates")["round"].to_list()
    [1]
    >>> screen_view(replace(p, is_open=False)).section("estimates")["round"].to_list()
    [1, 2]
    >>> r = pl.DataFrame({"item_id": ["a"], "schulze_rank": [1]})
    >>> b = LivePanel("r", "ranking", "R", True, 1, 5, {"ranking": r})
    >>> list(screen_view(b).sections), list(screen_view(replace(b, is_open=False)).sections)
    ([], ['ranking'])
    >>> who = pl.DataFrame({"attribute": ["age"] * 3, "category": ["16-24", "25-64", "65+"],
    ...                     "n": [2, 30, 9], "sample_share": [0.05, 0.73, 0.22]})
    >>> room = LivePanel("about", "population", "About you", True, 1, 41, {"population": who})
    >>> screen_view(room).section("population")["n"].to_list()  # 2 withheld, and 9 beside it
    [None, 30, None]
    """
    if panel.kind == "population":
        return _population_on_screen(panel, min_cell)
    if panel.kind in ("mapping", "appraisal"):
        return _map_on_screen(panel, min_cell)
    if not panel.is_open:
        return panel
    if panel.kind in _OPEN_ON_SCREEN:
        counts = _OPEN_ON_SCREEN[panel.kind]
        shown = {k: t for k, t in panel.sections.items() if k in counts}
        if len(shown) == len(panel.sections) and not panel.results:
            return panel
        note = (
            "The result stays off the screen until this activity closes: everyone answers "
            "on their own first."
        )
        return replace(panel, sections=shown, results={}, notes=(*panel.notes, note))
    if panel.kind != "questions":
        return panel
    sections = dict(panel.sections)
    held = False
    est = sections.get("estimates")
    if est is not None and est.height:
        keep = est.filter(pl.col("round") < panel.round)
        held = keep.height < est.height
        sections["estimates"] = keep
    for name in ("probabilities", "choices"):
        t = sections.pop(name, None)
        held = held or (t is not None and t.height > 0)
    if not held:
        return panel
    note = (
        "Answers to the questions still open stay off the screen until they close: a crowd "
        "is wise when everyone answers on their own."
    )
    return replace(panel, sections=sections, notes=(*panel.notes, note))


#: Per section of a mapping panel, the count of people a row of the screen must reach.
_MAP_COUNTS = {
    "map_cells": "n_people",
    "hotspots": "n_people",
    "coverage": "n_people",
    "needs": "supporters",
    "areas": "n_people",
    "appraisal_needs": "n",
    "appraisal_change": "need_n_pairs",
}


def _map_on_screen(panel: LivePanel, min_cell: int) -> LivePanel:
    """The room's version of a mapping or appraisal panel (computed by the core beside the
    facilitator's, see :mod:`~coprod_analytics.session.panels_mapping`): grid cells only, at
    least ``min_cell`` people per row, approved texts only; while open, no support ranking
    (a priority vote) and no appraisal scores (everyone appraises on their own first)."""
    screen = dict(panel.results.get("screen") or {})
    computed = int(panel.parameters.get("screen_min_cell", DEFAULT_MIN_CELL))
    notes = list(panel.notes)
    if min_cell > computed:  # stricter than computed: drop the rows below it
        for name, col in _MAP_COUNTS.items():
            t = screen.get(name)
            if t is not None and col in t.columns:
                screen[name] = t.filter(pl.col(col).is_null() | (pl.col(col) >= min_cell))
    results: dict[str, Any] = {
        k: panel.results[k] for k in ("layers", "system") if k in panel.results
    }
    if panel.kind == "mapping":
        grid = panel.results.get("grid_screen")
        if grid is not None:
            if min_cell > computed:
                grid = replace(grid, frame=grid.frame.filter(pl.col("n_people") >= min_cell))
            results["grid"] = grid
            notes.append(grid.note)
        if "hotspots" in screen:
            results["hotspots"] = screen["hotspots"]
        if panel.is_open:
            screen.pop("needs", None)
            notes.append(
                "Support for the needs stays off the screen until mapping closes: everyone "
                "supports needs on their own first."
            )
        elif panel.results.get("needs_note"):
            notes.append(str(panel.results["needs_note"]))
    elif panel.is_open:
        screen = {k: t for k, t in screen.items() if k == "appraisal_counts"}
        notes.append(
            "The scores stay off the screen until this round closes: everyone appraises on "
            "their own first."
        )
    elif "change" in panel.results:
        results["change"] = panel.results["change"]
    return replace(panel, sections=screen, results=results, notes=tuple(notes))


def _population_on_screen(panel: LivePanel, min_cell: int) -> LivePanel:
    table = panel.sections.get("population")
    if table is None or table.height == 0 or min_cell <= 1:
        return panel
    from coprod_analytics.privacy import suppress_small_cells

    sup = suppress_small_cells(table, count_column="n", min_cell=min_cell, margins=[("attribute",)])
    if sup.n_suppressed == 0:
        return panel
    sections = {**panel.sections, "population": sup.frame}
    return replace(panel, sections=sections, notes=(*panel.notes, sup.note))
