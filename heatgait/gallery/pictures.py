"""Pictures of tracks: a strip of a few frames, and the identification sheet.

A track's strip shows ``FRAMES`` frames spread over it: the RGB crop of the walker cut from
the source video with the shard's boxes and frame indices (the same 1.25-padded region the
pose model saw) when the video is at hand, else the max over the 17 joint heatmaps. A
gallery keeps each entry's strip (JPEG) so that its pictures survive the enrolment videos.

The identification sheet has one row per query track: its strip, then the strips of its top
matches, each under a caption (name, distance; the decision in green when a name was given,
red for ``unknown``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from heatgait.extract.job.render import colorize, pick_frames

FRAMES = 4
TILE = (128, 96)  # h, w of one frame in a strip
CAPTION_H = 20
GAP = 12
ACCEPT, REJECT, PLAIN = (60, 200, 60), (220, 60, 60), (235, 235, 235)


def track_strips(shards, tracks: Sequence, frames: int = FRAMES) -> list[np.ndarray]:
    """RGB strips [TILE_H, frames * TILE_W, 3] for ``tracks`` (gallery.sources.Track)."""
    from heatgait.extract.job.video import iter_frames
    from heatgait.extract.pose.crop import crop_person

    tiles: dict[int, list[np.ndarray | None]] = {}
    wanted: dict[str, dict[int, list[tuple[int, int, np.ndarray]]]] = defaultdict(dict)
    for n, track in enumerate(tracks):
        picks = pick_frames(track.frames, frames)
        tiles[n] = [None] * len(picks)
        if track.video:
            indices = shards.read_side(track.position, "frame_indices")
            boxes = shards.read_side(track.position, "boxes")
            for slot, pick in enumerate(picks):
                wanted[track.video].setdefault(int(indices[pick]), []).append(
                    (n, slot, boxes[pick]))
        else:
            heatmaps = shards.read(track.position, picks)  # [k, 17, 64, 48]
            tiles[n] = [colorize(h, TILE) for h in heatmaps]
    for video, by_frame in wanted.items():  # one decoding pass per video
        last = max(by_frame)
        kind = "frames" if Path(video).is_dir() else "video"
        for index, frame in enumerate(iter_frames(video, kind)):
            for n, slot, box in by_frame.get(index, []):
                tiles[n][slot] = crop_person(frame, box, input_size=TILE)
            if index >= last:
                break
    blank = np.zeros((*TILE, 3), np.uint8)
    return [np.concatenate([t if t is not None else blank for t in tiles[n]], axis=1)
            for n in range(len(tracks))]


def encode_jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, quality])
    return data.tobytes() if ok else b""


def decode_jpeg(data: bytes | None) -> np.ndarray | None:
    if not data:
        return None
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return None if image is None else cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _captioned(strip: np.ndarray | None, text: str, color: tuple[int, int, int],
               width: int) -> np.ndarray:
    panel = np.zeros((CAPTION_H + TILE[0], width, 3), np.uint8)
    if strip is not None:
        h, w = min(strip.shape[0], TILE[0]), min(strip.shape[1], width)
        panel[CAPTION_H:CAPTION_H + h, :w] = strip[:h, :w]
    else:
        cv2.putText(panel, "no picture", (6, CAPTION_H + TILE[0] // 2), cv2.FONT_HERSHEY_SIMPLEX,
                    0.4, PLAIN, 1, cv2.LINE_AA)
    cv2.putText(panel, text[: width // 7], (3, CAPTION_H - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.42,
                color, 1, cv2.LINE_AA)
    return panel


def identification_sheet(rows: Sequence[tuple[np.ndarray | None, str, bool,
                                              Sequence[tuple[np.ndarray | None, str, bool]]]],
                         ) -> np.ndarray:
    """One row per query: (strip, caption, accepted, [(match strip, caption, is decision)])."""
    width = FRAMES * TILE[1]
    lines = []
    most = max((len(matches) for *_, matches in rows), default=0)
    for strip, caption, accepted, matches in rows:
        panels = [_captioned(strip, caption, ACCEPT if accepted else REJECT, width)]
        for match_strip, match_caption, chosen in matches:
            panels.append(np.zeros((CAPTION_H + TILE[0], GAP, 3), np.uint8))
            panels.append(_captioned(match_strip, match_caption, ACCEPT if chosen else PLAIN,
                                     width))
        missing = most - len(matches)
        if missing:
            panels.append(np.zeros((CAPTION_H + TILE[0], missing * (width + GAP), 3), np.uint8))
        lines.append(np.concatenate(panels, axis=1))
        lines.append(np.full((4, lines[-1].shape[1], 3), 60, np.uint8))
    return np.concatenate(lines[:-1], axis=0) if lines else np.zeros((*TILE, 3), np.uint8)


def pair_sheet(title: str, same: bool,
               sides: Sequence[tuple[np.ndarray | None, str]]) -> np.ndarray:
    """``heatgait verify``'s picture: the title (green: same walker, red: different) over the
    strips of the two walks side by side, each under its caption."""
    width = FRAMES * TILE[1]
    panels = []
    for i, (strip, caption) in enumerate(sides):
        if i:
            panels.append(np.zeros((CAPTION_H + TILE[0], GAP, 3), np.uint8))
        panels.append(_captioned(strip, caption, PLAIN, width))
    body = np.concatenate(panels, axis=1)
    head = np.zeros((CAPTION_H + 6, body.shape[1], 3), np.uint8)
    cv2.putText(head, title, (3, CAPTION_H - 2), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                ACCEPT if same else REJECT, 1, cv2.LINE_AA)
    return np.concatenate([head, body], axis=0)
