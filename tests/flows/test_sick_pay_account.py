"""Sick pay (12): the account the back-end holds for the person is offered masked, with a way to give another."""

from __future__ import annotations

import httpx

from bot.engine.messages import Channel
from tests.flows.harness import Person
from tests.support.chat import plain

WORKER = ("0053081617", "09120000105")  # worker-insured: four accounts, IR49…7890 registered first
REGISTERED = "IR490170000000001234567890"
OTHER = "IR860120000000000012345678"  # another of the worker's own accounts


def _to_sheba(chat) -> str:
    chat.say("منو")
    chat.press("غرامت دستمزد")
    chat.verify(*WORKER)
    for text in ("1405/08/10", "1405/08/20", "1405/08/10"):
        chat.say(text)
    return chat.say("14058810")


def test_the_registered_account_is_offered_masked_and_pays_the_claim(chat, simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    asked = _to_sheba(chat)
    assert "شبا" in asked and "IR49…7890" in plain(asked) and REGISTERED not in plain(asked), asked
    assert any("واریز به حساب ثبت‌شده" in t and "IR49…7890" in plain(t) for t in chat.choices()), chat.choices()
    summary = chat.press("واریز به حساب ثبت‌شده")
    assert "آیا" in summary and "IR49…7890" in plain(summary) and REGISTERED not in plain(summary), summary
    done = chat.press("بله")
    assert "ثبت شد" in done and "SP-" in plain(done) and "IR49…7890" in plain(done), done


def test_another_account_may_be_given_instead(chat, simulator_url):
    httpx.post(simulator_url + "/_sim/reset", timeout=10)
    _to_sheba(chat)
    asked = chat.press("حساب دیگری")
    assert "شبا" in asked and not any("ثبت‌شده" in t for t in chat.choices()), (asked, chat.choices())
    summary = chat.say(OTHER)
    assert "IR86…5678" in plain(summary), summary
    done = chat.press("بله")
    assert "ثبت شد" in done and "IR86…5678" in plain(done), done


async def test_by_sms_the_registered_account_is_choice_one(engine):
    person = Person(engine, WORKER[1], Channel.SMS)
    await person.say("غرامت بیماری")
    for text in (WORKER[0], "1405/08/10", "1405/08/20", "1405/08/10"):
        await person.say(text)
    asked = await person.say("14058810")
    offered = [c.title for m in person.last for c in m.choices if c.id == "acct:0"]
    assert offered and "IR۴۹…۷۸۹۰" in offered[0] and REGISTERED not in asked, (asked, offered)
    number = next(c.number for m in person.last for c in m.choices if c.id == "acct:0")
    summary = await person.say(str(number))  # the number the SMS showed beside the account
    assert "IR۴۹…۷۸۹۰" in summary and "درست" in summary, summary
    await person.say("بله")
    done = await person.say(person.code(WORKER[1]))
    assert "پیگیری" in done, done
