"""Person crop -> raw COCO-17 heatmaps: the backend interface, BlazePose (LiteRT), mmpose
HRNet/ViTPose, precision and batch size. May import: extract.runtimes, data, config, bottom."""
