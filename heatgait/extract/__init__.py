"""Stage 1: walking videos -> raw pose heatmaps of each tracked walker -> HDF5 shards.

Read top-down: ``inputs`` (which sequences, labelled by layout), ``video`` (background
decoding), ``names`` (the model names and what each stands for), ``backends`` (the
pose/detector protocols and the factory by name; ``mm_backends`` and ``blazepose*`` implement
them, ``litert`` loads the BlazePose models, ``model_cache`` fetches them), ``boxes`` (IoU, NMS,
the per-frame box selection each detector ends with), ``tracking`` (one walker per sequence),
``geometry`` (the RGB-space crop), ``sequence`` (one sequence through stage 1), ``runner``
(many: resume, ranks, reports), ``job`` (one ``heatgait extract`` call), ``render`` (pictures
for ``heatgait show``).
"""
