"""Generation commands: summarize, run (grids), serve, strategies."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

from clinsum.cli.output import print_table


def register(sub: argparse._SubParsersAction) -> None:
    from clinsum.cli import open_store

    p = sub.add_parser("summarize", help="summarize one record (or a text file) and print it")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("record_id", nargs="?", help="a record id of the workspace")
    src.add_argument("--file", help="a .txt file instead of a workspace record")
    p.add_argument("--backend", default="extractive", help="ollama, openai, openai-compatible, transformers, extractive")
    p.add_argument("--model", default="", help="model name (or path for transformers)")
    p.add_argument("--adapter", default=None, help="LoRA adapter folder (transformers)")
    p.add_argument("--host", default=None, help="Ollama host (default $OLLAMA_HOST)")
    p.add_argument("--base-url", default=None, help="OpenAI-compatible base URL")
    p.add_argument("--strategy", default="template")
    p.add_argument("--language", default=None, choices=["es", "en"])
    p.add_argument("--decoding", default="greedy", choices=["greedy", "beam", "top_k", "top_p", "sample"])
    p.add_argument("--temperature", type=float, default=0.2)
    p.add_argument("--top-k", type=int, default=50)
    p.add_argument("--top-p", type=float, default=0.9)
    p.add_argument("--beams", type=int, default=4)
    p.add_argument("--repetition-penalty", type=float, default=None)
    p.add_argument("--max-tokens", type=int, default=768)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="strategy parameter, e.g. k=3 or part_chars=4000")
    p.add_argument("--save", action="store_true", help="save the summary in the workspace")
    p.add_argument("--json", action="store_true", help="print the whole result as JSON")
    p.set_defaults(func=lambda a: _summarize(open_store(a), a))

    p = sub.add_parser("run", help="run an experiment grid (GRID.toml) as a resumable job")
    p.add_argument("grid", help="the GRID.toml file")
    p.add_argument("--detach", action="store_true", help="start it in the background and return")
    p.add_argument("--cluster", default=None, metavar="ADDRESS", help="Ray cluster address (default $CLINSUM_RAY_ADDRESS, then [cluster] address in the workspace's clinsum.toml; none: run here)")
    p.set_defaults(func=lambda a: _run(open_store(a), a))

    p = sub.add_parser("serve", help="HTTP API: POST /predict, GET /health")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--max-bytes", type=int, default=2_000_000, help="largest request body accepted")
    p.add_argument("--token", default=None,
                   help="require 'Authorization: Bearer TOKEN' (default $CLINSUM_SERVE_TOKEN);"
                        " needed for any address other than 127.0.0.1")
    p.set_defaults(func=lambda a: _serve(open_store(a), a))

    p = sub.add_parser("strategies", help="list or show prompting strategies")
    ssub = p.add_subparsers(dest="strategies_command", metavar="ACTION", required=True)
    q = ssub.add_parser("list", help="built-in and workspace strategies")
    q.set_defaults(func=lambda a: _strategies_list(open_store(a)))
    q = ssub.add_parser("show", help="a strategy's prompts")
    q.add_argument("name")
    q.add_argument("--language", default="es", choices=["es", "en"])
    q.set_defaults(func=lambda a: _strategies_show(open_store(a), a.name, a.language))


def _params(items: list[str]) -> dict:
    from clinsum.errors import InputError

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"Bad --param {item!r}.", hint="Use KEY=VALUE, e.g. k=3.")
        try:
            out[key.strip()] = json.loads(value)
        except ValueError:
            out[key.strip()] = value
    return out


def _summarize(store, a) -> int:
    from clinsum.errors import InputError
    from clinsum.generation import (
        decoding_options,
        ensure_record,
        record_from_text,
        resolve_record,
        save_generation,
        summarize_stream,
    )
    from clinsum.records.encoding import decode_bytes

    if a.file:
        try:
            text, _ = decode_bytes(Path(a.file).read_bytes(), a.file)
        except OSError as exc:
            raise InputError(f"Cannot read {a.file}: {exc.strerror}.") from exc
        record = record_from_text(text, language=a.language, title=Path(a.file).name)
    else:
        record = resolve_record(store, a.record_id)
    options = decoding_options(a.decoding, a.temperature, top_k=a.top_k, top_p=a.top_p,
                               num_beams=a.beams, repetition_penalty=a.repetition_penalty,
                               max_new_tokens=a.max_tokens, seed=a.seed)
    config = {k: v for k, v in (("host", a.host), ("base_url", a.base_url)) if v}
    stream = summarize_stream(store, record, a.backend, a.model, a.strategy, options,
                              language=a.language, params=_params(a.param), adapter=a.adapter,
                              backend_config=config)
    for piece in stream:
        if not a.json:
            sys.stdout.write(piece)
            sys.stdout.flush()
    result = stream.result
    if a.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, default=str, indent=2))
    else:
        print()
        if result.extractive:
            print("(extractive summary: sentences selected from the record)", file=sys.stderr)
        timings = ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items())
        print(f"[{result.backend}/{result.model} · {result.prompt_version} · {timings}]", file=sys.stderr)
    if a.save:
        gen_id = save_generation(store, ensure_record(store, record), result, options=options,
                                 adapter=a.adapter)
        print(f"saved: {gen_id}", file=sys.stderr)
    return 0


def _run(store, a) -> int:
    from clinsum import jobs
    from clinsum.experiments import grid_results, load_grid, plan_cells, submit_grid

    grid = load_grid(a.grid)
    print(f"grid {grid.name!r}: {len(plan_cells(store, grid, 'plan'))} cells")
    job_id = submit_grid(store, grid, spawn=a.detach, cluster=a.cluster)
    if a.detach:
        print(f"started job {job_id}; follow it with the Grids page or `clinsum jobs`")
        return 0
    print(f"job {job_id} (after an interruption: `clinsum jobs resume {job_id}` or the Grids page)")
    stop = threading.Event()

    def report() -> None:
        while not stop.wait(2.0):
            p = jobs.read_progress(store, job_id)
            if p.get("message"):
                eta = p.get("eta_s")
                print(f"  {p['message']}" + (f" · ETA {eta:.0f}s" if eta else ""), flush=True)

    watcher = threading.Thread(target=report, daemon=True)
    watcher.start()
    started = time.monotonic()
    try:
        status = jobs.run_job(store, job_id)
    finally:
        stop.set()
    info = jobs.info(store, job_id)
    print(f"{status} in {time.monotonic() - started:.1f}s: {info['progress'].get('message', '')}")
    if info.get("error"):
        print(f"error: {info['error']}", file=sys.stderr)
    print_table(grid_results(store, job_id).to_dict("records"),
                ["model", "strategy", "temperature", "decoding", "cells", "errors", "mean_seconds"])
    return 0 if status == "done" else 1


def _serve(store, a) -> int:
    from clinsum.serve import is_loopback, make_server

    server = make_server(store, a.host, a.port, a.max_bytes, token=a.token)
    host, port = server.server_address[:2]
    if not is_loopback(a.host):
        print(f"warning: the API is reachable from other machines on {a.host}; every request needs the"
              " token, and traffic is not encrypted (put it behind the hospital's TLS proxy)",
              file=sys.stderr)
    print(f"clinsum API on http://{host}:{port}  (POST /predict, GET /health); Ctrl+C stops it")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _strategies_list(store) -> int:
    from clinsum.strategies import list_strategies

    print_table(list_strategies(store), ["name", "version", "builtin", "label", "description"])
    return 0


def _strategies_show(store, name: str, language: str) -> int:
    from clinsum.strategies import get_strategy
    from clinsum.strategies.prompts import load_prompts

    strategy = get_strategy(name, store)
    print(f"# {strategy.name} (version {strategy.version}): {strategy.description}")
    if not strategy.builtin:
        print(f"\n[system]\n{strategy.system}\n\n[user]\n{strategy.user_template}")
        return 0
    prompts = load_prompts(strategy.name, language, store)
    print(f"# prompt file: {prompts.path} (version {prompts.version})\n\n[system]\n{prompts.system}")
    for key, template in prompts.templates.items():
        print(f"\n[{key}]\n{template}")
    return 0
