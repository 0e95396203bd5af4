"""The page's words in each language it speaks: English and Simplified Chinese.

The page starts in the browser's language (``navigator.languages``) and has a visible switch;
the switch changes every label here, the status lines the Studio's views say, and the page's
``lang`` attribute, so screen readers pronounce it right. :func:`ui` gives the components'
texts, :func:`say` a status line. Messages that carry an error's own words keep them in English.
"""

from __future__ import annotations

from ..hear.languages import AUTO  # the value "I speak" gives for "find it by itself"

LOCALES = {"en": "English", "zh-CN": "中文（简体）"}
DEFAULT = "en"

_UI = {
    "en": {
        "language": {"label": "Page language / 页面语言"},
        "intro": {"value": "# voice2img\nSay what you want drawn — in any language — or upload a recording, or type. "
                           "Follow-ups such as “make it blue”, “add a hat”, “without the people”, “wider”, "
                           "“again” or “undo” change the current picture; “save it”, “what did you draw” and “help” work by voice too. "
                           "Every control works from the keyboard."},
        "mic": {"label": "Speak (live microphone)"},
        "mode": {"label": "When I stop speaking", "choices": [("Hands-free: draw as soon as I stop speaking", "hands-free"),
                                                             ("Review: I press Generate", "review")]},
        "readback": {"label": "Read back what was heard and the prompt aloud"},
        "listen_on_open": {"label": "Start listening when this page opens (remembered in this browser)"},
        "previews": {"label": "Show previews while I speak (never kept)"},
        "previews_cost": {"label": "; one takes {seconds:.1f} s here"},
        "pause": {"label": "Pause that ends a request (seconds)"},
        "spoken": {"label": "I speak", "info": "Found by itself unless you choose; choose when it guesses wrong"},
        "upload": {"label": "Or upload a recording"},
        "hear_file": {"value": "Hear this recording"},
        "picture_in": {"label": "Optional: a picture to start from (upload, webcam or paste)"},
        "typed": {"label": "Or type a request or a change (Enter to send)",
                  "placeholder": "a red fox in the snow — or: make it blue"},
        "use_typed": {"value": "Use typed text"},
        "heard": {"label": "Heard"},
        "removed": {"label": "Removed from what was said"},
        "prompt": {"label": "Prompt (you can edit it)"},
        "negative": {"label": "Negative prompt (things to leave out)"},
        "generate": {"value": "Generate"},
        "again": {"value": "Again with a new seed"},
        "undo": {"value": "Undo: back to the previous request"},
        "settings": {"label": "Settings"},
        "model": {"label": "Image model"},
        "steps": {"label": "Steps"},
        "width": {"label": "Width (pixels)"},
        "height": {"label": "Height (pixels)"},
        "guidance": {"label": "Guidance scale"},
        "seed": {"label": "Seed ({random} for a new random seed each time)"},
        "follow_ups": {"label": "A change such as “make it blue” (say “from scratch” or “change this picture” to choose once)",
                       "choices": [("Redraws it with the same seed (the layout can change)", "redraw"),
                                   ("Changes the picture on screen (image to image)", "refine")]},
        "image": {"label": "Image"},
        "download": {"label": "Download PNG (with its metadata)"},
        "gallery": {"label": "This session's images (press Enter on one to reload its request)"},
    },
    "zh-CN": {
        "language": {"label": "Page language / 页面语言"},
        "intro": {"value": "# voice2img\n说出你想画的内容（任何语言都可以），或上传一段录音，或直接输入。"
                           "“把它变成蓝色”“加一顶帽子”“不要人”“更宽一点”“再来一张”“撤销”等后续指令会修改当前图片。"
                           "“保存”“你画了什么”“帮助”也可以用说的。所有控件都可以只用键盘操作。"},
        "mic": {"label": "说话（实时麦克风）"},
        "mode": {"label": "我停止说话时", "choices": [("免手动：我一停下就开始画", "hands-free"),
                                                   ("先确认：我按“生成”再画", "review")]},
        "readback": {"label": "朗读听到的内容和提示词"},
        "listen_on_open": {"label": "打开此页面时就开始收听（在这个浏览器中记住）"},
        "previews": {"label": "说话时显示预览（不保存）"},
        "previews_cost": {"label": "；在这里每张约 {seconds:.1f} 秒"},
        "pause": {"label": "结束一次请求的停顿时长（秒）"},
        "spoken": {"label": "我说的语言", "info": "不选择时自动识别；识别错了就在这里选择"},
        "upload": {"label": "或上传一段录音"},
        "hear_file": {"value": "识别这段录音"},
        "picture_in": {"label": "可选：作为起点的图片（上传、摄像头或粘贴）"},
        "typed": {"label": "或输入一个请求或修改（按回车发送）", "placeholder": "雪地里的一只红狐狸——或者：把它变成蓝色"},
        "use_typed": {"value": "使用输入的文字"},
        "heard": {"label": "听到的内容"},
        "removed": {"label": "从原话中去掉的部分"},
        "prompt": {"label": "提示词（可以编辑）"},
        "negative": {"label": "反向提示词（不要出现的东西）"},
        "generate": {"value": "生成"},
        "again": {"value": "换一个种子再画一张"},
        "undo": {"value": "撤销：回到上一个请求"},
        "settings": {"label": "设置"},
        "model": {"label": "图像模型"},
        "steps": {"label": "步数"},
        "width": {"label": "宽度（像素）"},
        "height": {"label": "高度（像素）"},
        "guidance": {"label": "引导系数"},
        "seed": {"label": "种子（{random} 表示每次随机）"},
        "follow_ups": {"label": "像“把它变成蓝色”这样的修改（说“从头画”或“改这张图”可临时选择）",
                       "choices": [("用同一个种子重新画（构图可能变化）", "redraw"),
                                   ("修改屏幕上的这张图（图生图）", "refine")]},
        "image": {"label": "图片"},
        "download": {"label": "下载 PNG（含元数据）"},
        "gallery": {"label": "本次会话的图片（在某张上按回车可重新载入它的请求）"},
    },
}

