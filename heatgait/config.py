"""Typed recipes: YAML files in ``pipelines/`` loaded into dataclasses.

One recipe drives both stages through its sections (``data``, ``extract``, ``model``,
``train``, ``eval``). Loading is strict: an unknown key or a value of the wrong type is a
:class:`ConfigError` naming the key and the file, raised before any work starts. ``--set
section.key=value`` overrides are parsed as YAML scalars and checked the same way. The resolved
recipe is written beside every output with :func:`save_recipe`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from heatgait.errors import ConfigError

UPPER_BODY = list(range(11))  # COCO nose..right wrist
LOWER_BODY = list(range(11, 17))  # COCO hips..ankles


@dataclass
class DataConfig:
    """Which data set the recipe is for and how sequences are fed to the network."""

    dataset: str = "CASIA-B"  # name written in shards and checkpoints
    code: str = "CA"  # the paper's short code for cross-domain evaluation (CA, CC, SU)
    split: str = "casia-b.json"  # split file; relative names resolve next to the recipe
    frames_per_sequence: int = 30  # frames sampled unordered per training sequence
    batch_p: int = 8  # identities per batch
    batch_k: int = 8  # sequences per identity
    num_workers: int = 2
    normalize: bool = True  # per-sequence min-max normalisation of heatmaps
    test_batch_size: int = 4  # sequences per evaluation batch (all frames each)
    max_test_frames: int = 0  # 0: all frames at test time


@dataclass
class ExtractConfig:
    """Stage 1: detection, RGB-space crop, pose heatmaps, frame filter, shard writing."""

    layout: str = "auto"  # auto | casia-b | ccpg | sustech1k | generic
    pose: str = "hrnet"  # hrnet | vitpose | vitpose-b | vitpose-l | vitpose-s | blazepose | config path
    detector: str = "rtmdet-person"  # rtmdet-person | blazepose | mmdet config path
    det_score_thr: float | None = None  # None: the detector's own (0.3 RTMDet, 0.5 BlazePose)
    det_nms_thr: float = 0.3
    padding: float = 1.25  # box padding before the crop (mmpose GetBBoxCenterScale)
    min_frame_score: float = 0.4  # frames with a lower mean keypoint score are dropped
    min_track_frames: int = 10  # shorter tracks are not written as sequences
    batch_size: int = 16  # crops per pose forward pass
    storage: str = "uint8"  # uint8 | float16
    sequences_per_shard: int = 256
    max_frames: int = 0  # 0: every frame; N: only the first N frames of each source (quick looks)


@dataclass
class ModelConfig:
    """The GaitHeat network (heatgait.models)."""

    name: str = "gaitheat"
    channels: list[int] = field(default_factory=lambda: [64, 128, 256, 512])
    parts: int = 16  # horizontal pyramid bins
    embed_dim: int = 256
    partitions: list[list[int]] = field(default_factory=lambda: [UPPER_BODY, LOWER_BODY])
    align: bool = True  # pose-guided heatmap alignment (PGHA)
    gamma: float = 5.0  # PGHA angle threshold in degrees
    p_below: float = 0.2  # in training, probability of aligning frames under gamma


@dataclass
class TrainConfig:
    """Optimisation schedule and run bookkeeping."""

    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    milestones: list[int] = field(default_factory=lambda: [20000, 40000, 50000])
    lr_gamma: float = 0.1
    iterations: int = 60000
    triplet_margin: float = 0.2
    ce_scale: float = 16.0
    label_smoothing: float = 0.1
    amp: bool = True  # mixed precision on CUDA (ignored on the CPU)
    sync_bn: bool = True  # synchronised BatchNorm under DDP on GPUs
    checkpoint_every: int = 5000
    log_every: int = 50
    seed: int = 0


@dataclass
class EvalConfig:
    """The evaluation protocol, as data: gallery and probe sets by sequence type.

    ``mode`` is ``cross-view`` (CASIA-B, SUSTech1K: rank-k for every (probe view, gallery view)
    pair, identical views excluded, averaged over views) or ``reid`` (CCPG: all views at once,
    each probe ignoring gallery items that share both its id and its view; rank-k and mAP).
    ``match`` says how types are compared: ``exact`` or ``substring``. ``galleries`` gives a
    probe set its own gallery (CCPG pairs each probe set with one); others use ``gallery``.
    """

    protocol: str = "casia-b"  # a label for reports: casia-b | ccpg | sustech1k | generic
    mode: str = "cross-view"  # cross-view | reid
    match: str = "exact"  # exact | substring
    gallery: list[str] = field(default_factory=lambda: ["nm-01", "nm-02", "nm-03", "nm-04"])
    probes: dict[str, list[str]] = field(
        default_factory=lambda: {
            "NM": ["nm-05", "nm-06"],
            "BG": ["bg-01", "bg-02"],
            "CL": ["cl-01", "cl-02"],
        }
    )
    galleries: dict[str, list[str]] = field(default_factory=dict)  # probe set -> its gallery
    view_prefix_sep: str = ""  # CCPG: view label = part of the view name before this separator
    ranks: list[int] = field(default_factory=lambda: [1])  # rank-k accuracies computed
    metrics: list[str] = field(default_factory=lambda: ["rank1"])  # reported: rankK, mAP
    mean_over: list[str] = field(default_factory=list)  # probe sets in "mean" (empty: all)
    chunk_size: int = 4096  # probes per distance chunk (bounds memory for big galleries)


@dataclass
class Recipe:
    """A whole recipe: one data set and protocol, both stages."""

    name: str = "casia-b"
    data: DataConfig = field(default_factory=DataConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    source: str = ""  # file the recipe came from (not a YAML key; set by the loader)

    def resolve(self, relative: str) -> Path:
        """A path from the recipe, relative names taken next to the recipe file."""
        path = Path(relative)
        if path.is_absolute() or not self.source or path.exists():
            return path
        return Path(self.source).parent / path


_SECTION_TYPES = {f.name: f.type for f in dataclasses.fields(Recipe)}


def builtin_recipes() -> list[str]:
    """Names of the recipes shipped in ``heatgait.pipelines``."""
    folder = resources.files("heatgait.pipelines")
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def find_recipe(name_or_path: str) -> Path:
    """A recipe by built-in name (``casia-b``) or by path to a YAML file."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ConfigError(f"recipe {name_or_path}: no such file; give a YAML path or one of "
                              f"{', '.join(builtin_recipes())}")
        return path
    candidate = resources.files("heatgait.pipelines") / f"{name_or_path}.yaml"
    if not candidate.is_file():
        raise ConfigError(f"unknown recipe {name_or_path!r}; known: {', '.join(builtin_recipes())}"
                          " (or give a path to a YAML file)")
    return Path(str(candidate))


