"""What a recipe holds: one typed dataclass per section, closed choices as ``Literal`` types.

A recipe (``pipelines/*.yaml``) drives both stages through its sections ``data``, ``extract``,
``model``, ``train`` and ``eval``. Each section checks its closed choices (protocol mode, match
rule, storage, layout, pose and detector names, model variant) when it is built, so a misspelt
value fails when the recipe loads, not after a training run. Data-set facts (splits, gallery and
probe types) have no defaults here: they live in the data set's recipe only.

Model settings left out of a recipe are ``None`` ("not set"); ``heatgait.models.factory`` merges
them with the variant's and GaitHeat's own defaults, and the resolved values are what a run saves.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from heatgait.config.split_files import resolve_split
from heatgait.config.stage1 import DETECTOR_NAMES, LAYOUTS, POSE_NAMES
from heatgait.config.variants import VARIANT_NAMES, conflicts
from heatgait.errors import ConfigError


@dataclass(frozen=True)
class OneOf:
    """``Annotated`` metadata: a text value must be one of ``names`` (or, with ``config_files``,
    a path to a model config file ending in ``.py``)."""

    names: tuple[str, ...]
    config_files: bool = False

    def accepts(self, value: str) -> bool:
        return value in self.names or (self.config_files and value.endswith(".py"))

    def describe(self) -> str:
        extra = " or a path to a config file (.py)" if self.config_files else ""
        return f"one of {', '.join(self.names)}{extra}"


# Heatmap storage of the shards (heatgait.data.schema.STORAGES says how each encodes).
Storage = Literal["uint8", "uint8-sqrt", "float16"]
PoseRuntime = Literal["auto", "torch", "onnx", "openvino"]  # extract.runtime
PosePrecision = Literal["auto", "fp32", "fp16", "bf16"]  # extract.precision (training: amp)
Layout = Annotated[str, OneOf(("auto", *LAYOUTS))]
PoseName = Annotated[str, OneOf(POSE_NAMES, config_files=True)]
DetectorName = Annotated[str, OneOf(DETECTOR_NAMES, config_files=True)]
ModelName = Annotated[str, OneOf(VARIANT_NAMES)]
HeatmapKind = Literal["raw", "regenerated", "rendered"]
InitScheme = Literal["xavier", "torch"]  # heatgait.models.init
EvalMode = Literal["cross-view", "reid", "retrieval"]
UnmatchedRule = Literal["skip", "miss"]
MatchRule = Literal["exact", "substring"]


def choice_of(hint: Any) -> OneOf | None:
    """The closed set of values a type hint allows (``Literal`` or ``OneOf``), else None."""
    if typing.get_origin(hint) is Literal:
        return OneOf(tuple(typing.get_args(hint)))
    if typing.get_origin(hint) is Annotated:
        return next((m for m in hint.__metadata__ if isinstance(m, OneOf)), None)
    args = typing.get_args(hint)
    if type(None) in args and len(args) == 2:  # Optional[choice]: None means "not set"
        return choice_of(next(a for a in args if a is not type(None)))
    return None


def check_choice(section: type, key: str, value: str, flag: str) -> None:
    """A value given on the command line for ``section.key``: UsageError naming ``flag``."""
    hint = typing.get_type_hints(section, include_extras=True)[key]
    choice = choice_of(hint)
    if choice is not None and not choice.accepts(value):
        raise ConfigError(f"unknown {flag} {value!r}; use {choice.describe()}")


class _Checked:
    """Checks the closed choices of a section when it is built (also from Python code)."""

    SECTION = ""

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self), include_extras=True)
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            choice = choice_of(hints[f.name])
            value = getattr(self, f.name)
            if value is None and type(None) in typing.get_args(hints[f.name]):
                continue
            if choice is not None and not (isinstance(value, str) and choice.accepts(value)):
                raise ConfigError(f"{self.SECTION}.{f.name} {value!r} is not "
                                  f"{choice.describe()}")


@dataclass
class DataConfig(_Checked):
    """Which data set the recipe is for and how sequences are fed to the network."""

    SECTION = "data"
    dataset: str = ""  # name written in shards and checkpoints, e.g. CASIA-B
    code: str = ""  # the paper's short code for cross-domain evaluation (CA, CC, SU)
    split: str = ""  # split file: next to the recipe file, or pipelines/splits/ of the package
    shards: str = ""  # shard folder name `heatgait reproduce` extracts into and reads from
    # raw: the stored maps; regenerated: redrawn from keypoints as SkeletonGait (Table 4);
    # rendered: UDP Gaussians redrawn from keypoints at load (heatgait.data.render)
    heatmaps: HeatmapKind = "raw"
    frames_per_sequence: int = 30  # frames sampled unordered per training sequence
    batch_p: int = 8  # identities per batch
    batch_k: int = 8  # sequences per identity
    num_workers: int = 2
    normalize: bool = True  # per-sequence min-max normalisation of heatmaps
    test_batch_size: int = 4  # sequences per evaluation batch (all frames each)
    max_test_frames: int = 0  # 0: all frames at test time


@dataclass
class ExtractConfig(_Checked):
    """Stage 1: detection, RGB-space crop, pose heatmaps, frame filter, shard writing."""

    SECTION = "extract"
    layout: Layout = "auto"
    pose: PoseName = "hrnet"
    detector: DetectorName = "rtmdet-person"
    det_score_thr: float | None = None  # None: the detector's own (0.3 RTMDet, 0.5 BlazePose)
    det_nms_thr: float = 0.3
    padding: float = 1.25  # box padding before the crop (mmpose GetBBoxCenterScale)
    min_frame_score: float = 0.4  # frames with a lower mean keypoint score are dropped
    min_track_frames: int = 10  # shorter tracks are not written as sequences
    # crops per pose forward pass and frames per detector chunk; 0: crops per pass from free
    # GPU memory (one probe forward of the pose model on CUDA, 16 on the CPU), frames per chunk
    # the same up to 64 (heatgait.extract.pose.accel.batch_sizes)
    batch_size: int = 16
    precision: PosePrecision = "auto"  # pose forward: auto = fp16 autocast on CUDA, fp32 on the CPU
    # which runtime runs the mmpose/mmdet networks: auto = the fastest installed one that kept
    # fp32 parity in benchmarks/bench_extract.py --runtimes (openvino, then onnxruntime) on the
    # CPU, torch on CUDA (heatgait.extract.runtimes.choice); heatmaps within 1e-8 of torch
    runtime: PoseRuntime = "auto"
    # "uint8-sqrt", not the linear "uint8" of earlier versions: on BlazePose heatmaps of
    # vtest.avi uint8 turned 88.8 % of the non-zero pixels (2.0 % of the mass) into 0, the
    # low-amplitude shade the paper's heatmaps are meant to keep; the square-root curve, in
    # the same 8 bits, 36 % of the pixels but 0.005 % of the mass, at 12.4 KB/frame
    # (benchmarks/README.md "Heatmap storage"). "uint8" and "float16" stay available.
    storage: Storage = "uint8-sqrt"
    sequences_per_shard: int = 256
    max_frames: int = 0  # 0: every frame; N: only the first N frames of each source (quick looks)


@dataclass
class ModelConfig(_Checked):
    """The GaitHeat network (heatgait.models); ``None``: the variant's or GaitHeat's default."""

    SECTION = "model"
    name: ModelName = "gaitheat"
    channels: list[int] | None = None  # ResNet9 stage widths (paper: 64, 128, 256, 512)
    parts: int | None = None  # horizontal pyramid bins (paper: 16)
    embed_dim: int | None = None  # per-part embedding (paper: 256)
    partitions: list[list[int]] | None = None  # joint groups of the local branch
    align: bool | None = None  # pose-guided heatmap alignment (PGHA)
    gamma: float | None = None  # PGHA angle threshold in degrees (paper: 5, CCPG 20)
    p_below: float | None = None  # in training, probability of aligning frames under gamma
    # PGHA under gamma: false (paper, authors' code) leaves those frames as they are; true also
    # moves their neck to the target (heatgait's behaviour before the key existed)
    translate_below: bool | None = None
    # initial weights: xavier (authors' code: Xavier-uniform Conv/Linear, BN weight N(1, 0.02))
    # or torch (PyTorch's per-layer defaults); see heatgait.models.init
    init: InitScheme | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        problems = conflicts(self.name, dataclasses.asdict(self))
        if problems:
            raise ConfigError(f"{problems[0]}; drop the setting or choose another model.name")


@dataclass
class TrainConfig(_Checked):
    """Optimisation schedule and run bookkeeping."""

    SECTION = "train"
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
class EvalConfig(_Checked):
    """The evaluation protocol, as data: gallery and probe sets by sequence type.

    ``mode`` is ``cross-view`` (CASIA-B, SUSTech1K, OU-MVLP: rank-k for every (probe view,
    gallery view) pair, identical views excluded, averaged over views), ``reid`` (CCPG: all
    views at once, each probe ignoring gallery items that share both its id and its view;
    rank-k, mAP, mINP) or ``retrieval`` (Gait3D, GREW: all of the gallery at once, nothing
    removed; no per-view table, as views there are per-sequence names).
    ``match`` says how types are compared: ``exact`` or ``substring``; the type ``"*"`` matches
    every type. ``galleries`` gives a probe set its own gallery (CCPG pairs each probe set with
    one); others use ``gallery``. ``probe_list`` names a list in the split file of probe
    sequences as ``ID-TYPE-VIEW`` (Gait3D's PROBE_SET): probes are then the listed sequences
    of the probe types, and the gallery the unlisted ones of the gallery types.
    """

    SECTION = "eval"
    protocol: str = "generic"  # a label for reports, e.g. casia-b, ccpg, sustech1k
    mode: EvalMode = "cross-view"
    match: MatchRule = "exact"
    gallery: list[str] = field(default_factory=list)
    probes: dict[str, list[str]] = field(default_factory=dict)
    galleries: dict[str, list[str]] = field(default_factory=dict)  # probe set -> its gallery
    view_prefix_sep: str = ""  # CCPG: view label = part of the view name before this separator
    ranks: list[int] = field(default_factory=lambda: [1])  # rank-k accuracies computed
    metrics: list[str] = field(default_factory=lambda: ["rank1"])  # reported: rankK, mAP
    mean_over: list[str] = field(default_factory=list)  # probe sets in "mean" (empty: all)
    probe_list: str = ""  # split-file key listing the probe sequences (Gait3D: PROBE_SET)
    # reid/retrieval: a probe with no true match in its gallery is skipped (Gait3D's and CCPG's
    # evaluators) or counted as a miss (GREW's local evaluator divides by every probe)
    unmatched: UnmatchedRule = "skip"
    decimals: int | None = None  # round rank-k to this many decimals (GREW's local: 2)
    # `heatgait eval --submission`: probe types scored against gallery types, top-k subject
    # ids per probe (GREW's CodaLab file: probe type 03 vs gallery 01 and 02, 20 ranks)
    submission_probe: list[str] = field(default_factory=list)
    submission_gallery: list[str] = field(default_factory=list)
    submission_ranks: int = 20
    note: str = ""  # a caveat printed with every result (GREW: not the leaderboard's protocol)
    chunk_size: int = 4096  # probes per distance chunk (bounds memory for big galleries)


@dataclass
class StreamConfig(_Checked):
    """Live identification (``heatgait identify --stream``, heatgait.stream): when a track is
    named and on which of its frames. Not part of the embedding: the window is embedded as a
    stored sequence of those frames would be."""

    SECTION = "stream"
    min_frames: int = 30  # kept frames a track needs before its first identity
    window: int = 60  # identity from the track's latest N kept frames (0: all since it began)
    every: int = 5  # new kept frames of a track between two identity updates

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.min_frames < 1 or self.every < 1:
            raise ConfigError(f"stream.min_frames {self.min_frames} and stream.every "
                              f"{self.every} must be 1 or more")
        if self.window and self.window < self.min_frames:
            raise ConfigError(f"stream.window {self.window} is shorter than stream.min_frames "
                              f"{self.min_frames}; give 0 (the whole track) or at least that")


SECTIONS: dict[str, type] = {"data": DataConfig, "extract": ExtractConfig, "model": ModelConfig,
                             "train": TrainConfig, "eval": EvalConfig, "stream": StreamConfig}


@dataclass
class Recipe:
    """A whole recipe: one data set and protocol, both stages."""

    name: str = "recipe"
    data: DataConfig = field(default_factory=DataConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    stream: StreamConfig = field(default_factory=StreamConfig)
    source: str = ""  # file the recipe came from (not a YAML key; set by the loader)

    def resolve(self, name: str) -> Path:
        """A file the recipe names (its split), by the one rule: an absolute path as it is; a
        relative name next to the recipe file, else in the package's ``pipelines/splits/``;
        never in the current folder."""
        return resolve_split(name, self.source)

    @property
    def split_file(self) -> Path:
        """The recipe's split file (``data.split``), resolved."""
        return self.resolve(self.data.split)

