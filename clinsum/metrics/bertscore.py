"""BERTScore (Zhang et al. 2020) through ``bert-score``'s model loading, with the bundled MiniLM
by default or any local model folder.

Same numbers as ``bert_score.score`` (greedy cosine matching of token embeddings, special
tokens matchable but not averaged, no idf, no baseline rescaling), faster for a workspace: the
model loads once per process, texts are embedded once per batch (sorted by length, fast
tokenizer), and repeated references come from a bounded cache. Texts longer than the model's
window are not truncated: they are embedded window by window and the pair is flagged in the
details (``chunked``), where ``bert_score`` would silently cut them.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from clinsum.errors import ConfigError
from clinsum.metrics.base import HIGHER, METRICS, Metric, MetricResult, Pair, fmeasure

CACHE_BYTES = 256 * 2**20  # embeddings of repeated references kept between batches
PAIRS_PER_BATCH = 256


class Embedded:
    """Token embeddings of one text (unit length, specials included) and averaging weights."""

    __slots__ = ("vectors", "weights", "windows")

    def __init__(self, vectors, weights, windows: int) -> None:
        self.vectors = vectors
        self.weights = weights
        self.windows = windows


class BertScorer:
    """A loaded model and tokenizer; ``score(candidates, references)`` -> (P, R, F, windows)."""

    def __init__(self, model: str | None = None, num_layers: int | None = None,
                 device: str = "cpu", batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from bert_score.utils import get_model, get_tokenizer
        from transformers import AutoConfig

        path = resolve_model(model)
        config = AutoConfig.from_pretrained(path)
        self.num_layers = int(num_layers or getattr(config, "num_hidden_layers", 0) or 0)
        if self.num_layers <= 0:
            raise ConfigError(f"Cannot tell how many layers the model at {path} has.",
                              hint="Give num_layers explicitly.")
        self.path = path
        self.tokenizer = get_tokenizer(path, use_fast=True)
        self.model = get_model(path, self.num_layers).to(device)
        self.device = device
        self.batch_size = batch_size
        limit = getattr(config, "max_position_embeddings", 512) or 512
        self.window = int(min(self.tokenizer.model_max_length or limit, limit))
        self._torch = torch
        self._prefix, self._suffix = self._special_frame()
        self._cache: OrderedDict[str, Embedded] = OrderedDict()
        self._cache_bytes = 0
        self._lock = threading.Lock()

    # -- embedding ---------------------------------------------------------------------------
    def _windows(self, text: str) -> list[list[int]]:
        ids = self.tokenizer(text.strip(), add_special_tokens=False, verbose=False)["input_ids"]
        size = self.window - len(self._prefix) - len(self._suffix)
        chunks = [ids[i:i + size] for i in range(0, len(ids), size)] or [[]]
        return [self._prefix + c + self._suffix for c in chunks]

    def _special_frame(self) -> tuple[list[int], list[int]]:
        """The special tokens the tokenizer puts before and after a text ([CLS] … [SEP])."""
        bare = self.tokenizer("x", add_special_tokens=False)["input_ids"]
        full = self.tokenizer("x", add_special_tokens=True)["input_ids"]
        for i in range(len(full) - len(bare) + 1):
            if full[i:i + len(bare)] == bare:
                return full[:i], full[i + len(bare):]
        return [], []

    def embed(self, texts: Sequence[str]) -> dict[str, Embedded]:
        """Embeddings of each distinct text (cached ones reused)."""
        torch = self._torch
        out: dict[str, Embedded] = {}
        todo: list[str] = []
        for text in dict.fromkeys(texts):
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                out[text] = hit
            else:
                todo.append(text)
        pieces: list[tuple[int, int, list[int]]] = []  # (text index, window index, ids)
        windows_of: list[int] = []
        for t, text in enumerate(todo):
            wins = self._windows(text)
            windows_of.append(len(wins))
            pieces.extend((t, w, ids) for w, ids in enumerate(wins))
        pieces.sort(key=lambda p: len(p[2]), reverse=True)
        special = set(self.tokenizer.all_special_ids)
        parts: dict[tuple[int, int], Any] = {}
        pad = self.tokenizer.pad_token_id or 0
        with torch.inference_mode():
            for start in range(0, len(pieces), self.batch_size):
                batch = pieces[start:start + self.batch_size]
                width = len(batch[0][2])
                ids = torch.full((len(batch), width), pad, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, (_, _, seq) in enumerate(batch):
                    ids[row, :len(seq)] = torch.tensor(seq, dtype=torch.long)
                    mask[row, :len(seq)] = 1
                hidden = self.model(ids.to(self.device), attention_mask=mask.to(self.device))[0]
                hidden = hidden.float().cpu()
                for row, (t, w, seq) in enumerate(batch):
                    parts[(t, w)] = (hidden[row, :len(seq)].clone(), seq)
        for t, text in enumerate(todo):
            vecs, weights = [], []
            for w in range(windows_of[t]):
                vec, seq = parts[(t, w)]
                vecs.append(vec)
                weights.extend(0.0 if i in special else 1.0 for i in seq)
            vectors = torch.cat(vecs)
            vectors = vectors / vectors.norm(dim=-1, keepdim=True)
            out[text] = Embedded(vectors, torch.tensor(weights), windows_of[t])
        return out

    def remember(self, items: dict[str, Embedded]) -> None:
        """Keep these embeddings (references) for later batches, within ``CACHE_BYTES``."""
        with self._lock:
            for text, emb in items.items():
                if text in self._cache:
                    continue
                self._cache[text] = emb
                self._cache_bytes += emb.vectors.numel() * 4
            while self._cache_bytes > CACHE_BYTES and self._cache:
                _, old = self._cache.popitem(last=False)
                self._cache_bytes -= old.vectors.numel() * 4

    # -- scoring -----------------------------------------------------------------------------
    @staticmethod
    def match(cand: Embedded, ref: Embedded) -> tuple[float, float, float]:
        """Greedy matching: each token takes its most similar token on the other side."""
        if not cand.weights.sum() or not ref.weights.sum():
            return 0.0, 0.0, 0.0
        sim = cand.vectors @ ref.vectors.T
        precision = float((sim.max(dim=1).values * cand.weights).sum() / cand.weights.sum())
        recall = float((sim.max(dim=0).values * ref.weights).sum() / ref.weights.sum())
        return precision, recall, fmeasure(precision, recall)

    def score(self, candidates: Sequence[str], references: Sequence[str]
              ) -> list[tuple[float, float, float, int, int]]:
        """(P, R, F, candidate windows, reference windows) per pair."""
        embedded = self.embed(list(candidates) + list(references))
        self.remember({r: embedded[r] for r in references})
        out = []
        for c, r in zip(candidates, references, strict=True):
            p, rec, f = self.match(embedded[c], embedded[r])
            out.append((p, rec, f, embedded[c].windows, embedded[r].windows))
        return out


def resolve_model(model: str | None) -> str:
    """A local model folder: ``model`` if given (must exist), else the bundled MiniLM."""
    if not model:
        from clinsum.embeddings import bundled_model_path

        return str(bundled_model_path())
    path = Path(model).expanduser()
    if not (path / "config.json").is_file():
        raise ConfigError(
            f"No model folder at {model} (it needs a config.json).",
            hint="Give the path of a local Hugging Face model folder; nothing is downloaded.",
        )
    return str(path.resolve())


@cache
def scorer(model: str | None = None, num_layers: int | None = None, device: str = "cpu") -> BertScorer:
    """One loaded scorer per (model, layers, device) in this process."""
    return BertScorer(model, num_layers, device)


@METRICS.register("bertscore")
class BertScore(Metric):
    """``bertscore_p``, ``bertscore_r``, ``bertscore_f1``; options ``model`` (local folder,
    default the bundled MiniLM), ``num_layers`` (default: all) and ``device``."""

    name = "bertscore"
    base_version = "1"
    directions = {"bertscore_p": HIGHER, "bertscore_r": HIGHER, "bertscore_f1": HIGHER}
    needs = ("reference",)

    def __init__(self, model: str | None = None, num_layers: int | None = None,
                 device: str = "cpu", **options: Any) -> None:
        super().__init__(model=model, num_layers=num_layers, device=device, **options)
        self.model = resolve_model(model) if model else None
        self.num_layers = int(num_layers) if num_layers else None
        self.device = device

    def version_options(self) -> dict[str, Any]:
        return {"model": Path(self.model).name if self.model else None, "layers": self.num_layers}

    def compute(self, candidate: str, reference: str | None = None, source: str | None = None,
                language: str | None = None) -> MetricResult:
        return self.compute_many([Pair(candidate, reference, source, language)])[0]

    def compute_many(self, pairs: Sequence[Pair],
                     progress: Callable[[int], None] | None = None) -> list[MetricResult]:
        engine = scorer(self.model, self.num_layers, self.device)
        out: list[MetricResult] = []
        for start in range(0, len(pairs), PAIRS_PER_BATCH):
            batch = pairs[start:start + PAIRS_PER_BATCH]
            scores = engine.score([p.candidate or "" for p in batch], [p.reference or "" for p in batch])
            for p, r, f, cw, rw in scores:
                details: dict[str, Any] = {"model": Path(engine.path).name, "num_layers": engine.num_layers}
                if cw > 1 or rw > 1:
                    details["chunked"] = True
                    details["note"] = (f"longer than the model window ({engine.window} tokens): "
                                       f"embedded in {cw} + {rw} windows, not truncated")
                out.append(MetricResult({"bertscore_p": p, "bertscore_r": r, "bertscore_f1": f}, details))
            if progress:
                progress(len(out))
        return out
