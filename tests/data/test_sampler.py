"""PKBatchSampler invariants: P ids x K each, DDP slices, determinism, resume."""

from __future__ import annotations

import functools
import operator
from collections import Counter
from itertools import islice

import pytest

from heatgait.data.sampler import PKBatchSampler
from heatgait.errors import ConfigError

# 12 subjects; subject 3 has only 2 sequences (K=4 then needs replacement)
LABELS = [s for s in range(12) for _ in range(2 if s == 3 else 6)]


def test_p_distinct_ids_k_each() -> None:
    sampler = PKBatchSampler(LABELS, p=5, k=4, seed=1)
    for batch in islice(sampler, 50):
        counts = Counter(LABELS[i] for i in batch)
        assert len(batch) == 20 and len(counts) == 5 and set(counts.values()) == {4}
        for label in counts:
            if label != 3:  # enough sequences: drawn without replacement
                assert len({i for i in batch if LABELS[i] == label}) == 4


def test_ranks_disjoint_and_union_is_global_batch() -> None:
    for p, world in [(8, 4), (6, 4)]:  # whole subjects per rank; P*K slices
        ranks = [PKBatchSampler(LABELS, p=p, k=2, seed=7, rank=r, world_size=world)
                 for r in range(world)]
        for step in range(5):
            slices = [r.local_batch(step) for r in ranks]
            assert functools.reduce(operator.iadd, slices, []) == ranks[0].global_batch(step)
            assert len({len(s) for s in slices}) == 1
        if p % world == 0:
            ids = [{LABELS[i] for i in s} for s in slices]
            assert all(not a & b for n, a in enumerate(ids) for b in ids[n + 1:])


def test_deterministic_and_varying() -> None:
    a = list(islice(PKBatchSampler(LABELS, p=4, k=3, seed=3), 20))
    b = list(islice(PKBatchSampler(LABELS, p=4, k=3, seed=3), 20))
    c = list(islice(PKBatchSampler(LABELS, p=4, k=3, seed=4), 20))
    assert a == b and a != c
    assert len({tuple(batch) for batch in a}) == 20
    epoch1 = PKBatchSampler(LABELS, p=4, k=3, seed=3)
    epoch1.set_epoch(1)
    assert list(islice(epoch1, 20)) != a


def test_resume_continues_exact_sequence() -> None:
    sampler = PKBatchSampler(LABELS, p=4, k=3, seed=9)
    sampler.set_epoch(2)
    full = list(islice(sampler, 30))
    first = PKBatchSampler(LABELS, p=4, k=3, seed=9)
    first.set_epoch(2)
    head = list(islice(first, 12))
    resumed = PKBatchSampler(LABELS, p=4, k=3, seed=0)
    resumed.load_state_dict(first.state_dict())
    assert head + list(islice(resumed, 18)) == full


def test_bad_configurations() -> None:
    with pytest.raises(ConfigError, match="only 12"):
        PKBatchSampler(LABELS, p=13, k=2)
    with pytest.raises(ConfigError, match="split evenly across 4"):
        PKBatchSampler(LABELS, p=5, k=3, rank=0, world_size=4)
