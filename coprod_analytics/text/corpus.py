"""A collection of short texts as one table, and the tokenisers every text method shares.

:func:`texts_of` turns whatever holds texts — an :class:`~coprod_analytics.Inquiry` (its
statements, else its ``free_text`` table), a table with an id and a text column, a list of
strings or a path — into one polars table with the columns ``text_id`` (String) and
``text`` (plus ``participant_id`` when the source has it). :func:`read_texts` reads a path:
a CSV/TSV with ``id`` (or ``text_id``/``statement_id``) and ``text`` columns, or anything
:func:`~coprod_analytics.load_inquiry` reads.

Tokenisers (no language model, no download): :func:`label_tokens` gives the words used in
topic labels — lower-cased word tokens for scripts written with spaces, character bigrams for
runs of Chinese, Japanese or Thai (scripts without spaces), so a mixed corpus gets readable
labels in every language.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError
from coprod_analytics.inquiry import Inquiry

__all__ = ["label_tokens", "normalise_text", "read_texts", "texts_of"]

#: Runs of characters of scripts written without spaces between words (CJK ideographs,
#: kana, Thai, Lao, Khmer, Myanmar).
NO_SPACE_RUN = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
)
_WORD = re.compile(r"[^\W\d_]{2,}|\w*[^\W\d_]\w*", re.UNICODE)
_PUNCT_SPACE = re.compile(r"[\W_]+", re.UNICODE)

_ID_COLUMNS = ("text_id", "id", "statement_id", "comment-id", "comment_id")
_TEXT_COLUMNS = ("text", "comment-body", "body")


@functools.lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def normalise_text(text: str) -> str:
    """The text as near-duplicate detection compares it: Unicode NFKC, case-folded,
    punctuation removed, whitespace collapsed.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        The normalised text.

    Examples
    --------
    >>> normalise_text("  The BUS is late!!  ")
    'the bus is late'
    >>> normalise_text("公車，總是遲到。")
    '公車 總是遲到'
    """
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return " ".join(_PUNCT_SPACE.sub(" ", folded).split())


def label_tokens(text: str) -> list[str]:
    """Tokens for topic labels: word tokens (lower case, no English stop words, at least two
    letters) and character bigrams of runs in scripts without spaces.

    Parameters
    ----------
    text : str
        One text.

    Returns
    -------
    list of str
        Its tokens, in order.

    Examples
    --------
    >>> label_tokens("The buses are LATE again")
    ['buses', 'late']
    >>> label_tokens("Uber的出現")
    ['uber', '的出', '出現']
    """
    stop = _stop_words()
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    out: list[str] = []
    last = 0
    for run in NO_SPACE_RUN.finditer(folded):
        out.extend(
            w for w in _WORD.findall(folded[last : run.start()]) if w not in stop and len(w) > 1
        )
        s = run.group()
        out.extend(s[i : i + 2] for i in range(len(s) - 1)) if len(s) > 1 else out.append(s)
        last = run.end()
    out.extend(w for w in _WORD.findall(folded[last:]) if w not in stop and len(w) > 1)
    return out


def _frame_texts(
    frame: pl.DataFrame, *, text_id: str | None, text: str | None, source: str | None
) -> pl.DataFrame:
    id_col = text_id or next((c for c in _ID_COLUMNS if c in frame.columns), None)
    text_col = text or next((c for c in _TEXT_COLUMNS if c in frame.columns), None)
    where = {"file": source} if source else {"table": "texts"}
    if text_col is None or text_col not in frame.columns:
        raise ValidationError(
            f"no text column; expected one named {text or 'text'!r}; found "
            + ", ".join(repr(c) for c in frame.columns),
            column=text or "text",
            **where,  # type: ignore[arg-type]
        )
    if id_col is None or id_col not in frame.columns:
        raise ValidationError(
            f"no id column; expected one named {text_id or 'id'!r} (or text_id, "
            "statement_id); found " + ", ".join(repr(c) for c in frame.columns),
            column=text_id or "id",
            **where,  # type: ignore[arg-type]
        )
    ids = frame.get_column(id_col).cast(pl.String).str.strip_chars()
    bad = ids.is_null() | (ids == "")
    if bad.any():
        row = int(bad.arg_true()[0]) + 1
        raise ValidationError("missing id; every text needs one", row=row, column=id_col, **where)  # type: ignore[arg-type]
    dup = ids.is_duplicated()
    if dup.any():
        row = int(dup.arg_true()[1]) + 1
        raise ValidationError(
            f"duplicate id {ids[row - 1]!r}; each text needs its own id",
            row=row,
            column=id_col,
            **where,  # type: ignore[arg-type]
        )
    texts = frame.get_column(text_col)
    if texts.dtype != pl.String:
        raise ValidationError(
            f"expected text; got a column of type {texts.dtype}",
            column=text_col,
            **where,  # type: ignore[arg-type]
        )
    empty = texts.is_null() | (texts.str.strip_chars() == "")
    if empty.all() and frame.height:
        raise ValidationError("every text is empty", column=text_col, **where)  # type: ignore[arg-type]
    cols = [ids.alias("text_id"), texts.fill_null("").alias("text")]
    if "participant_id" in frame.columns:
        cols.append(frame.get_column("participant_id"))
    return pl.DataFrame(cols).filter(~empty)


def _looks_like_text_table(path: Path) -> bool:
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        header = pl.read_csv(path, separator=sep, n_rows=0, infer_schema_length=0).columns
    except Exception:
        return False
    return any(c in header for c in _TEXT_COLUMNS) and "vote" not in header


def read_texts(path: str | os.PathLike[str]) -> pl.DataFrame:
    """The texts of a file or folder as a ``text_id``, ``text`` table.

    A ``.csv``/``.tsv`` file with a ``text`` column and an id column (``id``, ``text_id`` or
    ``statement_id``) is read as texts; anything else goes to
    :func:`~coprod_analytics.load_inquiry` and its statements (or its ``free_text`` table)
    are used.

    Parameters
    ----------
    path : str or path-like
        The file or folder.

    Returns
    -------
    pl.DataFrame
        ``text_id`` (String), ``text`` and, when the source has it, ``participant_id``.

    Raises
    ------
    ValidationError
        Naming the file, row and column of the first problem (no text column, a missing or
        duplicate id, no texts at all).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ideas.csv"
    >>> _ = p.write_text("id,text\\n1,More buses\\n2,Safer bike lanes\\n")
    >>> read_texts(p).rows()
    [('1', 'More buses'), ('2', 'Safer bike lanes')]
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such file or folder")
    if p.is_file() and p.suffix.lower() in {".csv", ".tsv", ".txt"} and _looks_like_text_table(p):
        sep = "\t" if p.suffix.lower() == ".tsv" else ","
        try:
            frame = pl.read_csv(p, separator=sep, infer_schema_length=0)
        except Exception as exc:  # polars' parse errors name no row in the user's words
            raise ValidationError(f"cannot read as a table: {exc}".splitlines()[0], file=p) from exc
        return _frame_texts(frame, text_id=None, text=None, source=str(p))
    from coprod_analytics.io.load import load_inquiry

    try:
        inquiry = load_inquiry(p)
    except ValidationError as exc:
        if p.is_file() and p.suffix.lower() in {".csv", ".tsv", ".txt"}:
            sep = "\t" if p.suffix.lower() == ".tsv" else ","
            try:
                header = pl.read_csv(p, separator=sep, n_rows=0, infer_schema_length=0).columns
            except Exception:
                header = []
            raise ValidationError(
                "no text column; expected a table with 'id' and 'text' columns (or an input "
                "coprod info reads); found " + ", ".join(repr(c) for c in header),
                file=p,
                column="text",
            ) from exc
        raise
    out = texts_of(inquiry)
    if out.height == 0:
        raise ValidationError("no texts found (no statements and no free_text table)", file=p)
    return out


