"""The mmpose/mmdet path with the packaged configs and random weights (no download)."""

import numpy as np
import pytest

from heatgait.config import ExtractConfig
from heatgait.errors import HeatgaitError
from heatgait.extract.detection.detectors import build_detector
from heatgait.extract.job.inputs import SequenceSource
from heatgait.extract.job.sequence import extract_sequence
from heatgait.extract.pose.backends import build_pose
from heatgait.extract.pose.crop import crop_people

pytestmark = pytest.mark.mm


def test_packaged_configs_and_their_weights_urls():
    from heatgait.config.stage1 import DETECTOR_MODELS, POSE_MODELS
    from heatgait.extract.runtimes.openmmlab import metafile_weights, packaged_config

    for relative in (m.config for m in POSE_MODELS.values() if m.stack == "mmpose"):
        config = packaged_config("mmpose", relative)
        assert str(metafile_weights(config)).startswith("https://")
    for package, relative in ((m.package, m.config) for m in DETECTOR_MODELS.values()
                              if m.stack == "mmdet"):
        assert packaged_config(package, relative).is_file()


@pytest.fixture(scope="module")
def hrnet():
    import torch

    torch.manual_seed(0)
    return build_pose("hrnet", random_init=True)


@pytest.mark.slow
def test_hrnet_end_to_end_crop_geometry_and_frame_filter(tmp_path, walker_crops, clip_writer,
                                                         hrnet):
    clip = clip_writer(tmp_path / "001-nm-01-090.avi", walker_crops[:4])
    source = SequenceSource("001", "nm-01", "090", clip, "video")
    detector = build_detector("full-frame")
    base = ExtractConfig(min_frame_score=0.0, min_track_frames=1, batch_size=4)
    everything = extract_sequence(source, detector, hrnet, base, dataset="CASIA-B")
    (record,) = everything.records
    assert record.heatmaps.shape == (4, 17, 64, 48) and record.key == "001/nm-01/090"
    kp = record.keypoints
    assert ((kp[..., 0] >= 0) & (kp[..., 0] < 48) & (kp[..., 1] >= 0) & (kp[..., 1] < 64)).all()
    # the stored heatmaps are the network's output on the padded, aspect-fixed RGB crop
    from heatgait.extract.job.video import iter_frames

    frames = list(iter_frames(clip))
    h, w = frames[0].shape[:2]
    np.testing.assert_allclose(record.boxes, [[0, 0, w, h]] * 4)
    direct, _ = hrnet(crop_people(frames, np.array([[0, 0, w, h]] * 4, float)))
    np.testing.assert_allclose(record.heatmaps, direct, atol=2e-3)

    # random weights give low scores: a threshold at their median keeps some, drops others
    scores = record.frame_scores
    threshold = float(np.median(scores))
    filtered = extract_sequence(source, detector, hrnet,
                                ExtractConfig(min_frame_score=threshold, min_track_frames=1,
                                              batch_size=4))
    (kept,) = filtered.records
    expected = scores >= threshold
    assert 0 < expected.sum() < 4
    np.testing.assert_array_equal(kept.frame_indices, np.arange(4)[expected])
    assert kept.meta["frames_dropped"] == filtered.frames_dropped == int((~expected).sum())
    assert kept.meta["frames_total"] == 4 and kept.meta["pose_model"] == "hrnet"


@pytest.mark.slow
def test_cli_vitpose_random_init(tmp_path, vtest_frames, clip_writer, capsys):
    from heatgait.cli.app import main
    from heatgait.data.shardset import ShardSet

    clip = clip_writer(tmp_path / "in" / "002-cl-01-180.avi", vtest_frames[:2])
    out = tmp_path / "shards"
    code = main(["extract", str(clip), "--out", str(out), "--pose", "vitpose-s", "--det",
                 "full-frame", "--random-init", "--device", "cpu", "--quiet",
                 "--set", "extract.det_score_thr=0.0", "--set", "extract.min_frame_score=0.0",
                 "--set", "extract.min_track_frames=1"])
    assert code == 0, capsys.readouterr()
    shards = ShardSet(out)
    assert [s.key for s in shards.sequences] == ["002/cl-01/180"]  # one person: casia-b layout
    attrs = shards.attrs(0)
    assert attrs["pose_model"] == "vitpose-s" and attrs["detector"] == "full-frame"
    assert shards.read(0).shape[1:] == (17, 64, 48)


@pytest.mark.slow
def test_vitpose_small_gives_17x64x48_heatmaps(walker_crops):
    pose = build_pose("vitpose-s", random_init=True)
    assert pose.input_size == (256, 192)
    crops = crop_people(walker_crops[:2], np.array([[0, 0, 128, 192]] * 2, float))
    heatmaps, keypoints = pose(crops)
    assert heatmaps.shape == (2, 17, 64, 48) and keypoints.shape == (2, 17, 3)
    assert heatmaps.min() >= 0 and heatmaps.max() <= 1 and np.isfinite(heatmaps).all()


@pytest.mark.slow
def test_rtmdet_random_init_runs_batched(vtest_frames):
    detector = build_detector("rtmdet-tiny", score_thr=0.0, nms_thr=0.3, random_init=True)
    boxes = detector(vtest_frames[:2])
    assert len(boxes) == 2
    for per_frame in boxes:
        assert per_frame.ndim == 2 and per_frame.shape[1] == 5
        # random weights regress (near) zero-size boxes, which mmdet drops: n may be 0
        assert np.isfinite(per_frame).all() and (np.diff(per_frame[:, 4]) <= 0).all()


def test_offline_without_weights_names_the_fix():
    with pytest.raises(HeatgaitError, match="--pose-weights.*--pose blazepose"):
        build_pose("hrnet")
