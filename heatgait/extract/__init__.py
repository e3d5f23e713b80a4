"""Stage 1: walking videos -> raw pose heatmaps of each tracked walker -> HDF5 shards.

Read top-down: ``inputs`` (which sequences, labelled by layout), ``video`` (background
decoding), ``backends`` (the pose/detector protocols and the factory by name; ``mm_backends``
and ``blazepose*`` implement them), ``tracking`` (one walker per sequence), ``geometry`` (the
RGB-space crop), ``pipeline`` (one sequence), ``runner`` (many: resume, ranks, reports),
``render`` (pictures for ``heatgait show``).
"""
