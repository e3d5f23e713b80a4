"""The shared ResNet9 of GaitBase, returning every stage's output for the fusion branch.

conv3x3 1->C0 + BN + ReLU, then four stages of one BasicBlock each (channels 64/128/256/512,
strides 1/2/2/1): a 1x64x48 heatmap becomes 512x16x12. No max-pool, no bias in convolutions
(BN follows each), as in GaitBase.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


def conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    """3x3 convolution, padding 1, no bias."""
    return nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 conv+BN with a residual; a 1x1 conv+BN shortcut when the shape changes."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = conv3x3(cin, cout, stride)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = conv3x3(cout, cout)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample: nn.Module | None = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, kernel_size=1, stride=stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet9(nn.Module):
    """Stem + one BasicBlock per stage; forward returns the list of stage outputs."""

    def __init__(
        self,
        channels: Sequence[int] = (64, 128, 256, 512),
        strides: Sequence[int] = (1, 2, 2, 1),
        in_channels: int = 1,
    ) -> None:
        super().__init__()
        if len(channels) != len(strides):
            raise ValueError(f"channels {channels} and strides {strides} differ in length")
        self.stem = nn.Sequential(
            conv3x3(in_channels, channels[0]), nn.BatchNorm2d(channels[0]), nn.ReLU(inplace=True)
        )
        cins = [channels[0], *channels[:-1]]
        self.stages = nn.ModuleList(
            BasicBlock(cin, cout, s) for cin, cout, s in zip(cins, channels, strides)
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        # x: [B, 1, H, W] -> [[B, C_k, H_k, W_k] for each stage k]
        feats = []
        x = self.stem(x)
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        return feats
