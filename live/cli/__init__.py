"""``coprod`` subcommands of the live layer: ``serve``, ``loadtest``, ``demo``."""
