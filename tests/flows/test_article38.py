"""خدمت ۴ (article38) end to end: the web chat over real HTTP against the simulator."""

from __future__ import annotations

import re

from tests.support.chat import plain

CONTRACTOR = ("0183067045", "09120000116")  # contractor of 1404-3817
HIRING = ("0169896676", "09120000114")  # employer-no-debt: employer of 1023456789, which hired the contractor
REPRESENTATIVE = ("0171082117", "09120000115")  # party to no contract
CERTS = ("38-1404-0091", "38-1405-0017", "38-1405-0042")




def start(chat, person: tuple[str, str], text: str = "مفاصاحساب ماده ۳۸") -> str:
    answer = chat.say(text)
    assert "کد ملی" in answer, answer
    return chat.verify(*person)


def check_certificates(answer: str) -> None:
    p = plain(answer)
    assert all(c in p for c in CERTS), answer
    assert "صادر شده در ۱۴۰۵/۰۷/۰۲" in answer, answer
    assert "در دست بررسی" in answer and "فهرست‌های ارسالی پیمانکار در دست رسیدگی است" in answer, answer
    assert "صادر نشد" in answer and "حق بیمه فهرست تیرماه ۱۴۰۵ پرداخت نشده است" in answer, answer
    words = re.sub(r"https?://\S+|TA-[A-Z0-9-]+", "", answer)  # the issued one's link and code aside
    assert not re.search(r"[A-Za-z]{3,}", words), answer  # no English reasons


def test_contractor_sees_the_certificates(chat):
    answer = start(chat, CONTRACTOR)
    assert "شماره قرارداد" in answer and "احداث سوله انبار" in answer, answer
    assert chat.choices() == ["بله، قرارداد ۱۴۰۴-۳۸۱۷"]
    answer = chat.press("بله")
    check_certificates(answer)
    assert "جواد طاهری" in answer and "کارگاه تولیدی پارس" in answer, answer


def test_hiring_employer_sees_the_same(chat):
    start(chat, HIRING)
    answer = chat.say("1404-3817")  # typed rather than pressed
    check_certificates(answer)


def test_bad_numbers_digression_then_right_one(chat):
    start(chat, CONTRACTOR)
    answer = chat.say("1404")
    assert "۱۴۰۴-۱۲۳۴" in answer and "شماره قرارداد" in answer, answer
    answer = chat.say("14049999")  # without the dash and not theirs
    assert "خط تیره" in answer, answer
    answer = chat.say("1404-9999")
    assert "پیدا نشد" in answer and "شماره قرارداد" in answer, answer
    answer = chat.say("هزینه‌ای دارد؟")
    assert "رایگان" in answer and "شماره قرارداد" in answer, answer
    answer = chat.say("۱۴۰۴/۳۸۱۷")  # Persian digits and a slash
    check_certificates(answer)


def test_not_a_party(chat):
    answer = start(chat, REPRESENTATIVE)
    assert "شماره قرارداد" in answer and not chat.choices(), answer
    answer = chat.say("1404-3817")
    assert "طرفین قرارداد" in answer and "38-1404" not in plain(answer), answer


def test_cancel_mid_flow(chat):
    start(chat, CONTRACTOR)
    answer = chat.say("لغو")
    assert "لغو" in answer, answer


async def test_notice_opens_straight_onto_the_contract(simulator_url):
    """A flow opened with ``contract`` filled (a certificate notice) skips the question."""
    import time

    from bot.engine.context import Ctx, Deps
    from bot.engine.messages import Channel, Inbound
    from bot.engine.runner import Outcome, advance
    from bot.engine.session import FlowState, Identity, Session
    from bot.engine.store import MemoryStore
    from bot.flows.article38 import FLOW
    from bot.settings import Settings
    from integrations.tamin.client import TaminClient

    async with TaminClient(simulator_url) as api:
        deps = Deps(api=api, sms=None, store=MemoryStore(), settings=Settings(), nlu=None)
        session = Session(identity=Identity(CONTRACTOR[0], CONTRACTOR[1], time.time() + 600))
        session.flow = FlowState("article38", slots={"contract": "1404-3817"})
        ctx = Ctx(deps, session, Inbound(Channel.TELEGRAM, "42"))
        assert await advance(FLOW, ctx, None) is Outcome.DONE
    check_certificates("\n".join(m.text for m in ctx.out))
