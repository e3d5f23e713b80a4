"""Stage 2 training: shards + recipe -> run folder with checkpoints (``heatgait train``).

Modules, one job each: ``data`` (split -> seeded P x K batches), ``loop`` (optimisation
steps), ``checkpoint`` (atomic save / checked load, also used by eval), ``distributed``
(torchrun / DDP setup), ``runlog`` (metrics.jsonl, TensorBoard, loss.png) and ``run`` (wires
them into one run: :func:`heatgait.training.run.train`). ``inference`` loads a checkpoint for
inference (the one loader of eval, the gallery, identify and an export) and ``fingerprint``
says which checkpoints embed alike.
"""
