"""A whole synthetic CASIA-B-style data set: shards, a split file and a recipe, from one seed.

Every random draw is keyed by (seed, subject, type, view) through ``numpy.random.SeedSequence``,
so a sequence's bytes depend only on those four and the rendering options: the same seed gives
the same heatmaps whichever other views or types are generated, and an interrupted run resumes
(keys already in finished shards are neither rendered nor written again).
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from tqdm import tqdm

from heatgait import __version__
from heatgait.config import find_recipe, read_layers
from heatgait.data import SequenceRecord, Split, existing_keys, load_split, save_split, write_shards
from heatgait.synth.naming import NAMINGS, Naming, view_key
from heatgait.synth.params import SequenceParams, SubjectParams, draw_sequence, draw_subject
from heatgait.synth.sequence import render_sequence

VIEWS = NAMINGS["casia-b"].views
TYPES = NAMINGS["casia-b"].types
SPLIT_FILE = "split.json"
RECIPE_FILE = "recipe.yaml"
_SUBJECT_STREAM, _SEQUENCE_STREAM = 1, 2


@dataclass
class SynthOptions:
    """What to generate; the defaults give a CASIA-B-shaped set."""

    subjects: int = 20
    seed: int = 0
    views: Sequence[str] | None = None  # None: all of the naming's (CASIA-B: 000..180)
    types: Sequence[str] | None = None  # None: all of the naming's (CASIA-B: nm, bg, cl)
    frames: tuple[int, int] = (30, 50)  # frames per sequence, inclusive range
    tilt_deg: float = 20.0  # largest camera roll
    tilt_fraction: float = 0.1  # share of sequences with a roll
    offset_px: float = 2.0  # largest box offset in heatmap pixels
    offset_fraction: float = 0.3  # share of sequences with an offset
    train_fraction: float = 0.5  # first subjects go to TRAIN_SET
    sequences_per_shard: int = 256
    workers: int = 0  # rendering processes (0: render in this process); one writer either way
    extra: dict = field(default_factory=dict)  # written into the shard attributes
    # Named after a recipe's data set: its layout's types and views, subjects from its split,
    # and a recipe.yaml that keeps its protocol. None: CASIA-B names, subjects 001.., own split.
    recipe: str | None = None
    layout: str = "casia-b"
    subject_names: Sequence[str] | None = None  # None: 001, 002, ...

    def __post_init__(self) -> None:
        naming = self.naming
        self.views = tuple(self.views) if self.views is not None else naming.views
        self.types = tuple(self.types) if self.types is not None else naming.types

    @property
    def naming(self) -> Naming:
        return NAMINGS[self.layout]

    def subject_name(self, index: int) -> str:
        return self.subject_names[index] if self.subject_names else subject_id(index)


@dataclass
class SynthSummary:
    """What ``generate_dataset`` left in the folder."""

    out_dir: Path
    shards: list[Path]
    sequences: int  # written by this call
    skipped: int  # already present (resumed)
    frames: int
    split: Path
    recipe: Path
    train_subjects: int
    test_subjects: int


def subject_id(index: int) -> str:
    return f"{index + 1:03d}"


def subject_params(seed: int, index: int) -> SubjectParams:
    """The identity of subject ``index`` under ``seed``."""
    return draw_subject(np.random.default_rng([seed, _SUBJECT_STREAM, index]))


def sequence_params(opts: SynthOptions, index: int, seq_type: str, view: str
                    ) -> tuple[SequenceParams, int]:
    """The recording parameters and frame count of one (subject, type, view)."""
    type_number = TYPES.index(seq_type) if seq_type in TYPES else sum(map(ord, seq_type))
    rng = np.random.default_rng([opts.seed, _SEQUENCE_STREAM, index, type_number,
                                 view_key(view)])
    frames = int(rng.integers(opts.frames[0], opts.frames[1] + 1))
    seq = draw_sequence(rng, opts.naming.condition(seq_type), opts.naming.view_degrees(view),
                        tilt_deg=opts.tilt_deg,
                        tilt_fraction=opts.tilt_fraction, offset_px=opts.offset_px,
                        offset_fraction=opts.offset_fraction)
    return seq, frames


def make_record(opts: SynthOptions, index: int, seq_type: str, view: str) -> SequenceRecord:
    """Render one sequence as a shard record."""
    seq, frames = sequence_params(opts, index, seq_type, view)
    out = render_sequence(subject_params(opts.seed, index), seq, frames)
    return SequenceRecord(
        subject=opts.subject_name(index), type=seq_type, view=view, heatmaps=out.heatmaps,
        keypoints=out.keypoints, boxes=out.boxes, frame_indices=np.arange(frames),
        frame_scores=out.frame_scores, dataset="synthetic", source=f"synth:seed={opts.seed}",
        meta={"tilt_deg": seq.tilt_deg, "offset_px": list(seq.offset), "bag": seq.bag_kind,
              "coat": seq.coat, "frames_total": frames, "frames_dropped": 0},
    )


def validate(opts: SynthOptions) -> None:
    """Raise ValueError naming the bad option (the CLI turns it into a usage error)."""
    if opts.subjects < 2:
        raise ValueError(f"subjects={opts.subjects}: need at least 2 (one train, one test)")
    lo, hi = opts.frames
    if not 1 <= lo <= hi:
        raise ValueError(f"frames={opts.frames}: need 1 <= low <= high, e.g. 30,50")
    if opts.layout not in NAMINGS:
        raise ValueError(f"layout {opts.layout!r}: synthetic sets are named after "
                         f"{', '.join(NAMINGS)}")
    for view in opts.views:
        if opts.layout != "ccpg" and not (str(view).isdigit() and 0 <= int(view) <= 360):
            raise ValueError(f"view {view!r}: views are degrees like 000, 018, ..., 180")
        opts.naming.check(opts.types[0], str(view))
    for seq_type in opts.types:
        opts.naming.check(seq_type, str(opts.views[0]))


def iter_records(opts: SynthOptions, skip: set[str] = frozenset(),
                 progress: bool = True) -> Iterator[SequenceRecord]:
    """All records of the data set in subject/type/view order, minus the keys in ``skip``."""
    jobs = [(opts, i, t, v) for i in range(opts.subjects) for t in opts.types
            for v in opts.views if f"{opts.subject_name(i)}/{t}/{v}" not in skip]
    bar = tqdm(total=len(jobs), desc="synth", unit="seq", disable=not progress or None)
    if opts.workers <= 1:
        for job in jobs:
            yield make_record(*job)
            bar.update()
    else:  # a bounded window of jobs in flight keeps memory flat when the writer lags
        with ProcessPoolExecutor(opts.workers) as pool:
            pending: deque[Future[SequenceRecord]] = deque()
            for job in jobs:
                pending.append(pool.submit(make_record, *job))
                if len(pending) >= 2 * opts.workers:
                    yield pending.popleft().result()
                    bar.update()
            while pending:
                yield pending.popleft().result()
                bar.update()
    bar.close()


def make_split(opts: SynthOptions) -> Split:
    ids = [opts.subject_name(i) for i in range(opts.subjects)]
    n_train = min(max(1, round(opts.subjects * opts.train_fraction)), opts.subjects - 1)
    return Split(train=ids[:n_train], test=ids[n_train:])


def recipe(opts: SynthOptions) -> dict:
    """The shipped casia-b recipe (or ``opts.recipe``), retargeted: synthetic data, this
    folder's split and types.

    Training settings stay the paper's; scale them down with ``--set`` for quick runs. The
    ``extract`` section is kept for a complete recipe but is unused (nothing is extracted).
    """
    if opts.recipe is not None:
        return _named_after(opts)
    raw = yaml.safe_load(find_recipe("casia-b").read_text())
    gallery = [t for t in opts.types if t.startswith("nm")][:4]
    probes = {"NM": [t for t in opts.types if t.startswith("nm") and t not in gallery],
              "BG": [t for t in opts.types if t.startswith("bg")],
              "CL": [t for t in opts.types if t.startswith("cl")]}
    raw["name"] = "synthetic"
    raw["data"].update(dataset="synthetic", code="SY", split=SPLIT_FILE)
    raw["eval"].update(gallery=gallery, probes={k: v for k, v in probes.items() if v})
    return raw


def _named_after(opts: SynthOptions) -> dict:
    """The recipe ``opts.recipe`` resolved, on this folder's data: its protocol kept, each
    gallery and probe set cut down to the types generated (empty probe sets dropped)."""
    raw = read_layers(find_recipe(str(opts.recipe)))
    raw["name"] = f"synthetic-{raw['name']}"
    raw.setdefault("data", {}).update(dataset="synthetic", split=SPLIT_FILE)
    made = set(opts.types)
    evaluation = raw.setdefault("eval", {})
    match = evaluation.get("match", "exact")

    def kept(patterns: list[str]) -> list[str]:
        if match == "substring":
            return [p for p in patterns if any(p in t for t in made)]
        return [p for p in patterns if p in made]

    probes = {name: kept(types) for name, types in evaluation.get("probes", {}).items()}
    evaluation["probes"] = {name: types for name, types in probes.items() if types}
    evaluation["galleries"] = {name: kept(types) for name, types in
                               evaluation.get("galleries", {}).items()
                               if name in evaluation["probes"]}
    evaluation["gallery"] = kept(evaluation.get("gallery", []))
    if "mean_over" in evaluation:
        evaluation["mean_over"] = [n for n in evaluation["mean_over"] if n in evaluation["probes"]]
    return raw


def options_for_recipe(name_or_path: str, subjects: int, **fields: object) -> SynthOptions:
    """Options that name a synthetic set after a recipe's data set: its layout's types and
    views, and subjects taken from its split (the first of TRAIN_SET, then of TEST_SET)."""
    from heatgait.config import load_recipe

    recipe_ = load_recipe(name_or_path)
    layout = recipe_.extract.layout
    if layout not in NAMINGS:
        raise ValueError(f"recipe {name_or_path}: extract.layout {layout!r} has no synthetic "
                         f"naming; use a recipe of {', '.join(NAMINGS)}")
    split = load_split(recipe_.split_file)
    train_fraction = float(fields.pop("train_fraction", SynthOptions.train_fraction))
    n_train = min(max(1, round(subjects * train_fraction)), subjects - 1)
    if n_train > len(split.train) or subjects - n_train > len(split.test):
        raise ValueError(f"recipe {name_or_path}: its split has {len(split.train)} train and "
                         f"{len(split.test)} test subjects; ask for fewer --subjects")
    names = split.train[:n_train] + split.test[:subjects - n_train]
    return SynthOptions(subjects=subjects, recipe=name_or_path, layout=layout,
                        subject_names=names, train_fraction=train_fraction, **fields)


def generate_dataset(out_dir: str | Path, opts: SynthOptions | None = None, *,
                     progress: bool = True, **overrides: object) -> SynthSummary:
    """Write shards, ``split.json`` and ``recipe.yaml`` of a synthetic data set into out_dir.

    ``overrides`` set ``SynthOptions`` fields, e.g. ``generate_dataset(d, subjects=8, seed=1)``.
    """
    opts = dataclasses.replace(opts or SynthOptions(), **overrides)  # the caller's stays as is
    if opts.layout != "ccpg":
        opts.views = [f"{int(v):03d}" if str(v).isdigit() else v
                      for v in opts.views]  # "90" -> "090", CASIA-B's names
    validate(opts)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    done = existing_keys(out)
    attrs = {"generator": "heatgait.synth", "heatgait_version": __version__, "seed": opts.seed,
             "pose_model": "synthetic", "detector": "synthetic",
             "synth_options": {k: v for k, v in vars(opts).items() if k != "extra"},
             **opts.extra}
    counted = {"sequences": 0, "frames": 0}

    def counting(records: Iterator[SequenceRecord]) -> Iterator[SequenceRecord]:
        for record in records:
            counted["sequences"] += 1
            counted["frames"] += record.num_frames
            yield record

    shards = write_shards(counting(iter_records(opts, done, progress)), out, prefix="synth",
                          sequences_per_shard=opts.sequences_per_shard, attrs=attrs,
                          progress=False)
    split = make_split(opts)
    save_split(split, out / SPLIT_FILE)
    with open(out / RECIPE_FILE, "w", encoding="utf-8") as f:
        f.write(f"# Synthetic {opts.recipe or 'CASIA-B-style'} set: heatgait synth, seed "
                f"{opts.seed}, {opts.subjects} subjects.\n")
        yaml.safe_dump(recipe(opts), f, sort_keys=False)
    total = len(opts.views) * len(opts.types) * opts.subjects
    return SynthSummary(out_dir=out, shards=shards, sequences=counted["sequences"],
                        skipped=total - counted["sequences"], frames=counted["frames"],
                        split=out / SPLIT_FILE, recipe=out / RECIPE_FILE,
                        train_subjects=len(split.train), test_subjects=len(split.test))
