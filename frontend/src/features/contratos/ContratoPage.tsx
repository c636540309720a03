import { useEffect, useRef, useState } from 'react';
import { Link as RouterLink, useParams, useSearchParams } from 'react-router-dom';
import {
  Alert, Box, Breadcrumbs, Button, CircularProgress, Grid, Link, Paper, Stack, Tab, Tabs, Typography,
} from '@mui/material';
import RefreshIcon from '@mui/icons-material/Refresh';
import type { Aba, AbaRegra, AbaRow, Contrato, Page } from '../../api/types';
import { ApiError } from '../../api/http';
import { DataTable, type Column } from '../../components/DataTable';
import { PageHeader } from '../../components/PageHeader';
import { EmptyState, errorMessage, QueryState } from '../../components/QueryState';
import { useCanSync } from '../auth/hooks';
import { useRegras } from '../../hooks/useRegras';
import { ExportButton } from '../../components/ExportButton';
import { atualizadoEm, exportarAba, syncedThisSession, useContrato, useContratoAba, useSincronizarAba } from './hooks';
import { formatCnpj, formatDate, formatDateTime, formatDecimal, formatMoney, toNumber } from '../../lib/format';
import { periodo, VigenciaChip } from './vigencia';

const s = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : String(v));
const money = (key: string) => (r: AbaRow) => <span style={{ whiteSpace: 'nowrap' }}>{formatMoney(r[key] as string)}</span>;
const date = (key: string) => (r: AbaRow) => formatDate(r[key] as string);

export const ABA_COLUMNS: Record<Aba, Column<AbaRow>[]> = {
  historico: [
    { key: 'tipo', label: 'Tipo', render: (r) => s(r.tipo) },
    { key: 'numero', label: 'Número', render: (r) => s(r.numero) },
    { key: 'data_assinatura', label: 'Assinatura', render: date('data_assinatura') },
    { key: 'vigencia', label: 'Vigência', render: (r) => `${formatDate(r.vigencia_inicio as string)} a ${formatDate(r.vigencia_fim as string)}`, hideOnMobile: true },
    // A term that changes no value carries novo_valor_global "0,00" (the original contract row too): its value is valor_global.
    { key: 'valor_global', label: 'Valor global', align: 'right', render: (r) => formatMoney((toNumber(r.novo_valor_global as string) ? r.novo_valor_global : r.valor_global) as string) },
    { key: 'observacao', label: 'Observação', render: (r) => s(r.observacao ?? r.objeto), hideOnMobile: true },
  ],
  empenhos: [
    { key: 'numero', label: 'Empenho', render: (r) => s(r.numero) },
    { key: 'data_emissao', label: 'Emissão', render: date('data_emissao') },
    { key: 'credor', label: 'Credor', render: (r) => s(r.credor_nome ?? r.credor), hideOnMobile: true },
    { key: 'naturezadespesa', label: 'Natureza da despesa', render: (r) => s(r.naturezadespesa), hideOnMobile: true },
    { key: 'empenhado', label: 'Empenhado', align: 'right', render: money('empenhado') },
    { key: 'liquidado', label: 'Liquidado', align: 'right', render: money('liquidado') },
    { key: 'pago', label: 'Pago', align: 'right', render: money('pago') },
  ],
  itens: [
    { key: 'numero_item_compra', label: 'Item', render: (r) => s(r.numero_item_compra) },
    { key: 'tipo_id', label: 'Tipo', render: (r) => s(r.tipo_id), hideOnMobile: true },
    { key: 'descricao', label: 'Descrição', render: (r) => s(r.descricao_complementar ?? r.catmatseritem_id) },
    { key: 'quantidade', label: 'Quantidade', align: 'right', render: (r) => formatDecimal(r.quantidade as string) },
    { key: 'valorunitario', label: 'Valor unitário', align: 'right', render: money('valorunitario') },
    { key: 'valortotal', label: 'Valor total', align: 'right', render: money('valortotal') },
  ],
  arquivos: [
    { key: 'tipo', label: 'Tipo', render: (r) => s(r.tipo) },
    { key: 'descricao', label: 'Descrição', render: (r) => s(r.descricao) },
    { key: 'sequencial_documento', label: 'Documento', render: (r) => s(r.sequencial_documento), hideOnMobile: true },
    {
      key: 'link', label: 'Arquivo', render: (r) => {
        const href = (r.path_arquivo ?? r.link_sei) as string | undefined;
        return href && /^https?:\/\//.test(href)
          ? <Link href={href} target="_blank" rel="noopener noreferrer">abrir</Link> : s(href);
      },
    },
  ],
};

