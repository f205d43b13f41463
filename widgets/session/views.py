"""The facilitator's live dashboard (ipywidgets): :class:`LiveDashboard`.

Assembled from the parts of this folder and the consensus widgets:

- the introduction (:class:`~coprod_widgets.session.intro.DashboardIntro`): the page's one
  ``<h1>``, what the page does, the page's language;
- the session's counts, "enough data yet?", the session controls (open / closed,
  participants' statements) and the moderation queue;
- the agenda (:class:`~coprod_widgets.session.agenda.AgendaView`): open and close each
  activity, start the next Delphi round or the panel's second wave, choose what the room sees;
- one live panel per activity (:class:`~coprod_widgets.session.panels.ActivityPanel`); the
  statements panel holds the consensus dashboard (:class:`ConsensusDashboard` over a
  :class:`ConsensusState`);
- present mode (:class:`~coprod_widgets.session.present.PresentView`): the activity chosen
  with "Show on screen", full page and in large type, for the projector.

A poller (an asyncio task in the kernel) calls :meth:`LiveSession.poll` every half second; only
the panels whose activity changed are recomputed and redrawn. Python's full garbage
collections run between two refreshes
(:class:`~coprod_analytics.session.gc_pacing.IdleCollections`), not inside one. Texts from the session are
shown with ``Label`` widgets or escaped HTML, never as markup, and every value a visitor
could set on a widget is checked before anything is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import html
import logging
import os
from typing import Any

import ipywidgets as widgets

from coprod_analytics.session import open_store
from coprod_analytics.session.gc_pacing import IdleCollections
from coprod_analytics.session.live import LiveSession
from coprod_analytics.session.panels import LivePanel
from coprod_widgets.core_text import activity_title, core_text
from coprod_widgets.i18n import N_, fmt_number, gettext_for, set_language
from coprod_widgets.session.agenda import AgendaView, has_rounds, kind_label
from coprod_widgets.session.intro import DashboardIntro
from coprod_widgets.session.panels import ActivityPanel
from coprod_widgets.session.present import PresentView
from coprod_widgets.session.style import LIVE_CSS
from coprod_widgets.text.state import looks_like

_ = gettext_for("dashboard")

__all__ = ["QUEUE_ROWS", "LiveDashboard"]

#: The moderation queue shows the entries that waited longest, this many; the rest are
#: counted below it and come up as those are approved or rejected.
QUEUE_ROWS = 25

log = logging.getLogger("coprod_widgets.session.views")

_LEVEL_COLOURS = {"not yet": "#b3261e", "groups forming": "#a86400", "enough": "#1b7f3b"}
#: The readiness levels' words, translated when shown.
_LEVEL_WORDS = (N_("not yet"), N_("groups forming"), N_("enough"))
#: The kinds of mapped place, in the queue's labels.
_PLACE_KINDS = {"asset": N_("asset"), "need": N_("need"), "idea": N_("idea")}
#: The participation rows: the CSS class comes from the English word, the label is translated.
_COUNT_ROWS = (
    ("participants", N_("Participants joined")),
    ("participants", N_("Participants who voted")),
    ("votes", N_("Votes")),
    ("agree", N_("Agree / disagree / pass")),
    ("statements", N_("Statements open for votes")),
    ("waiting", N_("Waiting for moderation")),
)


class LiveDashboard(widgets.VBox):
    """Live facilitator dashboard over a session database.

    Parameters
    ----------
    db_path : path
        The session database ``coprod serve`` writes.
    interval : float, default 0.5
        Seconds from the start of one poll of the store to the next (a refresh that takes
        longer is followed by the next at once): an answer shows within ``interval`` plus
        one refresh.
    recompute_interval : float
        Least seconds between opinion-group recomputations.
    lang : str, optional
        The language of the dashboard's buttons, headings and explanations (one of
        :data:`coprod_widgets.i18n.LANGUAGES`); set for the whole kernel
        (:func:`~coprod_widgets.i18n.set_language`), since the dashboard redraws from its
        poller and its buttons. Default: the kernel's language (English unless set). Texts
        from the session are shown as written; the core's sentences the dashboard shows
        ("enough data yet?", default activity titles) go through
        :mod:`coprod_widgets.core_text`.
    **kwargs
        Passed on to ``ipywidgets.VBox``.

    Attributes
    ----------
    agenda : AgendaView
        The agenda and its buttons.
    panels : dict of str to ActivityPanel
        The live panel of each activity, in agenda order (``"statements"`` holds the
        consensus dashboard, :attr:`analysis`).
    intro : DashboardIntro
        The page's heading and what the page does (with the session's title under it, the
        second child of the dashboard).
    present : ipywidgets.ToggleButton
        Present mode on or off.
    on_screen : ipywidgets.Dropdown
        The activity present mode shows (set by the agenda's "Show on screen").
    present_view : PresentView
        What the projector shows in present mode.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from coprod_analytics.session import SessionStore
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
    >>> with SessionStore(db, title="Buses") as s:
    ...     _ = s.add_statements(["Run later."])
    ...     _ = s.submit_statement(s.join(), "More night buses")
    >>> board = LiveDashboard(db)
    >>> board.title.value
    '<h2>Buses</h2>'
    >>> [(w.children[1].value, w.children[0].value) for w in board.queue_box.children]
    [('Statement', 'More night buses')]
    >>> board.moderate(1, accept=True), board.moderate(1, accept=True)
    (True, False)
    >>> board.queue_box.children[0].value
    'Nothing waiting.'
    >>> list(board.panels), board.panels["statements"].result.kind
    (['statements'], 'statements')
    >>> board.present.value = True
    >>> board.children == (board.style, board.present_view)
    True
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        *,
        interval: float = 0.5,
        recompute_interval: float = 3.0,
        lang: str | None = None,
        **kwargs: Any,
    ) -> None:
        if lang is not None:
            set_language(lang)
        self.live = LiveSession(db_path, recompute_interval=recompute_interval)
        self.db_path = db_path
        self.interval = interval
        self.style = widgets.HTML(LIVE_CSS)
        self.intro = DashboardIntro()
        self.title = widgets.HTML(f"<h2>{html.escape(_('Live session'))}</h2>")
        self.participation = widgets.HTML()
        self.participation.add_class("coprod-live-participation")
        self.readiness = widgets.HTML()
        self.readiness.add_class("coprod-live-readiness")
        self.open_toggle = widgets.ToggleButton(description=_("Session open"), value=True)
        self.submissions = widgets.Checkbox(
            description=_("Participants may add statements"),
            indent=False,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto"),
        )
        self.open_toggle.observe(self._on_open, names="value")
        self.submissions.observe(self._on_submissions, names="value")
        self.present = widgets.ToggleButton(
            description=_("Present"), icon="desktop", tooltip=_("Show one activity full screen")
        )
        self.on_screen = widgets.Dropdown(
            description=_("On screen:"),
            options=[],
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto"),
        )
        self.present.observe(self._on_present, names="value")
        self.on_screen.observe(self._on_screen_choice, names="value")
        self.present_view = PresentView(on_exit=self._exit_present)
        self.queue_box = widgets.VBox()
        #: how many more wait than the queue shows (:data:`QUEUE_ROWS`)
        self.queue_more = widgets.HTML()
        self.queue_message = widgets.HTML()
        self.queue_box.add_class("coprod-live-queue")
        self.analysis = widgets.VBox(
            [
                widgets.HTML(
                    f"<p>{html.escape(_('Opinion groups appear once enough people have voted.'))}</p>"
                )
            ]
        )
        self.agenda = AgendaView(db_path, on_written=self.refresh, on_show=self.show_on_screen)
        self.panels: dict[str, ActivityPanel] = {}
        self.panels_box = widgets.VBox()
        self.dashboard: Any = None
        self._syncing = False
        self._queue_shown: tuple[Any, ...] | None = None
        self._present_version: int | None = None
        self._task: asyncio.Task[None] | None = None
        controls = widgets.HBox(
            [self.open_toggle, self.submissions, self.present, self.on_screen],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        queue = widgets.VBox(
            [
                widgets.HTML(f"<h3>{html.escape(_('Moderation queue'))}</h3>"),
                self.queue_box,
                self.queue_more,
                self.queue_message,
            ]
        )
        results = widgets.VBox(
            [widgets.HTML(f"<h3>{html.escape(_('Live results'))}</h3>"), self.panels_box]
        )
        self._normal: tuple[Any, ...] = (
            self.style,
            widgets.VBox([self.intro, self.title]),
            self.participation,
            self.readiness,
            controls,
            self.agenda,
            queue,
            results,
        )
        super().__init__(self._normal, **kwargs)
        if not self.refresh(force_groups=True):
            self._draw()

    # ------------------------------------------------------------------ drawing
    def refresh(self, *, force_groups: bool = False) -> bool:
        """Poll the store and redraw what changed.

        Parameters
        ----------
        force_groups : bool, default False
            Recompute the opinion groups now if votes or statements changed.

        Returns
        -------
        bool
            Whether anything changed.
        """
        groups_before = self.live.result
        if not self.live.poll(force_groups=force_groups):
            return False
        self._draw(groups_changed=self.live.result is not groups_before)
        return True

    def _draw(self, *, groups_changed: bool = True) -> None:
        self._draw_counts()
        self._draw_agenda()
        self._draw_panels()
        if self.live.result is not None and groups_changed:
            self._draw_groups()
        if self.present.value:
            self._draw_present()

    def _draw_counts(self) -> None:
        c = self.live.counts
        inq = self.live.inquiry
        title = (inq.metadata.get("title") if inq is not None else None) or _("Live session")
        self.title.value = f"<h2>{html.escape(str(title))}</h2>"
        values = [
            c.get("joined", 0),
            c.get("voters", 0),
            c.get("votes", 0),
            f"{c.get('agree', 0)} / {c.get('disagree', 0)} / {c.get('pass', 0)}",
            c.get("accepted_statements", 0),
            len(self.live.pending),
        ]
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(_(label))}</th>"
            f"<td class='coprod-live-{css}'>{html.escape(str(v))}</td></tr>"
            for (css, label), v in zip(_COUNT_ROWS, values, strict=True)
        )
        self.participation.value = f"<table>{body}</table>"
        r = self.live.readiness()
        colour = _LEVEL_COLOURS.get(r.level, "#333")
        self.readiness.value = (
            f"<p><strong style='color:{colour}'>{html.escape(_('Enough data yet?'))} "
            f"{html.escape(_(r.level))}</strong> — {html.escape(core_text(r.message))}</p>"
        )
        self._syncing = True
        try:
            self.open_toggle.value = self.live.is_open
            self.open_toggle.description = (
                _("Session open") if self.live.is_open else _("Session closed")
            )
            self.submissions.value = bool(self.live.settings.get("allow_submissions", True))
        finally:
            self._syncing = False
        # the queue (buttons and the near-duplicate search) is redrawn only when what it
        # shows changed, not on every vote; it shows the QUEUE_ROWS that waited longest (a
        # room of 2,000 may send hundreds of ideas: a widget row each took seconds a redraw)
        pending = self.live.pending
        visible = pending[:QUEUE_ROWS]
        shown = (
            tuple((p["statement_id"], p.get("place_id")) for p in visible),
            self._statement_count(),
        )
        if shown != self._queue_shown:
            self._queue_shown = shown
            self._draw_queue(visible)
        more = len(pending) - len(visible)
        text = (
            ""
            if more <= 0
            else "<p class='coprod-live-queue-more'>"
            + html.escape(
                _("Also waiting, shown once those above are moderated: {n}").format(
                    n=fmt_number(more)
                )
            )
            + "</p>"
        )
        if self.queue_more.value != text:
            self.queue_more.value = text

    def _statement_count(self) -> int:
        inq = self.live.inquiry
        return 0 if inq is None else inq.statements.height

    def _draw_queue(self, visible: list[dict[str, Any]]) -> None:
        items: list[widgets.Widget] = []
        for p in visible:
            sid = p["statement_id"]
            if p.get("place_id") is not None:
                items.append(self._place_row(p))
                continue
            # "looks like #12": a near-duplicate of a statement already in the session, so the
            # facilitator can merge rather than collect the same statement twice
            hint = (
                looks_like(str(p["text"]), self.live.inquiry, exclude=sid)
                if p["activity_id"] is None
                else ""
            )
            # where it belongs ("Idea for ...", "Answer to ..."): Label widgets, shown as text
            where = widgets.Label(value=self._queue_label(p), layout=widgets.Layout(width="220px"))
            where.add_class("coprod-live-queue-label")
            label = widgets.Label(
                value=str(p["text"]) + hint, layout=widgets.Layout(flex="1 1 auto")
            )
            ok = widgets.Button(description=_("Approve"), button_style="success")
            no = widgets.Button(description=_("Reject"), button_style="danger")
            ok.on_click(lambda _b, sid=sid: self.moderate(sid, accept=True))
            no.on_click(lambda _b, sid=sid: self.moderate(sid, accept=False))
            items.append(widgets.HBox([label, where, ok, no]))
        if not items:
            items = [widgets.Label(value=_("Nothing waiting."))]
        self.queue_box.children = items

    def _queue_label(self, p: dict[str, Any]) -> str:
        """Where a queue entry belongs, in the dashboard's language (untrusted text inside)."""
        if p.get("place_id") is not None:
            act = self.live.activity(str(p["activity_id"]))
            rec = act.places.get(str(p["place_id"]), {}) if act is not None else {}
            kind = rec.get("kind")
            words = [
                _(_PLACE_KINDS[kind]) if kind in _PLACE_KINDS else kind,
                rec.get("category"),
                rec.get("area"),
            ]
            return _("Place text for {activity}: {where}").format(
                activity=activity_title(act.title) if act is not None else p["activity_id"],
                where=", ".join(str(w) for w in words if w),
            )
        if p.get("activity_id") is None:
            return _("Statement")
        return str(p["label"])

    def _place_row(self, p: dict[str, Any]) -> widgets.HBox:
        """A place's text in the queue: Label widgets (shown as text) and its two buttons."""
        aid, gid = str(p["activity_id"]), str(p["place_id"])
        where = widgets.Label(value=self._queue_label(p), layout=widgets.Layout(width="220px"))
        where.add_class("coprod-live-queue-label")
        label = widgets.Label(value=str(p["text"]), layout=widgets.Layout(flex="1 1 auto"))
        ok = widgets.Button(description=_("Approve"), button_style="success")
        no = widgets.Button(description=_("Reject"), button_style="danger")
        ok.on_click(lambda _b: self.moderate_place(aid, gid, accept=True))
        no.on_click(lambda _b: self.moderate_place(aid, gid, accept=False))
        row = widgets.HBox([label, where, ok, no])
        row.add_class("coprod-live-queue-place")
        return row

    def _draw_agenda(self) -> None:
        agenda = self.live.agenda()
        st = self.live.state
        rounds = {aid for aid, a in st.activities.items() if has_rounds(a)}
        self.agenda.draw(agenda, with_rounds=rounds, session_open=st.is_open)
        options = [
            (_("{title} ({kind})").format(title=activity_title(title), kind=kind_label(kind)), aid)
            for aid, kind, title in agenda.select("activity_id", "kind", "title").iter_rows()
        ]
        if options != list(self.on_screen.options):
            current = self.on_screen.value
            ids = [aid for _, aid in options]
            if current not in ids:
                now = st.current_activity()
                current = now.activity_id if now is not None and now.activity_id in ids else None
                current = current or (ids[0] if ids else None)
            self._syncing = True
            try:
                self.on_screen.options = options
                self.on_screen.value = current
            finally:
                self._syncing = False

    def _draw_panels(self) -> None:
        ids = self.live.agenda().get_column("activity_id").to_list()
        if ids != list(self.panels):
            self.panels = {
                aid: self.panels.get(aid)
                or ActivityPanel(aid, extra=self.analysis if aid == "statements" else None)
                for aid in ids
            }
            self.panels_box.children = list(self.panels.values())
        for aid, panel in self.panels.items():
            version = self.live.versions.get(aid, 0)
            if panel.version == version:
                continue
            try:
                panel.update(self._panel(aid), version=version)
            except Exception as exc:  # keep the dashboard up; say what went wrong
                log.exception("the live panel of %r could not be drawn", aid)
                panel.version = version
                text = _("This panel cannot be shown right now: {error}").format(error=exc)
                panel.body.value = f"<p class='message'>{html.escape(text)}</p>"

    def _panel(self, activity_id: str) -> LivePanel:
        """The live result of an activity, its title in the dashboard's language when it is
        the core's default one ("Agree or disagree")."""
        panel = self.live.panel(activity_id)
        title = activity_title(panel.title)
        return panel if title == panel.title else dataclasses.replace(panel, title=title)

    def _draw_groups(self) -> None:
        from coprod_widgets.consensus.state import ConsensusState
        from coprod_widgets.dashboard import ConsensusDashboard

        res = self.live.result
        # the board shows approved statements only: those waiting are in the queue alone
        board = self.live.board_inquiry()
        if self.dashboard is None:
            state = ConsensusState(board, compute=False, bridging=False)
            state.inquiry = board
            self._set_result(state, res)
            self.dashboard = ConsensusDashboard(state, show_title=False)
            self.analysis.children = [self.dashboard]
        else:
            state = self.dashboard.state
            state.inquiry = board
            self._set_result(state, res)

    def _set_result(self, state: Any, res: Any) -> None:
        with contextlib.suppress(Exception):
            from coprod_analytics.first_look import overview

            state.overview = overview(self.live.board_inquiry())
        state.result = res
        state.status = "ready"

    def _draw_present(self, *, force: bool = False) -> None:
        aid = self.on_screen.value
        if not isinstance(aid, str) or self.live.activity(aid) is None:
            self.present_view.activity_id = None
            self.present_view.screen.value = (
                f"<div class='coprod-big'><h2>{html.escape(_('Nothing chosen to show yet.'))}"
                "</h2></div>"
            )
            return
        version = self.live.versions.get(aid, 0)
        if force or self.present_view.activity_id != aid or self._present_version != version:
            try:
                self.present_view.show(self._panel(aid))
            except Exception:  # the projector shows a plain line, never a traceback
                log.exception("present mode could not show %r", aid)
                self.present_view.screen.value = (
                    "<div class='coprod-big'><h2>"
                    f"{html.escape(_('This result cannot be shown right now.'))}</h2></div>"
                )
            self._present_version = version

    # ------------------------------------------------------------------ actions
    def moderate(self, statement_id: Any, *, accept: Any) -> bool:
        """Approve or reject what waits in the moderation queue: a submitted statement, an
        idea (approved, it joins its pairwise activity's pool) or an open answer (approved,
        it counts and may be shown). A moderation event in the log.

        Anything not waiting in the queue as the log stands now (an unknown id, one already
        moderated, a value a visitor forged) is refused without writing.

        Parameters
        ----------
        statement_id : int
            The statement, idea or answer.
        accept : bool
            True to approve, False to reject.

        Returns
        -------
        bool
            True when written; False when refused (:attr:`queue_message` says why).
        """
        self.refresh()
        waiting = {p["statement_id"]: p for p in self.live.pending if p["statement_id"] is not None}
        ok = (
            isinstance(statement_id, int)
            and not isinstance(statement_id, bool)
            and statement_id in waiting
            and isinstance(accept, bool)
        )
        if not ok:
            log.info("moderation of %r refused: not waiting", statement_id)
            text = _("Not done: nothing waiting for moderation is {value}.").format(
                value=repr(statement_id)
            )
            return self._say_queue(text)
        with open_store(self.db_path) as store:
            store.moderate(statement_id, accept=accept)
        return self._moderated(waiting[statement_id], accept=accept)

    def _say_queue(self, text: str) -> bool:
        """Show why a moderation was refused under the queue; False (nothing written)."""
        self.queue_message.value = f"<p>{html.escape(text)}</p>"
        return False

    def _moderated(self, item: dict[str, Any], *, accept: bool) -> bool:
        """Say what was decided on ``item`` under the queue and redraw; True (written)."""
        done = _("{label}: approved.") if accept else _("{label}: rejected.")
        self.queue_message.value = (
            f"<p>{html.escape(done.format(label=self._queue_label(item)))}</p>"
        )
        self.refresh()
        return True

    def moderate_place(self, activity_id: Any, place_id: Any, *, accept: Any) -> bool:
        """Approve or reject the text of a mapped place waiting in the moderation queue
        (approved, other participants' phones show it; rejected, it is left out of the
        ``places`` table, the place itself stays). A ``moderate_place`` event in the log.

        Anything not waiting in the queue as the log stands now (an unknown place, one
        already moderated, a value a visitor forged) is refused without writing.

        Parameters
        ----------
        activity_id : str
            The mapping activity.
        place_id : str
            The place (``"<participant_id>-<id>"``).
        accept : bool
            True to approve, False to reject.

        Returns
        -------
        bool
            True when written; False when refused (:attr:`queue_message` says why).
        """
        self.refresh()  # re-checked against a fresh read of the log
        waiting = {
            (p["activity_id"], p["place_id"]): p
            for p in self.live.pending
            if p.get("place_id") is not None
        }
        key = (activity_id, place_id)
        ok = (
            isinstance(activity_id, str)
            and isinstance(place_id, str)
            and key in waiting
            and isinstance(accept, bool)
        )
        if not ok:
            log.info("moderation of the place %r refused: not waiting", key)
            text = _("Not done: no place text waiting for moderation is {value}.").format(
                value=repr(place_id)
            )
            return self._say_queue(text)
        with open_store(self.db_path) as store:
            store.moderate_place(activity_id, place_id, accept=accept)
        return self._moderated(waiting[key], accept=accept)

    def show_on_screen(self, activity_id: str) -> None:
        """Choose the activity present mode shows (the agenda's "Show on screen").

        Parameters
        ----------
        activity_id : str
            An activity of the agenda; anything else is refused (``traitlets.TraitError``).
        """
        self.on_screen.value = activity_id

    def _on_open(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        with open_store(self.db_path) as store:
            if change["new"]:
                store.reopen_session()
            else:
                store.close_session()
        self.refresh()

    def _on_submissions(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        with open_store(self.db_path) as store:
            store.set_setting("allow_submissions", bool(change["new"]))
        self.refresh()

    def _on_present(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self._draw_present(force=True)
            self.children = (self.style, self.present_view)
        else:
            self.children = self._normal

    def _on_screen_choice(self, change: dict[str, Any]) -> None:
        if not self._syncing and self.present.value:
            self._draw_present(force=True)

    def _exit_present(self) -> None:
        self.present.value = False

    # ------------------------------------------------------------------ polling
    def start(self) -> asyncio.Task[None]:
        """Poll the store every ``interval`` seconds in the running event loop (the kernel's),
        counted from the start of one refresh to the next.

        Returns
        -------
        asyncio.Task
            The polling task (the same one while it runs).
        """
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._loop())
        return self._task

    def stop(self) -> None:
        """Stop polling (the dashboard keeps what it shows)."""
        if self._task is not None:
            self._task.cancel()

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        # Python's full garbage collections between two refreshes, not inside one
        with IdleCollections() as pacing:
            while True:  # a poll every `interval` from the start of the last: no sleep added
                await asyncio.sleep(max(0.0, self.interval - (loop.time() - started)))
                started = loop.time()
                try:
                    if self.refresh():
                        pacing.changed()
                except Exception as exc:  # keep polling; show what went wrong
                    log.exception("refreshing the live dashboard of %s failed", self.db_path)
                    text = _("Refresh failed: {error}").format(error=exc)
                    self.readiness.value = f"<p>{html.escape(text)}</p>"
                pacing.idle()
