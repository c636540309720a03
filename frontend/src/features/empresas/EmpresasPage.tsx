import { useState } from 'react';
import { Box, FormControl, IconButton, InputLabel, MenuItem, Select, Typography } from '@mui/material';
import KeyboardArrowDownIcon from '@mui/icons-material/KeyboardArrowDown';
import KeyboardArrowUpIcon from '@mui/icons-material/KeyboardArrowUp';
import type { Empresa } from '../../api/types';
import type { Column } from '../../components/DataTable';
import { RegimeSelect } from '../../components/FilterFields';
import { FilterBar, SearchField } from '../../components/Filters';
import { PageHeader } from '../../components/PageHeader';
import { PagedList } from '../../components/PagedList';
import { StatusChip } from '../../components/StatusChip';
import { useSearchState } from '../../hooks/useSearchState';
import { formatCnpj, formatInteger } from '../../lib/format';
import { processoColumns } from '../processos/columns';
import { exportarEmpresas, useEmpresaProcessos, useEmpresas } from './hooks';

function EmpresaProcessos({ empresa }: { empresa: Empresa }) {
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(10);
  const query = useEmpresaProcessos(empresa.id, page, pageSize);
  return (
    <Box sx={{ py: 2 }} data-testid="empresa-processos">
      <Typography variant="subtitle2" sx={{ mb: 1 }}>Processos de {empresa.fantasia || empresa.nome}</Typography>
      <PagedList query={query} loadingRows={3} empty="Nenhum processo desta empresa."
        columns={processoColumns.filter((c) => c.key !== 'empresa').map(({ sortKey: _, ...c }) => c)} rowHref={(p) => `/processos/${p.id}`}
        onPage={(p, s) => { setPage(p); setPageSize(s); }} />
    </Box>
  );
}

function empresaColumns(aberta: number | null): Column<Empresa>[] {
  return [
    {
      key: 'abrir', label: '', width: 48, render: (e) => (
        <IconButton size="small" aria-label={aberta === e.id ? 'Recolher processos' : 'Ver processos'}>
          {aberta === e.id ? <KeyboardArrowUpIcon /> : <KeyboardArrowDownIcon />}
        </IconButton>
      ),
    },
    {
      key: 'nome', sortKey: 'nome', label: 'Empresa', render: (e) => (
        <>
          <Typography variant="body2" sx={{ fontWeight: 500 }}>{e.nome}</Typography>
          {e.fantasia && <Typography variant="caption" color="text.secondary">{e.fantasia}</Typography>}
        </>
      ),
    },
    { key: 'cnpj', label: 'CNPJ', render: (e) => <span style={{ whiteSpace: 'nowrap' }}>{formatCnpj(e.cnpj ?? e.identificador)}</span> },
    { key: 'regime', sortKey: 'regime_tributario', label: 'Regime tributário', hideOnMobile: true, render: (e) => e.regime_tributario || 'Indefinido' },
    { key: 'uf', label: 'UF', hideOnMobile: true, render: (e) => e.uf || '—' },
    {
      // Acessórias' own counters (Obrigacoes[] of the company list), beside Espelho's counts elsewhere.
      key: 'obrigacoes_acessorias', label: 'Obrigações (Acessórias)', hideOnMobile: true, render: (e) =>
        e.obrigacoes_entregues == null ? '—' : (
          <span style={{ whiteSpace: 'nowrap' }} data-testid="contadores-acessorias"
            title="Entregues · atrasadas · próximos 30 dias · futuras (30+ dias), como o Acessórias conta">
            {e.obrigacoes_entregues} · {e.obrigacoes_atrasadas} · {e.obrigacoes_proximos_30d} · {e.obrigacoes_futuras_30}
          </span>
        ),
    },
    { key: 'situacao', label: 'Situação', render: (e) => <StatusChip status={e.status ?? (e.ativa === false ? 'Inativa' : 'Ativa')} /> },
  ];
}

const DEFAULTS = { regime: '', ativa: '', q: '', ordering: '', page: '1', page_size: '25', empresa: '' };

export function EmpresasPage() {
  const [f, set] = useSearchState(DEFAULTS);
  const filtros = { regime: f.regime, ativa: f.ativa as '' | 'true' | 'false', q: f.q, ordering: f.ordering, page: Number(f.page), page_size: Number(f.page_size) };
  const query = useEmpresas(filtros);
  const aberta = f.empresa ? Number(f.empresa) : null;
  const toggle = (e: Empresa) => set({ empresa: aberta === e.id ? '' : String(e.id) }, false);

  return (
    <>
      <PageHeader title="Empresas"
        subtitle={query.data ? `${formatInteger(query.data.total)} empresas` : 'Empresas clientes do escritório'} />
      <FilterBar>
        <SearchField value={f.q} onChange={(q) => set({ q })} placeholder="Razão social, fantasia ou CNPJ" />
        <RegimeSelect value={f.regime} onChange={(regime) => set({ regime })} />
        <FormControl size="small">
          <InputLabel id="ativa-label">Situação</InputLabel>
          <Select labelId="ativa-label" label="Situação" value={f.ativa} onChange={(e) => set({ ativa: e.target.value })}>
            <MenuItem value="">Todas</MenuItem>
            <MenuItem value="true">Ativas</MenuItem>
            <MenuItem value="false">Inativas</MenuItem>
          </Select>
        </FormControl>
      </FilterBar>
      <PagedList query={query} empty="Nenhuma empresa com esses filtros." testId="tabela-empresas" label="Empresas"
        columns={empresaColumns(aberta)} sorting={{ ordering: f.ordering || 'nome', onChange: (ordering) => set({ ordering }) }} onRowClick={toggle} exportar={exportarEmpresas(filtros)}
        details={{ expanded: (e) => aberta === e.id, render: (e) => <EmpresaProcessos empresa={e} /> }}
        onPage={(page, pageSize) => set({ page: String(page), page_size: String(pageSize) }, false)} />
    </>
  );
}