/**
 * One tab. Never loaded → POST sincronizar on open (spinner, then the rows). Loaded → the stored rows with
 * "Atualizado em …" and "Atualizar". An upstream failure shows the message and keeps the stored rows.
 */
export function AbaPanel({ contrato, regra }: { contrato: Contrato; regra: AbaRegra }) {
  const id = String(contrato.id);
  const aba = regra.aba;
  const canSync = useCanSync();
  const carregadaEm = atualizadoEm(contrato, regra);
  const carregada = carregadaEm !== null;
  const sync = useSincronizarAba(id);
  const rows = useContratoAba(id, aba, carregada);
  const started = useRef(false);
  const [tentativa, setTentativa] = useState(0);

  useEffect(() => {
    // The ref guards against React's double effect in development; the session set against re-opening.
    // Only ADMIN/MANAGER may fetch from Comprasnet; wait until the role is known.
    if (carregada || !canSync || started.current || syncedThisSession(id, aba)) return;
    started.current = true;
    sync.mutate(regra);
  }, [carregada, canSync, id, aba, regra, sync, tentativa]);

  const atualizar = () => sync.mutate(regra);
  const retry = () => { started.current = false; setTentativa((t) => t + 1); };
  const data = rows.data ?? (sync.data as Page<AbaRow> | undefined);
  const upstream = sync.error instanceof ApiError && sync.error.isUpstream;

  return (
    <Box data-testid={`aba-${aba}`} sx={{ pt: 2 }}>
      <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1} sx={{ alignItems: { sm: 'center' }, justifyContent: 'space-between', mb: 2 }}>
        <Typography variant="body2" color="text.secondary" data-testid="atualizado-em">
          {sync.isPending ? 'Buscando no Comprasnet…' : carregadaEm || sync.data?.atualizado_em
            ? `Atualizado em ${formatDateTime(sync.data?.atualizado_em ?? carregadaEm)}` : 'Ainda não carregado'}
        </Typography>
        <Stack direction="row" spacing={1}>
          {data && data.total > 0 && <ExportButton exportar={exportarAba(id, aba)} />}
          {(carregada || sync.isSuccess) && canSync && (
            <Button size="small" variant="outlined" onClick={atualizar} disabled={sync.isPending}
              startIcon={sync.isPending ? <CircularProgress size={16} /> : <RefreshIcon />} data-testid="atualizar">
              Atualizar
            </Button>
          )}
        </Stack>
      </Stack>
      {sync.isError && (
        <Alert severity={upstream ? 'warning' : 'error'} sx={{ mb: 2 }} data-testid="erro-aba"
          action={!carregada && !sync.isSuccess ? <Button color="inherit" size="small" onClick={retry}>Tentar novamente</Button> : undefined}>
          {upstream
            ? `O Comprasnet não respondeu (HTTP ${(sync.error as ApiError).status}). ${data ? 'Mostrando os dados já armazenados.' : 'Nenhum dado armazenado desta aba ainda.'}`
            : errorMessage(sync.error)}
        </Alert>
      )}
      {!carregada && !data && sync.isPending ? (
        <Box role="progressbar" aria-label="Carregando aba" data-testid="aba-spinner"
          sx={{ display: 'flex', alignItems: 'center', justifyContent: 'center', gap: 2, py: 6 }}>
          <CircularProgress />
          <Typography color="text.secondary">Buscando {regra.label.toLowerCase()} no Comprasnet…</Typography>
        </Box>
      ) : data ? (
        data.items.length === 0 ? <EmptyState message="O Comprasnet não tem registros nesta aba para este contrato." /> : (
          <>
            <DataTable testId={`tabela-${aba}`} label={aba} columns={ABA_COLUMNS[aba]} rows={data.items} />
            {data.total > data.items.length && (
              <Typography variant="caption" color="text.secondary">Mostrando {data.items.length} de {data.total} registros.</Typography>
            )}
          </>
        )
      ) : carregada ? (
        <QueryState query={rows} loadingRows={4}>{() => null}</QueryState>
      ) : !sync.isError && canSync === false ? (
        <EmptyState message="Esta aba ainda não foi carregada. Peça a um ADMIN ou MANAGER para carregá-la." />
      ) : null}
    </Box>
  );
}

