"""One turn's messages as the fewest, shortest SMS: numbered menu lines, no emoji, no padding.

Buttons become lines «۱ مستمری» (Persian digits: the number the engine gave the button for the
whole service, or else numbered across the turn, the order the engine maps a typed «۱» back to); no other line may start with a digit, or it would read as a
menu option. Persian SMS are UCS-2: 70 characters in one part, 67 per part when split; one SMS
is capped at 268 characters and a turn is split at line boundaries only when it must be.
"""

from __future__ import annotations

import re
from functools import cache

from basics.bidi import isolate
from bot.engine.fmt import fa
from bot.engine.messages import Outbound

SMS_CAP = 268
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0f\u200d\u20e3\U000e0020-\U000e007f]"
)
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")


def segments(text: str) -> int:
    """SMS parts ``text`` costs: GSM-7 for plain ASCII, else UCS-2 (70 alone, 67 each when split)."""
    n = len(text)
    if n == 0:
        return 0
    if all(ord(ch) < 128 for ch in text):
        return 1 if n <= 160 else -(-n // 153)
    return 1 if n <= 70 else -(-n // 67)


def clean(text: str) -> str:
    """Without decorative emoji and redundant spaces (ZWNJ, part of Persian words, stays)."""
    text = _EMOJI.sub("", text)
    return _SPACES.sub(" ", text).strip()


def _starts_with_digit(line: str) -> bool:
    return bool(line) and line[0].isdigit()


def lines_of(outs: list[Outbound]) -> list[str]:
    """Every line of the turn: texts, links not already shown, and the numbered menu."""
    lines: list[str] = []
    n = 0
    for m in outs:
        shown = m.text
        for raw in m.text.splitlines():
            line = clean(raw)
            if not line:
                continue
            if _starts_with_digit(line):  # would read as a menu option: keep it on the line before
                if lines and not re.match(r"^[۰-۹]+ ", lines[-1]):
                    lines[-1] = f"{lines[-1]} {isolate(line, only_needed=True)}"
                    continue
                line = f"- {line}"
            lines.append(isolate(line, only_needed=True))  # «۱۴۰۴-۳۸۱۷», «D2», «IR۱۲…۳۴۵۶» keep their order
        extra = [link.url for link in m.links] + ([m.document.url] if m.document else [])
        for url in extra:
            if url not in shown:
                lines.append(url)
                shown += "\n" + url
        for c in m.choices:
            n += 1
            lines.append(f"{fa(c.number or n)} {isolate(clean(c.title), only_needed=True)}")
    return lines


def _pieces(line: str, cap: int) -> list[str]:
    out: list[str] = []
    while len(line) > cap:
        cut = line.rfind(" ", 0, cap)
        cut = cut if cut > 0 else cap
        out.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
        if _starts_with_digit(line):
            line = f"- {line}"
    out.append(line)
    return out


def pack(lines: list[str], cap: int = SMS_CAP) -> list[str]:
    """Lines into SMS of at most ``cap`` characters, cut only at line breaks, fewest parts in total."""
    units = [p for line in lines for p in _pieces(line, cap)]
    if not units:
        return []
    whole = "\n".join(units)
    if len(whole) <= cap:
        return [whole]

    @cache
    def best(i: int) -> tuple[int, int, tuple[int, ...]]:
        """(parts, messages, cut points) for units[i:]."""
        if i == len(units):
            return 0, 0, ()
        choice: tuple[int, int, tuple[int, ...]] | None = None
        for j in range(i + 1, len(units) + 1):
            text = "\n".join(units[i:j])
            if len(text) > cap:
                break
            parts, msgs, cuts = best(j)
            cand = (parts + segments(text), msgs + 1, (j, *cuts))
            if choice is None or cand[:2] < choice[:2]:
                choice = cand
        assert choice is not None
        return choice

    out, start = [], 0
    for cut in best(0)[2]:
        out.append("\n".join(units[start:cut]))
        start = cut
    return out


def render(outs: list[Outbound], cap: int = SMS_CAP) -> list[str]:
    """One turn as SMS texts: usually exactly one."""
    return pack(lines_of(outs), cap)
