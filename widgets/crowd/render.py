"""HTML fragments of the crowd, agreement and evidence views (shared by widgets and report).

Pure formatting of the states' results into HTML strings; every value from the data goes
through :func:`~coprod_widgets.style.esc` (via :func:`~coprod_widgets.html.table_html`),
and each chart's text alternative is an :func:`~coprod_widgets.html.alt_table`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from coprod_widgets.crowd.figures import METHOD_LABELS
from coprod_widgets.html import alt_table, pct, table_html
from coprod_widgets.style import esc

if TYPE_CHECKING:  # pragma: no cover
    from coprod_widgets.crowd.state import AgreementState, CrowdState, EvidenceState

__all__ = [
    "agreement_alt",
    "agreement_html",
    "delphi_alt",
    "delphi_html",
    "estimates_alt",
    "estimates_html",
    "evidence_alt",
    "evidence_groups_alt",
    "evidence_html",
    "pooling_alt",
    "pooling_html",
    "popular_alt",
    "popular_html",
]


def _num(value: Any) -> str:
    if value is None:
        return "–"
    return f"{float(value):.4g}"


def _wrap(*parts: str) -> str:
    return '<div class="coprod">' + "".join(parts) + "</div>"


# ------------------------------------------------------------------------------- estimates
def _estimator_frame(est: pl.DataFrame) -> pl.DataFrame:
    cols = [
        pl.col("method").replace_strict(METHOD_LABELS, default=pl.col("method")).alias("method"),
        pl.col("value").alias("estimate"),
        pl.col("ci_low").alias("95% low"),
        pl.col("ci_high").alias("95% high"),
    ]
    if "abs_error" in est.columns:
        cols.append(pl.col("abs_error").alias("error vs truth"))
    return est.select(cols)


def estimates_html(state: CrowdState) -> str:
    """The question, its crowd estimators with intervals and the Diversity Prediction terms."""
    res = state.estimate_result
    if not res:
        return _wrap("<p class='muted'>No numeric estimates in this inquiry.</p>")
    q = res["question"]
    unit = state.unit(q)
    head = f"<h3>{esc(state.question_text(q))}</h3>"
    facts = [f"{res['n']} answers" if not res["suppressed"] else ""]
    if res["round"] is not None:
        facts.append(f"round {res['round']} of {len(state.rounds())}")
    if unit:
        facts.append(f"unit: {esc(unit)}")
    if res["truth"] is not None:
        facts.append(f"true value: <strong>{res['truth']:g}</strong>")
    head += f"<p class='muted'>{' · '.join(f for f in facts if f)}</p>"
    if res["suppressed"]:
        return _wrap(
            head,
            f"<p>Fewer than {state.min_cell} people answered this question in this round, "
            "so its answers are not shown.</p>",
        )
    est = res["estimators"]
    parts = [
        head,
        table_html(
            _estimator_frame(est),
            caption="Crowd estimates (bootstrap 95% intervals)",
            aria_label="Crowd estimates with intervals",
            formatters={"estimate": _num, "95% low": _num, "95% high": _num},
        ),
    ]
    if res["truth"] is not None and "abs_error" in est.columns:
        best = est.sort("abs_error").row(0, named=True)
        parts.append(
            f"<p>Closest to the truth: the <strong>{esc(METHOD_LABELS.get(best['method']))}"
            f"</strong> ({best['value']:.4g}, off by {best['abs_error']:.3g}).</p>"
        )
    d = res["diversity"]
    if d is not None:
        parts.append(
            "<p><strong>Diversity Prediction Theorem</strong> (mean, squared error): crowd "
            f"error {d.crowd_error:.4g} = average individual error {d.average_error:.4g} − "
            f"diversity {d.diversity:.4g}. The crowd's mean is closer to the truth than the "
            "typical individual because the guesses differ.</p>"
        )
    return _wrap(*parts)


def estimates_alt(state: CrowdState) -> str:
    """Text alternative of the guesses and estimators charts."""
    res = state.estimate_result
    if not res or res["suppressed"]:
        return ""
    vals = state.values().get_column("value")
    q = vals.quantile(0.25), vals.median(), vals.quantile(0.75)
    frame = pl.DataFrame(
        {
            "statistic": [
                "answers",
                "smallest",
                "lower quartile",
                "median",
                "upper quartile",
                "largest",
            ],
            "value": [float(vals.len()), vals.min(), *q, vals.max()],
        },
        schema={"statistic": pl.String, "value": pl.Float64},
    )
    return alt_table(
        frame,
        summary="Text alternative: the spread of the guesses",
        label="Spread of the guesses",
        formatters={"value": _num},
    )


def delphi_html(state: CrowdState) -> str:
    """Delphi rounds: median, IQR, CV, consensus (the rule) and stability per round."""
    res = state.estimate_result
    d = None if not res else res["delphi"]
    if d is None:
        return ""
    t = d.table.select(
        "round",
        "n",
        "median",
        "q1",
        "q3",
        "iqr",
        "cv",
        pl.col("consensus").replace_strict({True: "yes", False: "no"}, return_dtype=pl.String),
        pl.col("p_value").alias("Wilcoxon p vs previous"),
        pl.col("stable").replace_strict(
            {True: "yes", False: "no"}, default=None, return_dtype=pl.String
        ),
    )
    last = d.table.tail(1).row(0, named=True) if d.table.height else None
    words = ""
    if last is not None:
        words = (
            f"<p>In the last round shown (round {last['round']}) the room "
            + (
                "<strong>reached</strong>"
                if last["consensus"]
                else "<strong>did not reach</strong>"
            )
            + f" consensus by the rule {esc(d.rule)}"
            + (
                "; answers had <strong>stopped moving</strong> (no significant change from the "
                "previous round)."
                if last["stable"]
                else "; answers <strong>still moved</strong> from the previous round "
                "(paired Wilcoxon test, p ≤ 0.05)."
                if last["stable"] is False
                else "."
            )
            + "</p>"
        )
    return _wrap(
        "<h4>Delphi rounds</h4>",
        words,
        table_html(
            t,
            caption=f"Per round (consensus rule: {d.rule})",
            aria_label="Delphi rounds",
            formatters={c: _num for c in ("median", "q1", "q3", "iqr", "cv")},
        ),
    )


def delphi_alt(state: CrowdState) -> str:
    """Text alternative of the Delphi chart."""
    res = state.estimate_result
    if not res or res["delphi"] is None:
        return ""
    return alt_table(
        res["delphi"].table.select("round", "median", "q1", "q3"),
        summary="Text alternative: median and quartiles per round",
        label="Median and quartiles per Delphi round",
    )


def pooling_html(state: CrowdState) -> str:
    """The pooled forecast of the shown probability question."""
    res = state.pooling_result
    if not res:
        return ""
    head = f"<h4>{esc(state.question_text(res['question']))}</h4>"
    if res["suppressed"]:
        return _wrap(
            head,
            f"<p>Fewer than {state.min_cell} people gave a forecast, so it is not shown.</p>",
        )
    return _wrap(
        head,
        f"<p>{res['n']} forecasts. Pooled in log-odds with extremizing factor "
        f"a = {res['extremize']:g}: <strong>{pct(res['pooled'], 1)}</strong>. a = 1 is the "
        "geometric mean of the odds; a &gt; 1 pushes the pool away from 50%, which corrects the "
        "under-confidence of averaged forecasts (Satopää et al. 2014). Forecasts of exactly 0 "
        "or 1 count as 1% and 99%.</p>",
        table_html(
            res["table"],
            aria_label="Pooled forecasts",
            formatters={"value": lambda v: pct(v, 1)},
        ),
    )


def pooling_alt(state: CrowdState) -> str:
    """Text alternative of the forecasts histogram."""
    res = state.pooling_result
    if not res or res["suppressed"]:
        return ""
    x = pl.Series(res["values"])
    bins = pl.DataFrame(
        {
            "forecast": ["0–20%", "20–40%", "40–60%", "60–80%", "80–100%"],
            "forecasts": [
                int(((x >= lo) & ((x < lo + 0.2) if lo < 0.8 else (x <= 1))).sum())
                for lo in (0.0, 0.2, 0.4, 0.6, 0.8)
            ],
        }
    )
    return alt_table(
        bins,
        summary="Text alternative: how many forecasts fall in each fifth",
        label="Forecasts per fifth of the probability scale",
    )


def popular_html(state: CrowdState) -> str:
    """The surprisingly-popular answer and the table behind it."""
    res = state.popular_result
    if not res:
        return ""
    sp = res["result"]
    fmt = {c: pct for c in ("actual_share", "predicted_share")}
    fmt["surprise"] = lambda v: "–" if v is None else f"{100 * v:+.1f} points"
    same = sp.answer == sp.majority_answer
    return _wrap(
        f"<h4>{esc(state.question_text(res['question']))}</h4>",
        f"<p>The <strong>surprisingly popular</strong> answer is <strong>{esc(sp.answer)}"
        f"</strong>: it was given more often than people predicted ({sp.n} respondents; "
        "Prelec, Seung &amp; McCoy 2017). "
        + (
            "It is also the most common answer."
            if same
            else f"The most common answer was {esc(sp.majority_answer)}."
        )
        + (" Two or more answers tie." if sp.tied else "")
        + "</p>",
        table_html(
            res["table"],
            aria_label="Answers: actual and predicted shares",
            formatters=fmt,
        ),
        f"<p class='muted'>{esc(res['note'])}</p>" if res["note"] else "",
    )


def popular_alt(state: CrowdState) -> str:
    """Text alternative of the surprisingly-popular chart."""
    res = state.popular_result
    if not res:
        return ""
    return alt_table(
        res["table"].select("option", "actual_share", "predicted_share"),
        summary="Text alternative: actual and predicted share of each answer",
        label="Actual and predicted share of each answer",
        formatters={"actual_share": pct, "predicted_share": pct},
    )


# ------------------------------------------------------------------------------- agreement
def agreement_html(state: AgreementState) -> str:
    """Krippendorff's alpha per item set with its reading, Kendall's W, and the per-item
    consensus table."""
    res = state.result
    if not res:
        return ""
    parts = []
    for row in res["sets"].iter_rows(named=True):
        if row["alpha"] is None:
            parts.append(f"<p>{esc(row['item_set'])}: {esc(row['reading'])}</p>")
            continue
        ci = ""
        if row["ci_low"] is not None:
            ci = f" (95% interval {row['ci_low']:.2f} to {row['ci_high']:.2f})"
        parts.append(
            f"<p><strong>{esc(row['item_set'])}</strong>, {row['items']} items, "
            f"{row['raters']} raters: Krippendorff's alpha ({esc(state.level)}) = "
            f"<strong>{row['alpha']:.2f}</strong>{ci}: <strong>{esc(row['reading'])}</strong>."
            + (
                f" Chance that alpha is below 0.667: {pct(row['prob_below_0.667'])}."
                if row["prob_below_0.667"] is not None
                else ""
            )
            + "</p>"
        )
        if row["kendall_w"] is not None:
            parts.append(
                f"<p>Kendall's W (do raters order the items alike?) = "
                f"{row['kendall_w']:.2f} over {row['kendall_raters']} raters who rated every "
                f"item: {esc(row['kendall_reading'])} (Friedman p = {row['kendall_p']:.2g}).</p>"
            )
        else:
            parts.append(
                f"<p class='muted'>Kendall's W not applicable: {esc(row['kendall_note'])}</p>"
            )
    parts.append(
        "<p class='muted'>Readings: alpha ≥ 0.80 raters agree well; 0.667 to 0.80 moderately "
        "(tentative conclusions only); below 0.667 poorly (Krippendorff 2004). The interval "
        "resamples the items. For opinion questions low agreement means the room differs, not "
        "that the ratings are wrong. Kendall's W words follow Schmidt (1997).</p>"
    )
    items = res["items"].select(
        "item_id",
        "text",
        pl.col("n").alias("raters"),
        "median",
        pl.col("tastle_wierman").alias("consensus (Tastle–Wierman)"),
        pl.col("van_der_eijk").alias("agreement A (van der Eijk)"),
        pl.col("leik").alias("dispersion (Leik)"),
    )
    parts.append(
        table_html(
            items,
            caption="Per item: consensus 1 = everyone gave the same answer, 0 = split between "
            "the two ends; A from −1 (split) through 0 (uniform) to 1; dispersion the opposite",
            aria_label="Agreement per rating item",
            formatters={
                c: lambda v: "–" if v is None else f"{v:.2f}"
                for c in (
                    "consensus (Tastle–Wierman)",
                    "agreement A (van der Eijk)",
                    "dispersion (Leik)",
                )
            },
        )
    )
    if res["note"]:
        parts.append(f"<p class='muted'>{esc(res['note'])}</p>")
    return _wrap(*parts)


def agreement_alt(state: AgreementState) -> str:
    """Text alternative of the per-item chart."""
    res = state.result
    if not res:
        return ""
    return alt_table(
        res["items"].select(
            "item_id",
            "text",
            pl.col("tastle_wierman").round(3).alias("consensus"),
            pl.col("leik").round(3).alias("dispersion"),
        ),
        summary="Text alternative: consensus and dispersion per item",
        label="Consensus and dispersion per item",
    )


# ------------------------------------------------------------------------------- evidence
def _ci(v: Any, lo: Any, hi: Any) -> str:
    if v is None:
        return "–"
    if lo is None or hi is None:
        return f"{v:.2f}"
    return f"{v:.2f} ({lo:.2f}–{hi:.2f})"


def evidence_html(state: EvidenceState, *, max_rows: int = 50) -> str:
    """The ranked evidence table with intervals, consensus and group divergence."""
    res = state.result
    if res is None:
        return _wrap("<p class='muted'>No evidence item has enough ratings to show.</p>")
    board = state.board_table()
    rel = res.reliability
    lo, hi = res.scale
    cols: dict[str, list[Any]] = {
        "rank": [],
        "evidence": [],
        "source": [],
        "raters": [],
        "credibility (95%)": [],
        "relevance (95%)": [],
        "weight": [],
        "consensus on credibility": [],
    }
    has_groups = "credibility_group_gap" in board.columns
    if has_groups:
        cols["group gap in credibility"] = []
    for r in board.head(max_rows).iter_rows(named=True):
        cols["rank"].append(r["rank"])
        cols["evidence"].append(r["title"])
        cols["source"].append(r["source"] or "")
        cols["raters"].append(r["n"])
        cols["credibility (95%)"].append(
            _ci(r["credibility"], r["credibility_low"], r["credibility_high"])
        )
        cols["relevance (95%)"].append(_ci(r["relevance"], r["relevance_low"], r["relevance_high"]))
        cols["weight"].append(f"{r['score']:.2f}")
        cols["consensus on credibility"].append(f"{r['credibility_consensus']:.2f}")
        if has_groups:
            if r.get("divergence_suppressed"):
                gap = f"not shown (a group of fewer than {state.min_cell})"
            elif r["credibility_group_gap"] is None:
                gap = "–"
            else:
                p = r["credibility_group_p"]
                gap = f"{r['credibility_group_gap']:.2f}" + (
                    f" (p = {p:.2g}{', groups differ' if p < 0.05 else ''})"
                    if p is not None
                    else ""
                )
            cols["group gap in credibility"].append(gap)
    frame = pl.DataFrame(cols, schema_overrides={"rank": pl.Int64, "raters": pl.Int64})
    parts = [
        f"<p>Ratings on the scale {lo:g}–{hi:g}. <strong>Weight</strong> = credibility × "
        "relevance, each rescaled to 0–1; the board is ranked by it unless sorted otherwise. "
        "Consensus 1 = every rater gave the same rating, 0 = split between the two ends.</p>",
        table_html(frame, caption="Evidence, ranked", aria_label="Evidence ranked"),
    ]
    for crit, est in rel.items():
        if est.value == est.value:  # not NaN
            ci = (
                f" (95% interval {est.ci_low:.2f}–{est.ci_high:.2f})"
                if est.ci_low is not None and est.ci_high is not None
                else ""
            )
            parts.append(
                f"<p>Reliability of the {crit} ratings across raters and items: "
                f"Krippendorff's alpha {est.value:.2f}{ci}.</p>"
            )
    if has_groups:
        parts.append(
            f"<p class='muted'>{esc(state.source_sentence)} Group gap: largest minus smallest "
            "group mean; p from a Kruskal–Wallis test across groups.</p>"
        )
    else:
        parts.append(
            "<p class='muted'>No opinion groups are known for this inquiry, so how groups "
            "read each item differently is not shown.</p>"
        )
    if state.n_items_dropped:
        parts.append(
            f"<p class='muted'>{state.n_items_dropped} item(s) rated by fewer than "
            f"{state.min_cell} people are not shown.</p>"
        )
    return _wrap(*parts)


def evidence_alt(state: EvidenceState) -> str:
    """Text alternative of the evidence chart."""
    board = state.board_table()
    if board.height == 0:
        return ""
    return alt_table(
        board.select(
            "title",
            pl.col("credibility").round(2),
            pl.col("credibility_low").round(2),
            pl.col("credibility_high").round(2),
            pl.col("relevance").round(2),
            pl.col("relevance_low").round(2),
            pl.col("relevance_high").round(2),
        ),
        summary="Text alternative: credibility and relevance of each item with intervals",
        label="Credibility and relevance of each evidence item",
    )


def evidence_groups_alt(state: EvidenceState) -> str:
    """Text alternative of the per-group chart (suppressed cells say so)."""
    g = state.group_breakdown()
    if g is None:
        return ""
    titles = dict(state.titles().select("evidence_id", "title").iter_rows())
    frame = g.select(
        pl.col("evidence_id")
        .replace_strict(titles, default=None, return_dtype=pl.String)
        .alias("evidence"),
        pl.col("label").alias("group"),
        pl.col("n").alias("raters"),
        pl.col("credibility").round(2),
        pl.col("relevance").round(2),
    )
    return alt_table(
        frame,
        summary="Text alternative: each group's mean ratings (empty: fewer raters than the "
        "small-cell threshold)",
        label="Mean ratings per group and evidence item",
    )
