"""Understand (basic cleanup): fillers, whitespace and end punctuation go; every content word stays."""

import pytest

from voice2img.understand import BasicCleanup, ImageRequest, rewrite


@pytest.mark.parametrize("spoken,prompt", [
    (" Um, can you draw me a lighthouse?", "can you draw me a lighthouse"),
    ("A red fox sleeping in the snow.", "a red fox sleeping in the snow"),
    ("uh   a  blue   car ,  erm, at night...", "a blue car , at night"),
    ("Hmm. A castle!", "a castle"),
    ("NASA rocket on the pad", "NASA rocket on the pad"),
    ("an umbrella and a hummingbird near the hermit's hut", "an umbrella and a hummingbird near the hermit's hut"),
    ("a drummer, uhh, playing drums", "a drummer, playing drums"),
])
def test_basic_cleanup(spoken, prompt):
    assert rewrite(spoken).prompt == prompt


def test_what_was_removed_is_listed_with_why():
    request = BasicCleanup().rewrite("Um, a cat?")
    assert [(r.text, r.reason) for r in request.removed] == [("Um,", "filler"), ("?", "punctuation")]
    assert request.transcript == "Um, a cat?"


@pytest.mark.parametrize("spoken", ["", "   ", "um", "Uh... hmm.", "?!"])
def test_nothing_said_is_an_empty_request(spoken):
    assert rewrite(spoken).empty


def test_requests_are_typed_and_frozen():
    request = rewrite("a cat")
    assert isinstance(request, ImageRequest) and request.negative_prompt == ""
    with pytest.raises(AttributeError):
        request.prompt = "a dog"
