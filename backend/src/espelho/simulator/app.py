"""One process serving the fake upstreams (Comprasnet, Acessórias, WhatsApp Graph), each under its prefix."""

from __future__ import annotations

from fastapi import FastAPI

from espelho.simulator import acessorias, comprasnet, whatsapp


def create_simulator_app(*, base_url: str, seed: int = 42, latency_ms: float = 0.0, list_delay_s: float = 0.0,
                         rate_limit: int = 100) -> FastAPI:
    app = FastAPI(title="Espelho simulators", docs_url="/docs")
    app.mount("/comprasnet", comprasnet.create_app(base_url=f"{base_url}/comprasnet", seed=seed,
                                                   latency_ms=latency_ms, list_delay_s=list_delay_s))
    app.mount("/acessorias", acessorias.create_app(seed=seed, latency_ms=latency_ms, rate_limit=rate_limit))
    app.mount("/whatsapp", whatsapp.create_app())

    @app.get("/")
    def index() -> dict[str, str]:
        return {"comprasnet": f"{base_url}/comprasnet/api", "acessorias": f"{base_url}/acessorias",
                "whatsapp": f"{base_url}/whatsapp/v23.0"}

    return app
