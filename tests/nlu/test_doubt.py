"""Calibrated doubt, the project hold-out and the truthful answers to needs told in people's own words."""

import re
from pathlib import Path

import pytest

from bot.nlu import NLU, default_nlu, load_data
from bot.nlu.model import Doubt, data_path
from bot.nlu.normalize import normalize

HERE = Path(__file__).parent
HOLDOUT = HERE / "holdout_citizens.yml"


def _key(text: str) -> str:
    return normalize(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text))


@pytest.fixture(scope="module")
def nlu() -> NLU:
    return default_nlu()


def test_holdout_is_large_and_disjoint_from_training_after_normalization() -> None:
    held = load_data(HOLDOUT).examples
    train = {_key(e.text) for e in load_data(data_path()).examples}
    assert len(held) >= 200
    assert [e.text for e in held if _key(e.text) in train] == []


def test_holdout_citizen_accuracy(nlu: NLU) -> None:
    held = load_data(HOLDOUT).examples
    wrong = [(e.text, e.intent, nlu.parse(e.text)["intent"]["name"]) for e in held
             if nlu.parse(e.text)["intent"]["name"] != e.intent]
    assert len(wrong) <= len(held) * 0.01, wrong  # at least 99 % (issue 18: ≥ 97, and ahead of Rasa's 96–98)


@pytest.mark.parametrize(("text", "intent"), [
    ("بیمه بیکاری", "unemployment_insurance"),
    ("از کار بیکار شدم", "unemployment_insurance"),
    ("مادرم فوت کرده مستمری‌اش چی میشه", "survivor_pension"),
    ("کد ملیمو یادم نیست", "forgot_national_code"),
    ("بچه‌دار شدم میخوام اضافه‌اش کنم", "dependents"),
    ("مستمری مادرم", "pension_status"),
])
def test_needs_told_as_life_events(nlu: NLU, text: str, intent: str) -> None:
    assert nlu.parse(text)["intent"]["name"] == intent


def test_new_intents_have_catalog_answers_mapped_in_the_engine() -> None:
    from bot.engine import catalog
    from bot.engine.dialogue import INFO

    for intent in ("unemployment_insurance", "survivor_pension", "forgot_national_code"):
        assert catalog.has(INFO[intent]) and catalog.has(INFO[intent] + ".sms")


def test_doubt_needs_both_low_confidence_and_a_small_margin() -> None:
    d = Doubt(threshold=0.5, margin=0.3)
    assert d.floor == 0.3
    assert d.unsure(0.4, 0.1)
    assert not d.unsure(0.45, 0.35)  # low but clearly ahead of the runner-up: act on it
    assert not d.unsure(0.6, 0.05)
    assert Doubt(0.31, 1.0).unsure(0.3, 0.29) and Doubt(0.31, 1.0).floor == 0.31  # a plain threshold


def test_doubt_is_chosen_by_cross_validation_and_engine_cut_never_drops_an_accepted_intent(nlu: NLU) -> None:
    d = nlu.doubt
    assert 0.05 <= d.threshold <= 0.7 and 0.0 <= d.margin <= 0.6 and d.temperature > 0
    assert nlu.threshold == d.floor
    for e in load_data(HOLDOUT).examples:
        r = nlu.parse(e.text)
        if r["intent"]["name"] != "out_of_scope":
            assert r["intent"]["confidence"] >= nlu.threshold


def test_parse_exposes_margin_and_three_services_to_clarify(nlu: NLU) -> None:
    r = nlu.parse("خدا یه دختر بهمون داده میخوام بیمه اش کنم")
    assert set(r) >= {"text", "intent", "intent_ranking", "entities", "margin", "clarify"}
    ranking = r["intent_ranking"]
    assert r["margin"] >= 0
    if r["intent"]["name"] == "out_of_scope":
        assert len(r["clarify"]) == 3 and "out_of_scope" not in r["clarify"]
        assert r["clarify"] == [x["name"] for x in ranking if x["name"] != "out_of_scope"][:3]
    sure = nlu.parse("گواهی وضعیت مستمری")
    assert sure["clarify"] == [] and sure["margin"] > 0.3


def test_explicit_threshold_keeps_the_plain_rule() -> None:
    exs = load_data(data_path()).examples[:400]
    m = NLU.train(exs, threshold=0.3)
    assert m.threshold == 0.3 and m.doubt.margin == 1.0
