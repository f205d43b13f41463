"""Fast, strict CSV reading with errors that name the file, line and column.

The fast path hands the file to polars' CSV reader with the expected dtypes. Only when that
fails, or when validation later finds a bad row, does a slow diagnostic pass with Python's
``csv`` module locate the problem exactly (physical line, column, value), so good files are
read at polars speed and bad files still get a precise message.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError

__all__ = [
    "check_last_row",
    "check_utf8",
    "read_bytes",
    "read_csv_table",
    "read_text",
    "record_line",
    "relocate",
]

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_ENCODING_HINT = "save the file as UTF-8, or pass the file's encoding (e.g. encoding='latin-1')"
_INT64_MAX = 2**63 - 1
#: Columns holding a time as epoch milliseconds (named in the message of a too-long number).
_TIME_COLUMNS = frozenset({"timestamp", "time", "created", "datetime"})


def _check_file(path: Path) -> None:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise ValidationError("expected a file, found a folder", file=path)


def _read_raw(path: Path) -> bytes:
    """The file's bytes; a folder, a missing or an unreadable file is a one-line error."""
    _check_file(path)
    try:
        return path.read_bytes()
    except IsADirectoryError:  # pragma: no cover - raced with _check_file
        raise ValidationError("expected a file, found a folder", file=path) from None
    except PermissionError:
        raise ValidationError("cannot be read (permission denied)", file=path) from None
    except OSError as exc:
        raise ValidationError(f"cannot be read ({exc.strerror or exc})", file=path) from None


def check_no_nul(path: Path, raw: bytes, *, encoding_option: bool = True) -> None:
    """Raise a ValidationError when ``raw`` holds NUL bytes (valid UTF-8, but never text).

    UTF-16 text without a byte-order mark has a NUL in every other byte for Latin script;
    it is named as such. Any other NUL is a binary file. ``encoding_option``: the reader
    takes an ``encoding`` argument (the message offers it).
    """
    at = raw.find(b"\x00")
    if at < 0:
        return
    head = raw[:4096]
    even, odd = head[0::2], head[1::2]
    for zeros, other, name in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros and zeros.count(0) >= 0.3 * len(zeros) and other.count(0) < 0.1 * len(other):
            raise ValidationError(
                "the file looks like UTF-16 (a NUL byte between the letters and no byte-order "
                "mark); save it as UTF-8"
                + (f", or pass encoding='{name}'" if encoding_option else ""),
                file=path,
            )
    raise ValidationError(
        f"holds a NUL byte (offset {at}): this looks like a binary file, not text",
        file=path,
        line=raw.count(b"\n", 0, at) + 1,
    )


def read_bytes(
    path: Path, encoding: str = "utf-8", *, validate: bool = True, hint: str = _ENCODING_HINT
) -> bytes:
    """The file's content as UTF-8 bytes, transcoding when needed.

    UTF-8 (with or without a byte-order mark) is passed through after a validity check;
    UTF-16 with a byte-order mark is transcoded; any other ``encoding`` is decoded with
    Python's codec of that name. NUL bytes (UTF-16 without a byte-order mark, or a binary
    file) are refused even with ``validate=False``, which skips the UTF-8 check (for callers
    whose parser checks it anyway and calls :func:`check_utf8` on failure). ``hint`` ends
    the message about a file that is not UTF-8.
    """
    raw = _read_raw(path)
    if not raw or raw.isspace():
        raise ValidationError("the file is empty; expected a header line and data rows", file=path)
    norm = codecs.lookup(encoding).name
    if raw.startswith(_UTF16_BOMS):
        try:
            return raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                f"starts with a UTF-16 byte-order mark but cannot be decoded as UTF-16 (offset "
                f"{exc.start}); {hint}",
                file=path,
            ) from None
    if norm == "utf-8":
        if raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        check_no_nul(path, raw, encoding_option=hint == _ENCODING_HINT)
        if validate:
            check_utf8(path, raw, hint=hint)
        return raw
    try:
        return raw.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ValidationError(
            f"cannot be decoded as {encoding} (offset {exc.start})", file=path, line=line
        ) from None


