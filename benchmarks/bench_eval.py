"""Scoring time at CASIA-B test size: heatgait's chunked evaluator vs a per-cell loop.

The CASIA-B test set has 50 subjects x 110 sequences, less a few missing (5,486), with
GaitHeat embeddings [n, 256, 16]. The per-cell loop does what the field's reference evaluator
does on the CPU: for every probe set and (probe view, gallery view) pair, a distance matrix
part by part, a full sort, the top-1 label. Both must give the same table.

Run by hand:  python benchmarks/bench_eval.py [--sequences 5486] [--skip-naive]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import report

from heatgait.config import load_recipe
from heatgait.evaluation.protocols import evaluate_embeddings

TYPES = ["nm-01", "nm-02", "nm-03", "nm-04", "nm-05", "nm-06", "bg-01", "bg-02", "cl-01",
         "cl-02"]
VIEWS = [f"{v:03d}" for v in range(0, 181, 18)]


def casia_b_like(sequences: int, noise: float, seed: int = 0):
    """Embeddings [n, 256, 16] with CASIA-B test labels, ``sequences`` of the 5,500 kept."""
    rng = np.random.default_rng(seed)
    rows = [(f"{s:03d}", t, v) for s in range(75, 125) for t in TYPES for v in VIEWS]
    keep = np.sort(rng.choice(len(rows), size=min(sequences, len(rows)), replace=False))
    rows = [rows[i] for i in keep]
    centres = rng.normal(size=(125, 256, 16)).astype(np.float32)
    emb = np.stack([centres[int(s)] for s, _, _ in rows])
    emb += noise * rng.normal(size=emb.shape).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)  # L2 per part, like the model
    labels, types, views = (np.asarray(c) for c in zip(*rows))
    return emb, labels, types, views


def per_cell_loop(emb, labels, types, views, probes, gallery_types):
    """The reference evaluator's loop: per cell, per-part distances, argsort, rank-1, round."""
    view_list = sorted(set(views.tolist()))
    out = {}
    for name, probe_types in probes.items():
        acc = np.zeros((len(view_list), len(view_list)))
        for i, pv in enumerate(view_list):
            pmask = np.isin(types, probe_types) & (views == pv)
            for j, gv in enumerate(view_list):
                gmask = np.isin(types, gallery_types) & (views == gv)
                x, y = emb[pmask], emb[gmask]
                dist = np.zeros((len(x), len(y)), dtype=np.float32)
                for p in range(x.shape[2]):
                    a, b = x[:, :, p], y[:, :, p]
                    d = (a ** 2).sum(1)[:, None] + (b ** 2).sum(1)[None, :] - 2 * a @ b.T
                    dist += np.sqrt(np.maximum(d, 0))
                idx = np.argsort(dist / x.shape[2], axis=1)
                acc[i, j] = np.round(np.sum(labels[pmask] == labels[gmask][idx[:, 0]])
                                     * 100 / len(x), 2)
        off = acc - np.diag(np.diag(acc))
        out[name] = float(np.mean(off.sum(1) / (len(view_list) - 1)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=5486)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--noise", type=float, default=6.0, help="spread within a subject")
    args = parser.parse_args()
    config = load_recipe("casia-b").eval
    data = casia_b_like(args.sequences, args.noise)
    print(f"{len(data[0])} sequences, embeddings {data[0].shape}")
    start = time.perf_counter()
    result = evaluate_embeddings(*data, config)
    fast = time.perf_counter() - start
    got = {n: ps.metrics["rank1"] for n, ps in result.probe_sets.items()}
    print(f"heatgait evaluate_embeddings: {fast:.2f} s  {got}")
    if not args.skip_naive:
        start = time.perf_counter()
        want = per_cell_loop(*data, config.probes, config.gallery)
        slow = time.perf_counter() - start
        print(f"per-cell reference loop:      {slow:.2f} s  {want}")
        same = all(abs(got[n] - want[n]) < 1e-9 for n in want)
        print(f"same table: {same}; speed-up x{slow / fast:.1f}")
        report("eval_casia_b_test_set_seconds", fast, "s", slow, "per-cell loop",
               higher_is_better=False)


if __name__ == "__main__":
    main()
