import { useState } from 'react';
import {
  Alert, Box, Button, Card, CardContent, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, Grid,
  Checkbox, FormControlLabel, LinearProgress, Paper, Stack, TextField, ToggleButton, ToggleButtonGroup, Typography,
} from '@mui/material';
import SyncIcon from '@mui/icons-material/Sync';
import CloudSyncIcon from '@mui/icons-material/CloudSyncOutlined';
import type { Progresso, Sincronizacao } from '../../api/types';
import type { Column } from '../../components/DataTable';
import { PagedList } from '../../components/PagedList';
import { PageHeader } from '../../components/PageHeader';
import { ErrorState, errorMessage, Loading } from '../../components/QueryState';
import { StatusChip } from '../../components/StatusChip';
import { useCanSync } from '../auth/hooks';
import { AcompanharSincronizacao } from './AcompanharSincronizacao';
import { exportarHistorico, useManualSync, useSyncHistory, useSyncStatus } from './hooks';
import { formatDateTime, formatDecimal, formatInteger } from '../../lib/format';

const ORIGEM: Record<string, string> = { ACESSORIAS: 'Acessórias', COMPRASNET: 'Comprasnet' };

function duracao(s: Sincronizacao): string {
  if (s.tempo_execucao !== null && s.tempo_execucao !== undefined) {
    return s.tempo_execucao < 0.1 ? '< 0,1 s' : `${formatDecimal(s.tempo_execucao)} s`;
  }
  if (s.status === 'INICIADA') {
    const secs = (Date.now() - new Date(s.iniciada_em).getTime()) / 1000;
    return `${formatInteger(Math.max(0, secs))} s até agora`;
  }
  return '—';
}

const columns: Column<Sincronizacao>[] = [
  { key: 'iniciada_em', label: 'Início', render: (s) => formatDateTime(s.iniciada_em) },
  { key: 'origem', label: 'Origem', render: (s) => ORIGEM[s.origem] ?? s.origem },
  { key: 'tipo', label: 'Tipo', render: (s) => s.tipo },
  { key: 'escopo', label: 'Escopo', render: (s) => s.escopo + (s.competencia ? ` · ${s.competencia}` : ''), hideOnMobile: true },
  { key: 'status', label: 'Status', render: (s) => <StatusChip status={s.status} /> },
  {
    key: 'processos', label: 'Registros', hideOnMobile: true, render: (s) =>
      s.total_processos === null ? '—' :
        `${formatInteger(s.total_processos)} (${formatInteger(s.processos_novos ?? 0)} novos, ${formatInteger(s.processos_atualizados ?? 0)} atualizados)`,
  },
  { key: 'api_calls', label: 'Chamadas', align: 'right', render: (s) => formatInteger(s.api_calls), hideOnMobile: true },
  { key: 'tempo', label: 'Duração', align: 'right', render: duracao },
  {
    key: 'erro', label: 'Erro', render: (s) => s.mensagem_erro
      ? <Typography variant="caption" color="error.main" sx={{ display: 'block', maxWidth: 280 }} title={s.mensagem_erro}>{s.erro_explicado ?? s.mensagem_erro}</Typography> : '—',
  },
];

/** "12 min 30 s", "45 s": the ETA the run computed (calls left ÷ the rate limit). */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  return s % 60 ? `${min} min ${s % 60} s` : `${min} min`;
}

/** Phase, done/total and ETA of a running run, as its row says (refreshed by the 2-s poll). */
export function ProgressoDaSincronizacao({ p }: { p: Progresso }) {
  const feitos = p.feitos ?? 0;
  const pct = p.total ? Math.min(100, (feitos * 100) / p.total) : null;
  return (
    <Box data-testid="progresso">
      <LinearProgress sx={{ mt: 0.5 }} variant={pct === null ? 'indeterminate' : 'determinate'} value={pct ?? undefined} />
      <Typography variant="caption" color="text.secondary">
        Fase: {p.fase}
        {p.total ? ` · ${formatInteger(feitos)} de ${formatInteger(p.total)}` : ''}
        {p.eta_s !== null && p.eta_s !== undefined ? ` · faltam ~${formatEta(p.eta_s)} (${formatInteger(p.chamadas_restantes)} chamadas)` : ''}
      </Typography>
    </Box>
  );
}

