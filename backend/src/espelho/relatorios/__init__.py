"""Exports (CSV, XLSX) of every list and the competência report."""
