"""The dispatch worker: reads the queue, checks the ledger, opt-outs and quiet hours, sends, records."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from dataclasses import replace
from typing import Any

from basics.masking import mask_value
from bot.engine.catalog import texts
from bot.notify.clock import Clock, QuietHours, system_clock
from bot.notify.config import NotifySettings
from bot.notify.ledger import Ledger, Row
from bot.notify.limits import Gate, NoGate
from bot.notify.model import FINAL, MESSENGERS, SENDING, SMS, Notice
from bot.notify.queue import Entry, NoticeQueue
from bot.notify.render import Rendered, render
from bot.notify.senders import Sender, SendFailed

log = logging.getLogger("tamin.notify.worker")


def consumer_name() -> str:
    """A name unique to this worker: host, process, and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def _offer_change(choices: list) -> Any:
    """A session change that offers ``choices`` as reply numbers, unless a service or a human has the person."""
    ids = [c.id for c in choices]

    def change(session: Any) -> bool:
        if session.flow is not None or session.handoff:
            return False
        session.choices = list(ids)
        return True

    return change


def opt_subjects(n: Notice) -> set[str]:
    """The opt-out names that stop this notice: the national code and the mobile."""
    out = set()
    if not n.recipient.startswith("m:"):
        out.add(f"nc:{n.recipient}")
    if n.mobile:
        out.add(f"m:{n.mobile}")
    if n.channel == SMS:
        out.add(f"m:{n.address}")
    return out


