"""RAG: parallel stages vs their critical path, ingestion rows/s, query latency at scale.

- ``rag_critical_path_ratio``: multi-question RAG on a record with K sections against the
  loopback LLM server (every call waits L seconds): wall time over its critical path
  (3·L + the measured retrieval: ideas ∥, retrieval, sections ∥, merge); goal ≤ 1.15.
  Beside it, the same pipeline run sequentially (2K+1 calls one after another).
- ``kb_ingest_rows_per_s``: MedMCQA-layout rows (realistic spread of lengths) ingested per
  second (bundled MiniLM on this CPU, length-sorted batches, bf16 where the CPU has it);
  goal ≥ 27 rows/s (194k rows in under 2 hours). Beside it: the same rows embedded one at a
  time, and the same ingestion in fp32 when bf16 was used.
- ``kb_query_p95_ms_{10k,100k}``: Chroma HNSW query latency (top 5, documents included) at
  10k and 100k passages; goal ≤ 50 ms. Beside it: exact NumPy cosine over the same vectors
  (baseline), HNSW recall@5 against it, and end-to-end search with the query's embedding.
  The stores are built from the ingested rows' real vectors, perturbed (Gaussian noise,
  renormalized) to reach the size; the output says so.

``CLINSUM_BENCH_QUICK=1`` (or ``--quick``): K=4, 512 ingested rows, 10k and 30k passages.
Full: K=8, 1024 rows, 10k and 100k passages.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

QUICK = os.environ.get("CLINSUM_BENCH_QUICK") == "1" or "--quick" in sys.argv
K_SECTIONS = 4 if QUICK else 8
LATENCY = 1.0
N_INGEST = 512 if QUICK else 1024
N_BASELINE = 60 if QUICK else 100
SIZES = (10_000, 30_000) if QUICK else (10_000, 100_000)
N_QUERIES = 40


def _line(name: str, value: float, goal: float, ok: bool) -> None:
    print(f"BENCH {name} {value:.3f} {goal} {'PASS' if ok else 'MISS'}", flush=True)


def _record_text(k: int) -> str:
    topics = ["Motivo de ingreso", "Antecedentes personales", "Enfermedad actual", "Exploración física",
              "Pruebas complementarias", "Evolución", "Juicio clínico", "Tratamiento al alta",
              "Recomendaciones", "Plan"]
    body = ("Paciente de 78 años con insuficiencia cardiaca y fibrilación auricular que ingresa por disnea. "
            "Se trata con furosemida intravenosa y se ajusta bisoprolol; potasio 3,4 mEq/L. ") * 6
    return "\n\n".join(f"{topics[i % len(topics)]} {i + 1}:\n{body}" for i in range(k))


def bench_pipeline(store) -> None:
    from clinsum.generation import record_from_text, summarize
    from tests.fakes.llm_server import LLMServer, rag_responder

    record = record_from_text(_record_text(K_SECTIONS), language="es")
    params = {"kb": "seed", "top_k": 3, "part_chars": 1200}
    with LLMServer(latency=LATENCY) as server:
        server.responder = rag_responder
        config = {"host": server.ollama_host, "concurrency": 2 * K_SECTIONS}
        summarize(store, record, "ollama", "llama3.2:1b", "rag_multi", backend_config=config, params=params)  # warm
        server.reset()
        t0 = time.perf_counter()
        fast = summarize(store, record, "ollama", "llama3.2:1b", "rag_multi", backend_config=config, params=params)
        wall = time.perf_counter() - t0
        n_parallel = len(server.calls)
        server.reset()
        t0 = time.perf_counter()
        slow = summarize(store, record, "ollama", "llama3.2:1b", "rag_multi", backend_config=config,
                         params={**params, "max_parallel": 1})
        wall_seq = time.perf_counter() - t0
        n_seq = len(server.calls)
    parts = len([s for s in fast.stages if s.name.startswith("ideas")])
    retrieval = fast.meta["rag"]["phases"]["retrieval"]
    critical = 3 * LATENCY + retrieval
    ratio = wall / critical
    print(f"rag pipeline: {parts} sections, L={LATENCY}s per call; parallel {wall:.2f}s ({n_parallel} calls),"
          f" critical path {critical:.2f}s (3L + retrieval {retrieval:.3f}s); sequential {wall_seq:.2f}s"
          f" ({n_seq} calls = 2K+1, expected ≈ {(2 * parts + 1) * LATENCY + slow.meta['rag']['phases']['retrieval']:.2f}s);"
          f" speed-up ×{wall_seq / wall:.1f}; phases {fast.meta['rag']['phases']}", flush=True)
    _line("rag_critical_path_ratio", ratio, 1.15, ratio <= 1.15)


_VOCAB_TEXT = ("patient presents with acute chronic heart failure renal hepatic pulmonary embolism thyroid "
               "pancreatitis diabetes mellitus insulin resistance hypertension tachycardia bradycardia "
               "myocardial infarction troponin creatinine potassium sodium hyponatremia anemia ferritin "
               "mechanism of action receptor antagonist inhibitor beta blocker diuretic furosemide syndrome "
               "biopsy shows granulomas necrosis fibrosis infiltrate lymphocytes neutrophils the most likely "
               "diagnosis is treatment of choice drug dose contraindicated in pregnancy children elderly")
_VOCAB = _VOCAB_TEXT.split()


def _mcq_rows(n: int) -> list[dict]:
    """MedMCQA-layout rows with a realistic spread of lengths: a question of 8-40 words, four
    short options, an explanation of lognormal length (median 55 words, a tail past the
    model's 256 tokens; 15% have none). Lengths, not words, decide the embedding cost."""
    rng = np.random.default_rng(1)

    def words(k: int) -> str:
        return " ".join(rng.choice(_VOCAB, size=max(1, k)))

    organs = ["heart", "kidney", "liver", "lung", "brain", "thyroid", "pancreas", "skin", "bone", "blood"]
    rows = []
    for i in range(n):
        organ = organs[i % len(organs)]
        explanation = "" if rng.random() < 0.15 else words(int(rng.lognormal(np.log(55), 0.8)))
        rows.append({"id": f"b{i}", "question": f"Case {i}, {organ}: {words(int(rng.integers(8, 41)))}?",
                     "opa": words(int(rng.integers(1, 6))), "opb": words(int(rng.integers(1, 6))),
                     "opc": words(int(rng.integers(1, 6))), "opd": words(int(rng.integers(1, 6))),
                     "cop": i % 4, "exp": explanation, "subject_name": "Medicine", "topic_name": organ})
    return rows


def bench_ingest(store, folder: Path) -> None:
    from clinsum.embeddings import PRECISION_ENV, embed, encoder
    from clinsum.rag import create_base
    from clinsum.rag.ingest import ingest_file
    from clinsum.rag.layouts import LAYOUTS, to_passage

    rows = _mcq_rows(N_INGEST)
    path = folder / "medmcqa.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    texts = [to_passage(LAYOUTS.get("medmcqa"), r, {}).text[:1000] for r in rows]
    tokens = [len(ids) for ids in encoder().tokenizer(texts[:300])["input_ids"]]
    create_base(store, "ingest")
    report = ingest_file(store, "ingest", path)
    rate = report.rows_per_s
    t0 = time.perf_counter()
    for text in texts[:N_BASELINE]:
        embed([text], batch_size=1)
    base_rate = N_BASELINE / (time.perf_counter() - t0)
    line = (f"ingestion of {N_INGEST} MedMCQA-layout rows (tokens per passage median {np.median(tokens):.0f},"
            f" p90 {np.percentile(tokens, 90):.0f}): {report.summary()}; baseline one row at a time (fp32)"
            f" {base_rate:.1f} rows/s (×{rate / base_rate:.1f})")
    if report.precision != "fp32":
        os.environ[PRECISION_ENV] = "fp32"
        create_base(store, "ingest32")
        fp32 = ingest_file(store, "ingest32", path)
        del os.environ[PRECISION_ENV]
        line += f"; the same ingestion in fp32 {fp32.rows_per_s:.1f} rows/s"
    print(f"{line}; 194k rows at {rate:.1f} rows/s ≈ {194_000 / max(rate, 1e-9) / 60:.0f} min", flush=True)
    _line("kb_ingest_rows_per_s", rate, 27, rate >= 27)


def bench_queries(store) -> None:
    from clinsum.embeddings import embed
    from clinsum.rag import create_base, search
    from clinsum.rag.chroma import get_collection

    got = get_collection(store, "ingest").get(include=["embeddings", "documents"])
    real, texts = np.asarray(got["embeddings"], dtype=np.float32), got["documents"]
    n_real = len(texts)
    rng = np.random.default_rng(0)
    queries = [f"typical finding of {o} disease" for o in ("heart", "kidney", "liver", "lung", "skin")] * (N_QUERIES // 5)
    query_vectors = embed(queries)
    for size in SIZES:
        name = f"q{size // 1000}k"
        create_base(store, name)
        collection = get_collection(store, name)
        vectors = []
        t0 = time.perf_counter()
        for start in range(0, size, 5000):
            n = min(5000, size - start)
            src = np.arange(start, start + n) % n_real
            noise = rng.normal(0, 0.02, (n, real.shape[1])) * (src != np.arange(start, start + n))[:, None]
            block = real[src] + noise
            block = (block / np.linalg.norm(block, axis=1, keepdims=True)).astype(np.float32)
            vectors.append(block)
            collection.add(ids=[f"p{start + i}" for i in range(n)], embeddings=block,
                           documents=[texts[j] for j in src], metadatas=[{"copy_of": int(j)} for j in src])
        build = time.perf_counter() - t0
        matrix = np.vstack(vectors)
        collection.query(query_embeddings=query_vectors[:1], n_results=5)  # warm
        index_ms, exact_ms, full_ms, agree, as_close = [], [], [], 0, 0
        for qv, q in zip(query_vectors, queries, strict=True):
            t = time.perf_counter()
            found = collection.query(query_embeddings=qv[None, :], n_results=5, include=["documents", "distances"])
            index_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            sims = matrix @ qv
            best = np.argpartition(-sims, 5)[:5]
            exact_ms.append((time.perf_counter() - t) * 1000)
            agree += len({f"p{i}" for i in best} & set(found["ids"][0]))
            as_close += sum(1 - d >= sims[best].min() - 1e-4 for d in found["distances"][0])
            t = time.perf_counter()
            search(store, name, q, k=5)
            full_ms.append((time.perf_counter() - t) * 1000)
        p50, p95 = np.percentile(index_ms, 50), np.percentile(index_ms, 95)
        print(f"query latency at {size:,} passages ({n_real:,} really embedded, the rest perturbed copies of"
              f" their vectors; built in {build:.1f}s): Chroma HNSW p50 {p50:.1f} ms, p95 {p95:.1f} ms"
              f" (recall@5 vs exact: ids {agree / (5 * len(queries)):.2f}, as close as the exact top 5"
              f" {as_close / (5 * len(queries)):.2f}; the copies are near-ties, so ids understate it);"
              f" exact NumPy baseline p50"
              f" {statistics.median(exact_ms):.1f} ms, p95 {np.percentile(exact_ms, 95):.1f} ms; end to end"
              f" with query embedding p50 {np.percentile(full_ms, 50):.1f} ms, p95 {np.percentile(full_ms, 95):.1f} ms",
              flush=True)
        _line(f"kb_query_p95_ms_{size // 1000}k", p95, 50, p95 <= 50)


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    root = Path(__file__).resolve().parent.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    import clinsum.plugins  # noqa: F401 - registers the RAG strategies
    from clinsum.rag.seed import load_seed
    from clinsum.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "ws")
        load_seed(store)
        bench_pipeline(store)
        bench_ingest(store, Path(tmp))
        bench_queries(store)


if __name__ == "__main__":
    main()
