"""Money amounts (in ریال) and durations (in months) written with digits or Persian/Finglish words."""

from __future__ import annotations

import re

from .numbers import AND, MULTIPLIERS, is_number_token, words_to_number

Span = tuple[int, int, int]  # start, end, value

TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+(?![\d.,])|\d{1,3}(?:\.\d{3})+(?![\d.,])|\d+(?:\.\d+)?"
                   r"|[^\W\d_]+(?:\u200c[^\W\d_]+)*")
TOMAN = {"تومان", "تومن", "تومانی", "تومنی", "toman", "tomaan", "tooman", "tomen", "toomn", "tmn"}
RIAL = {"ریال", "ریالی", "rial", "riyal", "rls"}
YEAR = {"سال", "ساله", "sal", "saal"}
MONTH = {"ماه", "ماهه", "mah", "maah", "mahe"}
HALF = {"نیم", "nim"}


def _tokens(norm: str) -> list[re.Match[str]]:
    """Word/number tokens of normalized text."""
    return list(TOKEN.finditer(norm))


def _runs(toks: list[re.Match[str]]) -> list[tuple[int, int]]:
    """Index ranges [i, j) of maximal number-token runs («و» allowed inside)."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(toks):
        if is_number_token(toks[i].group()):
            j = i + 1
            while j < len(toks):
                t = toks[j].group()
                if is_number_token(t) and not (_is_digit(t) and _is_digit(toks[j - 1].group())):
                    j += 1
                elif t in AND and j + 1 < len(toks) and is_number_token(toks[j + 1].group()):
                    j += 2
                else:
                    break
            runs.append((i, j))
            i = j
        else:
            i += 1
    return runs


def _is_digit(t: str) -> bool:
    """True for a digit token."""
    return t[:1].isdigit()


def find_amounts(norm: str) -> list[tuple[int, int, int, int]]:
    """Amounts as (start, end, rial value, strength: 2 unit, 1 multiplier, 0 bare digits)."""
    toks = _tokens(norm)
    out = []
    for i, j in _runs(toks):
        words = [t.group() for t in toks[i:j]]
        value = words_to_number(words)
        if value is None:
            continue
        end = toks[j - 1].end()
        nxt = toks[j].group() if j < len(toks) else ""
        strength = 1 if any(w in MULTIPLIERS for w in words) else 0
        if nxt in TOMAN or nxt in RIAL:
            value = value * 10 if nxt in TOMAN else value
            end = toks[j].end()
            strength = 2
        elif nxt in YEAR or nxt in MONTH:
            continue
        elif strength == 0 and not any(_is_digit(w) for w in words):
            continue
        out.append((toks[i].start(), end, value, strength))
    return out


def best_amount(norm: str) -> tuple[int, int, int] | None:
    """The amount the person most likely meant: with a unit, else with a multiplier, else the first."""
    found = find_amounts(norm)
    if not found:
        return None
    best = max(found, key=lambda a: (a[3], -a[0]))
    return best[0], best[1], best[2]


def find_months(norm: str, bare: bool = True) -> list[Span]:
    """Durations as months: «۲۱ ماه», «1 سال و 9 ماه», «یک سال و نیم»; a bare number when bare."""
    toks = _tokens(norm)
    runs = _runs(toks)
    out: list[Span] = []
    k = 0
    while k < len(runs):
        i, j = runs[k]
        value = words_to_number([t.group() for t in toks[i:j]])
        nxt = toks[j].group() if j < len(toks) else ""
        if value is None:
            k += 1
            continue
        if nxt in YEAR:
            total, end = value * 12, toks[j].end()
            rest = toks[j + 1:j + 3]
            if len(rest) == 2 and rest[0].group() in AND and rest[1].group() in HALF:
                total, end = total + 6, rest[1].end()
            elif k + 1 < len(runs) and runs[k + 1][0] in (j + 1, j + 2):
                i2, j2 = runs[k + 1]
                v2 = words_to_number([t.group() for t in toks[i2:j2]])
                if v2 is not None and j2 < len(toks) and toks[j2].group() in MONTH:
                    total, end = total + v2, toks[j2].end()
                    k += 1
            out.append((toks[i].start(), end, total))
        elif nxt in MONTH:
            out.append((toks[i].start(), toks[j].end(), value))
        elif bare and not out and len(runs) == 1:
            out.append((toks[i].start(), toks[j - 1].end(), value))
        k += 1
    return out

