"""A batch of notices costs the PostgreSQL ledger a few statements, not one per notice; nothing is sent twice."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from bot.engine.messages import Channel, Inbound
from bot.notify.hooks import NotifyHooks
from tests.notify.conftest import drain
from tests.notify.events import article38

N = 60


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_a_batch_is_marked_sent_in_far_fewer_statements_than_notices(make_notify, bot_api, database):
    notify = make_notify(batch=100, concurrency=64)
    await notify.prepare()
    hooks = NotifyHooks(notify.ledger)
    events = []
    for i in range(N):
        nc = f"{2000000000 + i}"
        await hooks.identified(Inbound(Channel.TELEGRAM, f"77{i:04d}"), nc, "")
        events.append(article38(f"BATCH-{i}", nc=nc, mobile=f"0914000{i:04d}"))
    await notify.intake.accept(events, "webhook")
    executed: list[str] = []

    def count(conn, cursor, statement, params, context, executemany) -> None:
        # what the server runs: an executemany is one execution per parameter set
        executed.extend([statement] * (len(params) if executemany else 1))

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        await drain(notify)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    sent = [str(c["params"]["chat_id"]) for c in bot_api.calls_of("sendMessage") if c["status"] == 200]
    assert sorted(sent) == sorted(f"77{i:04d}" for i in range(N))  # each person once
    assert {r["state"] for r in await notify.ledger.notices()} == {"sent"}
    marks = [s for s in executed if s.lstrip().upper().startswith("UPDATE") and "provider_id" in s]
    assert 1 <= len(marks) <= N // 2, f"{len(marks)} statements marked {N} notices sent"
    assert len(executed) <= N // 2 + 5, f"{len(executed)} statements for a batch of {N}"