class Dispatcher:
    """One worker: many may run on many machines against the same queue and ledger."""

    def __init__(self, queue: NoticeQueue, ledger: Ledger, senders: dict[str, Sender], cfg: NotifySettings, *,
                 gate: Gate | NoGate | None = None, store: Any = None, clock: Clock = system_clock) -> None:
        self.queue, self.ledger, self.senders, self.cfg = queue, ledger, senders, cfg
        self.gate = gate or NoGate()
        self.store = store  # the engine's session store: SMS reply numbers are kept there
        self.clock = clock
        self.quiet = QuietHours(cfg.quiet_start, cfg.quiet_end, cfg.timezone)
        self.sem = asyncio.Semaphore(max(cfg.concurrency, 1))
        self._last_claim = 0.0
        self.stats = {"sent": 0, "failed": 0, "retried": 0, "opted_out": 0, "deferred": 0, "skipped": 0}

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set; a failing round is logged and retried."""
        texts()  # the catalog is read before the first batch, not while it waits
        await self.queue.ensure_group()
        while not stop.is_set():
            try:
                await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("dispatch round failed")
                await asyncio.sleep(1.0)

    async def step(self) -> int:
        """One round: release due notices, take over stale ones, read new ones, handle them."""
        await self.queue.release_due(self.clock())
        entries: list[Entry] = []
        every = max(min(self.cfg.claim_idle_seconds / 2, 5.0), 0.2)
        if time.monotonic() - self._last_claim >= every:
            self._last_claim = time.monotonic()
            entries += await self.queue.claim(int(self.cfg.claim_idle_seconds * 1000), self.cfg.batch)
        count = self.cfg.batch
        if self.cfg.limits:  # do not hold more than a couple of seconds' worth while limited
            count = max(1, min(count, int(self.cfg.messenger_rate * 2)))
        entries += await self.queue.read(count, 0 if entries else self.cfg.block_ms)
        if entries:
            await self.handle(entries)
        return len(entries)

    async def handle(self, entries: list[Entry]) -> None:
        """Handle a batch; entries are acknowledged only once the ledger holds their outcome."""
        done = [e for e in entries if e.notice is None]
        live = [e for e in entries if e.notice is not None]
        names = set().union(*(opt_subjects(e.notice) for e in live)) if live else set()
        rows, stopped = await self.ledger.look([e.notice.id for e in live], sorted(names))
        todo: list[Entry] = []
        for e in live:
            row = rows.get(e.notice.id)
            if row is None or row.state in FINAL:
                done.append(e)
                self.stats["skipped"] += 1
            else:
                todo.append(e)
        now = self.clock()
        todo = await self._opt_outs(todo, done, now, stopped)
        todo = await self._quiet(todo, done, now)
        waiting = [e for e in todo if (rows[e.notice.id].due_at or 0) > now]
        done += waiting  # a second entry of a notice already waiting in the delayed set
        todo = [e for e in todo if (rows[e.notice.id].due_at or 0) <= now]
        taken = await self.ledger.take(sorted({e.notice.id for e in todo}), self.cfg.lease_seconds, now)
        mine, seen = [], set()
        for e in todo:  # others are held by another worker: their entries come back if it dies
            if e.notice.id in taken and e.notice.id not in seen:
                seen.add(e.notice.id)
                mine.append(e)
        sms = self.senders.get(SMS)
        batch = [e for e in mine if e.notice.channel == SMS] if hasattr(sms, "send_many") else []
        alone = [e for e in mine if e.notice.channel != SMS] if batch else mine
        results = await asyncio.gather(self._sms_batch(sms, batch, rows),
                                       *(self._guarded(e, rows[e.notice.id]) for e in alone))
        done += [e for e, ok in zip(batch, results[0], strict=True) if ok]
        done += [e for e, ok in zip(alone, results[1:], strict=True) if ok]
        await self.queue.ack(done)

    async def _sms_batch(self, sender: Any, entries: list[Entry], rows: dict[int, Row]) -> list[bool]:
        """A batch of taken SMS notices in one request (``sendarray``); True where the ledger holds the outcome.

        Notices a dead worker was sending are first looked up by local id (the ledger id): never sent twice.
        """
        if not entries:
            return []
        ok = dict.fromkeys((e.notice.id for e in entries), False)
        try:
            notices = [e.notice for e in entries]
            again = [n for n in notices if rows[n.id].state == SENDING]
            if again:
                try:
                    earlier = await sender.already_sent_many(again)
                except SendFailed as exc:  # cannot tell whether they went out: they wait for a later round
                    log.warning("%d sms notices not looked up: %s", len(again), exc.reason)
                    earlier, notices = {}, [n for n in notices if rows[n.id].state != SENDING]
                now = self.clock()
                await self.ledger.sent_many(list(earlier.items()), now)
                ok.update(dict.fromkeys(earlier, True))
                notices = [n for n in notices if n.id not in earlier]
            msgs = await self._render_many(notices)
            for n in notices:
                await self.gate.acquire(n)
            results = await sender.send_many(notices, msgs)
            now = self.clock()
            went = [(n.id, r) for n, r in zip(notices, results, strict=True) if not isinstance(r, SendFailed)]
            await self.ledger.sent_many(went, now)  # one group commit
            ok.update(dict.fromkeys((i for i, _ in went), True))
            self.stats["sent"] += len(went)
            for n, r in zip(notices, results, strict=True):
                if isinstance(r, SendFailed):
                    await self._failed(n, r, rows[n.id].attempts + 1)
                    ok[n.id] = True
        except Exception:
            log.exception("sms batch of %d not handled; what is left stays on the queue", len(entries))
        return [ok[e.notice.id] for e in entries]

    async def _render_many(self, notices: list[Notice]) -> list[Rendered]:
        """Render a batch; the SMS reply numbers of the whole batch are kept in the sessions in one go."""
        msgs = [render(n) for n in notices]
        offers = {f"{SMS}:{n.address}": (k, m) for k, (n, m) in enumerate(zip(notices, msgs, strict=True))
                  if n.channel == SMS and m.choices}
        if not offers:
            return msgs
        kept: dict[str, bool | None] = {}
        update_many = getattr(self.store, "update_many", None)
        if update_many is not None:
            try:
                kept = await update_many({key: _offer_change(m.choices) for key, (_, m) in offers.items()})
            except Exception as exc:  # the notices still go, without the reply numbers
                log.warning("sessions of %d sms users not updated: %s", len(offers), type(exc).__name__)
                kept = dict.fromkeys(offers, False)
        for key, (k, m) in offers.items():
            got = kept.get(key)
            if got is None:  # busy with a turn (or no batch update): the person's lock, as for one notice
                got = await self._offer(notices[k], m)
            if not got:
                msgs[k] = render(notices[k], offer=False)
        return msgs

    async def _opt_outs(self, todo: list[Entry], done: list[Entry], now: float, stopped: set[str]) -> list[Entry]:
        if not stopped or not todo:
            return todo
        out = [e for e in todo if opt_subjects(e.notice) & stopped]
        await self.ledger.opted_out([e.notice.id for e in out], now)
        done += out
        self.stats["opted_out"] += len(out)
        return [e for e in todo if not opt_subjects(e.notice) & stopped]

    async def _quiet(self, todo: list[Entry], done: list[Entry], now: float) -> list[Entry]:
        until = self.quiet.until(now)
        if until is None:
            return todo
        waiting = [e for e in todo if e.notice.channel == SMS]
        if waiting:
            await self.ledger.deferred([e.notice.id for e in waiting], until, now)
            await self.queue.delay([e.notice for e in waiting], until)
            done += waiting
            self.stats["deferred"] += len(waiting)
        return [e for e in todo if e.notice.channel != SMS]

    async def _guarded(self, entry: Entry, row: Row) -> bool:
        async with self.sem:
            try:
                return await self._one(entry.notice, row)
            except Exception:
                log.exception("notice %s not handled; it stays on the queue", entry.notice.id)
                return False

    async def _one(self, n: Notice, row: Row) -> bool:
        """Send one taken notice; True when its outcome is in the ledger (the entry may be acknowledged)."""
        sender = self.senders.get(n.channel)
        if sender is None:
            await self.ledger.failed(n.id, f"no sender for {n.channel}", self.clock())
            return True
        if row.state == SENDING:  # a worker died while sending it: did it go out?
            earlier = await sender.already_sent(n)
            if earlier:
                await self.ledger.sent(n.id, earlier, self.clock())
                return True
        msg = await self._render(n)
        await self.gate.acquire(n)
        try:
            provider_id = await sender.send(n, msg)
        except SendFailed as exc:
            await self._failed(n, exc, row.attempts + 1)
            return True
        await self.ledger.sent(n.id, provider_id, self.clock())
        self.stats["sent"] += 1
        return True

    async def _render(self, n: Notice) -> Rendered:
        msg = render(n)
        if n.channel == SMS and msg.choices and not await self._offer(n, msg):
            msg = render(n, offer=False)
        return msg

    async def _offer(self, n: Notice, msg: Rendered) -> bool:
        """Keep the SMS's numbered choices in the person's session, unless a service is in progress."""
        if self.store is None:
            return False
        key = f"{SMS}:{n.address}"
        try:
            async with self.store.lock(key, timeout=5.0):
                session = await self.store.load(key)
                if session.flow is not None or session.handoff:
                    return False
                session.choices = [c.id for c in msg.choices]
                await self.store.save(key, session)
        except Exception as exc:  # the notice still goes, without the reply numbers
            log.warning("session of sms user %s not updated: %s", mask_value(n.address), type(exc).__name__)
            return False
        return True

    async def _failed(self, n: Notice, exc: SendFailed, attempts: int) -> None:
        now = self.clock()
        if exc.unreachable and n.channel in MESSENGERS and n.mobile:
            fallback = replace(n, channel=SMS, address=n.mobile, id=None)
            added = await self.ledger.add([fallback], now)
            await self.ledger.failed(n.id, exc.reason, now)
            if added:
                await self.queue.put(added)
                await self.ledger.enqueued([a.id for a in added], now)
            log.info("notice %s: messenger unreachable, falling back to SMS", n.id)
            self.stats["failed"] += 1
            return
        if exc.retryable and attempts < self.cfg.max_attempts:
            backoff = min(self.cfg.backoff_seconds * 2 ** (attempts - 1), self.cfg.backoff_max_seconds)
            due = now + max(backoff, exc.retry_after or 0.0)
            await self.ledger.retry(n.id, due, exc.reason, now)
            await self.queue.delay([n], due)
            self.stats["retried"] += 1
            return
        await self.ledger.failed(n.id, exc.reason, now)
        await self.queue.dead(n, exc.reason)
        self.stats["failed"] += 1
        log.warning("notice %s failed: %s", n.id, exc.reason)
