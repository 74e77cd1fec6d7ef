"""A fake Kavenegar REST API: ``/v1/<key>/<scope>/<method>.json``, recording every call."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from tests.fakes.http import FakeServer


class FakeKavenegar(FakeServer):
    """Answers like Kavenegar. ``fail(method, *codes)`` answers the next calls with those return
    codes; ``delay(method, seconds)`` answers the next call late (after recording it as sent)."""

    def __init__(self) -> None:
        self.ids = itertools.count(700000)
        self.failures: dict[str, list[int]] = {}
        self.delays: dict[str, list[float]] = {}
        self.by_localid: dict[str, int] = {}
        super().__init__()

    def fail(self, method: str, *codes: int) -> None:
        self.failures.setdefault(method, []).extend(codes)

    def delay(self, method: str, seconds: float, sent: bool = True) -> None:
        """Answer the next call of ``method`` after ``seconds``; ``sent=False``: it was lost, not sent."""
        self.delays.setdefault(method, []).append(seconds if sent else -seconds)

    def handle(self, path: str, p: dict[str, Any]) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if len(parts) != 4 or parts[0] != "v1" or not parts[3].endswith(".json"):
            return 404, {"return": {"status": 404, "message": "not found"}, "entries": None}
        key, method = parts[1], f"{parts[2]}/{parts[3][:-5]}"
        with self.lock:
            codes = self.failures.get(method) or []
            code = codes.pop(0) if codes else None
            delays = self.delays.get(method) or []
            wait = delays.pop(0) if delays else 0.0
        if code is not None:
            self.record(key=key, method=method, params=p, failed=code)
            return 200, {"return": {"status": code, "message": "error"}, "entries": None}
        if wait < 0:  # lost on the way: never sent
            self.record(key=key, method=method, params=p, failed="lost")
            time.sleep(-wait)
            return 200, {"return": {"status": 402, "message": "lost"}, "entries": None}
        result = self._answer(key, method, p)
        if wait:
            time.sleep(wait)
        return result

    def _array(self, key: str, p: dict[str, Any]) -> tuple[int, Any]:
        """``sms/sendarray``: JSON arrays of receptors, messages, senders and (optionally) local ids."""
        try:
            rec, texts, senders = (json.loads(p.get(f) or "null") for f in ("receptor", "message", "sender"))
            lids = json.loads(p["localmessageids"]) if p.get("localmessageids") else None
        except ValueError:
            rec = texts = senders = lids = None
        if not isinstance(rec, list) or not rec or not isinstance(texts, list) or not isinstance(senders, list):
            self.record(key=key, method="sms/sendarray", params=p, failed=400)
            return 200, {"return": {"status": 400, "message": "incomplete parameters"}, "entries": None}
        if len(texts) != len(rec) or len(senders) != len(rec) or (lids is not None and len(lids) != len(rec)):
            self.record(key=key, method="sms/sendarray", params=p, failed=419)
            return 200, {"return": {"status": 419, "message": "array lengths differ"}, "entries": None}
        if not all(isinstance(r, str) and r.isdigit() for r in rec):
            self.record(key=key, method="sms/sendarray", params=p, failed=411)
            return 200, {"return": {"status": 411, "message": "receptor invalid"}, "entries": None}
        self.record(key=key, method="sms/sendarray", params=p)
        entries = []
        for k, r in enumerate(rec):
            mid = next(self.ids)
            entries.append({"messageid": mid, "message": texts[k], "status": 1, "statustext": "در صف ارسال",
                            "sender": senders[k], "receptor": r, "date": int(time.time()), "cost": 120})
            if lids is not None:
                self.by_localid[str(lids[k])] = mid
        return 200, {"return": {"status": 200, "message": "تایید شد"}, "entries": entries}

    def _answer(self, key: str, method: str, p: dict[str, Any]) -> tuple[int, Any]:
        ok = {"status": 200, "message": "تایید شد"}
        if method == "sms/sendarray":
            return self._array(key, p)
        if method in ("sms/send", "verify/lookup"):
            rec = p.get("receptor", "")
            if not rec or not rec.replace(",", "").isdigit():
                self.record(key=key, method=method, params=p, failed=411)
                return 200, {"return": {"status": 411, "message": "receptor invalid"}, "entries": None}
            self.record(key=key, method=method, params=p)
            text = p.get("message") or p.get("token", "")
            entries = []
            for r in rec.split(","):
                mid = next(self.ids)
                entries.append({"messageid": mid, "message": text, "status": 1, "statustext": "در صف ارسال",
                                "sender": p.get("sender", "10004346"), "receptor": r, "date": int(time.time()),
                                "cost": 120})
                if p.get("localid"):
                    self.by_localid[str(p["localid"])] = mid
            return 200, {"return": ok, "entries": entries}
        self.record(key=key, method=method, params=p)
        if method == "sms/statuslocalmessageid":
            out = []
            for lid in str(p.get("localid", "")).split(","):
                mid = self.by_localid.get(lid)
                out.append({"messageid": mid or 0, "localid": lid, "status": 10 if mid else 100,
                            "statustext": "رسیده به گیرنده" if mid else "نامشخص"})
            return 200, {"return": ok, "entries": out}
        if method == "sms/status":
            return 200, {"return": ok, "entries": [{"messageid": int(m), "status": 10, "statustext": "رسیده به گیرنده"}
                                                   for m in str(p.get("messageid", "")).split(",") if m]}
        return 200, {"return": {"status": 404, "message": "method not emulated"}, "entries": None}

    def sent_to(self, mobile: str, method: str | None = None) -> list[dict[str, Any]]:
        """Successful calls addressed to ``mobile`` (optionally of one method), oldest first."""
        with self.lock:
            return [c for c in self.calls if mobile in str(c["params"].get("receptor", "")) and "failed" not in c
                    and (method is None or c["method"] == method)]

    def messages(self) -> list[dict[str, Any]]:
        """Every text message accepted, one a receptor, oldest first: ``sms/send`` calls as they are, each
        receptor of an ``sms/sendarray`` call as if sent alone (``params``: receptor, message, sender, localid)."""
        with self.lock:
            calls = [c for c in self.calls if "failed" not in c and c["method"] in ("sms/send", "sms/sendarray")]
        out = []
        for c in calls:
            if c["method"] == "sms/send":
                out.append(c)
                continue
            p = c["params"]
            rec, texts, senders = (json.loads(p[f]) for f in ("receptor", "message", "sender"))
            lids = json.loads(p["localmessageids"]) if p.get("localmessageids") else [None] * len(rec)
            for k, r in enumerate(rec):
                out.append({**c, "method": "sms/send", "params": {
                    "receptor": r, "message": texts[k], "sender": senders[k],
                    **({"localid": str(lids[k])} if lids[k] is not None else {})}})
        return out

    def texts_to(self, mobile: str) -> list[str]:
        """The texts sent to ``mobile`` (by ``sms/send`` or ``sms/sendarray``), oldest first."""
        return [c["params"].get("message", "") for c in self.messages() if c["params"].get("receptor") == mobile]
