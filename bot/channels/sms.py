"""SMS on Kavenegar: the engine's SMS gateway, and the SMS door (inbound webhook, replies)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from basics.masking import mask_value
from basics.mobile import normalize_mobile
from bot.channels.limiter import Limiter
from bot.channels.render_sms import render
from bot.channels.runtime import runtime_of
from bot.engine.catalog import t
from bot.engine.messages import Channel, Inbound
from integrations.kavenegar.client import KavenegarClient
from integrations.kavenegar.errors import InvalidRequest

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.engine.dialogue import Engine
    from bot.settings import Settings

log = logging.getLogger("tamin.sms")

def local_id(key: str) -> str:
    """A numeric Kavenegar ``localid`` that is the same for the same message on every retry."""
    return str(int(hashlib.sha256(key.encode()).hexdigest()[:15], 16))


class KavenegarGateway:
    """The engine's ``SmsGateway`` on Kavenegar: codes by verify/lookup, texts by sms/send."""

    def __init__(self, client: KavenegarClient, sender: str | None, otp_template: str | None) -> None:
        self.client, self.sender, self.otp_template = client, sender, otp_template

    @classmethod
    def from_settings(cls, settings: Settings) -> KavenegarGateway:
        """A gateway with one shared HTTP client, from the KAVENEGAR_* settings."""
        client = KavenegarClient(settings.kavenegar_api_key or "", settings.kavenegar_api_base,
                                 timeout=settings.kavenegar_timeout)
        return cls(client, settings.kavenegar_sender, settings.kavenegar_otp_template)

    async def send_otp(self, mobile: str, code: str) -> None:
        """A one-time code: the approved template with the code as ``token``."""
        if self.otp_template:
            await self.client.lookup(mobile, self.otp_template, token=code)
        else:  # no template configured: a plain text (slower on Iranian operators' spam filters)
            await self.send_text(mobile, t("identity.otp_sms", code=code))  # Latin digits: phones offer it to the field
        log.info("one-time code sent to %s", mask_value(mobile))

    async def send_text(self, mobile: str, text: str, localid: str | None = None) -> None:
        """A text by sms/send; after a timeout it is looked up by ``localid`` before any re-send."""
        await self.client.send_once(mobile, text, self.sender, localid or str(secrets.randbelow(10**15)))
        log.info("sms sent to %s (%d chars)", mask_value(mobile), len(text))

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()


class SmsDoor:
    """SMS users: the sender's mobile is the user; replies go out through the engine's SMS gateway."""

    channel = Channel.SMS.value

    def __init__(self, engine: Engine, limiter: Limiter, receives: bool = True) -> None:
        self.engine, self.limiter = engine, limiter
        self.receives = receives  # False: no webhook secret, so no SMS can come in through this process

    async def prepare(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """Run the engine for one SMS and render the whole answer as few SMS as possible."""
        mobile = payload["from"]
        inbound = Inbound(Channel.SMS, mobile, text=payload.get("message") or "", message_id=payload.get("messageid"))
        outs = await self.engine.handle(inbound)
        return [{"t": "sms", "to": mobile, "text": text} for text in render(outs)]

    async def deliver(self, op: dict[str, Any], op_id: str) -> None:
        """Send one SMS (through Kavenegar with a stable local id, or to the dev outbox)."""
        await self.limiter.acquire("sms", op["to"])
        sms = self.engine.deps.sms
        try:
            if isinstance(sms, KavenegarGateway):
                await sms.send_text(op["to"], op["text"], localid=local_id(op_id))
            else:
                await sms.send_text(op["to"], op["text"])
        except InvalidRequest as exc:  # a bad receptor or text will not get better by retrying
            log.warning("sms to %s refused: %s", mask_value(op["to"]), exc.code)

    async def aclose(self) -> None:
        """Nothing to close: the gateway belongs to the engine."""


def make_router(runtime: Any, settings: Settings) -> APIRouter:
    """``POST|GET /webhooks/kavenegar/{secret}`` with ``from``, ``to``, ``message``, ``messageid``."""
    router = APIRouter()

    async def receive(secret: str, fields: dict[str, str]) -> PlainTextResponse:
        expected = settings.kavenegar_webhook_secret
        if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
            log.warning("kavenegar webhook: refused (bad secret)")
            return PlainTextResponse("unauthorized", status_code=401)
        mobile = normalize_mobile(fields.get("from") or fields.get("sender"))
        if mobile is None:
            log.warning("kavenegar webhook: sender is not a mobile number; ignored")
            return PlainTextResponse("ignored")
        message = (fields.get("message") or "")[:1000]
        messageid = str(fields.get("messageid") or "") or secrets.token_hex(8)
        payload = {"from": mobile, "to": fields.get("to") or fields.get("receptor") or "", "message": message,
                   "messageid": messageid}
        if not await runtime.accept(Channel.SMS.value, mobile, messageid, payload):
            log.info("kavenegar webhook: duplicate message %s", messageid)
        return PlainTextResponse("ok")

    @router.post("/webhooks/kavenegar/{secret}")
    async def inbound_post(secret: str, request: Request) -> PlainTextResponse:
        """An SMS pushed as a form POST."""
        form = await request.form()
        fields = {k: str(v) for k, v in form.items()}
        fields.update({k: v for k, v in request.query_params.items() if k not in fields})
        return await receive(secret, fields)

    @router.get("/webhooks/kavenegar/{secret}")
    async def inbound_get(secret: str, request: Request) -> PlainTextResponse:
        """An SMS pushed as a GET with query parameters (Kavenegar's usual way)."""
        return await receive(secret, dict(request.query_params))

    return router


def install(app: FastAPI, settings: Settings) -> None:
    """The SMS door and its webhook; replies go by Kavenegar, or to the dev outbox without a key."""
    runtime = runtime_of(app)
    runtime.add(SmsDoor(app.state.engine, runtime.limiter, receives=bool(settings.kavenegar_webhook_secret)))
    if not settings.kavenegar_webhook_secret:
        log.info("KAVENEGAR_WEBHOOK_SECRET is not set: the SMS webhook refuses every message")
    app.include_router(make_router(runtime, settings))
