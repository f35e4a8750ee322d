"""Experiment grids: models × strategies × temperatures × decodings × records, resumable.

A grid is described in TOML (``clinsum run GRID.toml``, or the Grids page)::

    name = "demo"
    records = "all"                 # or a list of record ids, or {limit = 10}
    strategies = ["template", "by_parts"]
    temperatures = [0.2, 0.8]
    decodings = ["sample"]          # greedy | beam | top_k | top_p | sample
    max_new_tokens = 768
    seed = 42                       # optional
    language = "auto"               # or "es" / "en"
    [[models]]
    backend = "ollama"
    model = "phi4:latest"
    concurrency = 2                 # optional: calls this server serves at once
    # any other key goes to the backend (host, base_url, adapter …)
    [params]                        # optional strategy parameters (k, part_chars …)

Every cell has a stable ``cell_key`` (grid id + the cell's settings), the UNIQUE column of
``generations``: a finished cell is never generated twice, a resumed grid skips it, and a
kill -9 loses at most the cells in flight. A failing cell is stored with its ``error`` and
the grid goes on (a resume retries the failed cells). Cells are grouped by backend; each
group runs on twice as many threads as its backend serves at once (calls stay bounded by
the backend's slots, so one cell is saved while the next call already runs).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import queue
import threading
import time
import tomllib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

import duckdb

from clinsum.backends.base import Backend
from clinsum.errors import ClinsumError, ConfigError
from clinsum.generation import (
    DECODINGS,
    INSERT_SQL,
    decoding_options,
    generation_row,
    make_backend,
    summarize,
)
from clinsum.jobs import JOB_KINDS, JobContext
from clinsum.records import Record
from clinsum.store import Store
from clinsum.strategies.base import backend_concurrency

JOB_KINDS.register("grid", "clinsum.experiments:run_grid_job")
MODEL_KEYS = {"backend", "model", "adapter", "label"}


@dataclass
class ModelSpec:
    backend: str
    model: str
    adapter: str | None = None
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return json.dumps([self.backend, self.model, self.adapter, sorted(self.config.items())],
                          default=str)


@dataclass
class Grid:
    name: str
    models: list[ModelSpec]
    strategies: list[str]
    temperatures: list[float]
    decodings: list[str]
    records: Any = "all"
    max_new_tokens: int = 768
    seed: int | None = None
    language: str = "auto"
    params: dict[str, Any] = field(default_factory=dict)
    timeout: float = 600.0
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class Cell:
    model: ModelSpec
    strategy: str
    temperature: float
    decoding: str
    record_id: str
    key: str = ""


def parse_grid(data: dict[str, Any] | str) -> Grid:
    """A :class:`Grid` from TOML text or a parsed dict; :class:`ConfigError` says what is wrong."""
    if isinstance(data, str):
        try:
            data = tomllib.loads(data)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"The grid file is not valid TOML: {exc}",
                              hint="See `clinsum run --help` for an example.") from exc
    models = data.get("models") or []
    if not isinstance(models, list) or not models:
        raise ConfigError("The grid has no [[models]] entries.",
                          hint='Add e.g. [[models]] backend = "ollama" model = "phi4:latest".')
    specs = []
    for entry in models:
        if not isinstance(entry, dict) or not entry.get("backend"):
            raise ConfigError(f"Each [[models]] entry needs a backend: {entry!r}.")
        specs.append(ModelSpec(str(entry["backend"]), str(entry.get("model") or ""),
                               entry.get("adapter"),
                               {k: v for k, v in entry.items() if k not in MODEL_KEYS}))
    decodings = [str(d) for d in _as_list(data.get("decodings", ["sample"]))]
    bad = [d for d in decodings if d not in DECODINGS]
    if bad:
        raise ConfigError(f"Unknown decoding(s): {', '.join(bad)}.", hint=f"Use {', '.join(DECODINGS)}.")
    try:
        temperatures = [float(t) for t in _as_list(data.get("temperatures", [0.2]))]
    except (TypeError, ValueError) as exc:
        raise ConfigError("temperatures must be numbers, e.g. [0.2, 0.8].") from exc
    strategies = [str(s) for s in _as_list(data.get("strategies", ["template"]))]
    if not strategies or not temperatures or not decodings:
        raise ConfigError("strategies, temperatures and decodings must not be empty.")
    return Grid(
        name=str(data.get("name") or "grid"), models=specs, strategies=strategies,
        temperatures=temperatures, decodings=decodings, records=data.get("records", "all"),
        max_new_tokens=int(data.get("max_new_tokens", 768)), seed=data.get("seed"),
        language=str(data.get("language", "auto")), params=dict(data.get("params") or {}),
        timeout=float(data.get("timeout", 600.0)), raw=dict(data),
    )


def load_grid(path: str | Path) -> Grid:
    try:
        return parse_grid(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"Cannot read the grid file {path}: {exc.strerror}.") from exc


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def grid_records(store: Store, grid: Grid) -> list[str]:
    """The record ids a grid runs over (checked against the workspace)."""
    spec = grid.records
    all_ids = [r[0] for r in store.execute("SELECT id FROM records ORDER BY id")]
    if spec in (None, "all", "*"):
        ids = all_ids
    elif isinstance(spec, dict):
        ids = all_ids[: int(spec.get("limit", len(all_ids)))]
    else:
        ids = [str(i) for i in _as_list(spec)]
        missing = sorted(set(ids) - set(all_ids))
        if missing:
            raise ConfigError(f"The grid names records that are not in the workspace: {', '.join(missing[:5])}.",
                              hint="`clinsum records list` shows the ids.")
    if not ids:
        raise ConfigError("The grid has no records to run on.",
                          hint="Import records first (`clinsum import` or `clinsum demo`).")
    return ids


def cell_key(grid_id: str, cell: Cell, grid: Grid) -> str:
    """A stable identity: the same grid and settings always give the same key."""
    spec = [grid_id, cell.model.key, cell.strategy, cell.temperature, cell.decoding,
            cell.record_id, grid.max_new_tokens, grid.seed, grid.language,
            sorted(grid.params.items())]
    return hashlib.sha256(json.dumps(spec, default=str).encode()).hexdigest()[:32]


def plan_cells(store: Store, grid: Grid, grid_id: str) -> list[Cell]:
    """Every cell of the grid, in a stable order, with its key."""
    records = grid_records(store, grid)
    cells = [Cell(m, s, t, d, r) for m, s, t, d, r in
             product(grid.models, grid.strategies, grid.temperatures, grid.decodings, records)]
    for cell in cells:
        cell.key = cell_key(grid_id, cell, grid)
    return cells


def finished_keys(store: Store, grid_id: str, include_errors: bool = False) -> set[str]:
    sql = "SELECT cell_key FROM generations WHERE grid_id = ? AND cell_key IS NOT NULL"
    if not include_errors:
        sql += " AND error IS NULL"
    return {r[0] for r in store.execute(sql, [grid_id])}


def calls_per_cell(strategy: str) -> int | None:
    """LLM calls one cell makes (None when it depends on the record: by parts)."""
    return {"refine": 3, "by_parts": None}.get(strategy, 1)


@dataclass
class GridReport:
    total: int
    skipped: int
    done: int = 0
    errors: int = 0
    stopped: bool = False
    seconds: float = 0.0


def run_grid(
    store: Store,
    grid: Grid,
    grid_id: str,
    *,
    progress: Callable[[int, int, str, float | None], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    log: Callable[..., None] | None = None,
) -> GridReport:
    """Run the cells not yet finished; each backend group on its own bounded thread pool."""
    started = time.perf_counter()
    cells = plan_cells(store, grid, grid_id)
    store.execute("DELETE FROM generations WHERE grid_id = ? AND error IS NOT NULL", [grid_id])
    done_keys = finished_keys(store, grid_id)
    todo = [c for c in cells if c.key not in done_keys]
    report = GridReport(total=len(cells), skipped=len(cells) - len(todo))
    lock = threading.Lock()
    backends: dict[str, Backend] = {}
    records: dict[str, Record] = {}
    groups: dict[str, list[Cell]] = {}
    for cell in todo:
        groups.setdefault(cell.model.key, []).append(cell)
        if cell.model.key not in backends:
            backends[cell.model.key] = make_backend(cell.model.backend, cell.model.model,
                                                    cell.model.adapter, cell.model.config)

    wanted = sorted({c.record_id for c in todo})
    if wanted:
        rows = store.fetch_dicts(f"SELECT * FROM records WHERE id IN ({', '.join('?' * len(wanted))})", wanted)
        records.update({row["id"]: Record.from_row(row) for row in rows})

    def report_progress() -> None:
        if progress is None:
            return
        finished = report.done + report.errors
        elapsed = time.perf_counter() - started
        remaining = len(todo) - finished
        eta = elapsed / finished * remaining if finished else None
        progress(report.skipped + finished, report.total,
                 f"{report.skipped + finished}/{report.total} cells · {report.errors} error(s)"
                 + (f" · {report.skipped} already done" if report.skipped else ""), eta)

    pending: queue.Queue = queue.Queue()

    def run_cell(cell: Cell) -> None:
        if should_stop is not None and should_stop():
            report.stopped = True
            return
        backend = backends[cell.model.key]
        options = decoding_options(cell.decoding, cell.temperature, max_new_tokens=grid.max_new_tokens,
                                   seed=grid.seed, timeout=grid.timeout)
        error = None
        try:
            result = summarize(store, records[cell.record_id], backend, cell.model.model, cell.strategy,
                               options, params=grid.params,
                               language=None if grid.language == "auto" else grid.language)
        except ClinsumError as exc:
            result, error = None, str(exc)
        except Exception as exc:  # noqa: BLE001 - a crash in one cell is recorded, the grid goes on
            result, error = None, f"{type(exc).__name__}: {exc}"
        pending.put((cell, generation_row(
            cell.record_id, result, backend=cell.model.backend, model=cell.model.model,
            strategy=cell.strategy, options=options, adapter=cell.model.adapter,
            params=dict(grid.params), error=error, grid_id=grid_id, cell_key=cell.key)))

    def writer() -> None:
        """Save finished cells in small transactions, so calls never wait for the database."""
        finished = False
        while not finished:
            batch = [pending.get()]
            while True:
                try:
                    batch.append(pending.get_nowait())
                except queue.Empty:
                    break
            finished = batch[-1] is None
            batch = [item for item in batch if item is not None]
            if batch:
                _save_cells(store, [row for _, row in batch])
            with lock:
                for cell, row in batch:
                    error = row[19]
                    if error:
                        report.errors += 1
                    else:
                        report.done += 1
                    if log is not None:
                        log(event="cell", key=cell.key, record=cell.record_id, model=cell.model.model,
                            strategy=cell.strategy, error=error)
                report_progress()

    report_progress()

    def run_group(key: str) -> None:
        # one spare thread per slot, so a call starts while the previous cell is being saved;
        # the backend's slots still bound the calls in flight
        workers = 2 * backend_concurrency(backends[key])
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run_cell, groups[key]))

    saver = threading.Thread(target=writer, name="grid-writer", daemon=True)
    saver.start()
    try:
        with ThreadPoolExecutor(max_workers=max(1, len(groups))) as outer:
            list(outer.map(run_group, list(groups)))
    finally:
        pending.put(None)
        saver.join()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _save_cells(store: Store, rows: list[list[Any]]) -> None:
    """Insert rows in one transaction; a cell another run stored first is kept as it is."""
    try:
        with store.transaction() as con:
            con.executemany(INSERT_SQL, rows)
    except duckdb.ConstraintException:
        for row in rows:
            with contextlib.suppress(duckdb.ConstraintException):
                store.execute(INSERT_SQL, row)


def run_grid_job(ctx: JobContext) -> None:
    """The ``grid`` job: ``ctx.config = {"grid": <parsed TOML>}``; the grid id is the job id."""
    grid = parse_grid(ctx.config["grid"])

    def progress(done: int, total: int, message: str, eta: float | None) -> None:
        ctx.progress(done, total, message, eta_s=eta)

    report = run_grid(ctx.store, grid, ctx.job_id, progress=progress, should_stop=ctx.should_stop,
                      log=ctx.log)
    ctx.log(event="grid", total=report.total, skipped=report.skipped, done=report.done,
            errors=report.errors, seconds=report.seconds)
    ctx.check_stop()


def submit_grid(store: Store, grid: Grid | dict[str, Any] | str, spawn: bool = True) -> str:
    """Start a grid as a background job; its id is also the grid id of its generations."""
    from clinsum import jobs

    parsed = grid if isinstance(grid, Grid) else parse_grid(grid)
    plan_cells(store, parsed, "check")  # fail now, not in the background, when records are wrong
    return jobs.submit(store, "grid", {"grid": parsed.raw}, title=f"grid: {parsed.name}", spawn=spawn)


def grid_results(store: Store, grid_id: str):
    """One row per (model, strategy, temperature, decoding): cells, errors, mean seconds."""
    return store.fetch_df(
        "SELECT backend, model, strategy, temperature, decoding, count(*) AS cells,"
        " count(error) AS errors, round(avg(total_seconds), 2) AS mean_seconds,"
        " round(avg(completion_tokens), 1) AS mean_tokens"
        " FROM generations WHERE grid_id = ? GROUP BY ALL ORDER BY ALL",
        [grid_id],
    )


# -- building grids without writing TOML (the Grids page) -----------------------------------
def grid_toml(data: dict[str, Any]) -> str:
    """GRID.toml text for a grid dict (the inverse of :func:`parse_grid`'s input)."""
    tables = {k: v for k, v in data.items() if k in ("models", "params")}
    lines = [f"{key} = {_toml_value(value)}" for key, value in data.items() if key not in tables]
    if tables.get("params"):
        lines += ["", "[params]", *(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in tables["params"].items())]
    for model in tables.get("models") or []:
        lines += ["", "[[models]]", *(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in model.items())]
    return "\n".join(lines) + "\n"


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value), ensure_ascii=False)


