"""The service guide: the knowledge base of ``data/knowledge/services.fa.yml`` and its Persian search."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from basics.yamlload import load_yaml
from bot.engine.catalog import data_dir


@dataclass(frozen=True)
class Service:
    """One service of the posters, as an agent needs it while a caller is on the line."""

    id: str
    poster: str
    title: str
    audience: str
    eligibility: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    bot: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    notes: str = ""


@dataclass(frozen=True)
class Hit:
    """A search result and how well it matched."""

    service: Service
    score: float


class Guide:
    """The knowledge base with a search tolerant of the spelling noise the bot tolerates."""

    def __init__(self, services: list[Service], meta: dict) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.services = services
        self.meta = meta
        self.by_id = {s.id: s for s in services}
        docs = [_document(s) for s in services]
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        self._matrix = self._chars.fit_transform(docs)
        self._heads = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        self._head_matrix = self._heads.fit_transform([_norm(" ".join([s.title, *s.keywords])) for s in services])

    @classmethod
    def load(cls, path=None) -> Guide:
        """The guide from ``data/knowledge/services.fa.yml`` (or ``path``)."""
        path = path or data_dir() / "knowledge" / "services.fa.yml"
        raw = load_yaml(open(path, encoding="utf-8"))
        fields = set(Service.__dataclass_fields__)
        services = [Service(**{k: (str(v) if k in ("poster", "notes") and v is not None else v)
                               for k, v in item.items() if k in fields}) for item in raw["services"]]
        meta = {k: v for k, v in raw.items() if k != "services"}
        return cls(services, meta)

    def search(self, query: str, limit: int = 5, boost: str | None = None) -> list[Hit]:
        """The services that best fit ``query``; ``boost`` is the bot's own reading of it (an intent)."""
        q = _norm(query)
        if not q:
            return []
        from sklearn.metrics.pairwise import linear_kernel

        body = linear_kernel(self._chars.transform([q]), self._matrix)[0]
        head = linear_kernel(self._heads.transform([q]), self._head_matrix)[0]
        hits = []
        for i, s in enumerate(self.services):
            score = 0.55 * float(head[i]) + 0.45 * float(body[i])
            if boost and s.id == boost:
                score += 0.25
            if q and (q in _norm(s.title) or any(q == _norm(k) for k in s.keywords)):
                score += 0.2
            hits.append(Hit(s, score))
        hits.sort(key=lambda h: -h.score)
        best = hits[0].score if hits else 0
        return [h for h in hits[:limit] if h.score >= max(0.08, best * 0.45)]


def _norm(text: str) -> str:
    from bot.nlu.normalize import normalize

    return normalize(text or "").replace("\u200c", " ")


def _document(s: Service) -> str:
    parts = [s.title, s.title, *s.keywords, *s.keywords, s.audience, *s.eligibility, *s.documents, *s.steps, *s.bot,
             s.notes]
    return _norm(" ".join(parts))


@lru_cache(maxsize=1)
def default_guide() -> Guide:
    """The guide of the data directory, loaded once."""
    return Guide.load()
