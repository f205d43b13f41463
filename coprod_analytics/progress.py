"""Progress bars for long work (bootstrap, stability, replay, export, publish, loadtest).

One helper, :func:`progress`, wraps an iterable in a tqdm bar — ``tqdm.auto`` so a notebook
shows a widget bar and a terminal a text bar — on by default, off with ``progress=False``.
The bar goes to stderr, so ``--json`` output on stdout stays clean.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["progress"]

T = TypeVar("T")


def progress(
    iterable: Iterable[T],
    *,
    enabled: bool = True,
    desc: str | None = None,
    total: int | None = None,
    unit: str = "it",
) -> Iterator[T]:
    """``iterable`` with a progress bar when ``enabled`` (the iterable itself otherwise).

    Parameters
    ----------
    iterable : iterable
        What to iterate over.
    enabled : bool, default True
        Whether to show a bar (functions pass their ``progress=`` argument here).
    desc : str, optional
        What is being done, in plain words (``"Bootstrap"``).
    total : int, optional
        The number of items, when ``iterable`` has no length.
    unit : str, default "it"
        What one item is (``"resample"``).

    Yields
    ------
    T
        The items of ``iterable``, in order.

    Examples
    --------
    >>> list(progress(range(3), enabled=False))
    [0, 1, 2]
    """
    if not enabled:
        yield from iterable
        return
    from tqdm.auto import tqdm

    yield from tqdm(iterable, desc=desc, total=total, unit=unit, leave=False, mininterval=0.5)
