"""Provenance: what produced a result (input fingerprint, parameters, seed, version)."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from typing import Any

import polars as pl

__all__ = ["Provenance", "fingerprint_frames", "package_version"]


@functools.cache
def package_version() -> str:
    """The installed version of coprod-analytics (``"0+unknown"`` when not installed).

    Returns
    -------
    str
        The version string of the installed distribution, e.g. ``"0.9.0"``.

    Examples
    --------
    >>> v = package_version()
    >>> isinstance(v, str) and v == Provenance("demo", "0" * 64).version
    True
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("coprod-analytics")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def fingerprint_frames(*frames: pl.DataFrame | None) -> str:
    """A stable SHA-256 fingerprint of one or more tables (schema and contents, in order).

    The fingerprint depends on column names, dtypes and values in row order; it does not
    depend on the polars version's internal hashing nor on how the table was stored (the same
    values read back from Parquet give the same fingerprint).

    Parameters
    ----------
    *frames : polars.DataFrame or None
        The tables, in order (None stands for an absent table and counts as one).

    Returns
    -------
    str
        The SHA-256 hex digest (64 characters).

    Examples
    --------
    >>> a = pl.DataFrame({"x": [1, 2]})
    >>> fingerprint_frames(a) == fingerprint_frames(pl.DataFrame({"x": [1, 2]}))
    True
    >>> fingerprint_frames(a) == fingerprint_frames(pl.DataFrame({"x": [2, 1]}))
    False
    """
    h = hashlib.sha256()
    for frame in frames:
        if frame is None:
            h.update(b"<none>")
            continue
        h.update(repr(list(frame.schema.items())).encode())
        h.update(frame.height.to_bytes(8, "little"))
        for name in frame.columns:
            _hash_column(h, frame.get_column(name))
    return h.hexdigest()


def _hash_column(h: Any, series: pl.Series) -> None:
    """Feed one column to ``h`` canonically: the null mask, then the non-null values.

    Serialised bytes (Arrow IPC) are not canonical — the same values read back from Parquet
    give other buffers — so values are hashed as numpy bytes (numbers, booleans, dates as
    their physical integers) or as length-prefixed UTF-8 (text and everything else).
    """
    import numpy as np

    h.update(series.name.encode() + b"\0")
    h.update(np.packbits(series.is_null().to_numpy()).tobytes())
    values = series.drop_nulls()
    dtype = values.dtype
    if dtype.is_numeric() or dtype == pl.Boolean:
        h.update(np.ascontiguousarray(values.to_numpy()).tobytes())
    elif dtype.is_temporal():
        h.update(np.ascontiguousarray(values.to_physical().to_numpy()).tobytes())
    else:
        try:
            text = values.cast(pl.String)
        except pl.exceptions.PolarsError:  # nested types: their Python repr, row by row
            text = pl.Series([repr(v) for v in values.to_list()], dtype=pl.String)
        h.update(np.ascontiguousarray(text.str.len_bytes().to_numpy()).tobytes())
        h.update(text.str.join("").item().encode())  # the texts end to end


@dataclass(frozen=True)
class Provenance:
    """Where a result came from: enough to reproduce it.

    Attributes
    ----------
    method : str
        The public function that produced the result.
    input_fingerprint : str
        SHA-256 fingerprint of the input tables (see :func:`fingerprint_frames`).
    parameters : dict
        Every parameter the method used, defaults included.
    seed : int or None
        The random seed, when the method is random.
    version : str
        coprod-analytics version (default: the installed one).

    Examples
    --------
    >>> frame = pl.DataFrame({"participant_id": [1, 2], "vote": [1, -1]})
    >>> prov = Provenance("opinion_groups", fingerprint_frames(frame), {"max_k": 5}, seed=0)
    >>> prov.to_dict()["parameters"], prov.seed, len(prov.input_fingerprint)
    ({'max_k': 5}, 0, 64)
    """

    method: str
    input_fingerprint: str
    parameters: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    version: str = field(default_factory=package_version)

    def to_dict(self) -> dict[str, Any]:
        """The record as a plain dict (JSON-ready when the parameters are).

        Returns
        -------
        dict of str to Any
            ``method``, ``input_fingerprint``, ``parameters`` (a copy), ``seed`` and
            ``version``.
        """
        return {
            "method": self.method,
            "input_fingerprint": self.input_fingerprint,
            "parameters": dict(self.parameters),
            "seed": self.seed,
            "version": self.version,
        }
