"""The published numbers (heatgait/reproduce/published/*.yaml) against the paper's text.

``paper_tables.txt`` holds the table rows of the paper's text extraction verbatim (the paper
itself is not in the repository; every one of these lines was found, whole, in its text
extraction when they were copied).
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from heatgait.config import load_recipe
from heatgait.reproduce.paper import DATASETS, load_table, load_tables, parse_table

PAPER_TABLES = Path(__file__).with_name("paper_tables.txt")
NUMBER = re.compile(r"\d+\.\d+")


def paper_lines() -> list[str]:
    return [line for line in PAPER_TABLES.read_text().splitlines() if not line.startswith("#")]


def numbers(line: str) -> list[float]:
    return [float(x) for x in NUMBER.findall(line)]


def contains_run(values: list[float], run: list[float]) -> bool:
    """``run`` occurs in ``values`` as consecutive items."""
    return any(values[i:i + len(run)] == run for i in range(len(values) - len(run) + 1))


def cell(table: int, method: str, train: str, test: str, probe: str, metric: str) -> float:
    published = load_table(table)
    row = next(r for r in published.rows if r.method == method)
    matches = [v for c, v in zip(published.columns, row.values)
               if (c.train, c.test, c.probe, c.metric) == (train, test, probe, metric)]
    assert len(matches) == 1, (table, method, train, test, probe, metric)
    return matches[0]


def line_of(start: str) -> str:
    return next(line for line in paper_lines() if line.startswith(start))


@pytest.mark.parametrize("table, method, where, value, line", [
    (1, "GaitHeat", ("CA", "CA", "mean", "rank1"), 88.17, "GaitHeat (Ours)"),
    (1, "GaitHeat++", ("CA", "CA", "mean", "rank1"), 95.94, "$GaitHeat++$ (Ours)"),
    (1, "GaitHeat", ("CC", "CC", "CL", "rank1"), 73.59, "GaitHeat (Ours)"),
    (1, "GaitHeat", ("CC", "CC", "CL", "mAP"), 41.06, "GaitHeat (Ours)"),
    (1, "GaitHeat++", ("CC", "CC", "CL", "rank1"), 83.04, "$GaitHeat++$ (Ours)"),
    (1, "GaitSet (AAAI'19)", ("CC", "CC", "BG", "mAP"), 64.18, "GaitSet"),
    (3, "GaitHeat", ("CC", "CA", "mean", "rank1"), 44.49, "GaitHeat\t"),
    (3, "GaitHeat++", ("CA", "SU", "Overall", "rank5"), 31.53, "GaitHeat++ "),
    (3, "GaitHeat", ("SU", "CC", "BG", "rank1"), 27.47, "GaitHeat\t5.63"),
    (4, "SkeletonGait (regenerated heatmaps)", ("CC", "CC", "CL", "rank1"), 55.99,
     "SkeletonGait"),
    (5, "w/o PGHA", ("CA", "CC", "BG", "rank1"), 14.59, "$\\frac{1}{2}$ W/o PGFA"),
    (5, "w PGHA", ("CC", "CA", "CL", "rank1"), 32.98, "w PGFA"),
])
def test_named_cells_are_the_papers(table, method, where, value, line):
    assert cell(table, method, *where) == value
    assert value in numbers(line_of(line))


def test_every_number_occurs_in_the_paper_text():
    printed = {x for line in paper_lines() for x in numbers(line)}
    cells = [c for t in load_tables().values() for c in t.cells()]
    assert len(cells) == 10 * 12 + 6 * 20 + 2 * 12 + 2 * 16  # every printed row, every column
    assert [c for c in cells if c.value not in printed] == []


# How a row's values split over printed lines: Table 3 prints (a)+(b) on one line, (c) on another.
SPLITS = {1: [12], 3: [12, 8], 4: [12], 5: [16]}


@pytest.mark.parametrize("number", sorted(SPLITS))
def test_each_row_is_a_printed_row_in_order(number):
    lines = [numbers(line) for line in paper_lines()]
    for row in load_table(number).rows:
        start = 0
        for size in SPLITS[number]:
            run = list(row.values[start:start + size])
            assert any(contains_run(values, run) for values in lines), (number, row.method, run)
            start += size


def test_means_are_the_means_of_their_probe_sets():
    """A transcription check from the paper's own arithmetic: Mean = mean(NM, BG, CL)."""
    for table in load_tables().values():
        for row in table.rows:
            if row.values[0] is None:
                continue
            values = dict(zip(((c.pair, c.probe, c.metric) for c in table.columns), row.values))
            for (pair, probe, metric), value in values.items():
                if probe == "mean":
                    parts = [values[(pair, p, metric)] for p in ("NM", "BG", "CL")]
                    assert value == pytest.approx(sum(parts) / 3, abs=0.011), (table.number, row)


def test_table_2_says_its_rows_are_missing_and_invents_none():
    table = load_table(2)
    assert "not in the paper's text" in table.missing
    assert table.cells() == []
    assert [c.label for c in table.columns] == ["NM", "BG", "CL", "CA", "UM", "UN", "OC", "NG"]


def test_probe_sets_are_the_recipes_names():
    """Columns name probe sets as the built-in recipes do, so results JSON keys match."""
    probes = {code: set(load_recipe(protocol).eval.probes) | {"mean"}
              for code, (_, protocol) in DATASETS.items()}
    for table in load_tables().values():
        for column in table.columns:
            assert column.probe in probes[column.test], (table.number, column)
    assert set(load_recipe("sustech1k").eval.probes) >= {c.probe for c in load_table(2).columns}


def test_reproducible_rows_have_variants():
    variants = {n: {r.variant for r in t.rows if r.variant} for n, t in load_tables().items()}
    assert variants == {1: {"gaitheat", "gaitheat++"}, 2: {"gaitheat", "gaitheat++"},
                        3: {"gaitheat", "gaitheat++"}, 4: {"regenerated", "gaitheat"},
                        5: {"no-pgha", "gaitheat"}}


def test_published_yaml_is_package_data():
    folder = resources.files("heatgait.reproduce.published")
    assert sorted(p.name for p in folder.iterdir() if p.name.endswith(".yaml")) == [
        "keypoint.yaml", *[f"table{n}.yaml" for n in range(1, 6)]]
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    assert '"heatgait.reproduce.published" = ["*.yaml"]' in pyproject


def test_a_row_with_the_wrong_width_is_refused():
    text = ("table: 9\ncaption: x\ncolumns:\n  - {train: CA, test: CA, probe: NM, metric: rank1}\n"
            "rows:\n  - {method: M, values: [1.0, 2.0]}\n")
    with pytest.raises(ValueError, match="2 values for 1 columns"):
        parse_table(text, "bad.yaml")
    with pytest.raises(ValueError, match="the paper has tables 1-5"):
        load_table(7)
