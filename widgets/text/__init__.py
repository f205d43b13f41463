"""The free-text family in the widgets: topics, texts per topic, topic × group, and the
"looks like #12" hint of the live moderation queue (state, views, figures, report)."""
