"""Words that send a question to the moderation queue even when pre-moderation is off.

A flag, not a verdict: a moderator reads the question and decides. Whole words only,
case-insensitive, so "Skagen" or "analyse" never trip "skide" or "anal".
"""

import re

# Danish and English insults and slurs seen in public comment fields. Kept short on purpose:
# a long list flags ordinary debate, and the moderators see every flagged question anyway.
ABUSIVE_WORDS = frozenset({
    # Danish
    "idiot", "idioter", "idiotisk", "røvhul", "røvhuller", "lort", "pis", "fanden",
    "fandens", "satan", "kraftedeme", "pikhoved", "kælling", "luder", "ludere", "bøsserøv",
    "perker", "perkere", "spasser", "spassere", "mongol", "nar", "narrøv", "svin", "klaphat",
    "klaphatte", "skiderik", "fuck", "fucking",
    # English
    "asshole", "assholes", "bastard", "bitch", "bullshit", "crap", "cunt", "dickhead",
    "moron", "morons", "retard", "retarded", "shit", "slut", "twat", "wanker", "whore",
})

_WORD = re.compile(r"\w+", re.UNICODE)


def is_flagged(text: str) -> bool:
    """True when ``text`` contains a listed word as a whole word, in any letter case."""
    return any(word in ABUSIVE_WORDS for word in _WORD.findall(text.casefold()))
