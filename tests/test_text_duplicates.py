"""Near-duplicates (coprod_analytics.text.near_duplicates / near_duplicates_of): known
near-identical Pol.is comments, planted edits of real comments, MinHash = exact, properties."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import require_shared
from hypothesis import given, settings
from hypothesis import strategies as st
from test_text_corpora import plant_edits, polis_mixture

import coprod_analytics as ca
from coprod_analytics.errors import ParameterError
from coprod_analytics.text import NearDuplicates, near_duplicates, near_duplicates_of
from coprod_analytics.text.duplicates import pair_score


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("conversation", "pair"),
    [
        ("london.youth.policing", ("6", "5")),  # "I identify as female." / "... as male."
        ("bg2050-volunteers", ("345", "346")),  # "An upscale Mall/Outlet would be great!"
        ("scoop-hivemind.biodiversity", ("1", "2")),  # two age-band statements
    ],
)
def test_known_near_identical_polis_comments_are_found(conversation, pair):
    inq = ca.load_inquiry(require_shared("polis", conversation))
    res = near_duplicates(inq)
    found = {frozenset(p) for p in res.pairs.select("a", "b").iter_rows()}
    assert frozenset(pair) in found
    row = res.pairs.filter(pl.col("a").is_in(pair) & pl.col("b").is_in(pair)).row(0, named=True)
    assert 0.8 <= row["score"] < 1.0  # one word differs: near, not identical


@pytest.mark.shared_data
def test_vtaiwan_has_no_near_duplicates_but_finds_an_edited_chinese_statement():
    inq = ca.load_inquiry(require_shared("polis", "vtaiwan.uberx"))
    assert near_duplicates(inq).pairs.height == 0
    original = inq.statements.filter(pl.col("statement_id") == 187)["text"][0]
    edited = original.replace("，", " ") + "！"
    hit = near_duplicates_of(edited, inq)
    assert hit.get_column("text_id").to_list()[:1] == ["187"]
    assert hit["score"][0] > 0.95


@pytest.mark.shared_data
@pytest.mark.parametrize("method", ["exact", "minhash"])
def test_planted_edits_of_real_comments_precision_and_recall(method):
    """100 real comments copied with one small edit each (case/punctuation, a word
    replaced, two words swapped, a word dropped, halves swapped): the planted pairs are the
    expected answer (our construction); precision and recall >= 0.9."""
    frame, _ = polis_mixture()
    corpus, planted = plant_edits(frame, n=100, seed=0)
    res = near_duplicates(corpus, method=method)
    found = {frozenset(p) for p in res.pairs.select("a", "b").iter_rows()}
    true_pos = len(found & planted)
    assert true_pos / len(planted) >= 0.9, "recall"
    assert true_pos / len(found) >= 0.9, "precision"


@pytest.mark.shared_data
def test_minhash_finds_the_same_pairs_as_exact_on_real_data():
    frame, _ = polis_mixture()
    corpus, _ = plant_edits(frame, n=60, seed=1)
    exact = near_duplicates(corpus, method="exact").pairs
    lsh = near_duplicates(corpus, method="minhash").pairs
    assert lsh.select("a", "b").equals(exact.select("a", "b"))
    assert lsh["score"].to_list() == pytest.approx(exact["score"].to_list())


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The bus is late.", "the BUS is late"),  # case and punctuation
        ("more buses at night please", "please more buses at night"),  # word order
    ],
)
def test_case_punctuation_and_order_give_score_one(a, b):
    assert pair_score(a, b) == 1.0


def test_one_word_changed_is_near_but_below_one_and_unrelated_is_far():
    s = pair_score(
        "The council should build more social housing near the station",
        "The council should build more affordable housing near the station",
    )
    assert 0.8 <= s < 1.0
    assert pair_score("The council should build more housing", "Plant trees in every park") < 0.5


def test_near_duplicates_of_ranks_candidates_for_the_moderation_queue():
    queue = pl.DataFrame(
        {
            "statement_id": [10, 11, 12, 13],
            "text": [
                "We need more buses at night",
                "Plant more trees in the parks",
                "we need MORE buses at night!",
                "Lower the rents for students",
            ],
        }
    )
    hit = near_duplicates_of("We need more night buses at night", queue, threshold=0.7)
    assert hit.get_column("text_id").to_list() == ["10", "12"]
    assert hit["score"][0] == hit["score"][1]  # same text after normalisation
    assert near_duplicates_of("Plant more trees in the parks.", queue)["text_id"].to_list() == [
        "11"
    ]
    assert near_duplicates_of("", queue).height == 0
    assert near_duplicates_of("anything", []).height == 0


def test_result_protocol_and_parameters():
    res = near_duplicates(["a bus", "A bus!", "tree"])
    assert isinstance(res, NearDuplicates)
    assert (
        repr(res) == "<NearDuplicates: 1 near-duplicate pair among 3 texts (score >= 0.8, exact)>"
    )
    assert "#0 looks like #1" in res.summary()
    assert res.provenance.parameters["method"] == "exact"
    with pytest.raises(ParameterError, match="'threshold' parameter of near_duplicates"):
        near_duplicates(["a"], threshold=0)
    with pytest.raises(ParameterError, match="'method' parameter of near_duplicates"):
        near_duplicates(["a"], method="all")  # type: ignore[arg-type]


_text = st.text(alphabet=st.sampled_from("ab cd EF 公車 ,!"), min_size=0, max_size=25)


@settings(max_examples=60, deadline=None)
@given(_text, _text)
def test_pair_score_is_symmetric_and_in_unit_interval(a, b):
    s = pair_score(a, b)
    assert 0.0 <= s <= 1.0
    assert s == pytest.approx(pair_score(b, a))
    assert pair_score(a, a) == 1.0


@settings(max_examples=25, deadline=None)
@given(st.lists(_text.filter(lambda s: s.strip() != ""), min_size=2, max_size=15))
def test_pairs_are_ordered_scored_and_agree_across_methods(texts):
    exact = near_duplicates(texts, threshold=0.6, method="exact").pairs
    for a, b, s in exact.select("a", "b", "score").iter_rows():
        assert int(a) < int(b)
        assert 0.6 <= s <= 1.0
        assert s == pytest.approx(pair_score(texts[int(a)], texts[int(b)]))
    lsh = near_duplicates(texts, threshold=0.6, method="minhash").pairs
    # MinHash may miss a candidate, never invents a pair or a score
    assert set(lsh.select("a", "b").iter_rows()) <= set(exact.select("a", "b").iter_rows())
