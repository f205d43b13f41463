"""The live numbers of the answer kinds of :mod:`coprod_analytics.session.activities`:
questions, evidence, ratings, panel, population and statements.

The computations behind :func:`~coprod_analytics.session.panels.live_panel` for these kinds
(the sections and the core function behind each are listed in
:mod:`coprod_analytics.session.panels`), as :mod:`~coprod_analytics.session.panels_priorities`
and :mod:`~coprod_analytics.session.panels_mapping` hold those of the priority and mapping
kinds: a computation reads one panel's inputs (``_Live``: the activity, the answer tables,
the bootstrap settings) and writes its sections, notes and whether enough people answered.

Pure polars and the core's functions: no widgets.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from coprod_analytics.errors import CoprodError
from coprod_analytics.session.activities import PREFER_NOT_TO_SAY, ActivityRecord, wave_name

__all__ = ["ANSWER_KEYS", "ANSWER_SCHEMAS", "answer_computations"]

log = logging.getLogger("coprod_analytics.session.panels")

#: Errors of the core that mean "cannot be computed on these answers yet".
_EXPECTED = (CoprodError, ValueError, ArithmeticError, TypeError, KeyError)

#: Per section of this module: the id column, the round column and the category column of its
#: long form.
ANSWER_KEYS: dict[str, tuple[str, str | None, str | None]] = {
    "estimates": ("question_id", "round", None),
    "probabilities": ("question_id", None, None),
    "choices": ("question_id", None, "option"),
    "evidence": ("evidence_id", None, None),
    "ratings": ("item_id", None, None),
    "panel": ("item_id", None, None),
    "population": ("attribute", None, "category"),
    "population_answers": ("attribute", None, None),
    "statements": ("statement_id", None, None),
}

_S, _I, _F, _B = pl.String, pl.Int64, pl.Float64, pl.Boolean
#: The columns of every section of this module.
ANSWER_SCHEMAS: dict[str, dict[str, Any]] = {
    "estimates": {"question_id": _S, "text": _S, "unit": _S, "round": _I, "n": _I}
    | dict.fromkeys(("median", "ci_low", "ci_high", "q1", "q3"), _F),
    "probabilities": {"question_id": _S, "text": _S, "n": _I}
    | dict.fromkeys(("mean", "median", "pooled"), _F),
    "choices": {"question_id": _S, "text": _S, "option": _S, "votes": _I}
    | dict.fromkeys(("actual_share", "predicted_share", "surprise"), _F)
    | {"surprisingly_popular": _B, "most_common": _B},
    "evidence": {"rank": _I, "evidence_id": _S, "title": _S, "source": _S, "n": _I}
    | dict.fromkeys(
        (
            "credibility",
            "credibility_low",
            "credibility_high",
            "relevance",
            "relevance_low",
            "relevance_high",
            "score",
        ),
        _F,
    ),
    "ratings": {"item_id": _S, "text": _S, "n": _I}
    | dict.fromkeys(("median", "mean", "tastle_wierman", "van_der_eijk", "leik"), _F),
    "panel": {"item_id": _S, "text": _S, "n_pre": _I, "mean_pre": _F, "n_post": _I}
    | {"mean_post": _F, "pairs": _I, "shift": _F, "ci_low": _F, "ci_high": _F},
    "population": {"attribute": _S, "category": _S, "n": _I}
    | dict.fromkeys(("sample_share", "ci_low", "ci_high", "population_share", "ratio"), _F)
    | {"status": _S},
    "population_answers": {"attribute": _S}
    | dict.fromkeys(("answered", "prefer_not_to_say", "not_answered"), _I),
    "statements": {"statement_id": _I, "text": _S}
    | dict.fromkeys(("votes", "agree", "disagree", "pass"), _I)
    | {"agree_share": _F},
}


def _frame(section: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = ANSWER_SCHEMAS[section]
    return pl.DataFrame([{c: r.get(c) for c in schema} for r in rows], schema=schema, orient="row")


@dataclass
class _Live:
    """One panel's inputs, and what its computation found (sections, notes, answers)."""

    act: ActivityRecord
    tables: Mapping[str, pl.DataFrame]
    inquiry: Any
    joined: int
    n_resamples: int
    seed: int
    min_answers: int
    pending: int = 0
    sections: dict[str, pl.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    n_rows: int = 0
    ready: bool = False
    results: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    answered: int = 0

    def ids(self, qtype: str | None = None) -> list[Any]:
        """Item ids of the activity (of one question type)."""
        return [
            it["item_id"]
            for it in self.act.items
            if qtype is None or it.get("type", "estimate") == qtype
        ]

    def rows_of(
        self, name: str, column: str, ids: Sequence[Any] | None = None
    ) -> pl.DataFrame | None:
        """The answer table's rows of the activity's items (ids compared as text)."""
        table = self.tables.get(name)
        if table is None or column not in table.columns:
            return None
        keys = [str(i) for i in (self.ids() if ids is None else ids)]
        return table.filter(pl.col(column).cast(pl.String).is_in(keys))

    @property
    def texts(self) -> dict[str, str]:
        return {str(it["item_id"]): str(it.get("text") or it["item_id"]) for it in self.act.items}


def _counts(table: pl.DataFrame | None, key: str) -> dict[str, int]:
    if table is None or table.height == 0:
        return {}
    return {str(k): int(n) for k, n in table.group_by(key).len().iter_rows()}


@functools.lru_cache(maxsize=512)
def _median_interval(
    values: tuple[float, ...], n_resamples: int, seed: int
) -> tuple[float, float | None, float | None]:
    from coprod_analytics.crowd import crowd_estimate

    # the median's exact bootstrap interval: no Monte Carlo noise between refreshes, and at
    # 2,000 answers 7 ms where 1,000 resamples took 43 (``seed`` and ``n_resamples`` > 0
    # only ask for an interval)
    est = crowd_estimate(
        list(values),
        method="median",
        n_resamples=n_resamples,
        ci_method="exact",
        seed=seed,
        progress=False,
    )
    return est.value, est.ci_low, est.ci_high


def _estimates(live: _Live) -> None:
    from coprod_analytics.crowd import delphi_rounds

    ids = live.ids("estimate")
    if not ids:
        return
    e = live.rows_of("estimates", "question_id", ids)
    quart: dict[tuple[str, int], tuple[float, float]] = {}
    if e is not None and e.height:
        live.n_rows += e.height
        big = e.join(
            e.group_by("question_id", "round").len().filter(pl.col("len") >= live.min_answers),
            on=["question_id", "round"],
        ).drop("len")
        if big.height:
            d = delphi_rounds(big).table.select("question_id", "round", "q1", "q3")
            quart = {(str(q), int(r)): (q1, q3) for q, r, q1, q3 in d.iter_rows()}
    seen = [] if e is None else e.get_column("round").drop_nulls().to_list()
    units = {str(it["item_id"]): it.get("unit") for it in live.act.items}
    rows = []
    for qid in map(str, ids):
        for rnd in range(1, max([live.act.round, *(int(r) for r in seen)]) + 1):
            vals: list[float] = []
            if e is not None and e.height:
                mine = (pl.col("question_id").cast(pl.String) == qid) & (pl.col("round") == rnd)
                vals = e.filter(mine).get_column("value").to_list()
            row = {"question_id": qid, "text": live.texts[qid], "round": rnd, "n": len(vals)}
            row["unit"] = None if units.get(qid) is None else str(units[qid])
            if len(vals) >= live.min_answers:
                live.ready = True
                med, lo, hi = _median_interval(tuple(vals), live.n_resamples, live.seed)
                q1, q3 = quart.get((qid, rnd), (None, None))
                row |= {"median": med, "ci_low": lo, "ci_high": hi, "q1": q1, "q3": q3}
            rows.append(row)
    live.sections["estimates"] = _frame("estimates", rows)


def _probabilities(live: _Live) -> None:
    from coprod_analytics.crowd import pool_forecasts

    ids = live.ids("probability")
    if not ids:
        return
    p = live.rows_of("probabilities", "question_id", ids)
    n_of = _counts(p, "question_id")
    pools: dict[str, dict[str, Any]] = {}
    if p is not None and p.height:
        live.n_rows += p.height
        big = live.rows_of(
            "probabilities", "question_id", [q for q in n_of if n_of[q] >= live.min_answers]
        )
        if big is not None and big.height:
            live.ready = True
            pools = {str(r["question_id"]): r for r in pool_forecasts(big).iter_rows(named=True)}
    rows = [
        {"question_id": q, "text": live.texts[q], "n": n_of.get(q, 0), **pools.get(q, {})}
        for q in map(str, ids)
    ]
    live.sections["probabilities"] = _frame("probabilities", rows)


def _choices(live: _Live) -> None:
    from coprod_analytics.crowd import surprisingly_popular

    items = [it for it in live.act.items if it.get("type") == "choice"]
    if not items:
        return
    c = live.rows_of("choices", "question_id", live.ids("choice"))
    pr = live.rows_of("predictions", "question_id", live.ids("choice"))
    n_of = _counts(c, "question_id")
    live.n_rows += 0 if c is None else c.height
    rows = []
    for it in items:
        qid = str(it["item_id"])
        options = [str(o) for o in it.get("options") or []]
        by_option: dict[str, dict[str, Any]] = {}
        if c is not None and n_of.get(qid, 0) >= live.min_answers:
            live.ready = True
            qc = c.filter(pl.col("question_id").cast(pl.String) == qid).drop("question_id")
            qp = pl.DataFrame(
                schema={"participant_id": qc.schema["participant_id"], "option": _S, "share": _F}
            )
            if pr is not None:
                qp = pr.filter(pl.col("question_id").cast(pl.String) == qid).select(qp.columns)
            predicted = qp.height > 0
            if not predicted:
                live.notes.append(f"question {qid}: nobody predicted the others' answers yet")
            sp = surprisingly_popular(qc, qp)
            for r in sp.table.iter_rows(named=True):
                by_option[str(r["option"])] = r | (
                    {} if predicted else {"predicted_share": None, "surprise": None}
                )
            options += [o for o in by_option if o not in options]
            for o in options:  # an option nobody chose has a share of 0
                by_option.setdefault(o, {"votes": 0, "actual_share": 0.0})
                by_option[o]["most_common"] = o == str(sp.majority_answer)
                by_option[o]["surprisingly_popular"] = o == str(sp.answer) if predicted else None
        elif c is not None:
            got = _counts(c.filter(pl.col("question_id").cast(pl.String) == qid), "answer")
            by_option = {o: {"votes": k} for o, k in got.items()}
            options += [o for o in by_option if o not in options]
        for o in options:
            r = {"votes": 0} | by_option.get(o, {})
            rows.append({**r, "question_id": qid, "text": live.texts[qid], "option": o})
    live.sections["choices"] = _frame("choices", rows)


def _questions(live: _Live) -> None:
    _estimates(live)
    _probabilities(live)
    _choices(live)


def _evidence(live: _Live) -> None:
    from coprod_analytics.evidence import weigh_evidence

    ev = live.rows_of("evidence", "evidence_id")
    n_of = _counts(ev, "evidence_id")
    live.n_rows = 0 if ev is None else ev.height
    board: dict[str, dict[str, Any]] = {}
    big = live.rows_of("evidence", "evidence_id", [i for i in n_of if n_of[i] >= live.min_answers])
    if big is not None and big.height:
        live.ready = True
        lo = min(float(it.get("scale_min", 1.0)) for it in live.act.items)
        hi = max(float(it.get("scale_max", 5.0)) for it in live.act.items)
        res = weigh_evidence(
            big, scale=(lo, hi), n_resamples=live.n_resamples, seed=live.seed, progress=False
        )
        board = {str(r["evidence_id"]): r for r in res.table.iter_rows(named=True)}
    sources = {str(it["item_id"]): it.get("source") for it in live.act.items}
    rows = [
        {
            **board.get(i, {}),
            "evidence_id": i,
            "title": live.texts[i],
            "source": None if sources.get(i) is None else str(sources[i]),
            "n": n_of.get(i, 0),
        }
        for i in map(str, live.ids())
    ]
    table = _frame("evidence", rows).sort("rank", nulls_last=True, maintain_order=True)
    live.sections["evidence"] = table


def _ratings(live: _Live) -> None:
    from coprod_analytics.crowd import agreement_by_item

    r = live.rows_of("ratings", "item_id")
    n_of = _counts(r, "item_id")
    live.n_rows = 0 if r is None else r.height
    stats: dict[str, dict[str, Any]] = {}
    big = live.rows_of("ratings", "item_id", [i for i in n_of if n_of[i] >= live.min_answers])
    if big is not None and big.height:
        live.ready = True
        stats = {str(x["item_id"]): x for x in agreement_by_item(big).iter_rows(named=True)}
    rows = [
        {**stats.get(i, {}), "item_id": i, "text": live.texts[i], "n": n_of.get(i, 0)}
        for i in map(str, live.ids())
    ]
    live.sections["ratings"] = _frame("ratings", rows)


def _panel(live: _Live) -> None:
    from coprod_analytics.deliberation import paired_shift

    pre, post = wave_name(1), wave_name(2)
    p = live.rows_of("panel", "item_id")
    live.n_rows = 0 if p is None else p.height
    means: dict[tuple[str, str], tuple[int, float | None]] = {}
    shifts: dict[str, dict[str, Any]] = {}
    if p is not None and p.height:
        waves = p.group_by("item_id", "wave").agg(pl.len().alias("n"), pl.col("value").mean())
        for item, wave, n, mean in waves.iter_rows():
            means[(str(item), str(wave))] = (int(n), mean if n >= live.min_answers else None)
        live.ready = any(m is not None for _, m in means.values())
        both = p.filter(pl.col("wave").is_in([pre, post])).group_by("item_id", "participant_id")
        pairs = both.len().filter(pl.col("len") == 2).group_by("item_id").len()
        enough = pairs.filter(pl.col("len") >= live.min_answers).get_column("item_id")
        if enough.len():
            sub = p.filter(pl.col("item_id").is_in(enough.implode()))
            table = paired_shift(sub, pre=pre, post=post).table
            shifts = {str(r["item_id"]): r for r in table.iter_rows(named=True)}
        if live.act.round < 2:
            live.notes.append(
                "Wave 2 (after) has not started: the shift appears once people answer again."
            )
    rows = []
    for i in map(str, live.ids()):
        (n_pre, m_pre), (n_post, m_post) = (
            means.get((i, pre), (0, None)),
            means.get((i, post), (0, None)),
        )
        s = shifts.get(i, {})
        rows.append(
            {
                "item_id": i,
                "text": live.texts[i],
                "n_pre": n_pre,
                "mean_pre": m_pre,
                "n_post": n_post,
                "mean_post": m_post,
                "pairs": s.get("n"),
                "shift": s.get("estimate"),
                "ci_low": s.get("ci_low"),
                "ci_high": s.get("ci_high"),
            }
        )
    live.sections["panel"] = _frame("panel", rows)


def _population(live: _Live) -> None:
    from coprod_analytics.deliberation import compare_to_population

    people = live.tables.get("participants")
    rows: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    for it in live.act.items:
        attr = str(it["item_id"])
        shares = {str(k): float(v) for k, v in (it.get("shares") or {}).items()}
        given = pl.DataFrame(schema={"participant_id": _I, attr: _S})
        if people is not None and attr in people.columns:
            given = people.select("participant_id", pl.col(attr).cast(_S)).drop_nulls(attr)
        live.n_rows += given.height
        known = given.filter(pl.col(attr).is_in(list(shares)))
        answers.append(
            {
                "attribute": attr,
                "answered": given.height,
                "prefer_not_to_say": given.filter(pl.col(attr) == PREFER_NOT_TO_SAY).height,
                "not_answered": max(live.joined - given.height, 0),
            }
        )
        counts = _counts(known, attr)
        ok = known.height >= live.min_answers and sum(shares.values()) > 0
        by_cat: dict[str, dict[str, Any]] = {}
        if ok:
            live.ready = True
            population = pl.DataFrame(
                {"attribute": attr, "category": list(shares), "share": list(shares.values())}
            )
            try:
                table = compare_to_population(
                    known, population, attribute=attr, min_cell=0, seed=live.seed
                ).table
                by_cat = {str(r["category"]): r for r in table.iter_rows(named=True)}
            except _EXPECTED as exc:  # the plain shares are still worth showing
                log.info("compare_to_population on the live %r failed: %s", attr, exc)
                live.notes.append(f"{attr}: shares only ({exc})")
        total = sum(shares.values())
        for cat, share in shares.items():
            n = counts.get(cat, 0)
            plain = {
                "sample_share": n / known.height if ok else None,
                "population_share": share / total if total > 0 else None,
                "status": "missing" if n == 0 else None,
            }
            rows.append(plain | by_cat.get(cat, {}) | {"attribute": attr, "category": cat, "n": n})
    live.sections["population"] = _frame("population", rows)
    live.sections["population_answers"] = _frame("population_answers", answers)


def _statements(live: _Live) -> None:
    if live.inquiry is None:
        live.sections["statements"] = _frame("statements", [])
        return
    share = pl.col("agree") / pl.col("total")
    t = (
        live.inquiry.statement_tallies()
        .filter((pl.col("moderation") == 1) & ~pl.col("is_meta"))
        .with_columns(
            votes=pl.col("total"),
            agree_share=pl.when(pl.col("total") >= live.min_answers).then(share),
        )
        .sort("statement_id")
    )
    live.sections["statements"] = t.select(
        pl.col(c).cast(d) for c, d in ANSWER_SCHEMAS["statements"].items()
    )
    live.n_rows = int(live.inquiry.votes.height)
    live.ready = bool(t.get_column("agree_share").drop_nulls().len())


def answer_computations() -> dict[str, tuple[Any, tuple[tuple[str, str], ...]]]:
    """The computation of each answer kind's sections, and its answer tables.

    Returns
    -------
    dict
        kind -> (computation of a panel's sections, ``((table, id column), ...)`` saying who
        answered).

    Examples
    --------
    >>> sorted(answer_computations())
    ['evidence', 'panel', 'population', 'questions', 'ratings', 'statements']
    """
    return {
        "questions": (
            _questions,
            (
                ("estimates", "question_id"),
                ("probabilities", "question_id"),
                ("choices", "question_id"),
            ),
        ),
        "evidence": (_evidence, (("evidence", "evidence_id"),)),
        "ratings": (_ratings, (("ratings", "item_id"),)),
        "panel": (_panel, (("panel", "item_id"),)),
        "population": (_population, ()),
        "statements": (_statements, ()),
    }