_SAY = {
    "en": {
        "ready": "Ready. Press Record and speak, upload a recording, or type a request.",
        "listening": "Listening… speak now; a short pause ends your request.",
        "listening_speech": "Listening… (speech)",
        "listening_preview": "Listening… preview",
        "holding": "Listening… that sounded unfinished, so I am waiting for the rest.",
        "no_words": "Heard no words there; still listening.",
        "stopped": "Stopped listening. To listen again, press Record: Tab to it, then press Enter.",
        "mic_error": "Could not use the microphone audio: {error}",
        "choose_file": "Choose an audio file first.",
        "not_drawn": "Not drawn: {error}",
        "heard_but": "Heard, but: {error}",
        "heard_drawing": "Heard: “{heard}”. Drawing: {prompt}.{notes}",
        "heard_review": "Heard: “{heard}”. Check the prompt, then press Generate.{notes}",
        "notes": " Note: {notes}.",
        "language_guess": " Language: {note}.",
        "nothing_back": "Nothing to go back to.",
        "went_back": "Went back to: {prompt}",
        "reloaded": "Reloaded: {prompt} (seed {seed}). Press Generate to draw it again.",
        "busy": "Busy: {max_queue} requests are already waiting, the most this server queues. "
                "Yours was not queued; try again in a moment.",
        "waiting": "Waiting: {ahead} other request(s) are ahead of yours; yours starts when they finish.",
        "drawing": "Drawing…",
        "drawing_step": "Drawing step {done} of {total}…",
        "picture_refused": "Not used as a starting picture: {error}",
        "no_picture": "No starting picture: requests draw from scratch.",
        "picture": "Starting picture: {name} ({width}×{height}). Say or type what it should become — "
                   "“make it a watercolor”, “just a little” — and it is changed, not redrawn.",
        "went_back_while": "Drawn and kept in the history, but you went back while it was drawing, so the "
                           "current picture is still “{prompt}”.",
        "none": "none",
        "done": "Done: {count} of “{prompt}”, seed {seed}.{how}{note}",
        "one_image": "image",
        "images": "{n} images",
        "blurred": " {n} blurred by this server's content check.",
        "retried": " A drawing worker stopped while drawing this, so it was drawn again on another; nothing was lost.",
        "refined": " Changed the picture on screen (image to image, strength {strength:g}); say “from scratch” to "
                   "redraw it instead.",
        "redrawn": " Redrawn with the same seed; say “change this picture” to change the picture on screen instead.",
        "model": "Image model: {model}; its default settings are in the panel.",
        "times": "Times: {took}",
        "preview_of": "Preview of {prompt} (seed {seed})",
        "preview_label": "Preview while you speak (not kept)",
        "readback_heard": "Heard: {heard}.",
        "readback_prompt": "Prompt: {prompt}",
        "page_language": "Page language: English.",
        "spoken_auto": "Spoken language: found by itself for each request.",
        "spoken_pinned": "Spoken language: {name}. Every request is heard in it, without guessing.",
        "saved": "Saved: {prompt}. The PNG, with its prompt in its metadata, is in your downloads.",
        "nothing_to_save": "Nothing to save yet: say what to draw first.",
        "read_back": "I drew: {prompt}.",
        "read_back_pending": "The prompt is: {prompt}. It is not drawn yet.",
        "read_back_heard": "I heard: {heard}",
        "nothing_drawn": "Nothing drawn yet: say what to draw, for example “a red fox in the snow”.",
        "help": "You can say what to draw, like “a red fox in the snow”; a change, like “make it blue” or “add a hat”; "
                "“again”; “undo”; “save it”; “what did you draw”; “start over”; “show previews” or “hide previews”; "
                "and “stop listening”.",
        "started_over": "Starting over: say what to draw. Your earlier pictures stay in this session's history.",
        "previews_on": "Previews on: you see the picture form while you speak.",
        "previews_off": "Previews off.",
        "here_is": "Here is {prompt}.",
        "mic_refused": "The microphone is blocked for this page. Allow it in the browser's site settings (the icon "
                       "left of the address), then reload the page.",
        "no_mic": "No microphone was found. Connect one, then reload the page.",
    },
    "zh-CN": {
        "ready": "准备好了。按“录音”开始说话，或上传录音，或输入请求。",
        "listening": "正在听……请说话；短暂停顿即结束本次请求。",
        "listening_speech": "正在听……（有人说话）",
        "listening_preview": "正在听……预览",
        "holding": "正在听……这句话好像没说完，我在等后半句。",
        "no_words": "刚才没有听到话语；仍在听。",
        "stopped": "已停止收听。要再次收听，请按“录音”：用 Tab 键移到它上面，然后按回车。",
        "mic_error": "无法使用麦克风的音频：{error}",
        "choose_file": "请先选择一个音频文件。",
        "not_drawn": "没有画：{error}",
        "heard_but": "听到了，但是：{error}",
        "heard_drawing": "听到：“{heard}”。正在画：{prompt}。{notes}",
        "heard_review": "听到：“{heard}”。请检查提示词，然后按“生成”。{notes}",
        "notes": "注意：{notes}。",
        "language_guess": "语言：{note}。",
        "nothing_back": "没有可以回退的请求。",
        "went_back": "已回到：{prompt}",
        "reloaded": "已重新载入：{prompt}（种子 {seed}）。按“生成”再画一次。",
        "busy": "繁忙：已有 {max_queue} 个请求在等待，这是本服务器的上限。你的请求没有排队，请稍后再试。",
        "waiting": "等待中：前面还有 {ahead} 个请求；它们完成后就轮到你。",
        "drawing": "正在画……",
        "drawing_step": "正在画，第 {done} 步，共 {total} 步……",
        "picture_refused": "不能作为起点图片：{error}",
        "no_picture": "没有起点图片：请求将从头开始画。",
        "picture": "起点图片：{name}（{width}×{height}）。说出或输入它应该变成什么——“把它变成水彩画”“稍微改一点”——"
                   "它会被修改，而不是重画。",
        "went_back_while": "已画好并保存在历史中，但你在绘制时回退了，所以当前图片仍是“{prompt}”。",
        "none": "无",
        "done": "完成：“{prompt}”的{count}，种子 {seed}。{how}{note}",
        "one_image": "图片",
        "images": "{n} 张图片",
        "blurred": "其中 {n} 张被本服务器的内容检查模糊处理。",
        "retried": "绘图进程在绘制时停止了，已在另一个进程上重新绘制，没有丢失任何内容。",
        "refined": "修改了屏幕上的图片（图生图，强度 {strength:g}）；说“从头画”可改为重画。",
        "redrawn": "用同一个种子重新画了；说“改这张图”可改为修改屏幕上的图片。",
        "model": "图像模型：{model}；它的默认设置已填入设置面板。",
        "times": "用时：{took}",
        "preview_of": "预览：{prompt}（种子 {seed}）",
        "preview_label": "说话时的预览（不保存）",
        "readback_heard": "听到：{heard}。",
        "readback_prompt": "提示词：{prompt}",
        "page_language": "页面语言：中文。",
        "spoken_auto": "说话语言：每次请求自动识别。",
        "spoken_pinned": "说话语言：{name}。每次请求都按这种语言来听，不再猜测。",
        "saved": "已保存：{prompt}。PNG 文件（元数据中含提示词）在你的下载文件夹里。",
        "nothing_to_save": "还没有可以保存的图片：请先说出要画什么。",
        "read_back": "我画的是：{prompt}。",
        "read_back_pending": "提示词是：{prompt}。还没有画。",
        "read_back_heard": "我听到的是：{heard}",
        "nothing_drawn": "还没有画任何东西：请说出要画什么，比如“雪地里的一只红狐狸”。",
        "help": "你可以说要画什么，比如“雪地里的一只红狐狸”；修改，比如“把它变成蓝色”或“加一顶帽子”；“再来一张”；“撤销”；"
                "“保存”；“你画了什么”；“重新开始”；“显示预览”或“隐藏预览”；以及“停止收听”。",
        "started_over": "重新开始：请说出要画什么。之前的图片仍保留在本次会话的历史中。",
        "previews_on": "已打开预览：说话时可以看到图片逐渐成形。",
        "previews_off": "已关闭预览。",
        "here_is": "这是：{prompt}。",
        "mic_refused": "这个页面的麦克风被阻止了。请在浏览器的网站设置（地址左边的图标）中允许它，然后重新载入页面。",
        "no_mic": "没有找到麦克风。请连接一个，然后重新载入页面。",
    },
}


