"""Speech in another language: the size and the negatives are read from the words as said too."""

import pytest

from voice2img.hear import Transcript
from voice2img.understand import said
from voice2img.understand.rules import RulesRewriter


@pytest.mark.parametrize("language, spoken, aspect, negatives", [
    ("de", "Zeichne mir ein rotes Auto, ohne Menschen, im Hochformat.", "2:3", ["people"]),
    ("de", "Einen Leuchtturm bei Nacht ohne Text im Breitformat", "16:9", ["text"]),
    ("de", "Eine Katze auf dem Sofa, keine Bäume, quadratisch.", "1:1", ["trees"]),
    # Whisper half-hears the compounds: "Breitformat" as "Breifforma", "Hochformat" as "Hofformat"
    ("de", "Zeichne mir ein rotes Auto, ohne Menschen im Breifforma.", "16:9", ["people"]),
    ("de", "zeichne mir einen See ohne Text im Hofformat.", "2:3", ["text"]),
    ("es", "Dibújame un coche rojo, sin personas, en formato vertical.", "2:3", ["people"]),
    ("es", "Un lago en las montañas sin nubes ni texto, en formato panorámico", "16:9", ["clouds", "text"]),
    ("fr", "Dessine-moi une voiture rouge, sans personne, format paysage.", "3:2", ["people"]),
    ("fr", "Un chat sur un canapé, pas de texte, en carré.", "1:1", ["text"]),
    ("ja", "赤い車の絵を描いてください。人は入れないで。横長でお願いします。", "16:9", ["people"]),
    ("ja", "人のいない浜辺の犬、文字なし、縦長で", "2:3", ["people", "text"]),
    ("ja", "雪の中のお城、雲は入れないで、よこながでお願いします", "16:9", ["clouds"]),
    ("zh", "请画一辆红色的汽车，不要有人，竖版。", "2:3", ["people"]),
    ("zh", "画一只猫，没有文字，正方形", "1:1", ["text"]),
])
def test_sizes_and_negatives_said_in_five_languages(language, spoken, aspect, negatives):
    settings, found, why = said.read(spoken, language)
    assert settings == {"aspect": aspect}
    assert found == negatives
    assert all(f"said in {language}" in r.reason for r in why)


@pytest.mark.parametrize("language, spoken", [
    ("de", "Ein Haus mit einem quadratischen Fenster und einem breiten Fluss"),  # describes the picture
    ("es", "Un marco cuadrado en una pared vertical"),
    ("fr", "Un portrait d'une femme dans un paysage"),
    ("ja", "縦長の窓がある家"),
    ("zh", "一架无人机飞过城市，画别人的房子"),  # 无人机 is a drone, 别人 other people
    ("en", "without people, wide"),  # English is the rules' job, not this one's
    ("ko", "사람 없이"),  # a language without a table: nothing, not a guess
])
def test_words_that_describe_the_picture_are_not_taken_as_settings_or_negatives(language, spoken):
    assert said.read(spoken, language) == ({}, [], [])


def test_what_was_said_wins_over_a_translation_that_lost_it():
    """base translated "…, ohne Menschen, im Breitformat" as "…without a human in bright format"
    (benchmarks/languages.py): the rules find nothing in that; the German words still say it."""
    english = RulesRewriter().rewrite("I'll show you a lighthouse at night without a human in bright format.")
    assert "aspect" not in english.settings.as_dict() and "people" not in english.negative_prompt
    request = said.apply(english, "Zeichne mir einen Leuchtturm bei Nacht, ohne Menschen, im Breitformat.", "de")
    assert request.settings.aspect == "16:9"
    assert "people" in request.negative_prompt.split(", ")
    # the translation's, less "I'll show you" and its garbled copy of the format that was said
    assert request.prompt == "a lighthouse at night"
    reasons = [r.reason for r in request.removed]
    assert {"setting: aspect (said in de)", "negative: people (said in de)", "setting: aspect (its translation)",
            "request wrapper (translated)"} <= set(reasons)


def test_the_translations_garbled_copies_of_a_negative_found_give_way():
    english = RulesRewriter().rewrite("Draw a red car without square people, without lanterns.")
    assert "square people" in english.negative_prompt
    request = said.apply(english, "Dibújame un coche rojo sin personas cuadrados, sin faroles.", "es")
    assert request.negative_prompt.split(", ") == ["lanterns", "people"]  # lanterns: not in the table, kept


@pytest.mark.parametrize("translation, prompt", [
    ("I'll show you a dog on the beach.", "a dog on the beach"),  # base, for "Zeichne mir einen Hund am Strand"
    ("We draw a cat.", "a cat"),  # for "Dibújame un gato"
    ("Let me show you an old man with a hat.", "an old man with a hat"),
    ("Please take a picture of the old man.", "the old man"),
    ("I show you a bowl with fruit.", "a bowl with fruit"),
    ("A show you would love", "a show you would love"),  # no wrapper: left alone
])
def test_the_ways_a_translation_says_draw_me_are_taken_off(translation, prompt):
    english = RulesRewriter().rewrite(translation)
    assert said.apply(english, "…", "de").prompt == prompt


def test_only_a_format_phrase_gives_way_to_the_size_said():
    rules = RulesRewriter()
    kept = said.apply(rules.rewrite("A poster in art deco format."), "Ein Plakat im Art-Deco-Format, Hochformat.", "de")
    assert kept.prompt == "a poster in art deco format" and kept.settings.aspect == "2:3"
    gone = said.apply(rules.rewrite("Draw me a cat in a vertical format."), "Dibújame un gato en formato vertical.", "es")
    assert gone.prompt == "a cat" and gone.settings.aspect == "2:3"


def test_the_pipeline_reads_a_translated_transcript_both_ways():
    from voice2img.pipeline import Pipeline

    heard = Transcript("Draw me a red car, wide.", "es", spoken="Dibújame un coche rojo, sin personas, en formato vertical.",
                       language_probability=0.97)
    request = Pipeline().understand(heard)
    assert request.prompt == "a red car"
    assert request.settings.aspect == "2:3"  # said "vertical": the translation's "wide" gives way
    assert request.negative_prompt == "people"
    english = Pipeline().understand(Transcript("Draw me a red car, wide.", "en"))
    assert english.settings.aspect == "16:9" and english.negative_prompt == ""
