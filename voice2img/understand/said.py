"""What was said in the speaker's own language: the negatives and the size a translation loses.

The rules read English; speech in another language reaches them as Whisper base's translation,
which keeps nouns better than the small words around them: measured with
``benchmarks/languages.py``, "ohne Menschen, im Breitformat" came back as "without a human in the
forest" or was left untranslated, and "人は入れないで" (don't put people in) as "you don't need a
person". So for German, Spanish, French, Japanese and Simplified Chinese, the transcript *as
said* is read too, for two things that do not need a translation:

- the **size**, said with the language's own format words ("im Hochformat", "en formato
  vertical", "format paysage", "横長で", "竖版") — only words that name a format, not adjectives
  that could describe a thing in the picture ("ein quadratisches Fenster", "un marco cuadrado");
- **negatives** of the things people most often leave out (people, text, watermarks, trees,
  clouds, cars, animals, ...), after the language's "without" ("ohne", "sin", "sans", "…は入れないで",
  "不要"). A negative of anything else still relies on the translation.

What this finds wins over what the translation made of the same words; everything else comes from
the rules on the English text, less the request wrappers only translations say ("I'll show you
…", "We draw …" for "draw me"). Each finding is listed in the request's ``removed`` with its reason.
"""

from __future__ import annotations

import re
from dataclasses import replace

from . import ImageRequest, Removal

I = re.IGNORECASE
_END = r"(?=\s*(?:[,.;:!?。，、！？]|$))"  # the word closes its clause: said as a setting, not a description

# Format words per language → aspect (the same ratios as the English rules: wide 16:9, landscape
# 3:2, portrait 2:3, square 1:1, panorama 2:1).
ASPECTS: dict[str, list[tuple[re.Pattern, str]]] = {
    # German format words are compounds that Whisper often half-hears ("Breifforma", "Hofformat"):
    # a word that starts like one and ends in "forma(t)" counts.
    "de": [(re.compile(r"\b(?:im\s+)?(?:brei\w{0,3}forma\w*|breitbild\w*)", I), "16:9"),
           (re.compile(r"\b(?:im\s+)?quer\w{0,2}forma\w*", I), "3:2"),
           (re.compile(r"\b(?:im\s+)?(?:hoch|ho)\w{0,2}forma\w*", I), "2:3"),
           (re.compile(r"\b(?:im\s+)?(?:quadrat\w{0,2}forma\w*|quadratischen\s+format)\b|\bquadratisch" + _END, I), "1:1"),
           (re.compile(r"\b(?:im\s+)?panorama\w{0,2}forma\w*", I), "2:1")],
    "es": [(re.compile(r"\b(?:en\s+)?(?:formato\s+panor[áa]mico|pantalla\s+panor[áa]mica)\b", I), "16:9"),
           (re.compile(r"\b(?:en\s+)?(?:formato\s+horizontal|formato\s+apaisado)\b", I), "3:2"),
           (re.compile(r"\b(?:en\s+)?(?:formato\s+vertical|formato\s+retrato)\b", I), "2:3"),
           (re.compile(r"\b(?:en\s+)?formato\s+cuadrado\b", I), "1:1")],
    "fr": [(re.compile(r"\b(?:en\s+)?(?:format\s+panoramique|grand\s+écran|écran\s+large)\b", I), "16:9"),
           (re.compile(r"\b(?:en\s+)?format\s+paysage\b|\ben\s+paysage" + _END, I), "3:2"),
           (re.compile(r"\b(?:en\s+)?format\s+portrait\b|\ben\s+portrait" + _END, I), "2:3"),
           (re.compile(r"\b(?:en\s+)?format\s+carré\b|\ben\s+carré" + _END, I), "1:1")],
    "ja": [(re.compile(r"(?:横長|よこなが|ワイド)(?=で|に|の(?:絵|画像|写真|イラスト)|\s*(?:[、。,.!?！？]|$))"), "16:9"),
           (re.compile(r"(?:縦長|たてなが)(?=で|に|の(?:絵|画像|写真|イラスト)|\s*(?:[、。,.!?！？]|$))"), "2:3"),
           (re.compile(r"(?:正方形|せいほうけい)(?=で|に|の(?:絵|画像|写真|イラスト)|\s*(?:[、。,.!?！？]|$))"), "1:1")],
    "zh": [(re.compile(r"横版|横屏|宽屏|横向构图"), "16:9"),
           (re.compile(r"竖版|竖屏|竖向构图|纵向构图"), "2:3"),
           (re.compile(r"正方形(?=的?(?:图|画|照片|格式|比例|构图)|\s*(?:[，。,.!?！？]|$))|方形构图"), "1:1")],
}

