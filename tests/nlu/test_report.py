"""`tamin-bot nlu test` reports like `rasa test nlu`: per intent, errors file, cross-validation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.nlu.data import load_data
from bot.nlu.report import classification_report, folds

SMALL = """version: "3.1"
nlu:
- intent: pension_status
  examples: |
    - وضعیت مستمری من
    - مستمری ام چقدر است
    - حقوق بازنشستگی من کی واریز میشه
    - گواهی مستمری میخوام
    - mostamari man
    - مستمری بازنشستگی
- intent: sick_pay
  examples: |
    - غرامت دستمزد ایام بیماری
    - مریض بودم غرامت میخوام
    - پول روزهای بیماری
    - استعلاجی گرفتم
    - gheramat bimari
    - غرامت بیماری
"""


def test_report_counts_each_intent_and_its_confusions():
    report = classification_report(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert report["a"]["recall"] == 0.5 and report["a"]["precision"] == 1.0
    assert report["a"]["confused_with"] == {"b": 1}
    assert report["b"]["precision"] == round(2 / 3, 4)
    assert report["accuracy"] == 0.75 and report["macro avg"]["support"] == 4


def test_folds_are_stratified_and_disjoint(tmp_path):
    path = tmp_path / "nlu.yml"
    path.write_text(SMALL, encoding="utf-8")
    data = load_data(path)
    parts = folds(data.examples, 3)
    for train, test in parts:
        assert {e.intent for e in test} == {"pension_status", "sick_pay"}
        assert not {e.text for e in train} & {e.text for e in test}


def test_cli_cross_validation_writes_rasa_files(tmp_path):
    path = tmp_path / "nlu.yml"
    path.write_text(SMALL, encoding="utf-8")
    out = tmp_path / "results"
    run = subprocess.run([sys.executable, "-m", "bot.nlu.cli", "nlu", "test", "--data", str(path),
                          "--cross-validation", "--folds", "3", "--out", str(out)],
                         capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parents[2])
    assert run.returncode == 0, run.stderr
    assert "intent accuracy" in run.stdout and "3-fold" in run.stdout
    report = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    assert report["pension_status"]["support"] == 6 and "weighted avg" in report
    errors = json.loads((out / "intent_errors.json").read_text(encoding="utf-8"))
    assert isinstance(errors, list)
    assert all({"text", "intent", "intent_prediction"} <= set(e) for e in errors)
