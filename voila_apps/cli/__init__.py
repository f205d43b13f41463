"""``coprod`` subcommands of the app layer: ``report``, ``publish``, ``serve``, ``loadtest``, ``demo``."""
