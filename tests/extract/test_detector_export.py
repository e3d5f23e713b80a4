"""The person detector exported to ONNX (``heatgait export --det``) against mmdet in torch: the
raw head on frames of vtest.avi through onnxruntime, the host decoding against mmdet's own
``predict_by_feat`` on the same head outputs, and the detector built from ``--det-weights
FILE.onnx``."""

from __future__ import annotations

import numpy as np
import pytest

from heatgait.cli.app import main

pytestmark = [pytest.mark.mm, pytest.mark.slow]


@pytest.fixture(scope="module")
def rtmdet_export(tmp_path_factory):
    from heatgait.extract.detection.export import export_detector
    from heatgait.extract.detection.mmdet import MMDetDetector

    detector = MMDetDetector.from_name("rtmdet-person", device="cpu", score_thr=0.0,
                                       random_init=True)
    return detector, export_detector(detector, tmp_path_factory.mktemp("det") / "det.onnx")


def test_rtmdet_raw_head_matches_torch_on_vtest_frames(rtmdet_export, vtest_frames):
    import cv2
    import torch

    from heatgait.extract.runtimes.onnxfile import open_model

    detector, path = rtmdet_export
    session = open_model(path, "onnx", kind="detector")
    info = session.metadata["detector"]
    h, w = info["input_size"]
    assert info["channels"] == "BGR" and [s[0] for s in info["strides"]] == [8, 16, 32]
    frames = [cv2.resize(f[..., ::-1], (w, h)) for f in vtest_frames[:2]]  # RGB -> BGR
    x = np.ascontiguousarray(np.stack(frames).transpose(0, 3, 1, 2), dtype=np.float32)
    mm = detector.model
    pre = mm.data_preprocessor
    with torch.inference_mode():
        scores, boxes = mm.bbox_head.forward(mm.extract_feat(
            (torch.from_numpy(x) - pre.mean.view(1, 3, 1, 1)) / pre.std.view(1, 3, 1, 1)))[:2]
    got = session.run({"image": x})
    for out, want in zip(got, [*scores, *boxes]):
        assert out.shape == tuple(want.shape)
        assert np.abs(out - want.numpy()).max() < 1e-3
    assert got[0].shape == (2, 1, h // 8, w // 8)  # one class: person


def test_host_decoding_is_mmdets_on_the_same_head_outputs(rtmdet_export, vtest_frames):
    """Random weights give one score everywhere (ties), so the decoding is checked on head
    outputs with distinct scores: mmdet's predict_by_feat against ours, same config."""
    import torch

    from heatgait.extract.detection.detectors import build_detector
    from heatgait.extract.detection.exported import ExportedDetector

    detector, path = rtmdet_export
    g = torch.Generator().manual_seed(0)
    sizes = [320 // s for s in (8, 16, 32)]
    scores = [torch.randn(1, 1, n, n, generator=g) * 2 - 2 for n in sizes]
    dist = [(torch.rand(1, 4, n, n, generator=g) * 6 + 0.5) * (320 // n) for n in sizes]
    scale = (320 / 768, 320 / 768)  # vtest's 768x576 into 320x320
    meta = [{"img_shape": (320, 320), "scale_factor": scale, "ori_shape": (576, 768)}]
    with torch.inference_mode():
        r = detector.model.bbox_head.predict_by_feat(scores, dist, batch_img_metas=meta,
                                                     cfg=detector.model.test_cfg, rescale=True,
                                                     with_nms=True)[0]
    want = torch.cat([r.bboxes, r.scores[:, None]], 1).numpy()
    exported = ExportedDetector(path, "onnx", score_thr=0.0)
    got = exported.candidates([t.numpy() for t in scores + dist], 0,
                              np.array([*scale, *scale], np.float32))
    assert got.shape == want.shape and len(want) > 10
    assert np.abs(got - want).max() < 1e-3
    built = build_detector("rtmdet-person", str(path), "cpu", 0.0, runtime="auto")
    # auto: the detector's fastest measured runtime (runtimes.choice.DETECTOR_CPU_ORDER)
    assert isinstance(built, ExportedDetector) and built.runtime == "onnx"
    assert [b.shape[1] for b in built(vtest_frames[:2])] == [5, 5]
    assert main(["export", "--det", "rtmdet-person", "--pose", "hrnet", "--out",
                 "x.onnx"]) == 2  # one model per export
