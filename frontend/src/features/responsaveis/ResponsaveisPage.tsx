import { useMemo } from 'react';
import { Box, FormControl, InputLabel, MenuItem, Paper, Select, Typography } from '@mui/material';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { CargaResponsavel } from '../../api/types';
import { DataTable, type Column } from '../../components/DataTable';
import { PageHeader } from '../../components/PageHeader';
import { EmptyState, QueryState } from '../../components/QueryState';
import { useSearchState } from '../../hooks/useSearchState';
import { competenciaOf, formatDate, formatInteger } from '../../lib/format';
import { useResponsaveis } from './hooks';

const columns: Column<CargaResponsavel & { id: string }>[] = [
  { key: 'responsavel', label: 'Responsável', render: (r) => (r.eu ? <strong>{r.responsavel} (você)</strong> : r.responsavel) },
  { key: 'passos_pendentes', label: 'Passos pendentes', align: 'right', render: (r) => formatInteger(r.passos_pendentes) },
  { key: 'obrigacoes_pendentes', label: 'Obrigações pendentes', align: 'right', render: (r) => formatInteger(r.obrigacoes_pendentes) },
  {
    key: 'obrigacoes_atrasadas', label: 'Atrasadas', align: 'right', render: (r) => (
      <Typography variant="body2" color={r.obrigacoes_atrasadas ? 'error.main' : undefined}>
        {formatInteger(r.obrigacoes_atrasadas)}
      </Typography>
    ),
  },
  { key: 'concluidos', label: 'Concluídos na competência', align: 'right', render: (r) => formatInteger(r.concluidos), hideOnMobile: true },
];

function WorkloadChart({ data }: { data: CargaResponsavel[] }) {
  const height = Math.max(240, data.length * 40);
  return (
    <ResponsiveContainer width="100%" height={height}>
      <BarChart data={data} layout="vertical" margin={{ left: 8, right: 16 }}>
        <CartesianGrid strokeDasharray="3 3" horizontal={false} />
        <XAxis type="number" allowDecimals={false} tickFormatter={(v) => formatInteger(v)} />
        <YAxis type="category" dataKey="responsavel" width={140} tick={{ fontSize: 12 }} />
        <Tooltip formatter={(v: unknown) => formatInteger(v as number)} />
        <Legend />
        <Bar dataKey="passos_pendentes" name="Passos pendentes" stackId="p" fill="#1f5fa8" isAnimationActive={false} />
        <Bar dataKey="obrigacoes_pendentes" name="Obrigações pendentes" stackId="p" fill="#e0a526" isAnimationActive={false} />
        <Bar dataKey="obrigacoes_atrasadas" name="Obrigações atrasadas" fill="#c62828" isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}

export function ResponsaveisPage() {
  const options = useMemo(() => Array.from({ length: 24 }, (_, i) => competenciaOf(new Date(), -i)), []);
  const [f, set] = useSearchState({ competencia: options[1] });
  const query = useResponsaveis(f.competencia);

  return (
    <>
      <PageHeader title="Carga por responsável"
        subtitle={query.data ? `Situação em ${formatDate(query.data.data)}` : 'Passos e obrigações de cada pessoa'}
        actions={
          <FormControl size="small" sx={{ minWidth: 160 }}>
            <InputLabel id="resp-competencia-label" shrink>Competência</InputLabel>
            <Select labelId="resp-competencia-label" label="Competência" value={f.competencia} displayEmpty
              onChange={(e) => set({ competencia: e.target.value })} data-testid="responsaveis-competencia">
              {options.map((c) => <MenuItem key={c} value={c}>{c}</MenuItem>)}
              <MenuItem value="">Todas</MenuItem>
            </Select>
          </FormControl>
        } />
      <QueryState query={query} loadingRows={6} isEmpty={(d) => d.items.length === 0}
        empty={<EmptyState message="Nenhum passo ou obrigação nesta competência." />}>
        {(data) => (
          <>
            <Paper sx={{ p: 2, mb: 2 }}>
              <Typography variant="h6" sx={{ mb: 1 }}>Pendências por pessoa</Typography>
              <Box data-testid="chart-responsaveis"><WorkloadChart data={data.items} /></Box>
            </Paper>
            <DataTable testId="tabela-responsaveis" label="Responsáveis" columns={columns}
              rows={data.items.map((r) => ({ ...r, id: r.responsavel }))}
              rowSx={(r) => (r.eu ? { bgcolor: 'action.selected' } : undefined)} />
            <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }} data-testid="responsaveis-totais">
              Total: {formatInteger(data.totais.passos_pendentes)} passos pendentes, {formatInteger(data.totais.obrigacoes_pendentes)} obrigações
              pendentes ({formatInteger(data.totais.obrigacoes_atrasadas)} atrasadas), {formatInteger(data.totais.concluidos)} concluídos.
            </Typography>
          </>
        )}
      </QueryState>
    </>
  );
}
