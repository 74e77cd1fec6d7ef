"""Reading what a person means: the NLU's intent and entities, plus commands that work anywhere."""

from __future__ import annotations

import logging
from collections import OrderedDict
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


CACHE_SIZE = 4096  # parses of the embedded model kept, the most recently asked first
CACHE_TEXT = 120  # longer messages are parsed afresh every time


def cacheable(text: str) -> bool:
    """Short messages without digits: «سلام», «وضعیت مستمری» (never a code, a number or a date someone typed)."""
    return len(text) <= CACHE_TEXT and not any(ch.isdigit() for ch in text)


class Understander:
    """The embedded NLU (or a Rasa server with the embedded one as fallback), with a threshold.

    The embedded model is a pure function of the text once trained, so its parses of short messages without
    digits (most first messages are the same few words) are kept in an LRU of ``CACHE_SIZE``.
    """

    def __init__(self, nlu: Any, threshold: float = 0.45) -> None:
        self.nlu = nlu
        self.threshold = threshold
        self._cache: OrderedDict[str, Parse] = OrderedDict()

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
        remote = hasattr(self.nlu, "aparse")
        if not remote and cacheable(text):
            kept = self._cache.get(text)
            if kept is not None:
                self._cache.move_to_end(text)
                return _copy(kept)
        try:
            raw = await self.nlu.aparse(text) if remote else self.nlu.parse(text)
        except Exception:
            log.exception("nlu failed")
            return Parse("out_of_scope", 0.0)
        ranking = [(r["name"], float(r["confidence"])) for r in raw.get("intent_ranking", [])]
        intent = raw.get("intent") or {}
        parsed = Parse(intent.get("name") or "out_of_scope", float(intent.get("confidence") or 0.0), ranking,
                       raw.get("entities", []))
        if not remote and cacheable(text):
            self._cache[text] = _copy(parsed)
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return parsed


def _copy(parsed: Parse) -> Parse:
    """A parse the caller may change without changing the kept one."""
    return Parse(parsed.intent, parsed.confidence, list(parsed.ranking), [dict(e) for e in parsed.entities])
