"""The facilitator's live dashboard (ipywidgets): :class:`LiveDashboard`.

Built from the consensus widgets of ``coprod_widgets`` (:class:`ConsensusDashboard` over a
:class:`ConsensusState`) plus live parts: participation, "enough data yet?", session
controls and the moderation queue. A poller (an asyncio task in the kernel) calls
:meth:`LiveSession.poll` every second and redraws only when the store changed. Statement
texts are shown with ``Label`` widgets or escaped HTML, never as markup.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import os
from typing import Any

import ipywidgets as widgets

from coprod_analytics.session import SessionStore
from coprod_analytics.session.live import LiveSession
from coprod_widgets.text.state import looks_like

__all__ = ["LiveDashboard"]

log = logging.getLogger("coprod_widgets.session.views")

_LEVEL_COLOURS = {"not yet": "#b3261e", "groups forming": "#a86400", "enough": "#1b7f3b"}


class LiveDashboard(widgets.VBox):
    """Live facilitator dashboard over a session database.

    Parameters
    ----------
    db_path : path
        The session database ``coprod serve`` writes.
    interval : float
        Seconds between polls of the store.
    recompute_interval : float
        Least seconds between opinion-group recomputations.
    **kwargs
        Passed on to ``ipywidgets.VBox``.

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
    >>> [w.children[0].value for w in board.queue_box.children]
    ['More night buses']
    >>> board.moderate(1, accept=True)
    >>> board.queue_box.children[0].value
    'Nothing waiting.'
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        *,
        interval: float = 1.0,
        recompute_interval: float = 3.0,
        **kwargs: Any,
    ) -> None:
        self.live = LiveSession(db_path, recompute_interval=recompute_interval)
        self.db_path = db_path
        self.interval = interval
        self.title = widgets.HTML("<h2>Live session</h2>")
        self.participation = widgets.HTML()
        self.participation.add_class("coprod-live-participation")
        self.readiness = widgets.HTML()
        self.readiness.add_class("coprod-live-readiness")
        self.open_toggle = widgets.ToggleButton(description="Session open", value=True)
        self.submissions = widgets.Checkbox(description="Participants may add statements")
        self.open_toggle.observe(self._on_open, names="value")
        self.submissions.observe(self._on_submissions, names="value")
        self.queue_box = widgets.VBox()
        self.queue_box.add_class("coprod-live-queue")
        self.analysis = widgets.VBox(
            [widgets.HTML("<p>Opinion groups appear once enough people have voted.</p>")]
        )
        self.dashboard: Any = None
        self._syncing = False
        self._queue_shown: tuple[Any, ...] | None = None
        self._task: asyncio.Task[None] | None = None
        controls = widgets.HBox([self.open_toggle, self.submissions])
        queue = widgets.VBox([widgets.HTML("<h3>Moderation queue</h3>"), self.queue_box])
        super().__init__(
            [self.title, self.participation, self.readiness, controls, queue, self.analysis],
            **kwargs,
        )
        self.refresh(force_groups=True)

    # ------------------------------------------------------------------ drawing
    def refresh(self, *, force_groups: bool = False) -> bool:
        """Poll the store and redraw what changed.

        Parameters
        ----------
        force_groups : bool, default False
            Recompute the opinion groups now if anything changed.

        Returns
        -------
        bool
            Whether anything changed.
        """
        groups_before = self.live.result
        if not self.live.poll(force_groups=force_groups):
            return False
        self._draw_counts()
        if self.live.result is not None and self.live.result is not groups_before:
            self._draw_groups()
        return True

    def _draw_counts(self) -> None:
        c = self.live.counts
        inq = self.live.inquiry
        title = (inq.metadata.get("title") if inq is not None else None) or "Live session"
        self.title.value = f"<h2>{html.escape(str(title))}</h2>"
        rows = [
            ("Participants joined", c.get("joined", 0)),
            ("Participants who voted", c.get("voters", 0)),
            ("Votes", c.get("votes", 0)),
            (
                "Agree / disagree / pass",
                f"{c.get('agree', 0)} / {c.get('disagree', 0)} / {c.get('pass', 0)}",
            ),
            ("Statements open for votes", c.get("accepted_statements", 0)),
            ("Waiting for moderation", len(self.live.pending)),
        ]
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td class='coprod-live-{html.escape(k.split()[0].lower())}'>{html.escape(str(v))}</td></tr>"
            for k, v in rows
        )
        self.participation.value = f"<table>{body}</table>"
        r = self.live.readiness()
        colour = _LEVEL_COLOURS.get(r.level, "#333")
        self.readiness.value = (
            f"<p><strong style='color:{colour}'>Enough data yet? {html.escape(r.level)}</strong>"
            f" — {html.escape(r.message)}</p>"
        )
        self._syncing = True
        try:
            self.open_toggle.value = self.live.is_open
            self.open_toggle.description = "Session open" if self.live.is_open else "Session closed"
            self.submissions.value = bool(self.live.settings.get("allow_submissions", True))
        finally:
            self._syncing = False
        # the queue (buttons and the near-duplicate search) is redrawn only when it changed,
        # not on every vote
        shown = (tuple(p["statement_id"] for p in self.live.pending), self._statement_count())
        if shown != self._queue_shown:
            self._queue_shown = shown
            self._draw_queue()

    def _statement_count(self) -> int:
        inq = self.live.inquiry
        return 0 if inq is None else inq.statements.height

    def _draw_queue(self) -> None:
        items: list[widgets.Widget] = []
        for p in self.live.pending:
            sid = p["statement_id"]
            # "looks like #12": a near-duplicate of a statement already in the session, so the
            # facilitator can merge rather than collect the same statement twice
            hint = looks_like(str(p["text"]), self.live.inquiry, exclude=sid)
            label = widgets.Label(
                value=str(p["text"]) + hint, layout=widgets.Layout(flex="1 1 auto")
            )
            ok = widgets.Button(description="Approve", button_style="success")
            no = widgets.Button(description="Reject", button_style="danger")
            ok.on_click(lambda _b, sid=sid: self.moderate(sid, accept=True))
            no.on_click(lambda _b, sid=sid: self.moderate(sid, accept=False))
            items.append(widgets.HBox([label, ok, no]))
        if not items:
            items = [widgets.Label(value="Nothing waiting.")]
        self.queue_box.children = items

    def _draw_groups(self) -> None:
        from coprod_widgets.consensus.state import ConsensusState
        from coprod_widgets.dashboard import ConsensusDashboard

        res = self.live.result
        if self.dashboard is None:
            state = ConsensusState(self.live.inquiry, compute=False, bridging=False)
            state.inquiry = self.live.inquiry
            self._set_result(state, res)
            self.dashboard = ConsensusDashboard(state, show_title=False)
            self.analysis.children = [self.dashboard]
        else:
            state = self.dashboard.state
            state.inquiry = self.live.inquiry
            self._set_result(state, res)

    def _set_result(self, state: Any, res: Any) -> None:
        with contextlib.suppress(Exception):
            from coprod_analytics.first_look import overview

            state.overview = overview(self.live.inquiry)
        state.result = res
        state.status = "ready"

    # ------------------------------------------------------------------ actions
    def moderate(self, statement_id: int, *, accept: bool) -> None:
        """Approve or reject a submitted statement (a moderation event in the log).

        Parameters
        ----------
        statement_id : int
            The statement.
        accept : bool
            True to approve (participants get it), False to reject.
        """
        with SessionStore(self.db_path) as store:
            store.moderate(statement_id, accept=accept)
        self.refresh()

    def _on_open(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        with SessionStore(self.db_path) as store:
            if change["new"]:
                store.reopen_session()
            else:
                store.close_session()
        self.refresh()

    def _on_submissions(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        with SessionStore(self.db_path) as store:
            store.set_setting("allow_submissions", bool(change["new"]))
        self.refresh()

    # ------------------------------------------------------------------ polling
    def start(self) -> asyncio.Task[None]:
        """Poll the store every ``interval`` seconds in the running event loop (the kernel's).

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
        while True:
            await asyncio.sleep(self.interval)
            try:
                self.refresh()
            except Exception as exc:  # keep polling; show what went wrong
                log.exception("refreshing the live dashboard of %s failed", self.db_path)
                self.readiness.value = f"<p>Refresh failed: {html.escape(str(exc))}</p>"
