"""Commands of the widgets layer (registered through the coprod.commands entry points)."""
