"""Reading what a person means: the NLU's intent and entities, plus commands that work anywhere."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("tamin.nlu")

# words that are commands wherever they are typed, alone, on every channel
COMMANDS: dict[str, str] = {}
for _cmd, _words in {
    "cancel": ["لغو", "انصراف", "بیخیال", "بی خیال", "cancel", "laghv", "laghve", "/cancel", "stop"],
    "menu": ["منو", "منوی اصلی", "فهرست", "فهرست خدمات", "menu", "/menu", "manu", "bazgasht", "بازگشت"],
    "start": ["/start", "start", "شروع"],
    "help": ["راهنما", "کمک", "help", "/help", "rahnama"],
    "operator": ["اپراتور", "کارشناس", "اوپراتور", "operator", "/operator", "opperator", "karshenas"],
    "notify_off": ["لغو اطلاعیه", "لغو اطلاعیه ها", "لغو اطلاعیه\u200cها", "لغو اطلاع رسانی", "توقف اطلاعیه", "/stop_notices"],
}.items():
    for _w in _words:
        COMMANDS[_w] = _cmd

INTENT_COMMANDS = {"cancel": "cancel", "menu": "menu", "handoff": "operator", "help": "help"}


@dataclass
class Parse:
    """An utterance's likeliest intent, its runner-up, and the entities found."""

    intent: str
    confidence: float
    ranking: list[tuple[str, float]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)


def command_of(text: str, choice: str | None) -> str | None:
    """The global command this message is, if any."""
    if choice and choice.startswith("cmd:"):
        return choice[4:]
    return COMMANDS.get(text.strip(" .!؟?").lower()) if text else None


class Understander:
    """The embedded NLU (or a Rasa server with the embedded one as fallback), with a threshold."""

    def __init__(self, nlu: Any, threshold: float = 0.45) -> None:
        self.nlu = nlu
        self.threshold = threshold

    @classmethod
    def default(cls, rasa_url: str | None = None, threshold: float | None = None) -> Understander:
        """The embedded model trained from ``data/nlu.yml`` (optionally behind a Rasa server)."""
        from bot.nlu import default_nlu

        nlu = default_nlu()
        if rasa_url:
            from bot.nlu.rasa import RasaBackend

            nlu = RasaBackend(rasa_url, fallback=nlu)
        return cls(nlu, threshold if threshold is not None else getattr(nlu, "threshold", 0.45))

    async def parse(self, text: str) -> Parse:
        """The intent and entities of ``text``; out_of_scope when unsure."""
        if not text.strip():
            return Parse("out_of_scope", 0.0)
        try:
            if hasattr(self.nlu, "aparse"):
                raw = await self.nlu.aparse(text)
            else:
                raw = self.nlu.parse(text)
        except Exception:
            log.exception("nlu failed")
            return Parse("out_of_scope", 0.0)
        ranking = [(r["name"], float(r["confidence"])) for r in raw.get("intent_ranking", [])]
        intent = raw.get("intent") or {}
        return Parse(intent.get("name") or "out_of_scope", float(intent.get("confidence") or 0.0), ranking,
                     raw.get("entities", []))
