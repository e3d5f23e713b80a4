"""Whether a model is a gallery's own: its description in messages, and the refusals.

A gallery records the fingerprint (heatgait.training.fingerprint) of the model that embedded
its walkers; adding, identifying and calibrating check that the model at hand is that one.
"""

from __future__ import annotations

from typing import Any

from heatgait.errors import HeatgaitError
from heatgait.training.fingerprint import compare


def describe_model(fingerprint: dict[str, Any]) -> str:
    return (f"{fingerprint.get('checkpoint', '?')} ({fingerprint.get('variant', '?')}, "
            f"iteration {fingerprint.get('iteration', '?')}, fingerprint "
            f"{str(fingerprint.get('digest', '?'))[:12]})")


def stale_gallery(gallery: str, fingerprint: dict[str, Any]) -> HeatgaitError:
    """The error for a gallery an older heatgait filled with this model's wrong embeddings."""
    changed = ", ".join(fingerprint["version1"]["changed"])
    return HeatgaitError(f"gallery {gallery} was enrolled by an older heatgait that ignored "
                         f"{changed} of {fingerprint['checkpoint']}, so its embeddings are not "
                         "this model's: enrol the walkers again into a new gallery folder")


def check_same_model(gallery: str, own: dict[str, Any] | None,
                     fingerprint: dict[str, Any]) -> None:
    """Raises naming both models when ``fingerprint`` is not the gallery's ``own`` (None: an
    empty gallery, which takes any model)."""
    match = "same" if own is None else compare(own, fingerprint)
    if match == "stale":
        raise stale_gallery(gallery, fingerprint)
    if match == "other":
        raise HeatgaitError(
            f"gallery {gallery} holds embeddings of {describe_model(own or {})}; "
            f"{describe_model(fingerprint)} is another model: use the gallery's checkpoint, "
            "or enrol into a new gallery folder")
