"""Split files in the field's JSON format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from heatgait.data.splits import Split, load_split, load_split_list, save_split
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


def test_one_rule_for_train_and_eval_never_the_current_folder(tmp_path: Path,
                                                              monkeypatch) -> None:
    from heatgait.config import load_recipe, recipe_from_dict, recipe_to_dict
    from heatgait.config.split_files import builtin_splits_dir, resolve_split

    monkeypatch.chdir(tmp_path)
    (tmp_path / "casia-b.json").write_text('{"TRAIN_SET": ["stray"], "TEST_SET": ["x"]}')
    builtin = load_recipe("casia-b")
    assert builtin.split_file == builtin_splits_dir() / "casia-b.json"  # not the stray file
    assert builtin.data.split == "casia-b.json"  # built-in splits keep their name
    # a custom recipe with its split beside it: found, and pinned for the saved copy
    folder = tmp_path / "mine"
    folder.mkdir()
    save_split(Split(train=["a"], test=["b"]), folder / "my-split.json")
    (folder / "mine.yaml").write_text("base: casia-b\ndata:\n  split: my-split.json\n")
    monkeypatch.chdir(tmp_path.parent)
    custom = load_recipe(str(folder / "mine.yaml"))
    assert custom.split_file == (folder / "my-split.json").resolve()
    saved = recipe_from_dict(recipe_to_dict(custom))  # as a checkpoint holds it: no source
    assert load_split(saved.split_file).train == ["a"]
    with pytest.raises(ConfigError, match="not found"):
        resolve_split("nowhere.json", str(folder / "mine.yaml"))


def test_a_further_list_is_read_and_a_missing_one_named(tmp_path: Path) -> None:
    path = tmp_path / "split.json"
    path.write_text(json.dumps({"TRAIN_SET": ["1"], "TEST_SET": ["2"],
                                "PROBE_SET": ["2-camid1_videoid1-seq0"]}))
    assert load_split_list(path, "PROBE_SET") == ["2-camid1_videoid1-seq0"]
    with pytest.raises(ConfigError, match="no list 'PROBES'.*eval.probe_list"):
        load_split_list(path, "PROBES")
