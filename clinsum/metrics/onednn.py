"""fp32 linear layers of a loaded encoder through oneDNN on a CPU (same model, same precision).

PyTorch's ``nn.Linear`` on a CPU calls MKL's sgemm; ``torch.ops.mkldnn._linear_pointwise``
runs the same fp32 product through oneDNN, about 1.7–2.3× faster per call on the AVX-512 AMD
EPYC this project develops on (MKL takes a slower path there), with the exact (erf) GELU after
an intermediate layer fused into the same call. Results differ from MKL's only by fp32
summation order (~1e-5 relative). :func:`use_onednn` swaps the layers in place after checking
the operator exists and agrees with ``F.linear`` on a probe; where it does not, it leaves the
model as it is.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

PROBE_TOLERANCE = 1e-4  # relative to the largest output value of the probe


class OneDnnLinear(nn.Module):
    """``linear`` (sharing its parameters) computed by oneDNN, optionally followed by the exact
    GELU in the same call."""

    def __init__(self, linear: nn.Linear, gelu: bool = False) -> None:
        super().__init__()
        self.weight = linear.weight
        self.bias = linear.bias
        self.attr, self.algorithm = ("gelu", "none") if gelu else ("none", "")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.mkldnn._linear_pointwise(x, self.weight, self.bias, self.attr, [], self.algorithm)


def _exact_gelu(module: object) -> bool:
    """True for transformers' ``GELUActivation`` on ``F.gelu`` (erf) and for ``nn.GELU()``."""
    if isinstance(module, nn.GELU):
        return module.approximate == "none"
    return type(module).__name__ == "GELUActivation" and getattr(module, "act", None) is F.gelu


def available() -> bool:
    """oneDNN's fp32 linear exists here and agrees with ``F.linear`` on a probe."""
    op = getattr(torch.ops.mkldnn, "_linear_pointwise", None)
    if op is None or not torch.backends.mkldnn.is_available():
        return False
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(3, 7, 64, generator=generator)
    w, b = torch.randn(48, 64, generator=generator), torch.randn(48, generator=generator)
    try:
        with torch.inference_mode():
            got, want = op(x, w, b, "gelu", [], "none"), F.gelu(F.linear(x, w, b))
    except RuntimeError:
        return False
    return got.shape == want.shape and float((got - want).abs().max()) <= PROBE_TOLERANCE * float(want.abs().max())


def use_onednn(model: nn.Module) -> int:
    """Swap every fp32 ``nn.Linear`` of ``model`` (on a CPU) for a :class:`OneDnnLinear`, an
    intermediate layer's ``dense`` + exact GELU for one fused call; returns how many were
    swapped (0 where oneDNN is not available)."""
    if not available():
        return 0
    swapped = 0
    for module in list(model.modules()):
        act = getattr(module, "intermediate_act_fn", None)
        dense = getattr(module, "dense", None)
        # BertIntermediate and its copies (RoBERTa, ...): forward = act(dense(x))
        fuse = (type(module).__name__.endswith("Intermediate") and isinstance(dense, nn.Linear)
                and _exact_gelu(act))
        for name, child in list(module.named_children()):
            if not isinstance(child, nn.Linear) or child.weight.dtype != torch.float32 or child.weight.is_cuda:
                continue
            setattr(module, name, OneDnnLinear(child, gelu=fuse and name == "dense"))
            swapped += 1
        if fuse:
            module.intermediate_act_fn = nn.Identity()
    return swapped
