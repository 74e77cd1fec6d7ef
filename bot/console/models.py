"""The console's tables: staff, their sessions, the audit log, transcripts, handoffs, calls, events."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base


class Staff(Base):
    """A 1420 agent or supervisor."""

    __tablename__ = "console_staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))  # agent | supervisor
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    last_login: Mapped[float | None] = mapped_column(Float, nullable=True)


class StaffSession(Base):
    """A signed-in browser: the cookie holds a token, the table its hash."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie token
    staff_id: Mapped[int] = mapped_column(ForeignKey("console_staff.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float] = mapped_column(Float)
    last_seen: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)  # absolute end of the session


class Audit(Base):
    """Who looked at which citizen's record, when and why; and sign-ins and account changes."""

    __tablename__ = "console_audit"
    __table_args__ = (Index("ix_console_audit_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[float] = mapped_column(Float)
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    record: Mapped[str] = mapped_column(String(160), default="")
    reason: Mapped[str] = mapped_column(String(300), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")


class Conversation(Base):
    """The last turns of a person handed to a human (copied from the buffer at the handoff, then kept)."""

    __tablename__ = "console_conversations"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # channel:user
    channel: Mapped[str] = mapped_column(String(16))
    user: Mapped[str] = mapped_column(String(160))
    turns: Mapped[list] = mapped_column(JSON, default=list)
    flow: Mapped[str | None] = mapped_column(String(64), nullable=True)
    step: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[float] = mapped_column(Float, index=True)


class Handoff(Base):
    """A conversation the bot handed to a human: waiting, taken, returned or closed."""

    __tablename__ = "console_handoffs"
    __table_args__ = (Index("ix_console_handoffs_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    user: Mapped[str] = mapped_column(String(160))
    reason: Mapped[str] = mapped_column(String(32))
    flow: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    created_at: Mapped[float] = mapped_column(Float)
    taken_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    taken_by_name: Mapped[str] = mapped_column(String(64), default="")
    take_reason: Mapped[str] = mapped_column(String(300), default="")
    taken_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    closed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    unread: Mapped[int] = mapped_column(Integer, default=0)


class Call(Base):
    """A service run by an agent for a caller on the phone."""

    __tablename__ = "console_calls"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    staff_id: Mapped[int] = mapped_column(Integer, index=True)
    flow: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(300))
    started_at: Mapped[float] = mapped_column(Float)
    ended_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    national_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    turns: Mapped[list] = mapped_column(JSON, default=list)
    last_result: Mapped[list] = mapped_column(JSON, default=list)
    sms_sent: Mapped[int] = mapped_column(Integer, default=0)


class Event(Base):
    """A measured moment: a service started or ended, a conversation handed off."""

    __tablename__ = "console_events"
    __table_args__ = (Index("ix_console_events_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(16))  # started | ended | handoff
    channel: Mapped[str] = mapped_column(String(16))
    flow: Mapped[str | None] = mapped_column(String(64), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)  # done | cancelled | gave_up | abandoned
    step: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)


class PendingReply(Base):
    """An agent's reply to a web-chat user, kept until the page polls for it."""

    __tablename__ = "console_pending"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user: Mapped[str] = mapped_column(String(160), index=True)
    message: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[float] = mapped_column(Float)

