"""English WordNet for METEOR synonyms, read offline from wherever it is installed.

Looked for in ``$CLINSUM_WORDNET``, then nltk's data folders (``corpora/wordnet``), then
``/usr/share/wordnet`` (Debian/Ubuntu package ``wordnet-base``). Debian's copy lacks the
``lexnames`` table that nltk's reader insists on; it is the fixed list of WordNet 3.0's 45
lexicographer files, so the reader serves it from memory and reads every other file where it is
installed: nothing is copied. Only where nltk refuses to read that folder in place (its
path-security checks) is one copy made, in ``~/.cache/clinsum/wordnet-<sha256 of the files>``
(built in a temporary folder and renamed into place, so concurrent processes share one copy and
never see a half-written one). Without WordNet, METEOR runs with exact and stem matching only and
:func:`status` says so.
"""

from __future__ import annotations

import hashlib
import io
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


def _lexnames_text() -> str:
    return "".join(f"{i:02d}\t{n.split()[0]}\t{n.split()[1]}\n" for i, n in enumerate(_LEXNAMES))


def content_hash(folder: Path) -> str:
    """sha256 over the names and bytes of the WordNet files nltk reads (first 16 hex digits)."""
    digest = hashlib.sha256()
    for name in _REQUIRED + _EXCEPTIONS:
        path = folder / name
        if path.is_file():
            digest.update(name.encode() + b"\0")
            with path.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clinsum"


def cached_copy(folder: Path) -> Path:
    """One copy of ``folder`` (plus ``lexnames``) per content, shared by every process."""
    for root in (cache_root(), Path(tempfile.gettempdir()) / "clinsum"):
        target = root / f"wordnet-{content_hash(folder)}"
        if (target / "lexnames").is_file():
            return target
        try:
            root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=root))
            for name in _REQUIRED + _EXCEPTIONS:
                if (folder / name).is_file():
                    shutil.copyfile((folder / name).resolve(), tmp / name)
            (tmp / "lexnames").write_text(_lexnames_text(), encoding="utf-8")
            os.chmod(tmp, 0o755)
            try:
                os.rename(tmp, target)  # atomic; fails when another process got there first
            except OSError:
                shutil.rmtree(tmp, ignore_errors=True)
            if (target / "lexnames").is_file():
                return target
        except OSError:
            continue
    raise OSError(f"cannot prepare a WordNet folder for {folder}")


def _open_reader(folder: Path):
    import nltk.data
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    in_memory = not (folder / "lexnames").is_file()

    class EnglishWordNet(WordNetCorpusReader):
        def open(self, file):
            if file == "lexnames" and in_memory:
                return io.StringIO(_lexnames_text())
            return super().open(file)

        def map_wn(self, version: str = "wordnet") -> None:
            return None  # the version map only serves other languages' wordnets

    if str(folder) not in nltk.data.path:
        nltk.data.path.append(str(folder))  # nltk only opens files under its data paths
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "multilingual functions are not available"
        wn = EnglishWordNet(str(folder), None)
    wn.synsets("dog")  # reads index and data files: fails here, not in the middle of scoring
    return wn


@cache
def reader():
    """nltk's WordNet reader over the installed data, or None where there is none."""
    folder = find_dir()
    if folder is None:
        return None
    folder = folder.resolve()
    with _lock:
        try:
            return _open_reader(folder)
        except (OSError, ValueError, LookupError):
            pass  # nltk refuses to read it in place: use the shared copy
        try:
            return _open_reader(cached_copy(folder))
        except (OSError, ValueError, LookupError):
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
