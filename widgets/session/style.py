"""CSS of the facilitator's live dashboard: the agenda, the live panels and present mode.

One ``<style>`` block (:data:`LIVE_CSS`), shown once by the dashboard in an HTML widget, next
to the house style :data:`coprod_widgets.html.CSS`. Present mode
(``.coprod-present``) is for a projector: it covers the whole page, white on black, with
big numbers and bars instead of small print; the exit button is the only control.
"""

from __future__ import annotations

from coprod_widgets.style import GROUP_COLOURS, WIDGETS_A11Y_CSS

__all__ = ["LIVE_CSS", "PRESENT_ACCENT"]

#: The highlight colour of present mode (Okabe–Ito yellow: readable on black).
PRESENT_ACCENT = GROUP_COLOURS[4]

LIVE_CSS = (
    "<style>"
    # the agenda
    ".coprod-agenda-row{align-items:center;border-bottom:1px solid #ddd;padding:2px 0}"
    ".coprod-agenda-row .widget-label{margin:0 4px}"
    ".coprod-agenda-head{font-weight:600;border-bottom:2px solid #999}"
    ".coprod-agenda-status-open{color:#146c2e;font-weight:600}"
    ".coprod-agenda-status-closed{color:#555}"
    ".coprod-agenda-message{min-height:1.4em}"
    # live panels
    ".coprod-live-panel{border:1px solid #ccc;border-radius:6px;padding:6px 12px;"
    "margin:8px 0;background:#fff}"
    ".coprod-live-panel h3{margin:.2em 0}"
    ".coprod-live-panel .message{font-size:15px;color:#333;background:#f4f4f4;"
    "padding:6px 10px;border-radius:4px}"
    ".coprod-live-panel .screen{font-size:12px;color:#7a4d00}"
    # present mode: a full-page, high-contrast screen for the projector
    ".coprod-present{position:fixed;inset:0;z-index:10000;overflow:auto;background:#000;"
    "color:#fff;padding:24px 48px;box-sizing:border-box}"
    # the exit button at full opacity: dimmed, its text fell under 4.5:1 (axe)
    ".coprod-present .coprod-present-exit{position:fixed;top:8px;right:8px}"
    ".coprod-big{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#fff}"
    ".coprod-big h2{font-size:52px;line-height:1.1;margin:0 0 .3em 0}"
    ".coprod-big h3{font-size:34px;line-height:1.2;margin:.8em 0 .2em 0;font-weight:600}"
    ".coprod-big p{font-size:28px;line-height:1.3;margin:.2em 0}"
    ".coprod-big .number{font-size:96px;font-weight:700;line-height:1;"
    f"color:{PRESENT_ACCENT}}}"
    ".coprod-big .unit{font-size:32px;margin-left:.3em}"
    ".coprod-big .muted{color:#ccc}"
    ".coprod-big .row{display:flex;align-items:center;gap:24px;margin:10px 0;font-size:30px}"
    ".coprod-big .row .label{flex:0 0 34%;overflow-wrap:anywhere}"
    ".coprod-big .row .value{flex:0 0 6.5em;font-weight:700;text-align:right}"
    ".coprod-big .bar{position:relative;flex:1 1 auto;height:38px;background:#333;"
    "border:2px solid #fff}"
    f".coprod-big .bar .fill{{position:absolute;left:0;top:0;bottom:0;background:{PRESENT_ACCENT}}}"
    ".coprod-big .bar .mark{position:absolute;top:-8px;bottom:-8px;border-left:6px solid #fff}"
    ".coprod-big .flag{flex:0 0 8em;font-size:26px;text-align:center;border:2px solid #fff;"
    "border-radius:6px}"
    ".coprod-big .flag.none{border-color:transparent}" + WIDGETS_A11Y_CSS + "</style>"
    # ipywidgets' button colours and focus ring made WCAG AA (as on every coprod page)
)
