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
    endpoints = ["http://gpu1:11434", "http://gpu2:11434"]  # optional: several servers
    # any other key goes to the backend (host, base_url, adapter …)
    [params]                        # optional strategy parameters (k, part_chars …)

Every cell has a stable ``cell_key`` (grid id + the cell's settings), the UNIQUE column of
``generations``: a finished cell is never generated twice, a resumed grid skips it, and a
kill -9 loses at most the cells in flight. A failing cell is stored with its ``error`` and
the grid goes on (a resume retries the failed cells). Cells are grouped by backend; each
group runs on twice as many threads as its backend serves at once (calls stay bounded by
the backend's slots, so one cell is saved while the next call already runs). A model with
``endpoints`` spreads its cells over those servers (each serving ``concurrency`` at once); a
server that fails is taken out and its cells run on the others (:mod:`clinsum.cluster`). With
a Ray address (``clinsum run --cluster``, ``$CLINSUM_RAY_ADDRESS``) the cells run on the
cluster's endpoint actors and the job process stays the only writer.

A grid is checked before its job exists (:func:`validate_grid`: types, backends, strategies,
records, and no secrets), and :func:`submit_grid` freezes its plan (``records = "all"``
becomes the explicit ids), so a resume finishes exactly the cells planned at submit. The
grid job is "done" only when every planned cell is stored, as a result or as an error: the
writer retries a busy workspace with backoff and otherwise stops the grid saying how many
cells are missing, and a grid with failed cells ends "failed" saying how many (a resume
retries them). ``total_seconds`` of a cell counts the model calls only; the wait for a free
backend slot is kept in ``slot_wait_seconds``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import queue
import re
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

import duckdb

from clinsum.backends.base import backend_concurrency as configured_concurrency
from clinsum.cluster import cluster_address
from clinsum.cluster.dispatch import Work, dispatch
from clinsum.cluster.endpoints import (
    Endpoint,
    EndpointPool,
    check_endpoints,
    endpoint_key,
    expand_endpoints,
)
from clinsum.cluster.executors import CellOutcome, CellTask, make_executor
from clinsum.errors import ClinsumError, ConfigError, NotFound, WorkspaceBusy
from clinsum.generation import (
    DECODINGS,
    INSERT_SQL,
    decoding_options,
    generation_row,
    make_backend,
)
from clinsum.jobs import JOB_KINDS, JobContext
from clinsum.records import Record
from clinsum.store import Store
from clinsum.store.scrub import find_secrets
from clinsum.strategies.base import backend_concurrency

JOB_KINDS.register("grid", "clinsum.experiments:run_grid_job")
MODEL_KEYS = {"backend", "model", "adapter", "label"}
GRID_KEYS = {"name", "records", "strategies", "temperatures", "decodings", "max_new_tokens", "seed",
             "language", "params", "timeout", "models", "description"}
LANGUAGES = ("auto", "es", "en")
SAVE_RETRIES = 6        # attempts to store a batch of finished cells before the grid gives up
SAVE_BACKOFF_S = 0.5    # first pause between attempts (doubles each time)


class GridIncomplete(ClinsumError):
    """The grid ended with planned cells neither stored as a result nor as an error."""

    key = "grids.incomplete"


class GridCellsFailed(ClinsumError):
    """Every planned cell is stored, but some (or all) of them as errors."""

    key = "grids.cells_failed"


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
    """A :class:`Grid` from TOML text or a parsed dict; :class:`ConfigError` says what is wrong
    (a wrong type, an unknown key or decoding, a secret) without echoing any value."""
    if isinstance(data, str):
        try:
            data = tomllib.loads(data)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"The grid file is not valid TOML: {exc}",
                              hint="See `clinsum run --help` for an example.") from exc
    if not isinstance(data, dict):
        raise ConfigError("A grid must be a TOML table of settings.")
    secrets = find_secrets(data)
    if secrets:
        raise ConfigError(
            f"The grid holds what looks like a secret ({', '.join(secrets[:5])}); keys and "
            "passwords are not accepted in a grid, because grids are stored in the workspace.",
            hint="Remove it and set OPENAI_API_KEY in the environment or in .streamlit/secrets.toml.",
            where=secrets[:5])
    unknown = sorted(set(data) - GRID_KEYS)
    if unknown:
        raise ConfigError(f"Unknown grid setting(s): {', '.join(unknown)}.",
                          hint=f"Known settings: {', '.join(sorted(GRID_KEYS))}.")
    models = data.get("models") or []
    if not isinstance(models, list) or not models:
        raise ConfigError("The grid has no [[models]] entries.",
                          hint='Add e.g. [[models]] backend = "ollama" model = "phi4:latest".')
    specs = []
    for i, entry in enumerate(models, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("backend"), str) or not entry["backend"]:
            raise ConfigError(f"[[models]] entry {i} needs a backend name (a text).",
                              hint='For example backend = "ollama".')
        for key in ("model", "adapter", "label"):
            _check_type(entry.get(key), str, f"[[models]] entry {i}: {key}", optional=True)
        if "concurrency" in entry:
            _check_int(entry["concurrency"], f"[[models]] entry {i}: concurrency", 1, 1024)
        if "endpoints" in entry:
            entry = {**entry, "endpoints": check_endpoints(entry["endpoints"], f"[[models]] entry {i}")}
        specs.append(ModelSpec(entry["backend"], entry.get("model") or "", entry.get("adapter"),
                               {k: v for k, v in entry.items() if k not in MODEL_KEYS}))
    decodings = [_check_type(d, str, "decodings") for d in _as_list(data.get("decodings", ["sample"]))]
    bad = [d for d in decodings if d not in DECODINGS]
    if bad:
        raise ConfigError(f"Unknown decoding(s): {', '.join(bad)}.", hint=f"Use {', '.join(DECODINGS)}.")
    temperatures = [_check_number(t, "temperatures", 0.0, 5.0)
                    for t in _as_list(data.get("temperatures", [0.2]))]
    strategies = [_check_type(x, str, "strategies") for x in _as_list(data.get("strategies", ["template"]))]
    if not strategies or not temperatures or not decodings:
        raise ConfigError("strategies, temperatures and decodings must not be empty.")
    language = _check_type(data.get("language", "auto"), str, "language")
    if language not in LANGUAGES:
        raise ConfigError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}.")
    seed = data.get("seed")
    if seed is not None:
        _check_int(seed, "seed", 0, 2**63 - 1)
    return Grid(
        name=str(_check_type(data.get("name") or "grid", str, "name")), models=specs,
        strategies=strategies, temperatures=temperatures, decodings=decodings,
        records=_check_records(data.get("records", "all")),
        max_new_tokens=_check_int(data.get("max_new_tokens", 768), "max_new_tokens", 1, 1_000_000),
        seed=seed, language=language,
        params=dict(_check_type(data.get("params") or {}, dict, "[params]")),
        timeout=_check_number(data.get("timeout", 600.0), "timeout", 0.001, 86_400.0), raw=dict(data),
    )


