"""Classifier, parse API shape, HTTP router, Rasa fallback and CLI."""

import argparse
import json
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.nlu import NLU, alternatives, cli, load_data
from bot.nlu.http import make_router
from bot.nlu.model import data_path
from bot.nlu.rasa import RasaBackend, postprocess

HERE = Path(__file__).parent
TINY = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - سلام
    - سلام خوبی
    - درود
    - salam
- intent: debt
  examples: |
    - بدهی کارگاه [1234567890](workshop_code)
    - بدهی کارگاه
    - bedehi
    - بدهی کارگاه [2345678901]{"entity": "workshop_code"}
- synonym: بدهی
  examples: |
    - بدهکاری
- regex: code
  examples: |
    - \\d{10}
- lookup: city
  examples: |
    - تهران
"""


@pytest.fixture(scope="module")
def nlu() -> NLU:
    return NLU.from_yaml(data_path())


def test_heldout_intents(nlu: NLU) -> None:
    held = load_data(HERE / "heldout.yml").examples
    train_lines = {e.text for e in load_data(data_path()).examples}
    assert not any(e.text in train_lines for e in held)
    wrong = [(e.text, e.intent, nlu.parse(e.text)["intent"]["name"]) for e in held
             if nlu.parse(e.text)["intent"]["name"] != e.intent]
    assert len(wrong) <= len(held) * 0.1, wrong


@pytest.mark.parametrize(("text", "intent"), [
    ("mostamari man variz shode?", "pension_status"),
    ("بيمه ام رد شده؟", "insurance_record"),
    ("بدهي كارگاه", "employer_debt"),
    ("sarbazi", "military_service"),
    ("اپراتور", "handoff"),
    ("بیخیال", "cancel"),
])
def test_key_phrases(nlu: NLU, text: str, intent: str) -> None:
    assert nlu.parse(text)["intent"]["name"] == intent


def test_parse_shape(nlu: NLU) -> None:
    text = "كد ملي من ۰۰۱۶۳۸۳۲۳۰ است، میخوام همسرم رو اضافه کنم"
    r = nlu.parse(text)
    assert set(r) == {"text", "intent", "intent_ranking", "entities", "margin", "clarify"}
    assert r["text"] == text
    assert set(r["intent"]) == {"name", "confidence"}
    assert len(r["intent_ranking"]) == 10
    assert all(set(x) == {"name", "confidence"} for x in r["intent_ranking"])
    confs = [x["confidence"] for x in r["intent_ranking"]]
    assert confs == sorted(confs, reverse=True)
    for e in r["entities"]:
        assert set(e) == {"start", "end", "value", "entity", "confidence_entity", "extractor"}
    ents = {e["entity"]: e for e in r["entities"]}
    nc = ents["national_code"]
    assert text[nc["start"]:nc["end"]] == "۰۰۱۶۳۸۳۲۳۰" and nc["value"] == "0016383230"
    assert ents["relation"]["value"] == "همسر"
    json.dumps(r)


def test_out_of_scope_and_alternatives(nlu: NLU) -> None:
    r = nlu.parse("")
    assert r["intent"]["name"] == "out_of_scope"
    r = nlu.parse("qwerty zxcv")
    assert len(alternatives(r)) == 2 and "out_of_scope" not in alternatives(r)


def test_save_load_roundtrip(nlu: NLU, tmp_path: Path) -> None:
    nlu.save(tmp_path / "m.pkl")
    again = NLU.load(tmp_path / "m.pkl")
    assert again.parse("سلام") == nlu.parse("سلام")


def test_http_router(nlu: NLU) -> None:
    app = FastAPI()
    app.include_router(make_router(lambda: nlu))
    r = TestClient(app).post("/model/parse", json={"text": "سلام"})
    assert r.status_code == 200 and r.json()["intent"]["name"] == "greet"


async def test_rasa_fallback_and_postprocess(nlu: NLU) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "down" in str(request.url):
            return httpx.Response(503)
        body = json.loads(request.content)
        return httpx.Response(200, json={"text": body["text"], "intent": {"name": "greet", "confidence": 0.9},
                                         "entities": [{"start": 0, "end": 10, "entity": "national_code",
                                                       "value": "x", "extractor": "DIETClassifier"}]})

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    up = RasaBackend("http://rasa.test", client=client, fallback=lambda: nlu)
    r = await up.aparse("0016383231 و 0023564806")
    assert r["intent"]["name"] == "greet"
    assert [e["value"] for e in r["entities"]] == ["0023564806"]  # bad checksum dropped, rule one added
    down = RasaBackend("http://down.test", client=client, fallback=lambda: nlu)
    assert (await down.aparse("سلام"))["intent"]["name"] == "greet"
    none = RasaBackend("http://127.0.0.1:9", timeout=0.5, fallback=nlu)
    assert (await none.aparse("بیخیال"))["intent"]["name"] == "cancel"
    assert none.parse("بیخیال")["intent"]["name"] == "cancel"
    assert none.threshold == nlu.threshold
    assert postprocess("x", {"intent": {"name": "a", "confidence": 1}})["intent_ranking"]


def test_cli_on_tiny_file(tmp_path: Path) -> None:
    data = tmp_path / "tiny.yml"
    data.write_text(TINY, encoding="utf-8")
    model = tmp_path / "tiny.pkl"
    nlu = cli.train(data, model)
    assert set(nlu.intents()) == {"greet", "debt"}
    report = cli.evaluate(model, data)
    assert report["examples"] == 8 and report["intent_accuracy"] >= 0.75
    assert {"intent_macro_f1", "entity_precision", "entity_recall", "entity_f1", "top_confusions",
            "ms_per_utterance"} <= set(report)
    assert cli.parse("سلام", model)["intent"]["name"] == "greet"
    ap = argparse.ArgumentParser()
    cli.add_arguments(ap.add_subparsers(dest="command"))
    args = ap.parse_args(["nlu", "evaluate", "--model", str(model), "--data", str(data)])
    assert args.func(args) == 0


def test_rasa_file_parsing() -> None:
    d = load_data(TINY)
    assert len(d.examples) == 8
    ex = next(e for e in d.examples if "2345678901" in e.text)
    assert ex.text == "بدهی کارگاه 2345678901"
    assert ex.entities[0].entity == "workshop_code" and ex.text[ex.entities[0].start:ex.entities[0].end] == "2345678901"
    assert d.synonyms["بدهکاری"] == "بدهی" and d.regexes["code"] and d.lookups["city"] == ["تهران"]


FLIGHTS = """version: "3.1"
nlu:
- intent: flight
  examples: |
    - پرواز از [تهران](city) به [شیراز](city)
    - پروازهای [مشهد](city) به [تبریز](city) را نشان بده
    - بلیت پرواز از [اصفهان](city) به [تهران](city) برای فردا
    - پرواز [شیراز](city) به [مشهد](city)
