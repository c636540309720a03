"""Comprasnet sync: the base sync of a UASG (one call) and the tabs of a contract (on demand).

Services only flush; the caller (request, CLI command, task) owns the transaction — except the two `run_*`
entry points, which are boundaries themselves (they open their own sessions and record the run).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import BigInteger, Integer, Numeric, String, delete, func, select
from sqlalchemy.orm import Session

from espelho.clock import now_utc, today_sao_paulo
from espelho.config import Settings
from espelho.contratos.abas import ABAS
from espelho.contratos.client import UPSTREAM, ComprasnetClient, LinkGone, get_client
from espelho.contratos.models import Contrato, Uasg
from espelho.contratos.queries import get_contrato, not_stored, validate_abas, validate_uasg
from espelho.contratos.schemas import (
    AbaResultado,
    ContratoSyncResult,
    RegistroInvalido,
    UasgSyncResult,
)
from espelho.contratos.upstream import UpstreamContrato
from espelho.db import Base, Database, upsert
from espelho.errors import UpstreamError, UpstreamMalformed, UpstreamRejected
from espelho.logging_setup import get_logger
from espelho.syncs.service import Progress, Progresso, RunCounts, recorded_run
from espelho.upstream.http import counting_calls

log = get_logger(__name__)

ORIGEM = "COMPRASNET"
_MAX_REPORTED_ERRORS = 20



def kept_by_vigencia(vigencia_fim: date | None, today: date, dias: int) -> bool:
    """Keep contracts with no end, or that ended at most `dias` days ago (exactly `dias` is kept)."""
    return vigencia_fim is None or (today - vigencia_fim).days <= dias


# Column limits, checked before a batch goes to the database: one oversized value must cost one record
# (reported), not the whole batch (PostgreSQL rejects it; SQLite would store it silently).
_limits_cache: dict[type[Base], dict[str, tuple[str, Any]]] = {}


def _limits(model: type[Base]) -> dict[str, tuple[str, Any]]:
    if model not in _limits_cache:
        limits: dict[str, tuple[str, Any]] = {}
        for column in model.__table__.columns:  # type: ignore[attr-defined]
            kind = column.type
            if isinstance(kind, String) and kind.length:
                limits[column.name] = ("str", kind.length)
            elif isinstance(kind, Numeric) and kind.precision:
                limits[column.name] = ("num", Decimal(10) ** (kind.precision - (kind.scale or 0)))
            elif isinstance(kind, BigInteger):
                limits[column.name] = ("int", 2**63)
            elif isinstance(kind, Integer):
                limits[column.name] = ("int", 2**31)
        _limits_cache[model] = limits
    return _limits_cache[model]


def fit_row(model: type[Base], row: dict[str, Any], invalidos: list[str] | None = None) -> dict[str, Any]:
    """Cut over-long text (free text never stops a record); a number the column cannot hold becomes NULL
    and is named in `invalidos` (without that list, it is refused)."""
    for name, (kind, limit) in _limits(model).items():
        value = row.get(name)
        if value is None:
            continue
        if kind == "str" and isinstance(value, str) and len(value) > limit:
            row[name] = value[:limit]
        elif kind in ("num", "int") and abs(value) >= limit:
            if invalidos is None:
                raise ValueError(f"{name} out of range: {value}")
            row[name] = None
            invalidos.append(name)
    return row


M = TypeVar("M", bound=BaseModel)


class RegistroRejeitado(ValueError):
    """A record without a usable key: the only thing that costs a whole record. `motivo` is counted."""

    def __init__(self, motivo: str, message: str) -> None:
        super().__init__(message)
        self.motivo = motivo


# Motives a record is rejected for, as the run's JSON counts them.
MOTIVO_NAO_OBJETO = "nao_e_objeto"
MOTIVO_ID = "id_invalido"
_KEYS = ("id",)
_MAX_PASSES = 20


def parse_lenient(record: Any, schema: type[M]) -> tuple[M, list[str]]:
    """Parse an upstream record field by field: a field that cannot be read is parsed as missing (NULL)
    and its path is returned ("data_assinatura", "contratante.orgao.codigo"); only a missing or invalid
    key (`id`) rejects the record (RegistroRejeitado). The record itself is never modified."""
    if not isinstance(record, dict):
        raise RegistroRejeitado(MOTIVO_NAO_OBJETO, f"record is a {type(record).__name__}, not an object")
    data: dict[str, Any] = record
    invalidos: list[str] = []
    for _ in range(_MAX_PASSES):
        try:
            return schema.model_validate(data), invalidos
        except ValidationError as exc:
            errors = exc.errors()
            if any(not e["loc"] or e["loc"][0] in _KEYS for e in errors):
                raise RegistroRejeitado(MOTIVO_ID, _error_text(exc)) from exc
            if data is record:
                data = copy.deepcopy(record)
            for error in errors:
                if not _blank_at(data, error["loc"]):
                    raise RegistroRejeitado(MOTIVO_ID, _error_text(exc)) from exc
                path = ".".join(str(part) for part in error["loc"])
                if path not in invalidos:
                    invalidos.append(path)
    raise RegistroRejeitado(MOTIVO_ID, "too many unreadable fields")


def _blank_at(data: Any, loc: Sequence[Any]) -> bool:
    """Set the value at `loc` to None; False when the path does not lead to a value."""
    for part in loc[:-1]:
        if not _has(data, part):
            return False
        data = data[part]
    last = loc[-1]
    if not _has(data, last) or data[last] is None:
        return False
    data[last] = None
    return True


def _has(data: Any, key: Any) -> bool:
    if isinstance(data, dict):
        return key in data
    return isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data)


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3]]
        return "; ".join(parts)
    return str(exc)


# ---------------------------------------------------------------- base sync (one call per UASG)


def run_uasg_sync(
    database: Database,
    settings: Settings,
    uasg: str,
    *,
    inativos: bool | None = None,
    run_id: int | None = None,
    client: ComprasnetClient | None = None,
) -> UasgSyncResult:
    """Sync one UASG's contract list: exactly one upstream call (two with `inativos`, which also reads
    /contrato/inativo/ug/{uasg}; default: the setting `contratos_incluir_inativos`), no tab fetched,
    nothing deleted. A record with an unreadable field is stored with that field NULL and flagged
    (`campos_invalidos`); only a record without a usable id is skipped.

    Records a `sincronizacoes` row (continuing `run_id` when given).
    """
    codigo = validate_uasg(uasg)
    incluir_inativos = settings.contratos_incluir_inativos if inativos is None else inativos
    client = client or get_client(settings)
    started = time.perf_counter()
    with recorded_run(database, origem=ORIGEM, tipo="UASG", escopo=f"uasg:{codigo}", run_id=run_id) as run:
        with counting_calls() as calls:
            try:
                payload = client.contratos_da_uasg(codigo)
                recebidos_inativos = 0
                if incluir_inativos:
                    inactive = client.contratos_inativos_da_uasg(codigo)
                    recebidos_inativos = len(inactive)
                    payload = [*payload, *inactive]
            finally:
                run.report = RunCounts(api_calls=calls.calls)
        today = today_sao_paulo()
        now = now_utc()
        kept: dict[int, dict[str, Any]] = {}
        sample: dict[str, Any] | None = None
        erros: list[RegistroInvalido] = []
        motivos: dict[str, int] = {}
        campos: dict[str, int] = {}
        invalidos = fora_da_vigencia = com_campos_invalidos = 0
        for index, record in enumerate(payload):
            try:
                parsed, ilegiveis = parse_lenient(record, UpstreamContrato)
                row = fit_row(Contrato, parsed.row(), ilegiveis)
            except RegistroRejeitado as exc:
                invalidos += 1
                motivos[exc.motivo] = motivos.get(exc.motivo, 0) + 1
                record_id = record.get("id") if isinstance(record, dict) else None
                log.warning("contratos.registro_invalido", uasg=codigo, indice=index, id=record_id,
                            erro=str(exc))
                if len(erros) < _MAX_REPORTED_ERRORS:
                    erros.append(RegistroInvalido(indice=index, id=record_id, erro=str(exc)))
                continue
            if ilegiveis:
                com_campos_invalidos += 1
                for campo in ilegiveis:
                    campos[campo] = campos.get(campo, 0) + 1
                log.warning("contratos.campos_invalidos", uasg=codigo, id=parsed.id, campos=ilegiveis)
            # The UASG's names come from a record it manages (any record if none does).
            if sample is None or (
                sample["unidade_gestora_codigo"] != codigo and row["unidade_gestora_codigo"] == codigo
            ):
                sample = dict(row)
            if not kept_by_vigencia(parsed.vigencia_fim, today, settings.contratos_vigencia_dias):
                fora_da_vigencia += 1
                continue
            row.update(uasg_codigo=codigo, raw_json=record, listado_em=now, criado_em=now,
                       campos_invalidos=ilegiveis or None)
            kept[parsed.id] = row  # a repeated id keeps its last occurrence

        rows = list(kept.values())
        with database.session() as session:
            existing = _existing_ids(session, list(kept))
            _upsert_uasg(session, codigo, sample, now)
            upsert(
                session,
                Contrato,
                rows,
                index_elements=["id"],
                update_columns=[c for c in (rows[0] if rows else {}) if c not in ("id", "criado_em")],
            )
        result = UasgSyncResult(
            uasg=codigo,
            inativos=incluir_inativos,
            contratos_recebidos=len(payload),
            inativos_recebidos=recebidos_inativos,
            contratos_processados=len(rows),
            contratos_novos=len(rows) - existing,
            contratos_atualizados=existing,
            fora_da_vigencia=fora_da_vigencia,
            invalidos=invalidos,
            motivos_invalidos=motivos,
            contratos_com_campos_invalidos=com_campos_invalidos,
            campos_invalidos=campos,
            erros=erros,
            api_calls=calls.calls,
            duration_s=round(time.perf_counter() - started, 3),
            run_id=run.id,
        )
        run.report = result
    log.info(
        "contratos.uasg_sincronizada",
        uasg=codigo,
        contratos=len(rows),
        fora_da_vigencia=fora_da_vigencia,
        invalidos=invalidos,
        campos_invalidos=campos,
        api_calls=calls.calls,
        ms=round(result.duration_s * 1000),
    )
    return result


def _existing_ids(session: Session, ids: Sequence[int]) -> int:
    found = 0
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        found += session.scalar(select(func.count()).select_from(Contrato).where(Contrato.id.in_(chunk))) or 0
    return found


def _upsert_uasg(session: Session, codigo: str, data: dict[str, Any] | None, now: datetime) -> None:
    row: dict[str, Any] = {"codigo": codigo, "criado_em": now, "sincronizado_em": now}
    if data is not None:
        if data["unidade_gestora_codigo"] == codigo:
            row.update(nome_resumido=data["unidade_gestora_nome_resumido"], nome=data["unidade_gestora_nome"])
        row.update(orgao_codigo=data["orgao_codigo"], orgao_nome=data["orgao_nome"])
    fit_row(Uasg, row)
    upsert(
        session,
        Uasg,
        [row],
        index_elements=["codigo"],
        update_columns=[c for c in row if c not in ("codigo", "criado_em")],
    )


# ---------------------------------------------------------------- tabs on demand


@dataclass
class AbaSync:
    contrato_id: int
    aba: str
    registros: int
    invalidos: int
    api_calls: int
    atualizado_em: datetime
    ms: float
    link_renovado: bool
    campos_invalidos: dict[str, int]


def sync_aba(
    session: Session,
    settings: Settings,
    contrato_id: int,
    aba: str,
    *,
    client: ComprasnetClient | None = None,
) -> AbaSync:
    """Fetch one tab of one contract and replace its stored rows; flushes, the caller commits.

    Follows the contract's stored link (one call). Only if that answers 404, refreshes the contract via
    /contrato/id/{id} for a fresh link. Any upstream failure raises before anything is written, so the
    stored rows and the tab's timestamp stay as they were. An upstream `[]` is a success (0 rows).
    """
    aba = validate_abas([aba])[0]
    links = _stored_links(session, contrato_id)
    client = client or get_client(settings)
    started = time.perf_counter()
    fresh: tuple[dict[str, Any], dict[str, Any]] | None = None
    with counting_calls() as calls:
        link = links.get(aba)
        payload: list[Any] | None = None
        if link:
            try:
                payload = client.aba(link)
            except LinkGone:
                payload = None
        if payload is None:
            fresh = _fetch_contrato(client, contrato_id)
            link = (fresh[1].get("links") or {}).get(aba) or client.aba_url(contrato_id, aba)
            try:
                payload = client.aba(link)
            except LinkGone as exc:
                raise UpstreamRejected(
                    f"Comprasnet has no {aba} for contract {contrato_id} (HTTP 404)",
                    upstream=UPSTREAM,
                    url=link,
                    status=404,
                ) from exc

    # The caller's transaction starts here, after the upstream work: no snapshot is held open during a
    # slow call, and SQLite never has to upgrade a long-lived reader into a writer.
    contrato = get_contrato(session, contrato_id)
    if fresh is not None:
        raw, row = fresh
        for name, value in row.items():
            setattr(contrato, name, value)
        contrato.raw_json = raw
    spec = ABAS[aba]
    model = spec.model
    now = now_utc()
    rows: dict[int, dict[str, Any]] = {}
    invalidos = 0
    campos: dict[str, int] = {}
    for index, record in enumerate(payload):
        try:
            parsed, ilegiveis = parse_lenient(record, spec.upstream)
            row = fit_row(model, parsed.row(), ilegiveis)
        except RegistroRejeitado as exc:
            invalidos += 1
            log.warning("contratos.aba_registro_invalido", contrato=contrato_id, aba=aba, indice=index,
                        erro=str(exc))
            continue
        for campo in ilegiveis:
            campos[campo] = campos.get(campo, 0) + 1
        row.update(contrato_id=contrato_id, raw_json=record, sincronizado_em=now,
                   campos_invalidos=ilegiveis or None)
        rows[row["id"]] = row

    # Replace the tab in the caller's transaction: all of it lands, or none of it.
    session.execute(delete(model).where(model.contrato_id == contrato_id))
    upsert(session, model, list(rows.values()), index_elements=["contrato_id", "id"])
    setattr(contrato, spec.freshness, now)
    if all(getattr(contrato, other.freshness) is not None for other in ABAS.values()):
        contrato.detalhes_atualizados_em = now
    session.flush()
    elapsed_ms = (time.perf_counter() - started) * 1000
    log.info(
        "contratos.aba_sincronizada",
        contrato=contrato_id,
        aba=aba,
        rows=len(rows),
        invalidos=invalidos,
        api_calls=calls.calls,
        ms=round(elapsed_ms, 1),
        link_renovado=fresh is not None,
    )
    return AbaSync(contrato_id, aba, len(rows), invalidos, calls.calls, now, elapsed_ms, fresh is not None,
                   campos)


def _stored_links(session: Session, contrato_id: int) -> dict[str, Any]:
    """The contract's stored links, read in a short transaction of its own (see sync_aba)."""
    with Session(session.get_bind()) as reader:
        found = reader.execute(select(Contrato.links).where(Contrato.id == contrato_id)).first()
    if found is None:
        raise not_stored(contrato_id)
    return found[0] or {}


