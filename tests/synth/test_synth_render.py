"""Rendering of one synthetic sequence: determinism, ranges, conditions, tilt and offset."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from heatgait.data.keypoints import decode_keypoints
from heatgait.synth.generate import (
    SynthOptions,
    iter_records,
    make_record,
    sequence_params,
    subject_params,
)
from heatgait.synth.params import draw_sequence, draw_subject
from heatgait.synth.render import gaussian_peaks, segment_shade
from heatgait.synth.sequence import render_sequence

OPTS = SynthOptions(subjects=4, seed=7, frames=(12, 16))


def _calm(condition: str = "nm", view: float = 90.0, **changes: object):
    """Recording parameters without camera faults (tilt, offset) unless asked for."""
    seq = draw_sequence(np.random.default_rng(3), condition, view, tilt_deg=0, offset_px=0)
    return dataclasses.replace(seq, **changes)


def test_same_seed_same_bytes_other_seed_differs() -> None:
    a = make_record(OPTS, 1, "nm-01", "090")
    b = make_record(OPTS, 1, "nm-01", "090")
    assert a.heatmaps.tobytes() == b.heatmaps.tobytes()
    assert np.array_equal(a.keypoints, b.keypoints) and np.array_equal(a.boxes, b.boxes)
    other = make_record(dataclasses.replace(OPTS, seed=8), 1, "nm-01", "090")
    assert other.heatmaps.shape[1:] == a.heatmaps.shape[1:]
    n = min(len(a.heatmaps), len(other.heatmaps))
    assert np.abs(other.heatmaps[:n] - a.heatmaps[:n]).mean() > 0.005
    assert subject_params(7, 1) != subject_params(8, 1) != subject_params(7, 2)


def test_worker_processes_render_the_same_bytes() -> None:
    opts = dataclasses.replace(OPTS, subjects=2, types=("bg-01",), views=("000", "090"),
                               frames=(4, 5))
    alone = list(iter_records(opts, progress=False))
    pooled = list(iter_records(dataclasses.replace(opts, workers=2), progress=False))
    assert [r.key for r in pooled] == [r.key for r in alone]
    assert all(a.heatmaps.tobytes() == b.heatmaps.tobytes() for a, b in zip(alone, pooled))


def test_shapes_and_ranges() -> None:
    record = make_record(OPTS, 0, "cl-01", "036")
    t = record.num_frames
    assert OPTS.frames[0] <= t <= OPTS.frames[1]
    assert record.heatmaps.shape == (t, 17, 64, 48) and record.heatmaps.dtype == np.float32
    assert record.heatmaps.min() >= 0.0 and record.heatmaps.max() <= 1.0
    assert record.keypoints.shape == (t, 17, 3)
    assert np.all((record.keypoints[..., 0] >= 0) & (record.keypoints[..., 0] < 48))
    assert np.all((record.keypoints[..., 1] >= 0) & (record.keypoints[..., 1] < 64))
    assert np.all(record.boxes[:, 2] > record.boxes[:, 0]) and np.all(record.boxes[:, 3] >
                                                                      record.boxes[:, 1])
    assert np.all((record.frame_scores > 0.3) & (record.frame_scores <= 1.0))
    record.validate()  # the shard record's own shape checks agree


def test_conditions_change_heatmaps_not_the_subject() -> None:
    subject = subject_params(OPTS.seed, 2)
    for seq_type in ("nm-01", "bg-01", "cl-02"):  # identity never depends on the recording
        seq, _ = sequence_params(OPTS, 2, seq_type, "090")
        assert seq.condition == seq_type[:2]
        assert subject_params(OPTS.seed, 2) == subject
    nm = render_sequence(subject, _calm("nm"), 20)
    cl = render_sequence(subject, _calm("cl", coat=0.08), 20)
    bag = render_sequence(subject, _calm("bg", bag_kind="hand", bag_side=1), 20)
    def lit(r) -> float:  # share of pixels the body lights up
        return float((r.heatmaps.max(axis=1) > 0.05).mean())

    assert lit(cl) > lit(nm) * 1.1  # the coat widens the body shade
    assert not np.allclose(bag.heatmaps, nm.heatmaps)
    # Bag in the left hand: the left wrist swings less than without the bag.
    assert np.ptp(bag.joints[:, 9, 0]) < 0.6 * np.ptp(nm.joints[:, 9, 0])
    # The coat's hip and knee responses are weaker than without a coat.
    assert cl.keypoints[:, 11:15, 2].mean() < nm.keypoints[:, 11:15, 2].mean() - 0.1


def _lean_deg(keypoints: np.ndarray) -> float:
    """Median angle of the hip->neck line from vertical, + towards +x (PGHA's measure)."""
    neck = keypoints[:, 5:7, :2].mean(axis=1)
    hip = keypoints[:, 11:13, :2].mean(axis=1)
    d = neck - hip
    return float(np.median(np.degrees(np.arctan2(d[:, 0], -d[:, 1]))))


@pytest.mark.parametrize("tilt", [12.0, -20.0])
def test_tilt_turns_the_neck_hip_line(tilt: float) -> None:
    subject = draw_subject(np.random.default_rng(5))
    straight = render_sequence(subject, _calm(), 24)
    tilted = render_sequence(subject, _calm(tilt_deg=tilt), 24)
    assert _lean_deg(tilted.keypoints) - _lean_deg(straight.keypoints) == pytest.approx(tilt,
                                                                                        abs=3.0)


def test_offset_moves_the_peaks_by_the_offset() -> None:
    subject = draw_subject(np.random.default_rng(6))
    centred = render_sequence(subject, _calm(), 16)
    shifted = render_sequence(subject, _calm(offset=(3.0, -4.0)), 16)
    for joints in ((5, 6), (11, 12)):  # neck and hip from the rendered argmax
        move = (shifted.keypoints[:, joints, :2].mean(axis=1)
                - centred.keypoints[:, joints, :2].mean(axis=1))
        assert np.median(move, axis=0) == pytest.approx([3.0, -4.0], abs=0.75)


def test_drawing_primitives_by_hand() -> None:
    xy = np.array([[[10.0, 20.0], [30.0, 5.0]]])  # [t=1, v=2, 2]
    peaks = gaussian_peaks(xy, np.full((1, 2), 1.5), np.array([[1.0, 0.5]]))
    assert peaks[0, 0, 20, 10] == pytest.approx(1.0) and peaks[0, 1, 5, 30] == pytest.approx(0.5)
    assert peaks[0, 0, 20, 12] == pytest.approx(np.exp(-4 / (2 * 1.5**2)), rel=1e-5)
    kp = decode_keypoints(peaks)
    assert kp[0].tolist() == [[10.0, 20.0, 1.0], [30.0, 5.0, 0.5]]
    shade = segment_shade(np.array([[[5.0, 10.0]]]), np.array([[[5.0, 50.0]]]), np.array([2.0]))
    assert shade[0, 30, 5] == pytest.approx(1.0)  # on the segment
    assert shade[0, 30, 7] == pytest.approx(np.exp(-0.5), rel=1e-5)  # one width beside it
    assert shade[0, 60, 5] < 1e-5  # far past its end
