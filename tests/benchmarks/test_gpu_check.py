"""benchmarks/gpu_check.sh runs end to end with --smoke on the CPU, so it cannot rot unseen.

The smoke run is the real script (shell wrapper, stage processes, heatgait synth, the
training loader with workers, the loop's AMP paths on the CPU) at toy sizes; the tests check
that every stage finished and that its numbers are sane, that a stage over its cap is
recorded while the run goes on, and that without pyyaml the synth stage falls back.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.gpu_check import SMOKE, STAGES

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "gpu_check.sh"
BLOCKER = '''import importlib.abc, sys
BLOCKED = set({blocked!r})
class _Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked)", name=name)
sys.meta_path.insert(0, _Block())
'''


def run_check(out: Path, *args: str, blocked: tuple[str, ...] = ()) -> dict:
    env = {**os.environ, "PYTHON": sys.executable}
    if blocked:  # a sitecustomize on PYTHONPATH reaches every child process too
        site = out.parent / "site"
        site.mkdir()
        (site / "sitecustomize.py").write_text(BLOCKER.format(blocked=blocked))
        env["PYTHONPATH"] = f"{site}{os.pathsep}{env.get('PYTHONPATH', '')}"
    proc = subprocess.run(["bash", str(SCRIPT), "--smoke", "--out", str(out), *args], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "already installed from this checkout" in proc.stdout  # no pip run in the suite
    return json.loads(out.read_text())


@pytest.mark.slow
def test_smoke_run_measures_every_stage(tmp_path: Path) -> None:
    data = run_check(tmp_path / "smoke.json")
    assert data["schema"] == "heatgait-gpu-check/1" and data["smoke"] is True
    for stage in (*STAGES, "estimate_60k"):
        assert data[stage]["ok"], (stage, data[stage])
    for stage in STAGES:
        assert data[stage]["forbidden_imports"] == [], stage
        assert 0 < data[stage]["seconds"] <= data[stage]["cap_s"] + 5, stage
    for stage in ("train", "pgha", "loader"):  # these paths must not need pyyaml
        assert data[stage]["yaml_imported"] is False, stage
    assert data["env"]["device"] == "cpu" and data["env"]["training_precision"] == "fp32"
    assert data["env"]["model_input_bit_exact"] is True

    synth = data["synth"]
    assert synth["source"].startswith("heatgait synth") and synth["sequences"] == 4 * 2 * 2
    assert 16 * 6 <= synth["frames"] <= 16 * 8

    steps = SMOKE.warmup_steps + SMOKE.train_steps
    for name, autocast in (("bf16", "torch.bfloat16"), ("fp16", "torch.float16"),
                           ("fp32", "off")):
        run = data["train"][name]
        assert run["autocast"] == autocast and run["grad_scaler"] == (name == "fp16")
        assert run["steps"] == len(run["losses"]) == steps and run["timed_steps"] == steps - 1
        assert run["loss_finite"] and run["weights_finite"], run
        assert all(math.isfinite(x) and 0 < x < 1000 for x in run["losses"])
        assert run["step_s_median"] > 0 and run["sequences_per_s"] > 0
        assert run["peak_memory_gib"] > 0
    assert data["train"]["fp16"]["final_loss_scale"] > 0

    assert data["pgha"]["fp32_frames_per_s"] > 0 and data["pgha"]["bf16_frames_per_s"] > 0

    ev = data["eval"]
    assert ev["sequences"] == ev["sequences_done"] == SMOKE.eval_sequences
    assert not ev["extrapolated"] and ev["embed_seconds"] > 0 and ev["frames_per_s"] > 0
    assert 2 * ev["sequences"] <= ev["frames"] <= 3 * ev["sequences"]
    assert 0 <= ev["rank1_mean_random_weights"] <= 100 and ev["scoring_seconds"] >= 0
    assert ev["embed_sequences"]["sequences"] == 2 * 2 * 2 and ev["embed_sequences"]["finite"]

    loader = data["loader"]
    assert loader["batch_dtype"] == "uint8" and loader["samples_per_s"] > 0
    assert loader["steps"] == SMOKE.loader_steps and loader["step_s_median"] > 0
    assert 0 < loader["gpu_busy_share"] <= 1 and 0 <= loader["data_wait_share"] < 1

    estimate = data["estimate_60k"]
    assert estimate["precision"] == "fp32" and estimate["iterations"] == 60_000
    assert estimate["compute_only_hours"] > 0 and estimate["with_loader_hours"] > 0
    assert estimate["limited_by"] in ("compute", "data loading")


@pytest.mark.slow
def test_a_stage_over_its_cap_is_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    data = run_check(tmp_path / "capped.json", "--only", "pgha,env", "--cap", "pgha=0.5")
    assert not data["pgha"]["ok"] and "cap" in data["pgha"]["error"]
    assert data["env"]["ok"] and "train" not in data
    assert not data["estimate_60k"]["ok"] and data["estimate_60k"]["error"]


@pytest.mark.slow
def test_without_pyyaml_synth_falls_back_and_the_loader_still_runs(tmp_path: Path) -> None:
    data = run_check(tmp_path / "noyaml.json", "--only", "env,synth,loader",
                     blocked=("yaml", "mmcv", "mmdet", "mmpose", "mmengine", "ai_edge_litert"))
    assert data["env"]["yaml_available"] is False
    assert data["synth"]["ok"] and data["synth"]["source"].startswith("library renderer")
    assert "synth_cli_error" in data["synth"] and data["synth"]["sequences"] == 16
    assert data["loader"]["ok"] and data["loader"]["samples_per_s"] > 0
