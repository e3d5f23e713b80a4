"""The field's standard splits that follow a rule, written out as ``pipelines/splits/*.json``.

The JSON files are what recipes read; these functions state the rule each file follows, so a
test can check the shipped file against it (and the files can be written again):

- OU-MVLP (10,307 subjects ``00001``..``10307``): 5,153 training subjects, the odd ids up to
  ``10305``; 5,154 test subjects, the even ids and ``10307`` (the last id, odd, is a test
  subject in the field's split file, OpenGait ``datasets/OUMVLP/OUMVLP.json``).
- GREW: training subjects ``00001train``..``20000train``; test subjects ``00001``..``06000``
  and ``probe``, the label under which the unlabelled probe sequences of GREW's test set sit
  (``probe/03/<video id>``; OpenGait ``datasets/GREW/GREW.json``).

Gait3D's split (3,000 / 1,000 subjects and the 1,000 listed probe sequences) follows no rule:
``pipelines/splits/gait3d.json`` holds the official lists (Gait3D-Benchmark's partition, as in
OpenGait ``datasets/Gait3D/Gait3D.json``).
"""

from __future__ import annotations

OUMVLP_SUBJECTS = 10307
GREW_TRAIN, GREW_TEST = 20000, 6000


def oumvlp_split() -> dict[str, list[str]]:
    """OU-MVLP's split: odd ids train (but the last, 10307), even ids and 10307 test."""
    ids = range(1, OUMVLP_SUBJECTS + 1)
    train = [f"{i:05d}" for i in ids if i % 2 == 1 and i != OUMVLP_SUBJECTS]
    test = [f"{i:05d}" for i in ids if i % 2 == 0 or i == OUMVLP_SUBJECTS]
    return {"TRAIN_SET": train, "TEST_SET": test}


def grew_split() -> dict[str, list[str]]:
    """GREW's split: 20,000 ``NNNNNtrain`` ids; 6,000 test ids and the probe label."""
    return {"TRAIN_SET": [f"{i:05d}train" for i in range(1, GREW_TRAIN + 1)],
            "TEST_SET": [f"{i:05d}" for i in range(1, GREW_TEST + 1)] + ["probe"]}


RULE_SPLITS = {"oumvlp.json": oumvlp_split, "grew.json": grew_split}
