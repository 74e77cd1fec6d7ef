"""Turns citizens take (tests/conversations/citizens*.yml drive them from outside): the engine in process."""

from __future__ import annotations

from bot.engine.messages import Channel, Inbound
from tests.flows.harness import Person

WORKER = ("0053081617", "09120000105")
FORMER_53 = ("0119390779", "09120000109")


async def _sms(engine, mobile: str, text: str) -> str:
    out = await engine.handle(Inbound(Channel.SMS, mobile, text=text))
    return "\n".join(m.text for m in out)


async def _verified(person: Person, request: str, nc: str, mobile: str) -> str:
    assert "کد ملی" in await person.say(request)
    await person.say(nc)
    await person.say(mobile)
    return await person.say(person.code(mobile))


async def test_a_relatives_data_is_said_to_need_their_own_proof(engine):
    web = Person(engine, "rel-web")
    answer = await web.say("مستمری مادرم")
    assert "خود او" in answer and "کد ملی" in answer, answer
    answer = await _sms(engine, "09120000101", "مستمری پدرم")
    assert "شماره همراه خودش" in answer, answer
    plain = await Person(engine, "rel-own").say("مستمری")
    assert "خود او" not in plain, plain
    dependents = await Person(engine, "rel-dep").say("میخوام پدرم رو تحت تکفل قرار بدم")
    assert "خود او" not in dependents, dependents


async def test_two_services_in_one_message_offers_the_other_after(engine):
    person = Person(engine, "two")
    first = await person.say("هم سابقه بیمه‌ام رو میخوام هم سربازیمو حساب کنم")
    assert "دو خدمت" in first, first
    await person.say(WORKER[0])
    await person.say(WORKER[1])
    await person.say(person.code(WORKER[1]))
    await person.say("21")
    done = await person.press("بله")
    assert "MS-" in done and "را هم خواسته بودید" in done, done
    assert "svc:insurance_record" in person.buttons(), person.buttons()


async def test_a_verification_code_typed_in_chat_is_checked(engine):
    person = Person(engine, "clerk")
    answer = await person.say("TA-ZZZZ-ZZZZ")
    assert "صادر نشده" in answer and "TA-ZZZZ-ZZZZ" in answer, answer
    shown = await _verified(Person(engine, "cert"), "گواهی وضعیت مستمری", "0016383230", "09120000101")
    assert "صادر شود" in shown, shown
    holder = Person(engine, "cert")
    issued = await holder.say("بله")
    code = next(w for w in issued.replace("\n", " ").split() if w.startswith("TA-"))
    answer = await Person(engine, "clerk2").say(f"استعلام {code}")
    assert "معتبر است" in answer and "مستمری" in answer, answer


async def test_what_a_word_of_the_question_means_gets_its_help(engine):
    assert "کد ملی" in await _sms(engine, FORMER_53[1], "bime ekhtiari")
    assert "مبنای دستمزد" in await _sms(engine, FORMER_53[1], FORMER_53[0])
    answer = await _sms(engine, FORMER_53[1], "mabna yani chi?")
    assert "حق بیمه" in answer and "مستمری آینده" in answer and "فقط مبلغ" not in answer, answer


async def test_still_there_at_a_question_is_answered_and_the_question_stands(engine):
    await _sms(engine, "09120000112", "کسری ماه")
    answer = await _sms(engine, "09120000112", "hanuz hasti?")
    assert "در خدمتم" in answer and "کد ملی" in answer and "ده رقم است" not in answer, answer


async def test_what_is_a_service_is_said_before_it_starts(engine):
    answer = await Person(engine, "what").say("افراد تبعی یعنی چی؟")
    assert "همسر" in answer and "درمان" in answer and "کد ملی" in answer, answer
