"""Configuration from the environment; the embedded default needs none."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(RuntimeError):
    """A configuration the bot refuses to start with; the message says what to set."""


class Settings(BaseSettings):
    """Every knob of the bot, read from environment variables of the same name."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    # back-end: unset means the simulator in-process
    tamin_backend_url: str | None = None
    tamin_backend_timeout: float = 5.0
    public_base_url: str = "http://127.0.0.1:8080"

    # stores: unset means in memory (sessions) and SQLite (ledger)
    redis_url: str | None = None
    redis_cluster: bool = False
    database_url: str | None = None
    session_ttl_seconds: int = 24 * 3600

    # identity
    otp_ttl_seconds: int = 180
    otp_max_tries: int = 3
    otp_max_sends: int = 5  # per person, and codes never used per national code, within the window below
    otp_window_seconds: int = 900
    identity_max_mismatches: int = 3  # wrong mobile for a national code, per person per hour
    identity_max_mismatches_per_code: int = 10  # the same, from anyone, per national code per hour
    verified_ttl_seconds: int = 30 * 60

    # SMS through Kavenegar: unset means the local dev outbox
    kavenegar_api_base: str = "https://api.kavenegar.com"
    kavenegar_api_key: str | None = None
    kavenegar_sender: str | None = None
    kavenegar_otp_template: str | None = None
    kavenegar_webhook_secret: str | None = None
    kavenegar_timeout: float = 10.0

    # messengers
    telegram_bot_token: str | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_webhook_secret: str | None = None
    bale_bot_token: str | None = None
    bale_api_base: str = "https://tapi.bale.ai"
    bale_webhook_secret: str | None = None

    # optional parts installed into the HTTP app (comma-separated; empty: only the web chat)
    modules: str = "messenger,sms,notify,console,ops"

    # NLU
    rasa_url: str | None = None
    nlu_threshold: float | None = None

    # notifications
    events_hmac_secret: str | None = None

    # the perimeter: development parts, operator endpoints, hostile input
    tamin_dev: bool = False  # development parts (dev outbox, /sim) even with real gateways or messengers
    ops_token: str | None = None  # bearer token for /metrics and /openapi.json outside the embedded default
    web_cookie_name: str = "tamin_web"
    body_limit_chat: int = 16 * 1024
    body_limit_default: int = 1024 * 1024
    verify_per_minute: int = 20  # /verify/{code} lookups per client

    @property
    def sms_gateway_configured(self) -> bool:
        return bool(self.kavenegar_api_key)

    @property
    def messenger_configured(self) -> bool:
        return bool(self.telegram_bot_token or self.bale_bot_token)

    @property
    def embedded_default(self) -> bool:
        """No real SMS gateway and no messenger: everything stays on this machine."""
        return not (self.sms_gateway_configured or self.messenger_configured)

    @property
    def dev_parts(self) -> bool:
        """Development parts (dev outbox, the simulator's HTTP mount) may be served."""
        return self.embedded_default or self.tamin_dev


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
