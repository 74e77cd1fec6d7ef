"""docs/FLOWS-GUIDE.md done for real: a new service (a pensioner's loan) is one flow module, its texts,
its NLU examples, its guide entry and its back-end operation; no engine file changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.engine import catalog
from bot.flows import registry
from tests.flows.harness import Person, make_engine

HERE = Path(__file__).parent / "fixtures"
DATA = Path(__file__).resolve().parents[2] / "data"
PENSIONER, PENSIONER_MOBILE = "0016383230", "09120000101"


class LoanBackend:
    """The real back-end client plus the new operation, faked in-process (the contract is not there yet)."""

    def __init__(self, api) -> None:
        self.api, self.calls = api, []

    def __getattr__(self, name):
        return getattr(self.api, name)

    async def pension_loan(self, national_code: str, amount: int, idempotency_key: str) -> str:
        self.calls.append((national_code, amount, idempotency_key))
        return "LN-1405-0042"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """The project's data with the new service's texts, NLU examples and guide entry added."""
    root = tmp_path / "data"
    shutil.copytree(DATA, root, ignore=shutil.ignore_patterns("simulator"))
    (root / "simulator").symlink_to(DATA / "simulator")
    shutil.copy(HERE / "loan.fa.yml", root / "texts" / "loan.fa.yml")
    with (root / "nlu.yml").open("a", encoding="utf-8") as f:
        f.write("\n" + (HERE / "loan.nlu.yml").read_text(encoding="utf-8"))
    guide = root / "knowledge" / "services.fa.yml"
    guide.write_text(guide.read_text(encoding="utf-8").replace(
        "services:\n", "services:\n" + (HERE / "loan.guide.yml").read_text(encoding="utf-8"), 1), encoding="utf-8")
    monkeypatch.setenv("TAMIN_DATA_DIR", str(root))
    caches = (catalog.texts, registry.nlu_intents, registry.guide_ids)
    for cache in caches:
        cache.cache_clear()
    yield root
    monkeypatch.delenv("TAMIN_DATA_DIR")
    for cache in caches:
        cache.cache_clear()


async def test_a_pensioner_asks_for_a_loan_through_the_new_service(data_dir, simulator_url):
    flows = registry.load_flows([*registry.SERVICE_MODULES, "tests.flows.fixtures.loan"])  # checked at load
    assert "pension_loan" in flows
    engine = make_engine(simulator_url, flows)
    backend = engine.deps.api = LoanBackend(engine.deps.api)
    person = Person(engine, "u-loan")
    try:
        assert "svc:pension_loan" in {c.id for c in engine._menu(_ctx(engine))}
        answer = await person.say("درخواست وام بازنشستگی دارم")  # the NLU examples route it
        assert "کد ملی" in answer and "وام مستمری‌بگیران" in answer, answer
        await person.say(PENSIONER)
        await person.say(PENSIONER_MOBILE)
        answer = await person.say(person.code(PENSIONER_MOBILE))
        assert "مبلغ وام" in answer, answer
        answer = await person.say("مدارک چی لازمه؟")  # the flow's faq, through the engine's digression
        assert "مدرکی لازم نیست" in answer and "مبلغ وام" in answer, answer
        assert "سقف" in await person.say("۹۰۰ میلیون ریال")
        answer = await person.say("۲۰۰ میلیون ریال")
        assert "۲۰۰٬۰۰۰٬۰۰۰ ریال" in answer and "ثبت شود" in answer, answer
        answer = await person.press("yes")
        assert "LN-۱۴۰۵-۰۰۴۲" in answer, answer
        assert backend.calls == [(PENSIONER, 200_000_000, backend.calls[0][2])]
    finally:
        await engine.deps.api.aclose()


def test_a_new_service_without_its_intent_is_refused_at_load() -> None:
    from bot.engine.checks import FlowError

    with pytest.raises(FlowError, match="pension_loan"):
        registry.load_flows([*registry.SERVICE_MODULES, "tests.flows.fixtures.loan"])


def _ctx(engine):
    from bot.engine.context import Ctx
    from bot.engine.messages import Channel, Inbound
    from bot.engine.session import Session

    return Ctx(engine.deps, Session(), Inbound(Channel.WEB, "menu"))
