// One page of an API list: its loading, error and empty states, the table and the pagination.
import { Box } from '@mui/material';
import type { Page } from '../api/types';
import { DataTable, type DataTableProps } from './DataTable';
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
export function PagedList<T extends { id: number | string }>({ query, empty, onPage, loadingRows = 8, ...table }: {
  query: PageQuery<T>;
  empty: string;
  onPage: (page: number, pageSize: number) => void;
  loadingRows?: number;
} & Omit<DataTableProps<T>, 'rows' | 'pagination'>) {
  return (
    <QueryState query={query} loadingRows={loadingRows} isEmpty={(d) => d.items.length === 0}
      empty={<EmptyState message={empty} />}>
      {(data) => (
        <Box sx={{ opacity: query.isPlaceholderData ? 0.6 : 1 }}>
          <DataTable {...table} rows={data.items}
            pagination={{ page: data.page, pageSize: data.page_size, total: data.total, onChange: onPage }} />
        </Box>
      )}
    </QueryState>
  );
}
