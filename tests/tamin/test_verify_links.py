"""17.9: certificates' verification links point at the bot's public address, whoever serves the back-end."""

from __future__ import annotations

import pytest


async def test_the_client_is_told_the_bots_public_base(sim_url: str) -> None:
    """With a back-end elsewhere (TAMIN_BACKEND_URL), the link still opens the bot's page."""
    from tamin_helpers import NC, key

    from integrations.tamin.client import TaminClient

    async with TaminClient(sim_url, verify_base="https://bot.example.ir/") as tamin:
        cert = await tamin.insurance_certificate(NC["worker-insured"], key())
    assert cert.verify_url == f"https://bot.example.ir/verify/{cert.verification_code}"


def test_the_simulator_links_to_the_bot_that_mounts_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from integrations.tamin.simulator.world import verify_base_for

    assert verify_base_for("https://bot.example.ir/sim") == "https://bot.example.ir"
    assert verify_base_for("http://127.0.0.1:8090") == "http://127.0.0.1:8090"  # alone: its own JSON check
    assert verify_base_for("http://127.0.0.1:8090", "https://bot.example.ir/") == "https://bot.example.ir"
    monkeypatch.setenv("TAMIN_SIM_VERIFY_BASE", "https://partner-check.example.ir")
    assert verify_base_for("http://127.0.0.1:8090") == "https://partner-check.example.ir"
