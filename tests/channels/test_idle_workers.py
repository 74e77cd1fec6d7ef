"""A server that no update can reach starts no ingress workers (they would poll Redis for nothing)."""

from __future__ import annotations

from tests.channels.support import bot_env, bot_server
from tests.support.services import redis_db

REDIS_DB9 = redis_db(9)
NO_DOORS = {"TELEGRAM_BOT_TOKEN": "", "BALE_BOT_TOKEN": "", "KAVENEGAR_WEBHOOK_SECRET": "", "INGRESS_WORKERS": "4"}


def test_a_server_without_webhooks_runs_no_ingress_workers(bot_api, kavenegar, redis_available):
    with bot_server(bot_env(bot_api, kavenegar, REDIS_DB9, **NO_DOORS), with_app=True) as (_, app):
        assert app.state.channels.running == 0


def test_a_server_with_the_sms_webhook_runs_its_ingress_workers(bot_api, kavenegar, redis_available):
    env = bot_env(bot_api, kavenegar, REDIS_DB9, **{**NO_DOORS, "KAVENEGAR_WEBHOOK_SECRET": "s3cret"})
    with bot_server(env, with_app=True) as (_, app):
        assert app.state.channels.running == 4
