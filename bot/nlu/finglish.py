"""A script-neutral consonant skeleton so Finglish («mostamari») and Persian («مستمری») share features."""

from __future__ import annotations

import re
from functools import lru_cache

# Persian letters → consonant classes; vowel carriers (ا و ی ع ء آ) vanish, as Latin vowels do.
_FA = str.maketrans({
    "ب": "b", "پ": "p", "ت": "t", "ط": "t", "ث": "s", "س": "s", "ص": "s", "ج": "j", "چ": "c",
    "ح": "h", "ه": "h", "خ": "x", "د": "d", "ذ": "z", "ز": "z", "ض": "z", "ظ": "z", "ر": "r",
    "ژ": "j", "ش": "$", "غ": "q", "ق": "q", "ف": "f", "ک": "k", "گ": "g", "ل": "l", "م": "m",
    "ن": "n", "ا": "", "آ": "", "و": "", "ی": "", "ع": "", "ء": "", "ئ": "", "ؤ": "", "\u200c": "",
})
_LATIN_DIGRAPHS = [("kh", "x"), ("sh", "$"), ("ch", "c"), ("zh", "j"), ("gh", "q"), ("ph", "f")]
_LATIN = str.maketrans({
    "a": "", "e": "", "i": "", "o": "", "u": "", "y": "", "w": "", "v": "", "'": "", "`": "",
    "q": "q", "c": "k", "x": "x",
})
_FINAL_H = re.compile(r"h\b")
_WORDS = re.compile(r"[^\W\d_]+(?:\u200c[^\W\d_]+)*")
_LATIN_WORD = re.compile(r"[a-z]")


@lru_cache(maxsize=65536)
def skeleton_word(word: str) -> str:
    """Consonant skeleton of one word in either script."""
    if _LATIN_WORD.match(word):
        w = word
        for a, b in _LATIN_DIGRAPHS:
            w = w.replace(a, b)
        w = w.translate(_LATIN)
    else:
        w = word.translate(_FA)
        if word.endswith("ه") and len(w) > 1:
            w = w[:-1]
    w = _FINAL_H.sub("", w) if w.endswith("h") and len(w) > 1 else w
    return re.sub(r"(.)\1+", r"\1", w)


def skeleton(norm: str) -> str:
    """Skeleton of normalized text, words kept apart by spaces (و/v and ی/y are dropped)."""
    return " ".join(s for s in (skeleton_word(w) for w in _WORDS.findall(norm)) if s)


def is_finglish(norm: str) -> bool:
    """True when the text is mostly Latin letters."""
    latin = sum(1 for c in norm if "a" <= c <= "z")
    return latin > 0 and latin >= sum(1 for c in norm if c.isalpha()) * 0.6
