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

__all__ = ["read_bytes", "read_csv_table", "record_line", "relocate"]

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise ValidationError("expected a file, found a folder", file=path)


def read_bytes(path: Path, encoding: str = "utf-8", *, validate: bool = True) -> bytes:
    """The file's content as UTF-8 bytes, transcoding when needed.

    UTF-8 (with or without a byte-order mark) is passed through after a validity check;
    UTF-16 with a byte-order mark is transcoded; any other ``encoding`` is decoded with
    Python's codec of that name. ``validate=False`` skips the UTF-8 check (for callers
    whose parser checks it anyway and calls :func:`check_utf8` on failure).
    """
    _check_file(path)
    raw = path.read_bytes()
    if not raw or raw.isspace():
        raise ValidationError("the file is empty; expected a header line and data rows", file=path)
    norm = codecs.lookup(encoding).name
    if raw.startswith(_UTF16_BOMS):
        return raw.decode("utf-16").encode("utf-8")
    if norm == "utf-8":
        if raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        if validate:
            check_utf8(path, raw)
        return raw
    try:
        return raw.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ValidationError(
            f"cannot be decoded as {encoding} (offset {exc.start})", file=path, line=line
        ) from None


def check_utf8(path: Path, raw: bytes) -> None:
    """Raise a ValidationError naming the line of the first byte that is not UTF-8."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ValidationError(
            f"not valid UTF-8 (byte {raw[exc.start]:#04x} at offset {exc.start}); save the "
            "file as UTF-8, or pass the file's encoding (e.g. encoding='latin-1')",
            file=path,
            line=line,
        ) from None


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


def _diagnose(
    path: Path, data: bytes, dtypes: Mapping[str, Any], columns: list[str]
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
                if value == "" or not dtype.is_integer():
                    continue
                try:
                    int(value)
                except ValueError:
                    return ValidationError(
                        f"expected a whole number; got {value!r}",
                        file=path,
                        line=line,
                        column=name,
                    )
    except ValidationError as exc:
        return ValidationError(exc.message, file=path, line=exc.line)
    return ValidationError("could not be read as CSV", file=path)


def read_csv_table(
    path: str | Path,
    *,
    required: Mapping[str, Any],
    optional: Mapping[str, Any] | None = None,
    encoding: str = "utf-8",
    other_columns: str = "keep",
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
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, pl.exceptions.ShapeError):
        raise _diagnose(path, data, dtypes, header) from None
    except BaseException as exc:  # polars' Rust panics arrive as pyo3 PanicException
        if type(exc).__name__ != "PanicException":
            raise
        raise _diagnose(path, data, dtypes, header) from None
    if df.height == 0:
        raise ValidationError("the file has a header but no data rows", file=path, line=2)
    # rows with fewer fields than the header come back padded with nulls: find them
    return df, data
