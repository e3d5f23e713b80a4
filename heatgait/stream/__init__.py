"""Live identification: a camera, a stream URL or a video file at its own frame rate, each
tracked walker named as soon as enough of their frames are in (``heatgait identify --stream``)."""
