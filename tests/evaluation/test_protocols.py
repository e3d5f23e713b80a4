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


# ---- keypoint data sets: OU-MVLP (cross-view), Gait3D and GREW (retrieval) -----------------

def gait3d_case():
    """Four listed probes and five gallery sequences on a line (1-D embeddings, one part, so
    a distance is |x - y|). Worked out by hand:

    gallery  g1 B@1  g2 A@2  g3 C@3  g4 A@4  g5 B@20
    probe P (A) at 0:    order g1 B, g2 A, g3 C, g4 A, g5 B -> matches at 2, 4:
                         rank-1 miss; AP = (1/2 + 2/4) / 2 = 0.5; INP = 2 / 4 = 0.5
    probe Q (B) at 10:   distances g4 6, g3 7, g2 8, g1 9, g5 10 -> matches at 4, 5:
                         rank-1 miss; AP = (1/4 + 2/5) / 2 = 0.325; INP = 2 / 5 = 0.4
    probe R (C) at 3.1:  g3 is nearest (0.1) -> match at 1: rank-1 hit; AP = 1; INP = 1
    probe S (D) at 5:    subject D is not in the gallery: skipped (Gait3D), or a miss (GREW)
    Over the 3 valid probes: rank-1 1/3, rank-5 3/3, mAP 1.825/3 = 60.8333 %,
    mINP 1.9/3 = 63.3333 %. Counting S as a miss: rank-1 1/4, mAP 1.825/4, mINP 1.9/4.
    An unlisted sequence of a probe's subject is gallery, a listed one never is.
    """
    rows = [  # (x, subject, type, view)
        (0.0, "0001", "camid1_videoid1", "seq0"), (10.0, "0002", "camid2_videoid1", "seq0"),
        (3.1, "0003", "camid1_videoid2", "seq0"), (5.0, "0004", "camid3_videoid1", "seq0"),
        (1.0, "0002", "camid4_videoid1", "seq0"), (2.0, "0001", "camid5_videoid1", "seq0"),
        (3.0, "0003", "camid6_videoid1", "seq1"), (4.0, "0001", "camid1_videoid1", "seq1"),
        (20.0, "0002", "camid7_videoid1", "seq0")]
    x, labels, types, views = zip(*rows)
    listed = [f"{s}-{t}-{v}" for _, s, t, v in rows[:4]]
    return np.asarray(x, np.float32)[:, None], labels, types, views, listed


def test_gait3d_rank_map_minp_by_hand():
    *data, listed = gait3d_case()
    result = evaluate_embeddings(*data, load_recipe("gait3d").eval, probe_keys=listed)
    got = result.probe_sets["all"]
    assert (got.num_probes, got.num_gallery, got.num_skipped) == (4, 5, 1)
    assert got.metrics["rank1"] == pytest.approx(100 / 3)
    assert got.metrics["rank5"] == got.metrics["rank10"] == pytest.approx(100.0)
    assert got.metrics["mAP"] == pytest.approx(100 * 1.825 / 3)
    assert got.metrics["mINP"] == pytest.approx(100 * 1.9 / 3)
    assert got.views == [] and "1 probes had no true match and were skipped" in \
        " ".join(result.notes)
    assert list(result.to_dict()["all"])[:5] == ["rank1", "rank5", "rank10", "mAP", "mINP"]


def test_gait3d_needs_its_probe_list_and_names_missing_probes():
    *data, listed = gait3d_case()
    with pytest.raises(UsageError, match="PROBE_SET"):
        evaluate_embeddings(*data, load_recipe("gait3d").eval)
    result = evaluate_embeddings(*data, load_recipe("gait3d").eval,
                                 probe_keys=[*listed, "9999-camid1_videoid1-seq0"])
    assert any("1 of the 5 probes listed in PROBE_SET" in n for n in result.notes)


