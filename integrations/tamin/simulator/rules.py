"""The organization's published rules, each in one place with its source.

Sources cited below:
- "poster N": the organization's «تأمین اجتماعی دیجیتال — طرح سی هفتاد» service posters
  (data seed: services-posters.fa.txt), service number N.
- "SSL art. N": قانون تأمین اجتماعی (Social Security Law, 1354, as amended), article N.
Figures marked ASSUMPTION are the simulator's realistic choices where the published figure for
1405 is not in hand; they live here so that one edit updates every service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import jdatetime

from integrations.tamin.simulator import calendar as cal

# --- identity -----------------------------------------------------------------------------------


def national_code_valid(code: str) -> bool:
    """The civil registry's check digit for a ten-digit national code (کد ملی)."""
    if not re.fullmatch(r"[0-9]{10}", code) or len(set(code)) == 1:
        return False
    digits = [int(c) for c in code]
    s = sum(d * (10 - i) for i, d in enumerate(digits[:9])) % 11
    return digits[9] == (s if s < 2 else 11 - s)


def normalize_sheba(text: str) -> str:
    """A Sheba as typed (spaces, dashes, lower case, without IR) in its canonical IR+24 form."""
    compact = re.sub(r"[\s-]", "", text).upper()
    return "IR" + compact if re.fullmatch(r"[0-9]{24}", compact) else compact


def sheba_valid(text: str) -> bool:
    """Central Bank of Iran's Sheba (ISO 13616 IBAN): IR + 24 digits, mod-97 equal to 1."""
    sheba = normalize_sheba(text)
    if not re.fullmatch(r"IR[0-9]{24}", sheba):
        return False
    rearranged = sheba[4:] + "1827" + sheba[2:4]  # I=18, R=27
    return int(rearranged) % 97 == 1


# --- money figures of 1405 ------------------------------------------------------------------------

# ASSUMPTION: the 1405 minimum daily wage of the Supreme Labour Council (1404 was 3,463,656 ریال a
# day); the organization's minimum contribution base follows it.
MIN_DAILY_WAGE = 4_676_000
MIN_MONTHLY_WAGE = MIN_DAILY_WAGE * 30  # 140,280,000 ریال
# SSL art. 35 (as amended): the wage subject to contributions is capped at seven times the minimum.
MAX_MONTHLY_WAGE = MIN_MONTHLY_WAGE * 7  # 981,960,000 ریال


@dataclass(frozen=True)
class Decision:
    """A rule's answer: ok, or the reason code of a refusal with the figures behind it."""

    ok: bool
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


OK = Decision(True)


def refuse(reason: str, **details: Any) -> Decision:
    """A refusal with its reason code."""
    return Decision(False, reason, details)


# --- military service credit (service 13) ---------------------------------------------------------

# poster 13: "حداقل دارای ۲ سال سابقه پرداخت حق بیمه ... و در حال حاضر در ردیف بیمه‌پردازان".
MILITARY_MIN_DAYS = 720
# Law on counting compulsory military service in insurance records (قانون احتساب مدت خدمت نظام
# وظیفه عمومی در سوابق بیمه‌ای): the insured pays the contributions of the service months on his
# average wage. ASSUMPTION (as specified by issue #4): 30% of the average daily wage per day.
MILITARY_RATE = 0.30


def military_decision(insured_now: bool, contribution_days: int, card: bool, months: int,
                      credited: bool, requested: bool) -> Decision:
    """Whether military service may be credited (poster 13)."""
    if not insured_now:
        return refuse("not_insured")
    if contribution_days < MILITARY_MIN_DAYS:
        return refuse("under_two_years", contribution_days=contribution_days, required_days=MILITARY_MIN_DAYS,
                      missing_days=MILITARY_MIN_DAYS - contribution_days)
    if not card or months <= 0:
        return refuse("no_service_card")
    if credited:
        return refuse("already_credited")
    if requested:
        return refuse("already_requested")
    return OK


