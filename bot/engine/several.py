"""«هم سابقه بیمه‌ام رو میخوام هم سربازیمو حساب کنم»: two services asked in one message.

The engine starts the service its NLU reads in the whole message, as with any request; the other
one named in a part of the message is kept in the flow's slots (``THEN``) and offered when the
first is done, so neither request is lost.
"""

from __future__ import annotations

import re
from collections.abc import Container
from typing import Any

THEN = "_then"  # slot: the other service asked in the first message
# the joints between the requests: «هم … هم …», «… و …», «همچنین», «ضمناً», a comma; Finglish «va», «ham»
_JOINT = re.compile(r"(?:^|\s)(?:و|هم|همچنین|همینطور|ضمنا|ضمناً|بعدش|بعد\s+هم|va|ham|hamchenin)(?=\s)|[،,؛;\n]|\.(?:\s|$)")
_WORDY = re.compile(r"[^\W\d_]{3,}")
MIN_CONFIDENCE = 0.8


def parts_of(text: str) -> list[str]:
    """The pieces of a message between its joints that have a word in them."""
    return [p.strip() for p in _JOINT.split(text or "") if p and _WORDY.search(p)]


async def other_service(nlu: Any, text: str, first: str, flows: Container[str]) -> str | None:
    """A second service the message names in one of its parts (not ``first``), or None."""
    parts = parts_of(text)
    if len(parts) < 2:
        return None
    for part in parts:
        parsed = await nlu.parse(part)
        if parsed.intent != first and parsed.intent in flows and parsed.confidence >= MIN_CONFIDENCE:
            return parsed.intent
    return None
