"""Topics of a collection of short texts, offline and seeded: :func:`topics`.

How (the documented choice)
---------------------------
1. **Vectors.** ``backend="tfidf"`` (default, no model): TF-IDF of character n-grams within
   word boundaries (as ``char_wb``, 2–4 characters, found in two texts or more; counted with
   :func:`~coprod_analytics.text.corpus.char_ngram_counts`) joined with TF-IDF of word tokens
   (:func:`~coprod_analytics.text.corpus.label_tokens`: words, and character bigrams in
   scripts written without spaces), equally weighted, reduced with truncated SVD (latent
   semantic analysis, at most 100 dimensions) and scaled to unit length. Character n-grams
   make Chinese, Polish or Arabic work without a tokenizer. ``backend="wordllama"``: the
   256-dimension WordLlama embedding that ships inside the ``wordllama`` wheel (loaded from
   the installed package folder with downloads disabled — nothing is fetched at run time),
   joined with the TF-IDF vectors above (WordLlama's English-centred tokenizer alone does
   poorly on Chinese).
2. **Clusters.** Spectral clustering of the similarity graph: each text is linked to its
   ``n / 10`` nearest texts (cosine; at least 2, at most :data:`MAX_NEIGHBORS` = 20), the
   links made symmetric; the leading eigenvectors of the normalised adjacency
   (``D^-1/2 A D^-1/2``) are discretised with the deterministic column-pivoted QR method of
   Damle, Minden & Ying (2019; scikit-learn's ``assign_labels="cluster_qr"``), so no random
   start decides the topics. With ``n_topics=None`` the number of topics is the k in
   ``2 .. max_topics`` (at most one topic per 5 texts) whose partition of the graph has the
   highest **modularity** (Newman 2006: the share of links inside topics minus the share
   expected by chance; ties go to the smaller k). Collections of more than
   :data:`SELECTION_SAMPLE` texts are clustered on a seeded sample of that size and every
   other text joins the topic whose centre is the most similar; their SVD axes come from a
   seeded sample of :data:`SVD_SAMPLE` texts.

   Why not k-means with the silhouette (the earlier choice): on a mixture of four real
   Pol.is conversations (625 comments, one of them Chinese) the silhouette always chose
   k = 2 (Chinese apart from English: purity 0.70), and with k = 4 given k-means landed on
   solutions of purity 0.78 to 0.85 depending on its seed (0.69 to 0.89 over 40 starts,
   unrelated to their inertia; more starts, other SVD sizes or word-only vectors did not
   fix it). The graph method gives k = 5, purity 0.90–0.91 and normalised mutual
   information 0.67–0.69 for every seed 0–4 (``tests/test_text_topics.py``). Known limit:
   modularity favours more, smaller topics as a collection grows past a few hundred texts
   per theme when the texts within a theme form tight sub-groups (e.g. 160 texts per theme
   each made of 3 of the same 8 words: 6 topics for 3 themes).
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
#: Texts whose SVD gives the axes of the reduced vectors (a seeded sample when there are more).
SVD_SAMPLE = 20_000
_SVD_DIMS = 100
#: Most neighbours of each text in the similarity graph (fewer in small collections: one
#: per 10 texts).
MAX_NEIGHBORS = 20
#: Graphs up to this many texts get a dense eigendecomposition.
_DENSE_EIGEN = 1500
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
    counts_c = char_ngram_counts(texts, ngram_range=(2, 4), dtype=np.float32)
    if n >= 50:  # n-grams of a single text say nothing about topics
        df = np.bincount(counts_c.indices, minlength=counts_c.shape[1])
        counts_c = counts_c[:, np.flatnonzero(df >= 2)]
    # float32 and in place: the n-gram matrix of 100,000 texts holds ~30 million entries
    chars = counts_c
    del counts_c
    chars = TfidfTransformer(sublinear_tf=True).fit(chars).transform(chars, copy=False)
    chars.data *= np.float32(math.sqrt(0.5))
    blocks = [chars]
    if counts.shape[1]:
        words = counts.astype(np.float32)
        words = TfidfTransformer(sublinear_tf=True).fit(words).transform(words, copy=False)
        words.data *= np.float32(math.sqrt(0.5))
        blocks.append(words)
    matrix = hstack(blocks, format="csr")
    del blocks, chars
    dims = min(_SVD_DIMS, n - 1, matrix.shape[1] - 1)
    if dims < 2:
        return np.asarray(normalize(matrix).toarray(), dtype=np.float64)
    svd = TruncatedSVD(dims, random_state=seed)
    with np.errstate(divide="ignore", invalid="ignore"):  # identical texts: zero variance
        if n > SVD_SAMPLE:  # the axes from a seeded sample, every text projected on them
            rows = np.sort(np.random.default_rng(seed).choice(n, SVD_SAMPLE, replace=False))
            part = matrix[rows]
            used = np.unique(part.indices)  # columns the sample has (the others get weight 0)
            svd.fit(part[:, used])
            axes = svd.components_.T.astype(matrix.dtype)
            reduced = np.vstack(
                [matrix[i : i + 20_000][:, used] @ axes for i in range(0, n, 20_000)]
            )
        else:
            reduced = svd.fit_transform(matrix)
    return np.asarray(normalize(reduced), dtype=np.float64)


def _neighbors(n: int) -> int:
    """Neighbours per text in a graph of ``n`` texts: n / 10, between 2 and 20, below n."""
    return max(1, min(MAX_NEIGHBORS, max(2, round(n / 10)), n - 1))


def _graph(data: np.ndarray, n_neighbors: int) -> Any:
    """The symmetrised k-nearest-neighbour graph (cosine; the rows are of unit length)."""
    from sklearn.neighbors import kneighbors_graph

    g = kneighbors_graph(data, n_neighbors, include_self=False)
    return (0.5 * (g + g.T)).tocsr()


def _embedding(adjacency: Any, m: int, *, seed: int) -> np.ndarray:
    """The ``m`` leading eigenvectors of the normalised adjacency ``D^-1/2 A D^-1/2`` (the
    ``m`` smallest of the normalised graph Laplacian), rows scaled by ``D^-1/2``."""
    from scipy.sparse import diags
    from scipy.sparse.linalg import eigsh

    n = adjacency.shape[0]
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    inv = 1.0 / np.sqrt(np.where(degree > 0, degree, 1.0))
    norm_adj = (diags(inv) @ adjacency @ diags(inv)).tocsr()
    if n <= _DENSE_EIGEN:
        _, vecs = np.linalg.eigh(norm_adj.toarray())
        top = vecs[:, ::-1][:, :m]
    else:
        v0 = np.random.default_rng(seed).uniform(-1.0, 1.0, n)
        vals, vecs = eigsh(norm_adj, k=m, which="LA", v0=v0, tol=1e-8)
        top = vecs[:, np.argsort(-vals, kind="stable")]
    return np.asarray(top * inv[:, None], dtype=np.float64)


def _cluster_qr(maps: np.ndarray) -> np.ndarray:
    """Deterministic discretisation of a spectral embedding (Damle, Minden & Ying 2019, as
    scikit-learn's ``assign_labels="cluster_qr"``): no random start, invariant to the basis
    of the eigenvector space."""
    from scipy.linalg import qr, svd

    k = maps.shape[1]
    _, _, piv = qr(maps.T, pivoting=True)
    ut, _, vt = svd(maps[piv[:k], :].T)
    return np.asarray(np.abs(maps @ (ut @ vt)).argmax(axis=1), dtype=np.int64)


def _modularity(adjacency: Any, labels: np.ndarray) -> float:
    """Newman's modularity of a partition of a weighted undirected graph."""
    from scipy.sparse import csr_matrix

    k = int(labels.max()) + 1
    n = adjacency.shape[0]
    member = csr_matrix((np.ones(n), (np.arange(n), labels)), shape=(n, k))
    within = (member.T @ adjacency @ member).diagonal()
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    total = degree.sum()
    if total <= 0:
        return 0.0
    by_cluster = np.bincount(labels, weights=degree, minlength=k)
    return float(within.sum() / total - ((by_cluster / total) ** 2).sum())


def _assign_rest(vectors: np.ndarray, sample: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Topics of every text: the sample's own, and for the others the topic whose centre
    (the mean of its sampled texts) is the most similar (cosine)."""
    n = vectors.shape[0]
    if len(sample) == n:
        return labels
    out = np.full(n, -1, dtype=np.int64)
    out[sample] = labels
    rest = np.flatnonzero(out < 0)
    centres = np.vstack([vectors[sample[labels == c]].mean(axis=0) for c in range(k)])
    norms = np.linalg.norm(centres, axis=1, keepdims=True)
    centres = centres / np.where(norms > 0, norms, 1.0)
    for start in range(0, len(rest), 20_000):
        rows = rest[start : start + 20_000]
        out[rows] = np.argmax(vectors[rows] @ centres.T, axis=1)
    return out


def _cluster(
    vectors: np.ndarray, ks: list[int], *, seed: int, progress: bool
) -> tuple[np.ndarray, dict[int, float]]:
    """Spectral clustering of the k-nearest-neighbour graph for each k in ``ks``; the k of
    the highest modularity (ties: the smaller k). Returns the labels and every k's
    modularity."""
    n = vectors.shape[0]
    rng = np.random.default_rng(seed)
    sample = (
        np.sort(rng.choice(n, SELECTION_SAMPLE, replace=False))
        if n > SELECTION_SAMPLE
        else np.arange(n)
    )
    data = vectors[sample]
    # identical texts: as many topics as distinct vectors at most
    distinct, first, inverse = np.unique(
        np.round(data, 9), axis=0, return_index=True, return_inverse=True
    )
    inverse = np.asarray(inverse).ravel()
    if len(distinct) <= max(ks):
        ks = [k for k in ks if k < len(distinct)] or [len(distinct)]
    if len(distinct) <= min(ks):  # one topic per distinct text
        order = np.argsort(first, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        labels = rank[inverse].astype(np.int64)
        return _assign_rest(vectors, sample, labels, len(distinct)), {}
    nn = _neighbors(len(sample))
    adjacency = _graph(data, nn)
    maps = _embedding(adjacency, max(ks), seed=seed)
    scores: dict[int, float] = {}
    best_labels = np.zeros(len(sample), dtype=np.int64)
    best = -np.inf
    for k in _progress(ks, enabled=progress, desc="Choosing the number of topics", unit="k"):
        labels = _cluster_qr(maps[:, :k])
        _, labels = np.unique(labels, return_inverse=True)
        labels = np.asarray(labels, dtype=np.int64).ravel()
        scores[k] = _modularity(adjacency, labels)
        if round(scores[k], 12) > best:
            best, best_labels = round(scores[k], 12), labels
    return _assign_rest(vectors, sample, best_labels, int(best_labels.max()) + 1), scores


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
    modularity : dict of int to float
        Modularity of the similarity-graph partition for every k tried (empty when
        ``n_topics`` was given); the largest chose ``k``.
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
    <Topics: 2 topics in 6 texts (tfidf vectors, spectral clustering, seed 0)>
    >>> res.to_frame().select("topic", "size").rows()
    [(1, 3), (2, 3)]
    """

    topics: pl.DataFrame
    assignments: pl.DataFrame
    k: int
    modularity: dict[int, float]
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
        how = "spectral clustering" + (", k by modularity" if self.modularity else "")
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
    """Topics of short texts: vectors, spectral clustering, class-based TF-IDF labels, quotes.

    Parameters
    ----------
    data : Inquiry, DataFrame, list of str or path
        The texts (see :func:`~coprod_analytics.text.texts_of`): an inquiry's statements (or
        its ``free_text`` table), a table with an id and a text column, a list of strings
        or a file.
    n_topics : int, optional
        The number of topics. By default the k in ``2 .. max_topics`` (at most one topic per
        5 texts) whose spectral clustering of the nearest-neighbour graph has the highest
        modularity (ties: the smaller k); see the module notes.
    max_topics : int, default 10
        The largest number of topics tried when ``n_topics`` is None.
    backend : {"tfidf", "wordllama"}, default "tfidf"
        Text vectors: character and word TF-IDF (no model), or WordLlama embeddings joined
        with them (the ``text`` extra; loaded offline from the installed package).
    n_quotes : int, default 3
        Representative texts (ids) per topic.
    seed : int, default 0
        Seed of the SVD, of the eigensolver's start (graphs of more than 1,500 texts) and of
        the sample of large collections.
    text_id, text : str, optional
        Column names of a table whose columns differ from ``text_id``/``text``.
    progress : bool, default True
        A progress bar while the number of topics is chosen.

    Returns
    -------
    Topics
        The topics table, one assignment per text, the modularity of every k tried and provenance.

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
    # they save there (k-means on 300 texts took 0.2 s on one thread, 5 s on two busy cores).
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

    modularity: dict[int, float] = {}
    if n == 1:
        raw = np.zeros(1, dtype=np.int64)
    elif n_topics == 1:
        raw = np.zeros(n, dtype=np.int64)
    elif n_topics is not None:
        raw, _ = _cluster(vectors, [n_topics], seed=seed, progress=False)
    else:
        upper = min(max_topics, n // 5)
        ks = list(range(2, upper + 1))
        if ks:
            raw, modularity = _cluster(vectors, ks, seed=seed, progress=progress)
        else:
            raw = np.zeros(n, dtype=np.int64)
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
    return Topics(table, assignments, k, modularity, backend, seed, provenance)
