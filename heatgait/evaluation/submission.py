"""GREW's official submission file: the top-20 gallery subjects of every unlabelled probe.

GREW's test probes carry no identity, so its leaderboard scores a CSV on its server
(CodaLab). The file follows the template GREW-Benchmark ships (``submission.csv``): the
header ``videoId,rank1,...,rank20,rank1_distractor``, then one row per probe with

- ``videoId``: the probe's video id (the view field of a GREW probe, ``probe/03/<videoId>``);
- ``rank1..rank20``: the subject ids of the 20 nearest gallery sequences, nearest first (two
  sequences of one subject may both appear, as in the field's scripts), written as integers
  (``00042`` -> ``42``) the way GREW-Benchmark's ``build_submission.py`` writes them;
- ``rank1_distractor``: the template's last column, which GREW-Benchmark's script leaves as
  the template has it. Its content is not documented; heatgait's gallery holds no distractor
  set, so the column repeats ``rank1`` (the top subject were distractors added).

Probes are the recipe's ``eval.submission_probe`` types, the gallery its
``eval.submission_gallery`` types (GREW: 03 against 01 and 02); rows are in video-id order.
Distances are the protocols' (Euclidean per part, averaged), computed in chunks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from heatgait.config import EvalConfig
from heatgait.errors import UsageError
from heatgait.evaluation.distance import as_parts, distance_chunks
from heatgait.evaluation.protocols import type_mask
from heatgait.fileio import write_text

DISTRACTOR_COLUMN = "rank1_distractor"


def submission_header(ranks: int) -> list[str]:
    """``videoId, rank1 .. rankN, rank1_distractor`` (the template's columns)."""
    return ["videoId", *[f"rank{k}" for k in range(1, ranks + 1)], DISTRACTOR_COLUMN]


def _subject(label: str) -> str:
    """A subject id as the field's script writes it: ``int(label)`` where it is a number."""
    return str(int(label)) if label.isdigit() else label


def submission_rows(embeddings: Any, labels: Any, types: Any, views: Any,
                    config: EvalConfig) -> list[list[str]]:
    """One row per probe (video id, top-k subject ids, the distractor column), by video id."""
    if not config.submission_probe or not config.submission_gallery:
        raise UsageError(f"protocol {config.protocol} has no submission file (no "
                         "eval.submission_probe / eval.submission_gallery); use --submission "
                         "with -p grew")
    features = as_parts(embeddings)  # [n, c, p]
    labels, types, views = (np.asarray(x).astype(str) for x in (labels, types, views))
    probe = np.flatnonzero(type_mask(types, config.submission_probe, config.match))
    gallery = np.flatnonzero(type_mask(types, config.submission_gallery, config.match))
    if len(probe) == 0 or len(gallery) == 0:
        side, wanted = (("probe", config.submission_probe) if len(probe) == 0
                        else ("gallery", config.submission_gallery))
        raise UsageError(f"submission: no {side} sequences of types {wanted}; types present: "
                         f"{', '.join(sorted(set(types.tolist()))[:12])} (import GREW's "
                         "test/probe and test/gallery folders)")
    if len(gallery) < config.submission_ranks:
        raise UsageError(f"submission: {len(gallery)} gallery sequences, fewer than the "
                         f"{config.submission_ranks} ranks the file holds")
    probe = probe[np.argsort(views[probe], kind="stable")]  # rows in video-id order
    ranks = config.submission_ranks
    gallery_subjects = np.asarray([_subject(x) for x in labels[gallery].tolist()])
    rows: list[list[str]] = []
    for block, dist in distance_chunks(features[probe], features[gallery], config.chunk_size):
        nearest = np.argpartition(dist, ranks - 1, axis=1)[:, :ranks]  # [n, k] unordered
        order = np.argsort(np.take_along_axis(dist, nearest, axis=1), axis=1, kind="stable")
        top = gallery_subjects[np.take_along_axis(nearest, order, axis=1)]  # [n, k]
        for video, subjects in zip(views[probe[block]].tolist(), top.tolist()):
            rows.append([video, *subjects, subjects[0]])
    return rows


def write_submission(path: str | Path, embeddings: Any, labels: Any, types: Any, views: Any,
                     config: EvalConfig) -> tuple[Path, int]:
    """Writes the submission CSV (atomically); returns (path, number of probe rows)."""
    rows = submission_rows(embeddings, labels, types, views, config)
    lines = [",".join(submission_header(config.submission_ranks)),
             *[",".join(row) for row in rows]]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, "\n".join(lines) + "\n")
    return path, len(rows)
