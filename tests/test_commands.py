"""Spoken commands ("save it", "what did you draw", "help", "stop listening", "start over", "show
previews") in English and Chinese: understood only as a whole utterance, and done by the page's
steps without a click."""

import csv

import pytest

from conftest import ROOT
from voice2img import DrawingOptions, Pipeline
from voice2img.errors import Voice2ImgError
from voice2img.hear import Transcript
from voice2img.pipeline import Result
from voice2img.understand import ImageRequest
from voice2img.understand.commands import (HELP, HIDE_PREVIEWS, READ_BACK, SAVE, SHOW_PREVIEWS, START_OVER,
                                           STOP_LISTENING, command)
from voice2img.web import Session, Studio, views

PARTI = ROOT.parent / "shared" / "data" / "PartiPrompts.tsv"

SAID = {
    SAVE: ["Save it.", "Um, save it, please.", "Download it.", "Could you save this picture for me?", "save",
           "保存", "保存一下", "下载这张图", "儲存圖片"],
    READ_BACK: ["What did you draw?", "Read it back.", "Can you read it back to me?", "What's on the screen?",
                "你画了什么？", "读给我听", "你畫了什麼"],
    HELP: ["Help.", "What can I say?", "What can I do?", "帮助", "我可以说什么？"],
    STOP_LISTENING: ["Stop listening.", "Okay, stop listening now.", "Stop.", "停止收听", "别听了"],
    START_OVER: ["Start over.", "Let's start again.", "New picture.", "重新开始", "重新開始"],
    SHOW_PREVIEWS: ["Show previews.", "Turn on the previews.", "显示预览"],
    HIDE_PREVIEWS: ["Hide previews.", "Turn previews off.", "No more previews.", "关闭预览", "隱藏預覽"],
    "undo": ["撤销"],
    "again": ["再来一张"],
}


@pytest.mark.parametrize("action,text", [(a, t) for a, texts in SAID.items() for t in texts])
def test_each_command_is_understood_as_said(action, text):
    assert command(text) == action


@pytest.mark.parametrize("text", ["A sign that says save it.", "Save the whales, a poster.", "a stop sign",
                                  "Help me draw a red fox.", "A robot asking for help", "a kid who won't stop listening",
                                  "一只在雪地里的红狐狸", "一个写着保存的牌子", "keep going"])
def test_a_command_inside_a_request_is_a_picture(text):
    assert command(text) is None


@pytest.mark.skipif(not PARTI.exists(), reason="../shared/data/PartiPrompts.tsv is not here")
def test_no_parti_prompt_is_taken_for_a_command():
    with PARTI.open() as f:
        prompts = [row["Prompt"] for row in csv.DictReader(f, delimiter="\t")]
    assert len(prompts) > 1600
    assert [p for p in prompts if command(p)] == []


def test_the_pipeline_understands_a_command_as_said_or_translated():
    pipeline = Pipeline()
    assert pipeline.understand("Save it.").action == SAVE
    assert pipeline.understand("Save it.").empty
    # Chinese as said wins over a translation that lost it.
    heard = Transcript(text="Keep it down.", language="zh", spoken="保存一下")
    assert pipeline.understand(heard).action == SAVE
    previous = ImageRequest("a red fox in the snow")
    assert pipeline.understand(Transcript(text="Undo.", language="zh", spoken="撤销"), previous).action == "undo"
    assert pipeline.understand("A sign that says save it.").prompt.startswith("a sign")


def test_a_command_in_a_folder_of_recordings_is_one_line_not_a_picture(tmp_path):
    pipeline = Pipeline()
    heard = Result("save.wav", Transcript(text="Save it.", language="en"), pipeline.understand("Save it."))
    with pytest.raises(Voice2ImgError, match=r"^save.wav: heard 'Save it.', the spoken command 'save'"):
        pipeline.make(heard, tmp_path)
    assert not list(tmp_path.iterdir())


@pytest.fixture(scope="module")
def studio(tiny_model_dir, tmp_path_factory):
    pipeline = Pipeline(drawing=DrawingOptions(model=str(tiny_model_dir), steps=1, width=64, height=64))
    return Studio(pipeline, tmp_path_factory.mktemp("studio"), previews="off")


def turn(studio, s, text):
    return views.heard(studio, s, studio.type(s, text), views.HANDS_FREE)


@pytest.mark.slow
def test_commands_on_the_page_save_read_back_start_over_and_switch_previews(studio):
    s = Session()
    assert turn(studio, s, "save it")["status"].startswith("Nothing to save yet")
    assert turn(studio, s, "what did you draw")["status"].startswith("Nothing drawn yet")
    help_ = turn(studio, s, "what can I say")
    assert "save it" in help_["status"] and help_["reply"].endswith(help_["status"])

    turn(studio, s, "um, draw a red fox in the snow")
    drawn = studio.draw(s, s.current)[0]
    saved = turn(studio, s, "save it")
    assert saved["download"] == drawn.shown and saved["act"].endswith("|save")
    assert "a red fox in the snow" in saved["reply"]
    said = turn(studio, s, "what did you draw?")
    assert said["status"] == "I drew: a red fox in the snow. I heard: um, draw a red fox in the snow"
    assert said["reply"].split("|", 2)[2] == said["status"]  # spoken whether or not read-back is on
    assert s.current.prompt == "a red fox in the snow"  # a command changes nothing on screen

    hidden = turn(studio, s, "hide the previews")
    assert hidden["previews"] is False and s.previews is False and s.relisten
    assert turn(studio, s, "show previews")["previews"] is True and s.previews is True

    assert turn(studio, s, "stop listening")["act"].endswith("|stop")
    over = turn(studio, s, "start over")
    assert over["prompt"] == "" and over["image"] is None and over["download"] is None
    assert s.current is None and len(s.gallery) == 1  # a new request next; the history keeps the picture
    with pytest.raises(Voice2ImgError, match="no picture yet"):  # nothing on screen to change any more
        studio.type(s, "make it blue")
    assert not studio.type(s, "a green kite").request.follows


@pytest.mark.slow
def test_commands_answer_in_the_pages_language(studio):
    s = Session(locale="zh-CN")
    assert turn(studio, s, "帮助")["status"].startswith("你可以说")
    assert turn(studio, s, "保存")["status"].startswith("还没有可以保存的图片")
