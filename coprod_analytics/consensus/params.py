"""Parameter checks shared by the engines of :func:`~coprod_analytics.consensus.opinion_groups`
(a leaf: the local and the Dask engine both import it, neither imports the other's module)."""

from __future__ import annotations

import numpy as np

from coprod_analytics.errors import check_param

__all__ = ["check_common_params"]


def _is_int(v: object) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool)


def check_common_params(
    func: str,
    *,
    min_votes: int,
    min_participants: int,
    base_k: int,
    max_k: int,
    k: int | None,
    base_iters: int,
    group_iters: int,
) -> None:
    """Validate the clustering parameters of :func:`opinion_groups` (house error template).

    Parameters
    ----------
    func : str
        The public function's name, for the message.
    min_votes, min_participants, base_k, max_k, k, base_iters, group_iters
        As in :func:`opinion_groups`.

    Returns
    -------
    None

    Raises
    ------
    ParameterError
        For the first parameter out of range.

    Examples
    --------
    >>> check_common_params("opinion_groups", min_votes=0, min_participants=15, base_k=100,
    ...                     max_k=5, k=None, base_iters=100, group_iters=20)
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ParameterError: The 'min_votes' parameter of opinion_groups must be an int >= 1. Got 0.
    """

    check_param(_is_int(min_votes) and min_votes >= 1, "min_votes", func, "an int >= 1", min_votes)
    check_param(
        _is_int(min_participants) and min_participants >= 0,
        "min_participants",
        func,
        "an int >= 0",
        min_participants,
    )
    check_param(_is_int(base_k) and base_k >= 1, "base_k", func, "an int >= 1", base_k)
    check_param(_is_int(max_k) and max_k >= 2, "max_k", func, "an int >= 2", max_k)
    check_param(k is None or (_is_int(k) and k >= 1), "k", func, "None or an int >= 1", k)
    check_param(
        _is_int(base_iters) and base_iters >= 1, "base_iters", func, "an int >= 1", base_iters
    )
    check_param(
        _is_int(group_iters) and group_iters >= 1, "group_iters", func, "an int >= 1", group_iters
    )
