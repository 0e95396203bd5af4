"""The words the rules share: determiners, openers, colours and describing words.

One place for the vocabulary that reading a request (:mod:`.rules`), repairing it
(:mod:`.repairs`) and changing it (:mod:`.refine`) all need, so no module reaches into another's
private names.
"""

from __future__ import annotations

import re

I = re.IGNORECASE
# The word before closes its clause: said as a setting or an aside, not as a description.
CLAUSE_END = r"(?=\s*(?:[,.;:!?]|$))"
# Words that can stand before a noun: "a", "the", "my", "two", "12".
DETERMINERS = r"(?:a|an|the|some|any|my|our|his|her|their|this|that|these|those|one|two|three|four|five|six|seven|eight|nine|ten|\d+)"
# Words that open a turn but say nothing about it: "actually, make it green", "no, go back".
OPENERS = re.compile(r"^(?:(?:actually|wait|hmm+|oh|okay|ok|right|alright|all right|great|nice|cool|good|perfect|"
                     r"hey|well|yeah|yes|no|nah|nope|instead)\b[,.!]?\s+)+(?=\S)", I)

COLORS = ("red orange yellow green blue purple violet pink brown black white gray grey silver gold golden "
          "turquoise teal cyan magenta beige navy maroon crimson lime indigo").split()

COMPARATIVES = ("brighter darker bigger smaller larger closer farther further happier sadder scarier cuter sharper softer "
                "warmer colder cooler calmer simpler busier older younger lighter heavier cleaner messier "
                "funnier prettier nicer").split()

# Describing words, told from verbs ("make the dog sit" is not "a sit dog"): short common ones, and
# the endings adjectives mostly have.
ADJECTIVES = set("""wet dry big small tall short long old new young huge tiny large little bright dark pale
    clean dirty shiny happy sad angry calm wild tame fat thin thick flat round square soft hard warm cold hot cool
    fast slow loud quiet rich poor full empty open closed broken bare wide narrow deep shallow high low sharp smooth
    rough rusty fluffy furry hairy bald striped spotted glowing frozen burning melting floating transparent""".split())


def describing(word: str) -> bool:
    """A word that can only describe: a colour, a common adjective or comparative, or an ending
    that nouns do not have (-ful, -ous, -less). Unsure words count as nouns."""
    word = word.lower()
    return word in COLORS or word in ADJECTIVES or word in COMPARATIVES or \
        (len(word) > 5 and word.endswith(("ful", "ous", "less")))
