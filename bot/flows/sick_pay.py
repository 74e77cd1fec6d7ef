"""خدمت ۱۲ — پرداخت غیرحضوری غرامت دستمزد ایام بیماری به بیمه‌شدگان اجباری دارای تست کرونای مثبت.

Who: a compulsory insured worker with a positive COVID test on record. The bot checks who they
are and whether a remote claim is possible (refusals explained), then collects the leave's
start and end and the test's date (offered from the record for one «تأیید», asked one by one
only when the person changes them), the test's reference and a Sheba in their own name, each
checked as it is typed, shows a summary to confirm, and registers the claim: tracking number, days,
waiting days, paid days and amount.
"""

from __future__ import annotations

import hashlib
import re

from bot.engine.context import Ctx, idempotency_key
from bot.engine.flow import Answer, Ask, Do, Flow, Goto, Invalid, Review, Stop
from bot.engine.fmt import fa, jdate, mask_iban, number, rial
from bot.engine.messages import Choice
from bot.flows.common import person_name
from integrations.tamin.errors import Conflict, InvalidInput, NotEligible, NotFound, TaminError
from integrations.tamin.models import SickPayClaim

FAQ = {"faq_documents": "sick_pay.faq_documents", "faq_cost": "sick_pay.faq_cost", "faq_why": "sick_pay.faq_why"}
REFUSALS = ("not_insured", "not_compulsory", "no_positive_test", "already_claimed")
FIELDS = ("date_from", "date_to", "test_date", "test_ref", "sheba")
_SHEBA_REASONS = {"length": "sick_pay.sheba_length", "checksum": "sick_pay.sheba_checksum",
                  "country": "sick_pay.sheba_country", "missing": "sick_pay.sheba_missing"}


def _today() -> str:
    import jdatetime

    return jdatetime.date.today().strftime("%Y-%m-%d")


# --- eligibility -------------------------------------------------------------------------------


async def check_eligibility(ctx: Ctx) -> None:
    """Whether a remote claim is possible; say what is on record or why not."""
    await person_name(ctx)
    try:
        e = await ctx.api.sick_pay_eligibility(ctx.national_code)
    except NotFound:
        raise Stop("sick_pay.refused.no_record") from None
    if not e.eligible:
        earlier = e.claim  # the claim already filed
        if e.reason == "already_claimed" and earlier is not None:
            raise Stop("sick_pay.refused.already_claimed_with", **_claim_fields(earlier))
        raise await refusal(ctx, e.reason)
    ctx.slots["_rec"] = {"test": e.test_positive_on, "from": e.leave_from, "to": e.leave_to}
    if not recorded(ctx):  # the dates on record are offered as one «تأیید» instead (step «dates»)
        ctx.say("sick_pay.on_record_test", name=ctx.slots.get("name", ""), test=jdate(e.test_positive_on))


async def refusal(ctx: Ctx, reason: str | None) -> Stop:
    """The refusal with the person's own record (insured now or until when, which kind), for «چرا؟»."""
    key = reason if reason in REFUSALS else "other"
    fields = {"name": ctx.slots.get("name", ""), "until": "", "kind": "", "days": ""}
    if key in ("not_insured", "not_compulsory"):
        try:
            rel = await ctx.api.insurance_relationship(ctx.national_code)
        except TaminError:
            rel = None
        if rel is not None:
            fields.update(until=jdate(rel.last_insured_until) if rel.last_insured_until else "",
                          days=number(rel.contribution_days),
                          kind=ctx.text(f"insurance.kind.{rel.insurance_kind}") if rel.insurance_kind else "")
    return Stop(f"sick_pay.refused.{key}", **fields)


def _rec(ctx: Ctx, what: str) -> str | None:
    return (ctx.slots.get("_rec") or {}).get(what)


def recorded(ctx: Ctx) -> bool:
    """Whether the test and the leave's start and end are all on record (offered for one «تأیید»)."""
    return all(_rec(ctx, what) for what in ("test", "from", "to"))


# --- the dates on record: one «تأیید», or one by one -------------------------------------------


