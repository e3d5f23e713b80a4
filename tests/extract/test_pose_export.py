"""The pose network exported to ONNX (``heatgait export --pose``) against mmpose in torch, on
crops of vtest.avi: heatmaps (flip test outside the graph) through onnxruntime and OpenVINO,
the export picked up by ``build_pose`` from ``--pose-weights FILE.onnx``, and the refusals."""

from __future__ import annotations

import numpy as np
import pytest

from heatgait.errors import HeatgaitError, UsageError
from heatgait.extract.pose.backends import build_pose
from heatgait.extract.pose.exported import ExportedPoseBackend

pytestmark = [pytest.mark.mm, pytest.mark.slow]


@pytest.fixture(scope="module")
def hrnet_export(tmp_path_factory):
    """(torch backend, its export): HRNet-W32 with random weights (no download here)."""
    from heatgait.extract.pose.export import export_pose
    from heatgait.extract.pose.mmpose import MMPoseBackend

    backend = MMPoseBackend.from_name("hrnet", random_init=True, precision="fp32")
    path = export_pose(backend, tmp_path_factory.mktemp("pose") / "hrnet.onnx")
    return backend, path


def test_exported_heatmaps_match_torch_on_vtest_crops(hrnet_export, vtest_frames):
    from heatgait.extract.pose.crop import crop_person

    backend, path = hrnet_export
    box = np.array([470, 150, 598, 342], dtype=np.float32)  # one walker of vtest.avi
    crops = np.stack([crop_person(f, box) for f in vtest_frames[:3]])  # [3, 256, 192, 3]
    want = backend.heatmaps(crops).numpy()
    assert backend.flip_test and want.shape == (3, 17, 64, 48)
    for runtime in ("onnx", "openvino"):
        exported = ExportedPoseBackend(path, runtime)
        assert exported.name == "hrnet" and exported.flip_test
        assert np.abs(exported.heatmaps(crops) - want).max() < 1e-3, runtime
    picked = build_pose("hrnet", str(path), "cpu", runtime="auto")  # --pose-weights FILE.onnx
    heatmaps, keypoints = picked(crops)
    assert isinstance(picked, ExportedPoseBackend) and picked.runtime == "openvino"
    assert np.abs(heatmaps - np.clip(want, 0, 1)).max() < 1e-3 and keypoints.shape == (3, 17, 3)


def test_an_export_of_another_model_or_runtime_is_refused(hrnet_export):
    _, path = hrnet_export
    with pytest.raises(HeatgaitError, match="export of hrnet, not of --pose vitpose-s"):
        build_pose("vitpose-s", str(path), "cpu", runtime="onnx")
    with pytest.raises(UsageError, match="is an ONNX export: use --runtime onnx"):
        build_pose("hrnet", str(path), "cpu", runtime="torch")
    with pytest.raises(UsageError, match="runs on the CPU"):
        build_pose("hrnet", str(path), "cuda", runtime="onnx")
    with pytest.raises(HeatgaitError, match="a heatgait pose export, not the embedder"):
        from heatgait.extract.runtimes.onnxfile import read_metadata

        read_metadata(path, "embedder")


def test_extract_with_the_export_imports_no_openmmlab(hrnet_export, vtest_frames, clip_writer,
                                                      tmp_path):
    """The install without mmcv: stage 1 from an exported pose model imports none of the
    OpenMMLab stack (checked in a fresh interpreter) and records the runtime it used."""
    import json
    import subprocess
    import sys

    _, path = hrnet_export
    clip = clip_writer(tmp_path / "in" / "001-nm-01-090.avi", vtest_frames[:2])
    out = tmp_path / "shards"
    script = (
        "import sys\n"
        "from heatgait.cli.app import main\n"
        f"code = main(['extract', {str(clip)!r}, '--out', {str(out)!r}, '--pose', 'hrnet',"
        f" '--pose-weights', {str(path)!r}, '--det', 'full-frame', '--runtime', 'onnx',"
        " '--device', 'cpu', '-q', '--set', 'extract.min_frame_score=0.0',"
        " '--set', 'extract.min_track_frames=1'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('mmcv', 'mmdet', 'mmpose', 'mmengine')), code)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert done.stdout.strip().splitlines()[-1] == "[] 0", done.stdout + done.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["pose_runtime"] == "onnx" and manifest["pose_model"] == "hrnet"


def test_int8_export_says_what_it_is_and_stays_near_fp32(hrnet_export, vtest_frames,
                                                         clip_writer, tmp_path):
    """``export --pose --int8``: crops cut from real footage calibrate a QDQ model that both
    runtimes open as a pose export, with its precision and measured error in the metadata."""
    from heatgait.extract.detection.detectors import build_detector
    from heatgait.extract.job.calibration import calibration_crops
    from heatgait.extract.pose.quantize import quantize_pose
    from heatgait.extract.runtimes.onnxfile import read_metadata

    backend, path = hrnet_export
    clip = clip_writer(tmp_path / "walk.avi", vtest_frames[:10])
    crops = calibration_crops([clip], build_detector("full-frame"), count=2)
    assert crops.shape == (2, 256, 192, 3) and crops.dtype == np.uint8  # frames 0 and 5
    out, info = quantize_pose(path, crops, tmp_path / "hrnet-int8.onnx")
    meta = read_metadata(out, "pose")["pose"]
    assert meta["precision"] == "int8" and meta["int8"] == info
    assert info["calibration_crops"] == 2 and 0 < info["max_abs_error"] < 0.05
    want = np.clip(backend.heatmaps(crops).numpy(), 0, 1)
    picked = build_pose("hrnet", str(out), "cpu", runtime="auto")  # OpenVINO: int8 kernels
    heatmaps, _ = picked(crops)
    assert picked.runtime == "openvino" and np.abs(heatmaps - want).max() < 0.05


def test_int8_options_are_checked(capsys):
    from heatgait.cli.app import main

    for args, message in ((["--int8", "--out", "x.onnx", "--det", "rtmdet-person"],
                           "quantise a pose network"),
                          (["--pose", "hrnet", "--int8", "--out", "x.onnx"],
                           "add --calibration"),
                          (["--pose", "hrnet", "--calibration", "v.avi", "--out", "x.onnx"],
                           "add --int8")):
        assert main(["export", *args]) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, err
