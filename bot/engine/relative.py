"""«مستمری مادرم»: a request about a relative, where only the person's own data can be shown.

The engine proves the person speaking; a relative's data is shown only to the relative, proven
with their own national code and mobile. Such a request is told so before the proof is asked.
"""

from __future__ import annotations

import re

from bot.engine.context import Ctx
from bot.engine.messages import Channel
from bot.nlu.extract import RELATIONS

# «مادرم», «بابام», «همسرم», «pedaram»: the relation with «my» (the bare word may be the person's own role)
_MINE = {w: r for w, r in RELATIONS.items() if re.search(r"(?:م|am|m)$", w)}
_WORD = re.compile(r"[^\W\d_]+(?:\u200c[^\W\d_]+)*")
OWN_DATA_ONLY = frozenset({"dependents"})  # flows where naming a relative is the request itself


def relative_named(text: str) -> str | None:
    """The relation a «my …» word names («مادرم» → «مادر»), or None."""
    for m in _WORD.finditer((text or "").lower()):
        word = m.group()
        if word in _MINE:
            return _MINE[word]
        if word.endswith("\u200cام") and word[:-3] in RELATIONS:  # «بچه‌ام»
            return RELATIONS[word[:-3]]
    return None


def tell_own_data_only(ctx: Ctx, flow_name: str, identity: str | None, text: str) -> None:
    """Before the proof of a personal service asked about a relative: say whose data it can show."""
    if identity != "person" or flow_name in OWN_DATA_ONLY or ctx.session.verified() is not None:
        return
    relation = relative_named(text)
    if relation is None:
        return
    if ctx.channel is Channel.SMS:
        ctx.say("identity.relative_sms", relation=relation)
    elif flow_name == "pension_status":
        ctx.say("identity.relative_pension", relation=relation)
    else:
        ctx.say("identity.relative", relation=relation)
