"""The embedded NLU: intent ranking + learned and validated entities in Rasa's parse shape."""

from __future__ import annotations

import hashlib
import os
import pickle
import random
import re
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from basics import paths

from .classifier import IntentClassifier
from .data import Example, TrainingData, load_data
from .extract import VALIDATORS, find_spans, rasa_date, validate
from .normalize import normalize, normalize_with_offsets
from .posters import PosterIndex
from .tagger import Tagger, spans

OUT_OF_SCOPE = "out_of_scope"
TOKEN = re.compile(r"\d+|[^\W\d_]+(?:\u200c[^\W\d_]+)*|[^\w\s]")
TEN_DIGIT = {"national_code", "workshop_code", "insurance_number"}
MODEL_VERSION = 2


def _tokens(norm: str) -> list[re.Match[str]]:
    """Tagger tokens of normalized text."""
    return list(TOKEN.finditer(norm))


def bio_example(ex: Example) -> tuple[list[str], list[str]]:
    """Normalized tokens of an example and their BIO tags from its entity spans."""
    norm, idx = normalize_with_offsets(ex.text)
    toks, tags = [], []
    prev: Any = None
    for m in _tokens(norm):
        s, e = idx[m.start()], idx[m.end() - 1] + 1
        ent = next((x for x in ex.entities if s < x.end and e > x.start), None)
        toks.append(m.group())
        tags.append("O" if ent is None else ("I-" if ent is prev else "B-") + ent.entity)
        prev = ent
    return toks, tags


class NLU:
    """Trained intent classifier + entity tagger + validating extractors."""

    posters: PosterIndex | None = None  # the organization's service numbers, attached by default_nlu()

    def __init__(self, classifier: IntentClassifier, tagger: Tagger | None, synonyms: dict[str, str],
                 threshold: float) -> None:
        self.classifier = classifier
        self.tagger = tagger
        self.synonyms = synonyms
        self.threshold = threshold

    @classmethod
    def train(cls, examples: Sequence[Example] | TrainingData, threshold: float | None = None,
              C: float = 10.0) -> NLU:
        """Train from examples (or a TrainingData with synonyms); picks the out-of-scope threshold."""
        data = examples if isinstance(examples, TrainingData) else TrainingData(examples=list(examples))
        exs = [e for e in data.examples if e.text.strip()]
        texts = [normalize(e.text) for e in exs]
        labels = [e.intent for e in exs]
        if threshold is None:
            threshold = choose_threshold(texts, labels, C)
        clf = IntentClassifier(C=C).fit(texts, labels)
        tagger = None
        if any(e.entities for e in exs):
            pairs = [bio_example(e) for e in exs]
            pairs = [p for p in pairs if p[0]]
            tagger = Tagger(epochs=10).fit([p[0] for p in pairs], [p[1] for p in pairs])
        syn = {normalize(k): v for k, v in data.synonyms.items()}
        return cls(clf, tagger, syn, threshold)

    @classmethod
    def from_yaml(cls, path: str | Path, threshold: float | None = None) -> NLU:
        """Train from a Rasa NLU YAML file."""
        return cls.train(load_data(path), threshold=threshold)

    def save(self, path: str | Path) -> None:
        """Pickle the model to a file."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(p.suffix + ".tmp")
        with open(tmp, "wb") as f:
            pickle.dump({"version": MODEL_VERSION, "nlu": self}, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, p)

    @classmethod
    def load(cls, path: str | Path) -> NLU:
        """Load a model saved by save() (trusted files only: this is pickle)."""
        with open(path, "rb") as f:
            obj = pickle.load(f)  # noqa: S301 - our own model files
        if not isinstance(obj, dict) or obj.get("version") != MODEL_VERSION or not isinstance(obj.get("nlu"), cls):
            raise ValueError(f"not an NLU model of version {MODEL_VERSION}: {path}")
        return obj["nlu"]

    def intents(self) -> list[str]:
        """Intent names the model knows."""
        return list(self.classifier.classes)

    def parse(self, text: str) -> dict[str, Any]:
        """Rasa-shaped parse: text, intent, intent_ranking (10), entities (offsets in the original text)."""
        text = text if isinstance(text, str) else str(text)
        norm, idx = normalize_with_offsets(text)
        if not norm:
            ranking = [(OUT_OF_SCOPE, 1.0)]
        else:
            ranking = self.classifier.rank(norm, 10)
        named = self.posters.service(norm) if self.posters is not None and norm else None
        if named is not None:  # «خدمت شماره ۱۲»: the organization's own number is an exact answer
            ranking = [(named, 1.0)] + [(n, c) for n, c in ranking if n != named][:9]
        name, conf = ranking[0]
        if conf < self.threshold and name != OUT_OF_SCOPE:
            ranking = [(OUT_OF_SCOPE, self.threshold)] + [r for r in ranking if r[0] != OUT_OF_SCOPE][:9]
            name, conf = ranking[0]
        return {
            "text": text,
            "intent": {"name": name, "confidence": round(float(conf), 4)},
            "intent_ranking": [{"name": n, "confidence": round(float(c), 4)} for n, c in ranking],
            "entities": self.entities(text, norm, idx),
        }

    def entities(self, text: str, norm: str, idx: list[int]) -> list[dict[str, Any]]:
        """Validated rule entities, then learned ones that do not clash with them."""
        def orig(s: int, e: int) -> tuple[int, int]:
            return idx[s], idx[e - 1] + 1

        rules = []
        for s, e, ent, value in find_spans(norm):
            a, b = orig(s, e)
            rules.append({"start": a, "end": b, "value": value, "entity": ent, "confidence_entity": 1.0,
                          "extractor": "TaminRegexExtractor"})
        learned = []
        if self.tagger is not None and norm:
            toks = _tokens(norm)
            tags = self.tagger.predict([m.group() for m in toks])
            for i, j, ent in spans(tags):
                a, b = orig(toks[i].start(), toks[j - 1].end())
                surface = text[a:b]
                if ent in VALIDATORS:
                    value = validate(ent, surface)
                    if value is None:
                        continue
                else:
                    value = self.synonyms.get(normalize(surface), surface)
                learned.append({"start": a, "end": b, "value": value, "entity": ent, "confidence_entity": 0.9,
                                "extractor": "TaminTagger"})
        out = list(rules)
        for le in learned:
            clash = [r for r in rules if le["start"] < r["end"] and le["end"] > r["start"]]
            if not clash:
                out.append(le)
            elif le["entity"] in TEN_DIGIT and len(clash) == 1 and clash[0]["entity"] in TEN_DIGIT:
                clash[0]["entity"] = le["entity"]
                clash[0]["value"] = validate(le["entity"], text[clash[0]["start"]:clash[0]["end"]])
                if clash[0]["value"] is None:
                    out.remove(clash[0])
        return [rasa_date(e) for e in sorted(out, key=lambda e: e["start"])]


def alternatives(result: dict[str, Any], n: int = 2) -> list[str]:
    """The n likeliest real intents of a parse (for «did you mean A or B?»)."""
    return [r["name"] for r in result.get("intent_ranking", []) if r["name"] != OUT_OF_SCOPE][:n]


def choose_threshold(texts: list[str], labels: list[str], C: float = 20.0, default: float = 0.3) -> float:
    """Pick the out-of-scope threshold that maximises held-out accuracy (20% split, seeded)."""
    if len(texts) < 50 or len(set(labels)) < 3:
        return default
    order = list(range(len(texts)))
    random.Random(13).shuffle(order)
    folds = 5
    dev: list[int] = []
    rows = []
    for k in range(folds):  # out-of-fold probabilities
        held = order[k::folds]
        hs = set(held)
        tr = [i for i in order if i not in hs]
        clf = IntentClassifier(C=C).fit([texts[i] for i in tr], [labels[i] for i in tr])
        p = clf.proba([texts[i] for i in held])
        for r, i in enumerate(held):
            rows.append((float(p[r].max()), clf.classes[int(p[r].argmax())]))
            dev.append(i)
    best, best_acc = default, -1.0
    for t in [x / 100 for x in range(5, 71, 1)]:
        hit_in = n_in = hit_oos = n_oos = 0
        for (top, name), i in zip(rows, dev, strict=True):
            pred = name if top >= t else OUT_OF_SCOPE
            if labels[i] == OUT_OF_SCOPE:
                n_oos += 1
                hit_oos += pred == OUT_OF_SCOPE
            else:
                n_in += 1
                hit_in += pred == labels[i]
        acc = (hit_in / max(n_in, 1) + (hit_oos / n_oos if n_oos else 1.0)) / 2  # balanced
        if acc > best_acc + 1e-9:
            best, best_acc = t, acc
    return min(best, 0.5)


def data_path() -> Path:
    """The project's NLU training file: $TAMIN_DATA_DIR/nlu.yml or <repo>/data/nlu.yml."""
    return paths.data_dir() / "nlu.yml"


