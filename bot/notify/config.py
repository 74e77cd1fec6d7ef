"""Knobs of the notifications (``NOTIFY_*``): a part of the one settings tree (``Settings.notify``)."""

from __future__ import annotations

from bot.settings import NotifySettings

__all__ = ["NotifySettings"]
