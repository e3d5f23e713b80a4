"""Under torchrun each rank writes its own shards from a disjoint share; one manifest covers all."""

import json
import socket
import subprocess
import sys

import pytest

from heatgait.data.shardset import ShardSet
from heatgait.extract.job.inputs import SequenceSource
from heatgait.extract.job.runner import is_done, partition


def test_partition_is_disjoint_and_complete(tmp_path):
    sources = [SequenceSource(f"{i:03d}", "nm-01", "090", tmp_path, "video") for i in range(7)]
    shares = [partition(sources[::-1], r, 3) for r in range(3)]
    keys = [s.key for share in shares for s in share]
    assert sorted(keys) == sorted(s.key for s in sources) and len(set(keys)) == 7
    assert [len(s) for s in shares] == [3, 2, 2]


def test_a_source_is_done_when_its_key_or_one_of_its_tracks_is_written(tmp_path):
    source = SequenceSource("vtest", "seq", "000", tmp_path, "video")
    assert is_done(source, {"vtest/seq/000"})
    assert is_done(source, {"vtest/seq/000/track-3"})
    assert not is_done(source, {"vtest/seq/0001", "vtest/seq/001/track-0"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_torchrun_two_ranks(tmp_path, walker_crops, clip_writer):
    data = tmp_path / "videos"
    for subject in range(1, 6):
        clip_writer(data / f"{subject:03d}-bg-01-000.avi", walker_crops[:4])
    out = tmp_path / "shards"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
           "--master-port", str(_free_port()), "-m", "heatgait.cli.app", "extract", str(data),
           "--out", str(out), "--pose", "blazepose", "--det", "full-frame", "--quiet",
           "--set", "extract.min_track_frames=1", "--set", "extract.min_frame_score=0.0"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in out.glob("*.h5")) == ["rank0-shard-00000.h5",
                                                         "rank1-shard-00000.h5"]
    per_rank = {p.name: [s.key for s in ShardSet(p).sequences] for p in out.glob("*.h5")}
    assert len(per_rank["rank0-shard-00000.h5"]) == 3 and len(per_rank["rank1-shard-00000.h5"]) == 2
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["world_size"] == 2 and manifest["sequences"] == 5
    assert manifest["this_run"]["sequences_written"] == 5
