"""Frames -> person boxes: IoU/NMS, the BlazePose and mmdet detectors, detection one chunk
ahead. May import: extract.runtimes, config and the bottom layer (errors, fileio, ...)."""
