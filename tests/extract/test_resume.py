"""Killing ``heatgait extract`` (SIGKILL) mid-way and rerunning it gives the same shards' keys."""

import os
import signal
import subprocess
import sys
import time

import pytest

from heatgait.data.check import check_shards
from heatgait.data.shards import existing_keys
from heatgait.data.shardset import ShardSet


def _command(inputs, out):
    return [sys.executable, "-m", "heatgait.cli.app", "extract", str(inputs), "--out", str(out),
            "--pose", "blazepose", "--det", "full-frame", "--quiet",
            "--set", "extract.sequences_per_shard=1", "--set", "extract.min_track_frames=1",
            "--set", "extract.min_frame_score=0.0"]


@pytest.mark.slow
def test_sigkill_then_rerun_matches_an_uninterrupted_run(tmp_path, walker_crops, clip_writer):
    data = tmp_path / "videos"
    for subject in range(1, 7):
        clip_writer(data / f"{subject:03d}-nm-01-090.avi", walker_crops)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    whole = tmp_path / "whole"
    subprocess.run(_command(data, whole), check=True, env=env, capture_output=True)
    expected = [s.key for s in ShardSet(whole).sequences]
    assert len(expected) == 6

    out = tmp_path / "killed"
    proc = subprocess.Popen(_command(data, out), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (out / "rank0-shard-00000.h5").exists() and time.monotonic() < deadline:
        assert proc.poll() is None, "finished before it could be killed"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_at_kill = existing_keys(out)
    assert 1 <= len(done_at_kill) < 6

    rerun = subprocess.run(_command(data, out), env=env, capture_output=True, text=True,
                           check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert f"({len(done_at_kill)} already done)" in rerun.stdout
    keys = [s.key for s in ShardSet(out).sequences]
    assert sorted(keys) == sorted(expected) and len(set(keys)) == len(keys)
    assert not list(out.glob("*.partial")) and check_shards(out) == []
