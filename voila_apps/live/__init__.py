"""coprod_apps.live: live sessions (participant web page and API, facilitator dashboard)."""
