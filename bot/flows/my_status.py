"""«وضعیت من» — one proven identity, everything that concerns the person, in one answer.

After identity the back-end is asked everything at once (``integrations.tamin.overview``, every
call under one deadline): pension, insurance and days of record; whether voluntary insurance,
military-service credit and fractional-month completion are open to them, each with its reason;
open requests (sick pay, military credit, contracts, dependents, objections with their hearing);
and for an employer or representative each of their own workshops and Article 38 contracts. A
part that did not answer in time says so in one line; the rest still shows. Each actionable line
has the button that starts its service. On SMS the answer is a few short lines and the buttons
become the numbered menu for details.
"""

from __future__ import annotations

from basics.bidi import isolate
from bot.engine.catalog import has
from bot.engine.context import Ctx
from bot.engine.dialogue import service_choice_id
from bot.engine.flow import Do, Flow, Stop
from bot.engine.fmt import code, fa, jdate, number, rial
from bot.engine.messages import Channel, Choice
from bot.flows import my_reminders
from bot.flows.common import person_name
from integrations.tamin import overview
from integrations.tamin.overview import ContractView, Overview, Part, WorkshopView

MAX_BUTTONS = 8  # more than this crowds a messenger keyboard and an SMS menu
MIN_MILITARY_DAYS = 720  # poster 13: two years of contributions
MIN_VOLUNTARY_DAYS = 30  # poster 85
_PREFILL = ("workshop", "contract", "remind", "ref")  # what a button carries (the rest is its title's)
MAX_REMINDERS = 3  # reminder buttons beyond the services' own


def iso(text: object) -> str:
    """The Latin and number runs that would lose their order inside Persian, wrapped in first-strong isolates."""
    return isolate(str(text), only_needed=True)


