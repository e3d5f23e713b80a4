"""Chunk compression of the stored heatmaps: the h5py filter options of each codec name.

Zstandard (level 3) is the writers' default: on real BlazePose heatmaps it takes the bytes of
gzip-4 (1.01x) and is read 3.5x faster (benchmarks/README.md "Codec"), and inflating gzip
was most of the loader's CPU. HDF5 has no zstd filter of its own: the ``hdf5plugin``
package registers it when imported, which happens here, only for shards that need it.
gzip-4 shards (every shard written before) read without it. Where ``hdf5plugin`` cannot be
imported, writers fall back to gzip-4 with a warning, so a minimal environment still writes
shards that every heatgait reads.
"""

from __future__ import annotations

import logging

from heatgait.errors import ShardError

log = logging.getLogger(__name__)

GZIP = "gzip-4"
ZSTD = "zstd-3"
COMPRESSIONS = (ZSTD, GZIP)
DEFAULT_COMPRESSION = ZSTD
LEGACY_COMPRESSION = GZIP  # what a shard without a compression attribute holds


def plugins_available() -> bool:
    """Whether hdf5plugin imports (and so has registered its filters with HDF5)."""
    try:
        import hdf5plugin  # noqa: F401  (registers the filters on import)
    except ImportError:
        return False
    return True


def require_plugins(what: str) -> None:
    """Register hdf5plugin's filters; a one-line ShardError naming ``what`` when missing."""
    if not plugins_available():
        raise ShardError(f"{what}: its heatmaps are zstd-compressed, which needs the hdf5plugin "
                         "package; pip install hdf5plugin")


def writable(compression: str) -> str:
    """The codec a writer uses for ``compression``: gzip-4 when zstd cannot be loaded."""
    if compression not in COMPRESSIONS:
        raise ValueError(f"unknown compression {compression!r}; use one of {COMPRESSIONS}")
    if compression == ZSTD and not plugins_available():
        log.warning("hdf5plugin is not installed: writing gzip-4 shards instead of zstd-3 "
                    "(pip install hdf5plugin for 3.5x faster reads)")
        return GZIP
    return compression


def filter_options(compression: str) -> dict:
    """h5py ``create_dataset`` keyword arguments of a codec (see :func:`writable`)."""
    if compression == GZIP:
        return {"compression": "gzip", "compression_opts": 4}
    import hdf5plugin

    return dict(hdf5plugin.Zstd(clevel=3))
