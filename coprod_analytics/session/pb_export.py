"""A live session's budget ballots as a pabulib ``.pb`` file.

:func:`session_election` gives the :class:`~coprod_analytics.io.pabulib.PBElection` of the
latest ballots (the projects and META of the file the session was seeded from, with the
counts of this session); :func:`write_session_pb` writes it with the project's pabulib writer,
so the file reads back with :func:`~coprod_analytics.io.pabulib.read_pabulib_election` and
``coprod budget`` on it gives the outcome the budgeting rules give on the session's tables.
"""

from __future__ import annotations

import os
from pathlib import Path

from coprod_analytics.errors import ValidationError
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.io.pabulib import PBElection, election_from_tables, write_pabulib

__all__ = ["session_election", "write_session_pb"]


def session_election(inquiry: Inquiry) -> PBElection:
    """The budget election of a session (its ``budget_*`` tables).

    Parameters
    ----------
    inquiry : Inquiry
        A session as an inquiry (:meth:`SessionStore.to_inquiry
        <coprod_analytics.session.SessionStore.to_inquiry>`, :func:`read_session
        <coprod_analytics.session.read_session>`).

    Returns
    -------
    PBElection

    Raises
    ------
    ValidationError
        When the session has no budget activity or nobody has voted on it yet.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from coprod_analytics.session import SessionStore
    >>> s = SessionStore(pathlib.Path(tempfile.mkdtemp()) / "s.db")
    >>> _ = s.define_activities([{"activity_id": "budget", "kind": "budget", "open": True,
    ...     "items": [{"item_id": "a", "text": "Park", "cost": 60},
    ...               {"item_id": "b", "text": "Bus", "cost": 50}],
    ...     "settings": {"vote_type": "approval", "budget": 100, "limit": 100}}])
    >>> _ = s.record_answer(s.join(), "budget", None, {"projects": ["b"]})
    >>> session_election(s.to_inquiry()).votes["vote"].to_list()
    [['b']]
    >>> s.close()
    """
    tables = inquiry.tables
    if "budget_projects" not in tables:
        raise ValidationError("the session has no budget activity", table="budget_projects")
    if "budget_votes" not in tables or not tables["budget_votes"].height:
        raise ValidationError("nobody has voted on the budget yet", table="budget_votes")
    return election_from_tables(inquiry, source=inquiry.metadata.get("source_path"))


def write_session_pb(inquiry: Inquiry, path: str | os.PathLike[str]) -> Path:
    """Write a session's budget ballots as a pabulib ``.pb`` file.

    Parameters
    ----------
    inquiry : Inquiry
        The session as an inquiry.
    path : path
        The file to write (replaced atomically).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValidationError
        When the session has no budget ballots (see :func:`session_election`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from coprod_analytics.io.pabulib import read_pabulib_election
    >>> from coprod_analytics.session import SessionStore
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> s = SessionStore(d / "s.db")
    >>> _ = s.define_activities([{"activity_id": "budget", "kind": "budget", "open": True,
    ...     "items": [{"item_id": "a", "text": "Park", "cost": 60},
    ...               {"item_id": "b", "text": "Bus", "cost": 50}],
    ...     "settings": {"vote_type": "approval", "budget": 100, "limit": 100}}])
    >>> _ = s.record_answer(s.join(), "budget", None, {"projects": ["a"]})
    >>> read_pabulib_election(write_session_pb(s.to_inquiry(), d / "b.pb")).n_voters
    1
    >>> s.close()
    """
    return write_pabulib(session_election(inquiry), Path(path))
