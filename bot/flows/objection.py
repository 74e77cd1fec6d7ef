"""خدمت ۱۱۵ — اعتراض غیرحضوری کارفرما به بدهی و تعیین و اعلام زمان رسیدگی.

Who: the employer of a workshop or an authorized representative. The bot first shows the
workshop's objections with their state and hearing (the debt board's date, time and place),
then files a new one: which debt item, the reason (a button or a sentence), an optional
explanation, a plain word that documents are brought to the hearing rather than attached
here, a confirmation, and the objection's number with its hearing when the board has set it.
"""

from __future__ import annotations

import re

from bot.engine.context import Ctx, idempotency_key
from bot.engine.flow import Answer, Ask, Confirm, Do, Flow, Goto, Invalid, Say, Stop
from bot.engine.fmt import fa, jdate, number, rial
from bot.engine.messages import Choice
from bot.engine.runner import looks_like_question
from bot.flows.workshop import ident, workshop_label
from integrations.tamin.errors import NotEligible, NotFound

REASONS = ("wrong_period", "wrong_amount", "already_paid", "not_employed", "other")
MAX_TEXT = 1000
MAX_LISTED = 5  # objections listed before the newest are summed up

# typed reasons, first match wins
_REASON_WORDS = [
    ("already_paid", re.compile(r"پرداخت\s*(کرده|شده|کردم|کردیم|شد)|پرداختش|واریز|فیش|تسویه|پرداخت\s*شده")),
    ("not_employed", re.compile(r"کارگر|شاغل|تعطیل|فعالیت\s*نداشت|کار\s*نمی|کار\s*نکرده|بیمه\s*شده\s*نداشت")),
    ("wrong_period", re.compile(r"دوره|ماه|تاریخ")),
    ("wrong_amount", re.compile(r"مبلغ|محاسبه|زیاد|بیشتر|اشتباه|نادرست|غلط|جریمه|درصد")),
]


def _items(ctx: Ctx) -> list[dict]:
    return ctx.slots.get("_items") or []


def _item(ctx: Ctx, debt_id: str | None = None) -> dict:
    wanted = debt_id or ctx.slots.get("item")
    return next((i for i in _items(ctx) if i["id"] == wanted), {})


def _item_text(ctx: Ctx, item: dict) -> str:
    if not item:
        return ""
    return ctx.text("objection.item", id=item["id"], kind=ctx.text(f"debt.kind.{item['kind']}"),
                    period=jdate(item["period"]), amount=rial(item["amount"]))


def hearing_text(ctx: Ctx, o) -> str:
    """When and where the debt board hears an objection, or that it is not set yet."""
    if o.hearing is None:
        return ctx.text("objection.hearing_pending")
    return ctx.text("objection.hearing", date=jdate(o.hearing.date), time=fa(o.hearing.time), place=o.hearing.place)


async def load(ctx: Ctx) -> None:
    """The workshop's debt items and its objections; show the objections first."""
    code, actor = ctx.workshop, ctx.national_code
    debt = await ctx.api.workshop_debt(code, actor)
    filed = await ctx.api.objections(code, actor)
    open_ids = {o.debt_id for o in filed if o.state != "decided"}
    ctx.slots["_items"] = [
        {"id": i.id, "kind": i.kind, "period": i.period, "amount": i.amount, "open": i.id in open_ids}
        for i in debt.items
    ]
    label = workshop_label(ctx)
    if filed:
        lines = "\n\n".join(
            ctx.text("objection.list_line", number=ident(o.number), item=_item_text(ctx, _item(ctx, o.debt_id)) or o.debt_id,
                     state=ctx.text(f"objection.state.{o.state}"), filed=jdate(o.filed_on), hearing=hearing_text(ctx, o))
            for o in filed[:MAX_LISTED]
        )
        ctx.say("objection.list", lines=lines, count=fa(len(filed)), **label)
    ctx.slots["_has_objections"] = bool(filed)
    if not any(not i["open"] for i in _items(ctx)):
        raise Stop("objection.nothing_open" if filed else "objection.no_debt", **label)
    _preselect(ctx)


def _preselect(ctx: Ctx) -> None:
    """A notice's «اعتراض به بدهی» button names its debt item: file against it without asking which."""
    wanted = ctx.slots.pop("debt_id", None)
    item = _item(ctx, wanted) if wanted else {}
    if not item:
        return
    if item["open"]:
        ctx.say("objection.preselected_open", id=item["id"])
        return
    ctx.slots["item"], ctx.slots["new"] = item["id"], True


def new_choices(ctx: Ctx) -> list[Choice]:
    """File a new objection, or leave it there."""
    return [ctx.choice("new", "objection.btn_new"), ctx.choice("done", "objection.btn_done")]


def parse_new(ctx: Ctx, answer: Answer) -> bool:
    """Whether to file a new objection."""
    from bot.nlu.extract import yes_no

    if answer.choice in ("new", "done"):
        return answer.choice == "new"
    text = answer.text or ""
    if re.search(r"جدید|تازه|ثبت|دیگر|اعتراض", text):
        return True
    if re.search(r"پایان|کافی|تمام", text):
        return False
    value = yes_no(text)
    if value is None:
        raise Invalid("objection.pick_new")
    return value


async def stop_if_done(ctx: Ctx) -> None:
    """The person only wanted to see their objections."""
    raise Stop("objection.bye")


def item_choices(ctx: Ctx) -> list[Choice]:
    """Every debt item in order, so that a typed «۳» is the third on every channel."""
    return [ctx.choice(f"opt:{i['id']}", "objection.item_button", id=i["id"],
                       kind=ctx.text(f"debt.kind.{i['kind']}"), period=jdate(i["period"]),
                       amount=number(i["amount"]))
            for i in _items(ctx)]


