"""Verification metrics: hand-computed cases, a brute-force check, and the protocol's pairs."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from heatgait.config import EvalConfig, load_recipe
from heatgait.evaluation.distance import distance_matrix
from heatgait.evaluation.pairs import ScoreCollector, protocol_pairs
from heatgait.evaluation.protocols import evaluate_embeddings
from heatgait.evaluation.report import save_heat_table, write_json
from heatgait.evaluation.verification import (
    VERIFICATION_KEYS,
    Scores,
    equal_error_rate,
    tar_at_far,
    threshold_at_far,
    verify,
    verify_matrix,
)


def test_hand_computed_tar_and_eer():
    # genuine 0.1 0.2 0.3 0.7, impostor 0.4 0.5 0.6 0.8 (distances: accept when <= t)
    genuine, impostor = Scores([0.1, 0.2, 0.3, 0.7]), Scores([0.4, 0.5, 0.6, 0.8])
    # FAR 25 %: one impostor may pass -> t just below 0.5 -> 0.1, 0.2, 0.3 accepted
    assert threshold_at_far(impostor, 0.25) < 0.5 and threshold_at_far(impostor, 0.25) >= 0.4
    assert tar_at_far(genuine, impostor, 0.25) == 0.75
    # FAR 1 %: no impostor may pass -> t < 0.4 -> still 3 of 4
    assert tar_at_far(genuine, impostor, 0.01) == 0.75
    # at t = 0.4: FAR 1/4, FRR 1/4: EER 25 %
    assert equal_error_rate(genuine, impostor) == pytest.approx(0.25)
    # genuine 1, 2 / impostor 1.5, 3: at t = 1.5 FAR = FRR = 1/2
    assert equal_error_rate(Scores([1.0, 2.0]), Scores([1.5, 3.0])) == pytest.approx(0.5)
    # a crossing between operating points is interpolated: FRR 1 -> 0 while FAR 0 -> 1/2
    # (genuine 2, impostors 1, 3): gap 1 at t = -inf ... at t = 1: FAR 1/2, FRR 1 (gap 1/2);
    # at t = 2: FAR 1/2, FRR 0 (gap -1/2) -> alpha 1/2 -> EER = 1/2
    assert equal_error_rate(Scores([2.0]), Scores([1.0, 3.0])) == pytest.approx(0.5)
    # perfect separation: EER 0, TAR 100 % at any FAR
    assert equal_error_rate(Scores([0.1, 0.2]), Scores([0.5, 0.6])) == 0.0
    assert verify(Scores([0.1]), Scores([0.5])).metrics == {
        "TAR@FAR=1%": 100.0, "TAR@FAR=0.1%": 100.0, "EER": 0.0}
    assert math.isnan(verify(Scores([]), Scores([0.5])).metrics["EER"])


def test_ties_at_the_boundary_are_rejected_whole():
    # three impostors at exactly 0.5: FAR 50 % allows 2 of 4 but accepting 0.5 would take 3
    impostor = Scores([0.2, 0.5, 0.5, 0.5])
    assert tar_at_far(Scores([0.5, 0.3]), impostor, 0.5) == 0.5


def brute_tar(genuine, impostor, far):
    """Every candidate threshold in turn: the best TAR whose FAR stays within ``far``."""
    best = 0.0
    for t in sorted(set(genuine) | set(impostor) | {-np.inf}):
        if sum(s <= t for s in impostor) <= far * len(impostor) + 1e-9:
            best = max(best, sum(s <= t for s in genuine) / len(genuine))
    return best


def brute_eer(genuine, impostor):
    points = []
    for t in sorted(set(genuine) | set(impostor) | {-np.inf}):
        points.append((sum(s <= t for s in impostor) / len(impostor),
                       sum(s > t for s in genuine) / len(genuine)))
    for (far0, frr0), (far1, frr1) in zip(points, points[1:]):
        if frr0 - far0 > 0 >= frr1 - far1:
            a = (frr0 - far0) / ((frr0 - far0) - (frr1 - far1))
            return far0 + a * (far1 - far0)
    raise AssertionError("no crossing")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_a_brute_force_sweep_over_thresholds(seed):
    rng = np.random.default_rng(seed)
    genuine = np.round(rng.normal(0.8, 0.2, size=60), 2).tolist()  # rounding makes ties
    impostor = np.round(rng.normal(1.2, 0.2, size=400), 2).tolist()
    g, i = Scores(genuine), Scores(impostor)
    for far in (0.001, 0.01, 0.05, 0.2):
        assert tar_at_far(g, i, far) == pytest.approx(brute_tar(genuine, impostor, far))
    assert equal_error_rate(g, i) == pytest.approx(brute_eer(genuine, impostor))


def test_histogram_mode_agrees_with_exact_mode():
    rng = np.random.default_rng(3)
    genuine, impostor = rng.normal(0.7, 0.1, 3000), rng.normal(1.2, 0.15, 200_000)
    exact = ScoreCollector(upper=3.0)
    coarse = ScoreCollector(upper=3.0, limit=1000)  # forced over the limit: a histogram
    for chunk in np.array_split(impostor, 7):
        exact.add(chunk)
        coarse.add(chunk)
    assert exact.scores().exact and not coarse.scores().exact
    a, b = verify(Scores(genuine), exact.scores()), verify(Scores(genuine), coarse.scores())
    for key in VERIFICATION_KEYS:
        assert b.metrics[key] == pytest.approx(a.metrics[key], abs=0.05)  # percent points


def test_histogram_bins_are_numpys_bin_for_bin_on_and_beside_every_edge():
    rng = np.random.default_rng(4)
    collector = ScoreCollector(upper=2.0, limit=0, bins=1000)
    values = (rng.random(50_000) * 2.4 - 0.2).astype(np.float32)  # some below 0, some above
    collector.add(values)
    edges = collector.edges.astype(np.float32)
    around = [edges, np.nextafter(edges, np.float32(-1)), np.nextafter(edges, np.float32(9))]
    for chunk in around:
        collector.add(chunk)
    want = sum(np.histogram(np.clip(v, 0.0, collector.edges[-1]), bins=collector.edges)[0]
               for v in [values, *around])
    np.testing.assert_array_equal(collector.counts, want)


def test_verify_matrix_uses_labels_and_the_valid_mask():
    dist = np.array([[0.1, 0.9, 0.4],
                     [0.8, 0.2, 0.3]])
    result = verify_matrix(dist, np.array(["a", "b"]), np.array(["a", "b", "a"]),
                           valid=np.array([[False, True, True], [True, True, True]]))
    # genuine: (1,1)=0.2, (0,2)=0.4; impostor: 0.9, 0.8, 0.3 -> FAR 0 needs t < 0.3
    assert (result.genuine_pairs, result.impostor_pairs) == (2, 3)
    assert result.metrics["TAR@FAR=1%"] == 50.0


def tiny_set():
    # subjects a, b; views 000 and 090; gallery nm-01, probes nm-05
    labels = ["a", "a", "b", "b", "a", "a", "b", "b"]
    types = ["nm-01", "nm-01", "nm-01", "nm-01", "nm-05", "nm-05", "nm-05", "nm-05"]
    views = ["000", "090", "000", "090", "000", "090", "000", "090"]
    emb = np.random.default_rng(0).normal(size=(8, 4, 2))
    return emb, labels, types, views


def test_cross_view_pairs_are_those_rank1_compares():
    emb, labels, types, views = tiny_set()
    codes = lambda x: np.unique(x, return_inverse=True)[1]
    genuine, impostor = protocol_pairs(emb, codes(labels), codes(views), np.arange(4, 8),
                                       np.arange(4), "cross-view")
    dist = distance_matrix(emb[4:], emb[:4])  # [4 probes, 4 gallery]
    # each probe vs the two gallery items of the other view: 1 genuine, 1 impostor
    want_genuine = [dist[0, 1], dist[1, 0], dist[2, 3], dist[3, 2]]
    want_impostor = [dist[0, 3], dist[1, 2], dist[2, 1], dist[3, 0]]
    np.testing.assert_allclose(genuine.sorted, np.sort(want_genuine), rtol=1e-6)
    np.testing.assert_allclose(impostor.sorted, np.sort(want_impostor), rtol=1e-6)


def test_reid_pairs_drop_same_id_and_view_and_skip_probes_without_a_match():
    emb, labels, types, views = tiny_set()
    codes = lambda x: np.unique(x, return_inverse=True)[1]
    gallery = np.array([0, 2, 3])  # a has only view 000 in the gallery
    genuine, impostor = protocol_pairs(emb, codes(labels), codes(views), np.arange(4, 8),
                                       gallery, "reid")
    # probe a/000 (4): its only genuine item (0) shares its view -> skipped entirely
    # probe a/090 (5): genuine 0; impostors 2, 3 (same view 090 kept: another subject)
    # probes b/000 (6), b/090 (7): genuine 3 resp. 2; impostor 0 each
    assert (genuine.n, impostor.n) == (3, 4)
    dist = distance_matrix(emb, emb)
    np.testing.assert_allclose(genuine.sorted, np.sort([dist[5, 0], dist[6, 3], dist[7, 2]]),
                               rtol=1e-6)


def test_eval_reports_verification_beside_rank1_and_draws_the_roc(tmp_path):
    rng = np.random.default_rng(1)
    rows = [(f"{s:03d}", t, v) for s in range(6) for t in ("nm-01", "nm-02", "nm-05", "bg-01")
            for v in ("000", "090", "180")]
    centres = rng.normal(size=(6, 8, 4))
    emb = np.stack([centres[int(s)] + 0.9 * rng.normal(size=(8, 4)) for s, _, _ in rows])
    config = EvalConfig(gallery=["nm-01", "nm-02"], probes={"NM": ["nm-05"], "BG": ["bg-01"]})
    result = evaluate_embeddings(emb, *zip(*rows), config)
    for name in ("NM", "BG"):
        metrics = result.probe_sets[name].metrics
        assert set(metrics) == {"rank1", *VERIFICATION_KEYS}
        ver = result.probe_sets[name].verification
        # 6 probes a view x 2 other views x 2 gallery types: 24 genuine, 120 impostor per view
        assert (ver.genuine_pairs, ver.impostor_pairs) == (3 * 24, 3 * 120)
        assert 0 <= metrics["EER"] <= 100 and metrics["TAR@FAR=0.1%"] <= metrics["TAR@FAR=1%"]
    assert result.mean["EER"] == pytest.approx(np.mean([result.probe_sets[n].metrics["EER"]
                                                        for n in ("NM", "BG")]))
    data = json.loads(write_json(result, tmp_path / "r.json").read_text())
    assert "TAR@FAR=1%" in data["NM"] and "EER" in data["mean"]
    assert "identical views" in data["details"]["verification_pairs"]
    roc = data["details"]["probe_sets"]["NM"]["verification"]["roc"]
    assert len(roc["far"]) == len(roc["tar"]) > 10
    png = save_heat_table(result, tmp_path / "r.png")
    plain = save_heat_table(evaluate_embeddings(emb, *zip(*rows), config, verification=False),
                            tmp_path / "plain.png")
    import cv2

    assert cv2.imread(str(png)).shape[1] > cv2.imread(str(plain)).shape[1]  # the ROC panel
    assert "TAR@FAR" not in str(evaluate_embeddings(emb, *zip(*rows), config,
                                                    verification=False).metrics)


def test_ccpg_recipe_gets_verification_in_reid_mode():
    rng = np.random.default_rng(2)
    config = load_recipe("ccpg").eval
    types = ["U0_D0_BG", "U0_D0", "U1_D1", "U2_D2", "U3_D3", "U0_D3", "U1_D0"]
    rows = [(f"{s:03d}", t, v) for s in range(4) for t in types for v in ("1_1", "2_3")]
    result = evaluate_embeddings(rng.normal(size=(len(rows), 16)), *zip(*rows), config)
    assert all(set(VERIFICATION_KEYS) <= set(ps.metrics) for ps in result.probe_sets.values())


def test_float32_scores_sort_and_threshold_like_float64():
    values = np.round(np.random.default_rng(2).normal(1.0, 0.3, 5000), 2).astype(np.float32)
    fast, slow = Scores(values), Scores(values.astype(np.float64))
    np.testing.assert_array_equal(fast.sorted, slow.sorted)
    assert fast.sorted.dtype == np.float64
    np.testing.assert_array_equal(fast.thresholds(), np.unique(values.astype(np.float64)))
    assert len(Scores(np.empty(0, np.float32)).thresholds()) == 0
