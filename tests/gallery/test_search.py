"""Search = index candidates re-ranked with the evaluator's metric; top-1 as brute force."""

from __future__ import annotations

import numpy as np
import pytest

from heatgait.evaluation.distance import distance_matrix
from heatgait.gallery import Gallery
from heatgait.gallery import index as vindex
from tests.gallery.conftest import FINGERPRINT, items, normalised, people


def brute_force_names(queries, emb, owner, top):
    dist = distance_matrix(queries, emb)  # [n, m]
    out = []
    for row in dist:
        names, seen = [], set()
        for j in np.argsort(row, kind="stable"):
            if owner[j] not in seen:
                seen.add(owner[j])
                names.append((f"p{owner[j]:05d}", float(row[j])))
            if len(names) == top:
                break
        out.append(names)
    return out


def test_small_gallery_lists_each_name_once_nearest_first_as_brute_force(tmp_path, rng):
    centres, emb, owner = people(rng, 30, noise=0.3)
    queries = normalised(centres + 0.3 * rng.normal(size=centres.shape))
    with Gallery(tmp_path / "g", create=True) as gallery:
        gallery.add(emb, items(owner), FINGERPRINT)
        assert gallery.index_info["kind"] == "flat"
        got = gallery.search(queries, top=5)
    want = brute_force_names(queries, emb, owner, 5)
    for matches, expected in zip(got, want):
        assert [m.name for m in matches] == [n for n, _ in expected]
        np.testing.assert_allclose([m.distance for m in matches], [d for _, d in expected],
                                   rtol=1e-5)


@pytest.mark.slow
def test_top1_equals_brute_force_on_a_gallery_that_needs_the_index(tmp_path, rng):
    # 20,480 entries of [32, 16]: a flat scan would pass FLAT_MAX_CELLS, so the index is the
    # product quantiser and only its 128 candidates are re-ranked exactly
    centres, emb, owner = people(rng, 5120, channels=32, parts=16, per_person=4, noise=0.08)
    assert vindex.choose_kind(len(emb), 32 * 16) == "pq"
    picked = rng.choice(len(centres), 1000, replace=False)
    queries = normalised(centres[picked] + 0.08 * rng.normal(size=(1000, 32, 16)))
    with Gallery(tmp_path / "g", create=True) as gallery:
        gallery.add(emb, items(owner), FINGERPRINT)
        assert gallery.index_info["kind"] == "pq"
        got = gallery.search(queries, top=1)
    dist = distance_matrix(queries, emb)  # [1000, 20480]
    best = dist.argmin(axis=1)
    found = np.asarray([m[0].entry.id - 1 for m in got])  # ids start at 1, in row order
    agree = found == best
    assert agree.mean() >= 0.999, f"top-1 equal to brute force in {agree.mean():.4f}"
    np.testing.assert_allclose([m[0].distance for m in got],
                               dist[np.arange(1000), found], rtol=1e-5)
    assert (owner[found] == picked).mean() > 0.99  # and it names the right person
