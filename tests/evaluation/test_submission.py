"""GREW's submission file: header, one row per probe, subject ids in distance order."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from heatgait.config import load_recipe
from heatgait.errors import UsageError
from heatgait.evaluation.distance import distance_matrix
from heatgait.evaluation.submission import submission_header, write_submission


def grew_like(rng, subjects=25, probes=7):
    """Test subjects 00001.. with types 01 and 02; unlabelled probes (subject "probe", type 03,
    view = video id); embeddings [n, 8, 2]."""
    labels, types, views = [], [], []
    for s in range(1, subjects + 1):
        for t in ("01", "02"):
            labels.append(f"{s:05d}"), types.append(t), views.append(f"seq{s}{t}")
    for p in range(probes):
        labels.append("probe"), types.append("03"), views.append(f"{p * 7919 % 10000:04d}vid")
    emb = rng.normal(size=(len(labels), 8, 2)).astype(np.float32)
    return emb, np.asarray(labels), np.asarray(types), np.asarray(views)


def test_submission_rows_are_the_twenty_nearest_subjects_of_each_probe(tmp_path):
    rng = np.random.default_rng(3)
    emb, labels, types, views = grew_like(rng)
    config = load_recipe("grew").eval
    path, count = write_submission(tmp_path / "out" / "grew.csv", emb, labels, types, views,
                                   config)
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["videoId", *[f"rank{k}" for k in range(1, 21)], "rank1_distractor"]
    assert rows[0] == submission_header(20) and len(rows[0]) == 22
    probe = np.flatnonzero(types == "03")
    assert count == len(rows) - 1 == len(probe)  # one row per probe
    gallery = np.flatnonzero(types != "03")
    dist = distance_matrix(emb[probe], emb[gallery])  # [probes, gallery]
    by_video = {views[i]: row for i, row in zip(probe, dist)}
    assert [r[0] for r in rows[1:]] == sorted(by_video)  # rows in video-id order
    for row in rows[1:]:
        order = np.argsort(by_video[row[0]], kind="stable")[:20]
        assert row[1:21] == [str(int(labels[gallery][j])) for j in order]  # nearest first
        assert row[21] == row[1]  # no distractor set: the top subject again


def test_submission_needs_probes_and_gallery_and_the_grew_protocol(tmp_path):
    rng = np.random.default_rng(4)
    emb, labels, types, views = grew_like(rng)
    keep = types != "03"
    with pytest.raises(UsageError, match="no probe sequences of types"):
        write_submission(tmp_path / "x.csv", emb[keep], labels[keep], types[keep], views[keep],
                         load_recipe("grew").eval)
    with pytest.raises(UsageError, match="use --submission with -p grew"):
        write_submission(tmp_path / "x.csv", emb, labels, types, views,
                         load_recipe("casia-b").eval)
    small = (types == "03") | (np.arange(len(types)) < 10)
    with pytest.raises(UsageError, match="fewer than the 20 ranks"):
        write_submission(tmp_path / "x.csv", emb[small], labels[small], types[small],
                         views[small], load_recipe("grew").eval)
    assert not (tmp_path / "x.csv").exists()
