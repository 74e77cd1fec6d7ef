"""One configuration: a single settings tree, read once and passed down to every part."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.services import redis_db

ROOT = Path(__file__).resolve().parents[2]


def _settings(**kw):
    from bot.settings import Settings

    base = dict(tamin_backend_url="http://127.0.0.1:9", kavenegar_api_key="k" * 24, telegram_bot_token="1:x",
                telegram_webhook_secret="s", bale_bot_token=None, redis_url=None, tamin_dev=False)
    return Settings(**{**base, **kw})


def test_the_parts_take_their_knobs_from_the_settings_given_to_create_app(tmp_path):
    from bot.app import create_app
    from bot.settings import ChannelSettings, ConsoleConfig, NotifySettings

    settings = _settings(modules="messenger,console,notify", redis_url=redis_db(10),
                         database_url=f"sqlite+aiosqlite:///{tmp_path}/s.db",
                         channels=ChannelSettings(rate_chat_burst=7, ingress_workers=0),
                         notify=NotifySettings(workers=0, sms_rate=3.5),
                         console=ConsoleConfig(session_idle_minutes=11, auto_migrate=False))
    app = create_app(settings)
    assert app.state.channels.cfg.rate_chat_burst == 7
    assert app.state.notify.cfg.sms_rate == 3.5 and app.state.notify.cfg.workers == 0
    assert app.state.console_config.session_idle_minutes == 11


def test_the_old_names_are_the_same_classes():
    from bot.channels.config import ChannelSettings
    from bot.console.auth import ConsoleConfig
    from bot.notify.config import NotifySettings
    from bot.settings import Settings

    fields = Settings.model_fields
    assert fields["channels"].annotation is ChannelSettings
    assert fields["notify"].annotation is NotifySettings
    assert fields["console"].annotation is ConsoleConfig


def test_the_environment_still_reaches_each_part(monkeypatch, tmp_path):
    from bot.settings import Settings

    monkeypatch.setenv("NOTIFY_SMS_RATE", "2.5")
    monkeypatch.setenv("CONSOLE_LOCK_MINUTES", "9")
    monkeypatch.setenv("RATE_CHAT_BURST", "4")
    monkeypatch.setenv("TAMIN_DATA_DIR", str(tmp_path))
    s = Settings()
    assert (s.notify.sms_rate, s.console.lock_minutes, s.channels.rate_chat_burst) == (2.5, 9, 4)
    assert s.data_dir == tmp_path


def test_tamin_data_dir_is_read_in_one_place_and_the_cli_sets_no_environment():
    readers = []
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("integrations/**/*.py"), *ROOT.glob("basics/*.py")]:
        if re.search(r"environ(?:\.get)?[\[(]\s*['\"]TAMIN_DATA_DIR", path.read_text(encoding="utf-8")):
            readers.append(str(path.relative_to(ROOT)))
    assert readers == ["basics/paths.py"]
    cli = (ROOT / "bot" / "cli.py").read_text(encoding="utf-8")
    assert "os.environ" not in cli


def test_the_server_defaults_its_public_url_to_its_own_address(monkeypatch):
    from bot.settings import get_settings, settings_for_serving

    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert settings_for_serving("http://127.0.0.1:8123").public_base_url == "http://127.0.0.1:8123"
        monkeypatch.setenv("PUBLIC_BASE_URL", "https://bot.tamin.ir")
        get_settings.cache_clear()
        assert settings_for_serving("http://127.0.0.1:8123").public_base_url == "https://bot.tamin.ir"
    finally:
        get_settings.cache_clear()
