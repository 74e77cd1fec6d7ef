"""Notification tables: the notice ledger, messenger links, opt-outs, seen events, poll cursors.

Revision ID: 0002_notify
Revises: 0001_console
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_notify"
down_revision = "0001_console"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "notify_notices",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("priority", sa.String(8), nullable=False, server_default="bulk"),
        sa.Column("state", sa.String(12), nullable=False, server_default="queued"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("facts", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("mobile", sa.String(16), nullable=True),
        sa.Column("provider_id", sa.String(40), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("lease_until", sa.Float(), nullable=True),
        sa.Column("due_at", sa.Float(), nullable=True),
        sa.Column("enqueued_at", sa.Float(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("sent_at", sa.Float(), nullable=True),
        sa.Column("reported_at", sa.Float(), nullable=True),
        sa.Column("campaign", sa.String(64), nullable=True),
        sa.UniqueConstraint("event_id", "recipient", "channel", name="uq_notify_notices_key"),
    )
    op.create_index("ix_notify_notices_state_channel", "notify_notices", ["state", "channel"])
    op.create_index("ix_notify_notices_provider", "notify_notices", ["provider_id"])
    op.create_index("ix_notify_notices_campaign", "notify_notices", ["campaign", "state"])
    op.create_table(
        "notify_links",
        sa.Column("subject", sa.String(40), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("mobile", sa.String(16), nullable=True),
        sa.Column("linked_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_notify_links_user", "notify_links", ["channel", "user_id"])
    op.create_table(
        "notify_optouts",
        sa.Column("subject", sa.String(40), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
    )
    op.create_table(
        "notify_events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("type", sa.String(48), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("notices", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("received_at", sa.Float(), nullable=False),
    )
    op.create_table(
        "notify_cursors",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    for table in ("notify_cursors", "notify_events", "notify_optouts", "notify_links", "notify_notices"):
        op.drop_table(table)
