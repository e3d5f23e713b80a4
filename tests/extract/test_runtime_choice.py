"""``extract.runtime: auto`` on the CPU: each network's export in its fastest installed
runtime as measured (benchmarks/README.md): OpenVINO for the pose network, onnxruntime for the
detector."""

from __future__ import annotations

import pytest

from heatgait.errors import UsageError
from heatgait.extract.runtimes.choice import DETECTOR_CPU_ORDER, resolve_runtime


def test_auto_exports_both_networks_into_their_fastest_runtimes():
    pose = resolve_runtime("auto", True, "cpu", "fp32", None, False, "--pose hrnet")
    det = resolve_runtime("auto", True, "cpu", "fp32", None, False, "--det rtmdet-person",
                          cpu_order=DETECTOR_CPU_ORDER)
    assert pose == "openvino"  # installed by the dev install (scripts/install.sh)
    assert det == "onnx"
    # an export given as weights runs in a runtime whatever the network
    assert resolve_runtime("auto", True, "cpu", "fp32", "det.onnx", False, "--det x",
                           cpu_order=DETECTOR_CPU_ORDER) == "onnx"
    # random weights, CUDA and BlazePose stay in their own runtime
    assert resolve_runtime("auto", True, "cpu", "fp32", None, True, "--pose hrnet") == "torch"
    assert resolve_runtime("auto", True, "cuda", "fp32", None, False, "--pose hrnet") == "torch"
    assert resolve_runtime("onnx", False, "cpu", "fp32", None, False, "--pose blazepose") == "torch"


def test_an_explicit_runtime_is_checked():
    with pytest.raises(UsageError, match="unknown --runtime"):
        resolve_runtime("tensorrt", True, "cpu", "fp32", None, False, "--pose hrnet")
    with pytest.raises(UsageError, match="runs on the CPU"):
        resolve_runtime("onnx", True, "cuda", "fp32", None, False, "--det rtmdet-person",
                        cpu_order=DETECTOR_CPU_ORDER)