# The things most often left out, per language: the word as said → the English negative.
_THINGS = {
    "de": {"menschen": "people", "mensch": "people", "personen": "people", "person": "people", "leute": "people",
           "text": "text", "schrift": "text", "buchstaben": "text", "wörter": "text", "wasserzeichen": "watermark",
           "bäume": "trees", "baum": "trees", "wolken": "clouds", "wolke": "clouds", "autos": "cars", "auto": "cars",
           "tiere": "animals", "tier": "animals", "wasser": "water", "gebäude": "buildings", "häuser": "buildings",
           "vögel": "birds", "hunde": "dogs", "katzen": "cats", "schatten": "shadows", "logo": "logo",
           "logos": "logo", "signatur": "signature", "unterschrift": "signature"},
    "es": {"personas": "people", "persona": "people", "gente": "people", "humanos": "people", "texto": "text",
           "letras": "text", "palabras": "text", "marca de agua": "watermark", "marcas de agua": "watermark",
           "árboles": "trees", "árbol": "trees", "nubes": "clouds", "nube": "clouds", "coches": "cars",
           "coche": "cars", "carros": "cars", "autos": "cars", "animales": "animals", "agua": "water",
           "edificios": "buildings", "pájaros": "birds", "aves": "birds", "perros": "dogs", "gatos": "cats",
           "sombras": "shadows", "logo": "logo", "logotipo": "logo", "firma": "signature"},
    "fr": {"personnes": "people", "personne": "people", "gens": "people", "humains": "people", "texte": "text",
           "lettres": "text", "mots": "text", "écriture": "text", "filigrane": "watermark", "arbres": "trees",
           "arbre": "trees", "nuages": "clouds", "nuage": "clouds", "voitures": "cars", "voiture": "cars",
           "animaux": "animals", "eau": "water", "bâtiments": "buildings", "oiseaux": "birds", "chiens": "dogs",
           "chats": "cats", "ombres": "shadows", "logo": "logo", "signature": "signature"},
    "ja": {"人間": "people", "人物": "people", "人々": "people", "人": "people", "文字": "text", "テキスト": "text",
           "透かし": "watermark", "ウォーターマーク": "watermark", "木々": "trees", "樹木": "trees", "木": "trees",
           "雲": "clouds", "車": "cars", "動物": "animals", "水": "water", "建物": "buildings", "鳥": "birds",
           "犬": "dogs", "猫": "cats", "影": "shadows", "ロゴ": "logo", "署名": "signature", "サイン": "signature"},
    "zh": {"人物": "people", "人类": "people", "行人": "people", "人": "people", "文字": "text", "文本": "text",
           "字": "text", "水印": "watermark", "树木": "trees", "树": "trees", "云朵": "clouds", "云": "clouds",
           "汽车": "cars", "车": "cars", "动物": "animals", "水": "water", "建筑": "buildings", "房子": "buildings",
           "鸟": "birds", "狗": "dogs", "猫": "cats", "阴影": "shadows", "影子": "shadows", "标志": "logo",
           "签名": "signature"},
}