def record_fields(ctx: Ctx) -> dict:
    return dict(name=ctx.slots.get("name", ""), test=jdate(_rec(ctx, "test")), start=jdate(_rec(ctx, "from")),
                end=jdate(_rec(ctx, "to")), days=fa(_days(_rec(ctx, "from"), _rec(ctx, "to"))))


def record_choices(ctx: Ctx) -> list[Choice]:
    """«تأیید» the dates on record, or change them (then asked one by one)."""
    return [ctx.choice("yes", "sick_pay.dates_confirm"), ctx.choice("change", "sick_pay.dates_change")]


_CHANGE = re.compile(r"تغییر|اصلاح|عوض|دیگر")


def parse_record(ctx: Ctx, answer: Answer) -> bool:
    """True: the dates on record are the claim's; False: the person asks them one by one.

    A date typed here is a change that already answers the first question (the leave's start).
    """
    from bot.nlu.extract import jalali_date, yes_no

    if answer.choice in ("yes", "change"):
        agreed = answer.choice == "yes"
    elif jalali_date(answer.text) is not None:
        ctx.slots["date_from"] = parse_date_from(ctx, answer)
        return False
    elif _CHANGE.search(answer.text or ""):
        agreed = False
    else:
        agreed = yes_no(answer.text)
        if agreed is None:
            raise Invalid("sick_pay.dates_pick_one")
    if agreed:
        ctx.slots.update(date_from=_rec(ctx, "from"), date_to=_rec(ctx, "to"), test_date=_rec(ctx, "test"))
    return agreed




# --- answers -----------------------------------------------------------------------------------


def _date(ctx: Ctx, answer: Answer, step: str) -> str:
    from bot.nlu.extract import jalali_date

    value = jalali_date(answer.text)
    if value is None:
        raise Invalid("sick_pay.bad_date" if re.search(r"\d", answer.text) else "sick_pay.date_missing")
    if value > _today():
        raise Invalid("sick_pay.date_future", date=jdate(value), today=jdate(_today()))
    return value


def parse_date_from(ctx: Ctx, answer: Answer) -> str:
    """The first day of the sick leave: a real Jalali date, not in the future, within the leave on record."""
    value = _date(ctx, answer, "date_from")
    start, end = _rec(ctx, "from"), _rec(ctx, "to")
    if start and end and not start <= value <= end:
        raise Invalid("sick_pay.start_out_of_record", date=jdate(value), start=jdate(start), end=jdate(end))
    if ctx.slots.get("date_to") and ctx.slots["date_to"] < value:
        ctx.slots.pop("date_to")  # the end kept from before no longer fits: ask it again
    _keep_end_given_too(ctx, answer, value)
    return value


def _keep_end_given_too(ctx: Ctx, answer: Answer, start: str) -> None:
    """«از ۱۴۰۵/۰۸/۱۰ تا ۱۴۰۵/۰۸/۲۰» answers both questions: keep the end when it is valid."""
    from bot.nlu.dates import find_dates

    found = [iso for _, _, cal, iso in find_dates(answer.text) if cal == "jalali"]
    if len(found) < 2 or found[0] != start or "date_to" in ctx.slots:
        return
    ctx.slots["date_from"] = start
    try:
        ctx.slots["date_to"] = parse_date_to(ctx, Answer(text=found[1]))
    except (Invalid, Goto):
        ctx.slots.pop("date_to", None)


def parse_date_to(ctx: Ctx, answer: Answer) -> str:
    """The last day of the sick leave: not before the start, within the leave on record."""
    value = _date(ctx, answer, "date_to")
    first = ctx.slots.get("date_from")
    if first and value < first:
        raise Invalid("sick_pay.end_before_start", date=jdate(value), start=jdate(first))
    end = _rec(ctx, "to")
    if end and value > end:
        raise Invalid("sick_pay.end_out_of_record", date=jdate(value), end=jdate(end))
    return value


def parse_test_date(ctx: Ctx, answer: Answer) -> str:
    """The date of the positive test: not after the leave began, the test on record."""
    value = _date(ctx, answer, "test_date")
    first = ctx.slots.get("date_from")
    if first and value > first:
        raise Invalid("sick_pay.test_after_leave", date=jdate(value), start=jdate(first))
    test = _rec(ctx, "test")
    if test and value != test:
        raise Invalid("sick_pay.test_mismatch", date=jdate(value), test=jdate(test))
    return value


