"""`heatgait eval` through the Typer app: saved embeddings in, table / JSON / PNG out."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from heatgait.cli.app import app, main
from heatgait.errors import UsageError
from heatgait.evaluation.cross import parse_cross
from heatgait.evaluation.embed import load_embeddings, save_embeddings
from heatgait.evaluation.verification import VERIFICATION_KEYS

runner = CliRunner()


def casia_like(tmp_path, subjects=4, noise=0.8):
    rng = np.random.default_rng(0)
    types = ["nm-01", "nm-02", "nm-03", "nm-04", "nm-05", "nm-06", "bg-01", "bg-02", "cl-01",
             "cl-02"]
    rows = [(f"{s:03d}", t, v) for s in range(75, 75 + subjects) for t in types
            for v in ("000", "090", "180")]
    centres = rng.normal(size=(subjects, 16, 4))
    emb = np.stack([centres[int(s) - 75] + noise * rng.normal(size=(16, 4)) for s, _, _ in rows])
    path = save_embeddings(tmp_path / "emb.npz", emb, *zip(*rows))
    return path, len(rows)


def test_eval_embeddings_prints_table_and_writes_json_and_png(tmp_path):
    path, count = casia_like(tmp_path)
    out = tmp_path / "res" / "casia.json"
    result = runner.invoke(app, ["eval", "--embeddings", str(path), "-p", "casia-b",
                                 "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "NM" in result.output and "Mean" in result.output and "090" in result.output
    data = json.loads(out.read_text())
    assert set(data) == {"NM", "BG", "CL", "mean", "details"}
    assert set(data["NM"]) == {"rank1", *VERIFICATION_KEYS}
    assert data["mean"]["rank1"] == pytest.approx(
        np.mean([data[k]["rank1"] for k in ("NM", "BG", "CL")]))
    assert data["details"]["probe_sets"]["NM"]["num_probes"] == 4 * 2 * 3
    png = out.with_suffix(".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(load_embeddings(path)[0]) == count


def test_eval_ccpg_json_has_map(tmp_path):
    rng = np.random.default_rng(1)
    types = ["U0_D0_BG", "U0_D0", "U1_D1", "U2_D2", "U3_D3", "U0_D3", "U1_D0"]
    rows = [(f"{s:03d}", t, v) for s in range(100, 104) for t in types for v in ("1_1", "2_3")]
    emb = rng.normal(size=(len(rows), 32))  # [N, D] features are accepted too
    path = save_embeddings(tmp_path / "ccpg.npz", emb, *zip(*rows))
    out = tmp_path / "ccpg.json"
    result = runner.invoke(app, ["eval", "--embeddings", str(path), "-p", "ccpg", "--json",
                                 str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert [k for k in data if k not in ("mean", "details")] == ["CL", "UP", "DN", "BG"]
    assert set(data["CL"]) == {"rank1", "mAP", *VERIFICATION_KEYS}


def test_mismatched_embeddings_file_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "bad.npz"
    np.savez(path, embeddings=np.zeros((3, 4)), labels=np.array(["a", "b"]),
             types=np.array(["nm-01"] * 3), views=np.array(["000"] * 3))
    assert main(["eval", "--embeddings", str(path), "-p", "casia-b"]) == 2
    message = capsys.readouterr().err.strip()
    assert "bad.npz" in message and "labels 2" in message and "\n" not in message
    with pytest.raises(UsageError, match="labels 2"):
        load_embeddings(path)


def test_eval_needs_an_input(tmp_path, capsys):
    assert main(["eval"]) == 2
    assert "--checkpoint" in capsys.readouterr().err
    path, _ = casia_like(tmp_path)
    assert main(["eval", "--embeddings", str(path)]) == 2  # no protocol
    assert "--pipeline" in capsys.readouterr().err
    assert main(["eval", "--embeddings", str(path), "-p", "sustech1k"]) == 2
    assert "probe set Normal: no sequences" in capsys.readouterr().err


def test_cross_codes_parse_both_forms_and_reject_unknown():
    assert parse_cross("CA->CC") == ("casia-b", "ccpg")
    assert parse_cross("cc:ca") == ("ccpg", "casia-b")
    assert parse_cross("SU->CA") == ("sustech1k", "casia-b")
    with pytest.raises(UsageError, match="unknown code 'XX'.*CA \\(casia-b\\)"):
        parse_cross("CA->XX")
    with pytest.raises(UsageError, match="quote the arrow"):
        parse_cross("CA")


def test_help_tells_to_quote_the_arrow():
    result = runner.invoke(app, ["eval", "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "quote" in result.output and "CA:CC" in result.output


def test_protocol_names_the_recipe_and_pipeline_stays_an_alias(tmp_path):
    path, _ = casia_like(tmp_path)
    for flag in ("--protocol", "--pipeline", "-p"):
        out = tmp_path / f"{flag.strip('-')}.json"
        result = runner.invoke(app, ["eval", "--embeddings", str(path), flag, "casia-b",
                                     "--json", str(out), "--quiet"])
        assert result.exit_code == 0, result.output
        assert json.loads(out.read_text())["details"]["recipe"] == "casia-b"


def test_unquoted_arrow_is_named_and_nothing_is_written(tmp_path, capsys):
    assert main(["eval", "runs/x", "--data", "shards", "--cross", "CA-"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--cross 'CA->TARGET'" in captured.err and "redirection" in captured.err
    assert len(captured.err.strip().splitlines()) == 1


def test_unquoted_arrow_typed_in_bash_says_so_and_leaves_cc_empty(tmp_path):
    import os
    import subprocess
    import sys

    exe = os.path.join(os.path.dirname(sys.executable), "heatgait")
    done = subprocess.run(["bash", "-c", f"'{exe}' eval runs/x --data shards --cross CA->CC"],
                          cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "'CA->CC'" in done.stderr and "'CC'" in done.stderr
    assert (tmp_path / "CC").read_text() == ""  # bash made it; heatgait wrote nothing into it
    assert unquoted_arrow_free("CA->CC")


def unquoted_arrow_free(text: str) -> bool:
    from heatgait.evaluation.cross import unquoted_arrow

    return unquoted_arrow(text) is None and unquoted_arrow("CA:CC", "CC") is None


def test_eval_grew_prints_local_protocol_and_writes_submission(tmp_path):
    rng = np.random.default_rng(5)
    rows = [(f"{s:05d}", t, f"s{s}{t}") for s in range(1, 23) for t in ("01", "02")]
    rows += [("probe", "03", f"{v:05d}") for v in range(6)]
    centres = {s: rng.normal(size=(16, 2)) for s, _, _ in rows}
    emb = np.stack([centres[s] + 0.5 * rng.normal(size=(16, 2)) for s, _, _ in rows])
    path = save_embeddings(tmp_path / "grew.npz", emb, *zip(*rows))
    csv_path, out = tmp_path / "grew.csv", tmp_path / "grew.json"
    result = runner.invoke(app, ["eval", "--embeddings", str(path), "-p", "grew",
                                 "--submission", str(csv_path), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "not comparable to the GREW leaderboard" in result.output
    assert "rank20" in result.output and f"submission: {csv_path} (6 probes)" in result.output
    lines = csv_path.read_text().splitlines()
    assert lines[0].split(",")[-1] == "rank1_distractor" and len(lines) == 1 + 6
    assert all(len(line.split(",")) == 22 for line in lines)
    data = json.loads(out.read_text())
    assert set(data["local"]) >= {"rank1", "rank5", "rank10", "rank20"}
    assert data["details"]["probe_sets"]["local"]["num_probes"] == 22


def test_eval_gait3d_reports_map_and_minp_with_its_listed_probes(tmp_path):
    from heatgait.config import load_recipe
    from heatgait.data.splits import load_split_list

    listed = load_split_list(load_recipe("gait3d").split_file, "PROBE_SET")[:5]
    rng = np.random.default_rng(6)
    rows = [tuple(key.split("-")) for key in listed]
    rows += [(key.split("-")[0], f"camid{c}_videoid1", "seq0") for key in listed
             for c in (90, 91)]
    centres = {s: rng.normal(size=(16, 2)) for s, _, _ in rows}
    emb = np.stack([centres[s] + 0.5 * rng.normal(size=(16, 2)) for s, _, _ in rows])
    path = save_embeddings(tmp_path / "g3.npz", emb, *zip(*rows))
    out = tmp_path / "g3.json"
    result = runner.invoke(app, ["eval", "--embeddings", str(path), "-p", "gait3d",
                                 "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "mINP" in result.output and "995 of the 1000 probes listed" in result.output
    data = json.loads(out.read_text())
    assert {"rank1", "rank5", "rank10", "mAP", "mINP"} <= set(data["all"])
    assert data["details"]["probe_sets"]["all"]["num_probes"] == 5
    assert data["details"]["probe_sets"]["all"]["num_gallery"] == 10
    assert out.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"  # ROC panel only


def test_submission_with_another_protocol_is_refused_before_any_work(tmp_path, capsys):
    path, _ = casia_like(tmp_path)
    assert main(["eval", "--embeddings", str(path), "-p", "casia-b",
                 "--submission", str(tmp_path / "s.csv")]) == 2
    assert "--submission: protocol casia-b has no submission file" in capsys.readouterr().err
    assert not (tmp_path / "s.csv").exists()
