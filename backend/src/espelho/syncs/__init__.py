"""Sync-run log (`sincronizacoes`), locks and job dispatch shared by both upstreams."""
