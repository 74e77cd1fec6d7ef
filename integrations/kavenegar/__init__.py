"""Kavenegar SMS REST API: an async client of our own (imports nothing of the bot)."""

from integrations.kavenegar.client import KavenegarClient, Sent, Status
from integrations.kavenegar.errors import KavenegarError, KavenegarTimeout

__all__ = ["KavenegarClient", "KavenegarError", "KavenegarTimeout", "Sent", "Status"]
