"""The dialogue loop: one inbound message in, the answers out, under the person's lock."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache

from bot.engine.catalog import has, menu_title, t, variant_for
from bot.engine.context import Ctx, Deps, Unverified
from bot.engine.flow import Answer, Ask, Confirm, Flow
from bot.engine.fmt import mask_code
from bot.engine.followup import (
    CERTIFICATE_SERVICES,
    answer_about_step,
    asks_what_is,
    asks_why_refused,
    explain_refusal,
    follow_up_kind,
    forget_refusal,
    names_certificate,
    names_other_service,
    recent_refusal,
)
from bot.engine.linked import carry_over
from bot.engine.messages import Channel, Choice, Inbound, Outbound
from bot.engine.numbering import number_choices, typed_number
from bot.engine.relative import tell_own_data_only
from bot.engine.runner import RETRY_STEP, Outcome, advance, prompt
from bot.engine.session import FlowState
from bot.engine.several import THEN, other_service
from bot.engine.store import StoreUnavailable
from bot.engine.understand import INTENT_COMMANDS, command_of
from bot.engine.verify_code import answer_code, code_in

log = logging.getLogger("tamin.engine")

SMALL_TALK = {"greet": "engine.greeting", "goodbye": "engine.goodbye", "thanks": "engine.thanks",
              "still_there": "engine.still_there"}
IN_FLOW_SMALL_TALK = {"greet": "engine.greet_in_flow", "thanks": "engine.thanks_in_flow",
                      "still_there": "engine.still_there_in_flow"}
INFO = {
    "registration": "info.registration", "notifications": "info.notifications",
    "faq_documents": "info.faq_documents", "faq_cost": "info.faq_cost", "faq_why": "info.faq_why",
    **{k: f"nlu_info.{k}" for k in ("unemployment_insurance", "survivor_pension", "forgot_national_code")},
}
MAX_TEXT = 2000


class _Switch(Exception):
    """Mid-flow, the person asked for another service."""

    def __init__(self, flow: str) -> None:
        super().__init__(flow)
        self.flow = flow


class _Restart(Exception):
    """Mid-flow, a message that starts over: the same service asked afresh, or another person speaking."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class _Command(Exception):
    def __init__(self, command: str) -> None:
        super().__init__(command)
        self.command = command


@dataclass
class Turn:
    """One message on its way through the handlers: the context and what the person sent."""

    ctx: Ctx
    raw: str
    text: str
    choice: str | None


Handler = Callable[["Engine", Turn], Awaitable[bool]]  # True: handled, the turn is over
Next = Callable[[Inbound], Awaitable[Ctx]]
Middleware = Callable[[Inbound, Next], Awaitable[Ctx]]


