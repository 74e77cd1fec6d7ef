"""خدمت ۶ — ثبت‌نام غیرحضوری افراد تبعی توسط بیمه‌شده اصلی.

Who: an insured person (or a pensioner) and the family members covered through them. The bot
checks who they are, lists the dependents on record (name, relation, birth date) and offers to
add one: the relation (spouse, child, father, mother), the family member's national code, a
summary to confirm, then the back-end's decision; every refusal of the rules of the law
(age, study, marriage, disability) is explained with what would make the person eligible.
"""

from __future__ import annotations

import hashlib
import re

from bot.engine.context import Ctx, idempotency_key
from bot.engine.flow import Answer, Ask, Do, Flow, Goto, Invalid, Review, Stop
from bot.engine.fmt import fa, jdate, mask_code, number
from bot.engine.messages import Choice
from bot.flows.common import person_name, yes_no_buttons
from integrations.tamin.errors import Conflict, InvalidInput, NotEligible, NotFound, TaminError

FAQ = {"faq_documents": "dependents.faq_documents", "faq_cost": "dependents.faq_cost",
       "faq_why": "dependents.faq_why"}
RELATIONS = ("spouse", "child", "father", "mother")
_FROM_PERSIAN = {"همسر": "spouse", "فرزند": "child", "پدر": "father", "مادر": "mother"}
REFUSALS = ("child_over_age", "daughter_married_or_employed", "husband_not_eligible", "parent_under_age",
            "not_related", "already_dependent", "not_insured")
_NC_REASONS = {"length": "dependents.nc_length", "checksum": "dependents.nc_checksum",
               "repeated": "dependents.nc_checksum"}
_ADD = re.compile(r"اضافه|افزودن|ثبت|تحت\s*(پوشش|تکفل)|زیر\s*پوشش|بیمه\s*(کن|کردن|کنم)|add|ezafe")
_COVER = re.compile(r"بیمه|پوشش|تکفل|تبعی")  # «مادرم هم از بیمه من استفاده کنه»: a relation named with the cover
_LIST = re.compile(r"لیست|فهرست|مشاهده|ببینم|نمایش|کیا|چه\s*کسانی")


_PREFIXES = {"همسر": "spouse", "شوهر": "spouse", "فرزند": "child", "پسر": "child", "دختر": "child", "بچه": "child",
             "پدر": "father", "بابا": "father", "مادر": "mother", "مامان": "mother"}


def _relation_of(text: str) -> str | None:
    """The relation named in a text («پسرم», «پسرمو», «بابام»...), or None."""
    from bot.nlu.extract import relation

    if not text:
        return None
    found = _FROM_PERSIAN.get(relation(text) or "")
    if found:
        return found
    for word in re.findall(r"[^\W\d_]+", text):  # inflected forms: «پسرمو», «مادرشون»
        if "بزرگ" in word:
            continue
        for prefix, rel in _PREFIXES.items():
            if word.startswith(prefix):
                return rel
    return None


def _relation_title(ctx: Ctx, relation: str | None) -> str:
    return ctx.text(f"dependents.relation.{relation}") if relation in RELATIONS else ""


# --- the list -----------------------------------------------------------------------------------


async def take_request(ctx: Ctx) -> None:
    """When the first message already asks to add someone («پسرم را اضافه کنید»), keep the relation."""
    text = ctx.inbound.text or ""
    if not text or _LIST.search(text) or not (_ADD.search(text) or _COVER.search(text)):
        return
    from bot.nlu.normalize import normalize

    relation = _relation_of(normalize(text))
    if relation:
        ctx.slots["relation"] = relation
        ctx.slots["want_add"] = True


async def list_dependents(ctx: Ctx) -> None:
    """Say who is covered now."""
    await person_name(ctx)
    try:
        people = await ctx.api.dependents(ctx.national_code)
    except NotFound:
        raise Stop("dependents.no_record") from None
    ctx.slots["_listed"] = [d.national_code for d in people]
    name = ctx.slots.get("name", "")
    if not people:
        ctx.say("dependents.none", name=name)
    else:
        lines = ("، " if ctx.variant == "sms" else "\n").join(
            ctx.text("dependents.line", first_name=d.first_name or mask_code(d.national_code),
                     relation=_relation_title(ctx, d.relation), birth=jdate(d.birth_date))
            for d in people
        )
        ctx.say("dependents.list", name=name, count=number(len(people)), lines=lines)
    if not await _may_add(ctx):
        raise Stop("dependents.refused.not_insured", name=name)


async def _may_add(ctx: Ctx) -> bool:
    """Only someone insured now or drawing a pension may add a dependent."""
    try:
        rel = await ctx.api.insurance_relationship(ctx.national_code)
        if rel.insured_now:
            return True
    except NotFound:
        pass
    try:
        await ctx.api.pension(ctx.national_code)
    except NotFound:
        return False
    return True




# --- answers ------------------------------------------------------------------------------------


def parse_want_add(ctx: Ctx, answer: Answer) -> bool:
    """Yes or no; naming a relation («پدرم را اضافه کن») is a yes with the relation kept."""
    from bot.nlu.extract import yes_no

    if answer.choice in ("yes", "no"):
        return answer.choice == "yes"
    relation = _relation_of(answer.text)
    if relation and yes_no(answer.text) is not False:
        ctx.slots["relation"] = relation
        return True
    value = yes_no(answer.text)
    if value is None:
        raise Invalid("common.answer_yes_no")
    return value


def relation_choices(ctx: Ctx) -> list[Choice]:
    return [ctx.choice(f"rel:{r}", f"dependents.button.{r}") for r in RELATIONS]


