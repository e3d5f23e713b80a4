"""Built-in recipes (YAML), one per data set and protocol; see heatgait.config."""