def _code_hash() -> str:
    """Hash of this package's source so a disk cache never outlives a code change."""
    h = hashlib.sha256()
    for p in sorted(Path(__file__).parent.glob("*.py")):
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def _cache_file(data: Path) -> Path | None:
    """Per-user private cache path keyed by the data file's and the code's hashes."""
    try:
        digest = hashlib.sha256(data.read_bytes()).hexdigest()[:16]
        d = Path(tempfile.gettempdir()) / f"tamin-nlu-{os.getuid()}"
        d.mkdir(mode=0o700, exist_ok=True)
        st = d.stat()
        if st.st_uid != os.getuid() or st.st_mode & 0o077:
            return None
        return d / f"nlu-{digest}-{_code_hash()}.pkl"
    except OSError:
        return None


_lock = threading.Lock()
_cache: dict[str, NLU] = {}


def default_nlu(path: str | Path | None = None, disk_cache: bool = True) -> NLU:
    """The project's NLU, trained once per process from data/nlu.yml (and cached on disk)."""
    data = Path(path) if path else data_path()
    key = str(data.resolve())
    with _lock:
        if key in _cache:
            return _cache[key]
        cache = _cache_file(data) if disk_cache else None
        nlu = None
        if cache is not None and cache.exists():
            try:
                nlu = NLU.load(cache)
            except Exception:
                nlu = None
        if nlu is None:
            nlu = NLU.from_yaml(data)
            if cache is not None:
                try:
                    nlu.save(cache)
                except OSError:
                    pass
        nlu.posters = PosterIndex.from_knowledge(data.parent / "knowledge" / "services.fa.yml")
        _cache[key] = nlu
        return nlu
