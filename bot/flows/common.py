"""Small parsers and button sets that many flows share."""

from __future__ import annotations

from bot.engine.context import Ctx
from bot.engine.flow import Answer, Invalid, Stop
from bot.engine.fmt import code
from bot.engine.messages import Channel, Choice, Document, Link
from integrations.tamin.errors import NotFound


def yes_no(ctx: Ctx, answer: Answer) -> bool:
    """«Yes» or «no», from a button or typed in any spelling."""
    from bot.nlu.extract import yes_no as read

    if answer.choice in ("yes", "no"):
        return answer.choice == "yes"
    value = read(answer.text)
    if value is None:
        raise Invalid("common.answer_yes_no")
    return value


def yes_no_buttons(yes_key: str = "common.yes", no_key: str = "common.no"):
    """Buttons for a yes/no question with titles from the catalog."""

    def build(ctx: Ctx) -> list[Choice]:
        return [ctx.choice("yes", yes_key), ctx.choice("no", no_key)]

    return build


def pick(options: str):
    """A parser that accepts one of the buttons offered (by id, number or words)."""

    def parse(ctx: Ctx, answer: Answer) -> str:
        if answer.choice and answer.choice.startswith("opt:"):
            return answer.choice[4:]
        raise Invalid(f"{options}.pick_one")

    return parse


def say_certificate(ctx: Ctx, key: str, cert, name: str, **fields) -> None:
    """A certificate just issued: the PDF and its links on messengers and the web, code and link by SMS."""
    fields = dict(code=code(cert.verification_code), url=cert.verify_url, **fields)
    if ctx.channel is Channel.SMS:
        ctx.say(key, **fields)
        return
    ctx.say(key, document=Document(cert.pdf_url, f"{name}-{cert.verification_code}.pdf"),
            links=[Link(cert.pdf_url, ctx.text("common.download_pdf")),
                   Link(cert.verify_url, ctx.text("common.verify_link"))],
            **fields)


async def person_name(ctx: Ctx) -> str:
    """The verified person's full name (read from the back-end only if the identity did not carry it)."""
    if not ctx.slots.get("name"):
        try:
            person = await ctx.api.person(ctx.national_code)
        except NotFound:
            raise Stop("identity.no_record") from None
        ctx.slots["name"] = f"{person.first_name} {person.last_name}".strip()
    return ctx.slots["name"]
