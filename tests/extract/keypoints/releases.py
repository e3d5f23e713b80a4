"""Walkers laid out as the keypoint releases lay them out, labelled to fit the official split
files (pipelines/splits/), so that import -> train -> eval runs each data set's protocol:

- OU-MVLP-Pose: ``openpose/<id>/<view>_<seq>/<frame:04d>_keypoints.json`` (OpenPose COCO-18
  JSON, one frame with nobody after each sequence); train ids odd, test ids even, as the
  split; views 000 and 090; seq 00 probe, 01 gallery;
- GREW: ``train/<id>/<seq>/``, ``test/gallery/<id>/<seq>/`` (two sequences an id, 20 in all:
  the submission ranks 20) and ``test/probe/<video>/``, one ``<n:05d>_2d_pose.txt`` a frame;
- Gait3D: ``2D_Poses/<id>/camid<c>_videoid<v>/seq<k>/human_crop_f<n>.txt``: the first three
  probes the split lists, each with gallery sequences of other cameras, two more test
  subjects as gallery and two train subjects.

A handful of 7-12 frame walkers (vtest.avi's) is too few sequences for a protocol, so each is
cut into overlapping 3-frame clips (stride 1); each subject takes its clips from one walker
(subject j: walker j mod W), and clips repeat once that walker's run out. Each writer returns
its sequences with the labels ``heatgait import`` must give them (id, type, view).
Accuracy on such sets means nothing; they prove the path.
"""

from __future__ import annotations

from pathlib import Path

from heatgait.config import load_recipe
from heatgait.data.splits import load_split_list
from tests.extract.keypoints import writers
from tests.extract.keypoints.writers import Walker

CLIP = 3  # frames a sequence
OUMVLP_VIEWS = ("000", "090")


class Dealer:
    """Deals walkers' clips out to subjects, one walker a subject, in turn."""

    def __init__(self, walkers: list[Walker], length: int = CLIP):
        self.clips = [[(kp[i:i + length], frames[i:i + length])
                       for i in range(len(kp) - length + 1)] for *_, kp, frames in walkers]
        assert all(self.clips), f"every walker needs {length} frames or more"
        self.used = [0] * len(walkers)
        self.subjects = 0

    def subject(self, labels: list[tuple[str, str, str]]) -> list[Walker]:
        """One new subject's sequences, labelled (id, type, view), clips of one walker."""
        w = self.subjects % len(self.clips)
        self.subjects += 1
        out: list[Walker] = []
        for subject, type_, view in labels:
            kp, frames = self.clips[w][self.used[w] % len(self.clips[w])]
            self.used[w] += 1
            out.append((subject, type_, view, kp, frames))
        return out


def _split(recipe: str, key: str) -> list[str]:
    return load_split_list(load_recipe(recipe).split_file, key)


def write_oumvlp(root: Path, walkers: list[Walker]) -> list[Walker]:
    """``root/openpose/...``: 2 train subjects (one view), 4 test subjects x 2 views x 2 seqs."""
    deal = Dealer(walkers)
    train, test = _split("oumvlp", "TRAIN_SET")[:2], _split("oumvlp", "TEST_SET")[:4]
    seqs = [s for subject in train
            for s in deal.subject([(subject, seq, "000") for seq in ("00", "01")])]
    seqs += [s for subject in test for s in deal.subject(
        [(subject, seq, view) for seq in ("00", "01") for view in OUMVLP_VIEWS])]
    writers.write_openpose(root / "openpose", seqs)
    return seqs


def write_grew(root: Path, walkers: list[Walker]) -> list[Walker]:
    """``root/train``, ``root/test/gallery`` (10 ids x 2), ``root/test/probe`` (3 videos)."""
    deal = Dealer(walkers)
    placed: list[tuple[Path, Walker]] = []
    for n in (1, 2):
        for s in deal.subject([(f"{n:05d}train", "00", f"T{n:05d}{k}x") for k in "ab"]):
            placed.append((root / "train" / f"{n:05d}" / s[2], s))
    for n in range(1, 11):  # gallery sequences are 01 and 02 by their sorted names
        for s in deal.subject([(f"{n:05d}", f"0{k + 1}", f"{'AB'[k]}{n:05d}gz") for k in (0, 1)]):
            placed.append((root / "test" / "gallery" / s[0] / s[2], s))
    for s in deal.subject([("probe", "03", f"{v:03d}prb9q") for v in range(3)]):
        placed.append((root / "test" / "probe" / s[2], s))
    for folder, (*_, kp, frames) in placed:
        writers.write_text_frames(folder, kp, [f"{f + 1:05d}_2d_pose.txt" for f in frames])
    return [s for _, s in placed]


def write_gait3d(root: Path, walkers: list[Walker]) -> list[Walker]:
    """``root/2D_Poses/...``: 3 listed probes with gallery, 2 gallery-only test ids, 2 train."""
    deal = Dealer(walkers)
    listed = [key.split("-") for key in _split("gait3d", "PROBE_SET")[:3]]
    seqs: list[Walker] = []
    for subject in _split("gait3d", "TRAIN_SET")[:2]:
        seqs += deal.subject([(subject, f"camid{c}_videoid1", "seq0") for c in (1, 2)])
    for subject, seq_type, view in listed:
        assert not seq_type.startswith(("camid98_", "camid99_"))
        seqs += deal.subject([(subject, seq_type, view), (subject, "camid99_videoid1", "seq0"),
                              (subject, "camid98_videoid1", "seq1")])
    others = [s for s in _split("gait3d", "TEST_SET") if s not in {p[0] for p in listed}][:2]
    for subject in others:
        seqs += deal.subject([(subject, "camid99_videoid1", "seq0")])
    writers.write_text(root / "2D_Poses", seqs, "gait3d")
    return seqs


WRITERS = {"oumvlp": write_oumvlp, "grew": write_grew, "gait3d": write_gait3d}
