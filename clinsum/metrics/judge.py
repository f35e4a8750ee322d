"""LLM-as-judge: a rubric (completeness, correctness, conciseness, 1–5 with a rationale each;
or, with ``rubric="pdsqi9"``, the nine PDSQI-9 items physicians rate on the Annotation page)
answered by any configured backend.

The prompt lives in ``prompts/judge_<lang>.txt`` (PDSQI-9: ``judge_pdsqi9_<lang>.txt``) (``version:`` header, ``=== system ===`` and
``=== user ===`` parts, placeholders ``{source}``, ``{reference}``, ``{summary}``). A workspace
may override it (``<workspace>/prompts/judge_<lang>.txt``, see :func:`save_prompt`); an edited
prompt's version is the hash of its text, so its scores never mix with the built-in one's.
The metric version also names the backend and model: two judges are two sets of values.
Answers are parsed leniently (code fences, reasoning blocks, single quotes, trailing commas,
``"4/5"``, Spanish keys); an answer that still cannot be read is asked again once, then
reported as failed, and scoring retries it on its next run.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clinsum.annotation.rubric import PDSQI9_NAMES
from clinsum.errors import ClinsumError, InputError
from clinsum.metrics.base import HIGHER, METRICS, Metric, MetricResult, Pair
from clinsum.privacy.gate import in_language

CRITERIA = ("completeness", "correctness", "conciseness")
#: rubric -> (criteria, value-name prefix, name of the mean value)
RUBRICS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "standard": (CRITERIA, "judge_", "judge_mean"),
    "pdsqi9": (PDSQI9_NAMES, "judge_pdsqi_", "judge_pdsqi_mean"),
}
LANGUAGES = ("es", "en")
PROMPT_DIR = Path(__file__).resolve().parent / "prompts"
PLACEHOLDERS = ("{source}", "{reference}", "{summary}")
_ALIASES = {
    "completeness": "completeness", "completitud": "completeness", "exhaustividad": "completeness",
    "completud": "completeness", "correctness": "correctness", "correccion": "correctness",
    "corrección": "correctness", "exactitud": "correctness", "fidelidad": "correctness",
    "conciseness": "conciseness", "concision": "conciseness", "concisión": "conciseness",
    "brevedad": "conciseness",
    **{name: name for name in PDSQI9_NAMES},
    "citado": "cited", "exacto": "accurate", "exhaustivo": "thorough", "util": "useful",
    "organizado": "organized", "comprensible": "comprehensible", "conciso": "succinct",
    "sintetizado": "synthesized", "estigmatizante": "stigmatizing",
}


def _rubric(rubric: str) -> tuple[tuple[str, ...], str, str]:
    if rubric not in RUBRICS:
        raise InputError(f"Unknown judge rubric {rubric!r}.", hint=f"Use one of {', '.join(RUBRICS)}.")
    return RUBRICS[rubric]


def prompt_file(language: str, rubric: str = "standard") -> str:
    return f"judge_{language}.txt" if rubric == "standard" else f"judge_{rubric}_{language}.txt"


class JudgeError(ClinsumError):
    """The judge's answer could not be read as the rubric."""


@dataclass(frozen=True)
class JudgePrompt:
    language: str
    system: str
    user: str
    version: str
    custom: bool
    text: str

    def messages(self, summary: str, source: str, reference: str | None) -> list[dict[str, str]]:
        user = (self.user.replace("{source}", source or "")
                .replace("{reference}", reference or "-").replace("{summary}", summary or ""))
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]


def parse_prompt(text: str, language: str, custom: bool) -> JudgePrompt:
    """Read a prompt file's text; raises :class:`InputError` when a part is missing."""
    header, sep, rest = text.partition("=== system ===")
    system, sep2, user = rest.partition("=== user ===")
    if not sep or not sep2 or not user.strip():
        raise InputError("The judge prompt needs a '=== system ===' part and a '=== user ===' part.")
    missing = [p for p in ("{source}", "{summary}") if p not in user]
    if missing:
        raise InputError(f"The judge prompt must contain {' and '.join(missing)}.",
                         hint="They are replaced by the record and the summary to grade.")
    match = re.search(r"^version:\s*(\S+)", header, re.M)
    version = match.group(1) if match and not custom else "custom-" + hashlib.sha256(
        text.encode("utf-8")).hexdigest()[:8]
    return JudgePrompt(language, system.strip(), user.strip(), version, custom, text)


