"""Synthetic gallery embeddings: identities with a few entries each, parts L2-normalised."""

from __future__ import annotations

import numpy as np
import pytest

from heatgait.gallery import NewEntry

FINGERPRINT = {"digest": "a" * 64, "variant": "gaitheat", "iteration": 7,
               "checkpoint": "runs/a/checkpoints/iter-000007.pt"}


def normalised(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def people(rng: np.random.Generator, count: int, channels: int = 8, parts: int = 4,
           per_person: int = 3, noise: float = 0.15) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(centres [count, c, p], embeddings [count * per_person, c, p], person of each row)."""
    centres = normalised(rng.normal(size=(count, channels, parts)))
    owner = np.repeat(np.arange(count), per_person)
    emb = normalised(centres[owner] + noise * rng.normal(size=(len(owner), channels, parts)))
    return centres, emb, owner


def items(owner: np.ndarray, source: str = "shards/a.h5", prefix: str = "seq") -> list[NewEntry]:
    return [NewEntry(name=f"p{o:05d}", source=source, sequence_key=f"{prefix}/{i}", frames=20,
                     shard=source) for i, o in enumerate(owner)]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
