"""Data only: the paper's Tables 1-5 as ``tableN.yaml`` (read by ``heatgait.reproduce.paper``)."""
