"""The gallery folder: entries and metadata, the model check, atomic adds, locking, rebuilds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from heatgait.errors import HeatgaitError, UsageError
from heatgait.gallery import Gallery, NewEntry
from heatgait.gallery import index as vindex
from heatgait.gallery.store import gallery_lock
from tests.gallery.conftest import FINGERPRINT, items, people

REPO = Path(__file__).resolve().parents[2]


def make(folder: Path, emb: np.ndarray, owner: np.ndarray, **kw) -> Gallery:
    gallery = Gallery(folder, create=True)
    gallery.add(emb, items(owner, **kw), FINGERPRINT)
    return gallery


def test_add_list_remove_keep_metadata_and_never_reuse_ids(tmp_path, rng):
    _, emb, owner = people(rng, 4)
    with make(tmp_path / "g", emb, owner) as gallery:
        entries = gallery.entries()
        assert [e.id for e in entries] == list(range(1, 13))
        first = entries[0]
        assert (first.name, first.source, first.sequence_key, first.frames) == \
            ("p00000", "shards/a.h5", "seq/0", 20)
        assert datetime.fromisoformat(first.added).tzinfo is not None
        assert gallery.names() == {f"p{i:05d}": 3 for i in range(4)}
        gone = gallery.remove(ids=[2], names=["p00003"])
        assert sorted(e.id for e in gone) == [2, 10, 11, 12]
        assert gallery.count() == 8
        more = gallery.add(emb[:1], [NewEntry("new", "x.h5", "k", 5)], FINGERPRINT)
        assert more.added[0].id == 13  # AUTOINCREMENT: removed ids are not handed out again
        assert gallery.fingerprint == FINGERPRINT and gallery.shape == (8, 4)
        fetched = gallery.fetch([13])[13][1]
        np.testing.assert_array_equal(fetched, emb[0])  # float32 stored exactly


def test_same_sequence_twice_is_skipped(tmp_path, rng):
    _, emb, owner = people(rng, 2)
    with make(tmp_path / "g", emb, owner) as gallery:
        again = gallery.add(emb, items(owner), FINGERPRINT)
        assert again.added == [] and len(again.skipped) == len(owner)
        assert gallery.count() == len(owner)


def test_embeddings_of_another_checkpoint_are_refused_naming_both(tmp_path, rng):
    _, emb, owner = people(rng, 2)
    other = {"digest": "b" * 64, "variant": "gaitheat", "iteration": 9,
             "checkpoint": "runs/b/checkpoints/latest.pt"}
    with make(tmp_path / "g", emb, owner) as gallery:
        with pytest.raises(HeatgaitError) as error:
            gallery.add(emb, items(owner, prefix="more"), other)
        message = str(error.value)
        assert "runs/a/checkpoints/iter-000007.pt" in message and "aaaaaaaaaaaa" in message
        assert "runs/b/checkpoints/latest.pt" in message and "bbbbbbbbbbbb" in message
        assert "\n" not in message
        with pytest.raises(HeatgaitError, match="shape"):
            gallery.add(np.ones((1, 16, 4)), items(owner[:1], prefix="wide"), FINGERPRINT)
        assert gallery.count() == len(owner)  # nothing lost, nothing half-added


def test_search_of_an_empty_gallery_or_top_0_is_a_usage_error(tmp_path, rng):
    _, emb, owner = people(rng, 2)
    with make(tmp_path / "g", emb, owner) as gallery:
        with pytest.raises(UsageError, match="top 0"):
            gallery.search(emb[:1], top=0)
        gallery.remove(names=list(gallery.names()))
        with pytest.raises(UsageError, match="empty"):
            gallery.search(emb[:1])
    with pytest.raises(UsageError, match="no gallery"):
        Gallery(tmp_path / "nowhere")


def test_an_add_interrupted_after_writing_the_index_leaves_the_gallery_as_it_was(
        tmp_path, rng, monkeypatch):
    _, emb, owner = people(rng, 4)
    gallery = make(tmp_path / "g", emb[:6], owner[:6])
    before = (gallery.count(), gallery.index_info, gallery.search(emb[:3]))
    real_write = vindex.write_index

    def write_then_die(index, path):
        real_write(index, path)
        raise KeyboardInterrupt  # Ctrl-C between the index file and the commit

    monkeypatch.setattr(vindex, "write_index", write_then_die)
    with pytest.raises(KeyboardInterrupt):
        gallery.add(emb[6:], items(owner[6:], prefix="late"), FINGERPRINT)
    monkeypatch.setattr(vindex, "write_index", real_write)
    gallery.close()
    with Gallery(tmp_path / "g") as again:
        assert (again.count(), again.index_info) == before[:2]
        assert again.search(emb[:3]) == before[2]
        assert not again.index_rebuilt  # the current generation's file is intact
        assert vindex.index_file(tmp_path / "g", before[1]["generation"] + 1).is_file()  # orphan
        again.add(emb[6:], items(owner[6:], prefix="late"), FINGERPRINT)
        assert again.count() == 12
        files = sorted(p.name for p in (tmp_path / "g").glob("index-*.faiss"))
        assert files == [vindex.index_file(tmp_path / "g", again.index_info["generation"]).name]


KILLED_ADD = """
import os, signal, sys
import numpy as np
from heatgait.gallery import Gallery
from heatgait.gallery import index as vindex
from tests.gallery.conftest import FINGERPRINT, items, people
real = vindex.write_index
def write_then_kill(index, path):
    real(index, path)
    os.kill(os.getpid(), signal.SIGKILL)  # the worst moment: new index on disk, no commit
