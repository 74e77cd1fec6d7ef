"""«نه، …» corrections: an answer that fails the open question but fits an earlier one goes back there.

«نه، تاریخ شروع ۱۴۰۵/۰۸/۱۲ بود» at the test's reference, «منظورم پدر بود» after the relation was
taken: the earlier slot gets the new value, the steps after it run again (answers kept), and the
open question is asked again. It never counts as a failed attempt. Identity slots have their own
correction (``bot.engine.identity``) and are never changed here.
"""

from __future__ import annotations

import dataclasses
import re

from bot.engine.context import Ctx
from bot.engine.flow import Answer, Ask, Flow

_MARK = re.compile(r"^\s*(?:نه|نخیر|ببخشید|اشتباه\s+(?:شد|کردم|گفتم|نوشتم)|منظورم)[\s،,.!:]*"
                   r"(?:منظورم|اشتباه\s+(?:شد|کردم|گفتم|نوشتم))?[\s،,.!:]*")
_TAIL = re.compile(r"[\s،,.!]*(?:بود|است|هست|ه)?[\s.!]*$")
IDENTITY_SLOTS = frozenset({"national_code", "mobile", "code", "otp"})


def correction_text(text: str | None) -> str | None:
    """The corrected value of «نه، X بود» (X), or None when the message is not a correction."""
    found = _MARK.match(text or "")
    if not found or found.end() == 0:
        return None
    rest = _TAIL.sub("", text[found.end():]).strip()
    return rest or None


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[^\W\d_]{3,}", text or "")}


def correct_earlier(flow: Flow, ctx: Ctx, answer: Answer, open_step: Ask | None = None) -> int | None:
    """Put a «نه، …» answer into the earlier question it fits; the index of that step, else None.

    With ``open_step`` (the answer may also fit the open question) an earlier question is taken
    only when the message names it more than the open one («نه، تاریخ شروع … بود»).
    """
    value_text = correction_text(answer.text)
    if value_text is None:
        return None
    st = ctx.state
    said = _words(answer.text)
    rival = len(said & _words(ctx.text(open_step.prompt))) if open_step is not None and open_step.prompt else -1
    found: list[tuple[int, int, object]] = []
    for index in range(min(st.step, len(flow.plan)) - 1, -1, -1):
        step = flow.plan[index]
        if not isinstance(step, Ask) or step.parse is None or step.free_text or step.name in IDENTITY_SLOTS:
            continue
        if step.name not in st.slots:
            continue
        for text in (value_text, answer.text):
            try:
                value = step.parse(ctx, dataclasses.replace(answer, text=text, choice=None))
            except Exception:  # noqa: BLE001 - it does not fit this question: try the next one
                continue
            overlap = len(said & _words(ctx.text(step.prompt))) if step.prompt else 0
            found.append((overlap, index, value))
            break
    if not found:
        return None
    overlap, index, value = max(found, key=lambda f: (f[0], f[1]))
    if overlap <= rival:
        return None
    st.slots[flow.plan[index].name] = value
    return index
