"""Transcript lines kept small: a turn is kept as the catalog keys and fields the bot rendered (and the few
runtime values a text needs), not as the rendered texts with their buttons, and is rendered again, the
same, when an agent reads it.

A line is one JSON array, ``[at, person, message, …]``:

* ``person``: ``0`` (nothing), the text typed (digit runs masked) or ``[choice id]`` for a pressed button;
* a message: ``"key"`` (a catalog text without fields), ``[key, fields | 0, choices | 0, extra]`` or, when
  the text did not come from the catalog as it is, the literal ``{"t": text, "c": [[id, title]], "l": …}``;
* a choice: ``"@m"`` (the whole service menu), an id whose title follows from it (``svc:…``, ``cmd:menu``),
  ``[id, key]``, ``[id, key, fields]`` or ``[id, 0, title]``;
* ``extra``: ``{"s": text appended to the catalog's, "l": [[title, url]]}``.

A line ``[at, {entry}, …]`` keeps lines written outside a turn (an agent's reply, a notice) as they are.
Every compact form is checked against what was sent when it is written: a message whose text or buttons
would not render back the same is kept literal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from basics.digits import to_ascii
from bot.engine.catalog import menu_title, t
from bot.engine.fmt import mask_code
from bot.engine.messages import Inbound, Outbound

MENU = "@m"
PERSON_CHARS = 100  # of a typed message, in the buffer (a held conversation's database rows keep it whole)
CUT = "…"
_DERIVED = {"cmd:menu": "common.menu", "cmd:operator": "common.operator"}
_LONG_DIGITS = re.compile(r"[0-9۰-۹٠-٩]{5,}")
_PLAIN = (str, int, float, bool, type(None))


def dumps(line: list) -> str:
    """One line as stored: compact JSON without newlines (a newline separates lines)."""
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def _plain(fields: dict | None) -> bool:
    return not fields or all(isinstance(k, str) and isinstance(v, _PLAIN) for k, v in fields.items())


def _render(key: str, variant: str | None, fields: dict | None) -> str | None:
    try:
        return t(key, variant, **(fields or {}))
    except (KeyError, ValueError, IndexError, AttributeError):
        return None


def links_of(msg: Outbound) -> list[list[str]]:
    """A message's links as a transcript shows them (a document as its file's link)."""
    links = [[link.title, link.url] for link in msg.links]
    if msg.document and not links:
        links = [[msg.document.filename, msg.document.url]]
    return links


def mask_digits(text: str) -> str:
    """Long digit runs (national codes, mobiles, one-time codes) with their middle hidden."""
    return _LONG_DIGITS.sub(lambda m: "\u2066" + mask_code(to_ascii(m.group(0))) + "\u2069", text)


class Renderer:
    """Writes turns as compact lines and renders them back; ``flows`` gives the engine's flows (for the menu)."""

    def __init__(self, flows: Callable[[], dict[str, Any]]) -> None:
        self._flows = flows
        self._menus: dict[str | None, list[tuple[str, str]]] = {}

    # ---- the menu and the titles that follow from a button's id -------------------------------

    def menu(self, variant: str | None) -> list[tuple[str, str]]:
        """The service menu's buttons as the engine offers them in ``variant``."""
        got = self._menus.get(variant)
        if got is None:
            got = [(f"svc:{name}", menu_title(flow.title, variant)) for name, flow in (self._flows() or {}).items()]
            if got:
                self._menus[variant] = got
        return got

    def derived(self, cid: str, variant: str | None) -> str | None:
        """The title a button of this id has without being told (a service's, «منو»…), or None."""
        if cid.startswith("svc:") and "|" not in cid:
            flow = (self._flows() or {}).get(cid[4:])
            return _render(flow.title, variant, None) if flow is not None else None
        key = _DERIVED.get(cid)
        return _render(key, variant, None) if key else None

    # ---- writing ------------------------------------------------------------------------------

    def _choice(self, c, variant: str | None):
        if self.derived(c.id, variant) == c.title:
            return c.id
        if c.key and _plain(c.fields) and _render(c.key, variant, c.fields) == c.title:
            return [c.id, c.key, c.fields] if c.fields else [c.id, c.key]
        return [c.id, 0, c.title]

    def _choices(self, choices: list, variant: str | None) -> list:
        pairs = [(c.id, c.title) for c in choices]
        menu = self.menu(variant)
        n, at = len(menu), -1
        if n > 1:
            for i in range(len(pairs) - n + 1):
                if pairs[i:i + n] == menu:
                    at = i
                    break
        if at < 0:
            return [self._choice(c, variant) for c in choices]
        return ([self._choice(c, variant) for c in choices[:at]] + [MENU]
                + [self._choice(c, variant) for c in choices[at + n:]])

    def message(self, msg: Outbound, variant: str | None):
        """One message of the bot, as compact as renders back the same."""
        base = _render(msg.key, variant, msg.fields) if msg.key and _plain(msg.fields) else None
        if base is None or not msg.text.startswith(base) or MENU in (c.id for c in msg.choices):
            return literal(msg)
        extra: dict = {}
        if msg.text != base:
            extra["s"] = msg.text[len(base):]
        links = links_of(msg)
        if links:
            extra["l"] = links
        choices = self._choices(msg.choices, variant) if msg.choices else 0
        if not extra and not choices and not msg.fields:
            return msg.key
        item = [msg.key, msg.fields or 0, choices]
        if extra:
            item.append(extra)
        return item

    def turn_line(self, at: float, inbound: Inbound, out: list[Outbound], variant: str | None,
                  max_bytes: int) -> str | None:
        """The turn as one line of at most ``max_bytes`` (long texts cut, marked «…»); None for an empty turn."""
        person = person_of(inbound)
        if not person and not out:
            return None
        line = [int(at), person, *(self.message(m, variant) for m in out)]
        raw = dumps(line)
        if len(raw.encode()) <= max_bytes:
            return raw
        return _fit(line, out, max_bytes)

    # ---- reading ------------------------------------------------------------------------------

    def entry(self, item, variant: str | None) -> dict:
        """One message of a line as the transcript's entry: the text the person got, buttons and links."""
        if isinstance(item, str):
            return {"who": "bot", "text": _render(item, variant, None) or f"[{item}]"}
        if isinstance(item, dict):
            out = {"who": "bot", "text": item.get("t", "")}
            if item.get("c"):
                out["choices"] = item["c"]
            if item.get("l"):
                out["links"] = item["l"]
            return out
        key = item[0]
        fields = item[1] if len(item) > 1 and isinstance(item[1], dict) else None
        choices = item[2] if len(item) > 2 and isinstance(item[2], list) else []
        extra = item[3] if len(item) > 3 and isinstance(item[3], dict) else {}
        text = _render(key, variant, fields)
        out = {"who": "bot", "text": (f"[{key}]" if text is None else text) + extra.get("s", "")}
        if choices:
            out["choices"] = self._titles(choices, variant)
        if extra.get("l"):
            out["links"] = extra["l"]
        return out

    def _titles(self, choices: list, variant: str | None) -> list[list[str]]:
        out: list[list[str]] = []
        for c in choices:
            if c == MENU:
                out += [[cid, title] for cid, title in self.menu(variant)]
            elif isinstance(c, str):
                out.append([c, self.derived(c, variant) or c])
            elif len(c) >= 3 and c[1] == 0:
                out.append([c[0], c[2]])
            else:
                out.append([c[0], _render(c[1], variant, c[2] if len(c) > 2 else None) or c[0]])
        return out

    def entries(self, items: list, variant: str | None) -> list[dict]:
        """Buffered items (compact lines, or entries an older version wrote as they are) as transcript entries."""
        out: list[dict] = []
        for item in items:
            if isinstance(item, dict):
                out.append(item)
                continue
            try:
                line = json.loads(item)
            except ValueError:
                continue
            if not isinstance(line, list) or not line:
                continue
            at = float(line[0])
            person, *messages = line[1:] or [0]
            if isinstance(person, dict):  # written outside a turn, as it is
                out += [dict(e, at=e.get("at", at)) for e in (person, *messages) if isinstance(e, dict)]
                continue
            if isinstance(person, list) and person:
                out.append({"at": at, "who": "person", "text": f"[{str(person[0])[:40]}]", "pick": person[0]})
            elif isinstance(person, str) and person:
                out.append({"at": at, "who": "person", "text": person})
            for m in messages:
                try:
                    out.append({"at": at, **self.entry(m, variant)})
                except (TypeError, ValueError, IndexError):
                    continue
        return out


