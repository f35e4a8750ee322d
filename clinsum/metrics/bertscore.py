"""BERTScore (Zhang et al. 2020) through ``bert-score``'s model loading, with the bundled MiniLM
by default or any local model folder.

Same numbers as ``bert_score.score`` (greedy cosine matching of token embeddings, every token
weighted 1 except [CLS]/[SEP], no idf, no baseline rescaling; ``ignore_unk=True`` also gives
[UNK] weight 0), faster: the model loads once per process and stays resident, on the GPU where
there is one; the texts of a batch are tokenized in one call, deduplicated, and run in groups
of equal token length on a CPU (no padding, no attention mask; almost equal on a GPU, for
fewer passes); on a CPU the fp32 linear layers run through oneDNN (:mod:`clinsum.metrics.onednn`);
repeated references come from a bounded cache. Texts longer than the model's window are not truncated:
they are embedded window by window and the pair is flagged in the details (``chunked``), where
``bert_score`` would silently cut them. A pair's values never depend on the other pairs scored
with it: they equal ``bert_score.score`` on that pair alone (its batched matching can give a
token whose best cosine is negative a 0 from the padding of the pair's batch).
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
PAIRS_PER_BATCH = 1024  # pairs embedded together (more texts: tighter length groups)


class Embedded:
    """Token embeddings of one text (unit length, specials included) and averaging weights."""

    __slots__ = ("vectors", "weights", "windows")

    def __init__(self, vectors, weights, windows: int) -> None:
        self.vectors = vectors
        self.weights = weights
        self.windows = windows


def default_device() -> str:
    """``cuda`` where torch sees a GPU, else ``cpu``."""
    try:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:  # pragma: no cover - torch is a dependency
        return "cpu"


class BertScorer:
    """A loaded model and tokenizer; ``score(candidates, references)`` -> (P, R, F, windows)."""

    def __init__(self, model: str | None = None, num_layers: int | None = None,
                 device: str = "auto", ignore_unk: bool = False,
                 batch_tokens: int | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from bert_score.utils import get_model, get_tokenizer
        from transformers import AutoConfig

        from clinsum.metrics.onednn import use_onednn

        path = resolve_model(model)
        config = AutoConfig.from_pretrained(path)
        self.num_layers = int(num_layers or getattr(config, "num_hidden_layers", 0) or 0)
        if self.num_layers <= 0:
            raise ConfigError(f"Cannot tell how many layers the model at {path} has.",
                              hint="Give num_layers explicitly.")
        self.path = path
        self.device = default_device() if device in (None, "", "auto") else device
        self.tokenizer = get_tokenizer(path, use_fast=True)
        self.model = get_model(path, self.num_layers).to(self.device).eval()
        gpu = self.device.startswith("cuda")
        # a CPU: fp32 linear layers through oneDNN (about 2x MKL's sgemm on AVX-512 AMD)
        self.onednn_layers = 0 if gpu else use_onednn(self.model)
        # padded tokens per forward pass: whole length groups on a GPU, cache-sized on a CPU
        self.batch_tokens = batch_tokens or (65536 if gpu else 8192)
        # a CPU batches pieces of one length (no padding, no attention mask); a GPU allows a
        # little padding for fewer, larger forward passes
        self.exact_lengths = not gpu
        limit = getattr(config, "max_position_embeddings", 512) or 512
        self.window = int(min(self.tokenizer.model_max_length or limit, limit))
        self._torch = torch
        self._prefix, self._suffix = self._special_frame()
        # bert-score's weighting: every token 1 except [CLS] and [SEP] (0); ignore_unk: [UNK] 0 too
        self.zero_weight = {i for i in (self.tokenizer.cls_token_id, self.tokenizer.sep_token_id)
                            if i is not None}
        if ignore_unk and self.tokenizer.unk_token_id is not None:
            self.zero_weight.add(self.tokenizer.unk_token_id)
        self._cache: OrderedDict[str, Embedded] = OrderedDict()
        self._cache_bytes = 0
        self._lock = threading.Lock()

    # -- embedding ---------------------------------------------------------------------------
    def _windows(self, ids: list[int]) -> list[list[int]]:
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

    def batches(self, lengths: Sequence[int]) -> list[list[int]]:
        """Indices of ``lengths`` in forward batches: longest first, a batch holding pieces of
        one length (``exact_lengths``: a CPU) or almost one, so next to nothing is padding,
        within ``batch_tokens``."""
        order = sorted(range(len(lengths)), key=lambda k: -lengths[k])
        out: list[list[int]] = []
        width = 0
        for k in order:
            n = lengths[k]
            batch = out[-1] if out else None
            slack = 0 if self.exact_lengths else max(8, width // 16)
            if (batch is None or (len(batch) + 1) * width > self.batch_tokens or n < width - slack):
                out.append([k])
                width = n
            else:
                batch.append(k)
        return out

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
        if not todo:
            return out
        encoded = self.tokenizer([t.strip() for t in todo], add_special_tokens=False,
                                 verbose=False)["input_ids"]
        pieces: list[list[int]] = []
        owner: list[int] = []  # text index of each piece
        for t, ids in enumerate(encoded):
            for window in self._windows(ids):
                pieces.append(window)
                owner.append(t)
        hidden: list[Any] = [None] * len(pieces)
        pad = self.tokenizer.pad_token_id or 0
        with torch.inference_mode():
            for batch in self.batches([len(p) for p in pieces]):
                width = len(pieces[batch[0]])
                ids = torch.full((len(batch), width), pad, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, k in enumerate(batch):
                    ids[row, :len(pieces[k])] = torch.tensor(pieces[k], dtype=torch.long)
                    mask[row, :len(pieces[k])] = 1
                padded = len(pieces[batch[-1]]) < width
                states = self.model(ids.to(self.device),
                                    attention_mask=mask.to(self.device) if padded else None)[0]
                states = states / states.norm(dim=-1, keepdim=True)
                for row, k in enumerate(batch):
                    hidden[k] = states[row, :len(pieces[k])].float().clone()
        vectors: list[list[Any]] = [[] for _ in todo]
        weights: list[list[float]] = [[] for _ in todo]
        windows = [0] * len(todo)
        zero = self.zero_weight
        for k, t in enumerate(owner):
            vectors[t].append(hidden[k])
            weights[t].extend(0.0 if i in zero else 1.0 for i in pieces[k])
            windows[t] += 1
        for t, text in enumerate(todo):
            vecs = vectors[t][0] if len(vectors[t]) == 1 else torch.cat(vectors[t])
            out[text] = Embedded(vecs, torch.tensor(weights[t], device=vecs.device), windows[t])
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
def scorer(model: str | None = None, num_layers: int | None = None, device: str = "auto",
           ignore_unk: bool = False) -> BertScorer:
    """One loaded scorer per (model, layers, device, weighting), resident in this process."""
    return BertScorer(model, num_layers, device, ignore_unk)


@METRICS.register("bertscore")
class BertScore(Metric):
    """``bertscore_p``, ``bertscore_r``, ``bertscore_f1``; options ``model`` (local folder,
    default the bundled MiniLM), ``num_layers`` (default: all), ``device`` (auto: the GPU where
    torch sees one) and ``ignore_unk`` (False: bert-score's weighting, every token 1 but
    [CLS]/[SEP]; True: [UNK] tokens weigh 0 too, so unknown words neither help nor hurt)."""

    name = "bertscore"
    base_version = "2"
    directions = {"bertscore_p": HIGHER, "bertscore_r": HIGHER, "bertscore_f1": HIGHER}
    needs = ("reference",)
    runs_on_cluster = "gpu"  # batches are Ray tasks on a cluster, with a GPU where it has one

    def __init__(self, model: str | None = None, num_layers: int | None = None,
                 device: str = "auto", ignore_unk: bool = False, **options: Any) -> None:
        super().__init__(model=model, num_layers=num_layers, device=device, ignore_unk=ignore_unk,
                         **options)
        self.model = resolve_model(model) if model else None
        self.num_layers = int(num_layers) if num_layers else None
        self.device = device or "auto"
        self.ignore_unk = bool(ignore_unk)

    def version_options(self) -> dict[str, Any]:
        return {"model": Path(self.model).name if self.model else None, "layers": self.num_layers,
                "unk": "0" if self.ignore_unk else None}

    def compute(self, candidate: str, reference: str | None = None, source: str | None = None,
                language: str | None = None) -> MetricResult:
        return self.compute_many([Pair(candidate, reference, source, language)])[0]

    def compute_many(self, pairs: Sequence[Pair],
                     progress: Callable[[int], None] | None = None) -> list[MetricResult]:
        engine = scorer(self.model, self.num_layers, self.device, self.ignore_unk)
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
