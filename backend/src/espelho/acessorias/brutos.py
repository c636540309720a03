"""The upstream's raw JSON as the mirror stores it: a zstd frame, with a dictionary trained on the office's
own rows.

Every mirrored row keeps its raw payload (DESIGN rule 3), and that was a third of the database. A step's
raw is ~200 bytes that compress to ~160 alone: the bytes are the keys and the vocabulary every row
repeats ("Passo simples", "Automacao", a template's step names). A dictionary holds them once per table,
and the same step becomes ~30 bytes (a header ~70, a delivery ~50; bench/bench_footprint.py).

- A table gets its dictionary once it has `MIN_AMOSTRAS` rows (`treinar_pendentes`: the writers look
  every hundred writes, and a sync run at its end), and its stored rows are recompressed with it in
  batches. Until then rows are plain zstd frames.
- A frame names its dictionary (zstd's `dict_id`), so any row is readable whichever dictionary wrote it.
  Rows migrated from the JSON columns are the JSON text itself until recompressed: `unpack` reads both.
- Packing is deterministic (one level, one dictionary per table), so a writer tells an unchanged row by
  comparing bytes, as it compares every other column.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

import zstandard
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from espelho.acessorias.models import DicionarioBruto, Empresa, Obrigacao, Passo, Processo
from espelho.clock import now_utc
from espelho.db import Base, Database

NIVEL = 3  # with a dictionary, higher levels gain a few bytes a row at 20–60× the time
DICIONARIO_BYTES = 8 * 1024
MIN_AMOSTRAS = 200  # fewer rows train a dictionary that knows too little of the table
MAX_AMOSTRAS = 2_000
_LOTE = 1_000  # rows recompressed per statement batch
# The tables whose rows are many enough to deserve a dictionary (the others are packed plainly).
TREINADAS: tuple[type[Base], ...] = (Processo, Passo, Obrigacao, Empresa)
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def _texto(raw: dict[str, Any]) -> bytes:
    # Keys in the upstream's order, as received; compact separators: the raw, not a pretty print of it.
    return json.dumps(raw, ensure_ascii=False, separators=(",", ":"), default=str).encode()


@dataclass
class Brutos:
    """The dictionaries as a session sees them: packs raws for writing, reads stored frames back."""

    por_id: dict[int, zstandard.ZstdCompressionDict] = field(default_factory=dict)
    atual: dict[str, zstandard.ZstdCompressionDict] = field(default_factory=dict)  # by table
    _compressores: dict[str, zstandard.ZstdCompressor] = field(default_factory=dict)

    @classmethod
    def carregar(cls, session: Session) -> Brutos:
        brutos = cls()
        for linha in session.scalars(select(DicionarioBruto).order_by(DicionarioBruto.id)):
            dicionario = zstandard.ZstdCompressionDict(linha.dados)
            brutos.por_id[linha.dict_id] = dicionario
            brutos.atual[linha.tabela] = dicionario  # the latest of the table wins
        return brutos

    @classmethod
    def do_banco(cls, database: Database) -> Brutos:
        with database.session() as session:
            return cls.carregar(session)

    def completo(self) -> bool:
        """Every table that deserves a dictionary has one."""
        return all(model.__tablename__ in self.atual for model in TREINADAS)

    def pack(self, model: type[Base], raw: dict[str, Any] | None) -> bytes | None:
        if raw is None:
            return None
        tabela = model.__tablename__
        compressor = self._compressores.get(tabela)
        if compressor is None:
            dicionario = self.atual.get(tabela)
            compressor = (zstandard.ZstdCompressor(level=NIVEL, dict_data=dicionario) if dicionario
                          else zstandard.ZstdCompressor(level=NIVEL))
            self._compressores[tabela] = compressor
        return compressor.compress(_texto(raw))

    def packed(self, model: type[Base], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows with their `raw_json` packed (the rows are copied, the caller's stay as they are)."""
        return [{**row, "raw_json": self.pack(model, row.get("raw_json"))} for row in rows]

    def unpack(self, data: bytes | None) -> dict[str, Any] | None:
        if data is None:
            return None
        data = bytes(data)
        if not data.startswith(_ZSTD_MAGIC):
            return json.loads(data)  # migrated JSON text, not recompressed yet
        dict_id = zstandard.get_frame_parameters(data).dict_id
        dicionario = self.por_id.get(dict_id) if dict_id else None
        if dict_id and dicionario is None:
            raise LookupError(f"raw JSON packed with an unknown dictionary ({dict_id})")
        decompressor = (zstandard.ZstdDecompressor(dict_data=dicionario) if dicionario
                        else zstandard.ZstdDecompressor())
        value: dict[str, Any] = json.loads(decompressor.decompress(data))
        return value


def treinar_pendentes(database: Database) -> dict[str, int]:
    """Train the dictionary of every table that has none and enough rows, and recompress its rows.
    Returns the rows recompressed per table (nothing when every table has its dictionary)."""
    feitos: dict[str, int] = {}
    for model in TREINADAS:
        tabela = model.__tablename__
        with database.session() as session:
            if session.scalar(select(DicionarioBruto.id).where(DicionarioBruto.tabela == tabela).limit(1)):
                continue
            total = session.scalar(select(func.count()).select_from(model)) or 0
            if total < MIN_AMOSTRAS:
                continue
            feitos[tabela] = _treinar(session, model)
            session.commit()
    return feitos


def _treinar(session: Session, model: Any) -> int:
    antigos = Brutos.carregar(session)
    ids = list(session.scalars(select(model.id).where(model.raw_json.is_not(None))))
    amostra = random.Random(len(ids)).sample(ids, min(MAX_AMOSTRAS, len(ids)))
    amostrados = session.scalars(select(model.raw_json).where(model.id.in_(amostra)))
    textos: list[bytes | bytearray | memoryview] = [_texto(antigos.unpack(data) or {}) for data in amostrados]
    dicionario = zstandard.train_dictionary(DICIONARIO_BYTES, textos, level=NIVEL)
    session.add(DicionarioBruto(tabela=model.__tablename__, dict_id=dicionario.dict_id(),
                                dados=dicionario.as_bytes(), amostras=len(textos), criado_em=now_utc()))
    session.flush()
    novos = Brutos.carregar(session)
    for inicio in range(0, len(ids), _LOTE):
        lote = ids[inicio:inicio + _LOTE]
        rows = session.execute(select(model.id, model.raw_json).where(model.id.in_(lote))).all()
        session.execute(update(model), [
            {"id": row.id, "raw_json": novos.pack(model, antigos.unpack(row.raw_json))}
            for row in rows])
    return len(ids)
