"""Word and phrase lists (names, places, streets, hospitals …) shipped in ``clinsum/deid/data``.

``gaz_<name>.txt`` holds lower-cased, accent-free words seen mostly inside PHI of the list's
types; ``phr_<name>.txt`` whole PHI surfaces as space-separated word keys. Both were derived
from the MEDDOCAN training split (CC BY 4.0, see data/README.md) by ``clinsum deid train``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

DATA = Path(str(resources.files("clinsum.deid") / "data"))

#: gazetteer name -> MEDDOCAN types whose words and surfaces it collects
GAZETTEER_TYPES: dict[str, tuple[str, ...]] = {
    "person": ("NOMBRE_SUJETO_ASISTENCIA", "NOMBRE_PERSONAL_SANITARIO"),
    "place": ("TERRITORIO",),
    "country": ("PAIS",),
    "street": ("CALLE",),
    "hospital": ("HOSPITAL", "CENTRO_SALUD", "INSTITUCION"),
    "family": ("FAMILIARES_SUJETO_ASISTENCIA",),
    "profession": ("PROFESION",),
}


@dataclass(frozen=True)
class Gazetteer:
    words: dict[str, frozenset[str]] = field(default_factory=dict)
    phrases: dict[str, frozenset[tuple[str, ...]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        starts: dict[str, dict[str, list[int]]] = {}
        for name, phrases in self.phrases.items():
            index: dict[str, set[int]] = {}
            for p in phrases:
                index.setdefault(p[0], set()).add(len(p))
            starts[name] = {first: sorted(lengths, reverse=True) for first, lengths in index.items()}
        object.__setattr__(self, "_starts", starts)
        object.__setattr__(self, "cache", {})  # word -> what features.py derives from it

    def phrase_marks(self, keys: list[str]) -> list[list[str]]:
        """Per token, ``name:B`` / ``name:I`` for the longest list phrase covering it."""
        marks: list[list[str]] = [[] for _ in keys]
        for name, phrases in self.phrases.items():
            starts = self._starts[name]
            i = 0
            while i < len(keys):
                for length in starts.get(keys[i], ()):
                    if i + length <= len(keys) and tuple(keys[i:i + length]) in phrases:
                        marks[i].append(f"{name}:B")
                        for j in range(i + 1, i + length):
                            marks[j].append(f"{name}:I")
                        i += length
                        break
                else:
                    i += 1
        return marks

    def write(self, folder: Path) -> None:
        for name, words in self.words.items():
            (folder / f"gaz_{name}.txt").write_text("\n".join(sorted(words)) + "\n", encoding="utf-8")
        for name, phrases in self.phrases.items():
            (folder / f"phr_{name}.txt").write_text("\n".join(sorted(" ".join(p) for p in phrases)) + "\n",
                                                   encoding="utf-8")


@cache
def load_gazetteer(folder: str | None = None) -> Gazetteer:
    """The shipped lists (empty where none are there yet)."""
    base = Path(folder) if folder else DATA
    words, phrases = {}, {}
    for name in GAZETTEER_TYPES:
        path = base / f"gaz_{name}.txt"
        if path.exists():
            words[name] = frozenset(w for w in path.read_text(encoding="utf-8").split("\n") if w)
        path = base / f"phr_{name}.txt"
        if path.exists():
            phrases[name] = frozenset(tuple(p.split(" ")) for p in path.read_text(encoding="utf-8").split("\n") if p)
    return Gazetteer(words, phrases)