def parse_item(ctx: Ctx, answer: Answer) -> str:
    """A debt item by button, by its id («D3»), by its place in the list («۳») or by its kind («جریمه»)."""
    items = _items(ctx)
    ids = {i["id"].lower(): i["id"] for i in items}
    wanted = None
    text = (answer.text or "").strip()
    if answer.choice and answer.choice.startswith("opt:"):
        wanted = answer.choice[4:]
    elif text.lower() in ids:
        wanted = ids[text.lower()]
    else:
        m = re.search(r"\b([a-z]{1,3})\s*-?\s*(\d{1,4})\b", text.lower())
        if m and f"{m.group(1)}{m.group(2)}" in ids:
            wanted = ids[f"{m.group(1)}{m.group(2)}"]
        elif re.fullmatch(r"\d{1,2}", text) and 1 <= int(text) <= len(items):
            wanted = items[int(text) - 1]["id"]
        else:
            for kind in ("premium", "penalty", "other"):
                if ctx.text(f"debt.kind.{kind}") in text:
                    same = [i for i in items if i["kind"] == kind and not i["open"]]
                    if len(same) == 1:
                        wanted = same[0]["id"]
    item = _item(ctx, wanted) if wanted else {}
    if not item:
        raise Invalid("objection.item_invalid")
    if item["open"]:
        raise Invalid("objection.item_has_objection", id=item["id"])
    return item["id"]


def reason_choices(ctx: Ctx) -> list[Choice]:
    """The reasons the debt board hears."""
    return [ctx.choice(f"rsn:{r}", f"objection.reason.{r}") for r in REASONS]


def parse_reason(ctx: Ctx, answer: Answer) -> str:
    """A reason button, or a sentence: its reason is guessed and the sentence kept as the explanation."""
    if answer.choice and answer.choice.startswith("rsn:") and answer.choice[4:] in REASONS:
        return answer.choice[4:]
    text = (answer.text or "").strip()
    if looks_like_question(text) or re.search(r"[?؟]\s*$", text):
        raise Invalid("objection.reason_pick")  # a question: the engine may answer it and ask again
    for r in REASONS:
        if text == ctx.text(f"objection.reason.{r}"):
            return r
    letters = len(re.findall(r"[^\W\d_]", text))
    if letters < 6 or len(text.split()) < 2:
        raise Invalid("objection.reason_pick")
    reason = next((r for r, rx in _REASON_WORDS if rx.search(text)), "other")
    ctx.slots["details"] = (answer.raw or text).strip()[:MAX_TEXT]
    return reason


def details_choices(ctx: Ctx) -> list[Choice]:
    """Leave the explanation empty."""
    return [ctx.choice("skip", "objection.btn_no_details")]


def parse_details(ctx: Ctx, answer: Answer) -> str:
    """Any explanation, kept as written (up to a thousand characters)."""
    if answer.choice == "skip":
        return ""
    text = (answer.raw or answer.text or "").strip()
    if len(re.findall(r"[^\W_]", text)) < 3:
        raise Invalid("objection.details_short")
    return text[:MAX_TEXT]


def confirm_fields(ctx: Ctx) -> dict:
    """The objection as it will be filed."""
    details = ctx.slots.get("details") or ctx.text("objection.no_details")
    return dict(item=_item_text(ctx, _item(ctx)), id=_item(ctx)["id"], reason=ctx.text(f"objection.reason.{ctx.slots['reason']}"),
                details=details, **workshop_label(ctx))


async def file(ctx: Ctx) -> None:
    """File the objection and tell its number and hearing."""
    item = _item(ctx)
    try:
        o = await ctx.api.file_objection(ctx.workshop, ctx.national_code, item["id"], ctx.slots["reason"],
                                         ctx.slots.get("details") or "", idempotency_key=idempotency_key(ctx, "file"))
    except NotEligible as exc:
        if exc.reason == "objection_exists":
            raise Stop("objection.exists", id=item["id"]) from None
        raise
    except NotFound as exc:
        if exc.reason == "unknown_debt":
            ctx.slots["_items"] = [i for i in _items(ctx) if i["id"] != item["id"]]
            raise Goto("item", "objection.item_gone", forget=("item", "reason", "details", "confirm"),
                       id=item["id"]) from None
        raise
    ctx.say("objection.filed", number=ident(o.number), filed=jdate(o.filed_on), item=_item_text(ctx, item),
            hearing=hearing_text(ctx, o))


FLOW = Flow(
    name="objection",
    title="menu.objection",
    prefill=("workshop", "objection", "debt_id"),
    entities={"workshop_code": "workshop"},
    faq={"faq_documents": "objection.faq_documents", "faq_cost": "objection.faq_cost",
         "faq_why": "objection.faq_why"},
    identity="workshop",
    steps=[
        Do("load", load),
        Ask("new", "objection.ask_new", parse=parse_new, choices=new_choices,
            when=lambda c: bool(c.slots.get("_has_objections"))),
        Do("done", stop_if_done, when=lambda c: c.slots.get("new") is False),
        Ask("item", "objection.ask_item", parse=parse_item, choices=item_choices),
        Ask("reason", "objection.ask_reason", parse=parse_reason, choices=reason_choices,
            fields=lambda c: {"item": _item_text(c, _item(c))}),
        Ask("details", "objection.ask_details", parse=parse_details, choices=details_choices, free_text=True),
        Say("documents", "objection.documents"),
        Confirm("confirm", "objection.confirm", fields=confirm_fields, redo="item",
                forget=("item", "reason", "details")),
        Do("file", file, proof="code"),
    ],
)
