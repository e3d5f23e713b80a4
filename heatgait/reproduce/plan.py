"""What reproducing a table of the paper takes: ordinary heatgait commands, in order.

A table is data (:data:`TABLE_PLANS`): which recipes it trains and which (recipe, cross pair)
evaluations fill its cells. :func:`plan_table` turns it into :class:`Step` s: extract each
data set once per pose model (shared by every recipe that reads the same shard folder), train
each recipe once, evaluate each cell once (a results JSON shared by every table that shows it).
Every step is a command a user could type, and knows the file that says it is done:

- extract: the shard folder holds shards and ``heatgait check --fast`` finds no fault;
- train: the run's ``checkpoints/latest.pt`` is at the recipe's ``train.iterations``
  (a run that stopped earlier is continued with ``--resume``);
- eval: the results JSON exists.

Folders under ``--runs``: ``shards/<data.shards>``, ``runs/<recipe>``, ``results/<cell>.json``.
Videos are found under ``--data-root`` as ``<data.dataset>/`` (CASIA-B, CCPG, SUSTech1K).
"""

from __future__ import annotations

import functools
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from heatgait.config import Recipe, builtin_recipes, load_recipe
from heatgait.config.stage1 import LAYOUT_EXAMPLES
from heatgait.errors import UsageError

Cell = tuple[str, str | None]  # (recipe trained, cross pair "SRC->TGT" or None: own test set)

# Each table: the recipes it trains and the evaluations that fill it, in the paper's order.
TABLE_PLANS: dict[int, dict[str, list]] = {
    1: {"about": "CASIA-B and CCPG, GaitHeat and GaitHeat++",
        "cells": [("casia-b", None), ("casia-b++", None), ("ccpg", None), ("ccpg++", None)]},
    2: {"about": "SUSTech1K, GaitHeat and GaitHeat++",
        "cells": [("sustech1k", None), ("sustech1k++", None)]},
    3: {"about": "cross-domain: train on one data set, test on another",
        "cells": [(f"{source}{plus}", pair) for plus in ("", "++")
                  for source, pair in (("ccpg", "CC->CA"), ("sustech1k", "SU->CA"),
                                       ("ccpg", "CC->SU"), ("casia-b", "CA->SU"),
                                       ("casia-b", "CA->CC"), ("sustech1k", "SU->CC"))]},
    4: {"about": "raw vs regenerated heatmaps",
        "cells": [("casia-b-regenerated", None), ("casia-b", None),
                  ("ccpg-regenerated", None), ("ccpg", None)]},
    5: {"about": "with and without pose-guided heatmap alignment",
        "cells": [("casia-b-nopgha", None), ("casia-b", None),
                  ("ccpg-nopgha", "CC->CA"), ("ccpg", "CC->CA"),
                  ("ccpg-nopgha", None), ("ccpg", None),
                  ("casia-b-nopgha", "CA->CC"), ("casia-b", "CA->CC")]},
}


@dataclass
class Step:
    """One heatgait command of a plan and the file that says it is done."""

    kind: Literal["extract", "train", "eval"]
    argv: list[str]  # after "heatgait"
    product: Path
    recipe: str
    needs: list[Path] = field(default_factory=list)  # inputs that must exist to run it

    @property
    def command(self) -> str:
        return shlex.join(["heatgait", *self.argv])


@functools.cache
def _builtin(name: str) -> Recipe:
    """A built-in recipe, loaded once per process (plans only read them)."""
    return load_recipe(name)


def table_numbers(table: str) -> list[int]:
    """``"1"`` .. ``"5"`` or ``"all"`` -> table numbers; UsageError for anything else."""
    if table == "all":
        return sorted(TABLE_PLANS)
    if table.isdigit() and int(table) in TABLE_PLANS:
        return [int(table)]
    raise UsageError(f"table {table!r}: the paper has tables {', '.join(map(str, TABLE_PLANS))}; "
                     "give one of them or all")


def cells(numbers: Sequence[int]) -> list[Cell]:
    """The evaluations of the tables, each once, in order."""
    out: list[Cell] = []
    for number in numbers:
        out += [tuple(c) for c in TABLE_PLANS[number]["cells"] if tuple(c) not in out]
    return out


def result_name(recipe: str, pair: str | None) -> str:
    """The results file of a cell: ``casia-b.json``, ``ccpg__CC-CA.json``."""
    return f"{recipe}.json" if pair is None else f"{recipe}__{pair.replace('->', '-')}.json"


def _target_shards(source: Recipe, pair: str | None) -> Recipe:
    """The recipe whose shards a cell is evaluated on: the target data set's, extracted with
    the source's pose model (GaitHeat++ is tested on ViTPose heatmaps of the target too)."""
    if pair is None:
        return source
    target_code = pair.split("->")[1]
    for name in builtin_recipes():
        candidate = _builtin(name)
        if candidate.data.code == target_code and candidate.extract.pose == source.extract.pose:
            return candidate
    raise UsageError(f"no built-in recipe extracts {target_code} with {source.extract.pose}")


