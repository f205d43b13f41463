"""Package discovery: the core ``coprod_analytics`` and ``coprod_widgets`` from ``widgets/``.

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

setup(packages=core + widgets, package_dir={"coprod_widgets": "widgets"})