def _fetch_contrato(client: ComprasnetClient, contrato_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Re-read the contract from /contrato/id/{id}: its raw payload and its columns (without the id)."""
    raw = client.contrato(contrato_id)
    if raw is None:
        raise UpstreamRejected(
            f"Comprasnet no longer knows contract {contrato_id}",
            upstream=UPSTREAM,
            url=client.http.url(f"contrato/id/{contrato_id}"),
            status=404,
        )
    try:
        parsed, ilegiveis = parse_lenient(raw, UpstreamContrato)
    except RegistroRejeitado as exc:
        raise UpstreamMalformed(
            f"contract {contrato_id} answer could not be parsed: {exc}", upstream=UPSTREAM
        ) from exc
    row = fit_row(Contrato, parsed.row(), ilegiveis)
    row.update(campos_invalidos=ilegiveis or None)
    row.pop("id")
    return raw, row


def run_contrato_sync(
    database: Database,
    settings: Settings,
    contrato_id: int,
    data_types: Sequence[str] | None = None,
    *,
    run_id: int | None = None,
    client: ComprasnetClient | None = None,
    progress: Progress | None = None,
) -> ContratoSyncResult:
    """Sync several tabs of one contract (default: all four), each in its own transaction.

    A failing tab leaves its stored rows untouched and does not stop the others; if every tab failed
    the first error is raised. Records a `sincronizacoes` row (tipo CONTRATO; continuing `run_id`).
    """
    abas = validate_abas(data_types)
    started = time.perf_counter()
    resultados: dict[str, AbaResultado] = {}
    first_error: UpstreamError | None = None
    with (
        recorded_run(database, origem=ORIGEM, tipo="CONTRATO", escopo=f"contrato:{contrato_id}",
                     run_id=run_id) as run,
        counting_calls() as calls,
    ):
        for aba in abas:
            with counting_calls() as aba_calls:
                try:
                    with database.session() as session:
                        done = sync_aba(session, settings, contrato_id, aba, client=client)
                    resultado = AbaResultado(aba=aba, status="ok", registros=done.registros,
                                             invalidos=done.invalidos, campos_invalidos=done.campos_invalidos,
                                             api_calls=done.api_calls, atualizado_em=done.atualizado_em)
                except UpstreamError as exc:
                    first_error = first_error or exc
                    resultado = AbaResultado(aba=aba, status="erro", api_calls=aba_calls.calls,
                                             erro=exc.message)
            resultados[aba] = resultado
            if progress is not None:
                progress(Progresso(fase=f"{aba} {resultado.status}", feitos=len(resultados), total=len(abas)))
        with database.session() as session:
            detalhes = session.scalar(
                select(Contrato.detalhes_atualizados_em).where(Contrato.id == contrato_id)
            )
        result = ContratoSyncResult(
            contrato_id=contrato_id,
            abas=resultados,
            **{spec.stat_key: (resultados[aba].registros if aba in resultados else 0)
               for aba, spec in ABAS.items()},
            erros={aba: r.erro for aba, r in resultados.items() if r.status == "erro"},
            api_calls=calls.calls,
            duration_s=round(time.perf_counter() - started, 3),
            detalhes_atualizados_em=detalhes,
        )
        run.report = result
        if first_error is not None and all(r.status == "erro" for r in resultados.values()):
            raise first_error
    return result