def _extraction_recipe(shards: str) -> str:
    """The simplest built-in recipe that extracts into a shard folder (casia-b, not its
    variants; their extract sections are the same)."""
    names = [n for n in builtin_recipes() if _builtin(n).data.shards == shards]
    return min(names, key=len)


def plan_table(table: str, data_root: Path, runs: Path, overrides: Sequence[str] = ()
               ) -> list[Step]:
    """Every extract, train and eval step that the tables need, each once, in order."""
    chosen = cells(table_numbers(table))
    extracts: dict[Path, Step] = {}
    trains: dict[str, Step] = {}
    evals: list[Step] = []
    sets = [arg for item in overrides for arg in ("--set", item)]
    for recipe_name, pair in chosen:
        recipe = _builtin(recipe_name)
        for shard_recipe in (recipe, _target_shards(recipe, pair)):
            folder = runs / "shards" / shard_recipe.data.shards
            if folder not in extracts:
                videos = data_root / shard_recipe.data.dataset
                name = _extraction_recipe(shard_recipe.data.shards)
                extracts[folder] = Step(
                    "extract", ["extract", str(videos), "--layout", shard_recipe.extract.layout,
                                "--recipe", name, "--out", str(folder)],
                    folder, name, needs=[videos])
        run_dir = runs / "runs" / recipe_name
        if recipe_name not in trains:
            shards = runs / "shards" / recipe.data.shards
            trains[recipe_name] = Step(
                "train", ["train", "--recipe", recipe_name, "--data", str(shards),
                          "--out", str(run_dir), *sets], run_dir, recipe_name)
        target = _target_shards(recipe, pair)
        result = runs / "results" / result_name(recipe_name, pair)
        protocol = ["--cross", pair] if pair else ["--protocol", recipe_name]
        evals.append(Step(
            "eval", ["eval", str(run_dir), "--data", str(runs / "shards" / target.data.shards),
                     *protocol, "--json", str(result)], result, recipe_name))
    return [*extracts.values(), *trains.values(), *evals]


def missing_data(steps: Sequence[Step]) -> str | None:
    """Why the plan cannot start (a data set that the tables need is absent), or None."""
    for step in steps:
        if step.kind != "extract" or is_done(step):
            continue
        for path in step.needs:
            if not path.exists():
                recipe = _builtin(step.recipe)
                return (f"--data-root: no {path} (the {recipe.data.dataset} videos that "
                        f"{step.recipe} needs); put them there in the {recipe.extract.layout} "
                        f"layout, e.g. {LAYOUT_EXAMPLES[recipe.extract.layout]}")
    return None


def is_done(step: Step) -> bool:
    """Whether the step's product is complete (see the module docstring)."""
    if step.kind == "extract":
        from heatgait.data.check import check_shards

        return step.product.is_dir() and any(step.product.glob("*.h5")) and \
            not check_shards(step.product, verify_checksums=False)
    if step.kind == "train":
        return train_progress(step) == "done"
    return step.product.is_file()


def train_progress(step: Step) -> Literal["new", "partial", "done"]:
    """How far a training run has come: none, stopped part way, at its last iteration."""
    from heatgait.config import recipe_from_dict
    from heatgait.training.checkpoint import CHECKPOINT_DIR, load_checkpoint

    folder = step.product / CHECKPOINT_DIR
    if not folder.is_dir() or not any(folder.glob("*.pt")):
        return "new"
    state = load_checkpoint(step.product)
    wanted = recipe_from_dict(state["recipe"], "checkpoint").train.iterations
    sets = [step.argv[i + 1] for i, a in enumerate(step.argv) if a == "--set"]
    for item in sets:  # the plan's own overrides say how long the run should be
        if item.startswith("train.iterations="):
            wanted = int(item.split("=", 1)[1])
    return "done" if int(state["iteration"]) >= wanted else "partial"


def runnable_argv(step: Step) -> list[str]:
    """The argv to run now: a stopped training run continues with ``--resume``."""
    if step.kind == "train" and train_progress(step) == "partial":
        return [*step.argv, "--resume"]
    return step.argv


def run_plan(steps: Sequence[Step], execute, report) -> int:
    """Runs the steps that are not done, in order; stops at the first that fails.

    ``execute(argv) -> exit code`` runs one heatgait command; ``report(line)`` says what
    happens. Returns 0, or the exit code of the failed step.
    """
    for number, step in enumerate(steps, 1):
        where = f"[{number}/{len(steps)}] {step.kind} {step.recipe}"
        if is_done(step):
            report(f"{where}: done ({step.product}), skipped")
            continue
        argv = runnable_argv(step)
        report(f"{where}: {shlex.join(['heatgait', *argv])}")
        code = execute(argv)
        if code != 0:
            report(f"{where}: failed (exit {code}); fix it and rerun the same command to "
                   "resume from this step")
            return code
    return 0
