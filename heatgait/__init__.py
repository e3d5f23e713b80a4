"""heatgait: heatmap-based gait recognition (GaitHeat, ECCV 2024), from videos to results tables.

Data flows one way: video -> ``heatgait.extract`` -> HDF5 shards (``heatgait.data``) ->
``heatgait.training`` -> checkpoint -> ``heatgait.evaluation``. The model lives in
``heatgait.models`` and the pose-guided alignment in ``heatgait.models.align``.
"""

__version__ = "0.1.0"
