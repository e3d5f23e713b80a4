"""Initial weights: the authors' scheme (the paper recipes' default) or PyTorch's own.

``xavier`` is what the released GaitHeat training code (OpenGait's ``init_parameters``) does
after building the network: every Conv and Linear weight Xavier-uniform with bias 0, every
affine BatchNorm weight drawn from N(1, 0.02) with bias 0. Parameters that are not inside such
a layer (the part-wise FCs and the BNNeck classifier of heatgait.models.heads) are created
Xavier-uniform already. ``torch`` keeps PyTorch's per-layer defaults (Kaiming-uniform convs,
BatchNorm weight 1), heatgait's behaviour before the scheme became a recipe key.
"""

from __future__ import annotations

from torch import nn

INIT_SCHEMES = ("xavier", "torch")


def initialise(model: nn.Module, scheme: str) -> nn.Module:
    """Re-draw ``model``'s layer weights by ``scheme`` (in place, from torch's global RNG)."""
    if scheme not in INIT_SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}; use one of {', '.join(INIT_SCHEMES)}")
    if scheme == "torch":
        return model
    for module in model.modules():
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)):
            nn.init.xavier_uniform_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.modules.batchnorm._BatchNorm) and module.affine:
            nn.init.normal_(module.weight, 1.0, 0.02)
            nn.init.zeros_(module.bias)
    return model
