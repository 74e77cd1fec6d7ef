"""Every acceptance persona gets the outcome of /work/shared/acceptance/README.md through the client."""

from __future__ import annotations

import httpx
import pytest
from tamin_helpers import CONTRACT, DEBT_SHOP, MOBILE, NC, NO_DEBT_SHOP, key, sheba

from integrations.tamin.client import TaminClient
from integrations.tamin.errors import Forbidden, InvalidInput, NotEligible, NotFound

# --- identity ------------------------------------------------------------------------------------


async def test_every_persona_owns_their_mobile_and_no_one_elses(client: TaminClient) -> None:
    people = [k for k, m in MOBILE.items() if m]
    for k in people:
        assert await client.identity_match(NC[k], MOBILE[k]) is True
    assert await client.identity_match(NC["worker-insured"], MOBILE["pensioner-retired"]) is False
    assert await client.identity_match("1234567891", "09120000101") is False  # valid code the registry does not know
    with pytest.raises(InvalidInput) as exc:
        await client.identity_match("0016383231", MOBILE["pensioner-retired"])
    assert exc.value.reason == "bad_national_code"


async def test_unknown_person_passes_the_mobile_check_but_has_no_record(client: TaminClient) -> None:
    assert await client.identity_match(NC["unknown-person"], MOBILE["unknown-person"]) is True
    for call in (client.person, client.pension, client.insurance_relationship, client.voluntary_eligibility,
                 client.military_eligibility, client.dependents, client.person_workshops):
        with pytest.raises(NotFound) as exc:
            await call(NC["unknown-person"])
        assert exc.value.reason == "no_record"
        assert exc.value.message_key == "backend.reason.no_record"


async def test_person(client: TaminClient) -> None:
    p = await client.person(NC["pensioner-retired"])
    assert (p.first_name, p.last_name, p.gender, p.birth_date, p.age) == ("محمد", "کرمانی", "male", "1339-04-18", 66)
    assert p.roles == ["pensioner"]
    assert p.insurance_number == "1100012345"
    assert (await client.person(NC["employer-with-debt"])).roles == ["employer"]
    assert (await client.person(NC["contractor"])).roles == ["contractor"]
    assert "insured" in (await client.person(NC["worker-insured"])).roles


async def test_otp_round_trip(client: TaminClient, sim: httpx.Client) -> None:
    ticket = await client.otp_send(NC["employer-with-debt"], MOBILE["employer-with-debt"])
    assert ticket.mobile_masked.endswith("0113") and ticket.expires_in > 0
    code = sim.get(f"/_sim/otp/{ticket.ticket_id}").json()["code"]
    wrong = "00000" if code != "00000" else "11111"
    assert await client.otp_check(ticket.ticket_id, wrong) is False
    assert await client.otp_check(ticket.ticket_id, code) is True
    with pytest.raises(Forbidden) as exc:
        await client.otp_send(NC["employer-with-debt"], MOBILE["worker-insured"])
    assert exc.value.reason == "mobile_mismatch"
    with pytest.raises(NotFound):
        await client.otp_check("deadbeefdeadbeef", "12345")


# --- pension (1-5) -------------------------------------------------------------------------------


async def test_pensioner_retired_gets_status_and_a_verifiable_certificate(client: TaminClient, sim_url: str,
                                                                         sim: httpx.Client) -> None:
    p = await client.pension(NC["pensioner-retired"])
    assert (p.kind, p.status, p.monthly_amount) == ("retirement", "active", 185_432_000)
    assert p.last_payments[0].date == "1405-08-25" and p.last_payments[0].amount == 185_432_000
    assert len(p.last_payments) >= 3 and p.last_payments[1].date == "1405-07-25"
    cert = await client.pension_certificate(NC["pensioner-retired"], key())
    assert cert.kind == "pension" and cert.issued_on == "1405-09-04"
    check = await client.verify_certificate(cert.verification_code)
    assert check.valid and check.kind == "pension" and check.holder == "م. کرمانی"
    page = sim.get(f"{sim_url}/verify/{cert.verification_code}").json()
    assert page["valid"] is True and page["holder"] == "م. کرمانی"
    assert cert.verify_url == f"{sim_url}/verify/{cert.verification_code}"
    pdf = await client.certificate_pdf(cert.verification_code)
    assert pdf.startswith(b"%PDF")
    assert sim.get(cert.pdf_url).content.startswith(b"%PDF")
    assert not (await client.verify_certificate("TA-NONE-NONE")).valid


