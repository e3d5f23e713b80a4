"""import -> train -> eval with the oumvlp, gait3d and grew protocols on vtest.avi's BlazePose
walkers written in each release's own layout (tests.extract.keypoints.releases), through the
real command line; GREW's submission file in the template's shape.
"""

from __future__ import annotations

import csv
import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from heatgait.cli.app import main
from heatgait.data.shardset import ShardSet
from tests.extract.keypoints import releases

pytestmark = pytest.mark.slow

# (format, --dataset, root under the written tree: OU-MVLP-Pose's release root, above its
# openpose/; the README imports the openpose/ folder itself)
IMPORTS = {"oumvlp": ("openpose", "OU-MVLP", "."), "grew": ("grew", "GREW", "."),
           "gait3d": ("gait3d", "Gait3D", "2D_Poses")}
TOY = ["model.channels=[4, 8, 8, 16]", "model.embed_dim=8", "model.parts=4", "data.batch_p=2",
       "data.batch_k=2", "data.frames_per_sequence=3", "data.num_workers=0",
       "train.iterations=2", "train.milestones=[1]"]


@pytest.fixture(scope="module", params=sorted(IMPORTS))
def evaluated(request, vtest_walkers, tmp_path_factory) -> tuple[str, list, Path, dict, str]:
    """(recipe, sequences written, work folder, results JSON, printed table) of one data set."""
    name = request.param
    fmt, dataset, under = IMPORTS[name]
    work = tmp_path_factory.mktemp(name)
    seqs = releases.WRITERS[name](work / "release", vtest_walkers)
    shards, run = work / "shards", work / "run"
    assert main(["import", str(work / "release" / under), "--format", fmt, "--dataset", dataset,
                 "--out", str(shards), "-q"]) == 0
    assert main(["train", "--recipe", name, "--data", str(shards), "--out", str(run),
                 "--device", "cpu", "--quiet", *[a for s in TOY for a in ("--set", s)]]) == 0
    extra = ["--submission", str(work / "submission.csv")] if name == "grew" else []
    with redirect_stdout(io.StringIO()) as printed:  # capsys is per test, this is per module
        assert main(["eval", str(run), "--data", str(shards), "-p", name, "--device", "cpu",
                     "--json", str(work / "results.json"), *extra]) == 0
    return name, seqs, work, json.loads((work / "results.json").read_text()), printed.getvalue()


def test_import_labels_the_release_as_its_protocol_expects(evaluated):
    name, seqs, work, *_ = evaluated
    shards = ShardSet(work / "shards")
    got = sorted((s.subject, s.type, s.view) for s in shards.sequences)
    assert got == sorted((s[0], s[1], s[2]) for s in seqs)
    assert {s.dataset for s in shards.sequences} == {IMPORTS[name][1]}


def test_eval_reports_the_protocols_metrics(evaluated):
    name, seqs, _, results, printed = evaluated
    print(printed)  # the table (pytest -s shows it)
    assert "rank" in printed.lower()
    details = results["details"]
    assert details["protocol"] == name
    mean = results["mean"]
    if name == "oumvlp":  # rank-1 per (probe view, gallery view), identical views excluded
        (probe_set,) = details["probe_sets"].values()
        assert probe_set["views"] == list(releases.OUMVLP_VIEWS)
        cells = probe_set["cells_rank1"]
        per_view = probe_set["per_view"]["rank1"]
        for i, view in enumerate(releases.OUMVLP_VIEWS):  # two views: the one other cell
            assert per_view[view] == pytest.approx(cells[i][1 - i])
        assert mean["rank1"] == pytest.approx(sum(per_view.values()) / 2)
        assert probe_set["num_probes"] == 8 and probe_set["num_gallery"] == 8
    elif name == "gait3d":
        assert {"rank1", "rank5", "rank10", "mAP", "mINP"} <= set(mean)
        (probe_set,) = details["probe_sets"].values()
        assert probe_set["num_probes"] == 3  # the listed probes, against every other test seq
        assert probe_set["num_gallery"] == 3 * 2 + 2
    else:
        assert {"rank1", "rank5", "rank10", "rank20"} <= set(mean)
        assert any("not comparable" in note for note in details["notes"])
        (probe_set,) = details["probe_sets"].values()
        assert (probe_set["num_probes"], probe_set["num_gallery"]) == (10, 10)
    for value in mean.values():
        assert value is None or 0.0 <= value <= 100.0


@pytest.mark.parametrize("evaluated", ["grew"], indirect=True)
def test_grew_submission_has_the_templates_shape(evaluated):
    _, seqs, work, *_ = evaluated
    rows = list(csv.reader((work / "submission.csv").open()))
    assert rows[0] == ["videoId", *[f"rank{k}" for k in range(1, 21)], "rank1_distractor"]
    probes = sorted(s[2] for s in seqs if s[0] == "probe")
    assert [row[0] for row in rows[1:]] == probes
    gallery = {str(int(s[0])) for s in seqs if s[1] in ("01", "02")}
    for row in rows[1:]:
        assert len(row) == 22 and set(row[1:21]) <= gallery and row[21] == row[1]
