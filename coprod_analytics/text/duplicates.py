"""Near-duplicate texts: :func:`near_duplicates` (every pair in a collection) and
:func:`near_duplicates_of` (one new text against existing ones, for a moderation queue).

Score
-----
Two texts are compared after :func:`~coprod_analytics.text.corpus.normalise_text` (case,
punctuation and spacing removed). Their score is the larger of

- the cosine similarity of their character n-gram vectors (2–4 characters within word
  boundaries, sublinear term frequency, no corpus weighting — so a pair's score does not
  depend on the other texts, and the live queue and a batch run agree), which is high when a
  word or a few letters changed; and
- the Jaccard similarity of their sets of words, which is 1 when only the word order
  changed.

Both lie in [0, 1] and are symmetric. Texts that are empty after normalisation (only
punctuation) are never listed. The default threshold, 0.8, flags a one-word change in
a sentence of about ten words or more.

Finding candidate pairs
-----------------------
Up to 5,000 texts every pair is scored (``method="exact"``). Above that
(``method="minhash"``) candidate pairs come from MinHash locality-sensitive hashing of the
texts' character 3-grams within words (96 hash functions in 24 bands of 4, seeded; 3-grams
found in more than 1 % of the texts are left out), so no all-pairs comparison is made;
candidates are then scored exactly. A pair whose 3-gram sets have Jaccard similarity 0.7
becomes a candidate with probability 0.998 (0.6: 0.96, 0.5: 0.79; 0.2: 0.04).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from coprod_analytics.errors import check_param
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result
from coprod_analytics.text.corpus import char_ngram_counts, normalise_text, texts_of

__all__ = ["EXACT_LIMIT", "NearDuplicates", "near_duplicates", "near_duplicates_of", "pair_score"]

#: Largest collection compared pair by pair with ``method="auto"``.
EXACT_LIMIT = 5000
_N_HASHES, _BANDS, _ROWS = 96, 24, 4


def _ngram_blocks(norm: list[str]) -> dict[int, Any]:
    """Counts of the character 2-, 3- and 4-grams within words, one matrix per length."""
    return {n: char_ngram_counts(norm, ngram_range=(n, n), lowercase=False) for n in (2, 3, 4)}


def _vectorise(norm: list[str], blocks: dict[int, Any] | None = None) -> Any:
    """Unit-length sublinear term frequencies of the character 2-4-grams within words."""
    from scipy.sparse import hstack
    from sklearn.preprocessing import normalize

    blocks = blocks if blocks is not None else _ngram_blocks(norm)
    counts = hstack([blocks[2], blocks[3], blocks[4]], format="csr")
    if counts.shape[1] == 0:  # every text is empty after normalisation
        return counts
    counts.data = 1.0 + np.log(counts.data)
    return normalize(counts)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _scores(matrix: Any, words: list[frozenset[str]], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if len(a) == 0:
        return np.zeros(0)
    cos = np.empty(len(a))
    step = 20_000  # bounded memory however many candidates
    for s in range(0, len(a), step):
        ia, ib = a[s : s + step], b[s : s + step]
        cos[s : s + step] = np.asarray(matrix[ia].multiply(matrix[ib]).sum(axis=1)).ravel()
    jac = np.array([_jaccard(words[i], words[j]) for i, j in zip(a, b, strict=True)])
    return np.clip(np.maximum(cos, jac), 0.0, 1.0)


def pair_score(a: str, b: str) -> float:
    """The near-duplicate score of two texts (see the module docs), in [0, 1].

    Parameters
    ----------
    a, b : str
        The texts.

    Returns
    -------
    float

    Examples
    --------
    >>> pair_score("The bus is late!", "the bus is LATE")
    1.0
    >>> pair_score("buses at night", "night buses at")
    1.0
    >>> round(pair_score("more trees please", "fewer cars now"), 2) < 0.5
    True
    """
    norm = [normalise_text(a), normalise_text(b)]
    if norm[0] == norm[1]:
        return 1.0
    words = [frozenset(t.split()) for t in norm]
    return float(_scores(_vectorise(norm), words, np.array([0]), np.array([1]))[0])


def _minhash_candidates(shingles: Any, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs of MinHash LSH over each text's set of character 3-grams within words
    (``shingles``: texts x 3-grams counts)."""
    n = shingles.shape[0]
    lengths = np.diff(shingles.indptr)
    row = np.repeat(np.arange(n, dtype=np.int64), lengths)
    values = shingles.indices.astype(np.int64)
    # 3-grams in more than 1 % of the texts (and 50 at least) say little about
    # near-duplication and make unrelated texts collide: leave them out, unless a text has
    # nothing else
    df = np.bincount(values, minlength=shingles.shape[1])
    keep = df[values] <= max(50, n // 100)
    kept = np.bincount(row, weights=keep, minlength=n)
    keep |= kept[row] == 0
    row, values = row[keep], values[keep]
    # a text without any 3-gram (empty after normalisation) gets a value of its own
    empty = np.flatnonzero(np.bincount(row, minlength=n) == 0)
    row = np.concatenate([row, empty])
    values = np.concatenate([values, shingles.shape[1] + empty])
    order = np.argsort(row, kind="stable")
    row, values = row[order], values[order].astype(np.uint64)
    starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
    rng = np.random.default_rng(seed)
    mult = rng.integers(1, 1 << 63, size=_N_HASHES, dtype=np.uint64) | np.uint64(1)
    add = rng.integers(0, 1 << 63, size=_N_HASHES, dtype=np.uint64)
    shift = np.uint64(32)
    sig = np.empty((n, _N_HASHES), dtype=np.uint64)
    for h in range(_N_HASHES):  # multiply-shift hashing (wraps modulo 2**64)
        sig[:, h] = np.minimum.reduceat((values * mult[h] + add[h]) >> shift, starts)
    pairs: list[np.ndarray] = []
    for band in range(_BANDS):
        block = sig[:, band * _ROWS : (band + 1) * _ROWS]
        key = block[:, 0] * np.uint64(0x9E3779B97F4A7C15)
        for r in range(1, _ROWS):
            key = (key ^ block[:, r]) * np.uint64(0xBF58476D1CE4E5B9)
        idx = np.argsort(key, kind="stable")
        sk = key[idx]
        bounds = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1], True])
        sizes = np.diff(bounds)
        for s in bounds[:-1][sizes >= 2]:
            e = bounds[np.searchsorted(bounds, s) + 1]
            members = np.sort(idx[s:e])
            ii, jj = np.triu_indices(len(members), k=1)
            pairs.append(members[ii] * n + members[jj])
    if not pairs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    flat = np.unique(np.concatenate(pairs))
    return flat // n, flat % n


