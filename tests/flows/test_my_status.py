"""«وضعیت من» end to end: the web chat over real HTTP against its own simulator over HTTP."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from basics.bidi import FSI, PDI
from tests.support.chat import Chat, plain
from tests.support.servers import ServerThread, free_port

WORKER = ("0053081617", "09120000105")  # worker-insured
FORMER_40 = ("0093337426", "09120000107")  # former-insured-40: voluntary eligible, military refused
FRACTIONAL = ("0148889336", "09120000112")  # worker-fractional
EMPLOYER = ("0158165667", "09120000113")  # employer-with-debt: workshop 1012345678
NO_DEBT = ("0169896676", "09120000114")  # employer-no-debt: workshop 1023456789, hiring employer of 1404-3817
REPRESENTATIVE = ("0171082117", "09120000115")  # representative of 1012345678
CONTRACTOR = ("0183067045", "09120000116")  # contractor of 1404-3817
RETIRED = ("0016383230", "09120000101")  # pensioner-retired
UNKNOWN = ("0229124070", "09120000199")  # unknown-person
GOOD_SHEBA = "IR490170000000001234567890"


SECOND = "1045678901"  # a second workshop of employer-with-debt, in this module's simulator only
MANY = 11  # workshops the contractor employs in this module's simulator: one more than are read in detail


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    """A simulator of this module's own (faults and claims touch no other test), with one workshop more."""
    import yaml

    from bot.engine.catalog import data_dir
    from integrations.tamin.simulator import create_app

    extra = yaml.safe_load((data_dir() / "simulator" / "extra.yml").read_text(encoding="utf-8"))
    extra.setdefault("workshops", {})[SECOND] = {
        "name": "کارگاه بسته‌بندی دماوند", "employer": "employer-with-debt", "representatives": [],
        "e_notice_accepted": True, "debts": [{"id": "D9", "kind": "premium", "period": "1405-07", "amount": 7300000}],
        "ledger": [{"date": "1405-08-15", "kind": "charge", "ref": "D9", "amount": 7300000}],
    }
    for i in range(MANY):  # the contractor is also the employer of many small workshops
        extra["workshops"][f"10900000{i:02d}"] = {"name": f"کارگاه کوچک {i}", "employer": "contractor",
                                                 "representatives": [], "e_notice_accepted": True,
                                                 "debts": [], "ledger": []}
    path = tmp_path_factory.mktemp("sim") / "extra.yml"
    path.write_text(yaml.safe_dump(extra, allow_unicode=True), encoding="utf-8")
    port = free_port()
    with ServerThread(create_app(public_base=f"http://127.0.0.1:{port}", extra_path=path), port) as server:
        yield server.url


@pytest.fixture(scope="module")
def bot(sim):
    from bot.app import create_app
    from bot.settings import Settings

    port = free_port()
    settings = Settings(tamin_backend_url=sim, public_base_url=f"http://127.0.0.1:{port}", kavenegar_api_key=None,
                        telegram_bot_token=None, bale_bot_token=None, redis_url=None, modules="", otp_max_sends=100)
    with ServerThread(create_app(settings), port) as server:
        yield server.url


@pytest.fixture
def person(bot, sim):
    httpx.post(f"{sim}/_sim/reset", timeout=10).raise_for_status()
    chats: list[Chat] = []

    def open_as(who: tuple[str, str], text: str = "وضعیت من") -> tuple[Chat, str]:
        chat = Chat(bot)
        chats.append(chat)
        answer = chat.say(text)
        assert "کد ملی" in answer and "وضعیت من" in answer, answer
        return chat, chat.verify(*who)

    yield open_as
    for c in chats:
        c.close()
    httpx.post(f"{sim}/_sim/reset", timeout=10).raise_for_status()


def test_iso_isolates_only_the_runs_that_would_lose_their_order():
    from bot.flows.my_status import iso

    assert iso("درخواست SP-1405-000001 ثبت شد") == "درخواست SP-1405-000001 ثبت شد"  # Latin after Persian keeps it
    assert iso("۲۵۰٬۵۰۰٬۰۰۰ ریال، ۱۴۰۵/۰۸/۲۵") == "۲۵۰٬۵۰۰٬۰۰۰ ریال، ۱۴۰۵/۰۸/۲۵"  # amounts and dates are steady
    assert iso("قرارداد ۱۴۰۴-۳۸۱۷") == f"قرارداد {FSI}۱۴۰۴-۳۸۱۷{PDI}"  # the hyphen would flip the digits
    assert iso("D1 حق بیمه") == f"{FSI}D1{PDI} حق بیمه"  # Latin first would lay the line out left to right
    assert iso("مریم (همسر)") == "مریم (همسر)"


def bare(text: str) -> str:
    """Without the bidi isolates, digits in ASCII."""
    return plain(text.replace(FSI, "").replace(PDI, ""))


def ids(chat: Chat) -> list[str]:
    return [c["id"] for m in chat.last for c in m.get("choices", [])]


