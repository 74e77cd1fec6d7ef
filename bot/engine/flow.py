"""The flow model: a service is a short list of declarative steps.

A flow reads like the poster that describes it::

    Flow("pension_status", steps=[
        Do("load", load_pension),
        Say("status", "pension.status", fields=status_fields),
        Ask("want_certificate", "pension.offer_certificate", parse=yes_no, choices=yes_no_choices),
        Do("certificate", issue_certificate, when=lambda c: c.slots["want_certificate"]),
    ])

``Ask`` collects a slot (prompt, parser that validates, re-prompt limit), ``Confirm`` shows a
summary before a write, ``Do`` calls the back-end, ``Say`` answers. Any step may carry a
``when`` condition; a ``Do`` may jump with ``Goto`` or end the flow with ``Stop``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.engine.messages import Choice, Contact

if TYPE_CHECKING:
    from bot.engine.context import Ctx

Condition = Callable[["Ctx"], bool]
Fields = Callable[["Ctx"], dict[str, Any]]
Choices = Callable[["Ctx"], list[Choice]]
StepAnswer = str | Callable[["Ctx"], tuple[str, dict[str, Any]]]  # a catalog key, or one chosen with fields
HELP_INTENTS = ("step_what", "help")  # the questions a step's ``help`` answers


@dataclass(frozen=True, slots=True)
class Answer:
    """What the person gave to a question: normalized text, a pressed button, or a contact."""

    text: str = ""
    raw: str = ""
    choice: str | None = None
    contact: Contact | None = None


class Invalid(Exception):
    """The answer does not fit: say ``key`` (with ``fields``) and ask again."""

    def __init__(self, key: str, **fields: Any) -> None:
        super().__init__(key)
        self.key = key
        self.fields = fields


class Stop(Exception):
    """End the flow here, optionally saying ``key`` first."""

    def __init__(self, key: str | None = None, choices: list[Choice] | None = None, **fields: Any) -> None:
        super().__init__(key or "stop")
        self.key = key
        self.choices = choices or []
        self.fields = fields


class Goto(Exception):
    """Jump to the step called ``step``, optionally saying ``key`` first and forgetting ``forget`` slots."""

    def __init__(self, step: str, key: str | None = None, forget: tuple[str, ...] = (), **fields: Any) -> None:
        super().__init__(step)
        self.step = step
        self.key = key
        self.forget = forget
        self.fields = fields


@dataclass(slots=True)
class Step:
    """A step of a flow; skipped when ``when`` says no."""

    name: str
    when: Condition | None = None

    def expand(self) -> list[Step]:
        """The steps the engine runs for this one (most steps are just themselves)."""
        return [self]


@dataclass(slots=True)
class Ask(Step):
    """Ask a question and keep the parsed answer in the slot of the same name."""

    prompt: str = ""
    parse: Callable[[Ctx, Answer], Any] | None = None
    choices: Choices | None = None
    fields: Fields | None = None
    retries: int = 3
    contact: bool = False  # offer the messenger's «share my number» button
    keep: bool = True  # skip the question when the slot is already filled
    free_text: bool = False  # any text is an answer: never read it as a digression
    help: str = ""  # what this question is, where to find the answer, an example (catalog key)
    answers: dict[str, StepAnswer] = field(default_factory=dict)  # NLU intent → its answer at this step
    help_fields: Fields | None = None  # fields of ``help`` and ``answers`` (``fields`` when not given)
    input: str = ""  # how the answer is typed: "digits", "otp" (a one-time code) or free text (the web keyboard)

    def __init__(
        self,
        name: str,
        prompt: str,
        *,
        parse: Callable[[Ctx, Answer], Any] | None = None,
        choices: Choices | None = None,
        fields: Fields | None = None,
        when: Condition | None = None,
        retries: int = 3,
        contact: bool = False,
        keep: bool = True,
        free_text: bool = False,
        help: str = "",
        answers: dict[str, StepAnswer] | None = None,
        help_fields: Fields | None = None,
        input: str = "",
    ) -> None:
        self.name, self.when, self.prompt, self.parse = name, when, prompt, parse
        self.input = input
        self.choices, self.fields, self.retries = choices, fields, retries
        self.contact, self.keep, self.free_text = contact, keep, free_text
        self.help, self.answers, self.help_fields = help, dict(answers or {}), help_fields

    def answer_to(self, ctx: Ctx, intent: str) -> tuple[str, dict[str, Any]] | None:
        """The catalog key and fields that answer a question about this step, or None."""
        found: StepAnswer | None = self.answers.get(intent)
        if found is None and self.help and intent in HELP_INTENTS:
            found = self.help
        if found is None:
            return None
        fields = (self.help_fields or self.fields or (lambda c: {}))(ctx)
        if callable(found):
            key, extra = found(ctx)
            return key, {**fields, **extra}
        return found, fields


@dataclass(slots=True)
class Pick(Ask):
    """«Which of your records?»: the person's own records as buttons, «yes» to the only one, or typed.

    ``records(ctx)`` lists the records (dicts) and ``id_key`` names the field kept in the slot.
    The question is ``prompt`` with ``{question}`` filled by ``one`` / ``many`` / ``none`` (by how
    many records there are, ``one`` with the record's ``label`` fields); buttons are ``button_one``
    or ``button`` with those fields. ``typed(ctx, text, records)`` reads a typed answer (the value,
    or ``Invalid``).
    """

    records: Callable[[Ctx], list[dict]] | None = None
    id_key: str = ""
    prefix: str = "opt:"
    one: str = ""
    many: str = ""
    none: str = ""
    button_one: str = ""
    button: str = ""
    label: Callable[[dict], dict[str, Any]] | None = None
    typed: Callable[[Ctx, str, list[dict]], str] | None = None
    max_buttons: int = 6

    def __init__(
        self, name: str, prompt: str, *, records: Callable[[Ctx], list[dict]], id_key: str,
        one: str, many: str, none: str, button_one: str, button: str, label: Callable[[dict], dict[str, Any]],
        typed: Callable[[Ctx, str, list[dict]], str], prefix: str = "opt:", max_buttons: int = 6, retries: int = 4,
        when: Condition | None = None,
    ) -> None:
        Ask.__init__(self, name, prompt, parse=self._parse, choices=self._choices, fields=self._fields,
                     retries=retries, when=when)
        self.records, self.id_key, self.prefix = records, id_key, prefix
        self.one, self.many, self.none, self.button_one, self.button = one, many, none, button_one, button
        self.label, self.typed, self.max_buttons = label, typed, max_buttons

    def _fields(self, ctx: Ctx) -> dict[str, Any]:
        own = self.records(ctx)
        if len(own) == 1:
            return {"question": ctx.text(self.one, **self.label(own[0]))}
        return {"question": ctx.text(self.many if own else self.none)}

    def _choices(self, ctx: Ctx) -> list[Choice]:
        own = self.records(ctx)
        key = self.button_one if len(own) == 1 else self.button
        return [ctx.choice(f"{self.prefix}{r[self.id_key]}", key, **self.label(r)) for r in own[:self.max_buttons]]

    def _parse(self, ctx: Ctx, answer: Answer) -> str:
        from bot.nlu.extract import yes_no

        own = self.records(ctx)
        if answer.choice and answer.choice.startswith(self.prefix):
            return answer.choice[len(self.prefix):]
        text = answer.text or ""
        if len(own) == 1 and (answer.choice == "yes" or yes_no(text) is True):
            return own[0][self.id_key]
        return self.typed(ctx, text, own)


@dataclass(slots=True)
class Confirm(Step):
    """Show a summary and ask «is this right?»; «no» goes back to ``redo`` (or ends the flow)."""

    summary: str = ""
    fields: Fields | None = None
    redo: str | None = None
    forget: tuple[str, ...] = ()
    retries: int = 3

    def __init__(
        self,
        name: str,
        summary: str,
        *,
        fields: Fields | None = None,
        redo: str | None = None,
        forget: tuple[str, ...] = (),
        when: Condition | None = None,
        retries: int = 3,
    ) -> None:
        self.name, self.when, self.summary, self.fields = name, when, summary, fields
        self.redo, self.forget, self.retries = redo, forget, retries


@dataclass(slots=True)
class Do(Step):
    """Run an action: call the back-end, keep results in slots, say something.

    ``proof="code"`` (a payout) or ``"signature"`` (an agreement) makes the engine ask a one-time
    code to the verified mobile first; see bot.engine.consent.
    """

    action: Callable[[Ctx], Awaitable[None]] | None = None
    proof: str | None = None
    proof_texts: str = "engine.proof"

    def __init__(self, name: str, action: Callable[[Ctx], Awaitable[None]], *, when: Condition | None = None,
                 proof: str | None = None, proof_texts: str = "engine.proof") -> None:
        self.name, self.action, self.when, self.proof, self.proof_texts = name, action, when, proof, proof_texts

    def expand(self) -> list[Step]:
        """A write with a proof gets the one-time-code steps before it."""
        if not self.proof:
            return [self]
        from bot.engine.consent import code_steps

        return [*code_steps(self), self]


@dataclass(slots=True)
class Say(Step):
    """Say a catalog text, with fields and buttons."""

    key: str = ""
    fields: Fields | None = None
    choices: Choices | None = None

    def __init__(
        self, name: str, key: str, *, fields: Fields | None = None, choices: Choices | None = None,
        when: Condition | None = None,
    ) -> None:
        self.name, self.key, self.fields, self.choices, self.when = name, key, fields, choices, when


@dataclass(slots=True)
class Review(Step):
    """A summary before a write: «yes» goes on; «no» offers one button per answer to correct.

    ``items`` maps each slot that may be corrected to its button's catalog key; the person's pick
    goes back to that question alone (the other answers are kept), then to this summary again.
    ``cancel`` is the key of the «give up» button; ``ask`` asks which answer to correct and
    ``pick_one`` says a typed answer fitted none; ``recognize`` reads a typed pick («شبا»).
    """

    summary: str = ""
    fields: Fields | None = None
    items: dict[str, str] = field(default_factory=dict)
    ask: str = ""
    cancel: str = ""
    pick_one: str = ""
    recognize: Callable[[str], str | None] | None = None

    def __init__(
        self, name: str, summary: str, *, items: dict[str, str], ask: str, cancel: str, pick_one: str,
        fields: Fields | None = None, recognize: Callable[[str], str | None] | None = None,
        when: Condition | None = None,
    ) -> None:
        self.name, self.when, self.summary, self.fields = name, when, summary, fields
        self.items, self.ask, self.cancel, self.pick_one, self.recognize = items, ask, cancel, pick_one, recognize

    def expand(self) -> list[Step]:
        """Confirm the summary, ask which answer to correct, go back to it."""
        name, fix = self.name, f"{self.name}:fix"

        def unconfirmed(ctx: Ctx) -> bool:
            return not ctx.slots.get(name)

        def choices(ctx: Ctx) -> list[Choice]:
            return [ctx.choice(f"fix:{slot}", key) for slot, key in self.items.items()] + \
                [ctx.choice("fix:cancel", self.cancel)]

        def parse(ctx: Ctx, answer: Answer) -> str:
            if answer.choice and answer.choice.startswith("fix:"):
                return answer.choice[4:]
            found = self.recognize(answer.text) if self.recognize else None
            if found in self.items or found == "cancel":
                return found
            raise Invalid(self.pick_one)

        async def go(ctx: Ctx) -> None:
            slot = ctx.slots.pop(fix, None)
            if slot not in self.items:
                raise Stop("common.cancelled_flow")
            raise Goto(slot, forget=(slot, name))

        first = Confirm(name, self.summary, fields=self.fields, redo=fix, when=self.when)
        return [first, Ask(fix, self.ask, parse=parse, choices=choices, keep=False, when=unconfirmed),
                Do(f"{name}:go", go, when=unconfirmed)]


Proof = Callable[[], list[Step]]
PROOFS: dict[str, Proof] = {}  # name → the steps that prove it (``person`` lives in bot.engine.identity)


def define_proof(name: str, steps: Proof) -> None:
    """Name a proof a flow may declare as its ``identity`` (``person``, ``workshop``...)."""
    PROOFS[name] = steps


def proof_steps(name: str | None) -> list[Step]:
    """The steps of the proof called ``name`` (none for ``None``)."""
    if name is None:
        return []
    if name not in PROOFS:
        import bot.engine.identity  # noqa: F401  (defines «person»)
    if name not in PROOFS:
        raise KeyError(f"no proof called {name!r}")
    return PROOFS[name]()


@dataclass
class Flow:
    """One service: its name (the NLU intent), its menu title, who must be proven, and its steps.

    The engine runs ``opening`` (steps that only read the request itself), then the proof named by
    ``identity``, then ``steps``. ``identity=None`` is a flow that shows nothing personal.
    """

    name: str
    title: str
    steps: list[Step]
    identity: str | None = "person"  # the proof the engine runs first: «person», «workshop», or None
    faq: dict[str, str] = field(default_factory=dict)  # digression intent → catalog key
    opening: list[Step] = field(default_factory=list)  # run before the proof: may read only the request
    prefill: tuple[str, ...] = ()  # slots a service button (a notice's) may fill: ``svc:name|slot=value``
    entities: dict[str, str] = field(default_factory=dict)  # NLU entity of the first message → the slot it fills
    closing: str = ""  # said when the flow ends with nothing said («نه ممنون» to its last offer)
    _plan: list[Step] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def plan(self) -> list[Step]:
        """Every step the engine runs, in order: opening, proof, the flow's own."""
        if self._plan is None:
            plan = [*self.opening, *proof_steps(self.identity)]
            for step in self.steps:
                plan.extend(step.expand())
            self._plan = plan
        return self._plan

    def index(self, step_name: str) -> int:
        """The position in ``plan`` of the step called ``step_name``."""
        for i, step in enumerate(self.plan):
            if step.name == step_name:
                return i
        raise KeyError(f"{self.name}: no step {step_name}")
