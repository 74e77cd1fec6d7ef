"""The notifications' tables: the ledger of notices, messenger links, opt-outs, seen events, cursors."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from bot.storage import Base

metadata = Base.metadata  # shared with every module; created by migrations/versions/0002_notify.py

_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only

# One row per (event, recipient, channel): the exactly-once key. Times are seconds since the epoch.
notices = Table(
    "notify_notices", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False),
    Column("recipient", String(40), nullable=False),  # national code, or m:<mobile>
    Column("channel", String(16), nullable=False),  # telegram | bale | sms
    Column("address", String(64), nullable=False),  # chat id or mobile
    Column("kind", String(48), nullable=False),
    Column("priority", String(8), nullable=False, server_default="bulk"),
    Column("state", String(12), nullable=False, server_default="queued"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("facts", Text, nullable=False, server_default="{}"),
    Column("mobile", String(16)),
    Column("provider_id", String(40)),  # Bot API message id or Kavenegar messageid
    Column("error", String(200)),
    Column("lease_until", Float),
    Column("due_at", Float),  # waiting for quiet hours to end or for a retry
    Column("enqueued_at", Float),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("sent_at", Float),
    Column("reported_at", Float),  # the last delivery report
    Column("campaign", String(64)),  # the bulk run (CSV file) it came from, if any
    UniqueConstraint("event_id", "recipient", "channel", name="uq_notify_notices_key"),
)
Index("ix_notify_notices_state_channel", notices.c.state, notices.c.channel)
Index("ix_notify_notices_provider", notices.c.provider_id)
Index("ix_notify_notices_campaign", notices.c.campaign, notices.c.state)

# A messenger account proven to belong to a national code (nc:…) or acting for a workshop (ws:…).
links = Table(
    "notify_links", metadata,
    Column("subject", String(40), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("user_id", String(64), nullable=False),
    Column("mobile", String(16)),
    Column("linked_at", Float, nullable=False),
)
Index("ix_notify_links_user", links.c.channel, links.c.user_id)

# Who asked for no notices: nc:<national code> or m:<mobile>.
optouts = Table(
    "notify_optouts", metadata,
    Column("subject", String(40), primary_key=True),
    Column("source", String(16), nullable=False),  # sms | messenger | settings | console
    Column("at", Float, nullable=False),
)

# Event ids already taken in (a replayed id is refused at the webhook, skipped elsewhere).
events = Table(
    "notify_events", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("type", String(48), nullable=False),
    Column("source", String(16), nullable=False),  # webhook | poll | campaign
    Column("notices", Integer, nullable=False, server_default="0"),
    Column("received_at", Float, nullable=False),
)

# Where the event poller stopped reading.
cursors = Table(
    "notify_cursors", metadata,
    Column("name", String(40), primary_key=True),
    Column("value", String(64)),
    Column("updated_at", Float, nullable=False),
)
