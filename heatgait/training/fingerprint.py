"""A checkpoint's fingerprint: a sha256 over everything that decides the embedding it gives.

Two checkpoints with equal digests embed a stored sequence alike, so a gallery (or an exported
model) records the digest of the model that made its embeddings and refuses any other. The
digest covers the weights (name, dtype, shape, bytes of every tensor) and the recipe values
that change what the network computes from a stored sequence. Which recipe values those are is
decided key by key below, from the recipe schema (heatgait.config.schema); a test checks that
every key of the ``data`` section is placed, so a new key cannot be forgotten. The ``model``
section is in as a whole (resolved, so a key a checkpoint predates counts at the value the
network is built with), less the keys that only act during training.

Version 1 (heatgait before the single inference loader) hashed the variant, the raw ``model``
section, ``data.normalize`` and ``data.max_test_frames``, and embedded with raw heatmaps and
the translation below gamma whatever the recipe said. A record without ``version`` is version
1: :func:`compare` accepts it for the same checkpoint when this heatgait embeds as version 1
did, and calls it ``stale`` (re-enrol) when the recipe asks for what version 1 ignored.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Literal

VERSION = 2

# data keys that change an embedding, and why
DATA_IN = {
    "heatmaps": "the network's input: the stored maps, or maps redrawn from keypoints (regenerated, rendered)",
    "normalize": "per-sequence min-max normalisation of the input",
    "max_test_frames": "which frames of a long sequence are kept at test time",
}
# data keys that do not, and why
DATA_OUT = {
    "dataset": "a name written into outputs",
    "code": "a name used by cross-domain evaluation",
    "split": "which subjects are evaluated, not how one is embedded",
    "shards": "where reproduce keeps shards",
    "frames_per_sequence": "training sampling only (all frames at test)",
    "batch_p": "training batch only",
    "batch_k": "training batch only",
    "num_workers": "loader processes: same values, other speed",
    "test_batch_size": "sequences per forward: padding never enters the temporal max and "
                       "BatchNorm runs on its stored statistics in eval mode",
}
# model keys that do not change an embedding (every other model key does: the network)
MODEL_OUT = {
    "p_below": "the chance of aligning frames under gamma, in training only (test is "
               "deterministic)",
    "init": "where training started; the trained weights are hashed",
}
# whole sections that do not
SECTIONS_OUT = {
    "extract": "stage 1 makes the shards: its pose model and storage are properties of the "
               "input, recorded by each shard, not of the model that embeds it",
    "train": "optimisation: its effect is in the weights, which are hashed",
    "eval": "the scoring protocol, applied after embedding",
    "stream": "when a live track is named and on which frames; each window is embedded as "
              "a stored sequence of those frames",
}
# what version 1 used whatever the recipe said (the values a key takes to embed as it did)
VERSION1_IMPLIED = {("data", "heatmaps"): "raw", ("model", "translate_below"): True}

# model keys added after version 1 (absent from the recipes of checkpoints it fingerprinted)
VERSION1_UNKNOWN = ("translate_below", "init")

Comparison = Literal["same", "stale", "other"]


def embedding_settings(state: dict[str, Any]) -> dict[str, Any]:
    """The recipe values of a loaded checkpoint that change its embeddings (see above)."""
    from heatgait.config import recipe_from_dict
    from heatgait.models.factory import model_settings

    recipe = recipe_from_dict(state["recipe"], f"checkpoint {state.get('path', '')}")
    model = dataclasses.asdict(model_settings(recipe.model))
    return {"variant": state.get("variant"),
            "model": {k: v for k, v in model.items() if k not in MODEL_OUT},
            "data": {k: getattr(recipe.data, k) for k in DATA_IN}}


def _digest(settings: dict[str, Any], weights: dict[str, Any]) -> str:
    import torch

    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    for name in sorted(weights):
        tensor = weights[name].detach().cpu().contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def version1_digest(state: dict[str, Any]) -> str:
    """The digest version 1 gave this checkpoint (kept to read galleries it wrote)."""
    recipe = state.get("recipe") or {}
    data = recipe.get("data") or {}
    model = recipe.get("model")
    if isinstance(model, dict):  # keys version 1's recipes never held (load_checkpoint may add
        model = {k: v for k, v in model.items() if k not in VERSION1_UNKNOWN}  # one to old ones)
    settings = {"variant": state.get("variant"), "model": model,
                "normalize": data.get("normalize"), "max_test_frames": data.get("max_test_frames")}
    return _digest(settings, state["model"])


def fingerprint_state(state: dict[str, Any]) -> dict[str, Any]:
    """The fingerprint (a JSON-ready dict) of a loaded heatgait checkpoint.

    ``version1`` says how a record written by version 1 for this checkpoint compares: its
    digest, and the settings where this heatgait embeds differently from it (none: the same).
    """
    settings = embedding_settings(state)
    changed = [f"{section}.{key} {settings[section][key]!r}"
               for (section, key), old in VERSION1_IMPLIED.items()
               if key in settings[section] and settings[section][key] != old]
    return {"digest": _digest({"fingerprint": VERSION, **settings}, state["model"]),
            "version": VERSION, "variant": state.get("variant"),
            "iteration": int(state.get("iteration", 0)), "checkpoint": str(state.get("path", "")),
            "dataset": state.get("dataset", ""), "heatmaps": settings["data"]["heatmaps"],
            "version1": {"digest": version1_digest(state), "changed": changed}}


def compare(recorded: dict[str, Any], candidate: dict[str, Any]) -> Comparison:
    """How the model of a ``candidate`` fingerprint stands to a ``recorded`` one.

    ``same``: it embeds as the recorded model did. ``stale``: the record is version 1's for
    this very checkpoint, but version 1 embedded it differently (``candidate['version1']
    ['changed']`` says how): what it made must be made again. ``other``: another model.
    """
    if recorded.get("digest") == candidate.get("digest"):
        return "same"
    old = candidate.get("version1") or {}
    if recorded.get("version") is None and recorded.get("digest") == old.get("digest"):
        return "stale" if old.get("changed") else "same"
    return "other"


def recorded_form(fingerprint: dict[str, Any]) -> dict[str, Any]:
    """What an owner stores: the fingerprint without its version-1 comparison aid."""
    return {k: v for k, v in fingerprint.items() if k != "version1"}
