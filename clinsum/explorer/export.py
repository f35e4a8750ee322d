"""CSV / Parquet export of any explorer view."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from clinsum.errors import InputError

EXPORT_FORMATS = ("csv", "parquet")


def export_bytes(df: pd.DataFrame, fmt: str) -> bytes:
    """``df`` as CSV (UTF-8) or Parquet bytes."""
    fmt = fmt.lower()
    if fmt == "csv":
        return df.to_csv(index=False).encode("utf-8")
    if fmt == "parquet":
        buffer = io.BytesIO()
        df.to_parquet(buffer, index=False)
        return buffer.getvalue()
    raise InputError(f"Unknown export format {fmt!r}.", hint="Use csv or parquet.")


def export(df: pd.DataFrame, path: str | Path, fmt: str | None = None) -> Path:
    """Write ``df`` to ``path`` (format from ``fmt`` or the file suffix); return the path."""
    path = Path(path)
    data = export_bytes(df, (fmt or path.suffix.lstrip(".") or "csv"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def read_export(path: str | Path) -> pd.DataFrame:
    """Read back a file written by :func:`export`."""
    path = Path(path)
    return pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
