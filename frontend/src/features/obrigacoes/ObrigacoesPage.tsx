import { Box, Chip, FormControl, InputLabel, MenuItem, Paper, Select, Stack, Typography } from '@mui/material';
import type { Obrigacao } from '../../api/types';
import type { Column } from '../../components/DataTable';
import { CompetenciaField, DateFilter, EmpresaPicker } from '../../components/FilterFields';
import { FilterBar, SearchField } from '../../components/Filters';
import { PageHeader } from '../../components/PageHeader';
import { PagedList } from '../../components/PagedList';
import { exportarObrigacoes, ORDEM_PADRAO, type ObrigacaoFiltros, useObrigacoes } from './hooks';
import { useRegras } from '../../hooks/useRegras';
import { EscopoToggle } from '../minhafila/EscopoToggle';
import { responsavelDo } from '../minhafila/hooks';
import { useSearchState } from '../../hooks/useSearchState';
import { formatCnpj, formatCompetencia, formatDate, formatInteger, shiftDays } from '../../lib/format';

type Situacao = Obrigacao['situacao'];
// Presentation only: the situação itself (and its label) comes from the backend (GET /api/v1/regras).
const COR: Record<Situacao, 'success' | 'default' | 'error' | 'warning'> = {
  entregue: 'success', dispensada: 'default', atrasada: 'error', a_vencer: 'warning',
};

/** The backend's label of each situação value (GET /api/v1/regras), the value itself until it loads. */
function useRotulos(): (valor: string) => string {
  const situacoes = useRegras().data?.obrigacao_situacoes;
  return (valor) => situacoes?.find((s) => s.valor === valor)?.rotulo ?? valor;
}

/** Whole days from the backend's today (GET /api/v1/regras `data`) to a due date. */
function diasAte(vencimento: string | null, hoje: string | undefined): number | null {
  if (!vencimento || !hoje) return null;
  return Math.round((Date.parse(`${vencimento}T00:00:00Z`) - Date.parse(`${hoje}T00:00:00Z`)) / 86_400_000);
}

function Vencimento({ o }: { o: Obrigacao }) {
  const regras = useRegras().data;
  const rotulo = useRotulos();
  const atrasada = o.situacao === 'atrasada';
  const dias = o.situacao === 'a_vencer' ? diasAte(o.data_vencimento, regras?.data) : null;
  return (
    <Box>
      <Typography variant="body2" sx={{ fontWeight: atrasada ? 600 : 400, color: atrasada ? 'error.main' : undefined }}>
        {formatDate(o.data_vencimento)}
      </Typography>
      {atrasada ? <Chip size="small" color="error" label={rotulo('atrasada')} sx={{ mt: 0.5 }} data-testid="atrasada" /> :
        dias !== null && regras && dias >= 0 && dias <= regras.vencem_dias ?
          <Typography variant="caption" color="warning.main">{dias === 0 ? 'vence hoje' : `em ${dias} dia${dias > 1 ? 's' : ''}`}</Typography> : null}
    </Box>
  );
}

function SituacaoChip({ o }: { o: Obrigacao }) {
  const rotulo = useRotulos();
  return (
    <Box>
      <Chip size="small" variant="outlined" color={COR[o.situacao]} label={rotulo(o.situacao)} data-testid="situacao" />
      {o.status && o.status !== rotulo(o.situacao) &&
        <Typography variant="caption" color="text.secondary" sx={{ display: 'block' }}>{o.status}</Typography>}
    </Box>
  );
}

const columns: Column<Obrigacao>[] = [
  { key: 'data_vencimento', sortKey: 'data_vencimento', label: 'Vencimento', render: (o) => <Vencimento o={o} /> },
  {
    key: 'tipo', sortKey: 'tipo', label: 'Obrigação', render: (o) => (
      <Box>
        <Typography variant="body2" sx={{ fontWeight: 500 }}>{o.tipo}</Typography>
        {o.departamento && <Typography variant="caption" color="text.secondary">{o.departamento}</Typography>}
      </Box>
    ),
  },
  {
    key: 'empresa', label: 'Empresa', render: (o) => (
      <Box>
        <Typography variant="body2">{o.empresa_nome ?? '—'}</Typography>
        {o.empresa_cnpj && <Typography variant="caption" color="text.secondary">{formatCnpj(o.empresa_cnpj)}</Typography>}
      </Box>
    ),
  },
  { key: 'competencia', label: 'Competência', render: (o) => formatCompetencia(o.competencia), hideOnMobile: true },
  { key: 'situacao', label: 'Situação', render: (o) => <SituacaoChip o={o} /> },
  { key: 'data_entrega', sortKey: 'data_entrega', label: 'Entrega', render: (o) => formatDate(o.data_entrega), hideOnMobile: true },
  { key: 'responsavel', label: 'Responsável', render: (o) => o.responsavel || '—', hideOnMobile: true },
  { key: 'responsavel_prazo', label: 'Responsável pelo prazo', render: (o) => o.responsavel_prazo || '—', hideOnMobile: true },
];

