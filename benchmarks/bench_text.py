"""Benchmark: topics and near-duplicates of short texts (coprod_analytics.text).

Run: .venv/bin/python benchmarks/bench_text.py [N]   (N: texts in part 2, default 100,000)

1. Topics of the largest shared Pol.is conversation (by statements: bg2050-volunteers),
   number of topics chosen by modularity, against a plain scikit-learn baseline in the same
   process (``TfidfVectorizer()`` + ``KMeans`` with the same k): best of 3, ratio.
2. N tweet-length texts (8–40 words drawn from the word frequencies of the four shared
   conversations, 1 % of them near-duplicate copies of others with one small edit):
   ``topics`` (spectral clustering of a 5,000-text sample, k by modularity; SVD axes from a
   20,000-text sample), ``near_duplicates``
   (MinHash candidates, no all-pairs comparison) with precision and recall of the planted
   copies, the same baseline, and the peak resident memory of the process.
   Target of issue 15: 100,000 texts in < 60 s on 2 cores and < 2 GB.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

POLIS = (
    "london.youth.policing",
    "bg2050-volunteers",
    "scoop-hivemind.biodiversity",
    "vtaiwan.uberx",
)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


#: CPU seconds (user + system) of the last :func:`_timed` run: on a shared machine the wall
#: clock also counts other people's work.
LAST_CPU = [0.0]


def _timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t, c = time.perf_counter(), _cpu()
        out = fn()
        best = min(best, time.perf_counter() - t)
        LAST_CPU[0] = _cpu() - c
    return best, out


def _polis_texts() -> list[str]:
    from _common import shared_data

    import coprod_analytics as ca
    from coprod_analytics.text import texts_of

    out: list[str] = []
    for conv in POLIS:
        out.extend(texts_of(ca.load_inquiry(shared_data() / "polis" / conv))["text"].to_list())
    return out


def synthetic_texts(n: int, *, seed: int = 0) -> tuple[list[str], set[frozenset[str]]]:
    """``n`` tweet-length texts from the word frequencies of the shared Pol.is comments, 1 %
    of them edited copies of other texts (one word replaced, dropped or swapped, or case and
    punctuation changed). Returns the texts and the planted (original, copy) id pairs (ids are
    positions as strings) — the expected answer is our own construction."""
    rng = np.random.default_rng(seed)
    # words as written (Chinese comments have no spaces: their runs are cut into pieces of
    # 2-4 characters, so no long run is shared verbatim by unrelated texts)
    counts: Counter[str] = Counter()
    for t in _polis_texts():
        for w in t.split():
            if len(w) <= 15:
                counts[w] += 1
            else:
                counts.update(w[i : i + 3] for i in range(0, len(w), 3))
    words = np.array(sorted(counts))
    p = np.array([counts[w] for w in words], dtype=float)
    p /= p.sum()
    n_copies = n // 100
    texts: list[str] = []
    for _ in range(n - n_copies):
        k = int(rng.integers(8, 41))
        texts.append(" ".join(rng.choice(words, size=k, p=p))[:280])
    planted: set[frozenset[str]] = set()
    for c in range(n_copies):
        i = int(rng.integers(len(texts) - c))  # an original (not a copy)
        toks = texts[i].split()
        kind = c % 4
        if kind == 0:
            edited = texts[i].upper() + "!"
        elif kind == 1:
            toks[int(rng.integers(len(toks)))] = str(rng.choice(words, p=p))
            edited = " ".join(toks)
        elif kind == 2:
            del toks[int(rng.integers(len(toks)))]
            edited = " ".join(toks)
        else:
            j = int(rng.integers(len(toks) - 1))
            toks[j], toks[j + 1] = toks[j + 1], toks[j]
            edited = " ".join(toks)
        planted.add(frozenset((str(i), str(len(texts)))))
        texts.append(edited)
    return texts, planted


def baseline(texts: list[str], k: int, seed: int = 0) -> np.ndarray:
    """Plain scikit-learn: word TF-IDF with default settings, then k-means."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer().fit_transform(texts)
    return np.asarray(KMeans(k, random_state=seed, n_init=1).fit_predict(x))


def main(n: int) -> None:
    from _common import shared_data

    import coprod_analytics as ca
    from coprod_analytics.text import near_duplicates, topics

    inq = ca.load_inquiry(shared_data() / "polis" / "bg2050-volunteers")
    t_ours, res = _timed(lambda: topics(inq, progress=False), repeat=3)
    texts = res.assignments["text"].to_list()
    t_base, _ = _timed(lambda: baseline(texts, res.k), repeat=3)
    print(f"1. topics of bg2050-volunteers ({len(texts)} statements, k = {res.k} by modularity)")
    print(
        f"   ours {t_ours:.2f} s, baseline TfidfVectorizer+KMeans {t_base:.2f} s, ratio {t_ours / t_base:.1f}x"
    )

    texts, planted = synthetic_texts(n)
    t_top, res = _timed(lambda: topics(texts, progress=False))
    c_top = LAST_CPU[0]
    t_dup, dups = _timed(lambda: near_duplicates(texts, seed=0))
    c_dup = LAST_CPU[0]
    found = {frozenset(p) for p in dups.pairs.select("a", "b").iter_rows()}
    hit = len(found & planted)
    t_base, _ = _timed(lambda: baseline(texts, res.k))
    c_base = LAST_CPU[0]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"2. {n:,} tweet-length texts")
    print(
        f"   topics {t_top:.1f} s (k = {res.k}), near_duplicates {t_dup:.1f} s ({dups.method}),"
        f" together {t_top + t_dup:.1f} s wall; CPU {c_top:.1f} s + {c_dup:.1f} s"
    )
    print(
        f"   planted near-duplicates: precision {hit / max(1, len(found)):.3f}, recall "
        f"{hit / len(planted):.3f} ({len(found)} pairs found, {len(planted)} planted)"
    )
    print(
        f"   baseline TfidfVectorizer+KMeans (k = {res.k}) {t_base:.1f} s wall, CPU {c_base:.1f} s;"
        f" ratio topics/baseline {t_top / t_base:.1f}x wall, {c_top / c_base:.1f}x CPU"
    )
    print(
        f"   peak resident memory {rss:,.0f} MB; load average {os.getloadavg()[0]:.1f}"
        " on this machine"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
