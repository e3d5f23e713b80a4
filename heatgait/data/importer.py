"""Import heatmaps in the reference layout ``root/<id>/<type>/<view>/*.pkl`` into shards.

The authors' released heatmaps (and OpenGait-style pickles) store one pickled float array
[T, 17, 64, 48] per sequence folder. Import keeps those heatmaps as they are (clipped to
[0, 1] by the writer) and derives the side data that the pickles lack:

- keypoints: decoded from the heatmaps by ``keypoints.decode_keypoints``, as in extraction
  (argmax refined a quarter pixel toward the larger neighbour, score = the peak value);
- boxes: NaN, since the source-image box is unknown;
- frame_indices: 0..T-1; frame_scores: mean keypoint score of each frame.

Security: unpickling runs arbitrary code from the file. Only import data you trust.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from heatgait.data.keypoints import decode_keypoints
from heatgait.data.records import SequenceRecord
from heatgait.data.schema import DEFAULT_STORAGE, HEATMAP_SHAPE
from heatgait.data.shards import existing_keys, write_shards
from heatgait.errors import ShardError

log = logging.getLogger(__name__)


def _load(path: Path) -> np.ndarray | None:
    with path.open("rb") as handle:
        try:
            value = pickle.load(handle)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError,
                TypeError, IndexError) as error:
            raise ShardError(f"{path}: cannot unpickle ({error}); is it a heatmap pickle?") from None
    array = np.asarray(value, dtype=np.float32)
    return array if array.ndim == 4 and array.shape[1:] == HEATMAP_SHAPE else None


def iter_reference(root: str | Path, dataset: str = "",
                   skip: set[str] | None = None) -> Iterator[SequenceRecord]:
    """Records of every ``<id>/<type>/<view>`` folder under root, one pickle read at a time.

    Folders whose key is in ``skip`` are passed over without unpickling (fast resume).
    """
    root = Path(root)
    if not root.is_dir():
        raise ShardError(f"{root}: no such folder; give the root of <id>/<type>/<view>/*.pkl")
    folders = sorted({p.parent for p in root.glob("*/*/*/*.pkl")})
    for folder in folders:
        if f"{folder.parent.parent.name}/{folder.parent.name}/{folder.name}" in (skip or ()):
            continue
        heatmaps = None
        pickles = sorted(folder.glob("*.pkl"))
        for path in pickles:
            heatmaps = _load(path)
            if heatmaps is not None:
                break
        view, type_, subject = folder.name, folder.parent.name, folder.parent.parent.name
        if heatmaps is None:
            log.warning("%s: no pickle holds a [T, 17, 64, 48] array; skipped", folder)
            continue
        if len(pickles) > 1:
            log.info("%s: using %s, ignoring %d other pickles", folder, path.name,
                     len(pickles) - 1)
        keypoints = decode_keypoints(heatmaps)  # [T, 17, 3]
        t = len(heatmaps)
        yield SequenceRecord(subject=subject, type=type_, view=view, heatmaps=heatmaps,
                             keypoints=keypoints, boxes=np.full((t, 4), np.nan, np.float32),
                             frame_indices=np.arange(t), frame_scores=keypoints[..., 2].mean(1),
                             dataset=dataset, source=str(path),
                             meta={"imported_from": "reference-pkl"})


def import_reference(root: str | Path, out_dir: str | Path, *, dataset: str = "",
                     storage: str = DEFAULT_STORAGE, sequences_per_shard: int = 256,
                     attrs: dict | None = None, progress: bool = True) -> list[Path]:
    """Convert a reference pickle tree into shards under out_dir (resumable); the new shards.

    Unpickling runs code: only import trusted data.
    """
    file_attrs = {"pose_model": "unknown (imported)", "detector": "unknown (imported)"}
    file_attrs.update(attrs or {})
    records = iter_reference(root, dataset, skip=existing_keys(out_dir))
    return write_shards(records, out_dir, prefix="import", storage=storage,
                        sequences_per_shard=sequences_per_shard, attrs=file_attrs,
                        progress=progress)