def _alternatives(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# "without" + the thing, per language. Languages written with spaces take an optional article.
NEGATIVES: dict[str, re.Pattern] = {
    "de": re.compile(r"\b(?:ohne|kein|keine|keinen|keiner)\s+(?:(?:den|die|das|der|irgendwelche|jegliche|"
                     r"einen|eine|ein)\s+)?(?P<thing>" + _alternatives(_THINGS["de"]) + r")\b", I),
    "es": re.compile(r"\b(?:sin|ni|ningún|ninguna|que\s+no\s+(?:haya|tenga))\s+(?:(?:el|la|los|las|ningún|ninguna|"
                     r"un|una)\s+)?(?P<thing>" + _alternatives(_THINGS["es"]) + r")\b", I),
    "fr": re.compile(r"\b(?:sans|pas\s+de|pas\s+d'|aucun|aucune)\s*(?:(?:le|la|les|l'|de|d'|des|aucun|aucune)\s*)?"
                     r"(?P<thing>" + _alternatives(_THINGS["fr"]) + r")\b", I),
    "ja": re.compile(r"(?P<thing>" + _alternatives(_THINGS["ja"]) + r")(?:は|を|も|が|の)?"
                     r"(?:入れないで|いれないで|描かないで|かかないで|書かないで|なしで|なし|抜きで|抜き|いらない|要らない|不要|いない|ない)"),
    # Not "无" or "别" alone: "无人机" is a drone and "别人" other people.
    "zh": re.compile(r"(?:不要有|不要|别有|没有|不带)(?P<thing>" + _alternatives(_THINGS["zh"]) + r")"),
}

def read(spoken: str, language: str) -> tuple[dict, list[str], list[Removal]]:
    """What ``spoken`` (a transcript in ``language``) asks for that a translation may lose:
    (settings, English negatives, what was found and why)."""
    if language not in NEGATIVES or not spoken:
        return {}, [], []
    settings, negatives, found = {}, [], []
    for pattern, ratio in ASPECTS.get(language, []):
        match = pattern.search(spoken)
        if match and "aspect" not in settings:
            settings["aspect"] = ratio
            found.append(Removal(match.group(0).strip(), f"setting: aspect (said in {language})"))
    for match in NEGATIVES[language].finditer(spoken):
        english = _THINGS[language][match.group("thing").lower()]
        if english not in negatives:
            negatives.append(english)
            found.append(Removal(match.group(0).strip(), f"negative: {english} (said in {language})"))
    return settings, negatives, found


# How base translates "draw me …" ("Zeichne mir", "Dibújame", "描いてください"): "I'll show you a
# dog", "We draw a cat", "Please take a picture of the old man" (benchmarks/languages.py). The
# English rules know "draw me" and "show me"; these are translation's own, so only a translated
# request loses them.
TRANSLATED_WRAPPER = re.compile(
    r"^(?:(?:i|we)(?:'ll|\s+will|\s+am going to|'m going to)?|let\s+me|let's)\s+(?:show|draw|paint)(?:\s+(?:you|us))?"
    r"(?:\s+(?:a\s+)?(?:picture|drawing|image)\s+of)?\s+(?=\S)|^take\s+(?:a\s+)?(?:picture|photo)\s+of\s+(?=\S)", I)

# "in broad format": how a translation garbles a format said in another language.
_TRANSLATED_FORMAT = re.compile(r"(?:,\s*|\s+)in\s+(?:an?\s+|the\s+)?[\w-]+\s+format\b", I)


def apply(request: ImageRequest, spoken: str, language: str) -> ImageRequest:
    """``request`` (the rules' reading of the translation) with what :func:`read` finds in
    ``spoken``: its size wins over the translation's, its negatives are added; a request wrapper
    only translations use ("I'll show you …") is taken off the prompt."""
    if request.empty:
        return request
    wrapper = TRANSLATED_WRAPPER.match(request.prompt)
    if wrapper:
        request = replace(request, prompt=request.prompt[wrapper.end():],
                          removed=request.removed + (Removal(wrapper.group(0).strip(), "request wrapper (translated)"),))
    settings, negatives, found = read(spoken, language)
    if not found:
        return request
    # The translation's own negatives that name the same things ("square people", "a human
    # being") are its garbled copies of what was found here: they give way.
    same = {w for n in negatives for w in _SAME.get(n, (n,))}
    have = [n.strip() for n in request.negative_prompt.split(",")
            if n.strip() and not set(n.lower().split()) & same]
    merged = have + [n for n in negatives if n not in {h.lower() for h in have}]
    new_settings = replace(request.settings, **settings) if settings else request.settings
    prompt = request.prompt
    if settings.get("aspect"):  # the translation's garbled copy of the format said ("in broad format")
        garbled = _TRANSLATED_FORMAT.search(prompt)
        if garbled and garbled.start() > 0:
            prompt = prompt[:garbled.start()] + prompt[garbled.end():]
            found.append(Removal(garbled.group(0).strip(" ,"), "setting: aspect (its translation)"))
    return replace(request, prompt=prompt.strip(" ,"), negative_prompt=", ".join(merged), settings=new_settings,
                   removed=request.removed + tuple(found))


# English words a translation uses for each negative.
_SAME = {"people": ("people", "person", "persons", "human", "humans", "man", "men", "woman", "women"),
         "text": ("text", "texts", "words", "letters", "writing", "font"), "watermark": ("watermark", "watermarks"),
         "trees": ("tree", "trees", "wood"), "clouds": ("cloud", "clouds"), "cars": ("car", "cars", "vehicle", "vehicles"),
         "animals": ("animal", "animals"), "water": ("water",), "buildings": ("building", "buildings", "house", "houses"),
         "birds": ("bird", "birds"), "dogs": ("dog", "dogs"), "cats": ("cat", "cats"),
         "shadows": ("shadow", "shadows"), "logo": ("logo", "logos"), "signature": ("signature", "signatures")}


__all__ = ["ASPECTS", "NEGATIVES", "apply", "read"]
