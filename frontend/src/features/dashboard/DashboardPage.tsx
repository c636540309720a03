import { lazy, memo, useDeferredValue, useMemo, useState } from 'react';
import {
  Alert, Box, CardActionArea, FormControl, Grid, InputLabel, MenuItem, Pagination, Paper, Select, Skeleton, Stack, Table,
  TableBody, TableCell, TableHead, TableRow, TextField, Typography,
} from '@mui/material';
import AssignmentIcon from '@mui/icons-material/AssignmentOutlined';
import DoneAllIcon from '@mui/icons-material/DoneAll';
import PercentIcon from '@mui/icons-material/Percent';
import ScheduleIcon from '@mui/icons-material/Schedule';
import type { Gargalo, Metricas, TipoAlteracao } from '../../api/types';
import { PageHeader } from '../../components/PageHeader';
import { EmptyState, ErrorState, Loading } from '../../components/QueryState';
import { StatCard } from '../../components/StatCard';
import { WhenVisible } from '../../components/WhenVisible';
import { regimesChartHeight, TIMELINE_CHART_HEIGHT } from './chartSizes';
import {
  ALTERACOES_PRIMEIRA, isoMonth, timelineDe, useDashboardMetricas, useDashboardRegimes, useDashboardTimeline, useGargalos, useResumo,
} from './hooks';
import { useRegras } from '../../hooks/useRegras';
import { Link as RouterLink } from 'react-router-dom';
import { useSyncStatus } from '../sincronizacao/hooks';
import { AlteracoesList } from '../alteracoes/AlteracoesList';
import { useAlteracoes } from '../alteracoes/hooks';
import { MinhasNoPainel } from '../minhafila/MinhasNoPainel';
import {
  shiftDays, formatDateTime, formatDecimal, formatInteger, formatPercent, toNumber,
} from '../../lib/format';

// recharts is the page's heaviest dependency: its chunk comes only when a chart is near the viewport.
const RegimesChart = lazy(() => import('./charts').then((m) => ({ default: m.RegimesChart })));
const TimelineChart = lazy(() => import('./charts').then((m) => ({ default: m.TimelineChart })));

/**
 * The change of one metric against the previous competência: percent change for counts and days,
 * percentage points for the completion rate (a percent of a percent would mislead).
 */
export function variacao(m: Metricas, key: string, kind: 'percentual' | 'diferenca' = 'percentual'): number | null {
  const v = m.variacao?.[key];
  return v ? toNumber(v[kind] ?? null) : null;
}

/**
 * The 24 competências up to `atual` (MM/AAAA), newest first. Month arithmetic, not competenciaOf: that builds an
 * Intl.DateTimeFormat per call, and 48 of them per render were a visible part of the page's main-thread time.
 */
export function competenciaOptions(atual: string): string[] {
  const [mm, yyyy] = atual.split('/').map(Number);
  const total = yyyy * 12 + (mm - 1);
  return Array.from({ length: 24 }, (_, i) => `${String(((total - i) % 12) + 1).padStart(2, '0')}/${Math.floor((total - i) / 12)}`);
}


const GARGALOS_LINHAS = 8;

/**
 * The gargalos table; without `data`, the same table with placeholder rows, as tall as the usual full one, so the
 * charts below do not move when it comes.
 */
