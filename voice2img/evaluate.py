"""Word error rate as the field reports it: jiwer's WER (word edit distance over reference words; the
same count, computed here so this needs no test-only package) after Whisper's own English text normaliser
(openai-whisper's ``EnglishTextNormalizer``), so that "Americans, ask" and "americans ask", "forty
two" and "42", "colour" and "color" count as the same words, and figures compare with Whisper's
published ones. Used by the tests and benchmarks; the product itself never imports it.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _normalizer():
    from whisper.normalizers import EnglishTextNormalizer  # importing whisper imports torch: only here

    return EnglishTextNormalizer()


def normalize(text: str) -> list[str]:
    """Whisper's English normalisation (case, punctuation, numbers, spellings, "um"/"uh"), as words."""
    return _normalizer()(text).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / words in the reference, after normalising."""
    return corpus_word_error_rate([reference], [hypothesis])


def corpus_word_error_rate(references: list[str], hypotheses: list[str]) -> float:
    """All word errors over all reference words (not the mean of per-clip rates), after normalising.
    A clip whose reference has no words counts each word heard as an insertion."""
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    pairs = [(" ".join(normalize(r)), " ".join(normalize(h))) for r, h in zip(references, hypotheses)]
    scored = [(r, h) for r, h in pairs if r]
    inserted = sum(len(h.split()) for r, h in pairs if not r)
    words = sum(len(r.split()) for r, _ in scored)
    if not words:
        return 0.0 if not inserted else 1.0
    errors = sum(word_edits(r.split(), h.split()) for r, h in scored)
    return (errors + inserted) / words


def word_edits(reference: list[str], hypothesis: list[str]) -> int:
    """The fewest substitutions, deletions and insertions that turn ``reference`` into
    ``hypothesis`` (Levenshtein distance over words, as jiwer counts them)."""
    previous = list(range(len(hypothesis) + 1))
    for i, word in enumerate(reference, 1):
        current = [i]
        for j, heard in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != heard)))
        previous = current
    return previous[-1]
