"""Iranian mobile numbers in one canonical form: 09XXXXXXXXX."""

from __future__ import annotations

import re
from typing import Any

from basics.digits import to_ascii

_MOBILE = re.compile(r"^(?:\+98|0098|98|0)?(9\d{9})$")
_SEPARATORS = re.compile(r"[\s\-()\u200c\u200e\u200f]")


def normalize_mobile(value: Any) -> str | None:
    """A mobile as 09XXXXXXXXX (from +98…, 98…, 0098…, 9…, Persian digits, spaces, dashes), or None."""
    if not value:
        return None
    m = _MOBILE.match(_SEPARATORS.sub("", to_ascii(str(value))))
    return "0" + m.group(1) if m else None