def load_prompt(language: str, prompt_dir: str | Path | None = None,
                rubric: str = "standard") -> JudgePrompt:
    """The workspace's edited prompt for ``language`` if there is one, else the built-in one."""
    if language not in LANGUAGES:
        raise InputError(f"No judge prompt for language {language!r}.", hint="Use es or en.")
    _rubric(rubric)
    if prompt_dir is not None:
        custom = Path(prompt_dir) / prompt_file(language, rubric)
        if custom.is_file():
            return parse_prompt(custom.read_text(encoding="utf-8"), language, custom=True)
    text = (PROMPT_DIR / prompt_file(language, rubric)).read_text(encoding="utf-8")
    return parse_prompt(text, language, custom=False)


def save_prompt(prompt_dir: str | Path, language: str, text: str, rubric: str = "standard") -> JudgePrompt:
    """Validate and store an edited prompt for ``language``; return it (with its new version)."""
    _rubric(rubric)
    prompt = parse_prompt(text, language, custom=True)
    folder = Path(prompt_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / prompt_file(language, rubric)).write_text(text, encoding="utf-8")
    return prompt


def reset_prompt(prompt_dir: str | Path, language: str, rubric: str = "standard") -> None:
    """Go back to the built-in prompt for ``language``."""
    _rubric(rubric)
    (Path(prompt_dir) / prompt_file(language, rubric)).unlink(missing_ok=True)


# -- reading answers ---------------------------------------------------------------------------
def _json_objects(text: str) -> list[str]:
    """Balanced ``{...}`` substrings, outermost first."""
    out, depth, start, in_str, esc = [], 0, -1, None, False
    for i, ch in enumerate(text):
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == in_str:
                in_str = None
            continue
        if ch in "\"'" and depth > 0:
            in_str = ch
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                out.append(text[start:i + 1])
    return out


def _loads(candidate: str) -> Any:
    for attempt in (candidate,
                    re.sub(r",\s*([}\]])", r"\1", candidate),
                    re.sub(r",\s*([}\]])", r"\1", re.sub(r"(?<![a-zA-Z])'|'(?![a-zA-Z])", '"', candidate))):
        try:
            return json.loads(attempt)
        except ValueError:
            continue
    return None