function GargalosTable({ data, emAndamento }: { data?: Gargalo[]; emAndamento: number }) {
  const hideXs = { display: { xs: 'none', md: 'table-cell' } };
  return (
    <Box sx={{ overflowX: 'auto' }}>
    <Table size="small" data-testid={data ? 'tabela-gargalos' : undefined} aria-label="Gargalos" aria-busy={!data}
      sx={{ '& th, & td': { px: { xs: 1, sm: 2 } } }}>
      <TableHead>
        <TableRow>
          <TableCell>Passo</TableCell>
          <TableCell sx={hideXs}>Modelo</TableCell>
          <TableCell align="right">Parados</TableCell>
          <TableCell align="right">Mediana (dias)</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {data ? data.map((g) => (
          <TableRow key={`${g.modelo}|${g.passo}`}>
            <TableCell>{g.passo}</TableCell>
            <TableCell sx={hideXs}>{g.modelo}</TableCell>
            <TableCell align="right">
              {formatInteger(g.processos)}
              <Typography component="span" variant="caption" color="text.secondary">
                {' '}({formatPercent((g.processos * 100) / Math.max(emAndamento, 1))})
              </Typography>
            </TableCell>
            <TableCell align="right">{formatDecimal(g.mediana_dias)}</TableCell>
          </TableRow>
        )) : Array.from({ length: GARGALOS_LINHAS }, (_, i) => (
          <TableRow key={i}>
            <TableCell><Skeleton /></TableCell>
            <TableCell sx={hideXs}><Skeleton /></TableCell>
            {/* The count's caption, in a smaller font, makes the real rows a little taller: the same here. */}
            <TableCell><Skeleton><span>0<Typography component="span" variant="caption"> (0%)</Typography></span></Skeleton></TableCell>
            <TableCell><Skeleton /></TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
    </Box>
  );
}

function lastSyncOf(runs: { origem: string; status: string; concluida_em: string | null; iniciada_em: string }[]) {
  return runs
    .filter((r) => r.origem === 'ACESSORIAS')
    .sort((a, b) => (b.concluida_em ?? b.iniciada_em).localeCompare(a.concluida_em ?? a.iniciada_em))[0];
}

const TIPOS_ALTERACAO: { valor: TipoAlteracao; rotulo: string }[] = [
  { valor: 'passo_concluido', rotulo: 'Passos concluídos' },
  { valor: 'processo_status', rotulo: 'Mudanças de status' },
  { valor: 'processo_novo', rotulo: 'Processos novos' },
  { valor: 'processo_porcentagem', rotulo: 'Progresso' },
  { valor: 'desdobramento_respondido', rotulo: 'Desdobramentos respondidos' },
  { valor: 'processo_removido', rotulo: 'Processos removidos' },
  { valor: 'obrigacao_entregue', rotulo: 'Obrigações entregues' },
  { valor: 'obrigacao_atrasada', rotulo: 'Obrigações atrasadas' },
];
const POR_PAGINA = ALTERACOES_PRIMEIRA.page_size;

/** The changes the syncs saw, office-wide, newest first: paged, by kind and empresa. */
function OQueMudou() {
  const [page, setPage] = useState(1);
  const [tipo, setTipo] = useState<TipoAlteracao | ''>('');
  const [empresa, setEmpresa] = useState('');
  return (
    <Paper sx={{ p: 2 }}>
      <Typography variant="h6" component="h2">O que mudou</Typography>
      <Typography variant="caption" color="text.secondary">As mudanças vistas pelas sincronizações, das mais recentes</Typography>
      <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1} sx={{ my: 1 }}>
        <TextField select size="small" label="Tipo" value={tipo} sx={{ minWidth: 200 }} data-testid="o-que-mudou-tipo"
          onChange={(e) => { setTipo(e.target.value as TipoAlteracao | ''); setPage(1); }}>
          <MenuItem value="">Todas</MenuItem>
          {TIPOS_ALTERACAO.map((t) => <MenuItem key={t.valor} value={t.valor}>{t.rotulo}</MenuItem>)}
        </TextField>
        <TextField size="small" label="Empresa" value={empresa} placeholder="nome ou código"
          onChange={(e) => { setEmpresa(e.target.value); setPage(1); }} />
      </Stack>
      <OQueMudouLista page={page} tipo={tipo} empresa={empresa.trim()} setPage={setPage} />
    </Paper>
  );
}

/** The list of O que mudou apart from its filters: an answer re-renders the list alone, in a deferred pass. */
const OQueMudouLista = memo(function OQueMudouLista({ page, tipo, empresa, setPage }: {
  page: number; tipo: TipoAlteracao | ''; empresa: string; setPage: (p: number) => void;
}) {
  const alteracoes = useAlteracoes({ page, page_size: POR_PAGINA, tipo: tipo || undefined, empresa: empresa || undefined });
  const filtrado = tipo !== '' || empresa !== '';
  const lista = useDeferredValue(alteracoes);
  return useMemo(() => (
    lista.isPending ? <Loading /> : lista.isError ? <ErrorState error={lista.error} onRetry={() => lista.refetch()} /> :
      lista.data.items.length === 0 ? (
        <EmptyState message={filtrado ? 'Nenhuma mudança com esses filtros.' : 'Nenhuma mudança registrada desde a primeira sincronização.'} />
      ) : (
        <>
          <AlteracoesList items={lista.data.items} comProcesso testId="o-que-mudou" />
          {lista.data.total > POR_PAGINA && (
            <Pagination size="small" page={page} count={Math.ceil(lista.data.total / POR_PAGINA)}
              onChange={(_, p) => setPage(p)} aria-label="Páginas de O que mudou" />
          )}
        </>
      )
  ), [lista, filtrado, page, setPage]);
});

/** The office today, whatever the competência (GET /api/v1/resumo): each figure opens its list. */
function Resumo() {
  return <ResumoView {...useDeferredValue({ resumo: useResumo(), regras: useRegras().data })} />;
}

const ResumoView = memo(function ResumoView({ resumo, regras }: {
  resumo: ReturnType<typeof useResumo>; regras: ReturnType<typeof useRegras>['data'];
}) {
  const r = resumo.data;
  const hoje = r?.data;
  const ate = hoje && regras ? shiftDays(hoje, regras.vencem_dias) : '';
  const itens = [
    { id: 'processos-abertos', label: 'Processos abertos', valor: r?.processos_abertos, href: '/processos?aberto=true' },
    { id: 'obrigacoes-atrasadas', label: 'Obrigações atrasadas', valor: r?.obrigacoes.atrasadas, href: '/obrigacoes?situacao=atrasada', alerta: true },
    { id: 'obrigacoes-vencem', label: `Vencem em ${regras?.vencem_dias ?? 7} dias`, valor: r?.obrigacoes.vencem_7_dias,
      href: `/obrigacoes?situacao=pendente&de=${hoje ?? ''}&ate=${ate}` },
    { id: 'obrigacoes-pendentes', label: 'Obrigações pendentes', valor: r?.obrigacoes.pendentes, href: '/obrigacoes?situacao=pendente' },
  ];
  return (
    <Paper sx={{ p: 1, mb: 2 }} data-testid="resumo">
      <Grid container spacing={1}>
        {itens.map((i) => (
          <Grid key={i.id} size={{ xs: 6, md: 3 }}>
            <CardActionArea component={RouterLink} to={i.href} sx={{ p: 1, borderRadius: 1 }} data-testid={`resumo-${i.id}`}>
              <Typography variant="h5" component="p" sx={{ fontWeight: 600, color: i.alerta && (i.valor ?? 0) > 0 ? 'error.main' : undefined }}
                data-testid={`resumo-${i.id}-value`}>
                {i.valor === undefined ? '—' : formatInteger(i.valor)}
              </Typography>
              <Typography variant="body2" color="text.secondary">{i.label}</Typography>
            </CardActionArea>
          </Grid>
        ))}
      </Grid>
    </Paper>
  );
});

/** When the figures were computed and the last Acessórias sync, under the title. */
function Frescura({ competencia }: { competencia: string | undefined }) {
  const metricas = useDashboardMetricas(competencia);
  const status = useSyncStatus();
  const lastSync = status.data ? lastSyncOf(status.data.ultimas) : undefined;
  const calculada = metricas.data?.calculada_em as string | undefined;
  return (
    <Stack direction={{ xs: 'column', sm: 'row' }} spacing={{ xs: 0, sm: 2 }}>
      <span data-testid="metricas-calculadas">
        Métricas calculadas em {calculada || !metricas.isPending ? formatDateTime(calculada) : (
          // As wide as the date to come, so the next span does not move when it does.
          <span style={{ visibility: 'hidden' }}>00/00/0000 00:00</span>
        )}
      </span>
      <span data-testid="ultima-sincronizacao">
        Última sincronização: {lastSync ? `${formatDateTime(lastSync.concluida_em ?? lastSync.iniciada_em)}${lastSync.status === 'ERRO' ? ' (com erro)' : ''}` : 'nenhuma'}
      </span>
    </Stack>
  );
}

const STAT_CARDS = [
  { testId: 'stat-total', label: 'Total de processos', icon: <AssignmentIcon /> },
  { testId: 'stat-concluidos', label: 'Concluídos', icon: <DoneAllIcon /> },
  { testId: 'stat-taxa', label: 'Taxa de conclusão', icon: <PercentIcon /> },
  { testId: 'stat-media-dias', label: 'Média de dias', icon: <ScheduleIcon /> },
] as const;

/** The competência's four figures; while they are computed, the same four cards with placeholders. */
const Figuras = memo(function Figuras({ competencia }: { competencia: string | undefined }) {
  return <FigurasView {...useDeferredValue({ metricas: useDashboardMetricas(competencia), competencia })} />;
});

const FigurasView = memo(function FigurasView({ metricas, competencia }: {
  metricas: ReturnType<typeof useDashboardMetricas>; competencia: string | undefined;
}) {
  const m = metricas.data;
  if (metricas.isPending) {
    return (
      <Grid container spacing={2} sx={{ mb: 2 }} role="status" aria-label="Calculando métricas…">
        {STAT_CARDS.map((c) => (
          <Grid key={c.testId} size={{ xs: 6, lg: 3 }}>
            {/* The rate's card usually carries a note: a typical one, hidden, keeps its room. */}
            <StatCard loading label={c.label} value={null} icon={c.icon} changeUnit={c.testId === 'stat-taxa' ? 'p.p.' : '%'}
              note={c.testId === 'stat-taxa' ? (
                <Skeleton variant="rounded" sx={{ maxWidth: '100%' }}><span>00/0000 no mesmo dia do ciclo (dia 00): 00,0%</span></Skeleton>
              ) : undefined} />
          </Grid>
        ))}
      </Grid>
    );
  }
  if (metricas.isError || !m) return <ErrorState error={metricas.error} onRetry={() => metricas.refetch()} />;
  return (
    <>
      {m.total_processos === 0 && (
        <Alert severity="info" sx={{ mb: 2 }}>
          {competencia ? `Nenhum processo na competência ${competencia}.` : 'Nenhum processo sincronizado ainda.'}
        </Alert>
      )}
      <Grid container spacing={2} sx={{ mb: 2 }}>
        <Grid size={{ xs: 6, lg: 3 }}>
          <StatCard testId="stat-total" label="Total de processos" value={formatInteger(m.total_processos)}
            change={variacao(m, 'total_processos')} icon={<AssignmentIcon />} />
        </Grid>
        <Grid size={{ xs: 6, lg: 3 }}>
          <StatCard testId="stat-concluidos" label="Concluídos" value={formatInteger(m.concluidos)}
            change={variacao(m, 'concluidos')} icon={<DoneAllIcon />} />
        </Grid>
        <Grid size={{ xs: 6, lg: 3 }}>
          <StatCard testId="stat-taxa" label="Taxa de conclusão" value={formatPercent(m.taxa_conclusao)}
            change={variacao(m, 'taxa_conclusao', 'diferenca')} changeUnit="p.p." icon={<PercentIcon />}
            note={m.mesmo_dia_anterior ? (
              <span data-testid="taxa-mesmo-dia">
                {m.mesmo_dia_anterior.competencia} no mesmo dia do ciclo (dia {m.mesmo_dia_anterior.dia_do_ciclo}):{' '}
                {formatPercent(m.mesmo_dia_anterior.taxa_conclusao)}
              </span>
            ) : undefined} />
        </Grid>
        <Grid size={{ xs: 6, lg: 3 }}>
          <StatCard testId="stat-media-dias" label="Média de dias"
            value={m.media_dias === null || m.media_dias === undefined ? '—' : `${formatDecimal(m.media_dias)} dias`}
            change={variacao(m, 'media_dias')} goodWhenUp={false} icon={<ScheduleIcon />} />
        </Grid>
      </Grid>
    </>
  );
});

const Gargalos = memo(function Gargalos({ competencia }: { competencia: string | undefined }) {
  return <GargalosView gargalos={useDeferredValue(useGargalos(competencia))} />;
});

const GargalosView = memo(function GargalosView({ gargalos }: { gargalos: ReturnType<typeof useGargalos> }) {
  return (
    <Paper sx={{ p: 2, mb: 2 }}>
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>Onde os processos estão parados</Typography>
      {gargalos.isPending ? <GargalosTable emAndamento={0} /> : gargalos.isError ? <ErrorState error={gargalos.error} onRetry={() => gargalos.refetch()} /> :
        gargalos.data.items.length === 0 ? <EmptyState message="Nenhum processo em andamento parado num passo." /> :
          <GargalosTable data={gargalos.data.items.slice(0, GARGALOS_LINHAS)} emAndamento={gargalos.data.em_andamento} />}
    </Paper>
  );
});

const Regimes = memo(function Regimes({ competencia }: { competencia: string | undefined }) {
  return <RegimesView regimes={useDeferredValue(useDashboardRegimes(competencia))} />;
});

const RegimesView = memo(function RegimesView({ regimes }: { regimes: ReturnType<typeof useDashboardRegimes> }) {
  return (
    <Paper sx={{ p: 2, height: '100%' }}>
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>Por regime tributário</Typography>
      {regimes.isPending ? <Box sx={{ minHeight: regimesChartHeight(0) }}><Loading /></Box> :
        regimes.isError ? <ErrorState error={regimes.error} onRetry={() => regimes.refetch()} /> :
          regimes.data.items.length === 0 ? <EmptyState message="Sem processos nesta competência." /> : (
            <Box data-testid="chart-regimes">
              <WhenVisible minHeight={regimesChartHeight(regimes.data.items.length)}>
                <RegimesChart data={regimes.data.items} />
              </WhenVisible>
            </Box>
          )}
    </Paper>
  );
});

const Evolucao = memo(function Evolucao({ de, ate }: { de: string | undefined; ate: string | undefined }) {
  return <EvolucaoView timeline={useDeferredValue(useDashboardTimeline(de, ate))} />;
});

const EvolucaoView = memo(function EvolucaoView({ timeline }: { timeline: ReturnType<typeof useDashboardTimeline> }) {
  return (
    <Paper sx={{ p: 2, height: '100%' }}>
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>Evolução (12 competências)</Typography>
      {timeline.isPending ? <Box sx={{ minHeight: TIMELINE_CHART_HEIGHT }}><Loading /></Box> :
        timeline.isError ? <ErrorState error={timeline.error} onRetry={() => timeline.refetch()} /> :
          timeline.data.items.length === 0 ? <EmptyState message="Sem dados no período." /> : (
            <Box data-testid="chart-timeline">
              <WhenVisible minHeight={TIMELINE_CHART_HEIGHT}><TimelineChart data={timeline.data.items} /></WhenVisible>
            </Box>
          )}
    </Paper>
  );
});

// Each section reads its own query and is memoized: one answer arriving re-renders its section, not the page.
// Its view gets the answer through useDeferredValue: the store's update is rendered synchronously (one long task),
// so the section's shell takes it and hands it on to a view React renders in short, interruptible slices.
const ResumoMemo = memo(Resumo);
const OQueMudouMemo = memo(OQueMudou);

export function DashboardPage() {
  const regras = useRegras();
  const atual = regras.data?.competencia_atual;
  const options = useMemo(() => (atual ? competenciaOptions(atual) : []), [atual]);
  const [escolhida, setCompetencia] = useState<string | undefined>(undefined);
  // Opens on the backend's current competência (GET /api/v1/regras); '' is "Todas".
  const competencia = escolhida ?? atual;
  // The timeline covers the 12 competências up to the chosen one (up to this month for "Todas").
  const fim = competencia || atual;
  const de = useMemo(() => (fim ? timelineDe(fim) : undefined), [fim]);

  return (
    <>
      <PageHeader
        title="Dashboard"
        subtitle={<Frescura competencia={competencia} />}
        actions={
          <FormControl size="small" sx={{ minWidth: 160 }}>
            <InputLabel id="competencia-label" shrink>Competência</InputLabel>
            <Select labelId="competencia-label" label="Competência" value={options.length ? competencia ?? '' : ''} displayEmpty
              onChange={(e) => setCompetencia(e.target.value)} data-testid="competencia-select"
              inputProps={{ 'data-testid': 'competencia-value' }}>
              {options.map((c) => <MenuItem key={c} value={c}>{c}</MenuItem>)}
              <MenuItem value="">Todas</MenuItem>
            </Select>
          </FormControl>
        }
      />

      <ResumoMemo />

      <MinhasNoPainel />
      <Figuras competencia={competencia} />

      <Gargalos competencia={competencia} />

      <Grid container spacing={2}>
        <Grid size={{ xs: 12, lg: 5 }}>
          <Regimes competencia={competencia} />
        </Grid>
        <Grid size={{ xs: 12, lg: 7 }}>
          <Evolucao de={de} ate={fim ? isoMonth(fim) : undefined} />
        </Grid>
        <Grid size={{ xs: 12 }}>
          <OQueMudouMemo />
        </Grid>
      </Grid>
    </>
  );
}
