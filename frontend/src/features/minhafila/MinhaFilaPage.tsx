import type { ReactNode } from 'react';
import { Alert, Box, Chip, Paper, Stack, Typography } from '@mui/material';
import { useNavigate } from 'react-router-dom';
import type { FilaObrigacao, FilaProcesso } from '../../client/types.gen';
import { DataTable, type Column } from '../../components/DataTable';
import { PageHeader } from '../../components/PageHeader';
import { EmptyState, QueryState } from '../../components/QueryState';
import { ApiError } from '../../api/http';
import { formatDate, formatInteger } from '../../lib/format';
import { useMinhaFila } from './hooks';

const obrigacaoColumns: Column<FilaObrigacao>[] = [
  { key: 'vencimento', label: 'Prazo', render: (o) => formatDate(o.vencimento) },
  { key: 'tipo', label: 'Obrigação', render: (o) => o.tipo },
  { key: 'empresa', label: 'Empresa', render: (o) => o.empresa, hideOnMobile: true },
];

const processoColumns: Column<FilaProcesso>[] = [
  { key: 'titulo', label: 'Processo', render: (p) => p.titulo },
  { key: 'empresa', label: 'Empresa', render: (p) => p.empresa ?? '—', hideOnMobile: true },
  { key: 'passo', label: 'Próximo passo', render: (p) => p.passo ?? 'Sem passo pendente' },
  {
    key: 'dias_parado', label: 'Parado há', align: 'right', render: (p) => (
      <Typography variant="body2" color={p.dias_parado > 7 ? 'error.main' : undefined}>
        {p.dias_parado === 1 ? '1 dia' : `${formatInteger(p.dias_parado)} dias`}
      </Typography>
    ),
  },
];

function Secao({ titulo, total, testId, children }: { titulo: string; total: number; testId: string; children: ReactNode }) {
  return (
    <Box component="section" data-testid={testId} sx={{ mb: 3 }}>
      <Stack direction="row" spacing={1} alignItems="center" sx={{ mb: 1 }}>
        <Typography variant="h6" component="h2">{titulo}</Typography>
        <Chip size="small" label={formatInteger(total)} data-testid={`${testId}-total`} />
      </Stack>
      {children}
    </Box>
  );
}

export function MinhaFilaPage() {
  const fila = useMinhaFila();
  const navigate = useNavigate();
  if (fila.error instanceof ApiError && fila.error.error === 'sem_vinculo_acessorias') {
    return (
      <>
        <PageHeader title="Minha fila" />
        <Alert severity="info" data-testid="sem-vinculo">{fila.error.message}</Alert>
      </>
    );
  }
  return (
    <>
      <PageHeader title="Minha fila"
        subtitle={fila.data ? `${fila.data.responsavel.nome} · situação em ${formatDate(fila.data.data)}` : 'O que é meu'} />
      <QueryState query={fila} loadingRows={6}>
        {(f) => (
          <>
            <Secao titulo="Obrigações atrasadas" total={f.atrasadas.total} testId="fila-atrasadas">
              {f.atrasadas.items.length
                ? <DataTable columns={obrigacaoColumns} rows={f.atrasadas.items} label="Minhas obrigações atrasadas"
                    rowSx={() => ({ '& td': { color: 'error.main' } })} />
                : <EmptyState message="Nenhuma obrigação atrasada." />}
            </Secao>
            <Secao titulo="Vencem nos próximos 7 dias" total={f.vencem.total} testId="fila-vencem">
              {f.vencem.items.length
                ? <DataTable columns={obrigacaoColumns} rows={f.vencem.items} label="Minhas obrigações que vencem em 7 dias" />
                : <EmptyState message="Nenhuma obrigação vence nos próximos 7 dias." />}
            </Secao>
            <Secao titulo="Meus processos abertos" total={f.processos.total} testId="fila-processos">
              {f.processos.items.length
                ? <DataTable columns={processoColumns} rows={f.processos.items} label="Meus processos abertos"
                    onRowClick={(p) => navigate(`/processos/${p.id}`)} />
                : <EmptyState message="Nenhum processo aberto." />}
            </Secao>
            {(f.atrasadas.total > f.atrasadas.items.length || f.processos.total > f.processos.items.length) && (
              <Paper variant="outlined" sx={{ p: 2 }}>
                <Typography variant="body2" color="text.secondary">
                  A lista mostra os primeiros itens de cada parte; veja todos em Obrigações e Processos com “Minhas”.
                </Typography>
              </Paper>
            )}
          </>
        )}
      </QueryState>
    </>
  );
}
