"""`heatgait eval --embeddings` on a CASIA-B-sized file, as a whole command, vs a naive evaluator.

The file holds what `heatgait eval --save-embeddings` writes for CASIA-B's test split:
subjects 075-124 x 10 sequences (nm-01..06, bg-01..02, cl-01..02) x 11 views, less a few
missing (5,331 kept by default), embeddings [n, 256, 16] (L2 per part, like the model).

- the command: `heatgait eval --embeddings FILE --protocol casia-b` in a fresh process,
  best of ``--repeat`` runs (start-up and imports included, as a user waits for it);
- the reference: a naive evaluator written here in plain numpy and run in-process (the file
  loaded, then for every probe set and (probe view, gallery view) cell a distance matrix part
  by part, a full sort, the top-1 label, the cell rounded to 2 decimals, identical views left
  out: DESIGN.md section 5, tests/evaluation/reference_protocols.py). It computes rank-1 only;
  the command also computes the verification metrics (TAR@FAR, EER) of every probe set.

The two must agree on every rank-1 number (read from the command's --json output).

Run by hand:  python benchmarks/bench_eval.py [--sequences 5331] [--repeat 3] [--json-too]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import report

TYPES = ["nm-01", "nm-02", "nm-03", "nm-04", "nm-05", "nm-06", "bg-01", "bg-02", "cl-01",
         "cl-02"]
VIEWS = [f"{v:03d}" for v in range(0, 181, 18)]
GALLERY = ["nm-01", "nm-02", "nm-03", "nm-04"]
PROBES = {"NM": ["nm-05", "nm-06"], "BG": ["bg-01", "bg-02"], "CL": ["cl-01", "cl-02"]}


def write_casia_b_like(path: Path, sequences: int, noise: float, seed: int = 0) -> int:
    """Writes an embeddings file (the format `heatgait eval --embeddings` reads); returns n."""
    rng = np.random.default_rng(seed)
    rows = [(f"{s:03d}", t, v) for s in range(75, 125) for t in TYPES for v in VIEWS]
    keep = np.sort(rng.choice(len(rows), size=min(sequences, len(rows)), replace=False))
    rows = [rows[i] for i in keep]
    centres = rng.normal(size=(125, 256, 16)).astype(np.float32)
    emb = np.stack([centres[int(s)] for s, _, _ in rows])
    emb += noise * rng.normal(size=emb.shape).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)  # L2 per part, like the model
    labels, types, views = (np.asarray(c) for c in zip(*rows))
    with open(path, "wb") as handle:  # scratch input: a plain write is enough
        np.savez(handle, embeddings=emb.astype(np.float32), labels=labels, types=types,
                 views=views)
    return len(rows)


def naive_rank1(path: Path) -> dict[str, float]:
    """The reference evaluator's loop: per cell, per-part distances, argsort, rank-1, round."""
    with np.load(path) as data:
        emb, labels, types, views = (data[k] for k in ("embeddings", "labels", "types", "views"))
    view_list = sorted(set(views.tolist()))
    out = {}
    for name, probe_types in PROBES.items():
        acc = np.zeros((len(view_list), len(view_list)))
        for i, pv in enumerate(view_list):
            pmask = np.isin(types, probe_types) & (views == pv)
            for j, gv in enumerate(view_list):
                gmask = np.isin(types, GALLERY) & (views == gv)
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


def heatgait_command() -> list[str]:
    """The installed `heatgait` beside this Python, else the one on PATH."""
    beside = Path(sys.executable).parent / "heatgait"
    found = str(beside) if beside.exists() else shutil.which("heatgait")
    if found is None:
        sys.exit("no `heatgait` command: install the package (pip install -e .)")
    return [found]


def time_command(args: list[str], repeat: int) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system, all threads) of ``repeat`` runs of a
    whole command, each in a fresh process. CPU time says more than wall time on a busy
    machine."""
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, text=True, check=False)
        took = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
        best = min(best, took)
        best_cpu = min(best_cpu, after.ru_utime - before.ru_utime + after.ru_stime
                       - before.ru_stime)
    return best, best_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=5331)
    parser.add_argument("--noise", type=float, default=6.0, help="spread within a subject")
    parser.add_argument("--repeat", type=int, default=3, help="command runs (best counts)")
    parser.add_argument("--json-too", action="store_true",
                        help="also time the command with --json (which draws the PNG too)")
    parser.add_argument("--keep", type=Path, help="write the embeddings file here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "casia-b-embeddings.npz"
        n = write_casia_b_like(path, args.sequences, args.noise)
        print(f"{path.name}: {n} sequences, embeddings [{n}, 256, 16]")
        command = [*heatgait_command(), "eval", "--embeddings", str(path), "--protocol",
                   "casia-b", "--quiet"]
        out = Path(tmp) / "result.json"
        subprocess.run([*command, "--json", str(out)], capture_output=True, check=True)
        got = {name: json.loads(out.read_text())[name]["rank1"] for name in PROBES}
        whole, whole_cpu = time_command(command, args.repeat)
        print(f"heatgait eval --embeddings (whole command, best of {args.repeat}): "
              f"{whole:.2f} s wall, {whole_cpu:.2f} s CPU  {got}")
        if args.json_too:
            with_json, with_json_cpu = time_command([*command, "--json", str(out)], args.repeat)
            print(f"  same with --json (JSON + heat-table PNG): {with_json:.2f} s wall, "
                  f"{with_json_cpu:.2f} s CPU")
        start, start_cpu = time.perf_counter(), time.process_time()
        want = naive_rank1(path)
        naive, naive_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        print(f"naive in-process reference (rank-1 only): {naive:.2f} s wall, {naive_cpu:.2f} s "
              f"CPU  {want}")
        same = all(got[name] == want[name] for name in PROBES)
        print(f"same rank-1: {same}; command / reference: {whole / naive:.2f} wall, "
              f"{whole_cpu / naive_cpu:.2f} CPU; load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores")
        report("eval_embeddings_command_seconds", whole, "s", naive, "naive in-process rank-1",
               higher_is_better=False)
        if not same:
            sys.exit("the command and the reference disagree")


if __name__ == "__main__":
    main()
