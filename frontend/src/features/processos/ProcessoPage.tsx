import { Link as RouterLink, useParams } from 'react-router-dom';
import {
  Box, Breadcrumbs, Chip, Grid, Link, List, ListItem, ListItemIcon, ListItemText, Paper, Stack, Typography,
} from '@mui/material';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import RadioButtonUncheckedIcon from '@mui/icons-material/RadioButtonUnchecked';
import AccountTreeIcon from '@mui/icons-material/AccountTreeOutlined';
import HelpOutlineIcon from '@mui/icons-material/HelpOutline';
import MailOutlineIcon from '@mui/icons-material/MailOutline';
import type { Alternativa, Desdobramento, Passo, Processo } from '../../api/types';
import { PageHeader } from '../../components/PageHeader';
import { EmptyState, QueryState } from '../../components/QueryState';
import { StatusChip } from '../../components/StatusChip';
import { useDesdobramentos, usePassos, useProcesso } from './hooks';
import { formatCnpj, formatCompetencia, formatDate, formatDateTime } from '../../lib/format';
import { empresaDe, Progresso } from './columns';
import { AlteracoesList } from '../alteracoes/AlteracoesList';
import { useHistorico } from '../alteracoes/hooks';

function Info({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Box>
      <Typography variant="caption" color="text.secondary">{label}</Typography>
      <Typography variant="body2" component="div">{children ?? '—'}</Typography>
    </Box>
  );
}

function Cabecalho({ p }: { p: Processo }) {
  const e = empresaDe(p);
  return (
    <Paper sx={{ p: 2, mb: 2 }}>
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, md: 4 }}>
          <Info label="Empresa">
            {p.empresa_id ? <Link component={RouterLink} to={`/processos?empresa=${p.empresa_id}`} title="Processos desta empresa">{e.nome ?? '—'}</Link> : e.nome}
            {e.cnpj && <Typography variant="caption" color="text.secondary" component="div">{formatCnpj(e.cnpj)}</Typography>}
          </Info>
        </Grid>
        <Grid size={{ xs: 6, md: 2 }}><Info label="Competência">{formatCompetencia(p.competencia)}</Info></Grid>
        <Grid size={{ xs: 6, md: 2 }}><Info label="Status"><StatusChip status={p.status} /></Info></Grid>
        <Grid size={{ xs: 6, md: 2 }}><Info label="Início">{formatDate(p.data_inicio)}</Info></Grid>
        <Grid size={{ xs: 6, md: 2 }}><Info label="Conclusão / previsão">{formatDate(p.data_conclusao)}</Info></Grid>
        <Grid size={{ xs: 6, md: 2 }}><Info label="Departamento">{p.departamento || '—'}</Info></Grid>
        <Grid size={{ xs: 6, md: 2 }}><Info label="Regime">{p.regime_tributario || '—'}</Info></Grid>
        <Grid size={{ xs: 6, md: 2 }}><Info label="Dias corridos">{p.dias_corridos ?? '—'}</Info></Grid>
        <Grid size={{ xs: 6, md: 2 }}><Info label="Gestor">{p.gestor_nome || p.gestor || '—'}</Info></Grid>
        <Grid size={{ xs: 12, md: 4 }}>
          <Info label={`Progresso${p.total_passos ? ` (${p.passos_concluidos ?? 0} de ${p.total_passos} passos)` : ''}`}>
            <Progresso value={p.porcentagem_conclusao} />
          </Info>
        </Grid>
      </Grid>
    </Paper>
  );
}

function PassoIcon({ passo }: { passo: Passo }) {
  if (passo.tipo === 'Sub processo') return <AccountTreeIcon color="primary" />;
  if (passo.tipo === 'Desdobramento') return <HelpOutlineIcon color={passo.status === 'OK' ? 'success' : 'warning'} />;
  if (passo.tipo === 'Follow up') return <MailOutlineIcon color={passo.status === 'OK' ? 'success' : 'action'} />;
  return passo.status === 'OK' || passo.concluido ? <CheckCircleIcon color="success" /> : <RadioButtonUncheckedIcon color="disabled" />;
}

/** Passos in tree order; the nesting level (sub-processos) is the indentation. */
export function PassosTree({ passos }: { passos: Passo[] }) {
  return (
    <List dense data-testid="passos-tree" aria-label="Passos">
      {passos.map((p) => (
        <ListItem key={p.id} sx={{ pl: 1 + (p.nivel ?? 0) * 4, borderLeft: p.nivel ? '2px solid' : undefined, borderColor: 'divider', ml: p.nivel ? 1 : 0 }}
          data-nivel={p.nivel}>
          <ListItemIcon sx={{ minWidth: 36 }}><PassoIcon passo={p} /></ListItemIcon>
          <ListItemText
            primary={<Typography variant="body2" sx={{ fontWeight: p.tipo === 'Sub processo' ? 600 : 400 }}>{p.nome}</Typography>}
            secondary={[
              p.tipo, p.responsavel && `Resp.: ${p.responsavel}`, p.prazo && `Prazo: ${formatDate(p.prazo)}`,
              p.entrega_nome && `${p.entrega_tipo ?? 'Entrega'}: ${p.entrega_nome}`, p.bloqueante ? 'Bloqueante' : null,
            ].filter(Boolean).join(' · ')}
          />
          {p.tipo !== 'Sub processo' && p.status && <StatusChip status={p.status} />}
        </ListItem>
      ))}
    </List>
  );
}

