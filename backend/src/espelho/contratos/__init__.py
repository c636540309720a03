"""Comprasnet Contratos mirror: UASG list sync, contract tabs loaded on demand."""
