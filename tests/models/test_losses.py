"""Losses on hand-made embeddings and logits, checked against values worked out by hand."""

from __future__ import annotations

import math

import pytest
import torch

from heatgait.models.losses import GaitHeatLoss, batch_all_triplet, cross_entropy


def test_triplet_is_zero_when_classes_are_far_apart() -> None:
    emb = torch.tensor([[0.0, 0.0], [0.0, 0.1], [5.0, 0.0], [5.0, 0.1]])[:, :, None]  # [4, 2, 1]
    loss, share = batch_all_triplet(emb, torch.tensor([0, 0, 1, 1]))
    assert loss.item() == 0.0 and share.item() == 0.0


def test_triplet_known_value_mean_over_active_terms_and_parts() -> None:
    # part 0, 1-D: a=0, b=0.5 (id 0); c=0.6, d=3.0 (id 1). Active terms, margin 0.2:
    # (a,b,c) 0.1, (b,a,c) 0.6, (c,d,a) 2.0, (c,d,b) 2.5, (d,c,b) 0.1 -> 5 of 8, mean 1.06.
    # part 1: the classes 10 apart -> 0. Mean over parts: 0.53; active share 5 / 16.
    part0 = torch.tensor([0.0, 0.5, 0.6, 3.0])
    part1 = torch.tensor([0.0, 0.1, 10.0, 10.1])
    emb = torch.stack([part0, part1], dim=-1)[:, None, :]  # [4, 1, 2]
    loss, share = batch_all_triplet(emb, torch.tensor([0, 0, 1, 1]), margin=0.2)
    assert loss.item() == pytest.approx(0.53, abs=1e-5)
    assert share.item() == pytest.approx(5 / 16)


def test_cross_entropy_with_smoothing_matches_manual() -> None:
    g = torch.Generator().manual_seed(0)
    logits = torch.rand(3, 4, 2, generator=g) * 2 - 1  # cosine-like [n, K, P]
    labels = torch.tensor([2, 0, 3])
    loss, acc = cross_entropy(logits, labels, scale=16.0, smoothing=0.1)
    total = 0.0
    for i in range(3):
        for p in range(2):
            z = [16.0 * float(v) for v in logits[i, :, p]]
            lse = math.log(sum(math.exp(v) for v in z))
            logp = [v - lse for v in z]
            total += -0.9 * logp[int(labels[i])] - 0.1 / 4 * sum(logp)
    assert loss.item() == pytest.approx(total / 6, rel=1e-5)
    hits = (logits.argmax(dim=1) == labels[:, None]).float().mean()
    assert acc.item() == pytest.approx(hits.item())


def test_gaitheat_loss_sums_three_branches() -> None:
    g = torch.Generator().manual_seed(1)
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    outputs = {
        b: {
            "embeddings": torch.randn(6, 8, 4, generator=g, requires_grad=True),
            "logits": torch.rand(6, 3, 4, generator=g, requires_grad=True),
        }
        for b in ("global", "local", "fusion")
    }
    total, terms = GaitHeatLoss()(outputs, labels)
    expected = sum(
        batch_all_triplet(o["embeddings"], labels)[0] + cross_entropy(o["logits"], labels)[0]
        for o in outputs.values()
    )
    assert total.item() == pytest.approx(expected.item(), rel=1e-6)
    assert float(terms["total"]) == pytest.approx(total.item())
    assert all(v.dim() == 0 and not v.requires_grad for v in terms.values())  # kept on device
    assert {"fusion/triplet", "local/ce", "global/triplet_active", "global/accuracy"} <= set(terms)
    total.backward()
    assert all(torch.isfinite(o["embeddings"].grad).all() for o in outputs.values())
