// One page of an API list: its loading, error and empty states, the table and the pagination; with
// `exportar`, the "Exportar" button of the whole filtered list.
import { Box } from '@mui/material';
import type { Exportar } from '../api/download';
import type { Page } from '../api/types';
import { DataTable, type DataTableProps } from './DataTable';
import { ExportButton } from './ExportButton';
import { EmptyState, QueryState } from './QueryState';

interface PageQuery<T> {
  data: Page<T> | undefined;
  isPending: boolean;
  isError: boolean;
  isPlaceholderData: boolean;
  error: unknown;
  refetch: () => unknown;
}

/** `onPage(page, pageSize)` keeps the page where the caller keeps its filters (the URL, a state). */
export function PagedList<T extends { id: number | string }>({ query, empty, onPage, loadingRows = 8, exportar, ...table }: {
  query: PageQuery<T>;
  empty: string;
  onPage: (page: number, pageSize: number) => void;
  loadingRows?: number;
  exportar?: Exportar;
} & Omit<DataTableProps<T>, 'rows' | 'pagination'>) {
  return (
    <>
      {exportar && (
        <Box sx={{ display: 'flex', justifyContent: 'flex-end', mb: 1 }}><ExportButton exportar={exportar} /></Box>
      )}
      <QueryState query={query} loadingRows={loadingRows} isEmpty={(d) => d.items.length === 0}
        empty={<EmptyState message={empty} />}>
        {(data) => (
          <Box sx={{ opacity: query.isPlaceholderData ? 0.6 : 1 }}>
            <DataTable {...table} rows={data.items}
              pagination={{ page: data.page, pageSize: data.page_size, total: data.total, onChange: onPage }} />
          </Box>
        )}
      </QueryState>
    </>
  );
}
