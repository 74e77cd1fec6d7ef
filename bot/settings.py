"""Configuration from the environment, one tree read once and passed down; the embedded default needs none.

``Settings`` holds every knob; its parts ``channels``, ``notify`` and ``console`` are the sub-models the
channel adapters, the notifications and the console take (``bot.channels.config.ChannelSettings``,
``bot.notify.config.NotifySettings`` and ``bot.console.auth.ConsoleConfig`` are these same classes).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from basics.paths import data_dir as _data_dir


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
    ingress_shards: int = 16  # hash tags the ingress keys are spread over (Redis Cluster: over the masters)
    ingress_congested_seconds: float = 1.0  # past this wait, people writing now are served before the backlog
    ingress_idle_sweep_max_seconds: float = 8.0  # idle workers look through every shard at least this often
    rate_global_per_second: float = 30.0  # messages per bot
    rate_chat_per_second: float = 1.0
    rate_chat_burst: int = 3  # one turn's few messages go out at once
    document_timeout_seconds: float = 15.0
    bot_api_timeout_seconds: float = 15.0  # one Bot API request (aiogram's default is 60 s)
    poll_timeout_seconds: int = 25


class NotifySettings(BaseSettings):
    """Queue, rates, retries, quiet hours and intake of the notifications."""

    model_config = SettingsConfigDict(env_prefix="NOTIFY_", env_file=None, extra="ignore", case_sensitive=False)

    prefix: str = "tamin:notify"  # Redis keys: streams, delayed set, dead letters
    group: str = "dispatch"  # the consumer group every worker joins
    workers: int = 1  # dispatch tasks inside the server process (0: separate workers only)
    batch: int = 100  # stream entries read at once
    concurrency: int = 64  # sends in flight per worker
    claim_idle_seconds: float = 60.0  # a stream entry unacked this long is taken over (XAUTOCLAIM)
    lease_seconds: float = 120.0  # a notice being sent is not sent by another worker before this
    block_ms: int = 1000  # how long a worker waits on an empty stream
    # a stream entry as one JSON field (a ninth of the parsing); on only once no worker older than the
    # reader of both forms is left: older workers acknowledge such entries as unreadable, unsent
    compact_entries: bool = False

    limits: bool = True  # shared rate limits on; off only for measurements
    messenger_rate: float = 30.0  # messages a second per bot (Telegram's bulk limit)
    sms_rate: float = 20.0  # messages a second through the SMS gateway
    chat_rate: float = 1.0  # messages a second to one chat or mobile
    chat_burst: int = 3

    max_attempts: int = 5  # then the notice fails and goes to the dead-letter list
    backoff_seconds: float = 5.0  # doubled after each failed attempt
    backoff_max_seconds: float = 3600.0
    send_timeout_seconds: float = 10.0

    timezone: str = "Asia/Tehran"
    quiet_start: str = "22:00"  # SMS waits from here …
    quiet_end: str = "07:00"  # … until here; messengers may go any time

    replay_window_seconds: int = 300  # signed events older or newer than this are refused
    poll: bool = False  # read the back-end's event feed (for back-ends that cannot push)
    poll_interval_seconds: float = 15.0
    status_poll_interval_seconds: float = 120.0  # Kavenegar delivery reports


class ConsoleConfig(BaseSettings):
    """The console's knobs: ``CONSOLE_SESSION_IDLE_MINUTES`` and so on."""

    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore")

    session_idle_minutes: int = 30
    session_hours: int = 12  # one shift; then sign in again
    max_failures: int = 5
    lock_minutes: int = 15
    min_password_length: int = 10
    cookie_secure: bool | None = None  # unset: secure when the public URL is https
    auto_migrate: bool = True
    # sign-in failures from one source (as uvicorn reports the client) within the window: from
    # ``source_slow_after`` on every try waits longer, from ``source_refuse_after`` on tries are refused
    source_window_minutes: int = 15
    source_slow_after: int = 10
    source_refuse_after: int = 20
    source_max_delay_seconds: float = 4.0


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
    turns_in_flight: int = 32  # turns one process runs at once; the rest wait (see Engine.handle)
    turn_queue_seconds: float = 20.0  # how long a web request waits for its turn before «busy»

    # identity
    otp_ttl_seconds: int = 180
    otp_max_tries: int = 3
    otp_max_sends: int = 5  # per person, and codes never used per national code, within the window below
    otp_window_seconds: int = 900
    identity_max_mismatches: int = 3  # wrong mobile for a national code, per person per hour
    identity_max_mismatches_per_code: int = 10  # the same, from anyone, per national code per hour
    verified_ttl_seconds: int = 30 * 60
    resume_window_minutes: int = 30  # an unfinished request is offered again («ادامه …؟») only this long after its last answer

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

    # the parts, each read from its own variables (INGRESS_*/RATE_*, NOTIFY_*, CONSOLE_*)
    channels: ChannelSettings = Field(default_factory=ChannelSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    console: ConsoleConfig = Field(default_factory=ConsoleConfig)
    data_dir: Path = Field(default_factory=_data_dir, validation_alias=AliasChoices("tamin_data_dir", "data_dir"))

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


def settings_for_serving(own_url: str) -> Settings:
    """The process-wide settings, with ``PUBLIC_BASE_URL`` defaulting to the server's own address."""
    settings = get_settings()
    if "public_base_url" not in settings.model_fields_set:
        settings = settings.model_copy(update={"public_base_url": own_url})
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
