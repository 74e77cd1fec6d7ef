"""Runs a flow's steps for one turn: ask, take the answer, act, answer, until it must wait."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from enum import Enum

from bot.engine.catalog import has
from bot.engine.context import Ctx
from bot.engine.correction import correct_earlier
from bot.engine.failures import ServiceFailure, own
from bot.engine.flow import Answer, Ask, Confirm, Do, Flow, Goto, Invalid, Say, Stop
from bot.engine.fmt import humanize
from bot.engine.messages import Choice

log = logging.getLogger("tamin.runner")

RETRY_STEP = "__retry__"  # awaiting a «try again» after the back-end failed


class Outcome(Enum):
    """How a turn left the flow."""

    WAITING = "waiting"  # a question is open
    DONE = "done"  # the flow finished
    GAVE_UP = "gave_up"  # too many wrong answers to one question
    LOOPED = "looped"  # the step budget of one turn ran out (a Goto loop): the flow is stopped


STEP_BUDGET = 200  # steps one turn may run; a real flow needs a few dozen at most


Digress = Callable[[Ctx, Answer], Awaitable[bool]]


def yes_no_choices(ctx: Ctx) -> list[Choice]:
    """«Yes, confirm» and «no, correct it» buttons."""
    return [ctx.choice("yes", "common.yes_confirm"), ctx.choice("no", "common.no_change")]


_ASKING = re.compile(r"(?:^|\s)(?:چرا|چه|چقدر|چطور|چگونه|کجا|کی)(?:\s|$|[?؟])")


def looks_like_question(text: str) -> bool:
    """A question typed where a yes or no was expected («چرا باید پرداخت کنم؟» is not a «yes»)."""
    text = text or ""
    if _ASKING.search(text):
        return True
    return bool(re.search(r"[?؟]", text)) and len(re.findall(r"[^\W\d_]+", text)) > 1


def _confirm_value(answer: Answer) -> bool:
    from bot.nlu.extract import yes_no

    if answer.choice in ("yes", "no"):
        return answer.choice == "yes"
    if looks_like_question(answer.text):
        raise Invalid("common.answer_yes_no")
    value = yes_no(answer.text)
    if value is None:
        raise Invalid("common.answer_yes_no")
    return value


def prompt(ctx: Ctx, step: Ask | Confirm, again: bool = False) -> None:
    """Ask ``step``'s question; asked again, its shorter ``<prompt>_again`` form when the catalog has one."""
    if isinstance(step, Confirm):
        fields = step.fields(ctx) if step.fields else {}
        ctx.say(step.summary, choices=yes_no_choices(ctx), **fields)
        return
    fields = step.fields(ctx) if step.fields else {}
    choices = step.choices(ctx) if step.choices else []
    contact = step.contact and ctx.channel.value in ("telegram", "bale")
    key = f"{step.prompt}_again" if again and has(f"{step.prompt}_again") else step.prompt
    msg = ctx.say(key, choices=choices, request_contact=contact, **fields)
    msg.input = step.input  # digits or a one-time code: the web page opens the number keyboard


def _error_key(exc: ServiceFailure) -> str:
    if exc.key and has(exc.key):
        return exc.key
    return f"backend.error.{exc.kind}" if has(f"backend.error.{exc.kind}") else "common.backend_failed"


def _failure(ctx: Ctx, exc: Exception) -> ServiceFailure | None:
    translate = getattr(ctx.deps, "failures", None) or own
    return translate(exc)


