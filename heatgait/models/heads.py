"""Sequence heads: set pooling over real frames, horizontal pyramid pooling, per-part FC, BNNeck.

Each of GaitHeat's three branches (global, local, fusion) ends in one ``GaitHead``:
[n, t, C, h, w] frame features -> temporal max over the frames that exist (padding masked with
-inf) -> 16 horizontal strips, mean + max each -> a separate C->256 FC per strip -> BNNeck
(BatchNorm1d over the 256*P features, i.e. one BN channel per part and feature) -> cosine
classifier per part (normalised BN features against normalised class weights, as GaitBase's
BNNeck does; the logit scale 16 is applied in the loss).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def set_pooling(x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
    """Temporal max over the real frames of each sequence: [n, t, ...] -> [n, ...].

    lengths [n] gives how many leading frames of each sequence are real; the rest is padding and
    never reaches the max. Lengths must lie in 1..t: a sequence without frames has no max.
    """
    if lengths is None:
        return x.amax(dim=1)
    t = x.shape[1]
    real = torch.arange(t, device=x.device)[None, :] < lengths.to(x.device)[:, None]  # [n, t]
    mask = real.view(*real.shape, *([1] * (x.dim() - 2)))
    return x.masked_fill(~mask, float("-inf")).amax(dim=1)


def horizontal_pooling(x: torch.Tensor, bins: int) -> torch.Tensor:
    """Split rows into ``bins`` strips, mean + max each: [n, C, h, w] -> [n, C, bins]."""
    n, c, h, _ = x.shape
    if h % bins:
        raise ValueError(f"feature height {h} is not divisible into {bins} horizontal bins")
    z = x.reshape(n, c, bins, -1)  # [n, C, P, h/P * w]
    return z.mean(dim=-1) + z.amax(dim=-1)


class SeparateFCs(nn.Module):
    """One Linear (no bias) per part, as a single einsum: [n, Cin, P] -> [n, Cout, P]."""

    def __init__(self, parts: int, cin: int, cout: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(nn.init.xavier_uniform_(torch.empty(parts, cin, cout)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.einsum("ncp,pcd->ndp", x, self.weight.to(x.dtype))


class BNNeckClassifier(nn.Module):
    """BNNeck + per-part cosine classifier: [n, D, P] -> (bn features [n, D, P], logits [n, K, P])."""

    def __init__(self, parts: int, dim: int, num_classes: int) -> None:
        super().__init__()
        self.parts, self.dim = parts, dim
        self.bn = nn.BatchNorm1d(dim * parts)
        self.weight = nn.Parameter(nn.init.xavier_uniform_(torch.empty(parts, dim, num_classes)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        n = x.shape[0]
        z = self.bn(x.reshape(n, -1)).view(n, self.dim, self.parts)  # [n, D, P]
        zn = F.normalize(z, dim=1)
        wn = F.normalize(self.weight, dim=1).to(zn.dtype)  # [P, D, K]
        logits = torch.einsum("ndp,pdk->nkp", zn, wn)  # cosine similarities in [-1, 1]
        return z, logits


class GaitHead(nn.Module):
    """Frame features of one branch -> (embedding [n, D, P], bn feature [n, D, P], logits)."""

    def __init__(self, cin: int, dim: int, parts: int, num_classes: int) -> None:
        super().__init__()
        self.parts = parts
        self.fc = SeparateFCs(parts, cin, dim)
        self.neck = BNNeckClassifier(parts, dim, num_classes)

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        # x: [n, t, C, h, w]
        pooled = set_pooling(x, lengths)  # [n, C, h, w]
        strips = horizontal_pooling(pooled, self.parts)  # [n, C, P]
        embed = self.fc(strips)  # [n, D, P]
        bn, logits = self.neck(embed)
        return embed, bn, logits