/** A run silent this long (its heartbeat beats every 15 s) is stopped or hung: it keeps its scope. */
export const SILENCIO_ALERTA_S = 120;

/** Whether a running run is alive, waiting in the queue, or silent (docs/operations.md, "hung process"). */
export function Sinal({ r }: { r: Sincronizacao }) {
  const silencio = r.silencio_s ?? 0;
  if (!r.heartbeat_em) {
    return <Typography variant="caption" color="text.secondary" data-testid="sinal">Na fila há {formatEta(silencio)}, aguardando um worker.</Typography>;
  }
  if (silencio < SILENCIO_ALERTA_S) return null;
  return (
    <Alert severity="warning" sx={{ mt: 0.5 }} data-testid="sinal">
      Sem sinal há {formatEta(silencio)}: o processo pode estar parado ou travado, e mantém a sincronização
      reservada até ser encerrado (veja “processo travado” na documentação de operações).
    </Alert>
  );
}

function EmAndamento({ runs }: { runs: Sincronizacao[] }) {
  if (runs.length === 0) {
    return <Typography color="text.secondary" data-testid="sem-sincronizacao">Nenhuma sincronização em andamento.</Typography>;
  }
  return (
    <Stack spacing={1.5} data-testid="em-andamento">
      {runs.map((r) => (
        <Box key={r.id}>
          <Typography variant="body2">
            <strong>{ORIGEM[r.origem] ?? r.origem}</strong> · {r.tipo} · {r.escopo} — iniciada em {formatDateTime(r.iniciada_em)}
            {r.heartbeat_em ? ` · último sinal ${formatDateTime(r.heartbeat_em)}` : ''}
          </Typography>
          {r.progresso ? <ProgressoDaSincronizacao p={r.progresso} /> : <LinearProgress sx={{ mt: 0.5 }} />}
          <Sinal r={r} />
          <Typography variant="caption" color="text.secondary">
            {r.total_processos !== null ? `${formatInteger(r.total_processos)} registros até agora · ` : ''}{duracao(r)}
          </Typography>
        </Box>
      ))}
    </Stack>
  );
}

function Disparar() {
  const canSync = useCanSync();
  const manual = useManualSync();
  const [tipo, setTipo] = useState<'INCREMENTAL' | 'FULL'>('INCREMENTAL');
  const [competencia, setCompetencia] = useState('');
  const [recomecar, setRecomecar] = useState(false);
  const [confirm, setConfirm] = useState(false);

  if (canSync === undefined) return <Loading />;
  if (!canSync) {
    return <Alert severity="info">Somente usuários ADMIN ou MANAGER podem iniciar sincronizações.</Alert>;
  }
  const start = () => {
    setConfirm(false);
    manual.mutate(tipo === 'FULL' ? { tipo, restart: recomecar, ...(competencia ? { competencia } : {}) } : { tipo });
  };
  return (
    <Stack spacing={2}>
      <ToggleButtonGroup exclusive size="small" value={tipo} onChange={(_, v) => v && setTipo(v)} aria-label="Tipo de sincronização">
        <ToggleButton value="INCREMENTAL">Incremental</ToggleButton>
        <ToggleButton value="FULL">Completa</ToggleButton>
      </ToggleButtonGroup>
      <Typography variant="body2" color="text.secondary">
        {tipo === 'INCREMENTAL'
          ? 'Busca detalhes apenas do que mudou desde a última sincronização.'
          : 'Relê empresas e listas primeiro (painéis completos em poucos minutos), depois os passos de cada processo — abertos e competências recentes antes — e as obrigações. Retoma uma sincronização completa interrompida.'}
      </Typography>
      {tipo === 'FULL' && (
        <>
          <TextField size="small" label="Competência (opcional)" placeholder="MM/AAAA" value={competencia}
            onChange={(e) => setCompetencia(e.target.value)} />
          <FormControlLabel
            control={<Checkbox checked={recomecar} onChange={(e) => setRecomecar(e.target.checked)} />}
            label="Recomeçar do zero (sem retomar a sincronização interrompida)" />
        </>
      )}
      <Box>
        <Button variant="contained" startIcon={<SyncIcon />} disabled={manual.isPending}
          onClick={() => (tipo === 'FULL' ? setConfirm(true) : start())} data-testid="iniciar-sync">
          Sincronizar agora
        </Button>
      </Box>
      {manual.isSuccess && <AcompanharSincronizacao runId={manual.data.run_id} rotulo="Sincronização" onClose={() => manual.reset()} />}
      {manual.isError && <Alert severity={(manual.error as { status?: number }).status === 409 ? 'warning' : 'error'}>{errorMessage(manual.error)}</Alert>}
      <Dialog open={confirm} onClose={() => setConfirm(false)}>
        <DialogTitle>Sincronização completa</DialogTitle>
        <DialogContent>
          <DialogContentText>
            A sincronização completa consome parte do limite de 100 chamadas por minuto da Acessórias. Continuar?
          </DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirm(false)}>Cancelar</Button>
          <Button variant="contained" onClick={start}>Iniciar</Button>
        </DialogActions>
      </Dialog>
    </Stack>
  );
}

