"""Files of any table: CSV and XLSX writers (files.py) and the columns of every export (colunas.py/.toml).

A leaf of the shared layer: lists, contract tabs, the sync history and the report write through it; it
knows no domain."""
