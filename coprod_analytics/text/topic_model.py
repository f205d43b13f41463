"""Topics of a collection of short texts, offline and seeded: :func:`topics`.

How (the documented choice)
---------------------------
1. **Vectors.** ``backend="tfidf"`` (default, no model): TF-IDF of character n-grams within
   word boundaries (as ``char_wb``, 2–4 characters, found in two texts or more; counted with
   :func:`~coprod_analytics.text.corpus.char_ngram_counts`) joined with TF-IDF of word tokens
   (:func:`~coprod_analytics.text.corpus.label_tokens`: words, and character bigrams in
   scripts written without spaces), equally weighted, reduced with truncated SVD (latent
   semantic analysis, at most 50 dimensions) and scaled to unit length. Character n-grams
   make Chinese, Polish or Arabic work without a tokenizer. ``backend="wordllama"``: the
   256-dimension WordLlama embedding that ships inside the ``wordllama`` wheel (loaded from
   the installed package folder with downloads disabled — nothing is fetched at run time),
   joined with the TF-IDF vectors above (WordLlama's English-centred tokenizer alone does
   poorly on Chinese).
2. **Clusters.** k-means (scikit-learn ``KMeans``, ``random_state=seed``, 4 starts). With
   ``n_topics=None`` the number of topics is the k in ``2 .. max_topics`` (at most one topic
   per 5 texts) with the highest mean silhouette (cosine), computed on a seeded sample of at
   most 5,000 texts.
3. **Labels.** Class-based TF-IDF (as in BERTopic: a topic's token frequencies times
   ``log(1 + A / f)``, ``A`` the mean number of tokens per topic and ``f`` the token's
   frequency in the whole collection) over the label tokens; the label is the three most
   distinctive.
4. **Quotes.** The ids of the texts closest to the topic's centre (never rewritten text).

Topics are numbered 1, 2, ... from the largest; ties by first appearance. The same input,
parameters and seed give the same topics in every process.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from coprod_analytics.errors import CoprodError, ValidationError, check_param
from coprod_analytics.format import fmt_pct
from coprod_analytics.progress import progress as _progress
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result
from coprod_analytics.text.corpus import char_ngram_counts, label_tokens, texts_of

__all__ = ["BACKENDS", "MissingBackendError", "Topics", "embed_texts", "topics"]

#: The vector backends of :func:`topics`.
BACKENDS = ("tfidf", "wordllama")
#: Texts used to choose the number of topics (a seeded sample when there are more).
SELECTION_SAMPLE = 5000
_SVD_DIMS = 50
#: k-means starts (the best of them, by inertia, is kept).
_N_INIT = 4
#: Collections up to this size are computed on one thread (see :func:`topics`).
SINGLE_THREAD_LIMIT = 20_000


class MissingBackendError(CoprodError, ImportError):
    """An optional text backend is not installed (the message names the extra).

    Examples
    --------
    >>> issubclass(MissingBackendError, ImportError)
    True
    """


@functools.lru_cache(maxsize=1)
def _wordllama_model() -> Any:
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError as exc:
        raise MissingBackendError(
            "the 'wordllama' backend needs the optional package wordllama; install it with: "
            'pip install "coprod-analytics[text]"'
        ) from exc
    from pathlib import Path

    # The wheel carries its weights and tokenizer; pointing the cache at the package folder
    # with downloads disabled loads them from there (it raises rather than download).
    return WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


def embed_texts(texts: list[str], *, backend: Literal["wordllama"] = "wordllama") -> np.ndarray:
    """Unit-length embeddings of texts from a model shipped inside an installed package.

    Parameters
    ----------
    texts : list of str
        The texts.
    backend : {"wordllama"}
        The model: WordLlama's 256-dimension embedding (``pip install
        "coprod-analytics[text]"``), loaded offline from its package folder.

    Returns
    -------
    numpy.ndarray
        ``len(texts) x 256`` float32, rows of unit length.

    Raises
    ------
    MissingBackendError
        When the package is not installed (the message names the extra to install).

    Examples
    --------
    >>> v = embed_texts(["the bus is late", "buses are always late", "plant more trees"])
    >>> v.shape
    (3, 256)
    >>> bool(v[0] @ v[1] > v[0] @ v[2])
    True
    """
    check_param(backend == "wordllama", "backend", "embed_texts", "'wordllama'", backend)
    model = _wordllama_model()
    out = np.asarray(model.embed(list(texts), norm=False), dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1.0)


def _word_counts(texts: list[str]) -> tuple[Any, np.ndarray]:
    from sklearn.feature_extraction.text import CountVectorizer

    cv = CountVectorizer(analyzer=label_tokens, dtype=np.float32)
    try:
        counts = cv.fit_transform(texts)
        vocab = cv.get_feature_names_out()
    except ValueError:  # no token at all (e.g. only digits)
        from scipy.sparse import csr_matrix

        counts, vocab = csr_matrix((len(texts), 0), dtype=np.float32), np.array([], dtype=object)
    return counts, vocab


def _tfidf_vectors(texts: list[str], counts: Any, *, seed: int) -> np.ndarray:
    from scipy.sparse import hstack
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.preprocessing import normalize

    n = len(texts)
    counts_c = char_ngram_counts(texts, ngram_range=(2, 4))
    if n >= 50:  # n-grams of a single text say nothing about topics
        df = np.bincount(counts_c.indices, minlength=counts_c.shape[1])
        counts_c = counts_c[:, np.flatnonzero(df >= 2)]
    chars = TfidfTransformer(sublinear_tf=True).fit_transform(counts_c).astype(np.float32)
    blocks = [chars * math.sqrt(0.5)]
    if counts.shape[1]:
        words = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
        blocks.append(words.astype(np.float32) * math.sqrt(0.5))
    matrix = hstack(blocks).tocsr()
    dims = min(_SVD_DIMS, n - 1, matrix.shape[1] - 1)
    if dims < 2:
        return np.asarray(normalize(matrix).toarray(), dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):  # identical texts: zero variance
        reduced = TruncatedSVD(dims, random_state=seed).fit_transform(matrix)
    return np.asarray(normalize(reduced), dtype=np.float64)


def _choose_k(
    vectors: np.ndarray, ks: list[int], *, seed: int, progress: bool
) -> tuple[int, dict[int, float]]:

    n = vectors.shape[0]
    rng = np.random.default_rng(seed)
    sample = (
        np.sort(rng.choice(n, SELECTION_SAMPLE, replace=False)) if n > SELECTION_SAMPLE else None
    )
    data = vectors if sample is None else vectors[sample]
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _silhouettes(data, ks, seed=seed, progress=progress)


def _silhouettes(
    data: np.ndarray, ks: list[int], *, seed: int, progress: bool
) -> tuple[int, dict[int, float]]:
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import silhouette_score

    scores: dict[int, float] = {}
    for k in _progress(ks, enabled=progress, desc="Choosing the number of topics", unit="k"):
        if k >= data.shape[0]:
            continue
        with warnings.catch_warnings():  # identical texts: fewer distinct clusters than k
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = KMeans(k, random_state=seed, n_init=_N_INIT).fit_predict(data)
        if len(set(labels.tolist())) < 2:
            continue
        scores[k] = float(silhouette_score(data, labels, metric="cosine"))
    if not scores:
        return 1, scores
    best = max(scores, key=lambda k: (round(scores[k], 12), -k))
    return best, scores


def _ctfidf(counts: Any, labels: np.ndarray, k: int) -> np.ndarray:
    """Class-based TF-IDF (BERTopic's c-TF-IDF): k x vocabulary."""
    from scipy.sparse import csr_matrix

    n = counts.shape[0]
    member = csr_matrix((np.ones(n, dtype=np.float32), (labels, np.arange(n))), shape=(k, n))
    per_class = np.asarray((member @ counts).todense(), dtype=np.float64)
    totals = per_class.sum(axis=1, keepdims=True)
    tf = per_class / np.where(totals > 0, totals, 1.0)
    freq = per_class.sum(axis=0)
    avg = float(totals.mean()) if totals.size else 0.0
    idf = np.log1p(avg / np.where(freq > 0, freq, 1.0))
    return tf * idf


@dataclass(frozen=True, repr=False)
class Topics(Result):
    """Topics of a collection of texts (the result of :func:`topics`).

    Attributes
    ----------
    topics : pl.DataFrame
        One row per topic: ``topic`` (Int64, 1 = largest), ``label`` (its three most
        distinctive words, comma-separated), ``size`` (texts), ``share`` (of all texts),
        ``words`` (the ten most distinctive, best first) and ``quotes`` (ids of the texts
        closest to its centre, closest first).
    assignments : pl.DataFrame
        One row per text, in input order: ``text_id`` (String), ``text``, ``topic``,
        ``similarity`` (cosine to the topic centre), ``x``, ``y`` (a 2-D map of the
        vectors: their first two principal components); and ``participant_id`` (the
        author) when the source has it.
    k : int
        Number of topics.
    silhouettes : dict of int to float
        Mean silhouette of every k tried (empty when ``n_topics`` was given).
    backend : str
        ``"tfidf"`` or ``"wordllama"``.
    seed : int
        Random seed.
    provenance : Provenance
        Input fingerprint, parameters, seed and version.

    Examples
    --------
    >>> res = topics(["more buses please", "buses every ten minutes", "more frequent buses",
    ...               "plant more trees", "trees in every street", "more street trees"],
    ...              n_topics=2)
    >>> res
    <Topics: 2 topics in 6 texts (tfidf vectors, k-means, seed 0)>
    >>> res.to_frame().select("topic", "size").rows()
    [(1, 3), (2, 3)]
    """

    topics: pl.DataFrame
    assignments: pl.DataFrame
    k: int
    silhouettes: dict[int, float]
    backend: str
    seed: int
    provenance: Provenance

    def to_frame(self, table: Literal["topics", "assignments"] = "topics") -> pl.DataFrame:
        """The topics table or the assignments table (columns in the class docs).

        Parameters
        ----------
        table : {"topics", "assignments"}, default "topics"
            Which table.

        Returns
        -------
        pl.DataFrame
        """
        check_param(
            table in ("topics", "assignments"),
            "table",
            "Topics.to_frame",
            "'topics' or 'assignments'",
            table,
        )
        return self.topics if table == "topics" else self.assignments

    def texts(self, topic: int) -> pl.DataFrame:
        """The texts of one topic, closest to its centre first.

        Parameters
        ----------
        topic : int
            The topic number (1 = largest).

        Returns
        -------
        pl.DataFrame
            ``text_id``, ``text``, ``similarity``.

        Examples
        --------
        >>> res = topics(["a bus", "the bus", "a tree", "the tree"], n_topics=2)
        >>> res.texts(1).height
        2
        """
        check_param(
            isinstance(topic, int) and 1 <= topic <= self.k,
            "topic",
            "Topics.texts",
            f"an int in 1..{self.k}",
            topic,
        )
        return (
            self.assignments.filter(pl.col("topic") == topic)
            .sort("similarity", descending=True, maintain_order=True)
            .select("text_id", "text", "similarity")
        )

    def summary(self, *, max_topics: int = 10) -> str:
        """The topics in plain words, one line each (largest first).

        Parameters
        ----------
        max_topics : int, default 10
            Topics listed.

        Returns
        -------
        str
        """
        n = self.assignments.height
        how = "k-means" + (", k by silhouette" if self.silhouettes else "")
        topic_word = "topic" if self.k == 1 else "topics"
        lines = [
            f"{self.k} {topic_word} in {n} texts ({self.backend} vectors, {how}, seed {self.seed})"
        ]
        for row in self.topics.head(max_topics).iter_rows(named=True):
            quotes = ", ".join(f"#{q}" for q in row["quotes"])
            lines.append(
                f"  Topic {row['topic']}: {row['label'] or '(no words)'} — {row['size']} texts "
                f"({fmt_pct(row['share'])}); e.g. {quotes}"
            )
        if self.topics.height > max_topics:
            lines.append(f"  … and {self.topics.height - max_topics} more topics")
        return "\n".join(lines)

    def to_json_dict(self, near_duplicates: pl.DataFrame | None = None) -> dict[str, Any]:
        """The JSON of ``coprod topics --json``.

        Parameters
        ----------
        near_duplicates : pl.DataFrame, optional
            Pairs ``a``, ``b``, ``score`` (e.g. ``near_duplicates(...).pairs``).

        Returns
        -------
        dict
            ``{"topics": [{"topic", "label", "size", "quotes"}], "assignments": [{"id",
            "topic"}], "near_duplicates": [{"a", "b", "score"}]}``, ids as strings.

        Examples
        --------
        >>> sorted(topics(["a bus", "a tree"], n_topics=1).to_json_dict())
        ['assignments', 'near_duplicates', 'topics']
        """
        dups: list[dict[str, Any]] = []
        if near_duplicates is not None:
            dups = [
                {"a": str(a), "b": str(b), "score": round(float(s), 6)}
                for a, b, s in near_duplicates.select("a", "b", "score").iter_rows()
            ]
        return {
            "topics": [
                {
                    "topic": int(r["topic"]),
                    "label": r["label"],
                    "size": int(r["size"]),
                    "quotes": [str(q) for q in r["quotes"]],
                }
                for r in self.topics.iter_rows(named=True)
            ],
            "assignments": [
                {"id": str(i), "topic": int(t)}
                for i, t in self.assignments.select("text_id", "topic").iter_rows()
            ],
            "near_duplicates": dups,
        }


def topics(
    data: Any,
    *,
    n_topics: int | None = None,
    max_topics: int = 10,
    backend: Literal["tfidf", "wordllama"] = "tfidf",
    n_quotes: int = 3,
    seed: int = 0,
    text_id: str | None = None,
    text: str | None = None,
    progress: bool = True,
) -> Topics:
    """Topics of short texts: vectors, k-means, class-based TF-IDF labels, quotes (ids).

    Parameters
    ----------
    data : Inquiry, DataFrame, list of str or path
        The texts (see :func:`~coprod_analytics.text.texts_of`): an inquiry's statements (or
        its ``free_text`` table), a table with an id and a text column, a list of strings
        or a file.
    n_topics : int, optional
        The number of topics; by default chosen by silhouette over ``2 .. max_topics``.
    max_topics : int, default 10
        The largest number of topics tried when ``n_topics`` is None.
    backend : {"tfidf", "wordllama"}, default "tfidf"
        Text vectors: character and word TF-IDF (no model), or WordLlama embeddings joined
        with them (the ``text`` extra; loaded offline from the installed package).
    n_quotes : int, default 3
        Representative texts (ids) per topic.
    seed : int, default 0
        Seed of the SVD, the k-means starts and the selection sample.
    text_id, text : str, optional
        Column names of a table whose columns differ from ``text_id``/``text``.
    progress : bool, default True
        A progress bar while the number of topics is chosen.

    Returns
    -------
    Topics
        The topics table, one assignment per text, the silhouettes and provenance.

    Raises
    ------
    ValidationError
        When there are no texts, or a table lacks its id or text column.
    MissingBackendError
        ``backend="wordllama"`` without the package installed.

    Examples
    --------
    >>> docs = ["more buses at night", "night buses please", "buses after midnight",
    ...         "plant trees on main street", "more trees in parks", "street trees please"]
    >>> res = topics(docs, n_topics=2, progress=False)
    >>> res.to_frame().get_column("label").to_list()
    ['buses, night, midnight', 'trees, street, main']
    >>> res.to_json_dict()["assignments"][0]
    {'id': '0', 'topic': 1}
    """
    func = "topics"
    check_param(backend in BACKENDS, "backend", func, f"one of {BACKENDS}", backend)
    check_param(
        n_topics is None or (isinstance(n_topics, int) and n_topics >= 1),
        "n_topics",
        func,
        "None or an int >= 1",
        n_topics,
    )
    check_param(
        isinstance(max_topics, int) and max_topics >= 2,
        "max_topics",
        func,
        "an int >= 2",
        max_topics,
    )
    check_param(
        isinstance(n_quotes, int) and n_quotes >= 1, "n_quotes", func, "an int >= 1", n_quotes
    )
    check_param(isinstance(seed, int), "seed", func, "an int", seed)
    frame = texts_of(data, text_id=text_id, text=text)
    n = frame.height
    if n == 0:
        raise ValidationError("no texts to find topics in", table="texts")
    if n_topics is not None and n_topics > n:
        raise ValidationError(
            f"asked for {n_topics} topics but there are only {n} texts", table="texts"
        )
    # Small collections run on one thread: thread start-up and contention cost more than
    # they save there (k-means on 300 texts: 0.2 s on one thread, 5 s on two busy cores).
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1 if n <= SINGLE_THREAD_LIMIT else None):
        return _topics(
            frame, n_topics, max_topics, backend, n_quotes, seed, text_id, text, progress
        )


