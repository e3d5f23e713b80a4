"""A tiny synthetic data set and a tiny training recipe shared by the training tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from heatgait.synth.generate import generate_dataset

# 4 subjects (2 train, 2 test) x 3 types x 2 views, 6-9 frames: seconds to generate.
TINY_DATA = {"subjects": 4, "seed": 3, "views": ("000", "090"),
             "types": ("nm-01", "nm-02", "nm-05"), "frames": (6, 9), "tilt_fraction": 0.5}

# A narrow network and small batches so an iteration takes well under a second on a CPU.
TINY_SETS = [
    "model.name=gaitheat", "model.channels=[4, 8, 8, 16]", "model.embed_dim=8", "model.parts=4",
    "data.batch_p=2", "data.batch_k=2", "data.frames_per_sequence=3", "data.num_workers=0",
    "train.log_every=1", "train.milestones=[3]", "train.seed=7",
]


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder with shards, split.json and recipe.yaml of the tiny synthetic set."""
    out = tmp_path_factory.mktemp("tiny-synth")
    generate_dataset(out, progress=False, **TINY_DATA)
    return out


def tiny_recipe(data: Path, *extra: str):
    from heatgait.config import load_recipe

    return load_recipe(str(data / "recipe.yaml"), [*TINY_SETS, *extra])
