"""Acessórias mirror: empresas, processos, passos, desdobramentos, obrigações."""