def military_amount(months: int, daily_wage: int) -> int:
    """What crediting some months of service costs: months × 30 days × daily wage × rate."""
    return round(months * 30 * daily_wage * MILITARY_RATE)


# --- sick pay (service 12) ------------------------------------------------------------------------

# SSL art. 60: the sickness allowance is paid from the fourth day (the first three are waiting days
# unless hospitalised; the remote COVID claim is outpatient).
SICK_WAITING_DAYS = 3
# SSL art. 60: two-thirds of the average daily wage; three-quarters for an insured with dependents.
SICK_RATE = (2, 3)
SICK_RATE_WITH_DEPENDENTS = (3, 4)


def sick_pay_decision(insured_now: bool, insurance_kind: str | None, has_positive_test: bool,
                      already_claimed: bool) -> Decision:
    """Whether a remote COVID sick-pay claim is possible (poster 12: compulsory insured, positive test)."""
    if not insured_now:
        return refuse("not_insured")
    if insurance_kind != "compulsory":
        return refuse("not_compulsory")
    if not has_positive_test:
        return refuse("no_positive_test")
    if already_claimed:
        return refuse("already_claimed")
    return OK


def sick_leave_check(leave_from: cal.Date, leave_to: cal.Date, test_date: cal.Date,
                     record_test: cal.Date, record_from: cal.Date, record_to: cal.Date) -> Decision:
    """The claimed leave must match the test and stay within the leave on record."""
    if leave_to < leave_from:
        return refuse("bad_dates")
    if test_date != record_test:
        return refuse("test_mismatch", test_positive_on=cal.fmt(record_test))
    if leave_from < test_date or leave_from < record_from or leave_to > record_to:
        return refuse("leave_out_of_range", leave_from=cal.fmt(record_from), leave_to=cal.fmt(record_to))
    return OK


def sick_pay_amounts(days: int, daily_wage: int, with_dependents: bool) -> dict[str, int]:
    """Waiting days, paid days, the daily allowance and the total (SSL art. 60)."""
    num, den = SICK_RATE_WITH_DEPENDENTS if with_dependents else SICK_RATE
    daily = daily_wage * num // den
    paid = max(0, days - SICK_WAITING_DAYS)
    return {"days": days, "waiting_days": min(days, SICK_WAITING_DAYS), "paid_days": paid,
            "daily_amount": daily, "total_amount": daily * paid}


# --- voluntary insurance (service 85) -------------------------------------------------------------

# poster 85: "حداقل ۳۰ روز سابقه پرداخت حق بیمه".
VOLUNTARY_MIN_DAYS = 30
# poster 85: "سن ۵۰ سال تمام و یا کمتر"; over 50, a record "معادل مازاد سن ۵۰ سال".
VOLUNTARY_MAX_AGE = 50
DAYS_PER_YEAR = 365
# ASSUMPTION: the voluntary-continuation premium as the insured + employer shares of SSL art. 28
# (7% + 20%); check against the current circular.
VOLUNTARY_RATE = 0.27


def voluntary_required_days(age: int) -> int:
    """Days of record required at an age: 30, or one year for each full year over 50 (poster 85)."""
    return max(VOLUNTARY_MIN_DAYS, (age - VOLUNTARY_MAX_AGE) * DAYS_PER_YEAR)


def voluntary_decision(insured_now: bool, contribution_days: int, age: int, gender: str,
                       service_card: bool, has_contract: bool) -> Decision:
    """Whether a voluntary insurance contract may be made (poster 85)."""
    if insured_now:
        return refuse("already_insured")
    if has_contract:
        return refuse("already_contracted")
    if contribution_days < VOLUNTARY_MIN_DAYS:
        return refuse("under_30_days", contribution_days=contribution_days, required_days=VOLUNTARY_MIN_DAYS,
                      missing_days=VOLUNTARY_MIN_DAYS - contribution_days)
    # poster 85: "متقاضیان مرد دارای کارت پایان خدمت نظام وظیفه عمومی".
    if gender == "male" and not service_card:
        return refuse("no_service_card")
    required = voluntary_required_days(age)
    if contribution_days < required:
        return refuse("over_age_short_record", age=age, years_over=age - VOLUNTARY_MAX_AGE,
                      contribution_days=contribution_days, required_days=required,
                      missing_days=required - contribution_days)
    return OK