class Engine:
    """Takes one inbound message and returns what to say, the same on every channel.

    A turn runs ``middleware`` (outermost first) around the locked turn, and inside it the
    ``HANDLERS`` in order until one says it handled the message, like aiogram's routers.
    """

    def __init__(self, deps: Deps, flows: dict[str, Flow], middleware: list[Middleware] | None = None) -> None:
        self.deps = deps
        self.flows = flows
        self.middleware: list[Middleware] = list(middleware if middleware is not None else DEFAULT_MIDDLEWARE)
        self._admitted = asyncio.Semaphore(max(1, int(getattr(deps.settings, "turns_in_flight", 32) or 32)))
        self._queue_seconds = float(getattr(deps.settings, "turn_queue_seconds", 20.0) or 20.0)

    # ---- the turn -------------------------------------------------------------------------

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """Answer one message; two messages of one person never run at the same time.

        At most ``turns_in_flight`` turns run at once in a process; the others wait their turn (a web request
        at most ``turn_queue_seconds``, then «busy»), so an overload queues people instead of failing the
        store calls of everyone at once.
        """
        if inbound.channel is Channel.WEB:
            try:
                async with asyncio.timeout(self._queue_seconds):
                    await self._admitted.acquire()
            except TimeoutError:
                log.warning("turn queue full for a web user")
                return [Outbound(t("engine.busy"))]
        else:
            await self._admitted.acquire()
        try:
            return await self._admitted_turn(inbound)
        finally:
            self._admitted.release()

    async def _admitted_turn(self, inbound: Inbound) -> list[Outbound]:
        call: Next = self._locked_turn
        for mw in reversed(self.middleware):
            call = _wrap(mw, call)
        try:
            ctx = await call(inbound)
        except StoreUnavailable:
            log.error("session store unavailable for %s", inbound.channel.value)
            return [Outbound(t("engine.unavailable"))]
        except TimeoutError:
            log.warning("lock busy for a %s user", inbound.channel.value)
            return [Outbound(t("engine.busy"))]
        return ctx.out

    async def _locked_turn(self, inbound: Inbound) -> Ctx:
        async with self.deps.store.lock(inbound.key):
            session = await self.deps.store.load(inbound.key)
            ctx = Ctx(self.deps, session, inbound)
            await self._turn(ctx)
            session.choices = [c.id for m in ctx.out for c in m.choices]
            if inbound.channel is Channel.SMS:
                number_choices(session, ctx.out)
            if self.deps.events is not None:
                await self.deps.events.saving(inbound, ctx.out, session.flow.name if session.flow else None)
            await self.deps.store.save(inbound.key, session)
        return ctx

    async def _turn(self, ctx: Ctx) -> None:
        raw = (ctx.inbound.text or "")[:MAX_TEXT]
        turn = Turn(ctx, raw, _normalize(raw), ctx.inbound.choice)
        if ctx.inbound.channel is Channel.SMS and not ctx.session.mobile:
            ctx.session.mobile = ctx.inbound.user
        for handler in HANDLERS:
            if await handler(self, turn):
                return

    # ---- the handlers, in the order they are asked -----------------------------------------

    async def stale_button(self, turn: Turn) -> bool:
        """A button the bot did not offer last (or made up): refuse it; its text, if any, goes on."""
        ctx, choice = turn.ctx, turn.choice
        if choice is None or choice in ctx.session.choices or choice.startswith(("svc:", "cmd:")):
            return False
        log.info("stale or unknown button %r", choice[:64])
        turn.choice = None
        if turn.text:
            return False
        ctx.say("engine.stale_button")
        self._reprompt(ctx)
        return True

    async def edited(self, turn: Turn) -> bool:
        """A messenger edit is the new answer while a question is open; otherwise a short reply."""
        ctx = turn.ctx
        if not ctx.inbound.edited:
            return False
        s = ctx.session
        if s.flow and s.flow.awaiting and s.flow.awaiting != RETRY_STEP and s.flow.name in self.flows:
            return False
        ctx.say("engine.edit_too_late", choices=self._menu_button(ctx) if not s.flow else [])
        if s.flow:
            self._reprompt(ctx)
        return True

    async def media(self, turn: Turn) -> bool:
        """A photo, sticker or voice message: say what can be read, and ask the open question again."""
        ctx = turn.ctx
        if not ctx.inbound.media:
            return False
        s = ctx.session
        if s.flow and s.flow.awaiting and s.flow.name in self.flows:
            ctx.say("engine.media_in_flow")
            self._reprompt(ctx)
        else:
            ctx.say("engine.media", choices=self._menu_button(ctx))
        return True

    async def typed_choice(self, turn: Turn) -> bool:
        """A typed number or button title picks that button (never handles the turn by itself)."""
        if turn.choice is None and turn.text and turn.ctx.session.choices:
            turn.choice = self._typed_choice(turn.ctx, turn.text)
        return False

    async def deep_link(self, turn: Turn) -> bool:
        """``/start <service>`` (a Telegram or Bale deep link, the web page's ``?start=``): open that service."""
        name = deep_link_service(turn.raw, self.flows)
        if name is None:
            return False
        await self._start(turn.ctx, name, text="")
        return True

    async def command(self, turn: Turn) -> bool:
        """«لغو», «منو», «راهنما», «کارشناس»… typed or pressed, anywhere."""
        command = command_of(turn.text, turn.choice)
        if not command:
            return False
        await self._command(turn.ctx, command)
        return True

    async def handoff(self, turn: Turn) -> bool:
        """A human holds the conversation: the message goes to them."""
        if not turn.ctx.session.handoff:
            return False
        if self.deps.events is not None:
            await self.deps.events.to_agent(turn.ctx.inbound)
        return True

    async def service_button(self, turn: Turn) -> bool:
        """A service button (from the menu or a notice, maybe with slots filled) starts that service."""
        if not turn.choice or not turn.choice.startswith("svc:"):
            return False
        name, prefill = _service_choice(turn.choice, self.flows)
        if name not in self.flows:
            return False
        await self._start(turn.ctx, name, text="", prefill=prefill)
        return True

    async def resume_button(self, turn: Turn) -> bool:
        """«Continue my unfinished request» or «no, thanks»."""
        s = turn.ctx.session
        if turn.choice == "resume" and s.suspended:
            await self._resume(turn.ctx)
            return True
        if turn.choice == "no_resume":
            s.suspended = None
            turn.ctx.say("engine.what_else", choices=self._menu(turn.ctx))
            return True
        return False

    async def in_flow(self, turn: Turn) -> bool:
        """Inside a service: the message answers its open question."""
        if not turn.ctx.session.flow:
            return False
        await self._continue(turn.ctx, Answer(turn.text, turn.raw, turn.choice, turn.ctx.inbound.contact))
        return True

    async def understand(self, turn: Turn) -> bool:
        """Outside a service: understand what the person wants (always answers)."""
        if (cert := code_in(turn.raw)) is not None:  # the raw text: normalizing folds «ZZZZ» to «z»
            await answer_code(turn.ctx, self.deps.api, cert, self._menu_button(turn.ctx))
            return True
        await self._understand(turn.ctx, turn.text)
        return True

    # ---- inside a flow ------------------------------------------------------------------

    async def _continue(self, ctx: Ctx, answer: Answer | None) -> None:
        ctx.session.flow.at = int(time.time())
        flow = self.flows.get(ctx.session.flow.name)
        if flow is None:  # a flow that no longer exists after an upgrade
            ctx.session.flow = None
            ctx.say("engine.what_else", choices=self._menu(ctx))
            return
        try:
            outcome = await advance(flow, ctx, answer, self._digress)
        except _Switch as switch:
            ctx.session.suspended = ctx.session.flow
            ctx.session.flow = None
            await self._start(ctx, switch.flow, text="")
            return
        except _Restart as restart:
            ctx.session.flow = None
            await self._understand(ctx, restart.text)
            return
        except _Command as cmd:
            await self._command(ctx, cmd.command)
            return
        except Unverified as exc:  # a flow read personal data before the proof: show nothing, end it
            log.error("flow %s read the %s of an unproven person", flow.name, exc)
            ctx.out.clear()
            ctx.session.flow = None
            ctx.say("engine.not_proven", choices=self._menu(ctx))
            return
        await self._after(ctx, flow, outcome)

    async def _after(self, ctx: Ctx, flow: Flow, outcome: Outcome) -> None:
        s = ctx.session
        if outcome is Outcome.WAITING:
            return
        events = self.deps.events
        if outcome is Outcome.LOOPED:
            if events is not None:
                await events.flow_ended(ctx.inbound, flow.name, "looped", None)
            s.flow = None
            ctx.say("engine.looped", choices=self._menu(ctx))
            return
        if outcome is Outcome.GAVE_UP:
            step = s.flow.awaiting if s.flow else None
            if events is not None:
                await events.flow_ended(ctx.inbound, flow.name, "gave_up", step)
            s.suspended, s.flow = s.flow, None
            ctx.say("engine.gave_up", choices=[
                ctx.choice("resume", "engine.try_again"), ctx.choice("cmd:operator", "common.operator"),
                ctx.choice("cmd:menu", "common.menu"),
            ])
            return
        if events is not None:
            await events.flow_ended(ctx.inbound, flow.name, "done", None)
        then = s.flow.slots.get(THEN) if s.flow else None
        s.flow = None
        if then in self.flows and then != flow.name:  # the other service asked with this one: offered now
            title = ctx.text(self.flows[then].title)
            ctx.say("engine.then_offer", title=title, choices=[
                Choice(f"svc:{then}", title), *([] if ctx.channel is Channel.SMS else self._menu_button(ctx))])
            return
        if s.suspended and not self._recent(s.suspended):
            s.suspended = None  # left too long ago: no «ادامه …؟» after this service
        offer = bool(s.suspended) and s.suspended.name in self.flows and ctx.channel is not Channel.SMS
        if not ctx.out:  # «نه ممنون» to the last offer: never a silent turn
            key = flow.closing if flow.closing and has(flow.closing) else "engine.closing"
            ctx.say(key, choices=[] if offer else self._menu(ctx))
            if not offer:
                return
        if offer:  # on SMS the result goes alone; the unfinished request waits as the menu's first option
            title = ctx.text(self.flows[s.suspended.name].title)
            ctx.say("engine.resume_offer", title=title, choices=[
                ctx.choice("resume", "engine.resume_yes"), ctx.choice("no_resume", "engine.resume_no"),
            ])
            return
        if ctx.channel is not Channel.SMS and ctx.out and not ctx.out[-1].choices:
            ctx.out[-1].choices.append(ctx.choice("cmd:menu", "common.menu"))

    async def _digress(self, ctx: Ctx, answer: Answer) -> bool:
        """A question in the middle of a flow: answer it and stay, or switch service."""
        if answer.text and self._other_person_in_flow(ctx, answer.text):
            return True
        if not answer.text or not re.search(r"[^\W\d_]", answer.text):
            return False
        parsed = await self.deps.nlu.parse(answer.text)
        flow = self.flows[ctx.session.flow.name]
        if parsed.confidence < self.deps.nlu.threshold:
            return False
        step = flow.plan[ctx.session.flow.step] if ctx.session.flow.step < len(flow.plan) else None
        if answer_about_step(ctx, step, parsed.intent, answer.text):
            return True
        if parsed.intent in INTENT_COMMANDS and parsed.confidence >= 0.7:
            raise _Command(INTENT_COMMANDS[parsed.intent])
        if parsed.intent in flow.faq:
            ctx.say(flow.faq[parsed.intent])
            return True
        if parsed.intent in INFO:
            ctx.say(INFO[parsed.intent])
            return True
        if parsed.intent in IN_FLOW_SMALL_TALK:  # «سلام» / «ممنون» at a question: answered, the question stands
            ctx.say(IN_FLOW_SMALL_TALK[parsed.intent])
            return True
        if parsed.intent == "goodbye":
            raise _Command("goodbye")
        if parsed.intent in self.flows and parsed.confidence >= 0.6:
            if parsed.intent == flow.name:  # «وضعیت مستمری» again at its own last question: start it afresh
                raise _Restart(answer.text)
            raise _Switch(parsed.intent)
        return False

    def _other_person_in_flow(self, ctx: Ctx, text: str) -> bool:
        """A national code that is not the verified one, where the open question takes none.

        On SMS the phone's owner stays verified, is told this phone is not the other person's, and the
        question stands; elsewhere the conversation starts over for the person now speaking.
        """
        ident = ctx.session.verified()
        if ident is None or not self._someone_else(ctx, text):
            if ident is not None and ctx.session.verified() is None:
                raise _Restart(text)
            return False
        return True

    async def _start(self, ctx: Ctx, name: str, text: str, prefill: dict[str, str] | None = None,
                     entities: list[dict] | None = None) -> None:
        s = ctx.session
        if s.flow and s.flow.name != name:
            s.suspended = s.flow
        elif s.suspended and s.suspended.name == name:
            s.suspended = None  # started afresh: no offer to resume its unfinished copy afterwards
        s.flow = FlowState(name, slots=dict(prefill or {}))
        s.misunderstood = 0
        forget_refusal(ctx)
        self._prefill(ctx, text)
        self._take_entities(ctx, self.flows[name], entities or [])
        tell_own_data_only(ctx, name, self.flows[name].identity, text)
        if self.deps.events is not None:
            await self.deps.events.flow_started(ctx.inbound, name)
        await self._continue(ctx, None)

    def _prefill(self, ctx: Ctx, text: str) -> None:
        """Keep a valid national code given with the request itself («مستمری ۰۰۱۶۳۸۳۲۳۰»)."""
        if not text or ctx.session.verified():
            return
        from bot.nlu.extract import national_code

        code = national_code(text)
        if code:
            ctx.state.slots["national_code"] = code

    def _take_entities(self, ctx: Ctx, flow: Flow, entities: list[dict]) -> None:
        """What the request itself named (a workshop code, a contract number) fills the slots the flow takes."""
        for entity in entities:
            slot = flow.entities.get(str(entity.get("entity", "")))
            value = str(entity.get("value", ""))
            if slot and slot not in ctx.state.slots and _SAFE_VALUE.fullmatch(value):
                ctx.state.slots[slot] = value

    def _recent(self, state: FlowState) -> bool:
        """Whether a suspended request was last answered within the resume window."""
        window = getattr(self.deps.settings, "resume_window_minutes", 30) * 60
        return bool(state.at) and time.time() - state.at <= window

    async def _resume(self, ctx: Ctx) -> None:
        s = ctx.session
        s.flow, s.suspended = s.suspended, None
        s.flow.tries = 0
        flow = self.flows[s.flow.name]
        if s.flow.awaiting and s.flow.awaiting != "__retry__":
            step = flow.plan[s.flow.step]
            if isinstance(step, (Ask, Confirm)):
                ctx.say("engine.resumed", title=ctx.text(flow.title))
                prompt(ctx, step)
                return
        await self._continue(ctx, None)

    def _reprompt(self, ctx: Ctx) -> None:
        s = ctx.session
        if not s.flow or not s.flow.awaiting:
            ctx.say("engine.what_else", choices=self._menu(ctx))
            return
        flow = self.flows.get(s.flow.name)
        step = flow.plan[s.flow.step] if flow else None
        if isinstance(step, (Ask, Confirm)):
            prompt(ctx, step)

    # ---- outside a flow ------------------------------------------------------------------

    async def _understand(self, ctx: Ctx, text: str) -> None:
        s = ctx.session
        if not text:
            if ctx.inbound.contact is not None:
                ctx.say("engine.contact_outside_flow", choices=self._menu(ctx))
            else:
                ctx.say("engine.what_else", choices=self._menu(ctx))
            return
        if self._someone_else(ctx, text):
            return
        parsed = await self.deps.nlu.parse(text)
        intent = parsed.intent if parsed.confidence >= self.deps.nlu.threshold else "out_of_scope"
        if self._follow_up(ctx, text, intent):
            return
        if intent in self.flows:
            if asks_what_is(text) and has(f"about.{intent}"):  # «افراد تبعی یعنی چی؟»: said, then the service
                ctx.say(f"about.{intent}")
            then = await other_service(self.deps.nlu, text, intent, self.flows)
            if then is not None and ctx.channel is not Channel.SMS:
                ctx.say("engine.two_services", first=ctx.text(self.flows[intent].title),
                        then=ctx.text(self.flows[then].title))
            await self._start(ctx, intent, text, prefill={THEN: then} if then else None, entities=parsed.entities)
            return
        if intent in INTENT_COMMANDS:
            await self._command(ctx, INTENT_COMMANDS[intent])
            return
        if intent == "affirm" and s.suspended and self._recent(s.suspended):
            await self._resume(ctx)
            return
        s.misunderstood = 0 if intent != "out_of_scope" else s.misunderstood
        if intent == "greet":
            ctx.say("engine.greeting", choices=self._resume_choice(ctx) + self._menu(ctx))
            return
        if intent in SMALL_TALK:
            ctx.say(SMALL_TALK[intent],
                    choices=[ctx.choice("cmd:menu", "common.menu")] if ctx.channel is not Channel.SMS else [])
            return
        if intent in INFO:
            ctx.say(INFO[intent], choices=[ctx.choice("cmd:menu", "common.menu")] if ctx.channel is not Channel.SMS else [])
            return
        if intent in ("affirm", "deny"):
            ctx.say("engine.what_else", choices=self._menu(ctx))
            return
        await self._fallback(ctx, parsed)

    def _someone_else(self, ctx: Ctx, text: str) -> bool:
        """A national code that is not the verified one: never answer with the verified person's data.

        On SMS the phone is the proof, so the other person is told this phone is not theirs and how to
        reach their own; on the other doors the identity is dropped and the new code must be proven.
        """
        from bot.nlu.extract import national_code

        ident = ctx.session.verified()
        code = national_code(text) if ident else None
        if not code or code == ident.national_code:
            return False
        log.info("a second national code on a verified %s conversation", ctx.channel.value)
        ctx.session.identity = None
        ctx.session.otp = None
        if ctx.channel is not Channel.SMS:
            return False
        ctx.session.identity = ident  # the phone's owner stays verified on their own phone
        ctx.say("identity.other_person_sms", code=mask_code(code), choices=self._menu_button(ctx))
        return True

    def _follow_up(self, ctx: Ctx, text: str, intent: str) -> bool:
        """«چرا؟» / «ولی من …» after a refusal: explain it with the person's figures, or the next step."""
        kind = follow_up_kind(text, intent) or ("why" if asks_why_refused(text) else None)
        if kind is None:
            return False
        refusal = recent_refusal(ctx)
        if refusal is None:
            if intent in self.flows:
                return False
            if names_certificate(text):  # no refusal said here: ask which certificate, never «it was in that message»
                services = [n for n in CERTIFICATE_SERVICES if n in self.flows]
                ctx.say("engine.why_which_certificate", choices=[
                    *[Choice(f"svc:{n}", ctx.text(self.flows[n].title)) for n in services], *self._menu_button(ctx)])
                return True
            ctx.say("engine.why_about_what", choices=self._menu(ctx))
            return True
        if names_other_service(text, kind, intent, refusal["f"], self.flows):
            return False  # «چرا گواهی ماده ۳۸ رد شد؟» names another service; «ولی من …» objects to this one
        explain_refusal(ctx, refusal, kind)
        return True

    async def _fallback(self, ctx: Ctx, parsed) -> None:
        """Not understood: ask between the two likeliest services, then offer a human."""
        s = ctx.session
        s.misunderstood += 1
        if s.misunderstood >= 2:
            s.misunderstood = 0
            await self._handoff(ctx, "failed_twice")
            return
        likely = [name for name, conf in parsed.ranking if name in self.flows and conf >= 0.08][:2]
        if len(likely) == 2:
            ctx.say("engine.clarify", choices=[
                *[Choice(f"svc:{n}", ctx.text(self.flows[n].title)) for n in likely],
                ctx.choice("cmd:menu", "common.menu"),
            ], a=ctx.text(self.flows[likely[0]].title), b=ctx.text(self.flows[likely[1]].title))
            return
        ctx.say("engine.not_understood", choices=self._menu(ctx))

    async def _command(self, ctx: Ctx, command: str) -> None:
        await COMMANDS[command](self, ctx, command)

    async def cancel(self, ctx: Ctx, command: str) -> None:
        """Drop the service in progress, the one suspended and a handoff; on SMS with nothing, stop notices."""
        s = ctx.session
        had = s.flow or s.suspended or s.handoff
        if s.flow and self.deps.events is not None:
            await self.deps.events.flow_ended(ctx.inbound, s.flow.name, "cancelled", s.flow.awaiting)
        s.flow = s.suspended = None
        s.handoff = False
        ctx.session.otp = None
        if not had and ctx.channel is Channel.SMS and self.deps.events is not None:
            key = await self.deps.events.opt_out(ctx.inbound)  # «لغو» to a notice: no more notices
            if key:
                ctx.say(key)
                return
        ctx.say("engine.cancelled" if had else "engine.nothing_to_cancel", choices=self._menu_button(ctx))

    async def menu(self, ctx: Ctx, command: str) -> None:
        """The menu (or the greeting for «start»); a service in progress is kept to resume."""
        s = ctx.session
        if s.flow:
            s.suspended = s.flow
            s.flow = None
        s.handoff = False
        ctx.say("engine.greeting" if command == "start" else "engine.menu",
                choices=self._resume_choice(ctx) + self._menu(ctx))

    async def help(self, ctx: Ctx, command: str) -> None:
        """What the bot can do."""
        ctx.say("engine.help", choices=self._menu_button(ctx))

    async def goodbye(self, ctx: Ctx, command: str) -> None:
        """«خداحافظ» in the middle of a service: it is kept to resume, and the person is seen off."""
        s = ctx.session
        if s.flow:
            s.suspended, s.flow = s.flow, None
        ctx.say("engine.goodbye_in_flow" if s.suspended else "engine.goodbye")

    async def operator(self, ctx: Ctx, command: str) -> None:
        """A human agent, please."""
        await self._handoff(ctx, "asked")

    async def notify_off(self, ctx: Ctx, command: str) -> None:
        """No more notices."""
        key = await self.deps.events.opt_out(ctx.inbound) if self.deps.events is not None else None
        ctx.say(key or "engine.no_notices", choices=self._menu_button(ctx))

    async def _handoff(self, ctx: Ctx, reason: str) -> None:
        s = ctx.session
        if s.flow:
            s.suspended, s.flow = s.flow, None
        if self.deps.events is not None:
            await self.deps.events.handoff(ctx.inbound, reason)
        ctx.say("engine.handoff_failed_twice" if reason == "failed_twice" else "engine.handoff",
                choices=[ctx.choice("cmd:menu", "engine.back_to_bot")])

    # ---- buttons ---------------------------------------------------------------------------

    def _menu(self, ctx: Ctx) -> list[Choice]:
        return [Choice(f"svc:{name}", _menu_title(ctx, flow)) for name, flow in self.flows.items()]

    def _resume_choice(self, ctx: Ctx) -> list[Choice]:
        """A first button that takes a returning person back to their unfinished request."""
        pending = ctx.session.suspended
        if pending is None or pending.name not in self.flows or not self._recent(pending):
            return []
        return [ctx.choice("resume", "engine.resume_button", title=ctx.text(self.flows[pending.name].title))]

    def _menu_button(self, ctx: Ctx) -> list[Choice]:
        return [ctx.choice("cmd:menu", "common.menu")]

    def _titles(self, ctx: Ctx, ids: list[str]) -> dict[str, str]:
        """Titles of the buttons last offered, rebuilt from where they came from."""
        titles: dict[str, str] = {}
        step_choices: dict[str, str] = {}
        s = ctx.session
        if s.flow and s.flow.awaiting and s.flow.name in self.flows:
            flow = self.flows[s.flow.name]
            step = flow.plan[s.flow.step] if s.flow.step < len(flow.plan) else None
            if isinstance(step, Ask) and step.choices:
                try:
                    step_choices = {c.id: c.title for c in step.choices(ctx)}
                except Exception:
                    step_choices = {}
        for cid in ids:
            name = _service_choice(cid)[0] if cid.startswith("svc:") else None
            if name in self.flows:
                titles[cid] = _menu_title(ctx, self.flows[name])
            elif cid in step_choices:
                titles[cid] = step_choices[cid]
        return titles

    def _typed_choice(self, ctx: Ctx, text: str) -> str | None:
        """A typed number or title that picks one of the buttons last offered."""
        ids = ctx.session.choices
        digits = text.strip(" .-)")
        if digits.isascii() and digits.isdigit() and len(digits) <= 2:
            n = int(digits)
            if ctx.channel is Channel.SMS:  # the number shown on SMS, the same all through the service
                return typed_number(ctx.session, n)
            if 1 <= n <= len(ids):
                return ids[n - 1]
            return None
        if len(text) > 80:
            return None
        for cid, title in self._titles(ctx, ids).items():
            if _normalized_title(title) == text:
                return cid
        return None