class _Answer:
    """The lines and buttons of one overview, built section by section."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.lines: list[str] = []
        self.choices: list[Choice] = []
        self.failed = False

    def line(self, key: str, **fields: object) -> None:
        self.lines.append(self.ctx.text(key, **{k: iso(v) for k, v in fields.items()}))

    def fail(self, part: str) -> None:
        self.failed = True
        self.line("my_status.failed", part=self.ctx.text(f"my_status.part.{part}"))

    def button(self, flow: str, key: str, *, cap: int = MAX_BUTTONS, **fields: object) -> None:
        if len(self.choices) < cap:
            prefill = {k: str(v) for k, v in fields.items() if k in _PREFILL and v}
            shown = {k: v for k, v in fields.items() if k not in prefill}
            self.choices.append(self.ctx.choice(service_choice_id(flow, **prefill), key, **shown))

    def section(self, key: str) -> None:
        if self.ctx.channel is not Channel.SMS:
            self.lines.append("")
            self.lines.append(self.ctx.text(key))


def _pension(a: _Answer, p: Part) -> None:
    if p.failed:
        a.fail("pension")
    elif p.ok:
        x, ctx = p.value, a.ctx
        kind = ctx.text(f"pension.kind.{x.kind}")
        if x.status == "active":
            last = x.last_payments[0].date if x.last_payments else ""
            a.line("my_status.pension.active", kind=kind, amount=rial(x.monthly_amount), last=jdate(last))
        else:
            a.line("my_status.pension.suspended", kind=kind, since=jdate(x.suspended_since),
                   reason=x.suspension_reason or "")
        a.button("pension_status", "my_status.button.pension")


def _insurance(a: _Answer, p: Part) -> None:
    if p.failed:
        a.fail("insurance")
        return
    if not p.ok:
        return
    x, ctx = p.value, a.ctx
    days = number(x.contribution_days)
    if x.insured_now:
        kind = ctx.text(f"insurance.kind.{x.insurance_kind}") if x.insurance_kind else ""
        where = ctx.text("my_status.insurance.where", name=x.workshop_name, code=iso(fa(x.workshop_code))) \
            if x.workshop_code else ""
        since = ctx.text("my_status.insurance.since", date=iso(jdate(x.insured_since))) if x.insured_since else ""
        a.lines.append(ctx.text("my_status.insurance.insured", kind=kind, where=where, since=since, days=iso(days)))
    else:
        until = ctx.text("my_status.insurance.until", date=iso(jdate(x.last_insured_until))) \
            if x.last_insured_until else ""
        a.lines.append(ctx.text("my_status.insurance.not_insured", until=until, days=iso(days)))
    a.button("insurance_record", "my_status.button.insurance")


_MILITARY = {"not_insured", "under_two_years", "no_service_card", "already_credited"}
_VOLUNTARY = {"already_insured", "under_30_days", "no_service_card", "over_age_short_record"}


def _services(a: _Answer, o: Overview) -> None:
    """Voluntary insurance, military credit, fractional months and sick pay, for anyone with a record."""
    if not (o.insurance.ok or o.insurance.failed):
        return  # no insurance record (a pensioner, an employer): these services are not theirs
    a.section("my_status.section.services")
    req = o.military_request
    if o.military.failed:
        a.fail("military")
    elif o.military.ok and not (req.ok and req.value is not None):
        m = o.military.value
        if m.eligible:
            a.line("my_status.military.eligible", months=fa(m.months), amount=rial(m.amount))
            a.button("military_service", "my_status.button.military")
        else:
            reason = m.reason if m.reason in _MILITARY else "other"
            a.line(f"my_status.military.refused.{reason}", days=number(m.contribution_days),
                   required=number(MIN_MILITARY_DAYS))
    v = o.voluntary
    if v.failed:
        a.fail("voluntary")
    elif v.ok and v.value.reason != "already_contracted":
        e = v.value
        if e.eligible:
            a.line("my_status.voluntary.eligible", min=rial(e.wage_min), max=rial(e.wage_max))
            a.button("voluntary_insurance", "my_status.button.voluntary")
        else:
            reason = e.reason if e.reason in _VOLUNTARY else "other"
            a.line(f"my_status.voluntary.refused.{reason}", days=number(e.contribution_days), age=fa(e.age),
                   required=number(e.required_days), min_days=fa(MIN_VOLUNTARY_DAYS),
                   missing=number(e.missing_days or max(0, e.required_days - e.contribution_days)))
    f = o.fractional
    if f.failed:
        a.fail("fractional")
    elif f.ok and f.value.reason != "already_contracted":
        if f.value.eligible and f.value.months:
            a.line("my_status.fractional.eligible", total=fa(f.value.total_missing_days), amount=rial(f.value.amount),
                   due=jdate(f.value.due_date))
            a.button("fractional_month", "my_status.button.fractional")
        else:
            a.line("my_status.fractional.nothing")
    s = o.sick_pay
    if s.failed:
        a.fail("sick_pay")
    elif s.ok and s.value.eligible and s.value.claim is None:
        a.line("my_status.sick_pay.eligible", start=jdate(s.value.leave_from), end=jdate(s.value.leave_to))
        a.button("sick_pay", "my_status.button.sick_pay")


def _requests(a: _Answer, o: Overview) -> None:
    """Open requests and files: sick-pay claims, military credit, contracts, dependents."""
    before = len(a.lines)
    a.section("my_status.section.requests")
    start = len(a.lines)
    s = o.sick_pay
    if s.ok and s.value.claim is not None:
        c = s.value.claim
        a.line("my_status.sick_pay.claim", number=code(c.tracking_number), filed=jdate(c.filed_on),
               start=jdate(c.leave_from), end=jdate(c.leave_to), amount=rial(c.total_amount))
        a.button("sick_pay", "my_status.button.sick_pay_claim")
    r = o.military_request
    if r.failed:
        a.fail("military_request")
    elif r.ok and r.value is not None:
        m = r.value
        a.line(f"my_status.military.request.{m.state}", id=code(m.request_id), months=fa(m.months),
               amount=rial(m.amount))
        if m.state == "pending_payment":
            a.button("military_service", "my_status.button.military_request")
    v = o.voluntary
    if v.ok and v.value.contract is not None:
        c = v.value.contract
        a.line("my_status.voluntary.contract", number=code(c.contract_number), start=jdate(c.starts_on),
               premium=rial(c.monthly_premium))
    f = o.fractional
    if f.ok and f.value.reason == "already_contracted":
        a.line("my_status.fractional.already", due=jdate(f.value.due_date))
    d = o.dependents
    if d.failed:
        a.fail("dependents")
    elif d.ok and d.value:
        ctx = a.ctx
        names = "، ".join(ctx.text("my_status.dependents.person", first_name=x.first_name,
                                   relation=ctx.text(f"dependents.relation.{x.relation}")) for x in d.value)
        a.lines.append(ctx.text("my_status.dependents.line", names=names))
    if len(a.lines) == start:  # nothing open: no heading either
        del a.lines[before:]


def _workshop(a: _Answer, w: WorkshopView) -> None:
    ctx, s = a.ctx, w.summary
    name = s.workshop_name
    a.line("my_status.workshop.line", name=name, code=fa(s.workshop_code),
           role=ctx.text(f"my_status.workshop.role.{s.role}"))
    parts: list[str] = []

    def failed(part: str) -> None:
        a.failed = True
        parts.append(ctx.text("my_status.workshop.failed", part=ctx.text(f"my_status.part.{part}")))

    if w.debt.failed:
        failed("debt")
    elif w.debt.ok:
        total = w.debt.value.total
        parts.append(ctx.text("my_status.workshop.debt", total=iso(rial(total))) if total
                     else ctx.text("my_status.workshop.no_debt"))
        a.button("employer_debt", "my_status.button.debt", workshop=s.workshop_code, name=name)
    if w.e_notice.failed:
        failed("e_notice")
    elif w.e_notice.ok:
        n = w.e_notice.value
        if n.accepted:
            key = "my_status.workshop.e_notice_yes" if n.accepted_on else "my_status.workshop.e_notice_yes_undated"
            parts.append(ctx.text(key, date=iso(jdate(n.accepted_on))))
        else:
            parts.append(ctx.text("my_status.workshop.e_notice_no"))
            a.button("e_notice", "my_status.button.e_notice", workshop=s.workshop_code, name=name)
    if w.objections.failed:
        failed("objections")
    elif w.objections.ok:
        for o in w.objections.value:
            hearing = ctx.text("my_status.workshop.hearing", date=iso(jdate(o.hearing.date)),
                               time=iso(fa(o.hearing.time)), place=o.hearing.place) if o.hearing else ""
            parts.append(ctx.text("my_status.workshop.objection", number=iso(code(o.number)),
                                  debt_id=iso(code(o.debt_id)), hearing=hearing,
                                  state=ctx.text(f"my_status.workshop.objection_state.{o.state}")))
        if w.objections.value:
            a.button("objection", "my_status.button.objection", workshop=s.workshop_code, name=name)
    sep = "، " if ctx.channel is Channel.SMS else "\n"
    if parts:
        a.lines[-1] += (" " if ctx.channel is Channel.SMS else "\n") + sep.join(parts)


def _contract(a: _Answer, c: ContractView) -> None:
    ctx, s = a.ctx, c.summary
    a.line("my_status.contract.line", number=code(s.contract_no), subject=s.subject,
           role=ctx.text(f"my_status.contract.role.{s.role}"))
    if c.certificates.failed:
        a.failed = True
        a.lines[-1] += " " + ctx.text("my_status.workshop.failed", part=ctx.text("my_status.part.certificates"))
        return
    certs = c.certificates.value.certificates if c.certificates.ok else []
    parts = []
    for cert in certs:
        known = f"article38.reason.{cert.reason_code}"
        reason = ctx.text(known).rstrip(".") if cert.reason_code and has(known) else (cert.reason or "")
        parts.append(ctx.text(f"my_status.contract.cert.{cert.state}", number=iso(code(cert.number)),
                              date=iso(jdate(cert.issued_on)), reason=reason))
    if not parts:
        parts.append(ctx.text("my_status.contract.none"))
    sep = "، " if ctx.channel is Channel.SMS else "\n"
    a.lines[-1] += (" " if ctx.channel is Channel.SMS else "\n") + sep.join(parts)
    a.button("article38", "my_status.button.article38", contract=s.contract_no, number=iso(code(s.contract_no)))


def _employer(a: _Answer, o: Overview) -> None:
    """Each workshop the person acts for and each Article 38 contract they are party to; nothing else."""
    _listing(a, o.workshops, "workshops", "my_status.workshop.more", _workshop)
    _listing(a, o.contracts, "contracts", "my_status.contract.more", _contract)


def _listing(a: _Answer, part: Part, name: str, more_key: str, show) -> None:
    """A section of records (workshops, contracts): each shown, the rest counted, or the part's failure."""
    if not part.failed and not part.value:
        return
    a.section(f"my_status.section.{name}")
    if part.failed:
        a.fail(name)
        return
    for record in part.value:
        show(a, record)
    if part.more:
        a.line(more_key, count=number(part.more))