const DEFAULTS = { ordering: '', situacao: '', tipo: '', empresa: '', competencia: '', de: '', ate: '', escopo: '', page: '1', page_size: '25' };


/** The subtitle's words for the list's order. */
function ordemDescrita(ordering: string): string {
  if (!ordering || ordering === ORDEM_PADRAO) return 'vencimentos mais próximos de hoje primeiro';
  const campo = columns.find((c) => c.sortKey === ordering.replace(/^-/, ''))?.label.toLowerCase() ?? ordering;
  return `por ${campo}${ordering.startsWith('-') ? ' (decrescente)' : ''}`;
}

/** Quick views: each one is just a set of filters. */
function atalhos(hoje: string, vencemDias: number): { label: string; filtros: Partial<typeof DEFAULTS> }[] {
  const limpo = { situacao: '', de: '', ate: '' };
  return [
    { label: 'Todas', filtros: limpo },
    { label: 'Atrasadas', filtros: { ...limpo, situacao: 'atrasada' } },
    { label: 'Pendentes', filtros: { ...limpo, situacao: 'pendente' } },
    { label: 'Vencendo (±15 dias)', filtros: { ...limpo, de: shiftDays(hoje, -15), ate: shiftDays(hoje, 15) } },
    { label: `Próximos ${vencemDias} dias`, filtros: { ...limpo, situacao: 'pendente', de: hoje, ate: shiftDays(hoje, vencemDias) } },
  ];
}

export function ObrigacoesPage() {
  const [f, set] = useSearchState(DEFAULTS);
  const { escopo, ...campos } = f;
  const filtros: ObrigacaoFiltros = {
    ...campos, situacao: campos.situacao as ObrigacaoFiltros['situacao'], responsavel: responsavelDo(escopo),
    page: Number(f.page), page_size: Number(f.page_size),
  };
  const query = useObrigacoes(filtros);
  const regras = useRegras().data;
  return (
    <>
      <PageHeader title="Obrigações"
        subtitle={query.data ? `${formatInteger(query.data.total)} obrigações, ${ordemDescrita(f.ordering)}` : 'Entregas e obrigações por vencimento'} />
      <Paper sx={{ p: 1.5, mb: 2 }}>
        <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap' }}>
          {regras && atalhos(regras.data, regras.vencem_dias).map((a) => {
            const ativo = Object.entries(a.filtros).every(([k, v]) => f[k as keyof typeof f] === v);
            return (
              <Chip key={a.label} label={a.label} clickable color={ativo ? 'primary' : 'default'} variant={ativo ? 'filled' : 'outlined'}
                onClick={() => set(a.filtros)} />
            );
          })}
        </Stack>
      </Paper>
      <FilterBar>
        <EscopoToggle value={f.escopo} onChange={(v) => set({ escopo: v })} />
        <SearchField value={f.tipo} onChange={(tipo) => set({ tipo })} label="Obrigação" placeholder="DAS, EFD-REINF…" />
        <FormControl size="small">
          <InputLabel id="ob-situacao-label">Situação</InputLabel>
          <Select labelId="ob-situacao-label" label="Situação" value={f.situacao} onChange={(e) => set({ situacao: e.target.value })}>
            <MenuItem value="">Todas</MenuItem>
            {(regras?.obrigacao_situacoes ?? []).map((s) => <MenuItem key={s.valor} value={s.valor}>{s.rotulo}</MenuItem>)}
          </Select>
        </FormControl>
        <EmpresaPicker value={f.empresa} onChange={(empresa) => set({ empresa })} />
        <CompetenciaField value={f.competencia} onChange={(competencia) => set({ competencia })} />
        <DateFilter label="Vencimento de" value={f.de} onChange={(de) => set({ de })} />
        <DateFilter label="até" value={f.ate} onChange={(ate) => set({ ate })} />
      </FilterBar>
      <PagedList query={query} empty="Nenhuma obrigação com esses filtros." testId="tabela-obrigacoes" label="Obrigações"
        columns={columns} sorting={{ ordering: f.ordering || ORDEM_PADRAO, onChange: (ordering) => set({ ordering }) }}
        rowSx={(o) => (o.situacao === 'atrasada' ? { bgcolor: 'rgba(211, 47, 47, 0.06)' } : undefined)}
        exportar={exportarObrigacoes(filtros)}
        onPage={(page, pageSize) => set({ page: String(page), page_size: String(pageSize) }, false)} />
    </>
  );
}
