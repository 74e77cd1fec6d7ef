"""The console's tables on real PostgreSQL (a schema of this test's own) and the SQLite default:
migrations up and down, sign-in, and the engine's events turned into transcripts, queue and counts."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text

from bot.console import auth, inbox, metrics
from bot.console.recorder import MAX_ENTRIES, Recorder
from bot.engine.messages import Channel, Choice, Inbound, Outbound
from bot.engine.store import MemoryStore
from bot.storage import Database
from tests.support.services import PG_URL as PG

ROOT = Path(__file__).resolve().parents[2]


class _App:
    class state:  # noqa: N801 - mimics app.state
        db: Database


@pytest.fixture
async def pg_db():
    schema = f"console_t_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(PG)
    await conn.execute(f"CREATE SCHEMA {schema}")
    db = Database(PG, schema=schema)
    try:
        yield db
    finally:
        await db.dispose()
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await conn.close()


async def test_postgres_round_trip(pg_db):
    db = pg_db
    await db.migrate()
    await db.migrate()  # idempotent: a second process starting finds it done
    async with db.engine.connect() as conn:
        version = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    assert version
    cfg = auth.ConsoleConfig()
    await auth.create_staff(db, "Sara", "sara-password-1420", "agent", "سارا")
    with pytest.raises(ValueError):
        await auth.create_staff(db, "sara", "another-password-1", "agent")
    with pytest.raises(auth.SignInRefused):
        await auth.sign_in(db, cfg, "sara", "wrong-password")
    token, who = await auth.sign_in(db, cfg, "SARA", "sara-password-1420")
    assert who.role == "agent" and (await auth.session_of(db, cfg, token)).id == who.id
    assert await auth.session_of(db, cfg, token + "x") is None

    app = _App()
    app.state.db = db
    store = MemoryStore()
    rec = Recorder(app, store)
    person = Inbound(Channel.TELEGRAM, "5551", text="کد ملی من ۰۰۹۳۳۳۷۴۲۶ است")
    await rec.flow_started(person, "pension_status")
    for i in range(30):
        await rec.turn(person, [Outbound(f"پاسخ {i}", [Choice("yes", "بله")])], "pension_status")
    await rec.turn(Inbound(Channel.TELEGRAM, "5551", choice="yes"), [Outbound("باشه")], None)
    await rec.flow_ended(person, "pension_status", "gave_up", "national_code")
    await rec.handoff(person, "failed_twice")
    await rec.handoff(person, "asked")  # asking again does not queue twice
    await rec.flow_started(Inbound(Channel.WEB, "w1"), "voluntary_insurance")
    await rec.flow_ended(Inbound(Channel.WEB, "w1"), "voluntary_insurance", "done", None)

    items = await inbox.queue(db)
    assert [(h.channel, h.reason, h.status) for h in items] == [("telegram", "failed_twice", "waiting")]
    _, conv = await inbox.get(db, items[0].id)
    assert 4 <= len(conv.turns) <= MAX_ENTRIES  # the buffer's newest turns, as many as its bytes hold
    assert conv.turns[-2]["text"] == "[بله]"  # a pressed button reads as its title
    assert all("0093337426" not in t["text"] and "۰۰۹۳۳۳۷۴۲۶" not in t["text"] for t in conv.turns)
    await rec.flush()  # service events are written in batches
    rep = await metrics.report(db, 1)
    assert rep.total(rep.started) == 2 and rep.total(rep.finished) == 1 and rep.visits_avoided == 1
    assert rep.dropped_at["pension_status"]["national_code"] == 1
    assert rep.handoffs == {"failed_twice": 1, "asked": 1}
    svg = str(metrics.service_chart(rep, {"pension_status": "مستمری <x>"}, "t",
                                    {"started": "آغاز", "empty": "-", "of": "{done}/{started}",
                                     "web": "وب", "telegram": "تلگرام"}))
    assert svg.startswith("<svg") and "مستمری &lt;x&gt;" in svg

    async with db.engine.begin() as conn:
        await conn.run_sync(_downgrade)
        tables = await conn.scalar(text("SELECT count(*) FROM information_schema.tables "
                                        "WHERE table_schema = current_schema() AND table_name LIKE 'console_%'"))
    assert tables == 0


def _downgrade(sync_conn) -> None:
    from alembic import command

    from bot.storage import alembic_config

    command.downgrade(alembic_config(sync_conn), "base")


def test_create_user_command_on_the_sqlite_default(tmp_path, monkeypatch):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
           "DATABASE_URL": f"sqlite:///{tmp_path}/var/tamin.db"}
    cmd = [sys.executable, "-m", "bot.cli", "console", "create-user", "--username", "Boss", "--role", "supervisor"]
    done = subprocess.run(cmd, input="first-supervisor-pw\n", capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=90)
    assert done.returncode == 0, done.stderr
    assert "created supervisor boss" in done.stdout
    assert (tmp_path / "var" / "tamin.db").exists()
    # the refusals, in-process (the same parser the command uses)
    import argparse
    import io

    from bot.console import cli

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser.add_subparsers())
    monkeypatch.setenv("DATABASE_URL", env["DATABASE_URL"])
    monkeypatch.setattr(sys, "stdin", io.StringIO("first-supervisor-pw\n"))
    args = parser.parse_args(["console", "create-user", "--username", "boss", "--role", "agent"])
    assert args.func(args) == 1  # exists
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    args = parser.parse_args(["console", "create-user", "--username", "x"])
    with pytest.raises(SystemExit, match="at least"):
        args.func(args)


async def test_a_database_at_the_newest_revision_is_not_migrated_again(tmp_path, monkeypatch):
    import bot.storage as storage

    upgrades: list[str] = []
    real = storage._upgrade
    monkeypatch.setattr(storage, "_upgrade", lambda conn: (upgrades.append("up"), real(conn))[1])
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/at-head.db")
    try:
        await db.migrate()  # a fresh database: every revision
        assert upgrades == ["up"]
        async with db.engine.connect() as conn:
            assert {await conn.scalar(text("SELECT version_num FROM alembic_version"))} == storage.head_revisions()
        await db.migrate()  # the next start: nothing to do, Alembic not run
        assert upgrades == ["up"]
        async with db.session() as s:
            await s.execute(text("DELETE FROM alembic_version"))  # no longer at the head: upgraded again
        with pytest.raises(Exception):  # noqa: B017 - Alembic re-runs the first revision on existing tables
            await db.migrate()
        assert upgrades == ["up", "up"]
    finally:
        await db.dispose()
