"""What a failed run's error means, in the office's words (pt-BR): what happened and what to do.

The run log keeps the technical text (`mensagem_erro`, English, written by the upstream clients and the job
machinery in this code base); `explicar` turns each kind of it into one Portuguese sentence for the web
app, which keeps the technical text behind a "detalhes" toggle.
"""

from __future__ import annotations

import re

_UPSTREAM = {"acessorias": "A Acessórias", "comprasnet": "O Comprasnet"}
_TOKEN = {
    "acessorias": " Confira o token de API da Acessórias configurado no Espelho (ESPELHO_ACESSORIAS_TOKEN).",
}

_GENERICA = ("A sincronização falhou por um erro inesperado. Tente de novo; se continuar, mostre os detalhes "
             "a quem administra o Espelho.")


def _quem(nome: str) -> str:
    return _UPSTREAM.get(nome.lower(), f"O serviço {nome}")


def explicar(mensagem: str | None) -> str | None:
    """The pt-BR sentence for a run's `mensagem_erro` (None when the run has no error)."""
    if not mensagem:
        return None
    texto = mensagem.strip()
    if m := re.match(r"(\w+) is unreachable", texto):
        return (f"{_quem(m[1])} não respondeu: o serviço está fora do ar ou este servidor não consegue "
                "alcançá-lo. Os dados já guardados continuam disponíveis; tente de novo em alguns minutos.")
    if m := re.match(r"(\w+) is throttling requests", texto):
        return (f"{_quem(m[1])} limitou as chamadas (limite por minuto atingido). Os dados já guardados "
                "continuam disponíveis; aguarde alguns minutos e sincronize de novo.")
    if m := re.match(r"(\w+) failed with HTTP (\d+)", texto):
        return (f"{_quem(m[1])} respondeu com um erro interno (HTTP {m[2]}): o problema está do lado dele. "
                "Os dados já guardados continuam disponíveis; tente de novo mais tarde.")
    if m := re.match(r"(\w+) rejected the request with HTTP (\d+)", texto):
        nome, status = m[1], m[2]
        if status in ("401", "403"):
            return f"{_quem(nome)} recusou o acesso (HTTP {status}).{_TOKEN.get(nome.lower(), '')}"
        if status == "404":
            return (f"{_quem(nome)} não encontrou o que foi pedido (HTTP 404). Confira o código informado "
                    "(por exemplo, a UASG).")
        return f"{_quem(nome)} recusou o pedido (HTTP {status}). Veja os detalhes e tente de novo."
    if texto.startswith("interrupted"):
        return ("A sincronização foi interrompida: o processo que a executava parou antes de terminar "
                "(reinício ou queda do servidor). Inicie de novo; uma sincronização completa retoma de onde "
                "parou.")
    if texto.startswith("could not queue the job"):
        return ("Não foi possível pôr a sincronização na fila: o serviço de fila (Redis) ou o worker está "
                "indisponível. Avise quem administra o servidor.")
    if texto.startswith("another run held"):
        return ("Outra sincronização do mesmo escopo estava em andamento, e esta não rodou. "
                "Aguarde a outra terminar.")
    return _GENERICA
