"""Every reader gives back BlazePose's vtest.avi walkers: same keypoints, same maps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from heatgait.data.shardset import ShardSet
from heatgait.extract.keypoints.importer import (
    detect_format,
    import_keypoints,
    iter_sequences,
    to_record,
)
from heatgait.extract.keypoints.sequence import KeypointSequence, Skipped
from tests.extract.keypoints import writers

pytestmark = pytest.mark.slow

PER_FOLDER = {
    "pkl": lambda root, w: writers.write_pickles(root, w),
    "pkl-18": lambda root, w: writers.write_pickles(root, w, joints=18),
    "pkl-53": lambda root, w: writers.write_pickles(root, w, joints=53),
    "openpose": writers.write_openpose,
    "grew": lambda root, w: writers.write_text(root, w, "grew"),
    "gait3d": lambda root, w: writers.write_text(root, w, "gait3d"),
}
WHOLE_VIDEO = {
    "alphapose": lambda root, w: writers.write_alphapose(root / "vtest" / "alphapose-results.json", w),
    "alphapose-untracked": lambda root, w: writers.write_alphapose(
        root / "vtest" / "alphapose-results.json", w, tracked=False),
    "coco": lambda root, w: writers.write_coco(root / "vtest.json", w),
    "mmpose": lambda root, w: writers.write_mmpose(root / "vtest.json", w),
}


def _read(root: Path) -> tuple[str, list[KeypointSequence], Skipped]:
    fmt = detect_format(root)
    skipped = Skipped()
    return fmt, [s for s in iter_sequences(root, fmt, skipped) if not isinstance(s, str)], \
        skipped


def _rows(walkers) -> dict[int, list[np.ndarray]]:
    """frame number -> the keypoints of every walker seen in it."""
    rows: dict[int, list[np.ndarray]] = {}
    for *_, kp, frames in walkers:
        for row, frame in zip(kp, frames):
            rows.setdefault(int(frame), []).append(row)
    return rows


@pytest.mark.parametrize("name", sorted(PER_FOLDER))
def test_per_folder_formats_give_back_the_walkers(name, vtest_walkers, walker_dir):
    PER_FOLDER[name](walker_dir, vtest_walkers)
    fmt, sequences, skipped = _read(walker_dir)
    assert fmt == name.split("-")[0]
    assert len(sequences) == len(vtest_walkers) and not skipped.problems
    if name == "openpose":  # the empty frame written after each walker
        assert skipped.counts["frame(s) with nobody"] == len(vtest_walkers)
    for seq, (subject, type_, view, kp, frames) in zip(sequences, vtest_walkers):
        assert (seq.type, seq.view) == ((type_, view) if name != "grew" else ("00", view))
        assert seq.subject == (subject if name != "grew" else f"{subject}train")
        np.testing.assert_allclose(seq.keypoints, kp, atol=1e-4)
        if name != "pkl" and not name.startswith("pkl"):
            np.testing.assert_array_equal(seq.frame_indices, frames)
        expected = to_record(KeypointSequence(subject, type_, view, kp, frames, "", "ref"))
        np.testing.assert_allclose(to_record(seq).heatmaps, expected.heatmaps, atol=1e-5)


@pytest.mark.parametrize("name", sorted(WHOLE_VIDEO))
def test_whole_video_formats_give_back_the_walkers(name, vtest_walkers, walker_dir):
    WHOLE_VIDEO[name](walker_dir, vtest_walkers)
    fmt, sequences, skipped = _read(walker_dir)
    assert fmt == name.split("-")[0] and not skipped.problems
    assert {(s.subject, s.type, s.view) for s in sequences} == {("vtest", "seq", "000")}
    # every frame's people come back, each once, whichever walker they were given to
    expected, got = _rows(vtest_walkers), _rows([(0, 0, 0, s.keypoints, s.frame_indices)
                                                 for s in sequences])
    assert sorted(expected) == sorted(got)
    for frame, rows in expected.items():
        assert len(got[frame]) == len(rows)
        for row in rows:
            assert min(np.abs(other - row).max() for other in got[frame]) < 1e-4
    if name in ("alphapose", "mmpose", "coco"):
        # tracked (idx), or walkers far enough apart for heatgait's tracker to keep them
        assert len(sequences) >= len(vtest_walkers) - 1


def test_import_renders_resumes_and_is_recorded(vtest_walkers, walker_dir, tmp_path):
    writers.write_pickles(walker_dir, vtest_walkers)
    out = tmp_path / "shards"
    first = import_keypoints(walker_dir, out, dataset="vtest", progress=False)
    assert (first.format, first.new, first.found) == ("pkl", len(vtest_walkers),
                                                     len(vtest_walkers))
    again = import_keypoints(walker_dir, out, dataset="vtest", progress=False)
    assert (again.new, again.found, again.written) == (0, len(vtest_walkers), [])
    shards = ShardSet(out)
    assert len(shards) == len(vtest_walkers)
    attrs = shards.attrs(0)
    assert attrs["rendering"] == "pose-model" and attrs["keypoint_format"] == "pkl"
    kp = shards.read_keypoints(0)  # heatmap frame: inside the 48 x 64 grid
    assert 0 <= kp[..., 0].min() and kp[..., 0].max() <= 47 and kp[..., 1].max() <= 63
    maps = shards.read(0)
    peak = maps.reshape(*maps.shape[:2], -1).max(-1)
    # peak = score at the joint; the nearest pixel centre is at most 0.71 px off (sigma 2)
    assert (peak <= kp[..., 2] + 0.01).all() and (peak >= 0.93 * kp[..., 2] - 0.01).all()


def test_import_train_eval_on_vtest_keypoints(vtest_walkers, tmp_path, capsys):
    """Each walker split in two: gallery "01" (view 090) and probe "00" (view 000)."""
    import json

    import yaml

    from heatgait.cli.app import main
    from heatgait.config.loading import find_recipe

    halves = []
    for subject, _, _, kp, frames in vtest_walkers:
        cut = len(kp) // 2
        halves += [(subject, "01", "090", kp[:cut], frames[:cut]),
                   (subject, "00", "000", kp[cut:], frames[cut:])]
    root = writers.write_pickles(tmp_path / "kp", halves)
    subjects = sorted({h[0] for h in halves})
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"TRAIN_SET": subjects[:2], "TEST_SET": subjects[2:]}))
    recipe = yaml.safe_load(find_recipe("casia-b").read_text())
    recipe["data"].update(dataset="vtest-keypoints", code="VT", split=str(split))
    recipe["eval"].update(protocol="vtest", gallery=["01"], probes={"NM": ["00"]})
    (tmp_path / "recipe.yaml").write_text(yaml.safe_dump(recipe))
    out = tmp_path / "shards"
    assert main(["import", str(root), "--out", str(out), "--dataset", "vtest-keypoints",
                 "-q"]) == 0
    assert f"{len(halves)} new sequence(s)" in capsys.readouterr().out
    run = tmp_path / "run"
    sets = ["model.channels=[4, 8, 8, 16]", "model.embed_dim=8", "model.parts=4",
            "data.batch_p=2", "data.batch_k=2", "data.frames_per_sequence=3",
            "data.num_workers=0", "train.iterations=2", "train.milestones=[2]"]
    args = ["train", "-p", str(tmp_path / "recipe.yaml"), "-d", str(out), "--out", str(run),
            "--device", "cpu", "--quiet"]
    assert main(args + [a for s in sets for a in ("--set", s)]) == 0, capsys.readouterr()
    results = tmp_path / "results.json"
    assert main(["eval", str(run), "--data", str(out), "--device", "cpu", "--json",
                 str(results)]) == 0, capsys.readouterr()
    assert 0.0 <= json.loads(results.read_text())["mean"]["rank1"] <= 100.0


@pytest.mark.parametrize("name", sorted({**PER_FOLDER, **WHOLE_VIDEO}))
def test_heatgait_import_of_each_format(name, vtest_walkers, walker_dir, tmp_path, capsys):
    from heatgait.cli.app import main

    {**PER_FOLDER, **WHOLE_VIDEO}[name](walker_dir, vtest_walkers)
    out = tmp_path / "shards"
    assert main(["import", str(walker_dir), "--out", str(out), "--dataset", "vtest",
                 "--storage", "keypoints", "-q"]) == 0
    fmt = name.split("-")[0]
    text = capsys.readouterr().out
    assert f"imported {fmt} keypoints into {out} (pose-model rendering)" in text
    shards = ShardSet(out)
    assert len(shards) >= len(vtest_walkers) - (name in WHOLE_VIDEO)
    assert {s.dataset for s in shards.sequences} == {"vtest"}
    assert shards.attrs(0)["keypoint_format"] == fmt and shards.read(0).max() > 0.5
