"""خدمت ۱۰۵ — مشاهده جزئیات و گردش حساب بدهی کارگاه.

Who: the employer of a workshop or an authorized representative. After identity and the
back-end's word on the workshop, the bot tells the debt by kind, each item's period and
amount, then offers the running ledger (a page at a time, newest first, with a «more»
button) and an online payment link for the whole debt.
"""

from __future__ import annotations

import re

from bot.engine.context import Ctx, idempotency_key
from bot.engine.flow import Answer, Ask, Do, Flow, Goto, Invalid, Stop
from bot.engine.fmt import fa, jdate, number, rial
from bot.engine.messages import Channel, Choice, Link
from bot.flows.workshop import ident, workshop_label
from integrations.tamin.errors import NotEligible

KINDS = ("premium", "penalty", "other")
PAGE = 4  # ledger lines per page on the web and messengers
PAGE_SMS = 3
SMS_ITEMS = 3  # by SMS, more items than this are summed by kind


def _page_size(ctx: Ctx) -> int:
    return PAGE_SMS if ctx.channel is Channel.SMS else PAGE


async def load_debt(ctx: Ctx) -> None:
    """Read the debt and tell it: the total, by kind, and item by item."""
    debt = await ctx.api.workshop_debt(ctx.workshop, ctx.national_code)
    label = workshop_label(ctx)
    if not debt.items or debt.total <= 0:
        raise Stop("debt.none", **label)
    by_kind = {k: sum(i.amount for i in debt.items if i.kind == k) for k in KINDS}
    kinds = "، ".join(ctx.text("debt.kind_total", kind=ctx.text(f"debt.kind.{k}"), amount=rial(v))
                     for k, v in by_kind.items() if v)
    sms = ctx.channel is Channel.SMS
    if sms and len(debt.items) > SMS_ITEMS:
        items = kinds
    else:
        items = "\n".join(
            ctx.text("debt.item_line", id=i.id, kind=ctx.text(f"debt.kind.{i.kind}"), period=jdate(i.period),
                     amount=number(i.amount) if sms else rial(i.amount))
            for i in debt.items
        )
    ctx.say("debt.summary", total=rial(debt.total), kinds=kinds, items=items, count=fa(len(debt.items)), **label)
    ctx.slots["_total"] = debt.total
    ctx.slots["_ledger_page"] = 0


def action_choices(ctx: Ctx) -> list[Choice]:
    """The next steps: the ledger (or its older lines), paying, or nothing more."""
    page = ctx.slots.get("_ledger_page", 0)
    out = []
    if page == 0:
        out.append(ctx.choice("ledger", "debt.btn_ledger"))
    elif ctx.slots.get("_ledger_more"):
        out.append(ctx.choice("more", "debt.btn_more"))
    if not ctx.slots.get("_paid_url"):
        out.append(ctx.choice("pay", "debt.btn_pay"))
    out.append(ctx.choice("done", "debt.btn_done"))
    return out


_TYPED = [
    ("more", re.compile(r"بیشتر|قبلی|قدیمی|بعدی|ادامه|more")),
    ("ledger", re.compile(r"گردش|ریز|صورت\s*حساب|ledger")),
    ("pay", re.compile(r"پرداخت|بپردازم|لینک|پیوند|pay")),
    ("done", re.compile(r"^(پایان|تمام|کافیه|کافی است|بسه|نه|خیر|ممنون|مرسی|no)$")),
]


def parse_action(ctx: Ctx, answer: Answer) -> str:
    """A pressed button, or the same said in words."""
    offered = {c.id for c in action_choices(ctx)}
    if answer.choice in offered:
        return answer.choice
    for action, rx in _TYPED:
        if rx.search(answer.text or ""):
            if action == "more" and "more" not in offered:
                action = "ledger" if "ledger" in offered else "more"
            if action == "ledger" and "ledger" not in offered and "more" in offered:
                action = "more"
            if action in offered:
                return action
            if action in ("ledger", "more"):
                raise Invalid("debt.ledger_all_shown")
            if action == "pay":
                raise Invalid("debt.already_linked")
    raise Invalid("debt.pick_action")


async def act(ctx: Ctx) -> None:
    """Do what was chosen, then offer the next steps again (or end)."""
    action = ctx.slots.get("action")
    if action == "done":
        raise Stop("debt.bye")
    if action in ("ledger", "more"):
        await show_ledger(ctx)
        raise Goto("action")
    if action == "pay":
        await pay(ctx)
        if ctx.slots.get("_ledger_page", 0) == 0 or ctx.slots.get("_ledger_more"):
            raise Goto("action")
        raise Stop()


async def show_ledger(ctx: Ctx) -> None:
    """One page of the ledger, newest first, with the balance after each line."""
    entries = await ctx.api.workshop_ledger(ctx.workshop, ctx.national_code)
    if not entries:
        ctx.slots["_ledger_page"], ctx.slots["_ledger_more"] = 1, False
        ctx.say("debt.ledger_empty")
        return
    newest = list(reversed(entries))
    page, size = ctx.slots.get("_ledger_page", 0), _page_size(ctx)
    chunk = newest[page * size:(page + 1) * size]
    lines = "\n".join(
        ctx.text(f"debt.ledger_{e.kind}", date=jdate(e.date), ref=ident(e.ref),
                 amount=number(e.amount) if ctx.channel is Channel.SMS else rial(e.amount),
                 balance=rial(e.balance))
        for e in chunk
    )
    shown = min(len(newest), (page + 1) * size)
    key = "debt.ledger_head" if page == 0 else "debt.ledger_older"
    ctx.say(key, lines=lines, shown=fa(shown), total=fa(len(newest)), **workshop_label(ctx))
    ctx.slots["_ledger_page"] = page + 1
    ctx.slots["_ledger_more"] = shown < len(newest)


async def pay(ctx: Ctx) -> None:
    """A payment order for the whole debt, and its link."""
    try:
        payment = await ctx.api.debt_payment(ctx.workshop, ctx.national_code,
                                             idempotency_key=idempotency_key(ctx, "pay"))
    except NotEligible:
        raise Stop("debt.nothing_to_pay", **workshop_label(ctx)) from None
    ctx.slots["_paid_url"] = payment.payment_url
    fields = dict(amount=rial(payment.amount), url=payment.payment_url, id=ident(payment.payment_id))
    if ctx.channel is Channel.SMS:
        ctx.say("debt.payment", **fields)
    else:
        ctx.say("debt.payment", links=[Link(payment.payment_url, ctx.text("common.payment_link"))], **fields)


FLOW = Flow(
    name="employer_debt",
    title="menu.employer_debt",
    prefill=("workshop",),
    entities={"workshop_code": "workshop"},
    faq={"faq_documents": "debt.faq_documents", "faq_cost": "debt.faq_cost", "faq_why": "debt.faq_why"},
    identity="workshop",
    steps=[
        Do("load", load_debt),
        Ask("action", "debt.what_next", parse=parse_action, choices=action_choices, keep=False),
        Do("act", act),
    ],
)