@dataclass
class GridEstimate:
    """How big a grid is: cells, model calls, and a time estimate from earlier generations."""

    cells: int
    records: int
    calls: int
    seconds: float | None  # None when no earlier generation tells how long a cell takes
    unknown_cells: int     # cells with no earlier (backend, model, strategy) timing


def estimate_grid(store: Store, grid: Grid) -> GridEstimate:
    """Size and duration of ``grid``: calls per cell (by parts counts the record's parts),
    seconds from the mean of earlier successful generations with the same backend, model and
    strategy, divided by the calls each backend serves at once."""
    from clinsum.backends import BACKENDS
    from clinsum.strategies.by_parts import DEFAULT_PART_CHARS, split_parts

    cells = plan_cells(store, grid, "estimate")
    record_ids = sorted({c.record_id for c in cells})
    parts: dict[str, int] = {}
    if any(s == "by_parts" for s in grid.strategies):
        marks = ", ".join("?" * len(record_ids))
        part_chars = int(grid.params.get("part_chars") or DEFAULT_PART_CHARS)
        for row in store.fetch_dicts(f"SELECT * FROM records WHERE id IN ({marks})", record_ids):
            rec = Record.from_row(row)
            parts[rec.id] = len(split_parts(rec.text, rec.sections, part_chars)) + 1
    history = {(r["backend"], r["model"], r["strategy"]): r["seconds"] for r in store.fetch_dicts(
        "SELECT backend, model, strategy, avg(total_seconds) AS seconds FROM generations"
        " WHERE error IS NULL AND total_seconds IS NOT NULL GROUP BY ALL")}
    calls = 0
    per_backend: dict[str, float] = {}
    unknown = 0
    for cell in cells:
        generative = cell.model.backend in BACKENDS and BACKENDS.get(cell.model.backend).generative
        n = calls_per_cell(cell.strategy)
        calls += 1 if not generative else (n if n is not None else parts.get(cell.record_id, 2))
        seconds = history.get((cell.model.backend, cell.model.model, cell.strategy))
        if seconds is None:
            unknown += 1
        else:
            per_backend[cell.model.key] = per_backend.get(cell.model.key, 0.0) + float(seconds)
    total = None
    if per_backend:
        slots = {m.key: _configured_concurrency(m) for m in grid.models}
        total = max(seconds / slots.get(key, 1) for key, seconds in per_backend.items())
    return GridEstimate(len(cells), len(record_ids), calls, total, unknown)


def _configured_concurrency(model: ModelSpec) -> int:
    from clinsum.strategies.base import DEFAULT_CONCURRENCY

    try:
        return max(1, int(model.config.get("concurrency") or DEFAULT_CONCURRENCY.get(model.backend, 2)))
    except (TypeError, ValueError):
        return 1


def grid_cells(store: Store, grid_id: str):
    """One row per finished cell of a grid (errors included), for tables and downloads."""
    return store.fetch_df(
        "SELECT record_id, backend, model, strategy, temperature, decoding, total_seconds,"
        " completion_tokens, error, left(text, 160) AS summary, id AS generation_id"
        " FROM generations WHERE grid_id = ?"
        " ORDER BY backend, model, strategy, temperature, decoding, record_id",
        [grid_id],
    )
