"""Reproducing the paper: its published numbers as data, and results set beside them.

``paper`` loads the tables transcribed from the GaitHeat paper (``published/table*.yaml``),
``results`` reads results JSONs written by ``heatgait eval --json`` and says which table
cells they fill, ``report`` renders both side by side as Markdown and as a PNG.
"""
