"""Whole-video result lists: track ids, COCO ground truth, mmpose instances, the tracker."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from heatgait.extract.keypoints.results import assign_walkers, read_results
from heatgait.extract.keypoints.sequence import Skipped
from tests.extract.keypoints.test_bad_input import _walkers


def test_alphapose_list_wrapped_idx_splits_walkers(tmp_path: Path):
    walkers = _walkers(n=2)
    entries = [{"image_id": f"{f}.jpg", "keypoints": kp.reshape(-1).tolist(), "score": 2.0,
                "idx": [[7 + w]]} for w, (*_, kps, frames) in enumerate(walkers)
               for kp, f in zip(kps, frames)]
    path = tmp_path / "001" / "nm-01" / "090" / "alphapose-results.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(entries[::-1]))  # any order: frames sorted by number
    seqs = read_results(tmp_path, path, "alphapose", Skipped())
    assert [s.key for s in seqs] == ["001/nm-01/090/track-0", "001/nm-01/090/track-1"]
    for seq, walker in zip(seqs, walkers):
        np.testing.assert_array_equal(seq.frame_indices, walker[4])
        np.testing.assert_allclose(seq.keypoints, walker[3], atol=1e-6)


def test_coco_annotations_read_visibility_as_score(tmp_path: Path):
    kp = _walkers(n=1)[0][3][0].copy()
    kp[:, 2] = 2
    kp[4] = 0  # v = 0: not labelled
    data = {"images": [{"id": 5}], "annotations": [
        {"image_id": 5, "category_id": 1, "keypoints": kp.reshape(-1).tolist()}]}
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(data))
    [seq] = read_results(tmp_path, path, "coco", Skipped())
    assert seq.key == "gt/seq/000/track-0" and seq.frame_indices.tolist() == [5]
    assert seq.keypoints[0, :, 2].tolist() == [1.0] * 4 + [0.0] + [1.0] * 12


def test_the_tracker_follows_two_walkers_without_ids():
    walkers = _walkers(n=2, frames=6)  # x 100 and 140 apart, side by side in every frame
    people = [(int(f), None, kp) for *_, kps, frames in walkers for kp, f in zip(kps, frames)]
    tracks = assign_walkers(people)
    assert len(tracks) == 2 and all(len(t) == 6 for t in tracks.values())
    centres = [np.mean([kp[:, 0].mean() for _, kp in t]) for t in tracks.values()]
    assert abs(centres[0] - centres[1]) > 20  # each track kept one walker