@pytest.mark.parametrize(("persona", "kind", "amount"), [
    ("pensioner-survivor", "survivor", 98_760_000),
    ("pensioner-disability", "disability", 142_300_000),
])
async def test_other_active_pensions(client: TaminClient, persona: str, kind: str, amount: int) -> None:
    p = await client.pension(NC[persona])
    assert (p.kind, p.status, p.monthly_amount) == (kind, "active", amount)


async def test_suspended_pension_has_reason_and_no_certificate(client: TaminClient) -> None:
    p = await client.pension(NC["pensioner-suspended"])
    assert p.status == "suspended" and p.suspended_since == "1405-06-01"
    assert p.suspension_reason_code == "re_employed" and p.suspension_reason
    assert p.last_payments[0].date == "1405-05-25"
    with pytest.raises(NotEligible) as exc:
        await client.pension_certificate(NC["pensioner-suspended"], key())
    assert exc.value.reason == "pension_not_active"
    assert exc.value.details["suspended_since"] == "1405-06-01"


async def test_non_pensioner_has_no_pension(client: TaminClient) -> None:
    with pytest.raises(NotFound) as exc:
        await client.pension(NC["worker-insured"])
    assert exc.value.reason == "no_pension"


# --- insurance relationship (2-5) ----------------------------------------------------------------


async def test_worker_insured_relationship_and_certificate(client: TaminClient) -> None:
    r = await client.insurance_relationship(NC["worker-insured"])
    assert r.insured_now and r.insurance_kind == "compulsory"
    assert (r.workshop_code, r.workshop_name, r.insured_since) == ("1012345678", "شرکت ساختمانی البرز", "1400-01-15")
    assert r.contribution_days == 2400 and r.insurance_number == "1100012350"
    cert = await client.insurance_certificate(NC["worker-insured"], key())
    assert cert.kind == "insurance"
    check = await client.verify_certificate(cert.verification_code)
    assert check.valid and check.holder == "ر. نوری"


async def test_former_insured_is_not_insured_now(client: TaminClient) -> None:
    r = await client.insurance_relationship(NC["former-insured-40"])
    assert not r.insured_now and r.last_insured_until == "1403-12-29" and r.workshop_code is None


async def test_no_insurance_record(client: TaminClient) -> None:
    with pytest.raises(NotFound) as exc:
        await client.insurance_relationship(NC["employer-no-debt"])
    assert exc.value.reason == "no_insurance_record"


# --- military service (13) -----------------------------------------------------------------------


async def test_worker_insured_military_credit_with_payment(client: TaminClient, sim: httpx.Client) -> None:
    e = await client.military_eligibility(NC["worker-insured"])
    assert e.eligible and e.months == 21 and e.daily_wage == 9_000_000
    assert e.amount == 21 * 30 * 9_000_000 * 30 // 100
    assert await client.military_request_status(NC["worker-insured"]) is None
    req = await client.military_request(NC["worker-insured"], 21, key())
    assert (req.months, req.amount, req.state) == (21, e.amount, "pending_payment")
    assert req.payment_url.endswith(f"/pay/{req.payment_id}")
    assert sim.get(req.payment_url).status_code == 200
    status = await client.military_request_status(NC["worker-insured"])
    assert status is not None and status.request_id == req.request_id
    sim.post(f"/_sim/payments/{req.payment_id}/pay").raise_for_status()
    assert (await client.payment(req.payment_id)).state == "paid"
    paid = await client.military_request_status(NC["worker-insured"])
    assert paid is not None and paid.state == "paid"
    assert (await client.military_eligibility(NC["worker-insured"])).reason == "already_credited"


