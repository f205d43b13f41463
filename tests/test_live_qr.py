"""The participant address's QR code: segno's own compact terminal drawing of the address."""

from __future__ import annotations

import io
import sys

import pytest

from coprod_apps.live.qr import QR_HINT, qr_text

segno = pytest.importorskip("segno")

URL = "http://127.0.0.1:8765/#join=ABCD"

# compact terminal cells: (top module is light, bottom module is light) -> character
_CELL = {
    "\u2588": (True, True),
    "\u2580": (True, False),
    "\u2584": (False, True),
    " ": (False, False),
}


def _modules(text: str) -> list[list[bool]]:
    """Dark modules (True) read back from the printed text, two rows per line."""
    rows: list[list[bool]] = []
    for line in text.split("\n"):
        top = [not _CELL[c][0] for c in line]
        bottom = [not _CELL[c][1] for c in line]
        rows += [top, bottom]
    return rows


def test_printed_code_has_the_modules_of_the_address() -> None:
    text = qr_text(URL, border=2)
    expected = [[bool(v) for v in row] for row in segno.make(URL, error="m").matrix_iter(border=2)]
    got = _modules(text)
    # an odd number of rows leaves the bottom half of the last line undrawn (background)
    assert got[: len(expected)] == expected
    assert len(got) - len(expected) in (0, 1)
    assert all(all(row) for row in got[len(expected) :])
    # a different address gives a different code (the text is not a constant)
    assert qr_text(URL + "x", border=2) != text


def test_border_is_the_quiet_zone() -> None:
    text = qr_text(URL, border=4)
    size = len(list(segno.make(URL, error="m").matrix_iter(border=4)))
    rows = _modules(text)[:size]
    assert all(not any(row) for row in rows[:4] + rows[-4:])  # four light rows on top/bottom
    assert all(not any(row[:4]) and not any(row[-4:]) for row in rows)
    assert any(any(row) for row in rows[4:-4])  # and dark modules inside


def test_printed_addresses_include_the_code() -> None:
    from coprod_apps.live.serve import ServeInfo, print_addresses

    out = io.StringIO()
    info = ServeInfo(URL, "http://127.0.0.1:9/voila?token=t", "ABCD", server=None)  # type: ignore[arg-type]
    print_addresses(info, out)
    printed = out.getvalue()
    assert f"Participants: {URL}" in printed
    assert qr_text(URL) in printed


def test_without_segno_a_hint_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "segno", None)  # import segno -> ImportError
    assert qr_text(URL) == QR_HINT
    assert "\n" not in QR_HINT and "segno" in QR_HINT
