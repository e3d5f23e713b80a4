"""Initial weights: the authors' Xavier scheme by default, PyTorch's behind model.init=torch."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from heatgait.config import load_recipe
from heatgait.models import build_model, create_model
from heatgait.models.init import initialise


def layers(model: nn.Module, kind: type | tuple[type, ...]) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, kind)]


def test_paper_recipe_starts_from_the_authors_scheme() -> None:
    torch.manual_seed(0)
    model = build_model(load_recipe("casia-b").model, num_classes=74)
    convs = layers(model, (nn.Conv2d, nn.Linear))
    assert convs
    for conv in convs:
        fan_out = conv.weight.shape[0] * conv.weight[0, 0].numel()
        bound = math.sqrt(6.0 / (conv.weight[0].numel() + fan_out))  # Xavier-uniform
        assert conv.weight.abs().max() <= bound + 1e-6
        assert conv.weight.abs().max() > 0.9 * bound  # drawn up to the bound, not below it
        assert conv.bias is None or bool((conv.bias == 0).all())
    bn_weights = torch.cat([bn.weight.detach() for bn in layers(model, nn.BatchNorm2d)])
    assert abs(bn_weights.mean().item() - 1.0) < 0.01
    assert bn_weights.std().item() == pytest.approx(0.02, rel=0.2)  # N(1, 0.02), not all ones
    assert all(bool((bn.bias == 0).all()) for bn in layers(model, (nn.BatchNorm1d, nn.BatchNorm2d)))


def test_torch_scheme_keeps_pytorchs_defaults_bit_for_bit() -> None:
    torch.manual_seed(3)
    model = create_model("gaitheat-tiny", 5, init="torch")
    torch.manual_seed(3)
    plain = create_model("gaitheat-tiny", 5, init="xavier")
    torch.manual_seed(3)
    reference = create_model("gaitheat-tiny", 5, init="torch")
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(),
                                                  reference.state_dict().values()))
    assert all(bool((bn.weight == 1).all()) for bn in layers(model, nn.BatchNorm2d))
    assert not all(bool((bn.weight == 1).all()) for bn in layers(plain, nn.BatchNorm2d))


def test_the_scheme_is_recorded_and_checked() -> None:
    from heatgait.errors import ConfigError
    from heatgait.models.factory import model_settings

    settings = model_settings(load_recipe("ccpg").model)
    assert settings.init == "xavier" and settings.translate_below is False
    assert model_settings(load_recipe("ccpg", ["model.init=torch"]).model).init == "torch"
    with pytest.raises(ConfigError, match="model.init 'kaiming'"):
        load_recipe("ccpg", ["model.init=kaiming"])
    with pytest.raises(ValueError, match="unknown init scheme"):
        initialise(nn.Linear(2, 2), "he")
