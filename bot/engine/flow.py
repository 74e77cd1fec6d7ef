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
    ) -> None:
        self.name, self.when, self.prompt, self.parse = name, when, prompt, parse
        self.choices, self.fields, self.retries = choices, fields, retries
        self.contact, self.keep, self.free_text = contact, keep, free_text


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

    def __init__(self, name: str, action: Callable[[Ctx], Awaitable[None]], *, when: Condition | None = None,
                 proof: str | None = None) -> None:
        self.name, self.action, self.when, self.proof = name, action, when, proof


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
    _plan: list[Step] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def plan(self) -> list[Step]:
        """Every step the engine runs, in order: opening, proof, the flow's own."""
        if self._plan is None:
            plan = [*self.opening, *proof_steps(self.identity)]
            for step in self.steps:
                if isinstance(step, Do) and step.proof:
                    from bot.engine.consent import code_steps

                    plan.extend(code_steps(step))
                plan.append(step)
            self._plan = plan
        return self._plan

    def index(self, step_name: str) -> int:
        """The position in ``plan`` of the step called ``step_name``."""
        for i, step in enumerate(self.plan):
            if step.name == step_name:
                return i
        raise KeyError(f"{self.name}: no step {step_name}")