@pytest.mark.parametrize(("persona", "reason"), [
    ("worker-short-record", "under_two_years"),
    ("former-insured-40", "not_insured"),
    ("worker-fractional", "no_service_card"),
])
async def test_military_refusals(client: TaminClient, persona: str, reason: str) -> None:
    e = await client.military_eligibility(NC[persona])
    assert not e.eligible and e.reason == reason
    with pytest.raises(NotEligible) as exc:
        await client.military_request(NC[persona], 1, key())
    assert exc.value.reason == reason
    if reason == "under_two_years":
        assert e.contribution_days == 500 and exc.value.details["missing_days"] == 220


async def test_military_months_beyond_the_card(client: TaminClient) -> None:
    with pytest.raises(InvalidInput) as exc:
        await client.military_request(NC["worker-insured"], 22, key())
    assert exc.value.reason == "bad_months" and exc.value.details["max"] == 21


# --- sick pay (12) -------------------------------------------------------------------------------


async def test_worker_insured_sick_pay_claim(client: TaminClient) -> None:
    e = await client.sick_pay_eligibility(NC["worker-insured"])
    assert e.eligible and (e.test_positive_on, e.leave_from, e.leave_to) == ("1405-08-10", "1405-08-10", "1405-08-20")
    nc = NC["worker-insured"]
    with pytest.raises(InvalidInput) as exc:
        await client.sick_pay_claim(nc, "1405-08-10", "1405-08-20", "1405-08-10", "LAB-1", "IR123456789012345678901234",
                                    key())
    assert exc.value.reason == "bad_sheba" and exc.value.message_key == "backend.reason.bad_sheba"
    claim = await client.sick_pay_claim(nc, "1405-08-10", "1405-08-20", "1405-08-10", "LAB-1", sheba(), key())
    assert claim.tracking_number and claim.days == 11 and claim.waiting_days == 3 and claim.paid_days == 8
    assert claim.daily_amount == 9_000_000 * 3 // 4  # married, with dependents
    assert claim.total_amount == claim.daily_amount * 8
    after = await client.sick_pay_eligibility(nc)
    assert after.reason == "already_claimed" and after.claim == claim


@pytest.mark.parametrize(("args", "reason"), [
    (("1405-08-09", "1405-08-20", "1405-08-10"), "leave_out_of_range"),
    (("1405-08-10", "1405-08-25", "1405-08-10"), "leave_out_of_range"),
    (("1405-08-10", "1405-08-20", "1405-08-11"), "test_mismatch"),
    (("1405-08-20", "1405-08-10", "1405-08-10"), "bad_dates"),
    (("1405-13-10", "1405-08-10", "1405-08-10"), "bad_date"),
])
async def test_sick_pay_invalid_leave(client: TaminClient, args: tuple[str, str, str], reason: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        await client.sick_pay_claim(NC["worker-insured"], *args, "LAB-1", sheba(), key())
    assert exc.value.reason == reason


async def test_short_record_has_no_positive_test(client: TaminClient) -> None:
    e = await client.sick_pay_eligibility(NC["worker-short-record"])
    assert not e.eligible and e.reason == "no_positive_test"
    with pytest.raises(NotEligible) as exc:
        await client.sick_pay_claim(NC["worker-short-record"], "1405-08-10", "1405-08-20", "1405-08-10", "X", sheba(),
                                    key())
    assert exc.value.reason == "no_positive_test"


async def test_voluntary_insured_cannot_claim_remote_sick_pay(client: TaminClient) -> None:
    e = await client.sick_pay_eligibility("0240557875")
    assert e.reason == "not_compulsory"


# --- voluntary insurance (85) --------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "reason"), [
    ("worker-insured", "already_insured"),
    ("young-no-service-card", "no_service_card"),
    ("young-under-30-days", "under_30_days"),
    ("former-insured-55-short", "over_age_short_record"),
])
async def test_voluntary_refusals(client: TaminClient, persona: str, reason: str) -> None:
    e = await client.voluntary_eligibility(NC[persona])
    assert not e.eligible and e.reason == reason
    with pytest.raises(NotEligible) as exc:
        await client.voluntary_quote(NC[persona], e.wage_min)
    assert exc.value.reason == reason


