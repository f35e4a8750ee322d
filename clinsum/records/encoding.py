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
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
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


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) when ``data`` is UTF-16 written without a BOM: NUL bytes on one side of
    most byte pairs (text in Latin scripts) and a decoding with almost no control characters."""
    head = data[:8192]
    pairs = len(head) // 2
    if pairs < 2 or len(data) % 2:
        return None
    odd_nul = sum(1 for b in head[1::2] if b == 0) / pairs
    even_nul = sum(1 for b in head[0::2] if b == 0) / pairs
    encoding = "utf-16-le" if odd_nul > 0.3 and even_nul < 0.05 else (
        "utf-16-be" if even_nul > 0.3 and odd_nul < 0.05 else None)
    if encoding is None:
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    sample = text[:20000]
    controls = sum(1 for ch in sample if (ord(ch) < 32 and ord(ch) not in _TEXT_CONTROL) or ch == "\ufffd")
    if controls > max(2, len(sample) // 500):
        return None
    return text, encoding
