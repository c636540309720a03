"""A fake Comprasnet Contratos over loopback, for the demo, tests and benchmarks.

Mounted at /comprasnet: the client base URL is {sim}/comprasnet/api. It follows
shared/upstream/comprasnet-contratos-api.md: the public GET routes, arrays without pagination, Brazilian
money strings, "Sim"/"Não", PHP DateTime objects, plain-decimal quantities, `tipo: "Empenho"` instruments
in a UASG's list, `links` built from this simulator's own base URL (no trailing slash), bodies sent like
PHP json_encode (text/html, escaped slashes, \\uXXXX), no bare /api/contrato/{id} route (404).

Data is generated from (seed, UASG code, today in America/Sao_Paulo): every 6-digit code answers a
deterministic list (30–200 instruments, size derived from the code), plus the documented codes in
`DOCUMENTED_UASGS`. Control API under /comprasnet/_control (faults, latency, overrides, stats, reset).
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from fastapi import Body, FastAPI, Response
from pydantic import BaseModel, Field

from espelho.clock import today_sao_paulo

DEMO_UASG = "160123"
BIG_UASG = "153165"
QUIRKS_UASG = "990001"
EMPTY_UASG = "000000"

# code: (instruments in the active list, description)
DOCUMENTED_UASGS: dict[str, tuple[int, str]] = {
    DEMO_UASG: (40, "demo UASG: small, mostly contracts, tabs filled for most of them"),
    BIG_UASG: (2000, "big UASG: 2,000 instruments, about 80% of them tipo Empenho (slowest first byte)"),
    "201000": (1000, "1,000 instruments"),
    "200500": (500, "500 instruments"),
    QUIRKS_UASG: (
        38,
        "quirks UASG: 30 generated instruments plus 8 edge records (vigência ended exactly 99, "
        "100 and 101 days ago, one malformed money value, legacy keys, the real malformed date "
        "\"20224-08-12\", one non-object record, one record without a usable id)",
    ),
    EMPTY_UASG: (0, "unknown UG: answers []"),
}
BIGGEST = max(size for size, _ in DOCUMENTED_UASGS.values())
# The first instruments of every list end their vigência this many days from today: within 30, 60 and
# 90 days, ended inside the 100-day cut and ended beyond it.
# The first inactive instrument was inactivated while still in force (see INATIVOS_OFFSET).
PINNED_VIGENCIA_DAYS = {0: 12, 1: 45, 2: 80, 3: -60, 4: -130, 5000: 200}
LINK_KEYS = (
    "historico",
    "empenhos",
    "cronograma",
    "garantias",
    "itens",
    "prepostos",
    "responsaveis",
    "despesas_acessorias",
    "faturas",
    "ocorrencias",
    "terceirizados",
    "arquivos",
)
ABAS_COM_DADOS = ("historico", "empenhos", "itens", "arquivos")
INATIVOS_OFFSET = 5000  # contract index where a UASG's inactive instruments start
# Ids of the quirks UASG's edge records (index = 9000 + k).
QUIRK_FIM_99 = int(QUIRKS_UASG) * 10000 + 9001
QUIRK_FIM_100 = int(QUIRKS_UASG) * 10000 + 9002
QUIRK_FIM_101 = int(QUIRKS_UASG) * 10000 + 9003
QUIRK_MALFORMED = int(QUIRKS_UASG) * 10000 + 9004
QUIRK_LEGACY = int(QUIRKS_UASG) * 10000 + 9005
QUIRK_DATA_MALFORMADA = int(QUIRKS_UASG) * 10000 + 9006
# A real contract's data_assinatura (shared/upstream/comprasnet-contratos-api.md §2.6).
DATA_MALFORMADA = "20224-08-12"

_UG_NAMES = {
    DEMO_UASG: ("52121", "COMANDO DA MARINHA", "CENTRO-EX", "CENTRO DE EXEMPLO DA MARINHA"),
    BIG_UASG: (
        "26248",
        "UNIVERSIDADE FEDERAL RURAL DE PERNAMBUCO",
        "UFRPE",
        "UNIVERSIDADE FEDERAL RURAL DE PERNAMBUCO",
    ),
}
_ORGAOS = [
    "MINISTERIO DA SAUDE",
    "COMANDO DO EXERCITO",
    "MINISTERIO DA EDUCACAO",
    "COMANDO DA AERONAUTICA",
    "INSTITUTO FEDERAL DE EDUCACAO",
    "MINISTERIO DA FAZENDA",
    "AGENCIA NACIONAL DE AGUAS",
]
_EMPRESAS = [
    "EXEMPLO SERVICOS LTDA",
    "TEKIS TECNOLOGIA S.A.",
    "PRIME CONSULTORIA E ASSESSORIA LTDA",
    "LIMPA BEM CONSERVACAO EIRELI",
    "NORDESTE VIGILANCIA LTDA",
    "ALFA COMERCIO DE MATERIAIS LTDA",
    "SANTOS & FILHOS ENGENHARIA LTDA",
    "COPIADORA CENTRAL ME",
    "BRASIL TELECOM S/A",
    "DISTRIBUIDORA DE COMBUSTIVEIS SERTAO LTDA",
    "MEDICAL SUPRIMENTOS HOSPITALARES LTDA",
]
_PESSOAS = ["MARIA DAS GRACAS SILVA", "JOSE CARLOS PEREIRA", "ANA PAULA OLIVEIRA", "FRANCISCO ALVES DE SOUZA"]
_OBJETOS = [
    "PRESTAÇÃO DE SERVIÇOS CONTINUADOS DE LIMPEZA E CONSERVAÇÃO.",
    "CONTRATAÇÃO DE SERVIÇOS DE VIGILÂNCIA ARMADA E DESARMADA.",
    "AQUISIÇÃO DE MATERIAL DE EXPEDIENTE.",
    "FORNECIMENTO DE COMBUSTÍVEL AUTOMOTIVO (GASOLINA E DIESEL S10).",
    "LOCAÇÃO DE IMÓVEL PARA FUNCIONAMENTO DE UNIDADE ADMINISTRATIVA.",
    "SERVIÇOS DE MANUTENÇÃO PREDIAL PREVENTIVA E CORRETIVA.",
    "SERVIÇOS DE TELEFONIA FIXA COMUTADA E MÓVEL PESSOAL.",
    "AQUISIÇÃO DE MEDICAMENTOS E INSUMOS HOSPITALARES.",
    "OUTSOURCING DE IMPRESSÃO COM FORNECIMENTO DE EQUIPAMENTOS.",
    "CONTRATAÇÃO DE SERVIÇOS DE TECNOLOGIA DA INFORMAÇÃO (FÁBRICA DE SOFTWARE).",
]
_MODALIDADES = [
    ("05", "Pregão"),
    ("05", "Pregão"),
    ("07", "Inexigibilidade"),
    ("06", "Dispensa"),
    ("20", "Adesão"),
    ("03", "Concorrência"),
]
# Non-Empenho instrument types (codigo_tipo, tipo) and their weights, after the real mix of 1,179
# contract objects (reference §2.6): Contrato dominates, Credenciamento is ~8%, the rest are rare.
# Empenho is "99"; in historico, "55" is Termo Aditivo and "60" Termo de Apostilamento.
TIPOS_CONTRATO: list[tuple[tuple[str, str], int]] = [
    (("50", "Contrato"), 80),
    (("51", "Credenciamento"), 10),
    (("98", "Outros"), 3),
    (("54", "Concessão"), 1),
    (("56", "Termo de Adesão"), 1),
    (("57", "Convênio"), 1),
    (("94", "Carta Contrato"), 2),
    (("95", "Termo de Compromisso"), 2),
]
TIPO_EMPENHO = ("99", "Empenho")
TIPO_CREDENCIAMENTO = ("51", "Credenciamento")
MODALIDADE_NAO_SE_APLICA = ("NAOSEAPLIC", "Não se Aplica")
_MODALIDADES_RARAS = [
    MODALIDADE_NAO_SE_APLICA,
    ("02", "Tomada de Preços"),
    ("99", "Regime Diferenciado de Contratações"),
]
_SUBTIPOS = ["ARP", "Adesão à ARP", "ARP - Participante", "ARP - Carona", "Termo de Adesao a ARP"]
# Every list, on any day, carries these (index: what it is), besides the random mix.
PINNED_CREDENCIAMENTO = 5  # a Credenciamento under "Não se Aplica"
PINNED_EMPENHO = 6  # an Empenho
PINNED_ORIGEM = 7  # signed by another unit (origin ≠ managing unit), with unidades_requisitantes
PINNED_DATA_MALFORMADA = 8  # data_assinatura "2YYYY-MM-DD", as a real contract has it
_AMPAROS = [
    "LEI 14.133/2021 - Artigo: 28 - Inciso: I",
    "LEI 8.666 / 1993 - Artigo: 25",
    "LEI 10.520 / 2002",
    "",
]
_CATEGORIAS = ["Serviços", "Compras", "Locação Imóveis", "Serviços", "A definir"]
_CATEGORIAS_RARAS = ["Serviços de Saúde", "Serviços de Engenharia", "Informática (TIC)", "Obras", "Cessão",
                     "Mão de Obra"]
_CATMAT = [
    ("Serviço", "24317 - LIMPEZA E CONSERVACAO - AREA INTERNA", "GRUPO GENERICO SERVICO"),
    ("Serviço", "8729 - PRESTACAO DE SERVICOS DE PORTARIA / RECEPCAO", "GRUPO GENERICO SERVICO"),
    ("Material", "437021 - SABÃO LÍQUIDO", "UTENSILIOS E MATERIAIS DE LIMPEZA"),
    ("Material", "150543 - PAPEL A4", "MATERIAL DE EXPEDIENTE"),
    ("Material", "427001 - GASOLINA COMUM", "COMBUSTIVEIS E LUBRIFICANTES"),
]
_NATUREZAS = [
    "339037 - LOCACAO DE MAO-DE-OBRA",
    "339039 - OUTROS SERVICOS DE TERCEIROS - PESSOA JURIDICA",
    "339030 - MATERIAL DE CONSUMO",
    "449052 - EQUIPAMENTOS E MATERIAL PERMANENTE",
]
_QUALIFICACOES = [
    {"codigo": 1, "descricao": "ACRÉSCIMO / SUPRESSÃO"},
    {"codigo": 2, "descricao": "VIGÊNCIA"},
    {"codigo": 4, "descricao": "REAJUSTE"},
    {"codigo": 5, "descricao": "INFORMATIVO"},
]


def br_money(value: Decimal | float) -> str:
    """PHP number_format(v, 2, ',', '.')."""
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def php_json(data: Any) -> bytes:
    """Like PHP json_encode: \\uXXXX for non-ASCII and escaped slashes."""
    return json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode()


def php_response(data: Any, status: int = 200) -> Response:
    return Response(content=php_json(data), status_code=status, media_type="text/html; charset=UTF-8")


def uasg_size(seed: int, code: str) -> int:
    if code in DOCUMENTED_UASGS:
        return DOCUMENTED_UASGS[code][0]
    return random.Random(f"{seed}:{code}:size").randint(30, 200)


def _cnpj(r: random.Random) -> str:
    d = f"{r.randrange(10**8):08d}"
    return f"{d[:2]}.{d[2:5]}.{d[5:8]}/0001-{r.randrange(100):02d}"


def _cpf(r: random.Random) -> str:
    d = f"{r.randrange(10**9):09d}"
    return f"{d[:3]}.{d[3:6]}.{d[6:9]}-{r.randrange(100):02d}"


def _fornecedor(r: random.Random) -> dict[str, Any]:
    if r.random() < 0.12:
        return {"tipo": "FISICA", "cnpj_cpf_idgener": _cpf(r), "nome": r.choice(_PESSOAS)}
    return {"tipo": "JURIDICA", "cnpj_cpf_idgener": _cnpj(r), "nome": r.choice(_EMPRESAS)}


@dataclass
class World:
    """The generated data of one simulator instance."""

    base_url: str
    seed: int

    def links(self, contrato_id: int) -> dict[str, str]:
        return {key: f"{self.base_url}/api/contrato/{contrato_id}/{key}" for key in LINK_KEYS}

    def ug(self, code: str) -> dict[str, Any]:
        r = random.Random(f"{self.seed}:{code}:ug")
        orgao_codigo, orgao_nome, sigla, nome = _UG_NAMES.get(
            code,
            (f"{20000 + int(code) % 9000:05d}", r.choice(_ORGAOS), f"UG-{code}", f"UNIDADE GESTORA {code}"),
        )
        unidade = {
            "codigo": code,
            "nome_resumido": sigla,
            "nome": nome,
            "sisg": "Sim",
            "utiliza_siafi": "Sim",
            "utiliza_antecipagov": "Não",
        }
        return {"orgao_codigo": orgao_codigo, "orgao_nome": orgao_nome, "unidade": unidade}

    def contrato(self, code: str, index: int, today: date) -> dict[str, Any]:
        """Instrument `index` of UASG `code` (indexes from INATIVOS_OFFSET are the inactive ones)."""
        r = random.Random(f"{self.seed}:{code}:{index}")
        contrato_id = int(code) * 10000 + index + 1
        ug = self.ug(code)
        share_empenho = 0.8 if code == BIG_UASG else (0.15 if code == DEMO_UASG else 0.3)
        is_empenho = r.random() < share_empenho
        assinatura = today - timedelta(days=r.randint(30, 1500))
        year = assinatura.year
        fim: date | None = today + timedelta(days=r.randint(-400, 900))
        if r.random() < 0.05:
            fim = None
        if index in PINNED_VIGENCIA_DAYS:  # every UASG, on any day, has contracts at each boundary
            is_empenho, fim = False, today + timedelta(days=PINNED_VIGENCIA_DAYS[index])
        inicio = assinatura if fim is None or assinatura < fim else fim - timedelta(days=365)
        codigo_modalidade, modalidade = r.choice(_MODALIDADES)
        inicial = Decimal(r.randint(1_000_00, 5_000_000_00)) / 100
        global_ = inicial * Decimal(str(round(1 + r.random() * 0.25, 4)))
        parcelas = r.choice([1, 1, 12, 12, 24, 60, None])
        processo = f"{ug['orgao_codigo']}.{r.randrange(10**6):06d}/{year}-{r.randrange(100):02d}"
        if r.random() < 0.03:
            processo = (
                f"{ug['orgao_codigo']}..{r.randrange(10**5):05d}/4/20-16"  # malformed upstream values occur
            )
        unidade = ug["unidade"]
        record = {
            "id": contrato_id,
            "receita_despesa": "Despesa" if r.random() < 0.97 else "Receita",
            "numero": f"{year}NE{r.randrange(10**6):06d}"
            if is_empenho
            else f"{r.randint(1, 300):05d}/{year}",
            "contratante": {
                "orgao_origem": {
                    "codigo": ug["orgao_codigo"],
                    "nome": ug["orgao_nome"],
                    "unidade_gestora_origem": unidade,
                },
                "orgao": {"codigo": ug["orgao_codigo"], "nome": ug["orgao_nome"], "unidade_gestora": unidade},
            },
            "fornecedor": _fornecedor(r),
            "codigo_tipo": "70" if is_empenho else "50",
            "tipo": "Empenho" if is_empenho else "Contrato",
            "subtipo": None,
            "prorrogavel": None if is_empenho else r.choice(["Sim", "Não"]),
            "situacao": "Inativo" if index >= INATIVOS_OFFSET else "Ativo",
            "justificativa_inativo": None,
            "categoria": r.choice(_CATEGORIAS),
            "subcategoria": None,
            "unidades_requisitantes": None,
            "processo": processo,
            "objeto": r.choice(_OBJETOS),
            "amparo_legal": r.choice(_AMPAROS),
            "informacao_complementar": r.choice([None, ""]),
            "codigo_modalidade": codigo_modalidade,
            "modalidade": modalidade,
            "unidade_compra": code,
            "licitacao_numero": f"{r.randint(1, 99999):05d}/{year}" if r.random() < 0.8 else None,
            "sistema_origem_licitacao": None,
            "data_assinatura": assinatura.isoformat(),
            "data_publicacao": (assinatura + timedelta(days=r.randint(1, 10))).isoformat(),
            "data_proposta_comercial": (assinatura - timedelta(days=r.randint(10, 60))).isoformat()
            if r.random() < 0.5
            else None,
            "vigencia_inicio": inicio.isoformat(),
            "vigencia_fim": fim.isoformat() if fim else None,
            "valor_inicial": br_money(inicial),
            "valor_global": br_money(global_),
            "num_parcelas": parcelas,
            "valor_parcela": br_money(global_ / parcelas if parcelas and r.random() < 0.5 else global_),
            "valor_acumulado": br_money(global_ * Decimal(str(round(0.5 + r.random() * 2.5, 4)))),
            "links": self.links(contrato_id),
        }
        self._real_mix(record, code, index, is_empenho)
        return record

    def _real_mix(self, record: dict[str, Any], code: str, index: int, is_empenho: bool) -> None:
        """What real lists hold (reference §2.6), drawn from a stream of its own so the other fields stay
        as they were: the type codes and their mix, the rarer modalities and categories, an origin unit
        that differs from the managing one, blanks and nulls, now and then a malformed date."""
        q = random.Random(f"{self.seed}:{record['id']}:real")
        if index in PINNED_VIGENCIA_DAYS:
            tipo = ("50", "Contrato")
        elif index == PINNED_EMPENHO or (is_empenho and index != PINNED_CREDENCIAMENTO):
            tipo = TIPO_EMPENHO
        elif index == PINNED_CREDENCIAMENTO:
            tipo = TIPO_CREDENCIAMENTO
        else:
            choices, weights = zip(*TIPOS_CONTRATO, strict=True)
            tipo = q.choices(choices, weights)[0]
        record["codigo_tipo"], record["tipo"] = tipo
        if tipo == TIPO_EMPENHO:
            record["prorrogavel"] = None
            if not record["numero"] or "NE" not in record["numero"]:
                year = record["data_assinatura"][:4]
                record["numero"] = f"{year}NE{q.randrange(10**6):06d}"
        elif "NE" in (record["numero"] or ""):
            record["numero"] = f"{q.randint(1, 300):05d}/{record['data_assinatura'][:4]}"
        if index == PINNED_CREDENCIAMENTO or q.random() < 0.04:
            record["codigo_modalidade"], record["modalidade"] = (
                MODALIDADE_NAO_SE_APLICA if index == PINNED_CREDENCIAMENTO else q.choice(_MODALIDADES_RARAS))
        if q.random() < 0.15:
            record["categoria"] = q.choice(_CATEGORIAS_RARAS)
        if q.random() < 0.04:
            record["subtipo"] = q.choice(_SUBTIPOS)
        if index == PINNED_ORIGEM or q.random() < 0.04:
            # A fund's or another órgão's unit signed it; this UASG manages it.
            origem_codigo = f"{(int(code) + 600000) % 1000000:06d}"
            origem = self.ug(origem_codigo)
            record["contratante"]["orgao_origem"] = {
                "codigo": f"{int(origem['orgao_codigo']) + 1:05d}",
                "nome": f"FUNDO DO {record['contratante']['orgao']['nome']}",
                "unidade_gestora_origem": {**origem["unidade"], "nome": f"FUNDO {origem['unidade']['nome']}"},
            }
            requisitantes = sorted({code, origem_codigo, f"{q.randrange(10**6):06d}"})
            record["unidades_requisitantes"] = f"{', '.join(requisitantes[:-1])} e {requisitantes[-1]}."
        if q.random() < 0.015:
            record["data_publicacao"] = None
        if q.random() < 0.006:
            record["unidade_compra"] = None
        if q.random() < 0.005:
            record["valor_global"] = "0,00"
        if q.random() < 0.05:
            record["processo"] = "".join(ch for ch in record["processo"] if ch.isdigit())
        if index >= INATIVOS_OFFSET:
            record["justificativa_inativo"] = q.choice(
                ["RESCISÃO AMIGÁVEL", "CONTRATO ENCERRADO ANTECIPADAMENTE", "CADASTRO EM DUPLICIDADE"])
        if index == PINNED_DATA_MALFORMADA or q.random() < 0.002:
            # "2024-08-12" typed as "20224-08-12": an unreadable date in an otherwise valid contract.
            year, rest = record["data_assinatura"][:4], record["data_assinatura"][4:]
            record["data_assinatura"] = f"{year[:3]}{year[2:]}{rest}"

    def quirk_records(self, today: date) -> list[Any]:
        """Edge records of the quirks UASG, appended to its generated list."""

        def based(index: int, **changes: Any) -> dict[str, Any]:
            record = self.contrato(QUIRKS_UASG, index - 1, today)
            record.update(
                id=int(QUIRKS_UASG) * 10000 + index, links=self.links(int(QUIRKS_UASG) * 10000 + index)
            )
            record.update(changes)
            return record

        legacy = based(
            9005,
            tipo="Contrato",
            codigo_tipo="50",
            vigencia_fim=None,
            valor_global=500000.75,
            valor_inicial="500000.75",
            prorrogavel="",
            informacao_complementar=" - ",
        )
        legacy.pop("amparo_legal")
        legacy["fundamento_legal"] = "LEI 8.666 / 1993 - Artigo: 24 - Inciso: II"
        return [
            based(9001, tipo="Contrato", vigencia_fim=(today - timedelta(days=99)).isoformat()),
            based(9002, tipo="Contrato", vigencia_fim=(today - timedelta(days=100)).isoformat()),
            based(9003, tipo="Contrato", vigencia_fim=(today - timedelta(days=101)).isoformat()),
            based(9004, valor_global="12,34,56", vigencia_fim=None),
            legacy,
            based(9006, tipo="Contrato", codigo_tipo="50", data_assinatura=DATA_MALFORMADA,
                  vigencia_fim=(today + timedelta(days=200)).isoformat()),
            "registro-que-nao-e-objeto",
            {**based(9007), "id": "sem-id"},
        ]

    def lista(self, code: str, today: date) -> list[Any]:
        records: list[Any] = [self.contrato(code, i, today) for i in range(uasg_size(self.seed, code))]
        if code == QUIRKS_UASG:
            records = records[:30] + self.quirk_records(today)
        return records

    def inativos(self, code: str, today: date) -> list[Any]:
        count = uasg_size(self.seed, code) // 20
        return [self.contrato(code, INATIVOS_OFFSET + j, today) for j in range(count)]

    def por_id(self, contrato_id: int, today: date) -> dict[str, Any] | None:
        code_number, rest = divmod(contrato_id, 10000)
        if not 0 <= code_number < 10**6 or rest == 0:
            return None
        code, index = f"{code_number:06d}", rest - 1
        if code == QUIRKS_UASG and index >= 9000:
            found = [q for q in self.quirk_records(today) if isinstance(q, dict) and q["id"] == contrato_id]
            return found[0] if found else None
        size = uasg_size(self.seed, code)
        if index < size or INATIVOS_OFFSET <= index < INATIVOS_OFFSET + size // 20:
            return self.contrato(code, index, today)
        return None

    def aba(self, contrato: dict[str, Any], aba: str) -> list[dict[str, Any]]:
        r = random.Random(f"{self.seed}:{contrato['id']}:{aba}")
        if aba == "historico":
            return self._historico(r, contrato)
        if aba == "empenhos":
            return self._empenhos(r, contrato)
        if aba == "itens":
            return self._itens(r, contrato)
        if aba == "arquivos":
            return self._arquivos(r, contrato)
        return []  # cronograma, garantias, …: empty, as most real contracts

    def _historico(self, r: random.Random, c: dict[str, Any]) -> list[dict[str, Any]]:
        if c["tipo"] == "Empenho":
            return []
        ug = c["contratante"]["orgao"]["unidade_gestora"]
        base = {
            "contrato_id": c["id"],
            "receita_despesa": c["receita_despesa"],
            "ug": ug["codigo"],
            "gestao": "00001",
            "fornecedor": c["fornecedor"],
            "informacao_complementar": None,
            "licitacao_numero": c["licitacao_numero"],
            "retroativo_mesref_de": None,
            "retroativo_anoref_de": None,
            "retroativo_mesref_ate": None,
            "retroativo_anoref_ate": None,
            "retroativo_vencimento": None,
            "retroativo_valor": "0,00",
            "situacao_contrato": c["situacao"],
        }
        stamp = f"{c['vigencia_inicio']}T13:22:10Z"
        rows = [
            {
                **base,
                "id": c["id"] * 100,
                "numero": c["numero"],
                "observacao": f"CELEBRAÇÃO DO CONTRATO: {c['numero']} DE ACORDO COM PROCESSO NÚMERO: "
                f"{c['processo']}",
                "codigo_tipo": c["codigo_tipo"],
                "tipo": c["tipo"],
                "qualificacao_termo": None,
                "categoria": c["categoria"],
                "processo": c["processo"],
                "objeto": c["objeto"],
                "fundamento_legal_aditivo": None,
                "modalidade": c["modalidade"],
                "codigo_unidade_origem": ug["codigo"],
                "nome_unidade_origem": ug["nome"],
                "data_assinatura": c["data_assinatura"],
                "data_publicacao": c["data_publicacao"],
                "data_proposta_comercial": c["data_proposta_comercial"],
                "vigencia_inicio": c["vigencia_inicio"],
                "vigencia_fim": c["vigencia_fim"],
                "valor_inicial": c["valor_inicial"],
                "valor_global": c["valor_inicial"],
                "num_parcelas": c["num_parcelas"],
                "valor_parcela": c["valor_parcela"],
                "novo_valor_global": "0,00",
                "novo_num_parcelas": None,
                "novo_valor_parcela": "0,00",
                "data_inicio_novo_valor": None,
                "retroativo": "Não",
                "criado_em": stamp,
                "alterado_em": stamp,
            }
        ]
        start = date.fromisoformat(c["vigencia_inicio"])
        for k in range(1, r.choice([0, 1, 1, 2, 3, 4]) + 1):
            signed = start + timedelta(days=330 * k)
            tipo, codigo = r.choice(
                [("Termo Aditivo", "55"), ("Termo Aditivo", "55"), ("Termo de Apostilamento", "60")]
            )
            novo = br_money(Decimal(r.randint(1_000_00, 5_000_000_00)) / 100)
            rows.append(
                {
                    **base,
                    "id": c["id"] * 100 + k,
                    "numero": f"{k:05d}/{signed.year}",
                    "observacao": "PRORROGAR A VIGÊNCIA POR 12 MESES E REAJUSTAR OS PREÇOS PELO IPCA.",
                    "codigo_tipo": codigo,
                    "tipo": tipo,
                    "qualificacao_termo": r.sample(_QUALIFICACOES, r.randint(1, 2)),
                    "categoria": "",
                    "processo": None,
                    "objeto": None,
                    "fundamento_legal_aditivo": "Art. 107 da Lei 14.133/2021.",
                    "modalidade": "",
                    "codigo_unidade_origem": None,
                    "nome_unidade_origem": None,
                    "data_assinatura": signed.isoformat(),
                    "data_publicacao": (signed + timedelta(days=4)).isoformat(),
                    "data_proposta_comercial": None,
                    "vigencia_inicio": signed.isoformat(),
                    "vigencia_fim": (signed + timedelta(days=365)).isoformat(),
                    "valor_inicial": novo,
                    "valor_global": novo,
                    "num_parcelas": 12,
                    "valor_parcela": novo,
                    "novo_valor_global": novo,
                    "novo_num_parcelas": 12,
                    "novo_valor_parcela": novo,
                    "data_inicio_novo_valor": signed.isoformat(),
                    "retroativo": r.choice(["Não", "Sim"]),
                    "criado_em": f"{signed.isoformat()}T17:05:41Z",
                    "alterado_em": f"{(signed + timedelta(days=1)).isoformat()}T09:12:03Z",
                }
            )
        r.shuffle(rows)  # the upstream guarantees no order
        return rows

    def _empenhos(self, r: random.Random, c: dict[str, Any]) -> list[dict[str, Any]]:
        ug = c["contratante"]["orgao"]["unidade_gestora"]["codigo"]
        count = 0 if r.random() < 0.15 else r.randint(1, 6)
        rows = []
        for k in range(count):
            year = date.fromisoformat(c["vigencia_inicio"]).year + k // 2
            numero = f"{year}NE{r.randrange(10**6):06d}"
            empenhado = Decimal(r.randint(1_000_00, 500_000_00)) / 100
            pago = empenhado * Decimal(str(round(r.random(), 2)))
            fornecedor = c["fornecedor"]
            rows.append(
                {
                    "id": c["id"] * 100 + k + 1,
                    "unidade_gestora": ug,
                    "gestao": "00001",
                    "numero": numero,
                    "data_emissao": f"{year}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
                    if r.random() < 0.9
                    else None,
                    "credor": f"{fornecedor['cnpj_cpf_idgener']} - {fornecedor['nome']}",
                    "fonte_recurso": "1000000000",
                    "programa_trabalho": f"{r.randrange(10**6):06d}",
                    "planointerno": "LIMP0001 - LIMPEZA E CONSERVACAO",
                    "naturezadespesa": r.choice(_NATUREZAS),
                    "empenhado": br_money(empenhado),
                    "aliquidar": br_money(empenhado - pago),
                    "liquidado": "0,00",
                    "pago": br_money(pago),
                    "rpinscrito": "0,00",
                    "rpaliquidar": "0,00",
                    "rpliquidado": "0,00",
                    "rppago": "0,00",
                    "informacao_complementar": f"{ug}0500{r.randrange(10**8):08d} - UASG Minuta: {ug}",
                    "sistema_origem": "COMPRASNET CONTRATOS",
                    "links": {
                        "documento_pagamento": f"https://sta.api.gov.br/api/ordembancaria/empenho/{ug}00001{numero}"
                    },
                    "credor_obj": fornecedor,
                }
            )
        return rows

    def _itens(self, r: random.Random, c: dict[str, Any]) -> list[dict[str, Any]]:
        count = 0 if r.random() < 0.2 else r.randint(1, 8)
        rows = []
        for k in range(count):
            tipo, catmat, grupo = r.choice(_CATMAT)
            quantidade = Decimal(r.randint(1, 500))
            unitario = Decimal(r.randint(1_00, 10_000_00)) / 100
            # Quantities are raw DB decimals; a few carry the Brazilian comma the reference warns about.
            qtd_text = f"{quantidade:.5f}" if r.random() < 0.9 else f"{quantidade:.5f}".replace(".", ",")
            start = c["vigencia_inicio"]
            rows.append(
                {
                    "id": c["id"] * 100 + k + 1,
                    "contrato_id": c["id"],
                    "tipo_id": tipo,
                    "tipo_material": "Consumo" if tipo == "Material" else None,
                    "grupo_id": grupo,
                    "catmatseritem_id": catmat,
                    "descricao_complementar": r.choice([None, "Conforme termo de referência"]),
                    "quantidade": qtd_text,
                    "valorunitario": br_money(unitario),
                    "valortotal": br_money(unitario * quantidade),
                    "numero_item_compra": f"{k + 1:05d}",
                    "data_inicio_item": {
                        "date": f"{start} 00:00:00.000000",
                        "timezone_type": 3,
                        "timezone": "America/Sao_Paulo",
                    }
                    if r.random() < 0.7
                    else None,
                    "historico_item": [
                        {
                            "tipo_historico": "Contrato",
                            "data_termo": start,
                            "quantidade": int(quantidade),
                            "valor_unitario": float(unitario),
                            "valor_total": float(unitario * quantidade),
                        }
                    ],
                }
            )
        return rows

    def _arquivos(self, r: random.Random, c: dict[str, Any]) -> list[dict[str, Any]]:
        count = 0 if r.random() < 0.4 else r.randint(1, 3)
        folder = f"{c['id']}_{c['numero'].replace('/', '_')}"
        return [
            {
                "id": c["id"] * 100 + k + 1,
                "contrato_id": c["id"],
                "tipo": "Contrato" if k == 0 else "Termo Aditivo",
                "processo": c["processo"],
                "sequencial_documento": str(r.randrange(10**8)),
                "descricao": f"{'CONTRATO' if k == 0 else 'TERMO ADITIVO'} ASSINADO {c['numero']}",
                "path_arquivo": f"{self.base_url}/storage/contrato/{folder}/{r.getrandbits(128):032x}.pdf",
                "origem": None,
                "link_sei": None,
            }
            for k in range(count)
        ]


# ---------------------------------------------------------------- control state


class FaultIn(BaseModel):
    path_contains: str = Field("", description="Substring of the request path; '' matches every /api call")
    status: int | None = Field(None, description="Answer this HTTP status (e.g. 500, 503, 429, 404)")
    timeout_s: float | None = Field(None, description="Wait this long before answering normally")
    drop: bool = Field(False, description="Start the answer, then drop the connection")
    retry_after: float | None = Field(None, description="Retry-After header (seconds) with status 429/503")
    times: int | None = Field(1, description="How many requests it hits; null or 0 = until reset")


@dataclass
class Fault:
    spec: FaultIn
    remaining: int | None
    hits: int = 0


@dataclass
class State:
    latency_ms: float
    list_delay_s: float
    faults: list[Fault] = field(default_factory=list)
    requests: int = 0
    by_path: dict[str, int] = field(default_factory=dict)
    faults_triggered: int = 0
    uasg_overrides: dict[str, list[Any]] = field(default_factory=dict)
    inativos_overrides: dict[str, list[Any]] = field(default_factory=dict)
    aba_overrides: dict[tuple[int, str], list[Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_fault(self, path: str) -> FaultIn | None:
        with self.lock:
            for fault in self.faults:
                if fault.spec.path_contains in path and (fault.remaining is None or fault.remaining > 0):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    fault.hits += 1
                    self.faults_triggered += 1
                    return fault.spec
        return None

    def count(self, path: str) -> None:
        with self.lock:
            self.requests += 1
            self.by_path[path] = self.by_path.get(path, 0) + 1


class _FaultsAndLatency:
    """ASGI wrapper for the /api routes: counts requests, adds latency, injects faults (incl. drops)."""

    def __init__(self, app: Any, state: State, world: World) -> None:
        self.app = app
        self.state = state
        self.world = world

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or "/api/" not in path:
            await self.app(scope, receive, send)
            return
        state = self.state
        state.count(path)
        delay = state.latency_ms / 1000
        if "/contrato/ug/" in path or "/contrato/inativo/ug/" in path:
            # Slow first byte of a UASG list, scaled by its size (list_delay_s for the biggest).
            code = path.rstrip("/").rsplit("/", 1)[-1]
            if code.isdigit() and len(code) == 6:
                delay += state.list_delay_s * uasg_size(self.world.seed, code) / BIGGEST
        fault = state.take_fault(path)
        if delay:
            await asyncio.sleep(delay)
        if fault is not None:
            if fault.timeout_s:
                await asyncio.sleep(fault.timeout_s)
            if fault.drop:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-type", b"text/html; charset=UTF-8"),
                            (b"content-length", b"4096"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": b'[{"id":', "more_body": True})
                return  # the server closes the connection on an unfinished response
            if fault.status:
                headers = [(b"content-type", b"application/json")]
                if fault.retry_after is not None:
                    headers.append((b"retry-after", str(fault.retry_after).encode()))
                body = json.dumps({"message": f"simulated HTTP {fault.status}"}).encode()
                await send({"type": "http.response.start", "status": fault.status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


# ---------------------------------------------------------------- the app


def create_app(*, base_url: str, seed: int = 42, latency_ms: float = 0.0, list_delay_s: float = 0.0) -> Any:
    """The fake Comprasnet; `base_url` is where it is mounted (…/comprasnet), used in `links`."""
    world = World(base_url=base_url.rstrip("/"), seed=seed)
    state = State(latency_ms=latency_ms, list_delay_s=list_delay_s)
    app = FastAPI(
        title="Comprasnet Contratos simulator",
        docs_url="/_control/docs",
        openapi_url="/_control/openapi.json",
    )

    @lru_cache(maxsize=256)
    def cached_list(code: str, today: date) -> bytes:
        return php_json(world.lista(code, today))

    def contrato_or_none(contrato_id: int) -> dict[str, Any] | None:
        today = today_sao_paulo()
        for records in [*state.uasg_overrides.values(), *state.inativos_overrides.values()]:
            for record in records:
                if isinstance(record, dict) and record.get("id") == contrato_id:
                    return record
        return world.por_id(contrato_id, today)

    def parse_id(raw: str) -> int | None:
        return int(raw) if raw.isdigit() else None

    @app.get("/api/contrato/ug/{code}")
    def lista_uasg(code: str) -> Response:
        if code in state.uasg_overrides:
            return php_response(state.uasg_overrides[code])
        if not (code.isdigit() and len(code) == 6):
            return php_response([])
        return Response(content=cached_list(code, today_sao_paulo()), media_type="text/html; charset=UTF-8")

    @app.get("/api/contrato/inativo/ug/{code}")
    def lista_inativos(code: str) -> Response:
        if code in state.inativos_overrides:
            return php_response(state.inativos_overrides[code])
        if not (code.isdigit() and len(code) == 6):
            return php_response([])
        return php_response(world.inativos(code, today_sao_paulo()))

    @app.get("/api/contrato/ugorigem/{code}/numeroano/{numeroano}")
    def por_numero_ano(code: str, numeroano: str) -> Response:
        if len(numeroano) != 9:
            return php_response(
                {"errors": "O parametro 'numeroano_contrato' foi enviado com um tamanho invalido"}, 422
            )
        numero = f"{numeroano[:5]}/{numeroano[5:]}"
        records = world.lista(code, today_sao_paulo()) if code.isdigit() and len(code) == 6 else []
        return php_response([c for c in records if isinstance(c, dict) and c.get("numero") == numero])

    @app.get("/api/contrato/id/{contrato_id}")
    def por_id(contrato_id: str) -> Response:
        number = parse_id(contrato_id)
        if number is None:
            return Response("Server Error", status_code=500, media_type="text/html")
        found = contrato_or_none(number)
        return php_response(found if found is not None else [])

    @app.get("/api/contrato/orgaos")
    def orgaos() -> Response:
        return php_response(
            [
                {"codigo": world.ug(code)["orgao_codigo"]}
                for code in DOCUMENTED_UASGS
                if DOCUMENTED_UASGS[code][0]
            ]
        )

    @app.get("/api/contrato/unidades")
    def unidades() -> Response:
        return php_response([{"codigo": code} for code in DOCUMENTED_UASGS if DOCUMENTED_UASGS[code][0]])

    @app.get("/api/contrato/{contrato_id}/{aba}")
    def aba(contrato_id: str, aba: str) -> Response:
        if aba not in LINK_KEYS:
            return Response("<html><body>Not Found</body></html>", status_code=404, media_type="text/html")
        number = parse_id(contrato_id)
        if number is None:  # a PHP typed-int parameter upstream
            return Response("Server Error", status_code=500, media_type="text/html")
        if (number, aba) in state.aba_overrides:
            return php_response(state.aba_overrides[(number, aba)])
        found = contrato_or_none(number)
        if found is None:
            return php_response([])  # unknown ids answer [] upstream
        return php_response(world.aba(found, aba))

    @app.get("/api/contrato/{contrato_id}")
    def bare_id(contrato_id: str) -> Response:
        # Upstream has no bare /api/contrato/{id} route (only /api/contrato/id/{id}).
        return Response("<html><body>Not Found</body></html>", status_code=404, media_type="text/html")

    # ------------------------------------------------------------ control API (not part of the upstream)

    @app.get("/_control/uasgs")
    def control_uasgs() -> dict[str, Any]:
        return {
            "documented": [
                {"codigo": code, "instrumentos": size, "descricao": text}
                for code, (size, text) in DOCUMENTED_UASGS.items()
            ],
            "demo_uasg": DEMO_UASG,
            "any_other_code": "every other 6-digit code answers a deterministic list of 30-200 instruments",
            "quirk_ids": {
                "fim_ha_99_dias": QUIRK_FIM_99,
                "fim_ha_100_dias": QUIRK_FIM_100,
                "fim_ha_101_dias": QUIRK_FIM_101,
                "malformado": QUIRK_MALFORMED,
                "chaves_antigas": QUIRK_LEGACY,
                "data_malformada": QUIRK_DATA_MALFORMADA,
            },
        }

    @app.post("/_control/faults")
    def add_fault(fault: FaultIn) -> dict[str, Any]:
        with state.lock:
            state.faults.append(Fault(fault, fault.times if fault.times else None))
        return {"faults": len(state.faults)}

    @app.get("/_control/faults")
    def list_faults() -> list[dict[str, Any]]:
        return [{**f.spec.model_dump(), "remaining": f.remaining, "hits": f.hits} for f in state.faults]

    @app.post("/_control/latency")
    def set_latency(
        latency_ms: float = Body(0.0, embed=True), list_delay_s: float = Body(0.0, embed=True)
    ) -> dict[str, float]:
        state.latency_ms, state.list_delay_s = latency_ms, list_delay_s
        return {"latency_ms": latency_ms, "list_delay_s": list_delay_s}

    @app.put("/_control/uasgs/{code}")
    def override_uasg(code: str, records: list[Any]) -> dict[str, int]:
        """Serve exactly these records as the UASG's list (links are added to objects that lack them)."""
        for record in records:
            if isinstance(record, dict) and isinstance(record.get("id"), int) and "links" not in record:
                record["links"] = world.links(record["id"])
        state.uasg_overrides[code] = records
        return {"records": len(records)}

    @app.put("/_control/uasgs/{code}/inativos")
    def override_inativos(code: str, records: list[Any]) -> dict[str, int]:
        """Serve exactly these records as the UASG's inactive list (as received: links are not added)."""
        state.inativos_overrides[code] = records
        return {"records": len(records)}

    @app.put("/_control/contratos/{contrato_id}/{aba}")
    def override_aba(contrato_id: int, aba: str, rows: list[Any]) -> dict[str, int]:
        """Serve exactly these rows for one tab of one contract."""
        state.aba_overrides[(contrato_id, aba)] = rows
        return {"rows": len(rows)}

    @app.get("/_control/stats")
    def stats() -> dict[str, Any]:
        with state.lock:
            return {
                "requests": state.requests,
                "by_path": dict(state.by_path),
                "faults_triggered": state.faults_triggered,
            }

    @app.post("/_control/reset")
    def reset() -> dict[str, bool]:
        """Clear faults, overrides and counters; restore the start-up latency."""
        with state.lock:
            state.faults.clear()
            state.uasg_overrides.clear()
            state.inativos_overrides.clear()
            state.aba_overrides.clear()
            state.by_path.clear()
            state.requests = state.faults_triggered = 0
            state.latency_ms, state.list_delay_s = latency_ms, list_delay_s
        return {"reset": True}

    return _FaultsAndLatency(app, state, world)
