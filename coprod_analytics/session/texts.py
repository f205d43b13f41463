"""Whether a text shows anything on a screen (a leaf: the store, the server and the mapping
activity all check participants' texts with it)."""

from __future__ import annotations

import unicodedata
from typing import Any

__all__ = ["has_visible_text"]


#: Characters that draw nothing although they are not whitespace (fillers, blank braille).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
#: Categories that draw nothing: controls, format characters (zero-width space, joiners,
#: marks of direction, BOM), separators, combining marks without a base, unassigned.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})


def has_visible_text(text: Any) -> bool:
    """Whether ``text`` is a string with at least one character that shows on a screen.

    Whitespace, zero-width characters (U+200B, U+2060, U+FEFF, joiners), marks of direction,
    combining marks without a letter and blank fillers (U+3164, U+2800) do not count.

    Parameters
    ----------
    text : any
        A statement, an idea or an open answer.

    Returns
    -------
    bool
        True when something would be visible.

    Examples
    --------
    >>> has_visible_text("Buses"), has_visible_text("\u200b\u200d \ufeff"), has_visible_text(7)
    (True, False, False)
    """
    if not isinstance(text, str):
        return False
    return any(
        ch not in _BLANK_LETTERS and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES
        for ch in text
    )
