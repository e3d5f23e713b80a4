"""The protocols against loop-by-loop reference implementations and hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest

from heatgait.config import EvalConfig, load_recipe
from heatgait.errors import UsageError
from heatgait.evaluation import distance
from heatgait.evaluation.distance import distance_matrix, mean_part_distances
from heatgait.evaluation.protocols import evaluate_embeddings
from heatgait.evaluation.verification import VERIFICATION_KEYS
from tests.evaluation.reference_protocols import cross_view, pair_distance, reid


def synthetic(rng, subjects, types, views, noise, parts=4, channels=8):
    """Every (subject, type, view) once; embeddings = subject centre + noise [n, c, p]."""
    labels, kinds, angles = [], [], []
    for s in subjects:
        for t in types:
            for v in views:
                labels.append(s), kinds.append(t), angles.append(v)
    centres = {s: rng.normal(size=(channels, parts)) for s in subjects}
    emb = np.stack([centres[s] + noise * rng.normal(size=(channels, parts)) for s in labels])
    return emb.astype(np.float32), labels, kinds, angles


def drop(rng, data, fraction):
    keep = rng.random(len(data[1])) > fraction
    return data[0][keep], *[[x for x, k in zip(col, keep) if k] for col in data[1:]]


def test_distance_matches_per_pair_definition():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(5, 8, 3)), rng.normal(size=(7, 8, 3))
    want = np.array([[pair_distance(x, y) for y in b] for x in a])
    np.testing.assert_allclose(distance_matrix(a, b), want, rtol=1e-5, atol=1e-5)
    flat = distance_matrix(a.reshape(5, -1), b.reshape(7, -1))  # [N, D] is one part
    np.testing.assert_allclose(flat, np.linalg.norm(a.reshape(5, 1, -1) - b.reshape(1, 7, -1),
                                                    axis=2), rtol=1e-5)


def test_casia_b_protocol_equals_reference_with_rounding():
    rng = np.random.default_rng(2)
    types = ["nm-01", "nm-02", "nm-03", "nm-04", "nm-05", "nm-06", "bg-01", "bg-02", "cl-01"]
    data = drop(rng, synthetic(rng, [f"{i:03d}" for i in range(7)], types,
                               ["000", "018", "036", "054"], noise=1.3), 0.1)
    config = EvalConfig(gallery=["nm-01", "nm-02", "nm-03", "nm-04"],
                        probes={"NM": ["nm-05", "nm-06"], "BG": ["bg-01", "bg-02"],
                                "CL": ["cl-01"]})
    result = evaluate_embeddings(*data, config)
    values = []
    for name, probe_types in config.probes.items():
        want, cells = cross_view(*data, probe_types, config.gallery, "exact", [1])
        got = result.probe_sets[name]
        np.testing.assert_array_equal(got.cells[:, :, 0], cells[1])  # rounded cells, exactly
        assert got.metrics["rank1"] == pytest.approx(want[1], abs=1e-9)
        values.append(want[1])
    assert 0 < result.mean["rank1"] < 100  # a non-trivial case
    assert result.mean["rank1"] == pytest.approx(np.mean(values), abs=1e-9)


def test_substring_protocol_with_rank5_equals_reference():
    rng = np.random.default_rng(3)
    types = ["00-nm", "01-nm", "01-bg", "02-cl", "03-bg-nt"]
    data = synthetic(rng, [f"{i:04d}" for i in range(9)], types, ["000", "045", "090"],
                     noise=1.6)
    config = load_recipe("sustech1k").eval
    config.probes = {"Normal": ["01-nm"], "Bag": ["bg"], "Night": ["nt"],
                     "Overall": ["01", "02", "03", "04"]}
    config.mean_over = ["Normal", "Bag", "Night"]
    result = evaluate_embeddings(*data, config)
    for name, probe_types in config.probes.items():
        want, cells = cross_view(*data, probe_types, ["00-nm"], "substring", [1, 5])
        got = result.probe_sets[name]
        for i, k in enumerate([1, 5]):
            np.testing.assert_array_equal(got.cells[:, :, i], cells[k])
            assert got.metrics[f"rank{k}"] == pytest.approx(want[k], abs=1e-9)
    assert result.probe_sets["Overall"].num_probes == 9 * 3 * 4
    assert result.mean["rank1"] == pytest.approx(
        np.mean([result.probe_sets[n].metrics["rank1"] for n in config.mean_over]))
    assert result.probe_sets["Normal"].metrics["rank1"] <= result.probe_sets["Normal"].metrics[
        "rank5"]


def test_ccpg_reid_protocol_equals_reference():
    rng = np.random.default_rng(4)
    types = ["U0_D0_BG", "U0_D0", "U1_D1", "U2_D2", "U3_D3", "U0_D3", "U1_D0"]
    data = drop(rng, synthetic(rng, [f"{i:03d}" for i in range(8)], types,
                               ["1_1", "1_2", "2_1", "3_4"], noise=1.4), 0.15)
    config = load_recipe("ccpg").eval
    result = evaluate_embeddings(*data, config)
    for name, probe_types in config.probes.items():
        want_ranks, want_map = reid(*data, probe_types, config.galleries[name], [1])
        got = result.probe_sets[name].metrics
        assert got["rank1"] == pytest.approx(want_ranks[1], abs=1e-9)
        assert got["mAP"] == pytest.approx(want_map, abs=1e-9)
    assert result.probe_sets["CL"].views == ["1", "2", "3"]  # view = prefix before "_"
    assert set(result.to_dict()["CL"]) == {"rank1", "mAP", *VERIFICATION_KEYS}


def test_identical_embeddings_per_subject_give_100_and_swaps_give_0():
    labels = ["a", "a", "b", "b"] * 2
    types = ["nm-01", "nm-05"] * 4
    views = ["000"] * 4 + ["090"] * 4
    centre = {"a": np.ones((4, 2)), "b": -np.ones((4, 2))}
    emb = np.stack([centre[s] for s in labels])
    config = EvalConfig(gallery=["nm-01"], probes={"NM": ["nm-05"]})
    assert evaluate_embeddings(emb, labels, types, views, config).mean["rank1"] == 100.0
    swapped = np.stack([centre["b" if s == "a" else "a"] if t == "nm-05" else centre[s]
                        for s, t in zip(labels, types)])
    assert evaluate_embeddings(swapped, labels, types, views, config).mean["rank1"] == 0.0


def test_cells_are_rounded_before_averaging():
    # 3 probes per view, one right in each cell -> 33.33 per cell, not 33.333...
    labels = ["a", "b", "c"] * 4
    types = ["nm-01"] * 3 + ["nm-05"] * 3 + ["nm-01"] * 3 + ["nm-05"] * 3
    views = ["000"] * 6 + ["090"] * 6
    gallery = {"a": [1.0, 0.0], "b": [0.0, 1.0], "c": [-1.0, 0.0]}
    probe = {"a": [0.9, 0.0], "b": [-0.9, 0.1], "c": [0.0, 0.9]}  # only "a" is right
    emb = np.asarray([gallery[s] if t == "nm-01" else probe[s] for s, t in zip(labels, types)])
    result = evaluate_embeddings(emb, labels, types, views,
                                 EvalConfig(gallery=["nm-01"], probes={"NM": ["nm-05"]}))
    assert result.probe_sets["NM"].cells[0, 1, 0] == 33.33
    assert result.mean["rank1"] == 33.33


@pytest.mark.parametrize("recipe", ["casia-b", "ccpg"])
def test_chunked_equals_unchunked(recipe):
    rng = np.random.default_rng(5)
    config = load_recipe(recipe).eval
    types = sorted({t for ts in config.probes.values() for t in ts}
                   | set(config.gallery) | {t for ts in config.galleries.values() for t in ts})
    data = synthetic(rng, [f"{i:03d}" for i in range(6)], types, ["000_1", "090_2", "180_3"],
                     noise=1.5)
    config.chunk_size = 4096
    whole = evaluate_embeddings(*data, config).to_dict()
    config.chunk_size = 1
    assert evaluate_embeddings(*data, config).to_dict() == whole


def test_bad_inputs_are_named():
    emb = np.zeros((4, 8, 2))
    labels, views = ["a", "a", "b", "b"], ["000"] * 4
    with pytest.raises(UsageError, match="labels 3"):
        evaluate_embeddings(emb, labels[:3], ["nm-01"] * 4, views, EvalConfig())
    with pytest.raises(UsageError, match="probe set BG: no sequences"):
        evaluate_embeddings(emb, labels, ["nm-01", "nm-05", "nm-01", "nm-05"], views,
                            EvalConfig(gallery=["nm-01"],
                                       probes={"NM": ["nm-05"], "BG": ["bg-01"]}))
    with pytest.raises(UsageError, match="eval.mode"):
        evaluate_embeddings(emb, labels, ["nm-01"] * 4, views, EvalConfig(mode="cross"))


def test_mean_part_distances_equals_the_stacked_computation_bit_for_bit():
    rng = np.random.default_rng(4)
    probe = rng.normal(size=(5, 37, 16)).astype(np.float32)  # [p, n, c]
    gallery = rng.normal(size=(5, 23, 16)).astype(np.float32)
    probe_sq, gallery_sq = (np.einsum("pnc,pnc->pn", x, x) for x in (probe, gallery))
    stacked = np.matmul(probe, gallery.transpose(0, 2, 1))  # the textbook form, all parts
    stacked *= -2.0
    stacked += probe_sq[:, :, None]
    stacked += gallery_sq[:, None, :]
    want = np.sqrt(np.maximum(stacked, 0.0)).mean(axis=0)
    got = mean_part_distances(probe, probe_sq, gallery, gallery_sq)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("recipe,types,views", [
    ("casia-b", ["nm-01", "nm-02", "nm-05", "bg-01", "cl-01"], ["000", "090", "180"]),
    ("ccpg", ["U0_D0_BG", "U0_D0", "U1_D1", "U2_D2", "U3_D3", "U0_D3", "U1_D0"],
     ["1_1", "2_3", "3_1"]),
])
def test_each_probe_set_computes_its_distances_once(monkeypatch, recipe, types, views):
    """Rank-k, the per-view cells and verification read one distance matrix per probe set."""
    calls = []
    original = distance.mean_part_distances

    def counted(probe, *args):
        calls.append(probe.shape[1])
        return original(probe, *args)

    monkeypatch.setattr(distance, "mean_part_distances", counted)
    data = synthetic(np.random.default_rng(6), [f"{i:03d}" for i in range(5)], types, views,
                     noise=1.0)
    config = load_recipe(recipe).eval
    result = evaluate_embeddings(*data, config)
    assert len(calls) == len(config.probes)  # one chunk each: the whole probe set
    assert calls == [ps.num_probes for ps in result.probe_sets.values()]
    assert all(ps.verification.genuine_pairs > 0 for ps in result.probe_sets.values())