_TYPE_NAMES = {str: "a text", dict: "a table", int: "a whole number"}


def _check_type(value: Any, kind: type, name: str, optional: bool = False) -> Any:
    if (value is None and optional) or isinstance(value, kind):
        return value
    raise ConfigError(f"{name} must be {_TYPE_NAMES.get(kind, kind.__name__)}, not {type(value).__name__}.",
                      hint="See `clinsum run --help` for an example grid.")


def _check_int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be a whole number, not {_shown(value)}.",
                          hint=f"For example {name.rsplit(' ', 1)[-1]} = {max(low, min(high, 768))}.")
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, not {value}.")
    return value


def _check_number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{name} must be numbers, not {_shown(value)}.", hint="For example [0.2, 0.8].")
    if not low <= float(value) <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g}, not {value}.")
    return float(value)


def _check_records(spec: Any) -> Any:
    if spec in (None, "all", "*"):
        return "all"
    if isinstance(spec, dict):
        if set(spec) != {"limit"}:
            raise ConfigError("records as a table takes only limit, e.g. records = {limit = 10}.")
        _check_int(spec["limit"], "records.limit", 1, 10**9)
        return spec
    if isinstance(spec, list) and spec and all(isinstance(i, str | int) and not isinstance(i, bool) for i in spec):
        return [str(i) for i in spec]
    raise ConfigError('records must be "all", a list of record ids, or {limit = N}.',
                      hint='For example records = ["rec-1", "rec-2"].')


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str | int | float) and len(repr(value)) <= 40 else type(value).__name__


