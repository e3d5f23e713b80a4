"""GaitHeat (paper section 3.2, Fig. 3): heatmap sequences -> part-based gait embeddings.

Data path for a batch [n, t, 17, H, W] (optional lengths [n]):
1. PGHA aligns every frame (flattened to n*t; see heatgait.models.align).
2. Integration (eq. 5): global input = max over the 17 joint channels, local input k = max over
   the joints of group k; the 1 + K single-channel images are stacked on the batch axis so one
   ResNet9 (F_share, eq. 6) sees all (1 + K) * n * t images in one pass.
3. Max Response (eq. 7): the K local feature maps merge by elementwise max.
4. Fusion branch (eq. 8): fusion_1 = max over all 1 + K branches of stage-1 features;
   fusion_k = F_fusion_k(fusion_{k-1}) + max over branches of stage-k features, k = 2..4, each
   F_fusion_k a BasicBlock of its own with stage k's channels and stride.
5. Global, local and fusion each go through a GaitHead (set pooling over real frames, HPP,
   separate FCs, BNNeck, classifier).

Training returns every branch's pre-BN embedding (for the triplet loss) and logits (for CE);
evaluation returns only the fusion branch's BNNeck feature, L2-normalised per part.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from heatgait.models.align import align_heatmaps
from heatgait.models.backbone import BasicBlock, ResNet9
from heatgait.models.heads import GaitHead
from heatgait.models.init import initialise
from heatgait.models.partitions import resolve_partitions

BRANCHES = ("global", "local", "fusion")
# The heads' module names: "global" is a Python keyword, and torch.export writes module names
# into generated Python code (SyntaxError), so the global branch's head is "whole". Checkpoints
# written before the rename hold "heads.global.*": load_state_dict maps them (see below).
HEAD_KEYS = {"global": "whole", "local": "local", "fusion": "fusion"}
OLD_HEAD_PREFIX, NEW_HEAD_PREFIX = "heads.global.", "heads.whole."


def _rename_old_heads(module: nn.Module, state: dict, prefix: str, *args: object) -> None:
    """A load_state_dict pre-hook: ``heads.global.*`` of old checkpoints -> ``heads.whole.*``."""
    old = prefix + OLD_HEAD_PREFIX
    for key in [k for k in state if k.startswith(old)]:
        state[prefix + NEW_HEAD_PREFIX + key[len(old):]] = state.pop(key)


class GaitHeat(nn.Module):
    """The GaitHeat network; arguments are plain values (see heatgait.models.create_model)."""

    def __init__(
        self,
        num_classes: int,
        channels: Sequence[int] = (64, 128, 256, 512),
        strides: Sequence[int] = (1, 2, 2, 1),
        parts: int = 16,
        embed_dim: int = 256,
        partitions: str | Sequence[Sequence[int]] | None = None,
        align: bool = True,
        gamma: float = 5.0,
        p_below: float = 0.2,
        translate_below: bool = False,
        init: str = "xavier",
    ) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.partitions = resolve_partitions(partitions)
        self.align, self.gamma, self.p_below = align, gamma, p_below
        self.translate_below = translate_below
        self.backbone = ResNet9(channels, strides)
        self.fusion = nn.ModuleList(
            BasicBlock(channels[k - 1], channels[k], strides[k]) for k in range(1, len(channels))
        )
        self.heads = nn.ModuleDict(
            {HEAD_KEYS[b]: GaitHead(channels[-1], embed_dim, parts, num_classes)
             for b in BRANCHES}
        )
        self.register_load_state_dict_pre_hook(_rename_old_heads)
        self.generator: torch.Generator | None = None  # set to seed PGHA's training draws
        initialise(self, init)

    def integrate(self, x: torch.Tensor) -> torch.Tensor:
        """Global + local inputs: [N, 17, H, W] -> [(1 + K) * N, 1, H, W], branch-major."""
        images = [x.amax(dim=1, keepdim=True)]
        images += [x[:, group].amax(dim=1, keepdim=True) for group in self.partitions]
        return torch.cat(images, dim=0)

    def encode_frames(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-frame part of the network: [N, 17, H, W] heatmap frames -> (last-stage features
        of every branch [1 + K, N, C, h', w'], fusion features [N, C, h', w']).

        Everything here acts on each frame alone (PGHA at test time, integration, the shared
        backbone with BatchNorm on its stored statistics, the fusion blocks), so a stream can
        run it frame by frame; only the heads' set pooling mixes frames.
        """
        if self.align:
            frames = align_heatmaps(
                frames,
                self.gamma,
                self.p_below,
                self.training,
                self.generator,
                translate_below=self.translate_below,
            )
        # heatmaps may arrive as float16 to save memory; the network runs in its own dtype
        # (autocast still lowers it where enabled)
        dtype = self.backbone.stem[0].weight.dtype
        images = self.integrate(frames).to(dtype)  # [(1+K)*N, 1, H, W]
        # single-channel images need no layout change: model.to(memory_format=channels_last)
        # alone makes every feature map channels_last
        stages = self.backbone(images)
        branches = 1 + len(self.partitions)
        count = frames.shape[0]
        fused: torch.Tensor | None = None
        for k, feat in enumerate(stages):
            merged = feat.unflatten(0, (branches, count)).amax(dim=0)  # [N, C_k, h_k, w_k]
            fused = merged if fused is None else self.fusion[k - 1](fused) + merged
        assert fused is not None
        return stages[-1].unflatten(0, (branches, count)), fused

    def fusion_embedding(self, fused: torch.Tensor, lengths: torch.Tensor | None = None
                         ) -> torch.Tensor:
        """Evaluation output from fusion features [n, t, C, h', w']: the BNNeck feature after
        set pooling, L2-normalised per part, [n, D, P]."""
        _, bn, _ = self.heads["fusion"](fused, lengths)
        return nn.functional.normalize(bn.float(), dim=1)

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> dict[str, dict[str, torch.Tensor]] | torch.Tensor:
        n, t, v, h, w = x.shape  # [n, t, 17, H, W]
        last, fused = self.encode_frames(x.reshape(n * t, v, h, w))  # [1+K, n*t, C, h', w']
        if not self.training:
            return self.fusion_embedding(fused.unflatten(0, (n, t)), lengths)  # [n, D, P]
        feats = {
            "global": last[0],
            "local": last[1:].amax(dim=0),  # Max Response over the K groups
            "fusion": fused,
        }
        out: dict[str, dict[str, torch.Tensor]] = {}
        for name, f in feats.items():
            embed, _, logits = self.heads[HEAD_KEYS[name]](f.unflatten(0, (n, t)), lengths)
            out[name] = {"embeddings": embed, "logits": logits}  # [n, D, P], [n, classes, P]
        return out
