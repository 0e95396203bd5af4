"""Word error rate: jiwer's, after Whisper's English normaliser, as the field reports it."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voice2img.evaluate import corpus_word_error_rate, normalize, word_edits, word_error_rate


@pytest.mark.parametrize("reference,hypothesis,rate", [
    ("a red fox", "a red box", 1 / 3),
    ("And so, my fellow Americans: ask not.", "and so my fellow americans ask not", 0.0),
    ("seed forty two", "Seed 42.", 0.0),  # Whisper writes numbers either way
    ("a grey colour", "a gray color", 0.0),
    ("um, a cat", "a cat", 0.0),  # Whisper's normaliser drops hesitations
    ("a cat on a mat", "", 1.0),
    ("a cat", "a big black cat", 1.0),
    ("", "", 0.0),
    ("", "you", 1.0),
])
def test_word_error_rate(reference, hypothesis, rate):
    assert word_error_rate(reference, hypothesis) == pytest.approx(rate)


def test_corpus_rate_weighs_every_word_not_every_clip():
    # 2 errors over 6 reference words; the mean of the two clips' rates would be 0.5
    assert corpus_word_error_rate(["a b c d", "e f"], ["a b c d", "x"]) == pytest.approx(2 / 6)
    with pytest.raises(ValueError):
        corpus_word_error_rate(["a"], [])


def test_normalize_gives_words():
    assert normalize("Mr. Smith has three cats!") == ["mister", "smith", "has", "3", "cats"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from("a b c d e".split()), min_size=1, max_size=9),
       st.lists(st.sampled_from("a b c d f".split()), max_size=9))
def test_word_edits_count_as_jiwer_does(reference, hypothesis):
    import jiwer

    out = jiwer.process_words(" ".join(reference), " ".join(hypothesis) or "")
    assert word_edits(reference, hypothesis) == out.substitutions + out.deletions + out.insertions
