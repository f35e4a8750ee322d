"""The :class:`Metric` interface, its result type and the ``METRICS`` registry.

A metric family (``rouge``, ``bleu``, ...) computes several named values per
(candidate, reference, source) triple. Each value has a direction (``higher`` or ``lower``
is better, ``neutral`` for descriptive numbers such as length). ``version`` changes whenever
the numbers would change (code or options), so stored values are never mixed across versions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from clinsum.registry import Registry

HIGHER, LOWER, NEUTRAL = "higher", "lower", "neutral"


@dataclass(frozen=True)
class Pair:
    """What a metric scores: a candidate, its reference and the source record (either may be None)."""

    candidate: str
    reference: str | None = None
    source: str | None = None
    language: str | None = None  # "es" | "en"; None: detect where it matters


@dataclass
class MetricResult:
    """Values by name (None where undefined) and optional details (spans, counts, notes)."""

    values: dict[str, float | None]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """A failed computation (``details["error"]``) is reported, never stored: the next run retries."""
        return bool(self.details.get("error"))


class Metric(ABC):
    """A metric family. Subclasses set the class attributes and implement :meth:`compute`."""

    name: ClassVar[str] = ""
    base_version: ClassVar[str] = "1"
    #: value name -> HIGHER | LOWER | NEUTRAL
    directions: ClassVar[dict[str, str]] = {}
    #: inputs without which nothing is computed: "reference" and/or "source"
    needs: ClassVar[tuple[str, ...]] = ("reference",)
    #: False for metrics that call a model server (the LLM judge)
    local: ClassVar[bool] = True
    #: whether values depend on the reference (stored with its id; else with reference_id '')
    uses_reference: ClassVar[bool] = True

    def __init__(self, **options: Any) -> None:
        self.options = options

    @property
    def version(self) -> str:
        """``base_version`` plus every option that changes the numbers."""
        opts = self.version_options()
        suffix = ",".join(f"{k}={v}" for k, v in sorted(opts.items()) if v is not None)
        return f"{self.base_version}+{suffix}" if suffix else self.base_version

    def version_options(self) -> dict[str, Any]:
        return {}

    def applies(self, pair: Pair) -> bool:
        """True when the pair has every input this metric needs."""
        return all(getattr(pair, need) is not None for need in self.needs)

    @abstractmethod
    def compute(
        self, candidate: str, reference: str | None = None, source: str | None = None,
        language: str | None = None,
    ) -> MetricResult:
        """Score one candidate."""

    def compute_many(
        self, pairs: Sequence[Pair], progress: Callable[[int], None] | None = None
    ) -> list[MetricResult]:
        """Score many pairs (subclasses batch this for speed)."""
        out = []
        for i, p in enumerate(pairs):
            out.append(self.compute(p.candidate, p.reference, p.source, p.language))
            if progress:
                progress(i + 1)
        return out

    def empty(self) -> MetricResult:
        """Every value undefined (used for an empty candidate where no score makes sense)."""
        return MetricResult({name: None for name in self.directions})


METRICS: Registry[type[Metric]] = Registry("metric")


def get_metric(name: str, **options: Any) -> Metric:
    """An instance of the metric family ``name`` (importing the built-in ones first)."""
    import clinsum.metrics  # noqa: F401 - registers the built-in metrics

    return METRICS.get(name)(**options)


def direction(value_name: str) -> str:
    """Whether a stored value name is better higher, lower, or neutral."""
    import clinsum.metrics  # noqa: F401

    for _, cls in METRICS.items():
        if value_name in cls.directions:
            return cls.directions[value_name]
    return NEUTRAL


def fmeasure(precision: float, recall: float) -> float:
    """Harmonic mean, 0 when both are 0."""
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
