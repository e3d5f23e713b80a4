"""Stage 1: walking videos -> raw pose heatmaps of each tracked walker -> HDF5 shards.

One sub-package per stage, in the order the data flows: ``detection`` (frames -> person boxes),
``tracking`` (boxes -> one walker per sequence), ``pose`` (RGB crop -> heatmaps), ``job``
(inputs and layouts, decoding, one sequence through the stages, the runner that writes shards,
``heatgait show`` pictures). ``runtimes`` loads the model files that detection and pose share.
The model names a recipe may use are in ``heatgait.config.stage1``.
"""