def file_claim(sim: str, national_code: str) -> str:
    body = {"leave_from": "1405-08-10", "leave_to": "1405-08-20", "test_date": "1405-08-10", "test_ref": "T-99",
            "sheba": GOOD_SHEBA}
    r = httpx.post(f"{sim}/v1/persons/{national_code}/sick-pay/claims", json=body,
                   headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=10)
    r.raise_for_status()
    return r.json()["tracking_number"]


def test_worker_sees_insurance_services_with_reasons_and_open_claim(person, sim):
    tracking = file_claim(sim, WORKER[0])
    chat, answer = person(WORKER)
    assert len(chat.last) == 1, chat.last  # one answer
    p = bare(answer)
    assert "رضا نوری" in answer
    assert "هم‌اکنون بیمه‌شده" in answer and "شرکت ساختمانی البرز" in answer and "1012345678" in p, answer
    assert "1400/01/15" in p and "2400 روز" in p, answer
    assert "احتساب خدمت سربازی: شرایط را دارید" in answer and "21 ماه" in p, answer  # eligible
    assert "بیمه اختیاری: لازم نیست؛ هم‌اکنون بیمه‌شده هستید" in answer, answer  # refused, with its reason
    assert "ماه کسری ندارید" in answer, answer
    assert tracking in p and "در دست رسیدگی" in answer and "1405/08/10" in p, answer  # the open claim
    assert "مریم (همسر)" in answer and "سارا (فرزند)" in answer, answer
    assert "بدهی" not in answer and "کارگاه‌های شما" not in answer, answer  # not an employer
    assert "svc:military_service" in ids(chat) and "svc:sick_pay" in ids(chat), ids(chat)
    assert "svc:voluntary_insurance" not in ids(chat)  # nothing to start where refused
    assert "۲٬۴۰۰ روز" in answer and tracking in answer, answer  # steady runs are not isolated
    assert "ریال" in answer and "٬" in answer


def test_a_button_starts_its_service_without_proving_identity_again(person):
    chat, _ = person(WORKER)
    answer = chat.press("svc:military_service")
    assert "شرایط احتساب خدمت سربازی را دارید" in answer and "کد ملی" not in answer, answer


def test_former_insured_eligible_for_voluntary_refused_military(person):
    chat, answer = person(FORMER_40)
    p = bare(answer)
    assert "هم‌اکنون بیمه‌شده نیستید" in answer and "1403/12/29" in p and "1000 روز" in p, answer
    assert "بیمه اختیاری: شرایط را دارید" in answer, answer
    assert "احتساب خدمت سربازی: شرایط را ندارید؛ باید هم‌اکنون بیمه‌پرداز باشید" in answer, answer
    assert "svc:voluntary_insurance" in ids(chat) and "svc:military_service" not in ids(chat)


def test_fractional_months_to_complete(person):
    chat, answer = person(FRACTIONAL, "پرونده من")
    p = bare(answer)
    assert "15 روز برای تکمیل" in p and "1405/12/29" in p, answer
    assert "کارت پایان خدمتی" in answer, answer
    assert "svc:fractional_month" in ids(chat)


def test_employer_sees_both_their_workshops_and_nothing_of_others(person):
    chat, answer = person(EMPLOYER)
    p = bare(answer)
    assert "شرکت ساختمانی البرز" in answer and "1012345678" in p and "کارفرما" in answer, answer
    assert "250500000 ریال" in p and "هنوز پذیرفته نشده" in answer, answer
    assert "کارگاه بسته‌بندی دماوند" in answer and SECOND in p and "7300000 ریال" in p, answer
    assert f"svc:employer_debt|workshop={SECOND}" in ids(chat), ids(chat)
    assert "کارگاه تولیدی پارس" not in answer and "1023456789" not in p and "1404-3817" not in p, answer
    assert "بیمه اختیاری" not in answer and "سربازی" not in answer  # no insurance record: not theirs
    assert "svc:employer_debt|workshop=1012345678" in ids(chat) and "svc:e_notice|workshop=1012345678" in ids(chat)
    assert not any("1023456789" in i for i in ids(chat))


def test_the_other_employer_sees_the_other_workshop_and_its_contract(person):
    chat, answer = person(NO_DEBT)
    p = bare(answer)
    assert "کارگاه تولیدی پارس" in answer and "1023456789" in p and "بدهی: ندارد" in answer, answer
    assert "ابلاغ الکترونیک: پذیرفته شده" in answer, answer
    assert "1404-3817" in p and "38-1404-0091" in p and "38-1405-0017" in p and "38-1405-0042" in p, answer
    assert "شرکت ساختمانی البرز" not in answer and "1012345678" not in p and "250500000" not in p, answer
    assert "svc:article38|contract=1404-3817" in ids(chat), ids(chat)