- intent: airfare
  examples: |
    - قیمت بلیت [تهران](city) به [مشهد](city) چند است
    - کرایه پرواز از [تبریز](city) به [اصفهان](city)
    - ارزان‌ترین بلیت [شیراز](city) به [تهران](city)
"""


def test_another_domains_data_gets_only_its_own_entity_types(tmp_path: Path) -> None:
    data = tmp_path / "flights.yml"
    data.write_text(FLIGHTS, encoding="utf-8")
    nlu = NLU.from_yaml(data)
    got = nlu.parse("پرواز از تهران به شیراز برای مادرم ۱۲ خرداد ۱۴۰۳ با ۵۰۰ هزار تومان")["entities"]
    assert {e["entity"] for e in got} == {"city"}, got  # no relation, date or amount: this data has none
    project = NLU.from_yaml(data_path()).parse("بدهی مادرم ۵۰۰ هزار تومان است")["entities"]
    assert {"relation", "amount"} <= {e["entity"] for e in project}  # the project's data annotates them


def test_the_projects_data_keeps_every_rule_entity_type(nlu: NLU) -> None:
    # rule entities are emitted only for annotated types: a type dropped from data/nlu.yml would vanish
    assert {"sheba", "mobile", "national_code", "workshop_code", "insurance_number", "date", "contract_number",
            "amount", "months", "relation"} <= nlu.entity_types()


def test_a_learned_span_around_a_rule_span_of_its_type_gives_the_data_its_own_boundaries(tmp_path):
    """A dataset that annotates «دوشنبه ۱۲ مهر» as one date gets that span back, with the rule's value."""
    from bot.nlu.model import NLU

    days = ["شنبه", "یکشنبه", "دوشنبه", "سه شنبه", "چهارشنبه", "پنجشنبه"]
    months = ["مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"]
    lines = []
    for i, (d, m) in enumerate((d, m) for d in days for m in months):
        lines.append(f"    - جلسه [{d} {i % 27 + 1} {m}](date) رو یادم بنداز")
        lines.append(f"    - برای [{d} {i % 27 + 2} {m}](date) یادآوری بذار")
    data = tmp_path / "nlu.yml"
    data.write_text('version: "3.1"\nnlu:\n- intent: remind\n  examples: |\n' + "\n".join(lines)
                    + "\n- intent: other\n  examples: |\n    - سلام\n    - خداحافظ\n    - ممنون\n    - هوا چطوره\n",
                    encoding="utf-8")
    nlu = NLU.from_yaml(data)
    text = "جلسه دوشنبه 12 مهر رو یادم بنداز"
    dates = [e for e in nlu.parse(text)["entities"] if e["entity"] == "date"]
    assert len(dates) == 1, dates
    assert text[dates[0]["start"]:dates[0]["end"]] == "دوشنبه 12 مهر", dates
