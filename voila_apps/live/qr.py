"""A terminal QR code of the participant address (needs the optional package ``segno``).

``segno`` (pure Python, BSD) draws the code; without it :func:`qr_text` returns a one-line
hint instead, so ``coprod serve`` still runs.
"""

from __future__ import annotations

__all__ = ["qr_text"]

# Two modules per character cell: upper half, lower half.
_HALF = {
    (False, False): " ",
    (True, False): "\u2580",
    (False, True): "\u2584",
    (True, True): "\u2588",
}


def qr_text(url: str, *, border: int = 2) -> str:
    """The QR code of ``url`` drawn with block characters (dark modules as blocks, so print
    it on a light terminal background or scan the inverted code), or an install hint."""
    try:
        import segno
    except ImportError:
        return "(install the package 'segno' to get a QR code of the participant address here)"
    code = segno.make(url, error="m", micro=False)
    rows = [[bool(v) for v in row] for row in code.matrix_iter(scale=1, border=border)]
    # invert: terminals are usually dark, and a QR code needs light quiet zones around dark
    rows = [[not v for v in row] for row in rows]
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))
    lines = [
        "".join(_HALF[(top, bottom)] for top, bottom in zip(rows[i], rows[i + 1], strict=True))
        for i in range(0, len(rows), 2)
    ]
    return "\n".join(lines)
