"""One summary from the first of several servers of a model that answers (the Summarize page).

:func:`summarize_stream_failover` tries the backend's own server first, then each endpoint in
order; a server that fails before the summary starts streaming (unreachable, refusing) is
passed over and the next one asked. A failure after text has started is raised as it is (the
text shown would otherwise change under the reader).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clinsum.cluster.endpoints import endpoint_key
from clinsum.errors import BackendUnavailable
from clinsum.strategies.base import SummaryStream


def endpoint_list(text: str) -> list[str]:
    """Server addresses from a text field: one a line (or comma-separated), blanks dropped."""
    return [part.strip() for line in (text or "").splitlines() for part in line.split(",") if part.strip()]


def summarize_stream_failover(store: Any, record: Any, backend: str, model: str | None = None,
                              strategy: str = "template", options: Any = None, *,
                              endpoints: list[str] | None = None,
                              backend_config: dict[str, Any] | None = None,
                              **kwargs: Any) -> SummaryStream:
    """Like :func:`clinsum.generation.summarize_stream`, over the backend's server and then
    ``endpoints``; ``result.meta["endpoint"]`` says which one answered (None: the first)."""
    from clinsum.generation import summarize_stream

    key = endpoint_key(backend)
    base = dict(backend_config or {})
    configs: list[tuple[str | None, dict[str, Any]]] = [(None, base)]
    if key and endpoints:
        configs += [(url, {**base, key: url}) for url in endpoints if url != base.get(key)]

    def pieces() -> Iterator[str]:
        failure: BackendUnavailable | None = None
        for where, config in configs:
            inner = summarize_stream(store, record, backend, model, strategy, options,
                                     backend_config=config, **kwargs)
            started = False
            try:
                for piece in inner:
                    started = True
                    yield piece
            except BackendUnavailable as exc:
                if started:
                    raise
                failure = exc
                continue
            inner.result.meta["endpoint"] = where
            outer.result = inner.result
            return
        assert failure is not None
        raise failure

    outer = SummaryStream(pieces())
    return outer