def _score(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        match = re.match(r"\s*(\d+(?:[.,]\d+)?)", value)
        return float(match.group(1).replace(",", ".")) if match else None
    return None


def _normal_key(key: str) -> str | None:
    from clinsum.text import strip_accents

    k = key.strip().lower()
    return _ALIASES.get(k) or _ALIASES.get(strip_accents(k))


def parse_judgment(raw: str, criteria: tuple[str, ...] = CRITERIA) -> dict[str, tuple[float, str]]:
    """``{criterion: (score 1–5, rationale)}`` from a judge's answer; raises :class:`JudgeError`."""
    from clinsum.backends.base import strip_reasoning

    text = strip_reasoning(raw or "")
    text = re.sub(r"```(?:json)?", "", text)
    found: dict[str, tuple[float, str]] = {}
    for blob in _json_objects(text):
        data = _loads(blob)
        if not isinstance(data, dict):
            continue
        scores = data.get("scores") if isinstance(data.get("scores"), dict) else data
        rationales = data.get("rationales") if isinstance(data.get("rationales"), dict) else {}
        for key, value in scores.items():
            criterion = _normal_key(str(key))
            if criterion is None or criterion not in criteria:
                continue
            if isinstance(value, dict):
                score = _score(value.get("score", value.get("puntuacion", value.get("puntuación"))))
                why = value.get("rationale") or value.get("justificacion") or value.get("justificación") or ""
            else:
                score = _score(value)
                why = rationales.get(key) or rationales.get(criterion) or ""
            if score is not None:
                found[criterion] = (score, str(why))
        if len(found) == len(criteria):
            break
    if len(found) < len(criteria):  # last resort: "completeness: 4" lines
        for key, number in re.findall(r"([A-Za-zÁÉÍÓÚáéíóú]+)\"?\s*[:=]\s*\"?(\d(?:[.,]\d+)?)", text):
            criterion = _normal_key(key)
            if criterion in criteria and criterion not in found:
                found[criterion] = (float(number.replace(",", ".")), "")
    missing = [c for c in criteria if c not in found]
    if missing:
        raise JudgeError(f"The judge's answer has no score for {', '.join(missing)}.",
                         hint="Try another judge model, or make the prompt ask more firmly for JSON.")
    bad = [c for c in criteria if not 1 <= found[c][0] <= 5]
    if bad:
        raise JudgeError(f"The judge gave scores outside 1–5 for {', '.join(bad)}.")
    return found


@METRICS.register("judge")
class Judge(Metric):
    """Rubric scores from an LLM: ``judge_completeness``, ``judge_correctness``,
    ``judge_conciseness`` and their mean ``judge_mean`` (``rubric="pdsqi9"``:
    ``judge_pdsqi_<item>`` and ``judge_pdsqi_mean``). Options: ``backend``, ``model``,
    ``backend_config`` (host, key, ...), ``language`` (auto/es/en), ``prompt_dir`` (workspace
    prompts), ``concurrency`` (calls at once), ``max_new_tokens``."""

    name = "judge"
    base_version = "1"
    directions = ({f"judge_{c}": HIGHER for c in CRITERIA} | {"judge_mean": HIGHER}
                  | {f"judge_pdsqi_{c}": HIGHER for c in PDSQI9_NAMES} | {"judge_pdsqi_mean": HIGHER})
    needs = ("source",)
    local = False

    def __init__(self, backend: str | None = None, model: str | None = None,
                 backend_config: dict[str, Any] | None = None, language: str = "auto",
                 prompt_dir: str | Path | None = None, concurrency: int = 1,
                 max_new_tokens: int = 700, rubric: str = "standard", **options: Any) -> None:
        super().__init__(backend=backend, model=model, language=language, **options)
        self.rubric = rubric
        self.criteria, self.prefix, self.mean_name = _rubric(rubric)
        if not backend or not model:
            raise InputError("The LLM judge needs a backend and a model.",
                             hint="For example: --judge-backend ollama --judge-model qwen2.5:7b")
        self.backend_name, self.model = backend, model
        self.backend_config = dict(backend_config or {})
        self.language = language
        self.prompt_dir = prompt_dir
        self.concurrency = max(1, int(concurrency))
        self.max_new_tokens = max_new_tokens
        self._backend = None

    def version_options(self) -> dict[str, Any]:
        langs = LANGUAGES if self.language == "auto" else (self.language,)
        prompts = "/".join(f"{lang}:{load_prompt(lang, self.prompt_dir, self.rubric).version}"
                           for lang in langs)
        return {"prompt": prompts, "by": f"{self.backend_name}/{self.model}",
                "rubric": None if self.rubric == "standard" else self.rubric}

    def value_names(self) -> list[str]:
        return [self.prefix + c for c in self.criteria] + [self.mean_name]

    def empty(self) -> MetricResult:
        return MetricResult({name: None for name in self.value_names()})

    def backend(self):
        if self._backend is None:
            from clinsum.backends import get_backend

            self._backend = get_backend(self.backend_name, self.model, **self.backend_config)
        return self._backend

    def compute(self, candidate: str, reference: str | None = None, source: str | None = None,
                language: str | None = None) -> MetricResult:
        from clinsum.backends.base import GenerationOptions
        from clinsum.text import detect_language

        if not (candidate or "").strip():
            return MetricResult({k: None for k in self.value_names()}, {"note": "empty summary"})
        lang = self.language if self.language != "auto" else (language or detect_language(source or candidate))
        prompt = load_prompt(lang if lang in LANGUAGES else "es", self.prompt_dir, self.rubric)
        messages = prompt.messages(candidate, source or "", reference)
        options = GenerationOptions(temperature=0.0, max_new_tokens=self.max_new_tokens)
        raws: list[str] = []
        try:
            for attempt in range(2):
                with in_language(lang):  # the privacy gate reads a remote judge's input as the record's
                    result = self.backend().generate(messages, options)
                raws.append(result.raw)
                try:
                    parsed = parse_judgment(result.raw, self.criteria)
                    break
                except JudgeError:
                    if attempt:
                        raise
                    messages = [*messages, {"role": "assistant", "content": result.raw},
                                {"role": "user", "content": "Answer ONLY with the JSON object, nothing else."}]
        except ClinsumError as exc:
            return MetricResult({k: None for k in self.value_names()},
                                {"error": exc.message, "raw": raws[-1] if raws else None})
        values: dict[str, float | None] = {self.prefix + c: parsed[c][0] for c in self.criteria}
        values[self.mean_name] = sum(parsed[c][0] for c in self.criteria) / len(self.criteria)
        details = {"rationales": {c: parsed[c][1] for c in self.criteria}, "raw": raws[-1],
                   "rubric": self.rubric,
                   "prompt_version": prompt.version, "language": prompt.language,
                   "backend": self.backend_name, "model": self.model, "attempts": len(raws)}
        return MetricResult(values, details)

    def compute_many(self, pairs: Sequence[Pair],
                     progress: Callable[[int], None] | None = None) -> list[MetricResult]:
        if self.concurrency == 1:
            return super().compute_many(pairs, progress)
        with ThreadPoolExecutor(self.concurrency) as pool:
            futures = [pool.submit(self.compute, p.candidate, p.reference, p.source, p.language)
                       for p in pairs]
            out = []
            for i, future in enumerate(futures):
                out.append(future.result())
                if progress:
                    progress(i + 1)
            return out
