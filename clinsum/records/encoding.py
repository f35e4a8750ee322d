"""Turn uploaded bytes into text, or say clearly why not."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from clinsum.errors import InputError

_TEXT_CONTROL = {9, 10, 12, 13}
_LIKELY = ("utf_8", "cp1252", "latin_1", "iso8859_15", "utf_16", "mac_roman", "cp850")


def decode_bytes(data: bytes, name: str = "file") -> tuple[str, str]:
    """(text, encoding) of ``data``; raises :class:`InputError` for binary or undecodable input."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: starts like UTF-16 but does not decode ({exc.reason}).") from exc
    if b"\x00" in data[:8192]:
        raise InputError(
            f"{name}: looks like a binary file (it contains NUL bytes), not text.",
            hint="Export the record as .txt, .csv, .jsonl or .parquet.",
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=list(_LIKELY)).best()
    if best is None:
        raise InputError(
            f"{name}: could not detect its text encoding.",
            hint="Save it as UTF-8 and import it again.",
        )
    text = str(best)
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ord(ch) not in _TEXT_CONTROL)
    if controls > max(5, len(text[:20000]) // 200):
        raise InputError(f"{name}: looks like a binary file, not text.")
    return text, best.encoding