function Info({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Box>
      <Typography variant="caption" color="text.secondary">{label}</Typography>
      <Typography variant="body2" component="div">{children}</Typography>
    </Box>
  );
}

// Upstream fields that may arrive unreadable (e.g. data_assinatura "20224-08-12"), in pt-BR.
const CAMPOS: Record<string, string> = {
  data_assinatura: 'data de assinatura', data_publicacao: 'data de publicação', vigencia_inicio: 'início da vigência',
  vigencia_fim: 'fim da vigência', data_proposta_comercial: 'data da proposta', valor_inicial: 'valor inicial',
  valor_global: 'valor global', valor_parcela: 'valor da parcela', valor_acumulado: 'valor acumulado',
  num_parcelas: 'número de parcelas', prorrogavel: 'prorrogável',
};

function CamposInvalidos({ campos }: { campos: string[] | null | undefined }) {
  if (!campos?.length) return null;
  return (
    <Alert severity="warning" sx={{ mb: 2 }} data-testid="campos-invalidos">
      O Comprasnet enviou {campos.length === 1 ? 'um valor que não pôde ser lido' : 'valores que não puderam ser lidos'}:{' '}
      {campos.map((c) => CAMPOS[c] ?? c).join(', ')}. {campos.length === 1 ? 'Esse campo aparece vazio' : 'Esses campos aparecem vazios'};
      o valor recebido fica guardado como veio.
    </Alert>
  );
}

