"""«لغو» by SMS with nothing in progress stops notices; inside a service it only cancels the service."""

from __future__ import annotations

import pytest

from bot.app import build_engine
from bot.engine.hooks import Hooks, MultiHooks
from bot.engine.messages import Channel, Inbound
from bot.settings import Settings


class Notices(Hooks):
    def __init__(self) -> None:
        self.stopped: list[str] = []

    async def opt_out(self, inbound):
        self.stopped.append(inbound.user)
        return "engine.no_notices"


@pytest.fixture
async def setup(simulator_url):
    notices = Notices()
    engine = build_engine(Settings(tamin_backend_url=simulator_url, modules=""), hooks=MultiHooks(notices))
    yield engine, notices
    await engine.deps.api.aclose()


async def test_sms_cancel_with_nothing_in_progress_stops_notices(setup):
    engine, notices = setup
    await engine.handle(Inbound(Channel.SMS, "09120000113", text="لغو"))
    assert notices.stopped == ["09120000113"]


async def test_sms_cancel_inside_a_service_only_cancels_it(setup):
    engine, notices = setup
    await engine.handle(Inbound(Channel.SMS, "09120000114", text="مستمری"))
    out = await engine.handle(Inbound(Channel.SMS, "09120000114", text="لغو"))
    assert "لغو شد" in out[0].text and notices.stopped == []


async def test_stop_notices_words_work_on_every_channel(setup):
    engine, notices = setup
    await engine.handle(Inbound(Channel.TELEGRAM, "77", text="لغو اطلاعیه‌ها"))
    assert notices.stopped == ["77"]