async def test_over_55_short_record_says_how_many_more_days(client: TaminClient) -> None:
    e = await client.voluntary_eligibility(NC["former-insured-55-short"])
    assert (e.age, e.contribution_days, e.required_days, e.missing_days) == (55, 1440, 1825, 385)
    with pytest.raises(NotEligible) as exc:
        await client.voluntary_contract(NC["former-insured-55-short"], e.wage_min, key())
    assert exc.value.details["missing_days"] == 385 and exc.value.details["required_days"] == 1825


async def test_former_insured_40_makes_a_voluntary_contract(client: TaminClient) -> None:
    nc = NC["former-insured-40"]
    e = await client.voluntary_eligibility(nc)
    assert e.eligible and e.wage_min >= 100_000_000 and e.wage_max > e.wage_min and 0 < e.premium_rate < 1
    q = await client.voluntary_quote(nc, e.wage_min)
    assert q.monthly_premium == round(e.wage_min * e.premium_rate)
    with pytest.raises(InvalidInput) as exc:
        await client.voluntary_quote(nc, e.wage_max + 1)
    assert exc.value.reason == "wage_out_of_range"
    assert exc.value.details == {"min": e.wage_min, "max": e.wage_max}
    c = await client.voluntary_contract(nc, e.wage_min, key())
    assert c.monthly_premium == q.monthly_premium and c.starts_on == "1405-10-01" and "/pay/" in c.payment_url
    assert (await client.payment(c.payment_id)).amount == c.monthly_premium
    assert (await client.voluntary_eligibility(nc)).reason == "already_contracted"


async def test_former_insured_53_is_eligible(client: TaminClient) -> None:
    e = await client.voluntary_eligibility(NC["former-insured-53"])
    assert e.eligible and e.age == 53 and e.required_days == 3 * 365


# --- dependents (6) ------------------------------------------------------------------------------


async def test_worker_insured_dependents(client: TaminClient) -> None:
    nc = NC["worker-insured"]
    listed = await client.dependents(nc)
    assert [(d.first_name, d.relation) for d in listed] == [("مریم", "spouse"), ("سارا", "child")]
    child = await client.add_dependent(nc, NC["new-child"], "child", key())
    assert child.relation == "child" and child.birth_date == "1399-03-03"
    with pytest.raises(NotEligible) as exc:
        await client.add_dependent(nc, NC["adult-son"], "child", key())
    assert exc.value.reason == "child_over_age"
    father = await client.add_dependent(nc, NC["father-65"], "father", key())
    assert father.relation == "father"
    assert len(await client.dependents(nc)) == 4
    with pytest.raises(NotEligible) as exc:
        await client.add_dependent(nc, NC["new-child"], "child", key())
    assert exc.value.reason == "already_dependent"


@pytest.mark.parametrize(("code", "relation", "error", "reason"), [
    ("0215947835", "mother", NotEligible, "not_related"),
    ("0192658425", "spouse", NotEligible, "not_related"),
    ("0016383231", "child", InvalidInput, "bad_national_code"),
    ("1111111111", "child", InvalidInput, "bad_national_code"),
    ("0240557875", "child", NotEligible, "not_related"),
    ("0229124070", "child", NotFound, "unknown_person"),
])
async def test_dependent_refusals(client: TaminClient, code: str, relation: str, error: type, reason: str) -> None:
    with pytest.raises(error) as exc:
        await client.add_dependent(NC["worker-insured"], code, relation, key())
    assert exc.value.reason == reason


# --- fractional months (7) -----------------------------------------------------------------------


async def test_worker_fractional_months(client: TaminClient) -> None:
    f = await client.fractional_months(NC["worker-fractional"])
    assert f.eligible and f.total_missing_days == 15 and f.due_date == "1405-12-29"
    assert [(m.month, m.days, m.missing) for m in f.months] == [("1405-07", 20, 10), ("1405-08", 25, 5)]
    c = await client.fractional_contract(NC["worker-fractional"], key())
    assert (c.missing_days, c.amount, c.due_date) == (15, f.amount, "1405-12-29")


