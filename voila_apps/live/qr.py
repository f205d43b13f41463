"""A terminal QR code of the participant address (needs the optional package ``segno``).

``segno`` (pure Python, BSD) makes and draws the code with its own compact terminal output
(two modules per character cell); without it :func:`qr_text` returns a one-line hint
instead, so ``coprod serve`` still runs.
"""

from __future__ import annotations

import io

__all__ = ["QR_HINT", "qr_text"]

#: What :func:`qr_text` returns when ``segno`` is not installed.
QR_HINT = "(install the package 'segno' to get a QR code of the participant address here)"


def qr_text(url: str, *, border: int = 2) -> str:
    """The QR code of ``url`` as terminal text, or an install hint without ``segno``.

    segno's compact terminal output draws LIGHT modules as blocks, which suits the usual
    dark terminal: the code reads as dark modules on a light quiet zone.

    Parameters
    ----------
    url : str
        The address to encode.
    border : int, default 2
        Quiet zone around the code, in modules.

    Returns
    -------
    str
        The code, one line per two rows of modules (no trailing newline), or
        :data:`QR_HINT`.

    Examples
    --------
    >>> text = qr_text("http://127.0.0.1:8765/")
    >>> text == QR_HINT or set(text) <= set(" \\u2580\\u2584\\u2588\\n")
    True
    """
    try:
        import segno
    except ImportError:
        return QR_HINT
    code = segno.make(url, error="m", micro=False)
    out = io.StringIO()
    code.terminal(out=out, border=border, compact=True)
    return out.getvalue().rstrip("\n")
