"""The ledger: every notice's state in the database, the exactly-once record, links and opt-outs."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import BigInteger, String, and_, any_, bindparam, case, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.notify import models as tb
from bot.notify.model import DELIVERED, FAILED, FINAL, OPTED_OUT, QUEUED, RETRY, SENDING, SENT, Notice

CHUNK = 500  # rows per IN (...) list

# PostgreSQL: a flush of ``sent`` marks is one statement over arrays, not one UPDATE per notice.
_SENT_PG = text("""
UPDATE notify_notices AS n SET state = 'sent', provider_id = v.pid, sent_at = v.at, updated_at = v.at,
       lease_until = NULL, error = NULL
FROM unnest(CAST(:ids AS bigint[]), CAST(:pids AS text[]), CAST(:ats AS double precision[])) AS v(id, pid, at)
WHERE n.id = v.id
""")


@dataclass(frozen=True, slots=True)
class Row:
    """What the dispatcher needs to know of a notice before sending it."""

    state: str
    attempts: int
    lease_until: float | None
    due_at: float | None = None


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class Ledger:
    """Notices, links, opt-outs, seen events and cursors, on one SQLAlchemy engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._sent: list[tuple[dict, asyncio.Future]] = []
        self._flushing = False

    def _insert(self, table):
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table)

    async def close(self) -> None:
        """Release the connection pool."""
        await self.engine.dispose()

    # --- notices -------------------------------------------------------------------------------

    async def add(self, items: Sequence[Notice], now: float | None = None) -> list[Notice]:
        """Record notices (a known key is left as it is); returns those still to be put on the queue."""
        if not items:
            return []
        now = now or time.time()
        rows = [{"event_id": n.event_id, "recipient": n.recipient, "channel": n.channel, "address": n.address,
                 "kind": n.kind, "priority": n.priority, "state": QUEUED, "attempts": 0, "mobile": n.mobile,
                 "facts": json.dumps(n.facts, ensure_ascii=False, sort_keys=True), "campaign": n.campaign,
                 "created_at": now, "updated_at": now} for n in items]
        wanted = {n.key: n for n in items}
        out: list[Notice] = []
        async with self.engine.begin() as conn:
            for part in _chunks(rows):
                await conn.execute(self._insert(tb.notices).on_conflict_do_nothing(), list(part))
            events = sorted({n.event_id for n in items})
            for part in _chunks(events):
                found = await conn.execute(
                    select(tb.notices.c.id, tb.notices.c.event_id, tb.notices.c.recipient, tb.notices.c.channel)
                    .where(tb.notices.c.event_id.in_(part), tb.notices.c.enqueued_at.is_(None),
                           tb.notices.c.state.in_((QUEUED, RETRY))))
                for row in found:
                    n = wanted.get((row.event_id, row.recipient, row.channel))
                    if n is not None:
                        n.id = row.id
                        out.append(n)
        return out

    async def enqueued(self, ids: Sequence[int], now: float | None = None) -> None:
        """Mark notices as put on the queue."""
        async with self.engine.begin() as conn:
            for part in _chunks(list(ids)):
                await conn.execute(update(tb.notices).where(tb.notices.c.id.in_(part))
                                   .values(enqueued_at=now or time.time()))

    def _where_in(self, col, values: Sequence, kind=BigInteger) -> Iterable:
        """``col IN values`` as one condition per chunk; on PostgreSQL one ``= ANY(array)`` (one prepared statement
        whatever the batch size)."""
        if self.dialect == "postgresql":
            if values:
                yield col == any_(bindparam(None, list(values), type_=ARRAY(kind)))
            return
        for part in _chunks(list(values)):
            yield col.in_(part)

    async def _rows(self, conn: AsyncConnection, ids: Sequence[int]) -> dict[int, Row]:
        c = tb.notices.c
        out: dict[int, Row] = {}
        for cond in self._where_in(c.id, ids):
            res = await conn.execute(select(c.id, c.state, c.attempts, c.lease_until, c.due_at).where(cond))
            for r in res:
                out[r.id] = Row(r.state, r.attempts, r.lease_until, r.due_at)
        return out

    async def _opted(self, conn: AsyncConnection, subjects: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for cond in self._where_in(tb.optouts.c.subject, sorted(set(subjects)), String):
            found.update(r[0] for r in await conn.execute(select(tb.optouts.c.subject).where(cond)))
        return found

    async def rows(self, ids: Sequence[int]) -> dict[int, Row]:
        """The current state of notices by id."""
        async with self.engine.connect() as conn:
            return await self._rows(conn, ids)

    async def look(self, ids: Sequence[int], subjects: Sequence[str]) -> tuple[dict[int, Row], set[str]]:
        """A batch's notices by id and which of ``subjects`` opted out, in one round of the database."""
        async with self.engine.connect() as conn:
            return await self._rows(conn, ids), (await self._opted(conn, subjects) if subjects else set())

    async def take(self, ids: Sequence[int], lease: float, now: float) -> set[int]:
        """Claim notices for sending (queued, retrying, or a dead sender's lease run out); returns those taken."""
        c = tb.notices.c
        taken: set[int] = set()
        async with self.engine.begin() as conn:
            for cond in self._where_in(c.id, ids):
                stmt = (update(tb.notices)
                        .where(cond, or_(c.due_at.is_(None), c.due_at <= now),
                               or_(c.state.in_((QUEUED, RETRY)), and_(c.state == SENDING, c.lease_until < now)))
                        .values(state=SENDING, lease_until=now + lease, attempts=c.attempts + 1, updated_at=now,
                                due_at=None)
                        .returning(c.id))
                taken.update(r[0] for r in await conn.execute(stmt))
        return taken

    async def sent(self, notice_id: int, provider_id: str | None, now: float) -> None:
        """The channel accepted the notice: recorded (group-committed with others) before it is acknowledged."""
        await self.sent_many([(notice_id, provider_id)], now)

    async def sent_many(self, items: Sequence[tuple[int, str | None]], now: float) -> None:
        """Several accepted notices, recorded in the same group commit."""
        if not items:
            return
        loop = asyncio.get_running_loop()
        futs = []
        for notice_id, provider_id in items:
            fut = loop.create_future()
            self._sent.append(({"b_id": notice_id, "b_pid": provider_id, "b_now": now}, fut))
            futs.append(fut)
        if not self._flushing:
            self._flushing = True
            try:
                while self._sent:
                    batch, self._sent = self._sent, []
                    try:
                        await self._write_sent([row for row, _ in batch])
                    except Exception as exc:
                        for _, f in batch:
                            if not f.done():
                                f.set_exception(exc)
                    else:
                        for _, f in batch:
                            if not f.done():
                                f.set_result(None)
            finally:
                self._flushing = False
        await asyncio.gather(*futs)

    async def _write_sent(self, rows: list[dict]) -> None:
        if self.dialect == "postgresql":
            params = {"ids": [r["b_id"] for r in rows], "pids": [r["b_pid"] for r in rows],
                      "ats": [r["b_now"] for r in rows]}
            async with self.engine.begin() as conn:
                await conn.execute(_SENT_PG, params)
            return
        c = tb.notices.c
        stmt = (update(tb.notices).where(c.id == bindparam("b_id"))
                .values(state=SENT, provider_id=bindparam("b_pid"), sent_at=bindparam("b_now"),
                        updated_at=bindparam("b_now"), lease_until=None, error=None))
        async with self.engine.begin() as conn:
            await conn.execute(stmt, rows)

    async def retry(self, notice_id: int, due: float, error: str, now: float) -> None:
        """A send failed for now: try again at ``due``."""
        async with self.engine.begin() as conn:
            await conn.execute(update(tb.notices).where(tb.notices.c.id == notice_id)
                               .values(state=RETRY, due_at=due, error=error[:200], lease_until=None, updated_at=now))

    async def failed(self, notice_id: int, error: str, now: float) -> None:
        """The notice cannot be sent."""
        async with self.engine.begin() as conn:
            await conn.execute(update(tb.notices).where(tb.notices.c.id == notice_id)
                               .values(state=FAILED, error=error[:200], lease_until=None, updated_at=now))

    async def deferred(self, ids: Sequence[int], due: float, now: float) -> None:
        """Notices waiting (quiet hours) until ``due``."""
        async with self.engine.begin() as conn:
            for part in _chunks(list(ids)):
                await conn.execute(update(tb.notices).where(tb.notices.c.id.in_(part), tb.notices.c.state
                                                            .in_((QUEUED, RETRY)))
                                   .values(due_at=due, updated_at=now))

    async def opted_out(self, ids: Sequence[int], now: float) -> None:
        """Notices not sent because the person asked for none."""
        async with self.engine.begin() as conn:
            for part in _chunks(list(ids)):
                await conn.execute(update(tb.notices).where(tb.notices.c.id.in_(part),
                                                            tb.notices.c.state.not_in(FINAL))
                                   .values(state=OPTED_OUT, updated_at=now, lease_until=None))

    async def counts(self, campaign: str | None = None, events: Sequence[str] | None = None) -> dict[str, int]:
        """Notices by state (of one campaign, or of some events, or all)."""
        stmt = select(tb.notices.c.state, func.count()).group_by(tb.notices.c.state)
        if campaign is not None:
            stmt = stmt.where(tb.notices.c.campaign == campaign)
        if events is not None:
            stmt = stmt.where(tb.notices.c.event_id.in_(list(events)))
        async with self.engine.connect() as conn:
            return {state: n for state, n in await conn.execute(stmt)}

    async def progress(self, campaign: str) -> dict[str, tuple[int, int]]:
        """A campaign's notices per channel: (finished, total)."""
        c = tb.notices.c
        done = func.sum(case((c.state.in_(FINAL), 1), else_=0))
        stmt = select(c.channel, done, func.count()).where(c.campaign == campaign).group_by(c.channel)
        async with self.engine.connect() as conn:
            return {ch: (int(d or 0), int(n)) for ch, d, n in await conn.execute(stmt)}

    async def notices(self, **where: str) -> list[dict]:
        """Notices as dicts, filtered by equal columns (for tests, the console and reports)."""
        stmt = select(tb.notices).order_by(tb.notices.c.id)
        for name, value in where.items():
            stmt = stmt.where(tb.notices.c[name] == value)
        async with self.engine.connect() as conn:
            return [dict(r._mapping) for r in await conn.execute(stmt)]

    # --- delivery reports ------------------------------------------------------------------------

    async def awaiting_report(self, channel: str, since: float, limit: int = 500) -> list[str]:
        """Provider ids of notices sent since ``since`` whose delivery is not known yet."""
        c = tb.notices.c
        stmt = (select(c.provider_id).where(c.channel == channel, c.state == SENT, c.provider_id.is_not(None),
                                            c.sent_at >= since).order_by(c.reported_at.is_not(None), c.reported_at)
                .limit(limit))
        async with self.engine.connect() as conn:
            return [r[0] for r in await conn.execute(stmt)]

    async def report(self, channel: str, provider_id: str, delivered: bool | None, now: float,
                     detail: str = "") -> int:
        """A delivery report: delivered, failed (undelivered, blocked…) or still on its way (None)."""
        c = tb.notices.c
        values: dict = {"reported_at": now, "updated_at": now}
        if delivered is True:
            values["state"] = DELIVERED
        elif delivered is False:
            values.update(state=FAILED, error=detail[:200] or "undelivered")
        stmt = update(tb.notices).where(c.channel == channel, c.provider_id == provider_id,
                                        c.state.in_((SENT, DELIVERED))).values(**values)
        async with self.engine.begin() as conn:
            return (await conn.execute(stmt)).rowcount

    # --- links and opt-outs ----------------------------------------------------------------------

    async def link(self, subject: str, channel: str, user_id: str, mobile: str | None = None,
                   now: float | None = None) -> None:
        """This messenger account belongs to ``subject`` (nc:… or ws:…); the newest link wins."""
        now = now or time.time()
        stmt = self._insert(tb.links).values(subject=subject, channel=channel, user_id=user_id, mobile=mobile,
                                             linked_at=now)
        stmt = stmt.on_conflict_do_update(index_elements=["subject", "channel"],
                                          set_={"user_id": user_id, "mobile": mobile, "linked_at": now})
        async with self.engine.begin() as conn:
            await conn.execute(stmt)

    async def links_for(self, subjects: Sequence[str]) -> dict[str, list[tuple[str, str, float]]]:
        """Messenger accounts by subject: (channel, user id, linked at), newest first."""
        out: dict[str, list[tuple[str, str, float]]] = {}
        async with self.engine.connect() as conn:
            for part in _chunks(sorted(set(subjects))):
                res = await conn.execute(select(tb.links).where(tb.links.c.subject.in_(part)))
                for r in res:
                    out.setdefault(r.subject, []).append((r.channel, r.user_id, r.linked_at))
        for accounts in out.values():
            accounts.sort(key=lambda a: -a[2])
        return out

    async def subjects_of(self, channel: str, user_id: str) -> list[str]:
        """The subjects a messenger account is linked to."""
        async with self.engine.connect() as conn:
            res = await conn.execute(select(tb.links.c.subject).where(tb.links.c.channel == channel,
                                                                      tb.links.c.user_id == user_id))
            return [r[0] for r in res]

    async def opt_out(self, subject: str, source: str, now: float | None = None) -> None:
        """``subject`` (nc:… or m:…) wants no more notices."""
        stmt = self._insert(tb.optouts).values(subject=subject, source=source, at=now or time.time())
        async with self.engine.begin() as conn:
            await conn.execute(stmt.on_conflict_do_nothing())

    async def opt_in(self, subject: str) -> None:
        """``subject`` wants notices again."""
        async with self.engine.begin() as conn:
            await conn.execute(tb.optouts.delete().where(tb.optouts.c.subject == subject))

    async def opted_out_of(self, subjects: Sequence[str]) -> set[str]:
        """Which of ``subjects`` asked for no notices."""
        async with self.engine.connect() as conn:
            return await self._opted(conn, subjects)

    # --- events and cursors ----------------------------------------------------------------------

    async def seen(self, event_ids: Sequence[str]) -> set[str]:
        """Which of ``event_ids`` were taken in before."""
        found: set[str] = set()
        async with self.engine.connect() as conn:
            for part in _chunks(list(event_ids)):
                res = await conn.execute(select(tb.events.c.event_id).where(tb.events.c.event_id.in_(part)))
                found.update(r[0] for r in res)
        return found

    async def remember(self, items: Sequence[tuple[str, str, str, int]], now: float | None = None) -> None:
        """Record events as taken in: (id, type, source, notices made)."""
        now = now or time.time()
        rows = [{"event_id": i, "type": t, "source": s, "notices": n, "received_at": now} for i, t, s, n in items]
        async with self.engine.begin() as conn:
            for part in _chunks(rows):
                await conn.execute(self._insert(tb.events).on_conflict_do_nothing(), list(part))

    async def cursor(self, name: str) -> str | None:
        """Where the reader ``name`` stopped."""
        async with self.engine.connect() as conn:
            res = await conn.execute(select(tb.cursors.c.value).where(tb.cursors.c.name == name))
            row = res.first()
            return row[0] if row else None

    async def set_cursor(self, name: str, value: str | None) -> None:
        """Remember where the reader ``name`` stopped."""
        now = time.time()
        stmt = self._insert(tb.cursors).values(name=name, value=value, updated_at=now)
        stmt = stmt.on_conflict_do_update(index_elements=["name"], set_={"value": value, "updated_at": now})
        async with self.engine.begin() as conn:
            await conn.execute(stmt)


__all__ = ["Ledger", "Row", "DELIVERED", "FAILED", "SENT"]
