"""``heatgait verify A B``: are two walks the same walker? (sides: heatgait.gallery.verify_sides)

The distance is the evaluator's (mean over parts of the per-part Euclidean distance); a side
that is a gallery name has several entries, and its nearest one counts. The two are the same
walker when the distance is at most the threshold, which is, in this order:

- ``--threshold``, as given;
- ``--data SHARDS`` (labelled sequences, e.g. the run's test set): the run's verification
  statistics, as ``heatgait eval`` pairs them: every pair of sequences of different subjects
  is an impostor pair;
- ``--gallery``: its entries, compared the way this verification compares: single sequences
  pair with single entries of other names; a side that is a name is scored against each other
  name by its nearest entry (the minimum of several distances is smaller, so it gets the lower
  threshold it needs to keep the same false-accept rate).

From the impostor scores the threshold accepts at most ``floor(FAR * impostors)`` of them,
halfway to the next one (``gallery.calibrate.open_set_threshold``), at the ``--far`` asked.
A gallery above ``MAX_ENTRIES`` entries is sampled (seeded) for the calibration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from heatgait.errors import UsageError
from heatgait.evaluation.distance import distance_matrix
from heatgait.gallery.calibrate import open_set_threshold
from heatgait.gallery.gallery import Gallery
from heatgait.gallery.verify_sides import Side, embed_side, parse_side

MAX_ENTRIES = 4000  # gallery entries used to calibrate (all pairs: 8 M distances)


@dataclass
class Verdict:
    same: bool
    distance: float
    threshold: float
    threshold_source: str
    far: float | None  # the false-accept rate asked for (None: --threshold given)
    impostors: int  # impostor scores the threshold came from (0: --threshold)
    a: Side
    b: Side
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"same": self.same, "distance": self.distance, "threshold": self.threshold,
                "threshold_source": self.threshold_source, "far": self.far,
                "impostor_scores": self.impostors, "notes": self.notes,
                "a": {"input": self.a.text, "kind": self.a.kind, "label": self.a.label},
                "b": {"input": self.b.text, "kind": self.b.kind, "label": self.b.label}}


def impostor_scores(embeddings: np.ndarray, names: np.ndarray, named: tuple[bool, bool]
                    ) -> np.ndarray:
    """Impostor scores of sequences [n, c, p] labelled ``names`` [n], shaped like the
    comparison: ``named`` says which side is a person with several entries (module doc)."""
    dist = distance_matrix(embeddings, embeddings).astype(np.float64)  # [n, n]
    people, owner = np.unique(names, return_inverse=True)
    if not any(named):
        upper = np.triu(owner[:, None] != owner[None, :], k=1)
        return dist[upper]
    # nearest entry of each person: [n, persons]
    nearest = np.stack([dist[:, owner == p].min(axis=1) for p in range(len(people))], axis=1)
    if not all(named):  # one sequence against a person
        return nearest[owner[:, None] != np.arange(len(people))[None, :]]
    between = np.stack([nearest[owner == p].min(axis=0) for p in range(len(people))])
    return between[np.triu_indices(len(people), k=1)]


def gallery_sample(gallery: Gallery, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings [n, c, p], names [n]) of the gallery, at most MAX_ENTRIES of them."""
    entries, blocks = [], []
    for chunk, emb in gallery.iter_embeddings():
        entries += chunk
        blocks.append(emb)
    emb = np.concatenate(blocks)
    names = np.asarray([e.name for e in entries])
    if len(emb) > MAX_ENTRIES:
        keep = np.sort(np.random.default_rng(seed).choice(len(emb), MAX_ENTRIES, replace=False))
        emb, names = emb[keep], names[keep]
    return emb, names


def data_sample(model: Any, data: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings, subjects) of labelled shards, with the model."""
    from heatgait.data.shardset import ShardSet

    shards = ShardSet(data)
    if len(shards) == 0:
        raise UsageError(f"no sequences in {', '.join(map(str, data))}; give labelled shards")
    infos = shards.sequences
    return model.embed(shards, range(len(infos))), np.asarray([s.subject for s in infos])


def verify(a: str, b: str, *, gallery_dir: str | Path | None = None,
           checkpoint: str | Path | None = None, data: list[Path] | None = None,
           far: float = 0.01, threshold: float | None = None, device: str = "auto",
           work_dir: str | Path = "verify-output", stage1: dict[str, Any] | None = None
           ) -> Verdict:
    """Compares ``a`` and ``b`` (see the module docs); bad input is a UsageError."""
    from heatgait.gallery.encoder import load_encoder, load_gallery_encoder

    if not 0.0 < far < 1.0:
        raise UsageError(f"--far {far}: give a false-accept rate between 0 and 1, e.g. 0.01")
    gallery = Gallery(gallery_dir) if gallery_dir is not None else None
    try:
        sides = [parse_side(a, gallery), parse_side(b, gallery)]  # before any model loads
        if gallery is not None:
            if gallery.count() == 0:
                raise UsageError(f"gallery {gallery_dir} is empty: enrol walkers first")
            model = load_gallery_encoder(gallery.fingerprint or {}, checkpoint, device,
                                         str(gallery_dir))
        elif checkpoint is not None:
            model = load_encoder(checkpoint, device)
        else:
            raise UsageError("verify needs a model: give --gallery GALLERY (its model) or "
                             "--checkpoint RUN")
        if threshold is None and not data and gallery is None:
            raise UsageError("verify needs a threshold: give --data SHARDS (labelled "
                             "sequences), --gallery GALLERY or --threshold")
        for side in sides:
            embed_side(side, model, gallery, Path(work_dir), stage1 or {"device": device})
        distance = float(distance_matrix(sides[0].embeddings, sides[1].embeddings).min())
        named = (sides[0].kind == "name", sides[1].kind == "name")
        notes = [s.note for s in sides if s.note]
        if threshold is not None:
            limit, source, count, asked = float(threshold), "--threshold", 0, None
        else:
            emb, names = data_sample(model, data) if data else gallery_sample(gallery)
            scores = impostor_scores(emb, names, named)
            if len(scores) == 0:
                raise UsageError("no impostor pairs to calibrate from: the labelled sequences "
                                 "must hold more than one subject")
            limit, count, asked = open_set_threshold(scores, far), len(scores), far
            source = (f"--data {', '.join(map(str, data))}" if data else
                      f"gallery {gallery_dir}")
            if int(np.floor(far * count + 1e-9)) == 0:
                notes.append(f"only {count} impostor scores: FAR {far:g} needs at least "
                             f"{int(np.ceil(1 / far))}; the threshold rejects all of them")
        return Verdict(distance <= limit, distance, limit, source, asked, count, *sides,
                       notes=notes)
    finally:
        if gallery is not None:
            gallery.close()


def save_pair_picture(verdict: Verdict, path: str | Path) -> Path:
    """The two walks side by side under the verdict (PNG)."""
    from heatgait.extract.job.render import save_image
    from heatgait.gallery.pictures import pair_sheet

    title = (f"{'same walker' if verdict.same else 'different walkers'}: distance "
             f"{verdict.distance:.3f} {'<=' if verdict.same else '>'} {verdict.threshold:.3f}")
    return save_image(pair_sheet(title, verdict.same, [(verdict.a.strip, f"A: {verdict.a.label}"),
                                                       (verdict.b.strip, f"B: {verdict.b.label}")]),
                      path)
