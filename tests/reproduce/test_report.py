"""`heatgait report`: real results JSONs (evaluate_embeddings + write_json) beside the paper.

The JSONs are what ``heatgait eval --json`` writes: a Result scored from random embeddings
by the real protocol code, with provenance under "details" as the eval command adds it.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from heatgait.cli.app import app, main
from heatgait.config import load_recipe
from heatgait.errors import UsageError
from heatgait.evaluation.protocols import evaluate_embeddings
from heatgait.evaluation.report import write_json
from heatgait.reproduce.paper import load_table, load_tables
from heatgait.reproduce.report import build_reports, format_markdown, save_png
from heatgait.reproduce.results import read_results

runner = CliRunner()
CASIA_TYPES = ["nm-01", "nm-02", "nm-03", "nm-04", "nm-05", "nm-06", "bg-01", "bg-02", "cl-01",
               "cl-02"]
CCPG_TYPES = ["U0_D0_BG", "U0_D0", "U1_D1", "U2_D2", "U3_D3", "U0_D3", "U1_D0"]
PNG = b"\x89PNG\r\n\x1a\n"


def results_json(path, protocol, seed, noise=1.0, **provenance):
    """Score random but subject-clustered embeddings with ``protocol``'s recipe; write JSON."""
    rng = np.random.default_rng(seed)
    if protocol == "ccpg":
        rows = [(f"{s:03d}", t, v) for s in range(100, 106) for t in CCPG_TYPES
                for v in ("1_1", "2_3", "3_2")]
    else:
        rows = [(f"{s:03d}", t, v) for s in range(75, 81) for t in CASIA_TYPES
                for v in ("000", "090", "180")]
    subjects = sorted({s for s, _, _ in rows})
    centres = {s: rng.normal(size=(16, 4)) for s in subjects}
    emb = np.stack([centres[s] + noise * rng.normal(size=(16, 4)) for s, _, _ in rows])
    result = evaluate_embeddings(emb.astype(np.float32), *zip(*rows), load_recipe(protocol).eval)
    extra = {"recipe": protocol, "checkpoint": "runs/x/checkpoints/latest.pt", "embeddings": "",
             "cross": ""}
    extra.update(provenance)
    return write_json(result, path, extra)


TABLE5_FILES = [  # (name, protocol, cross, PGHA)
    ("ca-ca", "casia-b", "", True), ("cc-ca", "casia-b", "CC->CA", True),
    ("cc-cc", "ccpg", "", True), ("ca-cc", "ccpg", "CA:CC", True),
    ("ca-ca-nopgha", "casia-b", "", False), ("cc-ca-nopgha", "casia-b", "CC->CA", False),
    ("cc-cc-nopgha", "ccpg", "", False), ("ca-cc-nopgha", "ccpg", "CA->CC", False),
]


@pytest.fixture
def table5_results(tmp_path):
    paths = []
    for seed, (name, protocol, cross, pgha) in enumerate(TABLE5_FILES):
        source = {"casia-b": "CA", "ccpg": "CC"}[protocol] if not cross else cross[:2]
        paths.append(results_json(tmp_path / "results" / f"{name}.json", protocol, seed,
                                  cross=cross, pgha=pgha, source=source))
    return paths


def test_table5_layout_with_the_papers_numbers(table5_results):
    files = [read_results(p) for p in table5_results]
    assert [(f.train, f.test, f.variant) for f in files[:4]] == [
        ("CA", "CA", "gaitheat"), ("CC", "CA", "gaitheat"), ("CC", "CC", "gaitheat"),
        ("CA", "CC", "gaitheat")]
    assert {f.variant for f in files[4:]} == {"no-pgha"}
    (report,) = build_reports(files, load_tables(), only=5)
    assert report.table.number == 5 and [r.variant for r in report.rows] == ["gaitheat",
                                                                              "no-pgha"]
    table = load_table(5)
    for row in report.rows:
        assert row.paper == list(table.row(row.variant).values)
        assert None not in row.yours  # every one of the 16 columns filled
        for column, yours, paper, diff in zip(table.columns, row.yours, row.paper, row.diff):
            stem = {("CA", "CA"): "ca-ca", ("CC", "CA"): "cc-ca", ("CC", "CC"): "cc-cc",
                    ("CA", "CC"): "ca-cc"}[column.pair]
            name = stem + ("-nopgha" if row.variant == "no-pgha" else "")
            data = json.loads(next(p for p in table5_results if p.stem == name).read_text())
            assert yours == data[column.probe][column.metric]
            assert diff == pytest.approx(yours - paper)
    text = format_markdown([report])
    lines = text.splitlines()
    assert lines[0].startswith("### Table 5: Effect of Pose-Guided Heatmap Alignment")
    assert lines[2].split(" | ")[1:5] == ["CASIA-B NM", "CASIA-B BG", "CASIA-B CL",
                                          "CASIA-B Mean"]
    assert "CC->CA NM" in lines[2] and "CA->CC BG" in lines[2] and "CCPG UP" in lines[2]
    paper_row = next(line for line in lines if line.startswith("| w/o PGHA (paper)"))
    assert "98.36" in paper_row and paper_row.rstrip(" |").endswith("14.59")
    yours_row = next(line for line in lines if line.startswith("| **w/o PGHA (yours)**"))
    no_pgha = next(r for r in report.rows if r.variant == "no-pgha")
    assert f"{no_pgha.yours[0]:.2f}" in yours_row
    diff_row = next(line for line in lines if line.startswith("| w/o PGHA: yours - paper"))
    assert f"{no_pgha.diff[-1]:+.2f}" in diff_row
    assert len([line for line in lines if line.startswith("|")]) == 2 + 2 + 2 * 2


