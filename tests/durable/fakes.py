"""A fake Bot API that can have an outage (502 for every send, as a proxy before an unreachable Bot API)."""

from __future__ import annotations

from typing import Any

from tests.fakes.botapi import FakeBotAPI


class OutageBotAPI(FakeBotAPI):
    """``FakeBotAPI`` plus ``down``: while set, sends are refused with 502 (and recorded so)."""

    def __init__(self) -> None:
        self.down = False
        super().__init__()

    def handle(self, path: str, p: dict[str, Any]) -> tuple[int, Any]:
        if self.down and path.lower().rsplit("/", 1)[-1].startswith("send"):
            self.record(token=path.strip("/").split("/")[0][3:], method=path.rsplit("/", 1)[-1], params=p, status=502)
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        return super().handle(path, p)