def load_recipe(name_or_path: str, overrides: list[str] | None = None) -> Recipe:
    """Loads, validates and applies ``section.key=value`` overrides to a recipe."""
    path = find_recipe(name_or_path)
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"recipe {path}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"recipe {path}: expected a mapping of sections at the top level")
    recipe = recipe_from_dict(raw, str(path))
    recipe.source = str(path)
    for item in overrides or []:
        apply_override(recipe, item)
    return recipe


def recipe_from_dict(raw: dict[str, Any], origin: str = "<dict>") -> Recipe:
    """Builds a :class:`Recipe` from plain data, strictly."""
    raw = dict(raw)
    raw.pop("source", None)
    return _build(Recipe, raw, origin, "")


def recipe_to_dict(recipe: Recipe) -> dict[str, Any]:
    data = dataclasses.asdict(recipe)
    data.pop("source", None)
    return data


def save_recipe(recipe: Recipe, path: str | Path) -> Path:
    """Writes the resolved recipe (what actually ran) as YAML."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(recipe_to_dict(recipe), sort_keys=False))
    return path


def apply_override(recipe: Recipe, item: str) -> None:
    """Applies one ``section.key=value`` override (value parsed as YAML) in place."""
    if "=" not in item or "." not in item.split("=", 1)[0]:
        raise ConfigError(f"--set {item!r}: expected section.key=value, e.g. train.iterations=100")
    dotted, text = item.split("=", 1)
    section_name, key = dotted.split(".", 1)
    origin = f"--set {item}"
    if section_name not in _SECTION_TYPES or section_name == "source" or section_name == "name":
        sections = [n for n in _SECTION_TYPES if n not in ("source", "name")]
        raise ConfigError(f"{origin}: unknown section {section_name!r}; known: {', '.join(sections)}")
    section = getattr(recipe, section_name)
    known = {f.name: f for f in dataclasses.fields(section)}
    if key not in known:
        raise ConfigError(f"{origin}: unknown key {key!r} in [{section_name}]{_suggest(key, known)}")
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{origin}: value is not valid YAML") from exc
    hints = typing.get_type_hints(type(section))
    setattr(section, key, _coerce(value, hints[key], origin, f"{section_name}.{key}"))


def _build(cls: type, raw: Any, origin: str, prefix: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"recipe {origin}: [{prefix or 'top'}] must be a mapping, got {raw!r}")
    known = {f.name: f for f in dataclasses.fields(cls) if f.name != "source"}
    unknown = [k for k in raw if k not in known]
    if unknown:
        where = f" in [{prefix}]" if prefix else ""
        raise ConfigError(f"recipe {origin}: unknown key {unknown[0]!r}{where}"
                          f"{_suggest(unknown[0], known)}")
    hints = typing.get_type_hints(cls)
    values = {}
    for key, value in raw.items():
        name = f"{prefix}.{key}" if prefix else key
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            values[key] = _build(hint, value, origin, name)
        else:
            values[key] = _coerce(value, hint, origin, name)
    return cls(**values)


def _coerce(value: Any, hint: Any, origin: str, name: str) -> Any:
    """Checks ``value`` against a type hint; ints are accepted where floats are expected."""
    ok, converted = _check(value, hint)
    if not ok:
        raise ConfigError(f"recipe {origin}: {name} must be {_type_name(hint)}, got {value!r}")
    return converted


def _check(value: Any, hint: Any) -> tuple[bool, Any]:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            ok, converted = _check(value, arg)
            if ok:
                return True, converted
        return False, value
    if hint is type(None):
        return value is None, value
    if origin is list:
        if not isinstance(value, list):
            return False, value
        items = [_check(v, args[0]) for v in value]
        return all(ok for ok, _ in items), [v for _, v in items]
    if origin is dict:
        if not isinstance(value, dict):
            return False, value
        items = {k: _check(v, args[1]) for k, v in value.items()}
        ok = all(isinstance(k, str) for k in value) and all(ok for ok, _ in items.values())
        return ok, {k: v for k, (_, v) in items.items()}
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return True, float(value)
        if isinstance(value, str):  # YAML 1.1 reads 1e30 (no dot) as text
            try:
                return True, float(value)
            except ValueError:
                return False, value
        return False, value
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool), value
    if hint is bool:
        return isinstance(value, bool), value
    if hint is str:
        # No silent str(int): YAML reads an unquoted 000 as 0, so labels must be quoted.
        return isinstance(value, str), value
    return isinstance(value, hint), value


def _type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin is list:
        return f"a list of {_type_name(typing.get_args(hint)[0])}"
    if origin is dict:
        return f"a mapping of text to {_type_name(typing.get_args(hint)[1])}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(hint))
    return {int: "an integer", float: "a number", bool: "true or false",
            str: "text (quote labels such as '000')"}.get(
        hint, getattr(hint, "__name__", str(hint)))


def _suggest(key: str, known: dict[str, Any]) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{hint} (known: {', '.join(known)})"
