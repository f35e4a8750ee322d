"""Cached data for pages: the workspace store and the backends' availability and models.

Loaders only (``st.cache_resource`` / ``st.cache_data``); drawing is in :mod:`clinsum.ui.widgets`.
"""

from __future__ import annotations

import streamlit as st

from clinsum.config import workspace_path
from clinsum.store import Store


@st.cache_resource(show_spinner=False)
def _open_store(path: str) -> Store:
    return Store.open(path)


def store() -> Store:
    """The workspace this server works on (``$CLINSUM_WORKSPACE`` or ./workspace)."""
    return _open_store(str(workspace_path()))


def backend_env() -> str:
    """What backend availability depends on, for ``st.cache_data`` keys (each backend says:
    see :func:`clinsum.backends.settings_fingerprint`), so a changed setting is seen at once."""
    from clinsum.backends import settings_fingerprint

    return settings_fingerprint()


@st.cache_data(ttl=15, show_spinner=False)
def _backend_statuses(env: str) -> list[dict]:
    from clinsum.backends import backend_status

    with store().released():  # servers are asked over the network: no connection held meanwhile
        return [s.__dict__ for s in backend_status()]


def backend_statuses() -> list[dict]:
    """Each backend's availability (cached briefly; a changed host, URL or key is seen at once)."""
    return _backend_statuses(backend_env())


@st.cache_data(ttl=15, show_spinner=False)
def _backend_models(backend: str, env: str, workspace: str) -> tuple[list[str], str | None]:
    from clinsum.generation import list_models

    try:
        with store().released():
            return list_models(backend, store()), None
    except Exception as exc:  # noqa: BLE001 - shown as a line, never a traceback
        return [], getattr(exc, "message", str(exc))


def backend_models(backend: str) -> tuple[list[str], str | None]:
    """(models ``backend`` lists now, or an error line), cached per backend settings and workspace."""
    return _backend_models(backend, backend_env(), str(store().root))
