"""Readers for the inputs besides votes (estimates, probabilities, choices, ratings,
evidence ratings and their descriptive tables), long or wide, CSV or Parquet."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import polars as pl

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.inputs import INPUT_SCHEMAS, validate_input
from coprod_analytics.io._csv import read_csv_table, relocate
from coprod_analytics.schema import as_polars

__all__ = ["read_input", "read_input_files"]


def read_input(
    kind: str,
    source: str | os.PathLike[str] | Any,
    *,
    layout: Literal["long", "wide"] = "long",
    encoding: str = "utf-8",
    **columns: str,
) -> pl.DataFrame:
    """Read one input table of a registered kind (see :mod:`coprod_analytics.inputs`).

    Parameters
    ----------
    kind : str
        ``"estimates"``, ``"probabilities"``, ``"choices"``, ``"predictions"``,
        ``"ratings"``, ``"evidence"``, ``"questions"``, ``"rating_items"`` or
        ``"evidence_items"``.
    source : path or table
        CSV/TSV/Parquet file or an in-memory table.
    layout : {"long", "wide"}
        ``"long"``: one answer per row with the schema's columns. ``"wide"``: one row per
        participant, a ``participant`` column and one column per question or item holding
        the answer (estimates, probabilities, choices and ratings only).
    encoding : str, default "utf-8"
        Text encoding of CSV files.
    **columns : str
        The source's column for a schema column, named after the schema column, e.g.
        ``value="guess", question_id="q"``; in the wide layout ``participant_id="who"``
        names the participant column.

    Returns
    -------
    pl.DataFrame
        The validated long table.

    Examples
    --------
    >>> import polars as pl
    >>> wide = pl.DataFrame({"participant_id": [1, 2], "q1": [10.0, 12.0], "q2": [None, 3.0]})
    >>> read_input("estimates", wide, layout="wide").height
    3
    """
    check_param(
        kind in INPUT_SCHEMAS, "kind", "read_input", f"one of {sorted(INPUT_SCHEMAS)}", kind
    )
    check_param(layout in ("long", "wide"), "layout", "read_input", "'long' or 'wide'", layout)
    schema = INPUT_SCHEMAS[kind]
    known = (*schema.required, *schema.optional)
    for name in columns:
        check_param(
            name in known,
            name,
            "read_input",
            f"a column of the {kind!r} table ({', '.join(known)})",
            columns[name],
        )
    participant = columns.get("participant_id", "participant_id")
    path: Path | None = None
    data: bytes | None = None
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file")
        if path.suffix.lower() in {".parquet", ".pq"}:
            df = pl.read_parquet(path)
        else:
            text = {c: pl.String for c, k in schema.kinds.items() if k == "text"}  # keep "01"
            df, data = read_csv_table(path, required={}, optional=text, encoding=encoding)
    else:
        df = as_polars(source, name=kind)
    if layout == "wide":
        if schema.item is None or schema.value is None:
            raise ValidationError(
                f"{kind} has no wide layout (it needs several values per answer); use long",
                file=path,
                table=None if path else kind,
            )
        if participant not in df.columns:
            raise ValidationError(
                f"missing the participant column {participant!r}; found "
                f"{', '.join(repr(c) for c in df.columns)}",
                file=path,
                line=1 if path else None,
                table=None if path else kind,
            )
        items = [c for c in df.columns if c != participant]
        long = (
            df.select(
                pl.col(participant).alias("participant_id"),
                *[pl.col(c).cast(pl.String).alias(c) for c in items],
            )
            .unpivot(index="participant_id", variable_name=schema.item, value_name=schema.value)
            .filter(
                pl.col(schema.value).is_not_null() & (pl.col(schema.value).str.strip_chars() != "")
            )
        )
        try:
            return validate_input(kind, long)
        except ValidationError as err:
            if path is None:
                raise
            raise ValidationError(err.message, file=path, column=err.column) from None
    if columns:
        df = df.rename({src: dst for dst, src in columns.items() if src in df.columns})
    try:
        return validate_input(kind, df)
    except ValidationError as err:
        if path is not None and data is not None:
            raise relocate(err, path, data) from None
        if path is not None:
            raise ValidationError(err.message, file=path, row=err.row, column=err.column) from None
        raise


def read_input_files(
    folder: str | os.PathLike[str], *, encoding: str = "utf-8"
) -> dict[str, pl.DataFrame]:
    """Read every ``<kind>.csv`` (or ``<kind>.parquet``) of a registered kind in ``folder``.

    Each file is read with :func:`read_input` in the long layout; a kind with both files
    is read from the CSV. Files of other names are ignored.

    Parameters
    ----------
    folder : path
        The folder to look in.
    encoding : str, default "utf-8"
        Text encoding of CSV files.

    Returns
    -------
    dict of str to polars.DataFrame
        The validated tables by kind (empty when there are none), ready for
        :attr:`Inquiry.tables <coprod_analytics.inquiry.Inquiry.tables>`.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = (Path(tmp) / "estimates.csv").write_text(
    ...         "participant_id,question_id,value\\n1,1,12.5\\n2,1,9\\n")
    ...     _ = (Path(tmp) / "notes.csv").write_text("a,b\\n1,2\\n")
    ...     tables = read_input_files(tmp)
    >>> list(tables), tables["estimates"].get_column("value").to_list()
    (['estimates'], [12.5, 9.0])
    """
    from coprod_analytics.inputs import _family_schemas

    _family_schemas()  # kinds declared by the families' inputs modules
    out: dict[str, pl.DataFrame] = {}
    base = Path(folder)
    for kind in list(INPUT_SCHEMAS):
        for suffix in (".csv", ".parquet"):
            f = base / f"{kind}{suffix}"
            if f.exists():
                out[kind] = read_input(kind, f, encoding=encoding)
                break
    return out
