"""Console tables: staff, sessions, audit log, transcripts, handoffs, calls, events, web replies.

Revision ID: 0001_console
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_console"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_staff",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.Float(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_login", sa.Float(), nullable=True),
    )
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("console_staff.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_seen", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_console_sessions_staff_id", "console_sessions", ["staff_id"])
    op.create_table(
        "console_audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("record", sa.String(160), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
    )
    op.create_index("ix_console_audit_at", "console_audit", ["at"])
    op.create_table(
        "console_conversations",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user", sa.String(160), nullable=False),
        sa.Column("turns", sa.JSON(), nullable=False),
        sa.Column("flow", sa.String(64), nullable=True),
        sa.Column("step", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_console_conversations_updated_at", "console_conversations", ["updated_at"])
    op.create_table(
        "console_handoffs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("user", sa.String(160), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("flow", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("taken_by", sa.Integer(), nullable=True),
        sa.Column("taken_by_name", sa.String(64), nullable=False),
        sa.Column("take_reason", sa.String(300), nullable=False),
        sa.Column("taken_at", sa.Float(), nullable=True),
        sa.Column("closed_at", sa.Float(), nullable=True),
        sa.Column("unread", sa.Integer(), nullable=False),
    )
    op.create_index("ix_console_handoffs_key", "console_handoffs", ["key"])
    op.create_index("ix_console_handoffs_status", "console_handoffs", ["status", "created_at"])
    op.create_table(
        "console_calls",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("ended_at", sa.Float(), nullable=True),
        sa.Column("national_code", sa.String(16), nullable=True),
        sa.Column("turns", sa.JSON(), nullable=False),
        sa.Column("last_result", sa.JSON(), nullable=False),
        sa.Column("sms_sent", sa.Integer(), nullable=False),
    )
    op.create_index("ix_console_calls_staff_id", "console_calls", ["staff_id"])
    op.create_table(
        "console_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("flow", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("step", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(32), nullable=True),
    )
    op.create_index("ix_console_events_at", "console_events", ["at"])
    op.create_table(
        "console_pending",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user", sa.String(160), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_console_pending_user", "console_pending", ["user"])


def downgrade() -> None:
    for table in ("console_pending", "console_events", "console_calls", "console_handoffs",
                  "console_conversations", "console_audit", "console_sessions", "console_staff"):
        op.drop_table(table)