def test_representative_sees_the_workshop_with_its_objection_and_hearing(person, sim):
    r = httpx.post(f"{sim}/v1/workshops/1012345678/objections", timeout=10,
                   json={"debt_id": "D3", "reason_code": "wrong_amount", "text": "جریمه نادرست است"},
                   headers={"X-Actor": EMPLOYER[0], "Idempotency-Key": uuid.uuid4().hex})
    r.raise_for_status()
    number = r.json()["number"]
    chat, answer = person(REPRESENTATIVE)
    p = bare(answer)
    assert "نماینده مجاز" in answer and "250500000" in p, answer
    assert number in p and "D3" in p, answer
    assert SECOND not in p and "دماوند" not in answer, answer  # the employer's other workshop is not theirs
    hearing = r.json()["hearing"]  # the simulator schedules the hearing at once
    assert "جلسه" in answer and hearing["date"].replace("-", "/") in p and hearing["place"] in answer, answer


def test_contractor_sees_certificate_states_with_reasons(person):
    chat, answer = person(CONTRACTOR)
    p = bare(answer)
    assert "پیمانکار" in answer and "صادر شده در 1405/07/02" in p, answer
    assert "در دست رسیدگی" in answer and "رد شده" in answer and "پرداخت نشده" in answer, answer
    from integrations.tamin.overview import MAX_ITEMS

    assert p.count("کارگاه کوچک") == MAX_ITEMS and f"و {MANY - MAX_ITEMS} کارگاه دیگر" in p, answer


def test_pensioner_sees_pension_only(person):
    chat, answer = person(RETIRED)
    p = bare(answer)
    assert "مستمری بازنشستگی: برقرار" in answer and "185432000 ریال" in p and "1405/08/25" in p, answer
    assert "بیمه اختیاری" not in answer and "کارگاه" not in answer, answer
    assert "svc:pension_status" in ids(chat)


def test_unknown_person_gets_a_clear_answer(person):
    chat, answer = person(UNKNOWN)
    assert "سابقه" in answer and "بیمه اختیاری" not in answer, answer


@pytest.mark.parametrize("mode", ["timeout", "fail"])
def test_one_part_hanging_still_answers_within_the_deadline(person, sim, mode):
    from integrations.tamin.overview import DEADLINE

    file_claim(sim, WORKER[0])
    chat, _ = person(WORKER)  # verified first, so the second overview is only the back-end's reads
    httpx.post(f"{sim}/_sim/faults", timeout=10,
               json={"mode": mode, "path_prefix": f"/v1/persons/{WORKER[0]}/military"}).raise_for_status()
    try:
        started = time.monotonic()
        answer = chat.say("وضعیت من")
        took = time.monotonic() - started
    finally:
        httpx.post(f"{sim}/_sim/faults", json={"mode": "ok"}, timeout=10)
    assert "احتساب سربازی: پاسخ سامانه سازمان به‌موقع نرسید" in answer, answer  # the part says so
    assert "شرکت ساختمانی البرز" in answer and "در دست رسیدگی" in answer, answer  # the rest still shows
    assert "بخشی از اطلاعات به‌موقع نرسید" in answer, answer
    if mode == "timeout":  # the call hangs 120 s and the chat client gives up after 30 s: the deadline cut it
        assert took >= DEADLINE * 0.9, took


async def test_gather_marks_only_the_parts_that_did_not_answer(sim):
    """The overview's reads over real HTTP: the hanging ones are cut at the deadline, the others stand."""
    from integrations.tamin.client import TaminClient
    from integrations.tamin.overview import gather

    async with httpx.AsyncClient(timeout=10) as http, TaminClient(sim) as api:
        await http.post(f"{sim}/_sim/reset")
        await http.post(f"{sim}/_sim/faults", json={"mode": "timeout", "path_prefix": "/v1/workshops/1023456789/e-no"})
        try:
            o = await gather(api, NO_DEBT[0], deadline=2.0)
        finally:
            await http.post(f"{sim}/_sim/faults", json={"mode": "ok"})
        assert o.failures() == ["workshop:e_notice"], o.failures()
        (shop,) = o.workshops.value
        assert shop.summary.workshop_code == "1023456789" and shop.debt.ok and shop.debt.value.total == 0
        assert o.contracts.ok and o.contracts.value[0].certificates.ok
        assert o.pension.missing and o.insurance.missing  # nothing on record is not a failure

        o = await gather(api, WORKER[0])
        assert o.failures() == [] and o.insurance.ok and o.military.value.eligible
        assert o.workshops.value == [] and o.contracts.value == []  # insured at a workshop is no right to it


def test_asked_in_the_middle_of_sick_pay_then_offered_to_go_on(bot, sim):
    httpx.post(f"{sim}/_sim/reset", timeout=10).raise_for_status()
    chat = Chat(bot)
    try:
        chat.say("منو")
        chat.press("غرامت دستمزد")
        answer = chat.verify(*WORKER)
        assert "تأیید" in chat.choices(), answer
        answer = chat.press("تغییر تاریخ‌ها")
        assert "تاریخ شروع" in answer, answer
        answer = chat.say("وضعیت من")  # a question instead of the date: the overview, then the claim again
        assert "خلاصه پرونده" in answer and "غرامت دستمزد ایام بیماری: می‌توانید" in answer, answer
        assert "کد ملی" not in answer and "resume" in ids(chat), answer
        answer = chat.press("resume")
        assert "تاریخ شروع" in answer, answer
    finally:
        chat.close()
