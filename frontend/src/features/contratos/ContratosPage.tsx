import { useMemo } from 'react';
import {
  Alert, Autocomplete, Box, Button, CircularProgress, Paper, Tab, Tabs, TextField, Typography,
} from '@mui/material';
import SyncIcon from '@mui/icons-material/Sync';
import type { ContratoResumo } from '../../api/types';
import type { Column } from '../../components/DataTable';
import { FilterBar, SearchField } from '../../components/Filters';
import { PageHeader } from '../../components/PageHeader';
import { PagedList } from '../../components/PagedList';
import { errorMessage } from '../../components/QueryState';
import { useCanSync } from '../auth/hooks';
import { exportarContratos, useContratos, useSyncUasg, useUasgs } from './hooks';
import { AcompanharSincronizacao } from '../sincronizacao/AcompanharSincronizacao';
import { useSyncStatus } from '../sincronizacao/hooks';
import { useSearchState } from '../../hooks/useSearchState';
import { formatCnpj, formatInteger, formatMoney } from '../../lib/format';
import { periodo, VigenciaChip } from './vigencia';

const UASGS_KEY = 'espelho.uasgs';

function rememberedUasgs(): string[] {
  try {
    return JSON.parse(localStorage.getItem(UASGS_KEY) ?? '[]') as string[];
  } catch {
    return [];
  }
}

function remember(uasg: string) {
  const list = [uasg, ...rememberedUasgs().filter((u) => u !== uasg)].slice(0, 20);
  localStorage.setItem(UASGS_KEY, JSON.stringify(list));
}

const columns: Column<ContratoResumo>[] = [
  {
    key: 'numero', sortKey: 'numero', label: 'Número', render: (c) => (
      <Box>
        <Typography variant="body2" sx={{ fontWeight: 500, whiteSpace: 'nowrap' }}>{c.numero ?? c.id}</Typography>
        <Typography variant="caption" color="text.secondary">{c.tipo}</Typography>
      </Box>
    ),
  },
  {
    key: 'fornecedor', sortKey: 'fornecedor', label: 'Fornecedor', render: (c) => (
      <Box>
        <Typography variant="body2">{c.fornecedor_nome ?? '—'}</Typography>
        <Typography variant="caption" color="text.secondary">{formatCnpj(c.fornecedor_cnpj_cpf)}</Typography>
      </Box>
    ),
  },
  {
    key: 'objeto', label: 'Objeto', hideOnMobile: true, render: (c) => (
      <Typography variant="body2" sx={{ maxWidth: 360, overflow: 'hidden', textOverflow: 'ellipsis', display: '-webkit-box', WebkitLineClamp: 2, WebkitBoxOrient: 'vertical' }}>
        {c.objeto ?? '—'}
      </Typography>
    ),
  },
  {
    key: 'vigencia', sortKey: 'vigencia_fim', label: 'Vigência', render: (c) => (
      <Box sx={{ whiteSpace: 'nowrap' }}>
        <Typography variant="body2">{periodo(c.vigencia_inicio, c.vigencia_fim)}</Typography>
        <VigenciaChip contrato={c} />
      </Box>
    ),
  },
  { key: 'valor_global', sortKey: 'valor_global', label: 'Valor global', align: 'right', render: (c) => <span style={{ whiteSpace: 'nowrap' }}>{formatMoney(c.valor_global)}</span> },
];

const DEFAULTS = { uasg: '', q: '', vigencia: '', tipo: '', ordering: '', page: '1', page_size: '25' };

