"""A notice in words: the catalog's Persian text with the facts, and the buttons that act on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.engine.catalog import t
from bot.engine.dialogue import service_choice_id
from bot.engine.fmt import code, fa, jdate, rial
from bot.engine.messages import Choice
from bot.notify.model import SMS, URGENT, Notice

SMS_MAX = 268  # four UCS-2 parts: the smaller of the documented caps


@dataclass(slots=True)
class Rendered:
    """The text to send and the choices it offers (buttons, or numbers to reply on SMS)."""

    text: str
    choices: list[Choice] = field(default_factory=list)


def _article38(f: dict[str, Any], v: str | None) -> tuple[str, list[tuple[str, str]]]:
    text = t("notify.article38.issued", v, contract=code(str(f.get("contract", ""))),
             number=code(str(f.get("number", ""))), date=jdate(f.get("date")))
    return text, [(service_choice_id("article38", contract=str(f.get("contract", ""))), "notify.button.certificate")]


def _debt(f: dict[str, Any], v: str | None) -> tuple[str, list[tuple[str, str]]]:
    shop = str(f.get("workshop", ""))
    text = t("notify.debt.raised", v, amount=rial(int(f.get("amount") or 0)), period=jdate(f.get("period")),
             workshop=code(shop))
    if f.get("deadline"):
        text += "\n" + t("notify.debt.deadline", v, deadline=jdate(f["deadline"]))
    prefill = {"workshop": shop}
    if f.get("id"):
        prefill["debt_id"] = str(f["id"])
    return text, [(service_choice_id("employer_debt", workshop=shop), "notify.button.debt"),
                  (service_choice_id("objection", **prefill), "notify.button.object")]


def _hearing(f: dict[str, Any], v: str | None) -> tuple[str, list[tuple[str, str]]]:
    shop = str(f.get("workshop", ""))
    text = t("notify.hearing.scheduled", v, number=code(str(f.get("number", ""))), workshop=code(shop),
             date=jdate(f.get("hearing_date") or f.get("date")), time=fa(f.get("time", "")),
             place=str(f.get("place", "")))
    cid = service_choice_id("objection", workshop=shop, objection=str(f.get("number", "")))
    return text, [(cid, "notify.button.objection")]


KINDS: dict[str, Callable[[dict[str, Any], str | None], tuple[str, list[tuple[str, str]]]]] = {
    "article38_certificate_issued": _article38,
    "debt_raised": _debt,
    "hearing_scheduled": _hearing,
}


def priority_of(kind: str, facts: dict[str, Any]) -> str | None:
    """``urgent`` for notices with a deadline or a date to keep, ``bulk`` for the rest, None if unknown."""
    if kind not in KINDS:
        return None
    if kind == "hearing_scheduled" or (kind == "debt_raised" and facts.get("deadline")):
        return URGENT
    return "bulk"


def render(notice: Notice, offer: bool = True) -> Rendered:
    """The notice's text and choices for its channel; on SMS the choices become a reply hint."""
    sms = notice.channel == SMS
    variant = "sms" if sms else None
    text, buttons = KINDS[notice.kind](notice.facts, variant)
    choices = [Choice(cid, t(key, variant)) for cid, key in buttons]
    if not sms:
        return Rendered(text, choices)
    lines = [text]
    if offer and choices:
        if len(choices) == 1:
            lines.append(t("notify.sms.reply_one", a=choices[0].title))
        else:
            lines.append(t("notify.sms.reply_two", a=choices[0].title, b=choices[1].title))
            choices = choices[:2]
    else:
        choices = []
    lines.append(t("notify.sms.optout"))
    out = "\n".join(lines)
    if len(out) > SMS_MAX:  # keep the facts and the opt-out; drop the hint first
        out, choices = "\n".join([text, t("notify.sms.optout")])[:SMS_MAX], []
    return Rendered(out, choices)


from bot.notify import reminders as _reminders  # noqa: E402,F401  (registers the kind ``reminder_due``)