def _topics(
    frame: pl.DataFrame,
    n_topics: int | None,
    max_topics: int,
    backend: str,
    n_quotes: int,
    seed: int,
    text_id: str | None,
    text: str | None,
    progress: bool,
) -> Topics:
    n = frame.height
    docs = frame.get_column("text").to_list()
    counts, vocab = _word_counts(docs)
    if n == 1:
        vectors = np.ones((1, 1))
    else:
        vectors = _tfidf_vectors(docs, counts, seed=seed)
    if backend == "wordllama":
        emb = embed_texts(docs).astype(np.float64)
        vectors = np.hstack([emb, vectors]) / math.sqrt(2.0)

    silhouettes: dict[int, float] = {}
    if n_topics is not None:
        k = n_topics
    else:
        upper = min(max_topics, n // 5)
        ks = list(range(2, upper + 1))
        k, silhouettes = _choose_k(vectors, ks, seed=seed, progress=progress) if ks else (1, {})
    if k == 1:
        raw = np.zeros(n, dtype=np.int64)
    else:
        from sklearn.cluster import KMeans
        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():  # identical texts: fewer distinct clusters than k
            warnings.simplefilter("ignore", ConvergenceWarning)
            raw = KMeans(k, random_state=seed, n_init=_N_INIT).fit_predict(vectors)
        raw = raw.astype(np.int64)
        k = int(raw.max()) + 1
    # renumber: largest topic first, ties by first appearance
    sizes = np.bincount(raw, minlength=k)
    first = np.array([int(np.flatnonzero(raw == c)[0]) if sizes[c] else n for c in range(k)])
    order = sorted(range(k), key=lambda c: (-sizes[c], first[c]))
    order = [c for c in order if sizes[c] > 0]
    remap = np.empty(k, dtype=np.int64)
    for new, old in enumerate(order):
        remap[old] = new
    labels = remap[raw]
    k = len(order)

    centres = np.vstack([vectors[labels == c].mean(axis=0) for c in range(k)])
    cnorm = np.linalg.norm(centres, axis=1, keepdims=True)
    centres = centres / np.where(cnorm > 0, cnorm, 1.0)
    vnorm = np.linalg.norm(vectors, axis=1)
    sim = np.einsum("ij,ij->i", vectors, centres[labels]) / np.where(vnorm > 0, vnorm, 1.0)

    ids = frame.get_column("text_id").to_list()
    ctf = _ctfidf(counts, labels, k) if len(vocab) else np.zeros((k, 0))
    rows = []
    for c in range(k):
        members = np.flatnonzero(labels == c)
        by_sim = members[np.lexsort((members, -np.round(sim[members], 12)))]
        words: list[str] = []
        if ctf.shape[1]:
            scores = ctf[c]
            top = np.lexsort((vocab.astype(str), -np.round(scores, 12)))[:10]
            words = [str(vocab[j]) for j in top if scores[j] > 0]
        rows.append(
            {
                "topic": c + 1,
                "label": ", ".join(words[:3]),
                "size": len(members),
                "share": len(members) / n,
                "words": words,
                "quotes": [ids[i] for i in by_sim[:n_quotes]],
            }
        )
    table = pl.DataFrame(
        rows,
        schema={
            "topic": pl.Int64,
            "label": pl.String,
            "size": pl.Int64,
            "share": pl.Float64,
            "words": pl.List(pl.String),
            "quotes": pl.List(pl.String),
        },
    )
    if n >= 3 and vectors.shape[1] >= 2:
        centred = vectors - vectors.mean(axis=0)
        _, _, vt = np.linalg.svd(centred[: min(n, 20000)], full_matrices=False)
        xy = centred @ vt[:2].T
        # the sign of a component is arbitrary: make the largest loading positive
        signs = np.sign(vt[:2][np.arange(2), np.abs(vt[:2]).argmax(axis=1)])
        xy = xy * np.where(signs == 0, 1.0, signs)
    else:
        xy = np.zeros((n, 2))
    keep = ["text_id", "text", *(["participant_id"] if "participant_id" in frame.columns else [])]
    assignments = frame.select(keep).with_columns(
        pl.Series("topic", labels + 1, dtype=pl.Int64),
        pl.Series("similarity", sim, dtype=pl.Float64),
        pl.Series("x", xy[:, 0], dtype=pl.Float64),
        pl.Series("y", xy[:, 1], dtype=pl.Float64),
    )
    params = {
        "n_topics": n_topics,
        "max_topics": max_topics,
        "backend": backend,
        "n_quotes": n_quotes,
        "text_id": text_id,
        "text": text,
    }
    provenance = Provenance(
        method="coprod_analytics.text.topics",
        input_fingerprint=fingerprint_frames(frame.select("text_id", "text")),
        parameters=params,
        seed=seed,
    )
    return Topics(table, assignments, k, silhouettes, backend, seed, provenance)
