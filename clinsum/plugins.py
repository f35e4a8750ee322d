"""Import every module that registers a backend, strategy, metric or job kind.

A new backend, strategy or metric is one module plus one line here (or in its package's
``__init__``). Imports stay cheap: heavy libraries (torch, transformers) load lazily inside
the functions that need them.
"""

from __future__ import annotations

import importlib

PLUGIN_MODULES: list[str] = [
    "clinsum.metrics.scoring",
    "clinsum.finetune.job",
    "clinsum.finetune.preference_job",
    "clinsum.experiments",
    "clinsum.references.batch_job",
    "clinsum.rag.jobs",
    "clinsum.strategies.rag",
    "clinsum.records.jobs",
    "clinsum.demo_content",
]

for _name in PLUGIN_MODULES:
    importlib.import_module(_name)