/** Alternatives as stored: {nome, acao_tipo, acao_nome}, or a bare string. */
export function alternativasDe(d: Desdobramento): Alternativa[] {
  return (d.alternativas ?? []).map((a) =>
    typeof a === 'string' ? { nome: a } : (a as Alternativa)).filter((a) => a && typeof a.nome === 'string');
}

export function DesdobramentoCard({ d }: { d: Desdobramento }) {
  const alternativas = alternativasDe(d);
  return (
    <Paper variant="outlined" sx={{ p: 2 }} data-testid="desdobramento">
      <Box sx={{ display: 'flex', justifyContent: 'space-between', gap: 1, mb: 1 }}>
        <Typography variant="subtitle2">{d.pergunta}</Typography>
        <StatusChip status={d.status ?? (d.resposta ? 'OK' : 'Pendente')} />
      </Box>
      <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap', mb: 1 }}>
        {alternativas.map((a) => {
          const escolhida = d.resposta !== null && a.nome === d.resposta;
          return (
            <Chip key={a.nome} size="small" label={a.acao_nome ? `${a.nome} → ${a.acao_nome}` : a.nome}
              color={escolhida ? 'success' : 'default'} variant={escolhida ? 'filled' : 'outlined'} />
          );
        })}
      </Stack>
      <Typography variant="body2" color={d.resposta ? 'text.primary' : 'text.secondary'}>
        {d.resposta ? <>Resposta: <strong>{d.resposta}</strong></> : 'Aguardando resposta'}
      </Typography>
    </Paper>
  );
}

export function ProcessoPage() {
  const { id = '' } = useParams();
  const processo = useProcesso(id);
  const passos = usePassos(id);
  const desdobramentos = useDesdobramentos(id);
  const historico = useHistorico(id);
  // A full sync stores every list header first and the passos after: until then, say so.
  const aguardando = processo.data?.detalhes_atualizados_em === null;
  return (
    <>
      <Breadcrumbs sx={{ mb: 1 }}>
        <Link component={RouterLink} to="/processos">Processos</Link>
        <Typography color="text.primary">{processo.data ? `Nº ${processo.data.proc_id}` : id}</Typography>
      </Breadcrumbs>
      <QueryState query={processo}>
        {(p) => (
          <>
            <PageHeader title={p.titulo || p.nome}
              subtitle={`Processo nº ${p.proc_id}${p.sincronizado_em ? ` · sincronizado em ${formatDateTime(p.sincronizado_em)}` : ''}`} />
            <Cabecalho p={p} />
          </>
        )}
      </QueryState>
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, lg: 7 }}>
          <Paper sx={{ p: 2 }}>
            <Typography variant="h6">Passos</Typography>
            <QueryState query={passos} loadingRows={6} isEmpty={(d) => d.items.length === 0}
              empty={<EmptyState message={aguardando
                ? 'Passos ainda não carregados: a sincronização completa busca os detalhes depois das listas.'
                : 'Este processo não tem passos sincronizados.'} />}>
              {(d) => <PassosTree passos={d.items} />}
            </QueryState>
          </Paper>
        </Grid>
        <Grid size={{ xs: 12, lg: 5 }}>
          <Paper sx={{ p: 2 }}>
            <Typography variant="h6" sx={{ mb: 1 }}>Desdobramentos</Typography>
            <QueryState query={desdobramentos} loadingRows={3} isEmpty={(d) => d.items.length === 0}
              empty={<EmptyState message={aguardando ? 'Desdobramentos ainda não carregados.' : 'Nenhum desdobramento neste processo.'} />}>
              {(d) => <Stack spacing={1.5}>{d.items.map((x) => <DesdobramentoCard key={x.id} d={x} />)}</Stack>}
            </QueryState>
          </Paper>
        </Grid>
        <Grid size={{ xs: 12 }}>
          <Paper sx={{ p: 2 }}>
            <Typography variant="h6">Histórico</Typography>
            <Typography variant="caption" color="text.secondary">O que as sincronizações viram mudar neste processo</Typography>
            <QueryState query={historico} loadingRows={3} isEmpty={(d) => d.items.length === 0}
              empty={<EmptyState message="Nenhuma mudança registrada desde a primeira sincronização." />}>
              {(d) => <AlteracoesList items={d.items} testId="historico" />}
            </QueryState>
          </Paper>
        </Grid>
      </Grid>
    </>
  );
}
