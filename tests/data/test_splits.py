"""Split files in the field's JSON format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from heatgait.data.splits import Split, load_split, save_split
from heatgait.errors import ConfigError


def test_round_trip_and_numeric_ids(tmp_path: Path) -> None:
    path = tmp_path / "split.json"
    save_split(Split(train=["001", "002"], test=["075"]), path)
    assert load_split(path) == Split(train=["001", "002"], test=["075"])
    path.write_text(json.dumps({"TRAIN_SET": [1, 2], "TEST_SET": [3]}))
    assert load_split(path).test == ["3"]


@pytest.mark.parametrize("content, message", [
    ('{"TRAIN_SET": []}', "needs the keys TRAIN_SET and TEST_SET"),
    ('{"TRAIN_SET": ["1"], "TEST_SET": ["1"]}', "in both TRAIN_SET and TEST_SET"),
    ("{oops", "not valid JSON"),
])
def test_bad_split_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "split.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_split(path)
    with pytest.raises(ConfigError, match="not found"):
        load_split(tmp_path / "missing.json")
