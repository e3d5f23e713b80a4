"""The names a recipe's ``extract`` section may use: layouts, and the stage-1 models (what each
name stands for).

This is the one table of them: ``extract.pose.backends`` and ``extract.detection.detectors``
build models by these names, ``extract.pose.mmpose`` and ``extract.detection.mmdet`` find their
config files here. It lives in ``config`` and imports nothing but the standard library, so the
recipe loader can check ``extract.pose`` and ``extract.detector`` against ``POSE_NAMES`` and
``DETECTOR_NAMES`` when a recipe loads. Besides these names, a path to an mmpose/mmdet config
file (``.py``) is also a valid choice.
"""

from __future__ import annotations

from typing import NamedTuple

_COCO_TOPDOWN = "configs/body_2d_keypoint/topdown_heatmap/coco"


class PoseModel(NamedTuple):
    """What a ``--pose`` name builds."""

    stack: str  # "mmpose" (config in the mmpose wheel's .mim folder) or "litert" (BlazePose)
    config: str | None = None  # mmpose config, relative to the mmpose wheel's .mim folder
    detector: str | None = None  # the detector that comes with it, used when none is chosen


class DetectorModel(NamedTuple):
    """What a ``--det`` name builds."""

    stack: str  # "mmdet", "litert" (BlazePose) or "none" (the whole frame is the person)
    score_thr: float  # the person-score threshold it is calibrated for
    package: str | None = None  # the wheel whose .mim folder holds the config
    config: str | None = None
    weights_url: str | None = None  # where no metafile of the package lists the config


POSE_MODELS: dict[str, PoseModel] = {
    "hrnet": PoseModel("mmpose", f"{_COCO_TOPDOWN}/td-hm_hrnet-w32_8xb64-210e_coco-256x192.py"),
    **{name: PoseModel("mmpose",
                       f"{_COCO_TOPDOWN}/td-hm_ViTPose-{size}_8xb64-210e_coco-256x192.py")
       for name, size in (("vitpose", "huge"), ("vitpose-h", "huge"), ("vitpose-l", "large"),
                          ("vitpose-b", "base"), ("vitpose-s", "small"))},
    # offline: needs no model hub, and brings its own offline person detector
    "blazepose": PoseModel("litert", detector="blazepose"),
}

DETECTOR_MODELS: dict[str, DetectorModel] = {
    # RTMDet 0.3: the authors' extraction (RTMDet-nano person, score > 0.3)
    "rtmdet-person": DetectorModel(
        "mmdet", 0.3, "mmpose", "demo/mmdetection_cfg/rtmdet_nano_320-8xb32_coco-person.py",
        "https://download.openmmlab.com/mmpose/v1/projects/rtmpose/"
        "rtmdet_nano_8xb32-100e_coco-obj365-person-05d8511e.pth"),
    "rtmdet-tiny": DetectorModel("mmdet", 0.3, "mmdet",
                                 "configs/rtmdet/rtmdet_tiny_8xb32-300e_coco.py"),
    # BlazePose 0.5: below it, clutter on vtest.avi passes as people
    "blazepose": DetectorModel("litert", 0.5),
    "full-frame": DetectorModel("none", 0.3),
}

POSE_NAMES: tuple[str, ...] = tuple(POSE_MODELS)
DETECTOR_NAMES: tuple[str, ...] = tuple(DETECTOR_MODELS)
DEFAULT_SCORE_THR = 0.3  # for a detector given as an mmdet config path

# How input names carry (subject, type, view) labels; ``extract.job.inputs`` parses each.
LAYOUTS = ("casia-b", "ccpg", "sustech1k", "generic")
# One example name per layout, for messages that ask the user to arrange data.
LAYOUT_EXAMPLES = {
    "casia-b": "001-nm-01-090.avi or 001/nm-01/090/*.png",
    "ccpg": "000/U0_D0_BG/01_1/*.jpg or 000_U0_D0_BG_01_1.mp4",
    "sustech1k": "0000/00-nm/000/*.jpg (or a video in place of the view folder)",
    "generic": "ID/TYPE/VIEW/*.png, ID-TYPE-VIEW.mp4, or any video",
}

# Person crops a static int8 pose model is calibrated on (heatgait export --pose NAME --int8).
DEFAULT_CALIBRATION_CROPS = 64
