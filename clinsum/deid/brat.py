"""BRAT standoff folders: ``NAME.txt`` + ``NAME.ann`` with ``T<n>\\t<TYPE> <start> <end>\\t<text>``.

Offsets count characters of the text as stored, a leading byte-order mark included (some
MEDDOCAN files start with one and their offsets count it), so files are decoded as plain
UTF-8 and the BOM is kept as a character.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from clinsum.deid.spans import Span
from clinsum.errors import InputError, NotFound


@dataclass
class BratDocument:
    name: str
    text: str
    spans: list[Span] = field(default_factory=list)


def read_ann(text: str, ann: str, name: str = "") -> list[Span]:
    """The text-bound annotations (``T`` lines) of one ``.ann`` file; discontinuous ones use their outer bounds."""
    spans = []
    for lineno, line in enumerate(ann.splitlines(), 1):
        if not line.startswith("T"):
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise InputError(f"{name}.ann line {lineno} is not BRAT standoff: {line[:80]!r}",
                             hint="Expected T<n><TAB><TYPE> <start> <end><TAB><text>.")
        label, *offsets = parts[1].replace(";", " ").split()
        try:
            numbers = [int(x) for x in offsets]
        except ValueError:
            raise InputError(f"{name}.ann line {lineno} has offsets that are not numbers.") from None
        start, end = min(numbers), max(numbers)
        if not 0 <= start < end <= len(text):
            raise InputError(f"{name}.ann line {lineno}: offsets {start}-{end} fall outside the text.")
        spans.append(Span(start, end, label, text[start:end]))
    return sorted(spans)


def read_folder(folder: str | Path) -> list[BratDocument]:
    """Every ``.txt`` of ``folder`` with its ``.ann`` (missing ``.ann``: no annotations)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotFound(f"No folder {folder}.", hint="Give a folder of BRAT .txt/.ann files.")
    docs = []
    for txt in sorted(folder.glob("*.txt")):
        text = txt.read_bytes().decode("utf-8", errors="replace")
        ann_path = txt.with_suffix(".ann")
        ann = ann_path.read_text(encoding="utf-8") if ann_path.exists() else ""
        docs.append(BratDocument(txt.stem, text, read_ann(text, ann, txt.stem)))
    if not docs:
        raise InputError(f"The folder {folder} has no .txt files.", hint="BRAT folders hold NAME.txt + NAME.ann pairs.")
    return docs


def write_ann(spans: list[Span]) -> str:
    """Spans as BRAT ``T`` lines."""
    return "".join(f"T{i}\t{s.type} {s.start} {s.end}\t{s.text}\n" for i, s in enumerate(sorted(spans), 1))