def _reminders(a: _Answer, o: Overview) -> None:
    """A button for each dated thing the person may be reminded of (where reminders can be taken)."""
    if not my_reminders.available(a.ctx):
        return
    for item in my_reminders.items(o, my_reminders.today()):
        a.button("my_status", f"my_status.button.remind.{item.what}", cap=MAX_BUTTONS + MAX_REMINDERS,
                 remind=item.what, ref=item.ref, date=iso(jdate(item.date)))


def _empty(o: Overview) -> bool:
    return not (o.pension.ok or o.insurance.ok or o.workshops.value or o.contracts.value or o.failures()
                or (o.sick_pay.ok and o.sick_pay.value.claim) or (o.dependents.ok and o.dependents.value))


async def show(ctx: Ctx) -> None:
    """Ask the back-end everything at once and answer with one message."""
    name = await person_name(ctx)
    o = await overview.gather(ctx.api, ctx.national_code)
    if _empty(o):
        raise Stop("my_status.nothing", name=name)
    a = _Answer(ctx)
    _pension(a, o.pension)
    _insurance(a, o.insurance)
    _services(a, o)
    _requests(a, o)
    _employer(a, o)
    _reminders(a, o)
    if a.failed:
        a.lines.append(ctx.text("my_status.failed_note"))
    if a.choices:
        a.lines += ["", ctx.text("my_status.details")]
    body = "\n".join(line for line in a.lines if line or ctx.channel is not Channel.SMS)
    ctx.slots["failed_parts"] = o.failures()
    ctx.say("my_status.header", name=name)
    ctx.out[-1].text += "\n" + (body.strip("\n") if ctx.channel is Channel.SMS else body)
    ctx.out[-1].choices = a.choices
    if ctx.channel is not Channel.SMS:
        ctx.out[-1].choices.append(ctx.choice("cmd:menu", "common.menu"))


def _reminding(ctx: Ctx) -> bool:
    return bool(ctx.slots.get("remind"))


FLOW = Flow(
    name="my_status",
    title="menu.my_status",
    prefill=("remind", "ref"),  # a reminder button of the overview: svc:my_status|remind=hearing|ref=OBJ-…
    steps=[
        Do("remind", my_reminders.take, when=_reminding),
        Do("show", show, when=lambda ctx: not _reminding(ctx)),
    ],
)