export function SincronizacaoPage() {
  const status = useSyncStatus();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(25);
  const history = useSyncHistory(page, pageSize);

  return (
    <>
      <PageHeader title="Sincronização" subtitle="Espelho da Acessórias e do Comprasnet: o que está rodando e o que já rodou" />
      <Grid container spacing={2} sx={{ mb: 2 }}>
        <Grid size={{ xs: 12, md: 5 }}>
          <Card sx={{ height: '100%' }}>
            <CardContent>
              <Typography variant="h6" sx={{ mb: 2, display: 'flex', alignItems: 'center', gap: 1 }}>
                <CloudSyncIcon color="primary" /> Acessórias
              </Typography>
              <Disparar />
            </CardContent>
          </Card>
        </Grid>
        <Grid size={{ xs: 12, md: 7 }}>
          <Card sx={{ height: '100%' }}>
            <CardContent>
              <Typography variant="h6" sx={{ mb: 2 }}>Em andamento</Typography>
              {status.isPending ? <Loading /> : status.isError ? <ErrorState error={status.error} onRetry={() => status.refetch()} /> : (
                <>
                  <EmAndamento runs={status.data.em_andamento} />
                  {status.data.ultimas.length > 0 && (
                    <Box sx={{ mt: 2 }}>
                      <Typography variant="subtitle2" sx={{ mb: 1 }}>Última de cada escopo</Typography>
                      <Stack spacing={0.5}>
                        {status.data.ultimas.slice(0, 6).map((r) => (
                          <Box key={r.id} sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
                            <StatusChip status={r.status} />
                            <Typography variant="body2">
                              {ORIGEM[r.origem] ?? r.origem} · {r.escopo} · {r.tipo} — {formatDateTime(r.concluida_em ?? r.iniciada_em)}
                            </Typography>
                          </Box>
                        ))}
                      </Stack>
                    </Box>
                  )}
                </>
              )}
            </CardContent>
          </Card>
        </Grid>
      </Grid>
      <Paper sx={{ p: 2, mb: 1 }}>
        <Typography variant="h6">Histórico</Typography>
      </Paper>
      <PagedList query={history} loadingRows={6} empty="Nenhuma sincronização registrada ainda."
        testId="tabela-sincronizacoes" label="Histórico de sincronizações" columns={columns}
        rowSx={(s) => (s.status === 'ERRO' ? { bgcolor: 'rgba(211, 47, 47, 0.05)' } : undefined)}
        exportar={exportarHistorico()} onPage={(p, s) => { setPage(p); setPageSize(s); }} />
    </>
  );
}
