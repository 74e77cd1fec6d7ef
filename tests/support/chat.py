"""Talk to the running bot through ``POST /api/chat`` as a person would, over real HTTP."""

from __future__ import annotations

import re
import uuid

import httpx

from basics.bidi import bare
from basics.digits import to_ascii


def plain(text: str) -> str:
    """Digits to ASCII, thousands separators and direction isolates removed, for assertions on numbers."""
    t = to_ascii(bare(text or ""))
    return re.sub(r"(?<=\d)[٬,،](?=\d{3})", "", t)


class Chat:
    """One person in the web chat; the httpx client keeps the session cookie, as a browser does."""

    def __init__(self, base_url: str, user: str | None = None) -> None:
        self.base = base_url
        self.user = user or f"t-{uuid.uuid4().hex[:10]}"
        self.http = httpx.Client(timeout=30)
        self.last: list[dict] = []
        self.transcript: list[tuple[str, str]] = []

    def engine_key(self) -> str:
        """The engine's user key of this person: their session cookie and conversation name, derived."""
        from bot.channels.web import conversation_key

        return conversation_key(self.http.cookies.get("tamin_web", ""), self.user)

    def say(self, text: str) -> str:
        """Send text; return the bot's answer as one string."""
        return self._post({"text": text}, text)

    def press(self, title_part: str) -> str:
        """Press the button of the last answer whose title contains ``title_part``."""
        for msg in reversed(self.last):
            for c in msg.get("choices", []):
                if title_part in c["title"] or title_part == c["id"]:
                    return self._post({"choice": c["id"]}, f"[{c['title']}]")
        raise AssertionError(f"no button like {title_part!r} in {self.choices()}")

    def choices(self) -> list[str]:
        """Titles of the buttons in the last answer."""
        return [c["title"] for m in self.last for c in m.get("choices", [])]

    def _post(self, body: dict, shown: str) -> str:
        r = self.http.post(f"{self.base}/api/chat", json={"user": self.user, **body})
        r.raise_for_status()
        self.last = r.json()["messages"]
        text = "\n".join(m["text"] for m in self.last)
        self.transcript.append((shown, text))
        return text

    def otp(self, mobile: str) -> str:
        """The last one-time code the dev outbox holds for ``mobile``."""
        box = self.http.get(f"{self.base}/dev/outbox").json()["messages"]
        for m in reversed(box):
            if m["to"] == mobile:
                found = re.search(r"\d{4,8}", plain(m["text"]))
                if found:
                    return found.group(0)
        raise AssertionError(f"no code sent to {mobile}")

    def verify(self, national_code: str, mobile: str) -> str:
        """Answer the identity questions (national code, mobile, code) as the owner would."""
        answer = self.say(national_code)
        assert "همراه" in answer, answer
        answer = self.say(mobile)
        assert "کد" in answer, answer
        return self.say(self.otp(mobile))

    def close(self) -> None:
        self.http.close()
