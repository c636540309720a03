"""Retention of the change history and the run log, and the database's size (`espelho db prune|status`)."""
