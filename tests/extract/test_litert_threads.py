"""LiteRT's thread count follows the process's thread budget (OMP_NUM_THREADS), else 2."""

from __future__ import annotations

from heatgait.extract.runtimes.litert import default_threads


def test_threads_follow_omp_num_threads(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert default_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "6")
    assert default_threads() == 6
    monkeypatch.setenv("OMP_NUM_THREADS", "0")
    assert default_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "many")
    assert default_threads() == 2
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert default_threads() == 2
