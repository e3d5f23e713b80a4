"""A writer killed for real (SIGKILL, mid-shard) and rerun leaves each sequence exactly once."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np

from heatgait.data.check import check_shards
from heatgait.data.shards import ShardSet, write_shards

REPO = Path(__file__).resolve().parents[2]

# The same records in the child and in the rerun: content depends only on the index.
RECORDS = """
import numpy as np
from heatgait.data.records import SequenceRecord

def records(stop_after=None):
    for i in range(10):
        if i == stop_after:
            print("ready", flush=True)  # items 0..i-1 are written; shard 2 is still open
            import time; time.sleep(600)
        rng = np.random.default_rng(i)
        t = 4 + i
        yield SequenceRecord(f"{i:03d}", "nm-01", "000", rng.random((t, 17, 64, 48)),
                             rng.random((t, 17, 3)), np.zeros((t, 4)), np.arange(t), np.ones(t))
"""


def test_sigkill_mid_shard_then_rerun(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (tmp_path / "records_src.py").write_text(RECORDS)
    child = f"""import sys
sys.path.insert(0, {str(tmp_path)!r})
from records_src import records
from heatgait.data.shards import write_shards
write_shards(records(stop_after=5), {str(out)!r}, sequences_per_shard=3, progress=False)
"""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen([sys.executable, "-c", child], env=env, stdout=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout.readline().strip() == "ready"
        assert (out / "shard-00001.h5.partial").exists()
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert sorted(p.name for p in out.glob("*.h5")) == ["shard-00000.h5"]
    assert next(p.fault for p in check_shards(out)).startswith("unfinished shard")

    spec = importlib.util.spec_from_file_location("records_src", tmp_path / "records_src.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    write_shards(module.records(), out, sequences_per_shard=3, progress=False)

    keys = [s.key for s in ShardSet(out).sequences]
    assert sorted(keys) == [f"{i:03d}/nm-01/000" for i in range(10)]
    assert not list(out.glob("*.partial")) and not list(out.glob("*.lock"))
    assert check_shards(out) == []
    shards = ShardSet(out)
    first = keys.index("001/nm-01/000")
    expected = np.random.default_rng(1).random((5, 17, 64, 48))
    assert np.abs(shards.read(first) - expected).max() <= 1 / 255 + 1e-6  # uint8-sqrt steps
