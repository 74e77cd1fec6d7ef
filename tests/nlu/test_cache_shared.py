"""Servers starting at once, or in different environments, train the NLU once and share the disk cache."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A server's start-up as far as the NLU goes: wait until every process of the test is ready (so they
# really start together), then default_nlu(); each training is written down in the marks file.
START = """
import sys, time
from pathlib import Path
from bot.nlu import model

data, marks, ready, n = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
train = model.NLU.from_yaml

def counted(path, threshold=None):
    with open(marks, "a") as f:
        f.write("trained\\n")
    time.sleep(1.0)  # a training that takes a while, so the others come while it runs
    return train(path, threshold)

model.NLU.from_yaml = counted
ready.mkdir(exist_ok=True)
(ready / str(__import__("os").getpid())).touch()
while len(list(ready.iterdir())) < n:
    time.sleep(0.01)
print(model.default_nlu(data).parse("مستمری می‌خواهم")["intent"]["name"])
"""

DATA = """version: "3.1"
# {tag}
nlu:
- intent: pension_status
  examples: |
    - گواهی وضعیت مستمری
    - مستمری می‌خواهم
    - حقوق بازنشستگی
    - فیش مستمری
- intent: greet
  examples: |
    - سلام
    - درود
    - سلام وقت بخیر
    - روز بخیر
"""


def _data(tmp_path: Path) -> Path:
    path = tmp_path / "nlu.yml"
    path.write_text(DATA.format(tag=uuid.uuid4().hex), encoding="utf-8")  # a model no cache holds yet
    return path


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TMPDIR", "TAMIN_NLU_CACHE_DIR")}
    env.update(TAMIN_NLU_ENCODER="off", PYTHONPATH=str(ROOT), **extra)
    return env


def _start(data: Path, tmp_path: Path, envs: list[dict[str, str]]) -> list[str]:
    """Start one process per env at once; what each one's NLU read the test sentence as."""
    marks, ready = tmp_path / "marks", tmp_path / f"ready-{uuid.uuid4().hex}"
    procs = [subprocess.Popen([sys.executable, "-c", START, str(data), str(marks), str(ready), str(len(envs))],
                              env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True) for env in envs]
    out = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    return out


def _trainings(tmp_path: Path) -> int:
    marks = tmp_path / "marks"
    return len(marks.read_text().splitlines()) if marks.exists() else 0


def test_three_servers_starting_at_once_train_once(tmp_path):
    data = _data(tmp_path)
    env = _env(TAMIN_NLU_CACHE_DIR=str(tmp_path / "cache"), TMPDIR=str(tmp_path))
    assert _start(data, tmp_path, [env, env, env]) == ["pension_status"] * 3
    assert _trainings(tmp_path) == 1


def test_a_server_started_with_another_tmpdir_uses_the_cache(tmp_path):
    from bot.nlu import model

    data = _data(tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    try:
        assert _start(data, tmp_path, [_env(TMPDIR=str(tmp_path / "a"))]) == ["pension_status"]
        assert _start(data, tmp_path, [_env(TMPDIR=str(tmp_path / "b"))]) == ["pension_status"]
        assert _trainings(tmp_path) == 1
    finally:
        saved = os.environ.pop("TAMIN_NLU_CACHE_DIR", None)
        try:
            cache = model._cache_file(data)
        finally:
            if saved is not None:
                os.environ["TAMIN_NLU_CACHE_DIR"] = saved
        for path in ([cache, cache.with_name(cache.name + ".lock")] if cache else []):
            path.unlink(missing_ok=True)
