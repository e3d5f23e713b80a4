"""GaitHeat's training objective (paper eq. 9): triplet + cross-entropy on each branch.

- Batch-all triplet loss per part (margin 0.2), Euclidean distances; the loss of a part is the
  mean over its *active* (non-zero) triplets, the field's convention, then averaged over parts.
  An anchor is not used as its own positive (OpenGait's matrix includes that pair; it only adds
  triplets with d(a, p) = 0).
- Cross-entropy per part with label smoothing 0.1 on the model's cosine logits (BNNeck feature
  and class weights both L2-normalised) multiplied by a scale of 16, as GaitBase's BNNeck does.
- ``GaitHeatLoss`` sums both terms over the global, local and fusion branches, weight 1 each.
- Under DDP the triplet loss sees the *global* P x K batch, as the authors' released training
  code (OpenGait's trainer) does: every rank all-gathers the embeddings and labels, puts its own
  slice back with its gradient, and multiplies the loss by the world size, so that DDP's mean of
  the ranks' gradients equals the gradient of one process holding the whole batch. Without it a
  rank that holds one subject (P = 8 on 8 GPUs) has no negatives and a triplet loss of 0.
  Cross-entropy stays per rank (the mean of per-rank means over equal slices is the global mean).
- The logged terms stay on the device (0-d tensors): the training loop reads them in one go.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn


def world_size() -> int:
    """Ranks in the default process group (1 without one)."""
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def gather_global_batch(
    embeddings: torch.Tensor, labels: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Every rank's embeddings [n, ...] and labels [n], concatenated in rank order.

    The local slice is this rank's own tensor, so gradients flow through it (the other ranks'
    slices are copies without gradient). Every rank must hold the same number of sequences
    (heatgait.data.sampler gives each rank an equal slice). One process: the inputs unchanged.
    """
    world = world_size()
    if world == 1:
        return embeddings, labels
    rank = dist.get_rank()
    slices = [torch.empty_like(embeddings) for _ in range(world)]
    dist.all_gather(slices, embeddings.detach().contiguous())
    slices[rank] = embeddings
    label_slices = [torch.empty_like(labels) for _ in range(world)]
    dist.all_gather(label_slices, labels.contiguous())
    return torch.cat(slices), torch.cat(label_slices)


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
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """(loss to back-propagate, logged terms as detached 0-d tensors on the device).

        ``total`` in the terms is the objective itself; under DDP the returned loss weighs the
        gathered triplet term by the world size (see the module docstring), so only the value
        differs from ``total`` there, never the gradient DDP applies.
        """
        world = world_size()
        branches = list(outputs)
        # one gather for the three branches: [B, n, D, P] -> [B, world * n, D, P]
        stacked = torch.stack([outputs[b]["embeddings"] for b in branches])
        gathered, all_labels = gather_global_batch(stacked.transpose(0, 1), labels)
        gathered = gathered.transpose(0, 1)
        backward = torch.zeros((), device=labels.device)
        objective = torch.zeros((), device=labels.device)
        logged: dict[str, torch.Tensor] = {}
        for i, branch in enumerate(branches):
            tri, share = batch_all_triplet(gathered[i], all_labels, self.margin)
            ce, acc = cross_entropy(outputs[branch]["logits"], labels, self.scale,
                                    self.smoothing)
            backward = backward + self.triplet_weight * world * tri + self.ce_weight * ce
            objective = objective + self.triplet_weight * tri + self.ce_weight * ce
            logged[f"{branch}/triplet"] = tri.detach()
            logged[f"{branch}/triplet_active"] = share
            logged[f"{branch}/ce"] = ce.detach()
            logged[f"{branch}/accuracy"] = acc
        logged["total"] = objective.detach()
        return backward, logged