def texts_of(
    data: Any,
    *,
    text_id: str | None = None,
    text: str | None = None,
) -> pl.DataFrame:
    """Any collection of short texts as one ``text_id``, ``text`` table.

    Parameters
    ----------
    data : Inquiry, DataFrame, sequence of str, or path
        An :class:`~coprod_analytics.Inquiry` (its statements that were not moderated out;
        when it has none, its ``free_text`` table), a polars/pandas table with an id column
        and a text column, a list of strings (ids ``"0"``, ``"1"``, ... by position) or a
        path (:func:`read_texts`).
    text_id : str, optional
        The id column of a table whose columns differ from the canonical ones (default: the
        first of ``text_id``, ``id``, ``statement_id``).
    text : str, optional
        The text column (default: ``text``).

    Returns
    -------
    pl.DataFrame
        ``text_id`` (String), ``text`` (String; empty texts dropped) and ``participant_id``
        when the source has it.

    Examples
    --------
    >>> texts_of(["more buses", "safer bike lanes"]).rows()
    [('0', 'more buses'), ('1', 'safer bike lanes')]
    >>> texts_of(pl.DataFrame({"comment": [7], "body": ["hi"]}), text_id="comment").rows()
    [('7', 'hi')]
    """
    if isinstance(data, str | os.PathLike):
        return read_texts(data)
    if isinstance(data, Inquiry):
        st = data.statements
        if st.height and "text" in st.columns:
            if "moderation" in st.columns:
                st = st.filter(pl.col("moderation").fill_null(0) >= 0)
            frame = st.select(
                pl.col("statement_id").alias("text_id"),
                pl.col("text"),
                *(
                    [pl.col("author_id").alias("participant_id")]
                    if "author_id" in st.columns
                    else []
                ),
            )
            return _frame_texts(frame, text_id="text_id", text="text", source=None)
        if "free_text" in data.tables:
            return _frame_texts(
                data.tables["free_text"], text_id="text_id", text="text", source=None
            )
        return pl.DataFrame(schema={"text_id": pl.String, "text": pl.String})
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        items = list(data)
        if not all(isinstance(t, str) for t in items):
            bad = next(i for i, t in enumerate(items) if not isinstance(t, str))
            raise ValidationError(
                f"expected a string; got {type(items[bad]).__name__}", table="texts", row=bad + 1
            )
        frame = pl.DataFrame(
            {"text_id": [str(i) for i in range(len(items))], "text": items},
            schema={"text_id": pl.String, "text": pl.String},
        )
        return _frame_texts(frame, text_id="text_id", text="text", source=None)
    from coprod_analytics.schema import as_polars

    return _frame_texts(as_polars(data, name="texts"), text_id=text_id, text=text, source=None)