vindex.write_index = write_then_kill
_, emb, owner = people(np.random.default_rng(0), 4)
Gallery(sys.argv[1]).add(emb[6:], items(owner[6:], prefix="late"), FINGERPRINT)
"""


def test_a_writer_killed_before_its_commit_loses_nothing(tmp_path, rng):
    _, emb, owner = people(rng, 4)
    with make(tmp_path / "g", emb[:6], owner[:6]) as gallery:
        before = (gallery.count(), gallery.index_info)
    done = subprocess.run([sys.executable, "-c", KILLED_ADD, str(tmp_path / "g")], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr
    with Gallery(tmp_path / "g") as gallery:
        assert (gallery.count(), gallery.index_info) == before
        assert [m[0].entry.sequence_key for m in gallery.search(emb[:6])] == \
            [f"seq/{i}" for i in range(6)]
        gallery.add(emb[6:], items(owner[6:], prefix="late"), FINGERPRINT)  # and it goes on
        assert gallery.count() == 12


def test_a_missing_index_is_rebuilt_from_the_database(tmp_path, rng):
    centres, emb, owner = people(rng, 5)
    with make(tmp_path / "g", emb, owner) as gallery:
        want = gallery.search(centres)
        for path in (tmp_path / "g").glob("index-*.faiss"):
            path.unlink()
    with Gallery(tmp_path / "g") as gallery:
        assert gallery.search(centres) == want
        assert gallery.index_rebuilt


CONCURRENT_ADD = """
import sys
import numpy as np
from heatgait.gallery import Gallery
from tests.gallery.conftest import FINGERPRINT, items, people
_, emb, owner = people(np.random.default_rng(int(sys.argv[2])), 20)
with Gallery(sys.argv[1], create=True) as gallery:
    gallery.add(emb, items(owner, source=f"proc{sys.argv[2]}.h5"), FINGERPRINT,
                on_wait=lambda: print("waiting", flush=True))
print("done", flush=True)
"""


def _adders(folder: Path) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", CONCURRENT_ADD, str(folder), str(seed)],
                             cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for seed in (1, 2)]


def test_two_processes_adding_at_once_both_land(tmp_path):
    folder = tmp_path / "g"
    with gallery_lock(folder, exclusive=True):  # a third writer holds the gallery
        procs = _adders(folder)
        time.sleep(8)
        assert all(p.poll() is None for p in procs)  # both wait, neither fails
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert all(out.startswith("waiting") and "done" in out for out, _ in outputs)
    with Gallery(folder) as gallery:
        assert gallery.count() == 120
        assert {e.source for e in gallery.entries()} == {"proc1.h5", "proc2.h5"}
        assert gallery.index_info["count"] == 120
    procs = _adders(tmp_path / "free")  # and racing each other from the start
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    with Gallery(tmp_path / "free") as gallery:
        assert gallery.count() == 120


def test_index_files_are_written_atomically_and_versioned(tmp_path, rng):
    _, emb, owner = people(rng, 3)
    folder = tmp_path / "g"
    with make(folder, emb, owner) as gallery:
        generation = gallery.index_info["generation"]
        gallery.remove(ids=[1])
        assert gallery.index_info["generation"] == generation + 1
        assert [p.name for p in folder.glob("index-*")] == \
            [vindex.index_file(folder, generation + 1).name]
        assert not list(folder.glob(".index-*"))
        assert os.path.getsize(vindex.index_file(folder, generation + 1)) > 0
