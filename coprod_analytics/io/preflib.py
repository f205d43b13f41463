"""Read and write PrefLib ranking files (``.soc``, ``.soi``, ``.toc``, ``.toi``).

PrefLib (preflib.org; Mattei & Walsh 2013) stores ordinal preferences as a header of
``# KEY: value`` lines followed by one line per distinct order, ``count: order``, where the
order lists alternative numbers best first and braces mark a tie group::

    # FILE NAME: example.toc
    # DATA TYPE: toc
    # NUMBER ALTERNATIVES: 3
    # NUMBER VOTERS: 5
    # NUMBER UNIQUE ORDERS: 2
    # ALTERNATIVE NAME 1: Park
    # ALTERNATIVE NAME 2: Library
    # ALTERNATIVE NAME 3: Pool
    3: 1,2,3
    2: {2,3},1

The four data types: ``soc`` strict complete orders, ``soi`` strict incomplete, ``toc``
complete with ties, ``toi`` incomplete with ties. The pre-2022 layout (a count of
alternatives, ``number,name`` lines, a ``voters,sum,unique`` line, then ``count,order`` lines)
is read too. Files are written in the current layout.

:func:`read_preflib` opens a file as an :class:`~coprod_analytics.inquiry.Inquiry` whose
``rankings`` table (``participant_id``, ``item_id``, ``rank``, ``weight``) is the long ballot
table of :mod:`coprod_analytics.preferences.rankings`: one ballot per distinct order (its
``participant_id`` is the number of the order line) with its count as ``weight``, so the
voting rules take it as it is. (An empty order in a ``soi``/``toi`` file has no row in a long
table; its voters still count in ``NUMBER VOTERS``.) :func:`read_preflib_data` gives the
file's content with its header (:class:`PreflibData`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.inquiry import Inquiry

__all__ = [
    "ATTRIBUTION",
    "PREFLIB_TYPES",
    "PreflibData",
    "read_preflib",
    "read_preflib_data",
    "write_preflib",
]

#: How PrefLib asks to be cited (kept in the metadata of an Inquiry read from a file).
ATTRIBUTION = "PrefLib (preflib.org; Mattei & Walsh 2013)"

PREFLIB_TYPES = ("soc", "soi", "toc", "toi")

_HEADER_ORDER = (
    "FILE NAME",
    "TITLE",
    "DESCRIPTION",
    "DATA TYPE",
    "MODIFICATION TYPE",
    "RELATES TO",
    "RELATED FILES",
    "PUBLICATION DATE",
    "MODIFICATION DATE",
)
_ALT_RE = re.compile(r"ALTERNATIVE NAME (\d+)$")


@dataclass(frozen=True, repr=False)
class PreflibData:
    """The content of a PrefLib ranking file.

    Attributes
    ----------
    ballots : polars.DataFrame
        The ``rankings`` table: ``participant_id`` (int: 1-based number of the order line),
        ``item_id`` (str: the alternative's name), ``rank`` (int: 1 is best; a tie group
        shares a rank) and ``weight`` (int: how many voters cast that order).
    alternatives : tuple of str
        Names in PrefLib's numbering (``alternatives[0]`` is alternative 1).
    data_type : str
        ``"soc"``, ``"soi"``, ``"toc"`` or ``"toi"``.
    metadata : dict of str to str
        The other header fields (``TITLE``, ``DESCRIPTION``, ...).
    source : str or None
        The file it was read from.

    Examples
    --------
    >>> d = PreflibData(pl.DataFrame({"participant_id": [1, 2], "item_id": ["x", "y"],
    ...                 "rank": [1, 1], "weight": [3, 2]}), ("x", "y"), "soi")
    >>> d
    <PreflibData: soi, 2 alternatives, 5 voters, 2 distinct orders>
    """

    ballots: pl.DataFrame
    alternatives: tuple[str, ...]
    data_type: str
    metadata: dict[str, str] = field(default_factory=dict)

    source: str | None = None

    @property
    def n_voters(self) -> int:
        """Voters: the sum of the orders' counts."""
        return int(self.ballots.unique("participant_id")["weight"].sum())

    def to_inquiry(self, *, metadata: Mapping[str, Any] | None = None) -> Inquiry:
        """An Inquiry holding the ballots as its ``rankings`` table.

        Parameters
        ----------
        metadata : mapping, optional
            Added to the Inquiry's metadata (default: title, data type, source, attribution).

        Returns
        -------
        Inquiry

        Examples
        --------
        >>> d = PreflibData(pl.DataFrame({"participant_id": [1], "item_id": ["x"],
        ...                 "rank": [1], "weight": [3]}), ("x",), "soc")
        >>> d.to_inquiry().tables["rankings"].columns
        ['participant_id', 'item_id', 'rank', 'weight']
        """
        md: dict[str, Any] = {"source_format": f"preflib ({self.data_type})"}
        if self.source:
            md["source_path"] = self.source
        title = self.metadata.get("TITLE") or (Path(self.source).stem if self.source else "")
        if title:
            md["title"] = title
        md["attribution"] = ATTRIBUTION
        md.update(metadata or {})
        return Inquiry(metadata=md, tables={"rankings": self.ballots})

    def __repr__(self) -> str:
        return (
            f"<PreflibData: {self.data_type}, {len(self.alternatives)} alternatives, "
            f"{self.n_voters} voters, {self.ballots['participant_id'].n_unique()} distinct "
            "orders>"
        )


