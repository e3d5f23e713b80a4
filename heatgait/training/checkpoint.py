"""Training checkpoints: what a run needs to resume exactly, and what eval needs to trust it.

A checkpoint is one ``torch.save`` dictionary (see :func:`make_checkpoint`) holding the model,
optimiser, scheduler, sampler and RNG states, the iteration, the resolved recipe, the label map
(subject -> class) and provenance (variant, dataset, heatgait version, shard schema version).
It is written durably (``heatgait.fileio``: a temporary file in the same folder, fsync,
``os.replace``, fsync of the folder) so a run killed while saving leaves the previous checkpoint
intact. Loading uses
``torch.load(weights_only=True)``: every value is a tensor or plain Python data, so a
checkpoint from an untrusted source cannot run code.
"""

from __future__ import annotations

import pickle
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from heatgait import __version__
from heatgait.data.schema import SCHEMA_VERSION
from heatgait.errors import HeatgaitError, UsageError
from heatgait.fileio import atomic_open, durable_link

FORMAT = "heatgait-checkpoint"
FORMAT_VERSION = 1
CHECKPOINT_DIR = "checkpoints"
LATEST = "latest.pt"


def checkpoint_name(iteration: int) -> str:
    return f"iter-{iteration:06d}.pt"


def capture_rng() -> dict[str, Any]:
    """RNG states of python, numpy, torch and (when present) every CUDA device."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": {"kind": kind, "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
                  "pos": int(pos), "has_gauss": int(has_gauss), "cached": float(cached)},
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any]) -> None:
    """Inverse of :func:`capture_rng` (CUDA states only when this process has the devices)."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    numpy = state["numpy"]
    np.random.set_state((numpy["kind"], numpy["keys"].numpy().astype(np.uint32), numpy["pos"],
                         numpy["has_gauss"], numpy["cached"]))
    torch.set_rng_state(state["torch"])
    cuda = state.get("cuda")
    if cuda is not None and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)


def make_checkpoint(*, model: torch.nn.Module, optimizer: torch.optim.Optimizer | None,
                    scheduler: Any | None, sampler_state: dict[str, Any] | None,
                    scaler: Any | None, iteration: int, recipe: dict[str, Any],
                    label_map: dict[str, int], variant: str, dataset: str, code: str,
                    extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The dictionary that :func:`save_checkpoint` writes; ``model`` may be DDP-wrapped."""
    module = getattr(model, "module", model)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "heatgait_version": __version__,
        "schema": SCHEMA_VERSION,
        "variant": variant,
        "dataset": dataset,
        "code": code,
        "iteration": int(iteration),
        "recipe": recipe,
        "label_map": dict(label_map),
        "model": {k: v.detach().cpu() for k, v in module.state_dict().items()},
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "sampler": sampler_state,
        "scaler": scaler.state_dict() if scaler is not None else None,
        "rng": capture_rng(),
        "extra": extra or {},
    }


def save_checkpoint(state: dict[str, Any], path: str | Path) -> Path:
    """Writes ``state`` to ``path`` atomically: a reader sees the old file or the new one."""
    path = Path(path)
    with atomic_open(path, "wb") as handle:
        torch.save(state, handle)
    return path


def save_run_checkpoint(state: dict[str, Any], run_dir: str | Path) -> Path:
    """Writes ``checkpoints/iter-XXXXXX.pt`` and then makes ``checkpoints/latest.pt`` a second
    name of it: the state is serialised and written once per save, not twice."""
    folder = Path(run_dir) / CHECKPOINT_DIR
    path = save_checkpoint(state, folder / checkpoint_name(state["iteration"]))
    durable_link(path, folder / LATEST)
    return path


def find_checkpoint(path: str | Path) -> Path:
    """A checkpoint file, or a run folder / its ``checkpoints`` folder -> its ``latest.pt``
    (or its newest ``iter-XXXXXX.pt`` when the run died before updating ``latest.pt``)."""
    path = Path(path)
    for candidate in (path, path / LATEST, path / CHECKPOINT_DIR / LATEST):
        if candidate.is_file():
            return candidate
    # killed between iter-XXXXXX.pt and latest.pt: the newest numbered checkpoint
    for folder in (path, path / CHECKPOINT_DIR):
        numbered = sorted(folder.glob("iter-*.pt")) if folder.is_dir() else []
        if numbered:
            return numbered[-1]
    raise UsageError(f"checkpoint {path}: no such file (give a .pt file or a run folder with "
                     f"{CHECKPOINT_DIR}/{LATEST})")


def load_checkpoint(path: str | Path, *, variant: str | None = None,
                    map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Loads and checks a heatgait checkpoint (file or run folder).

    Raises HeatgaitError when the file is not a heatgait checkpoint, was written for another
    shard schema version, or (when ``variant`` is given) holds another model variant.
    """
    file = find_checkpoint(path)
    try:
        state = torch.load(file, map_location=map_location, weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise HeatgaitError(f"checkpoint {file}: not a heatgait checkpoint or damaged "
                            f"({first[:120]}); point at a .pt written by heatgait train") from exc
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise HeatgaitError(f"checkpoint {file}: not a heatgait checkpoint (no '{FORMAT}' "
                            "marker); point at a .pt written by heatgait train")
    if state.get("schema") != SCHEMA_VERSION:
        raise HeatgaitError(f"checkpoint {file}: written for shard schema version "
                            f"{state.get('schema')}, this heatgait reads version {SCHEMA_VERSION}; "
                            "use a matching heatgait version or retrain")
    if variant is not None and state.get("variant") != variant:
        raise HeatgaitError(f"checkpoint {file}: holds model variant {state.get('variant')!r}, "
                            f"expected {variant!r}; set model.name to match or use another "
                            "checkpoint")
    model = state.get("recipe", {}).get("model")
    if isinstance(model, dict) and "translate_below" not in model:
        # saved before model.translate_below existed: PGHA then also moved frames under gamma,
        # so the network is rebuilt the way it was trained
        model["translate_below"] = True
    state["path"] = str(file)
    return state
