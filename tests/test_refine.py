"""Follow-ups by voice: speech that changes the current request instead of starting over."""

import pytest

from voice2img.understand.rules import RulesRewriter

REWRITER = RulesRewriter()
FIRST = REWRITER.rewrite("Can you draw me a red car on a beach with people, seed 5?")


@pytest.mark.parametrize("said,prompt,negative,settings,action", [
    ("Make it blue.", "a blue car on a beach with people", "", {"seed": 5}, "draw"),
    ("Add a hat.", "a red car on a beach with people, with a hat", "", {"seed": 5}, "draw"),
    ("Uh, with a dog.", "a red car on a beach with people, with a dog", "", {"seed": 5}, "draw"),
    ("Without the people.", "a red car on a beach", "people", {"seed": 5}, "draw"),
    ("Remove the people, please.", "a red car on a beach", "people", {"seed": 5}, "draw"),
    ("No clouds.", "a red car on a beach with people", "clouds", {"seed": 5}, "draw"),
    ("Make it wider.", "a red car on a beach with people", "", {"seed": 5, "aspect": "16:9"}, "draw"),
    ("Make it at night.", "a red car on a beach with people, at night", "", {"seed": 5}, "draw"),
    ("Again.", "a red car on a beach with people", "", {}, "again"),
    ("Another one, please.", "a red car on a beach with people", "", {}, "again"),
    ("Undo.", "a red car on a beach with people", "", {"seed": 5}, "undo"),
    ("Go back.", "a red car on a beach with people", "", {"seed": 5}, "undo"),
    ("A dog in the park.", "a dog in the park", "", {}, "draw"),  # a new request
])
def test_follow_ups(said, prompt, negative, settings, action):
    request = REWRITER.rewrite(said, FIRST)
    assert (request.prompt, request.negative_prompt, request.settings.as_dict(), request.action) == (
        prompt, negative, settings, action)
    assert request.transcript == said


def test_without_a_previous_request_follow_up_words_are_a_new_request():
    assert REWRITER.rewrite("Make it blue.").prompt == "blue"
    assert REWRITER.rewrite("Undo.").action == "draw"


def test_colour_goes_before_the_subject_when_there_was_none():
    first = REWRITER.rewrite("A car on a beach.")
    assert REWRITER.rewrite("Make it green.", first).prompt == "a green car on a beach"
