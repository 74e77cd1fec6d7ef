"""Outbound messages as Bot API sends (Telegram and Bale): merged texts, keyboards, files.

A rendered op is a plain dict (kept in the ingress while it is sent):
  {"t": "text", "text", "inline": [[{"text", "data"|"url"}]] | None, "contact": title | None}
  {"t": "doc", "url", "filename", "caption", "inline", "fallback"}
Plain text only: no parse_mode (Bale reads no HTML; Telegram plain text is always safe).
"""

from __future__ import annotations

from typing import Any

from basics.bidi import isolate
from bot.engine.catalog import t
from bot.engine.messages import Choice, Outbound

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
SHORT_TITLE = 16  # two buttons per row when every title is at most this long
CALLBACK_LIMIT = 64


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """``text`` in pieces under ``limit`` characters, cut at line breaks, else spaces."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts


def keyboard(choices: list[Choice]) -> list[list[dict[str, str]]]:
    """Inline buttons: two a row when the titles are short, one a row otherwise."""
    shown = [c for c in choices if 0 < len(c.id.encode()) <= CALLBACK_LIMIT]
    buttons = [{"text": isolate(c.title[:64], only_needed=True), "data": c.id} for c in shown]
    per_row = 2 if buttons and all(len(c.title) <= SHORT_TITLE for c in shown) else 1
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


def _body(m: Outbound) -> str:
    """The message's text with its links as lines (a link already in the text is not repeated), runs isolated."""
    lines = [m.text.strip()] if m.text.strip() else []
    skip = {m.document.url} if m.document else set()
    for link in m.links:
        if link.url not in m.text and link.url not in skip:
            lines.append(f"{link.title}:\n{link.url}")
    return isolate("\n".join(lines), only_needed=True)


def _plain(m: Outbound) -> bool:
    return not (m.choices or m.request_contact or m.document)


def _join(parts: list[str]) -> str:
    return "\n\n".join(p for p in parts if p)


def render(outs: list[Outbound]) -> list[dict[str, Any]]:
    """One turn's messages as sends: consecutive texts merged where they fit, markup kept."""
    ops: list[dict[str, Any]] = []
    pending: list[str] = []

    def text_ops(text: str, inline=None, contact=None) -> None:
        pieces = split_text(text)
        for piece in pieces[:-1]:
            ops.append({"t": "text", "text": piece, "inline": None, "contact": None})
        ops.append({"t": "text", "text": pieces[-1], "inline": inline, "contact": contact})

    def flush() -> None:
        if pending:
            text_ops(_join(pending))
            pending.clear()

    for m in outs:
        body = _body(m)
        if _plain(m):
            if pending and len(_join([*pending, body])) > TEXT_LIMIT:
                flush()
            if body:
                pending.append(body)
            continue
        if pending and len(_join([*pending, body])) > TEXT_LIMIT:
            flush()
        text = _join([*pending, body])
        pending.clear()
        inline = keyboard(m.choices) or None
        if m.document:
            fallback = _join([text, t("channels.document_link", url=m.document.url)])
            if len(text) <= CAPTION_LIMIT:
                ops.append({"t": "doc", "url": m.document.url, "filename": m.document.filename,
                            "caption": text, "inline": inline, "fallback": fallback})
            else:
                text_ops(text)
                ops.append({"t": "doc", "url": m.document.url, "filename": m.document.filename,
                            "caption": isolate(m.document.caption, only_needed=True)[:CAPTION_LIMIT], "inline": inline,
                            "fallback": t("channels.document_link", url=m.document.url)})
        elif m.request_contact:
            text_ops(text or t("channels.share_contact"), contact=t("channels.share_contact"))
            if inline:
                ops.append({"t": "text", "text": t("channels.choose_below"), "inline": inline, "contact": None})
        else:
            text_ops(text or t("channels.choose_below"), inline=inline)
    flush()
    return ops