async def test_short_record_has_nothing_to_complete(client: TaminClient) -> None:
    f = await client.fractional_months(NC["worker-short-record"])
    assert not f.eligible and f.reason == "nothing_to_complete" and f.total_missing_days == 0
    with pytest.raises(NotEligible) as exc:
        await client.fractional_contract(NC["worker-short-record"], key())
    assert exc.value.reason == "nothing_to_complete"


# --- workshops (105, 115, 95) --------------------------------------------------------------------


async def test_employer_with_debt_sees_debt_ledger_and_pays(client: TaminClient, sim: httpx.Client) -> None:
    actor = NC["employer-with-debt"]
    assert [(w.workshop_code, w.role) for w in await client.person_workshops(actor)] == [(DEBT_SHOP, "employer")]
    debt = await client.workshop_debt(DEBT_SHOP, actor)
    assert debt.total == 250_500_000
    assert [(i.id, i.kind, i.amount) for i in debt.items] == [
        ("D1", "premium", 120_000_000), ("D2", "premium", 118_500_000), ("D3", "penalty", 12_000_000)]
    ledger = await client.workshop_ledger(DEBT_SHOP, actor)
    assert ledger[-1].balance == 250_500_000 and ledger[1].balance == 0 and ledger[1].kind == "payment"
    payment = await client.debt_payment(DEBT_SHOP, actor, key())
    assert payment.amount == 250_500_000 and payment.state == "pending" and payment.purpose == "debt"
    part = await client.debt_payment(DEBT_SHOP, actor, key(), item_ids=["D1"])
    assert part.amount == 120_000_000
    sim.post(f"/_sim/payments/{part.payment_id}/pay").raise_for_status()
    assert (await client.workshop_debt(DEBT_SHOP, actor)).total == 130_500_000
    assert (await client.workshop_ledger(DEBT_SHOP, actor))[-1].balance == 130_500_000
    with pytest.raises(NotFound) as exc:
        await client.debt_payment(DEBT_SHOP, actor, key(), item_ids=["D9"])
    assert exc.value.reason == "unknown_debt"


async def test_representative_sees_the_debt(client: TaminClient) -> None:
    actor = NC["representative"]
    assert (await client.workshop_access(DEBT_SHOP, actor)).role == "representative"
    assert (await client.workshop_debt(DEBT_SHOP, actor)).total == 250_500_000


async def test_worker_insured_may_not_see_the_workshop_debt(client: TaminClient) -> None:
    actor = NC["worker-insured"]
    access = await client.workshop_access(DEBT_SHOP, actor)
    assert access.role == "none" and access.workshop_name == "شرکت ساختمانی البرز"
    for call in (client.workshop_debt, client.workshop_ledger, client.objections, client.e_notice):
        with pytest.raises(Forbidden) as exc:
            await call(DEBT_SHOP, actor)
        assert exc.value.reason == "not_employer"
        assert "total" not in exc.value.details and exc.value.message_key == "backend.reason.not_employer"
    with pytest.raises(Forbidden):
        await client.debt_payment(DEBT_SHOP, actor, key())
    assert await client.person_workshops(actor) == []


async def test_unknown_workshop(client: TaminClient) -> None:
    with pytest.raises(NotFound) as exc:
        await client.workshop_access("1999999999", NC["employer-with-debt"])
    assert exc.value.reason == "unknown_workshop"


async def test_employer_no_debt(client: TaminClient) -> None:
    actor = NC["employer-no-debt"]
    debt = await client.workshop_debt(NO_DEBT_SHOP, actor)
    assert debt.total == 0 and debt.items == []
    with pytest.raises(NotEligible) as exc:
        await client.debt_payment(NO_DEBT_SHOP, actor, key())
    assert exc.value.reason == "no_debt"
    notice = await client.e_notice(NO_DEBT_SHOP, actor)
    assert notice.accepted


