import { FormControl, InputLabel, MenuItem, Select } from '@mui/material';
import { CompetenciaField, EmpresaPicker, RegimeSelect } from '../../components/FilterFields';
import { FilterBar, SearchField } from '../../components/Filters';
import { PageHeader } from '../../components/PageHeader';
import { PagedList } from '../../components/PagedList';
import { exportarProcessos, type ProcessoFiltros, useProcessos } from './hooks';
import { EscopoToggle } from '../minhafila/EscopoToggle';
import { responsavelDo } from '../minhafila/hooks';
import { useRegras } from '../../hooks/useRegras';
import { useSearchState } from '../../hooks/useSearchState';
import { processoColumns } from './columns';
import { formatInteger } from '../../lib/format';

const DEFAULTS = { competencia: '', aberto: '', status: '', empresa: '', regime: '', q: '', escopo: '', ordering: '', page: '1', page_size: '25' };

export function ProcessosPage() {
  const [f, set] = useSearchState(DEFAULTS);
  const regras = useRegras();
  const filtros = {
    competencia: f.competencia, aberto: f.aberto as ProcessoFiltros['aberto'], status: f.status, empresa: f.empresa, regime: f.regime, q: f.q, ordering: f.ordering,
    responsavel: responsavelDo(f.escopo),
    page: Number(f.page), page_size: Number(f.page_size),
  };
  const query = useProcessos(filtros);

  return (
    <>
      <PageHeader title="Processos"
        subtitle={query.data ? `${formatInteger(query.data.total)} processos encontrados` : 'Processos da Acessórias'} />
      <FilterBar>
        <EscopoToggle value={f.escopo} onChange={(escopo) => set({ escopo })} />
        <SearchField value={f.q} onChange={(q) => set({ q })} placeholder="Título, nome ou número" />
        <CompetenciaField value={f.competencia} onChange={(competencia) => set({ competencia })} />
        <FormControl size="small">
          <InputLabel id="aberto-label">Situação</InputLabel>
          <Select labelId="aberto-label" label="Situação" value={f.aberto} onChange={(e) => set({ aberto: e.target.value })}
            data-testid="filtro-aberto">
            <MenuItem value="">Todos</MenuItem>
            <MenuItem value="true">Abertos</MenuItem>
            <MenuItem value="false">Fechados</MenuItem>
          </Select>
        </FormControl>
        <FormControl size="small">
          <InputLabel id="status-label">Status</InputLabel>
          <Select labelId="status-label" label="Status" value={f.status} onChange={(e) => set({ status: e.target.value })}
            data-testid="filtro-status">
            <MenuItem value="">Todos</MenuItem>
            {(regras.data?.processo_status ?? []).map((s) => <MenuItem key={s} value={s}>{s}</MenuItem>)}
          </Select>
        </FormControl>
        <EmpresaPicker value={f.empresa} onChange={(empresa) => set({ empresa })} />
        <RegimeSelect value={f.regime} onChange={(regime) => set({ regime })} />
      </FilterBar>
      <PagedList query={query} empty="Nenhum processo com esses filtros." testId="tabela-processos" label="Processos"
        columns={processoColumns} rowHref={(p) => `/processos/${p.id}`}
        sorting={{ ordering: f.ordering || '-id', onChange: (ordering) => set({ ordering }) }} exportar={exportarProcessos(filtros)}
        onPage={(page, pageSize) => set({ page: String(page), page_size: String(pageSize) }, false)} />
    </>
  );
}
