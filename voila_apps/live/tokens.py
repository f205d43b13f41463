"""Anonymous per-device participant tokens (HMAC-signed, stateless to check).

A token is ``<participant_id>.<session_id>.<signature>`` where the signature is an HMAC-SHA256
of the session id and participant id under the session's secret (kept in the session
database, so a restarted server still accepts the tokens it handed out). A token grants
exactly one thing: acting as that anonymous participant in that session (vote, submit).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

__all__ = ["make_token", "parse_token"]

_SIG_LEN = 27  # characters of base64url signature kept (160 bits)
# an id without leading zeros, the session id, the signature: ASCII only, nothing else
_TOKEN_RE = re.compile(
    rf"(0|[1-9][0-9]{{0,17}})\.([A-Za-z0-9_-]{{1,64}})\.([A-Za-z0-9_-]{{{_SIG_LEN}}})"
)


def _sig(secret: bytes, session_id: str, participant_id: int) -> str:
    mac = hmac.new(secret, f"{session_id}:{participant_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode()[:_SIG_LEN]


def make_token(secret: bytes, session_id: str, participant_id: int) -> str:
    """The token of a participant.

    Parameters
    ----------
    secret : bytes
        The session's token secret.
    session_id : str
        The session's id.
    participant_id : int
        The participant.

    Returns
    -------
    str
        ``<participant_id>.<session_id>.<signature>``.

    Examples
    --------
    >>> t = make_token(b"k", "s1", 7)
    >>> parse_token(b"k", "s1", t)
    7
    >>> parse_token(b"k", "s1", t[:-1] + ("A" if t[-1] != "A" else "B")) is None
    True
    """
    return f"{participant_id}.{session_id}.{_sig(secret, session_id, participant_id)}"


def parse_token(secret: bytes, session_id: str, token: str | None) -> int | None:
    """The participant id of a valid token of this session.

    Parameters
    ----------
    secret : bytes
        The session's token secret.
    session_id : str
        The session's id.
    token : str or None
        What the request carried.

    Returns
    -------
    int or None
        The participant id; ``None`` for a forged, altered, malformed token or one from
        another session.

    Examples
    --------
    >>> parse_token(b"k", "s1", "7.s1.garbage") is None
    True
    >>> parse_token(b"k", "s2", make_token(b"k", "s1", 7)) is None  # another session
    True
    """
    if not isinstance(token, str) or len(token) > 200:
        return None
    m = _TOKEN_RE.fullmatch(token)
    if m is None or m.group(2) != session_id:
        return None
    pid = int(m.group(1))
    if not hmac.compare_digest(m.group(3).encode(), _sig(secret, session_id, pid).encode()):
        return None
    return pid