async def advance(flow: Flow, ctx: Ctx, answer: Answer | None, digress: Digress | None = None) -> Outcome:
    """Move the flow on as far as it can go with ``answer``; say what is needed on the way."""
    st = ctx.state
    ctx.flow = flow
    if st.awaiting == RETRY_STEP:
        st.awaiting = None
        answer = None
    budget = STEP_BUDGET
    while st.step < len(flow.plan):
        budget -= 1
        if budget < 0:
            log.error("step budget spent in %s at step %s: a Goto loop", flow.name, flow.plan[st.step].name)
            return Outcome.LOOPED
        step = flow.plan[st.step]
        if isinstance(step, (Ask, Confirm)):
            if st.awaiting == step.name and answer is not None:
                fixed = correct_earlier(flow, ctx, answer, step) if isinstance(step, Ask) else None
                if fixed is not None:  # «نه، تاریخ شروع … بود»: the earlier answer it names, never a failed try
                    ctx.say("engine.corrected")
                    st.step, st.awaiting, answer = fixed + 1, None, None
                    continue
                try:
                    if isinstance(step, Confirm):
                        value = _confirm_value(answer)
                    else:
                        value = step.parse(ctx, answer) if step.parse else answer.text
                except Invalid as bad:
                    fixed = correct_earlier(flow, ctx, answer) if isinstance(step, Ask) else None
                    if fixed is not None:  # «نه، … بود»: back to the answer it corrects, never a failed try
                        ctx.say("engine.corrected")
                        st.step, st.awaiting, answer = fixed + 1, None, None
                        continue
                    if digress is not None and not getattr(step, "free_text", False) and await digress(ctx, answer):
                        prompt(ctx, step)
                        return Outcome.WAITING
                    st.tries += 1
                    if st.tries >= step.retries:
                        ctx.say(bad.key, **bad.fields)
                        return Outcome.GAVE_UP
                    ctx.say(bad.key, **bad.fields)
                    prompt(ctx, step, again=True)
                    return Outcome.WAITING
                except Stop as stop:
                    _stopped(flow, ctx, stop)
                    return Outcome.DONE
                except Goto as jump:
                    _jump(flow, ctx, jump)
                    answer = None
                    continue
                answer = None
                st.awaiting, st.tries = None, 0
                if isinstance(step, Confirm):
                    if not value:
                        if step.redo is None:
                            ctx.say("common.cancelled_flow")
                            return Outcome.DONE
                        for slot in step.forget:
                            st.slots.pop(slot, None)
                        st.step = flow.index(step.redo)
                        continue
                    st.slots[step.name] = True
                else:
                    st.slots[step.name] = value
                st.step += 1
                continue
            if step.when is not None and not step.when(ctx):
                st.step += 1
                continue
            if isinstance(step, Ask) and step.keep and step.name in st.slots:
                st.step += 1
                continue
            prompt(ctx, step)
            st.awaiting, st.tries = step.name, 0
            return Outcome.WAITING
        if step.when is not None and not step.when(ctx):
            st.step += 1
            continue
        if isinstance(step, Do):
            try:
                await step.action(ctx)
            except Stop as stop:
                _stopped(flow, ctx, stop)
                return Outcome.DONE
            except Goto as jump:
                _jump(flow, ctx, jump)
                continue
            except Exception as exc:
                failure = _failure(ctx, exc)
                if failure is None:
                    raise
                if not failure.retry:
                    ctx.say(_error_key(failure), **humanize(failure.details or {}))
                    return Outcome.DONE
                log.warning("back-end %s in %s/%s: %s", failure.kind, flow.name, step.name, failure.reason)
                key = _error_key(failure)
                msg = ctx.say(key, choices=[ctx.choice("retry", "common.retry"), ctx.choice("cmd:menu", "common.menu")])
                if key != "common.backend_failed":
                    msg.text += "\n" + ctx.text("common.kept_retry")
                st.awaiting = RETRY_STEP
                return Outcome.WAITING
        elif isinstance(step, Say):
            fields = step.fields(ctx) if step.fields else {}
            ctx.say(step.key, choices=step.choices(ctx) if step.choices else None, **fields)
        st.step += 1
    return Outcome.DONE


def _stopped(flow: Flow, ctx: Ctx, stop: Stop) -> None:
    """Say the flow's last word; a refusal stays in the conversation for «چرا؟»."""
    if not stop.key:
        return
    ctx.say(stop.key, choices=stop.choices, **stop.fields)  # a refusal stays for «چرا؟» (``Ctx.say``)


def _jump(flow: Flow, ctx: Ctx, jump: Goto) -> None:
    st = ctx.state
    if jump.key:
        ctx.say(jump.key, **jump.fields)
    for slot in jump.forget:
        st.slots.pop(slot, None)
    st.step = flow.index(jump.step)
    st.awaiting, st.tries = None, 0
