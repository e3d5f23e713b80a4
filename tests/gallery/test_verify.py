"""verify's impostor scores (hand-computed) and how it reads its two sides."""

from __future__ import annotations

import numpy as np
import pytest

from heatgait.errors import UsageError
from heatgait.gallery import Gallery
from heatgait.gallery.verify import impostor_scores
from heatgait.gallery.verify_sides import parse_side


def test_impostor_scores_are_shaped_like_the_comparison():
    points = np.array([0.0, 1.0, 3.0], np.float32).reshape(3, 1, 1)  # one part, on a line
    names = np.array(["a", "a", "b"])  # distances: a0-a1 1, a0-b 3, a1-b 2
    assert sorted(impostor_scores(points, names, (False, False))) == [2.0, 3.0]
    # a sequence against a person: each entry's nearest entry of each other person
    assert sorted(impostor_scores(points, names, (True, False))) == [2.0, 2.0, 3.0]
    assert sorted(impostor_scores(points, names, (False, True))) == [2.0, 2.0, 3.0]
    # person against person: their two nearest entries
    assert impostor_scores(points, names, (True, True)).tolist() == [2.0]


def test_sides_are_read_by_their_spelling(tiny_gallery, tmp_path):
    data, _, gallery = tiny_gallery
    side = parse_side(f"{data}:001/nm-01/000", None)
    assert (side.kind, side.path, side.key) == ("sequence", data, "001/nm-01/000")
    video = tmp_path / "walk.avi"
    video.write_bytes(b"")  # a path that exists and holds no shards is taken as a video
    assert parse_side(str(video), None).kind == "video"
    with Gallery(gallery) as g:
        assert parse_side("001", g).kind == "name"
        with pytest.raises(UsageError, match="nor a name in gallery"):
            parse_side("nobody", g)
    with pytest.raises(UsageError, match="needs --gallery"):
        parse_side("001", None)
    with pytest.raises(UsageError, match="SEQUENCE_KEY, e.g."):
        parse_side(str(data), None)
