"""An async client for Kavenegar's REST API (sms/send, sendarray, verify/lookup, status).

The API key sits in the URL path, so URLs are never logged. A send that timed out is looked up
by its ``localid`` before it is sent again: no blind re-send.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from basics.masking import hide_secret, mask_value
from integrations.kavenegar.errors import (
    KavenegarError,
    KavenegarTimeout,
    ServerError,
    TransportError,
    error_for,
)

log = logging.getLogger("kavenegar")

UNKNOWN = 100  # delivery state: Kavenegar does not know this message id / local id


@dataclass(frozen=True, slots=True)
class Sent:
    """One message Kavenegar accepted."""

    messageid: int
    receptor: str
    status: int
    cost: int = 0


@dataclass(frozen=True, slots=True)
class Status:
    """The delivery state of one message (1 queued … 10 delivered, 100 unknown)."""

    messageid: int
    status: int
    statustext: str = ""
    localid: str | None = None


class KavenegarClient:
    """One shared ``httpx.AsyncClient`` for every call; form POSTs; typed failures."""

    def __init__(self, api_key: str, base: str = "https://api.kavenegar.com", timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._key = api_key
        if api_key:
            hide_secret(api_key)  # httpx logs request URLs, which carry the key
        self._base = base.rstrip("/")
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
                                       transport=transport)

    async def aclose(self) -> None:
        """Close the shared connection pool."""
        await self._http.aclose()

    async def _call(self, scope: str, method: str, params: dict[str, Any]) -> Any:
        url = f"{self._base}/v1/{self._key}/{scope}/{method}.json"
        data = {k: str(v) for k, v in params.items() if v is not None}
        try:
            resp = await self._http.post(url, data=data)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                raise TransportError(0, f"{scope}/{method}: connect timeout") from None
            raise KavenegarTimeout(0, f"{scope}/{method}: no answer in time") from None
        except httpx.HTTPError as exc:
            raise TransportError(0, f"{scope}/{method}: {type(exc).__name__}") from None
        try:
            body = resp.json()
            ret = body["return"]
            status = int(ret["status"])
        except (ValueError, KeyError, TypeError):
            if resp.status_code == 200:
                raise ServerError(0, f"{scope}/{method}: unreadable answer") from None
            if resp.status_code >= 500:
                raise ServerError(resp.status_code, f"{scope}/{method}: HTTP {resp.status_code}") from None
            raise error_for(resp.status_code) from None
        if resp.status_code != 200 or status != 200:
            code = status if status != 200 else resp.status_code
            log.warning("kavenegar %s/%s failed: %s", scope, method, code)
            raise error_for(code, str(ret.get("message") or ""))
        return body.get("entries")

    @staticmethod
    def _sent(entries: Any) -> list[Sent]:
        return [Sent(int(e.get("messageid") or 0), str(e.get("receptor", "")), int(e.get("status") or 0),
                     int(e.get("cost") or 0)) for e in entries or []]

    @staticmethod
    def _statuses(entries: Any) -> list[Status]:
        return [Status(int(e.get("messageid") or 0), int(e.get("status") or 0), str(e.get("statustext") or ""),
                       None if e.get("localid") is None else str(e.get("localid"))) for e in entries or []]

    async def send(self, receptor: str | list[str], message: str, sender: str | None = None, *,
                   localid: str | None = None, date: int | None = None, type: int | None = None) -> list[Sent]:
        """``sms/send``: one text to one or more receptors."""
        receptors = receptor if isinstance(receptor, str) else ",".join(receptor)
        entries = await self._call("sms", "send", {"receptor": receptors, "message": message, "sender": sender,
                                                    "localid": localid, "date": date, "type": type})
        return self._sent(entries)

    async def send_array(self, receptors: list[str], messages: list[str], senders: list[str], *,
                         localmessageids: list[str] | None = None) -> list[Sent]:
        """``sms/sendarray``: a different text (and sender) per receptor, one request; entries in the same order.

        ``localmessageids`` (one per receptor) lets ``status_by_localid`` tell later whether each went out.
        """
        if not (len(receptors) == len(messages) == len(senders)):
            raise ValueError("receptors, messages and senders must have the same length")
        if localmessageids is not None and len(localmessageids) != len(receptors):
            raise ValueError("one local id per receptor")  # Kavenegar answers 419 otherwise
        params = {"receptor": json.dumps(receptors), "message": json.dumps(messages, ensure_ascii=False),
                  "sender": json.dumps(senders)}
        if localmessageids is not None:
            params["localmessageids"] = json.dumps([int(x) if x.isdigit() else x for x in localmessageids])
        entries = await self._call("sms", "sendarray", params)
        return self._sent(entries)

    async def lookup(self, receptor: str, template: str, token: str, *, token2: str | None = None,
                     token3: str | None = None, token10: str | None = None, token20: str | None = None,
                     type: str | None = None) -> list[Sent]:
        """``verify/lookup``: a message from an approved template (one-time codes)."""
        entries = await self._call("verify", "lookup", {
            "receptor": receptor, "template": template, "token": token, "token2": token2, "token3": token3,
            "token10": token10, "token20": token20, "type": type})
        return self._sent(entries)

    async def status(self, messageids: list[int]) -> list[Status]:
        """``sms/status``: delivery states of up to 500 messages of the last 48 hours."""
        entries = await self._call("sms", "status", {"messageid": ",".join(str(m) for m in messageids)})
        return self._statuses(entries)

    async def status_by_localid(self, localids: list[str]) -> list[Status]:
        """``sms/statuslocalmessageid``: look messages up by our own local ids (last 12 hours)."""
        entries = await self._call("sms", "statuslocalmessageid", {"localid": ",".join(localids)})
        return self._statuses(entries)

    async def send_once(self, receptor: str, message: str, sender: str | None, localid: str,
                        tries: int = 2) -> list[Sent] | list[Status]:
        """Send with ``localid``; after a timeout, look it up before trying again."""
        last: KavenegarError | None = None
        for _ in range(max(tries, 1)):
            if isinstance(last, KavenegarTimeout):
                try:
                    found = [s for s in await self.status_by_localid([localid]) if s.status != UNKNOWN]
                except KavenegarError:
                    raise last from None  # cannot tell: do not risk a second copy
                if found:
                    log.info("sms to %s was sent before the timeout", mask_value(receptor))
                    return found
            try:
                return await self.send(receptor, message, sender, localid=localid)
            except (KavenegarTimeout, TransportError) as exc:
                last = exc
            except KavenegarError as exc:
                if not exc.retryable:
                    raise
                last = exc
        assert last is not None
        raise last
