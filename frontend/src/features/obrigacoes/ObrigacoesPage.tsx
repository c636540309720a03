import { Box, Chip, FormControl, InputLabel, MenuItem, Paper, Select, Stack, Typography } from '@mui/material';
import type { Obrigacao } from '../../api/types';
import type { Column } from '../../components/DataTable';
import { CompetenciaField, DateFilter, EmpresaPicker } from '../../components/FilterFields';
import { FilterBar, SearchField } from '../../components/Filters';
import { PageHeader } from '../../components/PageHeader';
import { PagedList } from '../../components/PagedList';
import { StatusChip } from '../../components/StatusChip';
import { exportarObrigacoes, useObrigacoes } from './hooks';
import { EscopoToggle } from '../minhafila/EscopoToggle';
import { responsavelDo } from '../minhafila/hooks';
import { useSearchState } from '../../hooks/useSearchState';
import { daysUntil, formatCnpj, formatCompetencia, formatDate, formatInteger, todayIso } from '../../lib/format';

const ENTREGUE = /^(entregue|ent\.|dispensada|atraso justificado)/i;

/** Overdue: the API says so, or the due date passed and nothing was delivered. */
export function isAtrasada(o: Obrigacao, now = new Date()): boolean {
  if (o.atrasada !== undefined && o.atrasada !== null) return o.atrasada;
  if (o.status && /atrasada!/i.test(o.status)) return true;
  if (o.data_entrega || (o.status && ENTREGUE.test(o.status))) return false;
  const dias = daysUntil(o.data_vencimento, now);
  return dias !== null && dias < 0;
}

function Vencimento({ o }: { o: Obrigacao }) {
  const dias = daysUntil(o.data_vencimento);
  const atrasada = isAtrasada(o);
  return (
    <Box>
      <Typography variant="body2" sx={{ fontWeight: atrasada ? 600 : 400, color: atrasada ? 'error.main' : undefined }}>
        {formatDate(o.data_vencimento)}
      </Typography>
      {atrasada ? <Chip size="small" color="error" label="Atrasada" sx={{ mt: 0.5 }} data-testid="atrasada" /> :
        !o.data_entrega && dias !== null && dias >= 0 && dias <= 7 ?
          <Typography variant="caption" color="warning.main">{dias === 0 ? 'vence hoje' : `em ${dias} dia${dias > 1 ? 's' : ''}`}</Typography> : null}
    </Box>
  );
}

const columns: Column<Obrigacao>[] = [
  { key: 'data_vencimento', label: 'Vencimento', render: (o) => <Vencimento o={o} /> },
  {
    key: 'tipo', label: 'Obrigação', render: (o) => (
      <Box>
        <Typography variant="body2" sx={{ fontWeight: 500 }}>{o.tipo}</Typography>
        {o.departamento && <Typography variant="caption" color="text.secondary">{o.departamento}</Typography>}
      </Box>
    ),
  },
  {
    key: 'empresa', label: 'Empresa', render: (o) => (
      <Box>
        <Typography variant="body2">{o.empresa_nome ?? '—'}</Typography>
        {o.empresa_cnpj && <Typography variant="caption" color="text.secondary">{formatCnpj(o.empresa_cnpj)}</Typography>}
      </Box>
    ),
  },
  { key: 'competencia', label: 'Competência', render: (o) => formatCompetencia(o.competencia), hideOnMobile: true },
  { key: 'status', label: 'Status', render: (o) => <StatusChip status={o.status} /> },
  { key: 'data_entrega', label: 'Entrega', render: (o) => formatDate(o.data_entrega), hideOnMobile: true },
  { key: 'responsavel', label: 'Responsável', render: (o) => o.responsavel || '—', hideOnMobile: true },
  { key: 'responsavel_prazo', label: 'Responsável pelo prazo', render: (o) => o.responsavel_prazo || '—', hideOnMobile: true },
];

const STATUS = ['Pendente', 'Atrasada!', 'Entregue', 'Ent. antecipada', 'Ent. PzTéc', 'Ent. atrasada', 'Atraso justificado', 'Dispensada'];
const DEFAULTS = { status: '', tipo: '', empresa: '', competencia: '', de: '', ate: '', escopo: '', page: '1', page_size: '25' };

function shiftDays(iso: string, days: number): string {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Quick views: each one is just a set of filters. */
function atalhos(hoje: string): { label: string; filtros: Partial<typeof DEFAULTS> }[] {
  const limpo = { status: '', de: '', ate: '' };
  return [
    { label: 'Todas', filtros: limpo },
    { label: 'Atrasadas', filtros: { ...limpo, status: 'Atrasada!' } },
    { label: 'Pendentes', filtros: { ...limpo, status: 'Pendente' } },
    { label: 'Vencendo (±15 dias)', filtros: { ...limpo, de: shiftDays(hoje, -15), ate: shiftDays(hoje, 15) } },
    { label: 'Próximos 7 dias', filtros: { ...limpo, de: hoje, ate: shiftDays(hoje, 7) } },
  ];
}

export function ObrigacoesPage() {
  const [f, set] = useSearchState(DEFAULTS);
  const { escopo, ...campos } = f;
  const filtros = { ...campos, responsavel: responsavelDo(escopo), page: Number(f.page), page_size: Number(f.page_size) };
  const query = useObrigacoes(filtros);
  const hoje = todayIso();
  return (
    <>
      <PageHeader title="Obrigações"
        subtitle={query.data ? `${formatInteger(query.data.total)} obrigações, por data de vencimento` : 'Entregas e obrigações por vencimento'} />
      <Paper sx={{ p: 1.5, mb: 2 }}>
        <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap' }}>
          {atalhos(hoje).map((a) => {
            const ativo = Object.entries(a.filtros).every(([k, v]) => f[k as keyof typeof f] === v);
            return (
              <Chip key={a.label} label={a.label} clickable color={ativo ? 'primary' : 'default'} variant={ativo ? 'filled' : 'outlined'}
                onClick={() => set(a.filtros)} />
            );
          })}
        </Stack>
      </Paper>
      <FilterBar>
        <EscopoToggle value={f.escopo} onChange={(v) => set({ escopo: v })} />
        <SearchField value={f.tipo} onChange={(tipo) => set({ tipo })} label="Obrigação" placeholder="DAS, EFD-REINF…" />
        <FormControl size="small">
          <InputLabel id="ob-status-label">Status</InputLabel>
          <Select labelId="ob-status-label" label="Status" value={f.status} onChange={(e) => set({ status: e.target.value })}>
            <MenuItem value="">Todos</MenuItem>
            {STATUS.map((s) => <MenuItem key={s} value={s}>{s}</MenuItem>)}
          </Select>
        </FormControl>
        <EmpresaPicker value={f.empresa} onChange={(empresa) => set({ empresa })} />
        <CompetenciaField value={f.competencia} onChange={(competencia) => set({ competencia })} />
        <DateFilter label="Vencimento de" value={f.de} onChange={(de) => set({ de })} />
        <DateFilter label="até" value={f.ate} onChange={(ate) => set({ ate })} />
      </FilterBar>
      <PagedList query={query} empty="Nenhuma obrigação com esses filtros." testId="tabela-obrigacoes" label="Obrigações"
        columns={columns} rowSx={(o) => (isAtrasada(o) ? { bgcolor: 'rgba(211, 47, 47, 0.06)' } : undefined)}
        exportar={exportarObrigacoes(filtros)}
        onPage={(page, pageSize) => set({ page: String(page), page_size: String(pageSize) }, false)} />
    </>
  );
}