def _exact_candidates(matrix: Any, floor: float) -> tuple[np.ndarray, np.ndarray]:
    n = matrix.shape[0]
    rows_a: list[np.ndarray] = []
    rows_b: list[np.ndarray] = []
    step = 1000
    for s in range(0, n, step):
        block = (matrix[s : s + step] @ matrix.T).toarray()
        ii, jj = np.nonzero(block >= floor)
        ii = ii + s
        keep = jj > ii
        rows_a.append(ii[keep])
        rows_b.append(jj[keep])
    return np.concatenate(rows_a), np.concatenate(rows_b)


@dataclass(frozen=True, repr=False)
class NearDuplicates(Result):
    """Pairs of texts that say the same thing with small differences.

    Attributes
    ----------
    pairs : pl.DataFrame
        ``a``, ``b`` (text ids, String; ``a`` comes first in the input), ``score`` (in
        [0, 1]), ``text_a``, ``text_b``; highest score first.
    threshold : float
        Pairs scoring at least this are listed.
    method : str
        ``"exact"`` (every pair scored) or ``"minhash"`` (LSH candidates).
    n_texts : int
        Texts compared.
    provenance : Provenance

    Examples
    --------
    >>> res = near_duplicates(["The bus is late!", "the bus is late", "Plant more trees"])
    >>> res
    <NearDuplicates: 1 near-duplicate pair among 3 texts (score >= 0.8, exact)>
    >>> res.to_frame().select("a", "b", "score").rows()
    [('0', '1', 1.0)]
    """

    pairs: pl.DataFrame
    threshold: float
    method: str
    n_texts: int
    provenance: Provenance

    def to_frame(self) -> pl.DataFrame:
        """The pairs table (columns in the class docs).

        Returns
        -------
        pl.DataFrame
        """
        return self.pairs

    def summary(self) -> str:
        """How many pairs, and the top ones.

        Returns
        -------
        str
        """
        n = self.pairs.height
        head = (
            f"{n} near-duplicate pair{'s' if n != 1 else ''} among {self.n_texts} texts "
            f"(score >= {self.threshold:g}, {self.method})"
        )
        lines = [head]
        for a, b, s in self.pairs.select("a", "b", "score").head(5).iter_rows():
            lines.append(f"  #{a} looks like #{b} (score {s:.2f})")
        return "\n".join(lines)