def validate_grid(store: Store, grid: Grid) -> list[str]:
    """Check what only the workspace can tell (backends, strategies, records) before a job
    exists; return the record ids the grid runs on."""
    from clinsum.backends import BACKENDS
    from clinsum.strategies import get_strategy

    for spec in grid.models:
        if spec.backend not in BACKENDS:
            raise ConfigError(f"Unknown backend {spec.backend!r} in the grid.",
                              hint=f"Use one of: {', '.join(BACKENDS.names())}.")
        expand_endpoints(spec.backend, spec.model, spec.config, 1)  # endpoints need a server setting
    for name in grid.strategies:
        try:
            get_strategy(name, store)
        except NotFound as exc:
            raise ConfigError(f"Unknown strategy {name!r} in the grid.", hint=exc.hint) from None
    return grid_records(store, grid)


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


def calls_per_cell(strategy: str, record: Record | None = None, params: dict | None = None,
                   store: Store | None = None) -> int | None:
    """LLM calls one cell makes, as the strategy counts them (None when it depends on a record
    that is not given: by parts, multi-question RAG)."""
    from clinsum.strategies import get_strategy

    try:
        return get_strategy(strategy, store).calls_per_record(record, params)
    except ClinsumError:
        return 1


@dataclass
class GridReport:
    total: int
    skipped: int
    done: int = 0
    errors: int = 0
    stopped: bool = False
    seconds: float = 0.0
    missing: int = 0             # planned cells stored neither as a result nor as an error
    failed_cells: int = 0        # cells of the whole grid stored with an error
    first_error: str | None = None
    save_error: str | None = None  # why finished cells could not be stored


