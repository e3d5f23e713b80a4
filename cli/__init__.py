"""The ``heatgait`` command line: one module per command, thin (parse, call the library, print)."""
