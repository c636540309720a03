"""Read-API benchmark: 50,000 processos (+ passos) in PostgreSQL, served by `espelho serve` over loopback.

    cd backend && .venv/bin/python bench/bench_dashboard.py [--processos 50000] [--duration 10] \
        [--concurrency 1]

Creates a scratch PostgreSQL database (admin URL: $ESPELHO_BENCH_PG_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test), migrates it, bulk-generates the data with
INSERT … SELECT generate_series (not via the simulator), starts `espelho serve` in a subprocess, signs in
as an ADMIN user made with espelho.auth, and drives each endpoint with an httpx load generator (asyncio, N
connections). Prints p50/p95/p99 latency and requests/s per scenario; drops the database at the end.

Scenarios: /dashboard/metricas cached (cache warm) and uncached (its metricas_cache rows deleted before
every request, sequentially), /dashboard/regimes cached, /processos pages with filters and
/processos/{id}/passos.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from espelho.harness import fresh_database_url
from espelho.simulator.acessorias import REGIMES as SIMULATED_REGIMES

BACKEND = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("ESPELHO_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# The simulator's regimes, plus "" for companies without one ("Indefinido" in the API).
REGIMES = [*SIMULATED_REGIMES, ""]
MODELOS = [
    "Simples Nacional — Mensal",
    "Fechamento Contábil",
    "Folha de Pagamento",
    "DCTFWeb e EFD-Reinf",
    "Lucro Presumido — Apuração",
]
STATUS = ["Concluído", "Concluído", "Em andamento", "Em andamento", "Suspenso"]


def _array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _hash(salt: str, modulo: int) -> str:
    """SQL for a deterministic pseudo-random integer in [0, modulo) drawn from g."""
    return f"(abs(hashtext(g::text || '{salt}')) % {modulo})"


def seed_postgresql(
    conn: Connection, processos: int, *, passos_por_processo: int = 12, competencias: int = 24
) -> None:
    """Bulk-generate empresas, processos (spread over `competencias` months), their passos (a sub-process with
    children and a desdobramento in each), desdobramentos and obrigações. Deterministic. The caller runs
    VACUUM ANALYZE (outside a transaction), as autovacuum would in a database that has settled."""
    empresas = max(10, processos // 30)
    conn.execute(
        text(f"""
        INSERT INTO empresas (codigo, nome, fantasia, cnpj, identificador, regime_tributario, ativa, status,
                              completa, sincronizada_em)
        SELECT g, 'EMPRESA ' || g || CASE WHEN g % 3 = 0 THEN ' PADARIA LTDA' ELSE ' SERVICOS LTDA' END,
               'FANTASIA ' || g, lpad(g::text, 14, '0'), lpad(g::text, 14, '0'),
               ({_array(REGIMES)})[1 + g % {len(REGIMES)}], g % 10 <> 0,
               CASE WHEN g % 10 <> 0 THEN 'Ativa' ELSE 'Inativa' END, true, now()
        FROM generate_series(1, {empresas}) g
    """)
    )
    # Every attribute comes from its own hash of g (deterministic, uncorrelated): modular patterns like g % 24
    # and g % 40 would correlate competência with dias_corridos and mislead the planner unrealistically.
    conn.execute(
        text(f"""
        INSERT INTO processos (proc_id, empresa_id, nome, titulo, competencia, status, porcentagem_conclusao,
                               total_passos, passos_concluidos, dias_corridos, data_inicio, data_conclusao,
                               regime_tributario, departamento, sincronizado_em, detalhes_atualizados_em)
        SELECT g, e.id, m.nome, m.nome || ' ' || c.comp, c.comp, s.status,
               CASE WHEN s.status = 'Concluído' THEN 100 ELSE {_hash("pct", 100)} END,
               {passos_por_processo}, {_hash("feitos", passos_por_processo + 1)}, 1 + {_hash("dias", 40)},
               c.inicio + {_hash("ini", 20)},
               CASE WHEN s.status = 'Concluído' THEN c.inicio + {_hash("ini", 20)} + {_hash("fim", 15)} END,
               e.regime_tributario, 'Fiscal', now(), now()
        FROM generate_series(1, {processos}) g
        JOIN empresas e ON e.codigo = 1 + {_hash("emp", empresas)}
        CROSS JOIN LATERAL (SELECT to_char(d, 'MM/YYYY') AS comp, (d + interval '1 month')::date AS inicio
                            FROM (SELECT (date '2026-11-01'
                                          - {_hash("comp", competencias)} * interval '1 month')::date
                                  AS d) x) c
        CROSS JOIN LATERAL (SELECT ({_array(MODELOS)})[1 + {_hash("modelo", len(MODELOS))}] AS nome) m
        CROSS JOIN LATERAL (SELECT ({_array(STATUS)})[1 + {_hash("status", len(STATUS))}] AS status) s
    """)
    )
    # Passo 1 is a sub-process holding 1.1 and 1.2; passo 3 is a desdobramento; the rest are simple steps.
    conn.execute(
        text(f"""
        INSERT INTO passos (processo_id, chave, caminho, ordem, nivel, tipo, nome, status, concluido)
        SELECT p.id, p.proc_id || ':' || k.caminho, k.caminho, k.ordem, k.nivel, k.tipo,
               k.tipo || ' ' || k.caminho,
               CASE WHEN k.tipo = 'Sub processo' THEN NULL
                    WHEN k.ordem <= p.passos_concluidos THEN 'OK' ELSE 'Pendente' END,
               k.ordem <= p.passos_concluidos
        FROM processos p
        CROSS JOIN LATERAL (
            SELECT o AS ordem,
                   CASE WHEN o = 1 THEN '1' WHEN o = 2 THEN '1.1' WHEN o = 3 THEN '1.2' ELSE (o - 2)::text END
                       AS caminho,
                   CASE WHEN o IN (2, 3) THEN 1 ELSE 0 END AS nivel,
                   CASE WHEN o = 1 THEN 'Sub processo' WHEN o = 5 THEN 'Desdobramento'
                        ELSE 'Passo simples' END AS tipo
            FROM generate_series(1, {passos_por_processo}) o) k
    """)
    )
    conn.execute(
        text("""
        INSERT INTO desdobramentos (passo_id, processo_id, chave, pergunta, resposta, alternativas, tipo,
                                    ordem, respondido)
        SELECT s.id, s.processo_id, s.chave, 'Houve faturamento no mês?',
               CASE WHEN s.concluido THEN 'Sim' END,
               '[{"nome": "Sim", "acao_tipo": "Passo simples"},
                 {"nome": "Não", "acao_tipo": "Sub processo"}]',
               CASE WHEN s.concluido THEN 'Passo simples' END, s.ordem, s.concluido
        FROM passos s WHERE s.tipo = 'Desdobramento'
    """)
    )
    conn.execute(
        text(f"""
        INSERT INTO obrigacoes (chave, ent_id, empresa_id, processo_id, tipo, status, competencia,
                                data_vencimento, data_entrega, sincronizada_em)
        SELECT 'ent:' || p.proc_id, p.proc_id, p.empresa_id, p.id,
               (ARRAY['DAS', 'EFD-REINF', 'DCTFWeb', 'FGTS'])[1 + p.proc_id % 4],
               CASE WHEN p.status = 'Concluído' THEN 'Entregue' ELSE 'Pendente' END, p.competencia,
               p.data_inicio + 18, CASE WHEN p.status = 'Concluído' THEN p.data_conclusao END, now()
        FROM processos p WHERE p.proc_id % 2 = 0 AND p.proc_id <= {processos}
    """)
    )


def bearer_token(database_url: str, secret: str) -> str | None:
    """An ADMIN user and its token, when the auth module is present (else the API is open)."""
    try:
        from espelho.auth.models import Usuario
        from espelho.auth.security import create_access_token, hash_password
    except ImportError:
        return None
    from espelho.clock import now_utc
    from espelho.config import Settings
    from espelho.db import Database

    settings = Settings(database_url=database_url, secret_key=secret, _env_file=None)  # type: ignore[call-arg]
    database = Database(database_url)
    with database.session() as session:
        user = Usuario(
            email="bench@example.com",
            nome="Bench",
            senha_hash=hash_password("bench-password-123"),
            role="ADMIN",
            ativo=True,
            criado_em=now_utc(),
        )
        session.add(user)
        session.flush()
        user_id = user.id
    database.dispose()
    return create_access_token(settings, user_id, "ADMIN", 0)


@contextmanager
def serve(database_url: str, secret: str, port: int) -> Iterator[tuple[str, int]]:
    env = {
        **os.environ,
        "ESPELHO_DATABASE_URL": database_url,
        "ESPELHO_SECRET_KEY": secret,
        "ESPELHO_SCHEDULER_ENABLED": "false",
        "ESPELHO_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [str(BACKEND / ".venv/bin/espelho"), "serve", "--port", str(port)], env=env, cwd=BACKEND
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("espelho serve did not start")
            time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=15)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux): the server's own cost, whatever the machine's load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def load(
    base: str, headers: dict[str, str], next_path: Callable[[], str], *, duration_s: float, concurrency: int
) -> tuple[list[float], float, int]:
    """Closed loop: `concurrency` connections each send a request as soon as the previous answered."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:
        stop = time.perf_counter() + duration_s

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                path = next_path()
                started = time.perf_counter()
                response = await client.get(path)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return latencies, elapsed, errors


