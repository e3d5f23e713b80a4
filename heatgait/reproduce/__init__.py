"""Reproducing the paper: which commands each table needs (``plan``), the published numbers
(``published/``) and the report that sets results beside them."""
