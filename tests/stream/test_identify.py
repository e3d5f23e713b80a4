"""Streaming identification on real footage (vtest.avi) with a toy gallery: events, counts,
Ctrl-C, and the streamed embedding of a finished track against the offline one."""

from __future__ import annotations

import json
import signal

import numpy as np

from heatgait.cli.app import main
from heatgait.stream.identify import open_stream
from tests.footage import read_frames, require_vtest


def vtest_clip(path, frames: int):
    """The first ``frames`` frames of vtest.avi, cut to a 384x288 region where two people walk
    (a quarter of the detector's tiles: 6x faster stage 1), as a 10 frames/s MJPG file."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (384, 288))
    for rgb in read_frames(require_vtest(), list(range(frames))):
        writer.write(cv2.cvtColor(np.ascontiguousarray(rgb[100:388, 200:584]),
                                  cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def test_cli_streams_events_and_summary(tiny_gallery, tmp_path, capsys):
    _, _, gallery = tiny_gallery
    events, video = tmp_path / "events.jsonl", tmp_path / "annotated.avi"
    code = main(["identify", "--stream", str(require_vtest()), "--gallery", str(gallery),
                 "--max-frames", "30", "--set", "stream.min_frames=1", "--set",
                 "stream.window=6", "--set", "stream.every=2", "--events", str(events),
                 "--video-out", str(video), "--device", "cpu"])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    assert lines, "nobody named, though one kept frame is enough here"
    for event in lines:
        assert event["event"] in ("identity", "change", "end")
        assert set(event) >= {"time", "track", "name", "distance", "threshold"}
        assert event["threshold"] is not None and 1 <= event["frames"] <= 6
        assert (event["name"] == "unknown") == (event["distance"] > event["threshold"])
    firsts = [e["track"] for e in lines if e["event"] == "identity"]
    assert len(firsts) == len(set(firsts))  # one first identity per track
    # 30 frames at 10 frames/s; stage 1 (BlazePose, tiled detector) is slower: frames skipped
    read, processed, skipped = (int(x) for x in
                                __import__("re").search(r"(\d+) frames read, (\d+) processed, "
                                                        r"(\d+) skipped", out).groups())
    assert read == 30 and processed + skipped == read and skipped > 0
    import cv2

    capture = cv2.VideoCapture(str(video))
    assert capture.get(cv2.CAP_PROP_FRAME_COUNT) >= processed  # skipped frames repeated
    capture.release()


def test_ctrl_c_ends_with_a_summary(tiny_gallery):
    _, _, gallery = tiny_gallery
    stream = open_stream(str(require_vtest()), gallery, device="cpu")
    seen = []

    def press_ctrl_c(frame, people):
        seen.append(frame.index)
        if len(seen) == 2:
            # what Python's SIGINT handler raises in the main thread; a real signal to this
            # process would reach pytest-xdist's worker loop (a crashed worker), and the test
            # below sends a real SIGINT to a real `heatgait identify --stream` process
            raise KeyboardInterrupt

    summary = stream.run(on_frame=press_ctrl_c)
    assert summary.interrupted and summary.frames_processed == 2
    assert summary.frames_read >= 2 and summary.frames_read < 795
    assert summary.frames_read == summary.frames_processed + summary.frames_skipped


def test_streamed_track_equals_offline_embedding(tiny_gallery, tmp_path):
    """Unpaced (every frame, as offline stage 1 sees them), window 0 (all of the track): the
    end event of each finished track carries the embedding `heatgait identify VIDEO` gives."""
    from heatgait.gallery.encoder import load_encoder
    from heatgait.gallery.sources import collect_tracks

    _, run, gallery = tiny_gallery
    clip = vtest_clip(tmp_path / "clip.avi", 14)
    stream = open_stream(str(clip), gallery, device="cpu", pace=False,
                         overrides=["stream.min_frames=10", "stream.window=0"])
    events = []
    stream.run(on_event=events.append)
    ends = [e for e in events if e.kind == "end"]
    # named once the 10th kept frame is in, then at the end from all of the track
    assert {e.track for e in events if e.kind == "identity"} == {e.track for e in ends}
    assert all(e.frames >= 10 for e in events)
    assert stream.summary.frames_skipped == 0 and stream.summary.frames_processed == 14
    found = collect_tracks([clip], tmp_path / "offline", device="cpu")
    offline = load_encoder(run, "cpu").embed(found.shards, [t.position for t in found.tracks])
    assert ends and len(offline)
    for event in ends:
        gaps = np.abs(offline - event.embedding[None]).reshape(len(offline), -1).max(axis=1)
        assert gaps.min() < 1e-5, (event.track, gaps)
    assert len(ends) == sum(t.frames >= 10 for t in found.tracks)


def test_ctrl_c_on_the_command_line_prints_the_summary(tiny_gallery, tmp_path):
    """The real thing: SIGINT to a running `heatgait identify --stream` process."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    _, _, gallery = tiny_gallery
    exe = Path(sys.executable).parent / "heatgait"
    events = tmp_path / "events.jsonl"
    proc = subprocess.Popen([str(exe), "identify", "--stream", str(require_vtest()), "--gallery",
                             str(gallery), "--events", str(events), "--device", "cpu"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("streaming ")  # the loop has started
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    read, processed, skipped = map(int, __import__("re").search(
        r"interrupted: (\d+) frames read, (\d+) processed, (\d+) skipped", out).groups())
    assert 0 < read < 795 and processed + skipped == read
    assert events.exists()


def test_streamed_through_the_per_frame_export_equals_torch(tiny_gallery, tmp_path):
    """``export RUN --per-frame`` + ``--runtime onnx|openvino``: the same tracks, names and
    end embeddings (within 1e-4) as the torch stream; a missing export is one line."""
    _, run, gallery = tiny_gallery
    clip = vtest_clip(tmp_path / "clip.avi", 12)
    assert main(["identify", "--stream", str(clip), "--gallery", str(gallery), "--runtime",
                 "onnx", "--model", str(tmp_path / "absent.onnx")]) == 2
    assert main(["export", str(run), "--per-frame", "--out", str(tmp_path / "m.onnx"),
                 "-q"]) == 0
    ends = {}
    for runtime in ("torch", "onnx", "openvino"):
        stream = open_stream(str(clip), gallery, device="cpu", pace=False, runtime=runtime,
                             model_file=None if runtime == "torch" else tmp_path / "m.onnx",
                             overrides=["stream.min_frames=8", "stream.window=0"])
        events = []
        stream.run(on_event=events.append)
        ends[runtime] = [e for e in events if e.kind == "end"]
    assert ends["torch"]
    for runtime in ("onnx", "openvino"):
        assert [(e.track, e.name) for e in ends[runtime]] == \
            [(e.track, e.name) for e in ends["torch"]], runtime
        for got, want in zip(ends[runtime], ends["torch"]):
            assert np.abs(got.embedding - want.embedding).max() < 1e-4, runtime
