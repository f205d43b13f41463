"""Live sessions: the widgets of this family (the facilitator's live dashboard).

- ``views`` -- :class:`~coprod_widgets.session.views.LiveDashboard`, the dashboard assembled
  and polling the store;
- ``agenda`` -- the agenda: open, close, next Delphi round / panel wave, show on screen;
- ``panels`` -- the live panel of one activity (tables and the families' charts);
- ``present`` -- present mode, one activity full page for the projector;
- ``figures`` -- HTML fragments and figures of the panels and of present mode;
- ``style`` -- the dashboard's CSS.

The numbers every panel shows are computed by the core
(:mod:`coprod_analytics.session.panels`, through :class:`~coprod_analytics.session.live.LiveSession`).
"""
