"""GaitHeat's training objective (paper eq. 9): triplet + cross-entropy on each branch.

- Batch-all triplet loss per part (margin 0.2), Euclidean distances; the loss of a part is the
  mean over its *active* (non-zero) triplets, the field's convention, then averaged over parts.
  An anchor is not used as its own positive (OpenGait's matrix includes that pair; it only adds
  triplets with d(a, p) = 0).
- Cross-entropy per part with label smoothing 0.1 on the model's cosine logits (BNNeck feature
  and class weights both L2-normalised) multiplied by a scale of 16, as GaitBase's BNNeck does.
- ``GaitHeatLoss`` sums both terms over the global, local and fusion branches, weight 1 each.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def part_distances(x: torch.Tensor) -> torch.Tensor:
    """Euclidean distances between all pairs, per part: [n, D, P] -> [P, n, n] (float32)."""
    z = x.float().permute(2, 0, 1)  # [P, n, D]
    sq = (z * z).sum(dim=-1)  # [P, n]
    d2 = sq[:, :, None] + sq[:, None, :] - 2 * z @ z.transpose(1, 2)
    return d2.clamp_min(1e-12).sqrt()  # clamp keeps sqrt's gradient finite at zero distance


def batch_all_triplet(
    embeddings: torch.Tensor, labels: torch.Tensor, margin: float = 0.2
) -> tuple[torch.Tensor, torch.Tensor]:
    """Batch-all triplet loss: embeddings [n, D, P], labels [n] -> (loss, active share).

    Every (anchor, positive, negative) with label(a) = label(p), a != p, label(n) != label(a)
    contributes relu(d(a, p) - d(a, n) + margin); each part's loss is the mean over its non-zero
    terms (0 when none), the result the mean over parts. The active share is the fraction of
    valid triplets, over all parts, whose term is non-zero.
    """
    dist = part_distances(embeddings)  # [P, n, n]
    labels = labels.to(dist.device)
    same = labels[:, None] == labels[None, :]  # [n, n]
    eye = torch.eye(len(labels), dtype=torch.bool, device=dist.device)
    valid = (same & ~eye)[:, :, None] & ~same[:, None, :]  # [a, p, n]
    terms = F.relu(dist[:, :, :, None] - dist[:, :, None, :] + margin)  # [P, a, p, n]
    terms = terms * valid
    active = (terms > 0).flatten(1).sum(dim=1)  # [P]
    per_part = terms.flatten(1).sum(dim=1) / active.clamp_min(1)
    total = valid.sum() * dist.shape[0]
    share = active.sum() / total.clamp_min(1)
    return per_part.mean(), share.detach()


def cross_entropy(
    logits: torch.Tensor, labels: torch.Tensor, scale: float = 16.0, smoothing: float = 0.1
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-part label-smoothed CE on scaled logits [n, K, P] -> (loss, top-1 accuracy)."""
    z = logits.float() * scale
    target = labels.to(z.device)[:, None].expand(-1, z.shape[-1])  # [n, P]
    loss = F.cross_entropy(z, target, label_smoothing=smoothing)
    accuracy = (z.argmax(dim=1) == target).float().mean()
    return loss, accuracy.detach()


class GaitHeatLoss(nn.Module):
    """Triplet + CE on each branch of GaitHeat's training output; returns (total, terms)."""

    def __init__(
        self,
        margin: float = 0.2,
        scale: float = 16.0,
        smoothing: float = 0.1,
        triplet_weight: float = 1.0,
        ce_weight: float = 1.0,
    ) -> None:
        super().__init__()
        self.margin, self.scale, self.smoothing = margin, scale, smoothing
        self.triplet_weight, self.ce_weight = triplet_weight, ce_weight

    def forward(
        self, outputs: dict[str, dict[str, torch.Tensor]], labels: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, float]]:
        total = torch.zeros((), device=labels.device)
        logged: dict[str, torch.Tensor] = {}
        for branch, out in outputs.items():
            tri, share = batch_all_triplet(out["embeddings"], labels, self.margin)
            ce, acc = cross_entropy(out["logits"], labels, self.scale, self.smoothing)
            total = total + self.triplet_weight * tri + self.ce_weight * ce
            logged[f"{branch}/triplet"] = tri.detach()
            logged[f"{branch}/triplet_active"] = share
            logged[f"{branch}/ce"] = ce.detach()
            logged[f"{branch}/accuracy"] = acc
        logged["total"] = total.detach()
        values = torch.stack([v.float() for v in logged.values()]).tolist()  # one device sync
        return total, dict(zip(logged, values))
