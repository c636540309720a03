import { Fragment, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import {
  Box, Collapse, FormControl, IconButton, InputLabel, MenuItem, Paper, Select, Table, TableBody, TableCell,
  TableContainer, TableHead, TablePagination, TableRow, Typography,
} from '@mui/material';
import KeyboardArrowDownIcon from '@mui/icons-material/KeyboardArrowDown';
import KeyboardArrowUpIcon from '@mui/icons-material/KeyboardArrowUp';
import type { Empresa } from '../api/types';
import { DataTable } from '../components/DataTable';
import { RegimeSelect } from '../components/FilterFields';
import { FilterBar, SearchField } from '../components/Filters';
import { PageHeader } from '../components/PageHeader';
import { EmptyState, QueryState } from '../components/QueryState';
import { StatusChip } from '../components/StatusChip';
import { useEmpresaProcessos, useEmpresas } from '../hooks/empresas';
import { ExportButton, type Formato } from '../components/ExportButton';
import { listEmpresasApiV1EmpresasGet } from '../client/sdk.gen';
import { clean } from '../api/http';
import { useSearchState } from '../hooks/useSearchState';
import { formatCnpj, formatInteger } from '../lib/format';
import { processoColumns } from './ProcessosPage';

function EmpresaProcessos({ empresa }: { empresa: Empresa }) {
  const navigate = useNavigate();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(10);
  const query = useEmpresaProcessos(empresa.id, page, pageSize);
  return (
    <Box sx={{ py: 2 }} data-testid="empresa-processos">
      <Typography variant="subtitle2" sx={{ mb: 1 }}>Processos de {empresa.fantasia || empresa.nome}</Typography>
      <QueryState query={query} loadingRows={3} isEmpty={(d) => d.items.length === 0}
        empty={<EmptyState message="Nenhum processo desta empresa." />}>
        {(d) => (
          <DataTable columns={processoColumns.filter((c) => c.key !== 'empresa')} rows={d.items}
            onRowClick={(p) => navigate(`/processos/${p.id}`)}
            pagination={{ page: d.page, pageSize: d.page_size, total: d.total, onChange: (p, s) => { setPage(p); setPageSize(s); } }} />
        )}
      </QueryState>
    </Box>
  );
}

const DEFAULTS = { regime: '', ativa: '', q: '', page: '1', page_size: '25', empresa: '' };

export function EmpresasPage() {
  const [f, set] = useSearchState(DEFAULTS);
  const query = useEmpresas({ regime: f.regime, ativa: f.ativa as '' | 'true' | 'false', q: f.q, page: Number(f.page), page_size: Number(f.page_size) });
  const exportar = (formato: Formato) => listEmpresasApiV1EmpresasGet({
    query: { ...clean({ regime: f.regime, q: f.q }), ativa: f.ativa ? f.ativa === 'true' : undefined, formato }, parseAs: 'blob',
  });
  const aberta = f.empresa ? Number(f.empresa) : null;
  const toggle = (e: Empresa) => set({ empresa: aberta === e.id ? '' : String(e.id) }, false);

  return (
    <>
      <PageHeader title="Empresas"
        subtitle={query.data ? `${formatInteger(query.data.total)} empresas` : 'Empresas clientes do escritório'}
        actions={<ExportButton nome="empresas" fetchFile={exportar} />} />
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
      <QueryState query={query} loadingRows={8} isEmpty={(d) => d.items.length === 0}
        empty={<EmptyState message="Nenhuma empresa com esses filtros." />}>
        {(data) => (
          <Paper sx={{ overflow: 'hidden', opacity: query.isPlaceholderData ? 0.6 : 1 }}>
            <TableContainer>
              <Table size="small" data-testid="tabela-empresas" aria-label="Empresas">
                <TableHead>
                  <TableRow>
                    <TableCell sx={{ width: 48 }} />
                    <TableCell>Empresa</TableCell>
                    <TableCell>CNPJ</TableCell>
                    <TableCell sx={{ display: { xs: 'none', md: 'table-cell' } }}>Regime tributário</TableCell>
                    <TableCell sx={{ display: { xs: 'none', sm: 'table-cell' } }}>UF</TableCell>
                    <TableCell>Situação</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {data.items.map((e) => (
                    <Fragment key={e.id}>
                      <TableRow hover onClick={() => toggle(e)} sx={{ cursor: 'pointer', '& > td': { borderBottom: aberta === e.id ? 'unset' : undefined } }}>
                        <TableCell>
                          <IconButton size="small" aria-label={aberta === e.id ? 'Recolher processos' : 'Ver processos'}>
                            {aberta === e.id ? <KeyboardArrowUpIcon /> : <KeyboardArrowDownIcon />}
                          </IconButton>
                        </TableCell>
                        <TableCell>
                          <Typography variant="body2" sx={{ fontWeight: 500 }}>{e.nome}</Typography>
                          {e.fantasia && <Typography variant="caption" color="text.secondary">{e.fantasia}</Typography>}
                        </TableCell>
                        <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatCnpj(e.cnpj ?? e.identificador)}</TableCell>
                        <TableCell sx={{ display: { xs: 'none', md: 'table-cell' } }}>{e.regime_tributario || 'Indefinido'}</TableCell>
                        <TableCell sx={{ display: { xs: 'none', sm: 'table-cell' } }}>{e.uf || '—'}</TableCell>
                        <TableCell><StatusChip status={e.status ?? (e.ativa === false ? 'Inativa' : 'Ativa')} /></TableCell>
                      </TableRow>
                      <TableRow>
                        <TableCell colSpan={6} sx={{ py: 0, borderBottom: aberta === e.id ? undefined : 'none' }}>
                          <Collapse in={aberta === e.id} timeout="auto" unmountOnExit>
                            <EmpresaProcessos empresa={e} />
                          </Collapse>
                        </TableCell>
                      </TableRow>
                    </Fragment>
                  ))}
                </TableBody>
              </Table>
            </TableContainer>
            <TablePagination component="div" count={data.total} page={data.page - 1} rowsPerPage={data.page_size}
              rowsPerPageOptions={[10, 25, 50, 100]} labelRowsPerPage="Por página"
              labelDisplayedRows={({ from, to, count }) => `${from}–${to} de ${count}`}
              onPageChange={(_, p) => set({ page: String(p + 1) }, false)}
              onRowsPerPageChange={(ev) => set({ page_size: ev.target.value, page: '1' }, false)} />
          </Paper>
        )}
      </QueryState>
    </>
  );
}

