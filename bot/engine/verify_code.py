"""A certificate's verification code typed into the chat («TA-V2ZT-SQ5W»): checked, as GET /verify does."""

from __future__ import annotations

import logging
import re
from typing import Any

from basics.digits import to_ascii
from bot.engine.context import Ctx
from bot.engine.fmt import code, jdate

log = logging.getLogger("tamin.verify")

# the code alone, or named («کد رهگیری TA-…», «استعلام TA-…»)
_CODE = re.compile(r"^[\s\W]*(?:[^\W\d_]+\s+){0,3}(TA-[A-Z0-9]{4}-[A-Z0-9]{4})[\s.!?؟]*$", re.IGNORECASE)


def code_in(text: str | None) -> str | None:
    """The verification code a message is (upper case, ASCII), or None."""
    found = _CODE.match(to_ascii(text or ""))
    return found.group(1).upper() if found else None


async def check_code(api: Any, value: str) -> tuple[str, Any]:
    """("valid", check) / ("invalid", None) / ("down", None) for a verification code (the page's check too)."""
    try:
        check = await api.verify_certificate(value)
    except Exception as exc:  # the back-end's typed failures carry a kind; anything else is a bug
        kind = getattr(exc, "kind", None)
        if kind is None:
            raise
        if kind in ("not_found", "invalid"):
            return "invalid", None
        log.warning("certificate check failed: %s/%s", kind, getattr(exc, "reason", ""))
        return "down", None
    if check is None:
        return "invalid", None
    return ("valid" if check.valid else "invalid"), check


async def answer_code(ctx: Ctx, api: Any, value: str, choices: list) -> None:
    """Say whether the code belongs to a certificate the organization issued, and what kind."""
    state, check = await check_code(api, value)
    if state == "down":
        ctx.say("verify_page.unavailable", choices=choices)
        return
    if check is None or not check.valid:
        ctx.say("verify_chat.invalid", code=code(value), choices=choices)
        return
    base = getattr(api, "verify_base", None)
    kind = ctx.text(f"verify_page.kind.{check.kind}") if check.kind else ctx.text("verify_chat.some_kind")
    ctx.say("verify_chat.valid", code=code(value), kind=kind, date=jdate(check.issued_on),
            link=ctx.text("verify_chat.link", url=f"{base}/verify/{value}") if base else "", choices=choices)
