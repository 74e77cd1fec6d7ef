"""What a flow step sees: the person, their slots, the back-end, and a way to answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bot.engine.catalog import t, variant_for
from bot.engine.failures import Translate, own
from bot.engine.messages import Channel, Choice, Document, Inbound, Link, Outbound
from bot.engine.session import FlowState, Identity, Session

if TYPE_CHECKING:
    from bot.engine.store import SessionStore
    from bot.settings import Settings


class Unverified(Exception):
    """A step read personal data (national code, mobile, workshop) before the person proved who they are."""


class SmsGateway(Protocol):
    """Sends SMS: one-time codes and plain texts."""

    async def send_otp(self, mobile: str, code: str) -> None: ...
    async def send_text(self, mobile: str, text: str) -> None: ...


@dataclass
class Deps:
    """The services a turn may use; built once per process."""

    api: Any  # integrations.tamin.client.TaminClient
    sms: SmsGateway
    store: SessionStore
    settings: Settings
    nlu: Any  # bot.engine.understand.Understander
    events: Any = None  # hooks for handoffs and measurements (bot.engine.hooks.Hooks)
    failures: Translate = own  # a back-end's exceptions as the engine's ServiceFailure
    reminders: Any = None  # bot.engine.reminders.Reminders; the notifications set it (None: not available)


@dataclass
class Ctx:
    """One turn of one person inside one flow."""

    deps: Deps
    session: Session
    inbound: Inbound
    out: list[Outbound] = field(default_factory=list)
    flow: Any = None  # the Flow being run (set by the runner)

    @property
    def channel(self) -> Channel:
        return self.inbound.channel

    @property
    def api(self) -> Any:
        return self.deps.api

    @property
    def state(self) -> FlowState:
        assert self.session.flow is not None
        return self.session.flow

    @property
    def slots(self) -> dict[str, Any]:
        return self.state.slots

    @property
    def identity(self) -> Identity | None:
        return self.session.verified()

    @property
    def national_code(self) -> str:
        """The verified national code of the person talking; ``Unverified`` before the proof."""
        return self._proven().national_code

    @property
    def mobile(self) -> str:
        """The verified mobile of the person talking; ``Unverified`` before the proof."""
        return self._proven().mobile

    @property
    def workshop(self) -> str:
        """The workshop the verified person was proven to act for; ``Unverified`` otherwise."""
        self._proven()
        code = self.slots.get("workshop")
        if not code or self.slots.get("_proven_workshop") != code:
            raise Unverified("workshop")
        return code

    def prove_workshop(self, code: str) -> None:
        """The back-end said the verified person may act for ``code``."""
        self._proven()
        self.slots["workshop"] = code
        self.slots["_proven_workshop"] = code

    def _proven(self) -> Identity:
        ident = self.session.verified()
        if ident is None:
            raise Unverified("person")
        return ident

    @property
    def variant(self) -> str | None:
        return variant_for(self.channel.value)

    def text(self, key: str, **fields: Any) -> str:
        """A catalog text in this channel's variant."""
        return t(key, self.variant, **fields)

    def say(
        self,
        key: str,
        *,
        choices: list[Choice] | None = None,
        document: Document | None = None,
        links: list[Link] | None = None,
        request_contact: bool = False,
        **fields: Any,
    ) -> Outbound:
        """Add a message from the catalog to this turn's answer."""
        msg = Outbound(self.text(key, **fields), list(choices or []), request_contact, document, list(links or []),
                       key=key, fields=fields or None)
        self.out.append(msg)
        from bot.engine.followup import is_refusal

        if is_refusal(key):
            self.note_refusal(key, **fields)
        return msg

    def note_refusal(self, key: str, **fields: Any) -> None:
        """Leave a refusal and its figures in the conversation, so «چرا؟» / «ولی من …» can answer about it."""
        from bot.engine.followup import remember_refusal

        flow = self.flow.name if self.flow is not None else (self.session.flow.name if self.session.flow else "")
        remember_refusal(self, flow, key, fields)

    def choice(self, choice_id: str, key: str, **fields: Any) -> Choice:
        """A button whose title comes from the catalog."""
        return Choice(choice_id, self.text(key, **fields), key=key, fields=fields or None)


def idempotency_key(ctx: Ctx, action: str) -> str:
    """A key for one write of this flow run: the same on a retry, new for a new run."""
    import secrets

    run = ctx.slots.get("_run")
    if not run:
        run = ctx.slots["_run"] = secrets.token_hex(6)
    return f"{ctx.state.name}:{action}:{run}"