def test_table1_from_same_domain_results(tmp_path):
    paths = [results_json(tmp_path / "casia-b.json", "casia-b", 1),
             results_json(tmp_path / "ccpg.json", "ccpg", 2),
             results_json(tmp_path / "casia-b-vitpose.json", "casia-b", 3, pose="vitpose")]
    files = [read_results(p) for p in paths]
    assert [f.variant for f in files] == ["gaitheat", "gaitheat", "gaitheat++"]
    reports = build_reports(files, load_tables())
    # GaitHeat's numbers also stand in Table 4 ("Ours") and Table 5 ("w PGHA")
    assert [r.table.number for r in reports] == [1, 4, 5]
    table1 = reports[0]
    gaitheat, plus = table1.rows
    ccpg = json.loads(paths[1].read_text())
    columns = load_table(1).columns
    map_cl = next(i for i, c in enumerate(columns) if (c.test, c.probe, c.metric) ==
                  ("CC", "CL", "mAP"))
    assert gaitheat.yours[map_cl] == ccpg["CL"]["mAP"] and gaitheat.paper[map_cl] == 41.06
    assert gaitheat.yours[3] == json.loads(paths[0].read_text())["mean"]["rank1"]
    assert plus.paper[3] == 95.94 and plus.yours[4:] == [None] * 8  # no GaitHeat++ CCPG file
    text = format_markdown(reports[:1], context=False)
    assert "CCPG CL R-1 | CCPG CL mAP" in text
    assert "GaitSet" not in text and "GaitHeat (paper) | 98.22" in text
    assert "GaitSet (AAAI'19) (paper)" in format_markdown(reports[:1])
    png = save_png(reports, tmp_path / "out" / "report.png")
    assert png.read_bytes()[:8] == PNG