def _parse_order(text: str, n_alt: int, file: str, line: int) -> list[list[int]]:
    groups: list[list[int]] = []
    i = 0
    text = text.strip()
    seen: set[int] = set()

    def number(tok: str) -> int:
        tok = tok.strip()
        if not tok.isdigit() or not 1 <= int(tok) <= n_alt:
            raise ValidationError(
                f"expected an alternative number between 1 and {n_alt}; got {tok!r}",
                file=file,
                line=line,
                column="order",
            )
        k = int(tok)
        if k in seen:
            raise ValidationError(
                f"alternative {k} appears twice in one order", file=file, line=line, column="order"
            )
        seen.add(k)
        return k

    while i < len(text):
        ch = text[i]
        if ch in " ,":
            i += 1
        elif ch == "{":
            end = text.find("}", i)
            if end < 0:
                raise ValidationError(
                    "a tie group opened with '{' is never closed",
                    file=file,
                    line=line,
                    column="order",
                )
            inner = text[i + 1 : end]
            if "{" in inner:
                raise ValidationError(
                    "tie groups cannot be nested", file=file, line=line, column="order"
                )
            toks = [t for t in inner.split(",") if t.strip()]
            if not toks:
                raise ValidationError("empty tie group '{}'", file=file, line=line, column="order")
            groups.append([number(t) for t in toks])
            i = end + 1
        else:
            j = i
            while j < len(text) and text[j] not in ",{":
                j += 1
            groups.append([number(text[i:j])])
            i = j
    return groups


def _parse_count(tok: str, file: str, line: int) -> int:
    tok = tok.strip()
    if not tok.isdigit() or int(tok) < 1:
        raise ValidationError(
            f"expected a positive whole number of voters; got {tok!r}",
            file=file,
            line=line,
            column="count",
        )
    return int(tok)


def read_preflib(path: str | Path, *, data_type: str | None = None) -> Inquiry:
    """Read a PrefLib ``.soc``/``.soi``/``.toc``/``.toi`` file as an Inquiry.

    Parameters
    ----------
    path : str or Path
        The file.
    data_type : {"soc", "soi", "toc", "toi"}, optional
        Overrides the type given by the header (see :func:`read_preflib_data`).

    Returns
    -------
    Inquiry
        Its ``rankings`` table holds one ballot per distinct order (``participant_id`` =
        number of the order line) with its count as ``weight``; the voting rules of
        :mod:`coprod_analytics.preferences.rankings` take it (or the Inquiry) as it is.

    Raises
    ------
    ValidationError
        Naming the file, line and field (``count``, ``order`` or the header key).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from coprod_analytics.preferences import schulze
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "tiny.soc"
    >>> _ = p.write_text("# ALTERNATIVE NAME 1: x\\n# ALTERNATIVE NAME 2: y\\n2: 2,1\\n1: 1,2\\n")
    >>> inq = read_preflib(p)
    >>> inq.tables["rankings"].columns
    ['participant_id', 'item_id', 'rank', 'weight']
    >>> schulze(inq).winners
    ['y']
    """
    return read_preflib_data(path, data_type=data_type).to_inquiry()


