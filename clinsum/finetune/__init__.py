"""Fine-tuning: datasets from validated references, LoRA/QLoRA jobs, adapters back in the workbench.

Modules: ``datasets`` (build, split, render, statistics), ``templates`` (chat templates),
``config`` (job configuration + presets), ``runner`` (the training job), ``adapters``
(registered adapters, exports), ``logs`` (reading the training log); preference tuning:
``preferences`` (pairwise judgements -> chosen/rejected), ``dpo`` (TRL's DPOTrainer),
``preference_job`` (the ``preference`` job kind), ``before_after`` (grid + blinded round). This package's own
import is light: torch, transformers and peft load inside the functions that use them.
"""

from __future__ import annotations

from clinsum.finetune.adapters import get_adapter, list_adapters

__all__ = ["get_adapter", "list_adapters"]