def literal(msg: Outbound) -> dict:
    """A message kept as it was sent: its text, buttons and links."""
    out: dict = {"t": msg.text}
    if msg.choices:
        out["c"] = [[c.id, c.title] for c in msg.choices]
    links = links_of(msg)
    if links:
        out["l"] = links
    return out


def person_of(inbound: Inbound):
    """The person's part of a line: the masked text typed (cut), a pressed button's id, or 0."""
    if inbound.text:
        text = mask_digits(inbound.text)
        return text if len(text) <= PERSON_CHARS else text[:PERSON_CHARS] + CUT
    if inbound.choice:
        return [inbound.choice[:64]]
    if inbound.contact is not None:
        return "[📱 " + mask_code(inbound.contact.phone) + "]"
    return 0


def _fit(line: list, out: list[Outbound], max_bytes: int) -> str:
    """A line too long for the buffer: the bot's texts cut (marked «…») and their buttons dropped to fit."""
    head = [line[0], line[1]]
    room = max_bytes - len(dumps([*head, *({"t": ""} for _ in out)]).encode())
    share = max(8, room // max(1, len(out)) // 2)  # Persian letters take two bytes
    cut = [{"t": m.text if len(m.text) <= share else m.text[:share] + CUT} for m in out]
    raw = dumps([*head, *cut])
    while len(raw.encode()) > max_bytes and share > 8:
        share = share * 3 // 4
        cut = [{"t": m.text if len(m.text) <= share else m.text[:share] + CUT} for m in out]
        raw = dumps([*head, *cut])
    return raw
