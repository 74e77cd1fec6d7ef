"""What the organization measures: services started and finished per channel, where people give up,
handoffs and their reasons, and the office visits avoided; with charts drawn as inline SVG."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import func, select

from bot.console.models import Conversation, Event
from bot.console.recorder import ABANDON_AFTER
from bot.engine.fmt import fa, number
from bot.storage import Database

CHANNELS = ("web", "telegram", "bale", "sms", "console")
COLORS = {"web": "#1f6f8b", "telegram": "#2aa3dd", "bale": "#2e9e6a", "sms": "#c07b17", "console": "#7a4fa3"}
VISITS_PER_SERVICE = 1  # the stated assumption: one finished service spares one office visit


@dataclass
class Report:
    """Counts for one period."""

    since: float
    started: Counter = field(default_factory=Counter)  # (flow, channel)
    finished: Counter = field(default_factory=Counter)
    cancelled: Counter = field(default_factory=Counter)
    gave_up: Counter = field(default_factory=Counter)
    dropped_at: dict = field(default_factory=lambda: defaultdict(Counter))  # flow -> step -> n
    handoffs: Counter = field(default_factory=Counter)  # reason
    handoffs_by_channel: Counter = field(default_factory=Counter)

    def total(self, counter: Counter, flow: str | None = None, channel: str | None = None) -> int:
        return sum(n for (f, c), n in counter.items() if (flow is None or f == flow) and (channel is None or c == channel))

    @property
    def flows(self) -> list[str]:
        names = {f for f, _ in self.started} | {f for f, _ in self.finished}
        return sorted(names, key=lambda f: -self.total(self.started, f))

    @property
    def channels(self) -> list[str]:
        seen = {c for _, c in self.started} | {c for _, c in self.finished}
        return [c for c in CHANNELS if c in seen] + sorted(seen - set(CHANNELS))

    @property
    def visits_avoided(self) -> int:
        return self.total(self.finished) * VISITS_PER_SERVICE


async def report(db: Database, days: int) -> Report:
    """Counts of the last ``days`` days (and services left unfinished for half an hour or more)."""
    now = time.time()
    since = now - days * 86400
    rep = Report(since=since)
    async with db.session() as s:
        rows = (await s.execute(
            select(Event.kind, Event.flow, Event.channel, Event.outcome, Event.step, Event.reason, func.count())
            .where(Event.at >= since)
            .group_by(Event.kind, Event.flow, Event.channel, Event.outcome, Event.step, Event.reason))).all()
        # services left untouched are swept into «abandoned» events (bot.console.recorder); this reads the
        # step still kept on conversation rows written before the transcripts moved to the buffer
        stale = (await s.execute(
            select(Conversation.flow, Conversation.step, func.count())
            .where(Conversation.flow.is_not(None), Conversation.updated_at < now - ABANDON_AFTER,
                   Conversation.updated_at >= since)
            .group_by(Conversation.flow, Conversation.step))).all()
    for kind, flow, channel, outcome, step, reason, n in rows:
        if kind == "started":
            rep.started[(flow, channel)] += n
        elif kind == "handoff":
            rep.handoffs[reason or "asked"] += n
            rep.handoffs_by_channel[channel] += n
        elif kind == "ended":
            if outcome == "done":
                rep.finished[(flow, channel)] += n
            elif outcome == "gave_up":
                rep.gave_up[(flow, channel)] += n
            elif outcome == "cancelled":
                rep.cancelled[(flow, channel)] += n
            if outcome in ("gave_up", "cancelled", "abandoned"):
                rep.dropped_at[flow][step or "-"] += n
    for flow, step, n in stale:
        rep.dropped_at[flow][step or "-"] += n
    return rep


# ---- inline SVG, drawn right to left ------------------------------------------------------------

def text_width(text: str, size: float) -> float:
    """A generous estimate of how wide ``text`` is drawn at ``size`` px (no font metrics on the server)."""
    return len(text) * size * 0.56


def fit(text: str, width: float, size: float) -> str:
    """``text`` shortened with «…» to fit ``width`` px at ``size`` px."""
    if text_width(text, size) <= width:
        return text
    keep = max(1, int(width / (size * 0.56)) - 1)
    return text[:keep].rstrip() + "…"


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
            f'aria-label="{escape(title)}" direction="rtl" font-family="Vazirmatn, Tahoma, sans-serif">'
            f"<title>{escape(title)}</title>")
    return Markup(head + "".join(body) + "</svg>")


def service_chart(rep: Report, titles: dict[str, str], title: str, legend: dict[str, str]) -> Markup:
    """Per service: started (light bar) and finished (stacked by channel), bars growing leftwards."""
    flows = rep.flows
    width, label_w, row_h, top = 860, 230, 46, 34
    height = top + max(1, len(flows)) * row_h + 16
    scale_max = max([rep.total(rep.started, f) for f in flows] + [rep.total(rep.finished, f) for f in flows] + [1])
    shares = {}
    for flow in flows:
        started, done = rep.total(rep.started, flow), rep.total(rep.finished, flow)
        shares[flow] = legend["of"].format(done=number(done), started=number(started),
                                           rate=fa(round(100 * done / started)) if started else "—")
    # the longest bar still leaves room for its «n of m» label on its left
    value_w = max([text_width(x, 13) for x in shares.values()] + [40]) + 12
    plot = width - label_w - value_w - 8
    right = width - label_w
    body: list[str] = []
    x = width - 4
    for name, color in [(legend["started"], "#dfe7ec")] + [(legend.get(ch, ch), COLORS.get(ch, "#666"))
                                                            for ch in rep.channels]:
        body.append(f'<rect x="{x - 14}" y="8" width="14" height="14" rx="3" fill="{color}"/>')
        body.append(f'<text x="{x - 20}" y="20" font-size="13" text-anchor="start" fill="#333">{escape(name)}</text>')
        x -= 40 + 8 * len(name)
    for i, flow in enumerate(flows):
        y = top + i * row_h
        started, done = rep.total(rep.started, flow), rep.total(rep.finished, flow)
        name = titles.get(flow, flow)
        body.append(f'<text x="{width - 4}" y="{y + 25}" font-size="15" text-anchor="start" fill="#1d2b36">'
                    f'<title>{escape(name)}</title>{escape(fit(name, label_w - 12, 15))}</text>')
        w = plot * started / scale_max
        body.append(f'<rect x="{right - w:.1f}" y="{y + 6}" width="{w:.1f}" height="30" rx="4" fill="#dfe7ec">'
                    f'<title>{escape(legend["started"])}: {fa(started)}</title></rect>')
        x = right
        for ch in rep.channels:
            n = rep.finished.get((flow, ch), 0)
            if not n:
                continue
            w = plot * n / scale_max
            body.append(f'<rect x="{x - w:.1f}" y="{y + 12}" width="{w:.1f}" height="18" fill="{COLORS.get(ch, "#666")}">'
                        f'<title>{escape(legend.get(ch, ch))}: {fa(n)}</title></rect>')
            x -= w
        end = right - plot * max(started, done) / scale_max
        body.append(f'<text x="{end - 6:.1f}" y="{y + 26}" font-size="13" text-anchor="start" fill="#1d2b36">'
                    f'{escape(shares[flow])}</text>')
    if not flows:
        body.append(f'<text x="{width / 2}" y="{top + 24}" font-size="15" text-anchor="middle" fill="#777">'
                    f'{escape(legend["empty"])}</text>')
    return _svg(width, height, body, title)


def bars(items: list[tuple[str, int]], title: str, color: str = "#b4532a", empty: str = "",
         width: int = 620, label_w: int = 290) -> Markup:
    """A plain horizontal bar chart of labelled counts, right to left.

    A label may have two lines («service\nquestion»): the first is drawn small above the second.
    Labels too wide for their column are shortened with «…», the whole label in their tooltip.
    """
    two = any("\n" in label for label, _ in items)
    row_h = 46 if two else 34
    height = max(1, len(items)) * row_h + 12
    top = max([n for _, n in items] + [1])
    value_w = max([text_width(number(n), 13) for _, n in items] + [20]) + 12
    plot = width - label_w - value_w - 8
    right = width - label_w
    body: list[str] = []
    for i, (label, n) in enumerate(items):
        y = 6 + i * row_h
        w = plot * n / top
        head, _, main = label.rpartition("\n")
        bar_y = y + (row_h - 34) + 4
        tip = f"<title>{escape(label.replace(chr(10), ' — '))}</title>"
        if head:
            body.append(f'<text x="{width - 4}" y="{y + 12}" font-size="12" text-anchor="start" fill="#5a6b78">'
                        f'{tip}{escape(fit(head, label_w - 12, 12))}</text>')
        body.append(f'<text x="{width - 4}" y="{bar_y + 15}" font-size="14" text-anchor="start" fill="#1d2b36">'
                    f'{tip}{escape(fit(main, label_w - 12, 14))}</text>')
        body.append(f'<rect x="{right - w:.1f}" y="{bar_y}" width="{w:.1f}" height="22" rx="3" fill="{color}"/>')
        body.append(f'<text x="{right - w - 6:.1f}" y="{bar_y + 16}" font-size="13" text-anchor="start" '
                    f'fill="#1d2b36">{number(n)}</text>')
    if not items:
        body.append(f'<text x="{width / 2}" y="24" font-size="15" text-anchor="middle" fill="#777">{escape(empty)}</text>')
    return _svg(width, height, body, title)
