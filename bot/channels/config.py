"""Knobs of the channel adapters, read from the environment (none is needed)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ChannelSettings(BaseSettings):
    """Ingress workers, leases, retries and outbound rates."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    ingress_workers: int = 4  # worker tasks in the server process (0: separate workers only)
    ingress_lease_seconds: float = 6.0  # renewed every 2 s; a dead worker's people are taken over after this
    ingress_max_attempts: int = 4  # then the update is parked in the dead-letter list
    ingress_backoff_seconds: float = 0.5  # doubled after each failed attempt
    ingress_send_backoff_max_seconds: float = 10.0  # a failing send is tried again at least this often
    ingress_send_give_up_seconds: float = 900.0  # then it goes to the dead letters (re-drivable)
    ingress_dedup_seconds: int = 24 * 3600
    ingress_prefix: str = "tamin:ing"
    rate_global_per_second: float = 30.0  # messages per bot
    rate_chat_per_second: float = 1.0
    rate_chat_burst: int = 3  # one turn's few messages go out at once
    document_timeout_seconds: float = 15.0
    bot_api_timeout_seconds: float = 15.0  # one Bot API request (aiogram's default is 60 s)
    poll_timeout_seconds: int = 25
