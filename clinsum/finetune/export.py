"""Exports of a trained adapter: merged weights, GGUF (llama.cpp) and an Ollama Modelfile.

Merged weights need only transformers + peft. GGUF needs llama.cpp's ``convert_hf_to_gguf.py``
(found through ``$CLINSUM_LLAMA_CPP``, ``$PATH`` or ``~/llama.cpp``), quantization needs
``llama-quantize``, and registering in Ollama needs the ``ollama`` binary; where one is missing
the error says which and how to get it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from clinsum.errors import ClinsumError, InputError
from clinsum.finetune.adapters import get_adapter, record_export
from clinsum.finetune.models import model_source
from clinsum.store import Store

CONVERT_SCRIPT = "convert_hf_to_gguf.py"


class ToolMissing(ClinsumError):
    """An external tool needed for an export is not installed."""

    exit_code = 5
    key = "error.tool_missing"


def export_dir(store: Store, adapter: dict[str, Any]) -> Path:
    return store.dir("finetune", "exports", adapter["id"])


def export_merged(store: Store, adapter_id: str, out: str | Path | None = None) -> Path:
    """Base model + adapter merged (``merge_and_unload``) and saved with its tokenizer."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    adapter = get_adapter(store, adapter_id)
    if not Path(adapter["adapter_path"]).is_dir():
        raise InputError(f"The files of adapter {adapter['name']} are missing ({adapter['adapter_path']}).")
    target = Path(out) if out else export_dir(store, adapter) / "merged"
    try:
        base = AutoModelForCausalLM.from_pretrained(model_source(adapter["base_model"]), dtype=torch.float32)
    except Exception as exc:  # noqa: BLE001 - a clear message instead of a loader traceback
        raise InputError(f"The base model {adapter['base_model']!r} could not be loaded: {exc}",
                         hint="The base model must be on this machine to merge the adapter into it.") from None
    merged = PeftModel.from_pretrained(base, adapter["adapter_path"]).merge_and_unload()
    merged.save_pretrained(target)
    AutoTokenizer.from_pretrained(adapter["adapter_path"]).save_pretrained(target)
    record_export(store, adapter["id"], "merged", str(target))
    return target


def find_tools() -> dict[str, str | None]:
    """Where llama.cpp's converter, ``llama-quantize`` and ``ollama`` are (None when missing)."""
    candidates = [Path(os.environ["CLINSUM_LLAMA_CPP"])] if os.environ.get("CLINSUM_LLAMA_CPP") else []
    candidates.append(Path.home() / "llama.cpp")
    convert = shutil.which(CONVERT_SCRIPT)
    for folder in candidates:
        if not convert and (folder / CONVERT_SCRIPT).is_file():
            convert = str(folder / CONVERT_SCRIPT)
    quantize = shutil.which("llama-quantize")
    for folder in candidates:
        for sub in ("build/bin/llama-quantize", "llama-quantize"):
            if not quantize and (folder / sub).is_file():
                quantize = str(folder / sub)
    return {"convert": convert, "quantize": quantize, "ollama": shutil.which("ollama")}


def missing_for_gguf(tools: dict[str, str | None] | None = None) -> list[str]:
    """What is missing for a GGUF export (empty: everything is there)."""
    tools = tools or find_tools()
    return [] if tools["convert"] else [
        f"llama.cpp's {CONVERT_SCRIPT} (clone llama.cpp, `pip install -r requirements.txt` there, "
        "and set CLINSUM_LLAMA_CPP to its folder)"]


def modelfile_text(gguf_name: str, system: str | None = None) -> str:
    """An Ollama Modelfile for a GGUF file in the same folder."""
    lines = [f"FROM ./{gguf_name}", "PARAMETER temperature 0.2"]
    if system:
        lines.append('SYSTEM """' + system.replace('"""', "'''") + '"""')
    return "\n".join(lines) + "\n"


def export_gguf(store: Store, adapter_id: str, quant: str = "q4_k_m", ollama_name: str | None = None) -> dict[str, str]:
    """Merged weights -> GGUF (-> quantized) + Modelfile (-> ``ollama create`` where installed)."""
    tools = find_tools()
    missing = missing_for_gguf(tools)
    if missing:
        raise ToolMissing("GGUF export is not possible on this machine: " + "; ".join(missing) + " is missing.",
                          hint="Merged weights can still be exported (--merged) and converted elsewhere.")
    adapter = get_adapter(store, adapter_id)
    folder = export_dir(store, adapter)
    merged = Path(adapter["exports"].get("merged") or "")
    if not merged.is_dir():
        merged = export_merged(store, adapter["id"])
    f16 = folder / f"{adapter['name']}-f16.gguf"
    _run([sys.executable, tools["convert"], str(merged), "--outfile", str(f16), "--outtype", "f16"], "convert")
    out: dict[str, str] = {"gguf": str(f16)}
    final = f16
    if quant and quant != "f16":
        if tools["quantize"]:
            final = folder / f"{adapter['name']}-{quant}.gguf"
            _run([tools["quantize"], str(f16), str(final), quant.upper()], "llama-quantize")
            out["gguf"] = str(final)
        else:
            out["note"] = "llama-quantize not found: the GGUF file is f16 (unquantized)."
    modelfile = folder / "Modelfile"
    modelfile.write_text(modelfile_text(final.name), encoding="utf-8")
    out["modelfile"] = str(modelfile)
    record_export(store, adapter["id"], "gguf", out["gguf"])
    record_export(store, adapter["id"], "modelfile", str(modelfile))
    if ollama_name:
        if not tools["ollama"]:
            out["ollama"] = "ollama not installed: run `ollama create NAME -f Modelfile` where it is."
        else:
            _run([tools["ollama"], "create", ollama_name, "-f", str(modelfile)], "ollama create", cwd=folder)
            out["ollama"] = ollama_name
    return out


def _run(cmd: list[str], what: str, cwd: Path | None = None) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-5:]
        raise ClinsumError(f"{what} failed (exit {proc.returncode}): " + " / ".join(tail),
                           hint="See the tool's message above; the merged weights are kept.")
