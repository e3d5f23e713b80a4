"""The checkpoint that turns tracks into embeddings, and its fingerprint.

A gallery's model is loaded by the one inference loader (``heatgait.training.inference``), so
a sequence gets in a gallery exactly the embedding ``heatgait eval`` gives it: same network,
same heatmap kind (raw or regenerated), normalisation, frame cap and precision. Its fingerprint
(``heatgait.training.fingerprint``) covers the weights and every recipe value that changes an
embedding; a gallery records its model's and refuses any other.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heatgait.errors import HeatgaitError, UsageError
from heatgait.gallery.model_match import describe_model, stale_gallery
from heatgait.training.fingerprint import compare

if TYPE_CHECKING:  # torch is imported by the commands that embed, not by the gallery's others
    from heatgait.training.inference import InferenceModel


def exported_file(checkpoint: str | Path | None, model_file: str | Path | None) -> Path | None:
    """The export to run: ``model_file``, a CHECKPOINT given as .onnx, or the checkpoint's
    default export (``training.exported.default_export_path``)."""
    from heatgait.training.exported import default_export_path

    if model_file is not None:
        return Path(model_file)
    if checkpoint is None:
        return None
    try:
        return default_export_path(checkpoint)
    except HeatgaitError:  # no checkpoint there: the export cannot be beside it either
        return None


def load_encoder(checkpoint: str | Path, device: str = "auto", batch_size: int | None = None,
                 num_workers: int | None = None, runtime: str = "torch",
                 model_file: str | Path | None = None) -> InferenceModel:
    """Loads a checkpoint (file or run folder) for embedding, with where it lives; runtime
    onnx or openvino loads its export instead (``model_file``, or CHECKPOINT as .onnx)."""
    from heatgait.extract.runtimes.onnxfile import check_runtime
    from heatgait.training.inference import load_inference_model

    if check_runtime(runtime) == "torch":
        if Path(checkpoint).suffix == ".onnx":
            raise UsageError(f"{checkpoint} is an exported model: add --runtime onnx (or "
                             "openvino), or give the run folder")
        encoder = load_inference_model(checkpoint, device, batch_size=batch_size,
                                       num_workers=num_workers)
    else:
        from heatgait.training.exported import load_exported_model

        path = exported_file(checkpoint, model_file)
        if path is None:
            raise UsageError(f"--runtime {runtime}: no export beside {checkpoint}; give "
                             "--model FILE.onnx (heatgait export RUN --out FILE.onnx)")
        encoder = load_exported_model(path, runtime, batch_size=batch_size,
                                      num_workers=num_workers)
    fingerprint = encoder.fingerprint
    path = Path(fingerprint["checkpoint"]).resolve()
    fingerprint["checkpoint"] = str(path)
    # a run's latest.pt is overwritten by further training: remember its iter-NNNNNN.pt twin
    twin = path.with_name(f"iter-{fingerprint['iteration']:06d}.pt")
    fingerprint["paths"] = [str(p) for p in (twin, path) if p.is_file() and
                            (p == path or path.name == "latest.pt")]
    return encoder


def find_gallery_export(fingerprint: dict[str, Any], checkpoint: str | Path | None,
                        model_file: str | Path | None, gallery: str,
                        present: Callable[[Path], bool] = Path.is_file,
                        write: str = "heatgait export RUN --out FILE.onnx") -> Path:
    """The export of a gallery's model: ``model_file``, CHECKPOINT's, or the one beside a
    checkpoint the gallery recorded; the first of them ``present`` accepts, else the first.
    ``write`` is the command the error suggests when there is no candidate at all."""
    candidates = [checkpoint] if checkpoint else list(fingerprint.get("paths") or
                                                      [fingerprint.get("checkpoint")])
    paths = [exported_file(c, model_file) for c in candidates or [None]]
    path = next((p for p in paths if p is not None and present(p)), paths[0])
    if path is None:
        raise UsageError(f"gallery {gallery}: no export of its model found; give --model "
                         f"FILE.onnx ({write})")
    return path


def load_gallery_encoder(fingerprint: dict[str, Any], checkpoint: str | Path | None = None,
                         device: str = "auto", gallery: str = "", runtime: str = "torch",
                         model_file: str | Path | None = None) -> InferenceModel:
    """The gallery's own model: ``checkpoint`` when given, else where the gallery recorded it;
    either way its fingerprint must be the gallery's. Runtime onnx or openvino: its export
    (``model_file``, CHECKPOINT as .onnx, or beside the recorded checkpoint)."""
    from heatgait.extract.runtimes.onnxfile import check_runtime

    if check_runtime(runtime) != "torch":
        from heatgait.training.exported import load_exported_model

        path = find_gallery_export(fingerprint, checkpoint, model_file, gallery)
        return load_exported_model(path, runtime, expect=fingerprint,
                                   against=f"gallery {gallery}")
    tried = [str(checkpoint)] if checkpoint else list(fingerprint.get("paths") or
                                                       [fingerprint.get("checkpoint", "")])
    for path in tried:
        if not path or not Path(path).exists():
            continue
        encoder = load_encoder(path, device)
        match = compare(fingerprint, encoder.fingerprint)
        if match == "same":
            return encoder
        if match == "stale":
            raise stale_gallery(gallery, encoder.fingerprint)
        if checkpoint:
            raise HeatgaitError(f"gallery {gallery} holds embeddings of "
                                f"{describe_model(fingerprint)}; {describe_model(encoder.fingerprint)}"
                                " is another model: give --checkpoint the gallery's checkpoint")
    raise HeatgaitError(f"gallery {gallery}: its model {describe_model(fingerprint)} is not at "
                        f"{', '.join(tried) or '?'} any more (moved or retrained): give "
                        "--checkpoint PATH to that checkpoint")
