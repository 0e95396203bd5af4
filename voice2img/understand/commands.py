"""Spoken commands: "save it", "what did you draw", "help", "stop listening", "start over",
"show previews" / "hide previews" — in English and Chinese.

A command is a command only when it is the whole utterance (after fillers and politeness): "save
it" is a command, "a sign that says save it" is a picture. Commands ask the shell to do something
rather than draw, so they come back as an :class:`ImageRequest` with an empty prompt and the
command as its ``action``; the shell (the page, ``listen``) does it and says what it did.

Chinese is read as said (Whisper writes it in Simplified or Traditional characters), and English
also as Whisper's translation of any language, so "保存" and its translation "Save it." both save.
"""

from __future__ import annotations

import re
from dataclasses import replace

from . import ImageRequest, Removal

I = re.IGNORECASE

SAVE, READ_BACK, HELP, STOP_LISTENING, START_OVER = "save", "read back", "help", "stop listening", "start over"
SHOW_PREVIEWS, HIDE_PREVIEWS = "show previews", "hide previews"
COMMANDS = (SAVE, READ_BACK, HELP, STOP_LISTENING, START_OVER, SHOW_PREVIEWS, HIDE_PREVIEWS)

_THIS = r"(?:it|that|this|them|the (?:picture|image|drawing|photo|png|file|last one|one)|(?:this|that) (?:picture|image|one))"
_EN = {
    # "safe it": how Whisper sometimes writes a quick "save it"
    SAVE: r"(?:save|download|keep|store)(?: " + _THIS + r")?(?: for me)?|save (?:a|the) copy|safe (?:it|that|this)",
    READ_BACK: r"what (?:did|have) you (?:just )?(?:draw|drawn|draw me|make|made|paint|painted)|what (?:is|was) (?:it|this|that|the picture|the prompt)"
               r"|what(?:'s| is) (?:it|this|that|the prompt|on (?:the )?screen|in the (?:picture|image))|what (?:did you|have you) (?:hear|heard|understand|understood)"
               r"|read (?:it|that|this|the prompt|the picture)? ?(?:back|out|aloud|to me)(?: to me)?|read back(?: the prompt| what you (?:drew|heard))?|describe (?:it|the picture|the image|what you drew)"
               r"|tell me what you drew|what does it show",
    HELP: r"help(?: me)?|what can i (?:say|do|ask|tell you)|what (?:can|do) you (?:do|understand)|what are (?:the|my) (?:commands|options)"
          r"|(?:list|say|read) (?:the )?commands|what commands are there|how does this work",
    STOP_LISTENING: r"stop listening(?: to me)?|stop (?:the )?(?:microphone|recording|mic)|stop|don't listen|quit listening|stop hearing me"
                    r"|(?:turn|switch) off the (?:microphone|mic)",
    START_OVER: r"start (?:over|again|afresh|anew|from the beginning)|begin again|(?:a )?new (?:picture|drawing|image|request)|clear (?:it|everything|all)"
                r"|reset|let's start (?:over|again)",
    SHOW_PREVIEWS: r"(?:show|turn on|switch on|enable) (?:the )?previews?|(?:turn|switch) (?:the )?previews? on|previews? on",
    HIDE_PREVIEWS: r"(?:hide|turn off|switch off|disable|stop(?: showing)?) (?:the )?previews?|(?:turn|switch) (?:the )?previews? off|previews? off"
                   r"|no (?:more )?previews?",
}
_ZH = {
    SAVE: r"(?:保存|储存|存|下载)(?:它|一下|下来|起来|图片|这张(?:图|图片)?|这个)?",
    READ_BACK: r"你(?:刚才)?画(?:了|的是)什么|画的是什么|这是什么|(?:读|念)(?:一下|给我听|出来)|朗读(?:一下)?|你听到了什么|提示词是什么",
    HELP: r"帮助|帮帮我|我(?:能|可以)说什么|我(?:能|可以)做什么|怎么用|有(?:哪些|什么)命令",
    STOP_LISTENING: r"(?:停止|别再|不要再?)(?:收听|听|录音)了?|别听了|停止",
    START_OVER: r"重新开始|从头开始|重来|清空",
    SHOW_PREVIEWS: r"(?:显示|打开|开启)预览",
    HIDE_PREVIEWS: r"(?:隐藏|关闭|关掉|不要)预览",
    "undo": r"撤销|撤消|回退|返回上一步|退回",
    "again": r"再来一张|再画一张|换一张|再来一次|再画一次",
}
_EN_WHOLE = {action: re.compile(r"^(?:" + pattern + r")$", I) for action, pattern in _EN.items()}
_ZH_WHOLE = {action: re.compile(r"^(?:" + pattern + r")$") for action, pattern in _ZH.items()}

# What may come around a command without making it something else.
_EN_AROUND = re.compile(r"^(?:(?:um+|uh+|er+|hmm+|ok(?:ay)?|so|hey|now|and|then|right|alright|all right|please|just|voice2img)\b[\s,]*)+|"
                        r"(?:[\s,]+(?:please|now|thanks|thank you|for me))+$", I)
_EN_ASK = re.compile(r"^(?:(?:can|could|would|will) you(?: please)?|i want(?: you)? to|i'd like(?: you)? to|let's|please)\s+", I)
_ZH_AROUND = re.compile(r"^(?:嗯|呃|那个|好的?|请|麻烦你?|帮我|给我)+|(?:吧|吗|呢|啊|一下|谢谢)+$")
# Whisper writes Chinese in either script: the Traditional characters of the phrases above.
_TRADITIONAL = str.maketrans("儲載這張圖來畫麼讀聽給說幫錄開顯預覽隱關銷撤問詞", "储载这张图来画么读听给说帮录开显预览隐关销撤问词")


def command(text: str) -> str | None:
    """The command ``text`` is as a whole utterance, or None. Also "undo" and "again" in
    Chinese; in English those are follow-ups (:mod:`.refine`)."""
    said = " ".join(text.split()).strip(" ,.!?;:。，！？、")
    if not said:
        return None
    if re.search(r"[\u4e00-\u9fff]", said):
        zh = _ZH_AROUND.sub("", re.sub(r"[\s,.!?;:。，！？、]", "", said.translate(_TRADITIONAL)))
        return next((action for action, pattern in _ZH_WHOLE.items() if pattern.match(zh)), None)
    en = re.sub(r"[.!?;:]+", " ", said.lower()).replace("’", "'")
    for _ in range(3):
        en = _EN_ASK.sub("", _EN_AROUND.sub("", " ".join(en.split()).strip(" ,")).strip(" ,"))
    return next((action for action, pattern in _EN_WHOLE.items() if pattern.match(en)), None)


def request(action: str, transcript: str, previous: ImageRequest | None = None) -> ImageRequest:
    """The request a command makes: the shell does it. "undo" and "again" change ``previous``
    as their English follow-ups do."""
    removed = (Removal(transcript.strip(), f"a spoken command: {action}"),)
    if action == "undo" and previous is not None and not previous.empty:
        return replace(previous, action="undo", transcript=transcript, removed=removed, follows=True)
    if action == "again" and previous is not None and not previous.empty:
        return replace(previous, settings=replace(previous.settings, seed=None), action="again", transcript=transcript,
                       removed=removed, follows=True)
    return ImageRequest(prompt="", action=action if action in COMMANDS else "draw", transcript=transcript, removed=removed)


__all__ = ["COMMANDS", "HELP", "HIDE_PREVIEWS", "READ_BACK", "SAVE", "SHOW_PREVIEWS", "START_OVER", "STOP_LISTENING",
           "command", "request"]
