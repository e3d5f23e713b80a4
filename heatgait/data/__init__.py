"""The data layer: HDF5 heatmap shards (write, read, check, import), splits, datasets, samplers.

The shard format is described in ``docs/shards.md``; ``schema`` holds its constants.
"""

from heatgait.data.records import SequenceRecord
from heatgait.data.schema import HEATMAP_H, HEATMAP_W, NUM_JOINTS, SCHEMA_VERSION
from heatgait.data.shards import ShardWriter, existing_keys, write_shards
from heatgait.data.shardset import SequenceInfo, ShardSet
from heatgait.data.splits import Split, load_split, save_split

__all__ = [
    "HEATMAP_H", "HEATMAP_W", "NUM_JOINTS", "SCHEMA_VERSION", "SequenceInfo", "SequenceRecord",
    "ShardSet", "ShardWriter", "Split", "existing_keys", "load_split", "save_split",
    "write_shards",
]