def uncached(
    base: str, headers: dict[str, str], database_url: str, competencias: list[str], duration_s: float
) -> tuple[list[float], float, int]:
    """Sequential: the competência's (and previous one's) cache rows are deleted before each timed request."""
    engine = create_engine(database_url)
    latencies: list[float] = []
    errors = 0
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client, engine.connect() as conn:
        stop = time.perf_counter() + duration_s
        busy = 0.0
        while time.perf_counter() < stop:
            competencia = random.choice(competencias)
            conn.execute(text("DELETE FROM metricas_cache"))
            conn.commit()
            started = time.perf_counter()
            response = client.get("/api/v1/dashboard/metricas", params={"competencia": competencia})
            took = time.perf_counter() - started
            busy += took
            latencies.append(took * 1000)
            errors += response.status_code != 200
    engine.dispose()
    return latencies, busy, errors


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--processos", type=int, default=50_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario")
    parser.add_argument("--concurrency", type=int, default=1, help="connections of the load generator")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    random.seed(7)
    sys.path.insert(0, str(BACKEND / "src"))
    from espelho import migrate

    secret = uuid.uuid4().hex + uuid.uuid4().hex
    with fresh_database_url("postgresql", Path(tempfile.gettempdir()), ADMIN_URL) as url:
        migrate.upgrade(url)
        started = time.perf_counter()
        engine = create_engine(url)
        with engine.begin() as conn:
            seed_postgresql(conn, args.processos)
        with engine.connect() as conn:
            counts = {
                t: conn.scalar(text(f"SELECT count(*) FROM {t}"))
                for t in ("empresas", "processos", "passos", "desdobramentos", "obrigacoes")
            }
            competencias = list(conn.scalars(text("SELECT DISTINCT competencia FROM processos")))
            processo_ids = list(conn.scalars(text("SELECT id FROM processos")))
            empresa_ids = list(conn.scalars(text("SELECT id FROM empresas")))
            empresa_codigos = list(conn.scalars(text("SELECT codigo FROM empresas")))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        engine.dispose()
        print(f"seeded {counts} in {time.perf_counter() - started:.1f}s")
        token = bearer_token(url, secret)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        print("auth:", "ADMIN bearer token" if token else "none (auth module absent)")

        with serve(url, secret, args.port) as (base, server_pid):
            pick = random.choice
            scenarios: list[tuple[str, Callable[[], str]]] = [
                (
                    "dashboard/metricas cached",
                    lambda: f"/api/v1/dashboard/metricas?competencia={pick(competencias)}",
                ),
                (
                    "dashboard/regimes cached",
                    lambda: f"/api/v1/dashboard/regimes?competencia={pick(competencias)}",
                ),
                (
                    "processos ?competencia&page",
                    lambda: (
                        f"/api/v1/processos?competencia={pick(competencias)}"
                        f"&page={random.randint(1, 20)}&page_size=50"
                    ),
                ),
                (
                    "processos ?status&ordering",
                    lambda: (
                        "/api/v1/processos?status="
                        + pick(["C", "A", "S"])
                        + "&ordering="
                        + pick(["-data_inicio", "nome", "-id"])
                    ),
                ),
                (
                    "processos ?regime&competencia",
                    lambda: (
                        f"/api/v1/processos?competencia={pick(competencias)}"
                        "&regime=Lucro%20Real&ordering=-dias_corridos"
                    ),
                ),
                ("processos ?empresa", lambda: f"/api/v1/processos?empresa={pick(empresa_ids)}"),
                (
                    "processos ?q",
                    lambda: (
                        "/api/v1/processos?q=" + pick([f"EMPRESA {pick(empresa_codigos)} ", "reinf", "folha"])
                    ),
                ),
                ("processos/{id}/passos", lambda: f"/api/v1/processos/{pick(processo_ids)}/passos"),
            ]
            # Warm the cache (every competência once) and the connection pool.
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                for competencia in competencias:
                    client.get(
                        "/api/v1/dashboard/metricas", params={"competencia": competencia}
                    ).raise_for_status()
                    client.get(
                        "/api/v1/dashboard/regimes", params={"competencia": competencia}
                    ).raise_for_status()
            rows = []
            cpu = cpu_seconds(server_pid)
            lat, busy, errors = uncached(base, headers, url, competencias, args.duration)
            cpu_ms = (cpu_seconds(server_pid) - cpu) * 1000 / len(lat)
            rows.append(("dashboard/metricas uncached", 1, lat, len(lat) / busy, cpu_ms, errors))
            with httpx.Client(
                base_url=base, headers=headers, timeout=30
            ) as client:  # re-warm after the deletes
                for competencia in competencias:
                    client.get(
                        "/api/v1/dashboard/metricas", params={"competencia": competencia}
                    ).raise_for_status()
            for name, next_path in scenarios:
                cpu = cpu_seconds(server_pid)
                lat, elapsed, errors = asyncio.run(
                    load(base, headers, next_path, duration_s=args.duration, concurrency=args.concurrency)
                )
                cpu_ms = (cpu_seconds(server_pid) - cpu) * 1000 / len(lat)
                rows.append((name, args.concurrency, lat, len(lat) / elapsed, cpu_ms, errors))

    print(
        f"\n{args.processos:,} processos, PostgreSQL, `espelho serve` (1 uvicorn worker), "
        f"httpx load generator, {args.duration:.0f}s per scenario"
    )
    print(
        f"{'scenario':34} {'conc':>4} {'reqs':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'req/s':>7} "
        f"{'cpu ms/req':>10} {'errors':>6}"
    )
    for name, conc, lat, rate, cpu_ms, errors in rows:
        print(
            f"{name:34} {conc:>4} {len(lat):>6} {statistics.median(lat):>7.1f} {percentile(lat, 95):>7.1f} "
            f"{percentile(lat, 99):>7.1f} {rate:>7.0f} {cpu_ms:>10.2f} {errors:>6}"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
