"""The open-set threshold: how far may a track's best match be and still name that person?

Scores come from labelled sequences (e.g. shards with subject ids) against the gallery as it
is, because what a stranger's best match looks like depends on how many entries it can match:

- impostor score of a labelled track: its distance to the nearest entry of ANOTHER name, i.e.
  its best match were its own person not enrolled (for a subject not in the gallery it is
  exactly its best match);
- genuine score: its distance to the nearest entry of its OWN name (subject label = entry
  name), for subjects that are enrolled.

An entry made from the very same sequence (same shard file and key) is left out of both. The
threshold accepts at most ``floor(FAR * impostors)`` impostor scores: it lies halfway
between the last impostor score allowed in and the first one kept out (so that a distance
recomputed in another batch, a float32 rounding away, falls on the same side);
identification then answers ``unknown`` for a track whose best distance is above it. Distances are computed against every entry (no
index), so the calibration does not depend on the index's approximation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from heatgait.errors import UsageError
from heatgait.evaluation.distance import as_parts, distance_matrix
from heatgait.evaluation.verification import Scores, threshold_at_far
from heatgait.gallery.gallery import Gallery

RULE = ("impostor = distance to the nearest entry of another name; genuine = distance to the "
        "nearest entry of the track's own name (subject label); entries of the same sequence "
        "excluded")


def calibration_scores(gallery: Gallery, queries: Any, labels: Sequence[str],
                       own: Sequence[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """(nearest own-name distance [n], nearest other-name distance [n]); inf where none.

    ``own`` holds each query's (shard file, sequence key), to leave its own entry out.
    """
    q = as_parts(queries)  # [n, c, p]
    labels = np.asarray(labels).astype(str)
    same_best = np.full(len(q), np.inf)
    other_best = np.full(len(q), np.inf)
    own_keys = np.asarray([f"{shard}\n{key}" for shard, key in own])
    for entries, emb in gallery.iter_embeddings():
        dist = distance_matrix(q, emb).astype(np.float64)  # [n, k]
        names = np.asarray([e.name for e in entries])
        keys = np.asarray([f"{e.shard}\n{e.sequence_key}" for e in entries])
        dist[own_keys[:, None] == keys[None, :]] = np.inf
        same = labels[:, None] == names[None, :]
        same_best = np.minimum(same_best, np.where(same, dist, np.inf).min(axis=1))
        other_best = np.minimum(other_best, np.where(same, np.inf, dist).min(axis=1))
    return same_best, other_best


def open_set_threshold(impostor: np.ndarray, far: float) -> float:
    """Halfway between the last impostor score allowed at ``far`` and the first one refused."""
    ordered = np.sort(np.asarray(impostor, dtype=np.float64))
    allowed = int(np.floor(far * len(ordered) + 1e-9))
    if allowed >= len(ordered):
        return float(ordered[-1]) + 1.0
    refused = ordered[allowed]
    below = ordered[allowed - 1] if allowed else refused * (1 - 1e-3)
    if below >= refused:  # a tie across the boundary: stay strictly below it
        return threshold_at_far(Scores(ordered), far)
    return float((below + refused) / 2)


def calibrate(gallery: Gallery, queries: Any, labels: Sequence[str],
              own: Sequence[tuple[str, str]], far: float = 0.01,
              data: Sequence[str] = ()) -> dict[str, Any]:
    """The calibration record stored in the gallery (see the module doc)."""
    if not 0.0 < far < 1.0:
        raise UsageError(f"--far {far}: give a false-accept rate between 0 and 1, e.g. 0.01")
    if gallery.count() == 0:
        raise UsageError(f"gallery {gallery.folder} is empty: enrol walkers before calibrating")
    genuine, other = calibration_scores(gallery, queries, labels, own)
    impostor = other[np.isfinite(other)]
    enrolled = np.isfinite(genuine)
    if len(impostor) == 0:
        raise UsageError("the calibration data gives no impostor scores (every entry has its "
                         "name); give labelled sequences of more than one person")
    threshold = open_set_threshold(impostor, far)
    record: dict[str, Any] = {
        "threshold": threshold, "far_target": far,
        "far": float(np.mean(impostor <= threshold)), "impostor": int(len(impostor)),
        "genuine": int(enrolled.sum()), "tar": None, "identified": None,
        "entries": gallery.count(), "data": [str(d) for d in data], "rule": RULE,
        "fingerprint": (gallery.fingerprint or {}).get("digest", ""),
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "impostor_median": float(np.median(impostor)),
    }
    if enrolled.any():
        mine = genuine[enrolled]
        record["tar"] = float(np.mean(mine <= threshold))
        record["identified"] = float(np.mean((mine <= threshold) & (mine < other[enrolled])))
        record["genuine_median"] = float(np.median(mine))
    if int(np.floor(far * len(impostor) + 1e-9)) == 0:
        record["note"] = (f"only {len(impostor)} impostor scores: FAR {far:g} needs at least "
                          f"{int(np.ceil(1 / far))} to be resolved; the threshold rejects them all")
    return record


def calibrate_from_shards(gallery_dir: str | Path, data: Sequence[str | Path], far: float = 0.01,
                          checkpoint: str | Path | None = None, device: str = "auto",
                          progress: bool = False,
                          on_wait: Callable[[], None] | None = None, runtime: str = "torch",
                          model_file: str | Path | None = None) -> dict[str, Any]:
    """Embeds labelled shards with the gallery's model (in ``runtime``: onnx or openvino run
    its export, checked by fingerprint), calibrates, and stores the result."""
    from heatgait.data.shardset import ShardSet
    from heatgait.gallery.encoder import load_gallery_encoder

    if not 0.0 < far < 1.0:
        raise UsageError(f"--far {far}: give a false-accept rate between 0 and 1, e.g. 0.01")
    with Gallery(gallery_dir) as gallery:
        if gallery.count() == 0:
            raise UsageError(f"gallery {gallery_dir} is empty: enrol walkers before calibrating")
        encoder = load_gallery_encoder(gallery.fingerprint or {}, checkpoint, device,
                                       str(gallery_dir), runtime=runtime, model_file=model_file)
        shards = ShardSet(list(data))
        if len(shards) == 0:
            raise UsageError(f"no sequences in {', '.join(map(str, data))}; give labelled "
                             "heatmap shards (e.g. a heatgait synth or extract folder)")
        infos = shards.sequences
        embeddings = encoder.embed(shards, range(len(infos)), progress=progress)
        record = calibrate(gallery, embeddings, [s.subject for s in infos],
                           [(str(Path(s.shard).resolve()), s.key) for s in infos], far,
                           [str(Path(d).resolve()) for d in data])
        gallery.set_calibration(record, on_wait=on_wait)
    return record
