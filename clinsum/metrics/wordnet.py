"""English WordNet for METEOR synonyms, read offline from wherever it is installed.

Looked for in ``$CLINSUM_WORDNET``, then nltk's data folders (``corpora/wordnet``), then
``/usr/share/wordnet`` (Debian/Ubuntu package ``wordnet-base``). Debian's copy lacks the
``lexnames`` table that nltk's reader insists on; it is the fixed list of WordNet 3.0's 45
lexicographer files, so a copy of the files nltk reads (28 MB, once) plus that table is made in the
user's cache. Without WordNet, METEOR runs with exact and stem matching only and
:func:`status` says so.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import warnings
from functools import cache
from pathlib import Path

DEBIAN_DIR = Path("/usr/share/wordnet")
_REQUIRED = ("index.noun", "data.noun", "index.verb", "data.verb", "index.adj", "data.adj",
             "index.adv", "data.adv")
_EXCEPTIONS = ("noun.exc", "verb.exc", "adj.exc", "adv.exc")
_LEXNAMES = (
    "adj.all 3", "adj.pert 3", "adv.all 4", "noun.Tops 1", "noun.act 1", "noun.animal 1",
    "noun.artifact 1", "noun.attribute 1", "noun.body 1", "noun.cognition 1",
    "noun.communication 1", "noun.event 1", "noun.feeling 1", "noun.food 1", "noun.group 1",
    "noun.location 1", "noun.motive 1", "noun.object 1", "noun.person 1", "noun.phenomenon 1",
    "noun.plant 1", "noun.possession 1", "noun.process 1", "noun.quantity 1", "noun.relation 1",
    "noun.shape 1", "noun.state 1", "noun.substance 1", "noun.time 1", "verb.body 2",
    "verb.change 2", "verb.cognition 2", "verb.communication 2", "verb.competition 2",
    "verb.consumption 2", "verb.contact 2", "verb.creation 2", "verb.emotion 2", "verb.motion 2",
    "verb.perception 2", "verb.possession 2", "verb.social 2", "verb.stative 2", "verb.weather 2",
    "adj.ppl 3",
)
_lock = threading.Lock()


def find_dir() -> Path | None:
    """The first folder holding WordNet's index and data files, or None."""
    candidates: list[Path] = []
    if os.environ.get("CLINSUM_WORDNET"):
        candidates.append(Path(os.environ["CLINSUM_WORDNET"]))
    try:
        import nltk.data

        candidates += [Path(str(p)) / "corpora" / "wordnet" for p in nltk.data.path]
    except ImportError:  # pragma: no cover - nltk is a dependency
        pass
    candidates.append(DEBIAN_DIR)
    for folder in candidates:
        if all((folder / name).is_file() for name in _REQUIRED):
            return folder
    return None


def _overlay(folder: Path) -> Path:
    """``folder`` itself when complete, else a cache folder with a copy of it plus ``lexnames``."""
    if (folder / "lexnames").is_file():
        return folder
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    for root in (base, Path(tempfile.gettempdir())):
        target = root / "clinsum" / f"wordnet-{abs(hash(str(folder.resolve()))) % 10**8}"
        try:
            target.mkdir(parents=True, exist_ok=True)
            for name in _REQUIRED + _EXCEPTIONS:
                if (folder / name).is_file() and not (target / name).exists():
                    _copy((folder / name).resolve(), target / name)
            lexnames = target / "lexnames"
            if not lexnames.exists():
                tmp = target / f"lexnames.{os.getpid()}.tmp"
                tmp.write_text(
                    "".join(f"{i:02d}\t{n.split()[0]}\t{n.split()[1]}\n" for i, n in enumerate(_LEXNAMES)),
                    encoding="utf-8",
                )
                os.replace(tmp, lexnames)
            return target
        except OSError:
            continue
    raise OSError(f"cannot prepare a WordNet folder for {folder}")


def _copy(src: Path, dst: Path) -> None:
    """An atomic copy (nltk refuses symbolic and hard links that could leave its folder)."""
    tmp = dst.with_name(f"{dst.name}.{os.getpid()}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


@cache
def reader():
    """nltk's WordNet reader over the installed data, or None where there is none."""
    folder = find_dir()
    if folder is None:
        return None
    with _lock:
        try:
            import nltk.data
            from nltk.corpus.reader.wordnet import WordNetCorpusReader

            ready = _overlay(folder)
            for allowed in (str(ready), str(folder.resolve())):
                if allowed not in nltk.data.path:
                    nltk.data.path.append(allowed)  # nltk only opens files under its data paths
            class EnglishWordNet(WordNetCorpusReader):
                def map_wn(self, version: str = "wordnet") -> None:
                    return None  # the version map only serves other languages' wordnets

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "multilingual functions are not available"
                return EnglishWordNet(str(ready), None)
        except (OSError, ValueError, PermissionError, LookupError):
            return None


@cache
def synonyms(word: str) -> frozenset[str]:
    """Single-word lemma names of every synset of ``word`` (empty without WordNet)."""
    wn = reader()
    if wn is None:
        return frozenset()
    try:
        return frozenset(
            lemma.name() for synset in wn.synsets(word) for lemma in synset.lemmas()
            if "_" not in lemma.name()
        )
    except (LookupError, ValueError, OSError):
        return frozenset()


def status() -> tuple[bool, str]:
    """(available, a line for people): whether METEOR can match English synonyms."""
    if reader() is None:
        return False, ("WordNet is not installed: METEOR matches exact words and stems only "
                       "(synonyms off). Install the Debian/Ubuntu package wordnet-base to turn "
                       "synonyms on.")
    return True, f"WordNet found at {find_dir()}: METEOR matches English synonyms."