def check_utf8(path: Path, raw: bytes, *, hint: str = _ENCODING_HINT) -> None:
    """Raise a ValidationError naming the line of the first byte that is not UTF-8."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ValidationError(
            f"not valid UTF-8 (byte {raw[exc.start]:#04x} at offset {exc.start}); {hint}",
            file=path,
            line=line,
        ) from None


def read_text(path: str | Path, *, what: str) -> str:
    """The text of a UTF-8 file in a format that has no encoding option (``.pb``, PrefLib).

    A byte-order mark (UTF-8 or UTF-16) is honoured; NUL bytes (UTF-16 without a mark, a
    binary file) and bytes that are not UTF-8 are refused with a message naming the file
    and line.

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        The format, for the messages (``"a .pb file"``).

    Returns
    -------
    str
        The file's text (line ends as written).

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValidationError
        A folder, an empty or unreadable file, or one that is not UTF-8 text.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.pb"
    >>> _ = p.write_bytes("META\\nkey;value\\n".encode("utf-16"))
    >>> read_text(p, what="a .pb file")
    'META\\nkey;value\\n'
    >>> _ = p.write_bytes(b"META\\nname;\\xb3\\xf3d\\xbc\\n")
    >>> read_text(p, what="a .pb file")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ValidationError: ...x.pb, line 2: not valid UTF-8 (byte 0xb3 at offset 10); a .pb file is UTF-8 text: save it as UTF-8
    """
    hint = f"{what} is UTF-8 text: save it as UTF-8"
    return read_bytes(Path(path), hint=hint).decode("utf-8")


def _records(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """Yield (physical line where the record starts, fields) for every CSV record."""
    text = io.StringIO(data.decode("utf-8"), newline="")
    reader = csv.reader(text, strict=True)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ValidationError(
                f"malformed CSV ({exc}); is a quote left open or the file truncated?",
                line=start,
            ) from None
        yield start, fields
        start = reader.line_num + 1


def _record(data: bytes, row: int) -> tuple[int | None, list[str], list[str]]:
    """(physical line, fields, header) of data row ``row`` (1-based, header excluded)."""
    header: list[str] = []
    for i, (line, fields) in enumerate(_records(data)):
        if i == 0:
            header = fields
        if i == row:
            return line, fields, header
    return None, [], header


def record_line(data: bytes, row: int) -> int | None:
    """Physical line on which data row ``row`` (1-based, header excluded) starts."""
    return _record(data, row)[0]


def relocate(err: ValidationError, path: Path, data: bytes) -> ValidationError:
    """Turn a table/row error into a file/line error for the file the table came from.

    When the row has fewer fields than the header (a truncated file, say), that is what
    the message says, since it is the cause of the missing value.
    """
    if err.file is not None:
        return err
    if err.row is None:
        return ValidationError(err.message, file=path, column=err.column)
    try:
        line, fields, header = _record(data, err.row)
    except ValidationError as exc:
        return ValidationError(exc.message, file=path, line=exc.line)
    if line is None:
        return ValidationError(err.message, file=path, row=err.row, column=err.column)
    if fields and header and len(fields) != len(header):
        return ValidationError(
            f"this row has {len(fields)} fields but the header has {len(header)}; "
            "is the file truncated or a field missing its quotes?",
            file=path,
            line=line,
        )
    return ValidationError(err.message, file=path, line=line, column=err.column)


def _bad_value(name: str, value: str, dtype: Any) -> str | None:
    """Why ``value`` cannot be read as ``dtype`` (None when it can)."""
    if dtype.is_integer():
        digits = value.lstrip("+-")
        try:
            number = int(value)
        except ValueError:
            return f"expected a whole number; got {value!r}"
        if abs(number) > _INT64_MAX:
            if name.lower() in _TIME_COLUMNS:
                return (
                    f"{len(digits)}-digit number is not a time (epoch milliseconds have 13 "
                    f"digits); got {value!r}"
                )
            return f"{len(digits)}-digit number is too large for a whole number (at most 19 digits)"
    elif dtype.is_float():
        try:
            float(value)
        except ValueError:
            return f"expected a number; got {value!r}"
    return None


def check_last_row(path: Path, data: bytes, header: list[str]) -> None:
    """Refuse a file whose last row has fewer fields than the header (a file cut short).

    Real exports write every field of every row, so a shorter last row means the file was
    truncated mid-row (a failed download or copy); the rows before it are fine.

    Raises
    ------
    ValidationError
        Naming the file and the line of the short row.
    """
    end = len(data.rstrip(b"\r\n"))
    data = data[:end]
    start = data.rfind(b"\n", 0, end) + 1
    last = data[start:end]
    if not last.strip() or start == 0:
        return
    if b'"' in last or b"\r" in last:  # the row may span lines: read the records to be sure
        try:
            records = [r for r in _records(data) if r[1] and r[1] != [""]]
        except ValidationError as exc:
            raise ValidationError(exc.message, file=path, line=exc.line) from None
        if len(records) < 2:
            return
        line, fields = records[-1]
    else:
        line = data.count(b"\n", 0, start) + 1
        fields = next(csv.reader([last.decode("utf-8", "replace").rstrip("\r")]), [])
    if len(fields) < len(header):
        raise ValidationError(
            f"the last row has {len(fields)} fields but the header has {len(header)}; the file "
            "looks cut short (truncated mid-row): export or copy it again",
            file=path,
            line=line,
        )


def _diagnose(
    path: Path,
    data: bytes,
    dtypes: Mapping[str, Any],
    columns: list[str],
    cause: BaseException | None = None,
) -> ValidationError:
    """Find the first record that polars could not read and explain it."""
    check_utf8(path, data)
    header: list[str] | None = None
    try:
        for line, fields in _records(data):
            if header is None:
                header = fields
                continue
            if fields == [] or fields == [""]:
                continue
            if len(fields) != len(header):
                return ValidationError(
                    f"this row has {len(fields)} fields but the header has {len(header)}; "
                    "is the file truncated or a field missing its quotes?",
                    file=path,
                    line=line,
                )
            for name, dtype in dtypes.items():
                if name not in header:
                    continue
                value = fields[header.index(name)].strip()
                if value == "":
                    continue
                why = _bad_value(name, value, dtype)
                if why is not None:
                    return ValidationError(why, file=path, line=line, column=name)
    except ValidationError as exc:
        return ValidationError(exc.message, file=path, line=exc.line)
    detail = str(cause).strip().splitlines()[0][:200] if cause is not None and str(cause) else ""
    return ValidationError(
        "could not be read as CSV" + (f" ({detail})" if detail else ""), file=path
    )


def read_csv_table(
    path: str | Path,
    *,
    required: Mapping[str, Any],
    optional: Mapping[str, Any] | None = None,
    encoding: str = "utf-8",
    other_columns: str = "keep",
    allow_empty: bool = False,
) -> tuple[pl.DataFrame, bytes]:
    """Read a CSV file whose columns must include ``required``.

    Parameters
    ----------
    path : path
        The CSV file.
    required, optional : mapping of column name to polars dtype or None
        Columns that must / may be present and the dtype to read them as (None: inferred).
    encoding : str
        The file's text encoding (UTF-8 by default; UTF-16 with a BOM is detected).
    other_columns : {"keep", "string"}
        Columns not named are kept with inferred dtypes (``"keep"``) or read as text.
    allow_empty : bool
        Accept a header with no data rows (an empty table); refused by default.

    Returns
    -------
    (DataFrame, bytes)
        The table and the file's UTF-8 content (kept to locate later validation errors).
    """
    path = Path(path)
    data = read_bytes(path, encoding, validate=False)
    try:
        first_line = data.split(b"\n", 1)[0].decode("utf-8").strip("\r")
    except UnicodeDecodeError:
        check_utf8(path, data)
        raise
    try:
        header = next(csv.reader(io.StringIO(first_line, newline=""), strict=True), [])
    except csv.Error as exc:
        raise ValidationError(
            f"the header line is not valid CSV ({exc})", file=path, line=1
        ) from None
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise ValidationError(
            f"missing required column(s) {', '.join(repr(c) for c in missing)}; the header has "
            f"{', '.join(repr(c) for c in header) or 'no columns'}",
            file=path,
            line=1,
        )
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise ValidationError(
            f"the header repeats column(s) {', '.join(repr(d) for d in dupes)}",
            file=path,
            line=1,
        )
    dtypes: dict[str, Any] = {
        c: t
        for c, t in {**(optional or {}), **required}.items()
        if c in header and t is not None  # None: let polars infer the column's type
    }
    if other_columns == "string":
        for c in header:
            dtypes.setdefault(c, pl.String)
    try:
        df = pl.read_csv(
            io.BytesIO(data),
            schema_overrides=dtypes,
            infer_schema_length=1000,
            truncate_ragged_lines=False,
            raise_if_empty=True,
        )
    except (
        pl.exceptions.ComputeError,
        pl.exceptions.NoDataError,
        pl.exceptions.ShapeError,
    ) as exc:
        raise _diagnose(path, data, dtypes, header, exc) from None
    except BaseException as exc:  # polars' Rust panics arrive as pyo3 PanicException
        if type(exc).__name__ != "PanicException":
            raise
        raise _diagnose(path, data, dtypes, header, exc) from None
    if df.height == 0 and not allow_empty:
        raise ValidationError("the file has a header but no data rows", file=path, line=2)
    # rows with fewer fields than the header come back padded with nulls: a short LAST
    # row is a file cut short (rows in the middle are checked where their values matter)
    check_last_row(path, data, header)
    return df, data
