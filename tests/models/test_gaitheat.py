"""GaitHeat: output shapes, gradients, determinism, padding invariance, autocast, size."""

from __future__ import annotations

import pytest
import torch

from heatgait.errors import UsageError
from heatgait.models import create_model, list_models
from heatgait.models.losses import GaitHeatLoss


def heatmaps(n: int, t: int, seed: int = 0) -> torch.Tensor:
    """Random [n, t, 17, 64, 48] heatmaps in [0, 1]."""
    return torch.rand(n, t, 17, 64, 48, generator=torch.Generator().manual_seed(seed))


def block_params(cin: int, cout: int, stride: int) -> int:
    """Weights of one BasicBlock (bias-free convs, BN weight + bias) counted from its shapes."""
    count = 9 * cin * cout + 2 * cout + 9 * cout * cout + 2 * cout
    if stride != 1 or cin != cout:
        count += cin * cout + 2 * cout
    return count


def test_parameter_count_matches_the_structure() -> None:
    classes, c, s = 74, (64, 128, 256, 512), (1, 2, 2, 1)
    stem = 9 * 1 * 64 + 2 * 64
    backbone = stem + sum(block_params(i, o, st) for i, o, st in zip((64, *c[:-1]), c, s))
    fusion = sum(block_params(c[k - 1], c[k], s[k]) for k in range(1, 4))
    head = 16 * 512 * 256 + 2 * 256 * 16 + 16 * 256 * classes  # FCs, BNNeck, classifier
    expected = backbone + fusion + 3 * head
    model = create_model("gaitheat", classes)
    assert sum(p.numel() for p in model.parameters()) == expected == 16_944_576


@pytest.mark.slow
def test_shapes_in_training_and_eval() -> None:
    model = create_model("gaitheat", 10)
    x = heatmaps(2, 3)
    out = model.train()(x)
    assert set(out) == {"global", "local", "fusion"}
    for branch in out.values():
        assert branch["embeddings"].shape == (2, 256, 16)
        assert branch["logits"].shape == (2, 10, 16)
    emb = model.eval()(x)
    assert emb.shape == (2, 256, 16)
    torch.testing.assert_close(emb.norm(dim=1), torch.ones(2, 16))  # unit length per part


@pytest.mark.slow
def test_gradient_reaches_every_parameter() -> None:
    torch.manual_seed(0)
    model = create_model("gaitheat-tiny", 2).train()
    out = model(heatmaps(4, 3))
    total, terms = GaitHeatLoss()(out, torch.tensor([0, 0, 1, 1]))
    total.backward()
    assert terms["global/triplet_active"] > 0
    missing = [n for n, p in model.named_parameters() if p.grad is None or p.grad.abs().sum() == 0]
    assert missing == []


def test_eval_is_deterministic() -> None:
    model = create_model("gaitheat-tiny", 3).eval()
    x = heatmaps(2, 4)
    assert torch.equal(model(x), model(x))


@pytest.mark.slow
def test_padding_does_not_change_the_embedding() -> None:
    model = create_model("gaitheat-tiny", 3).eval()
    short, long = heatmaps(1, 5, seed=1), heatmaps(1, 8, seed=2)
    garbage = 5 * heatmaps(1, 3, seed=3)  # padding frames with large responses
    batch = torch.cat([torch.cat([short, garbage], dim=1), long])
    out = model(batch, torch.tensor([5, 8]))
    torch.testing.assert_close(out[0], model(short)[0], atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(out[1], model(long)[0], atol=1e-5, rtol=1e-4)
    unmasked = model(batch)  # without lengths the padding frames do count
    assert (unmasked[0] - out[0]).abs().max() > 1e-3


@pytest.mark.slow
def test_bfloat16_autocast_on_cpu() -> None:
    model = create_model("gaitheat-tiny", 2)
    x = heatmaps(4, 3)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model.train()(x)
        total, _ = GaitHeatLoss()(out, torch.tensor([0, 0, 1, 1]))
        emb = model.eval()(x)
    total.backward()
    assert torch.isfinite(total) and torch.isfinite(emb).all()
    half = x.half()  # heatmaps stored as float16 run without autocast
    # close, not equal: PGHA returns its warped frames in the input dtype
    torch.testing.assert_close(model(half), model(half.float()), atol=1e-3, rtol=0)


def test_integration_takes_the_max_over_each_group() -> None:
    model = create_model("gaitheat-tiny", 2, partitions=[[0, 3], [5], [16, 1]])
    frames = torch.arange(17.0).view(1, 17, 1, 1).expand(2, 17, 64, 48)
    images = model.integrate(frames)  # [(1 + 3) * 2, 1, 64, 48]
    assert images.shape == (8, 1, 64, 48)
    assert images[:, 0, 0, 0].tolist() == [16, 16, 3, 3, 5, 5, 16, 16]


def test_variant_table_and_errors() -> None:
    assert {"gaitheat", "gaitheat-nopgha"} <= set(list_models())
    assert create_model("gaitheat-nopgha", 2).align is False
    assert create_model("gaitheat", 2, gamma=20.0).gamma == 20.0
    with pytest.raises(UsageError, match="gaitheat-nopgha"):
        create_model("gaitheat-xl", 2)
    with pytest.raises(UsageError, match="bad override"):
        create_model("gaitheat", 2, colour="red")


@pytest.mark.slow
def test_pgha_with_translate_below_makes_the_embedding_blind_to_a_shift() -> None:
    """An upright frame is under gamma: only ``model.translate_below=true`` moves it (the
    paper's rule, the default, leaves it where it is, as the network without PGHA does)."""
    torch.manual_seed(0)
    x = torch.zeros(1, 3, 17, 64, 48)
    x[..., 12:52, 9:39] = heatmaps(1, 3, seed=4)[..., :40, :30]  # content away from the borders
    # a plausible spine (shoulders above hips): PGHA leaves implausible ones alone
    for joint, (row, col) in {5: (20, 18), 6: (20, 28), 11: (40, 19), 12: (40, 27)}.items():
        x[0, :, joint, row, col] = 2.0
    shifted = torch.roll(x, shifts=(3, -2), dims=(3, 4))  # 3 px down, 2 px left
    with_pgha = create_model("gaitheat-tiny", 2, translate_below=True).eval()
    torch.testing.assert_close(with_pgha(shifted), with_pgha(x), atol=1e-4, rtol=1e-3)
    for settings in ({"align": False}, {}):  # no PGHA; the paper's PGHA under gamma
        without = create_model("gaitheat-tiny", 2, **settings).eval()
        without.load_state_dict(with_pgha.state_dict())
        assert (without(shifted) - without(x)).abs().max() > 1e-3


def test_channels_last_gives_the_same_embedding() -> None:
    model = create_model("gaitheat-tiny", 2).eval()
    x = heatmaps(1, 3, seed=5)
    expected = model(x)
    model = model.to(memory_format=torch.channels_last)
    torch.testing.assert_close(model(x), expected, atol=1e-5, rtol=1e-4)
