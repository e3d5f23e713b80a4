"""Identification latency and exactness against large galleries (issue 14).

Synthetic embeddings [256, 16], L2-normalised per part like GaitHeat's: identities of 4
entries each; an identity's centre is a shared "population" direction (weight 0.55, so
strangers are not orthogonal, as with a trained network) plus its own random direction, and
each entry or query adds noise (sigma 0.045 a dimension). This gives mean-part distances of
about 0.82 between sequences of one person and 1.26-1.31 between people.

For each gallery size: build it through the library (one add: sqlite3 + faiss), then time
``Gallery.search`` one query track at a time (top 5, after a warm-up), and compare its top-1
with brute force over every entry with the evaluator's metric
(``heatgait.evaluation.distance``), for queries of enrolled people and for strangers. For
strangers the exact top-1 is a near tie among thousands of other people (gaps of ~1e-4), so
what matters there is the decision: the same accept/unknown answer as brute force, at a
threshold calibrated for FAR 1 % on other strangers. Gallery size on disk per entry: database
(float32 embedding + metadata) and index, the stage-1 shards of real enrolments not included.

    python benchmarks/bench_identify.py                 # 10k and 100k entries
    python benchmarks/bench_identify.py --sizes 10000 --queries 500
    python benchmarks/bench_identify.py --work /tmp/galleries --candidates 512
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, report

from heatgait.evaluation.distance import distance_chunks
from heatgait.gallery import Gallery, NewEntry
from heatgait.gallery.calibrate import open_set_threshold
from heatgait.gallery.index import CANDIDATES

SHARED, SIGMA, PER_PERSON = 0.55, 0.045, 4


def normalised(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


class Population:
    def __init__(self, channels: int, parts: int, seed: int):
        self.rng = np.random.default_rng(seed)
        self.shape = (channels, parts)
        self.shared = normalised(self.rng.normal(size=(1, channels, parts)).astype(np.float32))

    def centres(self, n: int) -> np.ndarray:
        own = normalised(self.rng.normal(size=(n, *self.shape)).astype(np.float32))
        return normalised(SHARED * self.shared + own)

    def samples(self, centres: np.ndarray) -> np.ndarray:
        noise = SIGMA * self.rng.normal(size=centres.shape).astype(np.float32)
        return normalised(centres + noise).astype(np.float32)


def brute_best(queries: np.ndarray, gallery: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact (argmin row [n], distance [n]) over every gallery entry."""
    best = np.empty(len(queries), np.int64)
    dist = np.empty(len(queries), np.float64)
    for rows, block in distance_chunks(queries, gallery, chunk_size=256):
        best[rows] = block.argmin(axis=1)
        dist[rows] = block.min(axis=1)
    return best, dist


