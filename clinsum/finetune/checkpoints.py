"""Training checkpoints: adapter weights, optimizer, scheduler, step, RNG, written atomically."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path
from typing import Any

KEEP = 2


def checkpoint_dirs(folder: Path) -> list[Path]:
    """Complete checkpoints in ``folder`` (``step-NNNNNN``), oldest first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("step-*") if p.is_dir() and (p / "state.json").exists()
                  and not p.name.endswith(".tmp"))


def latest(folder: Path) -> Path | None:
    found = checkpoint_dirs(folder)
    return found[-1] if found else None


def save(folder: Path, model: Any, optimizer: Any, scheduler: Any, state: dict[str, Any]) -> Path:
    """Write a checkpoint for ``state['step']`` (a temp folder renamed at the end); prune old ones."""
    import torch

    final = folder / f"step-{state['step']:06d}"
    tmp = folder / f"{final.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp)
    torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
    torch.save(scheduler.state_dict(), tmp / "scheduler.pt")
    rng = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    torch.save(rng, tmp / "rng.pt")
    (tmp / "state.json").write_text(json.dumps(state, indent=2), encoding="utf-8")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    for old in checkpoint_dirs(folder)[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def load(path: Path, model: Any, optimizer: Any, scheduler: Any) -> dict[str, Any]:
    """Restore adapter weights, optimizer, scheduler and RNG from ``path``; return its state."""
    import torch
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    weights = path / "adapter_model.safetensors"
    set_peft_model_state_dict(model, load_file(str(weights)))
    optimizer.load_state_dict(torch.load(path / "optimizer.pt", weights_only=False))
    scheduler.load_state_dict(torch.load(path / "scheduler.pt", weights_only=False))
    rng = torch.load(path / "rng.pt", weights_only=False)
    random.setstate(rng["python"])
    torch.set_rng_state(rng["torch"])
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(rng["cuda"])
    return json.loads((path / "state.json").read_text(encoding="utf-8"))