_SAFE_VALUE = re.compile(r"[\w-]{1,32}")


def _menu_title(ctx: Ctx, flow: Flow) -> str:
    """A service's line in the menu (on SMS its shortest title)."""
    return menu_title(flow.title, variant_for(ctx.channel.value))


def service_choice_id(flow: str, **prefill: str) -> str:
    """A button that opens ``flow`` with slots already filled: ``svc:article38|contract=1404-3817``.

    Only the slots the flow declares in ``Flow.prefill`` are taken when the button comes back.
    """
    extra = "|".join(f"{k}={v}" for k, v in prefill.items() if _SAFE_VALUE.fullmatch(k) and _SAFE_VALUE.fullmatch(v))
    cid = f"svc:{flow}" + (f"|{extra}" if extra else "")
    return cid[:64]


_DEEP_LINK = re.compile(r"/start(?:@\w+)?\s+([\w-]{1,64})")


def deep_link_service(raw: str, flows: dict[str, Flow]) -> str | None:
    """The service a ``/start <service>`` message opens (its flow name, any case), or None."""
    found = _DEEP_LINK.fullmatch((raw or "").strip())
    if not found:
        return None
    name = found.group(1).lower().replace("-", "_")
    return name if name in flows else None


def _service_choice(choice: str, flows: dict[str, Flow] | None = None) -> tuple[str, dict[str, str]]:
    """The flow and prefilled slots of a service button; only slots the flow declares, with safe values."""
    name, *parts = choice[4:].split("|")
    flow = (flows or {}).get(name)
    allowed = set(flow.prefill) if flow is not None else set()
    prefill = {}
    for part in parts:
        key, _, value = part.partition("=")
        if key in allowed and _SAFE_VALUE.fullmatch(value):
            prefill[key] = value
    return name, prefill


