"""Table column headers in the reader's language: the ``"columns"`` gettext domain.

The report's and the dashboard's tables are polars frames whose column names are the
headers (``agree_rate``, ``people``, ``ci_low``). :func:`column_header` gives a header in the
current language; :func:`coprod_widgets.html.table_html` calls it for every column, so any
table shows translated headers. The message ids are the column names as the frames name
them (English stays exactly as before: the published-output audit reads the English build);
the translations are plain words. A column not listed here keeps its name (a rule's name, a
number, a group letter, a column already translated by the code that built the frame).
"""

from __future__ import annotations

from coprod_widgets.i18n import N_, current_language, gettext_for

__all__ = ["COLUMNS", "column_header"]

_ = gettext_for("columns")

#: The column names that are translated (message ids of the ``"columns"`` domain).
COLUMNS = frozenset(
    (
        N_("95% high"),
        N_("95% interval"),
        N_("95% interval of the median"),
        N_("95% low"),
        N_("Borda points"),
        N_("Copeland score"),
        N_("Equal Shares"),
        N_("Equal Shares + add1"),
        N_("Gini of funded projects per voter"),
        N_("Greedy by votes"),
        N_("Reading"),
        N_("Schulze rank"),
        N_("Topic"),
        N_("Wilcoxon p vs previous"),
        N_("achieved"),
        N_("achievement score (mean)"),
        N_("achievement_change"),
        N_("achievement_ci_high"),
        N_("achievement_ci_low"),
        N_("achievement_p_adjusted"),
        N_("actual_share"),
        N_("adjusted_residual"),
        N_("age_band"),
        N_("agree"),
        N_("agree_rate"),
        N_("agreement A (van der Eijk)"),
        N_("answered"),
        N_("answered both"),
        N_("answers"),
        N_("answers after"),
        N_("answers approved"),
        N_("answers before"),
        N_("appraisals"),
        N_("area"),
        N_("assets"),
        N_("attribute"),
        N_("below_80"),
        N_("budget left"),
        N_("budget spent"),
        N_("category"),
        N_("cell"),
        N_("centre x"),
        N_("centre y"),
        N_("chance to beat an average item"),
        N_("ci_high"),
        N_("ci_low"),
        N_("cohens_dz"),
        N_("comparisons"),
        N_("consensus"),
        N_("consensus (Tastle–Wierman)"),
        N_("consensus on credibility"),
        N_("cost"),
        N_("credibility"),
        N_("credibility (95%)"),
        N_("credibility_high"),
        N_("credibility_low"),
        N_("description"),
        N_("disagree_rate"),
        N_("dispersion"),
        N_("dispersion (Leik)"),
        N_("dz_ci_high"),
        N_("dz_ci_low"),
        N_("error vs truth"),
        N_("estimate"),
        N_("evidence"),
        N_("expected"),
        N_("first choices"),
        N_("forecast"),
        N_("forecasts"),
        N_("funded projects per voter (mean)"),
        N_("funded_by"),
        N_("group"),
        N_("group gap in credibility"),
        N_("hotspot"),
        N_("in the room"),
        N_("iqr"),
        N_("item"),
        N_("item_a"),
        N_("item_b"),
        N_("item_id"),
        N_("kind"),
        N_("label"),
        N_("log_strength"),
        N_("mean"),
        N_("mean after"),
        N_("mean before"),
        N_("mean_post"),
        N_("mean_pre"),
        N_("median"),
        N_("median distance (m)"),
        N_("method"),
        N_("middle half of the answers"),
        N_("n"),
        N_("n_dropped"),
        N_("n_funded"),
        N_("n_pairs"),
        N_("n_pre"),
        N_("n_retained"),
        N_("name"),
        N_("need"),
        N_("need score (mean)"),
        N_("need_change"),
        N_("need_ci_high"),
        N_("need_ci_low"),
        N_("need_first"),
        N_("need_p_adjusted"),
        N_("need_second"),
        N_("needs"),
        N_("no_asset"),
        N_("not answered yet"),
        N_("note"),
        N_("on ballots"),
        N_("option"),
        N_("p_a_wins"),
        N_("p_adjusted"),
        N_("p_beats_average"),
        N_("p_value"),
        N_("people"),
        N_("place_id"),
        N_("places"),
        N_("planted_group"),
        N_("pooled (log-odds)"),
        N_("population_share"),
        N_("position"),
        N_("predicted share"),
        N_("predicted_share"),
        N_("prefer not to say"),
        N_("project"),
        N_("project_id"),
        N_("projects funded"),
        N_("question"),
        N_("rank"),
        N_("raters"),
        N_("ratio"),
        N_("relevance"),
        N_("relevance (95%)"),
        N_("relevance_high"),
        N_("relevance_low"),
        N_("residual"),
        N_("retention"),
        N_("round"),
        N_("rule"),
        N_("sample_share"),
        N_("score"),
        N_("share"),
        N_("share in the room"),
        N_("share of clustered"),
        N_("share of the population"),
        N_("share_covered"),
        N_("share_of_group"),
        N_("shift (95% interval)"),
        N_("silhouette"),
        N_("size"),
        N_("source"),
        N_("stability"),
        N_("stable"),
        N_("statement"),
        N_("statement_id"),
        N_("statistic"),
        N_("status"),
        N_("strength (95% interval)"),
        N_("supported"),
        N_("surprise"),
        N_("target"),
        N_("text"),
        N_("text status"),
        N_("text_id"),
        N_("title"),
        N_("topic"),
        N_("unit"),
        N_("unweighted"),
        N_("value"),
        N_("voters"),
        N_("voters with ≥1 funded project"),
        N_("votes"),
        N_("waiting for moderation"),
        N_("wave"),
        N_("weight"),
        N_("weight (credibility x relevance)"),
        N_("what"),
    )
)


def column_header(name: str) -> str:
    """A table column's header in the current language.

    Parameters
    ----------
    name : str
        The column's name in the frame.

    Returns
    -------
    str
        Its translation, or ``name`` unchanged (English, or a column not in :data:`COLUMNS`).

    Examples
    --------
    >>> from coprod_widgets.i18n import use_language
    >>> column_header("agree_rate")
    'agree_rate'
    >>> with use_language("fr"):
    ...     column_header("people"), column_header("Borda")
    ('personnes', 'Borda')
    """
    if name not in COLUMNS or current_language() == "en":
        return name
    return _(name)
