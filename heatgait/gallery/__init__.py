"""Who is this walker? Enrol tracked walkers into a gallery and identify people in new footage.

- ``gallery``: a gallery folder (sqlite3 database + faiss candidate index), add/list/remove,
  search with the evaluator's metric;
- ``enrol`` / ``identify``: videos or shards -> tracks -> embeddings -> entries / decisions;
- ``calibrate``: the open-set threshold for a target false-accept rate;
- ``encoder``: the checkpoint and its fingerprint; ``sources``: inputs as tracks;
  ``pictures``: track strips and the identification sheet.

Only ``gallery``/``store``/``index``/``calibrate`` load here; the rest import torch and the
stage-1 stack, so they load on first use.
"""

from __future__ import annotations

from heatgait.gallery.calibrate import calibrate
from heatgait.gallery.gallery import Gallery, is_gallery
from heatgait.gallery.search import Match
from heatgait.gallery.store import AddResult, Entry, NewEntry

__all__ = ["AddResult", "Entry", "Gallery", "Match", "NewEntry", "calibrate", "is_gallery"]
