"""One evaluation: checkpoint (or saved embeddings) + test shards + protocol -> Result.

Which recipe supplies what: the model always comes from the checkpoint's own recipe (the
network it was trained as); the protocol and the test split come from, in order, the
``--cross`` target's built-in recipe, a protocol recipe given by the user (``--protocol``), or
the checkpoint's recipe. ``--set`` overrides apply to that evaluation recipe. A recipe given
with ``--protocol`` names a whole experiment, so the checkpoint must hold its model variant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from heatgait.config import Recipe, apply_override, load_recipe, recipe_from_dict
from heatgait.errors import HeatgaitError, UsageError
from heatgait.evaluation.cross import check_source, parse_cross
from heatgait.evaluation.embedfile import load_embeddings
from heatgait.evaluation.protocols import Result, evaluate_embeddings


@dataclass
class Evaluation:
    """A scored evaluation and what produced it."""

    result: Result
    recipe: Recipe  # the evaluation recipe (protocol, split)
    embeddings: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # emb, labels, types, views
    checkpoint: str = ""
    source_code: str = ""  # data set the model was trained on (cross-domain: the source)
    trained: Recipe | None = None  # the checkpoint's own recipe (None for saved embeddings)

    def provenance(self) -> dict[str, object]:
        """What produced the numbers, for the results JSON (``heatgait report`` reads it)."""
        out: dict[str, object] = {"recipe": self.recipe.name, "checkpoint": self.checkpoint}
        if self.trained is not None:
            out.update(model_recipe=self.trained.name, source=self.source_code,
                       model=self.trained.model.name, pose=self.trained.extract.pose,
                       heatmaps=self.trained.data.heatmaps,
                       pgha=self.trained.model.align is not False)
        return out


def eval_recipe(checkpoint_recipe: dict | None, protocol: str | None, cross: str | None,
                overrides: Sequence[str] = ()) -> tuple[Recipe, str | None]:
    """(evaluation recipe, cross-domain source recipe name or None)."""
    source = None
    if cross:
        source, target = parse_cross(cross)
        recipe = load_recipe(target)
    elif protocol:
        recipe = load_recipe(protocol)
    elif checkpoint_recipe is not None:
        recipe = recipe_from_dict(checkpoint_recipe, "checkpoint")
    else:
        raise UsageError("scoring --embeddings needs a protocol: give --protocol (or "
                         "--pipeline) casia-b, ccpg, sustech1k, oumvlp, gait3d, grew or a "
                         "YAML path")
    for item in overrides:
        apply_override(recipe, item)
    return recipe, source


def listed_probes(recipe: Recipe) -> list[str] | None:
    """The probe sequences the recipe's split file lists (``eval.probe_list``), or None."""
    if not recipe.eval.probe_list:
        return None
    from heatgait.data.splits import load_split_list

    return load_split_list(recipe.split_file, recipe.eval.probe_list)


def evaluate_file(embeddings_path: str | Path, protocol: str | None,
                  overrides: Sequence[str] = ()) -> Evaluation:
    """Scores precomputed embeddings (keys embeddings, labels, types, views): no network."""
    recipe, _ = eval_recipe(None, protocol, None, overrides)
    arrays = load_embeddings(embeddings_path)
    return Evaluation(result=evaluate_embeddings(*arrays, recipe.eval,
                                                 probe_keys=listed_probes(recipe)),
                      recipe=recipe, embeddings=arrays)


def evaluate_checkpoint(checkpoint: str | Path, data: Sequence[str | Path], *,
                        protocol: str | None = None, cross: str | None = None,
                        overrides: Sequence[str] = (), device: str = "auto",
                        batch_size: int | None = None, num_workers: int | None = None,
                        progress: bool = False, runtime: str = "torch",
                        model_file: str | Path | None = None) -> Evaluation:
    """Embeds the test sequences found in ``data`` with a trained model and scores them.

    ``runtime`` onnx or openvino embeds with the run's export (``model_file``, by default
    beside the checkpoint), refused unless its fingerprint is the checkpoint's."""
    from heatgait.data.shardset import ShardSet
    from heatgait.extract.runtimes.onnxfile import check_runtime

    check_runtime(runtime)
    from heatgait.evaluation.embed import embed_sequences, select_test_sequences
    from heatgait.training.checkpoint import load_checkpoint
    from heatgait.training.inference import inference_model

    state = load_checkpoint(checkpoint)
    trained = recipe_from_dict(state["recipe"], f"checkpoint {state['path']}")
    recipe, source = eval_recipe(state["recipe"], protocol, cross, overrides)
    if protocol and not cross and state.get("variant") != recipe.model.name:
        # a recipe given for the protocol also names the experiment: its variant must match
        raise HeatgaitError(
            f"checkpoint {state['path']}: holds model variant {state.get('variant')!r}, but "
            f"recipe {protocol} names {recipe.model.name!r}; drop --protocol (the checkpoint's "
            f"own recipe) or add --set model.name={state.get('variant')}")
    code = str(state.get("code") or trained.data.code)
    if source is not None:
        check_source(code, source, state["path"])
    shards = ShardSet(list(data))
    indices = select_test_sequences(shards, recipe.split_file)
    # the network sees at test what it saw in training: the checkpoint's own input settings
    if runtime == "torch":
        model = inference_model(state, device)
    else:
        from heatgait.training.exported import default_export_path, load_exported_model
        from heatgait.training.fingerprint import fingerprint_state

        model = load_exported_model(model_file or default_export_path(state["path"]), runtime,
                                    expect=fingerprint_state(state), against=str(checkpoint))
    arrays = embed_sequences(
        model, shards, indices, batch_size=batch_size or recipe.data.test_batch_size,
        num_workers=recipe.data.num_workers if num_workers is None else num_workers,
        progress=progress)
    return Evaluation(result=evaluate_embeddings(*arrays, recipe.eval,
                                                 probe_keys=listed_probes(recipe)),
                      recipe=recipe, embeddings=arrays, checkpoint=state["path"],
                      source_code=code, trained=trained)
