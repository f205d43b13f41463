"""The facilitator's agenda: :class:`AgendaView`, one row per activity with its controls.

Each row shows the activity's kind, title, whether it is open, its Delphi round or panel
wave and how many people answered, with the buttons Open, Close, "Start round N" (questions
with estimates: the next Delphi round; the panel poll: wave 2, after) and "Show on screen".
The statements row opens and closes statement votes: the log's ``statements`` activity, or
the session itself when the log has none.

Buttons write through :class:`~coprod_analytics.session.SessionStore` (``open_activity``,
``close_activity``, ``next_round``, ``reopen_session``, ``close_session``). A visitor of a
Voila page can set any widget value and send a click to any button, disabled or not, so
:meth:`AgendaView.act` checks every request against the log as it stands (a known activity,
an action that applies to it) and refuses the rest without writing.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Collection
from typing import Any

import ipywidgets as widgets
import polars as pl

from coprod_analytics.errors import CoprodError
from coprod_analytics.session import BaseSessionStore, open_store
from coprod_analytics.session.activities import ActivityRecord, wave_name
from coprod_analytics.session.live import agenda_table
from coprod_widgets.core_text import activity_title
from coprod_widgets.i18n import N_, gettext_for
from coprod_widgets.session.figures import round_label

_ = gettext_for("dashboard")

__all__ = ["ACTIONS", "AgendaView", "has_rounds", "kind_label"]

log = logging.getLogger("coprod_widgets.session.agenda")

#: What the agenda's buttons do.
ACTIONS = ("open", "close", "next-round", "show")

_KIND_LABELS = {
    "statements": N_("Statements"),
    "questions": N_("Questions"),
    "evidence": N_("Evidence"),
    "ratings": N_("Ratings"),
    "panel": N_("Poll (before/after)"),
    "population": N_("About you"),
    "budget": N_("Budget ballot"),
    "pairwise": N_("Which is better?"),
    "ranking": N_("Ranking"),
    "open_question": N_("Open question"),
    "mapping": N_("Community map"),
    "appraisal": N_("Appraisal"),
}


def kind_label(kind: str) -> str:
    """An activity's kind in words, in the current language (as the agenda's rows show it).

    Parameters
    ----------
    kind : str
        The kind in the session's log (``"statements"``, ``"questions"``, ...).

    Returns
    -------
    str
        Its label; an unknown kind as it is.

    Examples
    --------
    >>> from coprod_widgets.i18n import use_language
    >>> kind_label("ratings"), kind_label("custom")
    ('Ratings', 'custom')
    >>> with use_language("cy"):
    ...     kind_label("statements")
    'Datganiadau'
    """
    return _(_KIND_LABELS[kind]) if kind in _KIND_LABELS else kind


def has_rounds(activity: ActivityRecord) -> bool:
    """Whether "Start round N" applies: questions with estimates (Delphi rounds), an
    appraisal of the mapped needs (its rounds), or a panel poll still in wave 1 (wave 2 is
    the "after" poll).

    Parameters
    ----------
    activity : ActivityRecord
        The activity.

    Returns
    -------
    bool

    Examples
    --------
    >>> q = ActivityRecord("questions", "questions", "Q", [{"item_id": 1, "type": "estimate"}])
    >>> has_rounds(q), has_rounds(ActivityRecord("panel", "panel", "P", [], round=2))
    (True, False)
    """
    if activity.kind == "panel":
        return activity.round < 2
    if activity.kind == "appraisal":
        return True
    if activity.kind == "questions":
        return any(it.get("type", "estimate") == "estimate" for it in activity.items)
    return False


def _label(value: str, width: str) -> widgets.Label:
    return widgets.Label(value=value, layout=widgets.Layout(width=width))


class _Row(widgets.HBox):
    """One agenda row (labels are ``Label`` widgets: titles are shown as text, not markup)."""

    def __init__(self, activity_id: str, kind: str, act: Callable[[str, str], bool]) -> None:
        self.activity_id = activity_id
        self.activity_kind = kind
        self.kind = _label(kind_label(kind), "150px")
        self.title = _label("", "260px")
        self.status = widgets.HTML(layout=widgets.Layout(width="150px"))
        self.round = _label("", "110px")
        self.answered = _label("", "110px")
        self.open_button = widgets.Button(description=_("Open"), button_style="success")
        self.close_button = widgets.Button(description=_("Close"), button_style="warning")
        self.next_button = widgets.Button(description=_("Start round {n}").format(n=2))
        self.show_button = widgets.Button(description=_("Show on screen"), icon="desktop")
        for b, action in (
            (self.open_button, "open"),
            (self.close_button, "close"),
            (self.next_button, "next-round"),
            (self.show_button, "show"),
        ):
            b.layout = widgets.Layout(width="auto")
            b.on_click(lambda _b, action=action: act(action, activity_id))
        super().__init__(
            [
                self.kind,
                self.title,
                self.status,
                self.round,
                self.answered,
                self.open_button,
                self.close_button,
                self.next_button,
                self.show_button,
            ]
        )
        self.add_class("coprod-agenda-row")

    def draw(self, row: dict[str, Any], *, rounds: bool, session_open: bool) -> None:
        self.title.value = activity_title(row["title"])
        state = _("open") if row["open"] else _("closed")
        if row["open"] and not session_open:
            state = _("paused (session closed)")
        css = "open" if row["open"] and session_open else "closed"
        self.status.value = f"<span class='coprod-agenda-status-{css}'>{html.escape(state)}</span>"
        self.round.value = round_label(str(row["kind"]), int(row["round"]))
        who = _("{n} voted") if row["kind"] == "statements" else _("{n} answered")
        self.answered.value = who.format(n=row["answered"])
        self.open_button.disabled = bool(row["open"]) and session_open
        self.close_button.disabled = not row["open"]
        self.next_button.layout.display = None if rounds else "none"
        nxt = int(row["round"]) + 1
        self.next_button.description = (
            _("Start wave 2 (after)")
            if row["kind"] == "panel"
            else _("Start round {n}").format(n=nxt)
        )


class AgendaView(widgets.VBox):
    """The agenda of a live session, with the facilitator's controls.

    Parameters
    ----------
    db_path : path
        The session database (written through ``SessionStore``).
    on_written : callable, optional
        Called after a button wrote to the log (the dashboard refreshes).
    on_show : callable, optional
        ``on_show(activity_id)``: "Show on screen" was pressed for a known activity.
    **kwargs
        Passed to ``ipywidgets.VBox``.

    Attributes
    ----------
    rows : dict of str to HBox
        One row per activity id, in agenda order.
    message : ipywidgets.HTML
        What the last button did, or why it was refused.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from coprod_analytics.session import SessionStore
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
    >>> with SessionStore(db) as s:
    ...     _ = s.define_activities([{"activity_id": "ratings", "kind": "ratings",
    ...                               "items": [{"item_id": 1, "text": "Buses"}]}])
    ...     agenda = agenda_table(s.state())
    >>> view = AgendaView(db)
    >>> view.draw(agenda)
    >>> list(view.rows), view.rows["ratings"].open_button.disabled
    (['ratings'], False)
    >>> view.act("open", "ratings"), view.act("open", "nope")
    (True, False)
    >>> "no activity &#x27;nope&#x27; on the agenda" in view.message.value
    True
    """

    def __init__(
        self,
        db_path: Any,
        *,
        on_written: Callable[[], Any] | None = None,
        on_show: Callable[[str], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.db_path = db_path
        self.on_written = on_written
        self.on_show = on_show
        self.rows: dict[str, _Row] = {}
        self.rows_box = widgets.VBox()
        self.message = widgets.HTML("<p class='coprod-agenda-message'></p>")
        head = widgets.HBox(
            [
                _label(_("Activity"), "150px"),
                _label(_("Title"), "260px"),
                _label(_("Status"), "150px"),
                _label(_("Round"), "110px"),
                _label(_("Answers"), "110px"),
            ]
        )
        head.add_class("coprod-agenda-head")
        super().__init__(
            [
                widgets.HTML(f"<h3>{html.escape(_('Agenda'))}</h3>"),
                head,
                self.rows_box,
                self.message,
            ],
            **kwargs,
        )
        self.add_class("coprod-agenda")

    def draw(
        self,
        agenda: pl.DataFrame,
        *,
        with_rounds: Collection[str] = (),
        session_open: bool = True,
    ) -> None:
        """Show the agenda (rows are rebuilt only when the activities change).

        Parameters
        ----------
        agenda : polars.DataFrame
            :func:`~coprod_analytics.session.live.agenda_table`.
        with_rounds : collection of str
            Ids of the activities "Start round N" applies to (:func:`has_rounds`).
        session_open : bool, default True
            Whether the session takes answers at all.
        """
        shape = list(zip(agenda["activity_id"].to_list(), agenda["kind"].to_list(), strict=True))
        if shape != [(aid, r.activity_kind) for aid, r in self.rows.items()]:
            self.rows = {aid: _Row(aid, kind, self.act) for aid, kind in shape}
            self.rows_box.children = list(self.rows.values())
        for row in agenda.iter_rows(named=True):
            aid = row["activity_id"]
            self.rows[aid].draw(row, rounds=aid in with_rounds, session_open=session_open)
        if not self.rows:
            self.rows_box.children = [widgets.Label(_("No activities yet."))]

    def _say(self, text: str) -> None:
        self.message.value = f"<p class='coprod-agenda-message'>{html.escape(text)}</p>"

    def _refuse(self, text: str) -> bool:
        log.info("agenda request refused: %s", text)
        self._say(_("Not done: {reason}").format(reason=text))
        return False

    def act(self, action: Any, activity_id: Any) -> bool:
        """Carry out one agenda button, after checking it against the log.

        Parameters
        ----------
        action : str
            One of :data:`ACTIONS`.
        activity_id : str
            An activity on the agenda (``"statements"`` for the statements row).

        Returns
        -------
        bool
            True when done; False when refused (nothing written; :attr:`message` says why).
        """
        if not isinstance(action, str) or action not in ACTIONS:
            return self._refuse(_("unknown action {action}.").format(action=repr(action)))
        if not isinstance(activity_id, str) or not activity_id:
            return self._refuse(
                _("no activity {activity} on the agenda.").format(activity=repr(activity_id))
            )
        try:
            with open_store(self.db_path) as store:
                st = store.state()
                known = set(agenda_table(st).get_column("activity_id").to_list())
                if activity_id not in known:
                    return self._refuse(
                        _("no activity {activity} on the agenda.").format(
                            activity=repr(activity_id)
                        )
                    )
                act = st.activities.get(activity_id)
                title = activity_title(act.title) if act is not None else _("Statements")
                if action == "show":
                    if self.on_show is not None:
                        self.on_show(activity_id)
                    self._say(_("On screen: {title}.").format(title=title))
                    return True
                if activity_id == "statements" or (act is not None and act.kind == "statements"):
                    done = self._statements(store, st, act, action)
                else:
                    assert act is not None
                    done = self._activity(store, act, action)
        except CoprodError as exc:
            return self._refuse(str(exc))
        ok, text = done
        if not ok:
            return self._refuse(text)
        self._say(_("{title}: {done}.").format(title=title, done=text))
        if self.on_written is not None:
            self.on_written()
        return True

    @staticmethod
    def _statements(
        store: BaseSessionStore, st: Any, act: ActivityRecord | None, action: str
    ) -> tuple[bool, str]:
        """Open or close statement votes: (done, what was done or why not)."""
        if action == "next-round":
            return False, _("statements have no rounds.")
        if action == "open":
            if st.statements_open:
                return False, _("statement votes are already open.")
            if not st.is_open:
                store.reopen_session()
            if act is not None and not act.is_open:
                store.open_activity(act.activity_id)
            return True, _("votes open")
        if not st.statements_open:
            return False, _("statement votes are already closed.")
        if act is not None and act.is_open:
            store.close_activity(act.activity_id)
        else:
            store.close_session()
        return True, _("votes closed")

    @staticmethod
    def _activity(store: BaseSessionStore, act: ActivityRecord, action: str) -> tuple[bool, str]:
        """Open, close or start the next round: (done, what was done or why not)."""
        if action == "open":
            if act.is_open:
                return False, _("{title} is already open.").format(
                    title=repr(activity_title(act.title))
                )
            store.open_activity(act.activity_id)
            return True, _("opened")
        if action == "close":
            if not act.is_open:
                return False, _("{title} is already closed.").format(
                    title=repr(activity_title(act.title))
                )
            store.close_activity(act.activity_id)
            return True, _("closed")
        if not has_rounds(act):
            if act.kind == "panel":
                return False, _("the poll has had its second wave already.")
            return False, _("{title} has no rounds.").format(title=repr(activity_title(act.title)))
        rnd = store.next_round(act.activity_id)
        if act.kind == "panel":
            return True, _("wave {n} ({wave}) started").format(n=rnd, wave=wave_name(rnd))
        return True, _("round {n} started").format(n=rnd)