export function ContratosPage() {
  const [f, set] = useSearchState(DEFAULTS);
  const canSync = useCanSync();
  const syncUasg = useSyncUasg();
  const status = useSyncStatus();
  const filtros = {
    uasg: f.uasg, q: f.q, vigencia: f.vigencia as '' | 'ativos', tipo: f.tipo, ordering: f.ordering,
    page: Number(f.page), page_size: Number(f.page_size),
  };
  const query = useContratos(filtros);

  // UASGs already mirrored, and the ones this browser typed before.
  const uasgs = useUasgs();
  const nomes = useMemo(() => new Map((uasgs.data ?? []).map((u) => [u.codigo, u.nome_resumido ?? u.nome ?? ''])), [uasgs.data]);
  const options = useMemo(() => Array.from(new Set([...nomes.keys(), ...rememberedUasgs()])), [nomes]);
  // The scope of this UASG's sync as the backend names it: from the mirrored UASG, or from the trigger's answer.
  const escopo = uasgs.data?.find((u) => u.codigo === f.uasg)?.escopo
    ?? (syncUasg.variables === f.uasg ? syncUasg.data?.escopo : undefined);
  const uasgRunning = escopo ? status.data?.em_andamento.find((r) => r.escopo === escopo) : undefined;
  const validUasg = /^\d{6}$/.test(f.uasg);

  const sincronizar = () => {
    remember(f.uasg);
    syncUasg.mutate(f.uasg);
  };

  return (
    <>
      <PageHeader title="Contratos"
        subtitle={query.data ? `${formatInteger(query.data.total)} contratos${f.uasg ? ` da UASG ${f.uasg}` : ''}` : 'Contratos do Comprasnet'}
        actions={
          <>
            <Autocomplete freeSolo size="small" options={options} value={f.uasg || null} sx={{ width: 220 }}
              renderOption={(props, code) => (
                <li {...props} key={code}>{code}{nomes.get(code) ? ` — ${nomes.get(code)}` : ''}</li>
              )}
              onChange={(_, v) => { const u = (v ?? '').trim(); if (/^\d{6}$/.test(u)) remember(u); set({ uasg: u }); }}
              onInputChange={(_, v, reason) => { if (reason === 'input' && (v === '' || /^\d{6}$/.test(v))) set({ uasg: v }); }}
              renderInput={(params) => <TextField {...params} label="UASG" placeholder="6 dígitos" slotProps={{ htmlInput: { ...params.inputProps, 'data-testid': 'uasg-input' } }} />} />
            {canSync && (
              <Button variant="contained" startIcon={syncUasg.isPending || uasgRunning ? <CircularProgress size={16} color="inherit" /> : <SyncIcon />}
                disabled={!validUasg || syncUasg.isPending || Boolean(uasgRunning)} onClick={sincronizar} data-testid="sincronizar-uasg">
                Sincronizar UASG
              </Button>
            )}
          </>
        } />
      {syncUasg.isSuccess && (
        <AcompanharSincronizacao runId={syncUasg.data.run_id} rotulo={`Sincronização da UASG ${syncUasg.variables}`}
          onClose={() => syncUasg.reset()} />
      )}
      {uasgRunning && !syncUasg.isSuccess && <Alert severity="info" sx={{ mb: 2 }}>Sincronizando a UASG {f.uasg}… (a lista do Comprasnet pode levar cerca de um minuto)</Alert>}
      {syncUasg.isError && <Alert severity="error" sx={{ mb: 2 }}>{errorMessage(syncUasg.error)}</Alert>}
      <Paper sx={{ mb: 2 }}>
        <Tabs value={f.vigencia} onChange={(_, v) => set({ vigencia: v })} variant="scrollable" scrollButtons="auto" aria-label="Vigência">
          <Tab value="" label="Todos" />
          <Tab value="ativos" label="Ativos" />
          <Tab value="proximos_vencer" label="Próximos a vencer" />
          <Tab value="vencidos" label="Vencidos" />
        </Tabs>
      </Paper>
      <FilterBar>
        <SearchField value={f.q} onChange={(q) => set({ q })} placeholder="Número, fornecedor, CNPJ ou objeto" />
        <TextField size="small" label="Tipo" placeholder="Contrato, Empenho…" value={f.tipo} onChange={(e) => set({ tipo: e.target.value })} />
      </FilterBar>
      <PagedList query={query} testId="tabela-contratos" label="Contratos" columns={columns}
        sorting={{ ordering: f.ordering, onChange: (ordering) => set({ ordering }) }}
        exportar={exportarContratos(filtros)}
        empty={f.uasg ? `Nenhum contrato da UASG ${f.uasg} com esses filtros.` : 'Nenhum contrato. Escolha uma UASG e sincronize.'}
        rowHref={(c) => `/contratos/${c.id}`}
        onPage={(page, pageSize) => set({ page: String(page), page_size: String(pageSize) }, false)} />
    </>
  );
}