# Languages by their own names (the rest of Whisper's by their English names), so a person finds
# theirs in the list whatever the page's language.
_ENDONYMS = {"en": "English", "zh": "中文", "de": "Deutsch", "es": "Español", "fr": "Français", "ja": "日本語",
             "ko": "한국어", "ru": "Русский", "pt": "Português", "it": "Italiano", "ar": "العربية", "hi": "हिन्दी",
             "tr": "Türkçe", "nl": "Nederlands", "pl": "Polski", "uk": "Українська", "vi": "Tiếng Việt",
             "id": "Bahasa Indonesia", "sv": "Svenska", "cs": "Čeština"}


def spoken_choices(locale: str | None) -> list[tuple[str, str]]:
    """The "I speak" choices: (label, value), "auto" first, then the common languages, then the rest."""
    from ..hear.languages import languages

    first = [(f"{name} ({code})", code) for code, name in _ENDONYMS.items()]
    rest = sorted((f"{name.title()} ({code})", code) for code, name in languages().items() if code not in _ENDONYMS)
    auto = {"en": "Find it by itself", "zh-CN": "自动识别"}[locale_of(locale)]
    return [(auto, AUTO)] + first + rest


def spoken_name(code: str) -> str:
    from ..hear.languages import languages

    return f"{_ENDONYMS.get(code) or languages().get(code, code).title()} ({code})"


def locale_of(value: str | None) -> str:
    """One of LOCALES for a browser language or a switch value ("zh", "zh-Hans-CN" → "zh-CN")."""
    if not value:
        return DEFAULT
    if value in LOCALES:
        return value
    return "zh-CN" if value.lower().startswith("zh") else DEFAULT


def ui(locale: str | None, name: str, **values) -> dict:
    """A component's texts (label, value, choices, placeholder) in ``locale``, filled with ``values``."""
    texts = dict(_UI[locale_of(locale)][name])
    for key in ("label", "value"):
        if key in texts and values:
            texts[key] = texts[key].format(**values)
    return texts


def say(locale: str | None, key: str, **values) -> str:
    """A status line in ``locale``."""
    return _SAY[locale_of(locale)][key].format(**values)


def components() -> list[str]:
    return list(_UI[DEFAULT])


__all__ = ["AUTO", "DEFAULT", "LOCALES", "components", "locale_of", "say", "spoken_choices", "spoken_name", "ui"]
