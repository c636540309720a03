"""A job only the tests register (through `extra_job_modules`): N single-page Acessórias calls through the
real client and its shared rate limiter, to measure what several workers send together."""

from __future__ import annotations

from typing import Any

from espelho.jobs.registry import JobContext, job


@job("tests.hammer_acessorias")
def hammer_acessorias(ctx: JobContext, calls: int) -> dict[str, Any]:
    from espelho.acessorias.client import AcessoriasClient

    client = AcessoriasClient(ctx.settings)
    try:
        for _ in range(calls):
            client.http.get("/companies/ListAll/", params={"Pagina": 1})
    finally:
        client.close()
    return {"status": "CONCLUIDA", "calls": calls}
