"""P x K batch sampler for triplet training: P distinct subjects, K sequences of each.

Iteration-based and stateless per step: batch ``s`` of epoch ``e`` is a pure function of
(seed, epoch, s), so resuming needs only the step count, and every DDP rank computes the same
global batch and keeps its own disjoint slice of it (whole subjects when P divides among the
ranks, else an even slice of the P*K list).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from heatgait.errors import ConfigError


class PKBatchSampler:
    """Infinite batch sampler for ``DataLoader(batch_sampler=...)``; yields dataset positions.

    With DataLoader prefetching, the sampler runs ahead of the batches the trainer has used:
    to resume exactly, save the trainer's own count of consumed batches as ``step``
    (``load_state_dict({**sampler.state_dict(), "step": iteration})``).
    """

    def __init__(self, labels: Sequence[int], p: int = 8, k: int = 8, seed: int = 0,
                 rank: int | None = None, world_size: int | None = None):
        by_label: dict[int, list[int]] = defaultdict(list)
        for position, label in enumerate(labels):
            by_label[int(label)].append(position)
        self._ids = sorted(by_label)
        self._members = [np.asarray(by_label[i]) for i in self._ids]
        if len(self._ids) < p:
            raise ConfigError(f"P={p} distinct subjects per batch, but the training set has only "
                              f"{len(self._ids)}; lower P")
        self.p, self.k, self.seed = p, k, seed
        self.rank = 0 if rank is None else rank
        self.world_size = 1 if world_size is None else world_size
        if not 0 <= self.rank < self.world_size:
            raise ConfigError(f"rank {self.rank} outside world size {self.world_size}")
        if p % self.world_size and (p * k) % self.world_size:
            raise ConfigError(f"a P x K = {p} x {k} batch cannot be split evenly across "
                              f"{self.world_size} processes; choose P or P*K divisible by it")
        self.epoch = 0
        self.step = 0

    def set_epoch(self, epoch: int) -> None:
        """Start another reproducible stream of batches (step count restarts at 0)."""
        self.epoch, self.step = epoch, 0

    def global_batch(self, step: int) -> list[int]:
        """All P*K positions of a step, grouped by subject (P groups of K)."""
        rng = np.random.default_rng([self.seed, self.epoch, step])
        chosen = rng.choice(len(self._ids), size=self.p, replace=False)
        batch: list[int] = []
        for c in chosen:
            members = self._members[c]
            batch.extend(rng.choice(members, size=self.k, replace=len(members) < self.k).tolist())
        return batch

    def local_batch(self, step: int) -> list[int]:
        """This rank's slice of the global batch."""
        batch = self.global_batch(step)
        size = len(batch) // self.world_size
        if self.p % self.world_size == 0:  # whole subjects per rank keep triplets meaningful
            size = self.p // self.world_size * self.k
        return batch[self.rank * size: (self.rank + 1) * size]

    def __iter__(self) -> Iterator[list[int]]:
        while True:
            batch = self.local_batch(self.step)
            self.step += 1
            yield batch

    def state_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "epoch": self.epoch, "step": self.step}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.seed, self.epoch, self.step = int(state["seed"]), int(state["epoch"]), int(state["step"])