_HASH_BASE = 1_000_003
_FEATURE_BITS = 22  # hashed n-gram buckets: 2**22


def char_ngram_counts(
    texts: Sequence[str],
    *,
    ngram_range: tuple[int, int] = (2, 4),
    lowercase: bool = True,
    dtype: Any = None,
) -> Any:
    """Counts of the character n-grams within words (each word padded with a space on both
    sides, as scikit-learn's ``analyzer="char_wb"``), computed on code points with numpy.

    N-grams are identified by a polynomial hash of their characters and length, folded into
    2**22 buckets (the hashing trick; collisions are rare for short texts and only merge two
    n-grams' counts), so no Python loop runs per n-gram.

    Parameters
    ----------
    texts : sequence of str
        The texts.
    ngram_range : (int, int), default (2, 4)
        Smallest and largest n.
    lowercase : bool, default True
        Lower-case the texts first.
    dtype : numpy dtype, optional
        Of the counts (default float64; float32 halves the memory of large collections and
        still counts exactly up to 16 million).

    Returns
    -------
    scipy.sparse.csr_matrix
        ``len(texts) x m`` counts over the ``m`` distinct n-grams found, columns in hash
        order.

    Examples
    --------
    >>> x = char_ngram_counts(["ab ab", "abc"], ngram_range=(2, 2))
    >>> x.shape, x.toarray().sum(axis=1).tolist()  # " a", "ab", "b " twice; " a", "ab", "bc", "c "
    ((2, 5), [6.0, 4.0])
    >>> char_ngram_counts(["ab"], dtype="float32").dtype
    dtype('float32')
    """
    import numpy as np
    from scipy.sparse import csr_matrix

    n = len(texts)
    lo, hi = ngram_range
    dtype = np.dtype(np.float64 if dtype is None else dtype)
    from scipy.sparse import vstack

    base = np.uint64(_HASH_BASE)
    mix = np.uint64(0x9E3779B97F4A7C15)
    shift = np.uint64(64 - _FEATURE_BITS)
    blocks: list[Any] = []
    step = 10_000
    for start in range(0, n, step):
        part = texts[start : start + step]
        padded = [" " + "  ".join((t.lower() if lowercase else t).split()) + " " for t in part]
        codes = np.frombuffer("\x00".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(
            np.uint64
        )
        lengths = np.array([len(t) for t in padded], dtype=np.int64)
        doc = np.repeat(np.arange(len(part), dtype=np.int64), lengths + 1)[: len(codes)]
        space = codes == 32
        sep = codes == 0
        h = codes.copy()  # rolling hash of the window of the current size at each position
        rows_parts: list[Any] = []
        cols_parts: list[Any] = []
        for size in range(2, hi + 1):
            m = len(codes) - size + 1
            if m <= 0:
                break
            h = h[:m] * base + codes[size - 1 : size - 1 + m]  # wraps modulo 2**64
            if size < lo:
                continue
            bad = sep[:m].copy()
            for i in range(1, size):
                bad |= sep[i : i + m]
            for i in range(1, size - 1):
                bad |= space[i : i + m]
            bad |= space[:m] & space[1 : 1 + m]
            bad |= space[size - 2 : size - 2 + m] & space[size - 1 : size - 1 + m]
            ok = np.flatnonzero(~bad)
            rows_parts.append(doc[ok])
            cols_parts.append((((h[ok] + np.uint64(size)) * mix) >> shift).astype(np.int64))
        rows = np.concatenate(rows_parts) if rows_parts else np.zeros(0, dtype=np.int64)
        cols = np.concatenate(cols_parts) if cols_parts else np.zeros(0, dtype=np.int64)
        block = csr_matrix(
            (np.ones(len(rows), dtype=dtype), (rows, cols)),
            shape=(len(part), 1 << _FEATURE_BITS),
        )
        block.sum_duplicates()
        blocks.append(block)
    if not blocks:
        return csr_matrix((n, 0), dtype=dtype)
    out = vstack(blocks, format="csr")
    used = np.flatnonzero(np.bincount(out.indices, minlength=1 << _FEATURE_BITS))
    return out[:, used]