function Cabecalho({ c }: { c: Contrato }) {
  const ilegivel = (campo: string) => c.campos_invalidos?.includes(campo) ? 'não pôde ser lida' : '—';
  const origemDiferente = c.unidade_gestora_origem_codigo && c.unidade_gestora_origem_codigo !== c.unidade_gestora_codigo;
  return (
    <Paper sx={{ p: 2, mb: 2 }}>
      <CamposInvalidos campos={c.campos_invalidos} />
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, md: 6 }}>
          <Info label="Fornecedor">{c.fornecedor_nome ?? '—'} · {formatCnpj(c.fornecedor_cnpj_cpf)}</Info>
        </Grid>
        <Grid size={{ xs: 12, md: 6 }}>
          <Info label="Unidade gestora">{c.unidade_gestora_codigo ?? c.uasg} · {c.unidade_gestora_nome_resumido ?? c.unidade_gestora_nome ?? '—'}</Info>
        </Grid>
        {origemDiferente && (
          <Grid size={{ xs: 12, md: 6 }}>
            <Info label="Unidade de origem">
              <span data-testid="unidade-origem">{c.unidade_gestora_origem_codigo} · {c.unidade_gestora_origem_nome_resumido ?? c.unidade_gestora_origem_nome ?? '—'}{c.orgao_origem_nome ? ` (${c.orgao_origem_nome})` : ''}</span>
            </Info>
          </Grid>
        )}
        {c.unidades_requisitantes && (
          <Grid size={{ xs: 12, md: 6 }}><Info label="Unidades requisitantes">{c.unidades_requisitantes}</Info></Grid>
        )}
        <Grid size={12}><Info label="Objeto">{c.objeto ?? '—'}</Info></Grid>
        <Grid size={{ xs: 6, md: 3 }}><Info label="Assinatura">{c.data_assinatura ? formatDate(c.data_assinatura) : ilegivel('data_assinatura')}</Info></Grid>
        <Grid size={{ xs: 6, md: 3 }}><Info label="Vigência">{periodo(c.vigencia_inicio, c.vigencia_fim)}</Info></Grid>
        <Grid size={{ xs: 6, md: 3 }}><Info label="Situação"><VigenciaChip contrato={c} /></Info></Grid>
        <Grid size={{ xs: 6, md: 3 }}><Info label="Modalidade">{c.modalidade ?? '—'}{c.licitacao_numero ? ` nº ${c.licitacao_numero}` : ''}</Info></Grid>
        <Grid size={{ xs: 6, md: 3 }}><Info label="Processo">{c.processo ?? '—'}</Info></Grid>
        <Grid size={{ xs: 6, md: 3 }}><Info label="Valor inicial">{formatMoney(c.valor_inicial)}</Info></Grid>
        <Grid size={{ xs: 6, md: 3 }}><Info label="Valor global"><strong>{formatMoney(c.valor_global)}</strong></Info></Grid>
        <Grid size={{ xs: 6, md: 3 }}><Info label="Parcelas">{c.num_parcelas ?? '—'} × {formatMoney(c.valor_parcela)}</Info></Grid>
        <Grid size={{ xs: 6, md: 3 }}><Info label="Valor acumulado">{formatMoney(c.valor_acumulado)}</Info></Grid>
      </Grid>
    </Paper>
  );
}

export function ContratoPage() {
  const { id = '' } = useParams();
  const contrato = useContrato(id);
  const abas = useRegras().data?.contrato_abas ?? [];
  const [params, setParams] = useSearchParams();
  const regra = abas.find((a) => a.aba === params.get('aba')) ?? null;
  const setAba = (v: Aba) => setParams({ aba: v }, { replace: true });
  return (
    <>
      <Breadcrumbs sx={{ mb: 1 }}>
        <Link component={RouterLink} to={contrato.data?.uasg ? `/contratos?uasg=${contrato.data.uasg}` : '/contratos'}>Contratos</Link>
        <Typography color="text.primary">{contrato.data?.numero ?? id}</Typography>
      </Breadcrumbs>
      <QueryState query={contrato}>
        {(c) => (
          <>
            <PageHeader title={`${c.tipo ?? 'Contrato'} ${c.numero ?? c.id}`} subtitle={`Comprasnet id ${c.id}`} />
            <Cabecalho c={c} />
            <Paper sx={{ px: 2, pb: 2 }}>
              <Tabs value={regra?.aba ?? false} onChange={(_, v) => setAba(v)} variant="scrollable" scrollButtons="auto" aria-label="Abas do contrato">
                {abas.map((a) => {
                  // Stored row counts, for the tabs already loaded.
                  const n = atualizadoEm(c, a) !== null ? c.totais?.[a.aba] : undefined;
                  return <Tab key={a.aba} value={a.aba} label={n === undefined ? a.label : `${a.label} (${n})`} data-testid={`tab-${a.aba}`} />;
                })}
              </Tabs>
              {regra === null ? (
                <Typography color="text.secondary" sx={{ pt: 2 }}>
                  Escolha uma aba. Abas nunca abertas são buscadas no Comprasnet na hora; as demais vêm do banco local.
                </Typography>
              ) : (
                <AbaPanel key={regra.aba} contrato={c} regra={regra} />
              )}
            </Paper>
          </>
        )}
      </QueryState>
    </>
  );
}
