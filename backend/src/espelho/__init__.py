"""Espelho: a fast local mirror of Comprasnet Contratos and Acessórias."""

__version__ = "0.1.0"
