import { useMemo, useState } from 'react';
import { Alert, Button, FormControl, InputLabel, MenuItem, Paper, Select, Stack, Typography } from '@mui/material';
import DownloadIcon from '@mui/icons-material/FileDownloadOutlined';
import type { Relatorio } from '../../api/types';
import { DataTable, type Column } from '../../components/DataTable';
import { PageHeader } from '../../components/PageHeader';
import { EmptyState, QueryState } from '../../components/QueryState';
import { competenciaOf, formatDate, formatDateTime, formatInteger } from '../../lib/format';
import { baixarRelatorio, gerarRelatorio, useRelatorios } from './hooks';

const columns: Column<Relatorio>[] = [
  { key: 'data', label: 'Dia', render: (r) => formatDate(r.data) },
  { key: 'competencia', label: 'Competência', render: (r) => r.competencia },
  { key: 'gerado_em', label: 'Gerado em', render: (r) => formatDateTime(r.gerado_em), hideOnMobile: true },
  { key: 'tamanho', label: 'Tamanho', align: 'right', render: (r) => `${formatInteger(Math.ceil(r.tamanho / 1024))} KB`, hideOnMobile: true },
  {
    key: 'arquivo', label: 'Arquivo', render: (r) => (
      <Button size="small" startIcon={<DownloadIcon />} onClick={() => void baixarRelatorio(r)}>{r.nome_arquivo}</Button>
    ),
  },
];

export function RelatoriosPage() {
  const options = useMemo(() => Array.from({ length: 24 }, (_, i) => competenciaOf(new Date(), -i)), []);
  const [competencia, setCompetencia] = useState(options[1]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const query = useRelatorios();

  const gerar = async () => {
    setBusy(true);
    setError(null);
    try {
      await gerarRelatorio(competencia);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader title="Relatórios" subtitle="O relatório da competência: resumo, pendências, vencimentos e carga da equipe" />
      <Paper sx={{ p: 2, mb: 2 }}>
        <Typography variant="h6" sx={{ mb: 1 }}>Gerar agora</Typography>
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2} sx={{ alignItems: { sm: 'center' } }}>
          <FormControl size="small" sx={{ minWidth: 160 }}>
            <InputLabel id="rel-competencia-label">Competência</InputLabel>
            <Select labelId="rel-competencia-label" label="Competência" value={competencia}
              onChange={(e) => setCompetencia(e.target.value)}>
              {options.map((c) => <MenuItem key={c} value={c}>{c}</MenuItem>)}
            </Select>
          </FormControl>
          <Button variant="contained" startIcon={<DownloadIcon />} onClick={() => void gerar()} disabled={busy}
            data-testid="gerar-relatorio">
            {busy ? 'Gerando…' : 'Baixar relatório (.xlsx)'}
          </Button>
        </Stack>
        {error && <Alert severity="error" sx={{ mt: 2 }}>{error}</Alert>}
      </Paper>
      <Typography variant="h6" sx={{ mb: 1 }}>Relatórios diários (últimos 30)</Typography>
      <QueryState query={query} loadingRows={5} isEmpty={(d) => d.length === 0}
        empty={<EmptyState message="Nenhum relatório guardado ainda: o job diário gera um por dia." />}>
        {(data) => <DataTable testId="tabela-relatorios" label="Relatórios" columns={columns} rows={data} />}
      </QueryState>
    </>
  );
}
