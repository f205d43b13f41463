"""``python -m coprod_widgets.i18n [--update] [--check] [--domain D]``: see
:func:`coprod_widgets.i18n.main`."""

from coprod_widgets.i18n._checker import main

if __name__ == "__main__":
    raise SystemExit(main())
