"""Synthetic gait data: pose-model-like heatmaps of simulated walkers, CASIA-B style.

No real gait set can be shipped or downloaded, yet training and evaluation must be shown to
learn. This generator draws subjects (body proportions, gait style) from a seed, walks a
kinematic 3D skeleton, projects it to 11 views (000..180) and renders 17x64x48 heatmaps with
the faults of a real top-down pose model; conditions nm/bg/cl change appearance only.

Reading order: ``params`` (who and which recording) -> ``skeleton`` (3D walk, projection) ->
``sequence`` (crop, faults) -> ``render`` (drawing) -> ``generate`` (shards, split, recipe);
``baseline`` is the fairness check (a non-learned nearest-neighbour rank-1).
"""

from __future__ import annotations

from typing import Any

__all__ = ["SynthOptions", "SynthSummary", "generate_dataset"]


def __getattr__(name: str) -> Any:
    # lazy: the renderer (params, skeleton, sequence, render) needs numpy only; ``generate``
    # also needs pyyaml for the recipe file, which a bare GPU machine may lack
    if name in __all__:
        from heatgait.synth import generate

        return getattr(generate, name)
    raise AttributeError(f"module 'heatgait.synth' has no attribute {name!r}")
