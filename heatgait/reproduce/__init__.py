"""Reproducing the paper: which commands each table needs (``plan``), its published numbers as
data (``paper`` loads ``published/table*.yaml``), which table cells a results JSON fills
(``results``), and the report that sets results beside the published numbers (``report``).
"""
