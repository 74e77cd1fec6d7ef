"""Knobs of the channel adapters (``INGRESS_*``, ``RATE_*``): a part of the one settings tree."""

from __future__ import annotations

from bot.settings import ChannelSettings

__all__ = ["ChannelSettings"]
