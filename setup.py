"""Package discovery: the core ``coprod_analytics``, ``coprod_widgets`` from ``widgets/`` and
``coprod_live`` from ``live/``.

Everything else about the distribution is in pyproject.toml; this file only maps the
``widgets/`` folder to its import name, which pyproject.toml cannot do together with
automatic discovery of subpackages.
"""

from setuptools import find_packages, setup

core = find_packages(include=["coprod_analytics", "coprod_analytics.*"])
widgets = [
    "coprod_widgets" + name[len("widgets") :]
    for name in find_packages(include=["widgets", "widgets.*"])
]

live = ["coprod_live" + name[len("live") :] for name in find_packages(include=["live", "live.*"])]

setup(
    packages=core + widgets + live,
    package_dir={"coprod_widgets": "widgets", "coprod_live": "live"},
    package_data={"coprod_widgets": ["py.typed"], "coprod_live": ["py.typed", "static/*"]},
)