def parse_test_ref(ctx: Ctx, answer: Answer) -> str:
    """The test result's reference: 4 to 40 Latin letters and digits, with at least one digit."""
    compact = re.sub(r"[\s\-_/]", "", answer.text)
    if re.fullmatch(r"[A-Za-z0-9]{4,40}", compact) and re.search(r"\d", compact):
        return compact.upper()
    if not re.search(r"\d", compact):
        raise Invalid("sick_pay.test_ref_missing")
    raise Invalid("sick_pay.test_ref_invalid")


async def load_accounts(ctx: Ctx) -> None:
    """The account the back-end holds for the verified person's payouts, to offer instead of asking (none: ask)."""
    try:
        found = await ctx.api.bank_accounts(ctx.national_code)
    except TaminError:  # unknown or unreachable: the Sheba is simply asked
        found = []
    ctx.slots["_accounts"] = [{"id": a.account_id, "masked": a.iban_masked} for a in found[:1]]


def _offered(ctx: Ctx) -> list[dict]:
    return [] if ctx.slots.get("_other") else (ctx.slots.get("_accounts") or [])


def sheba_fields(ctx: Ctx) -> dict:
    """The registered account, masked, when there is one to offer."""
    offered = _offered(ctx)
    return {"offer": ctx.text("sick_pay.offer_account", sheba=mask_iban(offered[0]["masked"])) if offered else ""}


def sheba_choices(ctx: Ctx) -> list[Choice]:
    """Pay into the registered account, or give another."""
    offered = _offered(ctx)
    if not offered:
        return []
    return [ctx.choice("acct:0", "sick_pay.btn_registered", sheba=mask_iban(offered[0]["masked"])),
            ctx.choice("acct:other", "sick_pay.btn_other_account")]


_REGISTERED = re.compile(r"ثبت\s*[‌ ]?\s*شده|همین\s*حساب|همان\s*حساب|همون\s*حساب")


def parse_sheba(ctx: Ctx, answer: Answer) -> str:
    """The registered account (its masked Sheba), or a typed Sheba that passes its mod-97 check."""
    from bot.nlu.extract import check_sheba, sheba

    offered = _offered(ctx)
    if offered and (answer.choice == "acct:0" or (not answer.choice and _REGISTERED.search(answer.text or ""))):
        return offered[0]["masked"]
    if answer.choice == "acct:other":
        ctx.slots["_other"] = True
        raise Goto("sheba")
    value = sheba(answer.text)
    if value:
        return value
    text = re.sub(r"[\s\-]", "", answer.text).upper()
    found = re.search(r"([A-Z]{2})?\d+", text)
    if not found:
        raise Invalid("sick_pay.sheba_missing")
    reason = check_sheba(found.group(0))
    digits = len(re.sub(r"\D", "", found.group(0)))
    raise Invalid(_SHEBA_REASONS.get(reason, "sick_pay.sheba_checksum"), count=fa(digits))


_FIX_WORDS = {"شروع": "date_from", "پایان": "date_to", "تاریخ آزمایش": "test_date", "تاریخ تست": "test_date",
              "شماره آزمایش": "test_ref", "کد آزمایش": "test_ref", "رهگیری": "test_ref", "شبا": "sheba",
              "حساب": "sheba", "انصراف": "cancel"}


def fix_word(text: str) -> str | None:
    """Which answer a typed correction names («شبا», «تاریخ پایان»…)."""
    return next((f for word, f in _FIX_WORDS.items() if word in (text or "")), None)


# --- the claim ---------------------------------------------------------------------------------


def summary_fields(ctx: Ctx) -> dict:
    s = ctx.slots
    return dict(start=jdate(s["date_from"]), end=jdate(s["date_to"]), test=jdate(s["test_date"]),
                ref=fa(s["test_ref"]), sheba=mask_iban(s["sheba"]), days=fa(_days(s["date_from"], s["date_to"])))


def _days(start: str, end: str) -> int:
    import jdatetime

    a, b = (jdatetime.date(*(int(p) for p in d.split("-"))) for d in (start, end))
    return (b.togregorian() - a.togregorian()).days + 1


