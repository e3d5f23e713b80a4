"""The end-to-end demo: every stage of heatgait on this machine, in about ten minutes.

1. Stage 1 on real footage: ``vtest.avi`` (Debian's opencv-doc) through the offline BlazePose
   detector and pose model into shards, with a picture of a few extracted sequences.
2. A synthetic CASIA-B-style data set (``heatgait.synth``), since no real gait data set ships.
3. A short GaitHeat training on it (at 1/8 of the paper's width: the full network needs a
   GPU), with its loss curve.
4. Evaluation under the CASIA-B-style protocol: the table, a JSON and a per-view PNG.
5. Heatmaps before and after pose-guided alignment.

``plan`` sizes the run, ``steps`` holds one function per stage (tests run them one by one; the
CLI prints what they report), ``figures`` draws the pictures.
"""

from heatgait.demo.plan import DemoPlan

__all__ = ["DemoPlan"]
