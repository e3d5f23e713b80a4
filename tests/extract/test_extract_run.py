"""``heatgait extract`` end to end on real clips with the offline BlazePose models."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import yaml

from heatgait.cli.app import main
from heatgait.data.check import check_shards
from heatgait.data.shardset import ShardSet
from heatgait.extract.job.extract import choose_detector
from tests.footage import read_frames, require_vtest


@pytest.mark.slow
def test_vtest_multi_person_blazepose(tmp_path, vtest_frames, capsys, clip_writer):
    clip = clip_writer(tmp_path / "in" / "vtest.avi", vtest_frames)
    out = tmp_path / "shards"
    code = main(["extract", str(clip), "--out", str(out), "--pose", "blazepose", "--det",
                 "blazepose", "--set", "extract.min_track_frames=4", "--set",
                 "extract.batch_size=6"])
    output = capsys.readouterr().out
    assert code == 0, output
    assert "found 1 sequences (layout generic)" in output
    assert check_shards(out) == []
    shards = ShardSet(out)
    keys = [s.key for s in shards.sequences]
    assert len(keys) >= 3 and all(k.startswith("vtest/seq/000/track-") for k in keys)
    assert len(set(keys)) == len(keys)
    for i in range(len(shards)):
        frames = shards.read_side(i, "frame_indices")
        assert (np.diff(frames) > 0).all() and frames.max() < 12
        assert (shards.read_side(i, "frame_scores") >= 0.4).all()
        attrs = shards.attrs(i)
        assert attrs["pose_model"] == "blazepose" and attrs["frames_total"] == 12
        assert attrs["padding"] == 1.25
        heatmaps = shards.read(i)
        assert heatmaps.shape == (len(frames), 17, 64, 48) and heatmaps.max() > 0.2
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sequences"] == len(keys) and manifest["pose_model"] == "blazepose"
    assert json.loads((out / "failures.json").read_text()) == []
    # show draws a strip over the source crops
    png = tmp_path / "strip.png"
    assert main(["show", str(out), "--seq", keys[0], "--out", str(png)]) == 0
    assert "over the source crops" in capsys.readouterr().out and png.stat().st_size > 10_000


def test_corrupt_video_fails_and_blank_video_is_empty(tmp_path, walker_crops, capsys,
                                                     clip_writer):
    data = tmp_path / "in"
    data.mkdir()
    (data / "001-nm-01-090.avi").write_bytes(np.random.default_rng(0).bytes(20_000))
    clip_writer(data / "002-nm-01-090.avi", [np.full((192, 128, 3), 90, np.uint8)] * 4)
    clip_writer(data / "003-nm-01-090.avi", walker_crops[:4])
    out = tmp_path / "shards"
    code = main(["extract", str(data), "--out", str(out), "--pose", "blazepose", "--det",
                 "blazepose", "--set", "extract.min_track_frames=2", "--set",
                 "extract.min_frame_score=0.0",
                 # the tight walker crops score 0.3-0.5, under BlazePose's 0.5 default
                 "--set", "extract.det_score_thr=0.3"])
    captured = capsys.readouterr()
    assert code == 1, captured
    report = {p["key"]: p for p in json.loads((out / "failures.json").read_text())}
    assert report["001/nm-01/090"]["status"] == "failed"
    assert "cannot open" in report["001/nm-01/090"]["reason"] or \
        "no frame" in report["001/nm-01/090"]["reason"]
    assert report["002/nm-01/090"] == {"source": str(data / "002-nm-01-090.avi"),
                                       "key": "002/nm-01/090", "status": "empty",
                                       "reason": "no person detected in 4 frames"}
    assert "003/nm-01/090" not in report
    assert [s.key for s in ShardSet(out).sequences] == ["003/nm-01/090"]
    assert "failed: " in captured.err and "001-nm-01-090.avi" in captured.err
    assert "1 input(s) failed to decode" in captured.err
    assert "empty 1, failed 1" in captured.out


def test_unknown_pose_is_a_usage_error_listing_the_names(tmp_path, walker_crops, capsys,
                                                        clip_writer):
    clip = clip_writer(tmp_path / "a.avi", walker_crops[:2])
    assert main(["extract", str(clip), "--out", str(tmp_path / "o"), "--pose", "openpose"]) == 2
    err = capsys.readouterr().err
    assert "unknown --pose 'openpose'" in err and "hrnet" in err and "blazepose" in err


def test_detector_choice() -> None:
    assert choose_detector("full-frame", "blazepose", "rtmdet-person") == "full-frame"
    assert choose_detector(None, "blazepose", "rtmdet-person") == "blazepose"
    assert choose_detector(None, "hrnet", "rtmdet-tiny") == "rtmdet-tiny"
    assert choose_detector(None, None, "blazepose") == "blazepose"
    assert choose_detector(None, "my_pose_config.py", "rtmdet-person") == "rtmdet-person"


@pytest.mark.slow
def test_pose_blazepose_alone_brings_its_detector_offline(tmp_path, clip_writer):
    """``--pose blazepose`` without ``--det`` must not reach for RTMDet weights (a download)."""
    clip = clip_writer(tmp_path / "clip.avi", read_frames(require_vtest(), list(range(100, 120))))
    out = tmp_path / "shards"
    dead_proxy = "http://127.0.0.1:9"  # any download attempt fails at once: we are offline
    env = {**os.environ, "HTTP_PROXY": dead_proxy, "HTTPS_PROXY": dead_proxy,
           "http_proxy": dead_proxy, "https_proxy": dead_proxy, "NO_PROXY": "", "no_proxy": ""}
    proc = subprocess.run([sys.executable, "-m", "heatgait.cli.app", "extract", str(clip),
                           "--pose", "blazepose", "--out", str(out), "--max-frames", "20"],
                          capture_output=True, text=True, env=env, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "wrote " in proc.stdout and "failed 0" in proc.stdout
    assert check_shards(out) == []
    shards = ShardSet(out)
    assert len(shards) >= 1
    attrs = shards.attrs(0)
    assert attrs["detector"] == "blazepose-detector" and attrs["pose_model"] == "blazepose"
    assert attrs["frames_total"] == 20 and attrs["det_score_thr"] == 0.5
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["detector"] == "blazepose-detector"
    assert manifest["sequences"] == len(shards)
    recipe = yaml.safe_load((out / "recipe.yaml").read_text())
    assert recipe["extract"]["detector"] == "blazepose" and recipe["extract"]["pose"] == "blazepose"
