"""Copying chosen sequences of a shard folder into another (e.g. the training subjects' nm);
a toy run with its calibrated gallery (tests and benchmarks)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from heatgait.data.records import SequenceRecord
from heatgait.data.shards import write_shards
from heatgait.data.shardset import SequenceInfo, ShardSet


def copy_sequences(source: Path, out: Path, keep: Callable[[SequenceInfo], bool]) -> int:
    """Writes the sequences of ``source`` that ``keep`` accepts into shards in ``out``."""
    shards = ShardSet(source)
    chosen = [i for i, info in enumerate(shards.sequences) if keep(info)]

    def records():
        for i in chosen:
            info, attrs = shards.sequences[i], shards.attrs(i)
            yield SequenceRecord(
                subject=info.subject, type=info.type, view=info.view, heatmaps=shards.read(i),
                keypoints=shards.read_keypoints(i), boxes=shards.read_side(i, "boxes"),
                frame_indices=shards.read_side(i, "frame_indices"),
                frame_scores=shards.read_side(i, "frame_scores"), dataset=info.dataset,
                source=str(attrs.get("source", "")))

    write_shards(records(), out, progress=False)
    return len(chosen)


def build_tiny_gallery(root: Path) -> tuple[Path, Path, Path]:
    """A synthetic set (4 subjects, nm-01/nm-02, 2 views), a toy run trained on it (2
    iterations of a narrow network) and a gallery of its nm-01 sequences calibrated on all of
    them (FAR 0.1) -> (data, run, gallery), under ``root``."""
    from heatgait.config import load_recipe
    from heatgait.gallery.calibrate import calibrate_from_shards
    from heatgait.gallery.enrol import enrol
    from heatgait.synth.generate import generate_dataset
    from heatgait.training.run import train

    data, run, gallery = root / "data", root / "run", root / "people"
    generate_dataset(data, subjects=4, views=("000", "090"), frames=(10, 14),
                     types=("nm-01", "nm-02"), progress=False)
    recipe = load_recipe(str(data / "recipe.yaml"), [
        "model.channels=[8, 16, 32, 64]", "model.embed_dim=16", "model.parts=4",
        "train.iterations=2", "train.checkpoint_every=2", "data.batch_p=2", "data.batch_k=2",
        "data.frames_per_sequence=4", "data.num_workers=0", "data.test_batch_size=8"])
    train(recipe, [data], run, device="cpu", progress=False)
    copy_sequences(data, root / "enrol", lambda s: s.type == "nm-01")
    enrol(gallery, run, [root / "enrol"], name_from="subject", device="cpu")
    calibrate_from_shards(gallery, [data], far=0.1, device="cpu")
    return data, run, gallery
