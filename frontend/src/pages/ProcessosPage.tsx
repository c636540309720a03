import { Box, FormControl, InputLabel, LinearProgress, MenuItem, Select, Typography } from '@mui/material';
import { CompetenciaField, EmpresaPicker, RegimeSelect } from '../components/FilterFields';
import { useNavigate } from 'react-router-dom';
import type { Processo } from '../api/types';
import { DataTable, type Column } from '../components/DataTable';
import { FilterBar, SearchField } from '../components/Filters';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, QueryState } from '../components/QueryState';
import { StatusChip } from '../components/StatusChip';
import { ExportButton } from '../components/ExportButton';
import { listProcessosApiV1ProcessosGet } from '../client/sdk.gen';
import { clean } from '../api/http';
import { useProcessos } from '../hooks/processos';
import { useSearchState } from '../hooks/useSearchState';
import { formatCnpj, formatCompetencia, formatDate, formatInteger, formatPercent, toNumber } from '../lib/format';

export const PROCESSO_STATUS = ['Em andamento', 'Concluído', 'Suspenso', 'Desistência', 'Agendado', 'Aguardando aprovação', 'Excluído'];

export function empresaDe(p: Processo): { nome: string | null; cnpj: string | null } {
  return { nome: p.empresa_nome ?? null, cnpj: p.empresa_cnpj ?? null };
}

export function Progresso({ value }: { value: Processo['porcentagem_conclusao'] }) {
  const n = toNumber(value) ?? 0;
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, minWidth: 120 }}>
      <LinearProgress variant="determinate" value={Math.min(100, Math.max(0, n))} sx={{ flex: 1, height: 6, borderRadius: 3 }}
        color={n >= 100 ? 'success' : 'primary'} />
      <Typography variant="caption" sx={{ minWidth: 40, textAlign: 'right' }}>{formatPercent(n)}</Typography>
    </Box>
  );
}

export const processoColumns: Column<Processo>[] = [
  { key: 'proc_id', label: 'Nº', width: 70, render: (p) => p.proc_id },
  {
    key: 'titulo', label: 'Processo', render: (p) => (
      <Box>
        <Typography variant="body2" sx={{ fontWeight: 500 }}>{p.titulo || p.nome}</Typography>
        {p.departamento && <Typography variant="caption" color="text.secondary">{p.departamento}</Typography>}
      </Box>
    ),
  },
  {
    key: 'empresa', label: 'Empresa', render: (p) => {
      const e = empresaDe(p);
      return (
        <Box>
          <Typography variant="body2">{e.nome ?? '—'}</Typography>
          {e.cnpj && <Typography variant="caption" color="text.secondary">{formatCnpj(e.cnpj)}</Typography>}
        </Box>
      );
    },
  },
  { key: 'competencia', label: 'Competência', render: (p) => formatCompetencia(p.competencia), hideOnMobile: true },
  { key: 'status', label: 'Status', render: (p) => <StatusChip status={p.status} /> },
  { key: 'porcentagem_conclusao', label: 'Progresso', render: (p) => <Progresso value={p.porcentagem_conclusao} />, hideOnMobile: true },
  { key: 'data_inicio', label: 'Início', render: (p) => formatDate(p.data_inicio), hideOnMobile: true },
  { key: 'data_conclusao', label: 'Conclusão', render: (p) => formatDate(p.data_conclusao), hideOnMobile: true },
];

const DEFAULTS = { competencia: '', status: '', empresa: '', regime: '', q: '', page: '1', page_size: '25' };

export function ProcessosPage() {
  const navigate = useNavigate();
  const [f, set] = useSearchState(DEFAULTS);
  const filtros = { competencia: f.competencia, status: f.status, empresa: f.empresa, regime: f.regime, q: f.q };
  const query = useProcessos({ ...filtros, page: Number(f.page), page_size: Number(f.page_size) });

  return (
    <>
      <PageHeader title="Processos"
        subtitle={query.data ? `${formatInteger(query.data.total)} processos encontrados` : 'Processos da Acessórias'}
        actions={<ExportButton nome="processos" fetchFile={(formato) =>
          listProcessosApiV1ProcessosGet({ query: { ...clean(filtros), formato }, parseAs: 'blob' })} />} />
      <FilterBar>
        <SearchField value={f.q} onChange={(q) => set({ q })} placeholder="Título, nome ou número" />
        <CompetenciaField value={f.competencia} onChange={(competencia) => set({ competencia })} />
        <FormControl size="small">
          <InputLabel id="status-label">Status</InputLabel>
          <Select labelId="status-label" label="Status" value={f.status} onChange={(e) => set({ status: e.target.value })}
            data-testid="filtro-status">
            <MenuItem value="">Todos</MenuItem>
            {PROCESSO_STATUS.map((s) => <MenuItem key={s} value={s}>{s}</MenuItem>)}
          </Select>
        </FormControl>
        <EmpresaPicker value={f.empresa} onChange={(empresa) => set({ empresa })} />
        <RegimeSelect value={f.regime} onChange={(regime) => set({ regime })} />
      </FilterBar>
      <QueryState query={query} loadingRows={8} isEmpty={(d) => d.items.length === 0}
        empty={<EmptyState message="Nenhum processo com esses filtros." />}>
        {(data) => (
          <Box sx={{ opacity: query.isPlaceholderData ? 0.6 : 1 }}>
            <DataTable testId="tabela-processos" label="Processos" columns={processoColumns} rows={data.items}
              onRowClick={(p) => navigate(`/processos/${p.id}`)}
              pagination={{
                page: data.page, pageSize: data.page_size, total: data.total,
                onChange: (page, pageSize) => set({ page: String(page), page_size: String(pageSize) }, false),
              }} />
          </Box>
        )}
      </QueryState>
    </>
  );
}
