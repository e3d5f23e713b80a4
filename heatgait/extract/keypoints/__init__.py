"""Keypoint data sets in: readers of the public 2D-pose formats, their labels, and the import.

``formats`` reads the per-sequence and per-frame files, ``results`` the whole-video result
lists of AlphaPose, COCO and mmpose (one walker per track), ``importer`` renders each
sequence (``heatgait.data.render``) and writes shards. Layered like the rest of ``extract``:
it uses ``tracking`` (walkers of result lists without track ids) and ``pose.crop`` (UDP
geometry), and nothing in ``extract`` uses it.
"""