def read_preflib_data(path: str | Path, *, data_type: str | None = None) -> PreflibData:
    """Read a PrefLib ``.soc``/``.soi``/``.toc``/``.toi`` file with its header.

    Parameters
    ----------
    path : str or Path
        The file.
    data_type : {"soc", "soi", "toc", "toi"}, optional
        Overrides the type given by the header (or, without one, by the file extension).
        The orders are checked against it: ``soc``/``soi`` orders must be strict,
        ``soc``/``toc`` orders complete.

    Returns
    -------
    PreflibData

    Raises
    ------
    ValidationError
        Naming the file, line and field (``count``, ``order`` or the header key).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "tiny.soc"
    >>> _ = p.write_text("# ALTERNATIVE NAME 1: x\\n# ALTERNATIVE NAME 2: y\\n2: 2,1\\n1: 1,2\\n")
    >>> d = read_preflib_data(p)
    >>> d.alternatives, d.n_voters, d.ballots.rows()[:2]
    (('x', 'y'), 3, [(1, 'y', 1, 2), (1, 'x', 2, 2)])
    """
    from coprod_analytics.io._csv import read_text

    p = Path(path)
    f = str(p)
    text = read_text(p, what="a PrefLib file")
    lines = text.splitlines()
    meta: dict[str, str] = {}
    names: dict[int, str] = {}
    header_line: dict[str, int] = {}
    body: list[tuple[int, str]] = []
    legacy = False
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    if first and not first.startswith("#"):
        legacy = True
    if legacy:
        rows = [(i + 1, ln.strip()) for i, ln in enumerate(lines) if ln.strip()]
        lineno, head = rows[0]
        if not head.isdigit():
            raise ValidationError(
                f"expected '# KEY: value' header lines or (old layout) the number of "
                f"alternatives; got {head!r}",
                file=f,
                line=lineno,
            )
        n_alt = int(head)
        if len(rows) < n_alt + 2:
            raise ValidationError(
                f"the old PrefLib layout needs {n_alt} alternative lines and a voter-count line",
                file=f,
                line=rows[-1][0],
            )
        for lineno, row in rows[1 : n_alt + 1]:
            num, _, name = row.partition(",")
            if not num.strip().isdigit():
                raise ValidationError(
                    f"expected 'number,name'; got {row!r}", file=f, line=lineno, column="name"
                )
            names[int(num)] = name.strip()
        lineno, counts = rows[n_alt + 1]
        parts = counts.split(",")
        if len(parts) != 3 or not all(x.strip().isdigit() for x in parts):
            raise ValidationError(
                f"expected 'voters,sum of counts,unique orders'; got {counts!r}",
                file=f,
                line=lineno,
            )
        meta["NUMBER ALTERNATIVES"] = str(n_alt)
        meta["NUMBER VOTERS"] = parts[0].strip()
        meta["NUMBER UNIQUE ORDERS"] = parts[2].strip()
        header_line["NUMBER VOTERS"] = header_line["NUMBER UNIQUE ORDERS"] = lineno
        for lineno, row in rows[n_alt + 2 :]:
            cnt, _, order = row.partition(",")
            body.append((lineno, f"{cnt}:{order}"))
    else:
        for i, ln in enumerate(lines, start=1):
            s = ln.strip()
            if not s:
                continue
            if s.startswith("#"):
                key, sep, value = s[1:].partition(":")
                key = key.strip().upper()
                if not sep:
                    continue  # a free comment
                m = _ALT_RE.match(key)
                if m:
                    names[int(m.group(1))] = value.strip()
                else:
                    meta[key] = value.strip()
                    header_line[key] = i
            else:
                body.append((i, s))
        n_alt = 0
        if "NUMBER ALTERNATIVES" in meta:
            v = meta["NUMBER ALTERNATIVES"]
            if not v.isdigit():
                raise ValidationError(
                    f"expected a whole number; got {v!r}",
                    file=f,
                    line=header_line["NUMBER ALTERNATIVES"],
                    column="NUMBER ALTERNATIVES",
                )
            n_alt = int(v)
        n_alt = max([n_alt, *names])
    dtype = data_type or meta.get("DATA TYPE", "").lower() or p.suffix.lstrip(".").lower()
    check_param(
        dtype in PREFLIB_TYPES,
        "data_type",
        "read_preflib_data",
        f"one of {PREFLIB_TYPES}",
        dtype,
    )
    if n_alt == 0:
        raise ValidationError(
            "the file names no alternatives (no 'NUMBER ALTERNATIVES' or 'ALTERNATIVE NAME' "
            "header)",
            file=f,
        )
    labels = [names.get(k, str(k)) for k in range(1, n_alt + 1)]
    if len(set(labels)) != len(labels):
        dup = next(x for x in labels if labels.count(x) > 1)
        raise ValidationError(
            f"alternative name {dup!r} is used twice; names must be distinct",
            file=f,
            column="ALTERNATIVE NAME",
        )
    voter: list[int] = []
    alt: list[str] = []
    rank: list[int] = []
    weight: list[int] = []
    total = 0
    for k, (lineno, row) in enumerate(body, start=1):
        cnt_text, sep, order_text = row.partition(":")
        if not sep:
            raise ValidationError(
                f"expected 'count: order'; got {row!r}", file=f, line=lineno, column="count"
            )
        count = _parse_count(cnt_text, f, lineno)
        groups = _parse_order(order_text, n_alt, f, lineno)
        n_ranked = sum(len(g) for g in groups)
        if dtype in ("soc", "soi") and any(len(g) > 1 for g in groups):
            raise ValidationError(
                f"a {dtype} file holds strict orders; got a tie group",
                file=f,
                line=lineno,
                column="order",
            )
        if dtype in ("soc", "toc") and n_ranked != n_alt:
            raise ValidationError(
                f"a {dtype} file holds complete orders of all {n_alt} alternatives; this order "
                f"ranks {n_ranked}",
                file=f,
                line=lineno,
                column="order",
            )
        total += count
        for r, g in enumerate(groups, start=1):
            for a in g:
                voter.append(k)
                alt.append(labels[a - 1])
                rank.append(r)
                weight.append(count)
    for key, actual in (("NUMBER VOTERS", total), ("NUMBER UNIQUE ORDERS", len(body))):
        if key in meta and meta[key].isdigit() and int(meta[key]) != actual:
            raise ValidationError(
                f"the header says {meta[key]} but the file holds {actual}",
                file=f,
                line=header_line.get(key),
                column=key,
            )
    ballots = pl.DataFrame(
        {"participant_id": voter, "item_id": alt, "rank": rank, "weight": weight},
        schema={
            "participant_id": pl.Int64,
            "item_id": pl.String,
            "rank": pl.Int64,
            "weight": pl.Int64,
        },
    )
    other = {
        k: v
        for k, v in meta.items()
        if k not in ("NUMBER ALTERNATIVES", "NUMBER VOTERS", "NUMBER UNIQUE ORDERS")
    }
    other["DATA TYPE"] = dtype
    return PreflibData(
        ballots=ballots, alternatives=tuple(labels), data_type=dtype, metadata=other, source=f
    )