def test_grew_local_counts_unmatched_probes_as_misses_and_rounds():
    """GREW's local protocol: the same case as types 02 (probes) vs 01 (gallery)."""
    x, labels, _, _, _ = gait3d_case()
    types = ["02"] * 4 + ["01"] * 5
    views = [f"v{i}" for i in range(9)]  # GREW's views are sequence names: no per-view table
    config = load_recipe("grew").eval
    result = evaluate_embeddings(x, labels, types, views, config, verification=False)
    got = result.probe_sets["local"].metrics
    assert got == {"rank1": 25.0, "rank5": 75.0, "rank10": 75.0, "rank20": 75.0}
    assert any("not comparable to the GREW leaderboard" in n for n in result.notes)
    assert any("counted as misses" in n for n in result.notes)
    keep = np.arange(9) != 3  # without S: rank-1 = 1/3, printed as the field rounds it
    rounded = evaluate_embeddings(x[keep], *[np.asarray(c)[keep] for c in (labels, types, views)],
                                  config, verification=False)
    assert rounded.probe_sets["local"].metrics["rank1"] == 33.33


def oumvlp_case():
    """Two views, three subjects, 1-D embeddings; gallery type 01, probes 00. By hand:

    gallery  000: A 0, B 1, C 5          090: A 10, B 11 (C has no 090 gallery)
    probes   000: A 0.1, B 0.9, C 5.1    090: A 10.6, B 11.2
    cell (000, 000): A, B, C all nearest their own -> 100
    cell (000, 090): A 0.1 -> A@10 hit; B 0.9 -> A@10 miss; C -> no C there: a miss -> 33.33
    cell (090, 000): A 10.6 and B 11.2 are both nearest C@5 -> 0
    cell (090, 090): A 10.6 -> B@11 miss; B 11.2 -> B@11 hit -> 50
    identical views excluded: probe view 000 -> 33.33, 090 -> 0; rank-1 = 16.665
    (with the diagonal it would be 45.83; skipping C's invalid probe would give 25)
    """
    rows = [(0.0, "A", "01", "000"), (1.0, "B", "01", "000"), (5.0, "C", "01", "000"),
            (10.0, "A", "01", "090"), (11.0, "B", "01", "090"),
            (0.1, "A", "00", "000"), (0.9, "B", "00", "000"), (5.1, "C", "00", "000"),
            (10.6, "A", "00", "090"), (11.2, "B", "00", "090")]
    x, labels, types, views = zip(*rows)
    return np.asarray(x, np.float32)[:, None], labels, types, views


def test_oumvlp_excludes_identical_views_and_counts_invalid_probes_as_misses():
    result = evaluate_embeddings(*oumvlp_case(), load_recipe("oumvlp").eval)
    got = result.probe_sets["NM"]
    np.testing.assert_array_equal(got.cells[:, :, 0], [[100.0, 33.33], [0.0, 50.0]])
    np.testing.assert_allclose(got.per_view[:, 0], [33.33, 0.0])
    assert got.metrics["rank1"] == pytest.approx(16.665)
    assert result.mean["rank1"] == pytest.approx(16.665)


def test_oumvlp_recipe_on_fourteen_views_equals_reference():
    rng = np.random.default_rng(7)
    recipe = load_recipe("oumvlp")
    views = ["000", "015", "030", "045", "060", "075", "090", "180", "195", "210", "225",
             "240", "255", "270"]
    data = drop(rng, synthetic(rng, [f"{i:05d}" for i in range(2, 14, 2)], ["00", "01"],
                               views, noise=1.2), 0.1)
    result = evaluate_embeddings(*data, recipe.eval, verification=False)
    want, cells = cross_view(*data, ["00"], ["01"], "exact", [1])
    np.testing.assert_array_equal(result.probe_sets["NM"].cells[:, :, 0], cells[1])
    assert result.probe_sets["NM"].metrics["rank1"] == pytest.approx(want[1], abs=1e-9)
    assert len(result.probe_sets["NM"].views) == 14


def test_cross_view_refuses_minp():
    config = EvalConfig(gallery=["01"], probes={"NM": ["00"]}, metrics=["rank1", "mINP"])
    with pytest.raises(UsageError, match="'mINP' needs eval.mode reid or retrieval"):
        evaluate_embeddings(*oumvlp_case(), config)