def test_cli_prints_table5_and_writes_png_and_markdown(table5_results, tmp_path):
    md = tmp_path / "report.md"
    folder = table5_results[0].parent
    extra = results_json(folder / "vitpose.json", "casia-b", 9, pose="vitpose")  # not Table 5
    result = runner.invoke(app, ["report", str(folder), "--table", "5", "--markdown", str(md)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("### Table 5")
    assert f"note: left out, filling no cell of Table 5: {extra}" in result.output
    assert "| **w PGHA (yours)** |" in result.output and "w/o PGHA (paper)" in result.output
    png = table5_results[0].parent / "report.png"
    assert png.read_bytes()[:8] == PNG
    assert md.read_text() in result.output


def test_results_of_another_protocol_than_the_table(tmp_path, capsys):
    path = results_json(tmp_path / "ccpg.json", "ccpg", 0)
    assert main(["report", str(path), "--table", "3"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and "protocol ccpg" in err[0]
    assert "Table 3" in err[0]
    generic = results_json(tmp_path / "generic.json", "casia-b", 0)
    data = json.loads(generic.read_text())
    data["details"]["protocol"] = "generic"
    generic.write_text(json.dumps(data))
    assert main(["report", str(generic)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(generic) in err[0] and "'generic'" in err[0]


@pytest.mark.parametrize("content", ["not json at all", "[1, 2, 3]",
                                     '{"TRAIN_SET": ["001"], "TEST_SET": ["075"]}',
                                     '{"NM": 3, "details": {"protocol": "casia-b"}}'])
def test_a_file_that_is_not_a_results_json(tmp_path, capsys, content):
    path = tmp_path / "x.json"
    path.write_text(content)
    assert main(["report", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and "not a results JSON" in err[0]


def test_bad_placements_are_refused(tmp_path):
    a = results_json(tmp_path / "a.json", "casia-b", 0)
    b = results_json(tmp_path / "b.json", "casia-b", 1)
    with pytest.raises(UsageError, match="a.json and .*b.json both hold CA->CA, gaitheat"):
        build_reports([read_results(a), read_results(b)], load_tables())
    wrong = results_json(tmp_path / "w.json", "casia-b", 0, cross="CA->CC")
    with pytest.raises(UsageError, match="evaluates on CC, but the results are of protocol "
                                         "casia-b"):
        read_results(wrong)
    odd = results_json(tmp_path / "o.json", "casia-b", 0, pose="vitpose", pgha=False)
    with pytest.raises(UsageError, match="fill no table of the paper"):
        build_reports([read_results(odd)], load_tables())
    with pytest.raises(UsageError, match="none of the 1 results files fills a table"):
        build_reports([read_results(odd)], load_tables(), optional={odd})
    with pytest.raises(UsageError, match="variant 'best'"):
        read_results(a, variant="best")
    assert read_results(a, variant="regenerated").variant == "regenerated"
    explicit = results_json(tmp_path / "e.json", "casia-b", 0, variant="regenerated")
    assert read_results(explicit).variant == "regenerated"
    assert read_results(results_json(tmp_path / "r.json", "casia-b", 0,
                                     heatmaps="regenerated")).variant == "regenerated"


def test_cli_rejects_a_table_that_does_not_exist(tmp_path, capsys):
    path = results_json(tmp_path / "a.json", "casia-b", 0)
    assert main(["report", str(path), "--table", "7"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["heatgait: --table 7: the paper has tables 1, 2, 3, 4, 5; 6 is the keypoint "
                   "data sets"]


def keypoint_json(path, protocol, seed):
    """A Gait3D or OU-MVLP results JSON from clustered random embeddings, as eval writes it."""
    from heatgait.data.splits import load_split_list

    rng = np.random.default_rng(seed)
    recipe = load_recipe(protocol)
    keys = None
    if protocol == "gait3d":
        keys = load_split_list(recipe.split_file, "PROBE_SET")[:6]
        rows = [tuple(k.split("-")) for k in keys]
        rows += [(k.split("-")[0], "camid99_videoid1", "seq0") for k in keys]
    else:
        rows = [(f"{s:05d}", t, v) for s in range(2, 14, 2) for t in ("00", "01")
                for v in ("000", "015", "090")]
    centres = {s: rng.normal(size=(16, 4)) for s, _, _ in rows}
    emb = np.stack([centres[s] + 0.8 * rng.normal(size=(16, 4)) for s, _, _ in rows])
    result = evaluate_embeddings(emb.astype(np.float32), *zip(*rows), recipe.eval,
                                 probe_keys=keys)
    return write_json(result, path, {"recipe": protocol, "source": recipe.data.code,
                                     "cross": ""})


def test_keypoint_results_sit_beside_openGaits_pose_based_numbers(tmp_path):
    paths = [keypoint_json(tmp_path / "r" / f"{p}.json", p, i)
             for i, p in enumerate(("oumvlp", "gait3d"))]
    out = runner.invoke(app, ["report", *map(str, paths), "--png", str(tmp_path / "k.png")])
    assert out.exit_code == 0, out.output
    assert "### Keypoint data sets:" in out.output and "Table 6" not in out.output
    assert "| GaitGraph2 (OpenGait re-run) (published) | 70.75 | 34.61 | - | 11.00 |" \
        in out.output
    assert "(heatgait) (published)" not in out.output  # no published numbers of its own
    yours = next(line for line in out.output.splitlines() if "(heatgait) (yours)" in line)
    cells = [c.strip() for c in yours.strip("|").split("|")][1:]
    want = [json.loads(p.read_text()) for p in paths]
    assert cells == [f"{want[0]['NM']['rank1']:.2f}", "-", "-", f"{want[1]['all']['rank1']:.2f}"]
    assert (tmp_path / "k.png").read_bytes()[:8] == PNG
    table = load_table(6)
    assert [c.test for c in table.columns] == ["OU", "GR", "GR", "G3"]
    assert runner.invoke(app, ["report", str(paths[0]), "--table", "6",
                               "--png", str(tmp_path / "k6.png")]).exit_code == 0