@lru_cache(maxsize=4096)
def _normalized_title(title: str) -> str:
    return _normalize(title)


def _normalize(text: str) -> str:
    from bot.nlu.normalize import normalize

    return normalize(text)


HANDLERS: list[Handler] = [
    Engine.stale_button, Engine.edited, Engine.media, Engine.typed_choice, Engine.deep_link, Engine.command, Engine.handoff, carry_over,
    Engine.service_button,
    Engine.resume_button, Engine.in_flow, Engine.understand,
]
COMMANDS: dict[str, Callable[[Engine, Ctx, str], Awaitable[None]]] = {
    "cancel": Engine.cancel, "menu": Engine.menu, "start": Engine.menu, "help": Engine.help,
    "operator": Engine.operator, "notify_off": Engine.notify_off, "goodbye": Engine.goodbye,
}


def _wrap(mw: Middleware, call: Next) -> Next:
    async def wrapped(inbound: Inbound) -> Ctx:
        return await mw(inbound, call)

    return wrapped


async def timing(inbound: Inbound, call: Next) -> Ctx:
    """Measure the turn (lock and session included) for the hooks."""
    started = time.perf_counter()
    ctx = await call(inbound)
    if ctx.deps.events is not None:
        await ctx.deps.events.timed(inbound, time.perf_counter() - started)
    return ctx


async def transcript(inbound: Inbound, call: Next) -> Ctx:
    """Hand the turn (what came in, what went out, the service) to the hooks: transcripts, metrics."""
    ctx = await call(inbound)
    if ctx.deps.events is not None:
        s = ctx.session
        await ctx.deps.events.turn(inbound, ctx.out, s.flow.name if s.flow else None)
    return ctx


DEFAULT_MIDDLEWARE: list[Middleware] = [timing, transcript]
