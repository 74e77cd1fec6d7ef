"""Sign-in throttling per source: failures counted from the audit log (shared by every process)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.console.auth import ConsoleConfig
from bot.console.models import Audit
from bot.storage import Database

FAILURES = ("login_failed", "login_locked", "account_locked")


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with the next sign-in from a source: refuse it, or answer after ``delay`` seconds."""

    failures: int
    refuse: bool = False
    delay: float = 0.0


async def failures_from(db: Database, source: str, since: float) -> int:
    """Failed sign-ins from ``source`` since ``since``."""
    async with db.session() as s:
        n = await s.scalar(select(func.count()).select_from(Audit).where(
            Audit.at >= since, Audit.ip == source[:64], Audit.action.in_(FAILURES)))
    return int(n or 0)


def verdict(cfg: ConsoleConfig, failures: int) -> Verdict:
    """Refuse from ``source_refuse_after`` failures on; before that, wait longer after each from ``source_slow_after``."""
    if failures >= cfg.source_refuse_after:
        return Verdict(failures, refuse=True)
    if failures >= cfg.source_slow_after:
        return Verdict(failures, delay=min(cfg.source_max_delay_seconds, 0.25 * 2 ** (failures - cfg.source_slow_after)))
    return Verdict(failures)


async def check(db: Database, cfg: ConsoleConfig, source: str) -> Verdict:
    """The verdict for the next sign-in from ``source``."""
    since = time.time() - cfg.source_window_minutes * 60
    return verdict(cfg, await failures_from(db, source, since))
