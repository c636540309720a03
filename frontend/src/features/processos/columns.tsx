// How a processo is shown in a list (the processos page, an empresa's processos) and its detail.
import { Box, LinearProgress, Typography } from '@mui/material';
import type { Processo } from '../../api/types';
import type { Column } from '../../components/DataTable';
import { StatusChip } from '../../components/StatusChip';
import { formatCnpj, formatCompetencia, formatDate, formatPercent, toNumber } from '../../lib/format';

export function empresaDe(p: Processo): { nome: string | null; cnpj: string | null } {
  return { nome: p.empresa_nome ?? null, cnpj: p.empresa_cnpj ?? null };
}

export function Progresso({ value }: { value: Processo['porcentagem_conclusao'] }) {
  const n = toNumber(value) ?? 0;
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, minWidth: 120 }}>
      <LinearProgress variant="determinate" aria-label={`Progresso: ${formatPercent(n)}`} value={Math.min(100, Math.max(0, n))} sx={{ flex: 1, height: 6, borderRadius: 3 }}
        color={n >= 100 ? 'success' : 'primary'} />
      <Typography variant="caption" sx={{ minWidth: 40, textAlign: 'right' }}>{formatPercent(n)}</Typography>
    </Box>
  );
}

export const processoColumns: Column<Processo>[] = [
  { key: 'proc_id', sortKey: 'proc_id', label: 'Nº', width: 70, render: (p) => p.proc_id },
  {
    key: 'titulo', sortKey: 'nome', label: 'Processo', render: (p) => (
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
  { key: 'competencia', sortKey: 'competencia', label: 'Competência', render: (p) => formatCompetencia(p.competencia), hideOnMobile: true },
  { key: 'status', sortKey: 'status', label: 'Status', render: (p) => <StatusChip status={p.status} /> },
  { key: 'porcentagem_conclusao', sortKey: 'porcentagem_conclusao', label: 'Progresso', render: (p) => <Progresso value={p.porcentagem_conclusao} />, hideOnMobile: true },
  { key: 'data_inicio', sortKey: 'data_inicio', label: 'Início', render: (p) => formatDate(p.data_inicio), hideOnMobile: true },
  { key: 'data_conclusao', sortKey: 'data_conclusao', label: 'Conclusão', render: (p) => formatDate(p.data_conclusao), hideOnMobile: true },
];
