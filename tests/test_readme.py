"""The README is executable: every heatgait command shown in README.md and docker/README.md runs,
word for word, and must succeed. Commands run in chains of sections (``CHAINS``), each chain in
README order in a folder of its own, the chains side by side under pytest-xdist.

What is substituted, and why (nothing else is):
- data paths: ``/data/CASIA-B/videos`` (and the container's ``/videos``) become a tiny
  CASIA-B-layout video tree cut from vtest.avi (2 subjects x 2 types x 2 views, 20 frames each,
  named as CASIA-B names its videos); the container's ``/shards/`` and ``/data`` mounts become
  the working folder's; ``/data/paper`` (reproduce) is left as is for ``--dry-run``.
- ``--pose hrnet`` / ``--pose vitpose`` become ``--pose blazepose``: no pose weights can be
  downloaded here. ``--device cuda`` becomes ``--device cpu``: there is no GPU here.
- ``torchrun --nproc_per_node 8`` becomes 2 processes: two CPU cores here.
- ``heatgait train`` gets toy ``--set`` sizes appended (a narrow network, 2 iterations): the
  paper's 60k iterations at full width are a GPU job.
- a file under ``/data/CASIA-B/videos/`` becomes that file of the tiny tree.
- the keypoint releases ``/data/OUMVLP-Pose``, ``/data/GREW`` and ``/data/Gait3D`` (and paths
  under them) become trees in each release's own layout, written from heatgait's BlazePose
  walkers of vtest.avi cut into 3-frame clips and labelled to fit the official split files
  (``tests.extract.keypoints.releases``): OpenPose JSON, ``*_2d_pose.txt``,
  ``human_crop_f*.txt``.
``heatgait verify`` may exit 1 as well as 0: like ``cmp``, 1 is an answer ("different
walkers"), which a toy model may give; 2 is its failure.
The shard folders ``shards/casia-b`` and ``shards/ccpg`` also hold small synthetic shards
named after those data sets (``heatgait synth --recipe``), so that training and the
cross-domain evaluation have subjects of both splits.
Docker's own ``docker build`` / ``docker run`` wrappers are left out; the heatgait command
inside each ``docker run`` is run.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from heatgait.extract.job.sample_video import vtest_path

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "README.md", ROOT / "docker" / "README.md")
IMAGE = "heatgait:cuda"
TOY_TRAIN = ["model.channels=[4, 8, 8, 16]", "model.embed_dim=8",
             "model.parts=4", "data.batch_p=2", "data.batch_k=2", "data.frames_per_sequence=3",
             "data.num_workers=0", "train.iterations=2", "train.milestones=[1]",
             "train.checkpoint_every=2"]
BIN = Path(sys.executable).parent


def shell_blocks(text: str) -> list[str]:
    """The ```bash blocks of a Markdown text."""
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def block_commands(block: str) -> list[list[str]]:
    """Every heatgait (or torchrun) command of one shell block, as argv, in order."""
    found = []
    for line in block.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        if words[0] == "docker":
            if IMAGE not in words or words[1] == "build":
                continue
            words = words[words.index(IMAGE) + 1:]
        if words and words[0] in ("heatgait", "torchrun"):
            found.append(words)
    return found


def sections(doc: Path) -> list[tuple[str, list[list[str]]]]:
    """(``## `` section title, its commands in order) of a document's sections with commands."""
    out = []
    for number, part in enumerate(re.split(r"^## ", doc.read_text(), flags=re.M)):
        title = part.splitlines()[0].strip() if number else ""  # "": before the first section
        found = [argv for block in shell_blocks(part) for argv in block_commands(block)]
        if found:
            out.append((title, found))
    return out


def commands(doc: Path) -> list[list[str]]:
    """Every heatgait (or torchrun) command of a document, as argv, in order."""
    return [argv for _, found in sections(doc) for argv in found]


# The README's commands run in chains: each chain in a folder of its own, its sections in README
# order, so that pytest-xdist runs the chains side by side. A section joins the chain whose
# title prefix it starts with (a section that uses another's output joins that chain); the
# sections of no chain run together in "other", docker/README.md is the chain "docker".
CHAINS = {
    "synthetic": ("Try it without a data set", "Who is this walker?", "Exported models"),
    "casia-b": ("A real run on CASIA-B",),
    "keypoints": ("Keypoint data sets",),
}


def chain_of(doc: Path, title: str) -> str:
    if doc != DOCS[0]:
        return "docker"
    for chain, prefixes in CHAINS.items():
        if title.startswith(prefixes):
            return chain
    return "other"


def chain_commands(chain: str) -> list[tuple[Path, list[str]]]:
    """(document, argv) of one chain, in document order."""
    return [(doc, argv) for doc in DOCS for title, found in sections(doc)
            if chain_of(doc, title) == chain for argv in found]


def substitute(argv: list[str], tree: Path) -> list[str]:
    """The substitutions of the module docstring."""
    out = []
    for i, word in enumerate(argv):
        previous = argv[i - 1] if i else ""
        if word in ("/data/CASIA-B/videos", "/videos"):
            word = str(tree)
        elif word.startswith("/data/CASIA-B/videos/"):
            word = str(tree / word.removeprefix("/data/CASIA-B/videos/"))
        elif release_of(word):
            word = str(tree.parents[1] / word.removeprefix("/data/"))
        elif word.startswith("/shards/"):
            word = word.removeprefix("/")
        elif previous == "--pose" and word.startswith(("hrnet", "vitpose")):
            word = "blazepose"
        elif previous == "--device" and word.startswith("cuda"):
            word = "cpu"
        elif previous in ("--nproc_per_node", "--nproc-per-node"):
            word = "2"
        out.append(word)
    if out[0] == "torchrun" or out[:2] == ["heatgait", "train"]:
        out += [arg for item in TOY_TRAIN for arg in ("--set", item)]
    return out


def make_casia_tree(root: Path) -> Path:
    """2 subjects x 2 types x 2 views of 20 frames, cut around walkers of vtest.avi."""
    import cv2

    from heatgait.extract.detection.detectors import build_detector

    video = vtest_path()
    assert video is not None, "vtest.avi missing: make data installs opencv-doc"
    capture = cv2.VideoCapture(str(video))
    frames = []
    while len(frames) < 8 * 20:
        ok, frame = capture.read()
        assert ok
        frames.append(frame)
    detector = build_detector("blazepose")
    tree = root / "CASIA-B" / "videos"
    tree.mkdir(parents=True)
    names = [f"{s}-{t}-{v}" for s in ("001", "075") for t in ("nm-01", "nm-02")
             for v in ("000", "090")]
    for number, name in enumerate(names):
        clip = frames[number * 20:(number + 1) * 20]
        boxes = detector([cv2.cvtColor(clip[0], cv2.COLOR_BGR2RGB)])[0]
        assert len(boxes), f"no walker in frame {number * 20} of vtest.avi"
        x1, y1, x2, y2 = boxes[np.argmax((boxes[:, 3] - boxes[:, 1]) * boxes[:, 4])][:4]
        cx, cy, side = (x1 + x2) / 2, (y1 + y2) / 2, int(2.2 * (y2 - y1))
        left = int(np.clip(cx - side / 2, 0, clip[0].shape[1] - side))
        top = int(np.clip(cy - side / 2, 0, clip[0].shape[0] - side))
        writer = cv2.VideoWriter(str(tree / f"{name}.avi"), cv2.VideoWriter_fourcc(*"MJPG"),
                                 10, (side, side))
        for frame in clip:
            writer.write(np.ascontiguousarray(frame[top:top + side, left:left + side]))
        writer.release()
    return tree


def add_synthetic_shards(work: Path) -> None:
    """Synthetic CASIA-B and CCPG shards beside the extracted ones (subjects that the video
    tree does not use)."""
    from heatgait.synth.generate import generate_dataset, options_for_recipe

    for recipe, views in (("casia-b", ("000", "090")), ("ccpg", ("1_1", "2_1"))):
        opts = options_for_recipe(recipe, 6, seed=5, frames=(5, 7), views=views)
        if recipe == "casia-b":
            opts.subject_names = ["002", "003", "004", "076", "077", "078"]
        made = generate_dataset(work / "synthetic" / recipe, opts, progress=False)
        folder = work / "shards" / recipe
        folder.mkdir(parents=True, exist_ok=True)
        for shard in made.shards:  # only the shards: the folder's recipe.yaml stays stage 1's
            shard.rename(folder / shard.name)


# the keypoint releases the README imports: /data/<folder> -> the writer of its layout
RELEASES = {"OUMVLP-Pose": "oumvlp", "GREW": "grew", "Gait3D": "gait3d"}


def release_of(word: str) -> str:
    """The release folder (``OUMVLP-Pose``, ``GREW``, ``Gait3D``) a /data path is in, or ""."""
    parts = word.split("/")
    return parts[2] if word.startswith("/data/") and parts[2] in RELEASES else ""


def write_keypoint_releases(data: Path) -> None:
    """``data/<release>`` for each keypoint release, from BlazePose's vtest.avi walkers."""
    from tests.extract.keypoints.releases import WRITERS
    from tests.extract.keypoints.vtest import blazepose_walkers

    walkers = blazepose_walkers(data / "vtest-blazepose")
    for folder, name in RELEASES.items():
        WRITERS[name](data / folder, walkers)


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    exe = [str(BIN / argv[0]), *argv[1:]]
    return subprocess.run(exe, cwd=cwd, capture_output=True, text=True, check=False,
                          env={**os.environ, "COLUMNS": "120"})


def test_every_document_shows_commands():
    for doc in DOCS:
        assert commands(doc), f"{doc.name} shows no heatgait command"


def test_every_command_belongs_to_one_chain():
    chained = [argv for chain in (*CHAINS, "other", "docker") for _, argv in chain_commands(chain)]
    assert sorted(map(shlex.join, chained)) == sorted(
        shlex.join(argv) for doc in DOCS for argv in commands(doc))


@pytest.mark.slow
@pytest.mark.parametrize("chain", [*CHAINS, "other", "docker"])
def test_every_readme_command_runs_as_printed(chain: str, tmp_path: Path):
    todo = chain_commands(chain)
    if not todo:  # a chain with no section left (no README section of its titles)
        pytest.fail(f"chain {chain!r} has no commands: update CHAINS in {__name__}")
    tree = make_casia_tree(tmp_path / "data")
    work = tmp_path / "work"
    work.mkdir()
    failures = []
    synthetic_added = keypoint_added = False
    for doc, argv in todo:
        if not synthetic_added and argv[:2] in (["heatgait", "train"], ["torchrun"]):
            add_synthetic_shards(work)
            synthetic_added = True
        if not keypoint_added and any(map(release_of, argv)):
            write_keypoint_releases(tree.parents[1])
            keypoint_added = True
        final = substitute(argv, tree)
        done = run(final, work)
        answers = (0, 1) if argv[:2] == ["heatgait", "verify"] else (0,)
        if done.returncode not in answers:
            failures.append(f"{doc.name}: {shlex.join(argv)}\n  ran: {shlex.join(final)}"
                            f"\n  exit {done.returncode}: {done.stderr.strip()[-600:]}")
            break  # later commands of the chain use this one's output
    assert not failures, "\n".join(failures)
