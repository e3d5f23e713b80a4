"""Stage 2 training: shards + recipe -> run folder with checkpoints (``heatgait train``).

Modules, one job each: ``data`` (split -> seeded P x K batches), ``loop`` (optimisation
steps), ``checkpoint`` (atomic save / checked load, also used by eval), ``distributed``
(torchrun / DDP setup), ``runlog`` (metrics.jsonl, TensorBoard, loss.png) and ``run`` (wires
them into one run: :func:`heatgait.training.run.train`).
"""
