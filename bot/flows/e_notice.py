"""خدمت ۹۵ — توافق غیرحضوری کارفرمایان برای ابلاغ احکام و مکاتبات الکترونیکی.

Who: the employer of a workshop or an authorized representative. The bot tells whether the
workshop's e-notice agreement is accepted; if not, shows its text in readable parts (a
«next part» button; by SMS a short summary, the whole text on request), asks whether they
agree, confirms with a one-time code sent to their verified mobile, accepts it, and tells the
new state.
"""

from __future__ import annotations

from bot.engine.context import Ctx, idempotency_key
from bot.engine.flow import Answer, Ask, Do, Flow, Goto, Invalid, Stop
from bot.engine.fmt import fa, jdate
from bot.engine.messages import Channel, Choice
from bot.flows.common import yes_no
from bot.flows.workshop import workshop_label

PAGE_CHARS = 650  # a readable part on a phone screen


def pages_of(parts: list[str], limit: int = PAGE_CHARS) -> list[str]:
    """The agreement's paragraphs grouped into parts of about ``limit`` characters."""
    pages: list[str] = []
    for part in (p.strip() for p in parts if p and p.strip()):
        if pages and len(pages[-1]) + len(part) + 2 <= limit:
            pages[-1] += "\n\n" + part
        else:
            pages.append(part)
    return pages


def _sms(ctx: Ctx) -> bool:
    return ctx.channel is Channel.SMS


async def load(ctx: Ctx) -> None:
    """Tell the agreement's state; stop when it is already accepted."""
    notice = await ctx.api.e_notice(ctx.workshop, ctx.national_code)
    label = workshop_label(ctx)
    if notice.accepted:
        since = ctx.text("e_notice.since", date=jdate(notice.accepted_on)) if notice.accepted_on else ""
        raise Stop("e_notice.already", since=since, **label)
    ctx.slots["_pages"] = pages_of(notice.text_parts)
    ctx.slots["_page"] = 0
    ctx.say("e_notice.not_accepted_sms" if _sms(ctx) else "e_notice.not_accepted", **label)


def _reading(ctx: Ctx) -> bool:
    return not _sms(ctx) and ctx.slots.get("_page", 0) < len(ctx.slots.get("_pages") or []) - 1


def page_fields(ctx: Ctx) -> dict:
    """The part to read now, and where it is in the whole."""
    pages = ctx.slots.get("_pages") or []
    i = ctx.slots.get("_page", 0)
    return {"text": pages[i] if i < len(pages) else "", "i": fa(i + 1), "n": fa(len(pages))}


def page_choices(ctx: Ctx) -> list[Choice]:
    """The next part, or straight to the question."""
    return [ctx.choice("next", "e_notice.btn_next"), ctx.choice("skip", "e_notice.btn_skip")]


def parse_page(ctx: Ctx, answer: Answer) -> str:
    """Read on, or skip to the question."""
    import re

    if answer.choice in ("next", "skip"):
        return answer.choice
    text = answer.text or ""
    if re.search(r"بعد|ادامه|بیشتر|next|بله", text):
        return "next"
    if re.search(r"موافق|تأیید|تایید|پرسش|سؤال|سوال|رد\s*شو|skip", text):
        return "skip"
    raise Invalid("e_notice.pick_page")


async def turn_page(ctx: Ctx) -> None:
    """Move to the next part (or past them all) and show it."""
    pages = ctx.slots.get("_pages") or []
    if ctx.slots.get("page") == "skip":
        ctx.slots["_page"], ctx.slots["_skipped"] = len(pages), True
        return
    ctx.slots["_page"] = ctx.slots.get("_page", 0) + 1
    if _reading(ctx):
        raise Goto("page")


def agree_fields(ctx: Ctx) -> dict:
    """The last part of the text (on the web and messengers), then the question."""
    pages = ctx.slots.get("_pages") or []
    i = ctx.slots.get("_page", 0)
    last = ""
    if not _sms(ctx) and i < len(pages):
        last = ctx.text("e_notice.last_part", text=pages[i], i=fa(i + 1), n=fa(len(pages))) + "\n\n"
    return {"last": last, **workshop_label(ctx)}


def agree_choices(ctx: Ctx) -> list[Choice]:
    """Agree, not now, or read the whole text first (by SMS, or after skipping the parts)."""
    buttons = [ctx.choice("yes", "e_notice.btn_agree"), ctx.choice("no", "e_notice.btn_disagree")]
    if _sms(ctx) or ctx.slots.get("_skipped"):
        buttons.append(ctx.choice("text", "e_notice.btn_full_text"))
    return buttons


def parse_agree(ctx: Ctx, answer: Answer) -> bool:
    """Yes or no; asking for the text shows it whole and asks again, so nothing is signed unread."""
    import re

    from bot.nlu.extract import yes_no as read

    text = answer.text or ""
    wants_text = not answer.choice and re.search(r"متن|توافق\s*[‌ ]?\s*نامه\s*(را|رو)?\s*(ببینم|بخوانم|بخونم|بفرست)",
                                                 text) and read(text) is None
    if answer.choice == "text" or wants_text:
        pages = ctx.slots.get("_pages") or []
        ctx.slots["_skipped"] = False
        raise Goto("agree", "e_notice.full_text", text="\n\n".join(pages))
    return yes_no(ctx, answer)


async def not_agreed(ctx: Ctx) -> None:
    """The person does not agree: nothing changes."""
    raise Stop("e_notice.declined", **workshop_label(ctx))


async def accept(ctx: Ctx) -> None:
    """Accept the agreement and tell its state afterwards."""
    notice = await ctx.api.accept_e_notice(ctx.workshop, ctx.national_code,
                                           idempotency_key=idempotency_key(ctx, "accept"))
    label = workshop_label(ctx)
    if not notice.accepted:
        raise Stop("e_notice.not_recorded", **label)
    ctx.say("e_notice.accepted", date=jdate(notice.accepted_on) or "", **label)


FLOW = Flow(
    name="e_notice",
    title="menu.e_notice",
    faq={"faq_documents": "e_notice.faq_documents", "faq_cost": "e_notice.faq_cost", "faq_why": "e_notice.faq_why"},
    identity="workshop",
    entities={"workshop_code": "workshop"},
    steps=[
        Do("load", load),
        Ask("page", "e_notice.page", parse=parse_page, choices=page_choices, fields=page_fields, keep=False,
            when=_reading),
        Do("turn", turn_page, when=_reading),
        Ask("agree", "e_notice.ask_agree", parse=parse_agree, choices=agree_choices, fields=agree_fields),
        Do("not_agreed", not_agreed, when=lambda c: c.slots.get("agree") is False),
        Do("accept", accept, proof="signature", proof_texts="e_notice"),
    ],
)
