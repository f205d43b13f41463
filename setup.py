"""Package discovery: the core ``coprod_analytics``, ``coprod_widgets`` from ``widgets/`` and
``coprod_apps`` from ``voila_apps/`` (the three layers: core <- widgets <- apps).

Everything else about the distribution is in pyproject.toml; this file only maps the
``widgets/`` and ``voila_apps/`` folders to their import names, which pyproject.toml cannot do
together with automatic discovery of subpackages.
"""

from setuptools import find_packages, setup


def _mapped(folder: str, name: str) -> list[str]:
    return [name + sub[len(folder) :] for sub in find_packages(include=[folder, folder + ".*"])]


core = find_packages(include=["coprod_analytics", "coprod_analytics.*"])

setup(
    packages=core + _mapped("widgets", "coprod_widgets") + _mapped("voila_apps", "coprod_apps"),
    package_dir={"coprod_widgets": "widgets", "coprod_apps": "voila_apps"},
    package_data={
        "coprod_analytics": ["py.typed"],
        "coprod_widgets": ["py.typed", "locale/*/LC_MESSAGES/*.po"],
        "coprod_apps": [
            "py.typed",
            "*.ipynb",
            "live/static/*",
            "locale/*/LC_MESSAGES/*.po",
            "share/voila/templates/coprod/*",
        ],
    },
)
