"""The paper's Tables 1-5 as data: ``published/tableN.yaml`` loaded into typed tables.

Each YAML file holds one table: its columns (train and test data set codes, probe set,
metric) and its rows (method, input kind, the heatgait variant that reproduces it where there
is one, and the values in column order, as printed). Probe sets carry heatgait's names (the
``eval.probes`` keys of the built-in recipes: CASIA-B NM/BG/CL, CCPG CL/UP/DN/BG, SUSTech1K
Normal ... Overall, and ``mean``); ``label`` keeps the paper's column name where it differs
(Table 2's UM is heatgait's Umbrella). A table whose rows the paper's text does not give says
so in ``missing`` and has ``values: null`` rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import yaml

# The paper's data set codes -> (name, heatgait protocol / recipe name).
DATASETS: dict[str, tuple[str, str]] = {
    "CA": ("CASIA-B", "casia-b"),
    "CC": ("CCPG", "ccpg"),
    "SU": ("SUSTech1K", "sustech1k"),
    # the keypoint data sets: not in the paper; their table is ``published/keypoint.yaml``
    "OU": ("OU-MVLP", "oumvlp"),
    "GR": ("GREW", "grew"),
    "G3": ("Gait3D", "gait3d"),
}
PROTOCOL_CODES = {protocol: code for code, (_, protocol) in DATASETS.items()}

# The rows of the results tables heatgait reproduces: row variant -> what it is (the network
# variants a recipe builds are heatgait.config.variants.VARIANTS, another thing).
ROW_VARIANTS: dict[str, str] = {
    "gaitheat": "GaitHeat (HRNet heatmaps)",
    "gaitheat++": "GaitHeat++ (ViTPose heatmaps)",
    "regenerated": "GaitHeat on heatmaps regenerated from keypoints (SkeletonGait's way)",
    "no-pgha": "GaitHeat without pose-guided heatmap alignment",
}
TABLE_NUMBERS = (1, 2, 3, 4, 5)
# Not a table of the paper: published pose-based numbers on the keypoint data sets (OpenGait's
# re-runs of GaitGraph, GaitGraph2, GaitTR), set beside heatgait's by ``heatgait report``.
KEYPOINT_TABLE = 6
_METRIC = re.compile(r"^(rank[1-9][0-9]*|mAP)$")


@dataclass(frozen=True)
class Column:
    """One column of a table: a metric of a probe set, trained on ``train``, tested on ``test``."""

    train: str  # data set code: CA, CC, SU
    test: str
    probe: str  # heatgait's probe-set name, or "mean"
    metric: str  # rank1, rank5, mAP
    label: str = ""  # the paper's column name where it differs from ``probe``

    @property
    def pair(self) -> tuple[str, str]:
        return self.train, self.test

    @property
    def heading(self) -> str:
        return self.label or self.probe


@dataclass(frozen=True)
class Row:
    """One printed row: a method (or setting) and its values in column order (None: absent)."""

    method: str
    input: str  # Sils | Pose
    variant: str | None  # the heatgait variant that reproduces this row, if any
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class PublishedCell:
    """One number of the paper, with where it stands."""

    table: int
    method: str
    variant: str | None
    column: Column
    value: float


@dataclass(frozen=True)
class PublishedTable:
    """A table of the paper."""

    number: int
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    missing: str = ""  # why values are absent, where they are
    title: str = ""  # printed instead of "Table N" (the keypoint table is not the paper's)

    @property
    def heading(self) -> str:
        return self.title or f"Table {self.number}"

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """The (train, test) pairs of the table, in column order."""
        return list(dict.fromkeys(c.pair for c in self.columns))

    def row(self, variant: str) -> Row | None:
        return next((r for r in self.rows if r.variant == variant), None)

    def cells(self) -> list[PublishedCell]:
        return [PublishedCell(self.number, row.method, row.variant, column, value)
                for row in self.rows for column, value in zip(self.columns, row.values)
                if value is not None]


def _column(raw: dict, where: str) -> Column:
    column = Column(**{key: str(value) for key, value in raw.items()})
    for code in column.pair:
        if code not in DATASETS:
            raise ValueError(f"{where}: unknown data set code {code!r} (known: "
                             f"{', '.join(DATASETS)})")
    if not _METRIC.match(column.metric):
        raise ValueError(f"{where}: metric {column.metric!r} is not rankK or mAP")
    return column


def _row(raw: dict, width: int, where: str) -> Row:
    values = raw.get("values")
    variant = raw.get("variant")
    if variant is not None and variant not in ROW_VARIANTS:
        raise ValueError(f"{where}: unknown variant {variant!r} (known: {', '.join(ROW_VARIANTS)})")
    if values is None:
        values = [None] * width
    if len(values) != width:
        raise ValueError(f"{where}: {len(values)} values for {width} columns")
    return Row(method=str(raw["method"]), input=str(raw.get("input", "")), variant=variant,
               values=tuple(None if v is None else float(v) for v in values))


def parse_table(text: str, origin: str = "<text>") -> PublishedTable:
    """A table from its YAML text; ValueError naming ``origin`` when it does not fit."""
    raw = yaml.safe_load(text)
    columns = tuple(_column(c, f"{origin} column {i + 1}") for i, c in enumerate(raw["columns"]))
    rows = tuple(_row(r, len(columns), f"{origin} row {r.get('method', i + 1)}")
                 for i, r in enumerate(raw["rows"]))
    return PublishedTable(number=int(raw["table"]), caption=" ".join(str(raw["caption"]).split()),
                          columns=columns, rows=rows, missing=str(raw.get("missing") or ""),
                          title=str(raw.get("title") or ""))


def load_table(number: int) -> PublishedTable:
    """Table ``number`` (1-5) of the paper, or the keypoint table (6), from the package data."""
    if number not in (*TABLE_NUMBERS, KEYPOINT_TABLE):
        raise ValueError(f"table {number}: the paper has tables {TABLE_NUMBERS[0]}-"
                         f"{TABLE_NUMBERS[-1]} (and {KEYPOINT_TABLE}: the keypoint data sets)")
    name = "keypoint.yaml" if number == KEYPOINT_TABLE else f"table{number}.yaml"
    text = (resources.files("heatgait.reproduce.published") / name).read_text()
    return parse_table(text, f"published/{name}")


def load_tables(keypoint: bool = False) -> dict[int, PublishedTable]:
    """Every table of the paper, by number (and the keypoint table when ``keypoint``)."""
    numbers = (*TABLE_NUMBERS, KEYPOINT_TABLE) if keypoint else TABLE_NUMBERS
    return {number: load_table(number) for number in numbers}