def write_preflib(
    ballots: Inquiry | pl.DataFrame,
    path: str | Path,
    *,
    data_type: str | None = None,
    alternatives: Sequence[str] | None = None,
    metadata: Mapping[str, str] | None = None,
) -> Path:
    """Write ranked ballots as a PrefLib file (current layout).

    Parameters
    ----------
    ballots : Inquiry or polars.DataFrame
        The ``rankings`` table of an inquiry (``participant_id``, ``item_id``, ``rank``,
        optional whole-number ``weight``) or the Inquiry itself; identical orders are merged
        and written with their count, most common first.
    path : str or Path
        Target file.
    data_type : {"soc", "soi", "toc", "toi"}, optional
        Default: the file extension when it is one of these, else the narrowest type that fits
        the ballots. Ballots that do not fit the type (ties in ``soc``/``soi``, incomplete
        orders in ``soc``/``toc``) raise :class:`ValidationError`.
    alternatives : sequence of str, optional
        All alternative names in numbering order (default: the names in the ballots, sorted).
    metadata : mapping, optional
        Extra header fields (``TITLE``, ``DESCRIPTION``, ...).

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from coprod_analytics.preferences import ballots_from_orders
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "out.toc"
    >>> _ = write_preflib(ballots_from_orders([["a", ("b", "c")], ["a", ("b", "c")]]), p)
    >>> print(p.read_text().splitlines()[-1])
    2: 1,{2,3}
    """
    from coprod_analytics.preferences.rankings import validate_ballots

    df = validate_ballots(ballots, kind="rank")
    names = list(alternatives) if alternatives is not None else sorted(df["item_id"].unique())
    number = {a: i + 1 for i, a in enumerate(names)}
    unknown = df.filter(~pl.col("item_id").is_in(names))
    if unknown.height:
        raise ValidationError(
            f"item {unknown['item_id'][0]!r} is not in 'alternatives'",
            table="ballots",
            column="item_id",
        )
    frac = df.filter(pl.col("weight") != pl.col("weight").round(0))
    if frac.height:
        raise ValidationError(
            f"PrefLib counts voters in whole numbers; got weight {frac['weight'][0]!r}",
            table="ballots",
            column="weight",
        )
    counts: dict[tuple[tuple[int, ...], ...], int] = {}
    for _, sub in df.sort("value").group_by("participant_id", maintain_order=True):
        groups: list[tuple[int, ...]] = []
        for _, g in sub.group_by("value", maintain_order=True):
            groups.append(tuple(sorted(number[a] for a in g["item_id"])))
        key = tuple(groups)
        counts[key] = counts.get(key, 0) + int(sub["weight"][0])
    counts = {k: v for k, v in counts.items() if v > 0}
    has_ties = any(len(g) > 1 for order in counts for g in order)
    complete = all(sum(len(g) for g in order) == len(names) for order in counts)
    suffix = Path(path).suffix.lstrip(".").lower()
    if data_type is None:
        data_type = (
            suffix
            if suffix in PREFLIB_TYPES
            else ("to" if has_ties else "so") + ("c" if complete else "i")
        )
    check_param(
        data_type in PREFLIB_TYPES,
        "data_type",
        "write_preflib",
        f"one of {PREFLIB_TYPES}",
        data_type,
    )
    if has_ties and data_type in ("soc", "soi"):
        raise ValidationError(
            f"the ballots contain ties, which a {data_type} file cannot hold; use toc or toi",
            table="ballots",
            column="rank",
        )
    if not complete and data_type in ("soc", "toc"):
        raise ValidationError(
            f"some ballots do not rank all {len(names)} alternatives, which a {data_type} file "
            "requires; use soi or toi",
            table="ballots",
            column="item_id",
        )
    meta = dict(metadata or {})
    meta.setdefault("FILE NAME", Path(path).name)
    meta["DATA TYPE"] = data_type
    out: list[str] = []
    for hkey in _HEADER_ORDER:
        out.append(f"# {hkey}: {meta.pop(hkey, '')}".rstrip())
    for hkey, value in meta.items():
        if hkey in ("NUMBER ALTERNATIVES", "NUMBER VOTERS", "NUMBER UNIQUE ORDERS"):
            continue
        out.append(f"# {hkey}: {value}".rstrip())
    out.append(f"# NUMBER ALTERNATIVES: {len(names)}")
    out.append(f"# NUMBER VOTERS: {sum(counts.values())}")
    out.append(f"# NUMBER UNIQUE ORDERS: {len(counts)}")
    for i, name in enumerate(names, start=1):
        out.append(f"# ALTERNATIVE NAME {i}: {name}")
    for order, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        parts = [str(g[0]) if len(g) == 1 else "{" + ",".join(map(str, g)) + "}" for g in order]
        out.append(f"{count}: {','.join(parts)}")
    from coprod_analytics.io.atomic import atomic_write_text

    target = Path(path)
    atomic_write_text(target, "\n".join(out) + "\n")
    return target