def near_duplicates(
    data: Any,
    *,
    threshold: float = 0.8,
    method: Literal["auto", "exact", "minhash"] = "auto",
    seed: int = 0,
    text_id: str | None = None,
    text: str | None = None,
) -> NearDuplicates:
    """Every pair of texts that says the same thing with small differences.

    Parameters
    ----------
    data : Inquiry, DataFrame, list of str or path
        The texts (see :func:`~coprod_analytics.text.texts_of`).
    threshold : float, default 0.8
        Smallest score listed (see the module docs for the score).
    method : {"auto", "exact", "minhash"}, default "auto"
        ``"exact"`` scores every pair; ``"minhash"`` scores only the candidates of MinHash
        locality-sensitive hashing; ``"auto"`` is exact up to 5,000 texts.
    seed : int, default 0
        Seed of the MinHash functions.
    text_id, text : str, optional
        Column names of a table whose columns differ from ``text_id``/``text``.

    Returns
    -------
    NearDuplicates
        The pairs with their scores.

    Examples
    --------
    >>> docs = ["More buses at night.", "more buses at night", "Night buses, more!",
    ...         "Plant trees"]
    >>> near_duplicates(docs).pairs.select("a", "b").rows()
    [('0', '1'), ('0', '2'), ('1', '2')]
    """
    func = "near_duplicates"
    check_param(
        isinstance(threshold, int | float) and 0.0 < threshold <= 1.0,
        "threshold",
        func,
        "a number in (0, 1]",
        threshold,
    )
    check_param(
        method in ("auto", "exact", "minhash"),
        "method",
        func,
        "'auto', 'exact' or 'minhash'",
        method,
    )
    frame = texts_of(data, text_id=text_id, text=text)
    texts = frame.get_column("text").to_list()
    ids = frame.get_column("text_id").to_list()
    n = len(texts)
    used = method if method != "auto" else ("exact" if n <= EXACT_LIMIT else "minhash")
    norm = [normalise_text(t) for t in texts]
    if n >= 2:
        blocks = _ngram_blocks(norm)
        matrix = _vectorise(norm, blocks)
        words = [frozenset(t.split()) for t in norm]
        if used == "exact":
            a, b = _exact_candidates(matrix, min(threshold, 0.5))
        else:
            a, b = _minhash_candidates(blocks[3], seed=seed)
        blank = np.array([t == "" for t in norm])
        real = ~(blank[a] | blank[b])  # texts of only punctuation say nothing: never listed
        a, b = a[real], b[real]
        score = _scores(matrix, words, a, b)
        keep = score >= threshold - 1e-12
        a, b, score = a[keep], b[keep], score[keep]
        order = np.lexsort((b, a, -np.round(score, 12)))
        a, b, score = a[order], b[order], score[order]
    else:
        a = b = np.zeros(0, dtype=np.int64)
        score = np.zeros(0)
    pairs = pl.DataFrame(
        {
            "a": [ids[i] for i in a],
            "b": [ids[j] for j in b],
            "score": score.astype(np.float64),
            "text_a": [texts[i] for i in a],
            "text_b": [texts[j] for j in b],
        },
        schema={
            "a": pl.String,
            "b": pl.String,
            "score": pl.Float64,
            "text_a": pl.String,
            "text_b": pl.String,
        },
    )
    provenance = Provenance(
        method="coprod_analytics.text.near_duplicates",
        input_fingerprint=fingerprint_frames(frame.select("text_id", "text")),
        parameters={"threshold": threshold, "method": used, "text_id": text_id, "text": text},
        seed=seed,
    )
    return NearDuplicates(pairs, float(threshold), used, n, provenance)


def near_duplicates_of(
    text: str,
    existing: Any,
    *,
    threshold: float = 0.8,
    max_results: int = 5,
    text_id: str | None = None,
) -> pl.DataFrame:
    """The existing texts a new text looks like ("looks like #12"), for a moderation queue.

    One new text is scored against each existing one (no all-pairs comparison), with the
    score of :func:`near_duplicates`, which does not depend on the other texts.

    Parameters
    ----------
    text : str
        The new text (e.g. a statement waiting in the moderation queue).
    existing : Inquiry, DataFrame or list of str
        The texts already there (see :func:`~coprod_analytics.text.texts_of`; an inquiry's
        statements, a ``statement_id``/``text`` table, ...).
    threshold : float, default 0.8
        Smallest score returned.
    max_results : int, default 5
        At most this many candidates (best first).
    text_id : str, optional
        The id column of a table whose columns differ.

    Returns
    -------
    pl.DataFrame
        ``text_id`` (String), ``text``, ``score``; highest score first (ties: input order).

    Examples
    --------
    >>> queue = ["More buses at night", "Plant more trees", "Lower the rents"]
    >>> near_duplicates_of("more buses at NIGHT!", queue).rows()
    [('0', 'More buses at night', 1.0)]
    >>> near_duplicates_of("Something else entirely", queue).height
    0
    """
    func = "near_duplicates_of"
    check_param(isinstance(text, str), "text", func, "a str", text)
    check_param(
        isinstance(threshold, int | float) and 0.0 < threshold <= 1.0,
        "threshold",
        func,
        "a number in (0, 1]",
        threshold,
    )
    check_param(
        isinstance(max_results, int) and max_results >= 1,
        "max_results",
        func,
        "an int >= 1",
        max_results,
    )
    frame = texts_of(existing, text_id=text_id)
    empty = pl.DataFrame(schema={"text_id": pl.String, "text": pl.String, "score": pl.Float64})
    if frame.height == 0 or not normalise_text(text):
        return empty
    texts = frame.get_column("text").to_list()
    norm = [normalise_text(text)] + [normalise_text(t) for t in texts]
    matrix = _vectorise(norm)
    words = [frozenset(t.split()) for t in norm]
    others = np.arange(1, len(norm))
    score = _scores(matrix, words, np.zeros(len(others), dtype=np.int64), others)
    out = frame.select("text_id", "text").with_columns(pl.Series("score", score, dtype=pl.Float64))
    return (
        out.with_row_index("_pos")
        .filter(pl.col("score") >= threshold - 1e-12)
        .sort(["score", "_pos"], descending=[True, False])
        .head(max_results)
        .drop("_pos")
    )
