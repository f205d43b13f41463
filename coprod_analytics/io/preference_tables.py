"""Rankings, pairwise comparisons and participatory budgets as input tables of an Inquiry.

The preferences family declares five input kinds (see
:mod:`coprod_analytics.preferences.inputs`), so ballots, comparisons and budgeting elections
live in :attr:`Inquiry.tables`, load from a folder of ``<kind>.csv`` files and reach the
dashboard and the report:

===================  ====================================================================
table                columns (optional ones in brackets)
===================  ====================================================================
``rankings``         participant_id, item_id, rank (1 is best; equal ranks are ties),
                     [weight] (the ballot stands for this many voters, as PrefLib counts)
``pairwise``         winner, loser (item ids), [tie] (true/1: judged equal),
                     [participant_id], [weight]
``budget_projects``  project_id, cost, [name], [votes], [score], [selected] (1 = funded
                     by the city), [category], [target], ...
``budget_votes``     participant_id, project_id, [points] (cumulative and scoring
                     ballots), [rank] (ordinal ballots: 1 is the voter's first choice)
``budget_meta``      key, value: the pabulib META table (``budget`` is required;
                     ``vote_type`` is approval, ordinal, cumulative or scoring)
===================  ====================================================================

Every analysis of the family takes these tables exactly as the Inquiry stores them (or the
Inquiry itself): ``schulze(inquiry.tables["rankings"])``, ``borda(inquiry)``,
``equal_shares_budget(inquiry)``. :func:`read_preference_inquiry` opens a ``.pb`` or PrefLib
file as an Inquiry (used by :func:`~coprod_analytics.io.load.load_inquiry`); it is
:func:`~coprod_analytics.io.pabulib.read_pabulib` or
:func:`~coprod_analytics.io.preflib.read_preflib` by the file's suffix.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from coprod_analytics.errors import ValidationError
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.io.pabulib import BUDGET_TABLES, read_pabulib
from coprod_analytics.io.preflib import read_preflib

__all__ = [
    "BUDGET_TABLES",
    "PREFLIB_SUFFIXES",
    "has_budget",
    "has_pairwise",
    "has_rankings",
    "read_preference_inquiry",
]

#: PrefLib ranking files that :func:`read_preference_inquiry` reads.
PREFLIB_SUFFIXES = (".soc", ".soi", ".toc", ".toi")


def _tables(data: Inquiry | Mapping[str, pl.DataFrame]) -> Mapping[str, pl.DataFrame]:
    return data.tables if isinstance(data, Inquiry) else data


def has_budget(data: Inquiry | Mapping[str, pl.DataFrame]) -> bool:
    """Whether an inquiry (or its tables) holds a budgeting election.

    Parameters
    ----------
    data : Inquiry or mapping of str to table
        The inquiry, or its ``tables``.

    Returns
    -------
    bool
        True when ``budget_projects`` and ``budget_votes`` are present.

    Examples
    --------
    >>> has_budget(Inquiry())
    False
    """
    tables = _tables(data)
    return "budget_projects" in tables and "budget_votes" in tables


def has_rankings(data: Inquiry | Mapping[str, pl.DataFrame]) -> bool:
    """Whether an inquiry (or its tables) holds ranked ballots.

    Parameters
    ----------
    data : Inquiry or mapping of str to table
        The inquiry, or its ``tables``.

    Returns
    -------
    bool
        True when a non-empty ``rankings`` table is present.

    Examples
    --------
    >>> from coprod_analytics.preferences import ballots_from_orders
    >>> has_rankings(Inquiry(tables={"rankings": ballots_from_orders(["ab"])}))
    True
    """
    tables = _tables(data)
    return "rankings" in tables and tables["rankings"].height > 0


def has_pairwise(data: Inquiry | Mapping[str, pl.DataFrame]) -> bool:
    """Whether an inquiry (or its tables) holds pairwise comparisons.

    Parameters
    ----------
    data : Inquiry or mapping of str to table
        The inquiry, or its ``tables``.

    Returns
    -------
    bool
        True when a non-empty ``pairwise`` table is present.

    Examples
    --------
    >>> has_pairwise({"pairwise": pl.DataFrame({"winner": ["a"], "loser": ["b"]})})
    True
    """
    tables = _tables(data)
    return "pairwise" in tables and tables["pairwise"].height > 0


def read_preference_inquiry(path: str | os.PathLike[str]) -> Inquiry:
    """Open a pabulib ``.pb`` or PrefLib ``.soc``/``.soi``/``.toc``/``.toi`` file as an
    Inquiry holding the election's budget tables or the ranked ballots (no votes).

    Parameters
    ----------
    path : str or path-like
        The file; its suffix says which reader is used.

    Returns
    -------
    Inquiry

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValidationError
        For another suffix, or a file that breaks its format.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "tiny.soc"
    >>> _ = p.write_text("# ALTERNATIVE NAME 1: x\\n# ALTERNATIVE NAME 2: y\\n2: 2,1\\n1: 1,2\\n")
    >>> inq = read_preference_inquiry(p)
    >>> inq.tables["rankings"].columns
    ['participant_id', 'item_id', 'rank', 'weight']
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such file")
    suffix = p.suffix.lower()
    if suffix == ".pb":
        return read_pabulib(p)
    if suffix in PREFLIB_SUFFIXES:
        return read_preflib(p)
    raise ValidationError(
        f"unsupported file type {p.suffix!r}; expected .pb or one of {PREFLIB_SUFFIXES}",
        file=p,
    )
