"""Corpora shared by the text-family tests (built here; expected answers are ours), and a
check that the construction is what the tests take it to be."""

from __future__ import annotations

import numpy as np
import polars as pl
from conftest import POLIS_CONVERSATIONS, require_shared

import coprod_analytics as ca
from coprod_analytics.text import texts_of

#: Three planted themes; each text draws its words from one theme (our own construction).
THEMES = {
    "transport": ["buses", "trains", "timetable", "night", "routes", "fares", "station", "tram"],
    "nature": ["trees", "parks", "gardens", "meadows", "birds", "wildlife", "hedges", "ponds"],
    "housing": [
        "rents",
        "landlords",
        "housing",
        "flats",
        "tenants",
        "homes",
        "deposits",
        "council",
    ],
}
OPENERS = ["we need more", "please improve the", "I worry about", "the city should fund", "better"]


def planted_corpus(per_theme: int = 20, seed: int = 0) -> tuple[pl.DataFrame, list[str]]:
    """Texts with a known theme each: (text_id, text) and the planted theme per row."""
    rng = np.random.default_rng(seed)
    ids, texts, truth = [], [], []
    for theme, words in THEMES.items():
        for _ in range(per_theme):
            picked = rng.choice(words, size=3, replace=False)
            opener = OPENERS[int(rng.integers(len(OPENERS)))]
            texts.append(f"{opener} {picked[0]} and {picked[1]}, {picked[2]}")
            ids.append(f"t{len(ids)}")
            truth.append(theme)
    order = rng.permutation(len(ids))
    frame = pl.DataFrame({"text_id": [ids[i] for i in order], "text": [texts[i] for i in order]})
    return frame, [truth[i] for i in order]


def polis_mixture() -> tuple[pl.DataFrame, list[str]]:
    """The statements of the four shared Pol.is conversations, ids prefixed by conversation."""
    frames = []
    for conv in POLIS_CONVERSATIONS:
        t = texts_of(ca.load_inquiry(require_shared("polis", conv)))
        frames.append(
            t.select(
                (pl.lit(conv + ":") + pl.col("text_id")).alias("text_id"),
                "text",
                pl.lit(conv).alias("conversation"),
            )
        )
    both = pl.concat(frames)
    return both.select("text_id", "text"), both.get_column("conversation").to_list()


def plant_edits(
    frame: pl.DataFrame, n: int = 100, seed: int = 0
) -> tuple[pl.DataFrame, set[frozenset[str]]]:
    """Copies of ``n`` real texts (of 8+ words) with one small edit each: case and
    punctuation, one word replaced, two words swapped, one word dropped, halves swapped.
    Returns the texts with the copies appended and the planted (original, copy) pairs."""
    rng = np.random.default_rng(seed)
    texts = frame.get_column("text").to_list()
    ids = frame.get_column("text_id").to_list()
    vocab = sorted({w for t in texts for w in t.split() if w.isalpha() and len(w) > 3})
    eligible = [i for i, t in enumerate(texts) if len(t.split()) >= 8]
    picked = rng.choice(eligible, size=n, replace=False)
    new_ids, new_texts, truth = [], [], set()
    for k, i in enumerate(picked):
        w = texts[i].split()
        kind = k % 5
        if kind == 0:
            edited = texts[i].upper().rstrip(".!?") + "!!"
        elif kind == 1:
            j = int(rng.integers(len(w)))
            w[j] = vocab[int(rng.integers(len(vocab)))]
            edited = " ".join(w)
        elif kind == 2:
            j = int(rng.integers(len(w) - 1))
            w[j], w[j + 1] = w[j + 1], w[j]
            edited = " ".join(w)
        elif kind == 3:
            del w[int(rng.integers(len(w)))]
            edited = " ".join(w)
        else:
            h = len(w) // 2
            edited = " ".join(w[h:] + w[:h])
        new_ids.append(f"edit{k}")
        new_texts.append(edited)
        truth.add(frozenset((ids[i], new_ids[-1])))
    out = pl.concat(
        [frame.select("text_id", "text"), pl.DataFrame({"text_id": new_ids, "text": new_texts})]
    )
    return out, truth


def test_planted_corpus_is_deterministic_and_balanced():
    a, truth = planted_corpus()
    b, _ = planted_corpus()
    assert a.equals(b)
    assert sorted(truth.count(t) for t in THEMES) == [20, 20, 20]
    assert a["text_id"].n_unique() == 60
    # every text uses words of its own theme only
    for text, theme in zip(a["text"], truth, strict=True):
        others = {w for t, ws in THEMES.items() if t != theme for w in ws}
        assert not others & set(text.replace(",", "").split())
