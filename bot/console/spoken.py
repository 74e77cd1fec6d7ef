"""A number read out by a caller, as the agent types it: «صفر صفر یک شش …» becomes «0016…».

Callers read a national code, a mobile or a one-time code digit by digit («صفر نه یک دو»), in
groups («صفر صفر شانزده، سیصد و هشتاد و سه») or mixed with digits. Each spoken group is folded
with the NLU's own number words (``bot.nlu.numbers``) and the groups are written one after another.
Anything else (a yes/no, an amount with «هزار» or «میلیون», a date) is left to the bot as typed.
"""

from __future__ import annotations

import re

from bot.nlu.normalize import normalize
from bot.nlu.numbers import AND, HUNDRED, MULTIPLIERS, UNITS, words_to_number

MIN_DIGITS = 4  # shorter readings («نه» is also «no») are never rewritten
_SPLIT = re.compile(r"[\s,;،؛.\-–—_/\\()\[\]«»\"'\u200c]+")


def _value(group: list[str]) -> int:
    return words_to_number(group) or 0


def _continues(group: list[str], token: str) -> bool:
    """Whether ``token`` extends the spoken group (بیست سه → ۲۳, سه صد → ۳۰۰) rather than starting a new one."""
    v = _value(group)
    if token in HUNDRED:
        return 1 <= v <= 9
    u = UNITS[token]
    if u == 0 or v == 0:
        return False
    if v % 100 == 0 and v < 1000:
        return u < 100
    if v % 10 == 0 and 20 <= v < 100 or v > 100 and v % 10 == 0 and v % 100 != 0:
        return u < 10
    return False


def digits_read_out(text: str) -> str | None:
    """The digits of a number read out in words, or None when ``text`` is not just that."""
    tokens = [tok for tok in _SPLIT.split(normalize(text or "")) if tok]
    groups: list[list[str] | str] = []
    joined = False
    words = 0
    for tok in tokens:
        if tok in AND:
            if not groups or isinstance(groups[-1], str):
                return None
            joined = True
            continue
        if tok.isascii() and tok.isdigit():
            groups.append(tok)
        elif tok in MULTIPLIERS:
            return None  # an amount or a year: the bot's own parsers read those
        elif tok in UNITS or tok in HUNDRED:
            words += 1
            last = groups[-1] if groups else None
            if isinstance(last, list) and (joined or _continues(last, tok)):
                last.append(tok)
            else:
                groups.append([tok])
        else:
            return None
        joined = False
    if not words or joined:
        return None
    digits = "".join(g if isinstance(g, str) else str(_value(g)) for g in groups)
    return digits if len(digits) >= MIN_DIGITS else None


def as_typed(text: str) -> str:
    """What the agent typed, with a number read out in words written in digits."""
    return digits_read_out(text) or text
