"""Where long work runs: in this process (the default) or on a Ray cluster given by address.

The address comes from, in order: an explicit value (``clinsum run --cluster ADDRESS``, a
job's config), ``$CLINSUM_RAY_ADDRESS``, then ``[cluster] address`` in the workspace's
``clinsum.toml``; none means local and Ray is never imported. The job process stays the only
writer to the workspace: Ray tasks and actors return results and the job stores them.

- :mod:`clinsum.cluster.endpoints`: several servers of one model, spread and failed over.
- :mod:`clinsum.cluster.executors`: run one grid cell on a thread or on a Ray actor.
- :mod:`clinsum.cluster.dispatch`: hand cells to endpoints, retry lost and failed ones.
- :mod:`clinsum.cluster.batches`: map a function over batches, locally or on Ray Data.
- :mod:`clinsum.cluster.data`: Ray Data ``map_batches`` over actors that keep their model loaded.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from clinsum.errors import ConfigError

ENV_ADDRESS = "CLINSUM_RAY_ADDRESS"
CONFIG_FILE = "clinsum.toml"
NAMESPACE = "clinsum"


class ClusterUnavailable(ConfigError):
    """A cluster address is configured but Ray is missing or the cluster cannot be reached."""

    key = "cluster.unavailable"


def cluster_address(explicit: str | None = None, workspace: str | os.PathLike[str] | None = None) -> str | None:
    """The Ray address to use, or None to run locally (see the module docstring for the order)."""
    if explicit:
        return str(explicit)
    if os.environ.get(ENV_ADDRESS):
        return os.environ[ENV_ADDRESS]
    if workspace is not None:
        value = workspace_settings(workspace).get("cluster", {}).get("address")
        if value:
            return str(value)
    return None


def workspace_settings(workspace: str | os.PathLike[str]) -> dict[str, Any]:
    """``clinsum.toml`` of the workspace as a dict (empty when absent); a broken file is an error."""
    path = Path(workspace) / CONFIG_FILE
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}.", hint="Fix or remove the file.") from exc
    return data if isinstance(data.get("cluster", {}), dict) else {}


def import_ray(address: str | None = None) -> Any:
    """The ``ray`` module, or a :class:`ClusterUnavailable` saying how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise ClusterUnavailable(
            f"A Ray cluster is configured ({address or 'an address'}), but Ray is not installed.",
            hint="Install it with `pip install 'clinsum[cluster]'`, or unset the cluster address "
                 f"(${ENV_ADDRESS}, --cluster, [cluster] in {CONFIG_FILE}) to run locally.",
            key="cluster.ray_missing", address=address or "") from exc
    return ray


def connect(address: str) -> Any:
    """Join the cluster at ``address`` once per process (a process already joined keeps its
    cluster); returns the ``ray`` module."""
    ray = import_ray(address)
    if ray.is_initialized():
        return ray
    try:
        ray.init(address=address, namespace=NAMESPACE, include_dashboard=False,
                 log_to_driver=False, configure_logging=False)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        raise ClusterUnavailable(
            f"The Ray cluster at {address} cannot be reached: {exc}.",
            hint="Check the address (`ray status` on the head node) or unset it to run locally.",
            key="cluster.unreachable", address=address) from exc
    return ray