async def file_claim(ctx: Ctx) -> None:
    """Register the claim; a refusal of the back-end goes back to the answer it concerns."""
    s = ctx.slots
    body = f"{s['date_from']}|{s['date_to']}|{s['test_date']}|{s['test_ref']}|{s['sheba']}"
    key = f"{idempotency_key(ctx, 'claim')}:{hashlib.sha1(body.encode()).hexdigest()[:10]}"
    account = next((a["id"] for a in s.get("_accounts") or [] if a["masked"] == s["sheba"]), None)
    try:
        claim = await ctx.api.sick_pay_claim(ctx.national_code, s["date_from"], s["date_to"], s["test_date"],
                                             s["test_ref"], None if account else s["sheba"], idempotency_key=key,
                                             account_id=account)
    except TaminError as exc:
        if exc.reason == "iban_not_owned":  # the bank says the Sheba is not in the claimant's name
            raise Goto("sheba", "sick_pay.backend.iban_not_owned", forget=("sheba", "confirm"),
                       sheba=mask_iban(s["sheba"])) from None
        if isinstance(exc, NotEligible):
            raise await refusal(ctx, exc.reason) from None
        if isinstance(exc, Conflict):
            raise Stop("sick_pay.refused.already_claimed", name=s.get("name", "")) from None
        if not isinstance(exc, InvalidInput):
            raise
        d = exc.details or {}
        if exc.reason == "bad_sheba":
            raise Goto("sheba", "sick_pay.backend.bad_sheba", forget=("sheba", "confirm")) from None
        if exc.reason == "test_mismatch":
            raise Goto("test_date", "sick_pay.backend.test_mismatch", forget=("test_date", "confirm"),
                       test=jdate(d.get("test_positive_on"))) from None
        if exc.reason == "leave_out_of_range":
            raise Goto("date_from", "sick_pay.backend.out_of_range", forget=("date_from", "date_to", "confirm"),
                       start=jdate(d.get("leave_from")), end=jdate(d.get("leave_to"))) from None
        if exc.reason in ("bad_dates", "bad_date"):
            raise Goto("date_from", "sick_pay.backend.bad_dates", forget=("date_from", "date_to", "confirm")) from None
        raise
    ctx.say("sick_pay.registered", **_claim_fields(claim))


def _claim_fields(claim: SickPayClaim) -> dict:
    return dict(tracking=fa(claim.tracking_number), start=jdate(claim.leave_from), end=jdate(claim.leave_to),
                days=number(claim.days), waiting=number(claim.waiting_days), paid=number(claim.paid_days),
                daily=rial(claim.daily_amount), total=rial(claim.total_amount), sheba=mask_iban(claim.sheba_masked),
                filed=jdate(claim.filed_on))


FLOW = Flow(
    name="sick_pay",
    title="menu.sick_pay",
    faq=FAQ,
    steps=[
        Do("eligibility", check_eligibility),
        Ask("dates", "sick_pay.on_record", parse=parse_record, choices=record_choices, fields=record_fields,
            when=recorded),
        Ask("date_from", "sick_pay.ask_date_from", parse=parse_date_from, retries=4),
        Ask("date_to", "sick_pay.ask_date_to", parse=parse_date_to, retries=4),
        Ask("test_date", "sick_pay.ask_test_date", parse=parse_test_date, retries=4),
        Ask("test_ref", "sick_pay.ask_test_ref", parse=parse_test_ref, retries=4, help="sick_pay.help_test_ref"),
        Do("accounts", load_accounts, when=lambda c: "_accounts" not in c.slots),
        Ask("sheba", "sick_pay.ask_sheba", parse=parse_sheba, choices=sheba_choices, fields=sheba_fields, retries=4,
            help="sick_pay.help_sheba"),
        Review("confirm", "sick_pay.summary", fields=summary_fields, ask="sick_pay.ask_fix",
               items={f: f"sick_pay.field.{f}" for f in FIELDS}, cancel="sick_pay.fix_cancel",
               pick_one="sick_pay.fix_pick_one", recognize=fix_word),
        Do("claim", file_claim, proof="code"),
    ],
)