def run(size: int, args: argparse.Namespace, work: Path) -> None:
    pop = Population(args.channels, args.parts, seed=size)
    people = size // PER_PERSON
    centres = pop.centres(people)
    owner = np.repeat(np.arange(people), PER_PERSON)
    emb = pop.samples(centres[owner])
    items = [NewEntry(name=f"person-{o:06d}", source="synthetic", sequence_key=f"seq/{i}",
                      frames=40) for i, o in enumerate(owner)]
    fingerprint = {"digest": "0" * 64, "variant": "synthetic", "iteration": 0,
                   "checkpoint": "synthetic"}
    folder = work / f"gallery-{size}"
    start = time.perf_counter()
    reused = (folder / "gallery.sqlite").exists()  # --work kept from an earlier run: same seed
    if not reused:
        with Gallery(folder, create=True) as gallery:
            gallery.add(emb, items, fingerprint)
    build_s = time.perf_counter() - start
    picked = pop.rng.choice(people, args.queries, replace=False)
    known = pop.samples(centres[picked])  # new sequences of enrolled people
    strangers = pop.samples(pop.centres(args.strangers))
    calibration = pop.samples(pop.centres(args.strangers))

    with Gallery(folder) as gallery:
        info = gallery.index_info
        gallery.search(known[:5], top=args.top, candidates=args.candidates)  # warm-up: loads the index
        latency, got = [], []
        for query in np.concatenate([known, strangers]):
            tick = time.perf_counter()
            matches = gallery.search(query[None], top=args.top,
                                     candidates=args.candidates)[0]
            latency.append(time.perf_counter() - tick)
            got.append((matches[0].entry.id - 1, matches[0].distance))
        disk = gallery.disk_bytes()
        db = (folder / "gallery.sqlite").stat().st_size
    latency_ms = np.asarray(latency) * 1000
    got_rows = np.asarray([g[0] for g in got])
    got_dist = np.asarray([g[1] for g in got])
    start = time.perf_counter()
    best, best_dist = brute_best(np.concatenate([known, strangers]), emb)
    brute_s = (time.perf_counter() - start) / (len(known) + len(strangers))
    _, calib_dist = brute_best(calibration, emb)
    threshold = open_set_threshold(calib_dist, 0.01)
    n = len(known)
    recall_known = float(np.mean(got_rows[:n] == best[:n]))
    recall_strangers = float(np.mean(got_rows[n:] == best[n:]))
    decisions = float(np.mean((got_dist <= threshold) == (best_dist <= threshold)))
    named_right = float(np.mean(owner[got_rows[:n]] == picked))
    built = "reused" if reused else f"built in {build_s:.1f} s"
    print(f"\n{size} entries ({people} people), index {info['kind']}, {built}, "
          f"{args.candidates} candidates re-ranked")
    print(f"  latency per query track (top {args.top}): median {np.median(latency_ms):.2f} ms, "
          f"p95 {np.percentile(latency_ms, 95):.2f} ms (exact brute force, all queries in one "
          f"batched pass: {brute_s * 1000:.1f} ms a query)")
    print(f"  top-1 = brute force: enrolled people {recall_known * 100:.2f} % of {n}, strangers "
          f"{recall_strangers * 100:.2f} % of {len(strangers)}; same accept/unknown decision "
          f"as brute force at the FAR-1 % threshold {threshold:.4f}: {decisions * 100:.2f} % "
          f"of all {len(got)}; right person named {named_right * 100:.2f} %")
    print(f"  distances: same person median {np.median(best_dist[:n]):.3f}, stranger's best "
          f"median {np.median(best_dist[n:]):.3f}")
    print(f"  on disk: {disk / size / 1024:.2f} KiB an entry ({db / size / 1024:.2f} KiB "
          f"database, {(disk - db) / size:.0f} B index)")
    report(f"identify latency median, {size} entries", float(np.median(latency_ms)), "ms",
           reference=brute_s * 1000, reference_name="brute force, batched", higher_is_better=False)
    report(f"identify latency p95, {size} entries", float(np.percentile(latency_ms, 95)), "ms")
    report(f"top-1 = brute force, enrolled, {size} entries", recall_known * 100, "%")
    report(f"top-1 = brute force, strangers, {size} entries", recall_strangers * 100, "%")
    report(f"decision = brute force, {size} entries", decisions * 100, "%")
    report(f"gallery on disk per entry, {size} entries", disk / size / 1024, "KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="gallery sizes, comma-separated")
    parser.add_argument("--queries", type=int, default=2000, help="queries of enrolled people")
    parser.add_argument("--strangers", type=int, default=500, help="queries of strangers")
    parser.add_argument("--channels", type=int, default=256)
    parser.add_argument("--parts", type=int, default=16)
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--candidates", type=int, default=CANDIDATES,
                        help="entries the index proposes for exact re-ranking")
    parser.add_argument("--work", type=Path, default=None, help="folder for the galleries "
                        "(default: a temporary one, deleted at the end); kept galleries are "
                        "reused by the next run")
    args = parser.parse_args()
    print(machine())
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-identify-"))
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            run(size, args, work)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