def voluntary_wage_check(monthly_wage: int) -> Decision:
    """The chosen wage base must lie between the minimum wage and the ceiling (SSL art. 35)."""
    if not MIN_MONTHLY_WAGE <= monthly_wage <= MAX_MONTHLY_WAGE:
        return refuse("wage_out_of_range", min=MIN_MONTHLY_WAGE, max=MAX_MONTHLY_WAGE)
    return OK


def voluntary_premium(monthly_wage: int) -> int:
    """The monthly premium for a wage base."""
    return round(monthly_wage * VOLUNTARY_RATE)


# --- dependents (service 6) -----------------------------------------------------------------------

# SSL art. 58 (family members entitled through the insured):
CHILD_MAX_AGE = 18          # sons under 18,
STUDENT_MAX_AGE = 20        # or under 20 while studying, or disabled;
HUSBAND_MIN_AGE = 60        # a husband over 60 or disabled (a wife always);
FATHER_MIN_AGE = 60         # a father over 60 or disabled,
MOTHER_MIN_AGE = 55         # a mother over 55 or disabled (both supported by the insured).


def dependent_decision(relation: str, registry_relation: str | None, gender: str, age: int, *,
                       student: bool = False, disabled: bool = False, married: bool = False,
                       income: bool = False, already: bool = False) -> Decision:
    """Whether a family member may be added as a dependent (SSL art. 58)."""
    if already:
        return refuse("already_dependent")
    if registry_relation != relation:
        return refuse("not_related")
    if relation == "child":
        if gender == "male" and not (age < CHILD_MAX_AGE or (age < STUDENT_MAX_AGE and student) or disabled):
            return refuse("child_over_age", age=age)
        if gender == "female" and (married or income):
            return refuse("daughter_married_or_employed")
    if relation == "spouse" and gender == "male" and not (age > HUSBAND_MIN_AGE or disabled):
        return refuse("husband_not_eligible", age=age)
    if relation == "father" and not (age > FATHER_MIN_AGE or disabled):
        return refuse("parent_under_age", age=age, required_age=FATHER_MIN_AGE)
    if relation == "mother" and not (age > MOTHER_MIN_AGE or disabled):
        return refuse("parent_under_age", age=age, required_age=MOTHER_MIN_AGE)
    return OK


# --- fractional months (service 7) ----------------------------------------------------------------

# poster 7: contributions for the days short of a full month are paid "پایان هر نیم سال";
# SSL art. 28 counts a month as 30 days of contribution.
DAYS_PER_MONTH = 30
# ASSUMPTION: the insured pays both the insured and the employer shares (SSL art. 28: 7% + 20%).
FRACTIONAL_RATE = 0.27


def fractional_amount(missing_days: int, daily_wage: int) -> int:
    """What completing the missing days costs."""
    return round(missing_days * daily_wage * FRACTIONAL_RATE)


# --- workshops (services 105, 115, 95) ------------------------------------------------------------

# SSL arts. 42-43: an employer's objection to a claim is heard by the debt board (هیئت بدوی
# تشخیص مطالبات). Simulator convention: the hearing is two weeks after filing, on a working day.
HEARING_AFTER_DAYS = 14
OBJECTION_REASONS = ("wrong_period", "wrong_amount", "already_paid", "not_employed", "other")


def hearing_date(filed_on: cal.Date) -> cal.Date:
    """When the debt board hears an objection filed on a day."""
    return cal.next_working_day(filed_on + jdatetime.timedelta(days=HEARING_AFTER_DAYS))


def workshop_role(actor: str, employer: str | None, representatives: list[str]) -> str:
    """The actor's role at a workshop: employer, representative or none (only the first two may act)."""
    if actor == employer:
        return "employer"
    if actor in representatives:
        return "representative"
    return "none"