def parse_relation(ctx: Ctx, answer: Answer) -> str:
    """Spouse, child, father or mother: a button, its number or the word; a code given with it is kept."""
    from bot.nlu.extract import national_code

    if answer.choice and answer.choice.startswith("rel:") and answer.choice[4:] in RELATIONS:
        return answer.choice[4:]
    relation = _relation_of(answer.text)
    if relation:
        code = national_code(answer.text)
        if code and "dep_nc" not in ctx.slots and code != ctx.national_code:
            ctx.slots["dep_nc"] = code
        return relation
    raise Invalid("dependents.relation_pick_one")


def parse_dep_nc(ctx: Ctx, answer: Answer) -> str:
    """The family member's national code: ten digits with a right check digit, not one's own or listed."""
    from bot.nlu.extract import check_national_code, national_code

    code = national_code(answer.text)
    if not code:
        digits = "".join(ch for ch in answer.text if ch in "0123456789")
        if not digits:
            raise Invalid("dependents.nc_missing")
        raise Invalid(_NC_REASONS.get(check_national_code(digits), "dependents.nc_length"), count=fa(len(digits)))
    if code == ctx.national_code:  # not a typo: explain and ask again without counting a try
        raise Goto("dep_nc", "dependents.nc_own")
    if code in (ctx.slots.get("_listed") or []):
        raise Goto("dep_nc", "dependents.nc_listed", code=fa(code))
    return code


def _ask_nc_fields(ctx: Ctx) -> dict:
    return {"relation": _relation_title(ctx, ctx.slots.get("relation"))}


async def look_up_name(ctx: Ctx) -> None:
    """The registry's name of the person to be added, so the confirmation names them (blank if unknown)."""
    ctx.slots["_dep_name"] = ""
    try:
        found = await ctx.api.dependent_candidate(ctx.national_code, ctx.slots["dep_nc"])
    except TaminError:  # unknown or unreachable: the addition itself will say what is wrong
        return
    ctx.slots["_dep_name"] = f"{found.first_name} {found.last_name}".strip()


def summary_fields(ctx: Ctx) -> dict:
    name = ctx.slots.get("_dep_name") or ""
    return {"relation": _relation_title(ctx, ctx.slots.get("relation")), "code": fa(ctx.slots.get("dep_nc", "")),
            "who": ctx.text("dependents.summary_who", name=name) + "\n" if name else "",
            "whom": f" «{name}»" if name else ""}


def fix_word(text: str) -> str | None:
    """Which answer a typed correction names: the relation, the national code, or giving up."""
    if "نسبت" in text or _relation_of(text):
        return "relation"
    if "کد" in text or "ملی" in text:
        return "dep_nc"
    return "cancel" if "انصراف" in text else None


async def end_without_adding(ctx: Ctx) -> None:
    """The person only wanted the list."""
    raise Stop("dependents.no_add_done")


# --- the addition -------------------------------------------------------------------------------


async def add(ctx: Ctx) -> None:
    """Ask the back-end to add the family member; explain a refusal and what would change it."""
    s = ctx.slots
    relation, code = s["relation"], s["dep_nc"]
    digest = hashlib.sha1(f"{relation}|{code}".encode()).hexdigest()[:10]
    key = f"{idempotency_key(ctx, 'add')}:{digest}"
    title = _relation_title(ctx, relation)
    try:
        dep = await ctx.api.add_dependent(ctx.national_code, code, relation, idempotency_key=key)
    except NotFound as exc:
        if exc.reason in ("unknown_person", "not_found"):
            raise Goto("dep_nc", "dependents.refused.unknown_person", forget=("dep_nc", "confirm"),
                       code=fa(code)) from None
        raise Stop("dependents.no_record") from None
    except InvalidInput as exc:
        if exc.reason == "bad_national_code":
            raise Goto("dep_nc", "dependents.nc_checksum", forget=("dep_nc", "confirm")) from None
        raise
    except NotEligible as exc:
        d = exc.details or {}
        fields = dict(relation=title, code=fa(code), age=fa(d.get("age", "")),
                      required_age=fa(d.get("required_age", "")), name=s.get("name", ""))
        if exc.reason == "not_related":
            raise Goto("confirm:fix", "dependents.refused.not_related", forget=("confirm",), **fields) from None
        if exc.reason == "parent_under_age" and relation == "mother":
            raise Stop("dependents.refused.mother_under_age", **fields) from None
        reason = exc.reason if exc.reason in REFUSALS else "other"
        raise Stop(f"dependents.refused.{reason}", **fields) from None
    except Conflict:
        raise Stop("dependents.refused.other", relation=title) from None
    ctx.say("dependents.added", first_name=dep.first_name or mask_code(dep.national_code),
            relation=_relation_title(ctx, dep.relation), birth=jdate(dep.birth_date), code=fa(dep.national_code))


FLOW = Flow(
    name="dependents",
    title="menu.dependents",
    faq=FAQ,
    opening=[Do("take_request", take_request)],
    steps=[
        Do("list", list_dependents),
        Ask("want_add", "dependents.offer_add", parse=parse_want_add,
            choices=yes_no_buttons("dependents.yes_add", "dependents.no_add")),
        Do("done", end_without_adding, when=lambda c: not c.slots.get("want_add")),
        Ask("relation", "dependents.ask_relation", parse=parse_relation, choices=relation_choices),
        Ask("dep_nc", "dependents.ask_national_code", parse=parse_dep_nc, fields=_ask_nc_fields, retries=4,
            input="digits"),
        Do("dep_name", look_up_name),
        Review("confirm", "dependents.summary", fields=summary_fields, ask="dependents.ask_fix",
               items={"relation": "dependents.fix_relation", "dep_nc": "dependents.fix_code"},
               cancel="dependents.fix_cancel", pick_one="dependents.fix_pick_one", recognize=fix_word),
        Do("add", add),
    ],
)