def run_grid(
    store: Store,
    grid: Grid,
    grid_id: str,
    *,
    cluster: str | None = None,
    progress: Callable[[int, int, str, float | None], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    log: Callable[..., None] | None = None,
) -> GridReport:
    """Run the cells not yet finished, spread over each model's endpoints, on threads of this
    process or on the Ray cluster at ``cluster`` (see :func:`clinsum.cluster.cluster_address`)."""
    started = time.perf_counter()
    cells = plan_cells(store, grid, grid_id)
    store.execute("DELETE FROM generations WHERE grid_id = ? AND error IS NOT NULL", [grid_id])
    done_keys = finished_keys(store, grid_id)
    todo = [c for c in cells if c.key not in done_keys]
    report = GridReport(total=len(cells), skipped=len(cells) - len(todo))
    lock = threading.Lock()
    records: dict[str, Record] = {}
    wanted = sorted({c.record_id for c in todo})
    if wanted:
        rows = store.fetch_dicts(f"SELECT * FROM records WHERE id IN ({', '.join('?' * len(wanted))})", wanted)
        records.update({row["id"]: Record.from_row(row) for row in rows})
    pools = _endpoint_pools(grid)

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
    cannot_save = threading.Event()
    language = None if grid.language == "auto" else grid.language

    def make_work(cell: Cell) -> Work:
        options = decoding_options(cell.decoding, cell.temperature, max_new_tokens=grid.max_new_tokens,
                                   seed=grid.seed, timeout=grid.timeout)

        def make_task(endpoint: Endpoint) -> CellTask:
            return CellTask(cell.key, records[cell.record_id], endpoint, cell.model.adapter, cell.strategy,
                            options, dict(grid.params), language, str(store.root))

        return Work(cell.key, (cell, options), pools[cell.model.key], make_task)

    def on_result(item: tuple[Cell, Any], endpoint: Endpoint, outcome: CellOutcome) -> None:
        cell, options = item
        pending.put((cell, endpoint, generation_row(
            cell.record_id, outcome.result, backend=cell.model.backend, model=cell.model.model,
            strategy=cell.strategy, options=options, adapter=cell.model.adapter,
            params=dict(grid.params), error=outcome.error, grid_id=grid_id, cell_key=cell.key)))

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
            if not batch or cannot_save.is_set():
                continue
            try:
                _save_with_retries(store, [row for _, _, row in batch], log)
            except Exception as exc:  # noqa: BLE001 - the grid stops and says what is missing
                report.save_error = str(exc) if isinstance(exc, ClinsumError) else f"{type(exc).__name__}: {exc}"
                cannot_save.set()
                if log is not None:
                    log(event="save_failed", cells=len(batch), error=report.save_error)
                continue
            with lock:
                for cell, endpoint, row in batch:
                    error = row[19]
                    if error:
                        report.errors += 1
                    else:
                        report.done += 1
                    if log is not None:
                        log(event="cell", key=cell.key, record=cell.record_id, model=cell.model.model,
                            strategy=cell.strategy, endpoint=endpoint.where or None, error=error)
                report_progress()

    report_progress()

    def stop_now() -> bool:
        return cannot_save.is_set() or (should_stop is not None and should_stop())

    address = cluster_address(cluster, store.root)
    slots = sum(2 * e.concurrency for pool in pools.values() for e in pool.endpoints)
    executor = make_executor(address, store, slots, log) if todo else None
    if log is not None and todo:
        log(event="executor", engine=executor.name, endpoints=sum(len(p.endpoints) for p in pools.values()))
    saver = threading.Thread(target=writer, name="grid-writer", daemon=True)
    saver.start()
    try:
        if executor is not None:
            report.stopped = dispatch([make_work(c) for c in todo], executor, on_result, stop_now, log)
    finally:
        if executor is not None:
            executor.close()
        pending.put(None)
        saver.join()
    try:
        _check_complete(store, grid_id, cells, report)
    except WorkspaceBusy:  # counted from what this run saved instead
        report.missing = report.total - report.skipped - report.done - report.errors
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _endpoint_pools(grid: Grid) -> dict[str, EndpointPool]:
    """One pool of endpoints per model entry of the grid."""
    pools = {}
    for spec in grid.models:
        probe = make_backend(spec.backend, spec.model, spec.adapter,
                             {k: v for k, v in spec.config.items() if k != "endpoints"})
        key = endpoint_key(spec.backend)
        found = getattr(probe, key, None) if key else None
        endpoints = expand_endpoints(spec.backend, spec.model, spec.config, backend_concurrency(probe),
                                     found if isinstance(found, str) else None)
        pools[spec.key] = EndpointPool(endpoints, limit_per_endpoint=2)
    return pools


def _check_complete(store: Store, grid_id: str, cells: list[Cell], report: GridReport) -> None:
    """Count, from the workspace, the planned cells stored as results, as errors, or not at all."""
    stored = dict(store.execute(
        "SELECT cell_key, error FROM generations WHERE grid_id = ? AND cell_key IS NOT NULL", [grid_id]))
    planned = [c.key for c in cells]
    report.missing = sum(1 for key in planned if key not in stored)
    errors = [stored[key] for key in planned if stored.get(key)]
    report.failed_cells = len(errors)
    report.first_error = errors[0] if errors else None


def _save_with_retries(store: Store, rows: list[list[Any]], log: Callable[..., None] | None) -> None:
    """:func:`_save_cells`, retried with doubling pauses while the workspace is busy (another
    process writing a lot); the last failure is raised."""
    delay = SAVE_BACKOFF_S
    for attempt in range(1, SAVE_RETRIES + 1):
        try:
            _save_cells(store, rows)
            return
        except (WorkspaceBusy, duckdb.IOException, duckdb.TransactionException) as exc:
            if attempt == SAVE_RETRIES:
                raise
            if log is not None:
                log(event="save_retry", attempt=attempt, cells=len(rows), wait_s=delay, error=str(exc))
            time.sleep(delay)
            delay *= 2


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

    report = run_grid(ctx.store, grid, ctx.job_id, cluster=ctx.config.get("cluster"), progress=progress, should_stop=ctx.should_stop,
                      log=ctx.log)
    ctx.log(event="grid", total=report.total, skipped=report.skipped, done=report.done,
            errors=report.errors, missing=report.missing, failed_cells=report.failed_cells,
            seconds=report.seconds)
    if report.save_error:
        raise GridIncomplete(
            f"{report.missing} of {report.total} cells are not stored: the workspace could not be "
            f"written ({report.save_error}).",
            hint="Nothing stored was lost; resume the grid when the workspace is free "
                 "(`clinsum jobs resume` or the Grids page).",
            missing=report.missing, total=report.total)
    if report.missing:  # a stop that came after the last cell was stored changes nothing
        ctx.check_stop()
    raise_for_report(report)


def raise_for_report(report: GridReport) -> None:
    """A clear error when a finished grid is not complete or has failed cells."""
    if report.missing:
        raise GridIncomplete(f"{report.missing} of {report.total} cells are not stored.",
                             hint="Resume the grid to finish them.", missing=report.missing,
                             total=report.total)
    if report.failed_cells:
        every = report.failed_cells == report.total
        raise GridCellsFailed(
            (f"All {report.total} cells failed" if every else
             f"{report.failed_cells} of {report.total} cells failed") + f"; first error: {report.first_error}",
            hint="The errors are stored with the cells; fix the cause and resume the grid, which "
                 "retries only the failed cells.",
            failed=report.failed_cells, total=report.total)


def submit_grid(store: Store, grid: Grid | dict[str, Any] | str, spawn: bool = True,
                cluster: str | None = None) -> str:
    """Start a grid as a background job; its id is also the grid id of its generations.
    ``cluster`` (a Ray address) is kept with the job, so a resume runs where it started."""
    from clinsum import jobs

    parsed = grid if isinstance(grid, Grid) else parse_grid(grid)
    if isinstance(grid, Grid) and grid.raw:
        parse_grid(grid.raw)  # a Grid built in code is checked like a file
    records = validate_grid(store, parsed)  # fail now, not in the background
    frozen = {**parsed.raw, "records": records}  # the plan of this job, whatever is imported later
    config = {"grid": frozen, **({"cluster": cluster} if cluster else {})}
    return jobs.submit(store, "grid", config, title=f"grid: {parsed.name}", spawn=spawn)


def grid_results(store: Store, grid_id: str):
    """One row per (model, strategy, temperature, decoding): cells, errors, mean seconds of
    model calls, and mean seconds waited for a free backend slot (kept apart)."""
    return store.fetch_df(
        "SELECT backend, model, strategy, temperature, decoding, count(*) AS cells,"
        " count(error) AS errors, round(avg(total_seconds), 2) AS mean_seconds,"
        " round(avg(slot_wait_seconds), 2) AS mean_slot_wait_seconds,"
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


def grid_filename(name: str) -> str:
    """A safe GRID.toml file name for a grid called ``name``."""
    return (re.sub(r"[^\w.-]+", "_", name).strip("_") or "grid") + ".toml"


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

    cells = plan_cells(store, grid, "estimate")
    record_ids = sorted({c.record_id for c in cells})
    per_record = {s for s in grid.strategies if calls_per_cell(s, store=store) is None}
    records: dict[str, Record] = {}
    if per_record:
        marks = ", ".join("?" * len(record_ids))
        records = {row["id"]: Record.from_row(row) for row in store.fetch_dicts(
            f"SELECT * FROM records WHERE id IN ({marks})", record_ids)}
    counts: dict[tuple[str, str], int] = {}
    history = {(r["backend"], r["model"], r["strategy"]): r["seconds"] for r in store.fetch_dicts(
        "SELECT backend, model, strategy, avg(total_seconds) AS seconds FROM generations"
        " WHERE error IS NULL AND total_seconds IS NOT NULL GROUP BY ALL")}
    calls = 0
    per_backend: dict[str, float] = {}
    unknown = 0
    for cell in cells:
        generative = cell.model.backend in BACKENDS and BACKENDS.get(cell.model.backend).generative
        key = (cell.strategy, cell.record_id)
        if generative and key not in counts:
            record = records.get(cell.record_id) if cell.strategy in per_record else None
            counts[key] = calls_per_cell(cell.strategy, record, grid.params, store) or 1
        calls += counts[key] if generative else 1
        seconds = history.get((cell.model.backend, cell.model.model, cell.strategy))
        if seconds is None:
            unknown += 1
        else:
            per_backend[cell.model.key] = per_backend.get(cell.model.key, 0.0) + float(seconds)
    total = None
    if per_backend:
        slots = {m.key: configured_concurrency(m.backend, m.config) for m in grid.models}
        total = max(seconds / slots.get(key, 1) for key, seconds in per_backend.items())
    return GridEstimate(len(cells), len(record_ids), calls, total, unknown)


def grid_cells(store: Store, grid_id: str):
    """One row per finished cell of a grid (errors included), for tables and downloads."""
    return store.fetch_df(
        "SELECT record_id, backend, model, strategy, temperature, decoding, total_seconds,"
        " slot_wait_seconds, completion_tokens, error, left(text, 160) AS summary, id AS generation_id"
        " FROM generations WHERE grid_id = ?"
        " ORDER BY backend, model, strategy, temperature, decoding, record_id",
        [grid_id],
    )
