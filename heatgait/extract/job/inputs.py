"""Find the sequences in the user's inputs and label them (subject, type, view) by layout.

Inputs are video files, folders of videos, or folders of frames (one folder = one sequence).
A layout says how names carry the labels:

- ``casia-b``: ``001-nm-01-090.avi`` or ``001/nm-01/090/*.png``
- ``ccpg``: ``000/U0_D0_BG/01_1/*.jpg`` or ``000_U0_D0_BG_01_1.mp4``
- ``sustech1k``: ``0000/00-nm/000/*.jpg`` (or a video in place of the view folder)
- ``generic``: ``ID/TYPE/VIEW`` (folder of frames or ``VIEW.mp4``), ``ID-TYPE-VIEW.mp4``, or
  any other video (subject = file name, type ``seq``, view ``000``)
- ``auto``: the first of the above that names every input, with counts to check before work.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from heatgait.config.stage1 import LAYOUTS
from heatgait.errors import UsageError

VIDEO_SUFFIXES = {".avi", ".mp4", ".mkv", ".mov", ".webm", ".mpg", ".mpeg", ".m4v", ".wmv"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}


@dataclass(frozen=True)
class SequenceSource:
    """One sequence to extract: its labels and where its frames come from."""

    subject: str
    type: str
    view: str
    path: Path  # a video file, or a folder of frames
    kind: str  # "video" | "frames"

    @property
    def key(self) -> str:
        return f"{self.subject}/{self.type}/{self.view}"


Labels = tuple[str, str, str]
_CASIA_NAME = re.compile(r"^(\d{3})-((?:nm|bg|cl)-\d{2})-(\d{3})$")
_CASIA_PARTS = (re.compile(r"^\d{3}$"), re.compile(r"^(?:nm|bg|cl)-\d{2}$"), re.compile(r"^\d{3}$"))
_CCPG_NAME = re.compile(r"^(\d{3})[_-](U\d_D\d(?:_BG)?)[_-](.+)$")
_CCPG_PARTS = (re.compile(r"^\d{3}$"), re.compile(r"^U\d_D\d(?:_BG)?$"), re.compile(r"^.+$"))
_SUSTECH_NAME = re.compile(r"^(\d{4})-(\d{2}-[a-z][\w-]*)-(\d{3})$")
_SUSTECH_PARTS = (re.compile(r"^\d{4}$"), re.compile(r"^\d{2}-[a-z][\w-]*$"), re.compile(r"^\d{3}$"))


def _by_name_or_parts(name_re: re.Pattern, parts_re: tuple[re.Pattern, ...]
                      ) -> Callable[[tuple[str, ...]], Labels | None]:
    def parse(parts: tuple[str, ...]) -> Labels | None:
        match = name_re.match(parts[-1])
        if match:
            return match.group(1), match.group(2), match.group(3)
        if len(parts) >= 3 and all(r.match(p) for r, p in zip(parts_re, parts[-3:])):
            return parts[-3], parts[-2], parts[-1]
        return None
    return parse


def _parse_generic(parts: tuple[str, ...]) -> Labels:
    if len(parts) >= 3:
        return parts[-3], parts[-2], parts[-1]
    fields = parts[-1].split("-")
    if len(fields) >= 3 and all(fields):
        return fields[0], "-".join(fields[1:-1]), fields[-1]
    return parts[-1], "seq", "000"


PARSERS: dict[str, Callable[[tuple[str, ...]], Labels | None]] = {
    "casia-b": _by_name_or_parts(_CASIA_NAME, _CASIA_PARTS),
    "ccpg": _by_name_or_parts(_CCPG_NAME, _CCPG_PARTS),
    "sustech1k": _by_name_or_parts(_SUSTECH_NAME, _SUSTECH_PARTS),
    "generic": _parse_generic,
}


@dataclass(frozen=True)
class _Found:
    path: Path
    kind: str
    parts: tuple[str, ...]  # path relative to the input root, last part without its suffix


def _walk(root: Path) -> list[_Found]:
    """Video files and folders that hold image files, under (or equal to) ``root``."""
    if root.is_file():
        if root.suffix.lower() not in VIDEO_SUFFIXES:
            raise UsageError(f"{root}: not a video file ({', '.join(sorted(VIDEO_SUFFIXES))}); "
                             "give videos, folders of videos, or folders of frames")
        return [_Found(root, "video", (root.stem,))]
    if not root.is_dir():
        raise UsageError(f"{root}: no such file or folder; check the input path")
    found: list[_Found] = []
    base = root.parent
    for folder in sorted([root, *(p for p in root.rglob("*") if p.is_dir())]):
        files = sorted(p for p in folder.iterdir() if p.is_file())
        rel = folder.relative_to(base).parts
        if any(p.suffix.lower() in IMAGE_SUFFIXES for p in files):
            found.append(_Found(folder, "frames", rel))
        for p in files:
            if p.suffix.lower() in VIDEO_SUFFIXES:
                found.append(_Found(p, "video", (*rel, p.stem)))
    return found


def discover(inputs: Sequence[str | Path], layout: str = "auto") -> tuple[list[SequenceSource], str]:
    """All sequences in ``inputs`` labelled by ``layout`` -> (sources sorted by key, layout used).

    Raises UsageError when nothing is found, a layout is unknown, a name does not fit the
    chosen layout, or two inputs claim the same key.
    """
    if layout != "auto" and layout not in PARSERS:
        raise UsageError(f"unknown layout {layout!r}; use auto or one of {', '.join(LAYOUTS)}")
    found = [f for root in inputs for f in _walk(Path(root))]
    if not found:
        raise UsageError(f"no videos or frame folders found in {', '.join(map(str, inputs))}")
    candidates = LAYOUTS if layout == "auto" else (layout,)
    for name in candidates:
        labels = [PARSERS[name](f.parts) for f in found]
        if all(labels):
            break
        if layout != "auto":
            bad = found[labels.index(None)].path
            raise UsageError(f"{bad}: name does not fit layout {layout}; use --layout generic "
                             "or auto")
    sources = [SequenceSource(s, t, v, f.path, f.kind) for f, (s, t, v) in zip(found, labels)]
    seen: dict[str, Path] = {}
    for src in sources:
        if src.key in seen:
            raise UsageError(f"{src.path} and {seen[src.key]} both give sequence {src.key}; "
                             "rename one or choose another --layout")
        seen[src.key] = src.path
    return sorted(sources, key=lambda s: s.key), name


def layout_counts(sources: Sequence[SequenceSource]) -> dict[str, int]:
    """Numbers of sequences, distinct subjects, types and views: shown before work starts."""
    return {
        "sequences": len(sources),
        "subjects": len({s.subject for s in sources}),
        "types": len({s.type for s in sources}),
        "views": len({s.view for s in sources}),
    }
