"""How stage-1 models are obtained and loaded: the BlazePose TFLite files (fetched, checked)
and LiteRT; the OpenMMLab config and checkpoint helpers. May import: config, errors, fileio."""