async def test_objection_to_d3_gets_a_number_and_a_hearing(client: TaminClient) -> None:
    actor = NC["employer-with-debt"]
    o = await client.file_objection(DEBT_SHOP, actor, "D3", "wrong_amount", "جریمه به اشتباه محاسبه شده است.", key())
    assert o.number and o.debt_id == "D3" and o.filed_on == "1405-09-04" and o.state == "scheduled"
    assert o.hearing is not None and o.hearing.date == "1405-09-18" and "هیئت بدوی تشخیص مطالبات" in o.hearing.place
    listed = await client.objections(DEBT_SHOP, actor)
    assert [x.number for x in listed] == [o.number]
    with pytest.raises(NotEligible) as exc:
        await client.file_objection(DEBT_SHOP, actor, "D3", "other", "دوباره", key())
    assert exc.value.reason == "objection_exists"
    with pytest.raises(NotFound):
        await client.file_objection(DEBT_SHOP, actor, "D7", "other", "", key())


async def test_e_notice_accept(client: TaminClient) -> None:
    actor = NC["employer-with-debt"]
    before = await client.e_notice(DEBT_SHOP, actor)
    assert not before.accepted and before.accepted_on is None and 4 <= len(before.text_parts) <= 6
    after = await client.accept_e_notice(DEBT_SHOP, actor, key())
    assert after.accepted and after.accepted_on == "1405-09-04"
    assert (await client.e_notice(DEBT_SHOP, actor)).accepted


# --- Article 38 (4) ------------------------------------------------------------------------------


async def test_contractor_and_hiring_employer_see_the_certificates(client: TaminClient) -> None:
    for persona, role in (("contractor", "contractor"), ("employer-no-debt", "employer")):
        contracts = await client.person_contracts(NC[persona])
        assert [(c.contract_no, c.role) for c in contracts] == [(CONTRACT, role)]
        cc = await client.contract_certificates(CONTRACT, NC[persona])
        assert cc.subject == "احداث سوله انبار" and cc.contractor_name == "جواد طاهری"
        states = [(c.number, c.state, c.issued_on) for c in cc.certificates]
        assert states == [("38-1404-0091", "issued", "1405-07-02"), ("38-1405-0017", "pending", None),
                          ("38-1405-0042", "refused", None)]
        assert cc.certificates[1].reason_code == "lists_under_review"
        assert cc.certificates[2].reason_code == "premium_unpaid"


async def test_others_may_not_see_a_contract(client: TaminClient) -> None:
    with pytest.raises(Forbidden) as exc:
        await client.contract_certificates(CONTRACT, NC["worker-insured"])
    assert exc.value.reason == "not_party"
    with pytest.raises(NotFound):
        await client.contract_certificates("1404-9999", NC["contractor"])


# --- events and payments -------------------------------------------------------------------------


async def test_events_feed(client: TaminClient, sim: httpx.Client) -> None:
    first = await client.events()
    assert first.events == [] and first.cursor is None
    await client.pension_certificate(NC["pensioner-retired"], key())
    sim.post("/_sim/events", json={"type": "article38_certificate_issued",
                                   "payload": {"contract": CONTRACT, "number": "38-1405-0099", "date": "1405-09-04",
                                               "national_code": NC["contractor"]}}).raise_for_status()
    sim.post("/_sim/events", json={"type": "debt_raised", "payload": {
        "workshop": NO_DEBT_SHOP, "amount": 50_000_000, "period": "1405-08", "id": "D10"}}).raise_for_status()
    page = await client.events()
    assert [e.type for e in page.events] == ["certificate_issued", "article38_certificate_issued", "debt_raised"]
    assert page.events[0].payload["national_code"] == NC["pensioner-retired"]
    assert (await client.events(after=page.cursor)).events == []
    assert (await client.events(after=page.events[0].id)).events == page.events[1:]
    certs = await client.contract_certificates(CONTRACT, NC["contractor"])
    assert certs.certificates[-1].number == "38-1405-0099" and certs.certificates[-1].state == "issued"
    debt = await client.workshop_debt(NO_DEBT_SHOP, NC["employer-no-debt"])
    assert debt.total == 50_000_000


async def test_unknown_payment(client: TaminClient) -> None:
    with pytest.raises(NotFound) as exc:
        await client.payment("PAY-00000000")
    assert exc.value.reason == "unknown_payment"
